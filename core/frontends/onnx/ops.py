"""The ONNX operators hlsfx reads, each a function that turns one node into layers of the graph
IR (or folds it into constants and layouts) through the :class:`Converter` it is given."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.frontends.onnx.moves import pad, slice_
from hlsfx.frontends.onnx.quant import bipolar_quant, dequantize_linear, quantize_linear, trunc
from hlsfx.frontends.onnx.scaling import (
    affine,
    batch_norm,
    constant_operand,
    div,
    output_scales,
    quant,
)
from hlsfx.frontends.onnx.values import BatchMoved, Tensor
from hlsfx.ir import kinds

if TYPE_CHECKING:
    from hlsfx.frontends.onnx.reader import Converter

__all__ = ["CONVERTERS", "QONNX_CONVERTERS", "SUPPORTED_OPS", "Tensor"]


def _dense(c: Converter, node, x: Tensor, weight, bias, fixed=None, scaled=None) -> None:
    """A Dense layer; with ``scaled`` (integer weight codes and one scale per output, from
    :func:`_output_scales`), the Dense sums the codes and a rescale applies scale and bias."""
    n_out = weight.shape[1]
    if bias is None:
        bias = np.zeros(n_out)
    try:
        bias = np.broadcast_to(np.asarray(bias, dtype=np.float64).reshape(-1), (n_out,)).copy()
    except ValueError:
        raise c.fail(node, f"bias of shape {np.shape(bias)} does not fit {n_out} outputs") from None
    if scaled is None:
        params = {"weight": weight, "bias": bias}
        c.add_layer(node, kinds.DENSE, [x], node.output[0], params=params, fixed=fixed)
        return
    codes, scale = scaled
    sums = c.unique_tensor(f"{node.output[0]}_sums")
    params = {"weight": codes, "bias": np.zeros(n_out)}
    typed = {k: v for k, v in (fixed or {}).items() if k == "weight"}
    c.add_layer(node, kinds.DENSE, [x], sums, params=params, fixed=typed)
    affine(c, node, sums, scale, bias, output=node.output[0], rescale=True)


def _matmul(c: Converter, node) -> None:
    x = c.plain(node, node.input[0])
    weight = c.const(node, node.input[1], "the second operand")
    if weight.ndim != 2:
        raise c.fail(node, f"the weight must be a matrix, not shape {weight.shape}")
    scaled = output_scales(c, node.input[1], out_axis=1)
    _dense(c, node, x, weight, None, c.param_types(weight=node.input[1]), scaled)


def _gemm(c: Converter, node) -> None:
    a = c.attrs(node)
    if a.get("transA", 0):
        raise c.fail(node, "transA=1 is not supported (the input must be the left operand)")
    x = c.plain(node, node.input[0])
    weight = c.const(node, node.input[1], "B")
    if weight.ndim != 2:
        raise c.fail(node, f"B must be a matrix, not shape {weight.shape}")
    weight = (weight.T if a.get("transB", 0) else weight) * a.get("alpha", 1.0)
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = c.const(node, node.input[2], "C") * a.get("beta", 1.0)
    unscaled = {"weight": a.get("alpha", 1.0) == 1.0, "bias": a.get("beta", 1.0) == 1.0}
    names = {"weight": node.input[1], "bias": node.input[2] if len(node.input) > 2 else None}
    fixed = c.param_types(**{role: n for role, n in names.items() if unscaled[role]})
    scaled = output_scales(c, node.input[1], out_axis=1, transposed=bool(a.get("transB", 0)))
    if scaled is not None and a.get("alpha", 1.0) != 1.0:
        scaled = (scaled[0], scaled[1] * a["alpha"])
    _dense(c, node, x, weight, bias, fixed, scaled)


def _activation(kind):
    def convert(c: Converter, node) -> None:
        x = c.tensor(node, node.input[0])
        c.add_layer(node, kind, [x], node.output[0], out_perm=x.perm)

    return convert


MERGES = {"Add": kinds.ADD, "Sub": kinds.SUBTRACT, "Mul": kinds.MULTIPLY}


def _merge(c: Converter, node) -> None:
    if not all(isinstance(c.values.get(n), Tensor) for n in node.input):
        constant_operand(c, node)
        return
    first = c.tensor(node, node.input[0])
    second = c.in_layout(node, node.input[1], first.perm)
    kind = MERGES[node.op_type]
    c.add_layer(node, kind, [first, second], node.output[0], out_perm=first.perm)


def _concat(c: Converter, node) -> None:
    if len(node.input) != 2:
        raise c.fail(node, f"concatenating {len(node.input)} tensors: only 2 are supported")
    first = c.tensor(node, node.input[0])
    second = c.in_layout(node, node.input[1], first.perm)
    rank = len(first.perm) + 1
    axis = c.attrs(node)["axis"]
    axis = axis + rank if axis < 0 else axis
    if axis == 0:
        raise c.fail(node, "concatenating along the batch axis is not supported")
    internal_axis = first.perm[axis - 1]
    c.add_layer(
        node,
        kinds.CONCATENATE,
        [first, second],
        node.output[0],
        attrs={"axis": internal_axis},
        out_perm=first.perm,
    )


def _pool(c: Converter, node, channels_last_data: bool = False) -> None:
    """ONNX pooling (data N, C, *spatial), or QONNX's channels-last pooling (N, *spatial, C)."""
    a = c.attrs(node)
    held = c.tensor(node, node.input[0])
    d = len(held.perm) - 1
    if d not in (1, 2):
        raise c.fail(node, f"{d}-D pooling is not supported (only 1-D and 2-D)")
    wanted = tuple(range(d + 1)) if channels_last_data else (d, *range(d))
    x = c.in_layout(node, node.input[0], wanted)  # channels-last inside
    spatial = c.shapes[x.name][:-1]
    is_global = node.op_type.startswith("Global")
    kernel = tuple(spatial) if is_global else tuple(a["kernel_shape"])
    strides = [1] * d if is_global else list(a.get("strides", [1] * d))
    dilations = list(a.get("dilations", [1] * d))
    if any(v != 1 for v in dilations):
        raise c.fail(node, f"dilated pooling {dilations} is not supported")
    if a.get("ceil_mode", 0):
        raise c.fail(node, "ceil_mode=1 is not supported")
    pads = [0] * 2 * d if is_global else _conv_pads(c, node, spatial, kernel, strides, dilations)
    average = "Average" in node.op_type
    kind = {
        (1, False): kinds.MAX_POOL1D,
        (2, False): kinds.MAX_POOL2D,
        (1, True): kinds.AVERAGE_POOL1D,
        (2, True): kinds.AVERAGE_POOL2D,
    }[d, average]
    attrs = {"kernel": kernel, "strides": strides, "pads": pads, "dilations": dilations}
    if average:
        attrs["count_include_pad"] = int(a.get("count_include_pad", 0))
    c.add_layer(node, kind, [x], node.output[0], attrs=attrs, out_perm=wanted)


