"""Synthesis of hlsfx RTL with Yosys ``synth_xilinx``: resource counts, the netlist, and a
simulation netlist with Yosys's own Xilinx cell models flattened in (for gate-level cosim).

Resources are counted out of context, as an IP core (no I/O or clock buffers): ``LUT`` (LUT1 to
LUT6), ``FF`` (every flip-flop primitive), ``DSP`` (DSP48E1 on xc7, DSP48E2 on UltraScale),
``CARRY`` (CARRY4/CARRY8), ``BRAM`` (RAMB18/RAMB36 blocks), and every cell type under
``synth``."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from hlsfx.codegen.rtl.interface import Interface
from hlsfx.cosim.interface import InterfaceError, load_interface
from hlsfx.cosim.logic_depth import LogicDepth, logic_depth

__all__ = ["FAMILIES", "NETLIST", "SIM_NETLIST", "SynthError", "SynthResult"]
__all__ += ["simulation_netlist", "synth", "synth_sources"]

FAMILIES = ("xc7", "xcu", "xcup")
"""the ``synth_xilinx -family`` values hlsfx counts resources for"""
NETLIST = "netlist.v"
NETLIST_JSON = "netlist.json"
SIM_NETLIST = "netlist_sim.v"
REPORT = "synth.json"
SOURCES_HASH = "sources.sha256"

_CATEGORIES = {
    "LUT": r"LUT[1-6](_2)?",
    "FF": r"FD[CPRS]E(_1)?|FD[CPRS]|LD[CP]E?",
    "DSP": r"DSP48E[12]?",
    "CARRY": r"CARRY[48]",
    "BRAM": r"RAMB(18|36)(E[12])?|RAMB(18|36)SDP",
}


class SynthError(RuntimeError):
    """Yosys is missing or failed."""


@dataclass(frozen=True)
class SynthResult:
    """What synthesis gave: counts per category and per cell type, the netlist, the time."""

    family: str
    resources: dict
    """``LUT``, ``FF``, ``DSP``, ``CARRY``, ``BRAM`` and ``synth`` (every cell type's count)"""
    netlist: Path
    seconds: float
    depth: LogicDepth
    """the most LUT levels on any path, and on the paths into each register (a timing proxy:
    see :mod:`hlsfx.cosim.logic_depth`)"""

    def summary(self) -> str:
        r = self.resources
        return (
            f"Yosys synth_xilinx -family {self.family} ({self.seconds:.1f} s): LUT {r['LUT']}, "
            f"FF {r['FF']}, DSP {r['DSP']}, CARRY {r['CARRY']}, BRAM {r['BRAM']}, "
            f"{self.depth.levels} LUT levels; netlist {self.netlist}"
        )


def _yosys(script: str, cwd: Path, log: str) -> None:
    if shutil.which("yosys") is None:
        raise SynthError("yosys is not on PATH: run scripts/setup.sh test (apt-get install yosys)")
    (cwd / f"{log}.ys").write_text(script)
    done = subprocess.run(
        ["yosys", "-q", "-l", f"{log}.log", "-s", f"{log}.ys"],
        cwd=cwd,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-15:])
        raise SynthError(f"yosys failed in {cwd} (see {log}.log):\n{tail}")


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None


def _sources_hash(root: Path, interface: Interface) -> str:
    """What the netlist was made from: the sources' names and contents."""
    digest = hashlib.sha256()
    for source in interface.sources:
        digest.update(source.encode() + b"\0" + (root / source).read_bytes() + b"\0")
    return digest.hexdigest()


def _interface(root: Path) -> Interface:
    try:
        return load_interface(root)
    except InterfaceError as error:
        raise SynthError(str(error)) from None


def count(cells: dict[str, int]) -> dict:
    """Resource categories from ``{cell type: count}`` of a synth_xilinx netlist."""
    counts = {
        name: sum(n for cell, n in cells.items() if re.fullmatch(pattern, cell))
        for name, pattern in _CATEGORIES.items()
    }
    return {**counts, "synth": dict(sorted(cells.items()))}


