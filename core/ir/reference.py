"""The float meaning of a graph: every layer computed in float64 by its kind's
:meth:`~hlsfx.ir.kinds.LayerKind.reference` (plain numpy, from the layer's float parameters, with
no quantization at all), the living definition of each kind's float semantics and what a
frontend must preserve; the emulator computes the same graph in fixed point. The frontend
tests compare it with the source framework (onnx's reference evaluator, torch, a numpy forward
pass of Keras weights) to about 1e-9.

Tensors are channels-last with the batch first, as in the IR; :func:`run` takes and returns
them in the source model's layout, as :meth:`hlsfx.model.QuantizedModel.predict` does."""

from __future__ import annotations

from typing import Any

import numpy as np

from hlsfx.ir.graph import Graph

__all__ = ["run", "tensors"]


def tensors(graph: Graph, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor of ``graph`` in float64, from its inputs (IR layout: channels-last, batch
    first)."""
    values = {}
    for name in graph.inputs:
        x = np.asarray(inputs[name], dtype=np.float64)
        if x.shape[1:] != tuple(graph.shapes[name]):
            raise ValueError(f"input {name!r}: shape {x.shape[1:]}, not {graph.shapes[name]}")
        values[name] = x
    for layer in graph.layers:
        shapes = [graph.shapes[t] for t in layer.inputs]
        values[layer.output] = layer.kind.reference(
            layer, [values[t] for t in layer.inputs], shapes
        )
    return values


def run(graph: Graph, x: Any) -> np.ndarray | dict[str, np.ndarray]:
    """The graph's outputs in float64 for inputs in the source model's layout (one array, or
    a dict by input name), like ``predict``: one array for one output, else a dict."""
    given = x if isinstance(x, dict) else {graph.inputs[0]: x}
    inputs = {}
    for name in graph.inputs:
        perm = graph.layout(name)
        inputs[name] = np.asarray(given[name]).transpose(0, *(1 + np.argsort(perm)))
    values = tensors(graph, inputs)
    outputs = {}
    for name in graph.outputs:
        perm = graph.output_layouts.get(name)
        out = values[name]
        outputs[name] = out.transpose(0, *(1 + np.asarray(perm))) if perm else out
    return outputs[graph.outputs[0]] if len(outputs) == 1 else outputs
