// Constants of layer pool (MaxPooling2D), exact values.
#ifndef WEIGHTS_POOL_H_
#define WEIGHTS_POOL_H_

static const pool_config::recip_t pool_recip[5] = {
    0.0, 0.0, 0.0, 0.0, 0.0
};

#endif
