#ifndef MYPROJECT_H_
#define MYPROJECT_H_

#include "defines.h"

void myproject(const x_t x[3], act_out_t act_out[2]);

#endif
