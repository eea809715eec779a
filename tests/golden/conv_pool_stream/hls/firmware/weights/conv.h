// Constants of layer conv (Conv2D), exact values.
#ifndef WEIGHTS_CONV_H_
#define WEIGHTS_CONV_H_

static const conv_dense_config::weight_t conv_weight[8] = {
    0.0, 0.5, -1.0, 0.5, 0.0, 0.0, 0.25, -0.5
};

static const conv_dense_config::bias_t conv_bias[2] = {
    0.0, 0.0
};

#endif
