"""The RTL writer: a quantized model as a netlist (:mod:`.netlist`), built layer by layer
(:mod:`.layers`, :mod:`.multipliers`, :mod:`.cast`) into an io_parallel module
(:mod:`.parallel`), printed as Verilog-2005, with Vivado HLS port styles around it
(:mod:`.ports`)."""

from hlsfx.codegen.rtl.parallel import INTERFACE, MAX_RTL_PRODUCTS, write_rtl

__all__ = ["INTERFACE", "MAX_RTL_PRODUCTS", "write_rtl"]
