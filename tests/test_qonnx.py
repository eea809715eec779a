"""QONNX models: every shared fixture loads, and the emulator at the types the Quant nodes imply
equals QONNX's own execution of the same graph, layer by layer, where the semantics coincide.

They coincide everywhere but in Softmax: QONNX evaluates exp and 1/sum in float, hlsfx from
tables (docs/numerics.md), so softmax outputs are compared within the tables' resolution. Inputs are
drawn on a grid that the input type holds exactly, and layers that no Quant node types keep
their exact accumulator as result type, so that every rounding is one a Quant node defines.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from conftest import FIXTURES, TESTS, fixture
from onnx import TensorProto, helper, numpy_helper

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import GraphError

DATA = TESTS / "data"

PENDING: dict[str, str] = {}  # fixture -> why it cannot load yet (a strict xfail)
ALL_FIXTURES = sorted(
    str(p.relative_to(FIXTURES))
    for folder in ("onnx", "qonnx", "brevitas")
    for p in (FIXTURES / folder).glob("*.onnx")
) or ["(fixtures missing)"]
QONNX_FIXTURES = {  # fixture -> samples compared
    "qonnx/qkeras_jettagging.onnx": 24,
    "qonnx/model_test_qkeras_qdense_0.onnx": 24,
    "qonnx/model_test_qkeras_qactivation_0.onnx": 24,
    "qonnx/model_test_qkeras_qconv2d_0.onnx": 24,
    "onnx/bnn_model_fc_1layer.onnx": 24,
    "onnx/separable_conv_model_ch_last.onnx": 2,  # on 32 x 32 crops, see _small
}
CROPS = {"onnx/separable_conv_model_ch_last.onnx": 32}  # fully convolutional: same weights


def _small(path: Path, side: int, folder: Path) -> Path:
    """The same fully convolutional model on side x side images (QONNX runs 512 x 512 slowly)."""
    model = onnx.load(str(path))
    for value in [*model.graph.input, *model.graph.output, *model.graph.value_info]:
        dims = value.type.tensor_type.shape.dim
        if len(dims) == 4 and dims[1].dim_value == dims[2].dim_value == 512:  # N, H, W, C
            dims[1].dim_value = dims[2].dim_value = side
    small = folder / path.name
    onnx.save(model, str(small))
    return small


SOFTMAX_BOUND = 5e-3  # 1024-entry tables of ap_fixed<18,8>: exp step 2**-6, 1/sum step 2**-7


@pytest.mark.parametrize(
    "relative",
    [
        pytest.param(r, marks=pytest.mark.xfail(reason=PENDING[r], raises=GraphError, strict=True))
        if r in PENDING
        else r
        for r in ALL_FIXTURES
    ],
)
def test_every_shared_fixture_loads(relative):
    graph = hlsfx.load(fixture(relative))
    assert graph.layers


@pytest.fixture
def qonnx_execute(monkeypatch):
    """QONNX's reference execution (every tensor of the graph), one sample at a time."""
    pytest.importorskip("qonnx", reason="pip install qonnx (the test extra)")
    from qonnx.core.modelwrapper import ModelWrapper
    from qonnx.core.onnx_exec import execute_onnx

    make_model = onnx.helper.make_model

    def capped(*args, **kwargs):  # onnxruntime 1.31 reads IR version 13 at most; onnx writes 14
        model = make_model(*args, **kwargs)
        model.ir_version = min(model.ir_version, 10)
        return model

    monkeypatch.setattr(onnx.helper, "make_model", capped)

    from qonnx.transformation.infer_shapes import InferShapes

    def execute(path: Path, name: str, x: np.ndarray, keys: list[str]) -> dict[str, np.ndarray]:
        model = ModelWrapper(str(path)).transform(InferShapes())
        contexts = [
            execute_onnx(model, {name: s[None].astype(np.float32)}, return_full_exec_context=True)
            for s in x
        ]
        return {k: np.concatenate([c[k] for c in contexts]) for k in keys if k in contexts[0]}

    return execute


