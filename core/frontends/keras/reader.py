"""Keras models without TensorFlow: the architecture JSON and the HDF5 weights are read with
json and h5py, each layer is written as the ONNX nodes that compute it (channels-last data
through transposes the ONNX frontend folds away, QKeras quantizers as QONNX ``Quant`` nodes),
and :func:`hlsfx.frontends.onnx.reader.load_onnx` reads that graph. One reader of layer semantics
(padding, batch norm folding, layouts, exact types from quantizers) serves both formats.

Files: ``model.json`` + ``weights.h5`` (``save_weights`` of Keras 2, or a Keras 3
``.weights.h5``), a full Keras 2 ``.h5`` model, or a Keras 3 ``.keras`` archive.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.frontends.keras.files import open_keras
from hlsfx.frontends.keras.moves import cropping, padding, upsampling
from hlsfx.frontends.keras.onnx_writer import LayerCall, OnnxWriter
from hlsfx.frontends.keras.quantizers import QONNX_DOMAIN, quantizer
from hlsfx.frontends.keras.structure import (
    check_origin,
    checked_config,
    checked_endpoints,
    inbound,
    input_shape,
)
from hlsfx.ir.graph import Graph, GraphError

__all__ = ["load_keras"]


ACTIVATIONS = {
    "relu": "Relu",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "softplus": "Softplus",
    "softsign": "Softsign",
    "elu": "Elu",
    "selu": "Selu",
}


def _activation(w: OnnxWriter, x: str, activation: Any, name: str, node: str | None = None) -> str:
    """Keras's ``activation`` setting after a layer (a name, or a QKeras quantizer); ``node``
    names the ONNX node (by default ``<name>_<activation>``)."""
    if activation in (None, "linear"):
        return x
    if isinstance(activation, dict) or "(" in str(activation):
        return quantizer(w, activation, x, name, node)
    node = node or f"{name}_{activation}"
    if activation == "softmax":
        return w.node("Softmax", [x], f"{node}_out", node, axis=-1)
    if activation == "hard_sigmoid":
        return w.node("HardSigmoid", [x], f"{node}_out", node, alpha=0.2, beta=0.5)
    if activation == "relu6":
        bounds = [w.const(f"{node}_lo", np.float32(0)), w.const(f"{node}_hi", np.float32(6))]
        return w.node("Clip", [x, *bounds], f"{node}_out", node)
    if activation in ACTIVATIONS:
        return w.node(ACTIVATIONS[activation], [x], f"{node}_out", node)
    raise w.fail(f"unsupported activation {activation!r}")


# --- one function per Keras layer class


def _kernel_bias(w: OnnxWriter, call: LayerCall, kernel: np.ndarray) -> tuple[str, str | None]:
    """The kernel and bias constants, each through its QKeras quantizer if any."""
    c = call.config
    k = quantizer(
        w, c.get("kernel_quantizer"), w.const(f"{call.name}_kernel", kernel), f"{call.name}_kernel"
    )
    if not c.get("use_bias", True):
        return k, None
    bias = call.weight(1, "bias", w).astype(np.float32)
    b = quantizer(
        w, c.get("bias_quantizer"), w.const(f"{call.name}_bias", bias), f"{call.name}_bias"
    )
    return k, b


def _dense(w: OnnxWriter, call: LayerCall) -> str:
    kernel = call.weight(0, "kernel", w).astype(np.float32)
    k, b = _kernel_bias(w, call, kernel)
    if w.ranks[call.x] == 1:
        y = w.node("Gemm", [call.x, k, *([b] if b else [])], f"{call.name}_out", call.name)
    else:  # Keras applies Dense to the last axis
        y = w.node("MatMul", [call.x, k], f"{call.name}_mm", call.name)
        if b:
            y = w.node("Add", [y, b], f"{call.name}_out", f"{call.name}_bias_add")
    w.ranks[y] = w.ranks[call.x]
    return _activation(w, y, call.config.get("activation"), call.name)


def _padding(w: OnnxWriter, config: Mapping[str, Any]) -> str:
    padding = config.get("padding", "valid")
    if padding not in ("valid", "same"):
        raise w.fail(f"padding {padding!r} is not supported (valid, same)")
    return "VALID" if padding == "valid" else "SAME_UPPER"


def _conv_attrs(w: OnnxWriter, c: Mapping[str, Any], d: int) -> dict[str, Any]:
    if c.get("data_format", "channels_last") != "channels_last":
        raise w.fail(f"data_format {c['data_format']!r}: only channels_last is supported")
    as_list = lambda v: list(v) if isinstance(v, (list, tuple)) else [v] * d  # noqa: E731
    return {
        "strides": as_list(c.get("strides", 1)),
        "dilations": as_list(c.get("dilation_rate", 1)),
        "auto_pad": _padding(w, c),
    }


def _conv(w: OnnxWriter, call: LayerCall) -> str:
    d = w.ranks[call.x] - 1
    kernel = call.weight(0, "kernel", w).astype(np.float32)  # (*k, in, out)
    k, b = _kernel_bias(w, call, kernel.transpose(d + 1, d, *range(d)))  # (out, in, *k)
    attrs = _conv_attrs(w, call.config, d)
    y = w.around_channels_first(
        call.x,
        call.name,
        lambda x: w.node(
            "Conv", [x, k, *([b] if b else [])], f"{call.name}_conv", call.name, **attrs
        ),
    )
    w.ranks[y] = d + 1
    return _activation(w, y, call.config.get("activation"), call.name)


def _conv_batchnorm(w: OnnxWriter, call: LayerCall) -> str:
    """QKeras QConv2DBatchnorm at inference: the batch norm folded into the kernel and bias
    with its moving statistics (inv = gamma / sqrt(var + eps); kernel * inv, (bias - mean) *
    inv + beta, in float32), then each quantized by the layer's quantizers."""
    c = call.config
    arrays = [a for a in call.weights if a.dtype.kind == "f"]  # not the iteration counter
    kernel = arrays.pop(0).astype(np.float32)
    n = kernel.shape[-1]
    bias = arrays.pop(0).astype(np.float32) if c.get("use_bias", True) else np.zeros(n, np.float32)
    gamma = arrays.pop(0).astype(np.float32) if c.get("scale", True) else np.ones(n, np.float32)
    beta = arrays.pop(0).astype(np.float32) if c.get("center", True) else np.zeros(n, np.float32)
    if len(arrays) != 2:
        raise w.fail("the weights file lacks the moving mean and variance")
    mean, var = (a.astype(np.float32) for a in arrays)
    inv = gamma / np.sqrt(var + np.float32(c.get("epsilon", 1e-3)))
    folded = replace(
        call, config={**c, "use_bias": True}, weights=[kernel * inv, (bias - mean) * inv + beta]
    )
    return _conv(w, folded)


