"""Loading models from files."""

from __future__ import annotations

from pathlib import Path

from hlsfx.graph import Graph

__all__ = ["load"]

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
            from hlsfx.keras_frontend import load_keras

            return load_keras(model, weights)
    from hlsfx.onnx_frontend import load_onnx

    return load_onnx(model)
