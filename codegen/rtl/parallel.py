"""Write a quantized model as synthesizable Verilog-2005 (io_parallel, Vivado HLS port names).

Ports: ``ap_clk``, ``ap_rst`` (active high), ``ap_start``, ``ap_done``, ``ap_idle``,
``ap_ready``; per graph input one bus with ``_ap_vld`` (named as the HLS project's top-function
argument), per graph output one bus ``<layer>_out`` with ``_ap_vld``. Element k of a tensor
(channels-last, row-major) sits at bits ``[k*W +: W]`` as a raw two's complement code.

Timing. A sample is accepted on a rising edge where ``ap_start``, every input's ``_ap_vld`` and
``ap_ready`` are high. Each layer is combinational logic ending in one register. At reuse factor
1 that register loads every cycle: the layer takes one cycle and a new sample every cycle. At
reuse factor R > 1 a layer shares ``ceil(n / R)`` multipliers among its n products over R cycles
and its register loads in the R-th: it takes R cycles. Dense and convolutions keep each output's
running sum in a register from cycle to cycle. Where the sum is exact, each multiplier takes R
consecutive products (as hls4ml's resource strategy does), so it works for one output and its
product feeds one adder, which Yosys packs into the DSP; where the accumulator rounds or
saturates, each cycle computes whole outputs' products in their order. Other layers hold the
products of the first R - 1 cycles in registers, and the last cycle's feed the logic directly.
The design's II is the largest R of a layer with products (a layer without any takes one cycle
at any R); at II > 1 the inputs are captured in registers when accepted (one more cycle of
latency) and ``ap_ready`` is low for II - 1 cycles after an accept. Where a layer's inputs come
from paths of different latency, the earlier ones pass through delay registers; the outputs are
aligned the same way, so every output's ``_ap_vld`` and ``ap_done`` rise together, latency
cycles after the accept. ``interface.json`` beside the Verilog states ports, packing, types,
latency and II.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.adder_graph import code_range
from hlsfx.codegen.limits import check_parallel_size
from hlsfx.codegen.names import design_names
from hlsfx.codegen.output_folder import OutputFolder
from hlsfx.codegen.rtl.distributed import DEFAULT_ADDER_DEPTH, Pipeline
from hlsfx.codegen.rtl.expressions import (
    Signal,
    any_bit,
    bit_and,
    bit_literal,
    concat,
    const,
    invert,
)
from hlsfx.codegen.rtl.interface import INTERFACE, Interface, PortField, TensorInterface
from hlsfx.codegen.rtl.layers import DISTRIBUTED_LAYERS, RTL_LAYERS
from hlsfx.codegen.rtl.multipliers import Multipliers
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.codegen.rtl.ports import PORT_STYLES, wrap
from hlsfx.codegen.rtl.rtl_layer import RtlLayer
from hlsfx.codegen.strategies import DISTRIBUTED, check_distributed, layer_strategies
from hlsfx.codegen.vectors import design_vectors, vectors_text

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["MAX_RTL_PRODUCTS", "reuse_factors", "write_parallel_rtl"]

MAX_RTL_PRODUCTS = 200_000
"""products one design may hold (io_parallel writes every one of them out)"""


def reuse_factors(qm: QuantizedModel, reuse_factor: int | Mapping[str, int]) -> dict[str, int]:
    """Each layer's reuse factor: one for all, or per layer name (others 1)."""
    names = {layer.name for layer in qm.graph.layers}
    if isinstance(reuse_factor, Mapping):
        unknown = sorted(set(reuse_factor) - names)
        if unknown:
            raise ValueError(f"reuse_factor names layers the model does not have: {unknown}")
        chosen = {name: reuse_factor.get(name, 1) for name in names}
    else:
        chosen = dict.fromkeys(names, reuse_factor)
    for layer in qm.graph.layers:
        r = chosen[layer.name]
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(
                f"{layer.describe()}: reuse factor must be a positive integer, not {r!r}"
            )
        products = _products(qm, layer)
        if products and r > products:  # a layer without products shares nothing: R is moot
            raise ValueError(
                f"{layer.describe()}: reuse factor {r:,} is more than its {products:,} "
                "multiplications (the most it can share them over)"
            )
    return chosen