def _depthwise(w: OnnxWriter, call: LayerCall, separable: bool = False) -> str:
    d = w.ranks[call.x] - 1
    c = call.config
    kernel = call.weight(0, "depthwise kernel", w).astype(np.float32)  # (*k, C, multiplier)
    if kernel.shape[-1] != 1:
        raise w.fail(f"depth_multiplier {kernel.shape[-1]}: only 1 is supported")
    channels = kernel.shape[-2]
    onnx_kernel = np.moveaxis(kernel[..., 0], -1, 0)[:, None]  # (C, 1, *k)
    k = quantizer(
        w, c.get("depthwise_quantizer"), w.const(f"{call.name}_dw", onnx_kernel), f"{call.name}_dw"
    )
    attrs = _conv_attrs(w, c, d)
    bias = None
    if c.get("use_bias", True) and not separable:
        bias = quantizer(
            w,
            c.get("bias_quantizer"),
            w.const(f"{call.name}_bias", call.weight(1, "bias", w).astype(np.float32)),
            f"{call.name}_bias",
        )

    def op(x: str) -> str:
        y = w.node(
            "Conv",
            [x, k, *([bias] if bias else [])],
            f"{call.name}_dwconv",
            call.name if not separable else f"{call.name}_depthwise",
            group=channels,
            **attrs,
        )
        if not separable:
            return y
        pointwise = call.weight(1, "pointwise kernel", w).astype(np.float32)  # (*1, C, out)
        onnx_pw = pointwise.reshape(pointwise.shape[-2], pointwise.shape[-1]).T
        onnx_pw = onnx_pw.reshape(*onnx_pw.shape, *([1] * d))
        pw = w.const(f"{call.name}_pw", onnx_pw)
        inputs = [y, quantizer(w, c.get("pointwise_quantizer"), pw, f"{call.name}_pw")]
        if c.get("use_bias", True):
            b = w.const(f"{call.name}_bias", call.weight(2, "bias", w).astype(np.float32))
            inputs.append(quantizer(w, c.get("bias_quantizer"), b, f"{call.name}_bias"))
        return w.node(
            "Conv", inputs, f"{call.name}_pwconv", f"{call.name}_pointwise", kernel_shape=[1] * d
        )

    y = w.around_channels_first(call.x, call.name, op)
    w.ranks[y] = d + 1
    return _activation(w, y, c.get("activation"), call.name)


