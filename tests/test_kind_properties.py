"""Per layer kind, the corners of docs/numerics.md on random codes (hypothesis): every rounding mode
at the result cast, hitting ties, and saturating accumulators in input order. Each layer is
built directly in the IR; each reference computes the exact value per docs/numerics.md with Python
integers and applies hlsfx.quantize / hlsfx.cast (checked against ap_fixed.h) for the casts."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import hlsfx
from hlsfx import FixedType, Rounding
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

MODES = [r.name for r in Rounding]
X_T = FixedType(8, 4)  # inputs: codes / 16 in [-8, 8)
N = 6


def _run(layer: Layer, shapes: dict, settings_: dict, x_codes, x_t: FixedType = X_T):
    graph = Graph(layer.inputs, (layer.output,), (layer,), shapes)
    qm = hlsfx.configure(graph, x_t, layers={layer.name: settings_})
    if len(layer.inputs) == 1:
        x = hlsfx.to_float(np.array(x_codes), x_t)
    else:
        x = {
            name: hlsfx.to_float(np.array(c), x_t)
            for name, c in zip(layer.inputs, x_codes, strict=True)
        }
    return qm.predict(x, raw=True), qm


def _expect(exact_values, y_t: FixedType) -> list[int]:
    """cast(exact, y_t) for exact rational values (their doubles are exact here)."""
    return hlsfx.quantize([float(v) for v in exact_values], y_t).tolist()


codes = st.lists(st.integers(-128, 127), min_size=N, max_size=N)
result_types = st.builds(
    lambda r, o, i: FixedType(6, i, rounding=r, overflow=o),
    st.sampled_from(MODES),
    st.sampled_from(["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]),
    st.integers(-1, 5),
)
quick = settings(max_examples=40, deadline=None)


@quick
@given(x=codes, alpha=st.integers(-64, 64), y_t=result_types)
def test_leaky_relu(x, alpha, y_t):
    layer = Layer("l", kinds.LEAKY_RELU, ("x",), "y", params={"alpha": [alpha / 64]})
    got, _ = _run(layer, {"x": (N,), "y": (N,)}, {"alpha": "ap_fixed<8,2>", "result": y_t}, [x])
    exact = [Fraction(v, 16) * (1 if v >= 0 else Fraction(alpha, 64)) for v in x]
    assert got[0].tolist() == _expect(exact, y_t)


@quick
@given(x=codes, lo=st.integers(-128, 0), hi=st.integers(0, 127), y_t=result_types)
def test_clip(x, lo, hi, y_t):
    layer = Layer("c", kinds.CLIP, ("x",), "y", attrs={"min": lo / 16, "max": hi / 16})
    got, _ = _run(layer, {"x": (N,), "y": (N,)}, {"result": y_t}, [x])
    assert got[0].tolist() == _expect([Fraction(min(max(v, lo), hi), 16) for v in x], y_t)


@quick
@given(x=codes, alpha=st.integers(-64, 64), beta=st.integers(-64, 64), y_t=result_types)
def test_hard_sigmoid(x, alpha, beta, y_t):
    params = {"alpha": [alpha / 64], "beta": [beta / 64]}
    layer = Layer("h", kinds.HARD_SIGMOID, ("x",), "y", params=params)
    s = {"alpha": "ap_fixed<8,2>", "beta": "ap_fixed<8,2>", "result": y_t}
    got, _ = _run(layer, {"x": (N,), "y": (N,)}, s, [x])
    exact = [min(max(Fraction(v, 16) * Fraction(alpha, 64) + Fraction(beta, 64), 0), 1) for v in x]
    assert got[0].tolist() == _expect(exact, y_t)


@quick
@given(
    a=codes,
    b=codes,
    kind=st.sampled_from([kinds.ADD, kinds.SUBTRACT, kinds.MULTIPLY]),
    y_t=result_types,
)
def test_merges(a, b, kind, y_t):
    layer = Layer("m", kind, ("a", "b"), "y")
    got, _ = _run(layer, {"a": (N,), "b": (N,), "y": (N,)}, {"result": y_t}, [[a], [b]])
    op = {
        kinds.ADD: lambda p, q: p + q,
        kinds.SUBTRACT: lambda p, q: p - q,
        kinds.MULTIPLY: lambda p, q: p * q,
    }
    exact = [op[kind](Fraction(p, 16), Fraction(q, 16)) for p, q in zip(a, b, strict=True)]
    assert got[0].tolist() == _expect(exact, y_t)


@quick
@given(x=codes, average=st.booleans(), y_t=result_types, pad=st.booleans())
def test_pooling_1d(x, average, y_t, pad):
    kind = kinds.AVERAGE_POOL1D if average else kinds.MAX_POOL1D
    pads = [1, 1] if pad else [0, 0]
    attrs = {"kernel": (3,), "strides": [1], "pads": pads, "dilations": [1], "count_include_pad": 0}
    layer = Layer("p", kind, ("x",), "y", attrs=attrs)
    out_n = N + sum(pads) - 2
    s = (
        {"recip": "ap_fixed<18,2,AP_RND_CONV,AP_SAT>", "result": y_t}
        if average
        else {"result": y_t}
    )
    got, _ = _run(layer, {"x": (N, 1), "y": (out_n, 1)}, s, [[[v] for v in x]])
    padded = [None] * pads[0] + x + [None] * pads[1]
    exact = []
    for p in range(out_n):
        window = [v for v in padded[p : p + 3] if v is not None]
        if average:
            recip = int(hlsfx.quantize(1 / len(window), "ap_fixed<18,2,AP_RND_CONV,AP_SAT>"))
            exact.append(Fraction(sum(window), 16) * Fraction(recip, 2**16))
        else:
            exact.append(Fraction(max(window), 16))
    assert got[0].reshape(-1).tolist() == _expect(exact, y_t)


@quick
@given(x=codes, scale=st.integers(-64, 64), bias=st.integers(-64, 64), y_t=result_types)
def test_batch_norm_with_an_exact_accumulator(x, scale, bias, y_t):
    params = {"scale": [scale / 64], "bias": [bias / 64]}
    layer = Layer("b", kinds.BATCH_NORM, ("x",), "y", params=params)
    s = {"scale": "ap_fixed<8,2>", "bias": "ap_fixed<8,2>", "result": y_t}
    got, _ = _run(layer, {"x": (N, 1), "y": (N, 1)}, s, [[[v] for v in x]])
    exact = [Fraction(v, 16) * Fraction(scale, 64) + Fraction(bias, 64) for v in x]
    assert got[0].reshape(-1).tolist() == _expect(exact, y_t)


@quick
@given(x=codes, gamma=st.integers(1, 127), y_t=result_types, selu=st.booleans())
def test_elu_and_selu_above_zero_are_exact_products(x, gamma, y_t, selu):
    kind = kinds.SELU if selu else kinds.ELU
    attrs = {"alpha": 1.0, "gamma": gamma / 64}
    params = {"gamma": [gamma / 64]} if selu else {}
    layer = Layer("e", kind, ("x",), "y", attrs=attrs, params=params)
    s = {"result": y_t, **({"gamma": "ap_fixed<8,2>"} if selu else {})}
    positive = [min(abs(v), 127) for v in x]
    got, _ = _run(layer, {"x": (N,), "y": (N,)}, s, [positive])
    g = Fraction(gamma, 64) if selu else 1
    assert got[0].tolist() == _expect([Fraction(v, 16) * g for v in positive], y_t)


accumulators = st.builds(
    lambda r, o: FixedType(7, 3, rounding=r, overflow=o),  # [-4, 4), LSB 1/16
    st.sampled_from(MODES),
    st.sampled_from(["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]),
)


def _in_order(products_and_bias, x_t, w_t, a_t):
    """acc = cast(b, A); acc = cast(acc + cast(x * w, A), A) in order, via hlsfx.cast."""
    bias, pairs = products_and_bias
    acc = int(hlsfx.cast(bias, w_t, a_t))
    product_t, sum_t = hlsfx.product_type(x_t, w_t), hlsfx.sum_type(a_t, a_t)
    for xv, wv in pairs:
        acc = int(hlsfx.cast(acc + int(hlsfx.cast(xv * wv, product_t, a_t)), sum_t, a_t))
    return acc


@quick
@given(
    x=codes,
    w=st.lists(st.integers(-128, 127), min_size=3, max_size=3),
    b=st.integers(-128, 127),
    a_t=accumulators,
    depthwise=st.booleans(),
)
def test_conv1d_saturating_accumulators_follow_the_kernel_order(x, w, b, a_t, depthwise):
    w_t = FixedType(8, 1)  # codes / 128
    attrs = {"kernel": (3,), "strides": [1], "dilations": [1], "pads": [1, 1]}
    if depthwise:
        layer = Layer(
            "c",
            kinds.DEPTHWISE_CONV1D,
            ("x",),
            "y",
            attrs=attrs,
            params={"weight": np.array(w).reshape(3, 1) / 128, "bias": [b / 128]},
        )
    else:
        layer = Layer(
            "c",
            kinds.CONV1D,
            ("x",),
            "y",
            attrs=attrs,
            params={"weight": np.array(w).reshape(3, 1, 1) / 128, "bias": [b / 128]},
        )
    y_t = FixedType(16, 8)
    s = {"weight": w_t, "bias": w_t, "accum": a_t, "result": y_t}
    got, _ = _run(layer, {"x": (N, 1), "y": (N, 1)}, s, [[[v] for v in x]])
    padded = [0, *x, 0]  # zero padding: its products change nothing
    expected = [
        int(
            hlsfx.cast(
                _in_order((b, [(padded[p + k], w[k]) for k in range(3)]), X_T, w_t, a_t), a_t, y_t
            )
        )
        for p in range(N)
    ]
    assert got[0].reshape(-1).tolist() == expected
