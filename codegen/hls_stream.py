"""The io_stream form of an HLS project: one ``hls::stream`` of pixels per tensor (a pixel is
every channel of one position, channels-last; a flat tensor is one pixel) and the layers as the
processes of a DATAFLOW region (hls_src/hlsfx_stream.h).

Each kind's stream writer reuses its io_parallel writer: element-wise layers, softmax, Dense
over the last axis and merges see the layer as it acts on one pixel; convolutions and pooling
apply their per-window code to the windows of a line buffer; Reshape regroups values, Transpose
and upsampling gather from the whole tensor. So the bits are the io_parallel ones.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np

from hlsfx.codegen.hls_layers import HLS_LAYERS, LayerContext, window_geometry
from hlsfx.codegen.hls_skeletons import Port
from hlsfx.codegen.stream_graph import (
    check_fifo_depths,
    fifo_names,
    pixel_count,
    pixel_size,
    stream_readers,
)
from hlsfx.ir import kinds
from hlsfx.ir.kinds import FILL

__all__ = [
    "STREAM_WRITERS",
    "StreamCode",
    "StreamPlan",
    "stream_plan",
    "stream_top_source",
]

STREAM_HEADER = "hlsfx_stream.h"


@dataclass(frozen=True)
class StreamCode:
    """A layer's part of an io_stream firmware."""

    config: str
    """C++ struct definitions (parameters.h)"""
    constants: str
    """its weights, tables and constants (its own header), or empty"""
    op: str
    """the struct applying its arithmetic to one pixel or window (top source), or empty"""
    process: str
    """the DATAFLOW process that runs it, reading ``ins`` and writing ``out``"""


def _pixel_type(var: str) -> str:
    return f"{var}_pixel_t"


def _struct(name: str, fields: list[tuple[str, int]]) -> str:
    lines = [f"struct {name} {{"]
    lines += [f"    static const unsigned {field} = {int(value)};" for field, value in fields]
    return "\n".join([*lines, "};"])


def _op(ctx: LayerContext, params: list[str], body: str) -> str:
    return "\n".join(
        [
            f"struct {ctx.ident}_op {{",
            f"    static void apply({', '.join(params)}) {{",
            f"        {body}",
            "    }",
            "};",
        ]
    )


def _check_channel_params(ctx: LayerContext, channels: int) -> None:
    """Per-channel constants must repeat with every pixel (a slope per value of a whole tensor
    does not)."""
    for role in ("alpha", "scale"):
        values = ctx.precision.params.get(role)
        if values is not None and channels % values.size:
            raise ValueError(
                f"{ctx.layer.describe()}: io_stream needs its {role} per channel of the last "
                f"axis, or one for all; it has {values.size} values for {channels} channels"
            )


