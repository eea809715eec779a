"""The exact path: every emulator kernel also runs as plain Python on Python integers, at any
width, for the layers whose types do not fit the int64 kernels.

A kernel's *twin* is its own Python source with the three primitives that rely on int64
(:func:`~hlsfx.emulator.primitives.rounding_shift`, ``wrap``, ``left_shift_fits``) replaced by
their unbounded forms below, and every numba function it calls replaced by that function's twin.
So the narrow and the exact path share one source per kernel, and the oracle tests check both.
A step prepared under :func:`preparing_exact` and wrapped by :func:`exact_step` runs its
kernels' twins on Python integers; it is slow (microseconds per operation) and taken only
where the types need it.
"""

from __future__ import annotations

import contextlib
import threading
import types
from collections.abc import Callable, Iterator

import numpy as np
from numba.core.registry import CPUDispatcher

from hlsfx.emulator import primitives
from hlsfx.ir import exact

__all__ = ["TooWide", "as_exact", "exact_active", "exact_step", "preparing_exact", "twin"]


class TooWide(ValueError):
    """A layer's types do not fit the int64 kernels (the exact path takes it)."""


def _rounding_shift(v: int, shift: int, rounding: int) -> int:
    floor = v >> shift
    half = (v >> (shift - 1)) & 1 != 0
    rest = v & ((1 << (shift - 1)) - 1) != 0
    return floor + primitives.round_increment.py_func(floor, half, rest, v < 0, rounding)


def _left_shift_fits(v: int, shift: int, lo: int, hi: int) -> bool:
    return lo <= v << shift <= hi


_UNBOUNDED = {
    primitives.rounding_shift: _rounding_shift,
    primitives.wrap: exact.wrap,
    primitives.left_shift_fits: _left_shift_fits,
}
_TWINS: dict[object, Callable] = {}
_STATE = threading.local()


def twin(function: object) -> Callable:
    """The plain-Python twin of a numba function (see the module docstring)."""
    if function in _UNBOUNDED:
        return _UNBOUNDED[function]
    if function in _TWINS:
        return _TWINS[function]
    source = getattr(function, "dispatcher", function).py_func
    namespace = dict(source.__globals__)
    for name in source.__code__.co_names:
        value = namespace.get(name)
        if isinstance(value, CPUDispatcher) or hasattr(value, "dispatcher"):
            namespace[name] = twin(value)
    made = types.FunctionType(source.__code__, namespace, source.__name__, source.__defaults__)
    _TWINS[function] = made
    return made


def exact_active() -> bool:
    """Whether kernels called on this thread now run their twins."""
    return getattr(_STATE, "exact", False)


@contextlib.contextmanager
def preparing_exact() -> Iterator[None]:
    """While a layer's exact step is prepared (or runs): width checks pass, and kernels run
    their twins, their integer arguments as Python integers (see :func:`as_exact`)."""
    before = exact_active()
    _STATE.exact = True
    try:
        yield
    finally:
        _STATE.exact = before


def as_exact(value: object) -> object:
    """Integer arrays and scalars as Python integers (floats, holding exact codes, stay)."""
    if isinstance(value, np.ndarray):
        return value.astype(object) if value.dtype.kind in "iu" else value
    return int(value) if isinstance(value, np.integer) else value


def exact_step(step: Callable) -> Callable:
    """``step`` running its kernels' twins on Python integers."""

    def exact(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        with preparing_exact():
            return step(inputs, out, scratch)

    return exact
