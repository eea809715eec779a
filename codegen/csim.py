"""C simulation of a generated HLS project: compile its testbench with g++ against the real
Xilinx ap_types headers, replay tb_data/, and compare every output code with the emulator's."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hlsfx.codegen.ap_types import find_ap_types
from hlsfx.codegen.hls_project import CXXFLAGS
from hlsfx.codegen.project_files import read_manifest
from hlsfx.codegen.vectors import read_vectors

__all__ = ["CsimError", "CsimResult", "Mismatch", "csim"]


class CsimError(RuntimeError):
    """The project could not be compiled or run (not a mismatch: see :class:`CsimResult`)."""


@dataclass(frozen=True)
class Mismatch:
    """One output code the C++ computed differently from the emulator."""

    sample: int
    output: str
    index: int
    expected: int
    got: int


@dataclass(frozen=True)
class CsimResult:
    """What a C simulation found."""

    passed: bool
    samples: int
    mismatches: int
    per_output: dict[str, int]
    """mismatching codes per output tensor"""
    first: tuple[Mismatch, ...]
    """the first mismatches, in sample order"""
    outputs: dict[str, np.ndarray] = field(repr=False)
    """the raw codes the C++ computed, (samples, size) per output"""
    log: str = field(repr=False)

    def summary(self) -> str:
        lines = [
            f"{'PASS' if self.passed else 'FAIL'}: {self.samples} samples, "
            f"{self.mismatches} mismatching output codes"
        ]
        lines += [f"  output {name}: {k} mismatches" for name, k in self.per_output.items()]
        lines += [
            f"  sample {m.sample} output {m.output}[{m.index}]: expected {m.expected}, got {m.got}"
            for m in self.first
        ]
        return "\n".join(lines)


def _manifest(project: Path) -> dict:
    try:
        return read_manifest(project)
    except FileNotFoundError as error:
        raise CsimError(str(error)) from None


def _compile(project: Path, top: str, ap_types: Path, cache: Path | None, level: str) -> Path:
    sources = [project / f"{top}_test.cpp", *sorted((project / "firmware").rglob("*.[ch]*"))]
    command = [
        os.environ.get("CXX", "g++"),
        level,
        *CXXFLAGS,
        "-isystem",
        str(ap_types),
        f"-I{project / 'firmware'}",
        str(sources[0]),
        str(project / "firmware" / f"{top}.cpp"),
    ]
    digest = hashlib.sha256(" ".join(command[:-2]).encode())
    for source in sources:
        digest.update(source.relative_to(project).as_posix().encode() + b"\0" + source.read_bytes())
    binary = project / "build" / "csim"
    binary.parent.mkdir(exist_ok=True)
    cached = cache / f"csim-{digest.hexdigest()[:24]}" if cache else None
    if cached is not None and cached.is_file():
        shutil.copy2(cached, binary)
        return binary
    if shutil.which(command[0]) is None:
        raise CsimError(
            f"no C++ compiler {command[0]!r} on PATH: install g++ (apt-get install g++)"
        )
    done = subprocess.run([*command, "-o", str(binary)], capture_output=True, text=True)
    if done.returncode != 0:
        raise CsimError(f"g++ failed to compile {project}:\n{done.stderr[-6000:]}")
    if done.stderr.strip():  # warnings: the generated code must compile cleanly
        raise CsimError(f"g++ warned while compiling {project}:\n{done.stderr[-6000:]}")
    if cached is not None:  # whole or absent: a copy under another name, then renamed
        cache.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f"{cached.name}.{os.getpid()}.part")
        shutil.copy2(binary, partial)
        os.replace(partial, cached)
    return binary


OPTIMISE_ABOVE = 2000
"""Test samples above which the testbench is compiled with -O1, which builds more slowly and
runs far faster; below it, -O0 (the build dominates)."""


def csim(
    project: str | Path, *, ap_types: str | Path | None = None, cache: str | Path | None = None
) -> CsimResult:
    """Compile and run the C simulation of the HLS project in ``project``.

    The ap_types headers are ``ap_types``, else found as the fixed-point oracle finds them
    (``$HLSFX_AP_TYPES``, ``$XILINX_HLS/include``, the hls4ml wheel). ``cache`` is a folder
    keeping compiled testbenches by the hash of their sources. Raises :class:`CsimError` when
    the project cannot be compiled or run; mismatches are reported in the result.
    """
    project = Path(project)
    manifest = _manifest(project)
    try:
        headers = Path(ap_types) if ap_types is not None else Path(find_ap_types())
    except FileNotFoundError as error:
        raise CsimError(f"{error} (pip install hls4ml ships them)") from None
    if not (headers / "ap_fixed.h").is_file():
        raise CsimError(f"{headers} holds no ap_fixed.h: point ap_types at the ap_types headers")
    level = "-O1" if manifest["samples"] > OPTIMISE_ABOVE else "-O0"
    binary = _compile(
        project, manifest["top"], Path(headers), Path(cache) if cache else None, level
    )
    done = subprocess.run(
        [str(binary.resolve()), "tb_data"], cwd=project, capture_output=True, text=True
    )
    log = done.stdout + done.stderr
    empty = [line for line in log.splitlines() if "read while empty" in line]
    if empty:  # hls::stream's C model reads a default value then: an io_stream process is wrong
        raise CsimError(
            f"{project}: a process read an empty stream ({len(empty)} times): {empty[0].strip()}"
        )
    if done.returncode not in (0, 1) or "samples" not in done.stdout:
        raise CsimError(
            f"the testbench of {project} failed (exit {done.returncode}):\n{log[-4000:]}"
        )
    outputs, per_output, first = {}, {}, []
    sizes = [o["size"] for o in manifest["outputs"]]
    try:
        given = read_vectors(
            project / "tb_data" / "inputs_raw.dat", sum(i["size"] for i in manifest["inputs"])
        )
        want = read_vectors(project / "tb_data" / "expected_raw.dat", sum(sizes))
        got = read_vectors(project / "tb_data" / "csim_results.dat", sum(sizes))
    except ValueError as error:
        raise CsimError(str(error)) from None
    if not len(given) == len(want) == len(got):
        raise CsimError(
            f"{project / 'tb_data'}: {len(given)} input vectors, {len(want)} expected and "
            f"{len(got)} results; a C simulation compares every one"
        )
    start = 0
    for port, size in zip(manifest["outputs"], sizes, strict=True):
        name = port["tensor"]
        outputs[name] = got[:, start : start + size]
        bad = np.argwhere(outputs[name] != want[:, start : start + size])
        per_output[name] = len(bad)
        first += [
            Mismatch(int(s), name, int(i), int(want[s, start + i]), int(got[s, start + i]))
            for s, i in bad[:10]
        ]
        start += size
    total = sum(per_output.values())
    first.sort(key=lambda m: m.sample)
    passed = total == 0 and done.returncode == 0 and "PASS" in done.stdout
    return CsimResult(passed, len(got), total, per_output, tuple(first[:10]), outputs, log)