def _products(qm: QuantizedModel, layer) -> int:
    """The multiplications a layer makes per sample (0 for a layer without any)."""
    weight = qm.precisions[layer.name].params.get("weight")
    outputs = math.prod(qm.graph.shapes[layer.output])
    if weight is not None and layer.kind.weighted:
        return outputs * (weight.size // weight.shape[-1])
    return outputs if "scale" in layer.kind.roles else 0


def _check_size(qm: QuantizedModel) -> None:
    """Refuse, before anything slow, a model with more products than an io_parallel design
    should write out."""
    check_parallel_size(qm)
    total = 0
    for layer in qm.graph.layers:
        if layer.kind.weighted:
            total += _products(qm, layer)
            if total > MAX_RTL_PRODUCTS:
                raise ValueError(
                    f"{layer.describe()}: the model needs over {total:,} products up to this "
                    f"layer; the RTL writer takes at most {MAX_RTL_PRODUCTS:,} (io_parallel)"
                )


class _Delays:
    """Signals delayed by whole cycles through registers, each delay register made once."""

    def __init__(self, net: Netlist):
        self.net, self.made = net, {}

    def bus(self, bus: Signal, cycles: int) -> Signal:
        """``bus`` delayed by ``cycles``."""
        for k in range(1, cycles + 1):
            name = f"{bus.name}_d{k}"
            if name not in self.made:
                source = bus if k == 1 else self.made[f"{bus.name}_d{k - 1}"]
                delayed = self.net.reg(name, bus.width, owner=bus.owner)
                self.net.clocked(delayed, (None, source))
                self.made[name] = delayed
        return self.made[f"{bus.name}_d{cycles}"] if cycles else bus


@dataclass(frozen=True)
class _Placed:
    """A layer built into the netlist: its sections (title and input placement, filled once
    the timing is known), input wires, output register, multipliers or adder pipeline, the
    phases its multipliers take turns in (its reuse factor, 1 without products) and the
    cycles it takes."""

    title: int
    placing: int
    inputs: tuple[Signal, ...]
    output: Signal
    mults: Multipliers
    pipeline: Pipeline | None
    description: str
    phases: int
    cycles: int


def _build_layer(
    net: Netlist,
    qm: QuantizedModel,
    layer,
    name: str,
    reuse: int,
    width: dict[str, int],
    pipeline: Pipeline | None,
) -> _Placed:
    """The layer's logic, from its input wires (driven later) to its output register."""
    graph, t_of = qm.graph, qm.tensor_types
    net.owner = name
    title, placing = net.section(), net.section()
    net.section()
    suffixes = ["in"] if len(layer.inputs) == 1 else [f"in{i}" for i in range(len(layer.inputs))]
    inputs = tuple(
        net.wire(f"{name}_{suffix}", width[t])
        for suffix, t in zip(suffixes, layer.inputs, strict=True)
    )
    output = net.wire(f"{name}_next", width[layer.output])
    mults = Multipliers(net, name, reuse)
    c = RtlLayer(
        net=net,
        name=name,
        layer=layer,
        p=qm.precisions[layer.name],
        in_types=tuple(t_of[t] for t in layer.inputs),
        in_shapes=tuple(graph.shapes[t] for t in layer.inputs),
        inputs=inputs,
        output=output,
        mults=mults,
        pipeline=pipeline,
        x_range=code_range(qm, layer.inputs[0]),
    )
    description = RTL_LAYERS[layer.kind](c)
    mults.build()
    register = net.reg(f"{name}_reg", width[layer.output])
    phases = reuse if mults.products else 1
    net.clocked(register, (mults.phase.bit(phases - 1) if phases > 1 else None, output))
    cycles = pipeline.stages if pipeline is not None else phases
    return _Placed(title, placing, inputs, register, mults, pipeline, description, phases, cycles)


def _pipelines(
    qm: QuantizedModel,
    strategy: str | Mapping[str, str],
    reuse: dict[str, int],
    max_adder_depth: int | None,
) -> dict[str, Pipeline | None]:
    """Each layer's adder pipeline where its strategy is distributed (reuse factor 1)."""
    chosen = layer_strategies(qm, strategy, DISTRIBUTED_LAYERS)
    if max_adder_depth is not None and DISTRIBUTED not in chosen.values():
        raise ValueError(
            f"max_adder_depth {max_adder_depth!r} sets the pipeline of distributed "
            "layers, and no layer is distributed"
        )
    max_adder_depth = DEFAULT_ADDER_DEPTH if max_adder_depth is None else max_adder_depth
    pipelines: dict[str, Pipeline | None] = {}
    for layer in qm.graph.layers:
        check_distributed(qm, layer, chosen[layer.name], reuse[layer.name], DISTRIBUTED_LAYERS)
        distributed = chosen[layer.name] == DISTRIBUTED
        pipelines[layer.name] = Pipeline(max_adder_depth) if distributed else None
    return pipelines


def write_parallel_rtl(
    qm: QuantizedModel,
    path: str | Path,
    *,
    reuse_factor: int | Mapping[str, int] = 1,
    top: str = "myproject",
    ports: str = "ap_vld",
    vectors: Any = 100,
    strategy: str | Mapping[str, str] = "latency",
    max_adder_depth: int | None = None,
) -> Path:
    """Write ``qm`` as Verilog (``<top>.v``), its interface description (``interface.json``)
    and test vectors with the emulator's outputs (``tb_data/``, as for an HLS project: a
    number of random samples, or raw input codes) into the folder ``path``; returns it.

    ``reuse_factor`` is one for every layer or ``{layer name: R}`` (others 1). ``ports`` is
    hlsfx's ``ap_vld`` (one bus per tensor) or a Vivado HLS convention around it,
    ``ap_vld_elements`` or ``axis`` (see :mod:`hlsfx.codegen.rtl.ports`). ``strategy`` is
    ``"latency"`` or ``"resource"`` (multipliers) or ``"distributed"`` (Dense and
    convolutions as shift-add graphs, no multiplier: :mod:`hlsfx.codegen.rtl.distributed`),
    for all layers or by layer and kind name; a distributed layer chains at most
    ``max_adder_depth`` adders per pipeline stage (default 4; an error when no layer is
    distributed)."""
    if ports not in PORT_STYLES:
        raise ValueError(f"ports {ports!r} is not one of {', '.join(PORT_STYLES)}")
    core = top if ports == "ap_vld" else f"{top}_core"
    graph, t_of = qm.graph, qm.tensor_types
    reuse = reuse_factors(qm, reuse_factor)
    pipelines = _pipelines(qm, strategy, reuse, max_adder_depth)
    _check_size(qm)
    size = {t: math.prod(s) for t, s in graph.shapes.items()}
    width = {t: size[t] * t_of[t].width for t in graph.shapes}
    names = design_names(top, graph.inputs, [layer.name for layer in graph.layers])
    port, ident = dict(names.inputs), names.layers
    folder = OutputFolder(path, "rtl")
    codes, expected = design_vectors(qm, vectors)
    for layer in graph.layers:
        port.setdefault(layer.output, f"{ident[layer.name]}_out")

    net = Netlist()
    head = 0
    placed = {
        layer.name: _build_layer(
            net, qm, layer, ident[layer.name], reuse[layer.name], width, pipelines[layer.name]
        )
        for layer in graph.layers
    }
    mults = {n: p.mults for n, p in placed.items()}
    cycles = {n: p.cycles for n, p in placed.items()}
    ii = max((p.phases for p in placed.values()), default=1)

    # timing: the cycle (after the accept) from which each tensor's bus holds its value
    ready = {t: (1 if ii > 1 else 0) for t in graph.inputs}
    start = {}
    for layer in graph.layers:
        start[layer.name] = max(ready[t] for t in layer.inputs)
        ready[layer.output] = start[layer.name] + cycles[layer.name]
    latency = max(ready[t] for t in graph.outputs)

    net.owner = None
    control = {
        name: net.port(direction, name, 1)
        for direction, name in (
            ("input", "ap_clk"),
            ("input", "ap_rst"),
            ("input", "ap_start"),
            ("output", "ap_done"),
            ("output", "ap_idle"),
            ("output", "ap_ready"),
        )
    }
    data = {t: net.port("input", port[t], width[t], owner=port[t]) for t in graph.inputs}
    valids = [net.port("input", f"{port[t]}_ap_vld", 1) for t in graph.inputs]
    outs = {t: net.port("output", port[t], width[t]) for t in graph.outputs}
    out_valids = [net.port("output", f"{port[t]}_ap_vld", 1) for t in graph.outputs]
    bus = dict(data)
    with net.into(head):
        accept = net.wire("accept", 1, bit_and(control["ap_start"], *valids, control["ap_ready"]))
        net.comment(f"valid[k]: a sample was accepted k + 1 cycles ago (k = 0 .. {latency - 1})")
        valid = net.reg("valid", latency)
        shifted = concat([valid.bits(0, latency - 1), accept]) if latency > 1 else accept
        net.clocked(valid, (control["ap_rst"], const(0, latency)), (None, shifted))
        ready_now = invert(any_bit(valid.bits(0, ii - 1))) if ii > 1 else bit_literal(1)
        net.assign(control["ap_ready"], ready_now)
        if ii > 1:
            for t in graph.inputs:
                bus[t] = net.reg(f"{port[t]}_reg", width[t], owner=port[t])
                net.clocked(bus[t], (accept, data[t]))
    delays = _Delays(net)
    for layer in graph.layers:
        name, s, r, here = (
            ident[layer.name],
            start[layer.name],
            cycles[layer.name],
            placed[layer.name],
        )
        n_mult = len(here.mults.products)
        units = len(here.mults.shared())
        phases = here.phases
        if here.pipeline is not None:
            work = (
                f"{here.pipeline.adders} adders in {r} pipeline stages of at most "
                f"{here.pipeline.max_adder_depth} (distributed)"
            )
        else:
            work = f"{n_mult} products" + (
                f" on {units} multipliers (reuse factor {phases})" if phases > 1 else ""
            )
        with net.into(here.title):
            net.comment("")
            net.comment(
                f"---- {name}: {here.description}; cycles {s} .. {s + r - 1} after the "
                f"accept; {work}",
                owner=name,
            )
        with net.into(here.placing):
            for wire, t in zip(here.inputs, layer.inputs, strict=True):
                net.drive(wire, delays.bus(bus[t], s - ready[t]))
            if phases > 1:
                net.drive(here.mults.phase, valid.bits(s - 1, phases))
        bus[layer.output] = here.output
    net.section()
    net.comment("")
    for t in graph.outputs:
        net.assign(outs[t], delays.bus(bus[t], latency - ready[t]))
    for signal in (*out_valids, control["ap_done"]):
        net.assign(signal, valid.bit(latency - 1))
    net.assign(control["ap_idle"], bit_and(invert(control["ap_start"]), invert(any_bit(valid))))
    lines = [
        "`default_nettype none",
        f"// {core}: written by hlsfx; latency {latency} cycles, II {ii}.",
        *net.lines(core),
    ]
    left_out = set(net.left_out())

    def description(tensor: str) -> TensorInterface:
        t = t_of[tensor]
        field = PortField(port[tensor], 0, size[tensor], f"{port[tensor]}_ap_vld")
        return TensorInterface(
            tensor, size[tensor], t.width, t.signed, str(t), graph.shapes[tensor], (field,)
        )

    def _timing(layer: str) -> dict:
        m, pipeline = mults[layer], placed[layer].pipeline
        timing = {
            "first_cycle": start[layer],
            "cycles": cycles[layer],
            "reuse_factor": reuse[layer],
            "strategy": DISTRIBUTED if pipeline else "multipliers",
            "products": len(m.products),
            "multipliers": len(m.shared()),
            "left_out": ident[layer] in left_out,
        }
        if pipeline is not None:
            timing.update(
                {
                    "max_adder_depth": pipeline.max_adder_depth,
                    "adder_depth": pipeline.adder_depth,
                    "adders": pipeline.adders,
                    "adder_bits": pipeline.adder_bits,
                    "adders_unshared": pipeline.adders_unshared,
                }
            )
        return timing

    interface = Interface(
        top=top,
        sources=(f"{top}.v",),
        protocol="ap_vld",
        packing="element k of a tensor (channels-last, row-major) at bits [k*width +: width], "
        "a raw two's complement code of its type",
        clock="ap_clk",
        reset="ap_rst",
        reset_active=1,
        start="ap_start",
        done="ap_done",
        ready="ap_ready",
        inputs=tuple(description(t) for t in graph.inputs),
        outputs=tuple(description(t) for t in graph.outputs),
        latency=latency,
        ii=ii,
        layers={layer.name: _timing(layer.name) for layer in graph.layers},
    )
    lines += ["`default_nettype wire", ""]
    folder.add(f"{core}.v", "\n".join(lines))
    if ports != "ap_vld":
        wrapper, interface = wrap(ports, top, core, interface)
        interface = replace(interface, sources=(f"{top}.v", f"{core}.v"))
        text = [
            "`default_nettype none",
            f"// {top}: the {ports} ports of Vivado HLS around {core}",
            *wrapper,
            "`default_nettype wire",
            "",
        ]
        folder.add(f"{top}.v", "\n".join(text))
    folder.add(INTERFACE, interface.to_json())
    for name, tensors, values in (
        ("inputs", graph.inputs, codes),
        ("expected", graph.outputs, expected),
    ):
        folder.add(f"tb_data/{name}_raw.dat", vectors_text(values, list(tensors)))
    root = folder.commit()
    return root
