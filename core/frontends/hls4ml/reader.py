"""hls4ml models in: :func:`read_hls4ml` reads an hls4ml ``ModelGraph`` (the converted model:
its layers, channels-last shapes, weights, every type, table sizes, reuse factors and strategy),
or converts an hls4ml configuration with the model it was made for first (hls4ml installed), and
returns what :func:`hlsfx.from_hls4ml` configures in ``numerics="hls4ml"`` to compute what
hls4ml's C simulation computes. Layers hlsfx has no kind for are errors naming them."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.ir import kinds
from hlsfx.ir.exact import quantize
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, Layer
from hlsfx.ir.structured_text import parse_yaml, read_text
from hlsfx.numerics.hls4ml_tables import SELU_CONSTANTS

__all__ = ["HLS4ML_LAYERS", "Hls4mlError", "hls4ml_type", "read_hls4ml"]

_PRECISION = re.compile(r"(u?)(fixed|int)<([^>]*)>")
_ROUNDING = {"TRN", "TRN_ZERO", "RND", "RND_ZERO", "RND_INF", "RND_MIN_INF", "RND_CONV"}
_SATURATION = {"WRAP", "SAT", "SAT_ZERO", "SAT_SYM"}


class Hls4mlError(ValueError):
    """An hls4ml model or configuration hlsfx cannot read; the message names the layer."""


def hls4ml_type(precision: Any, where: str = "a type") -> FixedType:
    """An hls4ml precision (``fixed<16,6,TRN,WRAP,0>``, ``ufixed<8,0,RND,SAT>``, ``int<8>``,
    or its object) as a :class:`FixedType`."""
    text = str(precision).replace(" ", "")
    match = _PRECISION.fullmatch(text.removeprefix("ap_"))
    if match is None:
        raise Hls4mlError(
            f"{where}: hls4ml precision {text!r} is not a fixed-point or integer type"
        )
    unsigned, family, body = match.groups()
    args = body.split(",")
    if family == "int":
        return FixedType.parse(f"ap_{unsigned}int<{args[0]}>")
    modes = [a.removeprefix("AP_") for a in args[2:]]
    if len(modes) > 2 and modes[2] != "0":
        raise Hls4mlError(f"{where}: {text} saturates with {modes[2]} bits, which hlsfx lacks")
    if (modes[:1] and modes[0] not in _ROUNDING) or (modes[1:2] and modes[1] not in _SATURATION):
        raise Hls4mlError(f"{where}: {text} has modes hlsfx does not know")
    spelled = ",".join([*args[:2], *(f"AP_{m}" for m in modes[:2])])
    return FixedType.parse(f"ap_{unsigned}fixed<{spelled}>")


class _Reader:
    """One hls4ml layer's attributes, types and weights, with errors naming it."""

    def __init__(self, layer: Any):
        self.layer, self.name = layer, str(layer.name)
        self.where = f"hls4ml layer {self.name!r} ({layer.class_name})"

    def attr(self, key: str, default: Any = None) -> Any:
        return self.layer.get_attr(key, default)

    def type(self, key: str) -> FixedType:
        named = self.attr(key)
        if named is None:
            raise Hls4mlError(f"{self.where} has no {key}")
        return hls4ml_type(getattr(named, "precision", named), f"{self.where}: {key}")

    def result(self) -> FixedType:
        variable = self.layer.get_output_variable()
        return hls4ml_type(variable.type.precision, f"{self.where}: result_t")

    def weight(self, key: str) -> np.ndarray:
        return np.asarray(self.layer.weights[key].data, dtype=np.float64)

    def fail(self, what: str) -> Hls4mlError:
        return Hls4mlError(f"{self.where}: {what}")


