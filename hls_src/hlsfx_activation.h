// Element-wise activations computed exactly on the fixed-point value, then cast to res_T (hlsfx's
// docs/numerics.md): ReLU, Linear (also a Reshape), LeakyReLU/PReLU, Clip, HardSigmoid, Binarize.
#ifndef HLSFX_ACTIVATION_H_
#define HLSFX_ACTIVATION_H_

#include "hlsfx_common.h"

namespace hlsfx {

template <class data_T, class res_T, class CONFIG_T>
void relu(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        if (data[i] > 0) {
            res[i] = data[i];
        } else {
            res[i] = 0;
        }
    }
}

template <class data_T, class res_T, class CONFIG_T>
void linear(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = data[i];
    }
}

// x >= 0 ? x : x * alpha[c], with one slope (n_alpha = 1) or one per channel of the last axis.
template <class data_T, class res_T, class CONFIG_T>
void leaky_relu(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                const typename CONFIG_T::alpha_t alpha[CONFIG_T::n_alpha]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        if (data[i] >= 0) {
            res[i] = data[i];
        } else {
            res[i] = data[i] * alpha[i % CONFIG_T::n_alpha];
        }
    }
}

// min(max(x, lo), hi), the bounds being values of data_T.
template <class data_T, class res_T, class CONFIG_T>
void clip(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in], const data_T lo,
          const data_T hi) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        data_T v = data[i];
        if (v < lo) v = lo;
        if (v > hi) v = hi;
        res[i] = v;
    }
}

// min(max(alpha * x + beta, 0), 1), exact in clamp_t before the cast.
template <class data_T, class res_T, class CONFIG_T>
void hard_sigmoid(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                  const typename CONFIG_T::alpha_t alpha, const typename CONFIG_T::beta_t beta) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        typename CONFIG_T::clamp_t v = data[i] * alpha + beta;
        if (v < 0) v = 0;
        if (v > 1) v = 1;
        res[i] = v;
    }
}

// x >= 0 ? plus : minus (QONNX BipolarQuant), both already values of res_T.
template <class data_T, class res_T, class CONFIG_T>
void binarize(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in], const res_T plus,
              const res_T minus) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = data[i] >= 0 ? plus : minus;
    }
}

} // namespace hlsfx

#endif
