"""The RTL writer: a quantized model as a netlist (:mod:`.netlist`, its expressions in
:mod:`.expressions`), built layer by layer (:mod:`.layers`, :mod:`.multipliers`, :mod:`.cast`)
into an io_parallel module (:mod:`.parallel`, with Vivado HLS port styles around it:
:mod:`.ports`) or an io_stream one (:mod:`.stream`, its processes in :mod:`.stream_layers`),
printed as Verilog-2005."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.rtl.interface import INTERFACE
from hlsfx.codegen.rtl.layers import DISTRIBUTED_LAYERS
from hlsfx.codegen.rtl.parallel import MAX_RTL_PRODUCTS, write_parallel_rtl
from hlsfx.codegen.rtl.stream import write_stream_rtl
from hlsfx.codegen.strategies import DISTRIBUTED, layer_strategies

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["INTERFACE", "IO_TYPES", "MAX_RTL_PRODUCTS", "write_rtl"]

IO_TYPES = ("io_parallel", "io_stream")


def write_rtl(
    qm: QuantizedModel, path: str | Path, *, io_type: str = "io_parallel", **options: Any
) -> Path:
    """Write ``qm`` as Verilog with its interface description and test vectors into the folder
    ``path``. ``io_type`` ``"io_parallel"`` (every tensor a bus, :func:`.write_parallel_rtl`:
    options ``reuse_factor``, ``top``, ``ports``, ``vectors``, ``strategy``,
    ``max_adder_depth``) or ``"io_stream"`` (every
    tensor an AXI-Stream of pixels, :func:`.write_stream_rtl`: options ``reuse_factor``,
    ``top``, ``vectors``, ``fifo_depths``; every layer multiplies)."""
    if io_type == "io_parallel":
        return write_parallel_rtl(qm, path, **options)
    if io_type == "io_stream":
        if "max_adder_depth" in options:
            raise ValueError(
                "max_adder_depth sets the pipeline of distributed io_parallel "
                "layers; io_stream layers use multipliers"
            )
        chosen = layer_strategies(qm, options.pop("strategy", "latency"), DISTRIBUTED_LAYERS)
        if DISTRIBUTED in chosen.values():
            raise ValueError(
                "strategy 'distributed' is written for io_parallel designs; "
                "io_stream layers use multipliers"
            )
        return write_stream_rtl(qm, path, **options)
    raise ValueError(f"io_type {io_type!r} is not one of {', '.join(IO_TYPES)}")
