"""Activations that exporters write as their input times a gate of it, each made one layer
with one table: ``x * Sigmoid(x)`` is SiLU (Swish), ``x * Tanh(Softplus(x))`` is Mish. One
table of the whole function replaces a table per gate step, their casts and a product."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

__all__ = ["fuse_gates"]

GATES: dict[kinds.LayerKind, tuple[kinds.LayerKind, ...]] = {
    kinds.SILU: (kinds.SIGMOID,),
    kinds.MISH: (kinds.TANH, kinds.SOFTPLUS),
}
"""each fused kind and its gate's chain of layers, from the product back to the input"""


def _gate(graph: Graph, made: Mapping[str, Layer], tensor: str, chain) -> list[Layer] | None:
    """The layers of ``chain`` that make ``tensor`` (the first makes it, each reads the next's
    output), each read only by the one before and typed by no quantizer, or None."""
    found = []
    for kind in chain:
        layer = made.get(tensor)
        if (
            layer is None
            or layer.kind is not kind
            or layer.fixed
            or layer.output in graph.outputs
            or len(graph.consumers(layer.output)) != 1
        ):
            return None
        found.append(layer)
        (tensor,) = layer.inputs
    return found


def fuse_gates(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first ``Multiply(x, gate(x))`` of :data:`GATES` made one layer of
    the fused kind, and whether one was."""
    made = {layer.output: layer for layer in graph.layers}
    for product in graph.layers:
        if product.kind is not kinds.MULTIPLY or product.fixed:
            continue
        for fused, chain in GATES.items():
            for gated, other in ((0, 1), (1, 0)):
                gate = _gate(graph, made, product.inputs[gated], chain)
                if gate is None or gate[-1].inputs != (product.inputs[other],):
                    continue
                layer = Layer(
                    name=product.name,
                    kind=fused,
                    inputs=gate[-1].inputs,
                    output=product.output,
                    source=product.source,
                )
                return _replaced(graph, product, layer, gate), True
    return graph, False


def _replaced(graph: Graph, product: Layer, fused: Layer, gate: list[Layer]) -> Graph:
    """``graph`` with ``product`` replaced by ``fused`` and the gate's layers and tensors gone."""
    layers = tuple(fused if x is product else x for x in graph.layers if x not in gate)
    dropped = {layer.output for layer in gate}
    shapes = {t: s for t, s in graph.shapes.items() if t not in dropped}
    layouts = {t: p for t, p in graph.layouts.items() if t not in dropped}
    return replace(graph, layers=layers, shapes=shapes, layouts=layouts)
