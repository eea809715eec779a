"""C simulation against the emulator: the jet tagger at ap_fixed<16,6>, 10 000 test vectors.
Times writing the HLS project, compiling it with g++ and running the C simulation, next to the
emulator's predict on the same vectors, in the same run (the emulator warmed up first).

    python scripts/bench_csim.py [--n 10000] [--fixtures ../shared/fixtures]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from benchmarking import median_seconds

import hlsfx

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="test vectors")
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    args = parser.parse_args()
    qm = hlsfx.configure(
        hlsfx.load(args.fixtures / "onnx" / "three_layer_keras.onnx"), "ap_fixed<16,6>"
    )
    codes = qm.random_codes(args.n)
    qm.predict_codes(codes)  # numba compiles (or loads) the emulator's kernels once
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        project = qm.write_hls(Path(folder) / "jets", vectors=codes)
        written = time.perf_counter()
        result = hlsfx.csim(project)  # compiles (no cache), then runs the testbench
        simulated = time.perf_counter()
    emulated = median_seconds(lambda: qm.predict_codes(codes), 5)
    print(
        f"jet tagger, ap_fixed<16,6>, {args.n:,} vectors: csim {result.summary().splitlines()[0]}"
    )
    print(f"  write the project       {written - start:8.2f} s  (includes the emulator's outputs)")
    print(f"  g++ compile + C sim     {simulated - written:8.2f} s")
    print(f"  emulator predict        {emulated:8.4f} s  (median of 5)")
    print(f"  C flow / emulator:      {(simulated - start) / emulated:8.0f}x")


if __name__ == "__main__":
    main()
