"""Every frontend's graph means, in float64 and before any quantization, what its source model
computes: hlsfx.ir.reference against onnx's own reference evaluator (the model cast to float64),
torch in float64, and numpy forward passes of Keras weights, to 1e-9. Every kind a frontend
produces is covered here, or (the kinds only quantizers produce) by the QONNX tests."""

from __future__ import annotations

import dataclasses

import kind_cases
import numpy as np
import onnx
import pytest
from conftest import fixture
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

import hlsfx
from hlsfx.ir import kinds, reference

TOLERANCE = 1e-9
"""relative to the largest output magnitude: float64 sums in another order differ by ~1e-15"""


FLOAT32_CONSTANTS = {kinds.GELU: 1e-7, kinds.GELU_TANH: 1e-7}
"""ONNX defines Gelu as a function whose constants (1/sqrt(2), sqrt(2/pi), 0.044715) are
float32 numbers: its float64 evaluation differs from the function by their rounding"""


def assert_close(got: np.ndarray, expected: np.ndarray, tolerance: float = TOLERANCE) -> None:
    """``got`` equals ``expected`` to ``tolerance``."""
    assert got.shape == expected.shape
    scale = max(1.0, float(np.max(np.abs(expected))))
    assert np.max(np.abs(got - expected)) <= tolerance * scale


def as_double(model: onnx.ModelProto) -> onnx.ModelProto:
    """``model`` with every float32 tensor, input, output and Cast made float64."""
    double = onnx.ModelProto()
    double.CopyFrom(model)
    graph = double.graph
    for i, tensor in enumerate(graph.initializer):
        if tensor.data_type == TensorProto.FLOAT:
            array = numpy_helper.to_array(tensor).astype(np.float64)
            graph.initializer[i].CopyFrom(numpy_helper.from_array(array, tensor.name))
    for value in [*graph.input, *graph.output, *graph.value_info]:
        if value.type.tensor_type.elem_type == TensorProto.FLOAT:
            value.type.tensor_type.elem_type = TensorProto.DOUBLE
    for node in graph.node:
        for attribute in node.attribute:
            if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type == 1:
                array = numpy_helper.to_array(attribute.t).astype(np.float64)
                attribute.t.CopyFrom(numpy_helper.from_array(array))
            if node.op_type == "Cast" and attribute.name == "to" and attribute.i == 1:
                attribute.i = TensorProto.DOUBLE
    return double


def onnx_float64(model: onnx.ModelProto, x: np.ndarray) -> np.ndarray:
    """onnx's reference evaluator on ``model`` in float64, one sample at a time when the
    export fixed the batch. (In onnx 1.23 its MaxPool fails on even kernels with padding, its
    1-D pooling on uneven pads, and its BatchNormalization before opset 14 takes the batch's
    statistics: the models here avoid all three.)"""
    evaluator = ReferenceEvaluator(as_double(model))
    name = model.graph.input[0].name
    batch = model.graph.input[0].type.tensor_type.shape.dim[0]
    if batch.dim_value == 1:
        return np.concatenate([evaluator.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])
    return evaluator.run(None, {name: x})[0]


def _image_model(rng) -> tuple[onnx.ModelProto, tuple[int, ...]]:
    """Conv (padded, strided, dilated) + BatchNormalization, pooling both ways, a depthwise
    conv, PRelu, merges, concatenation, Transpose, Flatten, Gemm, Softmax."""
    r = lambda *shape: rng.normal(0, 0.5, shape)  # noqa: E731
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[1, 1]),
        helper.make_node(
            "BatchNormalization", ["c1", "g", "be", "mu", "var"], ["n1"], epsilon=1e-3
        ),
        helper.make_node("LeakyRelu", ["n1"], ["a1"], alpha=0.1),
        helper.make_node("MaxPool", ["a1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node(
            "Conv", ["p1", "wd"], ["d1"], group=4, pads=[1, 1, 1, 1], dilations=[2, 2]
        ),
        helper.make_node("PRelu", ["d1", "slope"], ["a2"]),
        helper.make_node(
            "AveragePool",
            ["a2"],
            ["p2"],
            kernel_shape=[3, 3],
            pads=[1, 1, 1, 1],
            count_include_pad=0,
        ),
        helper.make_node("Relu", ["p2"], ["r2"]),
        helper.make_node("Add", ["r2", "p2"], ["s1"]),
        helper.make_node("Sub", ["s1", "a2"], ["s2"]),
        helper.make_node("Mul", ["s2", "r2"], ["s3"]),
        helper.make_node("Concat", ["s3", "p2"], ["k1"], axis=1),
        helper.make_node("Transpose", ["k1"], ["t1"], perm=[0, 2, 3, 1]),
        helper.make_node("Flatten", ["t1"], ["f1"]),
        helper.make_node("Gemm", ["f1", "w2", "b2"], ["g1"], transB=1, alpha=0.5),
        helper.make_node("Softmax", ["g1"], ["y"]),
    ]
    initializers = {
        "w1": r(4, 2, 3, 3), "b1": r(4), "g": 1 + r(4), "be": r(4), "mu": r(4),
        "var": 0.5 + np.abs(r(4)), "wd": r(4, 1, 3, 3), "slope": r(4, 1, 1),
        "w2": r(5, 8 * 2 * 2), "b2": r(5),
    }  # fmt: skip
    return kind_cases.onnx_model(nodes, (2, 8, 8), initializers), (2, 8, 8)


