"""The netlists of the lookup-table layers: an activation read from its table, and Softmax
(hlsfx's, and hls4ml's balanced tree), each table a ROM function of raw entries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.expressions import (
    Function,
    Signal,
    Slice,
    add,
    as_signed,
    const,
    greater,
    less,
    low_bits,
    mux,
    negate,
    shift_left,
    shift_right,
    shift_right_signed,
    signed_const,
    subtract,
)
from hlsfx.codegen.rtl.multipliers import aligned_sum, extend
from hlsfx.codegen.rtl.rtl_layer import RtlLayer, is_negative, literal, number
from hlsfx.ir.fixed_type import FixedType, product_type
from hlsfx.ir.tables import TOP_BITS, TOWARD_ZERO
from hlsfx.numerics.hls4ml_tables import balanced_tree

if TYPE_CHECKING:
    from hlsfx.ir.tables import Table

__all__ = ["lut", "softmax"]


def _rom(c: RtlLayer, name: str, table: Table) -> Function:
    """A combinational ROM function holding the table's raw entries."""
    return c.net.rom(
        f"{name}_rom", table.index_width, table.entry_type.width, [int(e) for e in table.entries]
    )


def _table_read(
    c: RtlLayer, name: str, rom: Function, x: Signal | Slice, x_t: FixedType, table: Table
) -> Signal:
    """The entry of ``table`` (in ROM ``rom``) for the code ``x``, at the table's index rule
    (hlsfx.ir.tables): ``nearest`` clamp((code + add) >> shift, 0, size - 1); ``toward_zero``
    clamp(trunc(code / 2**shift) + add, 0, size - 1); ``top_bits`` the code's top bits."""
    net, bits, wi = c.net, table.index_width, table.index_sum_width
    if table.rule == TOP_BITS:
        index: Signal | Slice = net.named(f"{name}_i", bits, x.bits(table.shift, bits))
        return net.wire(f"{name}_e", table.entry_type.width, rom(index))
    code = extend(x, x_t, wi)
    if table.rule == TOWARD_ZERO and table.shift < 0:  # clamp to +-size, then multiply
        size = table.size
        clamped = net.wire(
            f"{name}_c",
            wi,
            mux(
                greater(as_signed(code), signed_const(size, wi)),
                const(size, wi),
                mux(less(as_signed(code), signed_const(-size, wi)), signed_const(-size, wi), code),
            ),
        )
        quotient = net.wire(f"{name}_q", wi, shift_left(clamped, -table.shift))
    elif table.rule == TOWARD_ZERO:  # the magnitude shifted, the sign put back
        magnitude = net.wire(f"{name}_m", wi, negate(code))
        quotient = net.wire(
            f"{name}_q",
            wi,
            mux(
                is_negative(x, x_t),
                negate(shift_right(magnitude, table.shift)),
                shift_right(code, table.shift),
            ),
        )
    if table.rule == TOWARD_ZERO:
        shifted = net.wire(f"{name}_s", wi, add(quotient, const(table.add, wi)))
    else:
        offset = net.wire(f"{name}_d", wi, add(code, const(table.add, wi)))
        shifted = net.wire(f"{name}_s", wi, shift_right_signed(as_signed(offset), table.shift))
    index = net.wire(
        f"{name}_i",
        bits,
        mux(
            less(as_signed(shifted), signed_const(0, wi)),
            const(0, bits),
            mux(
                greater(as_signed(shifted), signed_const(table.size - 1, wi)),
                const(table.size - 1, bits),
                shifted.bits(0, bits),
            ),
        ),
    )
    return net.wire(f"{name}_e", table.entry_type.width, rom(index))


def lut(c: RtlLayer) -> str:
    """``cast(table[index(x)])``; ELU and SELU read the table below zero only and give
    ``cast(x)`` / ``cast(x * gamma)`` above; GELU, SiLU and Mish give ``cast(x)`` from the
    layer's ``above`` code on."""
    x_t, net = c.x_t, c.net
    table, y_t = c.p.tables["table"], c.p.types["result"]
    e_t = table.entry_type
    rom = _rom(c, c.name, table)
    tail = c.layer.kind.linear_above_zero or "above" in c.p.params
    for k, x in enumerate(c.lanes()):
        lane = f"{c.name}_k{k}"
        entry = _table_read(c, lane, rom, x, x_t, table)
        if not tail:
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
        if "above" in c.p.params:
            from_code = literal(int(c.p.params["above"][0]), x_t)
            net.assign(c.out(k), mux(less(number(x, x_t), from_code), below, above))
        else:
            net.assign(c.out(k), mux(is_negative(x, x_t), below, above))
    return f"{c.layer.kind.name} over {c.size} values"


