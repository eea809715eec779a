"""Co-simulation of generated RTL with cocotb (Icarus, Verilator; RTL or Yosys netlist), and
synthesis with Yosys."""

from hlsfx.cosim.run import CosimError, CosimResult, run
from hlsfx.cosim.synth import SynthError, SynthResult, simulation_netlist, synth

__all__ = [
    "CosimError", "CosimResult", "SynthError", "SynthResult", "run", "simulation_netlist", "synth",
]  # fmt: skip
