"""What every layer kernel shares: the target-type tuple, the flagged cast, and the kernels
that are no one kind's (a cast of a whole array, the gathering of convolution windows).

Every array is (batch, features); each kernel writes its result into ``out``, preallocated by
the caller so that emulating a large batch allocates nothing per chunk. A target type travels
as the tuple ``(lo, hi, width, signed, rounding, overflow)`` from :func:`target`; every cast
goes through :func:`hlsfx.emulator.primitives.requantize_flagged` (:func:`cast_flagged`), and
each kernel returns how many of its casts hit the overflow mode, per role. The kernels of each
layer family live beside their steps: :mod:`.weighted`, :mod:`.activations`, :mod:`.layout`.
"""

from __future__ import annotations

from numba import njit, prange

from hlsfx.emulator.jit import kernel
from hlsfx.emulator.primitives import code_bounds, requantize_flagged
from hlsfx.ir.fixed_type import FixedType

__all__ = ["cast_flagged", "gather_patches", "requantize_array", "target"]


def target(t: FixedType) -> tuple[int, int, int, bool, int, int]:
    """The tuple a kernel takes for a target type."""
    lo, hi = code_bounds(t.width, t.signed, int(t.overflow))
    return (lo, hi, t.width, t.signed, int(t.rounding), int(t.overflow))


@njit(inline="always")
def cast_flagged(v, shift, t):
    return requantize_flagged(v, shift, t[0], t[1], t[2], t[3], t[4], t[5])


@kernel
def requantize_array(values, shift, t, out):
    """``cast(values * 2**-shift, t)`` element by element; float64 values must be integers
    (exact GEMM sums)."""
    rows, cols = values.shape
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            value, flagged = cast_flagged(int(values[r, c]), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def gather_patches(x, index, patches):
    """im2col: ``patches[r * P + p, k] = x[r, index[p, k]]``, or 0 where ``index`` is -1 (zero
    padding). ``x`` may hold int64 or exact float64 codes; ``patches`` has the same dtype."""
    rows = x.shape[0]
    positions, taps = index.shape
    for r in range(rows):
        for p in range(positions):
            for k in range(taps):
                j = index[p, k]
                patches[r * positions + p, k] = x[r, j] if j >= 0 else 0
