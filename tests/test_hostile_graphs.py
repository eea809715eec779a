"""Every path into the emulator and the writers goes through one verification of the graph
(core/ir/graph.py: verify): inconsistent shapes, parameters and attributes are a GraphError
naming the layer, never memory the numba kernels read or write out of bounds."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from conftest import TESTS

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, GraphError, Layer
from hlsfx.model import QuantizedModel


def test_random_inconsistent_graphs_are_refused_by_name_in_a_child_process():
    """An abort or a segmentation fault in a kernel kills the child, not this run."""
    done = subprocess.run([sys.executable, "graph_mutations.py", "400"], cwd=TESTS,
                          capture_output=True, text=True, timeout=1200)  # fmt: skip
    assert done.returncode == 0 and "done" in done.stdout, (
        f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-6000:]}"
    )


def _dense(weight_shape=(4, 3), shapes=None, **params) -> Graph:
    weights = {"weight": np.ones(weight_shape) * 0.25, "bias": np.zeros(weight_shape[-1])}
    layer = Layer("fc1", kinds.DENSE, ["x"], "y", params={**weights, **params})
    return Graph(("x",), ("y",), (layer,), shapes or {"x": (4,), "y": (weight_shape[-1],)})


def _pool(**attrs) -> Graph:
    window = {"kernel": (2, 2), "strides": (2, 2), "dilations": (1, 1), "pads": (0, 0, 0, 0)}
    layer = Layer("pool1", kinds.MAX_POOL2D, ["x"], "y", attrs={**window, **attrs})
    return Graph(("x",), ("y",), (layer,), {"x": (4, 4, 2), "y": (2, 2, 2)})


@pytest.mark.parametrize(
    "graph, message",
    [
        (_dense(shapes={"x": (5,), "y": (3,)}), r"'fc1'.*does not end in the weight's 4 inputs"),
        (_dense(shapes={"x": (4,), "y": (2,)}), r"'fc1'.*output 'y' has shape \(2,\)"),
        (_dense((4, 0), shapes={"x": (4,), "y": (0,)}), r"'fc1'.*every axis needs at least one"),
        (_dense(bias=np.zeros(2)), r"'fc1'.*needs a weight \(n_in, n_out\) and a bias"),
        (_dense(weight=np.full((4, 3), np.nan)), r"'fc1'.*'weight' holds a value that is not"),
        (_pool(kernel=(0, 0)), r"'pool1'.*kernel \(0, 0\) is not 2 integer\(s\) of at least 1"),
        (_pool(strides=(0, 2)), r"'pool1'.*strides \(0, 2\) is not 2 integer"),
        (_pool(pads=(4294967295, 0, 0, 0)), r"'pool1'.*pads .* reach past a window"),
        (_pool(pads=(-1, 0, 0, 0)), r"'pool1'.*pads .* are not 4 integers of at least 0"),
        (_pool(dilations=(1,)), r"'pool1'.*dilations \(1,\) is not 2 integer"),
        (Graph(("x",), ("y",), (Layer("bn", kinds.BATCH_NORM, ["x"], "y",
                                      params={"scale": np.ones(3), "bias": np.ones(4)}),),
               {"x": (4,), "y": (4,)}), r"'bn'.*needs a parameter 'scale' of 4 values"),
        (Graph(("x",), ("y",), (Layer("act", kinds.PRELU, ["x"], "y",
                                      params={"alpha": np.ones(3)}),),
               {"x": (4,), "y": (4,)}), r"'act'.*'alpha' of 1 or 4 values"),
        (Graph(("x",), ("y",), (Layer("cat", kinds.CONCATENATE, ["x", "x"], "y",
                                      attrs={"axis": 5}),),
               {"x": (4,), "y": (4,)}), r"'cat'.*axis 5 is not an axis of \(4,\)"),
        (Graph(("x",), ("y",), (Layer("a", kinds.RELU, ["y"], "x"),
                                Layer("b", kinds.RELU, ["x"], "y")),
               {"x": (4,), "y": (4,)}), r"'a'.*reads 'y' before anything produces it"),
    ],
)  # fmt: skip
def test_an_inconsistent_hand_built_graph_is_a_graph_error_naming_the_layer(graph, message):
    with pytest.raises(GraphError, match=message):
        hlsfx.configure(graph, "ap_fixed<12,5>")


def test_a_quantized_model_cannot_be_built_around_an_unverified_graph():
    good = hlsfx.configure(_dense(), "ap_fixed<12,5>")
    bad = _dense(shapes={"x": (5,), "y": (3,)})
    with pytest.raises(GraphError, match="does not end in the weight's 4 inputs"):
        QuantizedModel(bad, good.tensor_types, good.precisions, good.default)
