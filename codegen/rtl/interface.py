"""The interface of an RTL design (``interface.json``): the one description the writers write
and co-simulation reads. :class:`Interface` holds it; ``to_json`` writes it, ``from_dict``
reads it back (``hlsfx.cosim.interface`` checks every name and count first)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["INTERFACE", "Fifo", "Interface", "PortField", "StreamSignals", "TensorInterface"]

INTERFACE = "interface.json"


def _present(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return {key: value for key, value in pairs if value is not None}


@dataclass(frozen=True)
class PortField:
    """A port (and its valid signal) that carries codes ``first .. first + count - 1`` of a
    tensor, each ``width`` bits at ``[k*width +: width]``."""

    data: str
    first: int
    count: int
    valid: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _present(
            [
                ("data", self.data),
                ("valid", self.valid),
                ("first", self.first),
                ("count", self.count),
            ]
        )


@dataclass(frozen=True)
class StreamSignals:
    """The AXI-Stream signals of a tensor, and the codes per transfer (``beat``)."""

    beat: int
    data: str | None = None
    valid: str | None = None
    ready: str | None = None
    last: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _present(
            [
                ("data", self.data),
                ("valid", self.valid),
                ("ready", self.ready),
                ("last", self.last),
                ("beat", self.beat),
            ]
        )


@dataclass(frozen=True)
class TensorInterface:
    """An input or output tensor: its codes (``size`` of ``width`` bits) and what carries
    them: ``ports`` (ap_vld) or ``stream`` (axis)."""

    tensor: str
    size: int
    width: int
    signed: bool
    type: str | None = None
    shape: tuple[int, ...] | None = None
    ports: tuple[PortField, ...] = ()
    stream: StreamSignals | None = None

    def to_dict(self) -> dict[str, Any]:
        shape = None if self.shape is None else list(self.shape)
        ports = [p.to_dict() for p in self.ports] if self.ports else None
        stream = None if self.stream is None else self.stream.to_dict()
        return _present(
            [
                ("tensor", self.tensor),
                ("size", self.size),
                ("width", self.width),
                ("signed", self.signed),
                ("type", self.type),
                ("shape", shape),
                ("ports", ports),
                ("stream", stream),
            ]
        )

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TensorInterface:
        stream = data.get("stream")
        return cls(
            tensor=data["tensor"],
            size=data["size"],
            width=data["width"],
            signed=data["signed"],
            type=data.get("type"),
            shape=None if data.get("shape") is None else tuple(data["shape"]),
            ports=tuple(PortField(**p) for p in data.get("ports", ())),
            stream=None if stream is None else StreamSignals(**stream),
        )


@dataclass(frozen=True)
class Fifo:
    """A FIFO of a stream design: its depth, its occupancy and push signals and, as hlsfx
    writes them, the tensor it holds and the layer reading it (None: the output port)."""

    depth: int
    count: str
    push: str
    tensor: str | None = None
    reader: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _present([("tensor", self.tensor)]) | {
            "reader": self.reader,
            "depth": self.depth,
            "count": self.count,
            "push": self.push,
        }


@dataclass(frozen=True)
class Interface:
    """How to drive a design: its top and sources, protocol (``ap_vld`` or ``axis``), clock,
    reset and handshake signals, tensors, latency and interval (None where a stream's are
    measured), FIFOs, constant inputs (``tie``) and, for a design hlsfx wrote, its layers."""

    top: str
    sources: tuple[str, ...]
    protocol: str
    clock: str
    reset: str
    reset_active: int
    inputs: tuple[TensorInterface, ...]
    outputs: tuple[TensorInterface, ...]
    latency: int | None = None
    ii: int | None = None
    packing: str | None = None
    start: str | None = None
    done: str | None = None
    ready: str | None = None
    tie: Mapping[str, int] = field(default_factory=dict)
    fifos: Mapping[str, Fifo] = field(default_factory=dict)
    layers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    origin: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return (
            _present(
                [
                    ("top", self.top),
                    ("sources", list(self.sources)),
                    ("protocol", self.protocol),
                    ("packing", self.packing),
                    ("clock", self.clock),
                    ("reset", self.reset),
                    ("reset_active", self.reset_active),
                    ("start", self.start),
                    ("done", self.done),
                    ("ready", self.ready),
                    ("tie", dict(self.tie) or None),
                    ("inputs", [t.to_dict() for t in self.inputs]),
                    ("outputs", [t.to_dict() for t in self.outputs]),
                ]
            )
            | {"latency": self.latency, "ii": self.ii}
            | _present(
                [
                    ("fifos", {name: f.to_dict() for name, f in self.fifos.items()} or None),
                    ("layers", {name: dict(v) for name, v in self.layers.items()} or None),
                    ("origin", self.origin),
                ]
            )
        )

    def to_json(self) -> str:
        """The text of ``interface.json``."""
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Interface:
        """An interface from its description (checked by ``hlsfx.cosim.interface``)."""
        return cls(
            top=data["top"],
            sources=tuple(data["sources"]),
            protocol=data["protocol"],
            clock=data["clock"],
            reset=data["reset"],
            reset_active=data["reset_active"],
            inputs=tuple(TensorInterface.from_dict(t) for t in data["inputs"]),
            outputs=tuple(TensorInterface.from_dict(t) for t in data["outputs"]),
            latency=data.get("latency"),
            ii=data.get("ii"),
            packing=data.get("packing"),
            start=data.get("start"),
            done=data.get("done"),
            ready=data.get("ready"),
            tie=dict(data.get("tie", {})),
            fifos={name: Fifo(**f) for name, f in data.get("fifos", {}).items()},
            layers=dict(data.get("layers", {})),
            origin=data.get("origin"),
        )
