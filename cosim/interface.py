"""Reading ``interface.json``, the contract between a written (or hand-written) RTL design and
cosim, checked once: every name that reaches a simulator, a Yosys script or a port lookup is a
plain Verilog identifier, every source a file inside the design's folder."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from hlsfx.codegen.rtl.interface import INTERFACE, Interface
from hlsfx.ir.structured_text import parse_json, read_text

__all__ = [
    "PROTOCOLS",
    "SOURCE_NAME",
    "InterfaceError",
    "check_interface",
    "load_interface",
    "memory_files",
    "read_interface",
]

_VERILOG_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_$]{0,199}")
_SOURCE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-/]{0,199}")
SOURCE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,199}")
"""a source file's name, as hlsfx writes it into the scripts it runs"""
_KEYS = {
    "interface": {
        "top",
        "sources",
        "protocol",
        "packing",
        "clock",
        "reset",
        "reset_active",
        "start",
        "done",
        "ready",
        "tie",
        "inputs",
        "outputs",
        "latency",
        "ii",
        "layers",
        "origin",
        "fifos",
    },
    "tensor": {"tensor", "size", "width", "signed", "type", "shape", "ports", "stream"},
    "port": {"data", "valid", "first", "count"},
    "stream": {"data", "valid", "ready", "last", "beat"},
    "fifo": {"tensor", "reader", "depth", "count", "push"},
}
_REQUIRED = {
    "interface": (
        "top",
        "sources",
        "protocol",
        "clock",
        "reset",
        "reset_active",
        "inputs",
        "outputs",
        "latency",
        "ii",
    ),
    "tensor": ("tensor", "size", "width", "signed"),
    "port": ("data", "first", "count"),
    "stream": ("data", "valid", "ready", "beat"),
    "fifo": ("depth", "count", "push"),
}
_SIGNAL_KEYS = ("clock", "reset", "start", "done", "ready")
PROTOCOLS = ("ap_vld", "axis")
"""``ap_vld``: ``ap_start``/``ap_ready`` and each field's data with an optional valid (inputs)
or a valid (outputs: its own ``_ap_vld``, or ``ap_done``); ``axis``: AXI-Stream per tensor"""
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


def _object(where: str, value: Any, kind: str) -> dict:
    """``value`` as an object of ``kind`` with its required keys and no others."""
    if not isinstance(value, dict):
        raise InterfaceError(f"{where} must be an object, not {value!r}")
    unknown = sorted(map(repr, set(value) - _KEYS[kind]))
    if unknown:
        raise InterfaceError(
            f"{where} has unknown keys {', '.join(unknown)}; a {kind} has "
            f"{', '.join(sorted(_KEYS[kind]))}"
        )
    for key in _REQUIRED[kind]:
        if key not in value:
            raise InterfaceError(f"{where} lacks {key!r}")
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


def _tensor(where: str, tensor: Any, protocol: str, output: bool) -> None:
    _object(where, tensor, "tensor")
    size = _count(f"{where}: size", tensor["size"], 1)
    _count(f"{where}: width", tensor["width"], 1, 4096)
    if not isinstance(tensor["signed"], bool):
        raise InterfaceError(f"{where}: signed must be true or false, not {tensor['signed']!r}")
    if protocol == "axis":
        stream = _object(f"{where}: stream", tensor.get("stream"), "stream")
        for key in ("data", "valid", "ready", "last"):
            if key in stream:
                _name(f"{where}: stream {key}", stream[key])
        _count(f"{where}: beat", stream["beat"], 1, size)
        return
    ports = tensor.get("ports")
    if not isinstance(ports, list) or not ports:
        raise InterfaceError(f"{where} must list its ports")
    covered = []
    for k, port in enumerate(ports):
        _object(f"{where}: ports[{k}]", port, "port")
        for key in ("data", "valid"):
            if key in port:
                _name(f"{where}: ports[{k}] {key}", port[key])
        if output and "valid" not in port:
            raise InterfaceError(
                f"{where}: output port {port['data']} needs a valid signal "
                "(its _ap_vld, or ap_done)"
            )
        first = _count(f"{where}: ports[{k}] first", port["first"], 0, size - 1)
        covered += range(
            first, first + _count(f"{where}: ports[{k}] count", port["count"], 1, size - first)
        )
    if sorted(covered) != list(range(size)):
        raise InterfaceError(f"{where}: its ports must hold each of its {size} codes once")


