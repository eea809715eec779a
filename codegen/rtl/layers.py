"""The netlist of each layer kind (docs/numerics.md, bit for bit): combinational logic from the
layer's input wires to its output wire, its products drawn from the layer's
:class:`~hlsfx.codegen.rtl.multipliers.Multipliers`. :data:`RTL_LAYERS` maps every kind to its
builder; :mod:`hlsfx.codegen.rtl.parallel` places the layers in a module and registers them.

Buses pack element k of a tensor (channels-last, row-major) at bits ``[k*W +: W]`` as raw two's
complement codes."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from hlsfx.codegen.adder_graph import layer_matrix
from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.distributed import DistributedLayer, distributed_sums
from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    Slice,
    add,
    as_signed,
    concat,
    const,
    divide,
    greater,
    greater_equal,
    less,
    less_equal,
    mux,
    shift_left,
    signed_const,
)
from hlsfx.codegen.rtl.multipliers import (
    WeightedLayer,
    aligned_sum,
    extend,
    weighted_sums,
)
from hlsfx.codegen.rtl.rtl_layer import RtlLayer, is_negative, literal, number
from hlsfx.codegen.rtl.table_layers import lut, softmax
from hlsfx.ir import exact, kinds
from hlsfx.ir.fixed_type import FixedType, product_type, sum_type
from hlsfx.ir.kinds import FILL

__all__ = ["DISTRIBUTED_LAYERS", "RTL_LAYERS", "window_sum"]


def _bias_codes(c: RtlLayer) -> list[int]:
    p = c.p
    return [int(v) for v in exact.cast(p.params["bias"], p.types["bias"], p.types["accum"])]


def _weighted(c: RtlLayer, matrix: np.ndarray, rows: list[list[int]]) -> None:
    """Output ``r * n_out + j`` = cast(bias_j + sum_i x[rows[r][i]] * matrix[i, j]) (input
    index -1: padding), by multipliers or, with the distributed strategy, shift-add graphs."""
    lanes = c.lanes()
    n_out = matrix.shape[1]
    outputs = [c.out(k) for k in range(len(rows) * n_out)]
    if c.pipeline is not None:
        layer = DistributedLayer(c.name, c.layer, c.p, c.x_t, c.x_range, outputs)
        taps = [[lanes[i] if i >= 0 else None for i in row] for row in rows]
        distributed_sums(c.net, layer, matrix, taps, c.pipeline)
        return
    bias = _bias_codes(c)
    layer = WeightedLayer(
        name=c.name,
        x_t=c.x_t,
        types=c.p.types,
        weight=c.p.params["weight"],
        bias=c.p.params["bias"],
        mults=c.mults,
        outputs=outputs,
    )
    terms = [
        (
            bias[j],
            [(lanes[i], int(matrix[t, j])) for t, i in enumerate(row) if i >= 0 and matrix[t, j]],
        )
        for row in rows
        for j in range(n_out)
    ]
    weighted_sums(c.net, layer, terms)


def _dense(c: RtlLayer) -> str:
    weight = c.p.params["weight"]
    n_in, n_out = weight.shape
    rows = [list(range(r * n_in, (r + 1) * n_in)) for r in range(c.size // n_in)]
    _weighted(c, weight, rows)
    return f"Dense {n_in} -> {n_out}"


def _conv(c: RtlLayer) -> str:
    """Dense over each output position's receptive field (taps, then input channels); the
    depthwise form sums each channel's taps alone (a matrix with one nonzero per row)."""
    layer = c.layer
    index = layer.kind.patch_index(layer, c.in_shapes[0])
    matrix = layer_matrix(layer, c.p.params["weight"])
    _weighted(c, matrix, [[int(i) for i in row] for row in index])
    return f"{layer.kind.name}, {len(index)} output positions"


def _elementwise(c: RtlLayer) -> str:
    """Linear and Reshape: the cast of each value to the result."""
    return _cast_each(c, relu=False)


def _relu(c: RtlLayer) -> str:
    """``max(x, 0)``, never negative: cast as the unsigned type of its bits below the sign,
    with no comparison with the result's lowest value."""
    return _cast_each(c, relu=c.x_t.signed)


def _cast_each(c: RtlLayer, relu: bool) -> str:
    """Each value, or with ``relu`` its ``max(x, 0)``, cast to the result."""
    x_t, w = c.x_t, c.x_t.width
    m_t = x_t
    if relu:  # a 1-bit code is 0 or negative, so its max(x, 0) is 0: 1 unsigned bit
        m_t = FixedType(max(w - 1, 1), x_t.integer - (w > 1), False)
    for k, x in enumerate(c.lanes()):
        if relu:
            x = c.wire(
                f"m{k}",
                m_t.width,
                mux(x.bit(w - 1), const(0, m_t.width), x.bits(0, m_t.width)),
            )
        c.cast_out(k, x, m_t, f"{c.name}_c{k}")
    return f"{c.layer.kind.name} over {c.size} values"


