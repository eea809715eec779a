from __future__ import annotations

import numpy as np
import onnx
import pytest
from conftest import fixture
from onnx import TensorProto, helper, numpy_helper

import hlsfx
from hlsfx.frontends.onnx.reader import SUPPORTED_OPS, load_onnx
from hlsfx.ir import kinds, reference
from hlsfx.ir.graph import Graph, GraphError, Layer, verify


def _model(nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    return model


def test_jet_tagger_becomes_dense_relu_softmax():
    graph = load_onnx(fixture("onnx/three_layer_keras.onnx"))
    assert [layer.kind for layer in graph.layers] == [kinds.DENSE, kinds.RELU] * 3 + [
        kinds.DENSE,
        kinds.SOFTMAX,
    ]
    assert [graph.shapes[layer.output] for layer in graph.layers[::2]] == [
        (64,),
        (32,),
        (32,),
        (5,),
    ]
    assert graph.shapes[graph.inputs[0]] == (16,)
    first = graph.layers[0]
    assert first.params["weight"].shape == (16, 64) and first.params["bias"].shape == (64,)
    assert "MatMul" in first.source and "Add" in first.source


def test_pytorch_export_with_a_fixed_batch_of_789444_loads():
    graph = load_onnx(fixture("onnx/three_layer_pytorch.onnx"))
    assert graph.shapes[graph.inputs[0]] == (16,)
    keras = load_onnx(fixture("onnx/three_layer_keras.onnx"))
    assert [layer.kind for layer in graph.layers] == [layer.kind for layer in keras.layers]


def test_gemm_transposes_and_scales():
    w = np.arange(6, dtype=np.float32).reshape(3, 2)
    model = _model(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1, alpha=2.0, beta=0.5)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 3])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(np.ones(3, np.float32), "b")],
    )
    (layer,) = load_onnx(model).layers
    assert np.array_equal(layer.params["weight"], 2.0 * w.T)
    assert np.array_equal(layer.params["bias"], [0.5, 0.5, 0.5])


def test_constant_subgraphs_are_folded():
    w = np.arange(6, dtype=np.float32).reshape(2, 3)
    model = _model(
        [
            helper.make_node("Transpose", ["wt"], ["w"], perm=[1, 0]),
            helper.make_node("MatMul", ["x", "w"], ["y"]),
        ],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [numpy_helper.from_array(w, "wt")],
    )
    (layer,) = load_onnx(model).layers
    assert np.array_equal(layer.params["weight"], w.T)


