"""io_stream RTL: every tensor an AXI-Stream of pixels, every layer a process between FIFOs.
The co-simulation drives it with cocotbext-axi, random gaps on the inputs and random stalls on
the outputs, and compares every output code with the emulator's by ``==``."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
import test_hls_csim
from conftest import require
from kind_cases import conv_attrs
from test_hls_stream import chained_cnn

import hlsfx
from hlsfx.codegen.rtl import write_rtl
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer, verify

pytestmark = pytest.mark.rtl

STREAM_RUNS = [("verilator", "truncate_wrap", 1), ("icarus", "round_saturate", 2),
               ("icarus", "narrow_accumulator", 4), ("icarus", "hls4ml", 3)]  # fmt: skip


@pytest.mark.parametrize(("simulator", "config", "reuse"), STREAM_RUNS)
def test_every_kind_streams_with_backpressure(simulator, config, reuse, tmp_path):
    """The all-kinds model (convolutions and pooling over line buffers with strides,
    dilations and padding on every side, per-pixel layers, the gathering ones), each layer
    sharing its multipliers over ``reuse`` cycles a pixel. Verilator builds with -Wall."""
    from hlsfx.cosim.simulate import SIMULATORS, run

    require(shutil.which(SIMULATORS[simulator]) is not None, simulator, "run scripts/setup.sh test")
    qm = test_hls_csim.configured(config)
    project = write_rtl(qm, tmp_path / "rtl", io_type="io_stream", reuse_factor=reuse, vectors=20)
    interface = json.loads((project / "interface.json").read_text())
    result = run(project, simulator=simulator)
    assert result.passed and result.vectors == 20, result.summary()
    assert result.latency is not None and result.ii is not None
    for name, layer in interface["layers"].items():
        assert layer["multipliers"] <= 2 * -(-layer["products"] // reuse), (name, layer)
    assert "line buffer" in interface["layers"]["conv2d"]["description"]


def _cnn(size: int) -> Graph:
    rng = np.random.default_rng(5)
    layers = [
        Layer("conv", kinds.CONV2D, ["img"], "c", attrs=conv_attrs([3, 3], [1, 1], [1, 1, 1, 1]),
              params={"weight": rng.normal(0, 0.5, (3, 3, 3, 4)), "bias": rng.normal(0, 0.5, 4)}),
        Layer("relu", kinds.RELU, ["c"], "r"),
        Layer("pool", kinds.MAX_POOL2D, ["r"], "p", attrs=conv_attrs([2, 2], [2, 2], [0] * 4)),
        Layer("mix", kinds.DENSE, ["p"], "y", params={"weight": rng.normal(0, 0.5, (4, 2)),
                                                      "bias": rng.normal(0, 0.5, 2)}),
    ]  # fmt: skip
    shapes = {"img": (size, size, 3)}
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    return verify(Graph(("img",), ("y",), tuple(layers), shapes))


def test_the_arithmetic_does_not_grow_with_the_image(tmp_path):
    """Each layer's products and multipliers are those of one pixel or window: the same at
    8 x 8 and 64 x 64 (io_parallel would hold 64 times as many); only the line buffers'
    words grow, with the row length."""
    found = []
    for size in (8, 64):
        qm = hlsfx.configure(_cnn(size), "ap_fixed<10,4>")
        project = write_rtl(qm, tmp_path / f"s{size}", io_type="io_stream", reuse_factor=2,
                            vectors=2)  # fmt: skip
        layers = json.loads((project / "interface.json").read_text())["layers"]
        found.append({n: (x["products"], x["multipliers"]) for n, x in layers.items()})
        verilog = (project / "myproject.v").read_text()
        assert f"reg [59:0] conv_lb_lines [0:{size + 1}];" in verilog  # 2 rows of 3 x 10 bits
    assert found[0] == found[1]
    assert 100 <= found[0]["conv"][0] <= 108 and found[0]["mix"][0] <= 8  # 3 x 3 x 3 x 4, 4 x 2


@pytest.mark.parametrize(("reuse", "numerics"), [(1, "hlsfx"), (2, "hls4ml")])
def test_a_chained_cnn_with_branches_streams_with_backpressure(reuse, numerics, tmp_path):
    """Fan-outs (a ReLU read by the port, two branches and a global pooling), branches that
    meet again, a Dense over each pixel's channels, a concatenation along the rows, Flatten,
    Dense and softmax, and global max and average pooling folded pixel by pixel."""
    from hlsfx.cosim.simulate import run

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    roles = {} if numerics == "hls4ml" else {"accum": "ap_fixed<14,6,AP_TRN,AP_WRAP>"}
    qm = hlsfx.configure(chained_cnn(), "ap_fixed<10,4,AP_RND,AP_SAT>", numerics=numerics,
                         roles=roles)  # fmt: skip
    project = write_rtl(qm, tmp_path / "rtl", io_type="io_stream", reuse_factor=reuse,
                        vectors=16)  # fmt: skip
    layers = json.loads((project / "interface.json").read_text())["layers"]
    assert "folded pixel by pixel" in layers["global_average"]["description"]
    result = run(project, simulator="icarus")
    assert result.passed and result.vectors == 16, result.summary()


@pytest.mark.parametrize("reuse", [1])  # at 4: test_cli's demo of the CNN
def test_the_32x32_colour_cnn_streams_on_verilator(reuse, tmp_path):
    """The shipped SVHN-sized example (three convolutions over line buffers of 32-, 16- and
    8-pixel rows, max pooling, Flatten, Dense, softmax) with backpressure, every weighted
    layer sharing its multipliers over ``reuse`` cycles."""
    from hlsfx.cosim.simulate import run

    require(shutil.which("verilator") is not None, "verilator", "run scripts/setup.sh test")
    example = hlsfx.examples.load("svhn_like_cnn")
    qm = hlsfx.configure(example.graph, "ap_fixed<16,6>")
    project = write_rtl(qm, tmp_path / "rtl", io_type="io_stream", reuse_factor=reuse,
                        vectors=6)  # fmt: skip
    result = run(project, simulator="verilator")
    assert result.passed and result.vectors == 6, result.summary()
    # one image: its 32 x 32 pixels, the first convolution's padded walk at R cycles a window
    assert 32 * 32 * reuse <= result.ii <= 34 * 34 * reuse + 400, result.summary()


def _residual_block() -> Graph:
    """A 3 x 3 convolution added to its own input: the addition's other operand must wait
    about a row in its FIFO for the convolution's window to fill."""
    rng = np.random.default_rng(3)
    layers = [
        Layer("conv", kinds.CONV2D, ["x"], "c", attrs=conv_attrs([3, 3], [1, 1], [1, 1, 1, 1]),
              params={"weight": rng.normal(0, 0.4, (3, 3, 2, 2)), "bias": rng.normal(0, 0.4, 2)}),
        Layer("relu", kinds.RELU, ["c"], "r"),
        Layer("skip", kinds.ADD, ["x", "r"], "y"),
    ]  # fmt: skip
    shapes = {"x": (5, 7, 2), "c": (5, 7, 2), "r": (5, 7, 2), "y": (5, 7, 2)}
    return verify(Graph(("x",), ("y",), tuple(layers), shapes))


