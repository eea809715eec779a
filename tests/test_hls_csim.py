"""The decisive oracle for every layer: the generated HLS C++, compiled with g++ against the real
Xilinx ap_types headers, computes exactly the emulator's output codes (compared with == on raw
integers by the testbench and again here).

Every layer kind of the registry sits in one multi-output model (kind_cases.ALL_KINDS_MODEL),
emulated and compiled once per precision configuration: truncate/wrap, rounding with saturating
results, and a narrow saturating accumulator whose order matters. The random test vectors span each
input type's whole code range, so results overflow and casts meet ties (checked below)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import fixture
from kind_cases import ALL_KINDS_MODEL

import hlsfx
from hlsfx.codegen.csim import csim
from hlsfx.emulator import weighted
from hlsfx.ir.graph import Graph
from hlsfx.model_inputs import code_inputs
from hlsfx.numerics.hls4ml import HLS4ML

pytestmark = pytest.mark.csim

CONFIGURATIONS = {
    # the defaults: AP_TRN / AP_WRAP everywhere, exact accumulators; results drop an LSB;
    # narrow wrapping accumulators that round or truncate each product, or hold it exactly;
    # conv1d's keeps bits 28 and up of its products (past the 32-bit lanes of the others)
    "truncate_wrap": dict(
        default="ap_fixed<10,4>", roles={"result": "ap_fixed<8,3>"},
        layers={"dense": {"accum": "ap_fixed<11,4,AP_RND,AP_WRAP>"},
                "conv1d": {"weight": "ap_fixed<30,2>", "accum": "ap_fixed<9,3>"},
                "conv2d": {"accum": "ap_fixed<18,4>"}},
    ),
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
    # hls4ml's rules, on the kinds it reproduces: sigmoid and tanh index toward zero, the
    # sigmoid's table finer than its input's LSB (2048 entries over 16, the code multiplied),
    # the tanh's coarser (divided); hls4ml's softmax; wrapping accumulators (hls4ml's
    # default), dense's rounding bits 27 and up of its products
    "hls4ml": dict(
        default="ap_fixed<10,4,AP_RND,AP_SAT>", numerics="hls4ml", graph="hls4ml",
        roles={"result": "ap_fixed<9,4,AP_RND,AP_SAT>"},
        layers={"sigmoid": {"table_size": 2048}, "tanh": {"table_size": 4},
                "dense": {"weight": "ap_fixed<30,2>", "accum": "ap_fixed<11,4,AP_RND,AP_WRAP>"},
                "conv1d": {"accum": "ap_fixed<9,3>"}},
    ),
}  # fmt: skip
FAST_KERNELS = {
    "truncate_wrap": ["dense_wrap_float_kernel"] + ["dense_wrap_int32_kernel"] * 2,
    "hls4ml": ["dense_wrap_float_kernel", "dense_wrap_int32_kernel"],
}
"""the kernels the predictions' wrapping Dense and conv steps take, one call per layer: int32
lanes, rounding or not, and float64 sums where the bits kept pass 32"""
HLS_OPTIONS = {
    "hls4ml": {},
    "truncate_wrap": {},
    "round_saturate": {"strategy": "resource", "layers": {"dense": {"reuse_factor": 6}}},
    "narrow_accumulator": {"strategy": "resource", "layers": {"conv2d": {"reuse_factor": 4}}},
}


HLS4ML_ATTRS = {"clip": {"min": 0.0, "max": 2.0}, "binarize": {"scale": 1.0}}
"""what hls4ml's forms of these kinds take: a ReLU-max clip, a binary tanh of +-1"""


def _hls4ml_kinds_model():
    """The layers of the all-kinds model whose kinds numerics='hls4ml' reproduces, in the
    forms hls4ml has."""
    layers = [replace(x, attrs={**x.attrs, **HLS4ML_ATTRS.get(x.name, {})})
              for x in ALL_KINDS_MODEL.layers if HLS4ML.reproduces(x.kind)]  # fmt: skip
    outputs = [x.output for x in layers]
    shapes = {t: s for t, s in ALL_KINDS_MODEL.shapes.items() if t in {*outputs, "v", "w", "s",
                                                                      "img"}}  # fmt: skip
    used = [t for t in ALL_KINDS_MODEL.inputs if any(t in x.inputs for x in layers)]
    return Graph(tuple(used), tuple(outputs), tuple(layers), shapes)


