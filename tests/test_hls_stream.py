"""io_stream HLS projects: every tensor a stream of pixels, the layers a DATAFLOW region. The
generated C++ is compiled with g++ against the real ap_types headers and must give the
emulator's codes exactly (compared as raw integers by the testbench)."""

from __future__ import annotations

import numpy as np
import pytest
from kind_cases import conv_attrs
from test_hls_csim import HLS_OPTIONS, configured

import hlsfx
from hlsfx.codegen.csim import CsimError, csim
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer, verify

pytestmark = pytest.mark.csim


def _run(project, ap_types_dir, csim_cache, samples: int) -> None:
    result = csim(project, ap_types=ap_types_dir, cache=csim_cache)
    assert result.samples == samples
    assert result.mismatches == 0 and result.passed, result.summary()


@pytest.mark.parametrize("configuration", ["truncate_wrap", "round_saturate"])
def test_every_layer_kind_streams_bit_for_bit(
    configuration, ap_types_dir, gxx, tmp_path, csim_cache
):
    """The all-kinds model (strides, dilations, padding on every side, both average-pool
    counts), at reuse factor 1 and, in round_saturate, 6 on the Dense."""
    qm = configured(configuration)
    project = qm.write_hls(
        tmp_path / "prj", vectors=120, io_type="io_stream", **HLS_OPTIONS[configuration]
    )
    source = (project / "firmware" / "myproject.cpp").read_text()
    assert "#pragma HLS DATAFLOW" in source and "hls::stream<img_pixel_t> &img" in source
    _run(project, ap_types_dir, csim_cache, 120)


def chained_cnn() -> Graph:
    """Layers reading layers: a CNN whose ReLU output is also a graph output, branches that
    meet again (a pooling and a strided convolution added), a Dense over the channels of each
    pixel, a concatenation along the rows, then Flatten, Dense and softmax; global max and
    average pooling on the side."""
    rng = np.random.default_rng(11)

    def weights(*shape):
        w = rng.normal(0.0, 0.5, shape)
        w.reshape(-1)[::7] = 0.0
        return w

    layers = [
        Layer("conv_a", kinds.CONV2D, ["img"], "a", attrs=conv_attrs([3, 3], [1, 1], [1, 1, 1, 1]),
              params={"weight": weights(3, 3, 3, 4), "bias": weights(4)}),
        Layer("relu_a", kinds.RELU, ["a"], "r"),
        Layer("pool", kinds.MAX_POOL2D, ["r"], "p", attrs=conv_attrs([2, 2], [2, 2], [0] * 4)),
        Layer("conv_b", kinds.CONV2D, ["r"], "b", attrs=conv_attrs([2, 3], [2, 2], [0, 1, 0, 0]),
              params={"weight": weights(2, 3, 4, 4), "bias": weights(4)}),
        Layer("sum", kinds.ADD, ["p", "b"], "s"),
        Layer("mix", kinds.DENSE, ["s"], "m", params={"weight": weights(4, 4),
                                                      "bias": weights(4)}),
        Layer("rows", kinds.CONCATENATE, ["m", "p"], "c", attrs={"axis": 0}),
        Layer("flatten", kinds.RESHAPE, ["c"], "f", attrs={"shape": [128]}),
        Layer("fc", kinds.DENSE, ["f"], "d", params={"weight": weights(128, 6),
                                                     "bias": weights(6)}),
        Layer("probabilities", kinds.SOFTMAX, ["d"], "y"),
        Layer("global_max", kinds.MAX_POOL2D, ["a"], "gm", attrs=conv_attrs([8, 9], [1, 1],
                                                                            [0] * 4)),
        Layer("global_average", kinds.AVERAGE_POOL2D, ["r"], "ga",
              attrs={**conv_attrs([8, 9], [1, 1], [0] * 4), "count_include_pad": 0}),
    ]  # fmt: skip
    shapes = {"img": (8, 9, 3)}
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    return verify(Graph(("img",), ("y", "r", "gm", "ga"), tuple(layers), shapes))


