// One config struct per layer: sizes, reuse factor, strategy and internal types.
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"
#include "hls_src/hlsfx_activation.h"
#include "hls_src/hlsfx_common.h"
#include "hls_src/hlsfx_distributed.h"

// fc: Dense
struct fc_config {
    static const unsigned n_in = 3;
    static const unsigned n_out = 2;
};

// act: ReLU
struct act_config {
    static const unsigned n_in = 2;
};

#endif
