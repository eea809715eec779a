"""Element-wise scaling in ONNX graphs: an Add, Sub, Mul or Div of a tensor by a constant,
BatchNormalization, and QONNX quantizers whose scale is not a power of two, all as
BatchNormalization layers (``x * scale + bias``) per channel, or per element between two
reshapes, which hlsfx.passes fold and merge with their neighbours."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.frontends.onnx.quant import apply_quantizer, quant_spec
from hlsfx.frontends.onnx.values import BatchMoved, Tensor
from hlsfx.ir import kinds

if TYPE_CHECKING:
    from hlsfx.frontends.onnx.reader import Converter

__all__ = ["affine", "batch_norm", "constant_operand", "div", "output_scales", "per_channel"]
__all__ += ["quant"]


def per_channel(c: Converter, node, name: str, x: Tensor, what: str):
    """The constant ``name`` as one value per position along one axis of ``x`` (counted after
    the batch in ONNX's view): the axis ``x`` already holds last, else the channels (axis 0);
    else one value per element (axis None), in ONNX's order."""
    constant = c.const(node, name, what)
    dims = tuple(c.shapes[x.name][p] for p in x.perm)  # x's ONNX dims after the batch
    if np.broadcast_shapes(constant.shape, (1, *dims)) != (1, *dims):
        raise c.fail(node, f"{what} of shape {constant.shape} does not broadcast to {dims}")
    full = np.broadcast_to(constant, (1, *dims))[0]
    for axis in dict.fromkeys((x.perm.index(len(dims) - 1), 0)):
        along = np.moveaxis(full, axis, 0).reshape(dims[axis], -1)
        if np.all(along == along[:, :1]):
            return along[:, 0].copy(), axis
    return full.reshape(-1).copy(), None


def affine(
    c: Converter,
    node,
    name: str,
    scale,
    shift,
    axis: int | None = 0,
    fixed=None,
    output: str | None = None,
    rescale: bool = False,
) -> None:
    """``x * scale + shift`` along ONNX axis ``axis`` (after the batch; 0: the channels): a
    BatchNormalization layer over that axis held last (folded into a Dense or convolution
    before it by hlsfx.passes.fold_batch_norm). With ``axis`` None, one scale and shift per
    element: the same layer over the flattened tensor, between two (free) reshapes. A
    ``rescale`` applies a quantizer's scale that is not a power of two (marked so that the
    configuration shows how closely its fixed-point multipliers approximate the scale)."""
    output = output or node.output[0]
    rank = len(c.tensor(node, name).perm)
    params = {"scale": scale, "bias": shift}
    attrs = {"rescale": True} if rescale else {}
    suffix = "_rescale" if rescale else ""
    if axis is not None:
        x = c.in_layout(node, name, (*range(axis), rank - 1, *range(axis, rank - 1)))
        c.add_layer(
            node,
            kinds.BATCH_NORM,
            [x],
            output,
            params=params,
            out_perm=x.perm,
            fixed=fixed,
            attrs=attrs,
            name=f"{node.name or output}{suffix}",
        )
        return
    x = c.in_layout(node, name, tuple(range(rank)))
    dims = c.shapes[x.name]
    flat = c.unique_tensor(f"{output}_flat")
    c.add_layer(node, kinds.RESHAPE, [x], flat, attrs={"shape": (math.prod(dims),)})
    scaled = c.unique_tensor(f"{output}_affine")
    c.add_layer(
        node,
        kinds.BATCH_NORM,
        [c.values[flat]],
        scaled,
        params=params,
        fixed=fixed,
        attrs=attrs,
        name=f"{node.name or output}{suffix}",
    )
    c.add_layer(node, kinds.RESHAPE, [c.values[scaled]], output, attrs={"shape": dims})


def quant(c: Converter, node) -> None:
    """QONNX ``Quant``. With a scale that is not a power of two, on a tensor: division by the
    scale, the cast to the integer codes, multiplication by the scale; on a constant, its
    codes, whose scale the Dense or convolution taking it applies after summing (both
    rescales are BatchNormalization layers that hlsfx.passes merges with their neighbours)."""
    t, scale = quant_spec(c, node)
    if scale is None or isinstance(c.values.get(node.input[0]), np.ndarray):
        apply_quantizer(c, node, t, scale)
        return
    x = c.tensor(node, node.input[0])
    value, axis = per_channel(c, node, node.input[1], x, "the scale")
    down = c.unique_tensor(f"{node.output[0]}_unscaled")
    affine(
        c, node, node.input[0], 1.0 / value, np.zeros_like(value), axis, output=down, rescale=True
    )
    codes = c.unique_tensor(f"{node.output[0]}_codes")
    held = c.values[down]
    c.add_layer(node, kinds.LINEAR, [held], codes, out_perm=held.perm, fixed={"result": t})
    affine(c, node, codes, value, np.zeros_like(value), axis, rescale=True)


def output_scales(c: Converter, name: str, out_axis: int, transposed: bool = False):
    """The integer codes of the quantized weight ``name`` and one scale per output (along
    ``out_axis``), when its quantizer's scale is not a power of two and depends on the output
    only; else None."""
    found = c.const_scales.get(name)
    if found is None:
        return None
    codes, scales = (a.T for a in found) if transposed else found
    along = np.moveaxis(scales, out_axis, 0).reshape(scales.shape[out_axis], -1)
    if not np.all(along == along[:, :1]):
        return None
    return codes, along[:, 0].copy()


def constant_operand(c: Converter, node) -> None:
    """Add, Sub or Mul of a tensor and a per-channel or per-element constant."""
    (name,) = [n for n in node.input if isinstance(c.values.get(n), Tensor)]
    other = next(n for n in node.input if n != name)
    value, axis = per_channel(c, node, other, c.tensor(node, name), "the constant operand")
    ones, zeros = np.ones_like(value), np.zeros_like(value)
    typed = c.const_types.get(other)
    if node.op_type == "Mul":
        affine(c, node, name, value, zeros, axis, {"scale": typed} if typed else None)
    elif node.op_type == "Add":
        affine(c, node, name, ones, value, axis, {"bias": typed} if typed else None)
    elif node.input[0] == name:  # x - c
        affine(c, node, name, ones, -value, axis)
    else:  # c - x
        affine(c, node, name, -ones, value, axis)


def div(c: Converter, node) -> None:
    """A tensor divided by a per-channel constant: the tensor times its reciprocal."""
    dividend, divisor = node.input[0], node.input[1]
    if not isinstance(c.values.get(dividend), Tensor) or isinstance(c.values.get(divisor), Tensor):
        raise c.fail(node, "only a tensor divided by a constant is supported")
    value, axis = per_channel(c, node, divisor, c.tensor(node, dividend), "the divisor")
    if not np.all(value):
        where = "channel" if axis is not None else "element"
        raise c.fail(node, f"the divisor is 0 at {where} {int(np.flatnonzero(value == 0)[0])}")
    affine(c, node, dividend, 1.0 / value, np.zeros_like(value), axis)


def batch_norm(c: Converter, node, channels_last_data: bool = False) -> None:
    """ONNX BatchNormalization over the channels (axis 1), QONNX's channels-last one over the
    last axis, or one between Transposes that move a 2-D tensor's batch axis, over the
    features."""
    gamma, beta, mean, var = (
        c.const(node, n, what)
        for n, what in zip(node.input[1:5], ("scale", "B", "mean", "var"), strict=True)
    )
    scale = gamma / np.sqrt(var + c.attrs(node)["epsilon"])
    held = c.values.get(node.input[0])
    if not isinstance(held, BatchMoved):
        axis = len(c.tensor(node, node.input[0]).perm) - 1 if channels_last_data else 0
        affine(c, node, node.input[0], scale, beta - mean * scale, axis)
        return
    inner = c.unique_tensor(f"{node.input[0]}_features")
    c.values[inner] = held.tensor
    affine(c, node, inner, scale, beta - mean * scale)
    c.values[node.output[0]] = BatchMoved(c.values[node.output[0]])
