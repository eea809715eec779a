"""The ``distributed`` strategy in the netlist: a Dense or convolution's constant matrix product
as its shared shift-add graph (:mod:`hlsfx.codegen.adder_graph`), no multiplier, pipelined so
that no stage chains more than ``max_adder_depth`` adders.

Every application of the matrix (Dense: each row of the input; convolution: each output
position's window) gets its own copy of the graph, built once per pattern of padding taps. The
exact sum then takes the layer's cast to its result, in the last stage; the layer's register
ends that stage, so the layer takes ``stages`` cycles and a new sample every cycle."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.codegen.adder_graph import ADDER, CONSTANT, INPUT, AdderGraph, Node, exact_sums
from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.expressions import (
    NetlistError,
    Operand,
    Signal,
    Slice,
    add,
    bit_literal,
    concat,
    const,
    replicate,
    subtract,
)
from hlsfx.codegen.rtl.multipliers import extend
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["DEFAULT_ADDER_DEPTH", "Pipeline", "distributed_sums"]

DEFAULT_ADDER_DEPTH = 4
"""adders one pipeline stage chains by default"""


@dataclass
class Pipeline:
    """A layer built with the distributed strategy: the adders a stage may chain, and what the
    builder made, over every copy of the graph: ``stages`` cycles, the longest chain of
    adders, the adders, their bits, and the adders the sums would take unshared."""

    max_adder_depth: int = DEFAULT_ADDER_DEPTH
    stages: int = 1
    adder_depth: int = 0
    adders: int = 0
    adder_bits: int = 0
    adders_unshared: int = 0

    def __post_init__(self) -> None:
        depth = self.max_adder_depth
        if isinstance(depth, bool) or not isinstance(depth, int) or depth < 1:
            raise ValueError(f"max_adder_depth must be a positive integer, not {depth!r}")


@dataclass(frozen=True)
class DistributedLayer:
    """What :func:`distributed_sums` needs of a Dense or convolution: its netlist name, the
    layer and its precision, its input type and the codes its inputs can take (a ReLU's are
    never negative), and its output slices."""

    name: str
    layer: Layer
    p: LayerPrecision
    x_t: FixedType
    x_range: tuple[int, int]
    outputs: Sequence[Slice]


def distributed_sums(
    net: Netlist,
    c: DistributedLayer,
    matrix: np.ndarray,
    rows: Sequence[Sequence[Slice | None]],
    pipeline: Pipeline,
) -> None:
    """Output ``r * n_out + j`` = cast(bias_j + sum_i rows[r][i] * matrix[i, j], result), a
    ``None`` input being padding (zero); sets ``pipeline.stages``."""
    sums = exact_sums(c.layer, c.p, c.x_t, matrix)
    y_t = c.p.types["result"]
    copies = sums.row_graphs(matrix, c.x_range, [[x is not None for x in row] for row in rows])
    depth = max((g.depth for g in copies), default=0)
    last = max(depth - 1, 0) // pipeline.max_adder_depth
    pipeline.stages, pipeline.adder_depth = last + 1, depth
    pipeline.adders = sum(g.adders for g in copies)
    pipeline.adder_bits = sum(g.adder_bits for g in copies)
    pipeline.adders_unshared = sum(g.unshared_adders for g in copies)
    n_out = matrix.shape[1]
    for r, (row, graph) in enumerate(zip(rows, copies, strict=True)):
        prefix = f"{c.name}_r{r}" if len(rows) > 1 else c.name
        values = _Values(net, prefix, graph, row, pipeline.max_adder_depth)
        for j, out in enumerate(values.graph.outputs):
            k = r * n_out + j
            name = f"{prefix}_y{j}"
            if out.node < 0:  # no weight and no bias: zero in any type
                net.assign(c.outputs[k], const(0, y_t.width))
                continue
            node = values.graph.nodes[out.node]
            acc_t = sums.sum_type(node, out.shift)
            if node.kind == CONSTANT:  # no weight: the bias alone
                fixed: int | None = int(exact.cast([node.value], acc_t, y_t)[0])
            else:
                fixed = _constant_cast(acc_t, y_t, node.lo)
            if fixed is not None:  # no bit of a sum reaches the result
                net.assign(c.outputs[k], const(fixed, y_t.width))
                continue
            held = values.at(out.node, last)
            net.assign(c.outputs[k], cast(net, held, acc_t, y_t, f"{name}_c"))


def _constant_cast(src: FixedType, dst: FixedType, code: int) -> int | None:
    """The result code when the cast from ``src`` to ``dst`` reads no bit of its source (the
    same for every code, so for ``code``), else None."""
    return int(exact.cast([code], src, dst)[0]) if _reads_no_bit(src, dst) else None


@functools.cache
def _reads_no_bit(src: FixedType, dst: FixedType) -> bool:
    """Whether the cast's logic reads no bit of its source (once per pair of types: every
    output of every row or window asks)."""
    scratch = Netlist()
    source = scratch.port("input", "source", src.width)
    scratch.wire("result", dst.width, cast(scratch, source, src, dst, "c"))
    return not source.read


def _stage(node: Node, depth: int) -> int:
    """The pipeline stage that computes ``node`` (inputs and constants: 0)."""
    return (node.depth - 1) // depth if node.kind == ADDER else 0


class _Values:
    """One copy of a graph in the netlist: each node's wire, and its copies delayed to later
    stages, made when first read."""

    def __init__(
        self, net: Netlist, prefix: str, graph: AdderGraph, row: Sequence[Slice | None], depth: int
    ):
        self.net, self.prefix, self.graph, self.row, self.depth = net, prefix, graph, row, depth
        self.made: dict[tuple[int, int], Signal | Slice] = {}

    def at(self, n: int, stage: int) -> Signal | Slice:
        """Node ``n``'s value as stage ``stage`` reads it."""
        key = (n, stage)
        if key in self.made:
            return self.made[key]
        node = self.graph.nodes[n]
        own = _stage(node, self.depth)
        if stage > own:
            source = self.at(n, stage - 1)
            held = self.net.reg(f"{self.prefix}_n{n}_s{stage}", node.width)
            self.net.clocked(held, (None, source))
            value: Signal | Slice = held
        elif node.kind == INPUT:
            lane = self.row[node.index]
            if lane is None:
                raise NetlistError(f"{self.prefix}: node {n} reads a padding input")
            value = lane if node.width == lane.width else lane.bits(0, node.width)
        elif node.kind == CONSTANT:  # an adder's operand or an output: a literal there
            raise NetlistError(f"{self.prefix}: constant node {n} has no wire")
        else:
            value = self._adder(n, node, own)
        self.made[key] = value
        return value

    def _operand(self, n: int, stage: int, lo: int, count: int) -> Operand:
        """Bits ``lo .. lo + count - 1`` of node ``n``'s value (sign- or zero-extended above
        its width), as stage ``stage`` reads them."""
        node = self.graph.nodes[n]
        if node.kind == CONSTANT:
            return const(node.value >> lo, count)
        value = self.at(n, stage)
        value = value.all if isinstance(value, Signal) else value
        fill: Operand = value.bit(node.width - 1) if node.signed else bit_literal(0)
        if lo >= node.width:
            return replicate(count, fill) if count > 1 else fill
        have = min(node.width - lo, count)
        part = value.bits(lo, have)
        if have == count:
            return part
        return extend(part, FixedType(have, have, node.signed), count)

    def _adder(self, n: int, node: Node, stage: int) -> Signal:
        """``a ± (b << shift)``: the low ``shift`` bits are ``a``'s, the adder takes the rest."""
        d, width = node.shift, node.width
        high = width - d
        if high < 1:
            raise NetlistError(f"{self.prefix}: adder node {n} is narrower than its shift")
        if node.reverse:  # (b << d) - a: no bit passes through
            b = self._operand(node.b, stage, 0, high)
            total = subtract(
                concat([b, const(0, d)]) if d else b, self._operand(node.a, stage, 0, width)
            )
            return self.net.wire(f"{self.prefix}_n{n}", width, total)
        operation = subtract if node.subtract else add
        total = operation(
            self._operand(node.a, stage, d, high), self._operand(node.b, stage, 0, high)
        )
        if d:
            total = concat([total, self._operand(node.a, stage, 0, d)])
        return self.net.wire(f"{self.prefix}_n{n}", width, total)
