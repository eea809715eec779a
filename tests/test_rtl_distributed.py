"""The distributed strategy's RTL (Dense and convolutions as shared shift-add graphs, no
multiplier) simulated with cocotb: every output code equals the emulator's, on random weight
matrices with their corners and on every weighted kind, with the latency interface.json
states; and the layers it cannot build exactly are refused by name."""

from __future__ import annotations

import itertools
import json
import re
import shutil

import numpy as np
import pytest
import test_hls_csim
import test_rtl
from conftest import require, run_cli

import hlsfx
from hlsfx.codegen.adder_graph import code_range
from hlsfx.codegen.rtl import write_rtl
from hlsfx.codegen.rtl.layers import DISTRIBUTED_LAYERS
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, Layer

pytestmark = pytest.mark.rtl

WEIGHTED = {kind for kind in kinds.KINDS.values() if kind.weighted}


def _run(project, simulator: str = "icarus"):
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    result = run(project, simulator=simulator)
    assert result.passed and result.mismatches == 0, result.summary()
    interface = json.loads((project / "interface.json").read_text())
    assert (result.latency, result.ii) == (interface["latency"], 1)
    return interface


def _codes(rng: np.random.Generator, n_in: int, n_out: int, bits: int) -> np.ndarray:
    """Weight codes with the corners: zeros, +-1, powers of two, the largest and smallest
    codes, a duplicate column, a negated one and an all-zero one."""
    top = 1 << (bits - 1)
    m = rng.integers(-top, top, (n_in, n_out))
    m[rng.random((n_in, n_out)) < 0.25] = 0
    m[0, :] = [(-top, top - 1, 1, -1, 0, top // 2)[j % 6] for j in range(n_out)]
    m[:, 1], m[:, 2], m[:, -1] = m[:, 0], -m[:, 3], 0
    return m


def random_chain(seed: int):
    """Three Dense layers of random corner matrices: the second reads a ReLU that saturates
    (its codes never negative), the third a ReLU whose cast wraps (they can be)."""
    rng = np.random.default_rng(seed)
    sizes = [int(n) for n in rng.integers(3, 8, 4)]
    sizes[1:] = [max(n, 5) for n in sizes[1:]]
    w_types = ["ap_fixed<5,-1,AP_RND,AP_SAT>", "ap_fixed<4,2>", "ap_fixed<7,3>"]
    layers, params = [], {}
    for k, (n_in, n_out) in enumerate(itertools.pairwise(sizes)):
        t = FixedType.parse(w_types[k])
        codes = _codes(rng, n_in, n_out, t.width)
        bias = rng.integers(-8, 8, n_out) * (k != 1)  # the middle layer has no bias
        params[f"fc{k}"] = codes, bias, t
        x = "x" if k == 0 else f"r{k - 1}"
        layers.append(Layer(f"fc{k}", kinds.DENSE, [x], f"h{k}", params={
            "weight": codes * float(t.lsb), "bias": bias * float(t.lsb)}))  # fmt: skip
        if k < 2:
            layers.append(Layer(f"relu{k}", kinds.RELU, [f"h{k}"], f"r{k}"))
    shapes = {layer.output: None for layer in layers}
    shapes = {"x": (sizes[0],), **{f"h{k}": (sizes[k + 1],) for k in range(3)},
              **{f"r{k}": (sizes[k + 1],) for k in range(2)}}  # fmt: skip
    graph = Graph(("x",), ("h2",), tuple(layers), shapes)
    x_type = ("ap_fixed<8,3>", "ap_ufixed<7,2>", "ap_fixed<6,-1>")[seed % 3]
    qm = hlsfx.configure(graph, "ap_fixed<9,4>", inputs={"x": x_type}, layers={
        **{name: {"weight": str(t), "bias": str(t)} for name, (_, _, t) in params.items()},
        "relu0": {"result": "ap_fixed<7,3,AP_TRN,AP_SAT>"},  # never negative
        "relu1": {"result": "ap_fixed<6,2,AP_RND,AP_WRAP>"},  # wraps, so it can be
    })  # fmt: skip
    for name, (codes, _, _) in params.items():
        assert (qm.precisions[name].params["weight"] == codes).all()
    x_t = qm.tensor_types["x"]
    corners = [np.full(sizes[0], c) for c in (x_t.min_code, x_t.max_code, 0, -1 if
                                             x_t.signed else 1)]  # fmt: skip
    random = rng.integers(x_t.min_code, x_t.max_code + 1, (120, sizes[0]))
    return qm, {"x": np.vstack([*corners, random])}


@pytest.mark.parametrize("seed", range(3))
def test_random_matrices_at_their_corners_equal_the_emulator(seed, tmp_path):
    qm, vectors = random_chain(seed)
    # the saturating ReLU's codes are never negative: the next layer's adders know it; the
    # wrapping one's can be
    r0, r1 = qm.tensor_types["r0"], qm.tensor_types["r1"]
    assert code_range(qm, "r0") == (0, r0.max_code)
    assert code_range(qm, "r1") == (r1.min_code, r1.max_code)
    project = write_rtl(qm, tmp_path / "rtl", strategy="distributed", vectors=vectors,
                        max_adder_depth=1 + seed)  # fmt: skip
    interface = _run(project)
    for name in ("fc0", "fc1", "fc2"):
        layer = interface["layers"][name]
        assert layer["strategy"] == "distributed" and layer["multipliers"] == 0
        assert layer["cycles"] == max(-(-layer["adder_depth"] // (1 + seed)), 1)
        assert layer["adders"] <= layer["adders_unshared"]
    assert not re.search(r"[\w\])] \* ", (project / "myproject.v").read_text())  # no multiplier


@pytest.mark.parametrize(("simulator", "depth"), [("verilator", 4), ("icarus", 1)])
def test_every_weighted_kind_is_multiplier_free_and_equals_the_emulator(simulator, depth,
                                                                        tmp_path):  # fmt: skip
    qm = test_hls_csim.configured("round_saturate")  # exact accumulators
    project = write_rtl(qm, tmp_path / "rtl", strategy="distributed", vectors=60,
                        max_adder_depth=depth)  # fmt: skip
    interface = _run(project, simulator)
    for layer in qm.graph.layers:
        timing = interface["layers"][layer.name]
        if layer.kind in DISTRIBUTED_LAYERS:
            assert timing["strategy"] == "distributed" and timing["products"] == 0, layer.name
            assert timing["cycles"] == max(-(-timing["adder_depth"] // depth), 1), layer.name
        else:
            assert timing["strategy"] == "multipliers", layer.name
    if simulator == "icarus":
        test_rtl._assert_lint_clean_without_pragmas(project / "myproject.v")


def test_the_distributed_face_covers_dense_and_every_convolution():
    assert DISTRIBUTED_LAYERS == WEIGHTED
    simulated = {layer.kind for layer in test_hls_csim.configured("round_saturate").graph.layers}
    assert simulated >= DISTRIBUTED_LAYERS


def test_a_strategy_per_layer_and_kind_and_what_cannot_be_built_is_refused(tmp_path):
    qm = test_hls_csim.configured("round_saturate")
    chosen = {"Dense": "distributed", "conv1d": "distributed", "conv2d": "latency"}
    project = write_rtl(qm, tmp_path / "mixed", strategy=chosen, vectors=4)
    layers = json.loads((project / "interface.json").read_text())["layers"]
    assert layers["dense"]["strategy"] == layers["conv1d"]["strategy"] == "distributed"
    assert layers["conv2d"]["strategy"] == layers["depthwise2d"]["strategy"] == "multipliers"
    refusals = [
        (
            {"strategy": {"relu": "distributed"}},
            r"layer 'relu' \(ReLU\): strategy 'distributed' "
            r"writes the constant matrix products of",
        ),
        ({"strategy": {"dense_typo": "latency"}}, r"strategy names 'dense_typo', neither a layer"),
        ({"strategy": "fast"}, r"strategy 'fast' is not one of latency, resource, distributed"),
        (
            {"strategy": "distributed", "reuse_factor": 2},
            r"layer 'dense' \(Dense\): strategy 'distributed' has no multipliers to share; its "
            r"reuse factor must be 1, not 2",
        ),
        ({"strategy": "distributed", "max_adder_depth": 0}, r"max_adder_depth must be a positive"),
    ]
    for options, message in refusals:
        with pytest.raises(ValueError, match=message):
            write_rtl(qm, tmp_path / "refused", vectors=4, **options)
    narrow = test_hls_csim.configured("narrow_accumulator")
    with pytest.raises(
        ValueError,
        match=r"layer 'dense' \(Dense\): strategy 'distributed' sums "
        r"exactly, and its accumulator ap_fixed<11,3,AP_RND_INF,AP_SAT> rounds",
    ):
        write_rtl(narrow, tmp_path / "refused", strategy="distributed", vectors=4)
    assert not (tmp_path / "refused").exists()


def test_the_command_line_writes_the_distributed_rtl_and_hls(tmp_path):
    done = run_cli("convert", "jet_mlp", "--precision", "ap_fixed<10,4>", "--strategy",
                   "distributed", "--max-adder-depth", "3", "--rtl", str(tmp_path / "rtl"),
                   "--hls", str(tmp_path / "hls"))  # fmt: skip
    assert done.returncode == 0, done.stderr
    layers = json.loads((tmp_path / "rtl" / "interface.json").read_text())["layers"]
    dense = [layer for layer in layers.values() if layer["strategy"] == "distributed"]
    assert len(dense) >= 3 and all(layer["max_adder_depth"] == 3 for layer in dense)
    assert "dense_distributed<" in (tmp_path / "hls" / "firmware" / "myproject.cpp").read_text()
    wrong = run_cli("rtl", "jet_mlp", "--out", str(tmp_path / "x"), "--max-adder-depth", "3")
    assert wrong.returncode != 0 and "--max-adder-depth sets the pipeline" in wrong.stderr
    stream = run_cli("rtl", "jet_mlp", "--out", str(tmp_path / "x"), "--io", "stream",
                     "--strategy", "distributed")  # fmt: skip
    assert stream.returncode != 0 and "written for io_parallel designs" in stream.stderr
    assert not (tmp_path / "x").exists()


def _cell(kind: str, inputs: dict, outputs: dict) -> dict:
    ports = {**inputs, **outputs}
    directions = {**dict.fromkeys(inputs, "input"), **dict.fromkeys(outputs, "output")}
    return {"type": kind, "connections": ports, "port_directions": directions}


def test_logic_depth_counts_luts_on_the_longest_path_and_not_carries():
    from hlsfx.cosim.logic_depth import logic_depth

    # in -> FF a -> LUT -> CARRY4 -> LUT -> FF b -> LUT -> out; a second, shorter path into b
    cells = {
        "a": _cell("FDRE", {"D": [2], "C": [1]}, {"Q": [10]}),
        "l1": _cell("LUT2", {"I0": [10], "I1": [2]}, {"O": [11]}),
        "c": _cell("CARRY4", {"S": [11, 2, 2, 2], "CI": ["0"]}, {"O": [12, 20, 21, 22]}),
        "l2": _cell("LUT3", {"I0": [12], "I1": [10], "I2": [2]}, {"O": [13]}),
        "b": _cell("FDRE", {"D": [13], "C": [1]}, {"Q": [14]}),
        "l3": _cell("LUT1", {"I0": [14]}, {"O": [15]}),
    }
    netlist = {"modules": {"top": {
        "ports": {"clk": {"direction": "input", "bits": [1]},
                  "x": {"direction": "input", "bits": [2]},
                  "y": {"direction": "output", "bits": [15]}},
        "cells": cells,
        "netnames": {"stage_reg": {"bits": [14]}, "first_reg": {"bits": [10]},
                     "$auto$tmp": {"bits": [13], "hide_name": 1}},
    }}}  # fmt: skip
    depth = logic_depth(netlist, "top")
    assert depth.levels == 2
    assert depth.by_register == {"<outputs>": 1, "first_reg": 0, "stage_reg": 2}
    cells["loop"] = _cell("LUT1", {"I0": [13]}, {"O": [12]})
    del cells["c"]
    cells["l2"]["connections"]["I0"] = [16]
    cells["l4"] = _cell("LUT2", {"I0": [12], "I1": [17]}, {"O": [16]})
    cells["l5"] = _cell("LUT1", {"I0": [16]}, {"O": [17]})
    with pytest.raises(ValueError, match="combinational loop"):
        logic_depth(netlist, "top")


def test_each_stage_holds_max_adder_depth_adders_and_the_netlist_is_bit_exact(tmp_path):
    from hlsfx.cosim.simulate import run
    from hlsfx.cosim.yosys import synth

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    qm, vectors = random_chain(0)
    levels = {}
    for depth in (1, 8):
        project = write_rtl(qm, tmp_path / f"d{depth}", strategy="distributed", vectors=vectors,
                            max_adder_depth=depth)  # fmt: skip
        result = synth(project)
        assert result.resources["DSP"] == 0
        levels[depth] = result.depth
    # one adder per stage: one LUT level into every pipeline register (its carry chain is free)
    stages = {name: n for name, n in levels[1].by_register.items() if re.search(r"_s\d+$", name)}
    assert stages and max(stages.values()) == 1, stages
    assert levels[8].levels > levels[1].levels
    netlist = run(project, simulator="icarus", vectors=40, netlist=True)
    assert netlist.passed and netlist.mismatches == 0, netlist.summary()
