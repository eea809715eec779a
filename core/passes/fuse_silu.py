"""SiLU (Swish) as one layer: ``x * Sigmoid(x)``, as exporters write it, becomes a SiLU layer
with one table of ``x * sigmoid(x)``, instead of a sigmoid table, its cast and a product."""

from __future__ import annotations

from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer
from hlsfx.passes._rewrite import merged

__all__ = ["fuse_silu"]


def fuse_silu(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first ``Multiply(x, Sigmoid(x))`` (the sigmoid read by nothing else,
    neither layer with a type fixed by a quantizer) made one SiLU layer, and whether one was."""
    made = {layer.output: layer for layer in graph.layers}
    for product in graph.layers:
        if product.kind is not kinds.MULTIPLY or product.fixed:
            continue
        for gate_input, other in ((0, 1), (1, 0)):
            gate = made.get(product.inputs[gate_input])
            if (
                gate is None
                or gate.kind is not kinds.SIGMOID
                or gate.fixed
                or gate.inputs != (product.inputs[other],)
                or gate.output in graph.outputs
                or len(graph.consumers(gate.output)) != 1
            ):
                continue
            silu = Layer(
                name=product.name,
                kind=kinds.SILU,
                inputs=gate.inputs,
                output=product.output,
                source=product.source,
            )
            return merged(graph, keep=product, into=silu, gone=gate), True
    return graph, False
