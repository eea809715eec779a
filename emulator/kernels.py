"""Layer kernels on raw int64 codes, one per computation of NUMERICS.md.

Every array is (batch, features); each kernel writes its result into ``out``, preallocated by
the caller so that emulating a large batch allocates nothing per chunk. A target type travels
as the tuple ``(lo, hi, width, signed, rounding, overflow)`` from :func:`target`; every cast
goes through :func:`hlsfx.emulator.primitives.requantize_flagged`, and each kernel returns how
many of its casts hit the overflow mode, per role.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from hlsfx.emulator.jit import kernel
from hlsfx.emulator.primitives import AP_SAT_ZERO, AP_WRAP, code_bounds, requantize_flagged
from hlsfx.fixed_type import FixedType

__all__ = [
    "batch_norm",
    "binarize",
    "clip",
    "dense_exact",
    "depthwise_exact",
    "exact_sums_floor",
    "gather_patches",
    "hard_sigmoid",
    "leaky",
    "lut",
    "lut_below_zero",
    "merge",
    "pool",
    "relu",
    "requantize_array",
    "softmax",
    "target",
]


def target(t: FixedType) -> tuple[int, int, int, bool, int, int]:
    """The tuple a kernel takes for a target type."""
    lo, hi = code_bounds(t.width, t.signed, int(t.overflow))
    return (lo, hi, t.width, t.signed, int(t.rounding), int(t.overflow))


@njit(inline="always")
def _cast(v, shift, t):
    return requantize_flagged(v, shift, t[0], t[1], t[2], t[3], t[4], t[5])


@kernel
def requantize_array(values, shift, t, out):
    """``cast(values * 2**-shift, t)`` element by element; float64 values must be integers
    (exact GEMM sums)."""
    rows, cols = values.shape
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            value, flagged = _cast(np.int64(values[r, c]), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel(finite=True)
def exact_sums_floor(total, bias, scale, offset, relu, t, out):
    """``cast((total + bias) * scale, t)`` for float64 integers whose cast rounds by floor
    (AP_TRN: ``offset`` 0) or to nearest with ties up (AP_RND: ``offset`` 0.5), followed by
    ``max(., 0)`` when ``relu``. ``out`` may be int64 or float64 (codes kept as floats for a
    following float-path Dense). Returns the overflow count of the cast.

    The caller guarantees |total + bias| < 2**52 and a power-of-two ``scale`` <= 1: then the
    sum, the floor, and the wrap ``v - 2**W * floor((v - lo) / 2**W)`` are exact in float64,
    so each overflow mode is a branch-free loop.
    """
    rows, cols = total.shape
    lo, hi = float(t[0]), float(t[1])
    modulus = 2.0 ** t[2]
    floor_at = 0.0 if relu else -np.inf
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = np.floor((total[r, c] + bias[c]) * scale + offset)
            outside = v < lo or v > hi
            overflows += outside
            if t[5] == AP_WRAP:
                v -= modulus * np.floor((v - lo) / modulus)
            elif t[5] == AP_SAT_ZERO:
                v = 0.0 if outside else v
            else:  # AP_SAT, and AP_SAT_SYM through its lo
                v = min(max(v, lo), hi)
            out[r, c] = max(v, floor_at)  # an integer: exact in an int64 or a float64 ``out``
    return overflows


@kernel
def relu(x, shift, t, out):
    """``cast(max(x, 0), t)``."""
    rows, cols = x.shape
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            value, flagged = _cast(max(x[r, c], 0), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def dense_exact(x, w, bias_acc, product_shift, acc_t, out_shift, out_t, out):
    """Dense in NUMERICS.md's order: ``acc = cast(b, accum)``, then for each input in order
    ``acc = cast(acc + cast(x_i * w_ij, accum), accum)``, then ``cast(acc, result)``.

    ``bias_acc`` is the bias already cast to the accumulator; ``product_shift`` is
    ``F_x + F_w - F_accum`` and ``out_shift`` is ``F_accum - F_result``.
    """
    rows, n_in = x.shape
    n_out = w.shape[1]
    acc_overflows = 0
    out_overflows = 0
    for r in prange(rows):
        for j in range(n_out):
            acc = bias_acc[j]
            for i in range(n_in):
                product, f1 = _cast(x[r, i] * w[i, j], product_shift, acc_t)
                acc, f2 = _cast(acc + product, 0, acc_t)
                acc_overflows += f1 + f2
            value, flagged = _cast(acc, out_shift, out_t)
            out[r, j] = value
            out_overflows += flagged
    return acc_overflows, out_overflows


@njit(inline="always")
def _index(code, lo_code, half, shift, size):
    k = (code - lo_code + half) >> shift
    return min(max(k, 0), size - 1)


@kernel
def lut(x, lo_code, half, shift, entries, out_shift, t, out):
    """``cast(entries[index(x)], t)`` with the table index rule of :mod:`hlsfx.tables`."""
    rows, cols = x.shape
    size = entries.size
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            entry = entries[_index(x[r, c], lo_code, half, shift, size)]
            value, flagged = _cast(entry, out_shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def softmax(
    x, stable, exp_lo, exp_half, exp_shift, exp_entries, exp_to_sum, sum_t, inv_lo, inv_half,
    inv_shift, inv_entries, out_shift, out_t, out,
):  # fmt: skip
    """Softmax over each row.

    ``stable`` (NUMERICS.md's default): ``d_i = max - x_i``, exact in x's LSBs (the exp table's
    input type is unsigned with x's fractional bits), and ``e_i = exp_entries[index(d_i)]``;
    else (``latency``) ``e_i = exp_entries[index(x_i)]``. Then ``s = cast(s + e_i, sum)`` in
    index order (``exp_to_sum`` = F_exp - F_sum), ``r = inv_entries[index(s)]`` and
    ``y_i = cast(e_i * r, result)`` (``out_shift`` = F_exp + F_inv - F_result).
    """
    rows, n = x.shape
    sum_overflows = 0
    out_overflows = 0
    e = np.empty(n, dtype=np.int64)
    for r in range(rows):
        m = x[r, 0]
        for i in range(1, n):
            m = max(m, x[r, i])
        s = 0
        for i in range(n):
            v = m - x[r, i] if stable else x[r, i]
            e[i] = exp_entries[_index(v, exp_lo, exp_half, exp_shift, exp_entries.size)]
            if exp_to_sum >= 0:  # add in the exp entries' LSBs, then cast to the sum type
                s, flagged = _cast((s << exp_to_sum) + e[i], exp_to_sum, sum_t)
            else:
                s, flagged = _cast(s + (e[i] << -exp_to_sum), 0, sum_t)
            sum_overflows += flagged
        inverse = inv_entries[_index(s, inv_lo, inv_half, inv_shift, inv_entries.size)]
        for i in range(n):
            value, flagged = _cast(e[i] * inverse, out_shift, out_t)
            out[r, i] = value
            out_overflows += flagged
    return sum_overflows, out_overflows


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


@kernel
def binarize(x, plus, minus, out):
    """``out = plus if x >= 0 else minus`` (the two codes already in the result type)."""
    rows, cols = x.shape
    for r in range(rows):
        for c in range(cols):
            out[r, c] = plus if x[r, c] >= 0 else minus


@kernel
def leaky(x, alpha, positive_shift, negative_shift, t, out):
    """``cast(x >= 0 ? x : x * alpha[c], t)``, ``alpha`` per channel of the last axis (or one
    value). ``negative_shift`` is F_x + F_alpha - F_result, ``positive_shift`` F_x - F_result."""
    rows, cols = x.shape
    n = alpha.size
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = x[r, c]
            if v >= 0:
                value, flagged = _cast(v, positive_shift, t)
            else:
                value, flagged = _cast(v * alpha[c % n], negative_shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def clip(x, lo, hi, shift, t, out):
    """``cast(min(max(x, lo), hi), t)`` with ``lo`` and ``hi`` codes of x's type."""
    rows, cols = x.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            value, flagged = _cast(min(max(x[r, c], lo), hi), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def hard_sigmoid(x, alpha, beta, product_up, beta_up, one, shift, t, out):
    """``cast(clamp(alpha * x + beta, 0, 1), t)``, exact in units of 2**-U before the cast:
    ``product_up`` and ``beta_up`` align x * alpha and beta to U, ``one`` is 1 in those units."""
    rows, cols = x.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = ((x[r, c] * alpha) << product_up) + (beta << beta_up)
            value, flagged = _cast(min(max(v, 0), one), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def lut_below_zero(
    x, lo_code, half, shift, entries, entry_shift, gamma, gamma_shift, t, out
):  # fmt: skip
    """ELU/SELU: ``cast(x * gamma, t)`` for x >= 0 (``gamma_shift`` = F_x + F_gamma - F_result),
    ``cast(entries[index(x)], t)`` below zero."""
    rows, cols = x.shape
    size = entries.size
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = x[r, c]
            if v >= 0:
                value, flagged = _cast(v * gamma, gamma_shift, t)
            else:
                value, flagged = _cast(
                    entries[_index(v, lo_code, half, shift, size)], entry_shift, t
                )
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def pool(x, index, average, recip, shift, t, out):
    """Per output position p and channel c, over the window taps ``index[p, :, c]`` (-1 where
    the tap lies in the padding): max, or ``sum * recip[count]`` with ``count`` the number of
    taps inside the input (``recip`` holds one entry per count, index 0 unused). ``shift``
    aligns the max (F_x) or the product (F_x + F_recip) to the result."""
    rows = x.shape[0]
    positions, taps, channels = index.shape
    overflows = 0
    for r in range(rows):
        for p in range(positions):
            for c in range(channels):
                best = 0
                total = 0
                count = 0
                for k in range(taps):
                    j = index[p, k, c]
                    if j >= 0:
                        v = x[r, j]
                        best = v if count == 0 or v > best else best
                        total += v
                        count += 1
                if average:
                    value, flagged = _cast(total * recip[count], shift, t)
                else:
                    value, flagged = _cast(best, shift, t)
                out[r, p * channels + c] = value
                overflows += flagged
    return overflows


@kernel
def merge(a, b, op, a_up, b_up, shift, t, out):
    """``cast(a op b, t)`` exactly: op 0 adds and 1 subtracts (``a_up``/``b_up`` align both
    to the finer LSB), op 2 multiplies (``shift`` from F_a + F_b)."""
    rows, cols = a.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            if op == 2:
                v = a[r, c] * b[r, c]
            elif op == 1:
                v = (a[r, c] << a_up) - (b[r, c] << b_up)
            else:
                v = (a[r, c] << a_up) + (b[r, c] << b_up)
            value, flagged = _cast(v, shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def batch_norm(x, scale, bias_acc, product_shift, acc_t, out_shift, t, out):
    """``cast(cast(x * scale[c], accum) + bias[c], result)`` per channel of the last axis;
    ``bias_acc`` is the bias already cast to the accumulator."""
    rows, cols = x.shape
    channels = scale.size
    acc_overflows = 0
    overflows = 0
    for r in range(rows):
        for i in range(cols):
            c = i % channels
            product, f1 = _cast(x[r, i] * scale[c], product_shift, acc_t)
            acc, f2 = _cast(product + bias_acc[c], 0, acc_t)
            value, f3 = _cast(acc, out_shift, t)
            out[r, i] = value
            acc_overflows += f1 + f2
            overflows += f3
    return acc_overflows, overflows


@kernel
def depthwise_exact(patches, w, bias_acc, product_shift, acc_t, out_shift, out_t, out):
    """Depthwise conv in NUMERICS.md's order: per row of ``patches`` (taps t, then channels c)
    and channel, ``acc = cast(b_c, accum)``, then for each tap in order
    ``acc = cast(acc + cast(x_tc * w_tc, accum), accum)``, then ``cast(acc, result)``."""
    rows = patches.shape[0]
    taps, channels = w.shape
    acc_overflows = 0
    out_overflows = 0
    for r in range(rows):
        for c in range(channels):
            acc = bias_acc[c]
            for t in range(taps):
                product, f1 = _cast(patches[r, t * channels + c] * w[t, c], product_shift, acc_t)
                acc, f2 = _cast(acc + product, 0, acc_t)
                acc_overflows += f1 + f2
            value, flagged = _cast(acc, out_shift, out_t)
            out[r, c] = value
            out_overflows += flagged
    return acc_overflows, out_overflows
