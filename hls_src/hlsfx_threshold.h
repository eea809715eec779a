// MultiThreshold: cast(x * scale + bias, res_T) for a result of a few bits, computed exactly by
// hlsfx as thresholds on the input: res = levels[the number of its channel's thresholds the
// input reaches], from below (x >= step), or from above where the channel's scale is negative
// (falling: x <= step). Comparators only, no multiplier.
#ifndef HLSFX_THRESHOLD_H_
#define HLSFX_THRESHOLD_H_

#include "hlsfx_common.h"

namespace hlsfx {

template <class data_T, class res_T, class CONFIG_T>
void multithreshold(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                    const typename CONFIG_T::threshold_t
                        steps[CONFIG_T::n_chan * CONFIG_T::n_steps],
                    const bool falling[CONFIG_T::n_chan],
                    const res_T levels[CONFIG_T::n_steps + 1]) {
    #pragma HLS PIPELINE
ElementLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        const unsigned channel = i % CONFIG_T::n_chan;
        const unsigned first = channel * CONFIG_T::n_steps;
        unsigned reached = 0;
    StepLoop:
        for (unsigned k = 0; k < CONFIG_T::n_steps; k++) {
            #pragma HLS UNROLL
            if (falling[channel] ? data[i] <= steps[first + k] : data[i] >= steps[first + k]) {
                reached++;
            }
        }
        res[i] = levels[reached];
    }
}

} // namespace hlsfx

#endif
