"""Short golden texts of generated code for one small model, so that the writers are checked
even where no compiler or simulator is installed (the csim and cosim tests prove the bits)."""

from __future__ import annotations

import numpy as np

import hlsfx
from hlsfx import kinds
from hlsfx.graph import Graph, Layer


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
