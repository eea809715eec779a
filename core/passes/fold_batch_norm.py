"""Fold a BatchNormalization into the Dense or convolution before it.

Frontends turn a BatchNormalization, and an element-wise Add, Sub or Mul of a tensor by a
per-channel constant, into a BatchNormalization layer (``x * scale + bias``). Where that layer
is the only reader of a Dense or convolution whose result no quantizer fixes, it becomes part
of the weights and bias: ``w * scale`` and ``b * scale + bias``. A pure addition (scale 1)
leaves the weights and their type alone, and a quantized addend becomes the bias's type when
the layer had no bias of its own. A scaling stays apart from weights that a quantizer typed:
their products are exact, the scaled ones would not be: the scaling is marked a rescale step
of its own (configured as one, see hlsfx.numerics.config)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph
from hlsfx.passes._rewrite import merged

__all__ = ["fold_batch_norm"]


def fold_batch_norm(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first foldable BatchNormalization folded, and whether one was."""
    for norm in graph.layers:
        if norm.kind is not kinds.BATCH_NORM:
            continue
        (x,) = norm.inputs
        producer = graph.producer(x)
        if (
            producer is None
            or not producer.kind.weighted
            or "result" in producer.fixed
            or len(graph.consumers(x)) != 1
            or x in graph.outputs
        ):
            continue
        scale, shift = norm.params["scale"], norm.params["bias"]
        if "weight" in producer.fixed and not np.all(scale == 1.0):
            if norm.attrs.get("rescale"):
                continue
            rescale = replace(norm, attrs={**norm.attrs, "rescale": True})
            layers = tuple(rescale if layer is norm else layer for layer in graph.layers)
            return replace(graph, layers=layers), True
        weight, bias = producer.params["weight"], producer.params["bias"]
        fixed = dict(producer.fixed)
        if np.all(scale == 1.0):
            params = {"weight": weight, "bias": bias + shift}
            if "bias" in norm.fixed and not bias.any():
                fixed["bias"] = norm.fixed["bias"]
            source = f"{producer.source} + {norm.source}"
        else:
            params = {"weight": weight * scale, "bias": bias * scale + shift}
            fixed = {k: v for k, v in fixed.items() if k not in ("weight", "bias")}
            source = f"{producer.source} + {norm.source} (folded)"
        if "result" in norm.fixed:
            fixed["result"] = norm.fixed["result"]
        folded = replace(producer, output=norm.output, params=params, fixed=fixed, source=source)
        return merged(graph, producer, folded, norm), True
    return graph, False