def _weighted(r: _Reader, kind: kinds.LayerKind, attrs: dict) -> tuple:
    weight = r.weight("weight")
    n_out = weight.shape[-1]
    bias = r.weight("bias") if "bias" in r.layer.weights else np.zeros(n_out)
    fixed = {"weight": r.type("weight_t"), "accum": r.type("accum_t"), "result": r.result()}
    if "bias" in r.layer.weights:
        fixed["bias"] = r.type("bias_t")
    params = {"weight": weight, "bias": bias}  # Dense (n_in, n_out); conv (*kernel, in, out)
    return kind, attrs, params, fixed, {}


def _dense(r: _Reader) -> tuple:
    return _weighted(r, kinds.DENSE, {})


def _window(r: _Reader, spatial: int, kernel: tuple[str, ...]) -> dict:
    axes = ("height", "width")[2 - spatial :]
    pads = (["pad_top"] if spatial == 2 else []) + ["pad_left"]
    ends = (["pad_bottom"] if spatial == 2 else []) + ["pad_right"]
    return {
        "kernel": [int(r.attr(k)) for k in kernel],
        "strides": [int(r.attr(f"stride_{a}")) for a in axes],
        "dilations": [1] * spatial,
        "pads": [int(r.attr(p, 0)) for p in pads + ends],
    }


def _conv(r: _Reader) -> tuple:
    spatial = 2 if r.layer.class_name.endswith("2D") else 1
    kernel = ("filt_height", "filt_width")[2 - spatial :]
    if int(r.attr("dilation", 1)) != 1:
        raise r.fail("dilated convolutions are not read")
    if not r.layer.class_name.startswith("Depthwise"):
        kind = kinds.CONV2D if spatial == 2 else kinds.CONV1D
        return _weighted(r, kind, _window(r, spatial, kernel))
    if int(r.attr("depth_multiplier", 1)) != 1:
        raise r.fail(f"a depth multiplier of {r.attr('depth_multiplier')} is not read (1 is)")
    kind, attrs, params, fixed, settings = _weighted(
        r,
        kinds.DEPTHWISE_CONV2D if spatial == 2 else kinds.DEPTHWISE_CONV1D,
        _window(r, spatial, kernel),
    )
    channels = int(r.attr("n_chan"))
    params["weight"] = params["weight"].reshape(*params["weight"].shape[:spatial], channels)
    if "bias" not in r.layer.weights:
        params["bias"] = np.zeros(channels)
    return kind, attrs, params, fixed, settings


def _pool(r: _Reader) -> tuple:
    spatial = 2 if r.layer.class_name.endswith("2D") else 1
    attrs = _window(r, spatial, ("pool_height", "pool_width")[2 - spatial :])
    if r.attr("pool_op") == "Max":
        kind = kinds.MAX_POOL2D if spatial == 2 else kinds.MAX_POOL1D
        return kind, attrs, {}, {"result": r.result()}, {}
    if r.attr("pool_op") != "Average":
        raise r.fail(f"{r.attr('pool_op')} pooling is not read (max and average pooling are)")
    kind = kinds.AVERAGE_POOL2D if spatial == 2 else kinds.AVERAGE_POOL1D
    attrs["count_include_pad"] = int(bool(r.attr("count_pad", False)))
    return kind, attrs, {}, {"accum": r.type("accum_t"), "result": r.result()}, {}


_ACTIVATIONS = {
    "relu": kinds.RELU,
    "linear": kinds.LINEAR,
    "sigmoid": kinds.SIGMOID,
    "tanh": kinds.TANH,
    "softplus": kinds.SOFTPLUS,
    "softsign": kinds.SOFTSIGN,
    "selu": kinds.SELU,
    "relu6": kinds.CLIP,
    "relu1": kinds.CLIP,
    "binary_tanh": kinds.BINARIZE,
}
_CLIPS = {"relu6": 6.0, "relu1": 1.0}


