"""What the passes share: a graph with one layer replaced and another taken out."""

from __future__ import annotations

from dataclasses import replace

from hlsfx.ir.graph import Graph, Layer

__all__ = ["merged"]


def merged(graph: Graph, keep: Layer, into: Layer, gone: Layer) -> Graph:
    """``graph`` with ``keep`` replaced by ``into`` and ``gone`` removed, the tensor only
    ``keep`` made before (``keep.output``, when ``into`` writes another) forgotten."""
    layers = tuple(into if layer is keep else layer for layer in graph.layers if layer is not gone)
    dropped = {keep.output} - {into.output}
    shapes = {t: s for t, s in graph.shapes.items() if t not in dropped}
    layouts = {t: p for t, p in graph.layouts.items() if t not in dropped}
    return replace(graph, layers=layers, shapes=shapes, layouts=layouts)
