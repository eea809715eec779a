"""Running a quantized model: each layer kind prepares a step once (its family's module:
:mod:`.weighted`, :mod:`.activations`, :mod:`.layout`), then steps run on raw codes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from hlsfx.emulator import activations, layout, twins, weighted
from hlsfx.emulator.quantize import FLOAT_CODE_WIDTH, fits_int64
from hlsfx.emulator.steps import Step
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Layer
from hlsfx.numerics.config import LayerPrecision

__all__ = ["PREPARERS", "Step", "float_tensors", "plan", "prepare"]

PREPARERS: dict[kinds.LayerKind, Callable[..., Step]] = {
    **weighted.PREPARERS,
    **activations.PREPARERS,
    **layout.PREPARERS,
}
"""The emulator's step for every layer kind; the conformance test checks it covers KINDS."""


def _held_in_int64(p: LayerPrecision, in_types: list[FixedType]) -> bool:
    """Whether the layer's inputs, result and constants all fit int64 codes."""
    params = [v for v in p.params.values() if isinstance(v, np.ndarray)]
    return all(fits_int64(t) for t in [*in_types, p.types["result"]]) and all(
        v.dtype != object for v in params
    )


def prepare(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    """The step that runs ``layer`` on raw codes (``in_shapes``: its inputs' shapes): the int64
    kernels, or their exact twins (:mod:`.twins`) where the types are too wide for them."""
    if _held_in_int64(p, in_types):
        try:
            return PREPARERS[layer.kind](layer, p, in_types, in_shapes)
        except twins.TooWide:
            pass
    with twins.preparing_exact():
        return twins.exact_step(PREPARERS[layer.kind](layer, p, in_types, in_shapes))


def _fused_relu(layer: Layer, relu: Layer, precisions, tensor_types, shapes) -> Step | None:
    """Dense or Conv, then a ReLU of the same type, as one step (None if not exact)."""
    p = precisions[layer.name]
    if precisions[relu.name].types["result"] != p.types["result"]:
        return None
    in_types, in_shapes = [tensor_types[layer.inputs[0]]], [shapes[layer.inputs[0]]]
    if not _held_in_int64(p, in_types):
        return None
    try:
        return PREPARERS[layer.kind](layer, p, in_types, in_shapes, relu=True)
    except twins.TooWide:
        return None


FUSED_AFTER_WEIGHTED = {kinds.RELU: _fused_relu}
"""the kinds a weighted layer's kernel applies itself when one follows it alone"""


def float_tensors(graph, steps: list[tuple[list[Layer], Step]], tensor_types) -> set[str]:
    """Tensors that may be held as float64 codes: read only by steps that take them so
    (float-path Dense steps), not a graph output, and made by a step that can write them so or
    quantized from a graph input of at most :data:`FLOAT_CODE_WIDTH` bits."""
    takes = {}
    for layers, step in steps:
        for tensor in layers[0].inputs:
            takes[tensor] = takes.get(tensor, True) and getattr(step, "float_codes", False)
    made = [layers[-1].output for layers, step in steps if getattr(step, "float_codes", False)]
    made += [t for t in graph.inputs if tensor_types[t].width <= FLOAT_CODE_WIDTH]
    return {t for t in made if takes.get(t, False) and t not in graph.outputs}


def plan(graph, precisions, tensor_types, fuse: bool) -> list[tuple[list[Layer], Step]]:
    """Steps covering the graph's layers in order; with ``fuse``, a step may cover a Dense and
    the ReLU after it (their outputs are then not all materialised)."""
    steps: list[tuple[list[Layer], Step]] = []
    layers = list(graph.layers)
    i = 0
    while i < len(layers):
        layer = layers[i]
        if fuse and layer.kind.weighted and i + 1 < len(layers):
            after = layers[i + 1]
            single_use = [x.name for x in graph.consumers(layer.output)] == [after.name]
            fuse = FUSED_AFTER_WEIGHTED.get(after.kind)
            if fuse and single_use and layer.output not in graph.outputs:
                step = fuse(layer, after, precisions, tensor_types, graph.shapes)
                if step is not None:
                    steps.append(([layer, after], step))
                    i += 2
                    continue
        in_types = [tensor_types[t] for t in layer.inputs]
        in_shapes = [graph.shapes[t] for t in layer.inputs]
        steps.append(([layer], prepare(layer, precisions[layer.name], in_types, in_shapes)))
        i += 1
    return steps
