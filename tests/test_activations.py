"""Activation layers from ONNX, against onnxruntime: the piecewise-linear ones exactly (inputs on
a grid and power-of-two constants keep float32 exact), the lookup-table ones within the table's
resolution (bounds stated per case)."""

from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from test_emulator import onnxruntime_outputs

import hlsfx
from hlsfx.ir import exact, kinds
from hlsfx.ir.fixed_type import product_type
from hlsfx.ir.graph import GraphError

WIDE = "ap_fixed<24,12>"
TABLE = "ap_fixed<32,4,AP_RND_CONV,AP_SAT>"


def _model(op, shape, inputs=(), opset=13, **attrs):
    names = ["x"] + [f"c{i}" for i in range(len(inputs))]
    model = helper.make_model(
        helper.make_graph(
            [
                helper.make_node(
                    op,
                    [n if v is not None else "" for n, v in zip(names, [1, *inputs], strict=True)],
                    ["y"],
                    name="act",
                    **attrs,
                )
            ],
            "act",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", *shape])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", *shape])],
            [
                numpy_helper.from_array(np.asarray(v, np.float32), n)
                for n, v in zip(names[1:], inputs, strict=True)
                if v is not None
            ],
        ),
        opset_imports=[helper.make_opsetid("", opset)],
    )
    model.ir_version = 8
    return model


def _grid(shape, n=200, scale=16.0, limit=8.0):
    rng = np.random.default_rng(10)
    return rng.integers(-int(limit * scale), int(limit * scale) + 1, (n, *shape)) / scale


EXACT = {
    "LeakyRelu": (_model("LeakyRelu", (6,), alpha=0.125), kinds.LEAKY_RELU),
    "LeakyRelu NCHW": (_model("LeakyRelu", (3, 2, 2), alpha=0.25), kinds.LEAKY_RELU),
    "PRelu per channel": (
        _model("PRelu", (3, 2, 2), [np.array([0.5, 0.25, -0.125]).reshape(3, 1, 1)]),
        kinds.PRELU,
    ),
    "PRelu scalar": (_model("PRelu", (5,), [np.array([0.0625])]), kinds.PRELU),
    "Clip opset 13": (_model("Clip", (6,), [np.array(-1.5), np.array(2.25)]), kinds.CLIP),
    "ReLU6": (_model("Clip", (6,), [np.array(0.0), np.array(6.0)]), kinds.CLIP),
    "Clip max only": (_model("Clip", (6,), [None, np.array(3.0)]), kinds.CLIP),
    "Clip opset 9": (_model("Clip", (6,), opset=9, min=-2.0, max=1.0), kinds.CLIP),
    "HardSigmoid": (_model("HardSigmoid", (6,), alpha=0.25, beta=0.5), kinds.HARD_SIGMOID),
}


@pytest.mark.parametrize("case", sorted(EXACT))
def test_piecewise_linear_activations_equal_onnxruntime_exactly(case):
    model, kind = EXACT[case]
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kind]
    shape = tuple(d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim[1:])
    x = _grid(shape)
    assert np.array_equal(hlsfx.configure(graph, WIDE).predict(x), onnxruntime_outputs(model, x))


# (model, kind, table range or None, bound). 2**16 entries of ap_fixed<32,4> over the default
# ranges give steps of 2**-11 (Tanh: +-10.4 rounded out to +-16; Softplus: [-20.8, 9);
# ELU/SELU: [-20.8, 0)); the index rounds to the nearest grid point, so the error is at most
# max|f'| * step / 2 = 2.5e-4 (SELU's slope 1.76: 4.3e-4), plus 2**-20 from the result type.
# Softsign, over the range given here, [-8, 8): step 2**-12, bound 1.3e-4.
TABLES = {
    "Tanh": (_model("Tanh", (6,)), kinds.TANH, None, 2.6e-4),
    "Softplus": (_model("Softplus", (6,)), kinds.SOFTPLUS, None, 2.6e-4),
    "Softsign": (_model("Softsign", (6,)), kinds.SOFTSIGN, (-8.0, 8.0), 1.3e-4),
    "Elu": (_model("Elu", (6,), alpha=0.7), kinds.ELU, None, 2.6e-4),
    "Selu": (_model("Selu", (6,)), kinds.SELU, None, 4.4e-4),
}


@pytest.mark.parametrize("case", sorted(TABLES))
def test_table_activations_agree_with_onnxruntime_within_their_resolution(case):
    model, kind, value_range, bound = TABLES[case]
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers] == [kind]
    settings = {"table": TABLE, "table_size": 2**16}
    if value_range:
        settings["table_range"] = value_range
    if kind is kinds.SELU:  # the constant of the positive side, precise enough not to matter
        settings["gamma"] = "ap_fixed<32,2,AP_RND_CONV,AP_SAT>"
    qm = hlsfx.configure(graph, "ap_fixed<32,12>", kinds={kind.name: settings})
    x = _grid((6,), scale=1000.0, limit=6.0)
    got, reference = qm.predict(x), onnxruntime_outputs(model, x)
    assert np.max(np.abs(got - reference)) < bound
    if kind.linear_above_zero:  # exact above zero: cast(x) or cast(x * gamma), by ap_fixed.h's
        positive = x >= 0  # rules (hlsfx.ir.exact, checked against the real header)
        layer = graph.layers[0]
        p, x_t = qm.precisions[layer.name], qm.tensor_types[graph.inputs[0]]
        codes, y_t = exact.quantize(x[positive], x_t).astype(object), p.types["result"]
        if kind is kinds.SELU:
            gamma_t = p.types["gamma"]
            products = codes * int(p.params["gamma"][0])
            expected = exact.cast(products, product_type(x_t, gamma_t), y_t)
        else:
            expected = exact.cast(codes, x_t, y_t)
        assert np.array_equal(qm.predict(x, raw=True)[positive], expected.astype(np.int64))


def test_a_prelu_slope_that_varies_across_space_is_refused():
    slope = np.arange(12, dtype=np.float32).reshape(3, 2, 2) / 16
    with pytest.raises(GraphError, match="the slope varies along an axis other than the channels"):
        hlsfx.load(_model("PRelu", (3, 2, 2), [slope]))


def test_activation_constants_are_quantized_to_their_roles():
    graph = hlsfx.load(_model("LeakyRelu", (6,), alpha=0.01))
    qm = hlsfx.configure(graph, WIDE, roles={"alpha": "ap_fixed<8,1,AP_RND_CONV>"})
    (name,) = qm.precisions
    assert qm.precisions[name].params["alpha"].tolist() == [1]  # 0.01 * 128 = 1.28 -> 1
    assert qm.predict(np.array([[-64.0, -1.0, 0.0, 1.0, 2.0, 3.0]])).tolist() == [
        [-0.5, -0.0078125, 0.0, 1.0, 2.0, 3.0]
    ]
    assert onnx.checker.check_model(_model("LeakyRelu", (6,), alpha=0.01)) is None
