"""Keras layers that move values: ``ZeroPadding1D/2D`` (ONNX ``Pad``), ``Cropping1D/2D``
(ONNX ``Slice``) and ``UpSampling1D/2D`` in nearest mode (ONNX ``Resize``). Keras's data is
channels-last; padding and cropping act on its spatial axes where they are."""

from __future__ import annotations

from typing import Any

import numpy as np

from hlsfx.frontends.keras.onnx_writer import LayerCall, OnnxWriter

__all__ = ["cropping", "padding", "upsampling"]


def _pairs(w: OnnxWriter, value: Any, d: int, what: str) -> list[tuple[int, int]]:
    """Keras's per-axis (before, after) setting: an int for all, one int per axis, or one pair
    per axis (a 1-D layer's pair is its one axis's)."""
    if isinstance(value, int):
        pairs = [(value, value)] * d
    elif d == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
        pairs = [tuple(value)]
    elif len(value) == d and all(isinstance(v, int) for v in value):
        pairs = [(v, v) for v in value]
    else:
        pairs = [tuple(v) for v in value]
    if len(pairs) != d or any(
        len(p) != 2 or not all(isinstance(v, int) and v >= 0 for v in p) for p in pairs
    ):
        raise w.fail(f"{what} {value!r} is not a non-negative (before, after) per spatial axis")
    return [(int(a), int(b)) for a, b in pairs]


def _channels_last(w: OnnxWriter, call: LayerCall) -> int:
    """The number of spatial axes of the layer's input, which must be channels-last."""
    if call.config.get("data_format", "channels_last") != "channels_last":
        raise w.fail(f"data_format {call.config['data_format']!r}: only channels_last is read")
    return w.ranks[call.x] - 1


def padding(w: OnnxWriter, call: LayerCall) -> str:
    d = _channels_last(w, call)
    pairs = _pairs(w, call.config.get("padding", 1), d, "padding")
    begins, ends = [0, *(a for a, _ in pairs), 0], [0, *(b for _, b in pairs), 0]
    pads = w.const(f"{call.name}_pads", np.array(begins + ends, np.int64))
    y = w.node("Pad", [call.x, pads], f"{call.name}_out", call.name, mode="constant")
    w.ranks[y] = w.ranks[call.x]
    return y


def cropping(w: OnnxWriter, call: LayerCall) -> str:
    d = _channels_last(w, call)
    pairs = _pairs(w, call.config.get("cropping", 1), d, "cropping")
    starts = w.const(f"{call.name}_starts", np.array([a for a, _ in pairs], np.int64))
    ends = w.const(f"{call.name}_ends", np.array([-b if b else 2**62 for _, b in pairs], np.int64))
    axes = w.const(f"{call.name}_axes", np.arange(1, d + 1, dtype=np.int64))
    y = w.node("Slice", [call.x, starts, ends, axes], f"{call.name}_out", call.name)
    w.ranks[y] = w.ranks[call.x]
    return y


def upsampling(w: OnnxWriter, call: LayerCall) -> str:
    d = _channels_last(w, call)
    interpolation = call.config.get("interpolation", "nearest")
    if interpolation != "nearest":
        raise w.fail(f"interpolation {interpolation!r}: only nearest is read")
    size = call.config.get("size", 2)
    factors = [size] * d if isinstance(size, int) else list(size)
    if len(factors) != d or not all(isinstance(f, int) and f >= 1 for f in factors):
        raise w.fail(f"size {size!r} is not a positive integer per spatial axis")
    scales = w.const(f"{call.name}_scales", np.array([1, 1, *factors], np.float32))
    roi = w.const(f"{call.name}_roi", np.zeros(0, np.float32))

    def resize(x: str) -> str:
        return w.node(
            "Resize",
            [x, roi, scales],
            f"{call.name}_resized",
            call.name,
            mode="nearest",
            coordinate_transformation_mode="asymmetric",
            nearest_mode="floor",
        )

    y = w.around_channels_first(call.x, call.name, resize)
    w.ranks[y] = w.ranks[call.x]
    return y
