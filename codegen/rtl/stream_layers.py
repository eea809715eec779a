"""The io_stream process of each layer kind in the RTL: logic that takes pixels (every channel of
one position) from its input channels and gives pixels to its output channel, each transfer
a ``valid``/``ready`` handshake. :data:`STREAM_RTL_LAYERS` maps each kind that streams to its
builder; :mod:`hlsfx.codegen.rtl.stream` connects the processes through FIFOs.

A per-pixel process applies the layer's io_parallel netlist (:mod:`.layers`) to one pixel. At
reuse factor 1 it takes a pixel in every cycle its output register is free and loads the result
there at the same edge. At R > 1 it holds the pixel in a register while its ``ceil(n / R)``
multipliers take R cycles (the one-hot ``<name>_step``); the next pixel is taken in the last
of them if the result can be loaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from hlsfx.codegen.rtl.expressions import (
    Signal,
    any_bit,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    invert,
)
from hlsfx.codegen.rtl.gather import gather
from hlsfx.codegen.rtl.global_pool import global_pool
from hlsfx.codegen.rtl.layers import RTL_LAYERS
from hlsfx.codegen.rtl.line_buffer import WindowGeometry, windows
from hlsfx.codegen.rtl.masked_pool import masked_pool
from hlsfx.codegen.rtl.multipliers import Multipliers
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.codegen.rtl.rtl_layer import RtlLayer
from hlsfx.codegen.stream_graph import pixel_size
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["STREAM_RTL_LAYERS", "Channel", "StreamProcess"]


@dataclass(frozen=True)
class Channel:
    """One stream between two processes: ``data`` (a pixel) and ``valid`` from the sender,
    ``ready`` from the receiver; a pixel moves at a rising edge where both are high."""

    data: Signal
    valid: Signal
    ready: Signal


@dataclass(frozen=True)
class StreamProcess:
    """What a kind's stream builder is given: the netlist, the layer's base name, the layer,
    its precision and reuse factor, its input types and shapes (whole tensors), its output
    shape, the reset, its input channels (it drives their ``ready``) and the ``ready`` of
    the channel it sends on."""

    net: Netlist
    name: str
    layer: Layer
    p: LayerPrecision
    reuse: int
    in_types: tuple[FixedType, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    reset: Signal
    inputs: tuple[Channel, ...]
    out_ready: Signal


@dataclass(frozen=True)
class Built:
    """A process as built: the channel it sends on (its ``ready`` is the given one), its
    multipliers' count and a one-line description."""

    output: Channel
    multipliers: int
    products: int
    description: str


def _output_register(c: StreamProcess, width: int) -> tuple[Signal, Signal, Signal]:
    """The output register, its valid flag and ``<name>_free``: the register is empty or its
    pixel leaves at this edge, so it may be loaded (:func:`_load`)."""
    net, n = c.net, c.name
    register, valid = net.reg(f"{n}_reg", width), net.reg(f"{n}_valid", 1)
    return register, valid, net.wire(f"{n}_free", 1, bit_or(invert(valid), c.out_ready))


def _load(
    c: StreamProcess, out: tuple[Signal, Signal, Signal], load: Signal, value: Signal
) -> None:
    """The output register takes ``value`` where ``load`` is high (only while it is free)."""
    register, valid, free = out
    c.net.clocked(register, (load, value))
    c.net.clocked(valid, (c.reset, bit_literal(0)), (free, load))


