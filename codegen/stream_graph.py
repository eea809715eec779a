"""Who reads each tensor of a streaming design, and the name of the FIFO each reader takes it
through: one table for the HLS project's streams and the RTL's FIFOs, so that a depth measured
on one applies to the other."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlsfx.ir.graph import Graph

__all__ = ["MIN_FIFO_DEPTH", "Reader", "check_fifo_depths", "fifo_names", "stream_readers"]

MIN_FIFO_DEPTH = 2
"""the shallowest FIFO a design has: one pixel in, one out, in the same cycle"""

Reader = tuple[str, int] | None
"""(layer name, input slot), or None for the design's output port"""


def pixel_size(shape: tuple[int, ...]) -> int:
    """Values per transfer of a tensor of this shape: its channels, or all of a flat one."""
    return shape[-1]


def pixel_count(shape: tuple[int, ...]) -> int:
    """Transfers (pixels) that carry a tensor of this shape."""
    return math.prod(shape) // pixel_size(shape)


def stream_readers(graph: Graph) -> dict[str, list[Reader]]:
    """Each tensor's readers: the layers in graph order (a layer reading it twice, twice), then
    the output port where it is a graph output."""
    readers: dict[str, list[Reader]] = {t: [] for t in graph.shapes}
    for layer in graph.layers:
        for slot, tensor in enumerate(layer.inputs):
            readers[tensor].append((layer.name, slot))
    for tensor in graph.outputs:
        readers[tensor].append(None)
    return readers


def fifo_names(graph: Graph, bases: Mapping[str, str]) -> dict[tuple[str, Reader], str]:
    """The FIFO of each (tensor, reader): ``<base>_fifo``, or ``<base>_fifo<k>`` for the k-th of
    several readers, where ``bases`` gives each tensor's base name (its input port's, or its
    layer's)."""
    names = {}
    for tensor, readers in stream_readers(graph).items():
        for k, reader in enumerate(readers):
            suffix = "fifo" if len(readers) == 1 else f"fifo{k}"
            names[(tensor, reader)] = f"{bases[tensor]}_{suffix}"
    return names


def check_fifo_depths(
    graph: Graph, bases: Mapping[str, str], depths: Mapping[str, int]
) -> dict[str, int]:
    """``depths`` checked: FIFO names the design has, depths of at least :data:`MIN_FIFO_DEPTH`
    pixels and at most a million."""
    names = set(fifo_names(graph, bases).values())
    checked = {}
    for name, depth in depths.items():
        if name not in names:
            raise ValueError(
                f"fifo_depths names {name!r}; the design's FIFOs are {', '.join(sorted(names))}"
            )
        if (
            isinstance(depth, bool)
            or not isinstance(depth, int)
            or not (MIN_FIFO_DEPTH <= depth <= 1 << 20)
        ):
            raise ValueError(
                f"FIFO {name!r}: depth must be an integer from {MIN_FIFO_DEPTH} "
                f"to {1 << 20}, not {depth!r}"
            )
        checked[name] = depth
    return checked
