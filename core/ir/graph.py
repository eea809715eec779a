"""The graph IR: layers in topological order over named tensors, channels-last, batch-free."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from hlsfx.ir.errors import GraphError
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.kinds import LayerKind

__all__ = ["Graph", "GraphError", "Layer", "verify"]


def _frozen(mapping: Mapping | None) -> Mapping:
    return MappingProxyType(dict(mapping or {}))


@dataclass(frozen=True)
class Layer:
    """One layer: ``output = kind(inputs; attrs, params)``.

    Parameters
    ----------
    name : str
        Unique within the graph; taken from the source model (untrusted text).
    kind : LayerKind
        The op kind, an object from :data:`hlsfx.ir.kinds.KINDS`.
    inputs : tuple of str
        Names of the input tensors.
    output : str
        Name of the output tensor.
    attrs : mapping
        The kind's attributes (see the kind's ``attrs``).
    params : mapping of str to float64 arrays
        Float parameters, e.g. ``weight`` (n_in, n_out) and ``bias`` (n_out,) for Dense.
    fixed : mapping of str to FixedType
        Types the source model imposes on roles (QONNX ``Quant`` nodes), e.g. ``{"weight": ...}``.
    source : str
        Where the layer came from, for error messages (e.g. ``ONNX node 'fc1' (MatMul)``).
    """

    name: str
    kind: LayerKind
    inputs: tuple[str, ...]
    output: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    params: Mapping[str, np.ndarray] = field(default_factory=dict)
    fixed: Mapping[str, FixedType] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "attrs", _frozen(self.attrs))
        params = {k: np.asarray(v, dtype=np.float64) for k, v in self.params.items()}
        for array in params.values():
            array.setflags(write=False)
        object.__setattr__(self, "params", _frozen(params))
        object.__setattr__(self, "fixed", _frozen(self.fixed))

    def __reduce__(self):
        mappings = (dict(self.attrs), dict(self.params), dict(self.fixed))
        return (Layer, (self.name, self.kind, self.inputs, self.output, *mappings, self.source))

    def describe(self) -> str:
        """``layer 'fc1' (Dense, from ONNX node 'fc1' (MatMul))`` for error messages."""
        origin = f", from {self.source}" if self.source else ""
        return f"layer {self.name!r} ({self.kind.name}{origin})"


@dataclass(frozen=True)
class Graph:
    """A network: inputs, layers in topological order, outputs.

    Shapes exclude the batch dimension and are channels-last. ``layouts`` gives, per tensor,
    the permutation ``p`` with ``source = internal.transpose((0, *[1 + a for a in p]))``, where
    ``source`` is the source model's tensor of the same name (identity when absent);
    ``output_layouts`` gives it for each output relative to the model's output, which a
    transposing node may have renamed. ``predict`` uses them to take and return arrays in the
    source model's layout.
    """

    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    layers: tuple[Layer, ...]
    shapes: Mapping[str, tuple[int, ...]]
    layouts: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    output_layouts: Mapping[str, tuple[int, ...]] = field(default_factory=dict)
    input_types: Mapping[str, FixedType] = field(default_factory=dict)
    name: str = "model"

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", tuple(self.inputs))
        object.__setattr__(self, "outputs", tuple(self.outputs))
        object.__setattr__(self, "layers", tuple(self.layers))
        shapes = {k: tuple(int(d) for d in v) for k, v in self.shapes.items()}
        object.__setattr__(self, "shapes", _frozen(shapes))
        for name in ("layouts", "output_layouts", "input_types"):
            object.__setattr__(self, name, _frozen(getattr(self, name)))

    def __reduce__(self):
        return (
            Graph,
            (
                self.inputs,
                self.outputs,
                self.layers,
                dict(self.shapes),
                dict(self.layouts),
                dict(self.output_layouts),
                dict(self.input_types),
                self.name,
            ),
        )

    def layout(self, tensor: str) -> tuple[int, ...]:
        """``layouts[tensor]``, identity when absent."""
        return self.layouts.get(tensor) or tuple(range(len(self.shapes[tensor])))

    def layer(self, name: str) -> Layer:
        """The layer called ``name``."""
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise KeyError(
            f"no layer {name!r}; the layers are {', '.join(x.name for x in self.layers)}"
        )

    def producer(self, tensor: str) -> Layer | None:
        """The layer whose output is ``tensor`` (None for a graph input)."""
        for layer in self.layers:
            if layer.output == tensor:
                return layer
        return None

    def consumers(self, tensor: str) -> list[Layer]:
        """The layers that read ``tensor``."""
        return [layer for layer in self.layers if tensor in layer.inputs]


MAX_TENSOR = 1 << 30
"""values one tensor of one sample may hold"""


def _check_shape(where: str, shape: tuple[int, ...]) -> None:
    if not shape or any(d < 1 for d in shape):
        raise GraphError(f"{where} has shape {shape}; every axis needs at least one value")
    if math.prod(shape) > MAX_TENSOR:
        raise GraphError(
            f"{where} has shape {shape}: {math.prod(shape):,} values, over the "
            f"{MAX_TENSOR:,} a tensor may hold"
        )


def _check_params(layer: Layer, channels: int) -> None:
    for name, sizes in layer.kind.param_sizes(layer, channels).items():
        value = layer.params.get(name)
        if value is None or value.size not in sizes:
            raise GraphError(
                f"{layer.describe()} needs a parameter {name!r} of {' or '.join(map(str, sizes))} "
                f"values for its {channels} channels, not "
                f"{'none' if value is None else value.shape}"
            )
    for name, value in layer.params.items():
        if not np.all(np.isfinite(value)):
            raise GraphError(
                f"{layer.describe()}: parameter {name!r} holds a value that is not a finite number"
            )


def verify(graph: Graph) -> Graph:
    """Check the IR invariants (every path into the emulator and the writers goes through it,
    and the kernels then trust what it checked: shapes, parameters against them, attributes in
    range, layers in an order without cycles); raise :class:`GraphError` naming the first
    broken one and its layer."""
    known = set(graph.inputs)
    names = set()
    if not graph.inputs:
        raise GraphError("the graph has no inputs")
    if len(known) != len(graph.inputs):
        raise GraphError(f"the graph's inputs {list(graph.inputs)} repeat a name")
    for tensor in graph.inputs:
        if tensor not in graph.shapes:
            raise GraphError(f"input {tensor!r} has no shape")
        _check_shape(f"input {tensor!r}", graph.shapes[tensor])
    for layer in graph.layers:
        if not isinstance(layer, Layer) or not isinstance(layer.kind, LayerKind):
            raise GraphError(f"{layer!r} is not a Layer of a registered kind")
        if layer.name in names:
            raise GraphError(f"two layers are named {layer.name!r}")
        names.add(layer.name)
        for tensor in layer.inputs:
            if tensor not in known:
                raise GraphError(f"{layer.describe()} reads {tensor!r} before anything produces it")
        if layer.output in known:
            raise GraphError(f"{layer.describe()} writes {layer.output!r}, which already exists")
        in_shapes = [graph.shapes[t] for t in layer.inputs]
        try:
            shape = layer.kind.output_shape(layer, in_shapes)
        except GraphError:
            raise
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise GraphError(
                f"{layer.describe()}: its attributes or parameters do not fit its inputs "
                f"{in_shapes} ({type(error).__name__}: {error})"
            ) from None
        if graph.shapes.get(layer.output) != shape:
            raise GraphError(
                f"{layer.describe()}: output {layer.output!r} has shape "
                f"{graph.shapes.get(layer.output)}, but its inputs give {shape}"
            )
        _check_shape(f"{layer.describe()}: output {layer.output!r}", shape)
        _check_params(layer, in_shapes[0][-1] if in_shapes and in_shapes[0] else 0)
        known.add(layer.output)
    if not graph.outputs:
        raise GraphError("the graph has no outputs")
    for tensor in graph.outputs:
        if tensor not in known:
            raise GraphError(f"output {tensor!r} is produced by no layer")
    return graph
