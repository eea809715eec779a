// Constants of layer fc (Dense), exact values.
#ifndef WEIGHTS_FC_H_
#define WEIGHTS_FC_H_

static const fc_config::weight_t fc_weight[6] = {
    0.0, -0.875, -0.75, -0.625, 0.0, 0.5
};

static const fc_config::bias_t fc_bias[3] = {
    0.0, 0.875, 0.75
};

#endif
