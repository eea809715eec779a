"""hls4ml's test vectors (``tb_data/``) as raw codes: ``tb_input_features.dat`` (the inputs, as
decimal text) and ``csim_results.log`` (the C simulation's outputs, as ap_fixed prints them),
one vector per line."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from hlsfx.codegen.vectors import read_rows
from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType

__all__ = ["read_tb_inputs", "read_tb_outputs"]


def _finite(text: str) -> float:
    if "_" in text:  # Python's 1_000, which C does not read
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def _values(path: str | Path) -> np.ndarray:
    """The numbers of a tb_data file, one vector per line."""
    return np.array(read_rows(path, _finite, "finite numbers"), dtype=np.float64)


def read_tb_inputs(path: str | Path, input_type: FixedType | str) -> np.ndarray:
    """The input codes hls4ml's testbench gives the design: each value read as a C ``float``,
    then assigned to ``input_type`` (its own rounding and overflow modes)."""
    values = _values(path).astype(np.float32).astype(np.float64)
    return exact.quantize(values, input_type)


def read_tb_outputs(path: str | Path, output_type: FixedType | str) -> np.ndarray:
    """The output codes a C simulation printed: each value the nearest code of
    ``output_type`` (ap_fixed prints a few significant digits, closer to its own code than to
    any other); a value outside the type's range is a ``ValueError`` naming it."""
    t = FixedType.parse(output_type) if isinstance(output_type, str) else output_type
    if t.width > 53:
        raise ValueError(f"{output_type}: printed values of more than 53 bits do not give codes")
    values = _values(path)
    codes = np.rint(values * 2.0**t.fractional)
    outside = (codes < t.min_code) | (codes > t.max_code)
    if outside.any():
        row, col = (int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{path}: vector {row}, value {col} is {values[row, col]}, outside "
            f"{t} ({float(t.min)} .. {float(t.max)})"
        )
    return codes.astype(np.int64)
