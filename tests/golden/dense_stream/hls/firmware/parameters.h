// One config struct per layer: sizes, reuse factor, strategy and internal types.
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"
#include "hls_src/hlsfx_activation.h"
#include "hls_src/hlsfx_common.h"
#include "hls_src/hlsfx_dense.h"
#include "hls_src/hlsfx_stream.h"

// fc: Dense
struct fc_config {
    static const unsigned n_in = 3;
    static const unsigned n_out = 2;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = 6;
    static const hlsfx::strategy_t strategy = hlsfx::latency;
    typedef ap_fixed<8,3> weight_t;
    typedef ap_fixed<8,3> bias_t;
    typedef ap_fixed<17,7> accum_t;
};

struct fc_stream {
    static const unsigned n_pixels = 1;
    static const unsigned reuse_factor = 1;
};

// act: ReLU
struct act_config {
    static const unsigned n_in = 2;
};

struct act_stream {
    static const unsigned n_pixels = 1;
    static const unsigned reuse_factor = 1;
};

#endif