def _activations_model(rng) -> tuple[onnx.ModelProto, tuple[int, ...]]:
    """MatMul + bias, the tabulated activations, Clip, HardSigmoid, a standalone
    BatchNormalization, and one-dimensional convolution and pooling."""
    r = lambda *shape: rng.normal(0, 0.7, shape)  # noqa: E731
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1], strides=[2]),
        helper.make_node("MaxPool", ["c1"], ["p1"], kernel_shape=[3], pads=[1, 1], strides=[2]),
        helper.make_node("Conv", ["p1", "wd"], ["c2"], group=3),
        helper.make_node(
            "AveragePool", ["c2"], ["p2"], kernel_shape=[2], pads=[1, 1], count_include_pad=1
        ),
        helper.make_node("Flatten", ["p2"], ["f"]),
        helper.make_node("MatMul", ["f", "w2"], ["m"]),
        helper.make_node("Add", ["m", "b2"], ["h0"]),
        helper.make_node("Sigmoid", ["h0"], ["h1"]),
        helper.make_node("Tanh", ["h0"], ["h2"]),
        helper.make_node("Add", ["h1", "h2"], ["h3"]),
        helper.make_node("Softplus", ["h3"], ["h4"]),
        helper.make_node("Softsign", ["h0"], ["h5"]),
        helper.make_node("Elu", ["h0"], ["h6"], alpha=0.7),
        helper.make_node("Selu", ["h0"], ["h7"]),
        helper.make_node("Add", ["h4", "h5"], ["h8"]),
        helper.make_node("Sub", ["h6", "h7"], ["h9"]),
        helper.make_node("Mul", ["h8", "h9"], ["h10"]),
        helper.make_node("Clip", ["h10", "lo", "hi"], ["h11"]),
        helper.make_node("HardSigmoid", ["h11"], ["h12"], alpha=0.25, beta=0.4),
        helper.make_node(
            "BatchNormalization", ["h12", "g", "be", "mu", "var"], ["y"], epsilon=1e-5
        ),
    ]
    initializers = {
        "w1": r(3, 4, 3), "b1": r(3), "wd": r(3, 1, 2), "w2": r(3 * 3, 6), "b2": r(6),
        "lo": np.float32(-0.75), "hi": np.float32(1.5), "g": 1 + r(6), "be": r(6), "mu": r(6),
        "var": 0.5 + np.abs(r(6)),
    }  # fmt: skip
    return kind_cases.onnx_model(nodes, (4, 12), initializers), (4, 12)


def _elementwise_model(rng) -> tuple[onnx.ModelProto, tuple[int, ...]]:
    """Add, Mul, Sub and Div of a conv's output by constants that vary per element, along a
    spatial axis, per channel and not at all."""
    constants = {"w": rng.normal(0, 0.5, (4, 2, 3, 3)), "e": rng.normal(0, 1, (4, 3, 3)),
                 "h": rng.normal(1, 0.3, (1, 3, 1)), "ch": rng.normal(0, 1, (4, 1, 1)),
                 "k": np.array(0.75)}  # fmt: skip
    nodes = [
        helper.make_node("Conv", ["x", "w"], ["c"]),
        helper.make_node("Add", ["c", "e"], ["a"]),
        helper.make_node("Mul", ["h", "a"], ["m"]),
        helper.make_node("Sub", ["m", "ch"], ["s"]),
        helper.make_node("Div", ["s", "k"], ["y"]),
    ]
    return kind_cases.onnx_model(nodes, (2, 5, 5), constants), (2, 5, 5)


