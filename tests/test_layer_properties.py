"""Property tests for the corners of docs/numerics.md, per layer computation. Each reference is
computed another way than the kernel: exact rational arithmetic, or loops over hlsfx.cast
(itself checked against ap_fixed.h) in Python."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from test_emulator import _dense_model

import hlsfx
from hlsfx import FixedType, Rounding

MODES = [r.name for r in Rounding]


codes = st.integers(-128, 127)


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.lists(codes, min_size=4, max_size=4), min_size=1, max_size=6),
    w=st.lists(st.lists(st.integers(-128, 127), min_size=3, max_size=3), min_size=4, max_size=4),
    b=st.lists(st.integers(-128, 127), min_size=3, max_size=3),
    rounding=st.sampled_from(MODES),
    result_integer=st.integers(-2, 12),
)
def test_an_exact_dense_rounds_once_at_its_result(x, w, b, rounding, result_integer):
    """auto accumulator: y = cast(exact sum, result), whatever the rounding mode."""
    x_t, w_t = FixedType(8, 3), FixedType(8, 1)  # codes / 32 and / 128
    weight = np.array(w) / 128.0
    graph = _dense_model(weight, np.array(b) / 128.0)
    y_t = FixedType(10, result_integer, rounding=rounding, overflow="AP_SAT")
    qm = hlsfx.configure(graph, x_t, roles={"weight": w_t, "bias": w_t, "result": y_t})
    got = qm.predict(np.array(x) / 32.0, raw=True)
    for row, out in zip(x, got, strict=True):
        exact = [
            sum(Fraction(xi, 32) * Fraction(w[i][j], 128) for i, xi in enumerate(row))
            + Fraction(b[j], 128)
            for j in range(3)
        ]
        # the exact rational value, to its nearest double (exact here: < 53 bits), then ap_fixed
        assert out.tolist() == hlsfx.quantize([float(v) for v in exact], y_t).tolist()


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(codes, min_size=5, max_size=5),
    w=st.lists(st.integers(-128, 127), min_size=5, max_size=5),
    accum_overflow=st.sampled_from(["AP_SAT", "AP_SAT_SYM", "AP_SAT_ZERO", "AP_WRAP"]),
    accum_rounding=st.sampled_from(MODES),
)
def test_a_narrow_accumulator_follows_the_input_order(x, w, accum_overflow, accum_rounding):
    """acc = cast(b, A); acc = cast(acc + cast(x_i * w_i, A), A) for i in order."""
    x_t, w_t = FixedType(8, 3), FixedType(8, 1)
    a_t = FixedType(7, 4, rounding=accum_rounding, overflow=accum_overflow)  # [-8, 8), LSB 1/8
    graph = _dense_model(np.array(w).reshape(5, 1) / 128.0, np.zeros(1))
    qm = hlsfx.configure(
        graph, x_t, roles={"weight": w_t, "bias": w_t, "accum": a_t, "result": "ap_fixed<16,8>"}
    )
    got = int(qm.predict(np.array([x]) / 32.0, raw=True)[0, 0])
    product_t = hlsfx.product_type(x_t, w_t)
    sum_t = hlsfx.sum_type(a_t, a_t)
    acc = 0
    for xi, wi in zip(x, w, strict=True):
        product = int(hlsfx.cast(xi * wi, product_t, a_t))
        acc = int(hlsfx.cast(acc + product, sum_t, a_t))  # the exact sum of two accumulator codes
    assert got == int(hlsfx.cast(acc, a_t, "ap_fixed<16,8>"))


@settings(max_examples=80, deadline=None)
@given(k=st.integers(-200, 200), rounding=st.sampled_from(MODES), negative_integer=st.booleans())
def test_relu_ties_round_as_the_result_type_says(k, rounding, negative_integer):
    """Values exactly halfway between two result codes, through ReLU, in every rounding mode."""
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Relu", ["x"], ["y"])],
            "relu",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 1])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 1])],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    graph = hlsfx.load(model)
    y_t = FixedType(6, -1 if negative_integer else 4, rounding=rounding, overflow="AP_SAT")
    tie = (k + 0.5) * float(y_t.lsb)
    qm = hlsfx.configure(graph, "ap_fixed<24,10>", layers={graph.layers[0].name: {"result": y_t}})
    got = qm.predict(np.array([[tie]]), raw=True)[0, 0]
    assert got == hlsfx.quantize(max(tie, 0.0), y_t)


@settings(max_examples=40, deadline=None)
@given(far=st.floats(16.0, 1000.0), size_log=st.integers(1, 10))
def test_table_indices_clamp_to_the_end_entries(far, size_log):
    """Inputs beyond a table's range read its first or last entry."""
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Sigmoid", ["x"], ["y"])],
            "s",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 2])],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    graph = hlsfx.load(model)
    name = graph.layers[0].name
    settings_ = {"table_size": 2**size_log, "table_range": [-4.0, 4.0]}
    qm = hlsfx.configure(graph, "ap_fixed<24,12>", layers={name: settings_})
    table = qm.precisions[name].tables["table"]
    assert table.hi <= 4 + table.step and table.lo >= -4 - table.step
    got = qm.predict(np.array([[-far, far]]), raw=True)[0]
    y_t = qm.tensor_types[graph.layers[0].output]
    expected = hlsfx.cast(table.entries[[0, -1]], table.entry_type, y_t)
    assert got.tolist() == expected.tolist()


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(-300.0, 300.0), min_size=1, max_size=20),
    rounding=st.sampled_from(MODES),
    overflow=st.sampled_from(["AP_WRAP", "AP_SAT", "AP_SAT_ZERO", "AP_SAT_SYM"]),
    integer=st.integers(-3, 9),
)
def test_a_linear_layer_is_the_cast_to_its_result(values, rounding, overflow, integer):
    from hlsfx.ir import kinds
    from hlsfx.ir.graph import Graph, Layer

    layer = Layer("cast", kinds.LINEAR, ("x",), "y")
    graph = Graph(("x",), ("y",), (layer,), {"x": (len(values),), "y": (len(values),)})
    x_t, y_t = FixedType(20, 10), FixedType(7, integer, rounding=rounding, overflow=overflow)
    qm = hlsfx.configure(graph, x_t, layers={"cast": {"result": y_t}})
    got = qm.predict(np.array([values]), raw=True)[0]
    assert got.tolist() == hlsfx.cast(hlsfx.quantize(values, x_t), x_t, y_t).tolist()


