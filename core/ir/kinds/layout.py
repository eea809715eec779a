"""Kinds that move values (reshape, transpose, upsampling, concatenation, slicing, padding) or
combine two tensors element by element."""

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

__all__ = ["ConcatKind", "MergeKind", "MovingKind", "PadKind", "ReshapeKind", "SliceKind"]
__all__ += ["TransposeKind", "UpSamplingKind"]

FILL = -1
"""a source index that copies no input: the output is the layer's ``fill`` constant"""


class MovingKind(LayerKind):
    """A kind whose every output value is one of its inputs' values, cast to the result type:
    :meth:`source_index` says which, the one place the emulator and every writer read it."""

    fills = False
    """some outputs copy no input: their source index is :data:`FILL` and their value the
    layer's ``fill`` code (a constant of the result type)"""

    def source_index(self, layer: Layer, in_shapes: Sequence[tuple[int, ...]]) -> np.ndarray:
        """For each output value (flat, channels-last), the index of the value it copies in
        the inputs' values (flat, channels-last) laid end to end, or :data:`FILL`."""
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


def _per_axis(layer: Layer, name: str, shape: tuple[int, ...]) -> list:
    """The attribute ``name``: one entry per axis of ``shape``."""
    value = layer.attrs.get(name)
    if not isinstance(value, (list, tuple)) or len(value) != len(shape):
        raise GraphError(
            f"{layer.describe()}: {name} {value!r} is not one entry per axis of {shape}"
        )
    return list(value)


def _integers(layer: Layer, name: str, values: Sequence[Any], low: int | None = None) -> None:
    for v in values:
        if (
            not isinstance(v, (int, np.integer))
            or isinstance(v, bool)
            or (low is not None and v < low)
        ):
            raise GraphError(
                f"{layer.describe()}: {name} {list(values)} must be integers"
                + (f" of at least {low}" if low is not None else "")
            )


class SliceKind(MovingKind):
    """A slice of every axis (channels-last, batch excluded): along axis ``a``, the positions
    ``starts[a], starts[a] + steps[a], ...`` before ``ends[a]`` (Python's slice rules: a
    negative step walks backwards, out-of-range bounds clamp, an end of None runs to the end
    in the step's direction), cast to the result type.
    Cropping is a slice with steps of 1."""

    name = "Slice"
    result_follows_input = True

    def _slices(self, layer: Layer, shape: tuple[int, ...]) -> tuple[slice, ...]:
        starts, ends = _per_axis(layer, "starts", shape), _per_axis(layer, "ends", shape)
        steps = _per_axis(layer, "steps", shape)
        _integers(layer, "starts", starts)
        _integers(layer, "ends", [0 if e is None else e for e in ends])
        _integers(layer, "steps", steps)
        if 0 in steps:
            raise GraphError(f"{layer.describe()}: steps {steps} must not be 0")
        return tuple(slice(*bounds) for bounds in zip(starts, ends, steps, strict=True))

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        shape = input_shapes[0]
        kept = tuple(
            len(range(*s.indices(d)))
            for s, d in zip(self._slices(layer, shape), shape, strict=True)
        )
        if 0 in kept:
            raise GraphError(f"{layer.describe()}: the slice of {shape} is empty ({kept})")
        return kept

    def source_index(self, layer, in_shapes):
        (shape,) = in_shapes
        return np.arange(math.prod(shape)).reshape(shape)[self._slices(layer, shape)].reshape(-1)

    def reference(self, layer, xs, shapes):
        return xs[0][(slice(None), *self._slices(layer, shapes[0]))]


class PadKind(MovingKind):
    """Padding of every axis (channels-last, batch excluded): ``pads[a] = [before, after]``
    positions added along axis ``a``, holding ``value`` (mode ``constant``: the value cast to
    the result type once, the layer's ``fill`` code), the nearest edge value (``edge``), the
    values mirrored about the edge (``reflect``) or those from the other end (``wrap``); the
    input's values cast to the result type."""

    name = "Pad"
    result_follows_input = True
    fills = True
    MODES = ("constant", "edge", "reflect", "wrap")

    def _pads(self, layer: Layer, shape: tuple[int, ...]) -> list[tuple[int, int]]:
        pads = _per_axis(layer, "pads", shape)
        flat = [v for pair in pads for v in (pair if isinstance(pair, (list, tuple)) else [pair])]
        if any(not isinstance(pair, (list, tuple)) or len(pair) != 2 for pair in pads):
            raise GraphError(f"{layer.describe()}: pads {pads} are not [before, after] per axis")
        _integers(layer, "pads", flat, low=0)
        mode = layer.attrs.get("mode", "constant")
        if mode not in self.MODES:
            raise GraphError(f"{layer.describe()}: mode {mode!r} is not one of {self.MODES}")
        if mode in ("reflect", "wrap") and any(
            max(pair) > d - (mode == "reflect") for pair, d in zip(pads, shape, strict=True)
        ):
            raise GraphError(
                f"{layer.describe()}: pads {pads} in mode {mode} are longer than the axes of "
                f"{shape} allow"
            )
        value = layer.attrs.get("value", 0.0)
        if mode == "constant" and not (
            isinstance(value, (int, float, np.number)) and np.isfinite(value)
        ):
            raise GraphError(f"{layer.describe()}: the pad value {value!r} is not a finite number")
        return [(int(a), int(b)) for a, b in pads]

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        shape = input_shapes[0]
        return tuple(d + a + b for d, (a, b) in zip(shape, self._pads(layer, shape), strict=True))

    def _np_mode(self, layer: Layer) -> dict[str, Any]:
        mode = layer.attrs.get("mode", "constant")
        return {"mode": mode, "constant_values": FILL} if mode == "constant" else {"mode": mode}

    def source_index(self, layer, in_shapes):
        (shape,) = in_shapes
        index = np.arange(math.prod(shape)).reshape(shape)
        return np.pad(index, self._pads(layer, shape), **self._np_mode(layer)).reshape(-1)

    def derived_constants(self, layer, types, x, quantize):
        """``fill``: the pad value as a code of the result type (0 outside mode constant)."""
        value = (
            layer.attrs.get("value", 0.0)
            if layer.attrs.get("mode", "constant") == "constant"
            else 0.0
        )
        return {"fill": quantize([value], types["result"])}

    def reference(self, layer, xs, shapes):
        pads = [(0, 0), *self._pads(layer, shapes[0])]
        mode = layer.attrs.get("mode", "constant")
        if mode == "constant":
            return np.pad(
                xs[0], pads, mode="constant", constant_values=layer.attrs.get("value", 0.0)
            )
        return np.pad(xs[0], pads, mode=mode)


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
