"""The netlist of each layer kind (docs/numerics.md, bit for bit): combinational logic from the
layer's input wires to its output wire, its products drawn from the layer's
:class:`~hlsfx.codegen.rtl.multipliers.Multipliers`. :data:`RTL_LAYERS` maps every kind to its
builder; :mod:`hlsfx.codegen.rtl.parallel` places the layers in a module and registers them.

Buses pack element k of a tensor (channels-last, row-major) at bits ``[k*W +: W]`` as raw two's
complement codes."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.codegen.adder_graph import layer_matrix
from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.distributed import DistributedLayer, Pipeline, distributed_sums
from hlsfx.codegen.rtl.multipliers import (
    Multipliers,
    WeightedLayer,
    aligned_sum,
    extend,
    weighted_sums,
)
from hlsfx.codegen.rtl.netlist import (
    Netlist,
    Operand,
    Signal,
    Slice,
    const,
    join,
    signed_const,
    v,
)
from hlsfx.ir import exact, kinds
from hlsfx.ir.fixed_type import FixedType, product_type, sum_type
from hlsfx.ir.tables import TOP_BITS, TOWARD_ZERO
from hlsfx.numerics.hls4ml_tables import balanced_tree

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.ir.tables import Table
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["DISTRIBUTED_LAYERS", "RTL_LAYERS", "RtlLayer", "window_sum"]


@dataclass(frozen=True)
class RtlLayer:
    """What a layer's builder is given: the netlist, the layer's base name, the layer, its
    precision, its input types, shapes and wires, the wire it drives and its multipliers."""

    net: Netlist
    name: str
    layer: Layer
    p: LayerPrecision
    in_types: tuple[FixedType, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    inputs: tuple[Signal, ...]
    output: Signal
    mults: Multipliers
    pipeline: Pipeline | None = None
    """the distributed strategy's pipeline (Dense and convolutions), else multipliers"""
    x_range: tuple[int, int] = (0, 0)
    """the codes the (first) input can take"""

    @property
    def x_t(self) -> FixedType:
        return self.in_types[0]

    @property
    def size(self) -> int:
        """Values in the (first) input."""
        return math.prod(self.in_shapes[0])

    def lanes(self, i: int = 0) -> list[Slice]:
        """The codes of input ``i``, element by element."""
        width = self.in_types[i].width
        return [self.inputs[i].bits(k * width, width) for k in range(math.prod(self.in_shapes[i]))]

    def out(self, k: int) -> Slice:
        width = self.p.types["result"].width
        return self.output.bits(k * width, width)

    def cast_out(self, k: int, value: Signal | Slice, t: FixedType, name: str) -> None:
        """Output ``k`` = ``cast(value, result)`` of a code of ``t``."""
        self.net.assign(self.out(k), cast(self.net, value, t, self.p.types["result"], name))

    def wire(self, name: str, width: int, value: Operand) -> Signal:
        return self.net.wire(f"{self.name}_{name}", width, value)


def _negative(x: Slice, t: FixedType) -> Operand:
    return x.bit(t.width - 1) if t.signed else "1'b0"


def _compare(x_t: FixedType) -> str:
    """The template that reads a code of ``x_t`` as a number in a comparison."""
    return "$signed({})" if x_t.signed else "{}"


def _literal(value: int, t: FixedType) -> str:
    """A code of ``t`` as a literal for comparisons with codes of ``t``."""
    return signed_const(value, t.width) if t.signed else const(value, t.width)


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
        name=c.name, x_t=c.x_t, types=c.p.types, weight=c.p.params["weight"],
        bias=c.p.params["bias"], mults=c.mults, outputs=outputs,
    )  # fmt: skip
    terms = [
        (bias[j], [(lanes[i], int(matrix[t, j])) for t, i in enumerate(row)
                   if i >= 0 and matrix[t, j]])
        for row in rows
        for j in range(n_out)
    ]  # fmt: skip
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
            x = c.wire(f"m{k}", m_t.width, v("{} ? {} : {}", x.bit(w - 1), const(0, m_t.width),
                                              x.bits(0, m_t.width)))  # fmt: skip
        c.cast_out(k, x, m_t, f"{c.name}_c{k}")
    return f"{c.layer.kind.name} over {c.size} values"


