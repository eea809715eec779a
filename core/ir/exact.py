"""Exact fixed-point conversions on Python integers, at any width: docs/numerics.md's quantization
and overflow modes as ap_fixed.h computes them, one plain rule per mode. The core configures
models with them (parameters, lookup tables, derived constants) and the code generators read
their codes; the emulator's numba kernels are the fast path over data. Both are checked against
ap_fixed.h (tests/test_quantize_oracle.py), so neither is the other's reference.

The quirks of ap_fixed.h that :mod:`hlsfx.emulator.quantize` documents hold here too: assigning
a code to its own type copies it, ``ap_int`` targets truncate toward zero (from a double, a
negative value above -0.5 becomes +1; from an ``ap_fixed`` with no integer bits, a negative
value becomes -1), and a type with negative integer bits does not convert to ``ap_int``."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np

from hlsfx.ir.fixed_type import FixedType, Overflow, Rounding

__all__ = ["bounds", "cast", "fit", "quantize", "requantize", "rounded", "to_float", "wrap"]

_INCREMENT = {
    Rounding.AP_TRN: lambda floor, half, rest, negative: 0,
    Rounding.AP_TRN_ZERO: lambda floor, half, rest, negative: negative & (half | rest),
    Rounding.AP_RND: lambda floor, half, rest, negative: half,
    Rounding.AP_RND_ZERO: lambda floor, half, rest, negative: half & (negative | rest),
    Rounding.AP_RND_MIN_INF: lambda floor, half, rest, negative: half & rest,
    Rounding.AP_RND_INF: lambda floor, half, rest, negative: half & ((1 - negative) | rest),
    Rounding.AP_RND_CONV: lambda floor, half, rest, negative: half & ((floor % 2 == 1) | rest),
}
"""whether the value rounded toward -inf (``floor``) moves up one LSB: ``half`` is the first
dropped bit, ``rest`` whether any bit below it is set, ``negative`` the exact value's sign
(bools, or numpy arrays of them: the same rule for one value or many)"""


def bounds(t: FixedType) -> tuple[int, int]:
    """The smallest and largest code ``t``'s overflow mode keeps (AP_SAT_SYM: ``-hi``)."""
    if t.signed and t.overflow is Overflow.AP_SAT_SYM and t.width > 1:
        return -t.max_code, t.max_code
    return t.min_code, t.max_code


def wrap(q: int, width: int, signed: bool) -> int:
    """``q`` modulo ``2**width``, as a signed or unsigned code of that width."""
    q &= (1 << width) - 1
    return q - (1 << width) if signed and q >> (width - 1) else q


def fit(q: int, t: FixedType) -> int:
    """The code of ``t`` for the integer ``q`` (in ``t``'s LSBs), by ``t``'s overflow mode."""
    lo, hi = bounds(t)
    if lo <= q <= hi:
        return q
    if t.overflow is Overflow.AP_WRAP:
        return wrap(q, t.width, t.signed)
    if t.overflow is Overflow.AP_SAT_ZERO:
        return 0
    return hi if q > hi else lo


def rounded(v: int, shift: int, rounding: Rounding) -> int:
    """``v * 2**-shift`` rounded to an integer by ``rounding``, before any overflow."""
    if shift <= 0:
        return v << -shift
    floor = v >> shift
    half = bool(v >> (shift - 1) & 1)
    rest = bool(v & ((1 << (shift - 1)) - 1))
    return floor + int(_INCREMENT[rounding](floor, half, rest, v < 0))


def requantize(v: int, shift: int, t: FixedType) -> int:
    """The code of ``t`` for the exact value ``v * 2**-shift`` (in ``t``'s LSBs)."""
    return fit(rounded(v, shift, t.rounding), t)


def _codes_array(codes: list[int], shape: tuple[int, ...], t: FixedType) -> np.ndarray:
    """int64 when every code of ``t`` fits one, else Python integers."""
    fits = t.min_code >= -(1 << 63) and t.max_code < (1 << 63)
    return np.array(codes, dtype=np.int64 if fits else object).reshape(shape)


_FAST_WIDTH = 62
"""types this narrow convert most doubles in int64 numpy arithmetic"""


