"""An hls4ml project folder (io_parallel, Vivado/Vitis backend) read without hls4ml: the layer
calls of ``firmware/<top>.cpp``, their configuration structs in ``firmware/parameters.h``, the
types in ``firmware/defines.h`` and the weights in ``firmware/weights/*.txt``, presented as the
hls4ml layers :mod:`hlsfx.hls4ml_import` reads. ``hls4ml_config.yml`` is not needed (it may
hold a pickled model, which hlsfx never loads). Text that does not follow hls4ml's templates
is an error naming the file and the line."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["FUNCTIONS", "ProjectError", "read_project"]


class ProjectError(ValueError):
    """A project folder hlsfx cannot read; the message names the file and what is wrong."""


@dataclass(frozen=True)
class _Call:
    """How an nnet function is called: the hls4ml layer class it stands for, its template
    arguments (``x`` an input's type, ``p`` a parameter's type, ``y`` the result's type, ``c``
    the configuration struct) and its call arguments (``i`` an input, ``o`` the output, ``w``
    and ``b`` weights and biases, ``s`` scales, ``a`` a weight file of slopes, ``l`` a literal
    parameter), and attributes it implies."""

    class_name: str
    templates: str = "xyc"
    arguments: str = "io"
    attributes: tuple[tuple[str, Any], ...] = ()


def _activation(name: str, templates: str = "xyc", arguments: str = "io",
                class_name: str = "Activation") -> _Call:  # fmt: skip
    return _Call(class_name, templates, arguments, (("activation", name),))


FUNCTIONS: dict[str, _Call] = {
    "dense": _Call("Dense", arguments="iowb"),
    "conv_1d_cl": _Call("Conv1D", arguments="iowb"),
    "conv_2d_cl": _Call("Conv2D", arguments="iowb"),
    "depthwise_conv_1d_cl": _Call("DepthwiseConv1D", arguments="iowb"),
    "depthwise_conv_2d_cl": _Call("DepthwiseConv2D", arguments="iowb"),
    "pooling1d_cl": _Call("Pooling1D"),
    "pooling2d_cl": _Call("Pooling2D"),
    **{
        name: _activation(name)
        for name in (
            "relu",
            "linear",
            "sigmoid",
            "tanh",
            "softplus",
            "softsign",
            "selu",
            "relu6",
            "relu1",
            "binary_tanh",
        )
    },
    "softmax": _Call("Softmax"),
    "leaky_relu": _activation("leakyrelu", "xpyc", "ilo", "ParametrizedActivation"),
    "elu": _activation("elu", "xpyc", "ilo", "ParametrizedActivation"),
    "prelu": _activation("prelu", "xpyc", "iao", "PReLU"),
    "normalize": _Call("BatchNormalization", arguments="iosb"),
    **{
        name: _Call("Merge", "xxyc", "iio", (("op", name),))
        for name in ("add", "subtract", "multiply")
    },
    **{f"concatenate{d}d": _Call("Concatenate", "xxyc", "iio") for d in (1, 2, 3)},
    "resize_nearest": _Call("Resize", "xc", "io", (("algorithm", "nearest"),)),
    "transpose": _Call("Transpose"),
    "hard_sigmoid": _activation("hard_sigmoid", class_name="HardActivation"),
}
"""hls4ml's nnet functions hlsfx reads, by name"""
_SKIPPED = {"load_weights_from_txt"}
"""nnet calls in the top function that are not layers"""

_TYPEDEF = re.compile(r"typedef\s+(.+?)\s+(\w+)\s*;")
_STRUCT = re.compile(r"struct\s+(\w+)\s*(?::\s*nnet::\w+\s*)?\{(.*?)\n\};", re.S)
_DEFINITION = re.compile(r"const\s+(\w+)\s+(\w+)::(\w+)\s*=\s*([^;]+);")
_PERM = re.compile(r"unsigned\s+(\w+)_perm\s*\[\s*\d+\s*\]\s*=\s*\{([^}]*)\}\s*;")
_FIELD = re.compile(r"static\s+(?:const|constexpr)\s+[\w:]+\s+(\w+)\s*=\s*([^;]+);")
_TOP = re.compile(r"void\s+(\w+)\s*\(([^)]*)\)\s*\{", re.S)
_ARRAY = re.compile(r"(\w+)\s+(\w+)\s*\[([\d\s*]+)\]")
_ALIAS = re.compile(r"auto\s*&\s*(\w+)\s*=\s*(\w+)\s*;")
_CALL = re.compile(r"nnet::(\w+)\s*<([^<>]*)>\s*\(([^)]*)\)\s*;\s*(?://\s*(\S+))?")


