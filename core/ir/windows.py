"""Window arithmetic of convolutions and pooling, channels-last: how many positions a window
takes along each axis, which input element each tap reads, and the windows of a float tensor.
``attrs`` are a window kind's: ``kernel``, ``strides``, ``dilations`` and ``pads`` (begin...,
end...) over the spatial axes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["MAX_PATCH_INDEX", "attrs_problem", "gather", "patch_index", "window_counts"]

MAX_PATCH_INDEX = 1 << 26
"""entries (output positions x taps x channels) of the largest window index built"""


def _positive_ints(values: Any, count: int, low: int) -> bool:
    if not isinstance(values, (tuple, list, np.ndarray)) or len(values) != count:
        return False
    return all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= low for v in values
    )


def attrs_problem(attrs: Mapping[str, Any], shape: tuple[int, ...]) -> str | None:
    """What is wrong with a window's ``attrs`` over an input ``shape`` (spatial axes, then
    channels), or None: ``kernel``, ``strides`` and ``dilations`` one integer of at least 1 per
    spatial axis, ``pads`` two integers from 0 per axis, a begin pad below the window's reach
    and an end pad below its reach plus its stride (the most a ceil mode adds)."""
    kernel = attrs.get("kernel")
    if not isinstance(kernel, (tuple, list)) or not kernel:
        return f"kernel {kernel!r} is not one size per spatial axis"
    d = len(kernel)
    if len(shape) != d + 1:
        return f"input shape {shape} is not (*{d} spatial, channels)"
    for name in ("kernel", "strides", "dilations"):
        if not _positive_ints(attrs.get(name), d, 1):
            return f"{name} {attrs.get(name)!r} is not {d} integer(s) of at least 1"
    pads = attrs.get("pads")
    if not _positive_ints(pads, 2 * d, 0):
        return f"pads {pads!r} are not {2 * d} integers of at least 0 (begin..., end...)"
    for i in range(d):
        reach = (kernel[i] - 1) * attrs["dilations"][i] + 1
        if pads[i] >= reach or pads[d + i] >= reach + attrs["strides"][i] - 1:
            return (
                f"pads {tuple(pads)} on axis {i} reach past a window of {reach} positions "
                f"(stride {attrs['strides'][i]})"
            )
    return None


def window_counts(attrs: Mapping[str, Any], shape: tuple[int, ...]) -> list[int] | None:
    """The number of window positions along each spatial axis of an input ``shape`` (spatial
    axes, then channels), or None when a window reaches beyond the padded input."""
    d, counts = len(attrs["kernel"]), []
    for i in range(d):
        padded = shape[i] + attrs["pads"][i] + attrs["pads"][d + i]
        reach = (attrs["kernel"][i] - 1) * attrs["dilations"][i] + 1
        if padded < reach:
            return None
        counts.append((padded - reach) // attrs["strides"][i] + 1)
    return counts


def patch_index(attrs: Mapping[str, Any], shape: tuple[int, ...]) -> np.ndarray:
    """For each output position (row-major) and tap (kernel positions, then input channels),
    the flat channels-last input index it reads, or -1 for padding."""
    d, channels = len(attrs["kernel"]), shape[-1]
    out_pos = np.indices(window_counts(attrs, shape)).reshape(d, -1).T  # (P, d)
    taps = np.indices(tuple(attrs["kernel"])).reshape(d, -1).T  # (T, d)
    stride, dilation = np.array(attrs["strides"]), np.array(attrs["dilations"])
    pos = out_pos[:, None, :] * stride + taps[None, :, :] * dilation - np.array(attrs["pads"][:d])
    valid = np.all((pos >= 0) & (pos < np.array(shape[:-1])), axis=-1)
    flat = np.ravel_multi_index(
        tuple(np.clip(pos, 0, np.array(shape[:-1]) - 1).transpose(2, 0, 1)), shape[:-1]
    )
    index = flat[:, :, None] * channels + np.arange(channels)  # (P, T, C)
    index[~valid] = -1
    return index.reshape(len(out_pos), -1)


def gather(index: np.ndarray, x: np.ndarray, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """The windows of the float inputs ``x`` (batch first) at ``index`` (see
    :func:`patch_index`): ``(N, positions, taps, channels)`` with padding read as 0, and
    ``(positions, taps)``: which taps lie inside the input."""
    flat = np.concatenate([x.reshape(len(x), -1), np.zeros((len(x), 1))], axis=1)
    taps = flat[:, index].reshape(len(x), len(index), -1, channels)
    return taps, (index >= 0).reshape(taps.shape[1:])[..., 0]
