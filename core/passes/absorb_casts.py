"""Give a quantizer's type to what it quantizes.

Frontends turn a quantizer on a tensor (a QONNX ``Quant``, a QuantizeLinear/DequantizeLinear
pair, a QKeras activation quantizer) into a Linear layer whose result type is fixed. Where that
layer is the only reader of a graph input or of a layer whose result no quantizer fixes yet,
the type moves there: the input's type, or the layer's result type, and the Linear goes."""

from __future__ import annotations

from dataclasses import replace

from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer
from hlsfx.passes._rewrite import merged

__all__ = ["absorb_casts"]


def _renamed(layer: Layer, old: str, new: str) -> Layer:
    if old not in layer.inputs:
        return layer
    return replace(layer, inputs=tuple(new if t == old else t for t in layer.inputs))


def absorb_casts(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first absorbable Linear absorbed, and whether one was."""
    for cast in graph.layers:
        if cast.kind is not kinds.LINEAR or "result" not in cast.fixed:
            continue
        (x,) = cast.inputs
        if len(graph.consumers(x)) != 1 or x in graph.outputs:
            continue
        t = cast.fixed["result"]
        if x in graph.inputs:
            if x in graph.input_types or cast.output in graph.outputs:
                continue
            layers = tuple(
                _renamed(layer, cast.output, x) for layer in graph.layers if layer is not cast
            )
            shapes = {k: v for k, v in graph.shapes.items() if k != cast.output}
            layouts = {k: v for k, v in graph.layouts.items() if k != cast.output}
            return replace(
                graph,
                layers=layers,
                shapes=shapes,
                layouts=layouts,
                input_types={**graph.input_types, x: t},
            ), True
        producer = graph.producer(x)
        if "result" in producer.fixed:
            continue
        typed = replace(producer, output=cast.output, fixed={**producer.fixed, "result": t})
        return merged(graph, producer, typed, cast), True
    return graph, False
