"""Window arithmetic of convolutions and pooling, channels-last: how many positions a window
takes along each axis, which input element each tap reads, and the windows of a float tensor.
``attrs`` are a window kind's: ``kernel``, ``strides``, ``dilations`` and ``pads`` (begin...,
end...) over the spatial axes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["gather", "patch_index", "window_counts"]


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
