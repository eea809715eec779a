"""Logic depth of a synthesized netlist, a timing proxy where no vendor timing runs: the most
LUTs on any path from a register or input port to a register or output port, in the Yosys JSON
netlist of ``synth_xilinx``.

A LUT counts one level. A carry chain (CARRY4/CARRY8) and the wide-function muxes (MUXF7/8/9)
count none: they are the fast dedicated paths of the slice, so an adder is one level however
wide, and a chain of adders as many levels as adders. Each register's depth is the most LUTs
on a path ending at it; registers are grouped by the name Yosys keeps for them (the RTL
signal), so a pipelined design gives the depth of each stage."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

__all__ = ["LogicDepth", "logic_depth"]

_LUT = re.compile(r"LUT[1-6](_2)?")
_REGISTER = re.compile(r"FD[CPRS]E(_1)?|FD[CPRS]|LD[CP]E?|RAMB.*|DSP48E[12]?|SRL.*")
"""cells whose outputs start a path and whose inputs end one (registered, or treated so)"""


@dataclass(frozen=True)
class LogicDepth:
    """The most LUT levels on any path (``levels``) and on the paths into each register
    signal (``by_register``, by the RTL name of the register; ``"<outputs>"`` for the ports)."""

    levels: int
    by_register: dict[str, int]


def _register_name(cell: dict, names: dict[int, str]) -> str:
    """The RTL signal a register cell holds a bit of: the name of the net at its output."""
    for port, bits in cell["connections"].items():
        if cell["port_directions"].get(port) == "output":
            for bit in bits:
                if bit in names:
                    return names[bit]
    return "<unnamed>"


def logic_depth(netlist: dict, top: str) -> LogicDepth:
    """The logic depth of module ``top`` of a Yosys JSON netlist (``write_json``)."""
    module = netlist["modules"][top]
    names: dict[int, str] = {}
    for name, net in sorted(
        module["netnames"].items(), key=lambda item: item[1].get("hide_name", 0)
    ):
        for bit in net["bits"]:
            if isinstance(bit, int) and bit not in names and not net.get("hide_name"):
                names[bit] = re.sub(r"\[\d+\]$", "", name)
    driver: dict[int, tuple[int, list[int]]] = {}  # bit -> (weight, the cell's input bits)
    ends: list[tuple[str, list[int]]] = []
    for cell in module["cells"].values():
        kind, ports = cell["type"], cell["connections"]
        inputs = [
            b
            for p, bits in ports.items()
            if cell["port_directions"].get(p) == "input"
            for b in bits
            if isinstance(b, int)
        ]
        outputs = [
            b
            for p, bits in ports.items()
            if cell["port_directions"].get(p) == "output"
            for b in bits
            if isinstance(b, int)
        ]
        if _REGISTER.fullmatch(kind):
            ends.append((_register_name(cell, names), inputs))
            continue
        weight = 1 if _LUT.fullmatch(kind) else 0
        for bit in outputs:
            driver[bit] = (weight, inputs)
    for port in module["ports"].values():
        if port["direction"] == "output":
            ends.append(("<outputs>", [b for b in port["bits"] if isinstance(b, int)]))
    level: dict[int, int] = {}
    entered: set[int] = set()

    def depth(start: int) -> int:
        stack = [start]
        while stack:
            bit = stack[-1]
            if bit in level:
                stack.pop()
                continue
            if bit not in driver:  # a register, an input port or a constant
                level[bit] = 0
                stack.pop()
                continue
            weight, inputs = driver[bit]
            waiting = [b for b in inputs if b not in level]
            if waiting:
                if bit in entered:
                    raise ValueError(f"a combinational loop runs through {names.get(bit, bit)}")
                entered.add(bit)
                stack.extend(waiting)
                continue
            level[bit] = weight + max((level[b] for b in inputs), default=0)
            stack.pop()
        return level[start]

    by_register: dict[str, int] = defaultdict(int)
    for name, bits in ends:
        for bit in bits:
            by_register[name] = max(by_register[name], depth(bit))
    return LogicDepth(max(by_register.values(), default=0), dict(sorted(by_register.items())))