def test_fifo_depths_measured_by_simulation_are_just_deep_enough(tmp_path):
    """size_fifos: each FIFO as deep as the most it held (one entering included) with the
    input paced at the design's own interval. The skip connection's FIFO holds what the
    addition waits for while the convolution's window fills (more than a row); the others
    2. At those depths the input is never held back; with one pixel less on the skip it is;
    with 2 the design deadlocks (the convolution needs a row more than the addition has
    taken). The HLS project takes the same depths."""
    from hlsfx.cosim import run, size_fifos

    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    qm = hlsfx.configure(_residual_block(), "ap_fixed<10,4>")
    depths = size_fifos(qm, tmp_path / "rtl", vectors=6, simulator="icarus")
    assert set(depths) == {"x_fifo0", "x_fifo1", "conv_fifo", "relu_fifo", "skip_fifo"}
    assert depths["conv_fifo"] == depths["relu_fifo"] == depths["skip_fifo"] == 2
    skip = depths["x_fifo1"]  # more than a row (7 pixels), less than the image (35)
    assert 7 < skip < 35 and depths["x_fifo0"] < skip, depths
    fifos = json.loads((tmp_path / "rtl" / "interface.json").read_text())["fifos"]
    assert {n: f["depth"] for n, f in fifos.items()} == depths
    sized = run(tmp_path / "rtl", simulator="icarus")
    assert sized.passed and sized.input_waits == 0, sized.summary()
    for depth, fails in ((skip - 1, "waits"), (2, "deadlocks")):
        short = write_rtl(qm, tmp_path / f"d{depth}", io_type="io_stream", vectors=6,
                          fifo_depths={**depths, "x_fifo1": depth})  # fmt: skip
        result = run(short, simulator="icarus")
        if fails == "waits":
            assert result.passed and result.input_waits > 0, result.summary()
        else:
            assert result.outputs_seen == 0 and not result.passed, result.summary()
    project = qm.write_hls(tmp_path / "prj", io_type="io_stream", fifo_depths=depths, vectors=4)
    source = (project / "firmware" / "myproject.cpp").read_text()
    assert f"#pragma HLS STREAM variable=x_to1 depth={skip}" in source