def exact_where_quantized(graph) -> hlsfx.QuantizedModel:
    qm = hlsfx.configure(graph, "ap_fixed<24,12>")
    exact = {
        layer.name: {"result": str(qm.precisions[layer.name].types["accum"])}
        for layer in graph.layers
        if layer.kind.weighted and "result" not in layer.fixed
    }
    return hlsfx.configure(graph, "ap_fixed<24,12>", layers=exact)


@pytest.mark.parametrize("relative", sorted(QONNX_FIXTURES))
def test_emulator_equals_qonnx_execution_layer_by_layer(relative, qonnx_execute, tmp_path):
    path = fixture(relative)
    if relative in CROPS:
        path = _small(path, CROPS[relative], tmp_path)
    graph = hlsfx.load(path)
    name = graph.inputs[0]
    perm = graph.layout(name)
    shape = tuple(graph.shapes[name][p] for p in perm)
    x = np.random.default_rng(9).integers(-2048, 2048, (QONNX_FIXTURES[relative], *shape)) / 256.0
    reference = qonnx_execute(path, name, x, [layer.output for layer in graph.layers])
    trace = exact_where_quantized(graph).trace(x)
    compared = 0
    for layer in graph.layers:
        if layer.output not in reference:
            continue
        layout = (0, *(1 + np.asarray(graph.layout(layer.output))))
        ours = trace[layer.name].transpose(layout)
        theirs = reference[layer.output].reshape(ours.shape)
        if layer.kind is kinds.SOFTMAX:
            assert np.max(np.abs(ours - theirs)) < SOFTMAX_BOUND, layer.describe()
        else:
            assert np.array_equal(ours, theirs), layer.describe()
        compared += 1
    assert compared >= len([x for x in graph.layers if x.kind is not kinds.RESHAPE]) - 1


def test_quant_types_follow_the_nodes():
    graph = hlsfx.load(fixture("qonnx/qkeras_jettagging.onnx"))
    dense, relu = graph.layers[0], graph.layers[1]
    assert str(dense.fixed["weight"]) == "ap_fixed<6,1,AP_RND_CONV,AP_SAT>"
    assert str(dense.fixed["bias"]) == "ap_fixed<6,1,AP_RND_CONV,AP_SAT>"
    assert str(relu.fixed["result"]) == "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"
    assert relu.output == "Quant_8_out0"  # the ReLU computes what the Quant node outputs
    qm = hlsfx.configure(graph)
    assert str(qm.precisions[relu.name].types["result"]) == "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"


def _quant_model(scale, zero=0.0, bits=4.0, **attrs):
    nodes = [
        helper.make_node(
            "Quant",
            ["x", "s", "z", "b"],
            ["y"],
            name="q",
            domain="qonnx.custom_op.general",
            **attrs,
        )
    ]
    inits = [
        numpy_helper.from_array(np.array(v, np.float32), k)
        for k, v in (("s", scale), ("z", zero), ("b", bits))
    ]
    model = helper.make_model(
        helper.make_graph(
            [helper.make_node("Relu", ["in"], ["x"], name="relu"), *nodes],
            "q",
            [helper.make_tensor_value_info("in", TensorProto.FLOAT, [1, 4])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
            inits,
        ),
        opset_imports=[
            helper.make_opsetid("", 13),
            helper.make_opsetid("qonnx.custom_op.general", 1),
        ],
    )
    model.ir_version = 8
    return model


def test_quant_nodes_that_no_fixed_point_type_expresses_are_refused_by_name():
    with pytest.raises(GraphError, match=r"node 'q' \(Quant, .*\): scale \[-0.5\] is not positive"):
        hlsfx.load(_quant_model(-0.5))
    with pytest.raises(GraphError, match=r"zero point 3.0 is not 0"):
        hlsfx.load(_quant_model(0.25, zero=3.0))
    with pytest.raises(GraphError, match="a narrow unsigned range"):
        hlsfx.load(_quant_model(0.25, signed=0, narrow=1))
    with pytest.raises(GraphError, match="rounding mode 'CEIL' has no ap_fixed equivalent"):
        hlsfx.load(_quant_model(0.25, rounding_mode="CEIL"))
    relu = hlsfx.load(_quant_model(0.25, narrow=1)).layers[0]
    assert str(relu.fixed["result"]) == "ap_fixed<4,2,AP_RND_CONV,AP_SAT_SYM>"


def _qonnx_model(nodes, shape, out_shape, constants, domains=("qonnx.custom_op.general",)):
    model = helper.make_model(
        helper.make_graph(
            nodes, "m",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, *shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, *out_shape])],
            [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in constants.items()],
        ),
        opset_imports=[helper.make_opsetid("", 13),
                       *(helper.make_opsetid(d, 1) for d in domains)],
    )  # fmt: skip
    model.ir_version = 8
    return model


