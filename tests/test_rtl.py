"""The RTL writer simulated with cocotb on Icarus and Verilator, and on the Yosys netlist:
every output code equals the emulator's, for every layer kind at reuse factors 1, 2 and 4, with
the latency and II the design states."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import test_hls_csim
from conftest import fixture, require, run_cli

import hlsfx
from hlsfx import FixedType
from hlsfx.codegen.rtl import write_rtl
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

pytestmark = pytest.mark.rtl


def _mlp():
    rng = np.random.default_rng(0)

    def dense(name, x, y, n_in, n_out):
        weight = rng.normal(0.0, 0.6, (n_in, n_out))
        weight[::3, 0] = 0.0  # zero weights still form their products
        return Layer(name, kinds.DENSE, [x], y,
                     params={"weight": weight, "bias": rng.normal(0.0, 0.5, n_out)})  # fmt: skip

    layers = [
        dense("fc1", "x", "h", 6, 4),
        Layer("relu", kinds.RELU, ["h"], "r"),
        dense("fc2", "r", "z", 4, 3),
        Layer("linear", kinds.LINEAR, ["z"], "y"),
    ]
    shapes = {"x": (6,), "h": (4,), "r": (4,), "z": (3,), "y": (3,)}
    graph = Graph(("x",), ("y",), tuple(layers), shapes)
    # a narrow saturating accumulator (order matters), rounding, a wrapping unsigned result,
    # weights with negative integer bits
    return hlsfx.configure(
        graph, "ap_fixed<8,3,AP_RND_CONV,AP_SAT>",
        roles={"accum": "ap_fixed<10,4,AP_RND,AP_SAT>"},
        layers={"linear": {"result": "ap_ufixed<6,2,AP_RND_INF,AP_WRAP>"},
                "fc2": {"weight": "ap_fixed<6,-1,AP_RND,AP_SAT>"}},
    )  # fmt: skip


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_the_rtl_equals_the_emulator_with_latency_and_ii(simulator, tmp_path):
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=80)
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    assert (result.vectors, result.latency, result.ii) == (80, 4, 1)
    report = json.loads((project / f"cosim_{simulator}.json").read_text())
    assert report["passed"] and report["latency"] == 4


def test_a_wrong_code_names_the_vector_the_index_and_both_values(tmp_path):
    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=10)
    expected = project / "tb_data" / "expected_raw.dat"
    rows = [line.split() for line in expected.read_text().splitlines()]
    rows[4][1] = str(int(rows[4][1]) ^ 1)  # one bit the RTL cannot have computed
    expected.write_text("".join(" ".join(r) + "\n" for r in rows))
    result = run(project, simulator="icarus")
    assert not result.passed and result.mismatches == 1
    summary = result.summary()
    assert f"vector 4 output y[1]: expected {rows[4][1]}, got {int(rows[4][1]) ^ 1}" in summary


def test_a_wrong_bit_in_a_generated_layer_fails_the_cosim_by_name(tmp_path):
    import re

    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=50)
    verilog = (project / "myproject.v").read_text()
    bias = re.search(r"wire \[\d+:0\] fc2_acc0_0 = \d+'d(\d+);", verilog)
    broken = bias.group(0).replace(f"'d{bias.group(1)}", f"'d{int(bias.group(1)) ^ 1}")
    (project / "myproject.v").write_text(verilog.replace(bias.group(0), broken))
    result = run(project, simulator="icarus")
    assert not result.passed and result.mismatches > 0
    first = result.first[0]
    assert first["output"] == "y" and first["index"] == 0
    assert abs(first["got"] - first["expected"]) == 1  # the LSB of fc2's first output
    assert (
        f"vector {first['vector']} output y[0]: expected {first['expected']}, got {first['got']}"
        in result.summary()
    )


def test_a_reuse_factor_per_layer_sets_its_cycles_and_the_ii(tmp_path):
    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", reuse_factor={"fc2": 3}, vectors=40)
    interface = json.loads((project / "interface.json").read_text())
    layers = interface["layers"]
    assert [layers[n]["cycles"] for n in ("fc1", "relu", "fc2", "linear")] == [1, 1, 3, 1]
    assert layers["fc2"]["multipliers"] == -(-layers["fc2"]["products"] // 3)
    result = run(project, simulator="icarus")
    # the inputs registered (1), fc1 (1), relu (1), fc2 (3), linear (1)
    assert result.passed and (result.latency, result.ii) == (7, 3), result.summary()
    again = write_rtl(_mlp(), tmp_path / "again", reuse_factor={"fc2": 3}, vectors=40)
    for name in ("myproject.v", "interface.json", "tb_data/inputs_raw.dat"):
        assert (project / name).read_bytes() == (again / name).read_bytes(), name


def test_bad_reuse_factors_and_oversized_models_are_refused_before_writing(tmp_path):
    from hlsfx.codegen.rtl import MAX_RTL_PRODUCTS

    with pytest.raises(ValueError, match=r"reuse_factor names layers the model does not have"):
        write_rtl(_mlp(), tmp_path / "a", reuse_factor={"fc9": 2})
    with pytest.raises(ValueError, match=r"layer 'fc1' \(Dense\): reuse factor must be a positive"):
        write_rtl(_mlp(), tmp_path / "b", reuse_factor={"fc1": 0})
    n = int(MAX_RTL_PRODUCTS**0.5) + 1
    layer = Layer("big", kinds.DENSE, ["x"], "y",
                  params={"weight": np.ones((n, n)), "bias": np.zeros(n)})  # fmt: skip
    qm = hlsfx.configure(Graph(("x",), ("y",), (layer,), {"x": (n,), "y": (n,)}), "ap_fixed<8,3>")
    with pytest.raises(ValueError, match=rf"layer 'big' \(Dense\): .* over {n * n:,} products"):
        write_rtl(qm, tmp_path / "c")
    assert not (tmp_path / "c").exists()


# every kind, in the C-simulation model: each configuration at one reuse factor per simulator
# on Verilator (whose build lints with -Wall), every reuse factor on Icarus
ALL_KINDS_RUNS = [
    ("icarus", config, r) for config in test_hls_csim.CONFIGURATIONS for r in (1, 2, 4)
] + [("verilator", "truncate_wrap", 1), ("verilator", "round_saturate", 2),
     ("verilator", "narrow_accumulator", 4)]  # fmt: skip


@pytest.mark.parametrize(("simulator", "config", "reuse"), ALL_KINDS_RUNS)
def test_every_kind_at_every_reuse_factor_equals_the_emulator(simulator, config, reuse, tmp_path):
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    qm = test_hls_csim.configured(config)
    project = write_rtl(qm, tmp_path / "rtl", reuse_factor=reuse, vectors=60)
    interface = json.loads((project / "interface.json").read_text())
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    # one register per layer; at R > 1 the inputs are registered and every layer with
    # products takes R cycles (the concatenation follows the PReLU, where the model has one)
    depth = 2 if "concatenate" in interface["layers"] else 1
    latency = depth if reuse == 1 else reuse + depth
    assert (result.vectors, result.latency, result.ii) == (60, latency, reuse)
    assert (interface["latency"], interface["ii"]) == (latency, reuse)
    for name, layer in interface["layers"].items():
        if layer["products"]:
            assert layer["cycles"] == reuse, name
            assert layer["multipliers"] <= 2 * -(-layer["products"] // reuse), (name, layer)
        else:
            assert layer["cycles"] == 1 and layer["multipliers"] == 0, name
    assert interface["layers"]["dense"]["multipliers"] == -(
        -interface["layers"]["dense"]["products"] // reuse
    )
    if simulator == "icarus":
        _assert_lint_clean_without_pragmas(project / "myproject.v")


def _assert_lint_clean_without_pragmas(verilog: Path) -> None:
    require(shutil.which("verilator") is not None, "verilator", "run scripts/setup.sh test")
    assert "lint_off" not in verilog.read_text()
    lint = subprocess.run(["verilator", "--lint-only", "-Wall", str(verilog)],
                          capture_output=True, text=True)  # fmt: skip
    assert lint.returncode == 0 and "%Warning" not in lint.stderr, lint.stderr[-3000:]


def test_a_one_bit_threshold_result_equals_the_emulator(tmp_path):
    """A one-bit MultiThreshold adds one comparison to its lowest level: the comparison of a
    signed code is in parentheses (printed without them, Verilog compared the sum, unsigned,
    and negative codes passed every threshold)."""
    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    layer = Layer("threshold", kinds.THRESHOLD, ["x"], "y",
                  params={"scale": [0.37, -1.3, 1.0], "bias": [-0.21, 0.1, 0.4]},
                  fixed={"result": FixedType.parse("ap_ufixed<1,1,AP_TRN,AP_SAT>")})  # fmt: skip
    graph = Graph(("x",), ("y",), (layer,), {"x": (3,), "y": (3,)})
    project = write_rtl(hlsfx.configure(graph, "ap_fixed<8,3>"), tmp_path / "rtl", vectors=200)
    assert "1'd0 + ($signed(" in (project / "myproject.v").read_text()
    result = run(project, simulator="icarus")
    assert result.passed and result.mismatches == 0, result.summary()


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_the_jet_tagger_rtl_equals_the_emulator(simulator, tmp_path):
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    qm = hlsfx.configure(hlsfx.load(fixture("onnx/three_layer_keras.onnx")), "ap_fixed<16,6>")
    project = write_rtl(qm, tmp_path / "jets", vectors=60)
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    assert (result.vectors, result.latency, result.ii) == (60, 8, 1)
    if simulator == "icarus":
        _assert_lint_clean_without_pragmas(project / "myproject.v")
        text = (project / "myproject.v").read_text()
        assert "$signed(32'd" not in text and "'sd" in text  # weights print as signed literals


def test_hlsfx_cosim_on_the_command_line(tmp_path):
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=20)
    done = run_cli("cosim", str(project), "--vectors", "12")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS on icarus: 12 vectors, 0 mismatching output codes, latency 4 cycles, II 1" in (
        done.stdout
    )


@pytest.mark.parametrize("ports", ["ap_vld_elements", "axis"])
def test_vendor_port_styles_drive_the_same_testbench(ports, tmp_path):
    """Vivado HLS's io_parallel ports (an output port per element, each with _ap_vld) and
    io_stream ports (AXI-Stream of one position's channels per transfer, ap_rst_n) around the
    same core: the testbench takes the port map from interface.json alone."""
    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    qm = hlsfx.configure(
        test_hls_csim.ALL_KINDS_MODEL, **test_hls_csim.CONFIGURATIONS["round_saturate"]
    )
    project = write_rtl(qm, tmp_path / "rtl", reuse_factor=2, ports=ports, vectors=24)
    interface = json.loads((project / "interface.json").read_text())
    if ports == "axis":
        assert interface["reset"] == "ap_rst_n" and interface["reset_active"] == 0
        img = interface["inputs"][3]
        assert img["stream"] == {"data": "img_V_TDATA", "valid": "img_V_TVALID",
                                 "ready": "img_V_TREADY", "beat": 2}  # fmt: skip
    else:
        dense = interface["outputs"][0]
        assert [f["data"] for f in dense["ports"]] == [f"dense_out_{k}_V" for k in range(5)]
    result = run(project, simulator="icarus")
    assert result.passed and result.vectors == 24, result.summary()
    if shutil.which("verilator") is not None:
        lint = subprocess.run(
            ["verilator", "--lint-only", "-Wall", *interface["sources"]],
            capture_output=True, text=True, cwd=project,
        )  # fmt: skip
        assert lint.returncode == 0 and "%Warning" not in lint.stderr, lint.stderr[-3000:]


def test_reuse_trades_multipliers_for_cycles_and_the_netlist_is_bit_exact(tmp_path):
    """Yosys synth_xilinx: DSP48E1 count falls as the reuse factor grows, and the netlists
    (Yosys's Xilinx cell models flattened in) compute the emulator's codes with II = R."""
    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    dsps = []
    for r in (1, 2, 4):
        project = write_rtl(_mlp(), tmp_path / f"r{r}", reuse_factor=r, vectors=30)
        found = hlsfx.cosim.synth(project)  # the package-level API
        assert set(found.resources) >= {"LUT", "FF", "DSP", "CARRY", "BRAM", "synth"}
        assert found.resources["DSP"] == found.resources["synth"].get("DSP48E1", 0)
        dsps.append(found.resources["DSP"])
        gates = hlsfx.cosim.run(project, simulator="icarus", netlist=True)
        assert gates.passed and gates.ii == r, gates.summary()
    assert dsps[0] > dsps[1] > dsps[2] > 0, dsps
    for command, expected in (
        (["synth", str(project), "--json"], f'"DSP": {dsps[2]}'),
        (["cosim", str(project), "--netlist", "--vectors", "12"],
         "PASS on icarus_netlist: 12 vectors, 0 mismatching output codes"),
    ):  # fmt: skip
        done = run_cli(*command)
        assert done.returncode == 0 and expected in done.stdout, done.stdout[-2000:] + done.stderr


def _exact_dense(zeros: bool):
    """A Dense 12 -> 8 whose sums are exact at ap_fixed<16,6>. With ``zeros`` the outputs have
    different numbers of products, so at every R > 1 some multiplier works for two outputs;
    without, no multiplier does at R = 2 and 3."""
    rng = np.random.default_rng(1)
    weight = rng.normal(0.0, 0.5, (12, 8))
    if zeros:
        weight[::4, 1] = weight[1::5, 6] = 0.0
    layer = Layer("fc", kinds.DENSE, ["x"], "y",
                  params={"weight": weight, "bias": rng.normal(0.0, 0.5, 8)})  # fmt: skip
    return hlsfx.configure(Graph(("x",), ("y",), (layer,), {"x": (12,), "y": (8,)}),
                           "ap_fixed<16,6>")  # fmt: skip


def test_exact_sums_accumulate_per_multiplier_and_their_adders_stay_in_the_dsps(tmp_path):
    """A Dense with exact sums at R > 1: each multiplier takes R consecutive products and feeds
    one output's running sum (a multiplier crossing from one output to the next is masked into
    both), so Yosys packs the adders into the DSP48E1s. RTL and netlist equal the emulator with
    II = R; the DSP count falls; and without crossing multipliers the LUTs stay below R = 1's
    (per-phase sums had put every adder in the fabric: 3x the LUTs of R = 1 on a 16 x 16 Dense)."""
    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    found = {}
    for zeros in (True, False):
        qm = _exact_dense(zeros)
        n = int(np.count_nonzero(qm.precisions["fc"].params["weight"]))  # codes
        for r in (1, 2, 3):
            project = write_rtl(qm, tmp_path / f"{zeros}{r}", reuse_factor=r, vectors=30)
            layer = json.loads((project / "interface.json").read_text())["layers"]["fc"]
            assert (layer["products"], layer["multipliers"]) == (n, -(-n // r)), layer
            found[zeros, r] = hlsfx.cosim.synth(project).resources
            for netlist in (False, True) if zeros else (False,):
                result = hlsfx.cosim.run(project, simulator="icarus", netlist=netlist)
                assert result.passed and result.ii == r, result.summary()
    for zeros in (True, False):
        dsp = [found[zeros, r]["DSP"] for r in (1, 2, 3)]
        assert dsp[0] > dsp[1] > dsp[2] > 0, found
    lut = [found[False, r]["LUT"] for r in (1, 2, 3)]
    assert max(lut[1:]) < lut[0], found


@pytest.mark.skipif(
    not os.environ.get("HLSFX_SLOW"),
    reason="synthesizing the jet tagger takes minutes: set HLSFX_SLOW=1 (scripts/bench_rtl.py "
    "runs the same check at every reuse factor)",
)
def test_the_jet_tagger_netlist_equals_the_emulator(tmp_path):
    from hlsfx.cosim.simulate import run

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    qm = hlsfx.configure(hlsfx.load(fixture("onnx/three_layer_keras.onnx")), "ap_fixed<16,6>")
    project = write_rtl(qm, tmp_path / "jets", reuse_factor=8, vectors=40)
    result = run(project, simulator="icarus", netlist=True)
    assert result.passed and (result.vectors, result.ii) == (40, 8), result.summary()
