"""The ONNX graph a Keras model is written as (:class:`OnnxWriter`), and what each layer's
writer is given (:class:`LayerCall`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hlsfx.ir.graph import GraphError

__all__ = ["LayerCall", "OnnxWriter"]


@dataclass
class OnnxWriter:
    """The ONNX graph being written: its nodes and constants, and each tensor's rank."""

    label: str
    nodes: list = field(default_factory=list)
    constants: dict[str, np.ndarray] = field(default_factory=dict)
    ranks: dict[str, int] = field(default_factory=dict)
    """each Keras tensor's rank without the batch axis"""
    where: str = ""

    def fail(self, message: str) -> GraphError:
        return GraphError(f"{self.label}: {self.where}: {message}")

    def node(
        self, op: str, inputs: list[str], output: str, name: str, domain: str = "", **attrs
    ) -> str:
        from onnx import helper

        from hlsfx.frontends.onnx.reader import TRANSLATED

        node = helper.make_node(op, inputs, [output], name=name, domain=domain, **attrs)
        node.doc_string = TRANSLATED + self.where
        self.nodes.append(node)
        return output

    def const(self, name: str, value: np.ndarray) -> str:
        self.constants[name] = np.asarray(value)
        return name

    def around_channels_first(self, x: str, name: str, op: Callable[[str], str]) -> str:
        """``op`` applied to ``x`` in ONNX's (C, *spatial) order, the result back in Keras's
        (*spatial, C): transposes the ONNX frontend folds into its layouts."""
        d = self.ranks[x] - 1
        first = self.node(
            "Transpose",
            [x],
            f"{name}_nc",
            f"{name}_to_onnx_order",
            perm=[0, d + 1, *range(1, d + 1)],
        )
        y = op(first)
        return self.node(
            "Transpose", [y], f"{name}_nlc", f"{name}_to_keras_order", perm=[0, *range(2, d + 2), 1]
        )


@dataclass(frozen=True)
class LayerCall:
    """What a layer handler gets: its name, config, input tensors and weight arrays."""

    name: str
    config: Mapping[str, Any]
    inputs: list[str]
    weights: list[np.ndarray]

    @property
    def x(self) -> str:
        return self.inputs[0]

    def weight(self, k: int, what: str, w: OnnxWriter) -> np.ndarray:
        if k >= len(self.weights):
            raise w.fail(f"the weights file has no {what} for this layer")
        return self.weights[k]