def test_a_long_line_buffer_becomes_block_ram(tmp_path):
    """Yosys synth_xilinx maps the line buffer of a 3 x 3 depthwise convolution over rows of
    512 pixels (2 rows of 8 channels of 8 bits: 514 words of 128 bits) to block RAM."""
    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    layer = Layer("dw", kinds.DEPTHWISE_CONV2D, ["x"], "y",
                  attrs=conv_attrs([3, 3], [1, 1], [1, 1, 1, 1]),
                  params={"weight": np.full((3, 3, 8), 0.25), "bias": np.zeros(8)})  # fmt: skip
    graph = verify(Graph(("x",), ("y",), (layer,), {"x": (3, 512, 8), "y": (3, 512, 8)}))
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    project = write_rtl(qm, tmp_path / "rtl", io_type="io_stream", reuse_factor=8, vectors=1)
    assert "reg [127:0] dw_lb_lines [0:513];" in (project / "myproject.v").read_text()
    found = hlsfx.cosim.synth(project)
    assert found.resources["BRAM"] >= 2, found.resources


def test_oversized_stream_designs_are_refused_before_writing(tmp_path):
    """A pixel's products past MAX_RTL_PRODUCTS, and a gathering layer whose whole input would
    not fit MAX_PARALLEL_VALUES registers, are refused naming the layer; nothing is written."""
    from hlsfx.codegen.limits import MAX_PARALLEL_VALUES
    from hlsfx.codegen.rtl import MAX_RTL_PRODUCTS

    n = int(MAX_RTL_PRODUCTS**0.5) + 1
    dense = Layer("big", kinds.DENSE, ["x"], "y",
                  params={"weight": np.ones((n, n)), "bias": np.zeros(n)})  # fmt: skip
    qm = hlsfx.configure(Graph(("x",), ("y",), (dense,), {"x": (n,), "y": (n,)}), "ap_fixed<8,3>")
    with pytest.raises(ValueError, match=rf"layer 'big' \(Dense\): .* over {n * n:,} products"):
        write_rtl(qm, tmp_path / "a", io_type="io_stream")
    side = int(MAX_PARALLEL_VALUES**0.5) + 1
    turn = Layer("turn", kinds.TRANSPOSE, ["x"], "y", attrs={"perm": [1, 0, 2]})
    shapes = {"x": (side, side, 1), "y": (side, side, 1)}
    qm = hlsfx.configure(Graph(("x",), ("y",), (turn,), shapes), "ap_fixed<8,3>")
    with pytest.raises(ValueError, match=rf"layer 'turn' \(Transpose\): .* {side * side:,} values"):
        write_rtl(qm, tmp_path / "b", io_type="io_stream", vectors=1)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
