"""Pooling, merges, concatenation and batch normalisation from ONNX, against onnxruntime:
exactly where float32 is exact (integer grids, power-of-two divisors), else within a bound."""

from __future__ import annotations

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper
from test_emulator import onnxruntime_outputs

import hlsfx
from hlsfx.ir import kinds

WIDE = "ap_fixed<28,16>"


def _model(nodes, inputs, output_shape, initializers=None):
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "layers",
            [
                helper.make_tensor_value_info(name, TensorProto.FLOAT, ["n", *shape])
                for name, shape in inputs
            ],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", *output_shape])],
            [
                numpy_helper.from_array(np.asarray(v, np.float32), k)
                for k, v in (initializers or {}).items()
            ],
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    return model


def _grid(shape, n=60, seed=11):
    return np.random.default_rng(seed).integers(-64, 65, (n, *shape)) / 8.0


def _check_exact(model, kinds_expected, x, default=WIDE, **config):
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == kinds_expected
    got = hlsfx.configure(graph, default, **config).predict(x)
    assert np.array_equal(got, onnxruntime_outputs(model, x))


POOLS = {
    "max 2x2": (
        "MaxPool",
        {"kernel_shape": [2, 2], "strides": [2, 2]},
        (3, 6, 6),
        (3, 3, 3),
        kinds.MAX_POOL2D,
    ),
    "max padded": (
        "MaxPool",
        {"kernel_shape": [3, 2], "pads": [1, 0, 1, 1], "strides": [1, 2]},
        (2, 5, 5),
        (2, 5, 3),
        kinds.MAX_POOL2D,
    ),
    "max 1d": ("MaxPool", {"kernel_shape": [3], "strides": [2]}, (2, 9), (2, 4), kinds.MAX_POOL1D),
    "average 2x2": (
        "AveragePool",
        {"kernel_shape": [2, 2], "strides": [2, 2]},
        (3, 6, 6),
        (3, 3, 3),
        kinds.AVERAGE_POOL2D,
    ),
    "average padded": (
        "AveragePool",
        {"kernel_shape": [2, 2], "pads": [1, 1, 1, 1], "strides": [2, 2]},
        (2, 4, 4),
        (2, 3, 3),
        kinds.AVERAGE_POOL2D,
    ),
    "average padded included": (
        "AveragePool",
        {"kernel_shape": [2, 2], "pads": [1, 1, 1, 1], "strides": [2, 2], "count_include_pad": 1},
        (2, 4, 4),
        (2, 3, 3),
        kinds.AVERAGE_POOL2D,
    ),
    "average 1d": (
        "AveragePool",
        {"kernel_shape": [2], "strides": [2]},
        (3, 8),
        (3, 4),
        kinds.AVERAGE_POOL1D,
    ),
    "global average": ("GlobalAveragePool", {}, (3, 4, 4), (3, 1, 1), kinds.AVERAGE_POOL2D),
    "global max": ("GlobalMaxPool", {}, (3, 5, 3), (3, 1, 1), kinds.MAX_POOL2D),
}


@pytest.mark.parametrize("case", sorted(POOLS))
def test_pooling_equals_onnxruntime_exactly(case):
    op, attrs, shape, out_shape, kind = POOLS[case]
    model = _model(
        [helper.make_node(op, ["x"], ["y"], name="pool", **attrs)], [("x", shape)], out_shape
    )
    _check_exact(model, [kind], _grid(shape))


def test_average_pooling_of_nine_rounds_one_ninth_to_its_type():
    model = _model(
        [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3])],
        [("x", (1, 3, 3))],
        (1, 1, 1),
    )
    graph = hlsfx.load(model)
    qm = hlsfx.configure(graph, WIDE, roles={"recip": "ap_fixed<18,2,AP_RND_CONV,AP_SAT>"})
    x = _grid((1, 3, 3))
    # 1/9 to 16 fractional bits is off by at most 2**-17; a sum of 9 values of |x| <= 8 by 72x that
    assert np.max(np.abs(qm.predict(x) - onnxruntime_outputs(model, x))) <= 72 * 2**-17 + 2**-12


@pytest.mark.parametrize(
    "op, kind", [("Add", kinds.ADD), ("Sub", kinds.SUBTRACT), ("Mul", kinds.MULTIPLY)]
)
def test_merges_equal_onnxruntime_exactly(op, kind):
    model = _model(
        [
            helper.make_node("Relu", ["a"], ["r"]),
            helper.make_node(op, ["r", "b"], ["y"], name="merge"),
        ],
        [("a", (7,)), ("b", (7,))],
        (7,),
    )
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.RELU, kind]
    x = {"a": _grid((7,)), "b": _grid((7,), seed=12)}
    qm = hlsfx.configure(graph, WIDE)
    ort = __import__("onnxruntime").InferenceSession(model.SerializeToString())
    reference = ort.run(None, {k: v.astype(np.float32) for k, v in x.items()})[0]
    assert np.array_equal(qm.predict(x), reference)


def test_merging_an_nchw_tensor_with_a_transposed_one_aligns_the_layouts():
    nodes = [
        helper.make_node("Transpose", ["b"], ["bt"], perm=[0, 3, 1, 2]),
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Add", ["r", "bt"], ["y"], name="add"),
    ]
    model = _model(nodes, [("a", (2, 3, 4)), ("b", (3, 4, 2))], (2, 3, 4))
    graph = hlsfx.load(model)
    x = {"a": _grid((2, 3, 4)), "b": _grid((3, 4, 2), seed=13)}
    ort = __import__("onnxruntime").InferenceSession(model.SerializeToString())
    reference = ort.run(None, {k: v.astype(np.float32) for k, v in x.items()})[0]
    assert np.array_equal(hlsfx.configure(graph, WIDE).predict(x), reference)