def check_interface(root: str | Path, interface: Any, where: str = "the interface") -> Interface:
    """``interface`` (an interface description, as ``interface.json`` holds it) checked against
    the RTL folder ``root``: known keys only, Verilog identifiers, sources inside the folder,
    every code of a tensor in exactly one port."""
    root = Path(root)
    _object(where, interface, "interface")
    _name("top", interface["top"])
    for key in _SIGNAL_KEYS:
        if interface.get(key) is not None:
            _name(key, interface[key])
    protocol = interface["protocol"]
    if protocol not in PROTOCOLS:
        raise InterfaceError(f"protocol {protocol!r} is not one of {', '.join(PROTOCOLS)}")
    if protocol == "ap_vld" and interface.get("start") is None:
        raise InterfaceError("an ap_vld interface needs its start signal (ap_start)")
    if interface["reset_active"] not in (0, 1):
        raise InterfaceError(f"reset_active must be 0 or 1, not {interface['reset_active']!r}")
    tie = interface.get("tie", {})
    if not isinstance(tie, dict):
        raise InterfaceError(f"tie must map input ports to constant values, not {tie!r}")
    for name, value in tie.items():
        _name("tie", name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InterfaceError(f"tie {name}: {value!r} is not a non-negative integer")
    sources = interface["sources"]
    if not isinstance(sources, list) or not sources:
        raise InterfaceError(f"sources must be a list of Verilog files, not {sources!r}")
    for source in sources:
        _source(root, source)
    for key, low in (("latency", 0), ("ii", 1)):  # a stream's are measured, not stated
        if interface[key] is not None or protocol != "axis":
            _count(key, interface[key], low, 1 << 20)
    fifos = interface.get("fifos", {})
    if not isinstance(fifos, dict):
        raise InterfaceError(f"fifos must map FIFO names to their depth and count, not {fifos!r}")
    for name, fifo in fifos.items():
        _name("fifos", name)
        _object(f"fifo {name}", fifo, "fifo")
        _count(f"fifo {name}: depth", fifo["depth"], 1)
        _name(f"fifo {name}: count", fifo["count"])
        _name(f"fifo {name}: push", fifo["push"])
    for group in ("inputs", "outputs"):
        if not isinstance(interface[group], list) or not interface[group]:
            raise InterfaceError(f"{group} must be a non-empty list")
        for k, tensor in enumerate(interface[group]):
            _tensor(f"{group}[{k}]", tensor, protocol, group == "outputs")
    return Interface.from_dict(interface)


def load_interface(root: str | Path) -> Interface:
    """The checked ``interface.json`` of the RTL folder ``root``."""
    root = Path(root)
    path = root / INTERFACE
    if not path.is_file():
        raise InterfaceError(f"{root} holds no {INTERFACE}: write it with write_rtl, or by hand")
    return read_interface(root, path)


def read_interface(root: str | Path, path: str | Path) -> Interface:
    """The interface description in the JSON file ``path``, checked against the RTL folder
    ``root``."""
    try:
        interface = parse_json(read_text(path, "the interface"), str(path))
    except ValueError as error:
        raise InterfaceError(f"{path} is not a readable JSON file ({error})") from None
    return check_interface(root, interface, str(path))


_READMEM = re.compile(r"\$readmem[hb]\s*\(\s*\"([^\"]*)\"")


def memory_files(root: str | Path, sources: Sequence[str]) -> list[tuple[str, Path]]:
    """The files the sources load with ``$readmemh``/``$readmemb`` (the name as loaded, and
    the file, found beside its source or in ``root``); a missing one is an
    :class:`InterfaceError` naming it and its source."""
    root = Path(root)
    found = []
    for source in sources:
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
