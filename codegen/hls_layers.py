"""Per layer kind: the hls_src header that implements it and the writer that fills its config
struct, writes its constants and calls it from the generated top function."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hlsfx.codegen.cpp import array_literal, cpp_type, literal
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Layer
from hlsfx.ir.kinds import FILL
from hlsfx.ir.tables import Table
from hlsfx.numerics.config import LayerPrecision

__all__ = [
    "HLS_LAYERS",
    "HlsLayer",
    "LayerCode",
    "LayerContext",
    "config_struct",
    "headers_for",
    "valid_reuse_factors",
    "window_geometry",
]


@dataclass(frozen=True)
class LayerContext:
    """What a writer needs to know about one layer of the model being written."""

    layer: Layer
    ident: str
    """the layer's C++ identifier (sanitized)"""
    precision: LayerPrecision
    in_types: tuple[FixedType, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    out_shape: tuple[int, ...]
    in_vars: tuple[str, ...]
    """the C++ arrays holding the inputs, and their element typedefs"""
    in_typedefs: tuple[str, ...]
    out_var: str
    out_typedef: str
    reuse_factor: int
    strategy: str
    x_range: tuple[int, int] = (0, 0)
    """the codes the (first) input can take"""

    def type(self, role: str) -> str:
        return cpp_type(self.precision.types[role])


@dataclass(frozen=True)
class LayerCode:
    """A layer's part of the generated firmware."""

    config: str
    """C++ struct definitions (parameters.h)"""
    constants: str
    """C++ definitions of its weights, tables and constants (its own header), or empty"""
    call: str
    """the statement that runs it in the top function"""


@dataclass(frozen=True)
class HlsLayer:
    """How a layer kind is written: its hls_src header and its writer."""

    header: str
    write: Callable[[LayerContext], LayerCode]
    multipliers: Callable[[LayerContext], int] | None = None
    """the multiplications the reuse factor shares out (None: the kind takes no reuse factor)"""


def config_struct(
    name: str, fields: list[tuple[str, object]], typedefs: list[tuple[str, str]]
) -> str:
    """A layer's config struct: unsigned, bool and strategy fields, then typedefs."""
    lines = [f"struct {name} {{"]
    for field, value in fields:
        if isinstance(value, bool):
            lines.append(f"    static const bool {field} = {'true' if value else 'false'};")
        elif isinstance(value, str):
            lines.append(f"    static const hlsfx::strategy_t {field} = hlsfx::{value};")
        else:
            lines.append(f"    static const unsigned {field} = {int(value)};")
    lines += [f"    typedef {t} {name_};" for name_, t in typedefs]
    lines.append("};")
    return "\n".join(lines)


def _array(ctx: LayerContext, name: str, element_type: str, codes, t: FixedType) -> str:
    flat = np.asarray(codes).reshape(-1)
    values = array_literal(flat.tolist(), t)
    return f"static const {element_type} {ctx.ident}_{name}[{flat.size}] = {values};"


def _scalar(ctx: LayerContext, name: str, element_type: str, code: int, t: FixedType) -> str:
    return f"static const {element_type} {ctx.ident}_{name} = {literal(code, t)};"


def _call(ctx: LayerContext, function: str, *extra: str) -> str:
    types = ", ".join((*ctx.in_typedefs, ctx.out_typedef, f"{ctx.ident}_config"))
    args = ", ".join((*ctx.in_vars, ctx.out_var, *extra))
    return f"hlsfx::{function}<{types}>({args});"


def _size(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


def _table_struct(ctx: LayerContext, role: str, table: Table) -> str:
    """The index rule of ``table`` (see hlsfx_common.h: table_index)."""
    add = table.add
    value = f"{add}LL" if -(1 << 63) <= add < 1 << 63 else f'"{add}", 10'
    return "\n".join(
        [
            f"struct {ctx.ident}_{role} {{",
            f"    static const hlsfx::index_rule_t rule = hlsfx::{table.rule};",
            f"    typedef ap_int<{table.raw_width}> raw_t;",
            f"    typedef ap_int<{table.index_sum_width}> index_calc_t;",
            f"    static const int shift = {max(table.shift, 0)};",
            f"    static const int left = {max(-table.shift, 0)};",
            f"    static const unsigned size = {table.size};",
            f"    static index_calc_t add() {{ return index_calc_t({value}); }}",
            "};",
        ]
    )


def _table_array(ctx: LayerContext, role: str, table: Table) -> str:
    return _array(ctx, role, f"{ctx.ident}_config::{role}_t", table.entries, table.entry_type)


# -- weighted layers ------------------------------------------------------------------------


def _dense_fields(ctx: LayerContext, n_in: int, n_out: int) -> list[tuple[str, object]]:
    return [
        ("n_in", n_in),
        ("n_out", n_out),
        ("reuse_factor", ctx.reuse_factor),
        ("multiplier_limit", math.ceil(n_in * n_out / ctx.reuse_factor)),
        ("strategy", ctx.strategy),
    ]


def _weighted_typedefs(ctx: LayerContext, factor: str = "weight") -> list[tuple[str, str]]:
    return [(f"{r}_t", ctx.type(r)) for r in (factor, "bias", "accum")]


def _weights(ctx: LayerContext, config: str) -> str:
    p = ctx.precision
    return "\n\n".join(
        _array(ctx, role, f"{config}::{role}_t", p.params[role], p.types[role])
        for role in ("weight", "bias")
    )


def _dense_multipliers(ctx: LayerContext) -> int:
    return int(ctx.precision.params["weight"].size)


def write_dense(ctx: LayerContext) -> LayerCode:
    n_in, n_out = ctx.precision.params["weight"].shape
    if len(ctx.in_shapes[0]) != 1:
        raise ValueError(
            f"{ctx.layer.describe()}: the HLS writer takes a Dense over a flat input, not "
            f"shape {ctx.in_shapes[0]}"
        )
    config = config_struct(
        f"{ctx.ident}_config", _dense_fields(ctx, n_in, n_out), _weighted_typedefs(ctx)
    )
    weights = _weights(ctx, f"{ctx.ident}_config")
    call = _call(ctx, "dense", f"{ctx.ident}_weight", f"{ctx.ident}_bias")
    return LayerCode(config, weights, call)


def window_geometry(ctx: LayerContext, channels_out: int) -> list[tuple[str, object]]:
    """Conv/pool geometry as the 2-D headers take it (a 1-D layer has height 1)."""
    a = ctx.layer.attrs
    d = ctx.layer.kind.spatial
    shape, out = ctx.in_shapes[0], ctx.out_shape
    kernel, strides = list(a["kernel"]), list(a["strides"])
    dilations = list(a.get("dilations", [1] * d))
    begin = list(a["pads"][:d])
    if d == 1:
        shape, out = (1, *shape), (1, *out)
        kernel, strides, dilations, begin = (
            [1, *kernel],
            [1, *strides],
            [1, *dilations],
            [0, *begin],
        )
    return [
        ("in_height", shape[0]),
        ("in_width", shape[1]),
        ("n_chan", shape[2]),
        ("out_height", out[0]),
        ("out_width", out[1]),
        ("n_filt", channels_out),
        ("filt_height", kernel[0]),
        ("filt_width", kernel[1]),
        ("stride_height", strides[0]),
        ("stride_width", strides[1]),
        ("dilation_height", dilations[0]),
        ("dilation_width", dilations[1]),
        ("pad_top", begin[0]),
        ("pad_left", begin[1]),
    ]


def write_conv(ctx: LayerContext) -> LayerCode:
    weight = ctx.precision.params["weight"]
    geometry = window_geometry(ctx, weight.shape[-1])
    fields = [f for f in geometry if f[0] != "n_filt" or not ctx.layer.kind.depthwise]
    if ctx.layer.kind.depthwise:
        taps_channels = int(weight.size)
        fields += [
            ("reuse_factor", ctx.reuse_factor),
            ("multiplier_limit", math.ceil(taps_channels / ctx.reuse_factor)),
            ("strategy", ctx.strategy),
        ]
        config = config_struct(f"{ctx.ident}_config", fields, _weighted_typedefs(ctx))
        weights = _weights(ctx, f"{ctx.ident}_config")
        call = _call(ctx, "depthwise_conv_2d", f"{ctx.ident}_weight", f"{ctx.ident}_bias")
        return LayerCode(config, weights, call)
    n_in, n_out = int(weight.size // weight.shape[-1]), int(weight.shape[-1])
    dense = config_struct(
        f"{ctx.ident}_dense_config", _dense_fields(ctx, n_in, n_out), _weighted_typedefs(ctx)
    )
    config = config_struct(
        f"{ctx.ident}_config", fields, [("dense_config", f"{ctx.ident}_dense_config")]
    )
    weights = _weights(ctx, f"{ctx.ident}_dense_config")
    call = _call(ctx, "conv_2d", f"{ctx.ident}_weight", f"{ctx.ident}_bias")
    return LayerCode(dense + "\n\n" + config, weights, call)


def write_batch_norm(ctx: LayerContext) -> LayerCode:
    p = ctx.precision
    fields = [
        ("n_in", _size(ctx.in_shapes[0])),
        ("n_chan", p.params["scale"].size),
        ("reuse_factor", ctx.reuse_factor),
    ]
    config = config_struct(f"{ctx.ident}_config", fields, _weighted_typedefs(ctx, "scale"))
    constants = "\n\n".join(
        _array(ctx, role, f"{ctx.ident}_config::{role}_t", p.params[role], p.types[role])
        for role in ("scale", "bias")
    )
    return LayerCode(
        config,
        constants,
        _call(ctx, "batch_normalization", f"{ctx.ident}_scale", f"{ctx.ident}_bias"),
    )


# -- element-wise layers --------------------------------------------------------------------


def _elementwise(ctx: LayerContext, typedefs: list[tuple[str, str]] = (), **fields) -> str:
    return config_struct(
        f"{ctx.ident}_config", [("n_in", _size(ctx.in_shapes[0])), *fields.items()], list(typedefs)
    )


def _simple(function: str) -> Callable[[LayerContext], LayerCode]:
    def write(ctx: LayerContext) -> LayerCode:
        return LayerCode(_elementwise(ctx), "", _call(ctx, function))

    return write


def write_leaky(ctx: LayerContext) -> LayerCode:
    p = ctx.precision
    alpha = p.params["alpha"].reshape(-1)
    config = _elementwise(ctx, [("alpha_t", ctx.type("alpha"))], n_alpha=alpha.size)
    constants = _array(ctx, "alpha", f"{ctx.ident}_config::alpha_t", alpha, p.types["alpha"])
    return LayerCode(config, constants, _call(ctx, "leaky_relu", f"{ctx.ident}_alpha"))


def write_clip(ctx: LayerContext) -> LayerCode:
    x_t, p = ctx.in_types[0], ctx.precision
    lo, hi = int(p.params["lo"][0]), int(p.params["hi"][0])
    constants = "\n".join(
        _scalar(ctx, name, ctx.in_typedefs[0], code, x_t) for name, code in (("lo", lo), ("hi", hi))
    )
    call = _call(ctx, "clip", f"{ctx.ident}_lo", f"{ctx.ident}_hi")
    return LayerCode(_elementwise(ctx), constants, call)


def write_hard_sigmoid(ctx: LayerContext) -> LayerCode:
    p = ctx.precision
    exact = ctx.layer.kind.exact_type(ctx.in_types[0], p.types["alpha"], p.types["beta"])
    typedefs = [
        ("alpha_t", ctx.type("alpha")),
        ("beta_t", ctx.type("beta")),
        ("clamp_t", cpp_type(exact)),
    ]
    constants = "\n".join(
        _scalar(
            ctx,
            role,
            f"{ctx.ident}_config::{role}_t",
            int(p.params[role].reshape(-1)[0]),
            p.types[role],
        )
        for role in ("alpha", "beta")
    )
    call = _call(ctx, "hard_sigmoid", f"{ctx.ident}_alpha", f"{ctx.ident}_beta")
    return LayerCode(_elementwise(ctx, typedefs), constants, call)


def write_binarize(ctx: LayerContext) -> LayerCode:
    y_t = ctx.precision.types["result"]
    plus, minus = (int(v) for v in ctx.precision.params["levels"])
    constants = "\n".join(
        _scalar(ctx, name, ctx.out_typedef, code, y_t)
        for name, code in (("plus", plus), ("minus", minus))
    )
    call = _call(ctx, "binarize", f"{ctx.ident}_plus", f"{ctx.ident}_minus")
    return LayerCode(_elementwise(ctx), constants, call)


def write_threshold(ctx: LayerContext) -> LayerCode:
    x_t, p = ctx.in_types[0], ctx.precision
    steps, lowest = p.params["steps"], int(p.params["lowest"][0])
    threshold_t = threshold_type(x_t)
    config = _elementwise(
        ctx, [("threshold_t", cpp_type(threshold_t))], n_chan=steps.shape[0], n_steps=steps.shape[1]
    )
    levels = range(lowest, lowest + steps.shape[1] + 1)
    falling = ", ".join("true" if f else "false" for f in p.params["falling"])
    constants = "\n\n".join(
        [
            _array(ctx, "steps", f"{ctx.ident}_config::threshold_t", steps, threshold_t),
            f"static const bool {ctx.ident}_falling[{steps.shape[0]}] = {{{falling}}};",
            _array(ctx, "levels", ctx.out_typedef, levels, p.types["result"]),
        ]
    )
    call = _call(
        ctx, "multithreshold", f"{ctx.ident}_steps", f"{ctx.ident}_falling", f"{ctx.ident}_levels"
    )
    return LayerCode(config, constants, call)


def threshold_type(x: FixedType) -> FixedType:
    """A signed type of the input's LSB that holds its codes and one beyond either end (the
    thresholds never or always reached)."""
    return FixedType(x.width + 2, x.integer + 2, signed=True)


def write_lut(ctx: LayerContext) -> LayerCode:
    p = ctx.precision
    table = p.tables["table"]
    typedefs = [("table_t", cpp_type(table.entry_type)), ("table", f"{ctx.ident}_table")]
    extra = [f"{ctx.ident}_table"]
    constants = [_table_array(ctx, "table", table)]
    if ctx.layer.kind.scaled_above_zero:
        typedefs.append(("gamma_t", ctx.type("gamma")))
        gamma = int(p.params["gamma"].reshape(-1)[0])
        constants.append(
            _scalar(ctx, "gamma", f"{ctx.ident}_config::gamma_t", gamma, p.types["gamma"])
        )
        extra.append(f"{ctx.ident}_gamma")
    function = "lut_activation"
    if ctx.layer.kind.linear_above_zero:
        function = "selu" if ctx.layer.kind.scaled_above_zero else "elu"
    elif "above" in p.params:
        x_t = ctx.in_types[0]
        typedefs.append(("above_t", cpp_type(x_t)))
        above = int(p.params["above"][0])
        constants.append(_scalar(ctx, "above", f"{ctx.ident}_config::above_t", above, x_t))
        extra.append(f"{ctx.ident}_above")
        function = "lut_linear_above"
    config = _table_struct(ctx, "table", table) + "\n\n" + _elementwise(ctx, typedefs)
    return LayerCode(config, "\n\n".join(constants), _call(ctx, function, *extra))


def write_softmax(ctx: LayerContext) -> LayerCode:
    p = ctx.precision
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    stable = p.options["implementation"] == "stable"
    difference = exp.input_type if stable else ctx.in_types[0]  # the stable exp table reads m - x
    typedefs = [
        ("exp_table_t", cpp_type(exp.entry_type)),
        ("inv_table_t", cpp_type(inv.entry_type)),
        ("sum_t", ctx.type("sum")),
        *([("inv_input_t", ctx.type("inv_input"))] if p.numerics.softmax_balanced_tree else []),
        ("difference_t", cpp_type(difference)),
        ("exp_table", f"{ctx.ident}_exp_table"),
        ("inv_table", f"{ctx.ident}_inv_table"),
    ]
    config = "\n\n".join(
        [
            _table_struct(ctx, "exp_table", exp),
            _table_struct(ctx, "inv_table", inv),
            config_struct(
                f"{ctx.ident}_config",
                [
                    ("n_in", ctx.in_shapes[0][-1]),
                    ("n_outer", _size(ctx.in_shapes[0][:-1])),
                    ("stable", stable),
                ],
                typedefs,
            ),
        ]
    )
    constants = "\n\n".join(
        [_table_array(ctx, "exp_table", exp), _table_array(ctx, "inv_table", inv)]
    )
    function = "softmax_hls4ml" if p.numerics.softmax_balanced_tree else "softmax"
    call = _call(ctx, function, f"{ctx.ident}_exp_table", f"{ctx.ident}_inv_table")
    return LayerCode(config, constants, call)


# -- pooling, merges, moves -----------------------------------------------------------------


def write_pool(ctx: LayerContext) -> LayerCode:
    geometry = [(k, v) for k, v in window_geometry(ctx, ctx.in_shapes[0][-1]) if k != "n_filt"]
    x_t, layer = ctx.in_types[0], ctx.layer
    taps = math.prod(layer.attrs["kernel"])
    if layer.kind.average:
        a_t, r_t = ctx.precision.types["accum"], ctx.precision.types["recip"]
        recip = ctx.precision.params["recip"]
    else:
        a_t, r_t = x_t, FixedType(2, 2, signed=False)
        recip = np.zeros(taps + 1, dtype=np.int64)
    typedefs = [("accum_t", cpp_type(a_t)), ("recip_t", cpp_type(r_t))]
    modes = [
        ("average", layer.kind.average),
        ("divide", layer.kind.average and ctx.precision.numerics.average_pool_divides),
        ("count_pad", bool(layer.attrs.get("count_include_pad", 0))),
    ]
    config = config_struct(f"{ctx.ident}_config", [*geometry, *modes], typedefs)
    constants = _array(ctx, "recip", f"{ctx.ident}_config::recip_t", recip, r_t)
    return LayerCode(config, constants, _call(ctx, "pooling_2d", f"{ctx.ident}_recip"))


def write_concatenate(ctx: LayerContext) -> LayerCode:
    axis = ctx.layer.attrs["axis"]
    a, b = ctx.in_shapes
    fields = [
        ("n_outer", math.prod(a[:axis])),
        ("a_inner", math.prod(a[axis:])),
        ("b_inner", math.prod(b[axis:])),
    ]
    return LayerCode(
        config_struct(f"{ctx.ident}_config", fields, []), "", _call(ctx, "concatenate")
    )


def _gather(ctx: LayerContext, index: np.ndarray) -> LayerCode:
    """Output i copies input ``index[i]`` (hlsfx::gather), or where the index is FILL the
    layer's fill code (hlsfx::pad)."""
    values = ", ".join(str(int(i)) for i in index)
    if not (index == FILL).any():
        constants = f"static const unsigned {ctx.ident}_index[{index.size}] = {{{values}}};"
        config = _elementwise(ctx, n_out=index.size)
        return LayerCode(config, constants, _call(ctx, "gather", f"{ctx.ident}_index"))
    config = _elementwise(ctx, [("fill_t", ctx.type("result"))], n_out=index.size)
    fill = int(ctx.precision.params["fill"][0])
    constants = "\n".join(
        [
            f"static const int {ctx.ident}_index[{index.size}] = {{{values}}};",
            _scalar(
                ctx, "fill", f"{ctx.ident}_config::fill_t", fill, ctx.precision.types["result"]
            ),
        ]
    )
    call = _call(ctx, "pad", f"{ctx.ident}_index", f"{ctx.ident}_fill")
    return LayerCode(config, constants, call)


def write_gather(ctx: LayerContext) -> LayerCode:
    """Transpose, upsampling, slicing and padding: output i copies the input value the kind's
    source index names (hlsfx::gather), or is the pad value (hlsfx::pad)."""
    return _gather(ctx, ctx.layer.kind.source_index(ctx.layer, ctx.in_shapes))


HLS_LAYERS: dict[kinds.LayerKind, HlsLayer] = {
    kinds.DENSE: HlsLayer("hlsfx_dense.h", write_dense, _dense_multipliers),
    kinds.CONV1D: HlsLayer("hlsfx_conv.h", write_conv, _dense_multipliers),
    kinds.CONV2D: HlsLayer("hlsfx_conv.h", write_conv, _dense_multipliers),
    kinds.DEPTHWISE_CONV1D: HlsLayer("hlsfx_conv.h", write_conv, _dense_multipliers),
    kinds.DEPTHWISE_CONV2D: HlsLayer("hlsfx_conv.h", write_conv, _dense_multipliers),
    kinds.BATCH_NORM: HlsLayer(
        "hlsfx_batchnorm.h", write_batch_norm, lambda ctx: _size(ctx.in_shapes[0])
    ),
    kinds.RELU: HlsLayer("hlsfx_activation.h", _simple("relu")),
    kinds.LINEAR: HlsLayer("hlsfx_activation.h", _simple("linear")),
    kinds.LEAKY_RELU: HlsLayer("hlsfx_activation.h", write_leaky),
    kinds.PRELU: HlsLayer("hlsfx_activation.h", write_leaky),
    kinds.CLIP: HlsLayer("hlsfx_activation.h", write_clip),
    kinds.HARD_SIGMOID: HlsLayer("hlsfx_activation.h", write_hard_sigmoid),
    kinds.BINARIZE: HlsLayer("hlsfx_activation.h", write_binarize),
    kinds.SIGMOID: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.TANH: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.SOFTPLUS: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.SOFTSIGN: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.GELU: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.GELU_TANH: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.SILU: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.MISH: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.EXP: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.ELU: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.SELU: HlsLayer("hlsfx_lut.h", write_lut),
    kinds.SOFTMAX: HlsLayer("hlsfx_softmax.h", write_softmax),
    kinds.MAX_POOL1D: HlsLayer("hlsfx_pooling.h", write_pool),
    kinds.MAX_POOL2D: HlsLayer("hlsfx_pooling.h", write_pool),
    kinds.AVERAGE_POOL1D: HlsLayer("hlsfx_pooling.h", write_pool),
    kinds.AVERAGE_POOL2D: HlsLayer("hlsfx_pooling.h", write_pool),
    kinds.ADD: HlsLayer("hlsfx_merge.h", _simple("add")),
    kinds.SUBTRACT: HlsLayer("hlsfx_merge.h", _simple("subtract")),
    kinds.MULTIPLY: HlsLayer("hlsfx_merge.h", _simple("multiply")),
    kinds.CONCATENATE: HlsLayer("hlsfx_merge.h", write_concatenate),
    kinds.RESHAPE: HlsLayer("hlsfx_activation.h", _simple("linear")),  # same order, cast
    kinds.TRANSPOSE: HlsLayer("hlsfx_reshape.h", write_gather),
    kinds.UPSAMPLING: HlsLayer("hlsfx_reshape.h", write_gather),
    kinds.SLICE: HlsLayer("hlsfx_reshape.h", write_gather),
    kinds.PAD: HlsLayer("hlsfx_reshape.h", write_gather),
    kinds.THRESHOLD: HlsLayer("hlsfx_threshold.h", write_threshold),
}
"""Every layer kind's header and writer; the conformance test checks it covers KINDS."""


HEADER_DEPENDENCIES = {"hlsfx_conv.h": ("hlsfx_dense.h",)}
"""hls_src headers that include other hlsfx headers (besides hlsfx_common.h)"""


def headers_for(layer_kinds) -> list[str]:
    """The hls_src headers a model of these kinds needs, sorted."""
    needed = {"hlsfx_common.h"}
    for kind in layer_kinds:
        header = HLS_LAYERS[kind].header
        needed |= {header, *HEADER_DEPENDENCIES.get(header, ())}
    return sorted(needed)


def valid_reuse_factors(multipliers: int) -> list[int]:
    """The reuse factors that share ``multipliers`` multiplications out evenly."""
    return [r for r in range(1, multipliers + 1) if multipliers % r == 0]
