// Softmax over n_in values (hlsfx's docs/numerics.md).
// Stable: m = max x; e_i = exp_table[index(m - x_i)]; s = sum of e_i in index order, each
// partial sum assigned to sum_t; r = inv_table[index(s)]; y_i = cast(e_i * r, res_T).
// Latency (as hls4ml's): e_i = exp_table[index(x_i)], no maximum.
// softmax_hls4ml follows hls4ml 1.3.0 (numerics="hls4ml"): e_i held in sum_t (hls4ml's
// accum_t), summed as a balanced tree, the sum assigned to inv_input_t before its lookup.
#ifndef HLSFX_SOFTMAX_H_
#define HLSFX_SOFTMAX_H_

#include "hlsfx_common.h"

namespace hlsfx {

// The largest of n_in values (stable), or the first (latency: no maximum is taken).
template <class data_T, class CONFIG_T> data_T row_maximum(const data_T data[CONFIG_T::n_in]) {
    #pragma HLS INLINE
    data_T m = data[0];
    if (CONFIG_T::stable) {
    MaxLoop:
        for (unsigned i = 1; i < CONFIG_T::n_in; i++) {
            #pragma HLS UNROLL
            if (data[i] > m) m = data[i];
        }
    }
    return m;
}

// The exp table's entry for x: of m - x held in difference_t (stable), or of x (latency).
template <class data_T, class CONFIG_T>
typename CONFIG_T::exp_table_t exp_entry(const data_T &m, const data_T &x,
                                         const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table::size]) {
    #pragma HLS INLINE
    if (CONFIG_T::stable) {
        typename CONFIG_T::difference_t d = m - x;
        return exp_table[table_index<typename CONFIG_T::exp_table>(d)];
    }
    return exp_table[table_index<typename CONFIG_T::exp_table>(x)];
}

// One softmax over n_in values.
template <class data_T, class res_T, class CONFIG_T>
void softmax_row(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                 const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table::size],
                 const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::inv_table::size]) {
    #pragma HLS INLINE
    typename CONFIG_T::exp_table_t e[CONFIG_T::n_in];
    #pragma HLS ARRAY_PARTITION variable=e complete
    const data_T m = row_maximum<data_T, CONFIG_T>(data);
    typename CONFIG_T::sum_t s = 0;
ExpLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        e[i] = exp_entry<data_T, CONFIG_T>(m, data[i], exp_table);
        s = s + e[i];
    }
    const typename CONFIG_T::inv_table_t r = inv_table[table_index<typename CONFIG_T::inv_table>(s)];
ResultLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = e[i] * r;
    }
}

// The largest power of two below n (n >= 2): the left part of hls4ml's balanced tree.
constexpr int tree_left(int n, int p = 1) { return 2 * p <= n - 1 ? tree_left(n, 2 * p) : p; }

// The sum of N values as hls4ml's reduce: the first tree_left(N), then the rest, then the two
// partial sums added and assigned to T.
template <class T, int N> struct tree_sum {
    static T of(const T *x) {
        #pragma HLS INLINE
        return T(tree_sum<T, tree_left(N)>::of(x) + tree_sum<T, N - tree_left(N)>::of(x + tree_left(N)));
    }
};

template <class T> struct tree_sum<T, 1> {
    static T of(const T *x) { return x[0]; }
};

// One softmax over n_in values, as hls4ml computes it.
template <class data_T, class res_T, class CONFIG_T>
void softmax_hls4ml_row(const data_T data[CONFIG_T::n_in], res_T res[CONFIG_T::n_in],
                        const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table::size],
                        const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::inv_table::size]) {
    #pragma HLS INLINE
    typename CONFIG_T::sum_t e[CONFIG_T::n_in];
    #pragma HLS ARRAY_PARTITION variable=e complete
    const data_T m = row_maximum<data_T, CONFIG_T>(data);
ExpLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        e[i] = exp_entry<data_T, CONFIG_T>(m, data[i], exp_table);
    }
    const typename CONFIG_T::inv_input_t s = tree_sum<typename CONFIG_T::sum_t, CONFIG_T::n_in>::of(e);
    const typename CONFIG_T::inv_table_t r = inv_table[table_index<typename CONFIG_T::inv_table>(s)];
ResultLoop:
    for (unsigned i = 0; i < CONFIG_T::n_in; i++) {
        #pragma HLS UNROLL
        res[i] = e[i] * r;
    }
}

// hls4ml's softmax over the last axis (n_in values) at each of n_outer positions before it.
template <class data_T, class res_T, class CONFIG_T>
void softmax_hls4ml(const data_T data[CONFIG_T::n_outer * CONFIG_T::n_in],
                    res_T res[CONFIG_T::n_outer * CONFIG_T::n_in],
                    const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table::size],
                    const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::inv_table::size]) {
    #pragma HLS PIPELINE
RowLoop:
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
        #pragma HLS UNROLL
        softmax_hls4ml_row<data_T, res_T, CONFIG_T>(&data[o * CONFIG_T::n_in],
                                                    &res[o * CONFIG_T::n_in], exp_table, inv_table);
    }
}

// Softmax over the last axis (n_in values) at each of n_outer positions before it.
template <class data_T, class res_T, class CONFIG_T>
void softmax(const data_T data[CONFIG_T::n_outer * CONFIG_T::n_in],
             res_T res[CONFIG_T::n_outer * CONFIG_T::n_in],
             const typename CONFIG_T::exp_table_t exp_table[CONFIG_T::exp_table::size],
             const typename CONFIG_T::inv_table_t inv_table[CONFIG_T::inv_table::size]) {
    #pragma HLS PIPELINE
RowLoop:
    for (unsigned o = 0; o < CONFIG_T::n_outer; o++) {
        #pragma HLS UNROLL
        softmax_row<data_T, res_T, CONFIG_T>(&data[o * CONFIG_T::n_in], &res[o * CONFIG_T::n_in],
                                             exp_table, inv_table);
    }
}

} // namespace hlsfx

#endif