_SOURCE = {  # ONNX Resize: an output coordinate o's position in the input, per mode
    "half_pixel": lambda o, f, n: (o + 0.5) / f - 0.5,
    "pytorch_half_pixel": lambda o, f, n: (o + 0.5) / f - 0.5 if n * f > 1 else 0.0,
    "asymmetric": lambda o, f, n: o / f,
    "tf_half_pixel_for_nn": lambda o, f, n: (o + 0.5) / f,
    "align_corners": lambda o, f, n: o * (n - 1) / (n * f - 1) if n * f > 1 else 0.0,
}
_NEAREST = {
    "round_prefer_floor": lambda x: math.ceil(x - 0.5),
    "round_prefer_ceil": lambda x: math.floor(x + 0.5),
    "floor": math.floor,
    "ceil": math.ceil,
}


def _text(value, default: str) -> str:
    value = default if value is None else value
    return value.decode() if isinstance(value, bytes) else value


def _upsample(c: Converter, node) -> None:
    """ONNX Resize and Upsample in nearest mode by integer factors on the spatial axes, where
    the coordinate mode makes output position o read input o // factor: an UpSampling layer."""
    a = c.attrs(node)
    if _text(a.get("mode"), "nearest") != "nearest":
        raise c.fail(node, f"mode {_text(a.get('mode'), '')!r}: only nearest is supported")
    x = c.tensor(node, node.input[0])
    d = len(x.perm) - 1
    dims = [c.shapes[x.name][p] for p in x.perm]  # ONNX order after the batch: C, *spatial
    if node.op_type == "Upsample" and "scales" in a:
        scales = [float(v) for v in a["scales"]]
    elif len(node.input) > 3 and node.input[3]:  # Resize with sizes
        sizes = c.const(node, node.input[3], "the sizes")
        scales = [float(v) / n for v, n in zip(sizes, [1, *dims], strict=True)]
    else:
        name = node.input[2] if node.op_type == "Resize" and c.opset >= 11 else node.input[1]
        scales = [float(v) for v in c.const(node, name, "the scales")]
    # channels first (N, C, *spatial), or channels last (N, *spatial, C) as QONNX's
    # channels-last graphs hold it: the channel axis is the one that is not scaled
    last = len(scales) == d + 2 and scales[1] != 1.0 and scales[-1] == 1.0
    factors = scales[1:-1] if last else scales[2:]
    spatial = dims[:-1] if last else dims[1:]
    if (
        len(scales) != d + 2
        or scales[0] != 1.0
        or d not in (1, 2)
        or not all(f >= 1 and f == int(f) for f in factors)
    ):
        raise c.fail(
            node,
            f"scales {scales}: only integer factors on the 1 or 2 spatial axes "
            "(batch and channels 1) are supported",
        )
    factors = [int(f) for f in factors]
    legacy = node.op_type == "Upsample" or c.opset < 11
    transform = (
        "asymmetric" if legacy else _text(a.get("coordinate_transformation_mode"), "half_pixel")
    )
    rounding = "floor" if legacy else _text(a.get("nearest_mode"), "round_prefer_floor")
    if transform not in _SOURCE or rounding not in _NEAREST:
        raise c.fail(
            node, f"coordinate mode {transform!r} with nearest mode {rounding!r} is not supported"
        )
    for n, f in zip(spatial, factors, strict=True):
        read = [
            min(max(_NEAREST[rounding](_SOURCE[transform](o, f, n)), 0), n - 1)
            for o in range(n * f)
        ]
        if read != [o // f for o in range(n * f)]:
            raise c.fail(
                node,
                f"coordinate mode {transform!r} with nearest mode {rounding!r} "
                f"does not copy each input {f} times; not supported",
            )
    wanted = tuple(range(d + 1)) if last else (d, *range(d))  # channels-last inside
    x = c.in_layout(node, node.input[0], wanted)
    c.add_layer(
        node, kinds.UPSAMPLING, [x], node.output[0], attrs={"scales": factors}, out_perm=wanted
    )


def _leaky_relu(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    alpha = [c.attrs(node).get("alpha", 0.01)]
    c.add_layer(
        node, kinds.LEAKY_RELU, [x], node.output[0], params={"alpha": alpha}, out_perm=x.perm
    )


def _prelu(c: Converter, node) -> None:
    held = c.tensor(node, node.input[0])
    slope = c.const(node, node.input[1], "the slope")
    onnx_shape = tuple(c.shapes[held.name][p] for p in held.perm)
    try:
        full = np.broadcast_to(slope, onnx_shape)
    except ValueError:
        raise c.fail(
            node, f"slope of shape {slope.shape} does not broadcast to {onnx_shape}"
        ) from None
    varying = [k for k in range(full.ndim) if np.any(np.diff(full, axis=k) != 0)]
    if len(varying) > 1:
        raise c.fail(node, "the slope varies along an axis other than the channels")
    if not varying:
        x, alpha = held, full.reshape(-1)[:1]
    else:  # hold the tensor with the slope's axis last: one slope per channel
        (k,) = varying
        order = [i for i in range(full.ndim) if i != k] + [k]
        x = c.in_layout(node, node.input[0], tuple(int(i) for i in np.argsort(order)))
        alpha = np.moveaxis(full, k, -1).reshape(-1, full.shape[k])[0]
    c.add_layer(node, kinds.PRELU, [x], node.output[0], params={"alpha": alpha}, out_perm=x.perm)


def _clip(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    if c.opset < 11:
        a = c.attrs(node)
        bounds = [a.get("min"), a.get("max")]
    else:
        bounds = [
            float(c.const(node, node.input[i], "a bound"))
            if len(node.input) > i and node.input[i]
            else None
            for i in (1, 2)
        ]
    attrs = {"min": bounds[0], "max": bounds[1]}
    c.add_layer(node, kinds.CLIP, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def _hard_sigmoid(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    a = c.attrs(node)
    params = {"alpha": [a.get("alpha", 0.2)], "beta": [a.get("beta", 0.5)]}
    c.add_layer(node, kinds.HARD_SIGMOID, [x], node.output[0], params=params, out_perm=x.perm)


def _hard_swish(c: Converter, node) -> None:
    """ONNX HardSwish, ``x * HardSigmoid(x, 1/6, 1/2)`` by its definition: those two layers."""
    x = c.tensor(node, node.input[0])
    gate = c.unique_tensor(f"{node.output[0]}_gate")
    params = {"alpha": [1.0 / 6.0], "beta": [0.5]}
    name = f"{node.name or node.output[0]}_gate"
    c.add_layer(node, kinds.HARD_SIGMOID, [x], gate, params=params, out_perm=x.perm, name=name)
    c.add_layer(node, kinds.MULTIPLY, [x, c.values[gate]], node.output[0], out_perm=x.perm)


def _gelu(c: Converter, node) -> None:
    """ONNX Gelu (opset 20): the erf form, or with ``approximate="tanh"`` the tanh form."""
    approximate = _text(c.attrs(node).get("approximate"), "none")
    forms = {"none": kinds.GELU, "tanh": kinds.GELU_TANH}
    if approximate not in forms:
        raise c.fail(node, f"approximate {approximate!r} is not 'none' or 'tanh'")
    _activation(forms[approximate])(c, node)


def _elu(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    attrs = {"alpha": c.attrs(node).get("alpha", 1.0)}
    c.add_layer(node, kinds.ELU, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def _selu(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    a = c.attrs(node)
    attrs = {
        "alpha": a.get("alpha", 1.6732632423543772),
        "gamma": a.get("gamma", 1.0507009873554805),
    }
    params = {"gamma": [attrs["gamma"]]}
    c.add_layer(node, kinds.SELU, [x], node.output[0], attrs=attrs, params=params, out_perm=x.perm)


def _softmax(c: Converter, node) -> None:
    x = c.plain(node, node.input[0])
    rank = len(c.shapes[x.name]) + 1
    axis = c.attrs(node).get("axis", -1 if c.opset >= 13 else 1)
    axis = axis + rank if axis < 0 else axis
    # before opset 13, axis means "flatten from here"; with one axis after the batch both agree
    if axis != rank - 1 and not (c.opset < 13 and axis == 1 and rank == 2):
        raise c.fail(node, f"softmax over axis {axis} of a rank-{rank} tensor: only the last axis")
    c.add_layer(node, kinds.SOFTMAX, [x], node.output[0])


def _shape(c: Converter, node) -> None:
    """The static shape of a computed tensor, batch 1 (the graph runs one sample at a time):
    a constant, so shape arithmetic after it (Gather, Concat, Unsqueeze ...) folds away."""
    x = c.tensor(node, node.input[0])
    dims = [1, *(c.shapes[x.name][p] for p in x.perm)]
    a = c.attrs(node)
    start, end = a.get("start", 0), a.get("end", len(dims))
    c.values[node.output[0]] = np.array(dims[start:end], dtype=np.float64)
    c.dtypes[node.output[0]] = np.dtype(np.int64)


def _pow(c: Converter, node) -> None:
    raise c.fail(
        node,
        "Pow of a computed tensor is not supported (only Pow of constants, which fold away); "
        "square or take roots of constants before export",
    )


def _identity(c: Converter, node) -> None:
    c.values[node.output[0]] = c.tensor(node, node.input[0])


def _reshape_to(c: Converter, node, name: str, shape: tuple[int, ...]) -> None:
    """``node``'s output: the tensor ``name``, in ONNX order, reshaped (batch excluded)."""
    rank = len(c.shapes[c.tensor(node, name).name])
    x = c.in_layout(node, name, tuple(range(rank)))
    if c.shapes[x.name] == shape:
        c.values[node.output[0]] = x
        return
    c.add_layer(node, kinds.RESHAPE, [x], node.output[0], attrs={"shape": shape})


def _flatten(c: Converter, node) -> None:
    axis = c.attrs(node).get("axis", 1)
    if axis not in (0, 1):
        raise c.fail(node, f"flatten from axis {axis}: only the batch axis (0 or 1) is supported")
    shape = c.shapes[c.tensor(node, node.input[0]).name]
    _reshape_to(c, node, node.input[0], (math.prod(shape),))


def _reshape(c: Converter, node) -> None:
    if len(node.input) > 1:
        target = [int(v) for v in c.const(node, node.input[1], "the shape")]
    else:
        target = list(c.attrs(node)["shape"])
    current = c.shapes[c.tensor(node, node.input[0]).name]
    current_onnx = [None, *(current[p] for p in c.tensor(node, node.input[0]).perm)]
    dims = [current_onnx[i] if d == 0 else d for i, d in enumerate(target)][1:]
    if dims.count(-1) > 1:
        raise c.fail(node, f"shape {target} has more than one -1")
    if -1 in dims:
        known = math.prod(d for d in dims if d != -1)
        dims[dims.index(-1)] = math.prod(current) // known if known else 0
    if math.prod(dims) != math.prod(current):
        raise c.fail(
            node, f"cannot reshape {tuple(current_onnx[1:])} to {tuple(target)} per sample"
        )
    _reshape_to(c, node, node.input[0], tuple(dims))


def _squeeze_like(c: Converter, node) -> None:
    x = c.tensor(node, node.input[0])
    onnx_shape = [c.shapes[x.name][p] for p in x.perm]
    if node.op_type == "Squeeze":
        axes = c.attrs(node).get("axes")
        if axes is None and len(node.input) > 1:
            axes = [int(v) for v in c.const(node, node.input[1], "the axes")]
        rank = len(onnx_shape) + 1
        axes = {
            a + rank if a < 0 else a
            for a in (axes or [i + 1 for i, d in enumerate(onnx_shape) if d == 1])
        }
        if 0 in axes:
            raise c.fail(node, "squeezing the batch axis is not supported")
        shape = tuple(d for i, d in enumerate(onnx_shape, start=1) if i not in axes)
    else:
        axes = c.attrs(node).get("axes")
        if axes is None:
            axes = [int(v) for v in c.const(node, node.input[1], "the axes")]
        rank = len(onnx_shape) + 1 + len(axes)
        axes = sorted(a + rank if a < 0 else a for a in axes)
        if 0 in axes:
            raise c.fail(node, "unsqueezing at the batch axis is not supported")
        shape = [None, *onnx_shape]
        for a in axes:
            shape.insert(a, 1)
        shape = tuple(shape[1:])
    _reshape_to(c, node, node.input[0], shape)


def _transpose(c: Converter, node) -> None:
    held = c.values.get(node.input[0])
    if isinstance(held, BatchMoved) and list(c.attrs(node).get("perm", [1, 0])) == [1, 0]:
        c.values[node.output[0]] = held.tensor  # the batch axis back in front
        return
    x = c.tensor(node, node.input[0])
    rank = len(x.perm) + 1
    perm = list(c.attrs(node).get("perm", range(rank - 1, -1, -1)))
    if rank == 2 and perm == [1, 0]:
        c.values[node.output[0]] = BatchMoved(x)
        return
    if perm[0] != 0:
        raise c.fail(node, f"perm {perm} moves the batch axis; only the other axes may move")
    c.values[node.output[0]] = Tensor(x.name, tuple(x.perm[p - 1] for p in perm[1:]))


def _conv_pads(c: Converter, node, shape, kernel, strides, dilations) -> list[int]:
    a = c.attrs(node)
    d = len(kernel)
    auto_pad = a.get("auto_pad", b"NOTSET")
    auto_pad = auto_pad.decode() if isinstance(auto_pad, bytes) else auto_pad
    if auto_pad in ("NOTSET", ""):
        return list(a.get("pads", [0] * 2 * d))
    if auto_pad == "VALID":
        return [0] * 2 * d
    if auto_pad not in ("SAME_UPPER", "SAME_LOWER"):
        raise c.fail(node, f"unknown auto_pad {auto_pad!r}")
    begin, end = [], []
    for i in range(d):
        out = -(-shape[i] // strides[i])
        total = max(0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - shape[i])
        small, large = total // 2, total - total // 2
        begin.append(small if auto_pad == "SAME_UPPER" else large)
        end.append(large if auto_pad == "SAME_UPPER" else small)
    return begin + end


def _conv(c: Converter, node, channels_last_data: bool = False) -> None:
    """ONNX Conv (data N, C, *spatial; weight out, in/group, *kernel), or QONNX's channels-last
    Conv (data N, *spatial, C; weight out, *kernel, in/group). group 1, or depthwise."""
    weight = c.const(node, node.input[1], "the weight")
    d = weight.ndim - 2
    if d not in (1, 2):
        raise c.fail(node, f"{d}-D convolution is not supported (only 1-D and 2-D)")
    if channels_last_data:  # to the ONNX weight layout (out, in/group, *kernel)
        weight = np.moveaxis(weight, -1, 1)
    a = c.attrs(node)
    channels_last = (d, *range(d))  # ONNX (C, *spatial) is internal (*spatial, C)
    wanted = tuple(range(d + 1)) if channels_last_data else channels_last
    x = c.in_layout(node, node.input[0], wanted)
    shape = c.shapes[x.name]
    group, n_out = a.get("group", 1), weight.shape[0]
    depthwise = group != 1
    if depthwise and not (group == shape[-1] == n_out and weight.shape[1] == 1):
        raise c.fail(
            node,
            f"group={group} over {shape[-1]} channels into {n_out}: only group 1 and depthwise "
            "(group = input channels = output channels) are supported",
        )
    kernel = tuple(weight.shape[2:])
    if not depthwise and weight.shape[1] != shape[-1]:
        raise c.fail(
            node, f"the weight expects {weight.shape[1]} input channels, the input has {shape[-1]}"
        )
    strides = list(a.get("strides", [1] * d))
    dilations = list(a.get("dilations", [1] * d))
    pads = _conv_pads(c, node, shape, kernel, strides, dilations)
    bias = (
        c.const(node, node.input[2], "the bias") if len(node.input) > 2 and node.input[2] else None
    )
    if depthwise:  # (C, 1, *kernel) -> (*kernel, C)
        internal_weight = np.moveaxis(weight[:, 0], 0, -1)
        kind = kinds.DEPTHWISE_CONV1D if d == 1 else kinds.DEPTHWISE_CONV2D
    else:  # (out, in, *kernel) -> (*kernel, in, out)
        internal_weight = weight.transpose(*range(2, 2 + d), 1, 0)
        kind = kinds.CONV1D if d == 1 else kinds.CONV2D
    params = {
        "weight": internal_weight,
        "bias": np.zeros(n_out) if bias is None else bias.reshape(n_out),
    }
    attrs = {"kernel": kernel, "strides": strides, "dilations": dilations, "pads": pads}
    fixed = c.param_types(weight=node.input[1], bias=node.input[2] if len(node.input) > 2 else None)
    c.add_layer(
        node, kind, [x], node.output[0], attrs=attrs, params=params, out_perm=wanted, fixed=fixed
    )


QONNX_CONVERTERS = {
    "Quant": quant,
    "BipolarQuant": bipolar_quant,
    "Trunc": trunc,
    "Conv": lambda c, node: _conv(c, node, channels_last_data=True),
    "MaxPool": lambda c, node: _pool(c, node, channels_last_data=True),
    "AveragePool": lambda c, node: _pool(c, node, channels_last_data=True),
    "BatchNormalization": lambda c, node: batch_norm(c, node, channels_last_data=True),
}

CONVERTERS = {
    "Gemm": _gemm,
    "MatMul": _matmul,
    "Add": _merge,
    "Relu": _activation(kinds.RELU),
    "Sigmoid": _activation(kinds.SIGMOID),
    "Tanh": _activation(kinds.TANH),
    "Softplus": _activation(kinds.SOFTPLUS),
    "Softsign": _activation(kinds.SOFTSIGN),
    "Mish": _activation(kinds.MISH),
    "Exp": _activation(kinds.EXP),
    "Gelu": _gelu,
    "HardSwish": _hard_swish,
    "LeakyRelu": _leaky_relu,
    "PRelu": _prelu,
    "Clip": _clip,
    "HardSigmoid": _hard_sigmoid,
    "Elu": _elu,
    "Selu": _selu,
    "Softmax": _softmax,
    "Identity": _identity,
    "Shape": _shape,
    "Resize": _upsample,
    "Upsample": _upsample,
    "Pow": _pow,
    "Dropout": _identity,
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Squeeze": _squeeze_like,
    "Unsqueeze": _squeeze_like,
    "Transpose": _transpose,
    "Conv": _conv,
    "Sub": _merge,
    "Mul": _merge,
    "Div": div,
    "Concat": _concat,
    "Pad": pad,
    "Slice": slice_,
    "MaxPool": _pool,
    "AveragePool": _pool,
    "GlobalMaxPool": _pool,
    "GlobalAveragePool": _pool,
    "BatchNormalization": batch_norm,
    "QuantizeLinear": quantize_linear,
    "DequantizeLinear": dequantize_linear,
}
SUPPORTED_OPS = (*sorted(CONVERTERS), *(f"{op} (QONNX)" for op in sorted(QONNX_CONVERTERS)))
