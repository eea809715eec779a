"""The RTL writer (the kinds it covers so far) simulated with cocotb on Icarus and Verilator:
every output code equals the emulator's, latency is one cycle per layer and II is 1."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pytest
from conftest import fixture, require

import hlsfx
from hlsfx import kinds
from hlsfx.codegen.rtl import write_rtl
from hlsfx.graph import Graph, Layer

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
    from hlsfx.cosim.run import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=80)
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    assert (result.vectors, result.latency, result.ii) == (80, 4, 1)
    report = json.loads((project / f"cosim_{simulator}.json").read_text())
    assert report["passed"] and report["latency"] == 4


def test_a_wrong_code_names_the_vector_the_index_and_both_values(tmp_path):
    from hlsfx.cosim.run import run

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


def test_kinds_without_an_rtl_writer_are_refused_by_name(tmp_path):
    attrs = {"kernel": [2], "strides": [2], "pads": [0, 0], "dilations": [1]}
    layer = Layer("pool", kinds.MAX_POOL1D, ["x"], "y", attrs=attrs)
    graph = Graph(("x",), ("y",), (layer,), {"x": (4, 3), "y": (2, 3)})
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    with pytest.raises(ValueError, match=r"layer 'pool' \(MaxPooling1D\): no RTL writer for Max"):
        write_rtl(qm, tmp_path / "rtl")


ONE_LAYER = {
    "LeakyReLU": lambda: Layer("l", kinds.LEAKY_RELU, ["x"], "y", params={"alpha": [0.3]}),
    "PReLU": lambda: Layer("l", kinds.PRELU, ["x"], "y", params={"alpha": [0.25, -0.5, 1.5]}),
    "Clip": lambda: Layer("l", kinds.CLIP, ["x"], "y", attrs={"min": -1.3, "max": 2.2}),
    "Binarize": lambda: Layer("l", kinds.BINARIZE, ["x"], "y", attrs={"scale": 0.5}),
    "Reshape": lambda: Layer("l", kinds.RESHAPE, ["x"], "y", attrs={"shape": [6]}),
    "HardSigmoid": lambda: Layer(
        "l", kinds.HARD_SIGMOID, ["x"], "y", params={"alpha": [0.2], "beta": [0.5]}
    ),
    "Sigmoid": lambda: Layer("l", kinds.SIGMOID, ["x"], "y"),
    "Tanh": lambda: Layer("l", kinds.TANH, ["x"], "y"),
    "Softplus": lambda: Layer("l", kinds.SOFTPLUS, ["x"], "y"),
    "Softsign": lambda: Layer("l", kinds.SOFTSIGN, ["x"], "y"),
    "ELU": lambda: Layer("l", kinds.ELU, ["x"], "y", attrs={"alpha": 1.0}),
    "SELU": lambda: Layer(
        "l",
        kinds.SELU,
        ["x"],
        "y",
        attrs={"alpha": 1.6732632423543772, "gamma": 1.0507009873554805},
        params={"gamma": [1.0507009873554805]},
    ),
    "Softmax": lambda: Layer("l", kinds.SOFTMAX, ["x"], "y"),
    "Transpose": lambda: Layer("l", kinds.TRANSPOSE, ["x"], "y", attrs={"perm": [1, 0]}),
    "BatchNormalization": lambda: Layer(
        "l",
        kinds.BATCH_NORM,
        ["x"],
        "y",
        params={"scale": [1.5, -0.75, 0.3], "bias": [0.25, -2.0, 0.0]},
    ),
}


@pytest.mark.parametrize("kind", sorted(ONE_LAYER))
@pytest.mark.parametrize(
    "settings",
    [
        {"default": "ap_fixed<8,3>", "roles": {"result": "ap_fixed<7,2>"}},
        {"default": "ap_fixed<9,3,AP_RND_CONV,AP_SAT>",
         "roles": {"result": "ap_fixed<6,2,AP_RND_ZERO,AP_SAT_SYM>",
                   "accum": "ap_fixed<10,3,AP_RND,AP_SAT>"}},
    ],
    ids=["truncate_wrap", "round_saturate"],
)  # fmt: skip
def test_each_written_kind_equals_the_emulator(kind, settings, tmp_path):
    from hlsfx.cosim.run import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    layer = ONE_LAYER[kind]()
    shape = (2, 3)
    out_shape = layer.kind.output_shape(layer, [shape])
    graph = Graph(("x",), ("y",), (layer,), {"x": shape, "y": out_shape})
    qm = hlsfx.configure(graph, **settings)
    project = write_rtl(qm, tmp_path / "rtl", vectors=120)
    result = run(project, simulator="icarus")
    assert result.passed and result.mismatches == 0, result.summary()
    assert (result.latency, result.ii) == (1, 1)
    if shutil.which("verilator") is not None:  # and the Verilog is lint clean
        lint = subprocess.run(
            ["verilator", "--lint-only", "-Wall", str(project / "myproject.v")],
            capture_output=True, text=True,
        )  # fmt: skip
        assert lint.returncode == 0 and "%Warning" not in lint.stderr, lint.stderr


@pytest.mark.parametrize("simulator", ["icarus", "verilator"])
def test_the_jet_tagger_rtl_equals_the_emulator(simulator, tmp_path):
    from hlsfx.cosim.run import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    qm = hlsfx.configure(hlsfx.load(fixture("onnx/three_layer_keras.onnx")), "ap_fixed<16,6>")
    project = write_rtl(qm, tmp_path / "jets", vectors=60)
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    assert (result.vectors, result.latency, result.ii) == (60, 8, 1)


def test_hlsfx_cosim_on_the_command_line(tmp_path):
    import os
    import sys

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    project = write_rtl(_mlp(), tmp_path / "rtl", vectors=20)
    done = subprocess.run(
        [sys.executable, "-m", "hlsfx.cli", "cosim", str(project), "--vectors", "12"],
        capture_output=True, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "PASS on icarus: 12 vectors, 0 mismatching output codes, latency 4 cycles, II 1" in (
        done.stdout
    )
