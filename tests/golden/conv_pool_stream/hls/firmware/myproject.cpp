#include "myproject.h"
#include "parameters.h"
#include "weights/conv.h"
#include "weights/pool.h"

// conv: Conv2D, per pixel or window
struct conv_op {
    static void apply(const x_t patch[4], const bool[4], conv_out_t y[2]) {
        hlsfx::dense<x_t, conv_out_t, conv_dense_config>(patch, y, conv_weight, conv_bias);
    }
};

// pool: MaxPooling2D, per pixel or window
struct pool_op {
    static void apply(const conv_out_t patch[8], const bool inside[4], pool_out_t y[2]) {
        hlsfx::pool_window<conv_out_t, pool_out_t, pool_config>(patch, inside, y, pool_recip);
    }
};

void myproject(hls::stream<x_pixel_t> &x, hls::stream<pool_out_pixel_t> &pool_out) {
    #pragma HLS INTERFACE axis port=x
    #pragma HLS INTERFACE axis port=pool_out
    #pragma HLS INTERFACE ap_ctrl_none port=return
    #pragma HLS DATAFLOW

    hls::stream<conv_out_pixel_t> conv_out("conv_out");
    #pragma HLS STREAM variable=conv_out depth=2

    // conv: Conv2D -> (4, 4, 2)
    hlsfx::window_map<x_pixel_t, conv_out_pixel_t, conv_stream, conv_op>(x, conv_out);

    // pool: MaxPooling2D -> (2, 2, 2)
    hlsfx::window_map<conv_out_pixel_t, pool_out_pixel_t, pool_stream, pool_op>(conv_out, pool_out);
}
