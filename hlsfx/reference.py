"""The float meaning of a graph: every layer kind computed in float64 numpy from the layer's
float parameters, with no quantization at all. It is the living definition of each kind's
float semantics (what a frontend must preserve); the emulator computes the same graph in
fixed point. The frontend tests compare it with the source framework (onnx's reference
evaluator, torch, a numpy forward pass of Keras weights) to about 1e-9.

Tensors are channels-last with the batch first, as in the IR; :func:`run` takes and returns
them in the source model's layout, as :meth:`hlsfx.model.QuantizedModel.predict` does."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from hlsfx import kinds
from hlsfx.graph import Graph, Layer
from hlsfx.tables import FUNCTIONS

__all__ = ["REFERENCE", "run", "tensors"]

Shapes = list[tuple[int, ...]]


def _dense(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return xs[0] @ layer.params["weight"] + layer.params["bias"]


def _patches(layer: Layer, x: np.ndarray, shape: tuple[int, ...]) -> tuple[np.ndarray, Any]:
    """Each output position's window, ``(N, P, taps * channels)``, padding read as 0; and a
    mask of the taps inside the input."""
    index = layer.kind.patch_index(layer, shape)
    flat = np.concatenate([x.reshape(len(x), -1), np.zeros((len(x), 1))], axis=1)
    return flat[:, index], index >= 0


def _conv(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    """Dense over each output position's receptive field; depthwise: each channel alone."""
    (x,), (shape,) = xs, shapes
    weight, bias = layer.params["weight"], layer.params["bias"]
    patches, _ = _patches(layer, x, shape)
    out_shape = layer.kind.output_shape(layer, [shape])
    if layer.kind.depthwise:
        channels = weight.shape[-1]
        taps = patches.reshape(len(x), patches.shape[1], -1, channels)
        out = np.einsum("nptc,tc->npc", taps, weight.reshape(-1, channels)) + bias
    else:
        out = patches @ weight.reshape(-1, weight.shape[-1]) + bias
    return out.reshape(len(x), *out_shape)


