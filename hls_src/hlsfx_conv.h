// Convolutions, channels-last (hlsfx's docs/numerics.md): at each output position, a Dense over the
// receptive field in the order kernel row, kernel column, input channel; taps in the zero padding
// read 0. A 1-D convolution is the 2-D one with in_height = filt_height = 1.
#ifndef HLSFX_CONV_H_
#define HLSFX_CONV_H_

#include "hlsfx_common.h"
#include "hlsfx_dense.h"

namespace hlsfx {

// Weights: (filt_height, filt_width, n_chan, n_filt) flattened; one Dense (dense_config) per
// output position.
template <class data_T, class res_T, class CONFIG_T>
void conv_2d(const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
             res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_filt],
             const typename CONFIG_T::dense_config::weight_t
                 weights[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan *
                         CONFIG_T::n_filt],
             const typename CONFIG_T::dense_config::bias_t biases[CONFIG_T::n_filt]) {
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
            dense<data_T, res_T, typename CONFIG_T::dense_config>(patch, out, weights, biases);
        FilterLoop:
            for (int f = 0; f < int(CONFIG_T::n_filt); f++) {
                #pragma HLS UNROLL
                res[(oh * int(CONFIG_T::out_width) + ow) * int(CONFIG_T::n_filt) + f] = out[f];
            }
        }
    }
}

// Depthwise, one output position: one filter per channel. Weights: (filt_height, filt_width,
// n_chan) flattened; per channel, acc = b_c, then acc = acc + cast(x_tc * w_tc, accum_t) for each
// tap t in order.
template <class data_T, class res_T, class CONFIG_T>
void depthwise_window(
    const data_T patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan],
    res_T res[CONFIG_T::n_chan],
    const typename CONFIG_T::weight_t
        weights[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan],
    const typename CONFIG_T::bias_t biases[CONFIG_T::n_chan]) {
    #pragma HLS INLINE
    const int taps = CONFIG_T::filt_height * CONFIG_T::filt_width;
ChannelLoop:
    for (int c = 0; c < int(CONFIG_T::n_chan); c++) {
        typename CONFIG_T::accum_t acc = biases[c];
    TapLoop:
        for (int t = 0; t < taps; t++) {
            const int k = t * int(CONFIG_T::n_chan) + c;
            typename CONFIG_T::accum_t product = patch[k] * weights[k];
            acc = acc + product;
        }
        res[c] = acc;
    }
}

template <class data_T, class res_T, class CONFIG_T>
void depthwise_conv_2d(
    const data_T data[CONFIG_T::in_height * CONFIG_T::in_width * CONFIG_T::n_chan],
    res_T res[CONFIG_T::out_height * CONFIG_T::out_width * CONFIG_T::n_chan],
    const typename CONFIG_T::weight_t
        weights[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan],
    const typename CONFIG_T::bias_t biases[CONFIG_T::n_chan]) {
OutputRowLoop:
    for (int oh = 0; oh < int(CONFIG_T::out_height); oh++) {
    OutputColumnLoop:
        for (int ow = 0; ow < int(CONFIG_T::out_width); ow++) {
            #pragma HLS PIPELINE II=CONFIG_T::reuse_factor
            data_T patch[CONFIG_T::filt_height * CONFIG_T::filt_width * CONFIG_T::n_chan];
            #pragma HLS ARRAY_PARTITION variable=patch complete
            bool inside[CONFIG_T::filt_height * CONFIG_T::filt_width];
            gather_window<data_T, CONFIG_T>(data, patch, inside, oh, ow);
            depthwise_window<data_T, res_T, CONFIG_T>(
                patch, &res[(oh * int(CONFIG_T::out_width) + ow) * int(CONFIG_T::n_chan)], weights,
                biases);
        }
    }
}

} // namespace hlsfx

#endif
