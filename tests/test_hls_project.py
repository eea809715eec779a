"""The HLS project writer: layout, determinism, exact constants, untrusted names, the checks it
makes before writing, the command line (csim, report, build) and the Makefile."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture, require, run_cli

import hlsfx
from hlsfx.codegen.build import build_plan
from hlsfx.codegen.cpp import literal
from hlsfx.codegen.csim import csim
from hlsfx.codegen.names import RESERVED, design_names
from hlsfx.codegen.reports import ReportError, read_report
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

JET_TAGGER = "onnx/three_layer_keras.onnx"


@pytest.fixture(scope="module")
def jet_tagger():
    return hlsfx.configure(hlsfx.load(fixture(JET_TAGGER)), "ap_fixed<16,6>")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_the_project_has_the_vendor_layout_and_is_deterministic(jet_tagger, tmp_path):
    first = _files(jet_tagger.write_hls(tmp_path / "a", backend="vivado", top="jets"))
    second = _files(jet_tagger.write_hls(tmp_path / "b", backend="vivado", top="jets"))
    assert first == second
    for name in (
        "build_prj.tcl", "Makefile", "README.md", "hlsfx_project.json", "jets_test.cpp",
        "firmware/jets.cpp", "firmware/jets.h", "firmware/defines.h", "firmware/parameters.h",
        "firmware/hls_src/hlsfx_common.h", "firmware/hls_src/hlsfx_dense.h",
        "firmware/hls_src/hlsfx_activation.h", "firmware/hls_src/hlsfx_softmax.h",
        "tb_data/inputs_raw.dat", "tb_data/expected_raw.dat",
    ):  # fmt: skip
        assert name in first, name
    assert "firmware/hls_src/hlsfx_conv.h" not in first  # only the headers the model uses
    tcl = first["build_prj.tcl"].decode()
    assert "open_project -reset jets_prj" in tcl and "set_top jets" in tcl
    assert "-flow_target" not in tcl and "-std=c++0x" in tcl  # the Vivado HLS flavour
    vitis = jet_tagger.write_hls(tmp_path / "c", backend="vitis", part="xc7z020clg400-1")
    tcl = (vitis / "build_prj.tcl").read_text()
    assert "-flow_target vivado" in tcl and "set_part {xc7z020clg400-1}" in tcl


def test_weights_are_exact_literals_of_the_raw_codes(jet_tagger, tmp_path):
    project = jet_tagger.write_hls(tmp_path / "prj")
    layer = jet_tagger.graph.layers[0]
    p = jet_tagger.precisions[layer.name]
    header = next((project / "firmware" / "weights").glob("*Dense.h")).read_text()
    body = header[header.index("_weight[") :]
    body = body[body.index("{") + 1 : body.index("}")]
    values = [Fraction(v.strip()) for v in body.split(",")]
    lsb = p.types["weight"].lsb
    assert [v / lsb for v in values] == p.params["weight"].reshape(-1).tolist()


def test_constants_wider_than_a_double_are_exact_hexadecimal_strings():
    t = hlsfx.FixedType.parse("ap_fixed<100,30>")
    assert literal(-(1 << 70) - (1 << 69) - 1, t) == '"-0x1.800000000000000004"'
    assert literal(5, hlsfx.FixedType.parse("ap_fixed<80,90>")) == '"0x1400"'
    assert literal(-3, hlsfx.FixedType.parse("ap_fixed<53,51>")) == "-0.75"  # a double


def test_hostile_names_become_safe_identifiers_inside_the_folder(tmp_path, ap_types_dir, gxx):
    names = ['fc "1"', "../../etc/passwd", "a;rm -rf /", "line\nbreak", "class", "module",
             "déjà vu", "int", "fc 1"]  # fmt: skip
    rng = np.random.default_rng(0)
    layers, tensor = [], "in put"
    for k, name in enumerate(names):
        kind = kinds.DENSE if k % 2 == 0 else kinds.RELU
        params = {"weight": rng.normal(0, 0.5, (4, 4)), "bias": rng.normal(0, 0.5, 4)}
        layers.append(Layer(name, kind, [tensor], f"t{k}/..", params=params if k % 2 == 0 else {}))
        tensor = f"t{k}/.."
    shapes = {"in put": (4,), **{layer.output: (4,) for layer in layers}}
    graph = Graph(("in put",), (tensor,), tuple(layers), shapes)
    qm = hlsfx.configure(graph, "ap_fixed<12,4,AP_RND,AP_SAT>")
    project = qm.write_hls(tmp_path / "out", vectors=20)
    written = [p.resolve() for p in tmp_path.rglob("*")]
    assert all(str(p).startswith(str((tmp_path / "out").resolve())) for p in written)
    mapping = design_names("myproject", [], names).layers
    for ident in mapping.values():
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", ident) and ident.lower() not in RESERVED
    assert len({i.lower() for i in mapping.values()}) == len(names)
    assert csim(project, ap_types=ap_types_dir).passed


def test_reuse_factors_are_checked_with_the_valid_ones_listed(jet_tagger, tmp_path):
    first = jet_tagger.graph.layers[0].name
    with pytest.raises(ValueError, match=r"reuse factor 5 does not divide its 1024 .*\[1, 2, 4,"):
        jet_tagger.write_hls(tmp_path / "a", layers={first: {"reuse_factor": 5}})
    with pytest.raises(ValueError, match=r"ReLU.* has no multiplications to share"):
        jet_tagger.write_hls(tmp_path / "b", layers={"Relu": {"reuse_factor": 2}})
    with pytest.raises(ValueError, match="strategy 'fast' is not one of latency, resource"):
        jet_tagger.write_hls(tmp_path / "c", strategy="fast")
    with pytest.raises(ValueError, match="no layer 'fc9'"):
        jet_tagger.write_hls(tmp_path / "d", layers={"fc9": {"reuse_factor": 2}})
    with pytest.raises(ValueError, match="top 'my top' is not an identifier"):
        jet_tagger.write_hls(tmp_path / "e", top="my top")


def test_a_model_too_large_for_io_parallel_is_refused_before_anything_slow(tmp_path):
    qm = hlsfx.configure(
        hlsfx.load(fixture("onnx/separable_conv_model_ch_last.onnx")), "ap_fixed<16,6>"
    )
    with pytest.raises(ValueError, match=r"holds 786,432 values; an io_parallel design"):
        qm.write_hls(tmp_path / "big")
    assert not (tmp_path / "big").exists()


def _cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return run_cli(*args, cwd=cwd)


def test_hlsfx_csim_prints_pass_on_a_fresh_jet_tagger_project(
    jet_tagger, tmp_path, ap_types_dir, gxx
):
    project = jet_tagger.write_hls(tmp_path / "prj")
    done = _cli("csim", str(project), "--ap-types", str(ap_types_dir))
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("PASS: 100 samples, 0 mismatching output codes")


def test_csim_reports_every_mismatch_with_raw_values(jet_tagger, tmp_path, ap_types_dir, gxx):
    project = jet_tagger.write_hls(tmp_path / "prj", vectors=10)
    expected = project / "tb_data" / "expected_raw.dat"
    rows = [line.split() for line in expected.read_text().splitlines()]
    rows[3][2] = str(int(rows[3][2]) + 1)  # one code the C++ cannot have computed
    expected.write_text("".join(" ".join(r) + "\n" for r in rows))
    result = csim(project, ap_types=ap_types_dir)
    assert not result.passed and result.mismatches == 1
    (m,) = result.first
    assert (m.sample, m.index, m.expected, m.got) == (3, 2, int(rows[3][2]), int(rows[3][2]) - 1)
    assert "MISMATCH sample 3" in result.log and "FAIL" in result.log


def test_the_makefile_runs_the_c_simulation(jet_tagger, tmp_path, ap_types_dir, gxx):
    require(shutil.which("make") is not None, "make", "install it with 'apt-get install make'")
    project = jet_tagger.write_hls(tmp_path / "prj", vectors=5)
    done = subprocess.run(
        ["make", "csim", f"AP_TYPES={ap_types_dir}"], cwd=project, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "PASS: 5 samples, 0 mismatches" in done.stdout


def test_build_without_a_vendor_tool_says_so_and_what_it_would_run(jet_tagger, tmp_path):
    project = jet_tagger.write_hls(tmp_path / "prj", backend="vivado")
    plan = build_plan(project, csim=True, synth=True, cosim=True)
    assert plan.command == (
        "vivado_hls", "-f", "build_prj.tcl", "-tclargs", "csim=1", "synth=1", "cosim=1", "export=0"
    )  # fmt: skip
    done = run_cli("build", str(project), "--csim", "--synth", "--cosim",
                   env={"PATH": "/usr/bin:/bin"})  # fmt: skip
    assert done.returncode == 3
    assert "vivado_hls is not installed here" in done.stderr
    assert "vivado_hls -f build_prj.tcl -tclargs csim=1 synth=1 cosim=1 export=0" in done.stderr


VIVADO_CSYNTH = """<?xml version="1.0" encoding="UTF-8"?>
<profile>
  <ReportVersion><Version>2020.1</Version></ReportVersion>
  <UserAssignments>
    <unit>ns</unit><ProductFamily>virtexuplus</ProductFamily>
    <Part>xcvu13p-flga2577-2-e</Part><TopModelName>myproject</TopModelName>
    <TargetClockPeriod>5.00</TargetClockPeriod><ClockUncertainty>0.62</ClockUncertainty>
  </UserAssignments>
  <PerformanceEstimates>
    <SummaryOfTimingAnalysis><unit>ns</unit>
      <EstimatedClockPeriod>4.293</EstimatedClockPeriod></SummaryOfTimingAnalysis>
    <SummaryOfOverallLatency><unit>clock cycles</unit>
      <Best-caseLatency>9</Best-caseLatency><Average-caseLatency>9</Average-caseLatency>
      <Worst-caseLatency>11</Worst-caseLatency><Interval-min>1</Interval-min>
      <Interval-max>1</Interval-max></SummaryOfOverallLatency>
  </PerformanceEstimates>
  <AreaEstimates>
    <Resources><BRAM_18K>0</BRAM_18K><DSP48E>2968</DSP48E><FF>21374</FF><LUT>69211</LUT>
      <URAM>0</URAM></Resources>
    <AvailableResources><BRAM_18K>5376</BRAM_18K><DSP48E>12288</DSP48E><FF>3456000</FF>
      <LUT>1728000</LUT><URAM>1280</URAM></AvailableResources>
  </AreaEstimates>
