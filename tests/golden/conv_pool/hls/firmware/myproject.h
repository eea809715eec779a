#ifndef MYPROJECT_H_
#define MYPROJECT_H_

#include "defines.h"

void myproject(const x_t x[25], pool_out_t pool_out[8]);

#endif
