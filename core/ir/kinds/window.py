"""Kinds that read a window of positions per output position, and pooling."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir import windows
from hlsfx.ir.errors import GraphError
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.kinds.base import WINDOW, LayerKind

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer

__all__ = ["PoolKind", "WindowKind"]


class WindowKind(LayerKind):
    """A kind that reads a window of positions per output position (convolutions, pooling):
    attrs ``kernel``, ``strides``, ``dilations``, ``pads`` (begin..., end...) over ``spatial``
    axes, channels last."""

    spatial: int = 1

    def stream_form(self, layer, in_shapes):
        return WINDOW

    def window_counts(self, layer: Layer, shape: tuple[int, ...]) -> list[int]:
        """The number of window positions along each spatial axis of an input ``shape``."""
        problem = windows.attrs_problem(layer.attrs, shape)
        if problem:
            raise GraphError(f"{layer.describe()}: {problem}")
        counts = windows.window_counts(layer.attrs, shape)
        if counts is None:
            raise GraphError(f"{layer.describe()}: the window reaches beyond the padded input")
        return counts

    def windows(self, layer: Layer, x: np.ndarray, shape: tuple[int, ...]) -> tuple[Any, Any]:
        """The windows of float inputs (see :func:`hlsfx.ir.windows.gather`)."""
        return windows.gather(self.patch_index(layer, shape), x, shape[-1])

    def patch_index(self, layer: Layer, shape: tuple[int, ...]) -> np.ndarray:
        """For each output position (row-major) and tap (kernel positions, then input
        channels), the flat channels-last input index it reads, or -1 for padding."""
        self.output_shape(layer, [shape])  # checks the shapes
        entries = math.prod(self.window_counts(layer, shape)) * math.prod(layer.attrs["kernel"])
        if entries * shape[-1] > windows.MAX_PATCH_INDEX:
            raise ValueError(
                f"{layer.describe()}: its window index over input {shape} would "
                f"hold {entries * shape[-1]:,} entries, over the "
                f"{windows.MAX_PATCH_INDEX:,} hlsfx builds"
            )
        return windows.patch_index(layer.attrs, shape)


class PoolKind(WindowKind):
    """Max or average pooling, channels-last, per channel over each window. attrs: ``kernel``,
    ``strides``, ``pads`` (begin..., end...), ``dilations`` (all 1) and, for average pooling,
    ``count_include_pad``. Max: ``cast(max over the window, result)`` (padding never wins).
    Average: the taps inside the input summed in window order into ``accum`` (cast after each
    add; exact by default), then ``cast(acc * recip[count], result)``, ``recip[count] =
    cast(1 / count, recip)``, count the window size or, without ``count_include_pad``, the taps
    inside; ``numerics="hls4ml"`` gives ``cast(trunc(acc / count), result)`` (toward zero)."""

    def __init__(self, name: str, spatial: int, average: bool) -> None:
        self.name = name
        self.spatial = spatial
        self.average = average
        self.roles = ("accum", "recip", "result") if average else ("result",)
        self.result_follows_input = not average

    def exact_roles(self, layer, types, x, n):
        taps = math.prod(layer.attrs["kernel"])  # average pooling's exact window sum
        return {"accum": self.window_sum_type(x, taps)} if self.average else {}

    def derived_constants(self, layer, types, x, quantize):
        """Average pooling's ``recip``: ``cast(1 / count, recip)`` by count (entry 0 unused;
        1 / window everywhere when the padding counts)."""
        if not self.average:
            return {}
        taps = math.prod(layer.attrs["kernel"])
        recip = np.concatenate([[0], quantize(1.0 / np.arange(1, taps + 1), types["recip"])])
        if layer.attrs.get("count_include_pad", 0):
            recip[1:] = recip[taps]
        return {"recip": recip.astype(np.int64)}

    @staticmethod
    def quotient_type(sum_t: FixedType, divisor: int) -> FixedType:
        """The signed type of ``sum / d`` toward zero, with the sum's LSB, for every divisor
        ``d`` up to ``divisor`` (average pooling that divides)."""
        width = max(sum_t.width, divisor.bit_length()) + 1
        return FixedType(width, sum_t.integer + width - sum_t.width, True)

    @staticmethod
    def window_sum_type(x: FixedType, taps: int) -> FixedType:
        """The exact type of the sum of ``taps`` codes of type ``x`` (average pooling)."""
        grow = max(1, taps).bit_length()
        return FixedType(x.width + grow, x.integer + grow, signed=x.signed)

    def output_shape(self, layer, input_shapes):
        self.check_inputs(layer, input_shapes)
        (shape,) = input_shapes
        d = self.spatial
        if len(shape) != d + 1:
            raise GraphError(
                f"{layer.describe()}: input shape {shape} is not (*{d} spatial, channels)"
            )
        return (*self.window_counts(layer, shape), shape[-1])

    def reference(self, layer, xs, shapes):
        """Max over the taps inside the input; average: their sum over the window size or,
        without ``count_include_pad``, over the number of taps inside."""
        (x,), (shape,) = xs, shapes
        taps, inside = self.windows(layer, x, shape)
        if not self.average:
            out = np.where(inside[..., None], taps, -np.inf).max(axis=2)
        elif layer.attrs.get("count_include_pad", 0):
            out = taps.sum(axis=2) / inside.shape[1]
        else:
            out = taps.sum(axis=2) / inside.sum(axis=1)[:, None]
        return out.reshape(len(x), *self.output_shape(layer, shapes))
