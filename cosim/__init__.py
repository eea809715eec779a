"""Co-simulation with cocotb (Icarus, Verilator) of the RTL hlsfx writes (or its Yosys netlist),
and of RTL from Vivado/Vitis HLS or any Verilog top with HLS port conventions; synthesis with
Yosys: :func:`run`, :func:`run_vendor`, :func:`infer_interface`, :func:`synth` (with the
logic depth, :class:`LogicDepth`), :func:`synth_sources` and :func:`size_fifos` (loaded on first
use, so importing the package needs neither numpy nor cocotb)."""

from __future__ import annotations

import importlib

__all__ = [
    "CosimError",
    "CosimResult",
    "LogicDepth",
    "SynthError",
    "SynthResult",
    "infer_interface",
    "read_tb_inputs",
    "read_tb_outputs",
    "run",
    "run_vendor",
    "simulation_netlist",
    "size_fifos",
    "synth",
    "synth_sources",
]

_LAZY = {
    "CosimError": "hlsfx.cosim.engine",
    "CosimResult": "hlsfx.cosim.engine",
    "run": "hlsfx.cosim.simulate",
    "infer_interface": "hlsfx.cosim.vendor",
    "run_vendor": "hlsfx.cosim.vendor",
    "read_tb_inputs": "hlsfx.cosim.tb_data",
    "read_tb_outputs": "hlsfx.cosim.tb_data",
    "SynthError": "hlsfx.cosim.yosys",
    "SynthResult": "hlsfx.cosim.yosys",
    "simulation_netlist": "hlsfx.cosim.yosys",
    "synth": "hlsfx.cosim.yosys",
    "synth_sources": "hlsfx.cosim.yosys",
    "LogicDepth": "hlsfx.cosim.logic_depth",
    "size_fifos": "hlsfx.cosim.fifo_sizing",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsfx.cosim' has no attribute {name!r}")
