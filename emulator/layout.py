"""Layers that move, merge or pool values: reshape, transpose, upsampling, slicing, padding,
concatenation, element-wise merges and pooling, each kernel beside the step that prepares it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hlsfx.emulator import kernels
from hlsfx.emulator.jit import kernel
from hlsfx.emulator.kernels import cast_flagged
from hlsfx.emulator.steps import Step, require_int64
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType, product_type, sum_type
from hlsfx.ir.graph import Layer
from hlsfx.ir.kinds import FILL
from hlsfx.numerics.config import LayerPrecision


@kernel
def pool_kernel(x, index, mode, per_count, ups, acc_t, shift, t, out):
    """Per output position p and channel c, over the window taps ``index[p, :, c]`` (-1 where
    the tap lies in the padding). Mode 0: the max. Mode 1: the taps summed in order into the
    accumulator, ``acc = cast(acc + x, acc_t)`` (``ups``: the accumulator's and the tap's moves
    up to the finer LSB), times ``per_count[count]`` (1/count as a code of recip), ``count``
    being the number of taps inside the input. Mode 2 (hls4ml): that accumulator divided by
    ``per_count[count]`` toward zero. ``shift`` aligns the max (F_x), the product
    (F_acc + F_recip) or the quotient (F_acc) to the result. Returns the overflow counts of the
    accumulator and of the result."""
    rows = x.shape[0]
    positions, taps, channels = index.shape
    acc_up, x_up = ups
    acc_overflows = 0
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
                        if mode:
                            total, flagged = cast_flagged(
                                (total << acc_up) + (v << x_up), acc_up, acc_t
                            )
                            acc_overflows += flagged
                        count += 1
                if mode == 2:
                    quotient = abs(total) // per_count[count]
                    value, flagged = cast_flagged(-quotient if total < 0 else quotient, shift, t)
                elif mode == 1:
                    value, flagged = cast_flagged(total * per_count[count], shift, t)
                else:
                    value, flagged = cast_flagged(best, shift, t)
                out[r, p * channels + c] = value
                overflows += flagged
    return acc_overflows, overflows


@kernel
def merge_kernel(a, b, op, a_up, b_up, shift, t, out):
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
            value, flagged = cast_flagged(v, shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


def _moves(layer: Layer, p: LayerPrecision, in_types: list[FixedType], arrange) -> Step:
    """A step that moves values (``arrange(x)`` gives them in output order), casting only if
    the result type differs from the input's."""
    x_t, y_t = in_types[0], p.types["result"]
    shift, out_t = x_t.fractional - y_t.fractional, kernels.target(y_t)

    def move(inputs, out, scratch):
        values = arrange(inputs[0])
        if x_t == y_t:
            out[...] = values
            return {"result": 0}
        return {"result": kernels.requantize_array(np.ascontiguousarray(values), shift, out_t, out)}

    return move