def write_per_pixel(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """The layer on each pixel (its inputs' pixels in step)."""
    sizes = [pixel_size(s) for s in ctx.in_shapes]
    _check_channel_params(ctx, sizes[0])
    names = ("x",) if len(ins) == 1 else ("a", "b")
    pixel = replace(
        ctx,
        layer=ctx.layer.kind.pixel_layer(ctx.layer),
        in_shapes=tuple((n,) for n in sizes),
        out_shape=(pixel_size(ctx.out_shape),),
        in_vars=names,
        out_var="y",
    )
    code = HLS_LAYERS[ctx.layer.kind].write(pixel)
    params = [f"const {t} {v}[{n}]" for t, v, n in zip(ctx.in_typedefs, names, sizes, strict=True)]
    params.append(f"{ctx.out_typedef} y[{pixel_size(ctx.out_shape)}]")
    stream = _struct(
        f"{ctx.ident}_stream",
        [("n_pixels", pixel_count(ctx.out_shape)), ("reuse_factor", ctx.reuse_factor)],
    )
    types = [*(_pixel_type(v) for v in ctx.in_vars), _pixel_type(ctx.out_var)]
    function = "pixel_map" if len(ins) == 1 else "pixel_map2"
    process = (
        f"hlsfx::{function}<{', '.join(types)}, {ctx.ident}_stream, {ctx.ident}_op>"
        f"({', '.join((*ins, out))});"
    )
    return StreamCode(
        f"{code.config}\n\n{stream}", code.constants, _op(ctx, params, code.call), process
    )


def _window_body(ctx: LayerContext) -> tuple[str, str]:
    """The per-window call of a convolution or pooling, and the name of its inside[] flags
    (empty where the call does not read them)."""
    x_t, y_t, ident = ctx.in_typedefs[0], ctx.out_typedef, ctx.ident
    kind = ctx.layer.kind
    if kind.weighted and kind.depthwise:
        call = f"depthwise_window<{x_t}, {y_t}, {ident}_config>"
        return f"hlsfx::{call}(patch, y, {ident}_weight, {ident}_bias);", ""
    if kind.weighted:
        call = f"dense<{x_t}, {y_t}, {ident}_dense_config>"
        return f"hlsfx::{call}(patch, y, {ident}_weight, {ident}_bias);", ""
    call = f"pool_window<{x_t}, {y_t}, {ident}_config>"
    return f"hlsfx::{call}(patch, inside, y, {ident}_recip);", "inside"


def write_window(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """A convolution or pooling over a line buffer (hlsfx::window_map); a pooling over the
    whole input, folded pixel by pixel (hlsfx::global_pool)."""
    code = HLS_LAYERS[ctx.layer.kind].write(ctx)
    geometry = window_geometry(ctx, pixel_size(ctx.out_shape))
    fields = dict(geometry)
    whole = (
        fields["filt_height"] == fields["in_height"]
        and fields["filt_width"] == fields["in_width"]
        and not any(ctx.layer.attrs["pads"])
    )
    if whole and not ctx.layer.kind.weighted:
        types = f"{_pixel_type(ctx.in_vars[0])}, {_pixel_type(ctx.out_var)}"
        process = (
            f"hlsfx::global_pool<{types}, {ctx.ident}_config>({ins[0]}, {out}, {ctx.ident}_recip);"
        )
        return StreamCode(code.config, code.constants, "", process)
    taps = fields["filt_height"] * fields["filt_width"]
    body, inside = _window_body(ctx)
    params = [
        f"const {ctx.in_typedefs[0]} patch[{taps * fields['n_chan']}]",
        f"const bool {inside}[{taps}]" if inside else f"const bool[{taps}]",
        f"{ctx.out_typedef} y[{pixel_size(ctx.out_shape)}]",
    ]
    stream = _struct(f"{ctx.ident}_stream", [*geometry, ("reuse_factor", ctx.reuse_factor)])
    types = f"{_pixel_type(ctx.in_vars[0])}, {_pixel_type(ctx.out_var)}"
    process = f"hlsfx::window_map<{types}, {ctx.ident}_stream, {ctx.ident}_op>({ins[0]}, {out});"
    return StreamCode(f"{code.config}\n\n{stream}", code.constants, _op(ctx, params, body), process)


def write_repack(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """Reshape: the values in order, regrouped into the output's pixels (hlsfx::repack)."""
    stream = _struct(f"{ctx.ident}_stream", [("in_pixels", pixel_count(ctx.in_shapes[0]))])
    types = f"{_pixel_type(ctx.in_vars[0])}, {_pixel_type(ctx.out_var)}"
    return StreamCode(
        stream, "", "", f"hlsfx::repack<{types}, {ctx.ident}_stream>({ins[0]}, {out});"
    )


def write_gather(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """Transpose, upsampling, slicing and padding: the whole tensor held, then gathered
    (hlsfx::gather_pixels), the pad value where the source index names no input
    (hlsfx::pad_pixels)."""
    code = HLS_LAYERS[ctx.layer.kind].write(ctx)
    types = f"{_pixel_type(ctx.in_vars[0])}, {_pixel_type(ctx.out_var)}"
    index = ctx.layer.kind.source_index(ctx.layer, ctx.in_shapes)
    function, args = "gather_pixels", [ins[0], out, f"{ctx.ident}_index"]
    if (index == FILL).any():
        function, args = "pad_pixels", [*args, f"{ctx.ident}_fill"]
    process = f"hlsfx::{function}<{types}, {ctx.ident}_config>({', '.join(args)});"
    return StreamCode(code.config, code.constants, "", process)


def write_joined(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """A concatenation along an earlier axis than the channels: the pixels of one input then
    the other's, per outer index (hlsfx::concat_pixels)."""
    axis, (a, b) = ctx.layer.attrs["axis"], ctx.in_shapes
    stream = _struct(
        f"{ctx.ident}_stream",
        [
            ("n_outer", math.prod(a[:axis])),
            ("a_pixels", pixel_count(a[axis:])),
            ("b_pixels", pixel_count(b[axis:])),
        ],
    )
    types = ", ".join(_pixel_type(v) for v in (*ctx.in_vars, ctx.out_var))
    process = f"hlsfx::concat_pixels<{types}, {ctx.ident}_stream>({', '.join((*ins, out))});"
    return StreamCode(stream, "", "", process)


def write_whole(ctx: LayerContext, ins: tuple[str, ...], out: str) -> StreamCode:
    """A layer that moves values and needs its whole input first: joined inputs by outer
    index, values kept in order (a reshape) regrouped, any other order gathered."""
    if len(ins) > 1:
        return write_joined(ctx, ins, out)
    index = ctx.layer.kind.source_index(ctx.layer, ctx.in_shapes)
    if np.array_equal(index, np.arange(index.size)):
        return write_repack(ctx, ins, out)
    return write_gather(ctx, ins, out)


StreamWriter = Callable[[LayerContext, tuple[str, ...], str], StreamCode]

STREAM_WRITERS: dict[str, StreamWriter] = {
    kinds.PER_PIXEL: write_per_pixel,
    kinds.WINDOW: write_window,
    kinds.WHOLE: write_whole,
}
"""the io_stream writer of each way a layer streams
(:meth:`~hlsfx.ir.kinds.LayerKind.stream_form`)"""


@dataclass(frozen=True)
class _Wiring:
    """Which stream each layer input reads and each layer writes, and the fan-outs between."""

    reads: dict[tuple[str, int], str]
    writes: dict[str, str]
    internal: list[tuple[str, str, int]]
    """(stream, its tensor's C++ identifier, depth) of every stream inside the top function"""
    fan_outs: dict[str, list[str]]
    """per tensor read more than once, the processes copying it to each reader"""


def _wiring(
    graph, var: dict[str, str], bases: dict[str, str], depths: Mapping[str, int]
) -> _Wiring:
    """The streams between the processes; a stream's depth is ``depths`` of its FIFO's name
    (:func:`hlsfx.codegen.stream_graph.fifo_names`), else 2, or a whole image on the branches
    of a tensor read more than once (which never deadlocks)."""
    fifo_of = fifo_names(graph, bases)
    reads, writes, internal, fan_outs = {}, {}, [], {}
    taken = set(var.values())
    for tensor, who in stream_readers(graph).items():
        v, pixels = var[tensor], pixel_count(graph.shapes[tensor])
        chosen = [depths.get(fifo_of[(tensor, r)], 2 if len(who) == 1 else pixels) for r in who]
        source = f"{v}_all" if tensor in graph.outputs and len(who) > 1 else v
        if tensor not in graph.inputs:
            writes[tensor] = source
            if who != [None]:
                internal.append((source, v, chosen[0] if len(who) == 1 else 2))
        if len(who) == 1:
            if who[0] is not None:
                reads[who[0]] = source
            continue
        branches = [v if r is None else f"{v}_to{k}" for k, r in enumerate(who)]
        rests = [f"{v}_rest{k}" for k in range(len(who) - 2)] + [branches[-1]]
        for name in {source, *branches, *rests} - {v}:
            if name in taken:
                raise ValueError(f"the stream name {name!r} is taken; rename that tensor")
        for reader, name, depth in zip(who, branches, chosen, strict=True):
            if reader is not None:
                reads[reader] = name
                internal.append((name, v, depth))
        internal += [(name, v, max(chosen[k + 1 :])) for k, name in enumerate(rests[:-1])]
        feeds = [source, *rests[:-1]]
        fan_outs[tensor] = [
            f"hlsfx::fan_out<{_pixel_type(v)}, {pixels}>({feed}, {name}, {rest});"
            for feed, name, rest in zip(feeds, branches[:-1], rests, strict=True)
        ]
    return _Wiring(reads, writes, internal, fan_outs)


def stream_signature(top: str, inputs: list[Port], outputs: list[Port]) -> str:
    args = [f"hls::stream<{_pixel_type(p.var)}> &{p.var}" for p in (*inputs, *outputs)]
    return f"void {top}(" + ", ".join(args) + ")"


@dataclass(frozen=True)
class StreamPlan:
    """An io_stream firmware before it is printed: each layer's code and the streams between."""

    codes: list[StreamCode]
    wiring: _Wiring


def stream_plan(
    graph, contexts: list[LayerContext], var: dict[str, str], depths: Mapping[str, int]
) -> StreamPlan:
    """Each layer's :class:`StreamCode` from its kind's stream writer (errors name the layer),
    wired by the tensors between them, the streams ``depths`` deep by FIFO name."""
    bases = {t: var[t] for t in graph.inputs} | {c.layer.output: c.ident for c in contexts}
    wiring = _wiring(graph, var, bases, check_fifo_depths(graph, bases, depths))
    codes = []
    for ctx in contexts:
        ins = tuple(wiring.reads[(ctx.layer.name, k)] for k in range(len(ctx.layer.inputs)))
        write = STREAM_WRITERS[ctx.layer.kind.stream_form(ctx.layer, ctx.in_shapes)]
        codes.append(write(ctx, ins, wiring.writes[ctx.layer.output]))
    return StreamPlan(codes, wiring)


def stream_top_source(top, graph, contexts, plan: StreamPlan, inputs, outputs, weight_files) -> str:
    """The top source of an io_stream project."""
    codes, wiring = plan.codes, plan.wiring
    lines = [
        f'#include "{top}.h"',
        '#include "parameters.h"',
        *(f'#include "weights/{name}"' for name in weight_files),
        "",
    ]
    for ctx, code in zip(contexts, codes, strict=True):
        if code.op:
            lines += [f"// {ctx.ident}: {ctx.layer.kind.name}, per pixel or window", code.op, ""]
    lines += [
        stream_signature(top, inputs, outputs) + " {",
        *(f"    #pragma HLS INTERFACE axis port={p.var}" for p in (*inputs, *outputs)),
        "    #pragma HLS INTERFACE ap_ctrl_none port=return",
        "    #pragma HLS DATAFLOW",
        "",
    ]
    for name, v, depth in wiring.internal:
        lines.append(f'    hls::stream<{_pixel_type(v)}> {name}("{name}");')
        lines.append(f"    #pragma HLS STREAM variable={name} depth={depth}")
    lines.append("")
    for tensor in graph.inputs:  # C simulation runs the processes in this order
        lines += [f"    {line}" for line in wiring.fan_outs.get(tensor, [])]
    for ctx, code in zip(contexts, codes, strict=True):
        lines.append(f"    // {ctx.ident}: {ctx.layer.kind.name} -> {ctx.out_shape}")
        lines.append(f"    {code.process}")
        lines += [f"    {line}" for line in wiring.fan_outs.get(ctx.layer.output, [])]
        lines.append("")
    lines[-1] = "}"
    lines.append("")
    return "\n".join(lines)
