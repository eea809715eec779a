// Dense: y = W x + b (hlsfx's docs/numerics.md). For each output j, acc = b_j; then for i = 0 ..
// n_in - 1 in that order, acc = acc + cast(x_i * w_ij, accum_t) with every sum assigned to accum_t;
// finally y_j = cast(acc, res_T). Both strategies keep that order, so they give the same bits.
#ifndef HLSFX_DENSE_H_
#define HLSFX_DENSE_H_

#include "hlsfx_common.h"

namespace hlsfx {

template <class CONFIG_T>
void load_biases(typename CONFIG_T::accum_t acc[CONFIG_T::n_out],
                 const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    #pragma HLS INLINE
BiasLoop:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        #pragma HLS UNROLL
        acc[j] = biases[j];
    }
}

template <class res_T, class CONFIG_T>
void write_results(const typename CONFIG_T::accum_t acc[CONFIG_T::n_out],
                   res_T res[CONFIG_T::n_out]) {
    #pragma HLS INLINE
ResultLoop:
    for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
        #pragma HLS UNROLL
        res[j] = acc[j];
    }
}

// Latency: every product in one pipelined stage, at most multiplier_limit multipliers.
template <class data_T, class res_T, class CONFIG_T>
void dense_latency(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                   const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
                   const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    #pragma HLS PIPELINE II=CONFIG_T::reuse_factor
    #pragma HLS ALLOCATION operation instances=mul limit=CONFIG_T::multiplier_limit
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
    #pragma HLS ARRAY_PARTITION variable=acc complete

    load_biases<CONFIG_T>(acc, biases);
InputLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
    OutputLoop:
        for (unsigned j = 0; j < CONFIG_T::n_out; j++) {
            #pragma HLS UNROLL
            typename CONFIG_T::accum_t product = data[i] * weights[i * CONFIG_T::n_out + j];
            acc[j] = acc[j] + product;
        }
    }
    write_results<res_T, CONFIG_T>(acc, res);
}

// Resource: the n_in * n_out products in input-major order, split into reuse_factor steps of
// n_in * n_out / reuse_factor multipliers each (one step per clock).
template <class data_T, class res_T, class CONFIG_T>
void dense_resource(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
                    const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
                    const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    const unsigned block = CONFIG_T::n_in * CONFIG_T::n_out / CONFIG_T::reuse_factor;
    #pragma HLS ARRAY_RESHAPE variable=weights block factor=block
    typename CONFIG_T::accum_t acc[CONFIG_T::n_out];
    #pragma HLS ARRAY_PARTITION variable=acc complete

    load_biases<CONFIG_T>(acc, biases);
ReuseLoop:
    for (unsigned r = 0; r < CONFIG_T::reuse_factor; r++) {
        #pragma HLS PIPELINE II=1
    BlockLoop:
        for (unsigned k = 0; k < block; k++) {
            #pragma HLS UNROLL
            const unsigned w_index = r * block + k;
            const unsigned i = w_index / CONFIG_T::n_out;
            const unsigned j = w_index % CONFIG_T::n_out;
            typename CONFIG_T::accum_t product = data[i] * weights[w_index];
            acc[j] = acc[j] + product;
        }
    }
    write_results<res_T, CONFIG_T>(acc, res);
}

template <class data_T, class res_T, class CONFIG_T>
void dense(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out],
           const typename CONFIG_T::weight_t weights[CONFIG_T::n_in * CONFIG_T::n_out],
           const typename CONFIG_T::bias_t biases[CONFIG_T::n_out]) {
    #pragma HLS INLINE
    if (CONFIG_T::strategy == latency) {
        dense_latency<data_T, res_T, CONFIG_T>(data, res, weights, biases);
    } else {
        dense_resource<data_T, res_T, CONFIG_T>(data, res, weights, biases);
    }
}

} // namespace hlsfx

#endif
