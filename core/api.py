"""Loading models: from files, and from hls4ml."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.ir.graph import Graph

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["from_hls4ml", "load"]

FORMATS = {
    ".onnx": "ONNX",
    ".json": "Keras architecture, with weights=",
    ".h5": "Keras 2 model",
    ".keras": "Keras 3 model",
}


def load(model: str | Path | object, *, weights: str | Path | None = None) -> Graph:
    """Load a trained model into the hlsfx graph IR.

    Parameters
    ----------
    model : path or onnx.ModelProto
        An ``.onnx`` file (QONNX included) or an in-memory ``onnx.ModelProto``; a Keras
        ``.json`` architecture (with ``weights=``), a Keras 2 ``.h5`` or a Keras 3 ``.keras``
        model (read without TensorFlow).
    weights : path
        The HDF5 weights of a Keras ``.json`` architecture.
    """
    if isinstance(model, (str, Path)):
        suffix = Path(model).suffix.lower()
        if suffix not in FORMATS:
            known = ", ".join(f"{s} ({name})" for s, name in FORMATS.items())
            raise ValueError(
                f"{str(model)!r}: unknown model format {suffix!r}; hlsfx reads {known}"
            )
        if suffix != ".onnx":
            from hlsfx.frontends.keras.reader import load_keras

            return load_keras(model, weights)
    from hlsfx.frontends.onnx.reader import load_onnx

    return load_onnx(model)


def from_hls4ml(source: Any, model: Any = None) -> QuantizedModel:
    """A configured model in ``numerics="hls4ml"`` from an hls4ml ``ModelGraph`` (with its
    per-layer types, table sizes and softmax implementation; its reuse factors and strategy
    become the model's defaults for ``write_hls``/``write_rtl``); from an hls4ml project folder
    (its firmware, read without hls4ml: :mod:`hlsfx.frontends.hls4ml.project`); or from an hls4ml
    configuration (a mapping or a YAML file) and the model it was made for (``model``, or the
    one the configuration names), converted by hls4ml first."""
    from hlsfx.frontends.hls4ml.reader import read_hls4ml
    from hlsfx.model import configure

    graph, settings, design = read_hls4ml(source, model)
    default = graph.input_types[graph.inputs[0]] if graph.inputs else "ap_fixed<16,6>"
    return configure(graph, default, layers=settings, numerics="hls4ml").with_design(design)
