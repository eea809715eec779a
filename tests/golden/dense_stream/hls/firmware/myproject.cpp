#include "myproject.h"
#include "parameters.h"
#include "weights/fc.h"

// fc: Dense, per pixel or window
struct fc_op {
    static void apply(const x_t x[3], fc_out_t y[2]) {
        hlsfx::dense<x_t, fc_out_t, fc_config>(x, y, fc_weight, fc_bias);
    }
};

// act: ReLU, per pixel or window
struct act_op {
    static void apply(const fc_out_t x[2], act_out_t y[2]) {
        hlsfx::relu<fc_out_t, act_out_t, act_config>(x, y);
    }
};

void myproject(hls::stream<x_pixel_t> &x, hls::stream<act_out_pixel_t> &act_out) {
    #pragma HLS INTERFACE axis port=x
    #pragma HLS INTERFACE axis port=act_out
    #pragma HLS INTERFACE ap_ctrl_none port=return
    #pragma HLS DATAFLOW

    hls::stream<fc_out_pixel_t> fc_out("fc_out");
    #pragma HLS STREAM variable=fc_out depth=2

    // fc: Dense -> (2,)
    hlsfx::pixel_map<x_pixel_t, fc_out_pixel_t, fc_stream, fc_op>(x, fc_out);

    // act: ReLU -> (2,)
    hlsfx::pixel_map<fc_out_pixel_t, act_out_pixel_t, act_stream, act_op>(fc_out, act_out);
}
