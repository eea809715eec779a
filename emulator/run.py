"""Running a quantized model: each layer kind prepares a step once, then steps run on raw codes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from hlsfx import fixed_type, kinds
from hlsfx.config import LayerPrecision
from hlsfx.emulator import kernels
from hlsfx.emulator.quantize import (
    FLOAT_CODE_WIDTH,
    MAX_SIGNED_WIDTH,
    cast,
    check_emulated,
)
from hlsfx.fixed_type import FixedType, Rounding, product_type, sum_type
from hlsfx.graph import Layer

__all__ = ["PREPARERS", "Step", "prepare"]

Step = Callable[[list[np.ndarray], np.ndarray, dict], dict[str, int]]
"""(raw inputs (batch, features), the output array to fill, a scratch dict private to the
calling run) -> overflow counts per role. Steps keep no state between calls, so one model
can run in several threads at once."""

FLOAT_EXACT = 1 << 53


def scratch_array(scratch: dict, key, rows: int, cols: int, dtype) -> np.ndarray:
    """A (rows, cols) work array kept in ``scratch`` under ``key``: reused while large enough,
    so a thread's scratch grows to its largest chunk and no further."""
    held = scratch.get(key)
    if held is None or held.shape[0] < rows or held.shape[1] != cols or held.dtype != dtype:
        held = scratch[key] = np.empty((rows, cols), dtype)
    return held[:rows]


def _require_int64(layer: Layer, what: str, t: FixedType, limit: int = MAX_SIGNED_WIDTH) -> None:
    if t.width > limit:
        raise ValueError(
            f"{layer.describe()}: the {what} needs {t.width} bits ({t}); the emulator computes "
            f"exactly in int64, up to {limit}: choose narrower types"
        )


def _accumulation(
    layer: Layer, x_t: FixedType, factor: str, p: LayerPrecision
) -> tuple[np.ndarray, int, tuple, int, tuple]:
    """What a kernel summing ``x * factor`` products into ``p``'s accumulator takes, in its
    argument order: the bias cast to the accumulator, F_x + F_factor - F_accum, the
    accumulator's target, F_accum - F_result, the result's target. Checks that the
    accumulator and the exact products fit the emulator's int64."""
    f_t, b_t, a_t, y_t = (p.types[r] for r in (factor, "bias", "accum", "result"))
    _require_int64(layer, "accumulator", a_t, 62)
    _require_int64(layer, f"exact product of input and {factor}", product_type(x_t, f_t))
    return (
        cast(p.params["bias"], b_t, a_t),
        x_t.fractional + f_t.fractional - a_t.fractional,
        kernels.target(a_t),
        a_t.fractional - y_t.fractional,
        kernels.target(y_t),
    )


def exact_sum_bound(x_t, w_t, b_t, a_t, w, b) -> tuple[int, int] | None:
    """``(units, bound)`` when a float64 product computes this Dense exactly, else None: the
    sums are exact (:func:`hlsfx.fixed_type.exact_sum_bound`) and every partial sum is an
    integer below 2**53 in units of ``2**-units``."""
    found = fixed_type.exact_sum_bound(x_t, w_t, b_t, a_t, w, b)
    if found is None or found[1] >= FLOAT_EXACT:
        return None
    return found


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

    def rows(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        return step([inputs[0].reshape(-1, n_in)], out.reshape(-1, n_out), scratch)

    rows.float_codes = getattr(step, "float_codes", False)
    return rows


def _prepare_dense_rows(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], relu: bool
) -> Step | None:
    """The Dense step over rows of ``n_in`` values (see :func:`prepare_dense`)."""
    x_t = in_types[0]
    w_t, b_t, a_t, y_t = (p.types[r] for r in ("weight", "bias", "accum", "result"))
    for role, t in p.types.items():
        if role != "accum":
            check_emulated(t)
    accumulation = _accumulation(layer, x_t, "weight", p)
    w, b = p.params["weight"], p.params["bias"]
    path = exact_sum_bound(x_t, w_t, b_t, a_t, w, b)
    if path is not None:
        units, bound = path
        step = _dense_float(
            w, b, units, x_t.fractional + w_t.fractional, b_t.fractional, y_t, bound, relu
        )
        if step is not None or relu:
            return step
    if relu:
        return None

    def dense(inputs: list[np.ndarray], out: np.ndarray, scratch: dict) -> dict[str, int]:
        acc_overflows, out_overflows = kernels.dense_exact(inputs[0], w, *accumulation, out)
        return {"accum": acc_overflows, "result": out_overflows}

    return dense