def _leaky(c: RtlLayer) -> str:
    """``x >= 0 ? cast(x) : cast(x * alpha[c])``, both casts formed, the sign selecting."""
    x_t, a_t, y_t = c.x_t, c.p.types["alpha"], c.p.types["result"]
    alpha = c.p.params["alpha"].reshape(-1)
    p_t = product_type(x_t, a_t)
    for k, x in enumerate(c.lanes()):
        product = c.mults.product(f"{c.name}_p{k}", x, x_t, int(alpha[k % alpha.size]), a_t)
        positive = c.net.named(f"{c.name}_pos{k}", y_t.width,
                               cast(c.net, x, x_t, y_t, f"{c.name}_cp{k}"))  # fmt: skip
        negative = c.net.named(f"{c.name}_neg{k}", y_t.width,
                               cast(c.net, product, p_t, y_t, f"{c.name}_cn{k}"))  # fmt: skip
        c.net.assign(c.out(k), v("{} ? {} : {}", _negative(x, x_t), negative, positive))
    return f"{c.layer.kind.name} over {c.size} values"


def _clip(c: RtlLayer) -> str:
    """``cast(min(max(x, lo), hi))`` with the bounds as codes of the input type."""
    x_t = c.x_t
    w = x_t.width
    lo, hi = int(c.p.params["lo"][0]), int(c.p.params["hi"][0])
    read = _compare(x_t)
    for k, x in enumerate(c.lanes()):
        clipped = c.wire(f"v{k}", w, v(
            f"{read} < {{}} ? {{}} : {read} > {{}} ? {{}} : {{}}",
            x, _literal(lo, x_t), const(lo, w), x, _literal(hi, x_t), const(hi, w), x,
        ))  # fmt: skip
        c.cast_out(k, clipped, x_t, f"{c.name}_c{k}")
    return f"Clip to codes [{lo}, {hi}] over {c.size} values"


def _binarize(c: RtlLayer) -> str:
    """``x >= 0 ? plus : minus``: only the sign bits of the inputs are read."""
    x_t, y_t = c.x_t, c.p.types["result"]
    plus, minus = (int(level) for level in c.p.params["levels"])
    for k, x in enumerate(c.lanes()):
        c.net.assign(c.out(k), v("{} ? {} : {}", _negative(x, x_t), const(minus, y_t.width),
                                 const(plus, y_t.width)))  # fmt: skip
    return f"Binarize over {c.size} values (only the sign bits are read)"


def _threshold(c: RtlLayer) -> str:
    """``lowest + (x >= t_1) + (x >= t_2) + ...`` with the thresholds of the value's channel
    (``x <= t`` where its scale is negative); a threshold no code reaches, or every code
    does, is a constant."""
    x_t, y_t = c.x_t, c.p.types["result"]
    steps, lowest = c.p.params["steps"], int(c.p.params["lowest"][0])
    w, read, lo, hi = y_t.width, _compare(x_t), x_t.min_code, x_t.max_code
    for k, x in enumerate(c.lanes()):
        row = [int(t) for t in steps[k % len(steps)]]
        falling = c.p.params["falling"][k % len(steps)]  # x <= step, else x >= step
        always = sum(t >= hi if falling else t <= lo for t in row)
        live = [t for t in row if (lo <= t < hi if falling else lo < t <= hi)]
        reached = f"{read} {'<=' if falling else '>='} {{}}"
        terms = [v(reached if w == 1 else f"{{{{{w - 1}'d0, {reached}}}}}", x, _literal(t, x_t))
                 for t in live]  # fmt: skip
        c.net.assign(c.out(k), join(" + ", [const(lowest + always, w), *terms]))
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
        total = net.wire(f"{n}_s", sum_t.width, v("{} + {}", extend(scaled, a_t, sum_t.width),
                                                   const(bias[ch], sum_t.width)))  # fmt: skip
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
        line = c.wire(f"v{k}", w, v("({} << {}) + {}", extend(product, p_t, w), up,
                                    const(beta_code, w)))  # fmt: skip
        clamped = c.wire(f"c{k}", w, v(
            "$signed({}) < {} ? {} : $signed({}) > {} ? {} : {}",
            line, signed_const(0, w), const(0, w), line, signed_const(one, w), const(one, w), line,
        ))  # fmt: skip
        c.cast_out(k, clamped, e_t, f"{c.name}_y{k}")
    return f"HardSigmoid over {c.size} values"