def _activation(r: _Reader) -> tuple:
    function = str(r.attr("activation")).lower()
    if function not in _ACTIVATIONS:
        raise r.fail(
            f"activation {function!r} is not read; hlsfx reads "
            f"{', '.join(_ACTIVATIONS)} and softmax"
        )
    kind = _ACTIVATIONS[function]
    fixed, settings, attrs, params = {"result": r.result()}, {}, {}, {}
    if function in _CLIPS:
        attrs = {"min": 0.0, "max": _CLIPS[function]}
    if kind is kinds.BINARIZE:
        attrs = {"scale": 1.0}
    if kind is kinds.SELU:  # hls4ml's constants; lambda a literal held as ap_ufixed<16,1>
        attrs, params = dict(SELU_CONSTANTS), {"gamma": np.array([SELU_CONSTANTS["gamma"]])}
    if "table" in kind.roles:
        fixed["table"] = r.type("table_t")
        settings["table_size"] = int(r.attr("table_size"))
    return kind, attrs, params, fixed, settings


def _softmax(r: _Reader) -> tuple:
    implementation = str(r.attr("implementation", "stable"))
    if implementation not in ("stable", "latency"):
        raise r.fail(f"softmax implementation {implementation!r} is not read (stable, latency)")
    if int(r.attr("n_inner", 1)) != 1 or int(r.attr("n_outer", 1)) != 1:
        raise r.fail("a softmax over an axis other than the last is not read")
    exp = r.type("exp_table_t")
    n = int(r.attr("n_in"))
    accum = r.attr("accum_t")
    if getattr(accum, "name", "") == "model_default_t":  # the config template's own rule
        grow = int(np.ceil(np.log2(n)))
        accum = FixedType(exp.width + grow, exp.integer + grow, exp.signed)
    else:
        accum = r.type("accum_t")
    inv_input = r.attr("inv_inp_t")
    inv_input = exp if getattr(inv_input, "name", "") == "model_default_t" else r.type("inv_inp_t")
    size = int(r.attr("table_size", 1024))
    fixed = {
        "exp_table": exp,
        "inv_table": r.type("inv_table_t"),
        "sum": accum,
        "inv_input": inv_input,
        "result": r.result(),
    }
    settings = {
        "implementation": implementation,
        "exp_table_size": int(r.attr("exp_table_size", size)),
        "inv_table_size": int(r.attr("inv_table_size", size)),
    }
    if float(r.attr("exp_scale", 1.0)) != 1.0:
        raise r.fail("a softmax with exp_scale is not read")
    return kinds.SOFTMAX, {}, {}, fixed, settings


def _parametrized(r: _Reader) -> tuple:
    function = str(r.attr("activation")).lower()
    alpha = float(r.attr("activ_param"))
    if function == "elu":  # hls4ml multiplies its table by alpha held in param_t
        param_t = r.type("param_t")
        alpha = float(quantize([alpha], param_t)[0]) * 2.0**-param_t.fractional
        fixed = {"table": r.type("table_t"), "result": r.result()}
        return kinds.ELU, {"alpha": alpha}, {}, fixed, {"table_size": int(r.attr("table_size"))}
    if function != "leakyrelu":
        raise r.fail(f"activation {function!r} is not read; hlsfx reads leakyrelu and elu")
    fixed = {"alpha": r.type("param_t"), "result": r.result()}
    return kinds.LEAKY_RELU, {}, {"alpha": np.array([alpha])}, fixed, {}


def _prelu(r: _Reader) -> tuple:
    alpha = r.weight("param").reshape(-1)
    channels = int(r.layer.get_output_variable().shape[-1])
    if alpha.size not in (1, channels):
        raise r.fail(
            f"{alpha.size} slopes for {channels} channels: hlsfx reads one slope, or "
            "one per channel (the last axis)"
        )
    fixed = {"alpha": r.type("param_t"), "result": r.result()}
    return kinds.PRELU, {}, {"alpha": alpha}, fixed, {}


def _batch_norm(r: _Reader) -> tuple:
    scale, bias = r.weight("scale").reshape(-1), r.weight("bias").reshape(-1)
    channels = int(r.layer.get_output_variable().shape[-1])
    if scale.size != channels or bias.size != channels:
        raise r.fail(
            f"{scale.size} scales and {bias.size} biases for {channels} channels: "
            "hlsfx reads one of each per channel (the last axis)"
        )
    fixed = {"scale": r.type("scale_t"), "bias": r.type("bias_t"), "result": r.result()}
    return kinds.BATCH_NORM, {}, {"scale": scale, "bias": bias}, fixed, {}