def _leaky(c: RtlLayer) -> str:
    """``x >= 0 ? cast(x) : cast(x * alpha[c])``, both casts formed, the sign selecting."""
    x_t, a_t, y_t = c.x_t, c.p.types["alpha"], c.p.types["result"]
    alpha = c.p.params["alpha"].reshape(-1)
    p_t = product_type(x_t, a_t)
    for k, x in enumerate(c.lanes()):
        product = c.mults.product(f"{c.name}_p{k}", x, x_t, int(alpha[k % alpha.size]), a_t)
        positive = c.net.named(
            f"{c.name}_pos{k}", y_t.width, cast(c.net, x, x_t, y_t, f"{c.name}_cp{k}")
        )
        negative = c.net.named(
            f"{c.name}_neg{k}", y_t.width, cast(c.net, product, p_t, y_t, f"{c.name}_cn{k}")
        )
        c.net.assign(c.out(k), mux(is_negative(x, x_t), negative, positive))
    return f"{c.layer.kind.name} over {c.size} values"


def _clip(c: RtlLayer) -> str:
    """``cast(min(max(x, lo), hi))`` with the bounds as codes of the input type."""
    x_t = c.x_t
    w = x_t.width
    lo, hi = int(c.p.params["lo"][0]), int(c.p.params["hi"][0])
    for k, x in enumerate(c.lanes()):
        value = number(x, x_t)
        clipped = c.wire(
            f"v{k}",
            w,
            mux(
                less(value, literal(lo, x_t)),
                const(lo, w),
                mux(greater(value, literal(hi, x_t)), const(hi, w), x),
            ),
        )
        c.cast_out(k, clipped, x_t, f"{c.name}_c{k}")
    return f"Clip to codes [{lo}, {hi}] over {c.size} values"


def _binarize(c: RtlLayer) -> str:
    """``x >= 0 ? plus : minus``: only the sign bits of the inputs are read."""
    x_t, y_t = c.x_t, c.p.types["result"]
    plus, minus = (int(level) for level in c.p.params["levels"])
    for k, x in enumerate(c.lanes()):
        c.net.assign(
            c.out(k),
            mux(is_negative(x, x_t), const(minus, y_t.width), const(plus, y_t.width)),
        )
    return f"Binarize over {c.size} values (only the sign bits are read)"


def _threshold(c: RtlLayer) -> str:
    """``lowest + (x >= t_1) + (x >= t_2) + ...`` with the thresholds of the value's channel
    (``x <= t`` where its scale is negative); a threshold no code reaches, or every code
    does, is a constant."""
    x_t, y_t = c.x_t, c.p.types["result"]
    steps, lowest = c.p.params["steps"], int(c.p.params["lowest"][0])
    w, lo, hi = y_t.width, x_t.min_code, x_t.max_code
    for k, x in enumerate(c.lanes()):
        row = [int(t) for t in steps[k % len(steps)]]
        falling = c.p.params["falling"][k % len(steps)]  # x <= step, else x >= step
        always = sum(t >= hi if falling else t <= lo for t in row)
        live = [t for t in row if (lo <= t < hi if falling else lo < t <= hi)]
        reached = less_equal if falling else greater_equal
        terms = [reached(number(x, x_t), literal(t, x_t)) for t in live]
        if w > 1:
            terms = [concat([const(0, w - 1), term]) for term in terms]
        c.net.assign(c.out(k), add(const(lowest + always, w), *terms))
    return f"MultiThreshold over {c.size} values, {steps.shape[1]} thresholds per channel"


def _batch_norm(c: RtlLayer) -> str:
    """``cast(cast(x * scale[c], accum) + cast(bias[c], accum), result)`` per channel."""
    x_t = c.x_t
    s_t, a_t = c.p.types["scale"], c.p.types["accum"]
    scale, bias = c.p.params["scale"], _bias_codes(c)
    p_t, sum_t = product_type(x_t, s_t), sum_type(a_t, a_t)
    net = c.net
    for k, x in enumerate(c.lanes()):
        ch, n = k % scale.size, f"{c.name}_k{k}"
        product = c.mults.product(f"{n}_p", x, x_t, int(scale[ch]), s_t)
        scaled = net.named(f"{n}_pc", a_t.width, cast(net, product, p_t, a_t, f"{n}_cp"))
        total = net.wire(
            f"{n}_s",
            sum_t.width,
            add(extend(scaled, a_t, sum_t.width), const(bias[ch], sum_t.width)),
        )
        summed = net.named(f"{n}_a", a_t.width, cast(net, total, sum_t, a_t, f"{n}_cs"))
        c.cast_out(k, summed, a_t, f"{n}_cy")
    return f"BatchNormalization over {c.size} values"


