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


FUNCTIONS = {
    "dense": ("Dense", None),
    "conv_1d_cl": ("Conv1D", None),
    "conv_2d_cl": ("Conv2D", None),
    "pooling1d_cl": ("Pooling1D", None),
    "pooling2d_cl": ("Pooling2D", None),
    "relu": ("Activation", "relu"),
    "linear": ("Activation", "linear"),
    "sigmoid": ("Activation", "sigmoid"),
    "tanh": ("Activation", "tanh"),
    "softplus": ("Activation", "softplus"),
    "softsign": ("Activation", "softsign"),
    "selu": ("Activation", "selu"),
    "softmax": ("Softmax", "softmax"),
}
"""hls4ml's nnet function -> (its layer class, its activation)"""

_TYPEDEF = re.compile(r"typedef\s+(.+?)\s+(\w+)\s*;")
_STRUCT = re.compile(r"struct\s+(\w+)\s*:\s*nnet::\w+\s*\{(.*?)\n\};", re.S)
_FIELD = re.compile(r"static\s+(?:const|constexpr)\s+[\w:]+\s+(\w+)\s*=\s*([^;]+);")
_TOP = re.compile(r"void\s+(\w+)\s*\(([^)]*)\)\s*\{", re.S)
_ARRAY = re.compile(r"(\w+)\s+(\w+)\s*\[([\d\s*]+)\]")
_ALIAS = re.compile(r"auto\s*&\s*(\w+)\s*=\s*(\w+)\s*;")
_CALL = re.compile(r"nnet::(\w+)\s*<\s*(\w+)\s*,\s*(\w+)\s*,\s*(\w+)\s*>\s*\(([^)]*)\)\s*;\s*"
                   r"(?://\s*(\S+))?")  # fmt: skip


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
    structs = _structs(_read(folder / "firmware" / "parameters.h"), types)
    shapes = {name: _dims(dims) for _, name, dims in _ARRAY.findall(_read(source))}
    variable_types = {name: types.get(t, t) for t, name, _ in _ARRAY.findall(_read(source))}
    layers = []
    ports = _ARRAY.findall(top.group(2))
    for t, name, _ in ports[:-1]:
        layers.append(_Layer(name, "Input", [], [name],
                             _Variable(shapes[name], _Precision(types.get(t, t)))))  # fmt: skip
    body = _read(source)[top.end() :]
    aliases = dict(_ALIAS.findall(body))  # a flatten hls4ml writes as a reference
    for function, _x_t, y_t, config_name, arguments, comment in _CALL.findall(body):
        source_var = arguments.split(",")[0].strip()
        if source_var in aliases:
            original = aliases.pop(source_var)
            size = math.prod(shapes[original])
            shapes[source_var] = [size]
            flat = _Variable([size], _Precision(variable_types[original]))
            layers.append(_Layer(source_var, "Reshape", [original], [source_var], flat))
        if function not in FUNCTIONS:
            raise ProjectError(f"{source}: nnet::{function} is not read; hlsfx reads "
                               f"{', '.join(FUNCTIONS)}")  # fmt: skip
        class_name, activation = FUNCTIONS[function]
        args = [a.strip() for a in arguments.split(",")]
        config = dict(structs.get(config_name) or {})
        if not config:
            raise ProjectError(f"{folder / 'firmware' / 'parameters.h'} lacks {config_name}")
        config.update({"activation": activation} if activation else {})
        if class_name.startswith("Conv") or class_name == "Dense":
            mult = structs.get(str(config.get("mult_config")), {})
            config = {**mult, **config}  # a convolution's types live in its mult_config too
        weights = {}
        if len(args) == 4:
            weights["weight"] = _Weight(_weights(folder, args[2],
                                                 _weight_shape(class_name, config)))  # fmt: skip
            n_out = config.get("n_out", config.get("n_filt"))
            weights["bias"] = _Weight(_weights(folder, args[3], (n_out,)))
        output = _Variable(shapes[args[1]], _Precision(types.get(y_t, y_t)))
        config.setdefault("n_in", math.prod(shapes[args[0]]))
        layers.append(_Layer(comment or args[1], class_name, [args[0]], [args[1]], output, config,
                             weights))  # fmt: skip
    output = ports[-1][1]
    return _Project(layers, [output], _Config(top.group(1)))