def synth(path: str | Path, *, target: str = "xc7", dsp: bool = True) -> SynthResult:
    """Synthesize the RTL in ``path`` (written by ``write_rtl``) with ``synth_xilinx -family
    target`` (``dsp=False`` maps multipliers to LUTs); writes ``synth_<target>/netlist.v`` and
    the counts to ``synth_<target>/synth.json``."""
    if target not in FAMILIES:
        raise ValueError(f"target {target!r} is not one of {', '.join(FAMILIES)}")
    root = Path(path).resolve()
    interface = _interface(root)
    work = root / f"synth_{target}"
    if work.is_symlink():
        raise SynthError(f"{work} is a symbolic link; hlsfx does not follow it")
    work.mkdir(exist_ok=True)
    for stale in (
        work / REPORT,
        work / NETLIST,
        work / SIM_NETLIST,
        work / "stat.json",
        work / SOURCES_HASH,
        work / NETLIST_JSON,
    ):
        stale.unlink(missing_ok=True)
    # checked names of files in root, given from work: the script holds no path of the user's
    sources = [f"../{s}" for s in interface.sources]
    result = _synthesize(sources, interface.top, work, target, dsp)
    (work / SOURCES_HASH).write_text(_sources_hash(root, interface))
    return result


def synth_sources(
    sources: Sequence[str | Path],
    top: str,
    folder: str | Path,
    *,
    target: str = "xc7",
    dsp: bool = True,
) -> SynthResult:
    """Synthesize Verilog that hlsfx did not write (to compare with it): ``sources`` are
    copied into ``folder`` (created) and synthesized there as :func:`synth` does, top module
    ``top``."""
    if target not in FAMILIES:
        raise ValueError(f"target {target!r} is not one of {', '.join(FAMILIES)}")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", top):
        raise ValueError(f"top {top!r} is not a Verilog module name")
    work = Path(folder)
    (work / "sources").mkdir(parents=True, exist_ok=True)
    names = []
    for k, source in enumerate(sources):
        name = f"source{k}.v"
        shutil.copyfile(source, work / "sources" / name)
        names.append(f"sources/{name}")
    return _synthesize(names, top, work, target, dsp)


def _synthesize(sources: list[str], top: str, work: Path, target: str, dsp: bool) -> SynthResult:
    """``synth_xilinx`` of ``sources`` (paths from ``work``) in ``work``: the netlist, the
    counts and the logic depth; the counts also to ``synth.json``."""
    began = time.perf_counter()
    _yosys(
        "\n".join(
            [
                f"read_verilog {' '.join(sources)}",
                f"synth_xilinx -top {top} -family {target} -flatten -noiopad -noclkbuf"
                + ("" if dsp else " -nodsp"),
                "tee -q -o stat.json stat -json",
                f"write_verilog -noattr {NETLIST}",
                f"write_json {NETLIST_JSON}",
            ]
        ),
        work,
        "synth",
    )
    seconds = time.perf_counter() - began
    stat = json.loads((work / "stat.json").read_text())
    cells = next(iter(stat["modules"].values()))["num_cells_by_type"]
    resources = count(cells)
    depth = logic_depth(json.loads((work / NETLIST_JSON).read_text()), top)
    (work / NETLIST_JSON).unlink()
    result = SynthResult(target, resources, work / NETLIST, seconds, depth)
    report = {
        "family": target,
        "dsp": dsp,
        "seconds": seconds,
        **resources,
        "logic_levels": depth.levels,
        "levels_by_register": depth.by_register,
    }
    (work / REPORT).write_text(json.dumps(report, indent=2))
    return result


def simulation_netlist(path: str | Path, *, target: str = "xc7") -> Path:
    """The netlist of ``path`` (synthesized first when missing) with Yosys's Xilinx cell models
    flattened into one module, which Icarus simulates far faster than the netlist beside the
    cell library; written once, as ``synth_<target>/netlist_sim.v``."""
    root = Path(path).resolve()
    work = root / f"synth_{target}"
    interface = _interface(root)
    if _sources_hash(root, interface) != _read(work / SOURCES_HASH):  # none yet, or stale
        synth(root, target=target)
    if not (work / SIM_NETLIST).is_file():
        top = interface.top
        _yosys(
            "\n".join(
                [
                    f"read_verilog {NETLIST}",
                    "read_verilog -lib +/xilinx/cells_xtra.v",
                    "read_verilog +/xilinx/cells_sim.v",
                    f"hierarchy -top {top}",
                    "proc",
                    "flatten",
                    "opt_clean -purge",
                    f"write_verilog -noattr {SIM_NETLIST}",
                ]
            ),
            work,
            "flatten",
        )
    return work / SIM_NETLIST
