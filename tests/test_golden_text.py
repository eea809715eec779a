"""Short golden texts of generated code for one small model, so that the writers are checked
even where no compiler or simulator is installed (the csim and cosim tests prove the bits)."""

from __future__ import annotations

import numpy as np

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer


def _tiny():
    weight, bias = np.array([[0.5, -0.25], [1.0, 0.0]]), np.array([0.125, -1.0])
    layers = (Layer("fc", kinds.DENSE, ["x"], "h", params={"weight": weight, "bias": bias}),
              Layer("act", kinds.RELU, ["h"], "y"))  # fmt: skip
    graph = Graph(("x",), ("y",), layers, {"x": (2,), "h": (2,), "y": (2,)})
    return hlsfx.configure(graph, "ap_fixed<8,3>", layers={"fc": {"accum": "ap_fixed<12,5>"}})


def test_the_dense_config_struct_and_its_exact_constants(tmp_path):
    project = _tiny().write_hls(tmp_path / "prj", vectors=2)
    parameters = (project / "firmware" / "parameters.h").read_text()
    assert (
        """// fc: Dense
struct fc_config {
    static const unsigned n_in = 2;
    static const unsigned n_out = 2;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = 4;
    static const hlsfx::strategy_t strategy = hlsfx::latency;
    typedef ap_fixed<8,3> weight_t;
    typedef ap_fixed<8,3> bias_t;
    typedef ap_fixed<12,5> accum_t;
};

// act: ReLU
struct act_config {
    static const unsigned n_in = 2;
};
"""
        in parameters
    )
    assert (project / "firmware" / "weights" / "fc.h").read_text() == (
        """// Constants of layer fc (Dense), exact values.
#ifndef WEIGHTS_FC_H_
#define WEIGHTS_FC_H_

static const fc_config::weight_t fc_weight[4] = {
    0.5, -0.25, 1.0, 0.0
};

static const fc_config::bias_t fc_bias[2] = {
    0.125, -1.0
};

#endif
"""
    )


def test_the_top_function_calls_one_header_function_per_layer(tmp_path):
    project = _tiny().write_hls(tmp_path / "prj", vectors=2)
    assert (project / "firmware" / "myproject.cpp").read_text() == (
        """#include "myproject.h"
#include "parameters.h"
#include "weights/fc.h"

void myproject(const x_t x[2], act_out_t act_out[2]) {
    #pragma HLS ARRAY_RESHAPE variable=x complete dim=0
    #pragma HLS ARRAY_PARTITION variable=act_out complete dim=0
    #pragma HLS INTERFACE ap_vld port=x,act_out
    #pragma HLS PIPELINE

    // fc: Dense -> (2,)
    fc_out_t fc_out[2];
    #pragma HLS ARRAY_PARTITION variable=fc_out complete dim=0
    hlsfx::dense<x_t, fc_out_t, fc_config>(x, fc_out, fc_weight, fc_bias);

    // act: ReLU -> (2,)
    hlsfx::relu<fc_out_t, act_out_t, act_config>(fc_out, act_out);
}
"""
    )


