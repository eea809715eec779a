// BatchNormalization not folded into a Dense/Conv (hlsfx's docs/numerics.md), per channel c of the
// last axis: y = cast(cast(x * scale_c, accum_t) + cast(bias_c, accum_t), res_T), the sum assigned
// to accum_t.
#ifndef HLSFX_BATCHNORM_H_
#define HLSFX_BATCHNORM_H_

#include "hlsfx_common.h"

namespace hlsfx {

template <class data_T, class res_T, class CONFIG_T>
void batch_normalization(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                         const typename CONFIG_T::scale_t scale[CONFIG_T::n_chan],
                         const typename CONFIG_T::bias_t bias[CONFIG_T::n_chan]) {
    #pragma HLS PIPELINE II=CONFIG_T::reuse_factor
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        const unsigned c = i % CONFIG_T::n_chan;
        typename CONFIG_T::accum_t product = data[i] * scale[c];
        typename CONFIG_T::accum_t shift = bias[c];
        typename CONFIG_T::accum_t acc = product + shift;
        res[i] = acc;
    }
}

} // namespace hlsfx

#endif
