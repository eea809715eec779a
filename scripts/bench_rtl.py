"""The RTL flow on the jet tagger (ap_fixed<16,6>) at reuse factors 1, 2, 4 and 8: time to write
the Verilog, Yosys synth_xilinx (xc7) time and resources, co-simulation time of 1 000 vectors on
Icarus and on Verilator (build included), latency and II, and the gate-level co-simulation of
the netlist (cell models flattened in, Icarus) at the reuse factors named, as one table. Every
co-simulation must pass (output codes equal to the emulator's) or the script stops.

    python scripts/bench_rtl.py [--reuse 1 2 4 8] [--vectors 1000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

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
        help="vectors of the gate-level co-simulation (Icarus, flattened cells)",
    )
    parser.add_argument(
        "--netlist-reuse",
        type=int,
        nargs="*",
        default=[8],
        help="reuse factors whose netlist is co-simulated",
    )
    parser.add_argument("--keep", type=Path, help="write the projects here (default: a temp dir)")
    args = parser.parse_args()
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
    columns = list(dict.fromkeys(c for row in rows for c in row))
    print(
        f"\njet tagger, {args.precision}, {args.vectors} vectors per RTL co-simulation, "
        f"{args.netlist_vectors} on the netlist\n"
    )
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        values = [row.get(c, "") for c in columns]
        cells = [f"{v:.1f}" if isinstance(v, float) else str(v) for v in values]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