def _equals_qonnx(model, x, qonnx_execute, tmp_path, settings=None) -> None:
    """The emulator's output, at the types the Quant nodes imply, is QONNX's, value for value."""
    path = tmp_path / "model.onnx"
    onnx.save(model, str(path))
    graph = hlsfx.load(path)
    theirs = qonnx_execute(path, "x", x, ["y"])["y"]
    qm = exact_where_quantized(graph) if settings is None else hlsfx.configure(graph, **settings)
    ours = qm.predict(x)
    assert ours.shape == theirs.shape
    assert np.array_equal(ours, theirs), np.max(np.abs(ours - theirs))


def _on_grid(shape, count=40, step=1 / 16, seed=4):
    rng = np.random.default_rng(seed)
    return rng.integers(-160, 160, (count, *shape)) * step


@pytest.mark.parametrize("rounding", ["ROUND", "FLOOR"])
def test_trunc_of_both_versions_equals_qonnx(rounding, qonnx_execute, tmp_path):
    quant = helper.make_node("Quant", ["x", "s", "z", "b"], ["q"], domain="qonnx.custom_op.general",
                             rounding_mode="ROUND", signed=1, narrow=0)  # fmt: skip
    constants = {"s": 1 / 16, "z": 0.0, "b": 9.0, "os": 0.25, "ob": 5.0}
    v2 = helper.make_node("Trunc", ["q", "s", "z", "b", "os", "ob"], ["y"],
                          domain="qonnx.custom_op.general", rounding_mode=rounding)  # fmt: skip
    model = _qonnx_model([quant, v2], (6,), (6,), constants)
    model.opset_import[1].version = 2  # Trunc_v2
    _equals_qonnx(model, _on_grid((6,)), qonnx_execute, tmp_path)
    v1 = helper.make_node("Trunc", ["q", "s", "z", "b", "ob"], ["y"],
                          domain="qonnx.custom_op.general", rounding_mode=rounding)  # fmt: skip
    model = _qonnx_model([quant, v1], (6,), (6,), constants)
    _equals_qonnx(model, _on_grid((6,)), qonnx_execute, tmp_path)
    layers = [layer.kind for layer in hlsfx.load(model).layers]
    assert kinds.BATCH_NORM in layers  # the exact division by 2**4