def prepare_pool(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shape = in_shapes[0]
    channels = shape[-1]
    index = layer.kind.patch_index(layer, shape)
    index = index.reshape(len(index), -1, channels)  # (positions, taps, channels)
    x_t, y_t = in_types[0], p.types["result"]
    taps = index.shape[1]
    acc_t = p.types["accum"] if layer.kind.average else x_t
    finer = max(acc_t.fractional, x_t.fractional)
    ups = np.array([finer - acc_t.fractional, finer - x_t.fractional], dtype=np.int64)
    if not layer.kind.average:
        mode, per_count, shift = 0, np.zeros(1, dtype=np.int64), x_t.fractional - y_t.fractional
    elif p.numerics.average_pool_divides:  # hls4ml divides by the window size or the taps inside
        mode, shift = 2, acc_t.fractional - y_t.fractional
        per_count = np.maximum(np.arange(taps + 1), 1)
        if layer.attrs.get("count_include_pad", 0):
            per_count[:] = taps
    else:
        r_t, per_count = p.types["recip"], p.params["recip"]
        mode, shift = 1, acc_t.fractional + r_t.fractional - y_t.fractional
        require_int64(layer, "window sum times 1/count", product_type(acc_t, r_t))
    require_int64(layer, "window sum", sum_type(acc_t, x_t))
    acc_target, out_t = kernels.target(acc_t), kernels.target(y_t)

    def pool(inputs, out, scratch):
        acc_overflows, overflows = pool_kernel(
            inputs[0], index, mode, per_count, ups, acc_target, shift, out_t, out
        )
        return {"accum": acc_overflows, "result": overflows} if mode else {"result": overflows}

    return pool


MERGE_OPS = {"+": 0, "-": 1, "*": 2}
"""merge_kernel's code of each element-wise operator"""


def prepare_merge(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    (a_t, b_t), y_t = in_types, p.types["result"]
    op = MERGE_OPS[layer.kind.operator]
    if op == 2:
        require_int64(layer, "product", product_type(a_t, b_t))
        a_up = b_up = 0
        shift = a_t.fractional + b_t.fractional - y_t.fractional
    else:
        require_int64(layer, "exact sum", sum_type(a_t, b_t), 62)
        units = max(a_t.fractional, b_t.fractional)
        a_up, b_up = units - a_t.fractional, units - b_t.fractional
        shift = units - y_t.fractional
    out_t = kernels.target(y_t)

    def merge(inputs, out, scratch):
        return {"result": merge_kernel(inputs[0], inputs[1], op, a_up, b_up, shift, out_t, out)}

    return merge


def prepare_concatenate(layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    y_t = p.types["result"]
    out_t = kernels.target(y_t)
    shifts = [t.fractional - y_t.fractional for t in in_types]
    index = layer.kind.source_index(layer, in_shapes)

    def concatenate(inputs, out, scratch):
        parts, overflows = [], 0
        for x, shift in zip(inputs, shifts, strict=True):
            cast_x = np.empty_like(x, dtype=out.dtype)
            overflows += kernels.requantize_array(x, shift, out_t, cast_x)
            parts.append(cast_x)
        out[...] = np.concatenate(parts, axis=1)[:, index]
        return {"result": overflows}

    return concatenate


def prepare_moved(layer, p, in_types, in_shapes) -> Step:
    """Reshape, Transpose, UpSampling, Slice, Pad: each output value is the input value the
    kind's source index names, cast to the result, or where it names none the layer's
    ``fill`` code."""
    index = layer.kind.source_index(layer, in_shapes)
    if np.array_equal(index, np.arange(index.size)):
        return _moves(layer, p, in_types, lambda x: x)
    copied = np.flatnonzero(index != FILL)
    if copied.size == index.size:
        return _moves(layer, p, in_types, lambda x: x[:, index])
    move = _moves(layer, p, in_types, lambda x: x[:, index[copied]])
    fill = p.params["fill"][0]

    def pad(inputs, out, scratch):
        moved = np.empty((out.shape[0], copied.size), dtype=out.dtype)
        counts = move(inputs, moved, scratch)
        out[...] = fill
        out[:, copied] = moved
        return counts

    return pad


PREPARERS: dict[kinds.LayerKind, Callable[..., Step]] = {
    kinds.MAX_POOL1D: prepare_pool,
    kinds.MAX_POOL2D: prepare_pool,
    kinds.AVERAGE_POOL1D: prepare_pool,
    kinds.AVERAGE_POOL2D: prepare_pool,
    kinds.ADD: prepare_merge,
    kinds.SUBTRACT: prepare_merge,
    kinds.MULTIPLY: prepare_merge,
    kinds.CONCATENATE: prepare_concatenate,
    kinds.RESHAPE: prepare_moved,
    kinds.TRANSPOSE: prepare_moved,
    kinds.UPSAMPLING: prepare_moved,
    kinds.SLICE: prepare_moved,
    kinds.PAD: prepare_moved,
}
