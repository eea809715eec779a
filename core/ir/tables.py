"""Lookup tables for activations: their range, index rule and entries, as exact integers.

A table of ``size`` entries (a power of two) covers inputs on a grid ``lo + k * step`` with
``step`` a power of two no finer than the input type's LSB. The index is computed from the raw
input code with integer operations only and rounds to the nearest grid point (ties up):

    index = clamp((code - lo_code + half) >> shift, 0, size - 1)

where ``lo_code = lo * 2**F_in``, ``shift = log2(step) + F_in`` and ``half = 2**(shift-1)``
(0 when ``shift`` is 0). Entry ``k`` is ``cast(f(lo + k * step), entry_type)``, computed once in
float64; an input between grid points reads the nearest one, so the table is not biased.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from hlsfx.ir.exact import quantize
from hlsfx.ir.fixed_type import FixedType

__all__ = ["FUNCTIONS", "INDEX_RULES", "NEAREST", "TOP_BITS", "TOWARD_ZERO", "Table"]
__all__ += ["TableRequest", "TableSpec", "build_table"]


@dataclass(frozen=True)
class TableSpec:
    """A lookup table a kind uses: its role name and the function it tabulates."""

    role: str
    """the precision role of the table's entries (its size is ``<role>_size``)"""
    function: str
    """the name of the tabulated function in :mod:`hlsfx.ir.tables`"""
    input_role: str
    """the role whose type indexes the table (``input`` is the layer's input tensor)"""