def test_channels_last_conv_batch_norm_and_max_pool_equal_qonnx(qonnx_execute, tmp_path):
    rng = np.random.default_rng(5)
    cl = "qonnx.custom_op.channels_last"
    nodes = [
        helper.make_node("Quant", ["x", "s", "z", "b"], ["q"], domain="qonnx.custom_op.general",
                         rounding_mode="ROUND", signed=1, narrow=0),
        helper.make_node("Conv", ["q", "w"], ["c"], domain=cl, kernel_shape=[3, 3],
                         pads=[1, 1, 1, 1], strides=[1, 1], dilations=[1, 1], group=1),
        helper.make_node("BatchNormalization", ["c", "g", "be", "mu", "var"], ["n"], domain=cl,
                         epsilon=0.0),
        helper.make_node("MaxPool", ["n", ], ["y"], domain=cl, kernel_shape=[2, 2],
                         strides=[2, 2], pads=[0, 0, 0, 0]),
    ]  # fmt: skip
    constants = {"s": 1 / 16, "z": 0.0, "b": 8.0,
                 "w": rng.integers(-4, 5, (3, 3, 3, 2)) / 4,  # out, kernel h, kernel w, in
                 "g": [0.5, 2.0, 1.0], "be": [0.25, -0.5, 0.0], "mu": [0.0, 0.5, -0.25],
                 "var": [1.0, 1.0, 1.0]}  # fmt: skip
    model = _qonnx_model(nodes, (4, 4, 2), (2, 2, 3), constants,
                         domains=("qonnx.custom_op.general", cl))  # fmt: skip
    model.graph.value_info.extend(  # QONNX's shape inference needs them for its own ops
        helper.make_tensor_value_info(name, TensorProto.FLOAT, [1, 4, 4, channels])
        for name, channels in (("q", 2), ("c", 3), ("n", 3))
    )
    model.opset_import[2].version = 13  # QONNX runs the wrapped node at its domain's version
    settings = {"default": "ap_fixed<24,12>", "roles": {"scale": "ap_fixed<24,12>"}}
    _equals_qonnx(model, _on_grid((4, 4, 2)), qonnx_execute, tmp_path, settings)


def test_a_batch_norm_between_transposes_of_a_2d_tensor_is_over_the_features(tmp_path):
    """x (N, F) -> Transpose -> BatchNormalization -> Transpose: the exporters' spelling of a
    batch norm over the features."""
    scale, bias = np.array([0.5, 2.0, -1.0]), np.array([1.0, 0.0, 0.25])
    nodes = [
        helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
        helper.make_node("BatchNormalization", ["t", "g", "be", "mu", "var"], ["n"], epsilon=0.0),
        helper.make_node("Transpose", ["n"], ["y"], perm=[1, 0]),
    ]
    constants = {"g": scale, "be": bias, "mu": np.zeros(3), "var": np.ones(3)}
    graph = hlsfx.load(_qonnx_model(nodes, (3,), (3,), constants, domains=()))
    assert [layer.kind for layer in graph.layers] == [kinds.BATCH_NORM]
    x = _on_grid((3,))
    qm = hlsfx.configure(graph, "ap_fixed<24,12>")
    assert np.array_equal(qm.predict(x), x * scale + bias)
    alone = [helper.make_node("Transpose", ["x"], ["t"], perm=[1, 0]),
             helper.make_node("Relu", ["t"], ["y"])]  # fmt: skip
    with pytest.raises(GraphError, match="batch axis transposed to the second"):
        hlsfx.load(_qonnx_model(alone, (3,), (3,), {}, domains=()))


BREVITAS = {  # fixture -> (quantized activations: our layer -> the QONNX tensor, input draw)
    "brevitas/kwsmlp_w3a3.onnx": (
        {"Quant_3_rescale": "27", "Relu_13": "41", "Relu_26": "54", "Relu_39": "67"}, "normal"),
    "brevitas/TFC_1W1A.onnx": (
        {"BipolarQuant_11": "37", "BipolarQuant_19": "45", "BipolarQuant_27": "53",
         "BipolarQuant_35": "61"}, "uniform"),
}  # fmt: skip
AGREEMENT = {"brevitas/kwsmlp_w3a3.onnx": (0.97, 0.98), "brevitas/TFC_1W1A.onnx": (1.0, 1.0)}
"""(argmax agreement, share of identical integer activations) at least, at default types."""


def _quant_scale(model: onnx.ModelProto, tensor: str) -> float:
    """The scale of the (Bipolar)Quant node that makes ``tensor``."""
    node = next(n for n in model.graph.node if tensor in n.output)
    inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    return float(inits[node.input[1]])


