// Constants of layer sig (Sigmoid), exact values.
#ifndef WEIGHTS_SIG_H_
#define WEIGHTS_SIG_H_

static const sig_config::table_t sig_table[16] = {
    0.0, 0.0, 0.001953125, 0.005859375, 0.017578125, 0.046875, 0.119140625, 0.2685546875,
    0.5, 0.73046875, 0.8798828125, 0.9521484375, 0.9814453125, 0.9931640625, 0.9970703125, 0.9990234375
};

#endif
