"""Reading Keras files without TensorFlow: the architecture (JSON, the ``model_config`` of a
Keras 2 ``.h5``, the ``config.json`` of a Keras 3 ``.keras`` archive) and the weights, read
from the open HDF5 file only when a layer asks for them, every size checked first."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.ir.graph import GraphError
from hlsfx.ir.structured_text import parse_json

__all__ = ["MAX_CONFIG_BYTES", "MAX_WEIGHT_BYTES", "KerasWeights", "open_keras"]


def _h5py():
    try:
        import h5py
    except ImportError:
        raise ImportError("reading Keras HDF5 files needs h5py: pip install h5py") from None
    return h5py


MAX_CONFIG_BYTES = 64 << 20
"""the largest architecture JSON (or ``config.json`` archive member) hlsfx reads"""
MAX_WEIGHT_BYTES = 1 << 30
"""the largest weight array hlsfx reads (one HDF5 dataset)"""


def _dataset(item, where: str) -> np.ndarray:
    """One HDF5 dataset's values, refused past :data:`MAX_WEIGHT_BYTES`."""
    if not hasattr(item, "shape") or not hasattr(item, "dtype"):
        raise GraphError(f"{where} is not an array")
    size = int(np.prod(item.shape, dtype=np.int64)) * item.dtype.itemsize
    if size > MAX_WEIGHT_BYTES:
        raise GraphError(
            f"{where} holds {size:,} bytes, more than the {MAX_WEIGHT_BYTES:,} hlsfx reads"
        )
    return np.asarray(item[()])


class KerasWeights:
    """Each layer's weight arrays in Keras's order, read from the open HDF5 file only when a
    layer of the model asks for them (arrays no layer uses are never read)."""

    def __init__(self, h5, label: str):
        self.label = label
        if "layers" in h5 and "weight_names" not in h5.attrs and "layer_names" not in h5.attrs:
            self._groups = self._keras3_groups(h5["layers"] if "layers" in h5 else h5)
            self._keras3 = True
        else:
            self._groups = {name: h5[name] for name in h5 if hasattr(h5[name], "attrs")}
            self._keras3 = False

    @staticmethod
    def _keras3_groups(root) -> dict:
        """``layers/<name>/vars`` groups by layer name (no data read)."""
        groups = {}

        def visit(path: str, group) -> None:
            if "vars" in group and path:
                groups[path.rsplit("/", 1)[-1]] = group["vars"]
            for name in group:
                item = group[name]
                if hasattr(item, "keys") and name != "vars":
                    visit(f"{path}/{name}" if path else name, item)

        visit("", root)
        return groups

    def get(self, layer: str, default: list | None = None) -> list[np.ndarray]:
        group = self._groups.get(layer)
        if group is None:
            return list(default or [])
        where = f"{self.label}: the weights of layer {layer!r}"
        if self._keras3:
            return [_dataset(group[str(i)], f"{where}, array {i}") for i in range(len(group))]
        names = group.attrs.get("weight_names", [])
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in names]
        missing = [n for n in names if n not in group]
        if missing:
            raise GraphError(f"{where}: the file lists {missing[0]!r} but does not hold it")
        return [_dataset(group[n], f"{where}, {n!r}") for n in names]


def _json(data: bytes | str, label: str, what: str) -> Any:
    if len(data) > MAX_CONFIG_BYTES:
        raise GraphError(f"{label}: {what} is {len(data):,} bytes, over {MAX_CONFIG_BYTES:,}")
    try:
        return parse_json(data, f"{label}: {what}")
    except ValueError as error:
        raise GraphError(str(error)) from None


@contextmanager
def open_keras(path: Path, weights: str | Path | None) -> Iterator[tuple[Any, KerasWeights]]:
    """The model config and its weights (read lazily), with the files open meanwhile."""
    if not path.is_file():
        raise FileNotFoundError(f"Keras model {str(path)!r}: no such file")
    suffix = path.suffix.lower()
    label = f"Keras model {str(path)!r}"
    if weights is not None and not Path(weights).is_file():
        raise FileNotFoundError(f"Keras weights {str(weights)!r}: no such file")
    if suffix not in (".json", ".h5", ".keras"):
        raise GraphError(f"{label}: unknown Keras format {suffix!r} (.json + weights, .h5, .keras)")
    try:
        with ExitStack() as files:
            if suffix == ".json":
                if path.stat().st_size > MAX_CONFIG_BYTES:
                    raise GraphError(
                        f"{label}: the architecture is over {MAX_CONFIG_BYTES:,} bytes"
                    )
                config = _json(path.read_bytes(), label, "the architecture")
                if weights is None:
                    raise GraphError(
                        f"{label}: a JSON architecture needs its weights: "
                        "hlsfx.load('model.json', weights='model_weights.h5')"
                    )
                h5 = files.enter_context(_h5py().File(weights, "r"))
            elif suffix == ".h5":
                h5 = files.enter_context(_h5py().File(path, "r"))
                text = h5.attrs.get("model_config")
                if text is None:
                    raise GraphError(
                        f"{label}: no model_config in the file (weights only? "
                        "give the JSON architecture with weights=)"
                    )
                if not isinstance(text, (str, bytes)):
                    raise GraphError(f"{label}: model_config is a {type(text).__name__}, not JSON")
                config = _json(text, label, "model_config")
                h5 = h5["model_weights"] if "model_weights" in h5 else h5
            else:
                archive = files.enter_context(zipfile.ZipFile(path))
                members = {info.filename: info for info in archive.infolist()}
                for member in ("config.json", "model.weights.h5"):
                    if member not in members:
                        raise GraphError(f"{label}: the archive has no {member}")
                if members["config.json"].file_size > MAX_CONFIG_BYTES:
                    raise GraphError(f"{label}: config.json is over {MAX_CONFIG_BYTES:,} bytes")
                config = _json(archive.read("config.json"), label, "config.json")
                stream = files.enter_context(archive.open("model.weights.h5"))
                h5 = files.enter_context(_h5py().File(stream, "r"))
            yield config, KerasWeights(h5, label)
    except (
        OSError,
        KeyError,
        zipfile.BadZipFile,
        json.JSONDecodeError,
        UnicodeDecodeError,
        RecursionError,
    ) as error:
        raise GraphError(
            f"{label}: not a readable Keras file ({type(error).__name__}: {error})"
        ) from None
