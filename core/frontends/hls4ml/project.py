"""An hls4ml project folder (io_parallel, Vivado/Vitis backend) read without hls4ml: the layer
calls of ``firmware/<top>.cpp``, their configuration structs in ``firmware/parameters.h``, the
types in ``firmware/defines.h`` and the weights in ``firmware/weights/*.txt``, presented as the
hls4ml layers :mod:`hlsfx.frontends.hls4ml.reader` reads. ``hls4ml_config.yml`` is not needed
(it may hold a pickled model, which hlsfx never loads). The C++ is read as the HLS tool compiles
it (:mod:`hlsfx.frontends.hls4ml.cpp_tokens`: comments and disabled ``#if`` blocks dropped,
sizes written as macros resolved), in linear time; every statement of the top function is a
layer call, a declaration or an assignment of hls4ml's templates (older ones too:
``const_size_in_1`` ports), else an error naming the file and the line. No file outside the
folder is read."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.frontends.hls4ml.cpp_statements import (
    ProjectError,
    body_of,
    field_value,
    size_factors,
    spelling,
    split_at,
    statements_of,
    typedef_of,
)
from hlsfx.frontends.hls4ml.cpp_tokens import (
    CppError,
    Token,
    read_source,
)

__all__ = ["FUNCTIONS", "ProjectError", "read_project"]


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


def _activation(
    name: str, templates: str = "xyc", arguments: str = "io", class_name: str = "Activation"
) -> _Call:
    return _Call(class_name, templates, arguments, (("activation", name),))


FUNCTIONS: dict[str, _Call] = {
    "dense": _Call("Dense", arguments="iowb"),
    # the names hls4ml before 0.5 called a Dense by, per strategy
    **{
        name: _Call("Dense", arguments="iowb")
        for name in ("dense_latency", "dense_resource", "dense_large")
    },
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

MAX_WEIGHTS_BYTES = 256 << 20
"""the largest weights file read"""
_CONST_SIZE = re.compile(r"const_size_(in|out)_\d+")
"""the size outputs older hls4ml versions gave the top function"""


def _file(folder: Path, relative: str) -> Path:
    """``folder/relative``, refused when it or a folder on the way is a symbolic link."""
    path = folder
    for part in Path(relative).parts:
        path = path / part
        if path.is_symlink():
            raise ProjectError(f"{path} is a symbolic link: hlsfx reads the project's own files")
    if not path.is_file():
        raise ProjectError(f"{path} is missing: not an hls4ml project folder")
    return path


def _tokens(
    folder: Path, relative: str, macros: dict[str, str], comments: dict[int, str] | None = None
) -> list[Token]:
    try:
        return read_source(_file(folder, relative), macros, comments)
    except CppError as error:
        raise ProjectError(str(error)) from None


def _parameters(folder: Path, types: dict[str, str], macros: dict[str, str]):
    """The configuration structs of parameters.h by name, and the transposes' permutations."""
    where = str(folder / "firmware" / "parameters.h")
    structs: dict[str, dict[str, Any]] = {}
    perms: dict[str, list[int]] = {}
    for statement in statements_of(_tokens(folder, "firmware/parameters.h", macros), where):
        texts = [t.text for t in statement]
        if texts[:1] == ["struct"] and len(statement) > 2:
            head, body = body_of(statement, where)
            fields: dict[str, Any] = {}
            for field_ in statements_of(body, where):
                named = typedef_of(field_)
                if named:
                    fields[named[1]] = types.get(named[0], named[0])
                elif field_ and field_[0].text == "static" and "=" in [t.text for t in field_]:
                    equals = [t.text for t in field_].index("=")
                    fields[field_[equals - 1].text] = field_value(
                        field_[equals + 1 :], macros, where
                    )
            structs[head[1].text] = fields
        elif texts[:1] == ["const"] and "::" in texts and "=" in texts:  # a hard sigmoid's slope
            equals = texts.index("=")
            name, field_name = texts[equals - 3], texts[equals - 1]
            if name in structs:
                structs[name][field_name] = field_value(statement[equals + 1 :], macros, where)
                spelled = spelling(statement[1 : equals - 3])
                structs[name][f"{field_name}_t"] = types.get(spelled, spelled)
        elif texts[:1] == ["unsigned"] and texts[1].endswith("_perm") and "{" in texts:
            start, end = texts.index("{"), texts.index("}")
            values = [field_value(v, macros, where) for v in split_at(statement[start + 1 : end])]
            perms[texts[1][: -len("_perm")]] = [int(v) for v in values]
    return structs, perms


@dataclass
class _Top:
    """The top function: its name, its array ports, the arrays its body declares, and its
    body's statements."""

    name: str
    source: Path
    ports: list[tuple[str, str, list[int]]]
    arrays: dict[str, tuple[str, list[int]]]
    statements: list[list[Token]]
    comments: dict[int, str]
    """the ``//`` comment of each line (hls4ml names a layer after its call)"""


