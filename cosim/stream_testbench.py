"""The AXI-Stream half of the cocotb testbench (``axis`` interfaces): cocotbext-axi's sources
and sinks carry each tensor, one transfer of ``beat`` codes at a time, ``TLAST`` on a sample's
last transfer where the stream has it.

Three passes. The first sends every vector with random gaps on the inputs' ``TVALID`` and
random stalls on the outputs' ``TREADY`` (a seeded generator) and checks every output code.
The second sends the first vectors again back to back and measures ``latency``, the cycles
from the edge that takes a sample's first input transfer to the edge that takes its last output
transfer, both included, and ``ii``, the cycles between the last output transfers of
consecutive samples. The third sends them with each input's transfers spread evenly over
``ii`` cycles a sample, as a sensor at the design's own rate would, and measures
``input_waits``, the edges at which an input offered a transfer the design did not take, and,
where the interface lists FIFOs with their fill counts (hlsfx's io_stream RTL), the most
pixels each FIFO held at once, one entering included: the depth at which it takes such a
stream without holding it back.
A design that makes no transfer for ``patience`` cycles has stalled: the pass ends there, and
the outputs missing are reported."""

from __future__ import annotations

import logging
import random
import statistics
from collections.abc import Iterator, Mapping
from itertools import pairwise

import cocotb
from cocotb.triggers import ReadOnly, RisingEdge
from cocotb_bus.bus import Bus
from cocotbext.axi import AxiStreamFrame, AxiStreamSink, AxiStreamSource

from hlsfx.codegen.rtl.interface import Fifo, Interface, StreamSignals, TensorInterface

MEASURED = 8
"""vectors of the second pass, which measures latency and II"""
STALL = 0.3
"""how often the first pass holds an input's TVALID or an output's TREADY low"""


class _StreamBus(Bus):
    """The signals of one stream by their full names (no TKEEP even where the design has one:
    the interface ties it)."""

    _optional_signals = ()

    def __init__(self, dut, stream: StreamSignals):
        names = {"tdata": stream.data, "tvalid": stream.valid, "tready": stream.ready}
        if stream.last is not None:
            names["tlast"] = stream.last
        super().__init__(dut, None, names)


def _pixels(codes: list[int], beat: int, width: int) -> list[int]:
    mask = (1 << width) - 1
    return [
        sum((c & mask) << (k * width) for k, c in enumerate(codes[first : first + beat]))
        for first in range(0, len(codes), beat)
    ]


def _codes(pixels: list[int], beat: int, width: int, signed: bool) -> list[int]:
    codes = []
    for pixel in pixels:
        for k in range(beat):
            c = (pixel >> (k * width)) & ((1 << width) - 1)
            codes.append(c - (1 << width) if signed and c >> (width - 1) else c)
    return codes


class _Transfers:
    """The clock edges at which a stream's transfers were taken (TVALID and TREADY high)."""

    def __init__(self, dut, clock, stream: StreamSignals):
        self.valid, self.ready = getattr(dut, stream.valid), getattr(dut, stream.ready)
        self.clock, self.edges, self.now = clock, [], 0
        self.waits = 0  # edges where the sender offered a transfer that was not taken

    async def watch(self) -> None:
        while True:
            await RisingEdge(self.clock)
            await ReadOnly()
            if str(self.valid.value) == "1":
                if str(self.ready.value) == "1":
                    self.edges.append(self.now)
                else:
                    self.waits += 1
            self.now += 1


def _paced(transfers: int, interval: int) -> Iterator[bool]:
    """Pauses that let ``transfers`` through in every ``interval`` cycles, evenly spread."""
    cycle = 0
    while True:
        yield (cycle + 1) * transfers // interval == cycle * transfers // interval
        cycle = (cycle + 1) % interval


class _Occupancy:
    """Per FIFO, the most pixels it held at once, counting one that enters in that cycle (its
    ``count`` register plus its ``push``, read every cycle): the depth at which it never
    refuses a pixel (a full FIFO takes none, even in a cycle it gives one)."""

    def __init__(self, dut, clock, fifos: Mapping[str, Fifo]):
        self.clock = clock
        self.signals = {
            name: (getattr(dut, f.count), getattr(dut, f.push)) for name, f in fifos.items()
        }
        self.most = dict.fromkeys(fifos, 0)

    async def watch(self) -> None:
        while True:
            await RisingEdge(self.clock)
            await ReadOnly()
            for name, (count, push) in self.signals.items():
                bits = str(count.value)
                if set(bits) <= {"0", "1"}:
                    held = int(bits, 2) + (str(push.value) == "1")
                    self.most[name] = max(self.most[name], held)


