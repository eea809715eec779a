"""Pooling over one patch of a line buffer whose taps may lie in the padding (the io_stream RTL;
:mod:`.line_buffer` gives each tap an inside flag). docs/numerics.md's pooling, bit for bit: max
over the taps inside the input (0 where none is); average: the taps summed in window order
(a padding tap is a zero code, which no accumulator cast changes), times ``recip[count]``,
or in hls4ml's numerics divided by the count toward zero; the count is the taps inside, or all
of them where the layer counts the padding."""

from __future__ import annotations

import math

from hlsfx.codegen.rtl.expressions import (
    Expr,
    Operand,
    Signal,
    Slice,
    add,
    as_signed,
    bit_and,
    bit_literal,
    bit_or,
    const,
    divide,
    equal,
    greater,
    invert,
    mux,
    signed_const,
)
from hlsfx.codegen.rtl.layers import window_sum
from hlsfx.codegen.rtl.multipliers import extend
from hlsfx.codegen.rtl.rtl_layer import RtlLayer, number
from hlsfx.ir.fixed_type import FixedType, product_type

__all__ = ["masked_pool"]


def masked_pool(c: RtlLayer) -> str:
    """The pooling of one patch (``c.inputs[0]``: the taps, then one inside flag per tap)."""
    layer, x_t, net = c.layer, c.x_t, c.net
    channels = c.in_shapes[0][-1]
    taps = math.prod(layer.attrs["kernel"])
    lanes = c.lanes()
    flags = c.inputs[0].bits(taps * channels * x_t.width, taps)
    count: Signal | None = None
    counted = taps if layer.attrs.get("count_include_pad") else None
    if layer.kind.average and counted is None:  # the taps inside: the flags summed
        width = taps.bit_length()
        flag_t = FixedType(1, 1, False)
        count = net.wire(
            f"{c.name}_count",
            width,
            add(*(extend(flags.bit(t), flag_t, width) for t in range(taps))),
        )
    for ch in range(channels):
        n = f"{c.name}_k{ch}"
        window = [lanes[t * channels + ch] for t in range(taps)]
        if not layer.kind.average:
            best: Operand = const(0, x_t.width)
            seen: Operand = bit_literal(0)
            for t, tap in enumerate(window):
                beats = greater(number(tap, x_t), number(best, x_t))
                larger = bit_and(flags.bit(t), bit_or(invert(seen), beats))
                best = net.wire(f"{n}_m{t}", x_t.width, mux(larger, tap, best))
                if t < taps - 1:
                    seen = net.wire(f"{n}_seen{t}", 1, bit_or(seen, flags.bit(t)))
            c.cast_out(ch, best, x_t, f"{n}_c")
            continue
        total, s_t = window_sum(c, n, window)
        if c.p.numerics.average_pool_divides:
            quotient, q_t = _divided(c, n, total, s_t, count, counted, taps)
            c.cast_out(ch, quotient, q_t, f"{n}_c")
            continue
        r_t, recip = c.p.types["recip"], c.p.params["recip"]
        if count is None:
            factor: Signal | int = int(recip[counted])
        else:
            rom = net.rom(f"{n}_recip_rom", count.width, r_t.width, [int(r) for r in recip])
            factor = net.wire(f"{n}_recip", r_t.width, rom(count))
        product = c.mults.product(f"{n}_p", total, s_t, factor, r_t)
        c.cast_out(ch, product, product_type(s_t, r_t), f"{n}_c")
    return f"{layer.kind.name} (taps in the padding left out)"


def _divided(
    c: RtlLayer,
    n: str,
    total: Signal | Slice,
    s_t: FixedType,
    count: Signal | None,
    counted: int | None,
    taps: int,
) -> tuple[Signal, FixedType]:
    """hls4ml's average: the sum divided by the count toward zero, in a type wide enough for
    every divisor."""
    q_t = c.layer.kind.quotient_type(s_t, taps)
    width = q_t.width
    wide = c.net.wire(f"{n}_w", width, extend(total, s_t, width))
    divisors = [counted] if count is None else list(range(1, taps + 1))
    quotient: Expr = divide(as_signed(wide), signed_const(divisors[-1], width))
    for d in divisors[-2::-1]:
        quotient = mux(
            equal(count, const(d, count.width)),
            divide(as_signed(wide), signed_const(d, width)),
            quotient,
        )
    return c.net.wire(f"{n}_q", width, quotient), q_t
