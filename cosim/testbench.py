"""The cocotb testbench of hlsfx RTL (run by :func:`hlsfx.cosim.run`): drives one input vector
per II cycles through the ports the interface description names, checks every output code
against the emulator's, and measures latency and II. Its settings come from the JSON file named
by ``HLSFX_COSIM``."""

from __future__ import annotations

import json
import os
from itertools import pairwise
from pathlib import Path

import cocotb
from cocotb.triggers import FallingEdge, ReadOnly, RisingEdge, Timer


def _pack(codes: list[int], width: int) -> int:
    mask = (1 << width) - 1
    return sum((c & mask) << (k * width) for k, c in enumerate(codes))


def _unpack(bits: str, size: int, width: int, signed: bool) -> list[int]:
    value = int(bits, 2)
    codes = []
    for k in range(size):
        code = (value >> (k * width)) & ((1 << width) - 1)
        if signed and code >> (width - 1):
            code -= 1 << width
        codes.append(code)
    return codes


async def _clock(signal, period_ns: int = 10) -> None:
    while True:
        signal.value = 0
        await Timer(period_ns // 2, "ns")
        signal.value = 1
        await Timer(period_ns // 2, "ns")


@cocotb.test()
async def outputs_equal_the_emulator(dut):
    settings = json.loads(Path(os.environ["HLSFX_COSIM"]).read_text())
    interface = settings["interface"]
    (port_in,), (port_out,) = interface["inputs"], interface["outputs"]
    inputs, expected = settings["inputs"], settings["expected"]
    ii = interface["ii"]
    cocotb.start_soon(_clock(getattr(dut, interface["clock"])))
    reset, start = getattr(dut, interface["reset"]), getattr(dut, interface["start"])
    data, valid = getattr(dut, port_in["port"]), getattr(dut, port_in["valid"])
    out, out_valid = getattr(dut, port_out["port"]), getattr(dut, port_out["valid"])
    reset.value, start.value, valid.value, data.value = interface["reset_active"], 0, 0, 0
    for _ in range(3):
        await RisingEdge(getattr(dut, interface["clock"]))
    await FallingEdge(getattr(dut, interface["clock"]))
    reset.value = 1 - interface["reset_active"]
    mismatches, started, finished = [], [], []
    cycle, sent = 0, 0
    limit = len(inputs) * ii + 4 * interface["latency"] + 20
    while len(finished) < len(inputs) and cycle < limit:
        drive = sent < len(inputs) and cycle % ii == 0
        if drive:
            data.value = _pack(inputs[sent], port_in["width"])
        start.value, valid.value = int(drive), int(drive)
        await RisingEdge(getattr(dut, interface["clock"]))
        if drive:
            started.append(cycle)
            sent += 1
        await ReadOnly()
        if str(out_valid.value) == "1":
            k = len(finished)
            finished.append(cycle)
            got = _unpack(str(out.value), port_out["size"], port_out["width"], port_out["signed"])
            for index, (want, have) in enumerate(zip(expected[k], got, strict=True)):
                if want != have:
                    mismatches.append({"vector": k, "output": port_out["tensor"],
                                       "index": index, "expected": want, "got": have})  # fmt: skip
        await FallingEdge(getattr(dut, interface["clock"]))
        cycle += 1
    latency = finished[0] - started[0] + 1 if finished else None
    gaps = {b - a for a, b in pairwise(finished)}
    result = {
        "vectors": len(inputs), "outputs_seen": len(finished), "mismatches": mismatches,
        "latency": latency, "ii": max(gaps) if gaps else None,
    }  # fmt: skip
    Path(settings["result"]).write_text(json.dumps(result))
    assert len(finished) == len(inputs), f"{len(finished)} of {len(inputs)} outputs came"
    assert not mismatches, f"{len(mismatches)} mismatching codes, first {mismatches[:3]}"