class StreamBench:
    def __init__(self, dut, clock, reset, settings: dict, inputs: list, expected: list):
        interface = Interface.from_dict(settings["interface"])
        self.dut, self.clock, self.interface = dut, clock, interface
        self.inputs, self.expected = inputs, expected
        self.count = len(settings["inputs"])
        active = bool(interface.reset_active)
        self.sources, self.sinks, self.taken, self.given = [], [], [], []
        for group, kind, transfers in (
            ("inputs", AxiStreamSource, self.taken),
            ("outputs", AxiStreamSink, self.given),
        ):
            for tensor in getattr(interface, group):
                bus = _StreamBus(dut, tensor.stream)
                end = kind(bus, clock, reset, reset_active_level=active, byte_lanes=1)
                end.log.setLevel(logging.WARNING)
                (self.sources if group == "inputs" else self.sinks).append(end)
                transfers.append(_Transfers(dut, clock, tensor.stream))
        self.patience = settings.get("patience", 20_000)
        self.rng = random.Random(settings.get("stall_seed", 0))

    def _beats(self, tensor: TensorInterface) -> int:
        return tensor.size // tensor.stream.beat

    async def _pass(
        self, vectors: range, stalls: bool, interval: int | None = None
    ) -> list[list[list[int] | None]]:
        """Send ``vectors`` (with random gaps and stalls, or with each input's transfers spread
        evenly over ``interval`` cycles a sample, or back to back); per output, the codes of
        each sample received (None where none came before the design stalled)."""
        rng = self.rng
        for end in (*self.sources, *self.sinks):
            end.set_pause_generator(iter(lambda: rng.random() < STALL, None) if stalls else None)
            end.pause = False  # a generator taken away leaves its last value
        if interval is not None:
            for source, tensor in zip(self.sources, self.interface.inputs, strict=True):
                source.set_pause_generator(_paced(self._beats(tensor), interval))
        for source, tensor, codes in zip(
            self.sources, self.interface.inputs, self.inputs, strict=True
        ):
            s = tensor.stream
            for vector in vectors:
                pixels = _pixels(codes[vector], s.beat, tensor.width)
                frames = [pixels] if s.last is not None else [[p] for p in pixels]
                for frame in frames:
                    await source.send(AxiStreamFrame(frame))
        got: list[list[list[int] | None]] = [[] for _ in self.sinks]
        for k, (sink, tensor) in enumerate(zip(self.sinks, self.interface.outputs, strict=True)):
            s, beats = tensor.stream, self._beats(tensor)
            for _ in vectors:
                pixels: list[int] = []
                while len(pixels) < beats:
                    if not await self._wait(sink):
                        got[k] += [None] * (len(vectors) - len(got[k]))
                        break
                    pixels += list(sink.recv_nowait().tdata)
                else:
                    got[k].append(_codes(pixels[:beats], s.beat, tensor.width, tensor.signed))
                    continue
                break
        return got

    async def _wait(self, sink) -> bool:
        """Whether a frame came before ``patience`` cycles passed without any transfer."""
        idle, seen = 0, -1
        while sink.empty():
            now = sum(len(t.edges) for t in (*self.taken, *self.given))
            idle = 0 if now != seen else idle + 1
            seen = now
            if idle > self.patience:
                return False
            await RisingEdge(self.clock)
        return True

    async def run(self) -> dict:
        for t in (*self.taken, *self.given):
            cocotb.start_soon(t.watch())
        occupancy = _Occupancy(self.dut, self.clock, self.interface.fifos)
        got = await self._pass(range(self.count), stalls=True)
        mismatches, unknown = [], []
        seen = sum(all(g[v] is not None for g in got) for v in range(self.count))
        for tensor, rows, expected in zip(self.interface.outputs, got, self.expected, strict=True):
            for vector, (row, want) in enumerate(zip(rows, expected, strict=True)):
                if row is None:
                    continue
                mismatches += [
                    {
                        "vector": vector,
                        "output": tensor.tensor,
                        "index": i,
                        "expected": w,
                        "got": g,
                    }
                    for i, (w, g) in enumerate(zip(want, row, strict=True))
                    if w != g
                ]
        latency = ii = input_waits = None
        if seen == self.count:
            measured = min(self.count, MEASURED)
            first_in = [len(t.edges) for t in self.taken]
            first_out = [len(t.edges) for t in self.given]
            again = await self._pass(range(measured), stalls=False)
            if all(row is not None for rows in again for row in rows):
                beats_in = [self._beats(t) for t in self.interface.inputs]
                beats_out = [self._beats(t) for t in self.interface.outputs]
                starts = [
                    min(
                        t.edges[f + v * b]
                        for t, f, b in zip(self.taken, first_in, beats_in, strict=True)
                    )
                    for v in range(measured)
                ]
                ends = [
                    max(
                        t.edges[f + (v + 1) * b - 1]
                        for t, f, b in zip(self.given, first_out, beats_out, strict=True)
                    )
                    for v in range(measured)
                ]
                latency = ends[0] - starts[0] + 1
                gaps = [b - a for a, b in pairwise(ends)]
                ii = int(statistics.median(gaps)) if gaps else None
            if ii is not None:  # the inputs paced at the design's own interval
                watching = cocotb.start_soon(occupancy.watch())  # this pass only: it is slow
                waits = sum(t.waits for t in self.taken)
                paced = await self._pass(range(measured), stalls=False, interval=ii)
                watching.cancel()
                if all(row is not None for rows in paced for row in rows):
                    input_waits = sum(t.waits for t in self.taken) - waits
        return {
            "vectors": self.count,
            "outputs_seen": seen,
            "mismatches": mismatches,
            "latency": latency,
            "ii": ii,
            "unknown": unknown,
            "fifo_occupancy": occupancy.most,
            "input_waits": input_waits,
        }