def _pool(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    """Max over the taps inside the input; average: their sum over the window size, or with
    ``count_include_pad`` unset, over the number of taps inside."""
    (x,), (shape,) = xs, shapes
    channels = shape[-1]
    patches, inside = _patches(layer, x, shape)
    patches = patches.reshape(len(x), patches.shape[1], -1, channels)
    inside = inside.reshape(patches.shape[1:])
    out_shape = layer.kind.output_shape(layer, [shape])
    if not layer.kind.average:
        out = np.where(inside, patches, -np.inf).max(axis=2)
    else:
        taps = math.prod(layer.attrs["kernel"])
        count = taps if layer.attrs.get("count_include_pad", 0) else inside.sum(axis=1)
        out = patches.sum(axis=2) / count
    return out.reshape(len(x), *out_shape)


def _table_function(name: str) -> Callable:
    return FUNCTIONS[name].evaluate


def _lut(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    """The kind's function; ELU and SELU are linear above zero (times ``gamma`` for SELU)."""
    (x,) = xs
    function = _table_function(layer.kind.tables[0].function)
    y = function(x, dict(layer.attrs))
    if layer.kind.linear_above_zero:
        gamma = float(layer.params["gamma"][0]) if "gamma" in layer.params else 1.0
        y = np.where(x >= 0, gamma * x, y)
    return y


def _softmax(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    e = np.exp(xs[0] - xs[0].max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _leaky(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    alpha = layer.params["alpha"].reshape(-1)
    return np.where(xs[0] >= 0, xs[0], xs[0] * alpha)


def _clip(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    lo, hi = layer.attrs.get("min"), layer.attrs.get("max")
    return np.clip(xs[0], -np.inf if lo is None else lo, np.inf if hi is None else hi)


def _hard_sigmoid(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    alpha, beta = float(layer.params["alpha"][0]), float(layer.params["beta"][0])
    return np.clip(alpha * xs[0] + beta, 0.0, 1.0)


def _binarize(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    scale = layer.attrs["scale"]
    return np.where(xs[0] >= 0, scale, -scale)


def _batch_norm(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return xs[0] * layer.params["scale"] + layer.params["bias"]


def _reshape(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return xs[0].reshape(len(xs[0]), *layer.attrs["shape"])


def _transpose(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return xs[0].transpose(0, *(1 + np.asarray(layer.attrs["perm"], dtype=int)))


def _concatenate(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return np.concatenate(xs, axis=1 + layer.attrs["axis"])


_MERGES = {kinds.ADD: np.add, kinds.SUBTRACT: np.subtract, kinds.MULTIPLY: np.multiply}


def _merge(layer: Layer, xs: list[np.ndarray], shapes: Shapes) -> np.ndarray:
    return _MERGES[layer.kind](xs[0], xs[1])


REFERENCE: dict[kinds.LayerKind, Callable[[Layer, list[np.ndarray], Shapes], np.ndarray]] = {
    kinds.DENSE: _dense,
    kinds.CONV1D: _conv,
    kinds.CONV2D: _conv,
    kinds.DEPTHWISE_CONV1D: _conv,
    kinds.DEPTHWISE_CONV2D: _conv,
    kinds.RELU: lambda layer, xs, shapes: np.maximum(xs[0], 0.0),
    kinds.LINEAR: lambda layer, xs, shapes: xs[0],
    kinds.LEAKY_RELU: _leaky,
    kinds.PRELU: _leaky,
    kinds.CLIP: _clip,
    kinds.HARD_SIGMOID: _hard_sigmoid,
    kinds.BINARIZE: _binarize,
    kinds.SIGMOID: _lut,
    kinds.TANH: _lut,
    kinds.SOFTPLUS: _lut,
    kinds.SOFTSIGN: _lut,
    kinds.ELU: _lut,
    kinds.SELU: _lut,
    kinds.SOFTMAX: _softmax,
    kinds.MAX_POOL1D: _pool,
    kinds.MAX_POOL2D: _pool,
    kinds.AVERAGE_POOL1D: _pool,
    kinds.AVERAGE_POOL2D: _pool,
    kinds.ADD: _merge,
    kinds.SUBTRACT: _merge,
    kinds.MULTIPLY: _merge,
    kinds.CONCATENATE: _concatenate,
    kinds.BATCH_NORM: _batch_norm,
    kinds.RESHAPE: _reshape,
    kinds.TRANSPOSE: _transpose,
}
"""Every layer kind and its float64 computation ``(layer, inputs, input shapes) -> output``,
batch first."""


def tensors(graph: Graph, inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every tensor of ``graph`` in float64, from its inputs (IR layout: channels-last, batch
    first)."""
    values = {}
    for name in graph.inputs:
        x = np.asarray(inputs[name], dtype=np.float64)
        if x.shape[1:] != tuple(graph.shapes[name]):
            raise ValueError(f"input {name!r}: shape {x.shape[1:]}, not {graph.shapes[name]}")
        values[name] = x
    for layer in graph.layers:
        shapes = [graph.shapes[t] for t in layer.inputs]
        values[layer.output] = REFERENCE[layer.kind](layer, [values[t] for t in layer.inputs],
                                                     shapes)  # fmt: skip
    return values


def run(graph: Graph, x: Any) -> np.ndarray | dict[str, np.ndarray]:
    """The graph's outputs in float64 for inputs in the source model's layout (one array, or
    a dict by input name), like ``predict``: one array for one output, else a dict."""
    given = x if isinstance(x, dict) else {graph.inputs[0]: x}
    inputs = {}
    for name in graph.inputs:
        perm = graph.layout(name)
        inputs[name] = np.asarray(given[name]).transpose(0, *(1 + np.argsort(perm)))
    values = tensors(graph, inputs)
    outputs = {}
    for name in graph.outputs:
        perm = graph.output_layouts.get(name)
        out = values[name]
        outputs[name] = out.transpose(0, *(1 + np.asarray(perm))) if perm else out
    return outputs[graph.outputs[0]] if len(outputs) == 1 else outputs
