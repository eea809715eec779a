"""Co-simulation of generated RTL with cocotb (Icarus, Verilator; RTL or Yosys netlist), and
synthesis with Yosys: :func:`run` and :func:`synth` (loaded on first use, so importing the
package needs neither numpy nor cocotb)."""

from __future__ import annotations

import importlib

__all__ = [
    "CosimError", "CosimResult", "SynthError", "SynthResult", "run", "simulation_netlist", "synth",
]  # fmt: skip

_LAZY = {
    "CosimError": "hlsfx.cosim.simulate",
    "CosimResult": "hlsfx.cosim.simulate",
    "run": "hlsfx.cosim.simulate",
    "SynthError": "hlsfx.cosim.yosys",
    "SynthResult": "hlsfx.cosim.yosys",
    "simulation_netlist": "hlsfx.cosim.yosys",
    "synth": "hlsfx.cosim.yosys",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'hlsfx.cosim' has no attribute {name!r}")
