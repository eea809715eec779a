"""The structure of a Keras model config, checked: its class, its layers (each named once,
with a class and a config), how they connect (inbound nodes, input and output layers) and the
input shapes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from hlsfx.ir.graph import GraphError

if TYPE_CHECKING:
    from hlsfx.frontends.keras.onnx_writer import OnnxWriter

__all__ = ["READ_MODULES", "check_origin", "checked_config", "checked_endpoints", "endpoints"]
__all__ += ["history", "inbound", "input_shape"]


def history(item: Any) -> str:
    """The producing layer's name from one inbound entry (Keras 2 list or Keras 3 dict)."""
    if isinstance(item, dict):
        return item["config"]["keras_history"][0]
    return item[0]


def inbound(layer: Mapping[str, Any]) -> list[str]:
    nodes = layer.get("inbound_nodes") or []
    if not nodes:
        return []
    if len(nodes) > 1:
        raise GraphError(
            f"Keras layer {layer['config'].get('name')!r} is called more than once "
            "(shared layers are not supported)"
        )
    node = nodes[0]
    if isinstance(node, dict):  # Keras 3: {"args": [tensor or [tensors]], "kwargs": {}}
        args = node.get("args", [])
        first = args[0] if args else []
        items = first if isinstance(first, list) else args
        return [history(t) for t in items if isinstance(t, dict)]
    return [history(item) for item in node]


def endpoints(value: Any) -> list[str]:
    """``input_layers``/``output_layers``: ``[[name, 0, 0], ...]`` or ``[name, 0, 0]``."""
    if value and isinstance(value[0], str):
        return [value[0]]
    return [v[0] for v in value or []]


def input_shape(config: Mapping[str, Any]) -> list[int] | None:
    shape = config.get("batch_input_shape") or config.get("batch_shape")
    if shape is None:
        return None
    name = config.get("name")
    if not isinstance(shape, list) or not shape:
        raise GraphError(f"Keras input {name!r}: shape {shape!r:.80} is not a list of sizes")
    if any(v is None for v in shape[1:]):
        raise GraphError(f"Keras input {name!r}: shape {shape} has unknown sizes")
    if not all(
        isinstance(v, int) and not isinstance(v, bool) and 0 < v < 1 << 31 for v in shape[1:]
    ):
        raise GraphError(f"Keras input {name!r}: shape {shape!r:.80} is not a list of sizes")
    return [int(v) for v in shape[1:]]


def checked_config(config: Any, label: str) -> tuple[str, Any, list[Mapping[str, Any]]]:
    """The model's class, its config body and its layers, after checking the structure every
    layer handler relies on: each layer an object with a class name, a config object and a
    name that no other layer has; functional layers with their inbound nodes."""
    if not isinstance(config, Mapping):
        raise GraphError(f"{label}: the model config must be an object, not {config!r:.80}")
    kind = config.get("class_name")
    if kind not in ("Sequential", "Model", "Functional"):
        raise GraphError(f"{label}: a {kind!r:.80}: hlsfx reads Sequential and functional models")
    body = config.get("config", {})
    if isinstance(body, list) and kind == "Sequential":
        layers = body
    elif isinstance(body, Mapping):
        layers = body.get("layers", [])
    else:
        raise GraphError(f"{label}: the model's config must be an object, not {body!r:.80}")
    if not isinstance(layers, list) or not layers:
        raise GraphError(f"{label}: 'layers' must be a non-empty list, not {layers!r:.80}")
    seen = set()
    for k, layer in enumerate(layers):
        where = f"{label}: layer {k}"
        if not isinstance(layer, Mapping):
            raise GraphError(f"{where} must be an object, not {layer!r:.80}")
        cls, c = layer.get("class_name"), layer.get("config", {})
        if not isinstance(cls, str) or not cls:
            raise GraphError(f"{where} has no class_name")
        if not isinstance(c, Mapping):
            raise GraphError(f"{where} ({cls}): its config must be an object, not {c!r:.80}")
        name = c.get("name") or layer.get("name")
        if not isinstance(name, str) or not name:
            raise GraphError(f"{where} ({cls}) has no name")
        if name in seen:
            raise GraphError(f"{label}: two layers are named {name!r}")
        seen.add(name)
        if kind != "Sequential" and cls != "InputLayer":
            if not isinstance(layer.get("inbound_nodes"), list):
                raise GraphError(f"{label}: layer {name!r} ({cls}) has no list of inbound_nodes")
    return kind, body, layers


def checked_endpoints(body: Mapping[str, Any], key: str, w: OnnxWriter, label: str) -> list[str]:
    try:
        names = endpoints(body.get(key))
    except (KeyError, IndexError, TypeError) as error:
        raise GraphError(f"{label}: {key} is malformed ({type(error).__name__}: {error})") from None
    unknown = [n for n in names if not isinstance(n, str) or n not in w.ranks]
    if unknown:
        raise GraphError(f"{label}: {key} names {unknown[0]!r}, which is no layer of the model")
    if not names:
        raise GraphError(f"{label}: {key} is empty")
    return names


READ_MODULES = ("keras", "qkeras")
"""the Python packages whose layers hlsfx reads (Keras 3 names each layer's ``module``)"""


def check_origin(layer: Mapping[str, Any], where: str) -> None:
    """Refuse a layer from a package hlsfx does not read (HGQ2's ``hgq.layers``, say), or one
    that carries a quantizer configuration it does not read, whatever its class is called:
    read as the Keras layer of the same name, its quantizers would be ignored."""
    module = layer.get("module")
    if module is not None and str(module).split(".")[0] not in READ_MODULES:
        read = ", ".join(READ_MODULES)
        raise GraphError(
            f"{where}: its module {module!r} is not read; hlsfx reads the layers "
            f"of {read} and would ignore its quantizers"
        )
    registered = layer.get("registered_name")
    if isinstance(registered, str) and ">" in registered:
        package = registered.split(">")[0]
        if package.split(".")[0] not in READ_MODULES:
            raise GraphError(
                f"{where}: it is registered by {package!r} ({registered!r}), whose "
                "layers hlsfx does not read"
            )
    config = layer.get("config", {})
    foreign = sorted(k for k in config if isinstance(k, str) and k.endswith("_conf"))
    if foreign:
        raise GraphError(
            f"{where}: its quantizer configuration {foreign[0]!r} is not one hlsfx "
            "reads (HGQ2's quantizers are not read yet)"
        )
