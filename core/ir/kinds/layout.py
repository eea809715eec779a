"""Kinds that move values (reshape, transpose, upsampling, concatenation) or combine two
tensors element by element."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir.errors import GraphError
from hlsfx.ir.kinds.base import PER_PIXEL, WHOLE, LayerKind

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer

__all__ = ["ConcatKind", "MergeKind", "MovingKind", "ReshapeKind", "TransposeKind"]
__all__ += ["UpSamplingKind"]


class MovingKind(LayerKind):
    """A kind whose every output value is one of its inputs' values, cast to the result type:
    :meth:`source_index` says which, the one place the emulator and every writer read it."""

    def source_index(self, layer: Layer, in_shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
        """For each output value (flat, channels-last), the index of the value it copies in
        the inputs' values (flat, channels-last) laid end to end."""
        raise NotImplementedError(f"{self.name} has no source index")

    def stream_form(self, layer, in_shapes):
        return WHOLE


class ReshapeKind(MovingKind):
    """The same values in another shape (the data order does not change)."""

    name = "Reshape"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        shape = tuple(layer.attrs["shape"])
        if math.prod(shape) != math.prod(input_shapes[0]):
            raise GraphError(f"{layer.describe()}: cannot reshape {input_shapes[0]} to {shape}")
        return shape

    def source_index(self, layer, in_shapes):
        return np.arange(math.prod(in_shapes[0]))

    def reference(self, layer, xs, shapes):
        return xs[0].reshape(len(xs[0]), *layer.attrs["shape"])


class TransposeKind(MovingKind):
    """Permute the axes: ``output = input.transpose(perm)`` (batch axis excluded)."""

    name = "Transpose"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        perm, shape = tuple(layer.attrs["perm"]), input_shapes[0]
        if sorted(perm) != list(range(len(shape))):
            raise GraphError(
                f"{layer.describe()}: {perm} is not a permutation of {len(shape)} axes"
            )
        return tuple(shape[p] for p in perm)

    def source_index(self, layer, in_shapes):
        (shape,) = in_shapes
        return np.arange(math.prod(shape)).reshape(shape).transpose(layer.attrs["perm"]).reshape(-1)

    def reference(self, layer, xs, shapes):
        return xs[0].transpose(0, *(1 + np.asarray(layer.attrs["perm"], dtype=int)))


class UpSamplingKind(MovingKind):
    """Nearest-neighbour upsampling by integer factors, channels-last: output position ``o``
    along spatial axis ``a`` reads input position ``o // scales[a]`` (attrs ``scales``, one
    positive integer per spatial axis), cast to the result type."""

    name = "UpSampling"
    result_follows_input = True

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        scales, shape = tuple(layer.attrs["scales"]), input_shapes[0]
        if len(scales) != len(shape) - 1 or not all(isinstance(f, int) and f >= 1 for f in scales):
            raise GraphError(
                f"{layer.describe()}: scales {scales} are not one positive integer "
                f"per spatial axis of {shape}"
            )
        return (*(d * f for d, f in zip(shape, scales, strict=False)), shape[-1])

    def source_index(self, layer, in_shapes):
        (in_shape,) = in_shapes
        index = np.arange(math.prod(in_shape)).reshape(in_shape)
        for axis, factor in enumerate(layer.attrs["scales"]):
            index = np.repeat(index, factor, axis=axis)
        return index.reshape(-1)

    def reference(self, layer, xs, shapes):
        out = xs[0]
        for axis, factor in enumerate(layer.attrs["scales"]):
            out = np.repeat(out, factor, axis=axis + 1)
        return out


class ConcatKind(MovingKind):
    """The inputs joined along ``axis`` (of the batch-free shape), each cast to result."""

    name = "Concatenate"
    n_inputs = 2

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        axis = layer.attrs["axis"]
        a, b = input_shapes
        if not isinstance(axis, (int, np.integer)) or not 0 <= axis < len(a):
            raise GraphError(f"{layer.describe()}: axis {axis!r} is not an axis of {a}")
        if len(a) != len(b) or any(
            x != y for i, (x, y) in enumerate(zip(a, b, strict=True)) if i != axis
        ):
            raise GraphError(f"{layer.describe()}: cannot join {a} and {b} along axis {axis}")
        return tuple(x + y if i == axis else x for i, (x, y) in enumerate(zip(a, b, strict=True)))

    def source_index(self, layer, in_shapes):
        parts, start = [], 0
        for shape in in_shapes:
            parts.append(np.arange(start, start + math.prod(shape)).reshape(shape))
            start += math.prod(shape)
        return np.concatenate(parts, axis=layer.attrs["axis"]).reshape(-1)

    def stream_form(self, layer, in_shapes):
        """Along the channels, per pixel (the pixels of the inputs side by side)."""
        return PER_PIXEL if layer.attrs["axis"] == len(in_shapes[0]) - 1 else WHOLE

    def pixel_layer(self, layer):
        return replace(layer, attrs={**layer.attrs, "axis": 0})

    def reference(self, layer, xs, shapes):
        return np.concatenate(xs, axis=1 + layer.attrs["axis"])


class MergeKind(LayerKind):
    """Two tensors of one shape, element by element, exactly, then ``cast(., result)``."""

    n_inputs = 2

    def __init__(self, name: str, operator: str, combine: Callable[[Any, Any], Any]) -> None:
        self.name = name
        self.operator = operator
        """``+``, ``-`` or ``*``"""
        self.combine = combine
        """the exact operation, on numbers or arrays"""

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        if input_shapes[0] != input_shapes[1]:
            raise GraphError(
                f"{layer.describe()}: shapes {input_shapes[0]} and {input_shapes[1]} differ"
            )
        return input_shapes[0]

    def reference(self, layer, xs, shapes):
        return self.combine(xs[0], xs[1])
