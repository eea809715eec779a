"""What the ONNX converter holds for an ONNX tensor computed by the graph."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BatchMoved", "Tensor"]


@dataclass(frozen=True)
class Tensor:
    """An ONNX tensor held by the graph: its internal name and ``perm``, the permutation with
    ``onnx_view = internal.transpose(perm)`` (batch axis excluded)."""

    name: str
    perm: tuple[int, ...]


@dataclass(frozen=True)
class BatchMoved:
    """A 2-D tensor transposed so that its batch axis comes second, as exporters write around a
    standalone BatchNormalization: only that BatchNormalization and the Transpose back may
    take it."""

    tensor: Tensor
