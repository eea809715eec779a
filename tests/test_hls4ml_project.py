"""An hls4ml project folder read as the HLS tool compiles it (core/frontends/hls4ml/project.py,
core/frontends/hls4ml/cpp_tokens.py): comments and disabled blocks are not read, every statement
of the top function is understood or an error naming its line, numbers and sizes as C++ reads
them (macros of older hls4ml versions too), nothing outside the folder, in linear time. The
projects here are written by hand in the layout of hls4ml 0.5 (macros for sizes, ``const_size``
ports); tests/test_hls4ml_predict.py reads the folders hls4ml 1.3 writes against their C
simulation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import require

import hlsfx
from hlsfx.frontends.hls4ml.cpp_tokens import CppError, Token, integer, number
from hlsfx.frontends.hls4ml.project import ProjectError

RNG = np.random.default_rng(5)
W2, B2 = RNG.normal(0, 0.5, (4, 3)).round(3), RNG.normal(0, 0.5, 3).round(3)
W4, B4 = RNG.normal(0, 0.5, (3, 2)).round(3), RNG.normal(0, 0.5, 2).round(3)

DEFINES = """\
#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_int.h"
#include "ap_fixed.h"

//hls-fpga-machine-learning insert numbers
#define N_INPUT_1_1 4
#define N_LAYER_2 3
#define N_LAYER_4 2

//hls-fpga-machine-learning insert layer-precision
typedef ap_fixed<16,6> model_default_t;
typedef ap_fixed<16,6> input_t;
typedef ap_fixed<16,6> layer2_t;
typedef ap_fixed<12,4> layer3_t;
typedef ap_fixed<16,6> result_t;

#endif
"""
PARAMETERS = """\
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"

struct config2 : nnet::dense_config {
    static const unsigned n_in = N_INPUT_1_1;
    static const unsigned n_out = N_LAYER_2;
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned strategy = nnet::latency;
    static const unsigned reuse_factor = 1;
    static const unsigned n_zeros = 0;
    static const bool store_weights_in_bram = false;
    typedef ap_fixed<24,10> accum_t;
    typedef model_default_t bias_t;
    typedef model_default_t weight_t;
    typedef ap_uint<1> index_t;
};

struct relu_config3 : nnet::activ_config {
    static const unsigned n_in = N_LAYER_2;
    static const unsigned table_size = 1024;
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned reuse_factor = 1;
    typedef ap_fixed<18,8> table_t;
};

struct config4 : nnet::dense_config {
    static const unsigned n_in = N_LAYER_2;
    static const unsigned n_out = N_LAYER_4;
    static const unsigned io_type = nnet::io_parallel;
    static const unsigned strategy = nnet::latency;
    static const unsigned reuse_factor = 1;
    typedef ap_fixed<24,10> accum_t;
    typedef model_default_t bias_t;
    typedef model_default_t weight_t;
};

#endif
"""
TOP = """\
#include <iostream>

#include "myproject.h"
#include "parameters.h"

void myproject(
    input_t dense_input[N_INPUT_1_1],
    result_t layer4_out[N_LAYER_4],
    unsigned short &const_size_in_1,
    unsigned short &const_size_out_1
) {

    //hls-fpga-machine-learning insert IO
    #pragma HLS ARRAY_RESHAPE variable=dense_input complete dim=0
    #pragma HLS ARRAY_PARTITION variable=layer4_out complete dim=0
    #pragma HLS INTERFACE ap_vld port=dense_input,layer4_out
    #pragma HLS PIPELINE

    const_size_in_1 = N_INPUT_1_1;
    const_size_out_1 = N_LAYER_4;

#ifndef __SYNTHESIS__
    static bool loaded_weights = false;
    if (!loaded_weights) {
        nnet::load_weights_from_txt<model_default_t, 12>(w2, "w2.txt");
        loaded_weights = true;
    }
#endif

    layer2_t layer2_out[N_LAYER_2];
    #pragma HLS ARRAY_PARTITION variable=layer2_out complete dim=0
    nnet::dense<input_t, layer2_t, config2>(dense_input, layer2_out, w2, b2); // fc1
    // nnet::sigmoid<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out); // old
    /* nnet::tanh<layer2_t, layer3_t, relu_config3>(layer2_out,
                                                   layer3_out); */
#if 0
    nnet::softmax<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out);
