"""The RTL flow on the jet tagger (ap_fixed<16,6>) at reuse factors 1, 2, 4 and 8: time to write
the Verilog, Yosys synth_xilinx (xc7) time and resources, co-simulation time of 1 000 vectors on
Icarus and on Verilator (build included), latency and II, and the gate-level co-simulation of
the netlist (cell models flattened in, Icarus) at the reuse factors named, as one table. Every
co-simulation must pass (output codes equal to the emulator's) or the script stops.

With ``--strategy distributed``: the distributed strategy against the multiplier RTL, each
synthesized with DSPs and with -nodsp (the distributed RTL's only products are the softmax's),
on the jet tagger at ap_fixed<16,6> and at the configuration ``hlsfx
optimize`` finds within 1 % of float (on the jet_mlp example, which has data), and against
da4ml on its two benchmark configurations, the pipeline's depth against registers, and the
time to generate the jet tagger's Verilog with and without numba's compiled kernels cached (see
scripts/bench_distributed.py).

    python scripts/bench_rtl.py [--reuse 1 2 4 8] [--vectors 1000] [--keep DIR]
    python scripts/bench_rtl.py --strategy distributed [--tables 16_6 optimized da4ml depths
        generation] [--vectors 1000] [--netlist-vectors 100] [--netlist-skip TABLE:DESIGN ...]
        [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

from bench_distributed import (
    DA4ML_CONFIGS,
    DA4ML_LUTS,
    da4ml_model,
    da4ml_row,
    generation_seconds,
    measure,
)

import hlsfx
from hlsfx.cosim.simulate import run
from hlsfx.cosim.yosys import synth

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", type=int, nargs="+", default=[1, 2, 4, 8])
    parser.add_argument("--vectors", type=int, default=1000)
    parser.add_argument("--precision", default="ap_fixed<16,6>")
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    parser.add_argument(
        "--netlist-vectors",
        type=int,
        default=100,
        help="vectors of the gate-level co-simulation (flattened cells; Icarus, and Verilator "
        "with --strategy distributed; 0: none)",
    )
    parser.add_argument(
        "--netlist-reuse",
        type=int,
        nargs="*",
        default=[8],
        help="reuse factors whose netlist is co-simulated",
    )
    parser.add_argument(
        "--netlist-skip",
        nargs="*",
        default=[],
        metavar="TABLE:DESIGN",
        help="distributed: designs whose gate-level run is left out, e.g. 16_6:multipliers_-nodsp "
        "(a netlist too large to simulate on the machine at hand)",
    )
    parser.add_argument("--keep", type=Path, help="write the projects here (default: a temp dir)")
    parser.add_argument("--strategy", choices=("latency", "distributed"), default="latency")
    parser.add_argument(
        "--tables",
        nargs="*",
        default=["16_6", "optimized", "da4ml", "generation"],
        help="distributed: which tables (16_6, optimized, da4ml, depths, generation)",
    )
    args = parser.parse_args()
    if args.strategy == "distributed":
        with tempfile.TemporaryDirectory() as scratch:
            distributed_tables(args, args.keep or Path(scratch))
        return
    qm = hlsfx.configure(
        hlsfx.load(args.fixtures / "onnx" / "three_layer_keras.onnx"), args.precision
    )
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        for r in args.reuse:
            start = time.perf_counter()
            project = qm.write_rtl(folder / f"jets_r{r}", reuse_factor=r, vectors=args.vectors)
            written = time.perf_counter() - start
            synthesized = synth(project, target="xc7")
            row = {"R": r, "write s": written, "yosys s": synthesized.seconds}
            row.update({k: synthesized.resources[k] for k in ("LUT", "FF", "DSP", "CARRY", "BRAM")})
            for simulator in ("icarus", "verilator"):
                start = time.perf_counter()
                result = run(project, simulator=simulator)
                row[f"{simulator} s"] = time.perf_counter() - start
                if not result.passed:
                    raise SystemExit(result.summary())
                row["latency"], row["II"] = result.latency, result.ii
            if r in args.netlist_reuse:
                start = time.perf_counter()
                result = run(
                    project, simulator="icarus", vectors=args.netlist_vectors, netlist=True
                )
                row["netlist icarus s"] = time.perf_counter() - start
                if not result.passed:
                    raise SystemExit(result.summary())
            rows.append(row)
            print(row, flush=True)
    print(
        f"\njet tagger, {args.precision}, {args.vectors} vectors per RTL co-simulation, "
        f"{args.netlist_vectors} on the netlist\n"
    )
    print_table(rows)


def print_table(rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        values = [row.get(c, "") for c in columns]
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in values]
        print("| " + " | ".join(cells) + " |", flush=True)


def distributed_tables(args: argparse.Namespace, folder: Path) -> None:
    """The tables of ``--strategy distributed`` (see scripts/bench_distributed.py)."""
    from hlsfx.explore.optimize import optimize

    fixture = hlsfx.load(args.fixtures / "onnx" / "three_layer_keras.onnx")
    designs = {}  # table name: (title, model)
    if "16_6" in args.tables:
        designs["16_6"] = (
            "jet tagger (fixture), ap_fixed<16,6>",
            hlsfx.configure(fixture, "ap_fixed<16,6>"),
        )
    if "optimized" in args.tables:
        example = hlsfx.examples.load("jet_mlp")
        start = time.perf_counter()
        start_qm = hlsfx.configure(example.graph, "ap_fixed<16,6>")
        x, y = example.x_test[:20000], example.y_test[:20000]
        found = optimize(start_qm, x, y, budget=0.01, progress=False, show=False)
        print(
            f"hlsfx optimize: {time.perf_counter() - start:.0f} s, accuracy "
            f"{found.accuracy_after:.4f} (float {found.float_accuracy:.4f})",
            flush=True,
        )
        designs["optimized"] = (
            "jet_mlp, the configuration hlsfx optimize finds within 1 % of float",
            found.after,
        )
    distributed = {"strategy": "distributed"}
    for table, (title, qm) in designs.items():
        slug = re.sub(r"\W+", "_", title)[:40]
        rows = []
        for name, options, dsp in (
            ("multipliers", {}, True),
            ("multipliers -nodsp", {}, False),
            ("distributed", distributed, True),
            ("distributed -nodsp", distributed, False),
        ):
            design = name.replace(" ", "_")
            skip = f"{table}:{design}" in args.netlist_skip
            row = measure(
                qm,
                folder / slug,
                design,
                options,
                args.vectors,
                0 if skip else args.netlist_vectors,
                dsp,
            )
            print(row, flush=True)
            rows.append(row)
        ratios = [row["LUT"] / rows[1]["LUT"] for row in rows[2:]]
        print(
            f"\n{title}: {args.vectors} vectors per Verilator co-simulation, "
            f"{args.netlist_vectors} at gate level; LUT distributed / LUT multipliers -nodsp = "
            f"{ratios[0]:.3f} (the softmax's products in DSPs), {ratios[1]:.3f} (in LUTs too)\n"
        )
        print_table(rows)
    if "generation" in args.tables:
        model = args.fixtures / "onnx" / "three_layer_keras.onnx"
        cold, warm = generation_seconds(model, "ap_fixed<16,6>", args.vectors)
        print(
            f"\nwrite_rtl(strategy='distributed') of the jet tagger at ap_fixed<16,6> with "
            f"{args.vectors} vectors, in a fresh Python: {warm:.1f} s; {cold:.1f} s with an empty "
            "numba cache (the emulator's and the CSE's kernels compiled first)\n",
            flush=True,
        )
    if "depths" in args.tables:  # the pipeline's depth against registers, on da4ml's 2nd config
        weight, activation = DA4ML_CONFIGS[list(DA4ML_CONFIGS)[1]]
        qm = da4ml_model(fixture, weight, activation)
        rows = []
        for depth in (1, 2, 3, 4, 6):
            options = {"strategy": "distributed", "max_adder_depth": depth}
            row = measure(
                qm, folder / "depths", f"max_adder_depth_{depth}", options, args.vectors, 0
            )
            print(row, flush=True)
            rows.append(row)
        print(f"\nmax_adder_depth on the jet tagger without softmax, {list(DA4ML_CONFIGS)[1]}\n")
        print_table(rows)
    if "da4ml" in args.tables:
        for title, (weight, activation) in DA4ML_CONFIGS.items():
            qm = da4ml_model(fixture, weight, activation)
            slug = re.sub(r"\W+", "_", title)[:40]
            rows = [
                measure(
                    qm,
                    folder / slug,
                    "hlsfx_distributed",
                    {"strategy": "distributed"},
                    args.vectors,
                    args.netlist_vectors,
                )
            ]
            theirs = da4ml_row(qm, folder / slug)
            if theirs is not None:
                rows.append(theirs)
            print(
                f"\njet tagger without softmax, {title} (da4ml 0.6.0 as issue 18 quotes it: "
                f"{DA4ML_LUTS[title]:,} LUT)\n"
            )
            print_table(rows)


if __name__ == "__main__":
    main()
