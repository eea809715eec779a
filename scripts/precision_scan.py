"""A precision scan of a shipped example, timed: ap_fixed<W, auto> over a range of widths (or
each layer alone with --per-layer), accuracy and agreement with the float model per point,
with the wall time and the peak memory of the scan. ``--samples`` larger than the test set
repeats it (to measure scale, e.g. 1 000 000 samples x 40 points).

    python scripts/precision_scan.py [--model jet_mlp] [--widths 4:23] [--samples 100000]
                                     [--integer auto,4] [--workers 2] [--out scan/jets]
                                     [--per-layer]
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

import hlsfx
from hlsfx.explore.scan import grid, scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="jet_mlp", choices=sorted(hlsfx.examples.EXAMPLES))
    parser.add_argument("--widths", default="4:23", help="low:high (default 4:23, 20 points)")
    parser.add_argument("--integer", default="auto", help="'auto', a number, or a list: auto,4")
    parser.add_argument("--samples", type=int, default=100_000)
    parser.add_argument("--workers", type=int, help="processes (default one per core)")
    parser.add_argument("--per-layer", action="store_true", help="each layer with weights alone")
    parser.add_argument("--out", help="write results here (.csv, .jsonl) and resume from them")
    args = parser.parse_args()

    example = hlsfx.examples.load(args.model)
    repeat = -(-args.samples // len(example.x_test))
    x = np.concatenate([example.x_test] * repeat)[: args.samples]
    y = np.concatenate([example.y_test] * repeat)[: args.samples]
    low, high = (int(v) for v in args.widths.split(":"))
    integer = [v if v == "auto" else int(v) for v in args.integer.split(",")]
    layers = [None]
    if args.per_layer:
        layers = [layer.name for layer in example.graph.layers if "weight" in layer.params]
    points = grid(range(low, high + 1), integer, layers)
    start = time.perf_counter()
    results = scan(example.graph, x, y, points, workers=args.workers, out=args.out)
    seconds = time.perf_counter() - start
    for r in results:
        shown = r.error or (
            f"accuracy {r.accuracy:.4f}  agreement {r.agreement:.4f}  "
            f"overflows {r.overflow_total:,}  BOPs {r.resources['bops']:,}"
        )
        print(f"{r.point.label:44} {shown}")
    peak = (
        max(
            resource.getrusage(who).ru_maxrss
            for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        )
        / 1024
    )
    print(
        f"\n{len(points)} points x {len(x):,} samples of {args.model}: {seconds:.2f} s wall "
        f"({len(points) * len(x) / seconds / 1e6:.2f} M sample-points/s), "
        f"peak memory of one process {peak:.0f} MiB"
    )


if __name__ == "__main__":
    main()
