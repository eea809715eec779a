// One type per tensor of the model (hlsfx writes integer types as ap_fixed<W,W>).
#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_fixed.h"
#include "ap_int.h"
#include "hls_src/hlsfx_stream.h"

typedef ap_fixed<8,3> x_t;
typedef ap_fixed<8,3> conv_out_t;
typedef ap_fixed<8,3> pool_out_t;

typedef hlsfx::pixel<x_t, 1> x_pixel_t;
typedef hlsfx::pixel<conv_out_t, 2> conv_out_pixel_t;
typedef hlsfx::pixel<pool_out_t, 2> pool_out_pixel_t;

#endif