def _hard_sigmoid(c: RtlLayer) -> str:
    """``cast(clamp(alpha * x + beta, 0, 1))``, exact in the kind's exact type before the cast."""
    x_t = c.x_t
    a_t, b_t = c.p.types["alpha"], c.p.types["beta"]
    e_t = c.layer.kind.exact_type(x_t, a_t, b_t)
    p_t, w = product_type(x_t, a_t), e_t.width
    alpha = int(c.p.params["alpha"].reshape(-1)[0])
    beta = int(c.p.params["beta"].reshape(-1)[0])
    up = e_t.fractional - p_t.fractional
    beta_code = beta << (e_t.fractional - b_t.fractional)
    one = 1 << e_t.fractional
    for k, x in enumerate(c.lanes()):
        product = c.mults.product(f"{c.name}_p{k}", x, x_t, alpha, a_t)
        line = c.wire(f"v{k}", w, add(shift_left(extend(product, p_t, w), up), const(beta_code, w)))
        clamped = c.wire(
            f"c{k}",
            w,
            mux(
                less(as_signed(line), signed_const(0, w)),
                const(0, w),
                mux(greater(as_signed(line), signed_const(one, w)), const(one, w), line),
            ),
        )
        c.cast_out(k, clamped, e_t, f"{c.name}_y{k}")
    return f"HardSigmoid over {c.size} values"


def _moved(c: RtlLayer) -> None:
    """Output k is the input lane the kind's source index names, cast to the result type, or
    where it names none the layer's fill code."""
    lanes: list[Slice] = []
    types: list[FixedType] = []
    for i, t in enumerate(c.in_types):
        names = c.lanes(i)
        lanes += names
        types += [t] * len(names)
    for k, source in enumerate(c.layer.kind.source_index(c.layer, c.in_shapes)):
        if source == FILL:
            c.net.assign(c.out(k), const(int(c.p.params["fill"][0]), c.out(k).width))
        else:
            c.cast_out(k, lanes[source], types[source], f"{c.name}_c{k}")


def _transpose(c: RtlLayer) -> str:
    _moved(c)
    return f"Transpose {tuple(c.layer.attrs['perm'])}"


def _upsampling(c: RtlLayer) -> str:
    _moved(c)
    return f"UpSampling (nearest) by {tuple(c.layer.attrs['scales'])}"


def _slice(c: RtlLayer) -> str:
    _moved(c)
    return f"Slice of {c.in_shapes[0]} to {c.layer.kind.output_shape(c.layer, c.in_shapes)}"


def _pad(c: RtlLayer) -> str:
    _moved(c)
    mode = c.layer.attrs.get("mode", "constant")
    return f"Pad ({mode}) of {c.in_shapes[0]} to {c.layer.kind.output_shape(c.layer, c.in_shapes)}"


def _concatenate(c: RtlLayer) -> str:
    _moved(c)
    return f"Concatenate on axis {c.layer.attrs['axis']}"


def _merge(c: RtlLayer) -> str:
    """``cast(a op b, result)`` of the exact sum, difference or product."""
    a_t, b_t = c.in_types
    for k, (a, b) in enumerate(zip(c.lanes(0), c.lanes(1), strict=True)):
        name = f"{c.name}_v{k}"
        if c.layer.kind.operator == "*":
            value = c.mults.product(name, a, a_t, b, b_t)
            v_t = product_type(a_t, b_t)
        else:
            total, v_t = aligned_sum(a, a_t, b, b_t, c.layer.kind.operator)
            value = c.net.wire(name, v_t.width, total)
        c.cast_out(k, value, v_t, f"{c.name}_c{k}")
    return f"{c.layer.kind.name} of {c.size} pairs"


