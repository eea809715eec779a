"""Throughput of hlsfx.quantize and hlsfx.cast on 10 M values, next to plain numpy baselines
measured on the same arrays in the same run (median of several runs).

    python scripts/bench_quantize.py [--n 10000000] [--repeats 7]
"""

from __future__ import annotations

import argparse

import numpy as np
from benchmarking import median_seconds

import hlsfx

QUANTIZE_TYPES = [
    "ap_fixed<16,6>",
    "ap_fixed<16,6,AP_RND_CONV,AP_SAT>",
    "ap_ufixed<8,0,AP_RND,AP_SAT>",
    "ap_fixed<32,10,AP_RND_ZERO,AP_SAT_SYM>",
    "ap_int<8>",
]
CAST_PAIRS = [
    ("ap_fixed<32,10>", "ap_fixed<16,6>"),
    ("ap_fixed<32,10>", "ap_fixed<16,6,AP_RND_CONV,AP_SAT>"),
    ("ap_fixed<16,6>", "ap_fixed<24,12>"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000_000, help="values per call")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per figure")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    x = rng.normal(0.0, 8.0, args.n)
    n = args.n
    print(f"{n:,} values, median of {args.repeats} runs\n")
    print(f"{'quantize to':42} {'hlsfx':>10} {'np.floor(x*2**F)':>18} {'ratio':>7}")
    for text in QUANTIZE_TYPES:
        t = hlsfx.FixedType.parse(text)
        scale = 2.0**t.fractional
        ours = median_seconds(lambda t=t: hlsfx.quantize(x, t), args.repeats)
        base = median_seconds(lambda s=scale: np.floor(x * s), args.repeats)
        print(f"{text:42} {n / ours / 1e6:7.0f} M/s {n / base / 1e6:15.0f} M/s {base / ours:7.2f}")
    print(f"\n{'cast':62} {'hlsfx':>10} {'raw >> shift':>14} {'ratio':>7}")
    for src, dst in CAST_PAIRS:
        s, d = hlsfx.FixedType.parse(src), hlsfx.FixedType.parse(dst)
        raw = hlsfx.quantize(x, s)
        shift = abs(s.fractional - d.fractional)
        ours = median_seconds(lambda r=raw, s=s, d=d: hlsfx.cast(r, s, d), args.repeats)
        base = median_seconds(lambda r=raw, k=shift: np.right_shift(r, k), args.repeats)
        label = f"{src} -> {dst}"
        print(f"{label:62} {n / ours / 1e6:7.0f} M/s {n / base / 1e6:11.0f} M/s {base / ours:7.2f}")
    print("\nratio = baseline time / hlsfx time (1.0: as fast as the baseline)")


if __name__ == "__main__":
    main()
