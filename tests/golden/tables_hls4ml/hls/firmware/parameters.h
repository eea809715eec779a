// One config struct per layer: sizes, reuse factor, strategy and internal types.
#ifndef PARAMETERS_H_
#define PARAMETERS_H_

#include "defines.h"
#include "hls_src/hlsfx_common.h"
#include "hls_src/hlsfx_dense.h"
#include "hls_src/hlsfx_lut.h"
#include "hls_src/hlsfx_softmax.h"

// fc: Dense
struct fc_config {
    static const unsigned n_in = 2;
    static const unsigned n_out = 3;
    static const unsigned reuse_factor = 1;
    static const unsigned multiplier_limit = 6;
    static const hlsfx::strategy_t strategy = hlsfx::latency;
    typedef ap_fixed<8,3> weight_t;
    typedef ap_fixed<8,3> bias_t;
    typedef ap_fixed<8,3> accum_t;
};

// sig: Sigmoid
struct sig_table {
    static const hlsfx::index_rule_t rule = hlsfx::toward_zero;
    typedef ap_int<8> raw_t;
    typedef ap_int<11> index_calc_t;
    static const int shift = 5;
    static const int left = 0;
    static const unsigned size = 16;
    static index_calc_t add() { return index_calc_t(8LL); }
};

struct sig_config {
    static const unsigned n_in = 3;
    typedef ap_fixed<18,8> table_t;
    typedef sig_table table;
};

// sm: Softmax
struct sm_exp_table {
    static const hlsfx::index_rule_t rule = hlsfx::top_bits;
    typedef ap_int<8> raw_t;
    typedef ap_int<10> index_calc_t;
    static const int shift = 3;
    static const int left = 0;
    static const unsigned size = 16;
    static index_calc_t add() { return index_calc_t(0LL); }
};

struct sm_inv_table {
    static const hlsfx::index_rule_t rule = hlsfx::top_bits;
    typedef ap_int<18> raw_t;
    typedef ap_int<20> index_calc_t;
    static const int shift = 14;
    static const int left = 0;
    static const unsigned size = 16;
    static index_calc_t add() { return index_calc_t(0LL); }
};

struct sm_config {
    static const unsigned n_in = 3;
    static const unsigned n_outer = 1;
    static const bool stable = true;
    typedef ap_fixed<18,8,AP_RND,AP_SAT> exp_table_t;
    typedef ap_fixed<18,8,AP_RND,AP_SAT> inv_table_t;
    typedef ap_fixed<18,8,AP_RND,AP_SAT> sum_t;
    typedef ap_fixed<18,8,AP_RND,AP_SAT> inv_input_t;
    typedef ap_ufixed<7,2> difference_t;
    typedef sm_exp_table exp_table;
    typedef sm_inv_table inv_table;
};

#endif