def _apply(
    c: StreamProcess,
    layer: Layer,
    shapes: tuple[tuple[int, ...], ...],
    channels: tuple[Channel, ...],
    build: Callable[[RtlLayer], str] | None = None,
) -> tuple[Built, str]:
    """The layer's io_parallel netlist (or ``build``'s) applied to each transfer of
    ``channels`` (every one a whole input of shape ``shapes``), its result in the output
    register; with its description."""
    net, n = c.net, c.name
    head = net.section()  # registers the layer's logic reads, declared before it
    net.section()
    suffixes = ["in"] if len(shapes) == 1 else [f"in{k}" for k in range(len(shapes))]
    inputs = tuple(
        net.wire(f"{n}_{s}", ch.data.width) for s, ch in zip(suffixes, channels, strict=True)
    )
    out_values = pixel_size(c.out_shape)
    result = net.wire(f"{n}_next", out_values * c.p.types["result"].width)
    mults = Multipliers(net, n, c.reuse)
    description = (build or RTL_LAYERS[layer.kind])(
        RtlLayer(
            net=net,
            name=n,
            layer=layer,
            p=c.p,
            in_types=c.in_types,
            in_shapes=shapes,
            inputs=inputs,
            output=result,
            mults=mults,
        )
    )
    mults.build()
    all_valid = bit_and(*(ch.valid for ch in channels))
    timed = c.reuse > 1 and bool(mults.products)
    out = _output_register(c, result.width)
    free = out[2]
    if not timed:
        accept = net.wire(f"{n}_accept", 1, bit_and(all_valid, free))
        _load(c, out, accept, result)
        for wire, ch in zip(inputs, channels, strict=True):
            net.drive(wire, ch.data)
    else:
        r = c.reuse
        with net.into(head):
            step = net.reg(f"{n}_step", r)
            held = [net.reg(f"{n}_hold{k}", ch.data.width) for k, ch in enumerate(channels)]
        done = net.wire(f"{n}_done", 1, bit_and(step.bit(r - 1), free))
        accept = net.wire(f"{n}_accept", 1, bit_and(all_valid, bit_or(invert(any_bit(step)), done)))
        _load(c, out, done, result)
        for wire, hold, ch in zip(inputs, held, channels, strict=True):
            net.clocked(hold, (accept, ch.data))
            net.drive(wire, hold)
        shifted = concat([step.bits(0, r - 1), bit_literal(0)])
        net.clocked(
            step,
            (c.reset, const(0, r)),
            (accept, const(1, r)),
            (done, const(0, r)),
            (step.bit(r - 1), step),
            (None, shifted),
        )
        net.drive(mults.phase, step)
    for ch in channels:
        net.assign(ch.ready, accept)
    built = Built(
        Channel(out[0], out[1], c.out_ready), len(mults.shared()), len(mults.products), ""
    )
    return built, description


def _per_pixel(c: StreamProcess) -> Built:
    shapes = tuple((pixel_size(s),) for s in c.in_shapes)
    built, description = _apply(c, c.layer.kind.pixel_layer(c.layer), shapes, c.inputs)
    return replace(built, description=f"{description}, per pixel")


def _gather(c: StreamProcess) -> Built:
    """Reshape, Transpose, upsampling, a concatenation along an earlier axis: the whole
    input held, then sent in the output's order (:mod:`.gather`)."""
    kind = c.layer.kind
    register, valid = gather(c, kind.source_index(c.layer, c.in_shapes))
    return Built(
        Channel(register, valid, c.out_ready),
        0,
        0,
        f"{kind.name}: the whole input held, then sent in the output's order",
    )


def _window(c: StreamProcess) -> Built:
    """A convolution or pooling: its io_parallel netlist applied to each patch of a line
    buffer (:mod:`.line_buffer`), the patch an input without padding, strides or dilation."""
    layer, shape = c.layer, c.in_shapes[0]
    g = WindowGeometry.of(layer, shape)
    if not layer.kind.weighted and g.kernel == (g.height, g.width) and not any(g.pads):
        register, valid, products = global_pool(c, g.taps)
        return Built(
            Channel(register, valid, c.out_ready),
            products,
            products,
            f"{layer.kind.name} over the whole input, folded pixel by pixel",
        )
    masked = not layer.kind.weighted and any(g.pads)  # a pooling must know its padding taps
    ready = c.net.wire(f"{c.name}_patch_ready", 1)
    patch, valid = windows(c.net, f"{c.name}_lb", g, c.reset, c.inputs[0], ready, masked)
    d = len(shape) - 1
    compact = {"pads": [0] * (2 * d), "strides": [1] * d}
    if "dilations" in layer.attrs:
        compact["dilations"] = [1] * d
    patch_shape = (*g.kernel[2 - d :], g.chans)
    built, _ = _apply(
        c,
        replace(layer, attrs={**layer.attrs, **compact}),
        (patch_shape,),
        (Channel(patch, valid, ready),),
        masked_pool if masked else None,
    )
    rows, cols = g.span[0] - 1, g.padded[1]
    buffer = f"a line buffer of {rows} rows of {cols} pixels" if rows else "a window register"
    return replace(built, description=f"{layer.kind.name} over {buffer}")


StreamBuilder = Callable[[StreamProcess], Built]

STREAM_RTL_LAYERS: dict[str, StreamBuilder] = {
    kinds.PER_PIXEL: _per_pixel,
    kinds.WINDOW: _window,
    kinds.WHOLE: _gather,
}
"""the io_stream process builder of each way a layer streams
(:meth:`~hlsfx.ir.kinds.LayerKind.stream_form`)"""
