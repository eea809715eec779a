"""Node patterns that stand for one op the reader takes: GELU's erf form, as PyTorch (before
opset 20) and other exporters write it, ``x * 0.5 * (1 + Erf(x / sqrt(2)))`` in either order
of the products, is one ``Gelu`` node. The pattern's intermediate tensors must be read by the
pattern only; its constants may be initializers or ``Constant`` nodes, within float32's
rounding of their values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["with_fused_patterns"]

_RELATIVE = 1e-6
"""how far a constant may be from its value (float32 rounds 1/sqrt(2) at about 3e-8)"""


class _Nodes:
    """The graph's nodes with who makes and who reads each tensor, and its scalar constants."""

    def __init__(self, graph: Any, numpy_helper: Any) -> None:
        self.nodes = list(graph.node)
        self.scalars: dict[str, float] = {}
        arrays = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        for node in self.nodes:
            if node.op_type == "Constant" and [a.name for a in node.attribute] == ["value"]:
                arrays[node.output[0]] = numpy_helper.to_array(node.attribute[0].t)
        for name, array in arrays.items():
            if np.asarray(array).size == 1 and np.issubdtype(np.asarray(array).dtype, np.floating):
                self.scalars[name] = float(np.asarray(array).reshape(-1)[0])
        self.maker = {out: node for node in self.nodes for out in node.output}
        self.readers: dict[str, list[Any]] = {}
        for node in self.nodes:
            for name in node.input:
                self.readers.setdefault(name, []).append(node)
        for out in graph.output:
            self.readers.setdefault(out.name, []).append(None)

    def constant(self, name: str, value: float) -> bool:
        found = self.scalars.get(name)
        return found is not None and abs(found - value) <= _RELATIVE * abs(value)

    def only_reader(self, tensor: str, op: str) -> Any:
        """The one node that reads ``tensor``, if it is an ``op``."""
        readers = self.readers.get(tensor, [])
        if len(readers) == 1 and readers[0] is not None and readers[0].op_type == op:
            return readers[0]
        return None

    def operand(self, node: Any, value: float) -> str | None:
        """The other input of a binary ``node`` one of whose inputs is the constant ``value``."""
        a, b = node.input
        if self.constant(b, value):
            return a
        if self.constant(a, value):
            return b
        return None


def _other(node: Any, name: str) -> str | None:
    a, b = node.input
    return b if a == name else a if b == name else None


def _erf_gelu(g: _Nodes, erf: Any) -> tuple[str, str, list[Any]] | None:
    """``(x, y, nodes)`` of the erf-form GELU around ``erf``, or None."""
    scaled = g.maker.get(erf.input[0])
    if scaled is None or g.only_reader(scaled.output[0], "Erf") is not erf:
        return None
    if scaled.op_type == "Div" and g.constant(scaled.input[1], math.sqrt(2.0)):
        x = scaled.input[0]
    elif scaled.op_type == "Mul":
        x = g.operand(scaled, math.sqrt(0.5))
    else:
        return None
    add = g.only_reader(erf.output[0], "Add")
    if x is None or add is None or g.operand(add, 1.0) != erf.output[0]:
        return None
    first = g.only_reader(add.output[0], "Mul")
    if first is None:
        return None
    factor = _other(first, add.output[0])
    if factor == x:  # (x * (1 + erf)) * 0.5
        last = g.only_reader(first.output[0], "Mul")
        if last is None or g.operand(last, 0.5) != first.output[0]:
            return None
        return x, last.output[0], [scaled, erf, add, first, last]
    half = g.maker.get(factor)  # (x * 0.5) * (1 + erf)
    if half is None or half.op_type != "Mul" or g.operand(half, 0.5) != x:
        return None
    if g.only_reader(half.output[0], "Mul") is not first:
        return None
    return x, first.output[0], [scaled, erf, add, half, first]


def with_fused_patterns(graph: Any, helper: Any, numpy_helper: Any) -> Sequence[Any]:
    """The graph's nodes in order, each pattern of this module replaced by its one node (at
    the place of the pattern's last node)."""
    g = _Nodes(graph, numpy_helper)
    replaced: dict[int, Any] = {}
    gone: set[int] = set()
    for erf in (n for n in g.nodes if n.op_type == "Erf"):
        found = _erf_gelu(g, erf)
        if found is None:
            continue
        x, y, nodes = found
        name = erf.name.rsplit("/", 1)[0] + "/Gelu" if "/" in erf.name else f"{y}_gelu"
        gelu = helper.make_node("Gelu", [x], [y], name=name)
        gelu.doc_string = "erf-form GELU: " + ", ".join(n.name or n.op_type for n in nodes)
        gone |= {id(n) for n in nodes}
        replaced[id(nodes[-1])] = gelu
    return [replaced.get(id(n), n) for n in g.nodes if id(n) not in gone or id(n) in replaced]
