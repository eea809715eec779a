"""Co-simulation of generated RTL with cocotb, and synthesis with Yosys."""
