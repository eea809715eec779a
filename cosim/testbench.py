"""The cocotb testbench of hlsfx RTL (run by :func:`hlsfx.cosim.run`): drives the input vectors
through the ports the interface description names, checks every output code against the
emulator's, and measures latency and II. Its settings come from the JSON file named by
``HLSFX_COSIM``.

Two port protocols, as Vivado/Vitis HLS writes them: ``ap_vld`` (io_parallel: ``ap_start`` with
each input field and its ``_ap_vld`` where it has one; each output field, a whole tensor or part
of it, with its own ``_ap_vld`` or ``ap_done``; one vector per II cycles) and ``axis``
(io_stream: per tensor an AXI-Stream of ``beat`` codes per transfer, driven with random gaps
and stalls by :mod:`hlsfx.cosim.stream_testbench`). Inputs the interface ties (``ap_continue``,
``TKEEP``) hold their value throughout. Latency counts cycles from the edge that takes a sample's
(first) input to the edge after which its (last) output is there, both included."""

from __future__ import annotations

import json
import os
from itertools import pairwise
from pathlib import Path

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer

from hlsfx.codegen.rtl.interface import Interface, TensorInterface
from hlsfx.cosim.stream_testbench import StreamBench


def _pack(codes: list[int], width: int) -> int:
    mask = (1 << width) - 1
    return sum((c & mask) << (k * width) for k, c in enumerate(codes))


def _unpack(bits: str, size: int, width: int, signed: bool) -> list[int]:
    if not set(bits) <= {"0", "1"}:  # x or z: no code; report it as such
        return [None] * size
    value = int(bits, 2)
    codes = []
    for k in range(size):
        c = (value >> (k * width)) & ((1 << width) - 1)
        if signed and c >> (width - 1):
            c -= 1 << width
        codes.append(c)
    return codes


