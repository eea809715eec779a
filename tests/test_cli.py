"""The ``hlsfx`` command line: every command explains itself with an example, errors are one
line (the traceback with --debug), and the daily commands work on a shipped example."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from conftest import IN_CI, require, run_cli

import hlsfx
from hlsfx.cli.main import main, parser

COMMANDS = ("convert", "predict", "trace", "profile", "scan", "optimize", "csim", "rtl", "cosim",
            "synth", "report", "demo", "build")  # fmt: skip


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_cli(*args)


def test_every_command_has_help_with_an_example(capsys):
    subcommands = parser()._subparsers._group_actions[0].choices
    assert set(subcommands) == set(COMMANDS)
    for name in COMMANDS:
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        assert f"example: hlsfx {name}" in text, text


def test_a_multi_line_error_is_printed_whole_without_its_traceback(tmp_path):
    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    assert _run("convert", "jet_mlp", "--rtl", str(tmp_path / "rtl")).returncode == 0
    source = tmp_path / "rtl" / "myproject.v"
    source.write_text(source.read_text().replace("endmodule", "endmodule oops"))
    done = _run("synth", str(tmp_path / "rtl"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("hlsfx synth: yosys failed in") and "syntax error" in done.stderr
    assert len(done.stderr.strip().splitlines()) > 1  # Yosys's reason, under the first line


def test_an_error_is_one_line_and_debug_shows_the_traceback(tmp_path):
    done = _run("predict", str(tmp_path / "missing.onnx"))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"hlsfx predict: ONNX model {str(tmp_path / 'missing.onnx')!r}: no such file"
    ]
    done = _run("--debug", "predict", str(tmp_path / "missing.onnx"))
    assert done.returncode != 0 and "Traceback" in done.stderr
    done = _run("scan", "jet_mlp", "--data", str(tmp_path / "none.npz"))
    assert done.stderr.strip() == f"hlsfx scan: --data {str(tmp_path / 'none.npz')!r}: no such file"


def test_predict_trace_and_profile_on_an_example(tmp_path, capsys):
    example = hlsfx.examples.load("jet_mlp")
    np.savez(tmp_path / "data.npz", x=example.x_test[:300], y=example.y_test[:300])
    out = tmp_path / "y.npy"
    assert main(["predict", "jet_mlp", "--data", str(tmp_path / "data.npz"), "--precision",
                 "ap_fixed<10,4>", "--out", str(out)]) == 0  # fmt: skip
    qm = hlsfx.configure(example.graph, "ap_fixed<10,4>")
    expected = qm.predict(example.x_test[:300])
    assert np.array_equal(np.load(out), expected)
    accuracy = np.mean(expected.argmax(axis=1) == example.y_test[:300])
    assert f"accuracy: {accuracy:.4f}" in capsys.readouterr().out
    assert main(["trace", "digits_cnn", "--samples", "5", "--out", str(tmp_path / "t.npz")]) == 0
    with np.load(tmp_path / "t.npz") as layers:
        assert layers["conv_1"].shape == (5, 8, 8, 8)
    assert main(["profile", "jet_mlp", "--samples", "500", "--precision", "ap_fixed<8,3>",
                 "--out", str(tmp_path / "profile")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "overflows in 500 samples" in text and (tmp_path / "profile.png").is_file()


def test_scan_and_optimize_on_the_command_line(tmp_path, capsys):
    out = tmp_path / "scan" / "jets"
    assert main(["scan", "jet_mlp", "--samples", "1500", "--widths", "6:8", "--workers", "1",
                 "--quiet", "--out", str(out)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "ap_fixed<7,auto> on all layers, all roles" in text
    for name in ("jets.csv", "jets.jsonl", "jets_accuracy.png", "jets_pareto.pdf"):
        assert (tmp_path / "scan" / name).is_file(), name
    config = tmp_path / "best.yaml"
    assert main(["optimize", "jet_mlp", "--samples", "800", "--budget", "0.02", "--quiet",
                 "--out", str(config)]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "weight bits" in text and f"configuration: {config}" in text
    graph = hlsfx.examples.load("jet_mlp").graph
    assert hlsfx.configure(graph, config=config).config()["layers"]


def test_convert_writes_both_projects(tmp_path, capsys):
    assert main(["convert", "jet_mlp", "--precision", "ap_fixed<8,3>", "--hls",
                 str(tmp_path / "prj"), "--rtl", str(tmp_path / "rtl")]) == 0  # fmt: skip
    assert (tmp_path / "prj" / "firmware").is_dir()
    interface = json.loads((tmp_path / "rtl" / "interface.json").read_text())
    assert interface["latency"] == 8 and interface["ii"] == 1
    assert main(["rtl", "jet_mlp", "--out", str(tmp_path / "r4"), "--reuse", "4"]) == 0
    assert "latency" in capsys.readouterr().out


def test_convert_writes_a_streaming_hls_project(tmp_path, capsys):
    prj = tmp_path / "prj"
    assert main(["convert", "jet_mlp", "--precision", "ap_fixed<8,3>", "--hls", str(prj),
                 "--io", "stream"]) == 0  # fmt: skip
    assert "HLS project (stream)" in capsys.readouterr().out
    assert json.loads((prj / "hlsfx_project.json").read_text())["io_type"] == "io_stream"
    assert "#pragma HLS DATAFLOW" in (prj / "firmware" / "myproject.cpp").read_text()
    assert main(["convert", "jet_mlp", "--precision", "ap_fixed<8,3>", "--rtl",
                 str(tmp_path / "rtl"), "--io", "stream"]) == 0  # fmt: skip
    assert "Verilog RTL (stream)" in capsys.readouterr().out
    assert json.loads((tmp_path / "rtl" / "interface.json").read_text())["protocol"] == "axis"


def test_rtl_writes_streaming_rtl_and_refuses_parallel_port_styles(tmp_path, capsys):
    out = tmp_path / "rtl"
    assert main(["rtl", "jet_mlp", "--precision", "ap_fixed<8,3>", "--out", str(out),
                 "--io", "stream", "--reuse", "4"]) == 0  # fmt: skip
    assert "9 FIFOs" in capsys.readouterr().out  # the input's, and one per layer
    interface = json.loads((out / "interface.json").read_text())
    assert interface["inputs"][0]["stream"]["data"] == "input_2_V_TDATA"  # "input" is taken
    assert {x["reuse_factor"] for x in interface["layers"].values()} == {4}
    assert main(["rtl", "jet_mlp", "--out", str(tmp_path / "x"), "--io", "stream", "--ports",
                 "axis"]) == 2  # fmt: skip
    assert "--ports is for io_parallel" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_the_demo_streams_the_cnn_through_csim_and_verilator(tmp_path):
    """``hlsfx demo --example svhn_like_cnn``: the 32x32x3 CNN scanned, written as io_stream
    HLS C++ and RTL with its multipliers shared over 4 cycles, C-simulated and co-simulated
    on Verilator with random gaps and stalls."""
    require(bool(shutil.which("g++")) and bool(shutil.which("verilator")), "g++ and verilator",
            "run scripts/setup.sh test")  # fmt: skip
    done = _run("demo", "--quick", "--example", "svhn_like_cnn", "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "(io_stream, reuse factor 4)" in out and "random gaps and stalls" in out
    assert "PASS: 10 samples" in out and "PASS on verilator: 4 vectors" in out, out[-2000:]
    manifest = json.loads((tmp_path / "d" / "hls_project" / "hlsfx_project.json").read_text())
    assert manifest["io_type"] == "io_stream"


def test_the_demo_runs_the_whole_flow_offline(tmp_path):
    done = _run("demo", "--quick", "--out", str(tmp_path / "demo"))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout
    assert "== chosen: ap_fixed<" in out and "everything is in" in out
    for name in ("accuracy_vs_width.png", "accuracy_vs_resources.pdf", "profile.png",
                 "chosen.yaml", "scan.csv", "hls_project", "rtl"):  # fmt: skip
        assert (tmp_path / "demo" / name).exists(), name
    tools = shutil.which("g++") and shutil.which("iverilog")
    if IN_CI or tools:
        assert "PASS: 100 samples, 0 mismatching output codes" in out
        assert "PASS on icarus: 50 vectors, 0 mismatching output codes" in out
    else:
        assert "skipped: needs" in out


def test_scan_fits_luts_to_yosys_on_the_command_line(tmp_path, capsys):
    from conftest import require
    from onnx import TensorProto, helper, numpy_helper, save

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    rng = np.random.default_rng(5)
    weights = [numpy_helper.from_array(rng.normal(0, 0.5, (6, 3)).astype(np.float32), "w"),
               numpy_helper.from_array(rng.normal(0, 0.5, 3).astype(np.float32), "b")]  # fmt: skip
    graph = helper.make_graph(
        [helper.make_node("Gemm", ["x", "w", "b"], ["y"], name="fc")], "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 6])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", 3])], weights,
    )  # fmt: skip
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    save(model, tmp_path / "tiny.onnx")
    x = rng.normal(0, 1, (200, 6)).astype(np.float32)
    np.savez(tmp_path / "data.npz", x=x, y=rng.integers(0, 3, 200))
    assert main(["scan", str(tmp_path / "tiny.onnx"), "--data", str(tmp_path / "data.npz"),
                 "--widths", "4:7", "--workers", "1", "--quiet", "--fit-luts", "2",
                 "--out", str(tmp_path / "scan")]) == 0  # fmt: skip
    text = capsys.readouterr().out
    assert "LUTs (fit)" in text and "LUTs ~ " in text and "2 points; largest error" in text
    # the distributed strategy's cost: adder bits, fitted to its own RTL; a scan file of the
    # multipliers' estimate is not resumed as this one
    args = ["scan", str(tmp_path / "tiny.onnx"), "--data", str(tmp_path / "data.npz"), "--widths",
            "4:7", "--workers", "1", "--quiet", "--strategy", "distributed"]  # fmt: skip
    assert main([*args, "--out", str(tmp_path / "scan")]) != 0
    assert "another model, base configuration, data set or strategy" in capsys.readouterr().err
    assert main([*args, "--fit-luts", "2", "--out", str(tmp_path / "adders")]) == 0
    text = capsys.readouterr().out
    assert "adder bits" in text and "x adder bits" in text and "distributed strategy" in text
    rows = (tmp_path / "adders.csv").read_text().splitlines()
    assert "adder_bits" in rows[0] and len(rows) == 5
