"""The decisive oracle for every layer: the generated HLS C++, compiled with g++ against the real
Xilinx ap_types headers, computes exactly the emulator's output codes (compared with == on raw
integers by the testbench and again here).

Every layer kind of the registry sits in one multi-output model (ALL_KINDS_MODEL), emulated and
compiled once per precision configuration: truncate/wrap, rounding with saturating results,
and a narrow saturating accumulator whose order matters. The random test vectors span each
input type's whole code range, so results overflow and casts meet ties (checked below)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import fixture

import hlsfx
from hlsfx import kinds
from hlsfx.codegen.csim import csim
from hlsfx.graph import Graph, Layer, verify

pytestmark = pytest.mark.csim

V, S, IMG = (12,), (7, 3), (5, 6, 2)


def _conv_attrs(kernel, strides, pads, dilations=None):
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
        Layer("elu", kinds.ELU, ["v"], "elu_y", attrs={"alpha": 1.0}),
        Layer("selu", kinds.SELU, ["v"], "selu_y",
              attrs={"alpha": 1.6732632423543772, "gamma": 1.0507009873554805},
              params={"gamma": [1.0507009873554805]}),
        Layer("softmax", kinds.SOFTMAX, ["v"], "softmax_y"),
        Layer("softmax_latency", kinds.SOFTMAX, ["w"], "softmax_latency_y"),
        Layer("softmax_rows", kinds.SOFTMAX, ["s"], "softmax_rows_y"),  # over the last axis
        Layer("conv1d", kinds.CONV1D, ["s"], "conv1d_y", attrs=_conv_attrs([3], [1], [1, 1]),
              params={"weight": weights(3, 3, 4), "bias": weights(4)}),
        Layer("conv2d", kinds.CONV2D, ["img"], "conv2d_y",
              attrs=_conv_attrs([3, 2], [2, 1], [1, 0, 1, 1], [1, 2]),
              params={"weight": weights(3, 2, 2, 3), "bias": weights(3)}),
        Layer("depthwise1d", kinds.DEPTHWISE_CONV1D, ["s"], "depthwise1d_y",
              attrs=_conv_attrs([2], [2], [0, 1]),
              params={"weight": weights(2, 3), "bias": weights(3)}),
        Layer("depthwise2d", kinds.DEPTHWISE_CONV2D, ["img"], "depthwise2d_y",
              attrs=_conv_attrs([2, 2], [1, 1], [1, 1, 0, 0]),
              params={"weight": weights(2, 2, 2), "bias": weights(2)}),
        Layer("max_pool1d", kinds.MAX_POOL1D, ["s"], "max_pool1d_y",
              attrs=_conv_attrs([2], [2], [0, 1])),
        Layer("average_pool1d", kinds.AVERAGE_POOL1D, ["s"], "average_pool1d_y",
              attrs={**_conv_attrs([3], [1], [1, 1]), "count_include_pad": 0}),
        Layer("max_pool2d", kinds.MAX_POOL2D, ["img"], "max_pool2d_y",
              attrs=_conv_attrs([2, 2], [2, 2], [1, 0, 0, 1])),
        Layer("average_pool2d", kinds.AVERAGE_POOL2D, ["img"], "average_pool2d_y",
              attrs={**_conv_attrs([3, 3], [2, 2], [1, 1, 1, 1]), "count_include_pad": 1}),
        Layer("add", kinds.ADD, ["v", "w"], "add_y"),
        Layer("subtract", kinds.SUBTRACT, ["v", "w"], "subtract_y"),
        Layer("multiply", kinds.MULTIPLY, ["v", "w"], "multiply_y"),
        Layer("concatenate", kinds.CONCATENATE, ["s", "prelu_y"], "concatenate_y",
              attrs={"axis": 1}),
        Layer("batch_norm", kinds.BATCH_NORM, ["s"], "batch_norm_y",
              params={"scale": [1.5, -0.75, 0.3], "bias": [0.25, -2.0, 0.0]}),
        Layer("reshape", kinds.RESHAPE, ["s"], "reshape_y", attrs={"shape": [21]}),
        Layer("transpose", kinds.TRANSPOSE, ["img"], "transpose_y", attrs={"perm": [2, 0, 1]}),
    ]  # fmt: skip
    shapes = {"v": V, "w": V, "s": S, "img": IMG}
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    graph = Graph(("v", "w", "s", "img"), tuple(x.output for x in layers), tuple(layers), shapes)
    return verify(graph)


ALL_KINDS_MODEL = _all_kinds_graph()

CONFIGURATIONS = {
    # the defaults: AP_TRN / AP_WRAP everywhere, exact accumulators; results drop an LSB
    "truncate_wrap": dict(default="ap_fixed<10,4>", roles={"result": "ap_fixed<8,3>"}),
    # results round (dropping an LSB) and saturate; narrow tables
    "round_saturate": dict(
        default="ap_fixed<10,4,AP_RND_CONV,AP_SAT>",
        roles={"result": "ap_fixed<8,3,AP_RND,AP_SAT>", "table": "ap_fixed<10,2,AP_RND,AP_SAT>",
               "table_size": 256},
        # negative integer bits, and unsigned types
        layers={"dense": {"weight": "ap_fixed<8,-1,AP_RND,AP_SAT>"},
                "sigmoid": {"result": "ap_ufixed<8,-1,AP_RND,AP_SAT>"},
                "relu": {"result": "ap_ufixed<7,3,AP_RND_CONV,AP_SAT>"},
                "prelu": {"alpha": "ap_fixed<6,-1,AP_RND,AP_SAT>"}},
    ),
    # a narrow accumulator that saturates (the order of the sum matters) and rounds products
    "narrow_accumulator": dict(
        default="ap_fixed<9,3,AP_RND_ZERO,AP_SAT_SYM>",
        roles={"accum": "ap_fixed<11,3,AP_RND_INF,AP_SAT>", "sum": "ap_fixed<12,5,AP_TRN,AP_SAT>",
               "result": "ap_fixed<7,2,AP_RND_MIN_INF,AP_SAT_ZERO>"},
        layers={"hard_sigmoid": {"alpha": "ap_fixed<6,-1>"},
                "conv1d": {"weight": "ap_fixed<7,-1,AP_RND_CONV,AP_SAT>"}},
    ),
}  # fmt: skip
HLS_OPTIONS = {
    "truncate_wrap": {},
    "round_saturate": {"strategy": "resource", "layers": {"dense": {"reuse_factor": 6}}},
    "narrow_accumulator": {"strategy": "resource", "layers": {"conv2d": {"reuse_factor": 4}}},
}


def _model(name: str):
    settings = dict(CONFIGURATIONS[name])
    layers = {"softmax_latency": {"implementation": "latency"}, **settings.pop("layers", {})}
    return hlsfx.configure(ALL_KINDS_MODEL, layers=layers, **settings)


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
def test_every_layer_kind_equals_the_emulator_bit_for_bit(
    configuration, ap_types_dir, gxx, tmp_path, csim_cache
):
    qm = _model(configuration)
    project = qm.write_hls(tmp_path / "prj", vectors=300, **HLS_OPTIONS[configuration])
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.samples == 300
    assert result.mismatches == 0 and result.passed, result.summary()
    assert set(result.per_output) == set(ALL_KINDS_MODEL.outputs)
    # the vectors reach the corners: values overflow in most layers
    codes = np.loadtxt(project / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)
    split = np.cumsum([int(np.prod(ALL_KINDS_MODEL.shapes[t])) for t in ALL_KINDS_MODEL.inputs])
    inputs = dict(zip(ALL_KINDS_MODEL.inputs, np.split(codes, split[:-1], axis=1), strict=True))
    report = _overflows(qm, inputs)
    overflowing = [layer for layer, roles in report.items() if sum(roles.values())]
    assert len(overflowing) >= 10, report
    # ... and the element-wise casts meet ties: the dropped bits of an input code are 10..0
    dropped = qm.tensor_types["v"].fractional - qm.precisions["linear"].types["result"].fractional
    assert dropped > 0
    ties = (inputs["v"] & ((1 << dropped) - 1)) == 1 << (dropped - 1)
    assert ties.sum() > 100


def _overflows(qm, codes) -> dict[str, dict[str, int]]:
    return qm.overflow_report_codes(codes, threads=1).counts


@pytest.mark.parametrize(
    "path",
    [
        "onnx/three_layer_keras.onnx",
        "onnx/two_layer_keras.onnx",
        "onnx/conv1d_small_keras.onnx",
        "onnx/conv2d_small_keras.onnx",
        "qonnx/qkeras_jettagging.onnx",
        "qonnx/model_test_qkeras_qdense_0.onnx",
        "qonnx/model_test_qkeras_qactivation_0.onnx",
        "qonnx/model_test_qkeras_qconv2d_0.onnx",
        "onnx/bnn_model_fc_1layer.onnx",
        "onnx/three_layer_pytorch.onnx",
    ],
)
def test_a_shared_fixture_equals_the_emulator_end_to_end(
    path, ap_types_dir, gxx, tmp_path, csim_cache
):
    qm = hlsfx.configure(hlsfx.load(fixture(path)), "ap_fixed<14,6,AP_RND,AP_SAT>")
    project = qm.write_hls(tmp_path / "prj", vectors=100)
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.passed and result.mismatches == 0, result.summary()
