"""Reading ``interface.json``, the contract between a written (or hand-written) RTL design and
cosim, checked once: every name that reaches a simulator, a Yosys script or a port lookup is a
plain Verilog identifier, every source a file inside the design's folder."""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import Any

from hlsfx.codegen.rtl import INTERFACE

__all__ = ["InterfaceError", "load_interface", "memory_files"]

_VERILOG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,199}")
_SOURCE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,199}")
_PORT_KEYS = ("data", "valid", "ready")
_SIGNAL_KEYS = ("clock", "reset", "start", "done", "ready")
MAX_SIZE = 1 << 20
"""codes a tensor of the interface may hold"""


class InterfaceError(ValueError):
    """An ``interface.json`` that is missing, malformed or names something it may not."""


def _name(where: str, value: Any) -> str:
    if not isinstance(value, str) or not _VERILOG_NAME.fullmatch(value):
        raise InterfaceError(f"{where} {value!r} is not a Verilog identifier")
    return value


def _count(where: str, value: Any, low: int = 0, high: int = MAX_SIZE) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InterfaceError(f"{where} must be an integer from {low} to {high}, not {value!r}")
    return value


def _source(root: Path, value: Any) -> str:
    relative = PurePosixPath(value) if isinstance(value, str) else None
    if relative is None or not _SOURCE.fullmatch(value) or ".." in relative.parts:
        raise InterfaceError(
            f"source {value!r} is not a relative path of letters, digits, '_', '-', '.' and '/' "
            "inside the folder"
        )
    path = root / value
    if path.is_symlink() or not path.is_file():
        raise InterfaceError(f"source {value!r} is not a file in {root}")
    return value


def _tensor(where: str, tensor: Any) -> None:
    if not isinstance(tensor, dict):
        raise InterfaceError(f"{where} must be an object, not {tensor!r}")
    size = _count(f"{where}: size", tensor.get("size"), 1)
    _count(f"{where}: width", tensor.get("width"), 1, 4096)
    fields = tensor.get("ports", []) + ([tensor["stream"]] if "stream" in tensor else [])
    if not fields:
        raise InterfaceError(f"{where} has neither ports nor a stream")
    for field in fields:
        if not isinstance(field, dict):
            raise InterfaceError(f"{where}: a port must be an object, not {field!r}")
        for key in _PORT_KEYS:
            if key in field:
                _name(f"{where}: port {key}", field[key])
        for key in ("first", "count", "beat"):
            if key in field:
                _count(f"{where}: {key}", field[key], 0, size)


def load_interface(root: str | Path) -> dict:
    """The checked ``interface.json`` of the RTL folder ``root``."""
    root = Path(root)
    path = root / INTERFACE
    if not path.is_file():
        raise InterfaceError(f"{root} holds no {INTERFACE}: write it with write_rtl, or by hand")
    try:
        interface = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise InterfaceError(f"{path} is not JSON ({error})") from None
    if not isinstance(interface, dict):
        raise InterfaceError(f"{path} must hold an object")
    for key in ("top", "sources", "clock", "reset", "inputs", "outputs", "latency", "ii"):
        if key not in interface:
            raise InterfaceError(f"{path} lacks {key!r}")
    _name("top", interface["top"])
    for key in _SIGNAL_KEYS:
        if interface.get(key) is not None:
            _name(key, interface[key])
    sources = interface["sources"]
    if not isinstance(sources, list) or not sources:
        raise InterfaceError(f"sources must be a list of Verilog files, not {sources!r}")
    for source in sources:
        _source(root, source)
    _count("latency", interface["latency"], 0, 1 << 20)
    _count("ii", interface["ii"], 1, 1 << 20)
    for group in ("inputs", "outputs"):
        if not isinstance(interface[group], list) or not interface[group]:
            raise InterfaceError(f"{group} must be a non-empty list")
        for k, tensor in enumerate(interface[group]):
            _tensor(f"{group}[{k}]", tensor)
    return interface


_READMEM = re.compile(r"\$readmem[hb]\s*\(\s*\"([^\"]*)\"")


def memory_files(root: str | Path, interface: dict) -> list[tuple[str, Path]]:
    """The files the sources load with ``$readmemh``/``$readmemb`` (the name as loaded, and
    the file, found beside its source or in ``root``); a missing one is an
    :class:`InterfaceError` naming it and its source."""
    root = Path(root)
    found = []
    for source in interface["sources"]:
        path = root / source
        for name in _READMEM.findall(path.read_text(encoding="utf-8", errors="replace")):
            relative = PurePosixPath(name)
            if relative.is_absolute() or ".." in relative.parts or not relative.name:
                raise InterfaceError(f"{source} loads {name!r}, outside the design's folder")
            candidates = [path.parent / relative, root / relative, root / relative.name]
            hit = next((c for c in candidates if c.is_file() and not c.is_symlink()), None)
            if hit is None:
                raise InterfaceError(f"{source} loads the memory file {name!r}, which is missing")
            found.append((str(relative), hit))
    return found
