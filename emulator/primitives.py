"""The fixed-point primitives every emulator kernel is built from, compiled by numba here only.

All values are int64 codes. A conversion to a target type is always: an exact value
``v * 2**-shift`` in units of the target's LSB, then the target's quantization (a rounding
right shift), then its overflow handling (wrap or saturate). The mode numbers are the values of
:class:`hlsfx.ir.fixed_type.Rounding` and :class:`hlsfx.ir.fixed_type.Overflow`.

The functions also run as plain Python (``NUMBA_DISABLE_JIT=1``): no shift is ever by 64 or
more and wrapping masks explicitly, so Python's unbounded integers give the same results, except
for wrapping to 64 bits, which relies on int64 arithmetic being modulo 2**64.
"""

from __future__ import annotations

from numba import njit

AP_TRN = 0
AP_TRN_ZERO = 1
AP_RND = 2
AP_RND_ZERO = 3
AP_RND_MIN_INF = 4
AP_RND_INF = 5
AP_RND_CONV = 6

AP_WRAP = 0
AP_SAT = 1
AP_SAT_ZERO = 2
AP_SAT_SYM = 3

INT64_MIN = -(1 << 63)


@njit(inline="always")
def round_increment(floor: int, half: bool, rest: bool, negative: bool, rounding: int) -> int:
    """0 or 1 to add to ``floor`` (the value rounded toward -inf) for the rounding mode.

    ``half`` is the first discarded bit (worth half an LSB), ``rest`` whether any bit below it
    is set, ``negative`` the sign of the exact value.
    """
    if rounding == AP_TRN:
        return 0
    if rounding == AP_TRN_ZERO:
        return 1 if negative and (half or rest) else 0
    if rounding == AP_RND:
        return 1 if half else 0
    if rounding == AP_RND_ZERO:
        return 1 if half and (negative or rest) else 0
    if rounding == AP_RND_MIN_INF:
        return 1 if half and rest else 0
    if rounding == AP_RND_INF:
        return 1 if half and (not negative or rest) else 0
    # AP_RND_CONV
    return 1 if half and ((floor & 1) != 0 or rest) else 0


@njit(inline="always")
def rounding_shift(v: int, shift: int, rounding: int) -> int:
    """``v * 2**-shift`` rounded to an integer, for ``shift >= 1``; exact for any int64 ``v``."""
    negative = v < 0
    if shift > 64:
        # |v| < 2**63, so the value lies in (-1/4, 1/4): the half bit is the sign.
        floor = -1 if negative else 0
        half = negative
        rest = v != 0
    elif shift == 64:
        floor = -1 if negative else 0
        half = negative
        rest = (v & 0x7FFFFFFFFFFFFFFF) != 0
    else:
        floor = v >> shift
        half = ((v >> (shift - 1)) & 1) != 0
        rest = (v & ((1 << (shift - 1)) - 1)) != 0
    return floor + round_increment(floor, half, rest, negative, rounding)


@njit(inline="always")
def wrap(v: int, width: int, signed: bool) -> int:
    """``v`` modulo ``2**width``, as a signed or unsigned code of that width."""
    if width >= 64:
        # int64 arithmetic has already reduced v modulo 2**64.
        return v
    u = v & ((1 << width) - 1)
    if signed and u >= (1 << (width - 1)):
        u -= 1 << width
    return u


@njit(inline="always")
def fit(v: int, lo: int, hi: int, width: int, signed: bool, overflow: int) -> int:
    """Apply the overflow mode to an integer code ``v`` that may lie outside ``[lo, hi]``.

    ``lo`` is the smallest code the mode allows: for AP_SAT_SYM on a signed type of width > 1
    it is ``-hi`` (see :func:`code_bounds`), so AP_SAT_SYM saturates exactly like AP_SAT.
    """
    if lo <= v <= hi:
        return v
    if overflow == AP_WRAP:
        return wrap(v, width, signed)
    if overflow == AP_SAT_ZERO:
        return 0
    return hi if v > hi else lo


@njit(inline="always")
def left_shift_fits(v: int, shift: int, lo: int, hi: int) -> bool:
    """Whether ``v * 2**shift`` (``shift >= 1``) lies in ``[lo, hi]``, without overflowing."""
    if v == 0:
        return True
    if shift >= 63:
        return v == -1 and shift == 63 and lo == INT64_MIN
    if v > 0:
        return v <= (hi >> shift)
    # ceil(lo / 2**shift), lo <= 0
    lo_units = (lo >> shift) + (1 if (lo & ((1 << shift) - 1)) != 0 else 0)
    return v >= lo_units


@njit(inline="always")
def requantize_flagged(
    v: int, shift: int, lo: int, hi: int, width: int, signed: bool, rounding: int, overflow: int
) -> tuple[int, bool]:
    """:func:`requantize`, also telling whether the overflow mode changed the value."""
    if shift >= 0:
        q = rounding_shift(v, shift, rounding) if shift > 0 else v
        return fit(q, lo, hi, width, signed, overflow), not lo <= q <= hi
    left = -shift
    if left_shift_fits(v, left, lo, hi):
        return v << left, False
    if overflow == AP_WRAP:
        return (0 if left >= width else wrap(v << left, width, signed)), True
    if overflow == AP_SAT_ZERO:
        return 0, True
    return (hi if v > 0 else lo), True


@njit(inline="always")
def requantize(
    v: int, shift: int, lo: int, hi: int, width: int, signed: bool, rounding: int, overflow: int
) -> int:
    """Convert the exact value ``v * 2**-shift`` (in target LSBs) to a code of the target type.

    :func:`requantize_flagged` is the same dispatch, also reporting overflow; both are checked
    against ap_fixed.h (returning a tuple here would slow the conversions down).
    """
    if shift > 0:
        return fit(rounding_shift(v, shift, rounding), lo, hi, width, signed, overflow)
    if shift == 0:
        return fit(v, lo, hi, width, signed, overflow)
    left = -shift
    if left_shift_fits(v, left, lo, hi):
        return v << left
    if overflow == AP_WRAP:
        return 0 if left >= width else wrap(v << left, width, signed)
    if overflow == AP_SAT_ZERO:
        return 0
    return hi if v > 0 else lo


def code_bounds(width: int, signed: bool, overflow: int) -> tuple[int, int]:
    """``(lo, hi)`` as :func:`fit` and :func:`requantize` expect them for a target type."""
    if signed:
        hi = (1 << (width - 1)) - 1
        lo = -hi if overflow == AP_SAT_SYM and width > 1 else -(1 << (width - 1))
    else:
        lo, hi = 0, (1 << width) - 1
    return lo, hi
