"""JSON and YAML from files hlsfx did not write (configurations, model descriptions, project
manifests), parsed in one place: a syntax error, nesting too deep for the parser or bytes that
are not UTF-8 are a ``ValueError`` naming the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["MAX_TEXT_BYTES", "parse_json", "parse_yaml", "read_text"]

MAX_TEXT_BYTES = 64 << 20
"""the largest JSON or YAML file read"""


def read_text(path: str | Path, what: str = "the file") -> str:
    """The UTF-8 text of ``path``, at most :data:`MAX_TEXT_BYTES` bytes."""
    path = Path(path)
    try:
        if path.stat().st_size > MAX_TEXT_BYTES:
            raise ValueError(f"{what} {str(path)!r} is over {MAX_TEXT_BYTES:,} bytes")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"cannot read {what} {str(path)!r}: {error}") from None


def parse_json(text: str | bytes, where: str) -> Any:
    """``text`` parsed as JSON; ``where`` names it in errors."""
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"{where} is not valid JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise ValueError(f"{where} is not valid JSON: {error}") from None


def parse_yaml(text: str, where: str) -> Any:
    """``text`` parsed as YAML (safe: no Python objects); ``where`` names it in errors."""
    import yaml

    try:
        return yaml.safe_load(text)
    except RecursionError:
        raise ValueError(f"{where} is not valid YAML: nested too deeply") from None
    except yaml.YAMLError as error:
        raise ValueError(f"{where} is not valid YAML: {error}") from None
