"""Merge element-wise scalings, so that each quantizer scale that is not a power of two ends in
one fixed-point rescale step.

A QONNX quantizer with such a scale becomes integer arithmetic between BatchNormalization
layers (``x * scale + bias``): its weights' scale after the Dense or convolution that sums their
codes, an activation's scale as a division before its cast to integer codes and a
multiplication after it. These passes bring each chain of scalings together:

- :func:`merge_batch_norms`: two BatchNormalizations in a row are one,
  ``(x * s1 + b1) * s2 + b2 = x * (s1 s2) + (b1 s2 + b2)``, unless the first one's result is
  cast (a quantizer fixed its type).
- :func:`move_scalings`: a pure scaling (one positive scale, no bias) moves backward through a
  ReLU that a BatchNormalization feeds (``relu(x) * s = relu(x * s)`` for ``s > 0``; a cast of the
  scaling's result stays at the end, now on the ReLU), and forward through a reshape, a
  transpose, or a Dense or convolution whose weights a quantizer typed (``W (s x) + b =
  s (W x + b / s)``), to meet the rescale after it.
- :func:`threshold_scalings`: a rescale whose only reader is a Binarize decides a sign only,
  ``sign(s x + b) = sign(sign(s) x + b / |s|)``: its multipliers become +-1 (exact) and its
  offsets thresholds on the integer sum, so that channels of very different (or vanishing)
  scales keep their decisions in one fixed-point type.
- :func:`threshold_quantizers`: a rescale into a quantizer of a few bits (at most
  :data:`THRESHOLD_BITS`) becomes a MultiThreshold layer: the integer sum compared with exact
  thresholds, as FINN does, so that the result equals the source's arithmetic on every input
  (fixed-point multipliers only approximate a scale that is not a power of two) and the
  hardware is a few comparators per value.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import Overflow
from hlsfx.ir.graph import Graph, Layer
from hlsfx.passes._rewrite import merged

__all__ = ["THRESHOLD_BITS", "merge_batch_norms", "move_scalings", "threshold_quantizers"]
__all__ += ["threshold_scalings"]

THRESHOLD_BITS = 4
"""the widest quantizer (15 thresholds) a rescale into becomes a MultiThreshold"""


def _single_reader(graph: Graph, tensor: str) -> Layer | None:
    readers = graph.consumers(tensor)
    return readers[0] if len(readers) == 1 and tensor not in graph.outputs else None


def merge_batch_norms(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first mergeable pair of BatchNormalizations merged, and whether one
    was."""
    for first in graph.layers:
        second = _single_reader(graph, first.output) if first.kind is kinds.BATCH_NORM else None
        if second is None or second.kind is not kinds.BATCH_NORM or "result" in first.fixed:
            continue
        s1, b1 = first.params["scale"], first.params["bias"]
        s2, b2 = second.params["scale"], second.params["bias"]
        params = {"scale": s1 * s2, "bias": b1 * s2 + b2}
        fixed = {k: v for k, v in second.fixed.items() if k == "result"}
        rescale = bool(first.attrs.get("rescale") or second.attrs.get("rescale"))
        both = replace(
            first,
            name=second.name,
            output=second.output,
            params=params,
            fixed=fixed,
            attrs={"rescale": True} if rescale else {},
            source=f"{first.source} + {second.source}",
        )
        return merged(graph, first, both, second), True
    return graph, False


def _pure_scale(layer: Layer) -> float | None:
    """The one positive scale of a BatchNormalization without bias, else None."""
    if layer.kind is not kinds.BATCH_NORM or np.any(layer.params["bias"] != 0):
        return None
    scale = np.unique(layer.params["scale"])
    return float(scale[0]) if scale.size == 1 and scale[0] > 0 else None


def _swapped(graph: Graph, before: Layer, after: Layer, new_before: Layer, new_after: Layer):
    """``before -> after`` rewritten as ``new_before -> new_after``, the tensor between them
    keeping its name, with the shape and layout of what ``new_before`` now makes."""
    middle = before.output
    shape = graph.shapes[after.output] if new_before.kind is not kinds.BATCH_NORM else None
    layers = tuple(
        new_before if layer is before else new_after if layer is after else layer
        for layer in graph.layers
    )
    shapes, layouts = dict(graph.shapes), dict(graph.layouts)
    if shape is not None:  # the layout op or Dense now makes the middle tensor
        shapes[middle] = shape
        if after.output in layouts:
            layouts[middle] = layouts[after.output]
    else:
        shapes[middle] = graph.shapes[before.inputs[0]]
        if before.inputs[0] in layouts:
            layouts[middle] = layouts[before.inputs[0]]
    return replace(graph, layers=layers, shapes=shapes, layouts=layouts)


