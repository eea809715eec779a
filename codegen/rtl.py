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

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.limits import check_parallel_size
from hlsfx.codegen.names import design_names
from hlsfx.codegen.output_folder import OutputFolder
from hlsfx.codegen.rtl_layers import RTL_LAYERS, Multipliers, RtlLayer, exempt_unread_lanes
from hlsfx.codegen.rtl_ports import PORT_STYLES, wrap
from hlsfx.codegen.vectors import design_vectors, vectors_text

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["INTERFACE", "MAX_RTL_PRODUCTS", "write_rtl"]

INTERFACE = "interface.json"
MAX_RTL_PRODUCTS = 200_000
"""products one design may hold (io_parallel writes every one of them out)"""


def _reuse_factors(qm: QuantizedModel, reuse_factor: int | Mapping[str, int]) -> dict[str, int]:
    """Each layer's reuse factor: one for all, or per layer name (others 1)."""
    names = {layer.name for layer in qm.graph.layers}
    if isinstance(reuse_factor, Mapping):
        unknown = sorted(set(reuse_factor) - names)
        if unknown:
            raise ValueError(f"reuse_factor names layers the model does not have: {unknown}")
        chosen = {name: reuse_factor.get(name, 1) for name in names}
    else:
        chosen = dict.fromkeys(names, reuse_factor)
    for name, r in chosen.items():
        if isinstance(r, bool) or not isinstance(r, int) or r < 1:
            raise ValueError(f"layer {name!r}: reuse factor must be a positive integer, not {r!r}")
    return chosen