def softmax(c: RtlLayer) -> str:
    """Softmax as docs/numerics.md, per row of the last axis: (stable) m = max x,
    e_i = exp_table[index(m - x_i)], the sum cast to sum_t after each term in index order,
    r = inv_table[index(sum)], y_i = cast(e_i r)."""
    exp_rom = _rom(c, f"{c.name}_exp", c.p.tables["exp_table"])
    inv_rom = _rom(c, f"{c.name}_inv", c.p.tables["inv_table"])
    implementation = c.p.options["implementation"]
    lanes, last = c.lanes(), c.in_shapes[0][-1]
    row_of = _softmax_tree_row if c.p.numerics.softmax_balanced_tree else _softmax_row
    for row in range(c.size // last):
        row_of(
            c,
            f"{c.name}_r{row}",
            lanes[row * last : (row + 1) * last],
            range(row * last, (row + 1) * last),
            implementation == "stable",
            exp_rom,
            inv_rom,
        )
    return f"Softmax ({implementation}, {c.p.numerics.name}) over the last axis"


def _softmax_tree_row(
    c: RtlLayer,
    name: str,
    xs: list[Slice],
    outs: range,
    stable: bool,
    exp_rom: Function,
    inv_rom: Function,
) -> None:
    """hls4ml's softmax over the codes ``xs``: each exp entry cast to the sum type, a balanced
    tree of sums (hls4ml's reduce), the sum cast to ``inv_input`` before its lookup."""
    x_t, p, net = c.x_t, c.p, c.net
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, i_t, r_t = p.types["sum"], p.types["inv_input"], inv.entry_type
    w, n = x_t.width, len(xs)
    largest: Signal | Slice = xs[0]
    if stable:
        for i in range(1, n):
            largest = net.wire(
                f"{name}_m{i}",
                w,
                mux(greater(number(xs[i], x_t), number(largest, x_t)), xs[i], largest),
            )
    partial: list[Signal | Slice] = []
    for i in range(n):
        lane = f"{name}_{i}"
        if stable:  # m - x_i in the table's unsigned input type, which drops (wraps) the top
            d_t = exp.input_type
            full = net.wire(f"{lane}_df", w, subtract(largest, xs[i]))
            entry = _table_read(c, f"{lane}_exp", exp_rom, full.bits(0, d_t.width), d_t, exp)
        else:
            entry = _table_read(c, f"{lane}_exp", exp_rom, xs[i], x_t, exp)
        partial.append(
            net.named(f"{lane}_e", s_t.width, cast(net, entry, exp.entry_type, s_t, f"{lane}_ce"))
        )
    for a, b, into in balanced_tree(n).tolist():
        value, t_t = aligned_sum(partial[a], s_t, partial[b], s_t)
        term = net.wire(f"{name}_t{into}", t_t.width, value)
        partial.append(
            net.named(f"{name}_s{into}", s_t.width, cast(net, term, t_t, s_t, f"{name}_cs{into}"))
        )
    total = net.named(f"{name}_si", i_t.width, cast(net, partial[-1], s_t, i_t, f"{name}_ci"))
    reciprocal = _table_read(c, f"{name}_inv", inv_rom, total, i_t, inv)
    p_t = product_type(s_t, r_t)
    for i in range(n):
        product = c.mults.product(f"{name}_{i}_p", partial[i], s_t, reciprocal, r_t)
        c.cast_out(outs[i], product, p_t, f"{name}_{i}_cy")


def _softmax_row(
    c: RtlLayer,
    name: str,
    xs: list[Slice],
    outs: range,
    stable: bool,
    exp_rom: Function,
    inv_rom: Function,
) -> None:
    """One softmax over the codes ``xs``, writing outputs ``outs``."""
    x_t, p, net = c.x_t, c.p, c.net
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t = p.types["sum"]
    e_t, r_t = exp.entry_type, inv.entry_type
    w, n = x_t.width, len(xs)
    if stable:
        largest: Signal | Slice = xs[0]
        for i in range(1, n):
            largest = net.wire(
                f"{name}_m{i}",
                w,
                mux(greater(number(xs[i], x_t), number(largest, x_t)), xs[i], largest),
            )
    total: Signal | Slice = net.wire(f"{name}_sum0", s_t.width, const(0, s_t.width))
    entries = []
    for i in range(n):
        lane = f"{name}_{i}"
        if stable:  # m - x_i is exact in the table's unsigned input type (x's LSBs)
            d_t = exp.input_type
            d = net.wire(f"{lane}_d", d_t.width, low_bits(subtract(largest, xs[i]), d_t.width))
            entry = _table_read(c, f"{lane}_exp", exp_rom, d, d_t, exp)
        else:
            entry = _table_read(c, f"{lane}_exp", exp_rom, xs[i], x_t, exp)
        entries.append(entry)
        value, t_t = aligned_sum(total, s_t, entry, e_t)
        term = net.wire(f"{lane}_t", t_t.width, value)
        total = net.named(f"{name}_sum{i + 1}", s_t.width, cast(net, term, t_t, s_t, f"{lane}_cs"))
    reciprocal = _table_read(c, f"{name}_inv", inv_rom, total, s_t, inv)
    p_t = product_type(e_t, r_t)
    for i, entry in enumerate(entries):
        product = c.mults.product(f"{name}_{i}_p", entry, e_t, reciprocal, r_t)
        c.cast_out(outs[i], product, p_t, f"{name}_{i}_cy")