#endif

    layer3_t layer3_out[N_LAYER_2];
    #pragma HLS ARRAY_PARTITION variable=layer3_out complete dim=0
    nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out); // act

    nnet::dense<layer3_t, result_t, config4>(layer3_out, layer4_out, w4, b4); // fc2

}
"""


def _project(tmp_path, top: str = TOP, defines: str = DEFINES, parameters: str = PARAMETERS):
    folder = tmp_path / "old_prj"
    (folder / "firmware" / "weights").mkdir(parents=True)
    (folder / "firmware" / "defines.h").write_text(defines)
    (folder / "firmware" / "parameters.h").write_text(parameters)
    (folder / "firmware" / "myproject.cpp").write_text(top)
    for name, values in {"w2": W2, "b2": B2, "w4": W4, "b4": B4}.items():
        text = ", ".join(f"{v:g}" for v in values.reshape(-1))
        (folder / "firmware" / "weights" / f"{name}.txt").write_text(text)
    return folder


@pytest.mark.parametrize("dense", ["dense", "dense_latency"])  # dense_latency: before 0.5
def test_an_older_hls4ml_project_with_size_macros_and_const_size_ports_is_read(dense, tmp_path):
    qm = hlsfx.from_hls4ml(_project(tmp_path, top=TOP.replace("nnet::dense<", f"nnet::{dense}<")))
    graph = qm.graph
    assert [(x.name, x.kind.name) for x in graph.layers] == [
        ("fc1", "Dense"), ("act", "ReLU"), ("fc2", "Dense")]  # fmt: skip
    assert graph.inputs == ("dense_input",) and graph.shapes["dense_input"] == (4,)
    assert graph.outputs == ("layer4_out",) and graph.shapes["layer4_out"] == (2,)
    assert np.array_equal(graph.layer("fc1").params["weight"], W2)
    assert np.array_equal(graph.layer("fc2").params["bias"], B4)
    types = qm.precisions
    assert str(types["fc1"].types["accum"]) == "ap_fixed<24,10>"
    assert str(types["act"].types["result"]) == "ap_fixed<12,4>"
    x = RNG.normal(0, 2, (200, 4))
    y = qm.predict(x)
    hidden = np.maximum(x @ W2 + B2, 0) @ W4 + B4  # in float, to the result's precision
    assert np.abs(y - hidden).max() < 0.1


def _with(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new)


CALL = "nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, layer3_out); // act"


@pytest.mark.parametrize(
    "top, message",
    [
        (_with(TOP, CALL, "nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out);"),
         r"myproject\.cpp, line 42: nnet::relu<.*>\(layer2_out\) is not the call hls4ml writes"),
        (_with(TOP, CALL, "nnet::relu(layer2_out, layer3_out);"),
         r"line 42: the call 'nnet::relu\(layer2_out,layer3_out\)' is not one hlsfx reads"),
        (_with(TOP, CALL, "nnet::relu<layer2_t, layer3_t, relu_config3>(layer2_out, nothing);"),
         r"line 42: nnet::relu reads or writes 'nothing', which the top function does not"),
        (_with(TOP, CALL, f"{CALL}\n    int spare = 0;"),
         r"line 43: 'int spare=0' is not a statement of hls4ml's top function"),
        (_with(TOP, "layer3_t layer3_out[N_LAYER_2];", "layer3_t layer3_out[1_0];"),
         r"line 40: '1_0' is not a C\+\+ integer"),
        (_with(TOP, "layer3_t layer3_out[N_LAYER_2];", "layer3_t layer3_out[N_MISSING];"),
         r"line 40: the size 'N_MISSING' is not a number or a macro of one"),
        (_with(TOP, "input_t dense_input[N_INPUT_1_1],", "hls::stream<input_t> &dense_input,"),
         r"line 7: 'hls::stream<input_t>&dense_input' is an io_stream port"),
        (_with(TOP, "#if 0", "#if N_LAYER_2 > 2"), r"the condition #if 'N_LAYER_2 > 2' is not"),
        (_with(TOP, "layer3_out); */", "layer3_out);"), r"line 34: a /\* comment is never closed"),
        (TOP.replace("nnet::dense<layer3_t", "nnet::dense3d<layer3_t"),
         r"line 44: nnet::dense3d is not read"),
    ],
)  # fmt: skip
def test_a_top_function_hlsfx_cannot_read_is_an_error_naming_the_line(top, message, tmp_path):
    with pytest.raises(ProjectError, match=message):
        hlsfx.from_hls4ml(_project(tmp_path, top=top))


def test_no_file_outside_the_folder_is_read_through_a_symbolic_link(tmp_path):
    folder = _project(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text(", ".join(["1"] * 12))
    (folder / "firmware" / "weights" / "w2.txt").unlink()
    (folder / "firmware" / "weights" / "w2.txt").symlink_to(outside)
    with pytest.raises(ProjectError, match=r"w2\.txt is a symbolic link"):
        hlsfx.from_hls4ml(folder)
    (folder / "firmware" / "weights" / "w2.txt").unlink()
    shutil.copy(outside, folder / "firmware" / "weights" / "w2.txt")
    shutil.move(folder / "firmware" / "weights", tmp_path / "weights")
    (folder / "firmware" / "weights").symlink_to(tmp_path / "weights")
    with pytest.raises(ProjectError, match=r"weights is a symbolic link"):
        hlsfx.from_hls4ml(folder)


def test_long_lines_are_read_in_linear_time(tmp_path):
    """A 300 KB line once took the regular expressions over a minute; the reader must finish
    far inside the timeout (a hang guard, not a benchmark)."""
    long_line = "typedef ap_fixed<16,6> " + "a" * 300_000 + "\n" + "x " * 150_000 + "\n"
    folder = _project(tmp_path, defines=DEFINES.replace("#endif", long_line + "#endif"))
    code = textwrap.dedent(f"""
        import hlsfx
        from hlsfx.frontends.hls4ml.project import ProjectError
        try:
            hlsfx.from_hls4ml({str(folder)!r})
        except ProjectError as error:
            print("refused:", str(error)[:200])
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={**os.environ})  # fmt: skip
    assert done.returncode == 0 and "refused" in done.stdout, done.stdout + done.stderr


