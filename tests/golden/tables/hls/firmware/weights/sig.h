// Constants of layer sig (Sigmoid), exact values.
#ifndef WEIGHTS_SIG_H_
#define WEIGHTS_SIG_H_

static const sig_config::table_t sig_table[16] = {
    0.017578125, 0.029296875, 0.0478515625, 0.076171875, 0.119140625, 0.1826171875, 0.2685546875, 0.3779296875,
    0.5, 0.6220703125, 0.7314453125, 0.8173828125, 0.880859375, 0.923828125, 0.9521484375, 0.970703125
};

#endif
