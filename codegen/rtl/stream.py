"""Write a quantized model as io_stream Verilog-2005: every tensor a stream of pixels (every
channel of one position, channels-last; a flat tensor is one pixel), every layer a process
(:mod:`.stream_layers`) between FIFOs.

Ports: ``ap_clk``, ``ap_rst_n`` (active low); per graph input an AXI-Stream slave
``<port>_V_TDATA`` (one pixel, channel k at bits ``[k*W +: W]``), ``_V_TVALID``, ``_V_TREADY``
and ``_V_TLAST`` (not needed: the design counts pixels); per graph output an AXI-Stream master
``<layer>_out_V_*`` with ``_V_TLAST`` on each image's last pixel. Backpressure reaches every
layer: a process sends only when its reader is ready.

Each reader of a tensor takes it through its own FIFO, ``<tensor>_fifo`` (or ``_fifo<k>``
where the tensor has several readers: a pixel enters all of them at once, when each has room).
A FIFO's ``ready`` and ``valid`` come from its fill count alone, so no combinational path runs
through it; by default it holds 2 pixels, a whole image where its tensor has several readers
(branches that meet again may be far apart; :func:`write_stream_rtl` takes measured depths).
``interface.json`` states ports, packing, types, FIFO depths and each layer's multipliers.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.names import design_names
from hlsfx.codegen.output_folder import OutputFolder
from hlsfx.codegen.rtl.expressions import (
    Signal,
    add,
    bit_and,
    bit_literal,
    const,
    equal,
    invert,
    mux,
    not_equal,
    subtract,
)
from hlsfx.codegen.rtl.interface import INTERFACE, Fifo, Interface, StreamSignals, TensorInterface
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.codegen.rtl.parallel import MAX_RTL_PRODUCTS, reuse_factors
from hlsfx.codegen.rtl.stream_layers import (
    STREAM_RTL_LAYERS,
    Channel,
    StreamProcess,
)
from hlsfx.codegen.stream_graph import (
    MIN_FIFO_DEPTH,
    Reader,
    check_fifo_depths,
    fifo_names,
    pixel_count,
    pixel_size,
    stream_readers,
)
from hlsfx.codegen.vectors import design_vectors, vectors_text

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["DEFAULT_FIFO_DEPTH", "write_stream_rtl"]

DEFAULT_FIFO_DEPTH = MIN_FIFO_DEPTH
"""pixels a FIFO holds where its tensor has one reader: enough for a pixel per cycle"""


def _fifo(
    net: Netlist, name: str, depth: int, reset: Signal, data: Any, valid: Any
) -> tuple[Channel, Signal]:
    """A FIFO of ``depth`` pixels written with ``data`` where ``valid`` is high and it has
    room: the channel it gives its reader (whose ``ready`` the reader drives) and its own
    ``in_ready``."""
    net.owner = name
    width = data.width
    net.comment("")
    net.comment(f"---- {name}: FIFO of {depth} pixels of {width} bits")
    slots = net.memory(f"{name}_slots", width, depth)
    aw, cw = slots.address_width, depth.bit_length()
    head, tail, count = (
        net.reg(f"{name}_{part}", w) for part, w in (("head", aw), ("tail", aw), ("count", cw))
    )
    in_ready = net.wire(f"{name}_in_ready", 1, not_equal(count, const(depth, cw)))
    push = net.wire(f"{name}_push", 1, bit_and(valid, in_ready))
    out_valid = net.wire(f"{name}_out_valid", 1, not_equal(count, const(0, cw)))
    out_ready = net.wire(f"{name}_out_ready", 1)
    pop = net.wire(f"{name}_pop", 1, bit_and(out_valid, out_ready))
    out_data = net.wire(f"{name}_out_data", width, net.read(slots, head))
    net.write(slots, push, tail, data)
    for pointer, move in ((tail, push), (head, pop)):
        step = add(pointer, const(1, aw))
        if depth != 1 << aw:
            step = mux(equal(pointer, const(depth - 1, aw)), const(0, aw), step)
        net.clocked(pointer, (reset, const(0, aw)), (move, step))
    net.clocked(
        count,
        (reset, const(0, cw)),
        (bit_and(push, invert(pop)), add(count, const(1, cw))),
        (bit_and(pop, invert(push)), subtract(count, const(1, cw))),
    )
    return Channel(out_data, out_valid, out_ready), in_ready


def write_stream_rtl(
    qm: QuantizedModel,
    path: str | Path,
    *,
    reuse_factor: int | Mapping[str, int] = 1,
    top: str = "myproject",
    vectors: Any = 100,
    fifo_depths: Mapping[str, int] | None = None,
) -> Path:
    """Write ``qm`` as io_stream Verilog (``<top>.v``), its interface description
    (``interface.json``) and test vectors (``tb_data/``) into the folder ``path``; returns it.
    ``reuse_factor`` is one for every layer or ``{layer name: R}`` (others 1); ``fifo_depths``
    overrides the depth of FIFOs by name (``interface.json`` lists them)."""
    graph, t_of = qm.graph, qm.tensor_types
    reuse = reuse_factors(qm, reuse_factor)
    total = 0
    for layer in graph.layers:
        weight = qm.precisions[layer.name].params.get("weight")
        total += weight.size if weight is not None and layer.kind.weighted else 0
        if total > MAX_RTL_PRODUCTS:  # a pixel's or window's products, each written out
            raise ValueError(
                f"{layer.describe()}: the model needs over {total:,} products per "
                f"pixel up to this layer; the RTL writer takes at most "
                f"{MAX_RTL_PRODUCTS:,}"
            )
    names = design_names(top, graph.inputs, [layer.name for layer in graph.layers])
    port, base = dict(names.inputs), dict(names.inputs)
    for layer in graph.layers:
        port[layer.output] = f"{names.layers[layer.name]}_out"
        base[layer.output] = names.layers[layer.name]
    readers = stream_readers(graph)
    fifo_of = fifo_names(graph, base)
    depths = {
        name: DEFAULT_FIFO_DEPTH
        if len(readers[t]) == 1
        else max(DEFAULT_FIFO_DEPTH, pixel_count(graph.shapes[t]))
        for (t, _), name in fifo_of.items()
    }
    depths.update(check_fifo_depths(graph, base, fifo_depths or {}))
    codes, expected = design_vectors(qm, vectors)
    folder = OutputFolder(path, "rtl")

    net = Netlist()
    net.port("input", "ap_clk", 1)
    reset_n = net.port("input", "ap_rst_n", 1)
    streams = {}
    for t, direction in [
        *((t, "input") for t in graph.inputs),
        *((t, "output") for t in graph.outputs),
    ]:
        back = "output" if direction == "input" else "input"
        prefix, width = f"{port[t]}_V", pixel_size(graph.shapes[t]) * t_of[t].width
        streams[t] = {
            "data": net.port(direction, f"{prefix}_TDATA", width, owner=port[t]),
            "valid": net.port(direction, f"{prefix}_TVALID", 1, owner=port[t]),
            "ready": net.port(back, f"{prefix}_TREADY", 1, owner=port[t]),
            "last": net.port(direction, f"{prefix}_TLAST", 1, owner=port[t]),
        }
    reset = net.wire("rst", 1, invert(reset_n))
    taken: dict[tuple[str, Reader], Channel] = {}  # (tensor, reader) -> its FIFO's channel

    def send(t: str, data: Signal, valid: Signal, ready: Signal) -> None:
        """Tensor ``t``'s pixels into the FIFO of each reader, all at once."""
        made = []
        for reader in readers[t]:
            name = fifo_of[(t, reader)]
            net.owner = name
            enter = net.wire(f"{name}_in_valid", 1)
            channel, in_ready = _fifo(net, name, depths[name], reset, data, enter)
            taken[(t, reader)] = channel
            made.append((enter, in_ready))
        net.owner = base[t]
        for enter, _ in made:
            others = [r for e, r in made if e is not enter]
            net.assign(enter, bit_and(valid, *others))
        net.assign(ready, bit_and(*(r for _, r in made)))

    for t in graph.inputs:
        s = streams[t]
        send(t, s["data"], s["valid"], s["ready"])
    layers = {}
    for layer in graph.layers:
        n = names.layers[layer.name]
        net.owner = n
        title = net.section()
        net.section()
        out_ready = net.wire(f"{n}_ready", 1)
        in_shapes = tuple(graph.shapes[t] for t in layer.inputs)
        built = STREAM_RTL_LAYERS[layer.kind.stream_form(layer, in_shapes)](
            StreamProcess(
                net=net,
                name=n,
                layer=layer,
                p=qm.precisions[layer.name],
                reuse=reuse[layer.name],
                in_types=tuple(t_of[t] for t in layer.inputs),
                in_shapes=in_shapes,
                out_shape=graph.shapes[layer.output],
                reset=reset,
                inputs=tuple(taken[(t, (layer.name, k))] for k, t in enumerate(layer.inputs)),
                out_ready=out_ready,
            )
        )
        layers[layer.name] = built
        r = reuse[layer.name] if built.products else 1
        with net.into(title):
            net.comment("")
            net.comment(
                f"---- {n}: {built.description}; {built.products} products on "
                f"{built.multipliers} multipliers, {r} cycle{'s' * (r > 1)} a pixel"
            )
        send(layer.output, built.output.data, built.output.valid, out_ready)
    net.section()
    for t in graph.outputs:
        s, channel, pixels = streams[t], taken[(t, None)], pixel_count(graph.shapes[t])
        net.owner = port[t]
        net.comment("")
        net.comment(f"---- output {port[t]}: TLAST on pixel {pixels - 1} of each image")
        net.assign(s["data"], channel.data)
        net.assign(s["valid"], channel.valid)
        net.assign(channel.ready, s["ready"])
        if pixels == 1:
            net.assign(s["last"], bit_literal(1))
            continue
        cw = (pixels - 1).bit_length()
        counter = net.reg(f"{port[t]}_pixel", cw)
        last = net.wire(f"{port[t]}_last", 1, equal(counter, const(pixels - 1, cw)))
        sent = bit_and(channel.valid, s["ready"])
        net.clocked(
            counter,
            (reset, const(0, cw)),
            (sent, mux(last, const(0, cw), add(counter, const(1, cw)))),
        )
        net.assign(s["last"], last)
    lines = [
        "`default_nettype none",
        f"// {top}: written by hlsfx; io_stream, AXI-Stream ports",
        *net.lines(top),
        "`default_nettype wire",
        "",
    ]
    left_out = set(net.left_out())

    def description(tensor: str) -> TensorInterface:
        t, s = t_of[tensor], streams[tensor]
        signals = {key: s[key].name for key in ("data", "valid", "ready", "last")}
        stream = StreamSignals(pixel_size(graph.shapes[tensor]), **signals)
        return TensorInterface(
            tensor,
            math.prod(graph.shapes[tensor]),
            t.width,
            t.signed,
            str(t),
            graph.shapes[tensor],
            stream=stream,
        )

    interface = Interface(
        top=top,
        sources=(f"{top}.v",),
        protocol="axis",
        packing="per transfer one pixel: channel k at bits [k*width +: width], a raw two's "
        "complement code of its type; TLAST on the last pixel of each image",
        clock="ap_clk",
        reset="ap_rst_n",
        reset_active=0,
        inputs=tuple(description(t) for t in graph.inputs),
        outputs=tuple(description(t) for t in graph.outputs),
        fifos={
            name: Fifo(
                depth=depths[name],
                count=f"{name}_count",
                push=f"{name}_push",
                tensor=t,
                reader=None if reader is None else reader[0],
            )
            for (t, reader), name in fifo_of.items()
        },
        layers={
            name: {
                "reuse_factor": reuse[name],
                "products": b.products,
                "multipliers": b.multipliers,
                "description": b.description,
                "left_out": names.layers[name] in left_out,
            }
            for name, b in layers.items()
        },
    )
    folder.add(f"{top}.v", "\n".join(lines))
    folder.add(INTERFACE, interface.to_json())
    for name, tensors, values in (
        ("inputs", graph.inputs, codes),
        ("expected", graph.outputs, expected),
    ):
        folder.add(f"tb_data/{name}_raw.dat", vectors_text(values, list(tensors)))
    return folder.commit()
