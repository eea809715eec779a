"""Where things are in a written HLS project: the manifest that describes it, and the Verilog
the vendor tool leaves after C synthesis. Read by the C simulation, the vendor build and cosim,
written by the project writer."""

from __future__ import annotations

from pathlib import Path

from hlsfx.ir.structured_text import parse_json, read_text

__all__ = ["MANIFEST", "SOLUTION", "read_manifest", "solution_folder", "synthesized_verilog"]

MANIFEST = "hlsfx_project.json"
SOLUTION = "solution1"
"""the solution build_prj.tcl opens; C synthesis writes ``<top>_prj/solution1/syn/verilog``"""


def read_manifest(project: str | Path) -> dict:
    """The manifest of the HLS project folder ``project``; a ``FileNotFoundError`` naming the
    folder when it is not an hlsfx HLS project."""
    path = Path(project) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{project} is not an hlsfx HLS project: {MANIFEST} is missing")
    manifest = parse_json(read_text(path, "the project manifest"), str(path))
    if not isinstance(manifest, dict):
        raise ValueError(f"{path} is not an hlsfx project manifest")
    return manifest


def solution_folder(project: str | Path, top: str) -> Path:
    """The vendor tool's solution folder of the project's top ``top``."""
    return Path(project) / f"{top}_prj" / SOLUTION


def synthesized_verilog(project: str | Path, top: str) -> Path:
    """The folder of the Verilog that Vivado/Vitis HLS wrote for the project's top ``top``."""
    return solution_folder(project, top) / "syn" / "verilog"
