"""Configuration files: a model's every choice saved as JSON or YAML, read back and checked."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hlsfx.ir.structured_text import parse_json, parse_yaml, read_text

__all__ = ["CONFIG_FORMATS", "CONFIG_KEYS", "CONFIG_VERSION", "check_config", "config_format"]
__all__ += ["dump_config", "load_config"]

CONFIG_VERSION = 1
CONFIG_FORMATS = (".json", ".yaml", ".yml")


def config_format(path: Path) -> str:
    """``"json"`` or ``"yaml"``, from the file's suffix (another suffix is an error)."""
    suffix = path.suffix.lower()
    if suffix not in CONFIG_FORMATS:
        raise ValueError(f"{str(path)!r}: a configuration file ends in {', '.join(CONFIG_FORMATS)}")
    return "json" if suffix == ".json" else "yaml"


def dump_config(config: dict, path: Path) -> str:
    """``config`` as the text of a file ``path`` (JSON or YAML, by its suffix)."""
    if config_format(path) == "json":
        return json.dumps(config, indent=2) + "\n"
    import yaml

    return yaml.safe_dump(config, sort_keys=False)


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a configuration written by :meth:`QuantizedModel.save_config`."""
    path = Path(path)
    kind = config_format(path)
    text = read_text(path, "the configuration")
    parse = parse_json if kind == "json" else parse_yaml
    return check_config(parse(text, repr(str(path))), repr(str(path)))


CONFIG_KEYS = ("hlsfx_config", "default", "inputs", "layers")
OPTIONAL_KEYS = ("numerics",)


def check_config(config: Any, where: str = "the configuration") -> dict[str, Any]:
    """``config`` if it is a saved configuration (:meth:`QuantizedModel.config`): every key
    known and present, ``inputs`` and ``layers`` mappings by name, each layer's settings a
    mapping; else ``ValueError`` naming the first fault."""
    if not isinstance(config, Mapping) or config.get("hlsfx_config") != CONFIG_VERSION:
        expected = f"hlsfx_config: {CONFIG_VERSION}"
        raise ValueError(f"{where} is not an hlsfx configuration (expected {expected!r})")
    unknown = sorted(map(str, set(config) - set(CONFIG_KEYS) - set(OPTIONAL_KEYS)))
    if unknown:
        keys = ", ".join(CONFIG_KEYS + OPTIONAL_KEYS)
        raise ValueError(f"{where}: unknown key {unknown[0]!r}; the keys are {keys}")
    for key in CONFIG_KEYS:
        if key not in config:
            raise ValueError(f"{where}: {key!r} is missing")
    for key in ("inputs", "layers"):
        if not isinstance(config[key], Mapping):
            raise ValueError(
                f"{where}: {key!r} must map names to settings, not a {type(config[key]).__name__}"
            )
    for name, settings in config["layers"].items():
        if not isinstance(settings, Mapping):
            raise ValueError(
                f"{where}: the settings of layer {name!r} must be a mapping, not {settings!r}"
            )
    return dict(config)