def _scaling(layer: Layer, scale: float, channels: int, inputs, output: str) -> Layer:
    params = {"scale": np.full(channels, scale), "bias": np.zeros(channels)}
    return replace(layer, inputs=tuple(inputs), output=output, params=params)


def move_scalings(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first movable pure scaling moved one layer, and whether one was."""
    for norm in graph.layers:
        scale = _pure_scale(norm)
        if scale is None:
            continue
        (x,) = norm.inputs
        relu = graph.producer(x)
        if (
            relu is not None
            and relu.kind is kinds.RELU
            and "result" not in relu.fixed
            and _single_reader(graph, x) is norm
            and (feeder := graph.producer(relu.inputs[0])) is not None
            and feeder.kind is kinds.BATCH_NORM
            and _single_reader(graph, relu.inputs[0]) is relu
        ):
            channels = graph.shapes[x][-1]
            moved = _scaling(norm, scale, channels, relu.inputs, x)
            moved = replace(moved, fixed={k: v for k, v in norm.fixed.items() if k != "result"})
            after = replace(
                relu,
                inputs=(x,),
                output=norm.output,
                fixed={**relu.fixed, **{k: v for k, v in norm.fixed.items() if k == "result"}},
            )
            return _swapped(graph, relu, norm, moved, after), True
        if "result" in norm.fixed:
            continue
        nxt = _single_reader(graph, norm.output)
        if nxt is None or "result" in nxt.fixed:
            continue
        layout = nxt.kind in (kinds.RESHAPE, kinds.TRANSPOSE)
        integer = nxt.kind.weighted and "weight" in nxt.fixed and "bias" not in nxt.fixed
        if not (layout or integer):
            continue
        params = dict(nxt.params)
        if integer:
            params["bias"] = nxt.params["bias"] / scale
        first = replace(
            nxt,
            inputs=tuple(x if t == norm.output else t for t in nxt.inputs),
            output=norm.output,
            params=params,
        )
        channels = graph.shapes[nxt.output][-1]
        second = _scaling(norm, scale, channels, (norm.output,), nxt.output)
        return _swapped(graph, norm, nxt, first, second), True
    return graph, False


def threshold_scalings(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first rescale before a Binarize made a threshold, and whether one
    was."""
    for norm in graph.layers:
        if not norm.attrs.get("rescale") or "result" in norm.fixed:
            continue
        reader = _single_reader(graph, norm.output)
        scale, bias = norm.params["scale"], norm.params["bias"]
        signs = np.all(np.isin(scale, (-1, 0, 1)))
        if reader is None or reader.kind is not kinds.BINARIZE or signs:
            continue
        magnitude = np.where(scale == 0, 1.0, np.abs(scale))
        params = {"scale": np.sign(scale), "bias": bias / magnitude}
        threshold = replace(norm, params=params, fixed={})
        layers = tuple(threshold if layer is norm else layer for layer in graph.layers)
        return replace(graph, layers=layers), True
    return graph, False


def _few_bits(t) -> bool:
    return (
        t is not None
        and t.width <= THRESHOLD_BITS
        and t.overflow in (Overflow.AP_SAT, Overflow.AP_SAT_SYM)
    )


def threshold_quantizers(graph: Graph) -> tuple[Graph, bool]:
    """The graph with the first rescale into a few-bit saturating quantizer made a
    MultiThreshold layer, and whether one was: a rescale whose result the quantizer types, or
    one whose only reader is a ReLU that the quantizer types with an unsigned result (which
    saturates at 0 as the ReLU does; the layer then takes the ReLU's name and output)."""
    for norm in graph.layers:
        if not norm.attrs.get("rescale"):
            continue
        last, result = norm, norm.fixed.get("result")
        reader = _single_reader(graph, norm.output)
        if (
            result is None
            and reader is not None
            and reader.kind is kinds.RELU
            and norm.output not in graph.outputs
        ):
            last, result = reader, reader.fixed.get("result")
            if result is None or result.signed:
                continue
        if not _few_bits(result):
            continue
        threshold = Layer(
            last.name,
            kinds.THRESHOLD,
            norm.inputs,
            last.output,
            params={"scale": norm.params["scale"], "bias": norm.params["bias"]},
            fixed={"result": result},
            source=last.source,
        )
        if last is norm:
            layers = tuple(threshold if layer is norm else layer for layer in graph.layers)
            return replace(graph, layers=layers), True
        return merged(graph, last, threshold, norm), True
    return graph, False