def _rom(c: RtlLayer, name: str, table: Table) -> str:
    """A combinational ROM function holding the table's raw entries."""
    return c.net.rom(f"{name}_rom", table.index_width, table.entry_type.width,
                     [int(e) for e in table.entries])  # fmt: skip


def _table_read(c: RtlLayer, name: str, rom: str, x: Signal | Slice, x_t: FixedType,
                table: Table) -> Signal:  # fmt: skip
    """The entry of ``table`` (in ROM ``rom``) for the code ``x``, at the table's index rule
    (hlsfx.ir.tables): ``nearest`` clamp((code + add) >> shift, 0, size - 1); ``toward_zero``
    clamp(trunc(code / 2**shift) + add, 0, size - 1); ``top_bits`` the code's top bits."""
    net, bits, wi = c.net, table.index_width, table.index_sum_width
    if table.rule == TOP_BITS:
        index: Signal | Slice = net.named(f"{name}_i", bits, x.bits(table.shift, bits))
        return net.wire(f"{name}_e", table.entry_type.width, v(rom + "({})", index))
    code = extend(x, x_t, wi)
    if table.rule == TOWARD_ZERO and table.shift < 0:  # clamp to +-size, then multiply
        size = table.size
        clamped = net.wire(f"{name}_c", wi, v(
            "$signed({}) > {} ? {} : $signed({}) < {} ? {} : {}", code, signed_const(size, wi),
            const(size, wi), code, signed_const(-size, wi), signed_const(-size, wi), code,
        ))  # fmt: skip
        quotient = net.wire(f"{name}_q", wi, v(f"{{}} << {-table.shift}", clamped))
    elif table.rule == TOWARD_ZERO:  # the magnitude shifted, the sign put back
        magnitude = net.wire(f"{name}_m", wi, v("-{}", code))
        quotient = net.wire(f"{name}_q", wi, v(
            f"{{}} ? -({{}} >> {table.shift}) : {{}} >> {table.shift}",
            _negative(x, x_t), magnitude, code,
        ))  # fmt: skip
    if table.rule == TOWARD_ZERO:
        shifted = net.wire(f"{name}_s", wi, v("{} + {}", quotient, const(table.add, wi)))
    else:
        offset = net.wire(f"{name}_d", wi, v("{} + {}", code, const(table.add, wi)))
        shifted = net.wire(f"{name}_s", wi, v("$signed({}) >>> {}", offset, table.shift))
    index = net.wire(f"{name}_i", bits, v(
        "$signed({}) < {} ? {} : $signed({}) > {} ? {} : {}",
        shifted, signed_const(0, wi), const(0, bits), shifted, signed_const(table.size - 1, wi),
        const(table.size - 1, bits), shifted.bits(0, bits),
    ))  # fmt: skip
    return net.wire(f"{name}_e", table.entry_type.width, v(rom + "({})", index))


def _lut(c: RtlLayer) -> str:
    """``cast(table[index(x)])``; ELU and SELU read the table below zero only and give
    ``cast(x)`` / ``cast(x * gamma)`` above."""
    x_t, net = c.x_t, c.net
    table, y_t = c.p.tables["table"], c.p.types["result"]
    e_t = table.entry_type
    rom = _rom(c, c.name, table)
    for k, x in enumerate(c.lanes()):
        lane = f"{c.name}_k{k}"
        entry = _table_read(c, lane, rom, x, x_t, table)
        if not c.layer.kind.linear_above_zero:
            c.cast_out(k, entry, e_t, f"{lane}_c")
            continue
        below = net.named(f"{lane}_below", y_t.width, cast(net, entry, e_t, y_t, f"{lane}_cb"))
        if c.layer.kind.scaled_above_zero:
            g_t = c.p.types["gamma"]
            gamma = int(c.p.params["gamma"].reshape(-1)[0])
            product = c.mults.product(f"{lane}_g", x, x_t, gamma, g_t)
            above = cast(net, product, product_type(x_t, g_t), y_t, f"{lane}_ca")
        else:
            above = cast(net, x, x_t, y_t, f"{lane}_ca")
        above = net.named(f"{lane}_above", y_t.width, above)
        net.assign(c.out(k), v("{} ? {} : {}", _negative(x, x_t), below, above))
    return f"{c.layer.kind.name} over {c.size} values"


