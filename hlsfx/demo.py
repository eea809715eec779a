"""``hlsfx demo``: the whole flow on the shipped jet tagger, offline.

Load the model and its test jets, scan the fixed-point width with a progress bar, plot
accuracy against width and against estimated multiplier cost, pick the narrowest width within
one point of the float model's accuracy, write the HLS C++ project and the Verilog RTL of that
configuration, and run the C simulation and the RTL co-simulation where their tools are here
(saying what was skipped and how to get it otherwise).
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from pathlib import Path

__all__ = ["run_demo"]

BUDGET = 0.01
"""The accuracy the chosen configuration may lose against the float model."""


def _step(text: str) -> None:
    print(f"\n== {text}", flush=True)


def run_demo(out: str | Path, quick: bool = False) -> int:
    """Run the demo, writing into ``out``; 0 when every step that ran passed."""
    import hlsfx
    from hlsfx import plots
    from hlsfx.codegen.output_folder import output_path
    from hlsfx.scan import grid, scan

    start = time.perf_counter()
    out = output_path(out, "the demo's folder")
    out.mkdir(parents=True, exist_ok=True)
    example = hlsfx.examples.load("jet_mlp")
    n = 20_000 if quick else len(example.x_test)
    x, y = example.x_test[:n], example.y_test[:n]
    _step(f"model: {example.name}, {example.info.description}")
    print(f"float model accuracy on the test set: {example.info.float_accuracy:.4f}")

    widths = range(4, 13) if quick else range(4, 19)
    _step(
        f"scanning ap_fixed<W, auto> for W = {widths.start}..{widths.stop - 1} "
        f"on {n:,} jets (integer bits from the data)"
    )
    results = scan(example.graph, x, y, grid(widths, "auto"), out=out / "scan", progress=True)
    float_accuracy = float(example.info.float_accuracy)
    for r in results:
        print(f"  {r.point.label:40} accuracy {r.accuracy:.4f}  overflows {r.overflow_total:,}")
    written = plots.accuracy_vs_width(
        results,
        out / "accuracy_vs_width",
        float_accuracy=float_accuracy,
        title="Jet tagger: accuracy against fixed-point width",
    )
    written += plots.accuracy_vs_resources(
        results, out / "accuracy_vs_resources", float_accuracy=float_accuracy
    )

    good = [r for r in results if r.accuracy is not None and r.accuracy >= float_accuracy - BUDGET]
    chosen = min(good, key=lambda r: r.point.width) if good else results[-1]
    qm = hlsfx.configure(example.graph, config=chosen.config)
    config = qm.save_config(out / "chosen.yaml")
    _step(
        f"chosen: {chosen.point.label}, accuracy {chosen.accuracy:.4f} "
        f"(float {float_accuracy:.4f}, budget {BUDGET:.0%}), {chosen.resources['bops']:,} BOPs"
    )
    written += plots.profile(qm, x[:5000], out / "profile")

    _step("writing the HLS C++ project and the Verilog RTL")
    hls = qm.write_hls(out / "hls_project", vectors=100)
    rtl = qm.write_rtl(out / "rtl", vectors=50)
    print(f"HLS project: {hls}\nVerilog RTL: {rtl}")

    failed = 0
    _step("C simulation (g++ against the real ap_fixed.h)")
    try:
        from hlsfx.ap_types import find_ap_types

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

    _step("RTL co-simulation (cocotb on Icarus Verilog)")
    if shutil.which("iverilog") is None or importlib.util.find_spec("cocotb") is None:
        print(
            "skipped: needs Icarus Verilog and cocotb ('bash scripts/setup.sh demo' as root "
            "installs both; or 'apt-get install iverilog' and 'pip install hlsfx[cosim]')"
        )
    else:
        result = hlsfx.cosim.run(rtl, simulator="icarus")
        print(result.summary())
        failed += not result.passed

    _step(f"done in {time.perf_counter() - start:.0f} s; everything is in {out}/")
    for path in [*written, config, out / "scan.csv", hls, rtl]:
        print(f"  {path}")
    return 1 if failed else 0
