#ifndef MYPROJECT_H_
#define MYPROJECT_H_

#include "defines.h"

void myproject(const x_t x[2], sm_out_t sm_out[3]);

#endif
