"""The thresholds of an exact rescale into a few-bit type (FINN's MultiThreshold): the result
code of ``cast(x * scale + bias, y)`` for an input code ``x`` is the lowest code of ``y`` plus
the number of thresholds that ``x`` reaches (from below for a positive scale, from above for a
negative one). Computed from the exact values of ``scale`` and
``bias`` (doubles are dyadic rationals) in integers, by binary search over the input's codes,
for any rounding mode and a saturating result."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType, Overflow

__all__ = ["MAX_STEPS", "Thresholds", "thresholds"]

MAX_STEPS = 255
"""thresholds per channel (an 8-bit result) at most"""


@dataclass(frozen=True)
class Thresholds:
    """Per channel: ``falling`` whether the result falls as the input rises (a negative
    scale); ``steps`` (C, L) the input codes at which the result reaches its lowest code plus
    1, 2, ... L: the smallest such code where it rises (``x >= step``), the largest where it
    falls (``x <= step``); ``inside`` (C, 2): the exact value lies in the result's range
    for the codes ``inside[c, 0] <= x < inside[c, 1]`` (else it saturates); ``lowest`` the
    result's lowest code. Codes outside the input's range are clamped to one beyond it."""

    steps: np.ndarray
    falling: np.ndarray
    inside: np.ndarray
    lowest: int


def _first(predicate, lo: int, hi: int) -> int:
    """The smallest code in ``lo .. hi`` where a non-decreasing ``predicate`` holds, else
    ``hi + 1``."""
    end = hi + 1
    while lo < end:
        middle = (lo + end) // 2
        if predicate(middle):
            end = middle
        else:
            lo = middle + 1
    return lo


def thresholds(scale: np.ndarray, bias: np.ndarray, x: FixedType, y: FixedType) -> Thresholds:
    """The thresholds of ``cast(x * scale[c] + bias[c], y)`` per channel ``c``, ``y``
    saturating (the result then only rises, or only falls, as ``x`` rises)."""
    if y.overflow not in (Overflow.AP_SAT, Overflow.AP_SAT_SYM):
        raise ValueError(f"a threshold result saturates; {y} has overflow {y.overflow.name}")
    low, high = exact.bounds(y)
    if high - low > MAX_STEPS:
        raise ValueError(
            f"{y} has {high - low + 1} codes; thresholds take at most {MAX_STEPS + 1} (8 bits)"
        )
    x_lo, x_hi = x.min_code, x.max_code
    steps = np.zeros((len(scale), high - low), dtype=np.int64)
    inside = np.zeros((len(scale), 2), dtype=np.int64)
    falling = np.asarray(scale, float) < 0
    for c, (s, b) in enumerate(zip(np.asarray(scale, float), np.asarray(bias, float), strict=True)):
        sn, sd = s.as_integer_ratio()
        bn, bd = b.as_integer_ratio()
        sa, ba = sd.bit_length() - 1, bd.bit_length() - 1  # denominators are powers of two
        # y * 2**F_y = (sn * x * 2**(F_y - F_x - sa) + bn * 2**(F_y - ba)), over 2**e
        e = max(sa + x.fractional - y.fractional, ba - y.fractional, 0)
        xs, bs = e - sa - x.fractional + y.fractional, e - ba + y.fractional

        def code(q: int, sn=sn, bn=bn, xs=xs, bs=bs, e=e) -> int:
            return exact.rounded((sn * q << xs) + (bn << bs), e, y.rounding)

        if falling[c]:  # the largest code still at or above each level
            steps[c] = [
                _first(lambda q, k=k: code(q) < low + k, x_lo, x_hi) - 1
                for k in range(1, high - low + 1)
            ]
            inside[c] = (
                _first(lambda q: code(q) <= high, x_lo, x_hi),
                _first(lambda q: code(q) < low, x_lo, x_hi),
            )
        else:
            steps[c] = [
                _first(lambda q, k=k: code(q) >= low + k, x_lo, x_hi)
                for k in range(1, high - low + 1)
            ]
            inside[c] = (
                _first(lambda q: code(q) >= low, x_lo, x_hi),
                _first(lambda q: code(q) > high, x_lo, x_hi),
            )
    return Thresholds(steps, falling, inside, low)
