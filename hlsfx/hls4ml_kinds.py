"""Which layer kinds ``numerics="hls4ml"`` reproduces, and what hls4ml 1.3.0 does differently
for one kind beyond its lookup tables (:mod:`hlsfx.hls4ml_tables`) and softmax."""

from __future__ import annotations

from typing import Any

from hlsfx import kinds

__all__ = ["HLS4ML_KINDS", "HLS4ML_KIND_DEFAULTS", "HLS4ML_LITERALS"]

HLS4ML_KINDS = (
    *(kinds.DENSE, kinds.CONV1D, kinds.CONV2D, kinds.RELU, kinds.LEAKY_RELU, kinds.PRELU),
    *(kinds.LINEAR, kinds.SIGMOID, kinds.TANH, kinds.SOFTPLUS, kinds.SOFTSIGN, kinds.SOFTMAX),
    *(kinds.ELU, kinds.SELU, kinds.MAX_POOL1D, kinds.MAX_POOL2D),
    *(kinds.ADD, kinds.SUBTRACT, kinds.MULTIPLY, kinds.CONCATENATE, kinds.BATCH_NORM),
    *(kinds.RESHAPE, kinds.TRANSPOSE, kinds.UPSAMPLING),
)
"""the kinds ``numerics="hls4ml"`` reproduces, checked against hls4ml's C++ and predict"""

HLS4ML_KIND_DEFAULTS: dict[kinds.LayerKind, dict[str, Any]] = {
    kinds.BATCH_NORM: {"accum": "auto"},
    kinds.SELU: {"gamma": "ap_ufixed<16,1>"},
}
"""hls4ml's defaults for one kind, before a layer's own settings: its batch normalization
sums the exact product and the bias (it has no accumulator type); its SELU multiplies
non-negative inputs by lambda held as ``ap_ufixed<16,1>``"""

HLS4ML_LITERALS: dict[kinds.LayerKind, tuple[str, ...]] = {
    kinds.LEAKY_RELU: ("alpha",),
    kinds.SELU: ("gamma",),
}
"""constants hls4ml writes into its C++ as full-precision literals, not as decimal text"""
