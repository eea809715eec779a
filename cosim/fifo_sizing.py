"""FIFO depths of an io_stream design measured by simulating it: each FIFO as deep as the most
pixels it held at once, one entering included, while the inputs streamed at the design's own
rate (at least 2)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.stream_graph import MIN_FIFO_DEPTH
from hlsfx.cosim.engine import CosimError
from hlsfx.cosim.simulate import run

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["size_fifos"]


def size_fifos(
    qm: QuantizedModel,
    path: str | Path,
    *,
    reuse_factor: Any = 1,
    top: str = "myproject",
    vectors: Any = 8,
    simulator: str = "verilator",
) -> dict[str, int]:
    """Write ``qm`` as io_stream RTL into the folder ``path`` with the default depths (a whole
    image on the branches of a tensor read more than once, which never deadlocks), co-simulate
    it, and write it again with every FIFO as deep as the most pixels it held at once, one
    entering included, while the first ``vectors`` images streamed in at the design's own
    interval (at least 2), so that such a stream is never held back. Returns the depths by
    FIFO name; ``qm.write_hls(..., io_type="io_stream", fifo_depths=depths)`` gives an HLS
    project the same depths."""
    from hlsfx.codegen.rtl import write_rtl

    options = {"io_type": "io_stream", "reuse_factor": reuse_factor, "top": top, "vectors": vectors}
    root = write_rtl(qm, path, **options)
    result = run(root, simulator=simulator)
    if not result.passed or not result.fifo_occupancy:
        raise CosimError(f"sizing the FIFOs needs a passing co-simulation:\n{result.summary()}")
    depths = {name: max(MIN_FIFO_DEPTH, most) for name, most in result.fifo_occupancy}
    write_rtl(qm, path, fifo_depths=depths, **options)
    return depths