def test_unsupported_op_names_node_type_domain_and_supported_ops():
    model = _model(
        [helper.make_node("Erf", ["x"], ["y"], name="mystery")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    with pytest.raises(GraphError) as error:
        load_onnx(model)
    message = str(error.value)
    assert "ONNX node 'mystery' (Erf): op 'Erf' is not supported; supported ops: " in message
    assert ", ".join(SUPPORTED_OPS) in message
    custom = _model(
        [helper.make_node("Quantum", ["x"], ["y"], name="q", domain="example.org")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
    )
    custom.opset_import.append(helper.make_opsetid("example.org", 1))
    with pytest.raises(GraphError, match=r"node 'q' \(Quantum, domain 'example.org'\)"):
        load_onnx(custom)


def test_truncated_missing_and_foreign_files(tmp_path):
    data = fixture("onnx/three_layer_keras.onnx").read_bytes()
    truncated = tmp_path / "truncated.onnx"
    truncated.write_bytes(data[: len(data) // 3])
    with pytest.raises(
        GraphError, match=r"ONNX model '.*truncated.onnx': not a readable ONNX file"
    ):
        load_onnx(truncated)
    with pytest.raises(FileNotFoundError, match=r"ONNX model '.*nothing.onnx': no such file"):
        load_onnx(tmp_path / "nothing.onnx")
    empty = tmp_path / "empty.onnx"
    empty.write_bytes(b"")
    with pytest.raises(GraphError, match="the graph has no nodes"):
        load_onnx(empty)


def test_verify_catches_broken_graphs():
    good = load_onnx(fixture("onnx/two_layer_keras.onnx"))
    layers = list(good.layers)
    swapped = Graph(good.inputs, good.outputs, [layers[1], layers[0], *layers[2:]], good.shapes)
    with pytest.raises(GraphError, match=r"reads .* before anything produces it"):
        verify(swapped)
    wrong = dict(good.shapes)
    wrong[layers[0].output] = (7,)
    with pytest.raises(GraphError, match=r"has shape \(7,\), but its inputs give \(32,\)"):
        verify(Graph(good.inputs, good.outputs, layers, wrong))
    bad_weight = Layer(
        "d", kinds.DENSE, good.inputs, "y", params={"weight": np.ones(3), "bias": np.ones(3)}
    )
    with pytest.raises(GraphError, match=r"layer 'd' \(Dense\) needs a weight \(n_in, n_out\)"):
        verify(Graph(good.inputs, ("y",), [bad_weight], {**good.shapes, "y": (3,)}))


def test_layers_are_immutable():
    layer = load_onnx(fixture("onnx/two_layer_keras.onnx")).layers[0]
    with pytest.raises(ValueError):
        layer.params["weight"][0, 0] = 1.0
    with pytest.raises(TypeError):
        layer.params["weight"] = None


def test_static_shape_subgraphs_fold_away():
    """PyTorch and Brevitas compute a flatten's target from the input's shape: Shape, Gather,
    Cast, arithmetic, Unsqueeze, Concat, ConstantOfShape; all of it folds into constants."""
    index = numpy_helper.from_array(np.array(1, np.int64), "one")
    zero = numpy_helper.from_array(np.array(0, np.int64), "zero")
    twelve = numpy_helper.from_array(np.array(12.0, np.float32), "twelve")
    size = numpy_helper.from_array(np.array([1], np.int64), "size")
    nodes = [
        helper.make_node("Shape", ["x"], ["s"]),
        helper.make_node("Gather", ["s", "zero"], ["batch"], axis=0),
        helper.make_node("Gather", ["s", "one"], ["channels"], axis=0),
        helper.make_node("Cast", ["channels"], ["cf"], to=TensorProto.FLOAT),
        helper.make_node("Mul", ["cf", "twelve"], ["features_f"]),
        helper.make_node("Cast", ["features_f"], ["features"], to=TensorProto.INT64),
        helper.make_node("Unsqueeze", ["batch"], ["b1"], axes=[0]),
        helper.make_node("Unsqueeze", ["features"], ["f1"], axes=[0]),
        helper.make_node("Concat", ["b1", "f1"], ["target"], axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"]),
        helper.make_node("ConstantOfShape", ["size"], ["ones"],
                         value=numpy_helper.from_array(np.array([2.0], np.float32))),
        helper.make_node("Mul", ["flat", "ones"], ["y"]),
    ]  # fmt: skip
    model = _model(
        nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 2, 3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 24])],
        [index, zero, twelve, size],
        opset=11,
    )
    graph = load_onnx(model)
    assert [layer.kind for layer in graph.layers] == [kinds.RESHAPE, kinds.BATCH_NORM]
    assert graph.shapes[graph.layers[0].output] == (24,)
    assert graph.layers[1].params["scale"].tolist() == [2.0] * 24


def test_pow_folds_on_constants_and_is_refused_on_a_tensor():
    base = numpy_helper.from_array(np.array([9.0], np.float32), "base")
    half = numpy_helper.from_array(np.array(0.5, np.float32), "half")
    nodes = [helper.make_node("Pow", ["base", "half"], ["root"]),
             helper.make_node("Div", ["x", "root"], ["y"])]  # fmt: skip
    io = ([helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 4])],
          [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4])])  # fmt: skip
    graph = load_onnx(_model(nodes, *io, [base, half]))
    assert graph.layers[0].params["scale"].tolist() == [1 / 3] * 4
    squared = [helper.make_node("Pow", ["x", "half"], ["y"])]
    with pytest.raises(GraphError, match=r"'y' \(Pow\): Pow of a computed tensor is not supp"):
        load_onnx(_model(squared, *io, [half]))


def _erf_gelu(half_first: bool, scale_by: str, extra_reader: bool = False) -> onnx.ModelProto:
    """GELU's erf form as exporters before opset 20 write it, constants as Constant nodes."""

    def scalar(name, value):
        tensor = numpy_helper.from_array(np.array(value, np.float32), name)
        return helper.make_node("Constant", [], [name], value=tensor)

    root = np.float32(np.sqrt(2.0)) if scale_by == "Div" else np.float32(np.sqrt(0.5))
    nodes = [
        helper.make_node("Relu", ["x"], ["r"]),
        scalar("root", root),
        scalar("one", 1.0),
        scalar("half", 0.5),
        helper.make_node(scale_by, ["r", "root"], ["d"]),
        helper.make_node("Erf", ["d"], ["e"]),
        helper.make_node("Add", ["one", "e"], ["a"]),
    ]
    if half_first:
        nodes += [
            helper.make_node("Mul", ["r", "half"], ["h"]),
            helper.make_node("Mul", ["h", "a"], ["y"]),
        ]
    else:
        nodes += [
            helper.make_node("Mul", ["a", "r"], ["m"]),
            helper.make_node("Mul", ["m", "half"], ["y"]),
        ]
    outputs = ["y", "e"] if extra_reader else ["y"]
    graph = helper.make_graph(
        nodes,
        "gelu",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 6])],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model  # fmt: skip


@pytest.mark.parametrize(("half_first", "scale_by"), [(False, "Div"), (True, "Mul")])
def test_the_erf_form_of_gelu_is_one_gelu_layer(half_first, scale_by):
    from test_reference import FLOAT32_CONSTANTS, assert_close, onnx_float64

    model = _erf_gelu(half_first, scale_by)
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kinds.RELU, kinds.GELU]
    x = np.random.default_rng(5).normal(0, 2, (40, 6))
    assert_close(reference.run(graph, x), onnx_float64(model, x), FLOAT32_CONSTANTS[kinds.GELU])
    with pytest.raises(GraphError, match=r"op 'Erf' is not supported"):
        hlsfx.load(_erf_gelu(half_first, scale_by, extra_reader=True))  # erf read elsewhere