def _unet_model(rng) -> tuple[onnx.ModelProto, tuple[int, ...]]:
    """A U-Net step: a strided conv down, Resize (nearest, x2) up, Concat with the skip branch
    along the channels, a conv over both."""
    constants = {"w1": rng.normal(0, 0.5, (3, 2, 2, 2)), "w2": rng.normal(0, 0.5, (2, 5, 3, 3)),
                 "scales": np.array([1, 1, 2, 2])}  # fmt: skip
    nodes = [
        helper.make_node("Conv", ["x", "w1"], ["down"], strides=[2, 2]),
        helper.make_node("Resize", ["down", "", "scales"], ["up"], mode="nearest"),
        helper.make_node("Concat", ["x", "up"], ["both"], axis=1),
        helper.make_node("Conv", ["both", "w2"], ["y"], pads=[1, 1, 1, 1]),
    ]
    return kind_cases.onnx_model(nodes, (2, 6, 4), constants), (2, 6, 4)


BUILT = {"image": _image_model, "activations": _activations_model,
         "elementwise": _elementwise_model, "unet": _unet_model}  # fmt: skip
ONNX_FIXTURES = ["onnx/three_layer_keras.onnx", "onnx/two_layer_keras.onnx",
                 "onnx/three_layer_pytorch.onnx", "onnx/conv1d_small_keras.onnx",
                 "onnx/conv2d_small_keras.onnx"]  # fmt: skip


def _built(name: str) -> tuple[onnx.ModelProto, hlsfx.ir.graph.Graph, np.ndarray]:
    rng = np.random.default_rng(3)
    model, shape = BUILT[name](rng)
    x = rng.normal(0, 1.5, (40, *shape))
    return model, hlsfx.load(model), x


@pytest.mark.parametrize("name", sorted(BUILT))
def test_onnx_graphs_mean_what_onnx_computes(name):
    model, graph, x = _built(name)
    assert_close(reference.run(graph, x), onnx_float64(model, x))


@pytest.mark.parametrize("relative", ONNX_FIXTURES)
def test_the_onnx_fixtures_mean_what_onnx_computes(relative):
    model = onnx.load(str(fixture(relative)))
    graph = hlsfx.load(fixture(relative))
    name = graph.inputs[0]
    shape = tuple(graph.shapes[name][p] for p in graph.layout(name))
    x = np.random.default_rng(5).normal(0, 1.5, (30, *shape))
    assert_close(reference.run(graph, x), onnx_float64(model, x))


def _shared_quantizer_model() -> onnx.ModelProto:
    """A QuantizeLinear/DequantizeLinear pair on a tensor another node also reads: the
    quantizer becomes a Linear layer (its float meaning: the value itself)."""
    scale = numpy_helper.from_array(np.array(1 / 16, np.float32), "s")
    zero = numpy_helper.from_array(np.array(0, np.int8), "z")
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        helper.make_node("QuantizeLinear", ["r", "s", "z"], ["q"]),
        helper.make_node("DequantizeLinear", ["q", "s", "z"], ["d"]),
        helper.make_node("Add", ["r", "d"], ["y"]),
    ]
    model = helper.make_model(
        helper.make_graph(nodes, "shared", [helper.make_tensor_value_info("x", 1, ["n", 6])],
                          [helper.make_tensor_value_info("y", 1, ["n", 6])], [scale, zero]),
        opset_imports=[helper.make_opsetid("", 13)],
    )  # fmt: skip
    model.ir_version = 8
    return model


def test_a_quantizer_on_a_shared_tensor_means_its_value_on_its_grid():
    from test_emulator import onnxruntime_outputs

    model = _shared_quantizer_model()
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.RELU, kinds.LINEAR, kinds.ADD]
    x = np.random.default_rng(4).integers(-127, 128, (50, 6)) / 16  # on the int8 grid: exact
    assert np.array_equal(reference.run(graph, x), onnxruntime_outputs(model, x))


@pytest.mark.parametrize("kind", kind_cases.ONNX_CASES, ids=lambda kind: kind.name)
def test_each_kind_from_its_onnx_op_means_what_onnx_computes(kind):
    rng = np.random.default_rng(8)
    model = kind_cases.ONNX_CASES[kind](rng)
    graph = hlsfx.load(model)
    assert kind in {layer.kind for layer in graph.layers}
    name = graph.inputs[0]
    shape = tuple(graph.shapes[name][p] for p in graph.layout(name))
    x = rng.normal(0, 1.5, (25, *shape))
    tolerance = FLOAT32_CONSTANTS.get(kind, TOLERANCE)
    assert_close(reference.run(graph, x), onnx_float64(model, x), tolerance)