def _read(path: Path) -> str:
    if not path.is_file():
        raise ProjectError(f"{path} is missing: not an hls4ml project folder")
    return path.read_text(encoding="utf-8", errors="replace")


def _dims(text: str) -> list[int]:
    return [int(d) for d in text.replace(" ", "").split("*") if d]


@dataclass
class _Variable:
    shape: list[int]
    type: Any


@dataclass
class _Precision:
    precision: str


@dataclass
class _Weight:
    data: np.ndarray


@dataclass
class _Layer:
    """What :mod:`hlsfx.hls4ml_import` reads of an hls4ml layer."""

    name: str
    class_name: str
    inputs: list[str]
    outputs: list[str]
    output: _Variable
    attributes: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, _Weight] = field(default_factory=dict)

    def get_attr(self, key: str, default: Any = None) -> Any:
        return self.attributes.get(key, default)

    def get_output_variable(self) -> _Variable:
        return self.output


@dataclass
class _Config:
    name: str

    def get_project_name(self) -> str:
        return self.name


@dataclass
class _Project:
    layers: list[_Layer]
    outputs: list[str]
    config: _Config

    def get_layers(self) -> list[_Layer]:
        return self.layers


def _value(text: str) -> Any:
    text = text.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if text in ("true", "false"):
        return text == "true"
    if re.fullmatch(r"-?[\d.]+(e-?\d+)?f?", text):
        return float(text.rstrip("f"))
    return text.rsplit("::", 1)[-1]  # nnet::latency -> latency, nnet::Max -> Max


def _structs(text: str, types: dict[str, str]) -> dict[str, dict[str, Any]]:
    structs = {}
    for name, body in _STRUCT.findall(text):
        fields: dict[str, Any] = {key: _value(v) for key, v in _FIELD.findall(body)}
        for spelled, alias in _TYPEDEF.findall(body):
            fields[alias] = types.get(spelled, spelled)
        structs[name] = fields
    for spelled, name, field_name, value in _DEFINITION.findall(text):  # hard sigmoid's slope
        if name in structs:
            structs[name][field_name] = _value(value)
            structs[name][f"{field_name}_t"] = types.get(spelled, spelled)
    return structs


