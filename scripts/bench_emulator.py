"""Emulator throughput: the jet tagger at ap_fixed<16,6> next to a float32 numpy forward pass of
the same weights measured in the same run; the jet tagger past int64 (68-bit auto accumulators
at ap_fixed<32,16>; sums beyond 2**53 in two limbs; every code a Python integer); the QONNX
separable conv net on one 512x512x3 image, the small Keras conv net at N = 10 000, and the jet
tagger in ``numerics="hls4ml"`` next to hls4ml 1.3.0's own ``predict`` of the same converted
model (when torch and hls4ml are installed), the two run in turns (medians of several runs).

    python scripts/bench_emulator.py [--n 100000] [--repeats 7] [--fixtures ../shared/fixtures]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

import numpy as np
from benchmarking import median_seconds, paired_seconds

import hlsfx
from hlsfx.ir import kinds

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
    parser.add_argument(
        "--hls4ml-only",
        action="store_true",
        help="only the row of hls4ml's predict against from_hls4ml",
    )
    args = parser.parse_args()
    graph = hlsfx.load(args.fixtures / "onnx" / "three_layer_keras.onnx")
    if args.hls4ml_only:
        hls4ml_row(graph, args.n, args.repeats)
        return
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
            {"weight": "ap_fixed<32,4>", "bias": "ap_fixed<32,4>"},
            args.n,
        ),
        "ap_fixed<100,40>, every code a Python integer (exact twins)": ({}, 200),
    }
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

    hls4ml_row(graph, args.n, args.repeats)


def hls4ml_row(graph, n: int, repeats: int) -> None:
    """The jet tagger converted by hls4ml (from PyTorch, ap_fixed<16,6> everywhere, its
    1024-entry softmax tables): hls4ml's ``predict`` and ``hlsfx.from_hls4ml`` of the same
    converted model, on the same samples; the codes are compared too."""
    try:
        import hls4ml
        import torch
    except ImportError as error:
        print(f"hls4ml row skipped: {error.name} is not installed")
        return
    dense = [layer for layer in graph.layers if layer.kind is kinds.DENSE]
    modules = []
    for k, layer in enumerate(dense):
        w = layer.params["weight"]
        linear = torch.nn.Linear(*w.shape)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(w.T, dtype=torch.float32))
            linear.bias.copy_(torch.tensor(layer.params["bias"], dtype=torch.float32))
        modules += [linear, torch.nn.ReLU() if k < len(dense) - 1 else torch.nn.Softmax(dim=1)]
    model = torch.nn.Sequential(*modules).eval()
    config = hls4ml.utils.config_from_pytorch_model(
        model,
        input_shape=(16,),
        granularity="name",
        backend="Vivado",
        default_precision="ap_fixed<16,6>",
    )
    for settings in config["LayerName"].values():
        for role, value in settings.get("Precision", {}).items():
            if value == "auto":
                settings["Precision"][role] = "ap_fixed<16,6>"
    with tempfile.TemporaryDirectory() as folder:
        hls_model = hls4ml.converters.convert_from_pytorch_model(
            model, hls_config=config, output_dir=folder, backend="Vivado", io_type="io_parallel"
        )
        hls_model.compile()
        x = np.random.default_rng(3).normal(0.0, 1.0, (n, 16)).astype(np.float32)
        qm = hlsfx.from_hls4ml(hls_model)
        same = np.array_equal(np.asarray(hls_model.predict(x)), np.asarray(qm.predict(x)))
        times = paired_seconds(
            {"hlsfx": lambda: qm.predict(x), "hls4ml": lambda: hls_model.predict(x)}, repeats
        )
    ours, theirs = (statistics.median(times[k]) for k in ("hlsfx", "hls4ml"))
    ratios = sorted(b / a for a, b in zip(times["hlsfx"], times["hls4ml"], strict=True))
    print(
        f"jet tagger, hls4ml's types and tables, {n:,} samples (hls4ml 1.3.0 predict vs "
        f"hlsfx numerics='hls4ml'; every output equal: {same}; {repeats} rounds, each "
        "running both)"
    )
    print(f"  hlsfx, from_hls4ml  {n / ours:12,.0f} samples/s  ({ours * 1e3:.1f} ms, median)")
    print(f"  hls4ml predict      {n / theirs:12,.0f} samples/s  ({theirs * 1e3:.1f} ms, median)")
    print(
        f"  hlsfx / hls4ml samples per second, round by round: median "
        f"{statistics.median(ratios):.0f}x, lowest {ratios[0]:.0f}x, highest {ratios[-1]:.0f}x"
    )


if __name__ == "__main__":
    main()