def frontend_kinds() -> set[kinds.LayerKind]:
    """The kinds in the graphs the tests above compare with their source's computation."""
    graphs = [hlsfx.load(case(np.random.default_rng(8))) for case in kind_cases.ONNX_CASES.values()]
    graphs += [_built(name)[1] for name in BUILT]
    graphs += [hlsfx.load(fixture(relative)) for relative in ONNX_FIXTURES]
    graphs.append(hlsfx.load(_shared_quantizer_model()))
    return {layer.kind for graph in graphs for layer in graph.layers}


def test_the_reference_catches_a_wrong_parameter():
    model, graph, x = _built("activations")
    layer = next(x for x in graph.layers if x.kind is kinds.BATCH_NORM)
    broken = dataclasses.replace(
        layer, params={**layer.params, "scale": layer.params["scale"] * (1 + 1e-6)}
    )
    changed = dataclasses.replace(
        graph, layers=tuple(broken if x is layer else x for x in graph.layers)
    )
    with pytest.raises(AssertionError):
        assert_close(reference.run(changed, x), onnx_float64(model, x))


def _opset6_pair() -> tuple[onnx.ModelProto, onnx.ModelProto]:
    """A conv net as opset 6 writes it (broadcast attributes on Add/Sub/Mul/Gemm, is_test on
    BatchNormalization and Dropout), and the same net in opset 14's spelling."""
    rng = np.random.default_rng(6)
    arrays = {
        "w": rng.normal(0, 0.5, (4, 3, 3, 3)), "b": rng.normal(0, 0.5, 4),
        "s": rng.uniform(0.5, 2, 4), "o": rng.normal(0, 0.5, 4), "m": rng.normal(0, 0.5, 4),
        "v": rng.uniform(0.5, 2, 4), "gw": rng.normal(0, 0.2, (5, 64)),
        "gb": rng.normal(0, 0.5, 5), "k": np.array([1.5]), "e": rng.normal(0, 0.5, 5),
    }  # fmt: skip

    def model(opset: int) -> onnx.ModelProto:
        old = opset < 7
        legacy = {"broadcast": 1} if old else {}
        nodes = [
            helper.make_node("Conv", ["x", "w"], ["c"], kernel_shape=[3, 3], pads=[1] * 4),
            helper.make_node("Add", ["c", "b"], ["cb"], **legacy, **({"axis": 1} if old else {})),
            helper.make_node("BatchNormalization", ["cb", "s", "o", "m", "v"], ["bn"],
                             epsilon=1e-3, **({"is_test": 1} if old else {})),
            helper.make_node("Relu", ["bn"], ["r"]),
            helper.make_node("Dropout", ["r"], ["d"], **({"is_test": 1} if old else {})),
            helper.make_node("Flatten", ["d"], ["f"], axis=1),
            helper.make_node("Gemm", ["f", "gw", "gb"], ["g"], transB=1, **legacy),
            helper.make_node("Mul", ["g", "k"], ["gk"], **legacy),
            helper.make_node("Sub", ["gk", "e"], ["ge"], **legacy, **({"axis": 1} if old else {})),
            helper.make_node("Softmax", ["ge"], ["y"]),
        ]  # fmt: skip
        inits = {**arrays, "b": arrays["b"] if old else arrays["b"].reshape(4, 1, 1)}
        graph = helper.make_graph(
            nodes, f"opset{opset}",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 4, 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 5])],
            [numpy_helper.from_array(a.astype(np.float32), n) for n, a in inits.items()],
        )  # fmt: skip
        made = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
        onnx.checker.check_model(made)
        return made

    return model(6), model(14)


def test_an_opset_6_export_means_what_its_opset_14_spelling_computes():
    old, new = _opset6_pair()
    x = np.random.default_rng(1).normal(0, 1, (20, 3, 4, 4))
    graph = hlsfx.load(old)
    assert_close(reference.run(graph, x), onnx_float64(new, x))
    ours = hlsfx.configure(graph, "ap_fixed<18,8>").predict(x, raw=True)
    theirs = hlsfx.configure(hlsfx.load(new), "ap_fixed<18,8>").predict(x, raw=True)
    assert np.array_equal(ours, theirs)


