"""The graph passes, each on a tiny graph before and after: the float meaning
(hlsfx.ir.reference) does not change, the structure does as the pass says, and where a pass must
not apply, it leaves the graph alone."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from kind_cases import onnx_model
from onnx import helper
from test_reference import assert_close, onnx_float64

import hlsfx
from hlsfx import FixedType
from hlsfx.ir import kinds, reference
from hlsfx.ir.graph import Graph, GraphError, Layer, verify
from hlsfx.passes import absorb_casts, fold_batch_norm, run_passes

Q8 = FixedType.parse("ap_fixed<8,3>")
Q6 = FixedType.parse("ap_fixed<6,2>")


def _dense(name, x, y, rng, fixed=None, bias=True):
    params = {"weight": rng.normal(0, 1, (4, 3)),
              "bias": rng.normal(0, 1, 3) if bias else np.zeros(3)}  # fmt: skip
    return Layer(name, kinds.DENSE, (x,), y, params=params, fixed=fixed or {})


def _norm(name, x, y, scale, bias, fixed=None):
    return Layer(name, kinds.BATCH_NORM, (x,), y, params={"scale": scale, "bias": bias},
                 fixed=fixed or {})  # fmt: skip


def _graph(layers, outputs=("y",)) -> Graph:
    shapes = {"x": (4,), **{layer.output: (3,) for layer in layers}}
    return verify(Graph(("x",), tuple(outputs), tuple(layers), shapes))


def _same_meaning(before: Graph, after: Graph) -> None:
    x = np.random.default_rng(0).normal(0, 2, (20, 4))
    assert_close(reference.run(after, x), reference.run(before, x))


def test_a_batch_norm_after_a_dense_folds_into_its_weights_unless_a_quantizer_typed_them():
    rng = np.random.default_rng(1)
    before = _graph([_dense("fc", "x", "h", rng, {"bias": Q8}),
                     _norm("bn", "h", "y", rng.uniform(0.5, 2, 3), rng.normal(0, 1, 3),
                           {"result": Q6})])  # fmt: skip
    after, changed = fold_batch_norm(before)
    assert changed and [layer.name for layer in after.layers] == ["fc"]
    (fc,) = after.layers
    assert fc.output == "y" and "h" not in after.shapes
    assert fc.fixed == {"result": Q6}  # scaled weights and bias lose their types
    assert fc.source.endswith("(folded)")
    _same_meaning(before, after)
    typed = _graph([_dense("fc", "x", "h", rng, {"weight": Q8}), *before.layers[1:]])
    after, changed = fold_batch_norm(typed)
    assert changed and [layer.name for layer in after.layers] == ["fc", "bn"]
    assert after.layers[1].attrs == {"rescale": True}  # a rescale of exact integer products
    assert fold_batch_norm(after) == (after, False)


def test_a_pure_addition_keeps_the_weight_type_and_gives_a_typed_addend_to_a_zero_bias():
    rng = np.random.default_rng(2)
    addend = _norm("add", "h", "y", np.ones(3), rng.normal(0, 1, 3), {"bias": Q6})
    before = _graph([_dense("fc", "x", "h", rng, {"weight": Q8}, bias=False), addend])
    after, changed = fold_batch_norm(before)
    assert changed and after.layers[0].fixed == {"weight": Q8, "bias": Q6}
    _same_meaning(before, after)


@pytest.mark.parametrize("case", ["typed result", "two readers", "an output", "no weights"])
def test_a_batch_norm_that_must_stay_stays(case):
    rng = np.random.default_rng(3)
    fixed = {"result": Q8} if case == "typed result" else None
    layers = [
        _dense("fc", "x", "h", rng, fixed),
        _norm("bn", "h", "y", np.full(3, 2.0), np.ones(3)),
    ]
    outputs = ("y",)
    if case == "two readers":
        layers.append(Layer("relu", kinds.RELU, ("h",), "z"))
        outputs = ("y", "z")
    elif case == "an output":
        outputs = ("y", "h")
    elif case == "no weights":
        layers[0] = Layer("relu", kinds.RELU, ("x",), "h")
    shapes = {"x": (3,) if case == "no weights" else (4,), "h": (3,), "y": (3,), "z": (3,)}
    before = Graph(("x",), outputs, tuple(layers), shapes)
    after, changed = fold_batch_norm(verify(before))
    assert not changed and after is before


def test_a_cast_moves_onto_the_layer_or_the_input_it_quantizes():
    rng = np.random.default_rng(4)
    before = Graph(
        ("x",), ("y",),
        (Layer("q_in", kinds.LINEAR, ("x",), "xq", fixed={"result": Q8}),
         _dense("fc", "xq", "h", rng), Layer("q", kinds.LINEAR, ("h",), "y", fixed={"result": Q6})),
        {"x": (4,), "xq": (4,), "h": (3,), "y": (3,)},
    )  # fmt: skip
    after = run_passes(verify(before))
    assert [layer.name for layer in after.layers] == ["fc"]
    assert after.input_types == {"x": Q8} and after.layers[0].inputs == ("x",)
    assert after.layers[0].fixed == {"result": Q6} and after.layers[0].output == "y"
    _same_meaning(before, after)


def test_a_cast_after_a_typed_result_stays_and_keeps_the_batch_norm_apart():
    rng = np.random.default_rng(5)
    before = _graph([_dense("fc", "x", "h", rng, {"result": Q8}),
                     Layer("q", kinds.LINEAR, ("h",), "hq", fixed={"result": Q6}),
                     _norm("bn", "hq", "y", np.full(3, 0.5), np.ones(3))])  # fmt: skip
    assert absorb_casts(before) == (before, False)
    after = run_passes(before)  # the BN reads the Linear's output: nothing to fold
    assert [layer.kind for layer in after.layers] == [kinds.DENSE, kinds.LINEAR, kinds.BATCH_NORM]


def _onnx(op, constant, shape=(3, 2, 2)):
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node(op, ["r", "c"], ["y"])]
    return onnx_model(nodes, shape, {"c": constant})


@pytest.mark.parametrize("op", ["Mul", "Add", "Sub", "Div"])
def test_an_activation_times_or_plus_a_channel_constant_is_a_batch_norm(op):
    model = _onnx(op, np.array([0.5, -2.0, 3.0]).reshape(3, 1, 1))
    graph = hlsfx.load(model)
    assert [layer.kind for layer in graph.layers][-1] is kinds.BATCH_NORM
    x = np.random.default_rng(6).normal(0, 1, (10, 3, 2, 2))
    assert_close(reference.run(graph, x), onnx_float64(model, x))


def test_a_constant_that_varies_across_space_scales_each_element_and_zero_divisors_are_refused():
    graph = hlsfx.load(_onnx("Mul", np.arange(6.0).reshape(3, 2, 1)))
    assert kinds.RESHAPE in [layer.kind for layer in graph.layers]  # flattened, scaled, back
    with pytest.raises(GraphError, match=r"\(Div\): the divisor is 0 at channel 1"):
        hlsfx.load(_onnx("Div", np.array([0.5, 0.0, 3.0]).reshape(3, 1, 1)))
    with pytest.raises(GraphError, match=r"\(Div\): the divisor is 0 at element 0"):
        hlsfx.load(_onnx("Div", np.arange(6.0).reshape(3, 2, 1)))


def test_a_constant_divided_by_a_tensor_is_refused_by_name():
    nodes = [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Div", ["c", "r"], ["y"])]
    model = onnx_model(nodes, (3,), {"c": np.ones(3)})
    with pytest.raises(GraphError, match="only a tensor divided by a constant is supported"):
        hlsfx.load(model)


def test_rescales_merge_move_and_become_thresholds_keeping_the_meaning():
    """An activation quantizer's scale 0.3 between two Dense layers with integer weights: the
    division moves back through the ReLU into the first rescale, the multiplication forward
    through the second Dense into its rescale; a rescale before a Binarize becomes a
    threshold. Each step keeps the float meaning."""
    rng = np.random.default_rng(4)
    codes = FixedType.parse("ap_ufixed<3,3>")
    rescale = {"rescale": True}
    first = _dense("fc1", "x", "s1", rng, {"weight": Q8}, bias=False)
    second = Layer(
        "fc2",
        kinds.DENSE,
        ("c",),
        "s2",
        fixed={"weight": Q8},
        params={"weight": rng.normal(0, 1, (3, 3)), "bias": np.zeros(3)},
    )
    layers = [
        first,
        replace(_norm("r1", "s1", "h", rng.uniform(0.1, 1, 3), rng.normal(0, 1, 3)),
                attrs=rescale),
        Layer("relu", kinds.RELU, ("h",), "r"),
        replace(_norm("down", "r", "c", np.full(3, 1 / 0.3), np.zeros(3), {"result": codes}),
                attrs=rescale),
        replace(_norm("up", "c", "u", np.full(3, 0.3), np.zeros(3)), attrs=rescale),
        replace(second, inputs=("u",)),
        replace(_norm("r2", "s2", "y", rng.uniform(-1, 1, 3), rng.normal(0, 1, 3)),
                attrs=rescale),
    ]  # fmt: skip
    shapes = {"x": (4,), **{layer.output: (3,) for layer in layers}}
    before = verify(Graph(("x",), ("y",), tuple(layers), shapes))
    after = run_passes(before)
    assert [layer.kind for layer in after.layers] == [
        kinds.DENSE, kinds.BATCH_NORM, kinds.RELU, kinds.DENSE, kinds.BATCH_NORM,
    ]  # fmt: skip
    assert after.layers[2].fixed == {"result": codes}  # the cast stays last, now on the ReLU
    assert all(layer.attrs == rescale for layer in after.layers[1::3])
    _same_meaning(before, after)
    binary = Layer("sign", kinds.BINARIZE, ("y",), "b", attrs={"scale": 1.0})
    signed = verify(replace(after, layers=(*after.layers, binary), outputs=("b",),
                            shapes={**after.shapes, "b": (3,)}))  # fmt: skip
    thresholds = run_passes(signed)
    assert set(np.abs(thresholds.layers[-2].params["scale"])) <= {0.0, 1.0}
    _same_meaning(signed, thresholds)


def test_a_transposed_flatten_into_dense_layers_becomes_a_plain_flatten_keeping_the_meaning():
    """numerics='hls4ml' flattens channels-last maps as held (hls4ml's order), the Dense
    rows permuted; every other reader keeps the graph as it was."""
    from hlsfx.passes import flatten_channels_last

    rng = np.random.default_rng(3)
    dense = {"weight": rng.normal(size=(24, 3)), "bias": rng.normal(size=3)}
    layers = (
        Layer("t", kinds.TRANSPOSE, ["x"], "xt", attrs={"perm": (2, 0, 1)}),
        Layer("flat", kinds.RESHAPE, ["xt"], "f", attrs={"shape": (24,)}),
        Layer("fc1", kinds.DENSE, ["f"], "y1", params=dense),
        Layer("fc2", kinds.DENSE, ["f"], "y2", params={**dense, "bias": np.zeros(3)}),
    )
    shapes = {"x": (2, 3, 4), "xt": (4, 2, 3), "f": (24,), "y1": (3,), "y2": (3,)}
    graph = Graph(("x",), ("y1", "y2"), layers, shapes)
    folded, changed = flatten_channels_last(graph)
    assert changed and [x.kind for x in verify(folded).layers] == [kinds.RESHAPE, kinds.DENSE,
                                                                    kinds.DENSE]  # fmt: skip
    x = rng.normal(size=(7, 2, 3, 4))
    before, after = reference.run(graph, x), reference.run(folded, x)
    for name in ("y1", "y2"):
        assert_close(after[name], before[name])
    assert flatten_channels_last(folded) == (folded, False)
    kept = Graph(("x",), ("xt", "y1"), layers[:3], {k: shapes[k] for k in ("x", "xt", "f", "y1")})
    assert not flatten_channels_last(kept)[1]  # the transposed map is an output itself
    qm = hlsfx.configure(graph, "ap_fixed<16,6>", numerics="hls4ml")
    assert [x.name for x in qm.graph.layers] == ["flat", "fc1", "fc2"]
    assert [x.name for x in hlsfx.configure(graph).graph.layers] == ["t", "flat", "fc1", "fc2"]


def _elementwise(layers, inputs=("x",), outputs=("y",)) -> Graph:
    shapes = {**{t: (4,) for t in inputs}, **{layer.output: (4,) for layer in layers}}
    return verify(Graph(tuple(inputs), tuple(outputs), tuple(layers), shapes))


def test_x_times_its_sigmoid_is_one_silu_layer_unless_the_sigmoid_is_read_or_typed():
    sigmoid = Layer("s", kinds.SIGMOID, ["x"], "s_y")
    product = Layer("m", kinds.MULTIPLY, ["s_y", "x"], "y")
    before = _elementwise([sigmoid, product])
    after = run_passes(before)
    assert [(x.name, x.kind, x.inputs) for x in after.layers] == [("m", kinds.SILU, ("x",))]
    _same_meaning(before, after)
    read = Layer("r", kinds.RELU, ["s_y"], "z")
    shared = _elementwise([sigmoid, product, read], outputs=("y", "z"))
    assert kinds.SILU not in {x.kind for x in run_passes(shared).layers}
    typed = replace(sigmoid, fixed={"result": FixedType.parse("ap_ufixed<8,0>")})
    assert kinds.SILU not in {x.kind for x in run_passes(_elementwise([typed, product])).layers}
    other = Layer("m", kinds.MULTIPLY, ["s_y", "w"], "y")  # the sigmoid of another tensor
    graph = _elementwise([sigmoid, other], inputs=("x", "w"))
    assert kinds.SILU not in {x.kind for x in run_passes(graph).layers}


def test_x_times_the_tanh_of_its_softplus_is_one_mish_layer():
    softplus = Layer("sp", kinds.SOFTPLUS, ["x"], "sp_y")
    tanh = Layer("t", kinds.TANH, ["sp_y"], "t_y")
    before = _elementwise([softplus, tanh, Layer("m", kinds.MULTIPLY, ["x", "t_y"], "y")])
    after = run_passes(before)
    assert [(x.kind, x.inputs) for x in after.layers] == [(kinds.MISH, ("x",))]
    assert set(after.shapes) == {"x", "y"}
    _same_meaning(before, after)
    skipping = Layer("m", kinds.MULTIPLY, ["sp_y", "t_y"], "y")  # softplus(x) * tanh(...)
    kept = run_passes(_elementwise([softplus, tanh, skipping]))
    assert kinds.MISH not in {x.kind for x in kept.layers}
