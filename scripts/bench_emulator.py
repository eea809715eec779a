"""Emulator throughput: the jet tagger at ap_fixed<16,6> next to a float32 numpy forward pass of
the same weights measured in the same run; the jet tagger past int64 (68-bit auto accumulators
at ap_fixed<32,16>; sums beyond 2**53 in two limbs; every code a Python integer); the QONNX
separable conv net on one 512x512x3 image, and the small Keras conv net at N = 10 000 (medians
of several runs).

    python scripts/bench_emulator.py [--n 100000] [--repeats 7] [--fixtures ../shared/fixtures]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from benchmarking import median_seconds

import hlsfx
from hlsfx import kinds

ROOT = Path(__file__).resolve().parents[1]


def float32_forward(graph):
    """The same network in float32 numpy: Dense (BLAS), ReLU, softmax."""
    steps = []
    for layer in graph.layers:
        if layer.kind is kinds.DENSE:
            w, b = (layer.params[k].astype(np.float32) for k in ("weight", "bias"))
            steps.append(lambda h, w=w, b=b: h @ w + b)
        elif layer.kind is kinds.RELU:
            steps.append(lambda h: np.maximum(h, 0, out=h))
        elif layer.kind is kinds.SOFTMAX:

            def softmax(h):
                e = np.exp(h - h.max(axis=1, keepdims=True))
                return e / e.sum(axis=1, keepdims=True)

            steps.append(softmax)
        else:
            raise ValueError(f"no float32 step for {layer.describe()}")

    def forward(x):
        h = x.astype(np.float32)
        for step in steps:
            h = step(h)
        return h

    return forward


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="samples")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure")
    parser.add_argument("--fixtures", type=Path, default=ROOT.parent / "shared" / "fixtures")
    args = parser.parse_args()
    graph = hlsfx.load(args.fixtures / "onnx" / "three_layer_keras.onnx")
    qm = hlsfx.configure(graph, "ap_fixed<16,6>")
    x = np.random.default_rng(0).normal(0.0, 1.0, (args.n, 16))
    forward = float32_forward(graph)
    ours = median_seconds(lambda: qm.predict(x), args.repeats)
    base = median_seconds(lambda: forward(x), args.repeats)
    print(f"jet tagger, ap_fixed<16,6>, {args.n:,} samples, median of {args.repeats} runs")
    print(f"  hlsfx emulator  {args.n / ours:12,.0f} samples/s  ({ours * 1e3:.1f} ms)")
    print(f"  float32 numpy   {args.n / base:12,.0f} samples/s  ({base * 1e3:.1f} ms)")
    print(f"  emulator time / float32 time: {ours / base:.2f}")

    wide = {
        "ap_fixed<32,16>, auto accumulators (68-70 bits)": ({}, args.n),
        "ap_fixed<44,16>, weights ap_fixed<32,4>: sums past 2**53 (two limbs)": (
            {"weight": "ap_fixed<32,4>", "bias": "ap_fixed<32,4>"}, args.n),
        "ap_fixed<100,40>, every code a Python integer (exact twins)": ({}, 200),
    }  # fmt: skip
    for label, (roles, n) in wide.items():
        default = label[: label.index(">") + 1]
        qm = hlsfx.configure(graph, default, roles=roles)
        seconds = median_seconds(lambda qm=qm, n=n: qm.predict(x[:n]), max(3, args.repeats // 2))
        print(f"jet tagger at {label}: {n / seconds:,.0f} samples/s ({n:,} samples)")

    conv = hlsfx.load(args.fixtures / "onnx" / "separable_conv_model_ch_last.onnx")
    qm = hlsfx.configure(conv, "ap_fixed<16,6>")
    image = np.random.default_rng(1).normal(0.0, 1.0, (1, 512, 512, 3))
    seconds = median_seconds(lambda: qm.predict(image), max(3, args.repeats // 2))
    print(f"separable conv net (QONNX), one 512x512x3 image: {seconds:.2f} s per image")

    small = hlsfx.load(args.fixtures / "onnx" / "conv2d_small_keras.onnx")
    qm = hlsfx.configure(small, "ap_fixed<16,6>")
    images = np.random.default_rng(2).normal(0.0, 1.0, (10_000, 8, 8, 1))
    seconds = median_seconds(lambda: qm.predict(images), args.repeats)
    rate = 10_000 / seconds
    print(f"conv2d_small_keras, 10,000 8x8x1 images: {rate:,.0f} images/s ({seconds * 1e3:.1f} ms)")


if __name__ == "__main__":
    main()
