"""cocotb test of a bank of combinational casts (tests/test_rtl_cast.py builds it): drives each
case's input codes, reads every output and records the codes that differ from the expected."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cocotb
from cocotb.triggers import Timer


@cocotb.test()
async def casts_equal_the_emulator(dut):
    cases = json.loads(Path(os.environ["HLSFX_CASES"]).read_text())
    signed = cases["out_signed"]
    mismatches = []
    for k, (codes, expected) in enumerate(zip(cases["inputs"], cases["expected"], strict=True)):
        for j, (code, width) in enumerate(zip(codes, cases["in_widths"], strict=True)):
            getattr(dut, f"in{j}").value = code & ((1 << width) - 1)
        await Timer(1, "ns")
        for j, want in enumerate(expected):
            bits = str(getattr(dut, f"out{j}").value)  # a 1-bit port reads as Logic
            got = int(bits, 2) - (1 << len(bits) if signed[j] and bits[0] == "1" else 0)
            if got != want:
                mismatches.append({"case": k, "cast": j, "expected": want, "got": got})
    Path(os.environ["HLSFX_RESULT"]).write_text(json.dumps(mismatches))
    assert not mismatches, f"{len(mismatches)} mismatches, first {mismatches[:5]}"