def configured(name: str):
    """The model of configuration ``name``, configured."""
    settings = dict(CONFIGURATIONS[name])
    graph = _hls4ml_kinds_model() if settings.pop("graph", None) else ALL_KINDS_MODEL
    layers = {"softmax_latency": {"implementation": "latency"}, **settings.pop("layers", {})}
    return hlsfx.configure(graph, layers=layers, **settings)


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
def test_every_layer_kind_equals_the_emulator_bit_for_bit(
    configuration, ap_types_dir, gxx, tmp_path, csim_cache, monkeypatch
):
    qm = configured(configuration)
    project = qm.write_hls(tmp_path / "prj", vectors=300, **HLS_OPTIONS[configuration])
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.samples == 300
    assert result.mismatches == 0 and result.passed, result.summary()
    graph = qm.graph
    assert set(result.per_output) == set(graph.outputs)
    # the vectors reach the corners: values overflow in most layers
    codes = np.loadtxt(project / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)
    split = np.cumsum([int(np.prod(graph.shapes[t])) for t in graph.inputs])
    inputs = dict(zip(graph.inputs, np.split(codes, split[:-1], axis=1), strict=True))
    report = _overflows(qm, inputs)
    overflowing = [layer for layer, roles in report.items() if sum(roles.values())]
    assert len(overflowing) >= min(10, len(graph.layers) // 2), report
    # ... and the element-wise casts meet ties: the dropped bits of an input code are 10..0
    dropped = qm.tensor_types["v"].fractional - qm.precisions["linear"].types["result"].fractional
    assert dropped > 0
    ties = (inputs["v"] & ((1 << dropped) - 1)) == 1 << (dropped - 1)
    assert ties.sum() > 100
    if configuration in FAST_KERNELS:  # the predictions' fast Dense and conv steps ran
        ran = []
        for name in ("dense_wrap_int32_kernel", "dense_wrap_float_kernel"):
            kernel = getattr(weighted, name)
            monkeypatch.setattr(weighted, name, lambda *a, k=kernel, n=name: ran.append(n) or k(*a))
        fast = qm.predict_codes(inputs, threads=1)
        assert sorted(ran) == FAST_KERNELS[configuration]
        # ... and the counting steps give the same codes
        arrays = code_inputs(graph, qm.tensor_types, inputs)
        counted, _ = qm._executor.run(arrays, set(graph.outputs), None, 1, counted=True)
        assert all(np.array_equal(counted[t], fast[t]) for t in graph.outputs)
    if configuration == "hls4ml":  # both paths of the toward-zero index rule
        sigmoid, tanh = (qm.precisions[k].tables["table"] for k in ("sigmoid", "tanh"))
        assert sigmoid.rule == tanh.rule == "toward_zero"
        assert sigmoid.shift < 0 < tanh.shift


WIDE_CONFIGURATIONS = {
    # codes in int64; Dense and convolutions sum exactly past int64 (limb products, two limbs),
    # the kinds whose products exceed int64 run their kernels' exact twins
    "wide_limbs": dict(default="ap_fixed<60,20,AP_RND_CONV,AP_SAT>", input="ap_fixed<40,12>"),
    # every layer past int64: codes are Python integers, accumulators round and saturate
    "wide_python": dict(
        default="ap_fixed<100,30,AP_RND,AP_SAT>",
        roles={"accum": "ap_fixed<90,40,AP_RND_CONV,AP_SAT>"},
        input="ap_fixed<50,12>",
    ),
}
WIDE_PATHS = {"wide_limbs": "_dense_limbs", "wide_python": "exact_step"}


@pytest.mark.parametrize("configuration", sorted(WIDE_CONFIGURATIONS))
def test_every_layer_kind_past_64_bits_equals_the_emulator(
    configuration, ap_types_dir, gxx, tmp_path, csim_cache
):
    settings = dict(WIDE_CONFIGURATIONS[configuration])
    inputs = dict.fromkeys(ALL_KINDS_MODEL.inputs, settings.pop("input"))
    qm = hlsfx.configure(ALL_KINDS_MODEL, inputs=inputs, **settings)
    steps = {layers[0].name: step.__qualname__ for layers, step in qm._executor.plans[True][0]}
    assert WIDE_PATHS[configuration] in steps["dense"] and "exact_step" in steps["multiply"]
    project = qm.write_hls(tmp_path / "prj", vectors=100)
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.samples == 100
    assert result.mismatches == 0 and result.passed, result.summary()


def _overflows(qm, codes) -> dict[str, dict[str, int]]:
    return qm.overflow_report_codes(codes, threads=1).counts


FIXTURE_OPTIONS = {  # 490 x 256 weights: shared by 4 at most 65 536 multipliers per layer
    "brevitas/kwsmlp_w3a3.onnx": {
        "strategy": "resource",
        "layers": {"MatMul_11": {"reuse_factor": 4}},
    },
}


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
        "brevitas/TFC_1W1A.onnx",
        "brevitas/kwsmlp_w3a3.onnx",
    ],
)
def test_a_shared_fixture_equals_the_emulator_end_to_end(
    path, ap_types_dir, gxx, tmp_path, csim_cache
):
    qm = hlsfx.configure(hlsfx.load(fixture(path)), "ap_fixed<14,6,AP_RND,AP_SAT>")
    options = FIXTURE_OPTIONS.get(path, {})
    project = qm.write_hls(tmp_path / "prj", vectors=100, **options)
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.passed and result.mismatches == 0, result.summary()