def _weights(folder: Path, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if not re.fullmatch(r"\w{1,200}", name):
        raise ProjectError(f"{folder}: weights {name[:80]!r} are not named by an identifier")
    path = folder / "firmware" / "weights" / f"{name}.txt"
    text = _read(path).replace("\n", " ")
    try:
        values = np.array([float(v) for v in text.split(",") if v.strip()], dtype=np.float64)
    except ValueError:
        raise ProjectError(f"{path} is not comma-separated numbers") from None
    if values.size != math.prod(shape):
        raise ProjectError(f"{path} holds {values.size} values, the layer needs {shape}")
    return values.reshape(shape)


def _weight_shape(class_name: str, config: dict) -> tuple[int, ...]:
    if class_name == "Dense":
        return (config["n_in"], config["n_out"])
    if class_name == "Conv2D":
        return (config["filt_height"], config["filt_width"], config["n_chan"], config["n_filt"])
    return (config["filt_width"], config["n_chan"], config["n_filt"])


_WEIGHT_ROLES = {"w": "weight", "b": "bias", "s": "scale", "a": "param"}


def _weight_shapes(call: _Call, config: dict) -> dict[str, tuple[int, ...]]:
    """The shape of each weight file a call reads, by its role."""
    if call.class_name == "BatchNormalization":
        n = config["n_in"] if config.get("n_filt", -1) == -1 else config["n_filt"]
        return {"scale": (n,), "bias": (n,)}
    if call.class_name == "PReLU":
        return {"param": (config["n_in"],)}
    n_out = config.get("n_out", config.get("n_filt"))
    if call.class_name.startswith("Depthwise"):  # one filter per channel
        kernel = [config[k] for k in ("filt_height", "filt_width") if k in config]
        if call.class_name.endswith("1D"):
            kernel = [config["filt_width"]]
        return {"weight": (*kernel, config["n_chan"], 1), "bias": (n_out,)}
    if call.class_name in ("Dense", "Conv1D", "Conv2D"):
        return {"weight": _weight_shape(call.class_name, config), "bias": (n_out,)}
    return {}


def _implied(call: _Call, config: dict, literals: list[str], perms: dict[str, list[int]],
             name: str) -> dict[str, Any]:  # fmt: skip
    """The attributes hls4ml's layer has that the call gives rather than its struct."""
    implied = dict(call.attributes)
    for literal in literals:
        try:
            implied["activ_param"] = float(literal)
        except ValueError:
            raise ProjectError(f"{name}: the parameter {literal[:40]!r} is not a number") from None
    if call.class_name == "Resize":
        implied |= {"in_height": config["height"], "out_height": config["new_height"],
                    "in_width": config["width"], "out_width": config["new_width"]}  # fmt: skip
    if call.class_name == "Transpose":
        implied["perm"] = perms.get(name, [])
    return implied


def _written(body: str) -> set[str]:
    """The variables the layer calls of a top function's body write."""
    written = set()
    for function, _, arguments, _ in _CALL.findall(body):
        call, args = FUNCTIONS.get(function), arguments.split(",")
        if call is not None and len(args) == len(call.arguments):
            written.add(args[call.arguments.index("o")].strip())
    return written


def read_project(folder: str | Path) -> _Project:
    """The layers of the hls4ml project in ``folder``, as :func:`hlsfx.from_hls4ml` reads
    them."""
    folder = Path(folder)
    sources = sorted((folder / "firmware").glob("*.cpp"))
    tops = [(path, m) for path in sources if (m := _TOP.search(_read(path)))]
    if len(tops) != 1:
        raise ProjectError(f"{folder / 'firmware'} holds {len(tops)} top functions, not one")
    source, top = tops[0]
    types = {alias: spelled for spelled, alias in _TYPEDEF.findall(_read(folder / "firmware" /
                                                                         "defines.h"))}  # fmt: skip
    parameters = _read(folder / "firmware" / "parameters.h")
    structs = _structs(parameters, types)
    shapes = {name: _dims(dims) for _, name, dims in _ARRAY.findall(_read(source))}
    variable_types = {name: types.get(t, t) for t, name, _ in _ARRAY.findall(_read(source))}
    layers = []
    ports = _ARRAY.findall(top.group(2))
    body = _read(source)[top.end() :]
    written = _written(body)
    outputs = [name for _, name, _ in ports if name in written]  # the ports layers write
    for t, name, _ in ports:
        if name in written:
            continue
        layers.append(_Layer(name, "Input", [], [name],
                             _Variable(shapes[name], _Precision(types.get(t, t)))))  # fmt: skip
    aliases = dict(_ALIAS.findall(body))  # a flatten hls4ml writes as a reference
    perms = {name: _dims(text.replace(",", "*")) for name, text in _PERM.findall(parameters)}
    for function, template_text, arguments, comment in _CALL.findall(body):
        if function in _SKIPPED:
            continue
        if function not in FUNCTIONS:
            raise ProjectError(f"{source}: nnet::{function} is not read; hlsfx reads "
                               f"{', '.join(FUNCTIONS)}")  # fmt: skip
        call = FUNCTIONS[function]
        templates = [t.strip() for t in template_text.split(",")]
        args = [a.strip() for a in arguments.split(",")]
        if len(templates) != len(call.templates) or len(args) != len(call.arguments):
            raise ProjectError(f"{source}: nnet::{function}<{template_text}>({arguments}) is "
                               "not the call hls4ml writes")  # fmt: skip
        named = {role: [v for r, v in zip(call.arguments, args, strict=True) if r == role]
                 for role in "iolwbsa"}  # fmt: skip
        typed = dict(zip(call.templates, templates, strict=True))
        for source_var in named["i"]:
            if source_var in aliases:  # a flatten hls4ml writes as a reference
                original = aliases.pop(source_var)
                size = math.prod(shapes[original])
                shapes[source_var] = [size]
                flat = _Variable([size], _Precision(variable_types[original]))
                layers.append(_Layer(source_var, "Reshape", [original], [source_var], flat))
        config = dict(structs.get(typed["c"]) or {})
        if not config:
            raise ProjectError(f"{folder / 'firmware' / 'parameters.h'} lacks {typed['c']}")
        if "Conv" in call.class_name or call.class_name == "Dense":
            mult = structs.get(str(config.get("mult_config")), {})
            config = {**mult, **config}  # a convolution's types live in its mult_config too
        config.setdefault("n_in", math.prod(shapes[named["i"][0]]))
        config |= _implied(call, config, named["l"], perms, typed["c"])
        shapes_by_role = _weight_shapes(call, config)
        weights = {}
        for role in "wbsa":
            for file in named[role]:
                key = _WEIGHT_ROLES[role]
                weights[key] = _Weight(_weights(folder, file, shapes_by_role[key]))
        y_t = typed.get("y", typed["x"])  # a resize keeps its input's type
        output_var = named["o"][0]
        output = _Variable(shapes[output_var], _Precision(types.get(y_t, y_t)))
        layers.append(_Layer(comment or output_var, call.class_name, named["i"], [output_var],
                             output, config, weights))  # fmt: skip
    return _Project(layers, outputs, _Config(top.group(1)))
