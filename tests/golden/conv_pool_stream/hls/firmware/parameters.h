// One config struct per layer: sizes, reuse factor, strategy and internal types.
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"
#include "hls_src/hlsfx_common.h"
#include "hls_src/hlsfx_conv.h"
#include "hls_src/hlsfx_dense.h"
#include "hls_src/hlsfx_pooling.h"
#include "hls_src/hlsfx_stream.h"

// conv: Conv2D
struct conv_dense_config {
    static const unsigned n_in = 4;
    static const unsigned n_out = 2;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = 8;
    static const hlsfx::strategy_t strategy = hlsfx::latency;
    typedef ap_fixed<8,3> weight_t;
    typedef ap_fixed<8,3> bias_t;
    typedef ap_fixed<18,8> accum_t;
};

struct conv_config {
    static const unsigned in_height = 5;
    static const unsigned in_width = 5;
    static const unsigned n_chan = 1;
    static const unsigned out_height = 4;
    static const unsigned out_width = 4;
    static const unsigned n_filt = 2;
    static const unsigned filt_height = 2;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 1;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    typedef conv_dense_config dense_config;
};

struct conv_stream {
    static const unsigned in_height = 5;
    static const unsigned in_width = 5;
    static const unsigned n_chan = 1;
    static const unsigned out_height = 4;
    static const unsigned out_width = 4;
    static const unsigned n_filt = 2;
    static const unsigned filt_height = 2;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 1;
    static const unsigned stride_width = 1;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const unsigned reuse_factor = 1;
};

// pool: MaxPooling2D
struct pool_config {
    static const unsigned in_height = 4;
    static const unsigned in_width = 4;
    static const unsigned n_chan = 2;
    static const unsigned out_height = 2;
    static const unsigned out_width = 2;
    static const unsigned filt_height = 2;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 2;
    static const unsigned stride_width = 2;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const bool average = false;
    static const bool divide = false;
    static const bool count_pad = false;
    typedef ap_fixed<8,3> accum_t;
    typedef ap_ufixed<2,2> recip_t;
};

struct pool_stream {
    static const unsigned in_height = 4;
    static const unsigned in_width = 4;
    static const unsigned n_chan = 2;
    static const unsigned out_height = 2;
    static const unsigned out_width = 2;
    static const unsigned n_filt = 2;
    static const unsigned filt_height = 2;
    static const unsigned filt_width = 2;
    static const unsigned stride_height = 2;
    static const unsigned stride_width = 2;
    static const unsigned dilation_height = 1;
    static const unsigned dilation_width = 1;
    static const unsigned pad_top = 0;
    static const unsigned pad_left = 0;
    static const unsigned reuse_factor = 1;
};

#endif
