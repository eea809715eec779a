"""What every layer family's steps share: the step's signature, scratch arrays, the int64
limit and the cast to a layer's result."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hlsfx.emulator import kernels, twins
from hlsfx.emulator.quantize import MAX_SIGNED_WIDTH
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Layer
from hlsfx.numerics.config import LayerPrecision

__all__ = ["FLOAT_EXACT", "Step", "adapted", "require_int64", "scratch_array", "to_result"]

Step = Callable[[list[np.ndarray], np.ndarray, dict], dict[str, int]]
"""(raw inputs (batch, features), the output array to fill, a scratch dict private to the
calling run) -> overflow counts per role. Steps keep no state between calls, so one model
can run in several threads at once.

A step may carry two attributes: ``float_codes`` (it takes, and can give, codes as exact
float64) and ``uncounted``, a faster step giving the same codes without counting every
overflow, which runs whose counts are not read take instead."""

FLOAT_EXACT = 1 << 53


def adapted(step: Step, adapt: Callable[[Step], Step]) -> Step:
    """``adapt(step)``, with the step's ``float_codes`` and its ``uncounted`` twin adapted the
    same way."""
    made = adapt(step)
    made.float_codes = getattr(step, "float_codes", False)
    if hasattr(step, "uncounted"):
        made.uncounted = adapt(step.uncounted)
    return made


def scratch_array(scratch: dict, key, rows: int, cols: int, dtype) -> np.ndarray:
    """A (rows, cols) work array kept in ``scratch`` under ``key``: reused while large enough,
    so a thread's scratch grows to its largest chunk and no further."""
    held = scratch.get(key)
    if held is None or held.shape[0] < rows or held.shape[1] != cols or held.dtype != dtype:
        held = scratch[key] = np.empty((rows, cols), dtype)
    return held[:rows]


def require_int64(layer: Layer, what: str, t: FixedType, limit: int = MAX_SIGNED_WIDTH) -> None:
    """Send a layer whose ``what`` does not fit the int64 kernels to the exact path
    (:class:`~hlsfx.emulator.twins.TooWide`), unless its exact step is being prepared."""
    if t.width > limit and not twins.exact_active():
        raise twins.TooWide(f"{layer.describe()}: the {what} needs {t.width} bits ({t})")


def to_result(x_t: FixedType, p: LayerPrecision) -> tuple[int, tuple]:
    """The shift and target that cast codes of ``x_t`` to the layer's result type."""
    return x_t.fractional - p.types["result"].fractional, kernels.target(p.types["result"])
