"""The base of every layer kind (:class:`LayerKind`), the weighted and element-wise families,
and the registry every kind is found in by name (filled by :mod:`hlsfx.ir.kinds`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir.errors import GraphError
from hlsfx.ir.fixed_type import FixedType, exact_accumulator
from hlsfx.ir.tables import TableRequest, TableSpec

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer

__all__ = ["KINDS", "PER_PIXEL", "WHOLE", "WINDOW", "ElementwiseKind", "LayerKind", "WeightedKind"]
__all__ += ["kind_named"]


PER_PIXEL, WINDOW, WHOLE = "per_pixel", "window", "whole"
"""How a layer streams (io_stream): each pixel on its own (the layer applied to one pixel's
values), a window of pixels from line buffers, or the whole tensor held before the first output"""


class LayerKind:
    """An op kind. Subclasses set ``name``, ``roles`` and define :meth:`output_shape`; the
    precision rules a kind has beyond its roles' settings are its methods
    :meth:`exact_roles`, :meth:`table_requests` and :meth:`derived_constants`."""

    name: str = ""
    roles: tuple[str, ...] = ("result",)
    """precision roles: fixed-point types the configuration resolves for each layer"""
    tables: tuple[TableSpec, ...] = ()
    n_inputs: int = 1
    result_follows_input: bool = False
    """the result type defaults to the input's type (layers that only move values)"""
    weighted: bool = False
    """has a ``weight`` (*, n_out) and a ``bias`` (n_out,) summed in an accumulator"""
    nonnegative: bool = False  # no result is below zero unless its cast to the result wraps
    exact_input: bool = False
    """reads its input best exact: a weighted layer before it keeps its accumulator's type"""
    options: dict[str, tuple[str, ...]] = {}  # noqa: RUF012 - read only
    """settings that are not types: name -> allowed values, the first being the default"""

    def output_shape(self, layer: Layer, input_shapes: list[tuple[int, ...]]) -> tuple[int, ...]:
        self.check_inputs(layer, input_shapes)
        return input_shapes[0]

    def exact_roles(
        self, layer: Layer, types: Mapping[str, FixedType], x: FixedType, n: int
    ) -> dict[str, FixedType]:
        """The exact types of the roles this kind derives from the others when they are
        ``auto`` (``x`` is the input's type, ``n`` the length of its last axis); the
        configuration keeps the roles set otherwise."""
        return {}

    def table_requests(
        self,
        layer: Layer,
        types: Mapping[str, FixedType],
        x: FixedType,
        n: int,
        options: Mapping[str, str],
    ) -> list[TableRequest]:
        """The lookup tables a layer of this kind needs, given its resolved types."""
        return [
            TableRequest(spec.role, spec.function, x, 1, dict(layer.attrs))
            for spec in self.tables
            if spec.input_role == "input"
        ]

    def derived_constants(
        self,
        layer: Layer,
        types: Mapping[str, FixedType],
        x: FixedType,
        quantize: Callable[[Any, FixedType], np.ndarray],
    ) -> dict[str, np.ndarray]:
        """Constants a layer computes from its attributes, as raw codes (``quantize`` turns
        values into codes of a type); the emulator and the code generators read them."""
        return {}

    def param_sizes(self, layer: Layer, channels: int) -> dict[str, tuple[int, ...]]:
        """The parameters a layer of this kind reads beyond those its shape rule checks, each
        with the sizes it may have (``channels``: the input's last axis)."""
        return {}

    def stream_form(self, layer: Layer, in_shapes: Sequence[tuple[int, ...]]) -> str:
        """How a layer of this kind streams: :data:`PER_PIXEL`, :data:`WINDOW` or
        :data:`WHOLE`."""
        return PER_PIXEL

    def pixel_layer(self, layer: Layer) -> Layer:
        """The layer as applied to one pixel's values (a per-pixel layer's attributes may name
        axes of the whole tensor)."""
        return layer

    def check_inputs(self, layer: Layer, input_shapes: list[tuple[int, ...]]) -> None:
        if len(input_shapes) != self.n_inputs:
            raise GraphError(
                f"{layer.describe()} takes {self.n_inputs} input(s), not {len(input_shapes)}"
            )

    def __repr__(self) -> str:
        return f"<layer kind {self.name}>"

    def __reduce__(self):
        return (kind_named, (self.name,))  # the registry's own object, never a copy

    def reference(
        self, layer: Layer, xs: list[np.ndarray], shapes: list[tuple[int, ...]]
    ) -> np.ndarray:
        """The layer's float meaning, in float64 and before any quantization: its output for
        the inputs ``xs`` (batch first, channels-last, of the batch-free ``shapes``); see
        :mod:`hlsfx.ir.reference`, which runs a graph with it."""
        raise NotImplementedError(f"{self.name} has no float reference")


class WeightedKind(LayerKind):
    """A kind that sums products of its input and a ``weight`` (*, n_out) with a ``bias``
    (n_out,) in an accumulator."""

    roles = ("weight", "bias", "accum", "result")
    weighted = True

    def exact_roles(self, layer, types, x, n):
        weight = layer.params["weight"]
        fan_in = weight.size // weight.shape[-1]
        return {"accum": exact_accumulator(x, types["weight"], types["bias"], fan_in)}


class ElementwiseKind(LayerKind):
    """An activation applied to every element; the output has the input's shape."""


KINDS: dict[str, LayerKind] = {}
"""Every layer kind, by name (:mod:`hlsfx.ir.kinds` registers them). The conformance test walks
this registry."""


def kind_named(name: str) -> LayerKind:
    """The registered kind called ``name``."""
    if name not in KINDS:
        raise ValueError(f"no layer kind {name!r}; the kinds are {', '.join(KINDS)}")
    return KINDS[name]
