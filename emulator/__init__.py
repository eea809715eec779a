"""Bit-exact emulation of HLS fixed-point arithmetic, compiled with numba."""