@dataclass(frozen=True)
class TableRequest:
    """A lookup table a layer needs: what it tabulates over which input type."""

    role: str
    """the table's role (its entries' type, and the ``<role>_size``/``_range`` settings)"""
    function: str
    """the tabulated function's name in :mod:`hlsfx.ir.tables`"""
    input_type: FixedType
    n: int = 1
    """the softmax row length the function may depend on"""
    attrs: Mapping[str, Any] | None = None
    """the layer attributes the function reads (alpha of ELU, say)"""
    default_range: tuple[float, float] | None = None
    """the range when the settings give none (None: the function's natural range)"""


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _reciprocal(x: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return 1.0 / x


@dataclass(frozen=True)
class TableFunction:
    """A function that can be tabulated, and where it stops changing at a given precision."""

    name: str
    evaluate: object
    """(float64 array, layer attributes) -> float64 array"""
    natural_range: object
    """(entry type, n inputs of the layer) -> (lo, hi) as floats: where f still changes"""
    centred: bool = False
    """a grid wider than the range is centred on it (for functions of both tails)"""
    linear_from: object = None
    """(entry type) -> x from which f(x) is x within half an entry LSB, for functions that
    become their input (x times a gate that reaches 1): layers give x there, not the table"""


def _symmetric(scale: float):
    def natural_range(entry: FixedType, n: int) -> tuple[float, float]:
        # f is within half an LSB of its limits beyond |x| = a
        a = scale * (entry.fractional + 2) * math.log(2)
        return -a, a

    return natural_range


def _below_zero(scale: float):
    """ELU-like: exp(x) - 1 reaches -1 within half an LSB beyond x = -(F + 2) ln 2."""

    def natural_range(entry: FixedType, n: int) -> tuple[float, float]:
        return -scale * (entry.fractional + 2) * math.log(2), 0.0

    return natural_range


def _softplus_range(entry: FixedType, n: int) -> tuple[float, float]:
    # below: softplus(x) < half an LSB; above: it exceeds what the entries hold
    return -(entry.fractional + 2) * math.log(2), float(entry.max) + 1.0


_erf = np.vectorize(math.erf, otypes=[np.float64])


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def _gelu_tanh(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def _mish(x: np.ndarray) -> np.ndarray:
    return x * np.tanh(np.logaddexp(0.0, x))


def _gated(f):
    """The natural range and the start of the linear tail of ``f(x) = x * gate(x)``, a gate
    from 0 to 1 (GELU, SiLU, Mish): below the range |f(x)| < half an LSB (the gate falls at
    least as fast as exp(x)); from the tail on, |f(x) - x| < half an LSB."""

    def crossing(entry: FixedType, error, lo: float, hi: float) -> float:
        """Where ``error`` (falling from lo to hi, or rising) crosses half an entry LSB."""
        half = 2.0 ** -(entry.fractional + 1)
        above_at_lo = error(lo) >= half
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if (error(mid) >= half) == above_at_lo else (lo, mid)
        return hi if above_at_lo else lo

    def at(x: float) -> float:
        return float(f(np.array([x]))[0])

    def linear_from(entry: FixedType) -> float:  # |x - f(x)| falls from its peak below 1 on
        return crossing(entry, lambda x: abs(x - at(x)), 1.0, 64.0)

    def natural_range(entry: FixedType, n: int) -> tuple[float, float]:
        # |f(x)| rises from 0 far below to its peak above -1
        return crossing(entry, lambda x: abs(at(x)), -64.0, -1.0), linear_from(entry)

    return {"natural_range": natural_range, "linear_from": linear_from}


def _softsign_range(entry: FixedType, n: int) -> tuple[float, float]:
    a = 2.0 ** (entry.fractional + 1)  # 1 - |softsign(x)| = 1 / (1 + |x|) < half an LSB beyond
    return -a, a


FUNCTIONS: dict[str, TableFunction] = {
    f.name: f
    for f in (
        TableFunction("sigmoid", lambda x, a: _sigmoid(x), _symmetric(1.0), centred=True),
        TableFunction("tanh", lambda x, a: np.tanh(x), _symmetric(0.5), centred=True),
        TableFunction("softplus", lambda x, a: np.logaddexp(0.0, x), _softplus_range),
        TableFunction(
            "softsign", lambda x, a: x / (1.0 + np.abs(x)), _softsign_range, centred=True
        ),
        # ELU and SELU are tabulated below zero only; above, they are exact products
        TableFunction(
            "elu", lambda x, a: a["alpha"] * np.expm1(np.minimum(x, 0.0)), _below_zero(1.0)
        ),
        TableFunction(
            "selu",
            lambda x, a: a["gamma"] * a["alpha"] * np.expm1(np.minimum(x, 0.0)),
            _below_zero(1.0),
        ),
        TableFunction(
            "exp_neg", lambda d, a: np.exp(-d), lambda e, n: (0.0, (e.fractional + 2) * math.log(2))
        ),
        TableFunction("gelu", lambda x, a: _gelu(x), **_gated(_gelu)),
        TableFunction("gelu_tanh", lambda x, a: _gelu_tanh(x), **_gated(_gelu_tanh)),
        TableFunction("silu", lambda x, a: x * _sigmoid(x), **_gated(lambda x: x * _sigmoid(x))),
        TableFunction("mish", lambda x, a: _mish(x), **_gated(_mish)),
        # exp(x) for the latency softmax and the Exp layer: from below half an LSB to where the
        # entries saturate
        TableFunction(
            "exp",
            lambda x, a: np.exp(np.minimum(x, 700.0)),
            lambda e, n: (-(e.fractional + 2) * math.log(2), math.log(float(e.max)) + 1.0),
        ),
        # the softmax sum lies in [1, n]; entries below 1 only matter for narrow exp tables
        TableFunction(
            "reciprocal", lambda x, a: _reciprocal(x), lambda e, n: (0.0, float(max(n, 2)))
        ),
    )
}


NEAREST, TOWARD_ZERO, TOP_BITS = "nearest", "toward_zero", "top_bits"
INDEX_RULES = (NEAREST, TOWARD_ZERO, TOP_BITS)
"""How a table's index follows from a raw input code (the kernels take the rule's position):

- ``nearest`` (hlsfx): ``clamp((code - lo_code + half) >> shift, 0, size - 1)``;
- ``toward_zero`` (hls4ml's sigmoid and tanh): ``clamp(trunc(code / 2**shift) + offset, 0,
  size - 1)``, the division truncated toward zero (a negative ``shift`` multiplies);
- ``top_bits`` (hls4ml's softmax): the top log2(size) bits of the code's two's complement
  bits, ``(code >> shift) & (size - 1)``."""


@dataclass(frozen=True)
class Table:
    """A resolved lookup table: index rule and raw entries (see the module docstring)."""

    function: str
    input_type: FixedType
    entry_type: FixedType
    lo_code: int
    shift: int
    entries: np.ndarray
    rule: str = NEAREST
    offset: int = 0
    """what ``toward_zero`` adds to the truncated quotient"""

    @property
    def size(self) -> int:
        return len(self.entries)

    @property
    def step(self) -> Fraction:
        return Fraction(2) ** (self.shift - self.input_type.fractional)

    @property
    def lo(self) -> Fraction:
        if self.rule == TOWARD_ZERO:
            return -self.offset * self.step
        if self.rule == TOP_BITS:
            return self.input_type.min
        return self.lo_code * self.input_type.lsb

    @property
    def hi(self) -> Fraction:
        """End of the covered range: ``lo + size * step``."""
        return self.lo + self.size * self.step

    @property
    def half(self) -> int:
        """What the index rule adds before the shift, so that it rounds to the nearest entry."""
        return (1 << (self.shift - 1)) if self.shift else 0

    @property
    def index_width(self) -> int:
        """Bits of an entry's index (a ROM address)."""
        return max(1, (self.size - 1).bit_length())

    @property
    def raw_width(self) -> int:
        """Bits of a signed integer that holds any raw input code."""
        t = self.input_type
        return t.width if t.signed else t.width + 1

    @property
    def index_sum_width(self) -> int:
        """Bits of a signed integer that holds the index before its clamp, for any input code
        (``code - lo_code + half``; ``trunc(code / 2**shift) + offset``, with the code first
        clamped to +-size when ``shift`` is negative)."""
        if self.rule == TOWARD_ZERO:
            reach = self.size.bit_length() + max(0, -self.shift)
            return max(self.raw_width + 1, reach + 1, abs(self.offset).bit_length() + 1) + 2
        return max(self.raw_width, abs(self.lo_code).bit_length() + 1, self.shift + 1) + 2

    @property
    def add(self) -> int:
        """The constant of the index rule: ``half - lo_code`` (nearest), ``offset``
        (toward_zero), 0 (top_bits)."""
        if self.rule == NEAREST:
            return self.half - self.lo_code
        return self.offset if self.rule == TOWARD_ZERO else 0

    def index(self, codes: np.ndarray) -> np.ndarray:
        """The entry index of raw input codes (the rule the kernels, C++ and RTL implement)."""
        codes = np.asarray(codes, dtype=np.int64)
        if self.rule == TOP_BITS:
            return (codes >> self.shift) & (self.size - 1)
        if self.rule == TOWARD_ZERO:
            if self.shift < 0:
                index = np.clip(codes, -self.size, self.size) << -self.shift
            else:
                index = np.where(codes < 0, -((-codes) >> self.shift), codes >> self.shift)
            return np.clip(index + self.offset, 0, self.size - 1)
        return np.clip((codes - self.lo_code + self.half) >> self.shift, 0, self.size - 1)


def _pow2_at_least(x: Fraction) -> Fraction:
    exponent = math.ceil(math.log2(x)) if x > 0 else 0
    value = Fraction(2) ** exponent
    while value < x:
        value *= 2
    while value / 2 >= x:
        value /= 2
    return value


def build_table(
    function: str,
    input_type: FixedType,
    entry_type: FixedType,
    size: int,
    *,
    n: int = 1,
    value_range: tuple[float, float] | None = None,
    attrs: dict | None = None,
) -> Table:
    """Build a table of ``function`` indexed by codes of ``input_type``.

    The range defaults to where the function still changes at ``entry_type``'s precision,
    intersected with what ``input_type`` holds, rounded out to a power-of-two step. A table
    never gets finer than the input's LSB: it then has fewer entries than ``size``.
    """

    if function not in FUNCTIONS:
        raise ValueError(f"unknown table function {function!r}; known: {', '.join(FUNCTIONS)}")
    if size < 2 or size & (size - 1):
        raise ValueError(f"a table size must be a power of two of at least 2, not {size}")
    f = FUNCTIONS[function]
    lo, hi = value_range if value_range is not None else f.natural_range(entry_type, n)
    if not lo < hi:
        raise ValueError(f"{function} table range [{lo}, {hi}) is empty")
    exact = _exact_grid(Fraction(lo), Fraction(hi), size, input_type)
    if value_range is not None and exact is not None:  # a saved table: rebuild it as it was
        start, step, count = Fraction(lo), exact, size
        return _table(f, function, input_type, entry_type, start, step, count, attrs)
    lo = max(Fraction(lo), input_type.min)
    hi = min(Fraction(hi), input_type.max + input_type.lsb)
    if lo >= hi:  # the input type lies outside the interesting range: cover what it holds
        lo, hi = input_type.min, input_type.max + input_type.lsb
    step = max(_pow2_at_least((hi - lo) / size), input_type.lsb)
    while math.floor(lo / step) * step + size * step < hi:  # the grid starts at a multiple of step
        step *= 2
    start = math.floor(lo / step) * step
    if f.centred:  # a grid wider than the range: centre it, within what the input type holds
        centred = math.floor((lo + hi - size * step) / 2 / step) * step
        start = min(max(centred, math.floor(input_type.min / step) * step), start)
    count = size
    while count > 2 and start + (count // 2) * step >= hi:
        count //= 2
    return _table(f, function, input_type, entry_type, start, step, count, attrs)


def _exact_grid(lo: Fraction, hi: Fraction, size: int, input_type: FixedType) -> Fraction | None:
    """The step when ``[lo, hi)`` is exactly a grid of ``size`` entries (power-of-two step no
    finer than the input LSB, ``lo`` on the grid), else None."""
    step = (hi - lo) / size
    n, d = step.numerator, step.denominator
    power_of_two = step > 0 and (n == 1 or d == 1) and not (n & (n - 1)) and not (d & (d - 1))
    if not power_of_two or step < input_type.lsb or (lo / step).denominator != 1:
        return None
    return step


def _table(f, function, input_type, entry_type, start, step, count, attrs) -> Table:

    shift = round(math.log2(step / input_type.lsb))
    # start is a whole number of steps and step a power of two: exact in float64
    first = start / step
    assert first.denominator == 1
    grid = (int(first) + np.arange(count, dtype=np.float64)) * float(step)
    values = f.evaluate(grid, attrs or {})
    entries = quantize(values, entry_type, nonfinite=float(entry_type.max))
    return Table(function, input_type, entry_type, int(start / input_type.lsb), shift, entries)
