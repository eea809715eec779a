"""Sizes a written io_parallel design may have, checked before anything slow starts."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["MAX_PARALLEL_VALUES", "check_parallel_size"]

MAX_PARALLEL_VALUES = 65536
"""io_parallel keeps every tensor in registers; a larger tensor is refused (io_stream carries
it)."""


def check_parallel_size(qm: QuantizedModel) -> None:
    """Refuse, before anything slow, a tensor too large for an io_parallel design (the HLS
    project's and the RTL's), naming it and its size."""
    for tensor, shape in qm.graph.shapes.items():
        if math.prod(shape) > MAX_PARALLEL_VALUES:
            raise ValueError(
                f"tensor {tensor!r} of shape {shape} holds {math.prod(shape):,} values; an "
                f"io_parallel design keeps every tensor in registers, at most "
                f"{MAX_PARALLEL_VALUES:,} values each; write it with io_type='io_stream'"
            )
