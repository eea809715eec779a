"""Flatten in the order the values are held (channels last), as hls4ml does.

A channels-first source model (PyTorch, ONNX) that flattens a feature map into a Dense reads
it channel by channel: hlsfx's graph holds the map channels-last, so its frontend writes a
Transpose back to the source's order before the Reshape. hls4ml instead flattens the
channels-last map as it is and permutes the Dense's weight rows to match. Both compute the
same real sum, in another order: with an accumulator that saturates or rounds, the bits
differ. This pass rewrites ``Transpose -> Reshape (1-D) -> Dense`` as ``Reshape -> Dense``
with the rows permuted, for ``numerics="hls4ml"``."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph

__all__ = ["flatten_channels_last"]


def flatten_channels_last(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first transposed flatten into Dense layers made a plain flatten
    (their weight rows permuted), and whether one was."""
    for transpose in graph.layers:
        if transpose.kind is not kinds.TRANSPOSE or transpose.output in graph.outputs:
            continue
        readers = graph.consumers(transpose.output)
        if len(readers) != 1 or readers[0].kind is not kinds.RESHAPE:
            continue
        (flatten,) = readers
        dense = graph.consumers(flatten.output)
        flat = graph.shapes[flatten.output]
        if (
            len(flat) != 1
            or flatten.output in graph.outputs
            or not dense
            or any(d.kind is not kinds.DENSE for d in dense)
        ):
            continue
        (source,) = transpose.inputs
        shape = graph.shapes[source]
        # row k of the Dense reads element order[k] of the map as it is held
        order = np.arange(math.prod(shape)).reshape(shape).transpose(transpose.attrs["perm"])
        rows = np.argsort(order.reshape(-1))
        replaced = {transpose.name: None, flatten.name: replace(flatten, inputs=(source,))}
        for layer in dense:
            params = {**layer.params, "weight": layer.params["weight"][rows]}
            replaced[layer.name] = replace(layer, params=params)
        layers = tuple(replaced.get(x.name, x) for x in graph.layers)
        shapes = {t: s for t, s in graph.shapes.items() if t != transpose.output}
        layouts = {t: p for t, p in graph.layouts.items() if t != transpose.output}
        return replace(
            graph, layers=tuple(x for x in layers if x is not None), shapes=shapes, layouts=layouts
        ), True
    return graph, False
