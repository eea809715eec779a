"""The hls4ml dialect, ``numerics="hls4ml"``: what hls4ml 1.3.0's generated C++ computes
(docs/numerics.md, section 7): the kinds it reproduces, its defaults, its constants as decimal
text, its lookup tables (:mod:`hlsfx.numerics.hls4ml_tables`) and softmax, its average
pooling, and the layers it computes in ways hlsfx does not reproduce."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType, product_type, sum_type
from hlsfx.ir.graph import Layer
from hlsfx.ir.tables import Table, TableRequest
from hlsfx.numerics.dialect import ROLE_DEFAULTS, Dialect, LayerCheck
from hlsfx.numerics.hls4ml_tables import (
    ACTIVATION_RANGE,
    activation_table,
    below_zero_table,
    softmax_tables,
)

__all__ = ["HLS4ML", "HLS4ML_KINDS"]

HLS4ML_KINDS = (
    *(kinds.DENSE, kinds.CONV1D, kinds.CONV2D, kinds.DEPTHWISE_CONV1D, kinds.DEPTHWISE_CONV2D),
    *(kinds.RELU, kinds.LEAKY_RELU, kinds.PRELU),
    *(kinds.LINEAR, kinds.SIGMOID, kinds.TANH, kinds.SOFTPLUS, kinds.SOFTSIGN, kinds.SOFTMAX),
    *(kinds.ELU, kinds.SELU, kinds.HARD_SIGMOID, kinds.CLIP, kinds.BINARIZE),
    *(kinds.MAX_POOL1D, kinds.MAX_POOL2D),
    *(kinds.AVERAGE_POOL1D, kinds.AVERAGE_POOL2D),
    *(kinds.ADD, kinds.SUBTRACT, kinds.MULTIPLY, kinds.CONCATENATE, kinds.BATCH_NORM),
    *(kinds.RESHAPE, kinds.TRANSPOSE, kinds.UPSAMPLING),
)
"""the kinds ``numerics="hls4ml"`` reproduces, checked against hls4ml's C++ and predict"""

HLS4ML_KIND_DEFAULTS: dict[kinds.LayerKind, dict[str, Any]] = {
    kinds.BATCH_NORM: {"accum": "auto"},
    kinds.SELU: {"gamma": "ap_ufixed<16,1>"},
    kinds.HARD_SIGMOID: {"alpha": "ap_ufixed<16,0>", "beta": "ap_ufixed<2,0>"},
}
"""hls4ml's defaults for one kind, before a layer's own settings: its batch normalization
sums the exact product and the bias (it has no accumulator type); its SELU multiplies
non-negative inputs by lambda held as ``ap_ufixed<16,1>``; its hard sigmoid's slope and shift
have types of their own"""

HLS4ML_LITERALS: dict[kinds.LayerKind, tuple[str, ...]] = {
    kinds.LEAKY_RELU: ("alpha",),
    kinds.SELU: ("gamma",),
    kinds.HARD_SIGMOID: ("alpha", "beta"),
}
"""constants hls4ml writes into its C++ as full-precision literals, not as decimal text"""


def _hard_sigmoid_holds_one(layer: Layer, types: dict[str, FixedType], x: FixedType) -> None:
    """hls4ml clamps ``slope * x + shift`` in the type C++ gives that sum (``auto``), which
    must hold 1 for the clamp to be the exact one hlsfx computes."""
    slope, shift = types["alpha"], types["beta"]
    total = sum_type(product_type(x, slope), shift)  # ap_fixed's own result types
    if total.integer < 1 + total.signed:
        raise ValueError(
            f"hls4ml clamps slope * x + shift to 1 in a type with "
            f"{total.integer} integer bits ({x} times {slope} plus {shift}), where "
            "1 wraps; hlsfx does not reproduce that"
        )


def _clip_is_a_relu_max(layer: Layer, types: dict[str, FixedType], x: FixedType) -> None:
    """hls4ml clips only as ``relu_max`` (ReLU6, ReLU1): from 0 to a whole number."""
    lo, hi = layer.attrs.get("min"), layer.attrs.get("max")
    if lo != 0 or hi is None or float(hi) != int(hi):
        raise ValueError(
            f"hls4ml clips from 0 to a whole number (relu6, relu1), not from {lo} to {hi}"
        )


def _binarize_is_a_binary_tanh(layer: Layer, types: dict[str, FixedType], x: FixedType) -> None:
    """hls4ml's ``binary_tanh`` gives +1 or -1, and 0 for -1 in an ``ap_uint<1>``."""
    if float(layer.attrs.get("scale", 1.0)) != 1.0:
        raise ValueError(f"hls4ml's binary tanh gives +-1, not +-{layer.attrs.get('scale')}")
    if types["result"] == FixedType.parse("ap_uint<1>"):
        raise ValueError(
            "hls4ml's binary tanh into ap_uint<1> gives 0 for -1, which hlsfx does not reproduce"
        )


HLS4ML_CHECKS: dict[kinds.LayerKind, LayerCheck] = {
    kinds.HARD_SIGMOID: _hard_sigmoid_holds_one,
    kinds.CLIP: _clip_is_a_relu_max,
    kinds.BINARIZE: _binarize_is_a_binary_tanh,
}
"""per-kind checks of a resolved layer (the layer, its types by role, its input's type): a
ValueError where hls4ml computes what hlsfx does not reproduce"""


HLS4ML_ROLE_DEFAULTS: dict[str, Any] = {
    "table": "ap_fixed<18,8>",
    "exp_table": "ap_fixed<18,8,AP_RND,AP_SAT>",
    "inv_table": "ap_fixed<18,8,AP_RND,AP_SAT>",
    "sum": "ap_fixed<18,8,AP_RND,AP_SAT>",
    "inv_input": "ap_fixed<18,8,AP_RND,AP_SAT>",
    **{role: ROLE_DEFAULTS[role] for role in ("alpha", "beta", "gamma", "recip", "scale")},
}
"""hls4ml's defaults: every other role (accumulators too) takes the model default"""


def _softmax_tables(
    types: dict[str, FixedType],
    x: FixedType,
    options: Mapping[str, str],
    size: Callable[[str], int],
) -> dict[str, Table]:
    return softmax_tables(
        types,
        x,
        options["implementation"],
        {role: size(role) for role in ("exp_table", "inv_table")},
    )


def _activation_table(request: TableRequest, entry: FixedType, size: int) -> Table | None:
    """hls4ml's table of a sigmoid, tanh, softplus or softsign (over its fixed range), or of
    ELU or SELU below zero; None for the tables it builds as hlsfx does."""
    if request.function in ACTIVATION_RANGE:
        return activation_table(request.function, request.input_type, entry, size)
    if request.function in ("elu", "selu"):
        return below_zero_table(request.function, request.input_type, entry, size, request.attrs)
    return None


HLS4ML = Dialect(
    "hls4ml",
    HLS4ML_ROLE_DEFAULTS,
    kind_defaults=HLS4ML_KIND_DEFAULTS,
    kinds=HLS4ML_KINDS,
    constants_as_decimal_text=True,
    literal_roles=HLS4ML_LITERALS,
    checks=HLS4ML_CHECKS,
    flatten_channels_last=True,
    average_pool_divides=True,
    softmax_balanced_tree=True,
    kind_tables={kinds.SOFTMAX: _softmax_tables},
    activation_table=_activation_table,
)
"""hls4ml 1.3.0's arithmetic, bit for bit with its C simulation and ``predict``"""