@pytest.mark.parametrize("relative", sorted(BREVITAS))
def test_brevitas_exports_agree_with_qonnx_at_default_types(relative, qonnx_execute):
    """At configure(graph)'s defaults: kwsmlp_w3a3 (3-bit, per-channel scales that are not
    powers of two) measured 100 % argmax agreement and 99.1-99.9 % identical integer
    activations per layer on 100 samples; TFC_1W1A (binary) 100 % and 100 %."""
    path = fixture(relative)
    activations, draw = BREVITAS[relative]
    graph = hlsfx.load(path)
    name = graph.inputs[0]
    shape = tuple(graph.shapes[name][p] for p in graph.layout(name))
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, (60, *shape)) if draw == "normal" else rng.uniform(0, 1, (60, *shape))
    model = onnx.load(str(path))
    output = model.graph.output[0].name
    theirs = qonnx_execute(path, name, x, [output, *activations.values()])
    qm = hlsfx.configure(graph)
    argmax = np.mean(qm.predict(x).argmax(1) == theirs[output].argmax(1))
    trace = qm.trace(x, raw=True)
    shares = []
    for layer, tensor in activations.items():
        t = qm.precisions[layer].types["result"]
        ours = hlsfx.to_float(trace[layer].reshape(len(x), -1), t)
        codes = np.round(theirs[tensor].reshape(len(x), -1) / _quant_scale(model, tensor))
        shares.append(np.mean(ours == codes))
    least_argmax, least_share = AGREEMENT[relative]
    assert argmax >= least_argmax and min(shares) >= least_share, (argmax, shares)
    rescales = [layer.name for layer in graph.layers if layer.attrs.get("rescale")]
    assert rescales and all(qm.rescale_error(n) < 2**-10 for n in rescales)
    assert "rescale  multipliers approximates the source, up to" in str(qm)
    with pytest.raises(ValueError, match=r"strict_scales: the fixed-point multipliers of "):
        hlsfx.configure(graph, strict_scales=True)


def test_channels_last_average_pool_is_the_onnx_pool_on_transposed_data():
    """QONNX has no reference for its channels-last AveragePool; it is ONNX's on NHWC data."""
    pool = {"kernel_shape": [2, 2], "strides": [2, 2], "pads": [0, 0, 0, 0]}
    last = helper.make_node("AveragePool", ["x"], ["y"], domain="qonnx.custom_op.channels_last",
                            **pool)  # fmt: skip
    first = helper.make_node("AveragePool", ["x"], ["y"], **pool)
    cl = _qonnx_model([last], (4, 6, 3), (2, 3, 3), {}, domains=("qonnx.custom_op.channels_last",))
    cf = _qonnx_model([first], (3, 4, 6), (3, 2, 3), {}, domains=())
    x = _on_grid((4, 6, 3))
    ours = hlsfx.configure(hlsfx.load(cl), "ap_fixed<16,6>").predict(x)
    theirs = hlsfx.configure(hlsfx.load(cf), "ap_fixed<16,6>").predict(x.transpose(0, 3, 1, 2))
    assert np.array_equal(ours, theirs.transpose(0, 2, 3, 1))
    assert np.allclose(ours, x.reshape(40, 2, 2, 3, 2, 3).mean(axis=(2, 4)), atol=2**-10)


def _rescaled_model(path: Path, scales: list[float], bits: int, signed: bool) -> None:
    """x -> 4-bit Quant -> MatMul by 4-bit integer weights -> Mul by ``scales`` (per output)
    -> a ``bits``-bit Quant: a rescale into a quantizer of a few bits."""
    domain = "qonnx.custom_op.general"
    weights = np.array([[1, 2], [1, -1], [1, 3]], np.float32)

    def quant(inputs, output, width, is_signed):
        return helper.make_node("Quant", [*inputs, "zero", width], [output], domain=domain,
                                signed=int(is_signed), narrow=0, rounding_mode="ROUND")  # fmt: skip

    nodes = [quant(["x", "one"], "xq", "four", True), quant(["w", "one"], "wq", "four", True),
             helper.make_node("MatMul", ["xq", "wq"], ["acc"]),
             helper.make_node("Mul", ["acc", "s"], ["scaled"]),
             quant(["scaled", "one"], "y", "bits", signed)]  # fmt: skip
    constants = {"one": 1.0, "zero": 0.0, "four": 4.0, "bits": float(bits), "w": weights,
                 "s": np.asarray(scales, np.float32)}  # fmt: skip
    graph = helper.make_graph(
        nodes, "rescaled", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
        [numpy_helper.from_array(np.asarray(v, np.float32), k) for k, v in constants.items()],
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                    helper.make_opsetid(domain, 1)])  # fmt: skip
    model.ir_version = 8
    onnx.save(model, path)