@pytest.mark.parametrize(
    "text, value",
    [("10", 10), ("0x1F", 31), ("017", 15), ("0b101", 5), ("1'000", 1000), ("7u", 7),
     ("12UL", 12), ("1.5f", 1.5), ("2e-3", 0.002), (".5", 0.5), ("3.", 3.0)],
)  # fmt: skip
def test_numbers_are_read_as_cpp_reads_them(text, value):
    got = number(Token(text, "number", 1), "x.h")
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("text", ["1_0", "08", "0x", "1e", "12a", "1.5.2"])
def test_what_cpp_does_not_read_as_a_number_is_refused(text):
    with pytest.raises(CppError, match=rf"x\.h, line 3: '{text}' is not a C\+\+ integer"):
        integer(Token(text, "number", 3), "x.h")


@pytest.mark.rtl
def test_vendor_rtl_of_an_older_hls4ml_project_leaves_its_size_outputs_unread(
    tmp_path, monkeypatch
):
    from hlsfx.cosim import infer_interface, run_vendor

    monkeypatch.setenv("HLSFX_CACHE", str(tmp_path / "cache"))  # not the fixture's build

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    rtl = tmp_path / "rtl"
    rtl.mkdir()
    (rtl / "myproject.v").write_text(textwrap.dedent("""\
        module myproject (ap_clk, ap_rst, ap_start, ap_done, ap_idle, ap_ready, x_V, x_V_ap_vld,
                          y_V, y_V_ap_vld, const_size_in_1, const_size_in_1_ap_vld,
                          const_size_out_1, const_size_out_1_ap_vld);
        input ap_clk, ap_rst, ap_start, x_V_ap_vld;
        output ap_done, ap_idle, ap_ready, y_V_ap_vld, const_size_in_1_ap_vld;
        output const_size_out_1_ap_vld;
        input [15:0] x_V;
        output reg [15:0] y_V;
        output [15:0] const_size_in_1, const_size_out_1;
        reg done;
        always @(posedge ap_clk) begin
            done <= ap_rst ? 1'b0 : ap_start;
            y_V <= x_V + x_V;
        end
        assign ap_done = done, y_V_ap_vld = done, ap_idle = ~done, ap_ready = ap_start;
        assign const_size_in_1 = 16'd1, const_size_out_1 = 16'd1;
        assign const_size_in_1_ap_vld = done, const_size_out_1_ap_vld = done;
        endmodule
    """))  # fmt: skip
    interface = infer_interface(rtl, input_type="ap_fixed<16,6>", output_type="ap_fixed<16,6>")
    assert [t.size for t in interface.outputs] == [1]
    x = np.array([[1], [-7], [1000], [-16000]])
    result = run_vendor(rtl, inputs=x, expected=2 * x, input_type="ap_fixed<16,6>",
                        output_type="ap_fixed<16,6>")  # fmt: skip
    assert result.passed and result.vectors == 4, result.summary()


def test_a_struct_that_disagrees_with_the_arrays_is_a_graph_error_naming_the_layer(tmp_path):
    """n_in 3 with a weights file of 3 x 3 values: read as the struct says, the Dense then
    disagrees with the 4 inputs the top function declares; the one verification names it."""
    from hlsfx.ir.graph import GraphError

    parameters = PARAMETERS.replace("static const unsigned n_in = N_INPUT_1_1;",
                                    "static const unsigned n_in = 3;")  # fmt: skip
    folder = _project(tmp_path, parameters=parameters)
    (folder / "firmware" / "weights" / "w2.txt").write_text(", ".join(["0.5"] * 9))
    with pytest.raises(GraphError, match=r"'fc1'.*does not end in the weight's 3 inputs"):
        hlsfx.from_hls4ml(folder)
