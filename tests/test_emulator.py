"""The emulator: layer semantics by hand, its two Dense paths against each other, the shared
fixtures against onnxruntime at wide types, and the errors a user meets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import fixture
from onnx import TensorProto, helper, numpy_helper

import hlsfx
from hlsfx.emulator import kernels, weighted
from hlsfx.emulator.run import PREPARERS, prepare
from hlsfx.ir import kinds

WIDE = "ap_fixed<26,10>"
WIDE_WEIGHTS = "ap_fixed<22,6>"
WIDE_TABLE = "ap_fixed<32,4,AP_RND_CONV,AP_SAT>"


def onnxruntime_outputs(model: Path | onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """onnxruntime's float outputs, batched where the exported graph allows it (exporters fix
    the batch at 1, and some flatten it into the features), else one sample at a time."""
    ort = pytest.importorskip("onnxruntime", reason="pip install onnxruntime (the test extra)")
    model = onnx.load(str(model)) if isinstance(model, Path) else model
    batched = onnx.ModelProto()
    batched.CopyFrom(model)
    for value in [*batched.graph.input, *batched.graph.output]:
        if value.type.tensor_type.shape.dim:
            value.type.tensor_type.shape.dim[0].dim_param = "N"
    options = {"providers": ["CPUExecutionProvider"]}
    try:
        session = ort.InferenceSession(batched.SerializeToString(), **options)
        return session.run(None, {session.get_inputs()[0].name: x.astype(np.float32)})[0]
    except Exception:
        session = ort.InferenceSession(model.SerializeToString(), **options)
        name = session.get_inputs()[0].name
        return np.concatenate([session.run(None, {name: s[None].astype(np.float32)})[0] for s in x])


def wide(graph):
    return hlsfx.configure(
        graph,
        WIDE,
        roles={"weight": WIDE_WEIGHTS, "bias": WIDE_WEIGHTS, "table": WIDE_TABLE},
        kinds={
            "Softmax": {
                "exp_table": WIDE_TABLE,
                "inv_table": WIDE_TABLE,
                "exp_table_size": 2**16,
                "inv_table_size": 2**16,
            },
            "Sigmoid": {"table_size": 2**16},
        },
    )


def test_every_kind_has_an_emulator_step():
    assert set(PREPARERS) == set(kinds.KINDS.values())
    for kind in kinds.KINDS.values():
        assert kind.roles[-1] == "result" or "result" in kind.roles, kind


# Bounds per layer kind at the wide types above (LSB 2**-16 for values, 2**-28 for tables):
# Dense/ReLU: input and weight rounding, about 2**-16 relative per term; Softmax: the exp
# table step (2**-11 over [0, 32)) gives a relative error below 2**-12 per e_i, the 1/sum table
# step (2**-13 over [0, 8)) below 2**-14; Sigmoid: step 2**-10 over [-32, 32), slope <= 1/4.
FLOAT_FIXTURES = {
    "onnx/three_layer_keras.onnx": 2e-3,
    "onnx/three_layer_pytorch.onnx": 2e-3,
    "onnx/two_layer_keras.onnx": 1e-3,
    "onnx/conv1d_small_keras.onnx": 1e-3,
    "onnx/conv2d_small_keras.onnx": 1e-3,
}


@pytest.mark.parametrize("relative", sorted(FLOAT_FIXTURES))
def test_wide_types_agree_with_onnxruntime(relative):
    path = fixture(relative)
    graph = hlsfx.load(path)
    perm = graph.layout(graph.inputs[0])
    shape = tuple(graph.shapes[graph.inputs[0]][p] for p in perm)
    x = np.random.default_rng(1).normal(0.0, 1.0, (500, *shape))
    reference = onnxruntime_outputs(path, x)
    got = wide(graph).predict(x)
    assert got.shape == reference.shape
    assert np.max(np.abs(got - reference)) < FLOAT_FIXTURES[relative]


@pytest.mark.parametrize(
    "default",
    [
        "ap_fixed<16,6,AP_RND_CONV,AP_SAT>",  # the result cast of the generic kernel
        "ap_fixed<16,6,AP_RND,AP_SAT_SYM>",  # floor(sum + half) in float64
        "ap_fixed<16,6>",  # floor(sum) in float64, wrapping
    ],
)
def test_float_and_integer_dense_paths_give_identical_bits(default):
    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    qm = hlsfx.configure(graph, default)
    x = np.random.default_rng(2).normal(0.0, 4.0, (5000, 16))
    x[:50] = 40.0  # beyond the input range: saturated codes, the largest products
    trace = qm.trace(x, raw=True)  # quantizes its input to float64 codes
    values = hlsfx.quantize(x, qm.tensor_types[graph.inputs[0]])
    for layer in graph.layers:
        if layer.kind is kinds.DENSE:
            p = qm.precisions[layer.name]
            x_t, (w_t, b_t, a_t, y_t) = qm.tensor_types[layer.inputs[0]], p.types.values()
            fast = prepare(layer, p, [x_t], [graph.shapes[layer.inputs[0]]])
            assert fast.__qualname__.startswith("_dense_float"), "expected the BLAS path here"
            exact = np.empty((len(x), p.params["weight"].shape[1]), dtype=np.int64)
            weighted.dense_exact_kernel(
                values, p.params["weight"], hlsfx.cast(p.params["bias"], b_t, a_t),
                x_t.fractional + w_t.fractional - a_t.fractional, kernels.target(a_t),
                a_t.fractional - y_t.fractional, kernels.target(y_t), exact,
            )  # fmt: skip
            blas = np.empty_like(exact)
            fast([values], blas, {})
            assert np.array_equal(blas, exact)
            assert np.array_equal(trace[layer.name], exact)
        values = trace[layer.name].reshape(len(x), -1)


def _dense_model(weight, bias):
    n_in, n_out = np.shape(weight)
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc")],
            "dense",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", n_in])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", n_out])],
            [
                numpy_helper.from_array(np.asarray(weight, np.float32), "w"),
                numpy_helper.from_array(np.asarray(bias, np.float32), "b"),
            ],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    return hlsfx.load(model)


def test_saturating_accumulator_follows_the_input_order():
    # acc = 0; +100 -> 100; +100 -> 200 saturates to 127; -100 -> 27 (a wrapping or exact
    # accumulator would give 100; summing in another order would give 100 too)
    graph = _dense_model([[100.0], [100.0], [-100.0]], [0.0])
    qm = hlsfx.configure(
        graph, "ap_fixed<16,16>", layers={"fc": {"accum": "ap_fixed<8,8,AP_TRN,AP_SAT>"}}
    )
    assert qm.predict(np.array([[1.0, 1.0, 1.0]])).tolist() == [[27.0]]
    report = qm.overflow_report(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]]))
    assert report.counts["fc"] == {"accum": 1, "result": 0}
    exact = hlsfx.configure(graph, "ap_fixed<16,16>")
    assert exact.predict(np.array([[1.0, 1.0, 1.0]])).tolist() == [[100.0]]


@pytest.mark.parametrize(
    "rounding, expected",
    [
        # x * w = +-0.5 * 1.25 = +-0.625 = +-2.5 LSBs of the accumulator (LSB 1/4): a tie
        ("AP_TRN", [0.5, -0.75]),
        ("AP_TRN_ZERO", [0.5, -0.5]),
        ("AP_RND", [0.75, -0.5]),
        ("AP_RND_ZERO", [0.5, -0.5]),
        ("AP_RND_MIN_INF", [0.5, -0.75]),
        ("AP_RND_INF", [0.75, -0.75]),
        ("AP_RND_CONV", [0.5, -0.5]),
    ],
)
def test_products_round_into_a_narrow_accumulator_with_its_mode(rounding, expected):
    graph = _dense_model([[1.25]], [0.0])
    qm = hlsfx.configure(
        graph, "ap_fixed<8,2>", layers={"fc": {"accum": f"ap_fixed<8,6,{rounding}>"}}
    )
    assert qm.predict(np.array([[0.5], [-0.5]]))[:, 0].tolist() == expected


def test_auto_accumulator_is_exact_and_printed():
    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    qm = hlsfx.configure(graph, "ap_fixed<16,6>")
    first = graph.layers[0]
    assert str(qm.precisions[first.name].types["accum"]) == "ap_fixed<36,16>"
    assert "ap_fixed<36,16> (auto)" in qm.config_table()
    # 16 inputs of ap_fixed<16,6> times weights of ap_fixed<16,6>: |sum| <= 16 * 32 * 32 + 32
    assert qm.precisions[first.name].types["accum"].max >= 16 * 32 * 32 + 32


def test_errors_are_one_clear_message():
    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    name = graph.layers[0].name
    with pytest.raises(
        ValueError,
        match=rf"layer '{name}' \(Dense.*role 'weight'.*unknown quantization mode 'AP_RNDX'",
    ):
        hlsfx.configure(graph, layers={name: {"weight": "ap_fixed<8,3,AP_RNDX>"}})
    with pytest.raises(ValueError, match=r"layers: no layer named 'fc9'; the layers are "):
        hlsfx.configure(graph, layers={"fc9": {"result": "ap_fixed<8,3>"}})
    with pytest.raises(
        ValueError, match=r"has no setting 'tabel'; its settings are weight, bias, accum, result"
    ):
        hlsfx.configure(graph, kinds={"Dense": {"tabel": "ap_fixed<8,3>"}})
    with pytest.raises(ValueError, match=r"kinds: no layer kind 'Conv9D'"):
        hlsfx.configure(graph, kinds={"Conv9D": {}})
    qm = hlsfx.configure(graph)
    with pytest.raises(
        ValueError,
        match=r"input 'input_1_0' takes arrays of shape \(N, 16\) for N samples, not \(4, 15\)",
    ):
        qm.predict(np.zeros((4, 15)))
    x = np.zeros((4, 16))
    x[2, 3] = np.nan
    nan_message = (
        r"input 'input_1_0': cannot quantize to ap_fixed<16,6>: 1 of 64 values are NaN or "
        r"infinite \(the first, nan, at index \(2, 3\)\)"
    )
    with pytest.raises(ValueError, match=nan_message):
        qm.predict(x)
    with pytest.raises(ValueError, match=r"unknown model format '\.h6'"):
        hlsfx.load("model.h6")


def test_batches_are_emulated_in_bounded_chunks():
    graph = hlsfx.load(fixture("onnx/two_layer_keras.onnx"))
    qm = hlsfx.configure(graph, "ap_fixed<12,4,AP_RND,AP_SAT>")
    x = np.random.default_rng(3).normal(0.0, 2.0, (1001, 10))
    whole = qm.predict(x, raw=True)
    assert whole.dtype == np.int64 and whole.shape == (1001, 1)
    assert np.array_equal(qm.predict(x, raw=True, batch_size=64), whole)
    assert np.array_equal(
        hlsfx.to_float(whole, qm.tensor_types[graph.outputs[0]]), qm.predict(x, batch_size=100)
    )


@pytest.mark.parametrize("result", ["ap_fixed<16,6>", "ap_fixed<12,5,AP_RND,AP_SAT>"])
def test_fused_dense_relu_gives_the_bits_of_separate_layers(result):
    from hlsfx.emulator.run import float_tensors, plan

    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    qm = hlsfx.configure(graph, result, roles={"weight": "ap_fixed<10,2,AP_RND_CONV,AP_SAT>"})
    fused = plan(graph, qm.precisions, qm.tensor_types, fuse=True)
    held_as_floats = {graph.inputs[0]} | {graph.layers[i].output for i in (1, 3, 5)}
    assert float_tensors(graph, fused, qm.tensor_types) == held_as_floats
    assert [[layer.kind.name for layer in layers] for layers, _ in fused][:2] == [
        ["Dense", "ReLU"],
        ["Dense", "ReLU"],
    ]
    x = np.random.default_rng(4).normal(0.0, 3.0, (4000, 16))
    x[:20] = 100.0  # saturate or wrap the inputs and the sums
    separate = qm.trace(x, raw=True)[graph.layers[-1].name]
    assert np.array_equal(qm.predict(x, raw=True), separate)


def test_threads_change_nothing_and_one_model_serves_many_threads():
    from concurrent.futures import ThreadPoolExecutor

    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    qm = hlsfx.configure(graph, "ap_fixed<14,5,AP_RND,AP_SAT>")
    x = np.random.default_rng(5).normal(0.0, 2.0, (20_000, 16))
    single = qm.predict(x, raw=True, threads=1, batch_size=1000)
    assert np.array_equal(qm.predict(x, raw=True, threads=2, batch_size=1000), single)
    halves = np.array_split(x, 4)
    with ThreadPoolExecutor(4) as pool:  # the same model, predicting in several threads at once
        parts = list(pool.map(lambda part: qm.predict(part, raw=True, batch_size=300), halves))
    assert np.array_equal(np.concatenate(parts), single)
    report = qm.overflow_report(x, threads=2, batch_size=777)
    assert report.counts == qm.overflow_report(x, threads=1).counts
    bad = x.copy()
    bad[15_000, 2] = np.inf
    with pytest.raises(
        ValueError,
        match=r"input .input_1_0.: .* 1 of 320000 values are NaN or inf.* index \(15000, 2\)",
    ):
        qm.predict(bad, threads=2, batch_size=13_000)


def _conv_model(x_shape, w_shape, nodes_before=(), **conv):
    rng = np.random.default_rng(6)
    weight = rng.integers(-4, 5, w_shape).astype(np.float32)
    bias = rng.integers(-8, 9, w_shape[0]).astype(np.float32)
    source = nodes_before[-1].output[0] if nodes_before else "x"
    nodes = [
        *nodes_before,
        helper.make_node("Conv", [source, "w", "b"], ["y"], name="conv", **conv),
    ]
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "conv",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", *x_shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(weight, "w"), numpy_helper.from_array(bias, "b")]
            + [
                numpy_helper.from_array(np.array(v, np.int64), k)
                for k, v in (("to_flat", [0, -1]), ("back", [0, *x_shape]))
            ],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    return model


CONV_CASES = {
    "2d plain": ((3, 7, 6), (4, 3, 3, 3), {}),
    "2d pads strides": ((2, 9, 8), (3, 2, 3, 2), {"pads": [1, 0, 2, 1], "strides": [2, 3]}),
    "2d dilations": ((2, 9, 9), (2, 2, 3, 3), {"dilations": [2, 1], "pads": [2, 1, 2, 1]}),
    "2d same upper": ((1, 7, 5), (2, 1, 4, 3), {"auto_pad": "SAME_UPPER", "strides": [2, 2]}),
    "2d same lower": ((1, 7, 5), (2, 1, 4, 2), {"auto_pad": "SAME_LOWER"}),
    "2d valid": ((2, 6, 6), (3, 2, 2, 2), {"auto_pad": "VALID", "strides": [2, 1]}),
    "1d": ((3, 11), (2, 3, 4), {"pads": [2, 1], "strides": [2], "dilations": [2]}),
    "1d depthwise": ((3, 11), (3, 1, 3), {"group": 3, "pads": [1, 1]}),
    "2d depthwise": (
        (4, 6, 5),
        (4, 1, 3, 2),
        {"group": 4, "pads": [1, 0, 1, 1], "strides": [2, 1]},
    ),
}


@pytest.mark.parametrize("case", sorted(CONV_CASES))
def test_conv_geometry_equals_onnxruntime_exactly(case):
    x_shape, w_shape, conv = CONV_CASES[case]
    model = _conv_model(x_shape, w_shape, **conv)
    x = np.random.default_rng(7).integers(-8, 9, (40, *x_shape)).astype(np.float64)
    reference = onnxruntime_outputs(model, x)  # integers below 2**24: exact in float32
    graph = hlsfx.load(model)
    assert graph.layout(graph.inputs[0])[0] == len(x_shape) - 1  # taken channels-last
    qm = hlsfx.configure(graph, "ap_fixed<24,24>")
    assert np.array_equal(qm.predict(x), reference)


def test_a_conv_after_a_reshape_gets_a_transpose_layer():
    x_shape = (2, 5, 4)
    reshapes = [
        helper.make_node("Reshape", ["x", "to_flat"], ["flat"]),
        helper.make_node("Reshape", ["flat", "back"], ["again"]),
    ]
    model = _conv_model(x_shape, (3, 2, 2, 2), reshapes, pads=[1, 1, 0, 0])
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [
        kinds.RESHAPE,
        kinds.RESHAPE,
        kinds.TRANSPOSE,
        kinds.CONV2D,
    ]
    x = np.random.default_rng(8).integers(-8, 9, (30, *x_shape)).astype(np.float64)
    qm = hlsfx.configure(graph, "ap_fixed<24,24>")
    assert np.array_equal(qm.predict(x), onnxruntime_outputs(model, x))


def test_a_model_pickles_without_its_caches_and_predicts_the_same():
    import pickle

    graph = hlsfx.load(fixture("onnx/conv2d_small_keras.onnx"))
    qm = hlsfx.configure(graph, "ap_fixed<12,5,AP_RND,AP_SAT>")
    x = np.random.default_rng(22).normal(0.0, 1.0, (3000, 8, 8, 1))
    before = qm.predict(x, raw=True)  # builds the plans, threads and buffers
    again = pickle.loads(pickle.dumps(qm))
    assert np.array_equal(again.predict(x, raw=True), before)
    assert np.array_equal(
        qm.predict(x[:7], raw=True, batch_size=3), before[:7]
    )  # smaller chunks reuse
