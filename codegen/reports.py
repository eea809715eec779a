"""Vivado HLS / Vitis HLS reports of a generated project: the C synthesis XML (latency, initiation
interval, resources) and, when present, the C/RTL co-simulation report."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

from hlsfx.codegen.project_files import MANIFEST, SOLUTION, solution_folder

__all__ = ["CosimReport", "HlsReport", "ReportError", "read_report"]

RESOURCES = ("BRAM_18K", "DSP", "FF", "LUT", "URAM")
_RESOURCE_ALIASES = {"DSP48E": "DSP"}  # Vivado HLS names DSPs after the DSP48E primitive


class ReportError(ValueError):
    """No report where one was expected, or one that does not follow the vendor format."""


@dataclass(frozen=True)
class CosimReport:
    """The C/RTL co-simulation result for one RTL language."""

    language: str
    status: str
    latency: tuple[int | None, int | None, int | None]
    """min, avg, max in cycles (None where the tool printed NA)"""
    interval: tuple[int | None, int | None, int | None]


@dataclass(frozen=True)
class HlsReport:
    """What C synthesis estimated for the top function."""

    top: str
    part: str
    target_clock_ns: float | None
    estimated_clock_ns: float | None
    latency_min: int | None
    latency_max: int | None
    interval_min: int | None
    interval_max: int | None
    resources: dict[str, int | None]
    available: dict[str, int | None]
    cosim: tuple[CosimReport, ...] = field(default=())

    def as_dict(self) -> dict:
        return {
            "top": self.top,
            "part": self.part,
            "target_clock_ns": self.target_clock_ns,
            "estimated_clock_ns": self.estimated_clock_ns,
            "latency_cycles": [self.latency_min, self.latency_max],
            "interval_cycles": [self.interval_min, self.interval_max],
            "resources": dict(self.resources),
            "available": dict(self.available),
            "cosim": [
                {
                    "language": c.language,
                    "status": c.status,
                    "latency": list(c.latency),
                    "interval": list(c.interval),
                }
                for c in self.cosim
            ],
        }

    def table(self) -> str:
        """A readable summary."""

        def show(v) -> str:
            return "n/a" if v is None else str(v)

        lines = [
            f"{self.top} on {self.part}: clock {show(self.target_clock_ns)} ns target, "
            f"{show(self.estimated_clock_ns)} ns estimated",
            f"  latency  {show(self.latency_min)} .. {show(self.latency_max)} cycles",
            f"  interval {show(self.interval_min)} .. {show(self.interval_max)} cycles",
            "  resource      used   available   use",
        ]
        for name in RESOURCES:
            used, total = self.resources.get(name), self.available.get(name)
            share = f"{100 * used / total:5.1f} %" if used is not None and total else "   n/a"
            lines.append(f"  {name:<9} {show(used):>8} {show(total):>11}  {share}")
        for c in self.cosim:
            lines.append(
                f"  cosim {c.language}: {c.status}, latency {'/'.join(map(show, c.latency))}, "
                f"interval {'/'.join(map(show, c.interval))} (min/avg/max)"
            )
        return "\n".join(lines)


def _number(text: str | None, kind=int):
    if text is None:
        return None
    text = text.strip()
    if not text or text.lower() in ("undef", "na", "n/a", "-"):
        return None
    try:
        return kind(float(text)) if kind is int else kind(text)
    except ValueError:
        raise ReportError(f"{text!r} is not a number") from None


def _resources(node) -> dict[str, int | None]:
    values: dict[str, int | None] = dict.fromkeys(RESOURCES)
    if node is None:
        return values
    for child in node:
        name = _RESOURCE_ALIASES.get(child.tag, child.tag)
        if name in values:
            values[name] = _number(child.text)
    return values


def _parse_csynth(path: Path) -> dict:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise ReportError(f"{path}: not a csynth XML report ({error})") from None
    latency = root.find("PerformanceEstimates/SummaryOfOverallLatency")
    if latency is None:
        raise ReportError(f"{path}: no PerformanceEstimates/SummaryOfOverallLatency in it")
    user = root.find("UserAssignments")
    return {
        "top": (user.findtext("TopModelName") if user is not None else None) or "",
        "part": (user.findtext("Part") if user is not None else None) or "",
        "target_clock_ns": _number(
            user.findtext("TargetClockPeriod") if user is not None else None, float
        ),
        "estimated_clock_ns": _number(
            root.findtext("PerformanceEstimates/SummaryOfTimingAnalysis/EstimatedClockPeriod"),
            float,
        ),
        "latency_min": _number(latency.findtext("Best-caseLatency")),
        "latency_max": _number(latency.findtext("Worst-caseLatency")),
        "interval_min": _number(latency.findtext("Interval-min")),
        "interval_max": _number(latency.findtext("Interval-max")),
        "resources": _resources(root.find("AreaEstimates/Resources")),
        "available": _resources(root.find("AreaEstimates/AvailableResources")),
    }


def _parse_cosim(path: Path) -> tuple[CosimReport, ...]:
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 8 and cells[0] in ("Verilog", "VHDL"):
            numbers = [_number(c) for c in cells[2:8]]
            rows.append(CosimReport(cells[0], cells[1], tuple(numbers[:3]), tuple(numbers[3:6])))
    if not rows:
        raise ReportError(f"{path}: no Verilog or VHDL result row in it")
    return tuple(rows)


def _project_reports(project: Path) -> tuple[Path, Path | None]:
    manifest = project / MANIFEST
    top = json.loads(manifest.read_text())["top"] if manifest.is_file() else None
    candidates = sorted(project.glob(f"*_prj/{SOLUTION}/syn/report/csynth.xml"))
    if top is not None:
        own = solution_folder(project, top) / "syn" / "report" / "csynth.xml"
        candidates = [own] if own.is_file() else []
    if not candidates:
        raise ReportError(
            f"no C synthesis report under {project} (expected <top>_prj/solution1/syn/report/"
            "csynth.xml): run the synthesis first, e.g. hlsfx build --synth"
        )
    csynth = candidates[0]
    solution = csynth.parents[2]
    cosim = sorted((solution / "sim" / "report").glob("*_cosim.rpt"))
    return csynth, cosim[0] if cosim else None


def read_report(path: str | Path) -> HlsReport:
    """The reports of the HLS project in ``path`` (or of the csynth XML file ``path``)."""
    path = Path(path)
    if path.is_dir():
        csynth, cosim = _project_reports(path)
    elif path.is_file():
        csynth = path
        found = (
            sorted((path.parents[2] / "sim" / "report").glob("*_cosim.rpt"))
            if len(path.parents) > 2
            else []
        )
        cosim = found[0] if found else None
    else:
        raise ReportError(f"{path} does not exist")
    fields = _parse_csynth(csynth)
    return HlsReport(**fields, cosim=_parse_cosim(cosim) if cosim else ())
