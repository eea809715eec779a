#include "myproject.h"
#include "parameters.h"
#include "weights/conv.h"
#include "weights/pool.h"

void myproject(const x_t x[25], pool_out_t pool_out[8]) {
    #pragma HLS ARRAY_RESHAPE variable=x complete dim=0
    #pragma HLS ARRAY_PARTITION variable=pool_out complete dim=0
    #pragma HLS INTERFACE ap_vld port=x,pool_out
    #pragma HLS PIPELINE

    // conv: Conv2D -> (4, 4, 2)
    conv_out_t conv_out[32];
    #pragma HLS ARRAY_PARTITION variable=conv_out complete dim=0
    hlsfx::conv_2d<x_t, conv_out_t, conv_config>(x, conv_out, conv_weight, conv_bias);

    // pool: MaxPooling2D -> (2, 2, 2)
    hlsfx::pooling_2d<conv_out_t, pool_out_t, pool_config>(conv_out, pool_out, pool_recip);
}
