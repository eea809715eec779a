#ifndef MYPROJECT_H_
#define MYPROJECT_H_

#include "defines.h"

void myproject(hls::stream<x_pixel_t> &x, hls::stream<act_out_pixel_t> &act_out);

#endif
