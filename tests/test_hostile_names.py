"""Hostile names: whatever a model calls its inputs and layers, and whatever top a user asks
for, the generated C++ compiles, the Verilog parses and lints clean, and every name is refused
or given one owner (codegen/names.py)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest
from conftest import require
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlsfx
from hlsfx.codegen.hls_project import CXXFLAGS
from hlsfx.codegen.names import RESERVED, NameTable, design_names
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

SUFFIXES = ["_out", "_out_t", "_config", "_t", "_reg", "_next", "_x0", "_k1", "_p0", "_acc0",
            "_phase", "_rom", "_d1", "_V", "_ap_vld", "_0_V", "_core", "_weight", "_1"]  # fmt: skip
DANGEROUS = [
    "", " ", "_", "__x", "a__b", "x_", "9lives", "../../etc/passwd", "a;b", 'q"uote', "new\nline",
    "déjà vu", "ünïcødé", "ap", "ap_idle", "ap_ready", "ap_clk", "ap_rst_n", "valid", "accept",
    "char16", "int8", "div", "stdin", "EOF", "sample", "argv", "module", "class", "logic",
    "interface", "DEFINES_H", "myproject", "myproject_core", "in", "fc1", "fc1_out", "dense",
    "dense_1", "Dense", "x",
]  # fmt: skip


def _graph(input_names: list[str], layer_names: list[str]) -> Graph:
    """Two inputs, two Dense, an Add, a ReLU, a Dense and a Sigmoid (a ROM), named as given."""
    a, b = input_names
    d1, d2, add, relu, d3, sig = layer_names
    rng = np.random.default_rng(0)

    def dense(name, x, y, n_in, n_out):
        params = {"weight": rng.normal(0, 0.5, (n_in, n_out)), "bias": rng.normal(0, 0.5, n_out)}
        return Layer(name, kinds.DENSE, [x], y, params=params)

    layers = (
        dense(d1, a, "t1", 3, 4), dense(d2, b, "t2", 2, 4),
        Layer(add, kinds.ADD, ["t1", "t2"], "t3"),
        Layer(relu, kinds.RELU, ["t3"], "t4"), dense(d3, "t4", "t5", 4, 2),
        Layer(sig, kinds.SIGMOID, ["t5"], "t6"),
    )  # fmt: skip
    shapes = {a: (3,), b: (2,), "t1": (4,), "t2": (4,), "t3": (4,), "t4": (4,), "t5": (2,),
              "t6": (2,)}  # fmt: skip
    return Graph((a, b), ("t6", "t4"), layers, shapes)


def _compile_all(qm, folder, top: str, ports: str, ap_types) -> None:
    hls = qm.write_hls(folder / "hls", top=top, vectors=4)
    done = subprocess.run(
        ["g++", "-fsyntax-only", "-Werror", *CXXFLAGS, "-isystem", str(ap_types),
         "-I", str(hls / "firmware"), str(hls / f"{top}_test.cpp"),
         str(hls / "firmware" / f"{top}.cpp")],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    rtl = qm.write_rtl(folder / "rtl", top=top, ports=ports, vectors=4)
    sources = [str(rtl / f) for f in sorted(p.name for p in rtl.glob("*.v"))]
    done = subprocess.run(["iverilog", "-g2005", "-o", "/dev/null", "-s", top, *sources],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    done = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", top, *sources],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def compilers(ap_types_dir, gxx):
    for tool in ("iverilog", "verilator"):
        require(shutil.which(tool) is not None, tool, "run scripts/setup.sh test")
    return ap_types_dir


_names = st.one_of(
    st.sampled_from(DANGEROUS),
    st.sampled_from(sorted(RESERVED)),
    st.text(max_size=12),
    st.tuples(st.sampled_from(DANGEROUS), st.sampled_from(SUFFIXES)).map("".join),
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(_names, min_size=8, max_size=8, unique=True),
    top=st.sampled_from(["myproject", "jets", "Top1", "ap_foo", "nn_core"]),
    ports=st.sampled_from(["ap_vld", "ap_vld_elements", "axis"]),
)
def test_random_hostile_names_give_code_that_compiles_and_lints(
    names, top, ports, compilers, tmp_path_factory
):
    folder = tmp_path_factory.mktemp("names")
    qm = hlsfx.configure(_graph(names[:2], names[2:]), "ap_fixed<10,4,AP_RND,AP_SAT>")
    _compile_all(qm, folder, top, ports, compilers)


def test_names_that_look_derived_compile_and_lint(compilers, tmp_path):
    """The defect: an input named like another name's derived wire or type."""
    graph = _graph(["fc1_out", "ap_idle"], ["fc1", "fc1_config", "fc1_out_t", "fc1_reg",
                                            "fc1_x0", "ap_ready"])  # fmt: skip
    qm = hlsfx.configure(graph, "ap_fixed<10,4,AP_RND,AP_SAT>")
    for ports in ("ap_vld", "axis"):
        _compile_all(qm, tmp_path / ports, "myproject", ports, compilers)


def test_every_base_has_one_owner_and_renames_are_deterministic():
    layers = ["fc1", "dense", "dense_1", "Dense", "module", "x_reg", "top_core"]
    names = design_names("top", ["fc1_out", "x", "ap"], layers)
    assert names.inputs == {"fc1_out": "fc1_out", "x": "x", "ap": "ap_2"}
    assert names.layers == {
        "fc1": "fc1_2", "dense": "dense", "dense_1": "dense_1", "Dense": "Dense_2",
        "module": "module_2", "x_reg": "x_2_reg", "top_core": "top_2_core",
    }  # fmt: skip
    table = NameTable()
    assert table.claim("layer 'a'", "a") == "a" and table.owner("A") == "layer 'a'"
    with pytest.raises(ValueError, match=r"top 'a_b' clashes with layer 'a'"):
        table.claim_exact("top", "a_b")


@pytest.mark.parametrize(
    "top", ["", "my top", "module", "../../x", "/abs/path", "x_", "a__b", "9x", "ap_clk",
            "char16", "wire x; initial $finish; //", 7, None, "é"],
)  # fmt: skip
def test_a_top_that_is_not_a_plain_identifier_is_refused_by_every_writer(top, tmp_path):
    qm = hlsfx.configure(_graph(["a", "b"], ["l1", "l2", "l3", "l4", "l5", "l6"]), "ap_fixed<8,3>")
    for write in (qm.write_hls, qm.write_rtl):
        with pytest.raises(ValueError, match="top"):
            write(tmp_path / "out", top=top, vectors=2)
    with pytest.raises(ValueError, match="top"):
        qm.write_rtl(tmp_path / "out", top=top, ports="axis", vectors=2)
    assert not (tmp_path / "out").exists()  # refused before anything is written
