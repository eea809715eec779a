// Two tensors element by element, exactly, then cast to res_T: Add, Subtract, Multiply; and
// Concatenate along one axis (each input cast to res_T).
#ifndef HLSFX_MERGE_H_
#define HLSFX_MERGE_H_

#include "hlsfx_common.h"

namespace hlsfx {

template <class a_T, class b_T, class res_T, class CONFIG_T>
void add(const a_T a[CONFIG_T::n_in], const b_T b[CONFIG_T::n_in], res_T res[CONFIG_T::n_in]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = a[i] + b[i];
    }
}

template <class a_T, class b_T, class res_T, class CONFIG_T>
void subtract(const a_T a[CONFIG_T::n_in], const b_T b[CONFIG_T::n_in],
              res_T res[CONFIG_T::n_in]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = a[i] - b[i];
    }
}

template <class a_T, class b_T, class res_T, class CONFIG_T>
void multiply(const a_T a[CONFIG_T::n_in], const b_T b[CONFIG_T::n_in],
              res_T res[CONFIG_T::n_in]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = a[i] * b[i];
    }
}

// Shapes (outer, a_inner) and (outer, b_inner) joined into (outer, a_inner + b_inner).
template <class a_T, class b_T, class res_T, class CONFIG_T>
void concatenate(const a_T a[CONFIG_T::n_outer * CONFIG_T::a_inner],
                 const b_T b[CONFIG_T::n_outer * CONFIG_T::b_inner],
                 res_T res[CONFIG_T::n_outer * (CONFIG_T::a_inner + CONFIG_T::b_inner)]) {
    #pragma HLS PIPELINE
    const unsigned row = CONFIG_T::a_inner + CONFIG_T::b_inner;
OuterLoop:
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
        #pragma HLS UNROLL
    FirstLoop:
        for (unsigned k = 0; k < CONFIG_T::a_inner; k++) {
            #pragma HLS UNROLL
            res[o * row + k] = a[o * CONFIG_T::a_inner + k];
        }
    SecondLoop:
        for (unsigned k = 0; k < CONFIG_T::b_inner; k++) {
            #pragma HLS UNROLL
            res[o * row + CONFIG_T::a_inner + k] = b[o * CONFIG_T::b_inner + k];
        }
    }
}

} // namespace hlsfx

#endif
