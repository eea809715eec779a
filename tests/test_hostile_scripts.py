"""Every script hlsfx writes or runs (the Yosys scripts of port reading and synthesis, the HLS
project's Tcl and Makefile, the simulators' build files) holds only names hlsfx checked or
generated: a hostile file or folder name is refused by name or works, and never runs a command
(cosim/vendor.py, cosim/engine.py, cosim/yosys.py, codegen/hls_skeletons.py)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import require
from test_hostile_folders import _model

import hlsfx

pytestmark = pytest.mark.rtl

HOSTILE = ["new\nline", "bang!x", "semi;colon", "q'uote", 'd"quote', "sp ace", "dol$lar",
           "back`tick`", "$(touch PWNED)"]  # fmt: skip
"""the characters a shell, make, Tcl or Yosys reads as syntax, one per name"""

VENDOR = """`include "widths.vh"
(* CORE_GENERATION_INFO = "myproject,hls_ip_2019_2,{HLS_SYN_LAT=1,HLS_SYN_TPT=1}" *)
module myproject (ap_clk, ap_rst, ap_start, ap_done, ap_idle, ap_ready, x_V, y_V, y_V_ap_vld);
input ap_clk, ap_rst, ap_start;
output ap_done, ap_idle, ap_ready, y_V_ap_vld;
input [`W-1:0] x_V;
output reg [`W-1:0] y_V;
reg done;
always @(posedge ap_clk) begin
    done <= ap_rst ? 1'b0 : ap_start;
    y_V <= x_V + `W'd1;
end
assign ap_done = done, y_V_ap_vld = done, ap_idle = ~done, ap_ready = ap_start;
endmodule
"""
"""a vendor-style top (ap_ctrl_hs, one ap_vld output) whose width comes from a local include"""


def _tools(*names: str) -> None:
    for name in names:
        require(shutil.which(name) is not None, name, "run scripts/setup.sh test")


def _vendor(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "myproject.v").write_text(VENDOR)
    (folder / "widths.vh").write_text("`define W 8\n")
    return folder


def _no_command_ran(*roots: Path) -> None:
    for root in roots:
        assert not list(root.rglob("PWNED*")), f"a hostile name ran a command under {root}"


@pytest.mark.parametrize("name", [f"{h}.v" for h in HOSTILE] + ["a.v\n!touch PWNED\nb.v"])
def test_a_hostile_verilog_file_name_is_refused_by_name_before_yosys_reads_it(
    name, tmp_path, monkeypatch
):
    from hlsfx.cosim import infer_interface
    from hlsfx.cosim.engine import CosimError

    _tools("yosys")
    monkeypatch.chdir(tmp_path)
    rtl = _vendor(tmp_path / "rtl")
    (rtl / name).write_text("module other(input a); endmodule\n")
    with pytest.raises(CosimError, match=r"the file name .* is not letters, digits") as error:
        infer_interface(rtl)
    assert repr(name) in str(error.value)
    _no_command_ran(tmp_path)


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_vendor_rtl_in_a_hostile_folder_with_a_local_include_runs(simulator, tmp_path, monkeypatch):
    from hlsfx.cosim import run_vendor

    _tools("yosys", "iverilog")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HLSFX_CACHE", str(tmp_path / "cache"))
    rtl = _vendor(tmp_path / "".join(HOSTILE).replace("/", "_") / "rtl")
    inputs = np.array([[0], [1], [100], [254], [255]])
    types = {"input_type": "ap_uint<8>", "output_type": "ap_uint<8>", "simulator": simulator}
    result = run_vendor(rtl, inputs=inputs, expected=(inputs + 1) % 256, **types)
    assert result.passed and result.vectors == 5, result.summary()
    wrong = run_vendor(rtl, inputs=inputs, expected=inputs, **types)
    assert not wrong.passed and wrong.mismatches == 5
    _no_command_ran(tmp_path)


def test_written_rtl_in_a_hostile_folder_synthesizes_and_cosimulates(tmp_path, monkeypatch):
    _tools("yosys", "iverilog")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HLSFX_CACHE", str(tmp_path / "cache"))
    folder = tmp_path / "".join(HOSTILE).replace("/", "_")
    rtl = _model().write_rtl(folder / "rtl", vectors=8)
    assert hlsfx.cosim.synth(rtl).resources["LUT"] > 0
    for simulator in ("icarus", "verilator"):
        assert hlsfx.cosim.run(rtl, simulator=simulator).passed, simulator
    assert hlsfx.cosim.run(rtl, netlist=True).passed
    _no_command_ran(tmp_path)


def test_an_hls_project_in_a_hostile_folder_builds_with_its_makefile(
    tmp_path, monkeypatch, ap_types_dir, gxx
):
    from hlsfx.codegen.csim import csim

    _tools("make")
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "".join(HOSTILE).replace("/", "_")
    project = _model().write_hls(folder / "prj", vectors=8)
    assert csim(project, ap_types=ap_types_dir).passed
    headers = folder / "ap types"
    shutil.copytree(ap_types_dir, headers)
    done = subprocess.run(["make", "csim", f"AP_TYPES={headers}"], cwd=project,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "PASS" in done.stdout, done.stdout + done.stderr
    tcl = (project / "build_prj.tcl").read_text()
    assert str(folder) not in tcl and "$(" not in tcl  # the Tcl names only the project's files
    _no_command_ran(tmp_path)
