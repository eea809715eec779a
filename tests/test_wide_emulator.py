"""The emulator past int64: each layer takes the fastest exact path its types allow, and the
paths agree. The C simulation tests (test_hls_csim, ``past_64_bits``) and the wide ap_fixed.h
oracle (test_wide_oracle) check them against C++; here the two-limb sums of Dense are checked
against the exact twins of the int64 kernels on the corners of every cast."""

from __future__ import annotations

import numpy as np
import pytest

import hlsfx
from hlsfx import FixedType
from hlsfx.emulator import twins
from hlsfx.emulator.run import PREPARERS, prepare
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer


def _dense(n_in: int, n_out: int, weights: np.ndarray, bias: np.ndarray) -> Graph:
    layer = Layer("fc", kinds.DENSE, ["x"], "y", params={"weight": weights, "bias": bias})
    return Graph(("x",), ("y",), (layer,), {"x": (n_in,), "y": (n_out,)})


CASES = [  # input, weight and bias, result (the accumulator is auto: exact)
    ("ap_fixed<40,12>", "ap_fixed<32,4>", "ap_fixed<40,12,AP_RND_CONV,AP_SAT>"),
    ("ap_fixed<62,62>", "ap_fixed<30,-2>", "ap_fixed<20,60,AP_RND,AP_WRAP>"),  # ties, wraps
    ("ap_ufixed<50,10>", "ap_fixed<40,20>", "ap_ufixed<12,30,AP_RND_ZERO,AP_SAT_ZERO>"),
    ("ap_fixed<33,1>", "ap_fixed<45,3>", "ap_fixed<62,-4,AP_TRN_ZERO,AP_SAT_SYM>"),  # finer
    ("ap_fixed<58,20>", "ap_fixed<58,20>", "ap_fixed<24,8,AP_RND_INF,AP_SAT>"),
]


@pytest.mark.parametrize(("x_type", "w_type", "y_type"), CASES)
def test_two_limb_sums_equal_the_exact_twins(x_type, w_type, y_type):
    rng = np.random.default_rng(hash((x_type, w_type)) % 2**32)
    w_t = FixedType.parse(w_type)
    n_in, n_out = 24, 12
    scale = 2.0**w_t.integer
    weights = rng.uniform(-scale, scale, (n_in, n_out))
    weights[:, 0] = 0.0  # a zero column
    weights[:, 1] = weights[:, 2]  # duplicates
    weights[0, 3], weights[1, 3] = -scale, scale  # the weight type's corners (saturated)
    weights[:, 4] = scale  # the largest sums of one sign...
    weights[:, 5] = -scale  # ... and the other
    bias = rng.uniform(-scale, scale, n_out)
    graph = _dense(n_in, n_out, weights, bias)
    qm = hlsfx.configure(graph, y_type, roles={"weight": w_type, "bias": w_type},
                         inputs={"x": x_type})  # fmt: skip
    layer, p = graph.layers[0], qm.precisions["fc"]
    x_t = qm.tensor_types["x"]
    codes = qm.random_codes(200, seed=3)["x"]
    codes[2:4] = [[x_t.max_code] * n_in, [x_t.min_code] * n_in]
    fast = prepare(layer, p, [x_t], [(n_in,)])
    assert "_dense_limbs" in fast.__qualname__
    with twins.preparing_exact():
        slow = twins.exact_step(PREPARERS[layer.kind](layer, p, [x_t], [(n_in,)]))
    ours, theirs = np.empty((200, n_out), np.int64), np.empty((200, n_out), np.int64)
    counts = fast([codes], ours, {}), slow([codes], theirs, {})
    assert np.array_equal(ours, theirs)
    assert counts[0] == counts[1] and counts[0]["result"] > 0  # the result casts overflow


def test_each_layer_takes_the_exact_path_only_where_its_types_need_it():
    rng = np.random.default_rng(0)
    first = {"weight": rng.normal(0, 1, (8, 8)), "bias": np.zeros(8)}
    second = {"weight": rng.normal(0, 1, (8, 4)), "bias": np.zeros(4)}
    layers = [
        Layer("fc1", kinds.DENSE, ["x"], "h", params=first),
        Layer("act", kinds.RELU, ["h"], "r"),
        Layer("fc2", kinds.DENSE, ["r"], "y", params=second),
    ]
    graph = Graph(("x",), ("y",), tuple(layers), {"x": (8,), "h": (8,), "r": (8,), "y": (4,)})
    qm = hlsfx.configure(graph, "ap_fixed<16,6>", layers={"act": {"result": "ap_fixed<90,40>"}})
    steps = {layers[0].name: step.__qualname__ for layers, step in qm._executor.plans[False][0]}
    assert "exact_step" in steps["act"] and "exact_step" in steps["fc2"]  # 90-bit codes
    assert "exact_step" not in steps["fc1"]
    x = rng.normal(0, 4, (50, 8))
    codes = qm.trace(x, raw=True)
    assert codes["act"].dtype == object and codes["fc1"].dtype == np.int64
    narrow = hlsfx.configure(graph, "ap_fixed<16,6>", layers={"act": {"result": "ap_fixed<60,30>"}})
    assert np.array_equal(narrow.predict(x), qm.predict(x))  # the same values, held either way