def _separable(w: OnnxWriter, call: LayerCall) -> str:
    """SeparableConv: the depthwise convolution, then a 1x1 convolution with the bias."""
    return _depthwise(w, call, separable=True)


def _pool(op: str) -> Callable[[OnnxWriter, LayerCall], str]:
    def convert(w: OnnxWriter, call: LayerCall) -> str:
        d = w.ranks[call.x] - 1
        c = call.config
        size = c.get("pool_size", 2)
        size = list(size) if isinstance(size, (list, tuple)) else [size] * d
        strides = c.get("strides") or size
        strides = list(strides) if isinstance(strides, (list, tuple)) else [strides] * d
        if c.get("data_format", "channels_last") != "channels_last":
            raise w.fail("only channels_last pooling is supported")
        y = w.around_channels_first(
            call.x,
            call.name,
            lambda x: w.node(
                op,
                [x],
                f"{call.name}_pool",
                call.name,
                kernel_shape=size,
                strides=strides,
                auto_pad=_padding(w, c),
            ),
        )
        w.ranks[y] = d + 1
        return y

    return convert


def _global_pool(op: str) -> Callable[[OnnxWriter, LayerCall], str]:
    def convert(w: OnnxWriter, call: LayerCall) -> str:
        if call.config.get("keepdims"):
            raise w.fail("keepdims=True is not supported")
        d = w.ranks[call.x] - 1
        first = w.node(
            "Transpose",
            [call.x],
            f"{call.name}_nc",
            f"{call.name}_to_onnx_order",
            perm=[0, d + 1, *range(1, d + 1)],
        )
        pooled = w.node(op, [first], f"{call.name}_pool", call.name)
        y = w.node("Flatten", [pooled], f"{call.name}_flat", f"{call.name}_flatten", axis=1)
        w.ranks[y] = 1
        return y

    return convert


def _flatten(w: OnnxWriter, call: LayerCall) -> str:
    y = w.node("Flatten", [call.x], f"{call.name}_out", call.name, axis=1)
    w.ranks[y] = 1
    return y


def _reshape(w: OnnxWriter, call: LayerCall) -> str:
    target = [int(v) for v in call.config["target_shape"]]
    shape = w.const(f"{call.name}_shape", np.array([0, *target], dtype=np.int64))
    y = w.node("Reshape", [call.x, shape], f"{call.name}_out", call.name)
    w.ranks[y] = len(target)
    return y


def _identity(w: OnnxWriter, call: LayerCall) -> str:
    y = w.node("Identity", [call.x], f"{call.name}_out", call.name)
    w.ranks[y] = w.ranks[call.x]
    return y


def _activation_layer(w: OnnxWriter, call: LayerCall) -> str:
    y = _activation(w, call.x, call.config.get("activation"), call.name, call.name)
    if y == call.x:
        return _identity(w, call)
    w.ranks[y] = w.ranks[call.x]
    return y


def _relu_layer(w: OnnxWriter, call: LayerCall) -> str:
    c = call.config
    if c.get("threshold", 0):
        raise w.fail(f"ReLU threshold {c['threshold']} is not supported")
    slope, top = c.get("negative_slope", 0) or 0, c.get("max_value")
    if slope and top is not None:
        raise w.fail("ReLU with both max_value and negative_slope is not supported")
    if slope:
        y = w.node("LeakyRelu", [call.x], f"{call.name}_out", call.name, alpha=float(slope))
    elif top is not None:
        lo, hi = (
            w.const(f"{call.name}_lo", np.float32(0)),
            w.const(f"{call.name}_hi", np.float32(top)),
        )
        y = w.node("Clip", [call.x, lo, hi], f"{call.name}_out", call.name)
    else:
        y = w.node("Relu", [call.x], f"{call.name}_out", call.name)
    w.ranks[y] = w.ranks[call.x]
    return y


def _leaky(w: OnnxWriter, call: LayerCall) -> str:
    alpha = call.config.get("negative_slope", call.config.get("alpha", 0.3))
    y = w.node("LeakyRelu", [call.x], f"{call.name}_out", call.name, alpha=float(alpha))
    w.ranks[y] = w.ranks[call.x]
    return y


def _elu(w: OnnxWriter, call: LayerCall) -> str:
    y = w.node(
        "Elu", [call.x], f"{call.name}_out", call.name, alpha=float(call.config.get("alpha", 1.0))
    )
    w.ranks[y] = w.ranks[call.x]
    return y