</profile>
"""
VITIS_CSYNTH = (
    VIVADO_CSYNTH.replace("DSP48E", "DSP")
    .replace("<Worst-caseLatency>11", "<Worst-caseLatency>undef")
    .replace("2020.1", "2023.2")
)
COSIM = """
================================================================
== Vivado HLS C/RTL Co-Simulation Report
================================================================
+------+--------+-----+-----+-----+-----+-----+-----+
| RTL  | Status |     Latency     |      Interval     |
|      |        | min | avg | max | min | avg | max |
+------+--------+-----+-----+-----+-----+-----+-----+
|  VHDL|      NA|   NA|   NA|   NA|   NA|   NA|   NA|
|Verilog|    Pass|    9|    9|   10|    1|    1|    1|
+------+--------+-----+-----+-----+-----+-----+-----+
"""


def _reports(root: Path, csynth: str, cosim: str | None) -> Path:
    root.mkdir(parents=True)
    (root / "hlsfx_project.json").write_text(json.dumps({"top": "myproject"}))
    solution = root / "myproject_prj" / "solution1"
    (solution / "syn" / "report").mkdir(parents=True)
    (solution / "syn" / "report" / "csynth.xml").write_text(csynth)
    if cosim is not None:
        (solution / "sim" / "report").mkdir(parents=True)
        (solution / "sim" / "report" / "myproject_cosim.rpt").write_text(cosim)
    return root


def test_vivado_and_vitis_reports_are_read(tmp_path):
    vivado = read_report(_reports(tmp_path / "vivado", VIVADO_CSYNTH, COSIM))
    assert (vivado.top, vivado.part) == ("myproject", "xcvu13p-flga2577-2-e")
    assert (vivado.latency_min, vivado.latency_max, vivado.interval_min) == (9, 11, 1)
    assert vivado.resources == {"BRAM_18K": 0, "DSP": 2968, "FF": 21374, "LUT": 69211, "URAM": 0}
    assert vivado.available["DSP"] == 12288 and vivado.estimated_clock_ns == 4.293
    verilog = next(c for c in vivado.cosim if c.language == "Verilog")
    assert verilog.status == "Pass" and verilog.latency == (9, 9, 10)
    assert next(c for c in vivado.cosim if c.language == "VHDL").latency == (None, None, None)
    assert "DSP" in vivado.table() and "24.2 %" in vivado.table()

    vitis = read_report(_reports(tmp_path / "vitis", VITIS_CSYNTH, None))
    assert vitis.resources["DSP"] == 2968 and vitis.latency_max is None and vitis.cosim == ()
    done = _cli("report", str(tmp_path / "vitis"), "--json")
    assert done.returncode == 0 and json.loads(done.stdout)["latency_cycles"] == [9, None]


def test_a_missing_or_broken_report_is_one_clear_error(tmp_path):
    with pytest.raises(ReportError, match="no C synthesis report under"):
        read_report(tmp_path)
    broken = _reports(tmp_path / "broken", "<profile><oops", None)
    with pytest.raises(ReportError, match="not a csynth XML report"):
        read_report(broken)
    done = _cli("report", str(tmp_path))
    assert done.returncode == 2 and "run the synthesis first" in done.stderr