@pytest.mark.parametrize("reuse", [1, 4])
def test_a_chained_cnn_with_branches_streams_bit_for_bit(
    reuse, ap_types_dir, gxx, tmp_path, csim_cache
):
    graph = chained_cnn()
    assert graph.shapes["p"] == graph.shapes["b"] == (4, 4, 4)
    qm = hlsfx.configure(graph, "ap_fixed<10,4,AP_RND,AP_SAT>",
                         roles={"accum": "ap_fixed<14,6,AP_TRN,AP_WRAP>"})  # fmt: skip
    layers = {"conv_a": {"reuse_factor": 3 * reuse}, "mix": {"reuse_factor": reuse},
              "fc": {"reuse_factor": reuse}}  # fmt: skip
    project = qm.write_hls(tmp_path / "prj", vectors=60, io_type="io_stream", layers=layers)
    source = (project / "firmware" / "myproject.cpp").read_text()
    # the ReLU output goes to the port, both branches and a global pooling (three copies); the
    # pooling to the sum and the rows; the convolution to the ReLU and a global pooling
    assert source.count("hlsfx::fan_out<") == 5
    assert source.count("hlsfx::global_pool<") == 2
    assert "hlsfx::concat_pixels<" in source and "hlsfx::repack<" in source
    _run(project, ap_types_dir, csim_cache, 60)


def _tiny_stream_project(path):
    weight, bias = np.array([[0.5, -0.25], [1.0, 0.75]]), np.array([0.125, -1.0])
    layers = (Layer("fc", kinds.DENSE, ["x"], "h", params={"weight": weight, "bias": bias}),
              Layer("act", kinds.RELU, ["h"], "y"))  # fmt: skip
    graph = Graph(("x",), ("y",), layers, {"x": (2,), "h": (2,), "y": (2,)})
    return hlsfx.configure(graph, "ap_fixed<8,3>").write_hls(path, vectors=5, io_type="io_stream")


@pytest.mark.parametrize("fault", ["missing", "twice"])
def test_csim_fails_when_a_process_sends_too_little_or_reads_an_empty_stream(
    fault, ap_types_dir, gxx, tmp_path
):
    """The README's claim: csim checks that every output sends its pixels and that no process
    reads an empty stream (hls::stream's C model would read a default value and go on)."""
    project = _tiny_stream_project(tmp_path / "prj")
    if fault == "missing":  # the ReLU's process passes no pixel on
        parameters = project / "firmware" / "parameters.h"
        text = parameters.read_text()
        struct = text[text.index("struct act_stream") :]
        parameters.write_text(text.replace(struct, struct.replace("n_pixels = 1", "n_pixels = 0")))
    else:  # the ReLU's process runs twice: the second reads the Dense's stream empty
        top = project / "firmware" / "myproject.cpp"
        call = next(line for line in top.read_text().splitlines() if "act_op" in line
                    and "pixel_map<" in line)  # fmt: skip
        top.write_text(top.read_text().replace(call, call + call))
    message = "streamed 0 pixels" if fault == "missing" else "read an empty stream"
    with pytest.raises(CsimError, match=message):
        csim(project, ap_types=ap_types_dir)


@pytest.mark.parametrize("reuse", [1, 4])
def test_the_32x32_colour_cnn_streams_bit_for_bit(reuse, ap_types_dir, gxx, tmp_path, csim_cache):
    """The shipped SVHN-sized example, its convolutions and Dense sharing multipliers over
    ``reuse`` cycles."""
    example = hlsfx.examples.load("svhn_like_cnn")
    qm = hlsfx.configure(example.graph, "ap_fixed<16,6>")
    weighted = [layer.name for layer in qm.graph.layers if layer.kind.weighted]
    assert len(weighted) == 4
    layers = {name: {"reuse_factor": reuse} for name in weighted}
    project = qm.write_hls(tmp_path / "prj", vectors=12, io_type="io_stream", layers=layers)
    _run(project, ap_types_dir, csim_cache, 12)
