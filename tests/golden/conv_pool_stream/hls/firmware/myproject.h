#ifndef MYPROJECT_H_
#define MYPROJECT_H_

#include "defines.h"

void myproject(hls::stream<x_pixel_t> &x, hls::stream<pool_out_pixel_t> &pool_out);

#endif
