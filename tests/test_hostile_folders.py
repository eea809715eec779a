"""Writers own their folders, generated scripts work in folders with spaces, and co-simulation
cannot report a stale or X result (codegen/output_folder.py, cosim/interface.py)."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from conftest import require

import hlsfx
from hlsfx.codegen.output_folder import FILE_LIST, FolderError
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer


def _model(name: str = "fc1", n_out: int = 3):
    rng = np.random.default_rng(1)
    params = {"weight": rng.normal(0, 0.5, (4, n_out)), "bias": rng.normal(0, 0.5, n_out)}
    layers = (Layer(name, kinds.DENSE, ["x"], "h", params=params),
              Layer("act", kinds.RELU, ["h"], "y"))  # fmt: skip
    graph = Graph(("x",), ("y",), layers, {"x": (4,), "h": (n_out,), "y": (n_out,)})
    return hlsfx.configure(graph, "ap_fixed<10,4,AP_RND,AP_SAT>")


def _tree(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("writer", ["write_hls", "write_rtl"])
def test_a_folder_the_writer_did_not_write_is_refused_and_left_as_it_was(writer, tmp_path):
    folder = tmp_path / "prj"
    (folder / "firmware" / "weights").mkdir(parents=True)
    (folder / "firmware" / "weights" / "mine.h").write_text("// a user's header\n")
    before = _tree(folder)
    with pytest.raises(FolderError, match="holds files hlsfx did not write"):
        getattr(_model(), writer)(folder, vectors=4)
    assert _tree(folder) == before
    for empty in ("", " ", None):
        with pytest.raises(FolderError, match="is not a path"):
            getattr(_model(), writer)(empty, vectors=4)


def test_a_rewrite_replaces_only_listed_files_and_keeps_the_users(tmp_path):
    folder = _model("fc1").write_hls(tmp_path / "prj", vectors=4)
    assert (folder / "firmware" / "weights" / "fc1.h").is_file()
    listed = json.loads((folder / FILE_LIST).read_text())
    assert listed["writer"] == "hls_project" and "firmware/weights/fc1.h" in listed["files"]
    (folder / "firmware" / "weights" / "mine.h").write_text("// mine\n")
    (folder / "notes.txt").write_text("mine too\n")
    _model("dense_a").write_hls(folder, vectors=4)  # another layer name: fc1.h is stale
    assert not (folder / "firmware" / "weights" / "fc1.h").exists()
    assert (folder / "firmware" / "weights" / "dense_a.h").is_file()
    assert (folder / "firmware" / "weights" / "mine.h").read_text() == "// mine\n"
    assert (folder / "notes.txt").read_text() == "mine too\n"
    # a file of the user's where the writer would write is not overwritten
    (folder / "firmware" / "weights" / "dense_a.h").unlink()
    (folder / "firmware" / "weights" / "fc2.h").write_text("// mine\n")
    with pytest.raises(FolderError, match=r"fc2\.h is not a file hlsfx wrote here"):
        _model("fc2").write_hls(folder, vectors=4)
    assert (folder / "firmware" / "weights" / "fc2.h").read_text() == "// mine\n"
    with pytest.raises(FolderError, match="written by hlsfx's hls_project writer"):
        _model().write_rtl(folder, vectors=4)


@pytest.mark.parametrize("writer", ["write_hls", "write_rtl"])
def test_symbolic_links_inside_the_folder_are_never_followed(writer, tmp_path):
    folder = getattr(_model(), writer)(tmp_path / "out", vectors=4)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.h").write_text("// outside\n")
    victim = folder / "tb_data"
    shutil.rmtree(victim)
    victim.symlink_to(outside, target_is_directory=True)
    with pytest.raises(FolderError, match="symbolic link"):
        getattr(_model(), writer)(folder, vectors=4)
    assert _tree(outside) == {"keep.h": b"// outside\n"}
    (folder / FILE_LIST).unlink()
    (folder / FILE_LIST).symlink_to(outside / "keep.h")
    with pytest.raises(FolderError, match="symbolic link"):
        getattr(_model(), writer)(folder, vectors=4)
    assert _tree(outside) == {"keep.h": b"// outside\n"}


def test_bad_text_arguments_are_refused_before_anything_is_written(tmp_path):
    qm = _model()
    bad = [
        {"part": "xc7; exec rm -rf /"}, {"part": "a b"}, {"backend": "vivado\n"},
        {"clock_period": float("inf")}, {"clock_period": float("nan")}, {"clock_period": 0},
        {"clock_period": "5"}, {"clock_period": True}, {"vectors": 0}, {"vectors": 10**9},
        {"vectors": {"x": np.zeros((2, 4))}}, {"vectors": {"x": np.full((2, 4), 10**6)}},
        {"vectors": {"nope": np.zeros((2, 4), int)}}, {"vectors": 2.5},
    ]  # fmt: skip
    for options in bad:
        with pytest.raises(ValueError):
            qm.write_hls(tmp_path / "out", **options)
        assert not (tmp_path / "out").exists(), options
    for options in bad[8:]:
        with pytest.raises(ValueError):
            qm.write_rtl(tmp_path / "out", **options)
        assert not (tmp_path / "out").exists(), options


def test_a_huge_tensor_is_refused_by_the_rtl_writer_before_anything_slow(tmp_path):
    graph = Graph(("x",), ("y",), (Layer("act", kinds.RELU, ["x"], "y"),),
                  {"x": (10_000, 10_000), "y": (10_000, 10_000)})  # fmt: skip
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    for write in (qm.write_rtl, qm.write_hls):
        with pytest.raises(ValueError, match="holds 100,000,000 values"):
            write(tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_generated_scripts_work_in_folders_with_spaces(tmp_path, ap_types_dir, gxx):
    from hlsfx.codegen.csim import csim

    require(shutil.which("make") is not None, "make", "install it with 'apt-get install make'")
    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    qm = _model()
    spaced = tmp_path / "a folder; with 'quotes'"
    project = qm.write_hls(spaced / "hls prj", vectors=8)
    assert csim(project, ap_types=ap_types_dir).passed
    headers = spaced / "ap types here"
    shutil.copytree(ap_types_dir, headers)
    done = subprocess.run(["make", "csim", f"AP_TYPES={headers}"], cwd=project,
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0 and "PASS" in done.stdout, done.stdout + done.stderr
    rtl = qm.write_rtl(spaced / "rtl dir", vectors=8)
    assert hlsfx.cosim.synth(rtl).resources["LUT"] > 0
    _icarus()
    assert hlsfx.cosim.run(rtl).passed


def _icarus():
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")


def test_a_crashed_rerun_never_reports_an_earlier_pass(tmp_path):
    from hlsfx.cosim.simulate import CosimError, run

    _icarus()
    rtl = _model().write_rtl(tmp_path / "rtl", vectors=8)
    assert run(rtl).passed
    assert json.loads((rtl / "cosim_icarus.json").read_text())["passed"]
    interface = json.loads((rtl / "interface.json").read_text())
    interface["outputs"][0]["ports"][0]["valid"] = "no_such_port"  # the testbench will crash
    (rtl / "interface.json").write_text(json.dumps(interface))
    with pytest.raises(CosimError, match="stopped before the testbench wrote its result"):
        run(rtl)
    assert not (rtl / "cosim_icarus.json").exists()
    assert not (rtl / "cosim_icarus" / "result.json").exists()


def test_an_x_on_an_output_fails_and_says_so(tmp_path):
    from hlsfx.cosim.simulate import run

    _icarus()
    rtl = _model().write_rtl(tmp_path / "rtl", vectors=8)
    source = rtl / "myproject.v"
    text = source.read_text()
    text = text.replace("assign act_out_ap_vld = valid[1];", "assign act_out_ap_vld = 1'bx;")
    assert "1'bx" in text
    source.write_text(text)
    result = run(rtl)
    assert not result.passed
    assert "act_out_ap_vld at edge" in result.summary() and "is X or Z" in result.summary()


def test_a_missing_memory_file_fails_before_simulating(tmp_path):
    from hlsfx.cosim.simulate import CosimError, run

    _icarus()
    rtl = _model().write_rtl(tmp_path / "rtl", vectors=8)
    source = rtl / "myproject.v"
    rom = 'reg [7:0] rom [0:3];\ninitial $readmemh("./weights_rom.dat", rom);\nendmodule'
    source.write_text(source.read_text().replace("endmodule", rom))
    with pytest.raises(CosimError, match=r"loads the memory file '\./weights_rom\.dat'.*missing"):
        run(rtl)
    (rtl / "weights_rom.dat").write_text("01\n02\n03\n04\n")
    assert run(rtl).passed  # found, and copied where the simulator looks


@pytest.mark.parametrize(
    "change, message",
    [
        ({"top": "x; hierarchy"}, "top .* is not a Verilog identifier"),
        ({"sources": ["../../etc/passwd"]}, "is not a relative path"),
        ({"sources": ["/etc/passwd"]}, "is not a relative path"),
        ({"sources": ["missing.v"]}, "is not a file"),
        ({"clock": "ap_clk\nread_verilog /x"}, "clock .* is not a Verilog identifier"),
        ({"latency": -1}, "latency must be an integer"),
        ({"script": "rm -rf /"}, "unknown keys 'script'"),
        ({"protocol": "spi"}, "protocol 'spi' is not one of"),
        ({"tie": {"ap_ce": -1}}, "tie ap_ce: -1 is not a non-negative integer"),
    ],
)
def test_a_hostile_interface_is_refused_by_cosim_and_synth(change, message, tmp_path):
    from hlsfx.cosim.simulate import CosimError, run
    from hlsfx.cosim.yosys import SynthError, synth

    _icarus()
    rtl = _model().write_rtl(tmp_path / "rtl", vectors=4)
    interface = json.loads((rtl / "interface.json").read_text())
    (rtl / "interface.json").write_text(json.dumps({**interface, **change}))
    with pytest.raises(CosimError, match=message):
        run(rtl)
    with pytest.raises(SynthError, match=message):
        synth(rtl)


def test_cosim_and_synth_do_not_follow_a_symbolic_link_out_of_the_folder(tmp_path):
    from hlsfx.cosim.simulate import CosimError, run
    from hlsfx.cosim.yosys import SynthError, synth

    rtl = _model().write_rtl(tmp_path / "rtl", vectors=4)
    outside = tmp_path / "outside"
    outside.mkdir()
    (rtl / "cosim_icarus").symlink_to(outside, target_is_directory=True)
    (rtl / "synth_xc7").symlink_to(outside, target_is_directory=True)
    _icarus()
    with pytest.raises(CosimError, match="symbolic link"):
        run(rtl)
    with pytest.raises(SynthError, match="symbolic link"):
        synth(rtl)
    assert not any(outside.iterdir())