def _array(tokens: list[Token], macros: dict[str, str], where: str):
    """``(type, name, shape)`` of ``type name[dims]...``, else None."""
    texts = [t.text for t in tokens]
    if "[" not in texts or texts[-1] != "]":
        return None
    first = texts.index("[")
    if first < 2 or tokens[first - 1].kind != "name":
        return None
    if "[" in texts[first + 1 :]:
        raise ProjectError(
            f"{where}, line {tokens[0].line}: {spelling(tokens)[:60]!r} has more "
            "than one dimension; hls4ml writes flat arrays"
        )
    shape = size_factors(tokens[first + 1 : -1], macros, where)
    return spelling(tokens[: first - 1]), tokens[first - 1].text, shape


def _top(folder: Path, macros: dict[str, str]) -> _Top:
    firmware = folder / "firmware"
    if firmware.is_symlink() or not firmware.is_dir():
        raise ProjectError(f"{firmware} is missing or a symbolic link: not an hls4ml project")
    tops = []
    for path in sorted(p for p in firmware.glob("*.cpp") if not p.is_symlink()):
        own: dict[str, str] = dict(macros)  # each source's macros and comments, read once
        comments: dict[int, str] = {}
        tokens = _tokens(folder, f"firmware/{path.name}", own, comments)
        for statement in statements_of(tokens, str(path)):
            texts = [t.text for t in statement]
            if texts[:1] == ["void"] and len(texts) > 3 and texts[2] == "(" and texts[-1] == "}":
                tops.append((path, statement, own, comments))
    if len(tops) != 1:
        raise ProjectError(f"{firmware} holds {len(tops)} top functions, not one")
    path, statement, own, comments = tops[0]
    macros.update(own)  # the top's source's macros, for the sizes
    where = str(path)
    head, body = body_of(statement, where)
    ports = []
    for parameter in split_at(head[3:-1]):
        texts = [t.text for t in parameter]
        if "stream" in texts:
            raise ProjectError(
                f"{where}, line {parameter[0].line}: {spelling(parameter)!r} is "
                "an io_stream port; hlsfx reads io_parallel projects"
            )
        if texts[-1:] and _CONST_SIZE.fullmatch(texts[-1]) and "&" in texts:
            continue  # an older hls4ml's size output
        array = _array(parameter, macros, where)
        if array is None:
            line = parameter[0].line if parameter else head[0].line
            raise ProjectError(
                f"{where}, line {line}: the port {spelling(parameter)[:60]!r} is "
                "not an array of hls4ml's"
            )
        ports.append(array)
    arrays, statements = {}, []
    for inner in statements_of(body, where):
        array = _array(inner, macros, where)
        if array is not None:
            arrays[array[1]] = (array[0], array[2])
        else:
            statements.append(inner)
    for t, name, shape in ports:
        arrays[name] = (t, shape)
    return _Top(statement[1].text, path, ports, arrays, statements, comments)


@dataclass(frozen=True)
class _Written:
    """One nnet call of the top function: the function, its template arguments and its call
    arguments, and the comment hls4ml wrote after it (the layer's name)."""

    function: str
    templates: list[str]
    arguments: list[str]
    line: int
    name: str | None


def _calls(top: _Top, where: str) -> tuple[list[_Written], dict[str, str]]:
    """The layer calls and the references (``auto& a = b``, a flatten) of the top's body;
    any other statement is an error naming its line."""
    calls, aliases = [], {}
    for statement in top.statements:
        texts = [t.text for t in statement]
        line = statement[0].line if statement else 0
        if not statement:
            continue
        if texts[:2] == ["nnet", "::"] and len(texts) > 4:
            args = [k for k, t in enumerate(texts) if t == "("]
            close = [k for k, t in enumerate(texts) if t == ">"]
            if texts[3] != "<" or not args or texts[-1] != ")" or not close:
                raise ProjectError(
                    f"{where}, line {line}: the call {spelling(statement)[:80]!r} "
                    "is not one hlsfx reads"
                )
            opened = next(k for k in args if texts[k - 1] in (">", ">>"))
            templates = [spelling(t) for t in split_at(statement[4 : opened - 1])]
            arguments = [spelling(a) for a in split_at(statement[opened + 1 : -1])]
            name = top.comments.get(statement[-1].line, "").split()
            calls.append(
                _Written(texts[2], templates, arguments, line, name[0] if len(name) == 1 else None)
            )
        elif texts[:1] == ["auto"] and texts[1:2] == ["&"] and len(texts) == 5 and texts[3] == "=":
            aliases[texts[2]] = texts[4]
        elif len(texts) == 3 and texts[1] == "=" and _CONST_SIZE.fullmatch(texts[0]):
            continue  # an older hls4ml's size output, assigned its size
        else:
            raise ProjectError(
                f"{where}, line {line}: {spelling(statement)[:80]!r} is not a "
                "statement of hls4ml's top function (a layer call, an array, a "
                "reference)"
            )
    return calls, aliases


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
    """What :mod:`hlsfx.frontends.hls4ml.reader` reads of an hls4ml layer."""

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