def _prelu(w: OnnxWriter, call: LayerCall) -> str:
    slope = w.const(f"{call.name}_alpha", call.weight(0, "alpha", w).astype(np.float32))
    y = w.node("PRelu", [call.x, slope], f"{call.name}_out", call.name)
    w.ranks[y] = w.ranks[call.x]
    return y


def _softmax(w: OnnxWriter, call: LayerCall) -> str:
    axis = call.config.get("axis", -1)
    if axis not in (-1, w.ranks[call.x]):
        raise w.fail(f"softmax over axis {axis}: only the last axis is supported")
    y = w.node("Softmax", [call.x], f"{call.name}_out", call.name, axis=-1)
    w.ranks[y] = w.ranks[call.x]
    return y


def _batch_norm(w: OnnxWriter, call: LayerCall) -> str:
    c = call.config
    axis = c.get("axis", -1)
    axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
    if axis not in (-1, w.ranks[call.x]):
        raise w.fail(f"batch normalization over axis {axis}: only the channels (last) axis")
    arrays = list(call.weights)
    n = arrays[-1].shape[0] if arrays else 0
    gamma = arrays.pop(0) if c.get("scale", True) else np.ones(n)
    beta = arrays.pop(0) if c.get("center", True) else np.zeros(n)
    if len(arrays) != 2:
        raise w.fail("the weights file lacks the moving mean and variance")
    mean, var = arrays
    if c.get("inverse_quantizer"):
        raise w.fail("QBatchNormalization with an inverse_quantizer is not supported")
    roles = {"gamma": "gamma", "beta": "beta", "mean": "mean", "var": "variance"}
    names = [  # QBatchNormalization quantizes each parameter (gamma_quantizer ...)
        quantizer(
            w,
            c.get(f"{roles[p]}_quantizer"),
            w.const(f"{call.name}_{p}", v.astype(np.float32)),
            f"{call.name}_{p}",
        )
        for p, v in zip(roles, (gamma, beta, mean, var), strict=True)
    ]
    eps = float(c.get("epsilon", 1e-3))

    def op(x: str) -> str:
        return w.node("BatchNormalization", [x, *names], f"{call.name}_bn", call.name, epsilon=eps)

    y = op(call.x) if w.ranks[call.x] == 1 else w.around_channels_first(call.x, call.name, op)
    w.ranks[y] = w.ranks[call.x]
    return y


def _merge(op: str) -> Callable[[OnnxWriter, LayerCall], str]:
    def convert(w: OnnxWriter, call: LayerCall) -> str:
        if len(call.inputs) < 2:
            raise w.fail(f"a merge of {len(call.inputs)} input")
        y = call.inputs[0]
        for k, other in enumerate(call.inputs[1:], 1):
            last = k == len(call.inputs) - 1
            y = w.node(
                op,
                [y, other],
                f"{call.name}_out" if last else f"{call.name}_{k}",
                call.name if last else f"{call.name}_{k}",
            )
        w.ranks[y] = w.ranks[call.inputs[0]]
        return y

    return convert


def _concatenate(w: OnnxWriter, call: LayerCall) -> str:
    axis = int(call.config.get("axis", -1))
    y = w.node("Concat", call.inputs, f"{call.name}_out", call.name, axis=axis)
    w.ranks[y] = w.ranks[call.inputs[0]]
    return y


LAYERS: dict[str, Callable[[OnnxWriter, LayerCall], str]] = {
    "Dense": _dense,
    "QDense": _dense,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "QConv1D": _conv,
    "QConv2D": _conv,
    "DepthwiseConv1D": _depthwise,
    "DepthwiseConv2D": _depthwise,
    "QDepthwiseConv2D": _depthwise,
    "SeparableConv1D": _separable,
    "SeparableConv2D": _separable,
    "BatchNormalization": _batch_norm,
    "QBatchNormalization": _batch_norm,
    "QSeparableConv1D": _separable,
    "QConv2DBatchnorm": _conv_batchnorm,
    "QSeparableConv2D": _separable,
    "Activation": _activation_layer,
    "QActivation": _activation_layer,
    "ReLU": _relu_layer,
    "LeakyReLU": _leaky,
    "ELU": _elu,
    "PReLU": _prelu,
    "Softmax": _softmax,
    "MaxPooling1D": _pool("MaxPool"),
    "MaxPooling2D": _pool("MaxPool"),
    "AveragePooling1D": _pool("AveragePool"),
    "AveragePooling2D": _pool("AveragePool"),
    "GlobalMaxPooling1D": _global_pool("GlobalMaxPool"),
    "GlobalMaxPooling2D": _global_pool("GlobalMaxPool"),
    "GlobalAveragePooling1D": _global_pool("GlobalAveragePool"),
    "GlobalAveragePooling2D": _global_pool("GlobalAveragePool"),
    "Flatten": _flatten,
    "Reshape": _reshape,
    "Dropout": _identity,
    "SpatialDropout1D": _identity,
    "SpatialDropout2D": _identity,
    "GaussianNoise": _identity,
    "GaussianDropout": _identity,
    "Add": _merge("Add"),
    "Subtract": _merge("Sub"),
    "Multiply": _merge("Mul"),
    "Concatenate": _concatenate,
    "ZeroPadding1D": padding,
    "ZeroPadding2D": padding,
    "Cropping1D": cropping,
    "Cropping2D": cropping,
    "UpSampling1D": upsampling,
    "UpSampling2D": upsampling,
}
"""Keras layer class -> the function that writes its ONNX nodes."""