@pytest.mark.parametrize("bits, signed", [(2, False), (3, True), (4, False)])
def test_a_few_bit_rescale_is_thresholds_equal_to_qonnx(bits, signed, tmp_path, qonnx_execute):
    """1/6 - 2**-23 puts 3 * scale just below a rounding boundary that an 18-bit fixed-point
    multiplier rounds across (96.4 % of outputs equal before, at 2 bits); the thresholds are exact:
    every input code equals QONNX's own execution."""
    path = tmp_path / "rescaled.onnx"
    _rescaled_model(path, [1 / 6 - 2**-23, 0.3071], bits, signed)
    graph = hlsfx.load(path)
    assert [x.kind for x in graph.layers] == [kinds.DENSE, kinds.THRESHOLD]
    codes = np.arange(-8, 8)  # the third input's ends and middle: every sum still occurs
    x = np.array(np.meshgrid(codes, codes, [-8, 0, 7])).reshape(3, -1).T.astype(np.float64)
    theirs = qonnx_execute(path, "x", x, ["y"])["y"]
    qm = hlsfx.configure(graph, "ap_fixed<16,6>")
    ours = qm.predict(x)
    differ = np.argwhere(ours != theirs)
    assert not differ.size, (len(differ), x[differ[0][0]], ours[differ[0][0]], theirs[differ[0][0]])
    wide = tmp_path / "wide.onnx"  # a quantizer of more bits keeps its fixed-point rescale
    _rescaled_model(wide, [1 / 6 - 2**-23, 0.3071], 8, signed)
    assert hlsfx.load(wide).layers[-1].kind is kinds.BATCH_NORM


def test_a_brevitas_tfc_1w2a_equals_qonnx_on_every_sample():
    """A Brevitas model of the QONNX zoo's TFC_1W2A architecture (binary weights, batch norms,
    2-bit signed narrow activations; its weights drawn, the zoo's trained ones need the
    network), recorded by scripts/make_brevitas_oracle.py with QONNX's execution: each batch
    norm into a 2-bit quantizer is a MultiThreshold. With the 8-bit input quantizer exact
    (a wide input type), every activation and output equals QONNX's on all 1 000 samples."""
    recorded = np.load(DATA / "tfc_1w2a.npz")
    graph = hlsfx.load(DATA / "tfc_1w2a.onnx")
    thresholds = [x for x in graph.layers if x.kind is kinds.THRESHOLD]
    assert len(thresholds) == 3
    first = graph.layers[0]  # the input quantizer's rescale (8 bits: multipliers)
    assert first.kind is kinds.BATCH_NORM and first.attrs.get("rescale")
    exact_input = {"scale": "ap_fixed<40,8>", "bias": "ap_fixed<40,8>", "accum": "ap_fixed<80,10>"}
    qm = hlsfx.configure(graph, inputs={graph.inputs[0]: "ap_fixed<40,2>"},
                         layers={first.name: exact_input})  # fmt: skip
    x = recorded["x"].astype(np.float64)
    assert np.array_equal(qm.predict(x), recorded["y"])
    trace = qm.trace(x)
    for layer, key in zip(thresholds, ["act__symbolic_2", "act__symbolic_4", "act__symbolic_6"],
                          strict=True):  # fmt: skip
        assert np.array_equal(trace[layer.name], recorded[key].reshape(len(x), -1)), layer.name