def _softmax(c: RtlLayer) -> str:
    """Softmax as docs/numerics.md, per row of the last axis: (stable) m = max x,
    e_i = exp_table[index(m - x_i)], the sum cast to sum_t after each term in index order,
    r = inv_table[index(sum)], y_i = cast(e_i r)."""
    exp_rom = _rom(c, f"{c.name}_exp", c.p.tables["exp_table"])
    inv_rom = _rom(c, f"{c.name}_inv", c.p.tables["inv_table"])
    implementation = c.p.options["implementation"]
    lanes, last = c.lanes(), c.in_shapes[0][-1]
    row_of = _softmax_tree_row if c.p.numerics.softmax_balanced_tree else _softmax_row
    for row in range(c.size // last):
        row_of(c, f"{c.name}_r{row}", lanes[row * last : (row + 1) * last],
               range(row * last, (row + 1) * last), implementation == "stable", exp_rom,
               inv_rom)  # fmt: skip
    return f"Softmax ({implementation}, {c.p.numerics.name}) over the last axis"


def _softmax_tree_row(c: RtlLayer, name: str, xs: list[Slice], outs: range, stable: bool,
                      exp_rom: str, inv_rom: str) -> None:  # fmt: skip
    """hls4ml's softmax over the codes ``xs``: each exp entry cast to the sum type, a balanced
    tree of sums (hls4ml's reduce), the sum cast to ``inv_input`` before its lookup."""
    x_t, p, net = c.x_t, c.p, c.net
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, i_t, r_t = p.types["sum"], p.types["inv_input"], inv.entry_type
    w, n = x_t.width, len(xs)
    largest: Signal | Slice = xs[0]
    if stable:
        read = _compare(x_t)
        for i in range(1, n):
            largest = net.wire(f"{name}_m{i}", w, v(f"{read} > {read} ? {{}} : {{}}",
                                                    xs[i], largest, xs[i], largest))  # fmt: skip
    partial: list[Signal | Slice] = []
    for i in range(n):
        lane = f"{name}_{i}"
        if stable:  # m - x_i in the table's unsigned input type, which drops (wraps) the top
            d_t = exp.input_type
            full = net.wire(f"{lane}_df", w, v("{} - {}", largest, xs[i]))
            entry = _table_read(c, f"{lane}_exp", exp_rom, full.bits(0, d_t.width), d_t, exp)
        else:
            entry = _table_read(c, f"{lane}_exp", exp_rom, xs[i], x_t, exp)
        partial.append(net.named(f"{lane}_e", s_t.width,
                                 cast(net, entry, exp.entry_type, s_t, f"{lane}_ce")))  # fmt: skip
    for a, b, into in balanced_tree(n).tolist():
        value, t_t = aligned_sum(partial[a], s_t, partial[b], s_t)
        term = net.wire(f"{name}_t{into}", t_t.width, value)
        partial.append(net.named(f"{name}_s{into}", s_t.width,
                                 cast(net, term, t_t, s_t, f"{name}_cs{into}")))  # fmt: skip
    total = net.named(f"{name}_si", i_t.width, cast(net, partial[-1], s_t, i_t, f"{name}_ci"))
    reciprocal = _table_read(c, f"{name}_inv", inv_rom, total, i_t, inv)
    p_t = product_type(s_t, r_t)
    for i in range(n):
        product = c.mults.product(f"{name}_{i}_p", partial[i], s_t, reciprocal, r_t)
        c.cast_out(outs[i], product, p_t, f"{name}_{i}_cy")


def _softmax_row(c: RtlLayer, name: str, xs: list[Slice], outs: range, stable: bool,
                 exp_rom: str, inv_rom: str) -> None:  # fmt: skip
    """One softmax over the codes ``xs``, writing outputs ``outs``."""
    x_t, p, net = c.x_t, c.p, c.net
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t = p.types["sum"]
    e_t, r_t = exp.entry_type, inv.entry_type
    w, n = x_t.width, len(xs)
    if stable:
        read = _compare(x_t)
        largest: Signal | Slice = xs[0]
        for i in range(1, n):
            largest = net.wire(f"{name}_m{i}", w, v(f"{read} > {read} ? {{}} : {{}}",
                                                    xs[i], largest, xs[i], largest))  # fmt: skip
    total: Signal | Slice = net.wire(f"{name}_sum0", s_t.width, const(0, s_t.width))
    entries = []
    for i in range(n):
        lane = f"{name}_{i}"
        if stable:  # m - x_i is exact in the table's unsigned input type (x's LSBs)
            d_t = exp.input_type
            d = net.wire(f"{lane}_d", d_t.width, v("{} - {}", largest, xs[i]))
            entry = _table_read(c, f"{lane}_exp", exp_rom, d, d_t, exp)
        else:
            entry = _table_read(c, f"{lane}_exp", exp_rom, xs[i], x_t, exp)
        entries.append(entry)
        value, t_t = aligned_sum(total, s_t, entry, e_t)
        term = net.wire(f"{lane}_t", t_t.width, value)
        total = net.named(f"{name}_sum{i + 1}", s_t.width,
                          cast(net, term, t_t, s_t, f"{lane}_cs"))  # fmt: skip
    reciprocal = _table_read(c, f"{name}_inv", inv_rom, total, s_t, inv)
    p_t = product_type(e_t, r_t)
    for i, entry in enumerate(entries):
        product = c.mults.product(f"{name}_{i}_p", entry, e_t, reciprocal, r_t)
        c.cast_out(outs[i], product, p_t, f"{name}_{i}_cy")


def _moved(c: RtlLayer) -> None:
    """Output k is the input lane the kind's source index names, cast to the result type."""
    lanes: list[Slice] = []
    types: list[FixedType] = []
    for i, t in enumerate(c.in_types):
        names = c.lanes(i)
        lanes += names
        types += [t] * len(names)
    for k, source in enumerate(c.layer.kind.source_index(c.layer, c.in_shapes)):
        c.cast_out(k, lanes[source], types[source], f"{c.name}_c{k}")


def _transpose(c: RtlLayer) -> str:
    _moved(c)
    return f"Transpose {tuple(c.layer.attrs['perm'])}"


def _upsampling(c: RtlLayer) -> str:
    _moved(c)
    return f"UpSampling (nearest) by {tuple(c.layer.attrs['scales'])}"


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
    lanes, read = c.lanes(), _compare(x_t)
    for pos, row in enumerate(index):
        for ch in range(channels):
            k = pos * channels + ch
            n = f"{c.name}_k{k}"
            taps = [lanes[j] for j in row[:, ch] if j >= 0]
            if not layer.kind.average:
                best: Operand = const(0, x_t.width)
                for t, tap in enumerate(taps):
                    larger = v(f"{read} > {read} ? {{}} : {{}}", tap, best, tap, best)
                    best = net.wire(f"{n}_m{t}", x_t.width, larger) if t else tap
                c.cast_out(k, net.named(f"{n}_m", x_t.width, best), x_t, f"{n}_c")
                continue
            total, s_t = window_sum(c, n, taps)
            if c.p.numerics.average_pool_divides:  # divided by the count toward zero, in accum_t
                taps_in_window = index.shape[1] if layer.attrs.get("count_include_pad") else 0
                divisor = taps_in_window or max(len(taps), 1)
                q_t = layer.kind.quotient_type(s_t, divisor)
                width = q_t.width
                quotient = v(f"$signed({{}}) / {signed_const(divisor, width)}",
                             extend(total, s_t, width))  # fmt: skip
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
        total = net.wire(f"{n}_s", exact_t.width,
                         v(" + ".join(["{}"] * len(terms)), *terms) if terms
                         else const(0, exact_t.width))  # fmt: skip
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
    kinds.SIGMOID: _lut,
    kinds.TANH: _lut,
    kinds.SOFTPLUS: _lut,
    kinds.SOFTSIGN: _lut,
    kinds.ELU: _lut,
    kinds.SELU: _lut,
    kinds.SOFTMAX: _softmax,
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
}
"""Every layer kind and the builder of its netlist, which returns a one-line description."""

DISTRIBUTED_LAYERS = frozenset({kinds.DENSE, kinds.CONV1D, kinds.CONV2D, kinds.DEPTHWISE_CONV1D,
                                kinds.DEPTHWISE_CONV2D})  # fmt: skip
"""The kinds whose products the distributed strategy writes as shift-add graphs."""
