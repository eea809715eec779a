#include "myproject.h"
#include "parameters.h"
#include "weights/fc.h"

void myproject(const x_t x[3], act_out_t act_out[2]) {
    #pragma HLS ARRAY_RESHAPE variable=x complete dim=0
    #pragma HLS ARRAY_PARTITION variable=act_out complete dim=0
    #pragma HLS INTERFACE ap_vld port=x,act_out
    #pragma HLS PIPELINE

    // fc: Dense -> (2,)
    fc_out_t fc_out[2];
    #pragma HLS ARRAY_PARTITION variable=fc_out complete dim=0
    hlsfx::dense_distributed<x_t, fc_out_t, fc_config, fc_graph>(x, fc_out);

    // act: ReLU -> (2,)
    hlsfx::relu<fc_out_t, act_out_t, act_config>(fc_out, act_out);
}
