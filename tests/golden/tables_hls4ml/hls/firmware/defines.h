// One type per tensor of the model (hlsfx writes integer types as ap_fixed<W,W>).
#ifndef DEFINES_H_
#define DEFINES_H_

#include "ap_fixed.h"
#include "ap_int.h"

typedef ap_fixed<8,3> x_t;
typedef ap_fixed<8,3> fc_out_t;
typedef ap_fixed<8,3> sig_out_t;
typedef ap_fixed<8,3> sm_out_t;

#endif