def test_the_distributed_strategy_equals_the_emulator_bit_for_bit(
    ap_types_dir, gxx, tmp_path, csim_cache
):
    # Dense and every convolution as generated shifts and adds: the graph the RTL builds
    qm = configured("round_saturate")
    project = qm.write_hls(tmp_path / "prj", strategy="distributed", vectors=200)
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.samples == 200
    assert result.mismatches == 0 and result.passed, result.summary()
    for name in ("dense", "conv1d", "conv2d", "depthwise1d", "depthwise2d"):
        graph = (project / "firmware" / "weights" / f"{name}.h").read_text()
        assert f"struct {name}_graph" in graph and " * " not in graph, name
    top = (project / "firmware" / "myproject.cpp").read_text()
    assert "hlsfx::dense_distributed<" in top and "hlsfx::conv_2d_distributed<" in top
    assert "hlsfx::dense<" not in top
    refusals = [
        ({"strategy": "distributed", "io_type": "io_stream"},
         r"layer 'dense' \(Dense\): strategy 'distributed' is written for io_parallel"),
        ({"strategy": "distributed", "layers": {"conv2d": {"reuse_factor": 2}}},
         r"layer 'conv2d' \(Conv2D\): strategy 'distributed' has no multipliers to share"),
        ({"layers": {"relu": {"strategy": "distributed"}}},
         r"layer 'relu' \(ReLU\): strategy 'distributed' writes the constant matrix products"),
    ]  # fmt: skip
    for options, message in refusals:
        with pytest.raises(ValueError, match=message):
            qm.write_hls(tmp_path / "refused", vectors=4, **options)
    assert not (tmp_path / "refused").exists()
    # random matrices at their corners, after a ReLU whose codes are never negative (its
    # inputs read as unsigned, one bit narrower) and one whose can be
    from test_rtl_distributed import random_chain  # (it imports this module)

    chain, vectors = random_chain(0)
    project = chain.write_hls(tmp_path / "chain", strategy="distributed", vectors=vectors)
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.mismatches == 0 and result.passed, result.summary()
    narrow = chain.tensor_types["r0"].width - 1
    assert (
        f"const ap_uint<{narrow}> n0 = x[0].range({narrow - 1}, 0);"
        in (project / "firmware" / "weights" / "fc1.h").read_text()
    )
