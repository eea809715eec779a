// The distributed strategy (hlsfx's docs/numerics.md, exact sums): a Dense or convolution's
// constant matrix product written by hlsfx as shifts and adds on the inputs' raw integer codes,
// with no multiplier. GRAPH_T::apply(x, y) is that generated graph for one input row or window; the
// exact sum is cast to res_T once, as every strategy does.
#ifndef HLSFX_DISTRIBUTED_H_
#define HLSFX_DISTRIBUTED_H_

#include "hlsfx_common.h"

namespace hlsfx {

// The fixed-point value whose raw code is the integer code (the same bits).
template <class fixed_T, class int_T> fixed_T from_code(const int_T &code) {
    #pragma HLS INLINE
    fixed_T value;
    value.range() = code;
    return value;
}

template <class data_T, class res_T, class CONFIG_T, class GRAPH_T>
void dense_distributed(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_out]) {
    #pragma HLS INLINE
    GRAPH_T::apply(data, res);
}

// A convolution (depthwise too: its graph reads each channel's taps alone): the graph applied
// to the window of every output position, taps in the zero padding reading 0.
template <class data_T, class res_T, class CONFIG_T, class GRAPH_T>
void conv_2d_distributed(
    const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
    res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt]) {
OutputRowLoop:
    for (int oh = 0; oh < int(CONFIG_T::out_height); oh++) {
    OutputColumnLoop:
        for (int ow = 0; ow < int(CONFIG_T::out_width); ow++) {
            data_T patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan];
            #pragma HLS ARRAY_PARTITION variable=patch complete
            bool inside[CONFIG_T::filt_height * CONFIG_T::filt_width];
            res_T out[CONFIG_T::n_filt];
            #pragma HLS ARRAY_PARTITION variable=out complete
            gather_window<data_T, CONFIG_T>(data, patch, inside, oh, ow);
            GRAPH_T::apply(patch, out);
        FilterLoop:
            for (int f = 0; f < int(CONFIG_T::n_filt); f++) {
                #pragma HLS UNROLL
                res[(oh * int(CONFIG_T::out_width) + ow) * int(CONFIG_T::n_filt) + f] = out[f];
            }
        }
    }
}

} // namespace hlsfx

#endif
