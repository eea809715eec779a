"""The io_stream RTL of one CNN architecture at several input sizes: Yosys synth_xilinx (xc7)
resources at each size (and the io_parallel RTL's products at the smallest, for comparison);
cycles per image, the interval between images and images per second at an assumed 200 MHz from
Verilator co-simulation at each reuse factor; the co-simulation's time for the images (its
build apart); and the emulator's samples per second on the same model. Every co-simulation must
pass (every output code equal to the emulator's, with random gaps and stalls) or the script
stops.

The CNN: three (3x3 convolution with padding, ReLU) stages of 8, 16 and 16 channels, a 2x2 max
pooling after the first two, a global average pooling, Dense 16 -> 10 and softmax; seeded
random weights. Its arithmetic does not depend on the input size; only the line buffers grow
with the row length.

    python scripts/bench_stream.py [--sizes 16 32 64] [--reuse 1 4] [--images 100] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmarking import median_seconds

import hlsfx
from hlsfx.codegen.rtl import write_rtl
from hlsfx.cosim.simulate import run
from hlsfx.cosim.yosys import synth
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer, verify

CLOCK_HZ = 200e6


def cnn(size: int) -> Graph:
    """The benchmark CNN on ``size`` x ``size`` x 3 images."""
    rng = np.random.default_rng(2026)
    layers, tensor, channels = [], "img", 3
    for stage, width in enumerate((8, 16, 16), 1):
        attrs = {"kernel": [3, 3], "strides": [1, 1], "dilations": [1, 1], "pads": [1] * 4}
        scale = 1 / math.sqrt(9 * channels)
        layers.append(
            Layer(
                f"conv_{stage}",
                kinds.CONV2D,
                [tensor],
                f"c{stage}",
                attrs=attrs,
                params={
                    "weight": rng.normal(0, scale, (3, 3, channels, width)),
                    "bias": rng.normal(0, 0.1, width),
                },
            )
        )
        layers.append(Layer(f"relu_{stage}", kinds.RELU, [f"c{stage}"], f"r{stage}"))
        tensor, channels = f"r{stage}", width
        if stage < 3:
            pool = {"kernel": [2, 2], "strides": [2, 2], "dilations": [1, 1], "pads": [0] * 4}
            layers.append(
                Layer(f"pool_{stage}", kinds.MAX_POOL2D, [tensor], f"p{stage}", attrs=pool)
            )
            tensor = f"p{stage}"
    side = size // 4
    pool = {
        "kernel": [side, side],
        "strides": [1, 1],
        "dilations": [1, 1],
        "pads": [0] * 4,
        "count_include_pad": 0,
    }
    layers += [
        Layer("global_pool", kinds.AVERAGE_POOL2D, [tensor], "g", attrs=pool),
        Layer("flatten", kinds.RESHAPE, ["g"], "f", attrs={"shape": [channels]}),
        Layer(
            "dense",
            kinds.DENSE,
            ["f"],
            "d",
            params={"weight": rng.normal(0, 0.3, (channels, 10)), "bias": rng.normal(0, 0.1, 10)},
        ),
        Layer("softmax", kinds.SOFTMAX, ["d"], "y"),
    ]
    shapes = {"img": (size, size, 3)}
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    return verify(Graph(("img",), ("y",), tuple(layers), shapes))


def _table(rows: list[dict]) -> None:
    columns = list(dict.fromkeys(c for row in rows for c in row))
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        values = [row.get(c, "") for c in columns]
        print(
            "| " + " | ".join(f"{v:.1f}" if isinstance(v, float) else str(v) for v in values) + " |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 32, 64])
    parser.add_argument("--reuse", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--synth-reuse",
        type=int,
        default=4,
        help="the reuse factor of the designs synthesized at every size",
    )
    parser.add_argument("--cosim-size", type=int, default=32)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--precision", default="ap_fixed<10,4>")
    parser.add_argument("--keep", type=Path, help="write the designs here (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        sized = []
        for size in args.sizes:
            qm = hlsfx.configure(cnn(size), args.precision)
            project = write_rtl(
                qm,
                folder / f"s{size}_r{args.synth_reuse}",
                io_type="io_stream",
                reuse_factor=args.synth_reuse,
                vectors=2,
            )
            found = synth(project, target="xc7")
            row = {"input": f"{size}x{size}x3", "R": args.synth_reuse}
            row.update({k: found.resources[k] for k in ("LUT", "FF", "DSP", "BRAM")})
            row["yosys s"] = found.seconds
            sized.append(row)
            print(row, flush=True)
        small = hlsfx.configure(cnn(args.sizes[0]), args.precision)
        parallel = write_rtl(small, folder / "parallel", reuse_factor=args.synth_reuse, vectors=2)
        layers = json.loads((parallel / "interface.json").read_text())["layers"]
        products = sum(x["products"] for x in layers.values())
        shared = sum(x["multipliers"] for x in layers.values())

        timed = []
        qm = hlsfx.configure(cnn(args.cosim_size), args.precision)
        for r in args.reuse:
            project = write_rtl(
                qm, folder / f"cosim_r{r}", io_type="io_stream", reuse_factor=r, vectors=args.images
            )
            start = time.perf_counter()
            result = run(project, simulator="verilator")
            first = time.perf_counter() - start
            if not result.passed:
                raise SystemExit(result.summary())
            start = time.perf_counter()
            again = run(project, simulator="verilator")  # built already: the simulation alone
            simulated = time.perf_counter() - start
            if not again.passed:
                raise SystemExit(again.summary())
            timed.append(
                {
                    "R": r,
                    "cycles per image": result.latency,
                    "interval": result.ii,
                    "images/s at 200 MHz": round(CLOCK_HZ / result.ii),
                    f"cosim s ({args.images} images + 16, build included)": first,
                    f"cosim s ({args.images} images + 16, simulation only)": simulated,
                }
            )
            print(timed[-1], flush=True)
        x = qm.random_codes(2000, seed=1)
        per_batch = median_seconds(lambda: qm.predict_codes(x), 5)

    print(
        f"\nthe benchmark CNN, {args.precision}; io_stream RTL at reuse factor "
        f"{args.synth_reuse}, Yosys synth_xilinx xc7\n"
    )
    _table(sized)
    for key in ("LUT", "DSP", "FF", "BRAM"):
        low, high = sized[0][key], sized[-1][key]
        print(
            f"{key}: {sized[-1]['input']} / {sized[0]['input']} = "
            f"{high / low if low else float('nan'):.2f}x"
        )
    print(
        f"\nio_parallel RTL of the {args.sizes[0]}x{args.sizes[0]} model at reuse factor "
        f"{args.synth_reuse}: {products:,} products on {shared:,} multipliers "
        f"(not synthesized: the io_stream design's are in the table)\n"
    )
    print(
        f"co-simulation on Verilator, {args.cosim_size}x{args.cosim_size}x3 input, "
        f"{args.images} images with random gaps and stalls, then 8 + 8 back to back\n"
    )
    _table(timed)
    print(
        f"\nemulator: {2000 / per_batch:,.0f} samples/s (median of 5 runs of 2000, "
        f"{args.cosim_size}x{args.cosim_size}x3)"
    )


if __name__ == "__main__":
    main()
