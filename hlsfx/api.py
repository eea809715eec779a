"""Loading models from files."""

from __future__ import annotations

from pathlib import Path

from hlsfx.graph import Graph

__all__ = ["load"]

FORMATS = {".onnx": "ONNX"}


def load(model: str | Path | object) -> Graph:
    """Load a trained model into the hlsfx graph IR.

    Parameters
    ----------
    model : path or onnx.ModelProto
        An ``.onnx`` file (QONNX included) or an in-memory ``onnx.ModelProto``.
    """
    from hlsfx.onnx_frontend import load_onnx

    if isinstance(model, (str, Path)):
        suffix = Path(model).suffix.lower()
        if suffix not in FORMATS:
            known = ", ".join(f"{s} ({name})" for s, name in FORMATS.items())
            raise ValueError(
                f"{str(model)!r}: unknown model format {suffix!r}; hlsfx reads {known}"
            )
    return load_onnx(model)