def _pool(c: RtlLayer) -> str:
    """Max: the largest input of the window (taps inside the input only), cast to the result.
    Average: those taps summed into the accumulator, times ``recip[count]`` or, in hls4ml's
    numerics, divided by the count toward zero, cast to the result."""
    layer, x_t, net = c.layer, c.x_t, c.net
    channels = c.in_shapes[0][-1]
    index = layer.kind.patch_index(layer, c.in_shapes[0])
    index = index.reshape(len(index), -1, channels)
    lanes = c.lanes()
    for pos, row in enumerate(index):
        for ch in range(channels):
            k = pos * channels + ch
            n = f"{c.name}_k{k}"
            taps = [lanes[j] for j in row[:, ch] if j >= 0]
            if not layer.kind.average:
                best: Operand = const(0, x_t.width)
                for t, tap in enumerate(taps):
                    larger = mux(greater(number(tap, x_t), number(best, x_t)), tap, best)
                    best = net.wire(f"{n}_m{t}", x_t.width, larger) if t else tap
                c.cast_out(k, net.named(f"{n}_m", x_t.width, best), x_t, f"{n}_c")
                continue
            total, s_t = window_sum(c, n, taps)
            if c.p.numerics.average_pool_divides:  # divided by the count toward zero, in accum_t
                taps_in_window = index.shape[1] if layer.attrs.get("count_include_pad") else 0
                divisor = taps_in_window or max(len(taps), 1)
                q_t = layer.kind.quotient_type(s_t, divisor)
                width = q_t.width
                quotient = divide(
                    as_signed(extend(total, s_t, width)), signed_const(divisor, width)
                )
                c.cast_out(k, net.wire(f"{n}_q", width, quotient), q_t, f"{n}_c")
                continue
            r_t, recip = c.p.types["recip"], int(c.p.params["recip"][len(taps)])
            product = c.mults.product(f"{n}_p", total, s_t, recip, r_t)
            c.cast_out(k, product, product_type(s_t, r_t), f"{n}_c")
    return f"{layer.kind.name}, {len(index)} output positions"


def window_sum(c: RtlLayer, n: str, taps: list[Slice]) -> tuple[Signal | Slice, FixedType]:
    """The taps summed into the accumulator in window order, ``acc = cast(acc + x, accum)``;
    one exact sum where the accumulator holds every sum of the window exactly."""
    x_t, a_t, net = c.x_t, c.p.types["accum"], c.net
    exact_t = c.layer.kind.window_sum_type(x_t, len(taps))
    if a_t == c.layer.kind.window_sum_type(x_t, math.prod(c.layer.attrs["kernel"])):
        terms = [extend(tap, x_t, exact_t.width) for tap in taps]
        total = net.wire(
            f"{n}_s",
            exact_t.width,
            add(*terms) if terms else const(0, exact_t.width),
        )
        return total, exact_t
    acc: Signal | Slice = net.wire(f"{n}_a", a_t.width, const(0, a_t.width))
    for t, tap in enumerate(taps):
        total, s_t = aligned_sum(acc, a_t, tap, x_t)
        summed = net.wire(f"{n}_s{t}", s_t.width, total)
        acc = net.named(f"{n}_a{t}", a_t.width, cast(net, summed, s_t, a_t, f"{n}_ca{t}"))
    return acc, a_t


RTL_LAYERS: dict[kinds.LayerKind, Callable[[RtlLayer], str]] = {
    kinds.DENSE: _dense,
    kinds.CONV1D: _conv,
    kinds.CONV2D: _conv,
    kinds.DEPTHWISE_CONV1D: _conv,
    kinds.DEPTHWISE_CONV2D: _conv,
    kinds.RELU: _relu,
    kinds.LINEAR: _elementwise,
    kinds.RESHAPE: _elementwise,  # the same values in the same order: a cast
    kinds.LEAKY_RELU: _leaky,
    kinds.PRELU: _leaky,
    kinds.CLIP: _clip,
    kinds.HARD_SIGMOID: _hard_sigmoid,
    kinds.BINARIZE: _binarize,
    kinds.THRESHOLD: _threshold,
    kinds.SIGMOID: lut,
    kinds.TANH: lut,
    kinds.SOFTPLUS: lut,
    kinds.SOFTSIGN: lut,
    kinds.GELU: lut,
    kinds.GELU_TANH: lut,
    kinds.SILU: lut,
    kinds.MISH: lut,
    kinds.EXP: lut,
    kinds.ELU: lut,
    kinds.SELU: lut,
    kinds.SOFTMAX: softmax,
    kinds.MAX_POOL1D: _pool,
    kinds.MAX_POOL2D: _pool,
    kinds.AVERAGE_POOL1D: _pool,
    kinds.AVERAGE_POOL2D: _pool,
    kinds.ADD: _merge,
    kinds.SUBTRACT: _merge,
    kinds.MULTIPLY: _merge,
    kinds.CONCATENATE: _concatenate,
    kinds.BATCH_NORM: _batch_norm,
    kinds.TRANSPOSE: _transpose,
    kinds.UPSAMPLING: _upsampling,
    kinds.SLICE: _slice,
    kinds.PAD: _pad,
}
"""Every layer kind and the builder of its netlist, which returns a one-line description."""

DISTRIBUTED_LAYERS = frozenset(
    {kinds.DENSE, kinds.CONV1D, kinds.CONV2D, kinds.DEPTHWISE_CONV1D, kinds.DEPTHWISE_CONV2D}
)
"""The kinds whose products the distributed strategy writes as shift-add graphs."""
