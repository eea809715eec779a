// Constants of layer fc (Dense), exact values.
#ifndef WEIGHTS_FC_H_
#define WEIGHTS_FC_H_

// layer 'fc' (Dense) as shifts and adds (strategy distributed): 4 adders, 4 without shared terms, at most 3 in a chain.
// n<k> holds the raw integer code of node k; y[j] = the exact sum, cast to the result.
struct fc_graph {
    static void apply(const x_t x[3], fc_out_t y[2]) {
        #pragma HLS INLINE
        const ap_int<8> n1 = x[1].range(7, 0);
        const ap_int<8> n2 = x[2].range(7, 0);
        const ap_uint<1> n3 = ap_uint<1>("1", 10);
        const ap_uint<8> n4 = n1 + (ap_uint<8>(n3) << 7);
        const ap_int<11> n5 = n2 + (ap_int<11>(n1) << 2);
        const ap_int<12> n6 = n4 + (ap_int<12>(n2) << 3);
        const ap_int<12> n7 = (ap_int<12>(n5) << 1) - n6;
        y[0] = hlsfx::from_code<ap_fixed<8,2> >(n1);
        y[1] = hlsfx::from_code<ap_fixed<12,4> >(n7);
    }
};

#endif