_MERGES = {"add": kinds.ADD, "subtract": kinds.SUBTRACT, "multiply": kinds.MULTIPLY}


def _merge(r: _Reader) -> tuple:
    op = str(r.attr("op")).lower()
    if op not in _MERGES:
        raise r.fail(f"merge {op!r} is not read; hlsfx reads {', '.join(_MERGES)}")
    return _MERGES[op], {}, {}, {"result": r.result()}, {}


def _concatenate(r: _Reader) -> tuple:
    rank = len(r.layer.get_output_variable().shape)
    axis = int(r.attr("axis", -1))
    axis = axis - 1 if axis > 0 else axis + rank  # hls4ml counts the batch axis
    if not 0 <= axis < rank:
        raise r.fail(f"axis {r.attr('axis')} is outside the {rank} axes")
    return kinds.CONCATENATE, {"axis": axis}, {}, {"result": r.result()}, {}


def _resize(r: _Reader) -> tuple:
    if str(r.attr("algorithm", "nearest")) != "nearest" or r.attr("align_corners", False):
        raise r.fail(
            f"resizing by {r.attr('algorithm')!r} is not read (nearest, without align_corners, is)"
        )
    axes = ("height", "width") if r.attr("in_height") is not None else ("width",)
    scales = []
    for axis in axes:
        size, new = int(r.attr(f"in_{axis}")), int(r.attr(f"out_{axis}"))
        if new % size or new // size > 65536 // size:
            raise r.fail(f"resizing {axis} {size} to {new}: hlsfx reads whole factors")
        scales.append(new // size)
    return kinds.UPSAMPLING, {"scales": scales}, {}, {"result": r.result()}, {}


def _transpose(r: _Reader) -> tuple:
    perm = [int(a) for a in r.attr("perm")]
    return kinds.TRANSPOSE, {"perm": perm}, {}, {"result": r.result()}, {}


def _hard_activation(r: _Reader) -> tuple:
    if str(r.attr("activation")).lower() != "hard_sigmoid":
        raise r.fail(f"activation {r.attr('activation')!r} is not read; hlsfx reads hard_sigmoid")
    params = {
        "alpha": np.array([float(r.attr("slope"))]),
        "beta": np.array([float(r.attr("shift"))]),
    }
    fixed = {"alpha": r.type("slope_t"), "beta": r.type("shift_t"), "result": r.result()}
    return kinds.HARD_SIGMOID, {}, params, fixed, {}


def _reshape(r: _Reader) -> tuple:
    shape = [int(d) for d in r.layer.get_output_variable().shape]
    return kinds.RESHAPE, {"shape": shape}, {}, {"result": r.result()}, {}


HLS4ML_LAYERS: dict[str, Callable[[_Reader], tuple]] = {
    "Dense": _dense,
    "Conv1D": _conv,
    "Conv2D": _conv,
    "DepthwiseConv1D": _conv,
    "DepthwiseConv2D": _conv,
    "Pooling1D": _pool,
    "Pooling2D": _pool,
    "Activation": _activation,
    "Softmax": _softmax,
    "Reshape": _reshape,
    "ParametrizedActivation": _parametrized,
    "LeakyReLU": _parametrized,
    "ELU": _parametrized,
    "PReLU": _prelu,
    "BatchNormalization": _batch_norm,
    "Merge": _merge,
    "Concatenate": _concatenate,
    "Resize": _resize,
    "Transpose": _transpose,
    "HardActivation": _hard_activation,
}
"""hls4ml layer class -> reader: ``(kind, attrs, params, types by role, settings)``"""


def _graph(model: Any) -> tuple[Graph, dict[str, dict[str, Any]], dict[str, Any]]:
    """The hlsfx graph of a ``ModelGraph``, each layer's settings (table sizes, softmax
    implementation) and the design options (strategy, reuse factors)."""
    inputs, layers, shapes, input_types = [], [], {}, {}
    settings: dict[str, dict[str, Any]] = {}
    reuse: dict[str, int] = {}
    strategies = set()
    produced: dict[str, str] = {}  # layer name -> its output tensor
    for source in model.get_layers():
        r = _Reader(source)
        tensor = str(source.outputs[0]) if getattr(source, "outputs", None) else r.name
        produced[r.name] = tensor
        shapes[tensor] = tuple(int(d) for d in source.get_output_variable().shape)
        if source.class_name == "Input":
            inputs.append(tensor)
            input_types[tensor] = r.result()
            continue
        if source.class_name not in HLS4ML_LAYERS:
            raise r.fail(f"hlsfx reads the layer classes {', '.join(HLS4ML_LAYERS)}")
        kind, attrs, params, fixed, extra = HLS4ML_LAYERS[source.class_name](r)
        names = [str(i) for i in source.inputs]
        layers.append(
            Layer(
                r.name,
                kind,
                tuple(names),
                tensor,
                attrs=attrs,
                params=params,
                fixed=fixed,
                source=r.where,
            )
        )
        if extra:
            settings[r.name] = extra
        if kind.weighted:
            reuse[r.name] = int(r.attr("reuse_factor", 1))
            strategies.add(str(r.attr("strategy", "latency")).lower())
    outputs = [produced.get(str(name), str(name)) for name in model.outputs]
    graph = Graph(
        tuple(inputs),
        tuple(outputs),
        tuple(layers),
        shapes,
        input_types=input_types,
        name=str(model.config.get_project_name()),
    )
    if len(strategies) > 1:
        raise Hls4mlError(f"layers use the strategies {sorted(strategies)}; hlsfx writes one")
    design = {"reuse_factor": reuse, "strategy": strategies.pop() if strategies else "latency"}
    return graph, settings, design


def _convert(config: Mapping[str, Any] | str | Path, model: Any) -> Any:
    """An hls4ml configuration (a mapping, or a YAML file) converted by hls4ml with ``model``."""
    try:
        import hls4ml
    except ImportError:
        raise Hls4mlError(
            "reading an hls4ml configuration needs hls4ml: pip install hls4ml==1.3.0"
        ) from None
    if not isinstance(config, Mapping):
        config = parse_yaml(read_text(config, "the hls4ml configuration"), repr(str(config)))
        if not isinstance(config, Mapping):
            raise Hls4mlError(f"the hls4ml configuration {str(config)!r} is not a mapping")
    config = dict(config)
    keys = {"KerasModel", "OnnxModel", "PytorchModel"}
    if model is not None:
        key = {"torch": "PytorchModel", "onnx": "OnnxModel"}.get(
            type(model).__module__.split(".")[0], "KerasModel"
        )
        config = {k: v for k, v in config.items() if k not in keys} | {key: model}
    elif not keys & set(config):
        raise Hls4mlError("the hls4ml configuration names no model: pass model=")
    config.setdefault("OutputDir", tempfile.mkdtemp(prefix="hlsfx_hls4ml_"))
    return hls4ml.converters.convert_from_config(config)


def read_hls4ml(source: Any, model: Any = None) -> tuple[Graph, dict[str, Any], dict[str, Any]]:
    """The graph, per-layer settings (types, table sizes, softmax implementation) and design
    (reuse factors, strategy) of an hls4ml ``ModelGraph``, project folder or configuration; see
    :func:`hlsfx.from_hls4ml`."""
    if isinstance(source, (str, Path)) and Path(source).is_dir():
        from hlsfx.frontends.hls4ml.project import read_project

        source = read_project(source)
    elif isinstance(source, (Mapping, str, Path)):
        source = _convert(source, model)
    if not hasattr(source, "get_layers"):
        raise Hls4mlError(f"{type(source).__name__} is not an hls4ml ModelGraph or configuration")
    return _graph(source)
