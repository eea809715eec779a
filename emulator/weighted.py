"""Dense, convolutions and batch normalization: the sums of products in an accumulator, as
docs/numerics.md orders their casts, each kernel beside the step that prepares it."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np
from numba import prange

from hlsfx.emulator import kernels, twins, wide
from hlsfx.emulator.jit import kernel
from hlsfx.emulator.kernels import cast_flagged
from hlsfx.emulator.primitives import AP_SAT_ZERO, AP_WRAP
from hlsfx.emulator.quantize import cast
from hlsfx.emulator.steps import FLOAT_EXACT, Step, adapted, require_int64, scratch_array
from hlsfx.ir import fixed_type, kinds
from hlsfx.ir.fixed_type import FixedType, Overflow, Rounding, product_type
from hlsfx.ir.graph import Layer
from hlsfx.numerics.config import LayerPrecision


@kernel(finite=True)
def exact_sums_floor_kernel(total, bias, scale, offset, relu, t, out):
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
def dense_exact_kernel(x, w, bias_acc, product_shift, acc_t, out_shift, out_t, out):
    """Dense in docs/numerics.md's order: ``acc = cast(b, accum)``, then for each input in order
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
                product, f1 = cast_flagged(x[r, i] * w[i, j], product_shift, acc_t)
                acc, f2 = cast_flagged(acc + product, 0, acc_t)
                acc_overflows += f1 + f2
            value, flagged = cast_flagged(acc, out_shift, out_t)
            out[r, j] = value
            out_overflows += flagged
    return acc_overflows, out_overflows