@pytest.mark.parametrize("kind", sorted(kind_cases.ONNX_CASES, key=lambda k: k.name))
def test_each_kind_case_means_the_same_up_to_the_newest_opset_onnx_defines(kind):
    from hlsfx.frontends.onnx.reader import MAX_OPSET, MIN_OPSET

    assert (MIN_OPSET, MAX_OPSET) == (6, onnx.defs.onnx_opset_version())
    model = kind_cases.ONNX_CASES[kind](np.random.default_rng(0))
    shape = [d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:]]
    x = np.random.default_rng(1).normal(0, 2, (8, *shape))
    expected = hlsfx.configure(hlsfx.load(model), "ap_fixed<16,6>").predict(x, raw=True)
    for opset in (18, 21, MAX_OPSET):
        newer = onnx.ModelProto()
        newer.CopyFrom(model)
        newer.opset_import[0].version = opset
        got = hlsfx.configure(hlsfx.load(newer), "ap_fixed<16,6>").predict(x, raw=True)
        assert np.array_equal(got, expected), opset


def _upsampling(op: str, opset: int, inputs: tuple[str, ...], constants: dict, **attrs):
    node = helper.make_node(op, ["x", *inputs], ["y"], **attrs)
    model = kind_cases.onnx_model([node], (2, 3, 2), constants)
    model.opset_import[0].version = opset
    return model


@pytest.mark.parametrize(
    "model",
    [
        _upsampling("Upsample", 9, ("s",), {"s": np.array([1, 1, 2, 3])}),
        _upsampling("Resize", 10, ("s",), {"s": np.array([1, 1, 2, 3])}),
        _upsampling("Resize", 13, ("", "", "sizes"), {"sizes": np.array([1, 2, 6, 6])},
                    coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        _upsampling("Resize", 13, ("", "s"), {"s": np.array([1, 1, 2, 3])},
                    coordinate_transformation_mode="tf_half_pixel_for_nn", nearest_mode="floor"),
        _upsampling("Resize", 19, ("", "s"), {"s": np.array([1, 1, 2, 3])}),
    ],
    ids=["Upsample-9", "Resize-10", "Resize-13-sizes", "Resize-13-tf", "Resize-19"],
)  # fmt: skip
def test_nearest_upsampling_in_each_spelling_copies_each_input(model):
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.UPSAMPLING]
    x = np.random.default_rng(2).normal(0, 1, (5, 2, 3, 2))
    assert_close(reference.run(graph, x), x.repeat(2, axis=2).repeat(3, axis=3))
    if model.opset_import[0].version == 19:  # onnx's evaluator agrees (half_pixel, default)
        assert_close(reference.run(graph, x), onnx_float64(model, x))


def test_an_upsampling_that_does_not_copy_whole_inputs_is_refused_by_name():
    rounded = _upsampling("Resize", 13, ("", "s"), {"s": np.array([1, 1, 3, 3])},
                          coordinate_transformation_mode="asymmetric",
                          nearest_mode="round_prefer_ceil")  # fmt: skip
    with pytest.raises(hlsfx.ir.graph.GraphError, match="does not copy each input 3 times"):
        hlsfx.load(rounded)
    linear = _upsampling("Resize", 13, ("", "s"), {"s": np.array([1, 1, 2, 2])}, mode="linear")
    with pytest.raises(hlsfx.ir.graph.GraphError, match="mode 'linear': only nearest"):
        hlsfx.load(linear)
    fractional = _upsampling("Resize", 13, ("", "s"), {"s": np.array([1, 1, 1.5, 2])})
    with pytest.raises(hlsfx.ir.graph.GraphError, match="only integer factors"):
        hlsfx.load(fractional)


@pytest.mark.parametrize("opset", [13, 19])
def test_channels_last_nearest_upsampling_as_qonnx_holds_it(opset):
    """QONNX's channels-last graphs resize (N, H, W, C) data with scales [1, 2, 2, 1]."""
    modes = {"coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    node = helper.make_node("Resize", ["x", "", "s"], ["y"], mode="nearest", **modes)
    model = kind_cases.onnx_model([node], (3, 2, 4), {"s": np.array([1, 2, 3, 1])})
    model.opset_import[0].version = opset
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.UPSAMPLING]
    assert graph.layers[0].attrs["scales"] == [2, 3]
    x = np.random.default_rng(2).normal(0, 1, (5, 3, 2, 4))
    expected = x.repeat(2, axis=1).repeat(3, axis=2)
    assert_close(reference.run(graph, x), expected)
    assert_close(reference.run(graph, x), onnx_float64(model, x))
    y = hlsfx.configure(graph, "ap_fixed<24,8>").predict(x)
    assert y.shape == expected.shape
