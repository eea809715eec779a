"""A pooling whose window is the whole input (global pooling) in the io_stream RTL: each pixel
folded into a running maximum or sum per channel as it arrives, so nothing is buffered.

The pixels arrive in window order, so the fold is docs/numerics.md's pooling step by step: max keeps
the first tap, then any strictly larger one; average adds each tap to the accumulator with its
cast (``acc = cast(acc + x, accum)``, from zero), then multiplies the total by
``recip[taps]`` or, in hls4ml's numerics, divides it by the taps toward zero; the result is
cast to the layer's result type. The output pixel is loaded with the last input pixel."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    add,
    as_signed,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    divide,
    equal,
    greater,
    invert,
    mux,
    signed_const,
)
from hlsfx.codegen.rtl.multipliers import Multipliers, aligned_sum, extend
from hlsfx.codegen.rtl.rtl_layer import number
from hlsfx.ir.fixed_type import FixedType, product_type

if TYPE_CHECKING:
    from hlsfx.codegen.rtl.stream_layers import StreamProcess

__all__ = ["global_pool"]


def global_pool(c: StreamProcess, taps: int) -> tuple[Signal, Signal, int]:
    """The output register and its valid of a pooling over all ``taps`` pixels of its input,
    and the multipliers it uses."""
    net, n, layer = c.net, c.name, c.layer
    x_t, y_t = c.in_types[0], c.p.types["result"]
    channels = c.in_shapes[0][-1]
    source = c.inputs[0]
    pw = max(1, (taps - 1).bit_length())
    average = layer.kind.average
    a_t = c.p.types["accum"] if average else x_t
    head = net.section()
    net.section()
    with net.into(head):
        pixel = net.reg(f"{n}_pixel", pw)
        running = [net.reg(f"{n}_acc{ch}", a_t.width) for ch in range(channels)]
        register, valid = net.reg(f"{n}_reg", channels * y_t.width), net.reg(f"{n}_valid", 1)
    free = net.wire(f"{n}_free", 1, bit_or(invert(valid), c.out_ready))
    last = net.wire(f"{n}_last", 1, equal(pixel, const(taps - 1, pw)))
    first = net.wire(f"{n}_first", 1, equal(pixel, const(0, pw)))
    accept = net.wire(f"{n}_accept", 1, bit_and(source.valid, bit_or(invert(last), free)))
    net.assign(source.ready, bit_or(invert(last), free))
    mults = Multipliers(net, n, 1)
    outputs = []
    for ch in range(channels):
        k = f"{n}_k{ch}"
        x = source.data.bits(ch * x_t.width, x_t.width)
        acc = running[ch]
        if not average:
            folded: Operand = mux(bit_or(first, greater(number(x, x_t), number(acc, x_t))), x, acc)
            value = net.wire(f"{k}_m", a_t.width, folded)
            outputs.append(net.named(f"{k}_y", y_t.width, cast(net, value, x_t, y_t, f"{k}_c")))
        else:
            start = net.wire(f"{k}_from", a_t.width, mux(first, const(0, a_t.width), acc))
            total, s_t = aligned_sum(start, a_t, x, x_t)
            summed = net.wire(f"{k}_s", s_t.width, total)
            value = net.named(f"{k}_a", a_t.width, cast(net, summed, s_t, a_t, f"{k}_ca"))
            outputs.append(_averaged(c, k, value, a_t, taps, mults))
        net.clocked(acc, (accept, value))
    mults.build()
    net.clocked(
        pixel,
        (c.reset, const(0, pw)),
        (accept, mux(last, const(0, pw), add(pixel, const(1, pw)))),
    )
    load = net.wire(f"{n}_load", 1, bit_and(accept, last))
    net.clocked(register, (load, concat(outputs[::-1])))
    net.clocked(valid, (c.reset, bit_literal(0)), (free, load))
    return register, valid, len(mults.products)


def _averaged(
    c: StreamProcess, k: str, total: Signal, a_t: FixedType, taps: int, mults: Multipliers
) -> Operand:
    """The sum over all taps as the average's result code."""
    net, y_t = c.net, c.p.types["result"]
    if c.p.numerics.average_pool_divides:  # divided by the taps toward zero, in accum_t
        q_t = c.layer.kind.quotient_type(a_t, taps)
        width = q_t.width
        quotient = net.wire(
            f"{k}_q",
            width,
            divide(as_signed(extend(total, a_t, width)), signed_const(taps, width)),
        )
        return net.named(f"{k}_y", y_t.width, cast(net, quotient, q_t, y_t, f"{k}_c"))
    r_t = c.p.types["recip"]
    product = mults.product(f"{k}_p", total, a_t, int(c.p.params["recip"][taps]), r_t)
    return net.named(f"{k}_y", y_t.width, cast(net, product, product_type(a_t, r_t), y_t, f"{k}_c"))
