"""ONNX ops that move values without arithmetic and are not layouts: ``Pad`` (a Pad layer) and
``Slice`` (a Slice layer), every opset's form. Both keep the tensor's internal layout: an ONNX
axis is found through the tensor's ``perm``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from hlsfx.frontends.onnx.values import Tensor
from hlsfx.ir import kinds

if TYPE_CHECKING:
    from hlsfx.frontends.onnx.reader import Converter

__all__ = ["pad", "slice_"]


def _optional(c: Converter, node, position: int, what: str) -> np.ndarray | None:
    """The constant input at ``position``, or None where the node leaves it out."""
    if len(node.input) <= position or not node.input[position]:
        return None
    return c.const(node, node.input[position], what)


def _axes(c: Converter, node, axes, rank: int) -> list[int]:
    """ONNX axes (negative ones counted from the end) as non-negative axes of ``rank``."""
    found = []
    for axis in axes:
        a = int(axis) + rank if int(axis) < 0 else int(axis)
        if not 0 <= a < rank or a in found:
            raise c.fail(node, f"axes {list(axes)} are not distinct axes of a rank-{rank} tensor")
        found.append(a)
    return found


def _internal(c: Converter, node, x: Tensor, per_onnx_axis: dict[int, object], neutral) -> list:
    """Per internal axis of ``x``, the value given for its ONNX axis (``neutral`` where none
    is); a value other than ``neutral`` on the batch axis is refused."""
    if per_onnx_axis.get(0, neutral) != neutral:
        raise c.fail(node, f"{node.op_type} of the batch axis is not supported")
    internal = [neutral] * len(x.perm)
    for onnx_axis, value in per_onnx_axis.items():
        if onnx_axis:
            internal[x.perm[onnx_axis - 1]] = value
    return internal


def pad(c: Converter, node) -> None:
    """ONNX Pad (opset 2 on: ``pads`` and ``value`` attributes; 11 on: inputs, 18 on with
    ``axes``), modes constant, edge, reflect and wrap; pads must not be negative."""
    x = c.tensor(node, node.input[0])
    rank = len(x.perm) + 1
    a = c.attrs(node)
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in kinds.PadKind.MODES:
        raise c.fail(node, f"mode {mode!r} is not one of {', '.join(kinds.PadKind.MODES)}")
    if c.opset < 11:
        pads, value, axes = list(a.get("pads", [])), float(a.get("value", 0.0)), None
    else:
        pads = [int(v) for v in c.const(node, node.input[1], "the pads").reshape(-1)]
        constant = _optional(c, node, 2, "the constant value")
        value = 0.0 if constant is None or constant.size == 0 else float(constant.reshape(-1)[0])
        given = _optional(c, node, 3, "the axes")
        axes = None if given is None else given.reshape(-1)
    axes = list(range(rank)) if axes is None else _axes(c, node, axes, rank)
    if len(pads) != 2 * len(axes):
        raise c.fail(node, f"pads {pads} are not a begin and an end for each of {len(axes)} axes")
    if any(p < 0 for p in pads):
        raise c.fail(node, f"pads {pads}: negative pads (cropping) are not supported; use Slice")
    per_axis = {ax: (int(pads[i]), int(pads[i + len(axes)])) for i, ax in enumerate(axes)}
    internal = _internal(c, node, x, per_axis, (0, 0))
    attrs = {"pads": [list(p) for p in internal], "mode": mode, "value": value}
    c.add_layer(node, kinds.PAD, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def slice_(c: Converter, node) -> None:
    """ONNX Slice (opset 1: ``starts``, ``ends``, ``axes`` attributes; 10 on: inputs, with
    ``steps``), ONNX's clamping of the bounds kept exactly."""
    x = c.tensor(node, node.input[0])
    rank = len(x.perm) + 1
    if c.opset < 10:
        a = c.attrs(node)
        starts, ends = list(a["starts"]), list(a["ends"])
        axes, steps = a.get("axes"), None
    else:
        starts = c.const(node, node.input[1], "the starts").reshape(-1).tolist()
        ends = c.const(node, node.input[2], "the ends").reshape(-1).tolist()
        axes, steps = _optional(c, node, 3, "the axes"), _optional(c, node, 4, "the steps")
        axes = None if axes is None else axes.reshape(-1).tolist()
        steps = None if steps is None else steps.reshape(-1).tolist()
    axes = list(range(len(starts))) if axes is None else _axes(c, node, axes, rank)
    steps = [1] * len(starts) if steps is None else [int(s) for s in steps]
    if not len(starts) == len(ends) == len(axes) == len(steps) or 0 in steps:
        raise c.fail(node, f"starts {starts}, ends {ends}, axes {axes}, steps {steps} do not match")
    dims = [None, *(c.shapes[x.name][p] for p in x.perm)]
    per_axis = {}
    for start, end, axis, step in zip(starts, ends, axes, steps, strict=True):
        if axis == 0:
            if int(start) != 0 or step != 1 or int(end) < 2**31 - 1:
                raise c.fail(node, "Slice of the batch axis is not supported")
            continue
        per_axis[axis] = _python_slice(int(start), int(end), step, dims[axis])
    internal = _internal(c, node, x, per_axis, None)
    whole = [(0, None, 1) if s is None else s for s in internal]
    attrs = {"starts": [s[0] for s in whole], "ends": [s[1] for s in whole]}
    attrs["steps"] = [s[2] for s in whole]
    c.add_layer(node, kinds.SLICE, [x], node.output[0], attrs=attrs, out_perm=x.perm)


def _python_slice(start: int, end: int, step: int, dim: int) -> tuple[int, int | None, int]:
    """ONNX's bounds on an axis of ``dim`` (negative ones counted from the end, then clamped
    to [0, dim], or [0, dim - 1] and [-1, dim - 1] walking backwards) as Python's."""
    start, end = start + dim if start < 0 else start, end + dim if end < 0 else end
    if step > 0:
        return min(max(start, 0), dim), min(max(end, 0), dim), step
    start, end = min(max(start, 0), dim - 1), min(max(end, -1), dim - 1)
    return start, None if end < 0 else end, step