def keras_to_onnx(
    config: Mapping[str, Any], weights: Mapping[str, list[np.ndarray]], label: str = "Keras model"
) -> Any:
    """The Keras model ``config`` with ``weights`` (arrays per layer name) as an ONNX model."""
    from onnx import TensorProto, helper, numpy_helper

    kind, body, layers = checked_config(config, label)
    sequential = kind == "Sequential"
    w = OnnxWriter(label)
    inputs: list[tuple[str, list[int]]] = []
    previous = None
    for layer in layers:
        cls, c = layer["class_name"], layer.get("config", {})
        name = c.get("name") or layer.get("name")
        w.where = f"Keras layer {name!r} ({cls})"
        if cls == "InputLayer":
            shape = input_shape(c)
            if shape is None:
                raise w.fail("the input has no shape")
            inputs.append((name, shape))
            w.ranks[name] = len(shape)
            previous = name
            continue
        if sequential:
            if previous is None:  # the first layer carries the input shape
                shape = input_shape(c)
                if shape is None:
                    raise w.fail(
                        "the model's input shape is unknown (no InputLayer, no batch_input_shape)"
                    )
                inputs.append(("input", shape))
                w.ranks["input"] = len(shape)
                previous = "input"
            sources = [previous]
        else:
            try:
                sources = inbound(layer)
            except (KeyError, IndexError, TypeError, AttributeError) as error:
                message = f"its inbound_nodes are malformed ({type(error).__name__}: {error})"
                raise w.fail(message) from None
            if not sources:
                raise w.fail("it has no inbound layer")
            for source in sources:
                if not isinstance(source, str) or source not in w.ranks:
                    raise w.fail(f"it reads {source!r}, which is no earlier layer of the model")
        if cls not in LAYERS:
            raise w.fail(
                f"unsupported layer class {cls!r}; hlsfx reads {', '.join(sorted(LAYERS))}"
            )
        check_origin(layer, w.where)
        try:
            y = LAYERS[cls](w, LayerCall(name, c, sources, list(weights.get(name, []))))
        except (KeyError, IndexError, TypeError, AttributeError) as error:
            raise w.fail(f"malformed config ({type(error).__name__}: {error})") from None
        if y != name:
            w.node("Identity", [y], name, f"{name}_output")
        w.ranks[name] = w.ranks.get(y, w.ranks.get(sources[0], 1))
        previous = name
    if previous is None:
        raise GraphError(f"{label}: the model has no layers")
    outputs = [previous] if sequential else checked_endpoints(body, "output_layers", w, label)
    if not sequential:
        declared = checked_endpoints(body, "input_layers", w, label)
        inputs = [(n, s) for n, s in inputs if n in declared] or inputs
    graph = helper.make_graph(
        w.nodes,
        str(body.get("name", "keras_model")) if isinstance(body, dict) else "keras_model",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, ["N", *s]) for n, s in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(np.asarray(v), k) for k, v in w.constants.items()],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, 1)]
    )
    model.ir_version = 8
    return model


def load_keras(path: str | Path, weights: str | Path | None = None) -> Graph:
    """Read a Keras model: ``model.json`` with ``weights=``, a Keras 2 ``.h5`` or a Keras 3
    ``.keras`` file. No TensorFlow is imported."""
    from hlsfx.frontends.onnx.reader import load_onnx

    path = Path(path)
    with open_keras(path, weights) as (config, arrays):
        model = keras_to_onnx(config, arrays, f"Keras model {str(path)!r}")
    return load_onnx(model)