@kernel
def depthwise_exact_kernel(patches, w, bias_acc, product_shift, acc_t, out_shift, out_t, out):
    """Depthwise conv in docs/numerics.md's order: per row of ``patches`` (taps t, then channels c)
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
                product, f1 = cast_flagged(
                    patches[r, t * channels + c] * w[t, c], product_shift, acc_t
                )
                acc, f2 = cast_flagged(acc + product, 0, acc_t)
                acc_overflows += f1 + f2
            value, flagged = cast_flagged(acc, out_shift, out_t)
            out[r, c] = value
            out_overflows += flagged
    return acc_overflows, out_overflows


@kernel
def batch_norm_kernel(x, scale, bias_acc, product_shift, acc_t, out_shift, t, out):
    """``cast(cast(x * scale[c], accum) + bias[c], result)`` per channel of the last axis;
    ``bias_acc`` is the bias already cast to the accumulator."""
    rows, cols = x.shape
    channels = scale.size
    acc_overflows = 0
    overflows = 0
    for r in range(rows):
        for i in range(cols):
            c = i % channels
            product, f1 = cast_flagged(x[r, i] * scale[c], product_shift, acc_t)
            acc, f2 = cast_flagged(product + bias_acc[c], 0, acc_t)
            value, f3 = cast_flagged(acc, out_shift, t)
            out[r, i] = value
            acc_overflows += f1 + f2
            overflows += f3
    return acc_overflows, overflows


@kernel
def dense_narrow_kernel(x, w, bias_acc, shift, half, lo, hi, saturate, out_shift, out_t, out):
    """:func:`dense_exact_kernel` for an accumulator that truncates or rounds half up and wraps
    or saturates (hls4ml's defaults among them): the same casts in the same order, written
    so that each input updates every output's accumulator at once (vectorised). A product is
    ``(x_i * w_ij + half) >> shift`` (``w`` already scaled when the shift would be negative),
    fitted to ``[lo, hi]`` by wrapping or, with ``saturate``, clamping, as each partial sum."""
    rows, n_in = x.shape
    n_out = w.shape[1]
    mask = hi - lo
    acc_overflows = 0
    out_overflows = 0
    for r in prange(rows):
        acc = bias_acc.copy()
        flags = 0
        for i in range(n_in):
            xi = x[r, i]
            for j in range(n_out):
                q = (xi * w[i, j] + half) >> shift
                flags += (q < lo) | (q > hi)
                q = min(max(q, lo), hi) if saturate else ((q - lo) & mask) + lo
                a = acc[j] + q
                flags += (a < lo) | (a > hi)
                acc[j] = min(max(a, lo), hi) if saturate else ((a - lo) & mask) + lo
        acc_overflows += flags
        for j in range(n_out):
            value, flagged = cast_flagged(acc[j], out_shift, out_t)
            out[r, j] = value
            out_overflows += flagged
    return acc_overflows, out_overflows


@kernel
def dense_wrap_int32_kernel(x, w, bias, half, keep, shift, lo, mask, out_shift, out_t, relu, out):
    """:func:`dense_narrow_kernel` for a wrapping accumulator of W bits, W + ``shift`` <= 32, its
    overflows not counted, then the cast to the result (and a ReLU when ``relu``); returns the
    result's overflow count. Wrapping is arithmetic modulo 2**W, so every product and sum is
    taken modulo 2**32 in int32 lanes (eight to a vector): a product keeps its bits from
    ``shift`` up (``(x_i * w_ij + half) & keep``), and the total, shifted down, holds the
    accumulator modulo 2**(32 - shift). ``bias`` is the accumulator's bias times 2**shift."""
    rows, n_in = x.shape
    n_out = w.shape[1]
    acc = np.empty(n_out, np.int32)
    nonzero = np.empty(n_in, np.int64)
    recast = out_shift != 0 or lo < out_t[0] or lo + mask > out_t[1]  # else the result holds it
    overflows = 0
    for r in range(rows):
        # a zero input adds nothing (half < 2**shift), and a ReLU before leaves many: the
        # others are listed first, without a branch to mispredict
        count = 0
        for i in range(n_in):
            nonzero[count] = i
            count += np.int32(x[r, i]) != 0
        acc[:] = bias
        for k in range(count):
            i = nonzero[k]
            xi = np.int32(x[r, i])
            for j in range(n_out):
                acc[j] += np.int32(xi * w[i, j] + half) & keep
        for j in range(n_out):
            out[r, j] = (((np.int64(acc[j]) >> shift) - lo) & mask) + lo
        if recast:
            for j in range(n_out):
                out[r, j], flagged = cast_flagged(out[r, j], out_shift, out_t)
                overflows += flagged
        if relu:
            for j in range(n_out):
                out[r, j] = max(out[r, j], 0)
    return overflows


@kernel(finite=True)
def dense_wrap_float_kernel(x, w, bias_acc, scale, rounds, lo, modulus, total):
    """:func:`dense_narrow_kernel`'s accumulators for a wrapping accumulator, its overflows not
    counted, into ``total`` (float64 codes). Wrapping is arithmetic modulo ``modulus``, so only
    the total is wrapped; each product is ``floor(x_i * scale * w_ij)``, plus one half first
    when it ``rounds``, and every sum is an exact float64 integer (the caller checks they stay
    below 2**52)."""
    rows, n_in = x.shape
    n_out = w.shape[1]
    acc = np.empty(n_out)
    for r in range(rows):
        acc[:] = bias_acc
        for i in range(n_in):
            xi = x[r, i] * scale
            if rounds:
                for j in range(n_out):
                    acc[j] += np.floor(xi * w[i, j] + 0.5)
            else:
                for j in range(n_out):
                    acc[j] += np.floor(xi * w[i, j])
        for j in range(n_out):
            total[r, j] = acc[j] - modulus * np.floor((acc[j] - lo) / modulus)


def _dense_narrow(
    w: np.ndarray,
    accumulation: tuple,
    types: tuple[FixedType, FixedType],
    product_bits: int,
    x_bound: int,
    relu: bool,
) -> Step | None:
    """The vectorised Dense of :func:`dense_narrow_kernel` (then a ReLU when ``relu``), when the
    accumulator's modes allow it and the products (``product_bits`` wide, scaled up when the
    shift is negative) and sums fit int64; else None. ``types`` are the accumulator's and the
    result's. With a wrapping accumulator, the step's ``uncounted`` twin (:func:`_dense_wrap`)
    often gives the same codes faster; ``x_bound`` bounds the input codes' magnitude."""
    bias_acc, shift, _, out_shift, out_t = accumulation
    a_t = types[0]
    wraps = a_t.overflow is Overflow.AP_WRAP
    if not (wraps or a_t.overflow is Overflow.AP_SAT):
        return None
    if shift > 0 and a_t.rounding not in (Rounding.AP_TRN, Rounding.AP_RND):
        return None
    half = 1 << (shift - 1) if shift > 0 and a_t.rounding is Rounding.AP_RND else 0
    lo, hi = a_t.min_code, a_t.max_code  # WRAP and AP_SAT keep every code
    scaled = w.astype(np.int64)
    if product_bits + max(0, -shift) > 61 or a_t.width > 61:
        return None
    if shift < 0:  # exact products moved up to the accumulator's LSB
        scaled, shift = scaled << -shift, 0
    bias_acc = np.asarray(bias_acc, dtype=np.int64)

    def dense(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        acc_overflows, out_overflows = dense_narrow_kernel(
            inputs[0], scaled, bias_acc, shift, half, lo, hi, not wraps, out_shift, out_t, out
        )
        if relu:
            np.maximum(out, 0, out=out)
        return {"accum": acc_overflows, "result": out_overflows}

    if wraps:
        fast = _dense_wrap(
            scaled, bias_acc, (shift, half), types, (out_shift, out_t), x_bound, relu
        )
        if fast is not None:
            dense.uncounted = fast
    return dense


def _dense_wrap(
    w: np.ndarray,
    bias_acc: np.ndarray,
    product: tuple[int, int],
    types: tuple[FixedType, FixedType],
    result: tuple[int, tuple],
    x_bound: int,
    relu: bool,
) -> Step | None:
    """The ``uncounted`` twin of :func:`_dense_narrow`'s step for a wrapping accumulator
    (``product``: the shift and half of each product, ``result``: the cast to the result):
    :func:`dense_wrap_int32_kernel` when the accumulator and the product bits it keeps fit 32
    bits, else :func:`dense_wrap_float_kernel` when the sums stay exact in float64 (input codes
    at most ``x_bound`` in magnitude), else None."""
    (shift, half), (a_t, y_t), (out_shift, out_t) = product, types, result
    lo = a_t.min_code
    if a_t.width + shift <= 32:
        lanes = w.astype(np.int32)  # modulo 2**32, as every product and sum is taken
        bias = (bias_acc << shift).astype(np.int32)
        keep, mask = np.int32(-(1 << shift)), (1 << a_t.width) - 1

        def uncounted(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict:
            return {
                "result": dense_wrap_int32_kernel(
                    inputs[0],
                    lanes,
                    bias,
                    np.int32(half),
                    keep,
                    shift,
                    lo,
                    mask,
                    out_shift,
                    out_t,
                    relu,
                    out,
                )
            }

        return uncounted
    largest = x_bound * int(np.abs(w).max(initial=0))
    if largest >= FLOAT_EXACT // 4 or w.shape[0] * (largest + 1) >= FLOAT_EXACT // 4:
        return None
    weight, bias = w.astype(np.float64), bias_acc.astype(np.float64)
    scale, modulus = 2.0**-shift, 2.0**a_t.width
    offset = _floor_offset(y_t, out_shift, 1 << a_t.width)
    zeros = np.zeros(len(bias))

    def uncounted_float(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict:
        total = scratch_array(scratch, (id(weight), "sum"), len(out), len(bias), np.float64)
        dense_wrap_float_kernel(inputs[0], weight, bias, scale, half > 0, lo, modulus, total)
        if offset is not None:
            return {
                "result": exact_sums_floor_kernel(
                    total, zeros, 2.0**-out_shift, offset, relu, out_t, out
                )
            }
        overflows = kernels.requantize_array(total, out_shift, out_t, out)
        if relu:
            np.maximum(out, 0, out=out)
        return {"result": overflows}

    return uncounted_float


def _accumulation(
    layer: Layer, x_t: FixedType, factor: str, p: LayerPrecision
) -> tuple[np.ndarray, int, tuple, int, tuple]:
    """What a kernel summing ``x * factor`` products into ``p``'s accumulator takes, in its
    argument order: the bias cast to the accumulator, F_x + F_factor - F_accum, the
    accumulator's target, F_accum - F_result, the result's target. Checks that the
    accumulator and the exact products fit the emulator's int64."""
    f_t, b_t, a_t, y_t = (p.types[r] for r in (factor, "bias", "accum", "result"))
    require_int64(layer, "accumulator", a_t, 62)
    require_int64(layer, f"exact product of input and {factor}", product_type(x_t, f_t))
    return (
        cast(p.params["bias"], b_t, a_t),
        x_t.fractional + f_t.fractional - a_t.fractional,
        kernels.target(a_t),
        a_t.fractional - y_t.fractional,
        kernels.target(y_t),
    )


def prepare_dense(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes=None, relu: bool = False
) -> Step | None:
    """The Dense step; with ``relu``, the step of Dense followed by a ReLU of the same type,
    or None when that fusion would not be exact. Over a multi-dimensional input it works on
    each row of the last axis."""
    step = _prepare_dense_rows(layer, p, in_types, relu)
    n_in, n_out = p.params["weight"].shape
    if step is None or in_shapes is None or math.prod(in_shapes[0]) == n_in:
        return step

    def over_rows(dense: Step) -> Step:
        def rows(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
            return dense([inputs[0].reshape(-1, n_in)], out.reshape(-1, n_out), scratch)

        return rows

    return adapted(step, over_rows)


def _prepare_dense_rows(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], relu: bool
) -> Step | None:
    """The Dense step over rows of ``n_in`` values (see :func:`prepare_dense`)."""
    x_t = in_types[0]
    w_t, b_t, a_t, y_t = (p.types[r] for r in ("weight", "bias", "accum", "result"))
    w, b = p.params["weight"], p.params["bias"]
    if twins.exact_active():
        accumulation = _accumulation(layer, x_t, "weight", p)
        return None if relu else _dense_exact(w, accumulation)
    sums = fixed_type.exact_sum_bound(x_t, w_t, b_t, a_t, w, b)
    if sums is not None and sums[1] < FLOAT_EXACT:  # exact sums below 2**53: float64 BLAS
        units, bound = sums
        step = _dense_float(
            w, b, units, x_t.fractional + w_t.fractional, b_t.fractional, y_t, bound, relu
        )
        if step is not None or relu:
            return step
    try:
        accumulation = _accumulation(layer, x_t, "weight", p)
    except twins.TooWide:  # past int64: exact sums may still take the two-limb path
        limbs = None if sums is None else _dense_limbs(x_t, w_t, b_t, y_t, w, b, *sums)
        if limbs is None:
            raise
        return None if relu else limbs
    x_bound = max(-x_t.min_code, x_t.max_code)
    narrow = _dense_narrow(w, accumulation, (a_t, y_t), product_type(x_t, w_t).width, x_bound, relu)
    return narrow or (None if relu else _dense_exact(w, accumulation))


def _dense_exact(w: np.ndarray, accumulation: tuple) -> Step:
    def dense(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        acc_overflows, out_overflows = dense_exact_kernel(inputs[0], w, *accumulation, out)
        return {"accum": acc_overflows, "result": out_overflows}

    return dense


def _dense_limbs(x_t, w_t, b_t, y_t, w, b, units: int, bound: int) -> Step | None:
    """The Dense whose exact sums exceed float64 and int64 (:mod:`.wide`): limb products in
    float64, summed and cast in two limbs. None when a code or a sum is too wide for it."""
    up = max(0, y_t.fractional - units)  # a result finer than the sums: scale the sums up
    if (
        max(t.width for t in (x_t, w_t, b_t, y_t)) > 62
        or (bound << up).bit_length() >= wide.MAX_SUM_BITS
    ):
        return None
    n_in = w.shape[0]
    bits, x_count = wide.limbs(x_t.width, n_in)
    w_count = -(-w_t.width // bits)
    weights = wide.split_codes(w, bits, w_count)
    pairs = [(a, c) for a in range(x_count) for c in range(w_count)]
    lift = units - x_t.fractional - w_t.fractional + up
    powers = np.array([(a + c) * bits + lift for a, c in pairs], dtype=np.int64)
    bias = [int(v) << (units - b_t.fractional + up) for v in b.tolist()]
    bias_high = np.array([v >> wide.LIMB for v in bias], dtype=np.int64)
    bias_low = np.array([v & wide.MASK for v in bias], dtype=np.int64)
    shift, t = units + up - y_t.fractional, wide.wide_target(y_t)

    def dense(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        x = inputs[0]
        parts = wide.split_codes(x, bits, x_count)
        held = scratch_array(
            scratch, (id(powers), "sums"), len(pairs) * len(x), w.shape[1], np.float64
        )
        sums = held.reshape(len(pairs), len(x), w.shape[1])
        for k, (a, c) in enumerate(pairs):
            np.matmul(parts[a], weights[c], out=sums[k])
        overflows = wide.limb_sums_kernel(sums, powers, bias_high, bias_low, shift, t, out)
        return {"accum": 0, "result": overflows}

    return dense


def _floor_offset(y_t: FixedType, shift: int, bound: int) -> float | None:
    """The offset of :func:`kernels.exact_sums_floor` for this result cast, or None when that
    kernel is not exact for it."""
    offsets = {Rounding.AP_TRN: 0.0, Rounding.AP_RND: 0.5}
    if y_t.rounding not in offsets or shift < 0 or bound >= FLOAT_EXACT // 2:
        return None
    return offsets[y_t.rounding]


def _dense_float(w, b, units, f_product, fb, y_t, bound, relu: bool) -> Step | None:
    """The exact float64 Dense (sums exact and below 2**53): a BLAS product gives the exact sum;
    only the cast to the result rounds. None if ``relu`` is asked for but cannot be fused."""
    weight = np.ldexp(w.astype(np.float64), units - f_product)
    bias = np.ldexp(b.astype(np.float64), units - fb)
    shift, out_t = units - y_t.fractional, kernels.target(y_t)
    offset = _floor_offset(y_t, shift, bound)
    if relu and offset is None:
        return None

    def dense(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        rows, n_in = inputs[0].shape
        total = scratch_array(scratch, (id(weight), "sum"), rows, weight.shape[1], np.float64)
        if inputs[0].dtype == np.float64:  # codes kept as float64 by the step before
            x = inputs[0]
        else:
            x = scratch_array(scratch, (id(weight), "x"), rows, n_in, np.float64)
            x[...] = inputs[0]
        np.matmul(x, weight, out=total)
        if offset is None:
            total += bias
            overflows = kernels.requantize_array(total, shift, out_t, out)
        else:
            overflows = exact_sums_floor_kernel(total, bias, 2.0**-shift, offset, relu, out_t, out)
        return {"accum": 0, "result": overflows}

    dense.float_codes = offset is not None  # takes, and can give, codes as exact float64
    return dense


def prepare_conv(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes, relu: bool = False
) -> Step | None:
    """Conv as docs/numerics.md defines it: the Dense step over each receptive field."""
    if layer.kind.depthwise:
        return None if relu else _prepare_depthwise(layer, p, in_types, in_shapes)
    weight = p.params["weight"]
    flat = replace(p, params={**p.params, "weight": weight.reshape(-1, weight.shape[-1])})
    dense = prepare_dense(layer, flat, in_types, relu=relu)
    if dense is None:
        return None
    index = layer.kind.patch_index(layer, in_shapes[0])
    positions, taps = index.shape
    n_out = weight.shape[-1]

    def over_patches(patch_dense: Step) -> Step:
        def conv(inputs, out, scratch):
            x = inputs[0]
            rows = len(x) * positions
            patches = scratch_array(scratch, (id(index), "patches"), rows, taps, x.dtype)
            kernels.gather_patches(x, index, patches)
            return patch_dense([patches], out.reshape(rows, n_out), scratch)

        return conv

    return adapted(dense, over_patches)


def _prepare_depthwise(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes
) -> Step:
    accumulation = _accumulation(layer, in_types[0], "weight", p)
    weight = p.params["weight"]
    channels = weight.shape[-1]
    w = weight.reshape(-1, channels)
    index = layer.kind.patch_index(layer, in_shapes[0])
    positions, taps = index.shape

    def depthwise(inputs, out, scratch):
        x = inputs[0]
        patches = scratch_array(scratch, (id(index), "patches"), len(x) * positions, taps, x.dtype)
        kernels.gather_patches(x, index, patches)
        acc_overflows, out_overflows = depthwise_exact_kernel(
            patches, w, *accumulation, out.reshape(len(x) * positions, channels)
        )
        return {"accum": acc_overflows, "result": out_overflows}

    return depthwise


def prepare_batch_norm(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes
) -> Step:
    accumulation = _accumulation(layer, in_types[0], "scale", p)
    scale = p.params["scale"]

    def batch_norm(inputs, out, scratch):
        acc_overflows, overflows = batch_norm_kernel(inputs[0], scale, *accumulation, out)
        return {"accum": acc_overflows, "result": overflows}

    return batch_norm


PREPARERS: dict[kinds.LayerKind, Callable[..., Step]] = {
    kinds.DENSE: prepare_dense,
    kinds.CONV1D: prepare_conv,
    kinds.CONV2D: prepare_conv,
    kinds.DEPTHWISE_CONV1D: prepare_conv,
    kinds.DEPTHWISE_CONV2D: prepare_conv,
    kinds.BATCH_NORM: prepare_batch_norm,
}