def _softmax_graph(n):
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Softmax", ["x"], ["y"], name="softmax", axis=-1)],
            "softmax",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n])],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    return model


@pytest.mark.parametrize("implementation", ["stable", "latency"])
def test_softmax_follows_its_definition_step_by_step(implementation):
    """e from the exp table (index rule of hlsfx.ir.tables), s summed in index order with casts
    to the sum type, r from the 1/s table, y = cast(e * r) -- rebuilt here from Table.index and
    hlsfx.cast, on rows with ties, equal values and both extremes of the input type."""
    graph = hlsfx.load(_softmax_graph(5))
    x_t = FixedType(10, 4, rounding="AP_RND", overflow="AP_SAT")
    settings = {"implementation": implementation, "sum": "ap_fixed<12,4,AP_TRN,AP_SAT>"}
    qm = hlsfx.configure(graph, x_t, layers={"softmax": settings})
    p = qm.precisions["softmax"]
    exp, inv, s_t, y_t = (
        p.tables["exp_table"],
        p.tables["inv_table"],
        p.types["sum"],
        p.types["result"],
    )
    rng = np.random.default_rng(20)
    rows = np.concatenate(
        [
            rng.normal(0.0, 3.0, (200, 5)),
            np.full((1, 5), 1.5),  # all equal
            [[7.96875, -8.0, 7.96875, 0.0, -8.0]],  # the extremes, tied
            rng.integers(-3, 3, (50, 5)).astype(float),  # many ties
        ]
    )
    codes = hlsfx.quantize(rows, x_t)
    got = qm.predict(rows, raw=True)
    e_t = exp.entry_type
    for row, out in zip(codes, got, strict=True):
        v = row.max() - row if implementation == "stable" else row
        e = exp.entries[exp.index(v)]
        s = 0
        for ei in e:
            total = hlsfx.cast(s, s_t, "ap_fixed<40,20>") + hlsfx.cast(ei, e_t, "ap_fixed<40,20>")
            s = int(hlsfx.cast(total, "ap_fixed<40,20>", s_t))
        r = inv.entries[inv.index(np.array([s]))][0]
        expected = hlsfx.cast(e * r, hlsfx.product_type(e_t, inv.entry_type), y_t)
        assert out.tolist() == expected.tolist()


def test_latency_softmax_agrees_with_onnxruntime_within_its_tables():
    from test_emulator import onnxruntime_outputs

    model = _softmax_graph(6)
    graph = hlsfx.load(model)
    settings = {
        "implementation": "latency",
        "exp_table": "ap_fixed<32,12,AP_RND_CONV,AP_SAT>",
        "inv_table": "ap_fixed<32,4,AP_RND_CONV,AP_SAT>",
        "exp_table_size": 2**16,
        "inv_table_size": 2**20,
        # the default 1/sum range covers sums up to 6 * the largest entry (2048): narrow it to
        # the sums these inputs can produce (< 6 e**5 < 1024), for a step of 2**-10
        "inv_table_range": [0.0, 1024.0],
    }
    qm = hlsfx.configure(graph, "ap_fixed<32,12>", layers={"softmax": settings})
    x = np.clip(np.random.default_rng(21).normal(0.0, 1.5, (500, 6)), -5.0, 5.0)
    # exp: step 2**-11 (relative error 2**-12); 1/sum: step 2**-10 over sums >= 1 (error
    # <= 2**-11 / sum**2); so |dy| <= 2**-12 + 2**-11 < 1e-3
    assert np.max(np.abs(qm.predict(x) - onnxruntime_outputs(model, x))) < 1e-3