def test_the_rtl_of_a_dense_and_a_relu_is_a_netlist_without_pragmas(tmp_path):
    # The accumulator <12,5> is narrower than the products <16,6>: every term is cast (a bit
    # selection, as the types truncate and wrap), and the bits the casts drop are gathered in
    # fc_unused rather than hidden behind lint pragmas.
    project = _tiny().write_rtl(tmp_path / "rtl", vectors=2)
    assert (project / "myproject.v").read_text() == (
        """`default_nettype none
// myproject: written by hlsfx; latency 2 cycles, II 1.
module myproject (
    input wire ap_clk,
    input wire ap_rst,
    input wire ap_start,
    output wire ap_done,
    output wire ap_idle,
    output wire ap_ready,
    input wire [15:0] x,
    input wire x_ap_vld,
    output wire [15:0] act_out,
    output wire act_out_ap_vld
);
wire accept = ap_start & x_ap_vld & ap_ready;
// valid[k]: a sample was accepted k + 1 cycles ago (k = 0 .. 1)
reg [1:0] valid;
always @(posedge ap_clk)
    if (ap_rst) valid <= 2'd0;
    else valid <= {valid[0], accept};
assign ap_ready = 1'b1;

// ---- fc: Dense 2 -> 2; cycles 0 .. 0 after the accept; 3 products
wire [15:0] fc_in = x;
wire [15:0] fc_next;
wire [15:0] fc_p0;
wire [15:0] fc_p1;
wire [15:0] fc_p2;
wire [11:0] fc_acc0_0 = 12'd16;
wire [12:0] fc_acc0_0_s = {fc_acc0_0[11], fc_acc0_0} + {fc_p0[14], fc_p0[14:3]};
wire [12:0] fc_acc0_1_s = {fc_acc0_0_s[11], fc_acc0_0_s[11:0]} + {fc_p1[14], fc_p1[14:3]};
assign fc_next[7:0] = fc_acc0_1_s[9:2];
wire [11:0] fc_acc1_0 = 12'd3968;
wire [12:0] fc_acc1_0_s = {fc_acc1_0[11], fc_acc1_0} + {fc_p2[14], fc_p2[14:3]};
assign fc_next[15:8] = fc_acc1_0_s[9:2];
assign fc_p0 = $signed({{8{fc_in[7]}}, fc_in[7:0]}) * 16'sd16;
assign fc_p1 = $signed({{8{fc_in[15]}}, fc_in[15:8]}) * 16'sd32;
assign fc_p2 = $signed({{8{fc_in[7]}}, fc_in[7:0]}) * -16'sd8;
reg [15:0] fc_reg;
always @(posedge ap_clk) fc_reg <= fc_next;

// ---- act: ReLU over 2 values; cycles 1 .. 1 after the accept; 0 products
wire [15:0] act_in = fc_reg;
wire [15:0] act_next;
wire [6:0] act_m0 = act_in[7] ? 7'd0 : act_in[6:0];
assign act_next[7:0] = {1'b0, act_m0};
wire [6:0] act_m1 = act_in[15] ? 7'd0 : act_in[14:8];
assign act_next[15:8] = {1'b0, act_m1};
reg [15:0] act_reg;
always @(posedge ap_clk) act_reg <= act_next;

assign act_out = act_reg;
assign act_out_ap_vld = valid[1];
assign ap_done = valid[1];
assign ap_idle = ~ap_start & ~(|valid);

// bits no logic reads (a cast drops them, or no window covers them), in
// wires that the default --unused-regexp (*unused*) of the lint exempts
wire [22:0] fc_unused = {fc_p0[15], fc_p0[2:0], fc_p1[15], fc_p1[2:0], fc_p2[15], fc_p2[2:0],
    fc_acc0_0_s[12], fc_acc0_1_s[12:10], fc_acc0_1_s[1:0], fc_acc1_0_s[12:10], fc_acc1_0_s[1:0]};
endmodule
`default_nettype wire
"""
    )


def test_a_saturating_relu_compares_only_with_the_largest_value(tmp_path):
    # max(x, 0) is never negative: the cast saturates at the top and has nothing to compare
    # at the bottom
    qm = _tiny()
    qm = hlsfx.configure(qm.graph, "ap_fixed<8,3>",
                         layers={"act": {"result": "ap_fixed<6,2,AP_TRN,AP_SAT>"}})  # fmt: skip
    verilog = (qm.write_rtl(tmp_path / "rtl", vectors=2) / "myproject.v").read_text()
    relu = verilog[verilog.index("// ---- act") : verilog.index("reg [11:0] act_reg;")]
    assert relu == (
        """// ---- act: ReLU over 2 values; cycles 1 .. 1 after the accept; 0 products
wire [15:0] act_in = fc_reg;
wire [11:0] act_next;
wire [6:0] act_m0 = act_in[7] ? 7'd0 : act_in[6:0];
wire [8:0] act_c0_q = {{3{1'b0}}, act_m0[6:1]};
assign act_next[5:0] = $signed(act_c0_q) > 9'sd31 ? 6'd31 : act_c0_q[5:0];
wire [6:0] act_m1 = act_in[15] ? 7'd0 : act_in[14:8];
wire [8:0] act_c1_q = {{3{1'b0}}, act_m1[6:1]};
assign act_next[11:6] = $signed(act_c1_q) > 9'sd31 ? 6'd31 : act_c1_q[5:0];
"""
    )
