"""One case per layer kind: the single place on the test side where a new kind is added.

- ``ALL_KINDS_MODEL``: every kind in one multi-output model, which C simulation
  (test_hls_csim: the generated C++ against the real ap_types headers) and RTL co-simulation
  (test_rtl) run against the emulator, bit for bit.
- ``ONNX_CASES``: for each kind an ONNX op makes, a small ONNX model whose graph holds it;
  test_reference compares that graph's float meaning with onnx's own float64 evaluation.

test_conformance fails when a registered kind is missing from either (it names the kinds only
a quantizer makes, and the tests that check those against their source's execution)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from hlsfx import FixedType
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer, verify

V, S, IMG = (12,), (7, 3), (5, 6, 2)


def conv_attrs(kernel, strides, pads, dilations=None):
    return {
        "kernel": list(kernel),
        "strides": list(strides),
        "dilations": list(dilations or [1] * len(kernel)),
        "pads": list(pads),
    }


def _all_kinds_graph() -> Graph:
    rng = np.random.default_rng(7)

    def weights(*shape):
        w = rng.normal(0.0, 0.6, shape)
        w.reshape(-1)[::5] = 0.0  # zero weights still form their products
        return w

    layers = [
        Layer("dense", kinds.DENSE, ["v"], "dense_y", params={"weight": weights(12, 5),
                                                             "bias": weights(5)}),
        Layer("relu", kinds.RELU, ["v"], "relu_y"),
        Layer("linear", kinds.LINEAR, ["v"], "linear_y"),
        Layer("leaky", kinds.LEAKY_RELU, ["v"], "leaky_y", params={"alpha": [0.3]}),
        Layer("prelu", kinds.PRELU, ["s"], "prelu_y", params={"alpha": [0.25, -0.5, 1.5]}),
        Layer("clip", kinds.CLIP, ["v"], "clip_y", attrs={"min": -1.3, "max": 2.2}),
        Layer("hard_sigmoid", kinds.HARD_SIGMOID, ["v"], "hard_sigmoid_y",
              params={"alpha": [0.2], "beta": [0.5]}),
        Layer("binarize", kinds.BINARIZE, ["v"], "binarize_y", attrs={"scale": 0.5}),
        Layer("sigmoid", kinds.SIGMOID, ["v"], "sigmoid_y"),
        Layer("tanh", kinds.TANH, ["v"], "tanh_y"),
        Layer("softplus", kinds.SOFTPLUS, ["v"], "softplus_y"),
        Layer("softsign", kinds.SOFTSIGN, ["v"], "softsign_y"),
        Layer("gelu", kinds.GELU, ["v"], "gelu_y"),
        Layer("gelu_tanh", kinds.GELU_TANH, ["w"], "gelu_tanh_y"),
        Layer("silu", kinds.SILU, ["v"], "silu_y"),
        Layer("mish", kinds.MISH, ["w"], "mish_y"),
        Layer("exp", kinds.EXP, ["v"], "exp_y"),
        Layer("elu", kinds.ELU, ["v"], "elu_y", attrs={"alpha": 1.0}),
        Layer("selu", kinds.SELU, ["v"], "selu_y",
              attrs={"alpha": 1.6732632423543772, "gamma": 1.0507009873554805},
              params={"gamma": [1.0507009873554805]}),
        Layer("softmax", kinds.SOFTMAX, ["v"], "softmax_y"),
        Layer("softmax_latency", kinds.SOFTMAX, ["w"], "softmax_latency_y"),
        Layer("softmax_rows", kinds.SOFTMAX, ["s"], "softmax_rows_y"),  # over the last axis
        Layer("conv1d", kinds.CONV1D, ["s"], "conv1d_y", attrs=conv_attrs([3], [1], [1, 1]),
              params={"weight": weights(3, 3, 4), "bias": weights(4)}),
        Layer("conv2d", kinds.CONV2D, ["img"], "conv2d_y",
              attrs=conv_attrs([3, 2], [2, 1], [1, 0, 1, 1], [1, 2]),
              params={"weight": weights(3, 2, 2, 3), "bias": weights(3)}),
        Layer("depthwise1d", kinds.DEPTHWISE_CONV1D, ["s"], "depthwise1d_y",
              attrs=conv_attrs([2], [2], [0, 1]),
              params={"weight": weights(2, 3), "bias": weights(3)}),
        Layer("depthwise2d", kinds.DEPTHWISE_CONV2D, ["img"], "depthwise2d_y",
              attrs=conv_attrs([2, 2], [1, 1], [1, 1, 0, 0]),
              params={"weight": weights(2, 2, 2), "bias": weights(2)}),
        Layer("max_pool1d", kinds.MAX_POOL1D, ["s"], "max_pool1d_y",
              attrs=conv_attrs([2], [2], [0, 1])),
        Layer("average_pool1d", kinds.AVERAGE_POOL1D, ["s"], "average_pool1d_y",
              attrs={**conv_attrs([3], [1], [1, 1]), "count_include_pad": 0}),
        Layer("max_pool2d", kinds.MAX_POOL2D, ["img"], "max_pool2d_y",
              attrs=conv_attrs([2, 2], [2, 2], [1, 0, 0, 1])),
        Layer("average_pool2d", kinds.AVERAGE_POOL2D, ["img"], "average_pool2d_y",
              attrs={**conv_attrs([3, 3], [2, 2], [1, 1, 1, 1]), "count_include_pad": 1}),
        Layer("add", kinds.ADD, ["v", "w"], "add_y"),
        Layer("subtract", kinds.SUBTRACT, ["v", "w"], "subtract_y"),
        Layer("multiply", kinds.MULTIPLY, ["v", "w"], "multiply_y"),
        Layer("concatenate", kinds.CONCATENATE, ["s", "prelu_y"], "concatenate_y",
              attrs={"axis": 1}),
        Layer("batch_norm", kinds.BATCH_NORM, ["s"], "batch_norm_y",
              params={"scale": [1.5, -0.75, 0.3], "bias": [0.25, -2.0, 0.0]}),
        Layer("reshape", kinds.RESHAPE, ["s"], "reshape_y", attrs={"shape": [21]}),
        Layer("transpose", kinds.TRANSPOSE, ["img"], "transpose_y", attrs={"perm": [2, 0, 1]}),
        Layer("upsampling", kinds.UPSAMPLING, ["img"], "upsampling_y", attrs={"scales": [2, 3]}),
        Layer("threshold", kinds.THRESHOLD, ["s"], "threshold_y",  # rising, falling, constant
              params={"scale": [0.37, -1.3, 0.0], "bias": [-0.21, 0.1, 0.4]},
              fixed={"result": FixedType.parse("ap_fixed<3,1,AP_RND_CONV,AP_SAT_SYM>")}),
        Layer("slice", kinds.SLICE, ["img"], "slice_y",
              attrs={"starts": [1, 5, 0], "ends": [4, None, 2], "steps": [2, -2, 1]}),
        Layer("pad", kinds.PAD, ["img"], "pad_y",  # a pad value the result type rounds
              attrs={"pads": [[1, 0], [0, 2], [1, 1]], "mode": "constant", "value": 0.7}),
        Layer("pad_reflect", kinds.PAD, ["s"], "pad_reflect_y",
              attrs={"pads": [[2, 1], [0, 0]], "mode": "reflect"}),
    ]  # fmt: skip
    shapes = {"v": V, "w": V, "s": S, "img": IMG}
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    graph = Graph(("v", "w", "s", "img"), tuple(x.output for x in layers), tuple(layers), shapes)
    return verify(graph)


ALL_KINDS_MODEL = _all_kinds_graph()


def onnx_model(nodes, input_shape, initializers, opset: int = 15) -> onnx.ModelProto:
    """A model from input ``x`` (batch first, then ``input_shape``) to output ``y``."""
    model = helper.make_model(
        helper.make_graph(
            nodes, "case",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", *input_shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            [numpy_helper.from_array(np.asarray(v, np.float32), k)
             for k, v in initializers.items()],
        ),
        opset_imports=[helper.make_opsetid("", opset)],
    )  # fmt: skip
    model.ir_version = 8
    return model


def _op(op: str, shape=(6,), inputs=("x",), initializers=None, opset=15, **attrs):
    """One node of ``op`` on the input (and the named constants), in ``opset``."""
    node = helper.make_node(op, list(inputs), ["y"], **attrs)
    return lambda r: onnx_model(
        [node], shape, {k: f(r) for k, f in (initializers or {}).items()}, opset
    )


def _on_relu(op: str, shape=(3, 2, 2), second="r", initializers=None, **attrs):
    """``op`` of a ReLU's output and ``second`` (a tensor, or a constant's name)."""
    nodes = [helper.make_node("Relu", ["x"], ["r"]),
             helper.make_node(op, ["r", second], ["y"], **attrs)]  # fmt: skip
    return lambda r: onnx_model(nodes, shape, {k: f(r) for k, f in (initializers or {}).items()})


def _normal(*shape):
    return lambda r: r.normal(0, 0.7, shape)


def _flattened_conv(r: np.random.Generator) -> onnx.ModelProto:
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"]), helper.make_node("Flatten", ["c"], ["y"])]
    return onnx_model(nodes, (3, 2, 2), {"w": r.normal(0, 0.7, (2, 3, 1, 1))})


def _after_conv(op: str, **indices):
    """``op`` of a convolution's output (channels-last inside, so the op's ONNX axes are found
    through the layout), its other inputs the int64 constants ``indices`` in order."""

    def make(r: np.random.Generator) -> onnx.ModelProto:
        nodes = [helper.make_node("Conv", ["x", "w"], ["c"]),
                 helper.make_node(op, ["c", *indices], ["y"])]  # fmt: skip
        model = onnx_model(nodes, (2, 5, 6), {"w": r.normal(0, 0.7, (3, 2, 1, 1))})
        model.graph.initializer.extend(
            numpy_helper.from_array(np.asarray(v, np.int64), k) for k, v in indices.items()
        )
        return model

    return make


ONNX_CASES: dict[kinds.LayerKind, Callable[[np.random.Generator], onnx.ModelProto]] = {
    kinds.DENSE: _op("Gemm", inputs=("x", "w", "b"), transB=1,
                     initializers={"w": _normal(4, 6), "b": _normal(4)}),
    kinds.CONV1D: _op("Conv", (3, 8), ("x", "w", "b"), pads=[1, 1],
                      initializers={"w": _normal(4, 3, 3), "b": _normal(4)}),
    kinds.CONV2D: _op("Conv", (2, 6, 5), ("x", "w", "b"), strides=[2, 1], pads=[1, 0, 1, 1],
                      dilations=[1, 2], initializers={"w": _normal(3, 2, 3, 2), "b": _normal(3)}),
    kinds.DEPTHWISE_CONV1D: _op("Conv", (3, 8), ("x", "w"), group=3, strides=[2],
                                initializers={"w": _normal(3, 1, 2)}),
    kinds.DEPTHWISE_CONV2D: _op("Conv", (2, 5, 6), ("x", "w"), group=2, pads=[1, 1, 0, 0],
                                initializers={"w": _normal(2, 1, 2, 2)}),
    kinds.RELU: _op("Relu"),
    kinds.LEAKY_RELU: _op("LeakyRelu", alpha=0.1),
    kinds.PRELU: _op("PRelu", (3, 2, 2), ("x", "s"), initializers={"s": _normal(3, 1, 1)}),
    kinds.CLIP: _op("Clip", inputs=("x", "lo", "hi"),
                    initializers={"lo": lambda r: -0.75, "hi": lambda r: 1.5}),
    kinds.HARD_SIGMOID: _op("HardSigmoid", alpha=0.25, beta=0.4),
    kinds.SIGMOID: _op("Sigmoid"),
    kinds.TANH: _op("Tanh"),
    kinds.SOFTPLUS: _op("Softplus"),
    kinds.SOFTSIGN: _op("Softsign"),
    kinds.GELU: _op("Gelu", opset=20),
    kinds.GELU_TANH: _op("Gelu", opset=20, approximate="tanh"),
    kinds.SILU: lambda r: onnx_model([helper.make_node("Sigmoid", ["x"], ["s"]),
                                      helper.make_node("Mul", ["s", "x"], ["y"])], (6,), {}),
    kinds.MISH: _op("Mish", opset=18),
    kinds.EXP: _op("Exp"),
    kinds.ELU: _op("Elu", alpha=0.7),
    kinds.SELU: _op("Selu"),
    kinds.SOFTMAX: _op("Softmax"),
    kinds.MAX_POOL1D: _op("MaxPool", (3, 8), kernel_shape=[3], strides=[2], pads=[1, 1]),
    kinds.MAX_POOL2D: _op("MaxPool", (2, 6, 6), kernel_shape=[2, 2], strides=[2, 2]),
    kinds.AVERAGE_POOL1D: _op("AveragePool", (3, 8), kernel_shape=[2], pads=[1, 1],
                              count_include_pad=1),
    kinds.AVERAGE_POOL2D: _op("AveragePool", (2, 5, 5), kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                              count_include_pad=0),
    kinds.ADD: _on_relu("Add", second="x"),
    kinds.SUBTRACT: _on_relu("Sub", second="x"),
    kinds.MULTIPLY: _on_relu("Mul", second="x"),
    kinds.CONCATENATE: _on_relu("Concat", second="x", axis=1),
    kinds.BATCH_NORM: lambda r: onnx_model(
        [helper.make_node("Relu", ["x"], ["r"]),
         helper.make_node("BatchNormalization", ["r", "g", "b", "m", "v"], ["y"], epsilon=1e-3)],
        (3, 2, 2),
        {"g": r.normal(1, 0.3, 3), "b": r.normal(0, 1, 3), "m": r.normal(0, 1, 3),
         "v": r.uniform(0.5, 2, 3)},
    ),
    kinds.RESHAPE: lambda r: _flattened_conv(r),
    kinds.TRANSPOSE: lambda r: _flattened_conv(r),  # the conv's channels move back first
    kinds.UPSAMPLING: _op("Resize", (2, 3, 2), ("x", "", "scales"),
                          initializers={"scales": lambda r: np.array([1, 1, 2, 3])}),
    kinds.PAD: _after_conv("Pad", pads=[0, 1, 2, 0, 0, 0, 1, 3]),
    kinds.SLICE: _after_conv("Slice", starts=[1, -1, 0], ends=[3, -100, 5], axes=[1, 3, 2],
                             steps=[1, -2, 2]),
}  # fmt: skip
"""Each kind an ONNX op makes, and a model whose graph holds it."""