def _weights(folder: Path, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if not re.fullmatch(r"\w{1,200}", name):
        raise ProjectError(f"{folder}: weights {name[:80]!r} are not named by an identifier")
    path = _file(folder, f"firmware/weights/{name}.txt")
    if path.stat().st_size > MAX_WEIGHTS_BYTES:
        raise ProjectError(f"{path} is over the {MAX_WEIGHTS_BYTES:,} bytes read")
    text = path.read_text(encoding="utf-8", errors="replace").replace("\n", " ")
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


def _implied(
    call: _Call, config: dict, literals: list[str], perms: dict[str, list[int]], name: str
) -> dict[str, Any]:
    """The attributes hls4ml's layer has that the call gives rather than its struct."""
    implied = dict(call.attributes)
    for literal in literals:
        try:
            implied["activ_param"] = float(literal)
        except ValueError:
            raise ProjectError(f"{name}: the parameter {literal[:40]!r} is not a number") from None
    if call.class_name == "Resize":
        implied |= {
            "in_height": config["height"],
            "out_height": config["new_height"],
            "in_width": config["width"],
            "out_width": config["new_width"],
        }
    if call.class_name == "Transpose":
        implied["perm"] = perms.get(name, [])
    return implied


def read_project(folder: str | Path) -> _Project:
    """The layers of the hls4ml project in ``folder``, as :func:`hlsfx.from_hls4ml` reads
    them."""
    folder = Path(folder)
    macros: dict[str, str] = {}
    defines = _tokens(folder, "firmware/defines.h", macros)
    types = dict(
        reversed(named) for s in statements_of(defines, "defines.h") if (named := typedef_of(s))
    )
    structs, perms = _parameters(folder, types, macros)
    top = _top(folder, macros)
    where = str(top.source)
    calls, aliases = _calls(top, where)
    written = set()
    for c in calls:
        call = FUNCTIONS.get(c.function)
        if c.function in _SKIPPED:
            continue
        if call is None:
            raise ProjectError(
                f"{where}, line {c.line}: nnet::{c.function} is not read; hlsfx "
                f"reads {', '.join(FUNCTIONS)}"
            )
        if len(c.templates) != len(call.templates) or len(c.arguments) != len(call.arguments):
            raise ProjectError(
                f"{where}, line {c.line}: nnet::{c.function}<"
                f"{', '.join(c.templates)}>({', '.join(c.arguments)}) is not the "
                "call hls4ml writes"
            )
        written.add(c.arguments[call.arguments.index("o")])
    shapes = {name: shape for name, (_, shape) in top.arrays.items()}
    variable_types = {name: types.get(t, t) for name, (t, _) in top.arrays.items()}
    outputs = [name for _, name, _ in top.ports if name in written]  # the ports layers write
    if not outputs:
        raise ProjectError(f"{where}: no layer call writes a port of {top.name}")
    layers = []
    for t, name, _ in top.ports:
        if name not in written:
            layers.append(
                _Layer(
                    name, "Input", [], [name], _Variable(shapes[name], _Precision(types.get(t, t)))
                )
            )
    for c in calls:
        if c.function in _SKIPPED:
            continue
        call = FUNCTIONS[c.function]
        named = {
            role: [v for r, v in zip(call.arguments, c.arguments, strict=True) if r == role]
            for role in "iolwbsa"
        }
        typed = dict(zip(call.templates, c.templates, strict=True))
        for variable in named["i"] + named["o"]:
            if variable not in shapes and variable not in aliases:
                raise ProjectError(
                    f"{where}, line {c.line}: nnet::{c.function} reads or "
                    f"writes {variable!r}, which the top function does not "
                    "declare"
                )
        for source_var in named["i"]:
            if source_var in aliases:  # a flatten hls4ml writes as a reference
                original = aliases.pop(source_var)
                if original not in shapes:
                    raise ProjectError(
                        f"{where}: {source_var!r} refers to {original!r}, which "
                        "the top function does not declare"
                    )
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
        try:
            shapes_by_role = _weight_shapes(call, config)
        except KeyError as error:
            raise ProjectError(f"{where}, line {c.line}: {typed['c']} lacks {error}") from None
        weights = {}
        for role in "wbsa":
            for file in named[role]:
                key = _WEIGHT_ROLES[role]
                weights[key] = _Weight(_weights(folder, file, shapes_by_role[key]))
        y_t = typed.get("y", typed["x"])  # a resize keeps its input's type
        output_var = named["o"][0]
        output = _Variable(shapes[output_var], _Precision(types.get(y_t, y_t)))
        layers.append(
            _Layer(
                c.name or output_var,
                call.class_name,
                named["i"],
                [output_var],
                output,
                config,
                weights,
            )
        )
    return _Project(layers, outputs, _Config(top.name))
