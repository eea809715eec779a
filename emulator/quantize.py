"""Vectorised conversions between float64 values and fixed-point codes.

Where docs/numerics.md is silent, these follow the real ap_fixed.h (checked by the oracle tests):

- Assigning a value to its own type is a copy: a code that the type's overflow mode would not
  produce (the most negative code of an AP_SAT_SYM type) stays as it is.
- ``ap_int``/``ap_uint`` targets truncate toward zero, then wrap. From a double, the real
  ``ap_int`` turns every negative value above -0.5 into +1; from an ``ap_fixed`` with no integer
  bits (I = 0), every negative value becomes -1. Both quirks are reproduced. From an ``ap_fixed``
  with negative integer bits, ap_fixed.h reads an uninitialised value, so hlsfx refuses it.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from hlsfx.emulator.jit import kernel
from hlsfx.emulator.primitives import code_bounds, fit, requantize, round_increment, wrap
from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType

__all__ = [
    "FLOAT_CODE_WIDTH",
    "MAX_SIGNED_WIDTH",
    "MAX_UNSIGNED_WIDTH",
    "cast",
    "fits_int64",
    "quantize",
    "to_float",
]

MAX_SIGNED_WIDTH = 64
"""Widest signed type the emulator holds: codes and every exact intermediate are int64."""
MAX_UNSIGNED_WIDTH = 63
"""Widest unsigned type the emulator holds (an unsigned code must fit a non-negative int64)."""
FLOAT_CODE_WIDTH = 53
"""Widest type whose codes a float64 holds exactly."""

_EXPONENT_MASK = 0x7FF
_MANTISSA_MASK = (1 << 52) - 1
_FAST_MIN = 2.0**-1000
_FAST_MAX = 2.0**52
"""Scaled values in this range are converted in float64 (exact there); the rest, and zero,
from the bits of the double."""


def fits_int64(t: FixedType) -> bool:
    """Whether int64 holds every code of ``t`` (wider types are held as Python integers)."""
    return t.width <= (MAX_SIGNED_WIDTH if t.signed else MAX_UNSIGNED_WIDTH)


def _target(t: FixedType) -> tuple:
    lo, hi = code_bounds(t.width, t.signed, int(t.overflow))
    return (lo, hi, t.width, t.signed, int(t.rounding), int(t.overflow))


def _quantize_body(values, out, frac, lo, hi, width, signed, rounding, overflow, ap_int, fill):
    scale = 2.0**frac
    bits = values.view(np.int64)
    nonfinite = 0
    for i in prange(values.size):
        x = values[i]
        y = x * scale
        if not ap_int and _FAST_MIN <= abs(y) < _FAST_MAX:
            # y is x * 2**frac exactly (normal and finite), and so is every comparison below:
            # floor(y) + 0.5 is exact below 2**52.
            floor = np.floor(y)
            middle = floor + 0.5
            code = np.int64(floor)
            half, rest = y >= middle, y != floor and y != middle
            code += round_increment(code, half, rest, y < 0, rounding)
            out[i] = fit(code, lo, hi, width, signed, overflow)
            continue
        if x == 0:
            out[i] = 0
            continue
        b = bits[i]
        exponent = (b >> 52) & _EXPONENT_MASK
        mantissa = b & _MANTISSA_MASK
        if exponent == _EXPONENT_MASK:
            nonfinite += 1
            out[i] = fill
            continue
        if exponent == 0:
            exponent = 1  # subnormal: no implicit leading one
        else:
            mantissa |= 1 << 52
        if b < 0:
            if ap_int and exponent <= 1021 and mantissa != 0:
                # ap_int's double constructor turns every negative value above -0.5 into +1
                # (it shifts the magnitude to -1, then negates); ap_fixed has no such quirk.
                out[i] = wrap(1, width, signed)
                continue
            mantissa = -mantissa
        # value = mantissa * 2**(exponent - 1075); in target LSBs: * 2**frac
        out[i] = requantize(
            mantissa, 1075 - exponent - frac, lo, hi, width, signed, rounding, overflow
        )
    return nonfinite


def _cast_body(
    raw,
    out,
    shift,
    src_lo,
    src_hi,
    lo,
    hi,
    width,
    signed,
    rounding,
    overflow,
    copy,
    negative_to_minus_one,
):
    invalid = 0
    for i in prange(raw.size):
        v = raw[i]
        if v < src_lo or v > src_hi:
            invalid += 1
            out[i] = 0
        elif copy:
            out[i] = v
        elif negative_to_minus_one and v < 0:
            # ap_fixed<W, 0> -> ap_int: truncation adds one in a 1-bit integer, giving -1
            out[i] = wrap(-1, width, signed)
        else:
            out[i] = requantize(v, shift, lo, hi, width, signed, rounding, overflow)
    return invalid


PARALLEL_MIN = 1 << 20
"""Arrays at least this large are converted on all cores (a parallel call costs a thread
wake-up, which smaller arrays do not repay)."""
_quantize_kernels = (kernel(_quantize_body), kernel(_quantize_body, parallel=True))
_cast_kernels = (kernel(_cast_body), kernel(_cast_body, parallel=True))


def _int64_codes(raw: object) -> np.ndarray:
    codes = np.asarray(raw)
    if codes.dtype.kind not in "iub":
        raise ValueError(f"raw codes must be integers, not an array of {codes.dtype}")
    if codes.dtype == np.uint64 and codes.size and codes.max() > np.iinfo(np.int64).max:
        raise ValueError(f"raw code {codes.max()} does not fit the emulator's int64 codes")
    return codes.astype(np.int64, copy=False)


def _index(shape: tuple[int, ...], flat: int) -> object:
    return flat if len(shape) <= 1 else tuple(int(i) for i in np.unravel_index(flat, shape))


def quantize(
    x: object, t: FixedType | str, *, nonfinite: float | None = None, out: np.ndarray | None = None
) -> np.ndarray:
    """Convert float64 values to raw codes of type ``t``, exactly as ap_fixed's double constructor.

    The exact binary value of each double is rounded with ``t``'s quantization mode, then
    ``t``'s overflow mode applies. ``ap_int``/``ap_uint`` types truncate toward zero like the
    real ``ap_int`` (including its quirk: a negative double above -0.5 becomes 1).

    Parameters
    ----------
    x : array_like
        Values; converted to float64 (float32 converts exactly).
    t : FixedType or str
        Target type, e.g. ``"ap_fixed<16,6,AP_RND_CONV,AP_SAT>"``.
    nonfinite : float, optional
        Replacement for NaN and ±inf. By default they raise ``ValueError``.
    out : numpy.ndarray, optional
        A C-contiguous array of ``x``'s shape to write the codes into: int64, or float64 for
        types of at most 53 bits (whose codes a double holds exactly).

    Returns
    -------
    numpy.ndarray of int64 (of Python integers for types wider than int64)
        Raw codes, same shape as ``x``.
    """
    t = FixedType.parse(t)
    if not fits_int64(t):
        codes = exact.quantize(x, t, nonfinite=nonfinite)
        if out is None:
            return codes
        out[...] = codes
        return out
    params = _target(t)
    values = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(values.reshape(-1))
    fill = 0
    if nonfinite is not None:
        if not np.isfinite(nonfinite):
            raise ValueError(f"nonfinite must be a finite replacement value, not {nonfinite!r}")
        fill = int(quantize(nonfinite, t))
    if out is None:
        out = np.empty(values.shape, dtype=np.int64)
    elif (
        out.shape != values.shape
        or out.dtype not in (np.int64, np.float64)
        or (out.dtype == np.float64 and t.width > FLOAT_CODE_WIDTH)
        or not out.flags.c_contiguous
    ):
        kinds = "int64" if t.width > FLOAT_CODE_WIDTH else "int64 or float64"
        raise ValueError(
            f"out must be a C-contiguous {kinds} array of shape {values.shape}, "
            f"not {out.dtype} of shape {out.shape}"
        )
    count = _quantize_kernels[flat.size >= PARALLEL_MIN](
        flat, out.reshape(-1), t.fractional, *params, t.ap_int, fill
    )
    if count and nonfinite is None:
        first = int(np.flatnonzero(~np.isfinite(flat))[0])
        first_value = flat[first]
        raise ValueError(
            f"cannot quantize to {t}: {count} of {values.size} values are NaN or infinite "
            f"(the first, {first_value}, at index {_index(values.shape, first)}); "
            "pass nonfinite=<value> to replace them"
        )
    return out


def cast(raw: object, src: FixedType | str, dst: FixedType | str) -> np.ndarray:
    """Convert raw codes of type ``src`` to raw codes of type ``dst``, as C++ assignment does.

    Widening is exact; narrowing applies ``dst``'s quantization, then its overflow mode.
    Codes outside ``src``'s range raise ``ValueError``. See the module's notes for ``ap_int``.
    """
    src, dst = FixedType.parse(src), FixedType.parse(dst)
    if not (fits_int64(src) and fits_int64(dst)) or np.asarray(raw).dtype == object:
        return exact.cast(raw, src, dst)
    params = _target(dst)
    from_fraction_to_int = dst.ap_int and not src.ap_int and src.integer <= 0
    if from_fraction_to_int and src.integer < 0:
        raise ValueError(
            f"cannot cast {src} to {dst}: ap_fixed.h converts a type with negative integer "
            "bits to an integer from an uninitialised value; cast to ap_fixed<W,W> instead"
        )
    codes = _int64_codes(raw)
    flat = np.ascontiguousarray(codes.reshape(-1))
    out = np.empty(codes.shape, dtype=np.int64)
    shift = src.fractional - dst.fractional
    count = _cast_kernels[flat.size >= PARALLEL_MIN](
        flat,
        out.reshape(-1),
        shift,
        src.min_code,
        src.max_code,
        *params,
        src == dst,
        from_fraction_to_int and src.signed,
    )
    if count:
        first = int(np.flatnonzero((flat < src.min_code) | (flat > src.max_code))[0])
        raise ValueError(
            f"cannot cast from {src}: {count} of {codes.size} codes lie outside its range "
            f"[{src.min_code}, {src.max_code}] (the first, {flat[first]}, at index "
            f"{_index(codes.shape, first)})"
        )
    return out


def to_float(raw: object, t: FixedType | str) -> np.ndarray:
    """The values of raw codes of type ``t`` as float64.

    Exact when ``t.width <= 53``; wider codes round once, to the nearest double.
    """
    t = FixedType.parse(t)
    if not fits_int64(t) or np.asarray(raw).dtype == object:
        return exact.to_float(raw, t)
    codes = _int64_codes(raw)
    if codes.size and (codes.min() < t.min_code or codes.max() > t.max_code):
        raise ValueError(
            f"{t}: codes must lie in [{t.min_code}, {t.max_code}], "
            f"found [{codes.min()}, {codes.max()}]"
        )
    return np.ldexp(codes.astype(np.float64), -t.fractional)