def _quantize_many(values: np.ndarray, t: FixedType) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``t`` for the doubles whose scaled value ``x * 2**F`` is a normal double below
    2**52 (exact, as is every step below), and which of ``values`` those are."""
    with np.errstate(over="ignore", under="ignore"):
        scaled = np.ldexp(values, t.fractional)
    magnitude = np.abs(scaled)
    done = (magnitude < 2.0**52) & ((magnitude >= 2.0**-1000) | (values == 0))
    scaled = np.where(done, scaled, 0.0)
    floor = np.floor(scaled)
    middle = floor + 0.5  # exact below 2**52, unlike scaled - floor
    below = floor.astype(np.int64)
    half, rest = scaled >= middle, (scaled != floor) & (scaled != middle)
    q = below + np.asarray(_INCREMENT[t.rounding](below, half, rest, scaled < 0), np.int64)
    lo, hi = bounds(t)
    if t.overflow is Overflow.AP_WRAP:
        wrapped = q & ((1 << t.width) - 1)
        if t.signed:
            wrapped -= ((wrapped >> (t.width - 1)) & 1) << t.width
        q = np.where((q < lo) | (q > hi), wrapped, q)
    elif t.overflow is Overflow.AP_SAT_ZERO:
        q = np.where((q < lo) | (q > hi), 0, q)
    else:
        q = np.clip(q, lo, hi)
    return q, done


def _quantize_one(x: float, t: FixedType) -> int:
    if t.ap_int and x < 0 and x > -0.5:
        return fit(1, t)  # ap_int's double constructor: a negative value above -0.5 is +1
    numerator, denominator = x.as_integer_ratio()
    return requantize(numerator, denominator.bit_length() - 1 - t.fractional, t)


def quantize(values: Any, t: FixedType | str, *, nonfinite: float | None = None) -> np.ndarray:
    """The codes of ``t`` for float values, exactly as ap_fixed's double constructor: the
    exact binary value of each double rounded by ``t``'s quantization mode, then its overflow
    mode. NaN and infinities raise ``ValueError``, or take the value ``nonfinite``."""
    t = FixedType.parse(t)
    array = np.asarray(values, dtype=np.float64)
    flat = array.reshape(-1).tolist()
    bad = [i for i, x in enumerate(flat) if not math.isfinite(x)]
    if bad and nonfinite is not None and math.isfinite(nonfinite):
        flat = [x if math.isfinite(x) else nonfinite for x in flat]
    elif bad:
        raise ValueError(
            f"cannot quantize to {t}: {len(bad)} of {len(flat)} values are NaN or infinite "
            f"(the first, {flat[bad[0]]}, at flat index {bad[0]})"
        )
    if t.width > _FAST_WIDTH or t.ap_int:
        return _codes_array([_quantize_one(x, t) for x in flat], array.shape, t)
    codes, done = _quantize_many(np.array(flat, dtype=np.float64), t)
    for i in np.flatnonzero(~done).tolist():
        codes[i] = _quantize_one(flat[i], t)
    return codes.reshape(array.shape)


def cast(codes: Any, src: FixedType | str, dst: FixedType | str) -> np.ndarray:
    """Codes of ``src`` converted to codes of ``dst``, as C++ assignment does: exact when
    widening; narrowing applies ``dst``'s quantization, then its overflow mode. Codes outside
    ``src``'s range raise ``ValueError``."""
    src, dst = FixedType.parse(src), FixedType.parse(dst)
    to_int = dst.ap_int and not src.ap_int and src.integer <= 0
    if to_int and src.integer < 0:
        raise ValueError(
            f"cannot cast {src} to {dst}: ap_fixed.h converts a type with negative integer "
            "bits to an integer from an uninitialised value; cast to ap_fixed<W,W> instead"
        )
    array = np.asarray(codes)
    if array.dtype.kind not in "iubO":
        raise ValueError(f"raw codes must be integers, not an array of {array.dtype}")
    flat = [int(c) for c in array.reshape(-1).tolist()]
    outside = [c for c in flat if not src.min_code <= c <= src.max_code]
    if outside:
        raise ValueError(
            f"cannot cast from {src}: {len(outside)} of {len(flat)} codes lie outside its range "
            f"[{src.min_code}, {src.max_code}] (the first, {outside[0]})"
        )
    shift = src.fractional - dst.fractional
    if src == dst:
        out = flat
    else:
        out = [
            fit(-1, dst) if to_int and src.signed and c < 0 else requantize(c, shift, dst)
            for c in flat
        ]  # ap_fixed<W, 0> -> ap_int: truncation adds one in a 1-bit integer, giving -1
    return _codes_array(out, array.shape, dst)


def to_float(codes: Any, t: FixedType | str) -> np.ndarray:
    """The values of codes of ``t`` as float64: exact up to 53 bits, else the nearest double."""
    t = FixedType.parse(t)
    array = np.asarray(codes)
    if array.dtype.kind in "iu" and t.width <= 53:  # every code is a double exactly
        if array.size and (array.min() < t.min_code or array.max() > t.max_code):
            raise ValueError(f"{t}: codes must lie in [{t.min_code}, {t.max_code}]")
        return np.ldexp(array.astype(np.float64), -t.fractional)
    flat = [int(c) for c in array.reshape(-1).tolist()]
    outside = [c for c in flat if not t.min_code <= c <= t.max_code]
    if outside:
        raise ValueError(f"{t}: codes must lie in [{t.min_code}, {t.max_code}], not {outside[0]}")
    values = [
        float(Fraction(c) / (1 << t.fractional)) if t.fractional >= 0 else float(c << -t.fractional)
        for c in flat
    ]
    return np.array(values, dtype=np.float64).reshape(array.shape)