def _floor_offset(y_t: FixedType, shift: int, bound: int) -> float | None:
    """The offset of :func:`kernels.exact_sums_floor` for this result cast, or None when that
    kernel is not exact for it."""
    offsets = {Rounding.AP_TRN: 0.0, Rounding.AP_RND: 0.5}
    if y_t.rounding not in offsets or shift < 0 or bound >= FLOAT_EXACT // 2:
        return None
    return offsets[y_t.rounding]


def _dense_float(w, b, units, f_product, fb, y_t, bound, relu: bool) -> Step | None:
    """The exact float64 Dense (see :func:`exact_sum_bound`): a BLAS product gives the exact sum;
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
            overflows = kernels.exact_sums_floor(total, bias, 2.0**-shift, offset, relu, out_t, out)
        return {"accum": 0, "result": overflows}

    dense.float_codes = offset is not None  # takes, and can give, codes as exact float64
    return dense


def _to_result(x_t: FixedType, p: LayerPrecision) -> tuple[int, tuple]:
    """The shift and target that cast codes of ``x_t`` to the layer's result type."""
    return x_t.fractional - p.types["result"].fractional, kernels.target(p.types["result"])


def prepare_relu(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shift, out_t = _to_result(in_types[0], p)

    def relu(inputs, out, scratch):
        return {"result": kernels.relu(inputs[0], shift, out_t, out)}

    return relu


def prepare_linear(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shift, out_t = _to_result(in_types[0], p)

    def linear(inputs, out, scratch):
        return {"result": kernels.requantize_array(inputs[0], shift, out_t, out)}

    return linear


def prepare_leaky(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, a_t, y_t = in_types[0], p.types["alpha"], p.types["result"]
    _require_int64(layer, "product of input and alpha", product_type(x_t, a_t))
    alpha = p.params["alpha"].reshape(-1)
    if alpha.size not in (1, in_shapes[0][-1]):
        raise ValueError(f"{layer.describe()}: {alpha.size} slopes for {in_shapes[0][-1]} channels")
    positive, negative = (
        x_t.fractional - y_t.fractional,
        x_t.fractional + a_t.fractional - y_t.fractional,
    )
    out_t = kernels.target(y_t)

    def leaky(inputs, out, scratch):
        return {"result": kernels.leaky(inputs[0], alpha, positive, negative, out_t, out)}

    return leaky


def prepare_clip(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, y_t = in_types[0], p.types["result"]
    lo, hi = int(p.params["lo"][0]), int(p.params["hi"][0])
    shift, out_t = x_t.fractional - y_t.fractional, kernels.target(y_t)

    def clip(inputs, out, scratch):
        return {"result": kernels.clip(inputs[0], lo, hi, shift, out_t, out)}

    return clip


def prepare_hard_sigmoid(layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, a_t, b_t, y_t = in_types[0], p.types["alpha"], p.types["beta"], p.types["result"]
    exact = kinds.HARD_SIGMOID.exact_type(x_t, a_t, b_t)
    _require_int64(layer, "alpha * x + beta", exact, 62)
    units = exact.fractional
    alpha, beta = int(p.params["alpha"].reshape(-1)[0]), int(p.params["beta"].reshape(-1)[0])
    product_up, beta_up = units - x_t.fractional - a_t.fractional, units - b_t.fractional
    one, shift, out_t = 1 << units, units - y_t.fractional, kernels.target(y_t)

    def hard_sigmoid(inputs, out, scratch):
        overflows = kernels.hard_sigmoid(
            inputs[0], alpha, beta, product_up, beta_up, one, shift, out_t, out
        )
        return {"result": overflows}

    return hard_sigmoid


def prepare_lut(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    if layer.kind.linear_above_zero:
        return _prepare_lut_below_zero(layer, p, in_types)
    table = p.tables["table"]
    shift = table.entry_type.fractional - p.types["result"].fractional
    out_t = kernels.target(p.types["result"])

    def lut(inputs, out, scratch):
        entries = table.entries
        overflows = kernels.lut(
            inputs[0], table.lo_code, table.half, table.shift, entries, shift, out_t, out
        )
        return {"result": overflows}

    return lut


def _prepare_lut_below_zero(layer: Layer, p: LayerPrecision, in_types: list[FixedType]) -> Step:
    table, x_t, y_t = p.tables["table"], in_types[0], p.types["result"]
    if "gamma" in p.params:
        gamma, g_t = int(p.params["gamma"].reshape(-1)[0]), p.types["gamma"]
        _require_int64(layer, "product of input and gamma", product_type(x_t, g_t))
        gamma_shift = x_t.fractional + g_t.fractional - y_t.fractional
    else:
        gamma, gamma_shift = 1, x_t.fractional - y_t.fractional
    entry_shift = table.entry_type.fractional - y_t.fractional
    out_t = kernels.target(y_t)

    def lut(inputs, out, scratch):
        overflows = kernels.lut_below_zero(
            inputs[0], table.lo_code, table.half, table.shift, table.entries, entry_shift, gamma,
            gamma_shift, out_t, out,
        )  # fmt: skip
        return {"result": overflows}

    return lut


def prepare_softmax(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, y_t = p.types["sum"], p.types["result"]
    _require_int64(layer, "sum", s_t, 62)
    _require_int64(layer, "product of exp and 1/sum", product_type(exp.entry_type, inv.entry_type))
    fe, fi = exp.entry_type.fractional, inv.entry_type.fractional
    stable = p.options["implementation"] == "stable"
    sum_t, out_t = kernels.target(s_t), kernels.target(y_t)

    last = in_shapes[0][-1]  # over the last axis: one row of the kernel per position before it

    def softmax(inputs, out, scratch):
        sum_overflows, out_overflows = kernels.softmax(
            inputs[0].reshape(-1, last), stable, exp.lo_code, exp.half, exp.shift, exp.entries,
            fe - s_t.fractional, sum_t, inv.lo_code, inv.half, inv.shift, inv.entries,
            fe + fi - y_t.fractional, out_t, out.reshape(-1, last),
        )  # fmt: skip
        return {"sum": sum_overflows, "result": out_overflows}

    return softmax


def prepare_conv(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes, relu: bool = False
) -> Step | None:
    """Conv as NUMERICS.md defines it: the Dense step over each receptive field."""
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

    def conv(inputs, out, scratch):
        x = inputs[0]
        patches = scratch_array(scratch, (id(index), "patches"), len(x) * positions, taps, x.dtype)
        kernels.gather_patches(x, index, patches)
        return dense([patches], out.reshape(len(x) * positions, n_out), scratch)

    conv.float_codes = getattr(dense, "float_codes", False)
    return conv


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
        patches = scratch_array(scratch, (id(index), "patches"), len(x) * positions, taps, np.int64)
        kernels.gather_patches(x, index, patches)
        acc_overflows, out_overflows = kernels.depthwise_exact(
            patches, w, *accumulation, out.reshape(len(x) * positions, channels)
        )
        return {"accum": acc_overflows, "result": out_overflows}

    return depthwise


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


def prepare_binarize(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    plus, minus = (int(v) for v in p.params["levels"])

    def binarize(inputs, out, scratch):
        kernels.binarize(inputs[0], plus, minus, out)
        return {"result": 0}

    return binarize


def prepare_pool(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shape = in_shapes[0]
    channels = shape[-1]
    index = layer.kind.patch_index(layer, shape)
    index = index.reshape(len(index), -1, channels)  # (positions, taps, channels)
    x_t, y_t = in_types[0], p.types["result"]
    taps = index.shape[1]
    if layer.kind.average:
        r_t, recip = p.types["recip"], p.params["recip"]
        sum_t = layer.kind.window_sum_type(x_t, taps)
        _require_int64(layer, "window sum times 1/count", product_type(sum_t, r_t))
        shift = x_t.fractional + r_t.fractional - y_t.fractional
    else:
        recip, shift = np.zeros(1, dtype=np.int64), x_t.fractional - y_t.fractional
    average, out_t = layer.kind.average, kernels.target(y_t)

    def pool(inputs, out, scratch):
        return {"result": kernels.pool(inputs[0], index, average, recip, shift, out_t, out)}

    return pool


MERGE_OPS = {kinds.ADD: 0, kinds.SUBTRACT: 1, kinds.MULTIPLY: 2}


def prepare_merge(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    (a_t, b_t), y_t = in_types, p.types["result"]
    op = MERGE_OPS[layer.kind]
    if op == 2:
        _require_int64(layer, "product", product_type(a_t, b_t))
        a_up = b_up = 0
        shift = a_t.fractional + b_t.fractional - y_t.fractional
    else:
        _require_int64(layer, "exact sum", sum_type(a_t, b_t), 62)
        units = max(a_t.fractional, b_t.fractional)
        a_up, b_up = units - a_t.fractional, units - b_t.fractional
        shift = units - y_t.fractional
    out_t = kernels.target(y_t)

    def merge(inputs, out, scratch):
        return {"result": kernels.merge(inputs[0], inputs[1], op, a_up, b_up, shift, out_t, out)}

    return merge


def prepare_concatenate(layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    axis, y_t = layer.attrs["axis"], p.types["result"]
    out_t = kernels.target(y_t)
    shifts = [t.fractional - y_t.fractional for t in in_types]

    def concatenate(inputs, out, scratch):
        rows = len(inputs[0])
        parts, overflows = [], 0
        for x, shape, shift in zip(inputs, in_shapes, shifts, strict=True):
            cast_x = np.empty_like(x, dtype=np.int64)
            overflows += kernels.requantize_array(x, shift, out_t, cast_x)
            parts.append(cast_x.reshape(rows, *shape))
        out[...] = np.concatenate(parts, axis=1 + axis).reshape(rows, -1)
        return {"result": overflows}

    return concatenate


def prepare_batch_norm(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes
) -> Step:
    accumulation = _accumulation(layer, in_types[0], "scale", p)
    scale = p.params["scale"]

    def batch_norm(inputs, out, scratch):
        acc_overflows, overflows = kernels.batch_norm(inputs[0], scale, *accumulation, out)
        return {"accum": acc_overflows, "result": overflows}

    return batch_norm


def prepare_reshape(layer, p, in_types, in_shapes) -> Step:
    return _moves(layer, p, in_types, lambda x: x)


def prepare_transpose(layer, p, in_types, in_shapes) -> Step:
    axes = (0, *(1 + a for a in layer.attrs["perm"]))
    shape = in_shapes[0]
    return _moves(
        layer, p, in_types, lambda x: x.reshape(len(x), *shape).transpose(axes).reshape(len(x), -1)
    )


PREPARERS: dict[kinds.LayerKind, Callable[..., Step]] = {
    kinds.DENSE: prepare_dense,
    kinds.CONV1D: prepare_conv,
    kinds.CONV2D: prepare_conv,
    kinds.DEPTHWISE_CONV1D: prepare_conv,
    kinds.DEPTHWISE_CONV2D: prepare_conv,
    kinds.BINARIZE: prepare_binarize,
    kinds.MAX_POOL1D: prepare_pool,
    kinds.MAX_POOL2D: prepare_pool,
    kinds.AVERAGE_POOL1D: prepare_pool,
    kinds.AVERAGE_POOL2D: prepare_pool,
    kinds.ADD: prepare_merge,
    kinds.SUBTRACT: prepare_merge,
    kinds.MULTIPLY: prepare_merge,
    kinds.CONCATENATE: prepare_concatenate,
    kinds.BATCH_NORM: prepare_batch_norm,
    kinds.RESHAPE: prepare_reshape,
    kinds.TRANSPOSE: prepare_transpose,
    kinds.RELU: prepare_relu,
    kinds.LINEAR: prepare_linear,
    kinds.LEAKY_RELU: prepare_leaky,
    kinds.PRELU: prepare_leaky,
    kinds.CLIP: prepare_clip,
    kinds.HARD_SIGMOID: prepare_hard_sigmoid,
    kinds.SIGMOID: prepare_lut,
    kinds.TANH: prepare_lut,
    kinds.SOFTPLUS: prepare_lut,
    kinds.SOFTSIGN: prepare_lut,
    kinds.ELU: prepare_lut,
    kinds.SELU: prepare_lut,
    kinds.SOFTMAX: prepare_softmax,
}
"""The emulator's step for every layer kind; the conformance test checks it covers KINDS."""


def prepare(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    """The step that runs ``layer`` on raw codes (``in_shapes``: its inputs' shapes)."""
    return PREPARERS[layer.kind](layer, p, in_types, in_shapes)


def _fused_relu(layer: Layer, relu: Layer, precisions, tensor_types, shapes) -> Step | None:
    """Dense or Conv, then a ReLU of the same type, as one step (None if not exact)."""
    p = precisions[layer.name]
    if precisions[relu.name].types["result"] != p.types["result"]:
        return None
    in_types, in_shapes = [tensor_types[layer.inputs[0]]], [shapes[layer.inputs[0]]]
    return PREPARERS[layer.kind](layer, p, in_types, in_shapes, relu=True)


def float_tensors(graph, steps: list[tuple[list[Layer], Step]], tensor_types) -> set[str]:
    """Tensors that may be held as float64 codes: read only by steps that take them so
    (float-path Dense steps), not a graph output, and made by a step that can write them so or
    quantized from a graph input of at most :data:`FLOAT_CODE_WIDTH` bits."""
    takes = {}
    for layers, step in steps:
        for tensor in layers[0].inputs:
            takes[tensor] = takes.get(tensor, True) and getattr(step, "float_codes", False)
    made = [layers[-1].output for layers, step in steps if getattr(step, "float_codes", False)]
    made += [t for t in graph.inputs if tensor_types[t].width <= FLOAT_CODE_WIDTH]
    return {t for t in made if takes.get(t, False) and t not in graph.outputs}


def plan(graph, precisions, tensor_types, fuse: bool) -> list[tuple[list[Layer], Step]]:
    """Steps covering the graph's layers in order; with ``fuse``, a step may cover a Dense and
    the ReLU after it (their outputs are then not all materialised)."""
    steps: list[tuple[list[Layer], Step]] = []
    layers = list(graph.layers)
    i = 0
    while i < len(layers):
        layer = layers[i]
        if fuse and layer.kind.weighted and i + 1 < len(layers):
            after = layers[i + 1]
            single_use = [x.name for x in graph.consumers(layer.output)] == [after.name]
            if after.kind is kinds.RELU and single_use and layer.output not in graph.outputs:
                step = _fused_relu(layer, after, precisions, tensor_types, graph.shapes)
                if step is not None:
                    steps.append(([layer, after], step))
                    i += 2
                    continue
        in_types = [tensor_types[t] for t in layer.inputs]
        in_shapes = [graph.shapes[t] for t in layer.inputs]
        steps.append(([layer], prepare(layer, precisions[layer.name], in_types, in_shapes)))
        i += 1
    return steps