def _check_size(qm: QuantizedModel) -> None:
    """Refuse, before anything slow, a model with more products than an io_parallel design
    should write out."""
    check_parallel_size(qm)
    total = 0
    for layer in qm.graph.layers:
        weight = qm.precisions[layer.name].params.get("weight")
        if weight is not None and layer.kind.weighted:
            outputs = math.prod(qm.graph.shapes[layer.output])
            total += outputs * (weight.size // weight.shape[-1])
            if total > MAX_RTL_PRODUCTS:
                raise ValueError(
                    f"{layer.describe()}: the model needs over {total:,} products up to this "
                    f"layer; the RTL writer takes at most {MAX_RTL_PRODUCTS:,} (io_parallel)"
                )


class _Delays:
    """Buses delayed by whole cycles through registers, each delay register written once."""

    def __init__(self, clock: str):
        self.clock, self.made = clock, set()

    def bus(self, bus: str, width: int, cycles: int) -> tuple[str, list[str]]:
        """The name of ``bus`` delayed by ``cycles``, and the registers it newly needs."""
        lines = []
        for k in range(1, cycles + 1):
            name = f"{bus}_d{k}"
            if name not in self.made:
                self.made.add(name)
                source = bus if k == 1 else f"{bus}_d{k - 1}"
                lines += [
                    f"reg [{width - 1}:0] {name};",
                    f"always @(posedge {self.clock}) {name} <= {source};",
                ]
        return (f"{bus}_d{cycles}" if cycles else bus), lines


def write_rtl(
    qm: QuantizedModel,
    path: str | Path,
    *,
    reuse_factor: int | Mapping[str, int] = 1,
    top: str = "myproject",
    ports: str = "ap_vld",
    vectors: Any = 100,
) -> Path:
    """Write ``qm`` as Verilog (``<top>.v``), its interface description (``interface.json``)
    and test vectors with the emulator's outputs (``tb_data/``, as for an HLS project: a
    number of random samples, or raw input codes) into the folder ``path``; returns it.

    ``reuse_factor`` is one for every layer or ``{layer name: R}`` (others 1). ``ports`` is
    hlsfx's ``ap_vld`` (one bus per tensor) or a Vivado HLS convention around it,
    ``ap_vld_elements`` or ``axis`` (see :mod:`hlsfx.codegen.rtl_ports`)."""
    if ports not in PORT_STYLES:
        raise ValueError(f"ports {ports!r} is not one of {', '.join(PORT_STYLES)}")
    core = top if ports == "ap_vld" else f"{top}_core"
    graph, t_of = qm.graph, qm.tensor_types
    reuse = _reuse_factors(qm, reuse_factor)
    _check_size(qm)
    size = {t: math.prod(s) for t, s in graph.shapes.items()}
    width = {t: size[t] * t_of[t].width for t in graph.shapes}
    names = design_names(top, graph.inputs, [layer.name for layer in graph.layers])
    port, ident = dict(names.inputs), names.layers
    folder = OutputFolder(path, "rtl")
    codes, expected = design_vectors(qm, vectors)
    for layer in graph.layers:
        port.setdefault(layer.output, f"{ident[layer.name]}_out")

    # every layer's Verilog, and its multipliers
    bodies, mults = {}, {}
    for layer in graph.layers:
        name = ident[layer.name]
        mults[layer.name] = Multipliers(name)
        c = RtlLayer(
            name=name, layer=layer, p=qm.precisions[layer.name],
            in_types=tuple(t_of[t] for t in layer.inputs),
            in_shapes=tuple(graph.shapes[t] for t in layer.inputs),
            in_buses=tuple(f"@{i}@" for i in range(len(layer.inputs))),  # placed once timed
            out_bus=f"{name}_next", mults=mults[layer.name], reuse=reuse[layer.name],
        )  # fmt: skip
        bodies[layer.name] = exempt_unread_lanes(RTL_LAYERS[layer.kind](c), c.lane_wires)
    cycles = {n: (reuse[n] if mults[n].products else 1) for n in reuse}
    ii = max(cycles.values(), default=1)

    # timing: the cycle (after the accept) from which each tensor's bus holds its value
    ready = {t: (1 if ii > 1 else 0) for t in graph.inputs}
    start = {}
    for layer in graph.layers:
        start[layer.name] = max(ready[t] for t in layer.inputs)
        ready[layer.output] = start[layer.name] + cycles[layer.name]
    latency = max(ready[t] for t in graph.outputs)

    clock = "ap_clk"
    delays = _Delays(clock)
    bus = {t: (f"{port[t]}_reg" if ii > 1 else port[t]) for t in graph.inputs}
    lines = [
        "`default_nettype none",
        f"// {core}: written by hlsfx; latency {latency} cycles, II {ii}.",
        f"module {core} (",
        "    input wire ap_clk,",
        "    input wire ap_rst,",
        "    input wire ap_start,",
        "    output wire ap_done,",
        "    output wire ap_idle,",
        "    output wire ap_ready,",
    ]
    declared = [f"input wire [{width[t] - 1}:0] {port[t]}" for t in graph.inputs]
    declared += [f"input wire {port[t]}_ap_vld" for t in graph.inputs]
    declared += [f"output wire [{width[t] - 1}:0] {port[t]}" for t in graph.outputs]
    declared += [f"output wire {port[t]}_ap_vld" for t in graph.outputs]
    lines += [f"    {p}," for p in declared[:-1]] + [f"    {declared[-1]}", ");"]
    vld = " & ".join(f"{port[t]}_ap_vld" for t in graph.inputs)
    lines += [
        f"wire accept = ap_start & {vld} & ap_ready;",
        f"// valid[k]: a sample was accepted k cycles ago (k = 1 .. {latency})",
        f"reg [{latency}:1] valid;",
        "always @(posedge ap_clk) begin",
        "    if (ap_rst) valid <= 0;",
        f"    else valid <= {{valid[{latency - 1}:1], accept}};"
        if latency > 1
        else "    else valid <= accept;",
        "end",
        f"assign ap_ready = ~(|valid[{ii - 1}:1]);" if ii > 1 else "assign ap_ready = 1'b1;",
    ]
    if ii > 1:
        for t in graph.inputs:
            lines += [
                f"reg [{width[t] - 1}:0] {bus[t]};",
                f"always @(posedge ap_clk) if (accept) {bus[t]} <= {port[t]};",
            ]
    lines.append("")
    for layer in graph.layers:
        name, s, r = ident[layer.name], start[layer.name], cycles[layer.name]
        body = bodies[layer.name]
        for i, t in enumerate(layer.inputs):
            placed, registers = delays.bus(bus[t], width[t], s - ready[t])
            lines += registers
            body = [line.replace(f"@{i}@", placed) for line in body]
        n_mult = len(mults[layer.name].products)
        units = len(mults[layer.name].shared(r)) if n_mult else 0
        lines.append(
            f"// ---- {name}: cycles {s} .. {s + r - 1} after the accept; {n_mult} products"
            + (f" on {units} multipliers (reuse factor {r})" if r > 1 else "")
        )
        lines += [f"wire [{width[layer.output] - 1}:0] {name}_next;",
                  f"reg [{width[layer.output] - 1}:0] {name}_reg;"]  # fmt: skip
        if r > 1:
            lines.append(f"wire [{r - 1}:0] {name}_phase = valid[{s + r - 1}:{s}];")
        lines += body
        lines += mults[layer.name].lines(r, f"{name}_phase", clock)
        load = f"if ({name}_phase[{r - 1}]) " if r > 1 else ""
        lines += [f"always @(posedge ap_clk) {load}{name}_reg <= {name}_next;", ""]
        bus[layer.output] = f"{name}_reg"
    for t in graph.outputs:
        placed, registers = delays.bus(bus[t], width[t], latency - ready[t])
        lines += [*registers, f"assign {port[t]} = {placed};"]
        lines.append(f"assign {port[t]}_ap_vld = valid[{latency}];")
    lines += [
        f"assign ap_done = valid[{latency}];",
        "assign ap_idle = ~ap_start & ~(|valid);",
        "endmodule",
    ]

    def description(tensor: str) -> dict:
        t = t_of[tensor]
        field = {"data": port[tensor], "valid": f"{port[tensor]}_ap_vld", "first": 0,
                 "count": size[tensor]}  # fmt: skip
        return {"tensor": tensor, "size": size[tensor], "width": t.width, "signed": t.signed,
                "type": str(t), "shape": list(graph.shapes[tensor]), "ports": [field]}  # fmt: skip

    def _timing(layer: str) -> dict:
        m = mults[layer]
        return {
            "first_cycle": start[layer], "cycles": cycles[layer], "reuse_factor": reuse[layer],
            "products": len(m.products), "multipliers": len(m.shared(cycles[layer])),
        }  # fmt: skip

    interface = {
        "top": top,
        "sources": [f"{top}.v"],
        "protocol": "ap_vld",
        "packing": "element k of a tensor (channels-last, row-major) at bits [k*width +: width], "
        "a raw two's complement code of its type",
        "clock": "ap_clk",
        "reset": "ap_rst",
        "reset_active": 1,
        "start": "ap_start",
        "done": "ap_done",
        "ready": "ap_ready",
        "inputs": [description(t) for t in graph.inputs],
        "outputs": [description(t) for t in graph.outputs],
        "latency": latency,
        "ii": ii,
        "layers": {layer.name: _timing(layer.name) for layer in graph.layers},
    }
    lines += ["`default_nettype wire", ""]
    folder.add(f"{core}.v", "\n".join(lines))
    if ports != "ap_vld":
        wrapper, interface = wrap(ports, top, core, interface)
        interface["sources"] = [f"{top}.v", f"{core}.v"]
        text = ["`default_nettype none", f"// {top}: the {ports} ports of Vivado HLS around {core}",
                *wrapper, "`default_nettype wire", ""]  # fmt: skip
        folder.add(f"{top}.v", "\n".join(text))
    folder.add(INTERFACE, json.dumps(interface, indent=2) + "\n")
    for name, tensors, values in (
        ("inputs", graph.inputs, codes),
        ("expected", graph.outputs, expected),
    ):
        folder.add(f"tb_data/{name}_raw.dat", vectors_text(values, list(tensors)))
    root = folder.commit()
    return root