def test_concatenation_along_channels_equals_onnxruntime():
    nodes = [
        helper.make_node("Relu", ["a"], ["r"]),
        helper.make_node("Concat", ["r", "b"], ["y"], name="cat", axis=1),
    ]
    model = _model(nodes, [("a", (2, 3, 3)), ("b", (4, 3, 3))], (6, 3, 3))
    graph = hlsfx.load(model)
    assert graph.layers[-1].kind is kinds.CONCATENATE
    x = {"a": _grid((2, 3, 3)), "b": _grid((4, 3, 3), seed=14)}
    ort = __import__("onnxruntime").InferenceSession(model.SerializeToString())
    reference = ort.run(None, {k: v.astype(np.float32) for k, v in x.items()})[0]
    assert np.array_equal(hlsfx.configure(graph, WIDE).predict(x), reference)


BN = {
    "scale": np.array([0.5, 2.0, 0.25]),
    "bias": np.array([1.0, -0.5, 0.125]),
    "mean": np.array([0.5, -1.0, 0.0]),
    "var": np.array([3.0, 15.0, 0.0]),  # with epsilon 1: 1/sqrt(var + 1) = 1/2, 1/4, 1
}


def test_batch_norm_after_conv_is_folded_and_exact():
    weight = np.random.default_rng(15).integers(-3, 4, (3, 2, 2, 2))
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
        helper.make_node(
            "BatchNormalization", ["c", "scale", "bias", "mean", "var"], ["y"], epsilon=1.0
        ),
    ]
    model = _model(nodes, [("x", (2, 5, 5))], (3, 4, 4), {"w": weight, **BN})
    _check_exact(model, [kinds.CONV2D], _grid((2, 5, 5)))


def test_batch_norm_after_an_activation_stands_alone_and_is_exact():
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node(
            "BatchNormalization", ["r", "scale", "bias", "mean", "var"], ["y"], epsilon=1.0
        ),
    ]
    model = _model(nodes, [("x", (3, 2, 2))], (3, 2, 2), BN)
    # the ReLU reads the input in ONNX layout, so the channels move last before the BatchNorm
    _check_exact(model, [kinds.RELU, kinds.TRANSPOSE, kinds.BATCH_NORM], _grid((3, 2, 2)))


def _qdq_model(act_scale=1 / 16):
    weight = np.random.default_rng(17).integers(-100, 100, (6, 4)).astype(np.int8)
    inits = [
        numpy_helper.from_array(np.array(act_scale, np.float32), "s_x"),
        numpy_helper.from_array(np.array(0, np.int8), "z_x"),
        numpy_helper.from_array(weight, "w_q"),
        numpy_helper.from_array(np.array(1 / 64, np.float32), "s_w"),
        numpy_helper.from_array(np.array(0, np.int8), "z_w"),
        numpy_helper.from_array(np.arange(4, dtype=np.float32) / 8, "b"),
    ]
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", "s_x", "z_x"], ["r_q"]),
        helper.make_node("DequantizeLinear", ["r_q", "s_x", "z_x"], ["r_dq"]),
        helper.make_node("DequantizeLinear", ["w_q", "s_w", "z_w"], ["w"]),
        helper.make_node("MatMul", ["r_dq", "w"], ["m"], name="fc"),
        helper.make_node("Add", ["m", "b"], ["y"]),
    ]
    model = helper.make_model(
        helper.make_graph(
            nodes,
            "qdq",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 6])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])],
            inits,
        ),
        opset_imports=[helper.make_opsetid("", 13)],
    )
    model.ir_version = 8
    return model


def test_qdq_pairs_give_exact_types_and_equal_onnxruntime():
    model = _qdq_model()
    graph = hlsfx.load(model)
    relu, dense = graph.layers
    assert str(relu.fixed["result"]) == "ap_fixed<8,4,AP_RND_CONV,AP_SAT>"
    assert str(dense.fixed["weight"]) == "ap_fixed<8,2,AP_RND_CONV,AP_SAT>"
    qm = hlsfx.configure(graph, "ap_fixed<24,12>")
    exact = str(qm.precisions[dense.name].types["accum"])
    qm = hlsfx.configure(graph, "ap_fixed<24,12>", layers={dense.name: {"result": exact}})
    x = np.random.default_rng(18).integers(-200, 200, (80, 6)) / 16.0  # some beyond int8's range
    assert np.array_equal(qm.predict(x), onnxruntime_outputs(model, x))


def test_qdq_with_a_scale_that_is_not_a_power_of_two_is_refused():
    with pytest.raises(
        Exception, match=r"QuantizeLinear\): scale 0.1\d* is not a single power of two"
    ):
        hlsfx.load(_qdq_model(act_scale=0.1))


def test_squeeze_unsqueeze_dropout_and_identity_only_move_values():
    nodes = [
        helper.make_node("Unsqueeze", ["x", "axes1"], ["u"]),  # (n, 6) -> (n, 1, 6)
        helper.make_node("Relu", ["u"], ["r"]),
        helper.make_node("Dropout", ["r", "ratio"], ["d"]),
        helper.make_node("Identity", ["d"], ["i"]),
        helper.make_node("Squeeze", ["i", "axes1"], ["y"]),  # back to (n, 6)
    ]
    inits = {"ratio": np.array(0.5)}
    model = _model(nodes, [("x", (6,))], (6,), inits)
    model.graph.initializer.extend([numpy_helper.from_array(np.array([1], np.int64), "axes1")])
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.RESHAPE, kinds.RELU, kinds.RESHAPE]
    x = _grid((6,))
    assert np.array_equal(hlsfx.configure(graph, WIDE).predict(x), onnxruntime_outputs(model, x))
