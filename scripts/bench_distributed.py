"""The distributed strategy against multipliers and against da4ml, for ``bench_rtl.py
--strategy distributed``.

Per configuration of the jet tagger, one table: the multiplier RTL (DSPs, and ``-nodsp``) and
the distributed RTL, each synthesized with Yosys ``synth_xilinx -family xc7``: LUT, FF, DSP,
CARRY, LUT levels (the most on any path; into the pipeline registers by stage), latency,
Verilog generation time, adders with and without shared terms, and every design co-simulated
on Verilator (``vectors``) and at gate level (``netlist_vectors``; the Yosys netlist with its
cell models flattened in, on Verilator, which builds a netlist of 30k LUTs in about 10 minutes
where Icarus needs longer and 6 GB); a failing
co-simulation stops the script. Then the two configurations da4ml 0.6.0 was measured on (the
jet tagger without its softmax, exact sums, ReLU outputs truncated and saturated): hlsfx's
distributed RTL and, when da4ml is installed (``pip install -e .[bench]``: da4ml 0.6.0, a
benchmark dependency only), da4ml's combinational Verilog of the same network in the same run.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import hlsfx
from hlsfx.cosim.simulate import run
from hlsfx.cosim.yosys import synth, synth_sources
from hlsfx.ir.graph import Graph
from hlsfx.model import QuantizedModel

DA4ML_CONFIGS = {
    "weights ap_fixed<8,3>, activations ap_fixed<16,6>": ("ap_fixed<8,3>", "ap_fixed<16,6>"),
    "weights ap_fixed<6,2>, activations ap_fixed<10,4>": ("ap_fixed<6,2>", "ap_fixed<10,4>"),
}
DA4ML_LUTS = {
    "weights ap_fixed<8,3>, activations ap_fixed<16,6>": 69_091,
    "weights ap_fixed<6,2>, activations ap_fixed<10,4>": 38_154,
}
"""da4ml 0.6.0's LUTs as issue 18 quotes them (Yosys synth_xilinx -family xc7 -flatten)"""


_GENERATE = """
import sys, time, hlsfx
qm = hlsfx.configure(hlsfx.load(sys.argv[1]), sys.argv[2])
start = time.perf_counter()
qm.write_rtl(sys.argv[3], strategy="distributed", vectors=int(sys.argv[4]))
print(time.perf_counter() - start)
"""


def generation_seconds(model: Path, precision: str, vectors: int) -> tuple[float, float]:
    """Seconds to write ``model``'s distributed RTL at ``precision`` (``vectors`` test vectors
    included) in a fresh Python: with an empty numba cache (every kernel compiled first), then
    with the cache that run left."""
    times = []
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(scratch) / "numba")}
        for run_ in ("cold", "warm"):
            done = subprocess.run(
                [
                    sys.executable,
                    "-c",
                    _GENERATE,
                    str(model),
                    precision,
                    str(Path(scratch) / run_),
                    str(vectors),
                ],
                env=env,
                cwd=scratch,
                capture_output=True,
                text=True,
                check=True,
            )
            times.append(float(done.stdout.split()[-1]))
    return times[0], times[1]


def without_softmax(graph: Graph) -> Graph:
    """The jet tagger up to its last Dense (da4ml's benchmark leaves the softmax out)."""
    layers = graph.layers[:-1]
    shapes = {t: s for t, s in graph.shapes.items() if t != graph.layers[-1].output}
    return dataclasses.replace(
        graph, layers=layers, outputs=(layers[-1].output,), output_layouts={}, shapes=shapes
    )


def da4ml_model(graph: Graph, weight: str, activation: str) -> QuantizedModel:
    """da4ml's benchmark configuration: weights and biases rounded to nearest and saturated,
    the input quantized, every Dense's sum exact, each ReLU's output truncated and
    saturated to ``activation``."""
    graph = without_softmax(graph)
    w = weight.replace(">", ",AP_RND,AP_SAT>")
    kinds = {
        "Dense": {"weight": w, "bias": w},
        "ReLU": {"result": activation.replace(">", ",AP_TRN,AP_SAT>")},
    }
    inputs = {graph.inputs[0]: activation}
    exact = hlsfx.configure(graph, activation, kinds=kinds, inputs=inputs)
    layers = {
        layer.name: {"result": str(exact.precisions[layer.name].types["accum"])}
        for layer in graph.layers
        if layer.kind.weighted
    }
    return hlsfx.configure(graph, activation, kinds=kinds, layers=layers, inputs=inputs)


