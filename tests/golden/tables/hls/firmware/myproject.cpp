#include "myproject.h"
#include "parameters.h"
#include "weights/fc.h"
#include "weights/sig.h"
#include "weights/sm.h"

void myproject(const x_t x[2], sm_out_t sm_out[3]) {
    #pragma HLS ARRAY_RESHAPE variable=x complete dim=0
    #pragma HLS ARRAY_PARTITION variable=sm_out complete dim=0
    #pragma HLS INTERFACE ap_vld port=x,sm_out
    #pragma HLS PIPELINE

    // fc: Dense -> (3,)
    fc_out_t fc_out[3];
    #pragma HLS ARRAY_PARTITION variable=fc_out complete dim=0
    hlsfx::dense<x_t, fc_out_t, fc_config>(x, fc_out, fc_weight, fc_bias);

    // sig: Sigmoid -> (3,)
    sig_out_t sig_out[3];
    #pragma HLS ARRAY_PARTITION variable=sig_out complete dim=0
    hlsfx::lut_activation<fc_out_t, sig_out_t, sig_config>(fc_out, sig_out, sig_table);

    // sm: Softmax -> (3,)
    hlsfx::softmax<sig_out_t, sm_out_t, sm_config>(sig_out, sm_out, sm_exp_table, sm_inv_table);
}
