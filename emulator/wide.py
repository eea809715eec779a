"""Exact sums wider than int64: a Dense whose accumulator never rounds or overflows, for codes
of up to 62 bits and sums of up to 120 bits (an ``auto`` accumulator at ``ap_fixed<32,16>``
needs 68).

The products are split into limbs small enough that every partial sum of limb products is an
integer below 2**53, so float64 matrix products (BLAS) are exact; :func:`limb_sums_kernel`
adds the limb sums into two-limb integers ``high * 2**62 + low`` (``0 <= low < 2**62``) and
casts them to the layer's result with the same rounding and overflow rules as
:mod:`hlsfx.emulator.primitives`. Every intermediate of the functions below stays within int64,
so they also run as plain Python (``NUMBA_DISABLE_JIT=1``) with the same results.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from hlsfx.emulator.jit import kernel
from hlsfx.emulator.primitives import AP_SAT_ZERO, AP_WRAP, round_increment
from hlsfx.emulator.quantize import FLOAT_CODE_WIDTH
from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType

__all__ = ["MAX_SUM_BITS", "limb_sums_kernel", "limbs", "split_codes", "wide_target"]

LIMB = 62
MASK = (1 << LIMB) - 1
MAX_SUM_BITS = 120
"""Widest exact sum (sign included) the two-limb path holds."""


@njit(inline="always")
def _split(v: int) -> tuple[int, int]:
    return v >> LIMB, v & MASK


@njit(inline="always")
def _add(ah: int, al: int, bh: int, bl: int) -> tuple[int, int]:
    low = al + bl  # below 2**63
    return ah + bh + (low >> LIMB), low & MASK


@njit(inline="always")
def _scaled(v: int, k: int) -> tuple[int, int]:
    """``v * 2**k`` for ``|v| < 2**53`` and ``0 <= k <= 72``."""
    if k < 9:
        return _split(v << k)
    # v << k = (v >> (62 - k)) * 2**62 + ((v << k) mod 2**62), without leaving int64
    if k <= LIMB:
        return v >> (LIMB - k), (v & ((1 << (LIMB - k)) - 1)) << k
    return v << (k - LIMB), 0


@njit(inline="always")
def _less(ah: int, al: int, bh: int, bl: int) -> bool:
    return ah < bh or (ah == bh and al < bl)


@njit(inline="always")
def _bit(h: int, low: int, k: int) -> int:
    """Bit ``k`` of the two's-complement value."""
    if k < LIMB:
        return (low >> k) & 1
    return (h >> min(k - LIMB, 63)) & 1


@njit(inline="always")
def _any_below(h: int, low: int, k: int) -> bool:
    """Whether any bit below bit ``k`` is set."""
    if k <= LIMB:
        return (low & ((1 << k) - 1)) != 0
    if low != 0:
        return True
    k -= LIMB
    if k >= 63:
        return h != 0
    return (h & ((1 << k) - 1)) != 0


@njit(inline="always")
def _floor_shift(h: int, low: int, s: int) -> tuple[int, int]:
    """``floor(v / 2**s)`` for ``s >= 1``."""
    if s < LIMB:
        return h >> s, (low >> s) | ((h & ((1 << s) - 1)) << (LIMB - s))
    return _split(h >> min(s - LIMB, 63))


@njit(inline="always")
def _wrap(h: int, low: int, width: int, signed: bool) -> tuple[int, int]:
    """``v`` modulo ``2**width`` (``width <= 62``) as a code of that width."""
    u = low & ((1 << width) - 1)
    if signed and u >= (1 << (width - 1)):
        u -= 1 << width
    return _split(u)


@njit(inline="always")
def _requantize(h: int, low: int, shift: int, t) -> tuple[int, bool]:
    """The int64 code of target ``t`` (:func:`wide_target`) for ``v * 2**-shift``, ``shift >= 0``,
    and whether the overflow mode changed it."""
    if shift > 0:
        negative = h < 0
        half = _bit(h, low, shift - 1) != 0
        rest = _any_below(h, low, shift - 1)
        h, low = _floor_shift(h, low, shift)
        h, low = _add(h, low, 0, round_increment(low, half, rest, negative, t[6]))
    if not (_less(h, low, t[0], t[1]) or _less(t[2], t[3], h, low)):
        return (h << LIMB) + low, False
    if t[7] == AP_WRAP:
        h, low = _wrap(h, low, t[4], t[5])
        return (h << LIMB) + low, True
    if t[7] == AP_SAT_ZERO:
        return 0, True
    h, low = (t[0], t[1]) if h < 0 else (t[2], t[3])
    return (h << LIMB) + low, True


def wide_target(t: FixedType) -> tuple[int, int, int, int, int, bool, int]:
    """``t`` as :func:`limb_sums_kernel` takes it: its code bounds as two limbs each, then its
    width, signedness, rounding and overflow modes (``t`` has at most 62 bits)."""
    lo, hi = exact.bounds(t)
    return (
        lo >> LIMB,
        lo & MASK,
        hi >> LIMB,
        hi & MASK,
        t.width,
        t.signed,
        int(t.rounding),
        int(t.overflow),
    )


def limbs(width: int, terms: int) -> tuple[int, int]:
    """``(bits, count)``: codes of ``width`` bits split into ``count`` limbs of ``bits`` bits
    (the top one signed) whose products, summed over ``terms`` terms, stay below 2**53."""
    bits = (FLOAT_CODE_WIDTH - 1 - math.ceil(math.log2(terms + 1))) // 2
    if bits < 1:
        raise ValueError(f"{terms} terms are too many for exact float64 limb sums")
    return bits, math.ceil(width / bits)


def split_codes(codes: np.ndarray, bits: int, count: int) -> list[np.ndarray]:
    """``codes`` as ``count`` float64 limbs: ``codes = sum(limb[k] * 2**(k * bits))``, every limb
    but the last in ``[0, 2**bits)``."""
    parts = []
    rest = codes.astype(np.int64)
    for _ in range(count - 1):
        parts.append((rest & ((1 << bits) - 1)).astype(np.float64))
        rest = rest >> bits
    parts.append(rest.astype(np.float64))
    return parts


@kernel
def limb_sums_kernel(sums, powers, bias_high, bias_low, shift, t, out):
    """``out[r, c] = cast(bias[c] + sum_k sums[k, r, c] * 2**powers[k], t)`` (result codes
    scaled by ``2**-shift``, ``shift >= 0``); ``sums`` hold exact integers below 2**53 and the
    bias comes as two limbs. Returns the overflow count of the cast."""
    parts, rows, cols = sums.shape
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            h, low = bias_high[c], bias_low[c]
            for k in range(parts):
                sh, sl = _scaled(np.int64(sums[k, r, c]), powers[k])
                h, low = _add(h, low, sh, sl)
            value, flagged = _requantize(h, low, shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows
