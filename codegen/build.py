"""Run the vendor HLS tool on a generated project (C simulation, synthesis, co-simulation,
export), streaming its log, then read its reports."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hlsfx.codegen.project_files import read_manifest
from hlsfx.codegen.reports import HlsReport, read_report

__all__ = ["TOOLS", "BuildPlan", "ToolMissing", "build", "build_plan"]

TOOLS = {"vitis": "vitis_hls", "vivado": "vivado_hls"}
"""the HLS tool that runs a project of each backend"""


class ToolMissing(RuntimeError):
    """The vendor tool is not installed; the message says what would have run."""


@dataclass(frozen=True)
class BuildPlan:
    """The command that builds a project, and where it runs."""

    tool: str
    command: tuple[str, ...]
    cwd: Path

    def describe(self) -> str:
        return f"cd {shlex.quote(str(self.cwd))} && {shlex.join(self.command)}"


def build_plan(
    project: str | Path,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    export: bool = False,
) -> BuildPlan:
    """The vendor command for the steps asked (see build_prj.tcl's options)."""
    project = Path(project)
    backend = read_manifest(project)["backend"]
    tool = TOOLS[backend]
    steps = {"csim": csim, "synth": synth, "cosim": cosim, "export": export}
    args = [f"{step}={int(on)}" for step, on in steps.items()]
    return BuildPlan(tool, (tool, "-f", "build_prj.tcl", "-tclargs", *args), project)


def build(
    project: str | Path,
    *,
    csim: bool = False,
    synth: bool = True,
    cosim: bool = False,
    export: bool = False,
    log: Callable[[str], None] = sys.stdout.write,
) -> HlsReport | None:
    """Run the steps with the project's vendor tool (vitis_hls or vivado_hls, from PATH),
    passing each line of its log to ``log``; return the reports when synthesis ran.

    Raises :class:`ToolMissing` (naming the command it would have run) when the tool is not
    installed, and ``RuntimeError`` when it fails.
    """
    plan = build_plan(project, csim=csim, synth=synth, cosim=cosim, export=export)
    executable = shutil.which(plan.tool)
    if executable is None:
        raise ToolMissing(
            f"{plan.tool} is not installed here (not on PATH; source the Vivado/Vitis "
            f"settings64.sh first). It would have run:\n  {plan.describe()}"
        )
    with subprocess.Popen(
        [executable, *plan.command[1:]],
        cwd=plan.cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            log(line)
    if process.returncode != 0:
        raise RuntimeError(f"{plan.tool} failed (exit {process.returncode}): {plan.describe()}")
    return read_report(plan.cwd) if synth else None