async def _clock(signal, period_ns: int = 10) -> None:
    while True:
        signal.value = 0
        await Timer(period_ns // 2, "ns")
        signal.value = 1
        await Timer(period_ns // 2, "ns")


def _split(rows: list[list[int]], tensors: tuple[TensorInterface, ...]) -> list[list[list[int]]]:
    """Rows of all tensors' codes -> per tensor, its rows."""
    parts, first = [], 0
    for t in tensors:
        parts.append([row[first : first + t.size] for row in rows])
        first += t.size
    return parts


class _Bench:
    def __init__(self, dut, settings: dict):
        self.dut, self.interface = dut, Interface.from_dict(settings["interface"])
        self.clk = getattr(dut, self.interface.clock)
        self.ii = self.interface.ii
        self.inputs = _split(settings["inputs"], self.interface.inputs)
        self.expected = _split(settings["expected"], self.interface.outputs)
        self.count = len(settings["inputs"])
        self.taken: list[int] = []  # edge at which each sample's first input was taken
        self.seen = [[] for _ in self.interface.outputs]  # per output: (edge, codes)
        self.unknown: list[str] = []  # output valid signals seen as X or Z

    def port(self, name: str):
        return getattr(self.dut, name)

    def read(self, name: str, edge: int) -> str:
        """The bits of output ``name`` while its valid is high; X or Z there is reported."""
        bits = str(self.port(name).value)
        if not set(bits) <= {"0", "1"}:
            self.unknown.append(f"{name} = {bits} at edge {edge}")
        return bits

    async def drive_parallel(self) -> None:
        """ap_start and every input field with its _ap_vld, once per II cycles, waiting for
        ap_ready where the design has one."""
        start, ready = self.port(self.interface.start), self.interface.ready
        # ap_start is level-sensitive: high only in the cycles that offer a sample
        fields = [
            (f, tensor, codes)
            for tensor, codes in zip(self.interface.inputs, self.inputs, strict=True)
            for f in tensor.ports
        ]
        edge, sample, wait = 0, 0, 0
        while sample < self.count:
            drive = wait == 0
            for f, tensor, codes in fields:
                value = codes[sample][f.first : f.first + f.count]
                self.port(f.data).value = _pack(value, tensor.width) if drive else 0
                if f.valid is not None:
                    self.port(f.valid).value = int(drive)
            start.value = int(drive)
            await ReadOnly()
            accepted = drive and (ready is None or str(self.port(ready).value) == "1")
            await RisingEdge(self.clk)
            if accepted:
                self.taken.append(edge)
                sample, wait = sample + 1, self.ii - 1
            elif not drive:
                wait -= 1
            edge += 1
            await FallingEdge(self.clk)
        start.value = 0
        for f, _, _ in fields:
            if f.valid is not None:
                self.port(f.valid).value = 0

    async def watch_parallel(self, k: int) -> None:
        """Output k: the codes of its fields, a sample once every field has come."""
        tensor = self.interface.outputs[k]
        pending, edge = {}, 0
        while True:
            await RisingEdge(self.clk)
            await ReadOnly()
            for f in tensor.ports:
                flag = str(self.port(f.valid).value)
                if flag not in ("0", "1"):
                    self.unknown.append(f"{f.valid} at edge {edge}")
                if flag == "1":
                    bits = self.read(f.data, edge)
                    pending[f.first] = _unpack(bits, f.count, tensor.width, tensor.signed)
            if len(pending) == len(tensor.ports):
                codes = [c for first in sorted(pending) for c in pending[first]]
                self.seen[k].append((edge, codes))
                pending = {}
            edge += 1


@cocotb.test()
async def outputs_equal_the_emulator(dut):
    settings = json.loads(Path(os.environ["HLSFX_COSIM"]).read_text())
    bench = _Bench(dut, settings)
    interface = bench.interface
    stream = interface.protocol == "axis"
    cocotb.start_soon(_clock(bench.clk))
    reset = bench.port(interface.reset)
    reset.value = interface.reset_active
    if interface.start:
        bench.port(interface.start).value = 1 if stream else 0
    for name, value in interface.tie.items():
        bench.port(name).value = value
    for tensor in interface.inputs:
        for f in [tensor.stream] if stream else tensor.ports:
            if f.valid is not None:
                bench.port(f.valid).value = 0
    for _ in range(3):
        await RisingEdge(bench.clk)
    await FallingEdge(bench.clk)
    reset.value = 1 - interface.reset_active
    if stream:
        result = await StreamBench(
            dut, bench.clk, reset, settings, bench.inputs, bench.expected
        ).run()
        Path(settings["result"]).write_text(json.dumps(result))
        assert result["outputs_seen"] == bench.count, (
            f"{result['outputs_seen']} of {bench.count} outputs came"
        )
        assert not result["mismatches"], f"{len(result['mismatches'])} mismatching codes"
        return
    for k in range(len(interface.outputs)):
        cocotb.start_soon(bench.watch_parallel(k))
    cocotb.start_soon(bench.drive_parallel())
    # wait until every output came, or none came for longer than a sample can take
    patience = 4 * (interface.latency + bench.ii) + 100
    idle, progress = 0, 0
    while idle < patience and not all(len(seen) >= bench.count for seen in bench.seen):
        await RisingEdge(bench.clk)
        now = sum(map(len, bench.seen))
        idle, progress = (0, now) if now != progress else (idle + 1, progress)
    mismatches = []
    for tensor, seen, expected in zip(interface.outputs, bench.seen, bench.expected, strict=True):
        for vector, ((_, got), want) in enumerate(zip(seen, expected, strict=False)):
            mismatches += [
                {
                    "vector": vector,
                    "output": tensor.tensor,
                    "index": index,
                    "expected": w,
                    "got": g,
                }
                for index, (w, g) in enumerate(zip(want, got, strict=True))
                if w != g
            ]
    finished = [max(seen[k][0] for seen in bench.seen) for k in range(min(map(len, bench.seen)))]
    latency = finished[0] - bench.taken[0] + 1 if finished and bench.taken else None
    gaps = {b - a for a, b in pairwise(finished)}
    result = {
        "vectors": bench.count,
        "outputs_seen": len(finished),
        "mismatches": mismatches,
        "latency": latency,
        "ii": max(gaps) if gaps else None,
        "unknown": bench.unknown[:100],
    }
    Path(settings["result"]).write_text(json.dumps(result))
    assert len(finished) == bench.count, f"{len(finished)} of {bench.count} outputs came"
    assert not mismatches, f"{len(mismatches)} mismatching codes, first {mismatches[:3]}"
