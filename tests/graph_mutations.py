"""Random inconsistent graphs: a valid small graph with one shape, parameter or attribute
changed to a hostile value. Run as a script in a child process by tests/test_hostile_graphs.py,
so that memory corruption in a kernel (an abort, a segmentation fault) fails that test instead
of killing the run: each graph must either configure and predict, or raise a ``GraphError``
naming the layer (or tensor) at fault."""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, GraphError, Layer

HOSTILE_INTS = [0, -1, 1, 2, 3, 7, 4096, 2**31 - 1, 2**32 - 1, 2**63 - 1]


def _conv_graph() -> Graph:
    rng = np.random.default_rng(0)
    window = {"kernel": (3, 3), "strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)}
    pool = {"kernel": (2, 2), "strides": (2, 2), "dilations": (1, 1), "pads": (0, 0, 0, 0)}
    layers = (
        Layer("conv", kinds.CONV2D, ["x"], "c", attrs=window,
              params={"weight": rng.normal(size=(3, 3, 2, 4)), "bias": rng.normal(size=4)}),
        Layer("bn", kinds.BATCH_NORM, ["c"], "b",
              params={"scale": rng.normal(size=4), "bias": rng.normal(size=4)}),
        Layer("prelu", kinds.PRELU, ["b"], "r", params={"alpha": rng.normal(size=4) * 0.1}),
        Layer("pool", kinds.AVERAGE_POOL2D, ["r"], "p", attrs=pool),
        Layer("flat", kinds.RESHAPE, ["p"], "f", attrs={"shape": (16,)}),
        Layer("fc", kinds.DENSE, ["f"], "y",
              params={"weight": rng.normal(size=(16, 3)), "bias": rng.normal(size=3)}),
        Layer("join", kinds.CONCATENATE, ["y", "y"], "z", attrs={"axis": 0}),
    )  # fmt: skip
    shapes = {"x": (4, 4, 2), "c": (4, 4, 4), "b": (4, 4, 4), "r": (4, 4, 4), "p": (2, 2, 4),
              "f": (16,), "y": (3,), "z": (6,)}  # fmt: skip
    return Graph(("x",), ("z",), layers, shapes)


def _mutated(graph: Graph, data) -> Graph:
    layers = list(graph.layers)
    k = data.draw(st.integers(0, len(layers) - 1), label="layer")
    layer = layers[k]
    shapes = dict(graph.shapes)
    what = data.draw(st.sampled_from(["shape", "param", "attr", "tensor"]), label="what")
    sizes = st.lists(st.sampled_from(HOSTILE_INTS[:7]), min_size=0, max_size=4).map(tuple)
    if what == "shape":
        shapes[layer.output] = data.draw(sizes, label="output shape")
    elif what == "param" and layer.params:
        name = data.draw(st.sampled_from(sorted(layer.params)), label="param")
        shape = data.draw(st.lists(st.integers(0, 17), min_size=0, max_size=4), label="shape")
        value = np.full(shape, data.draw(st.sampled_from([0.5, 0.0, np.nan, np.inf])))
        layers[k] = Layer(layer.name, layer.kind, layer.inputs, layer.output, layer.attrs,
                          {**layer.params, name: value})  # fmt: skip
    elif what == "attr" and layer.attrs:
        name = data.draw(st.sampled_from(sorted(layer.attrs)), label="attr")
        old = layer.attrs[name]
        length = len(old) if isinstance(old, tuple) else 0
        value = (data.draw(st.lists(st.sampled_from(HOSTILE_INTS), min_size=max(0, length - 1),
                                    max_size=length + 1).map(tuple))
                 if length else data.draw(st.sampled_from(HOSTILE_INTS)))  # fmt: skip
        layers[k] = Layer(layer.name, layer.kind, layer.inputs, layer.output,
                          {**layer.attrs, name: value}, layer.params)  # fmt: skip
    else:
        shapes["x"] = data.draw(sizes, label="input shape")
    return Graph(graph.inputs, graph.outputs, layers, shapes)


@settings(max_examples=int(sys.argv[1]) if len(sys.argv) > 1 else 300, deadline=None,
          derandomize=True, suppress_health_check=list(HealthCheck))  # fmt: skip
@given(st.data())
def check_random_inconsistent_graphs(data) -> None:
    graph = _mutated(_conv_graph(), data)
    try:
        qm = hlsfx.configure(graph, "ap_fixed<12,5>")
    except GraphError as error:
        names = [layer.name for layer in graph.layers] + list(graph.shapes)
        assert any(repr(n) in str(error) for n in names), f"names nothing: {error}"
        return
    x = np.random.default_rng(1).normal(size=(5, *graph.shapes["x"]))
    y = qm.predict(x)
    assert y.shape == (5, *graph.shapes["z"])


if __name__ == "__main__":
    check_random_inconsistent_graphs()
    print("done")
