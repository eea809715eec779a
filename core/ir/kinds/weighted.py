"""Kinds that sum products of their input and constant weights: Dense and the convolutions."""

from __future__ import annotations

import numpy as np

from hlsfx.ir.errors import GraphError
from hlsfx.ir.kinds.base import WeightedKind
from hlsfx.ir.kinds.window import WindowKind

__all__ = ["ConvKind", "DenseKind"]


class DenseKind(WeightedKind):
    """``y = x @ weight + bias`` over the last axis; weight (n_in, n_out), bias (n_out,)."""

    name = "Dense"

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        weight, bias = layer.params.get("weight"), layer.params.get("bias")
        if weight is None or weight.ndim != 2 or bias is None or bias.shape != weight.shape[1:]:
            got = [None if p is None else p.shape for p in (weight, bias)]
            raise GraphError(
                f"{layer.describe()} needs a weight (n_in, n_out) and a bias (n_out,), got "
                f"{got[0]} and {got[1]}"
            )
        if not shape or shape[-1] != weight.shape[0]:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} does not end in the weight's "
                f"{weight.shape[0]} inputs"
            )
        return (*shape[:-1], weight.shape[1])

    def reference(self, layer, xs, shapes):
        return xs[0] @ layer.params["weight"] + layer.params["bias"]


class ConvKind(WindowKind, WeightedKind):
    """Convolution, channels-last: Dense over each output position's receptive field, in the
    order kernel height, kernel width, input channel (docs/numerics.md).

    attrs: ``kernel`` (k,) or (kh, kw), ``strides``, ``dilations`` (same length) and ``pads``
    (begin..., end...) in input positions. params: ``weight`` (*kernel, c_in, c_out), ``bias``
    (c_out,).
    """

    def __init__(self, name: str, spatial: int, depthwise: bool = False) -> None:
        self.name = name
        self.spatial = spatial
        self.depthwise = depthwise
        """one filter per channel: weight (*kernel, C), output channels = input channels"""

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        a, weight = layer.attrs, layer.params.get("weight")
        d = self.spatial
        if self.depthwise and weight is not None and weight.ndim != d + 1:
            raise GraphError(
                f"{layer.describe()}: a depthwise weight is (*kernel, channels), not {weight.shape}"
            )
        if len(shape) != d + 1:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} is not (*{d} spatial, channels)"
            )
        bias = layer.params.get("bias")
        if weight is not None and (bias is None or bias.shape != weight.shape[-1:]):
            got = None if bias is None else bias.shape
            raise GraphError(
                f"{layer.describe()}: bias shape {got} is not one value per output "
                f"channel of weight {weight.shape}"
            )
        if weight is None or weight.shape[:d] != tuple(a["kernel"]) or weight.shape[d] != shape[-1]:
            raise GraphError(
                f"{layer.describe()}: weight shape {None if weight is None else weight.shape} does "
                f"not fit kernel {tuple(a['kernel'])} over {shape[-1]} input channels"
            )
        return (*self.window_counts(layer, shape), weight.shape[-1])

    def reference(self, layer, xs, shapes):
        """Dense over each output position's window; depthwise: each channel alone."""
        (x,), (shape,), weight = xs, shapes, layer.params["weight"]
        taps, _ = self.windows(layer, x, shape)
        if self.depthwise:
            out = np.einsum("nptc,tc->npc", taps, weight.reshape(-1, weight.shape[-1]))
        else:
            out = taps.reshape(*taps.shape[:2], -1) @ weight.reshape(-1, weight.shape[-1])
        return (out + layer.params["bias"]).reshape(len(x), *self.output_shape(layer, shapes))