def stage_levels(by_register: dict[str, int]) -> str:
    """LUT levels into the pipeline registers ``*_s<k>``, the most per stage boundary k."""
    stages: dict[int, int] = {}
    for name, levels in by_register.items():
        found = re.search(r"_s(\d+)$", name)
        if found:
            k = int(found.group(1))
            stages[k] = max(stages.get(k, 0), levels)
    return " ".join(str(stages[k]) for k in sorted(stages)) or "-"


def measure(
    qm: QuantizedModel,
    folder: Path,
    name: str,
    options: dict,
    vectors: int,
    netlist_vectors: int,
    dsp: bool = True,
) -> dict:
    """Write, synthesize and co-simulate one design; its row."""
    start = time.perf_counter()
    project = qm.write_rtl(folder / name, vectors=vectors, **options)
    written = time.perf_counter() - start
    result = synth(project, dsp=dsp)
    interface = json.loads((project / "interface.json").read_text())
    row = {"design": name, "write s": written, "yosys s": result.seconds}
    row.update({k: result.resources[k] for k in ("LUT", "FF", "DSP", "CARRY")})
    row["LUT levels"] = result.depth.levels
    row["levels per stage"] = stage_levels(result.depth.by_register)
    layers = interface["layers"].values()
    if options.get("strategy") == "distributed":
        row["adders"] = sum(layer.get("adders", 0) for layer in layers)
        row["adders unshared"] = sum(layer.get("adders_unshared", 0) for layer in layers)
        row["adder bits"] = sum(layer.get("adder_bits", 0) for layer in layers)
    runs = [("verilator", vectors, False)] + [("verilator", netlist_vectors, True)] * (
        netlist_vectors > 0
    )
    for simulator, count, netlist in runs:
        start = time.perf_counter()
        done = run(project, simulator=simulator, vectors=count, netlist=netlist)
        if not done.passed:
            raise SystemExit(done.summary())
        row["latency"], row["II"] = done.latency, done.ii
        row[f"{'gate level' if netlist else simulator} s"] = time.perf_counter() - start
    row["cosim"] = f"PASS {vectors}" + (
        f" + gate level {netlist_vectors}" if netlist_vectors else ""
    )
    return row


def da4ml_row(qm: QuantizedModel, folder: Path) -> dict | None:
    """da4ml 0.6.0's combinational Verilog of ``qm``'s network (the same quantized constants
    and types), synthesized alike; None when da4ml is not installed."""
    try:
        from da4ml.codegen import RTLModel
        from da4ml.trace import FixedVariableArrayInput, comb_trace
        from da4ml.trace.ops import quantize, relu
    except ImportError:
        return None
    start = time.perf_counter()
    x_t = qm.tensor_types[qm.graph.inputs[0]]
    inputs = FixedVariableArrayInput(qm.graph.shapes[qm.graph.inputs[0]])
    h = quantize(inputs, 1, x_t.integer - 1, x_t.fractional)
    for layer in qm.graph.layers:
        p = qm.precisions[layer.name]
        if layer.kind.weighted:
            h = h @ (p.params["weight"] * float(p.types["weight"].lsb)) + p.params["bias"] * float(
                p.types["bias"].lsb
            )
        else:  # a ReLU, truncated and saturated to its result
            r_t = p.types["result"]
            h = quantize(relu(h), 1, r_t.integer - 1, r_t.fractional, "SAT", "TRN")
    logic = comb_trace(inputs, h)
    target = folder / "da4ml"
    shutil.rmtree(target, ignore_errors=True)
    RTLModel(logic, "jet", target, flavor="verilog").write()
    written = time.perf_counter() - start
    sources = [target / "src" / "jet.v"] + [
        p for p in sorted((target / "src" / "static").glob("*.v")) if p.name != "lookup_table.v"
    ]
    result = synth_sources(sources, "jet", folder / "da4ml_synth")
    row = {"design": "da4ml 0.6.0 (combinational)", "write s": written, "yosys s": result.seconds}
    row.update({k: result.resources[k] for k in ("LUT", "FF", "DSP", "CARRY")})
    row["LUT levels"] = result.depth.levels
    return row
