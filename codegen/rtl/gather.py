"""Layers that move values across pixels (Reshape, Transpose, upsampling, slicing, padding, a
concatenation along an axis other than the channels) in the io_stream RTL: the whole input is
held, then sent in the output's order (a padding's pad values are constants).

Each input fills its own pixel registers at its own pace (its values cast to the result type
on the way in); once every input is whole, the output pixels are sent one by one, each a fixed
selection of the held values; when the last has been loaded into the output register, the
inputs fill again. The registers hold the whole tensor: such a layer costs what its tensor
holds, as it does in the HLS project."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.codegen.limits import MAX_PARALLEL_VALUES
from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    add,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    equal,
    invert,
    mux,
)
from hlsfx.codegen.stream_graph import pixel_count, pixel_size
from hlsfx.ir.kinds import FILL

if TYPE_CHECKING:
    from hlsfx.codegen.rtl.stream_layers import StreamProcess

__all__ = ["gather"]


def gather(c: StreamProcess, index: np.ndarray) -> tuple[Signal, Signal]:
    """The output register and its valid of a process whose output value k is input value
    ``index[k]`` (the inputs' values flat, one input after the other), cast to the result, or
    where the index is FILL the layer's fill code."""
    held = sum(math.prod(shape) for shape in c.in_shapes)
    if held > MAX_PARALLEL_VALUES:
        raise ValueError(
            f"{c.layer.describe()}: the io_stream RTL holds its whole input, "
            f"{held:,} values, in registers; at most {MAX_PARALLEL_VALUES:,}"
        )
    net, n = c.net, c.name
    y_t = c.p.types["result"]
    w = y_t.width
    out_values, out_pixels = pixel_size(c.out_shape), pixel_count(c.out_shape)
    oc = max(1, (out_pixels - 1).bit_length())
    head = net.section()
    net.section()
    with net.into(head):
        sent = net.reg(f"{n}_sent", oc) if out_pixels > 1 else None
        register, valid = net.reg(f"{n}_reg", out_values * w), net.reg(f"{n}_valid", 1)
    free = net.wire(f"{n}_free", 1, bit_or(invert(valid), c.out_ready))
    restart = net.wire(f"{n}_restart", 1)  # the last output pixel is loaded at this edge
    held: list[Operand] = []
    whole = []
    for k, (ch, shape, t) in enumerate(zip(c.inputs, c.in_shapes, c.in_types, strict=True)):
        values, pixels = pixel_size(shape), pixel_count(shape)
        cw = pixels.bit_length()
        with net.into(head):
            filled = net.reg(f"{n}_filled{k}", cw)
            slots = [net.reg(f"{n}_px{k}_{q}", values * w) for q in range(pixels)]
        full = net.wire(f"{n}_full{k}", 1, equal(filled, const(pixels, cw)))
        take = net.wire(f"{n}_take{k}", 1, bit_and(ch.valid, invert(full)))
        net.assign(ch.ready, invert(full))
        casts = [
            net.named(
                f"{n}_in{k}_{j}",
                w,
                cast(net, ch.data.bits(j * t.width, t.width), t, y_t, f"{n}_c{k}_{j}"),
            )
            for j in range(values)
        ]
        pixel = net.named(f"{n}_in{k}", values * w, concat(casts[::-1]))
        for q, slot in enumerate(slots):
            net.clocked(slot, (bit_and(take, equal(filled, const(q, cw))), pixel))
        net.clocked(
            filled,
            (c.reset, const(0, cw)),
            (restart, const(0, cw)),
            (take, add(filled, const(1, cw))),
        )
        held += [slot.bits(j * w, w) for slot in slots for j in range(values)]
        whole.append(full)
    load = net.wire(f"{n}_load", 1, bit_and(*whole, free))
    if (index == FILL).any():
        held.append(const(int(c.p.params["fill"][0]), w))  # index FILL (-1) reads it
    choices = [
        concat([held[int(i)] for i in index[q * out_values : (q + 1) * out_values]][::-1])
        for q in range(out_pixels)
    ]
    if sent is None:
        net.assign(restart, load)
        chosen: Operand = choices[0]
    else:
        last = const(out_pixels - 1, oc)
        net.assign(restart, bit_and(load, equal(sent, last)))
        chosen = choices[-1]
        for q in range(out_pixels - 2, -1, -1):
            chosen = mux(equal(sent, const(q, oc)), choices[q], chosen)
        step = mux(equal(sent, last), const(0, oc), add(sent, const(1, oc)))
        net.clocked(sent, (c.reset, const(0, oc)), (load, step))
    net.clocked(register, (load, net.named(f"{n}_next", out_values * w, chosen)))
    net.clocked(valid, (c.reset, bit_literal(0)), (free, load))
    return register, valid
