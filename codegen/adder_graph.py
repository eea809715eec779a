"""Constant matrix products as shared shift-add graphs (the ``distributed`` strategy).

A weighted layer computes, for every output j, ``y_j = c_j + sum_i x_i * W[i, j] * 2**p``
with integer codes ``x_i``, integer weight codes ``W`` and integer offsets ``c_j`` (the bias in
the accumulator's units). :func:`adder_graph` writes those sums as a graph of two-input adders
``a + (b << d)`` or ``a - (b << d)``, with no multiplier:

1. every weight code in canonical signed digit form (CSD: the fewest nonzero digits, no two
   adjacent), so each output is a sum of signed, shifted inputs;
2. common subexpressions shared across all the outputs of the layer by greedy pairwise
   elimination (Hartley, "Subexpression sharing in filters using canonic signed digit
   multipliers", IEEE TCAS-II 43(10), 1996): the pair of terms, up to a common shift and sign,
   that occurs most often becomes one adder, and every occurrence reads it; repeated until no
   pair occurs twice;
3. each output's remaining terms and its offset summed by a tree built for depth (the two
   shallowest terms first), so that the longest chain of adders is as short as the shared
   terms allow.

Zero weights have no digits and cost nothing; duplicate columns (with the same offset) share one
sum. Every node carries the exact range of its value, so each adder is as wide as its values
need and no sum wraps; the ``d`` low bits of ``a + (b << d)`` are ``a``'s own bits (no carry).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.codegen.pair_sharing import NODE_BITS, SHIFT_BITS, share_pairs
from hlsfx.ir.fixed_type import FixedType, Overflow, exact_sum_bound

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.model import QuantizedModel
    from hlsfx.numerics.config import LayerPrecision

__all__ = ["AdderGraph", "ExactSums", "Node", "Output", "adder_graph", "code_range", "csd"]
__all__ += ["exact_sums", "layer_matrix", "signed_bits", "sums_of"]

INPUT, CONSTANT, ADDER = "input", "constant", "adder"


def csd(value: int) -> list[tuple[int, int]]:
    """The canonical signed digits of ``value``: ``[(shift, +1 or -1), ...]``, lowest first,
    with ``value == sum(sign << shift)`` and no two digits adjacent."""
    digits, shift = [], 0
    while value:
        if value & 1:
            digit = 2 - (value & 3)  # +1 when value = 1 (mod 4), -1 when 3 (mod 4)
            digits.append((shift, digit))
            value -= digit
        value >>= 1
        shift += 1
    return digits


def signed_bits(lo: int, hi: int) -> tuple[int, bool]:
    """``(width, signed)``: the fewest bits holding every integer in ``[lo, hi]`` (unsigned
    when ``lo >= 0``)."""
    if lo >= 0:
        return max(hi.bit_length(), 1), False
    return max(lo.bit_length() if lo >= -1 else (-lo - 1).bit_length(), hi.bit_length()) + 1, True


def code_range(qm: QuantizedModel, tensor: str) -> tuple[int, int]:
    """The codes ``tensor`` can hold: its type's, or from 0 up where the layer that makes it
    never gives a negative value (a ReLU whose cast cannot wrap one round)."""
    t = qm.tensor_types[tensor]
    producer = qm.graph.producer(tensor)
    if producer is None or not producer.kind.nonnegative or not t.signed:
        return t.min_code, t.max_code
    x_t = qm.tensor_types[producer.inputs[0]]
    exact = x_t.fractional <= t.fractional and x_t.max <= t.max
    if t.overflow is not Overflow.AP_WRAP or exact or x_t.max + t.lsb <= t.max:
        return 0, t.max_code
    return t.min_code, t.max_code


def layer_matrix(layer: Layer, weight: np.ndarray) -> np.ndarray:
    """The constant matrix a Dense or convolution applies to each input row or window (taps,
    then input channels): the weight codes, or for a depthwise convolution one nonzero per
    row (each channel's taps feed its own output)."""
    if not getattr(layer.kind, "depthwise", False):
        return weight.reshape(-1, weight.shape[-1])
    channels = weight.shape[-1]
    taps = weight.reshape(-1, channels)
    matrix = np.zeros((taps.size, channels), dtype=weight.dtype)
    matrix[np.arange(taps.size), np.tile(np.arange(channels), len(taps))] = taps.reshape(-1)
    return matrix


@dataclass(frozen=True)
class ExactSums:
    """A weighted layer's sums as integers: ``units`` fractional bits, each output's bias as
    an offset in those units, the products shifted up by ``shift``."""

    units: int
    offsets: tuple[int, ...]
    shift: int

    def graph(self, matrix: np.ndarray, ranges: Sequence[tuple[int, int]]) -> AdderGraph:
        return adder_graph(matrix, ranges, self.offsets, self.shift)

    def row_graphs(
        self, matrix: np.ndarray, x_range: tuple[int, int], present: Sequence[Sequence[bool]]
    ) -> list[AdderGraph]:
        """The graph of each application of ``matrix`` (a Dense's input row, a convolution's
        window), whose inputs ``present[r][i]`` are False in the padding: padded rows of the
        matrix dropped, one graph per pattern of padding."""
        made: dict[tuple[bool, ...], AdderGraph] = {}
        graphs = []
        for row in present:
            mask = tuple(bool(x) for x in row)
            if mask not in made:
                masked = matrix * np.array(mask, dtype=matrix.dtype)[:, None]
                made[mask] = self.graph(masked, [x_range] * len(mask))
            graphs.append(made[mask])
        return graphs

    def sum_type(self, node: Node, shift: int) -> FixedType:
        """The type whose code is ``node``'s value shifted up by ``shift``."""
        return FixedType(node.width, node.width - self.units + shift, node.signed)


def sums_of(p: LayerPrecision, x_t: FixedType) -> ExactSums:
    """The layer's sums as an exact accumulator holds them (in the units of its finest term)."""
    w_t, b_t = p.types["weight"], p.types["bias"]
    units = max(x_t.fractional + w_t.fractional, b_t.fractional)
    offsets = tuple(int(b) << (units - b_t.fractional) for b in p.params["bias"])
    return ExactSums(units, offsets, units - x_t.fractional - w_t.fractional)


def exact_sums(layer: Layer, p: LayerPrecision, x_t: FixedType, matrix: np.ndarray) -> ExactSums:
    """The layer's sums for its shift-add graph; refuses a layer whose accumulator rounds or
    saturates (the graph sums exactly)."""
    w_t, b_t, a_t = (p.types[r] for r in ("weight", "bias", "accum"))
    if exact_sum_bound(x_t, w_t, b_t, a_t, matrix, p.params["bias"]) is None:
        raise ValueError(
            f"{layer.describe()}: strategy 'distributed' sums exactly, and its accumulator {a_t} "
            "rounds or saturates the sum (docs/numerics.md casts every term to it); leave accum "
            "'auto' or widen it, or give this layer another strategy"
        )
    return sums_of(p, x_t)


@dataclass(frozen=True)
class Node:
    """A value of the graph: a layer input (``index``), a constant (``value``) or an adder
    ``a + (b << shift)`` of earlier nodes (``a - (b << shift)`` when ``subtract``,
    ``(b << shift) - a`` when ``reverse``); ``lo`` and ``hi`` bound its value exactly,
    ``depth`` counts the adders on its longest path."""

    kind: str
    lo: int
    hi: int
    depth: int = 0
    index: int = -1
    value: int = 0
    a: int = -1
    b: int = -1
    shift: int = 0
    subtract: bool = False
    reverse: bool = False

    @property
    def width(self) -> int:
        return signed_bits(self.lo, self.hi)[0]

    @property
    def signed(self) -> bool:
        return self.lo < 0

    @property
    def adder_bits(self) -> int:
        """Bits of the adder's carry chain: its width above the ``shift`` low bits it passes
        through (all of it when ``reverse``; 0 for an input or a constant)."""
        if self.kind != ADDER:
            return 0
        return self.width if self.reverse else max(self.width - self.shift, 1)


@dataclass(frozen=True)
class Output:
    """Output j is ``node << shift``; ``node`` -1 is the constant zero."""

    node: int
    shift: int


@dataclass(frozen=True)
class AdderGraph:
    """Nodes in topological order (inputs first) and the outputs they give."""

    nodes: tuple[Node, ...]
    outputs: tuple[Output, ...]
    unshared_adders: int
    """adders the same sums take without shared subexpressions (one per term past the first)"""

    @property
    def adders(self) -> int:
        return sum(node.kind == ADDER for node in self.nodes)

    @property
    def adder_bits(self) -> int:
        return sum(node.adder_bits for node in self.nodes)

    @property
    def depth(self) -> int:
        return max((self.nodes[o.node].depth for o in self.outputs if o.node >= 0), default=0)


_Term = tuple[int, int, int]  # (node, shift, sign)


class _Builder:
    """The graph under construction. Every node's value is a linear form of the inputs,
    ``constant + sum_i coefficient_i * x_i``, kept so that its range is exact: the inputs vary
    independently, so the form's extremes are the sums of each term's (an interval sum of the
    operands would overstate ``(x << 2) - x``, whose operands share ``x``)."""

    def __init__(self, ranges: Sequence[tuple[int, int]]):
        self.nodes = [Node(INPUT, int(lo), int(hi), index=i) for i, (lo, hi) in enumerate(ranges)]
        self.constants: dict[int, int] = {}
        self.adders: dict[tuple[int, int, int, bool, bool], int] = {}
        self.lo = np.array([int(lo) for lo, _ in ranges], dtype=object)
        self.hi = np.array([int(hi) for _, hi in ranges], dtype=object)
        largest = max([abs(int(v)) for pair in ranges for v in pair], default=0)
        self.limit = (1 << 62) // max(largest * len(ranges), 1)
        """coefficients below this sum in int64 without overflow (else as Python ints)"""
        if largest * len(ranges) < 1 << 62:
            self.lo, self.hi = self.lo.astype(np.int64), self.hi.astype(np.int64)
        eye = np.eye(len(ranges), dtype=np.int64)
        self.forms: list[tuple[np.ndarray, int]] = [(row, 0) for row in eye]

    def constant(self, value: int) -> int:
        if value not in self.constants:
            self.constants[value] = len(self.nodes)
            self.nodes.append(Node(CONSTANT, value, value, value=value))
            self.forms.append((np.zeros(len(self.lo), dtype=np.int64), value))
        return self.constants[value]

    def adder(self, a: int, b: int, shift: int, subtract: bool, reverse: bool = False) -> int:
        """The node ``a ± (b << shift)`` (or ``(b << shift) - a``), made once."""
        key = (a, b, shift, subtract, reverse)
        if key not in self.adders:
            (ca, ka), (cb, kb) = self.forms[a], self.forms[b]
            sa, sb = (-1 if reverse else 1), (-1 if subtract else 1) << shift
            widest = int(np.abs(ca).max(initial=0)) + (int(np.abs(cb).max(initial=0)) << shift)
            if widest >= self.limit or self.lo.dtype == object:  # exact Python integers
                ca, cb = ca.astype(object), cb.astype(object)
                self.lo, self.hi = self.lo.astype(object), self.hi.astype(object)
            form, constant = ca * sa + cb * sb, ka * sa + kb * sb
            low = constant + int(np.where(form > 0, form * self.lo, form * self.hi).sum())
            high = constant + int(np.where(form > 0, form * self.hi, form * self.lo).sum())
            depth = 1 + max(self.nodes[a].depth, self.nodes[b].depth)
            node = Node(
                ADDER, low, high, depth, a=a, b=b, shift=shift, subtract=subtract, reverse=reverse
            )
            self.adders[key] = len(self.nodes)
            self.nodes.append(node)
            self.forms.append((form, constant))
        return self.adders[key]

    def combine(self, t: _Term, u: _Term, positive: bool = False) -> _Term:
        """One term equal to ``t + u``: the lower-shift term is the adder's first operand, so
        its low bits pass through. ``positive`` asks for a term added, not subtracted: a
        negative first operand then goes under a positive second, ``(u << d) - t``."""
        if (t[1], t[0]) > (u[1], u[0]):
            t, u = u, t
        if positive and t[2] < 0 < u[2]:
            return self.adder(t[0], u[0], u[1] - t[1], False, True), t[1], 1
        node = self.adder(t[0], u[0], u[1] - t[1], t[2] != u[2])
        return node, t[1], t[2]


def _share(builder: _Builder, columns: list[list[_Term]]) -> None:
    """Greedy pairwise common-subexpression elimination over ``columns`` (in place)."""
    size = max((len(terms) for terms in columns), default=0)
    if size < 2:
        return
    shape = (len(columns), size)
    node, shift, sign = (np.zeros(shape, np.int64) for _ in range(3))
    length = np.array([len(terms) for terms in columns], np.int64)
    for j, terms in enumerate(columns):
        for k, (n, s, g) in enumerate(terms):
            node[j, k], shift[j, k], sign[j, k] = n, s, g
    if len(builder.nodes) + int(length.sum()) >= 1 << NODE_BITS or shift.max() >= 1 << SHIFT_BITS:
        raise ValueError(f"{int(length.sum()):,} weight digits are too many to share")
    taken = share_pairs(node, shift, sign, length, len(builder.nodes), int(shift.max()))
    for a, b, d, subtract in taken.tolist():
        builder.adder(a, b, d, bool(subtract))
    for j in range(len(columns)):
        columns[j] = list(
            zip(
                node[j, : length[j]].tolist(),
                shift[j, : length[j]].tolist(),
                sign[j, : length[j]].tolist(),
                strict=True,
            )
        )


def _tree(builder: _Builder, terms: list[_Term]) -> _Term | None:
    """``terms`` summed two at a time, the shallowest (then the narrowest) first."""
    if not terms:
        return None

    def order(t: _Term) -> tuple:
        node = builder.nodes[t[0]]
        return node.depth, node.width + t[1], t[1], t[0]

    heap = [(order(t), t) for t in terms]
    heapq.heapify(heap)
    while len(heap) > 1:
        _, t = heapq.heappop(heap)
        _, u = heapq.heappop(heap)
        new = builder.combine(t, u, positive=not heap)
        heapq.heappush(heap, (order(new), new))
    return heap[0][1]


def adder_graph(
    matrix: np.ndarray,
    ranges: Sequence[tuple[int, int]],
    offsets: Sequence[int] | None = None,
    shift: int = 0,
    share: bool = True,
) -> AdderGraph:
    """The adder graph of ``y_j = offsets[j] + sum_i x_i * matrix[i, j] << shift`` for inputs
    ``x_i`` in ``ranges[i] = (lo, hi)``; ``share=False`` leaves common subexpressions unshared
    (to measure what sharing saves)."""
    matrix = np.asarray(matrix)
    n_in, n_out = matrix.shape
    if len(ranges) != n_in:
        raise ValueError(f"{len(ranges)} input ranges for a matrix of {n_in} rows")
    offsets = [0] * n_out if offsets is None else [int(c) for c in offsets]
    builder = _Builder(ranges)
    first: dict[tuple, int] = {}
    columns: list[list[_Term]] = []
    column_of: list[int] = []
    for j in range(n_out):
        key = (tuple(int(w) for w in matrix[:, j]), offsets[j])
        if key not in first:
            first[key] = len(columns)
            terms = [
                (i, s + shift, sign) for i in range(n_in) for s, sign in csd(int(matrix[i, j]))
            ]
            if offsets[j]:
                c = offsets[j]
                low = (c & -c).bit_length() - 1
                terms.append((builder.constant(abs(c) >> low), low, 1 if c > 0 else -1))
            columns.append(terms)
        column_of.append(first[key])
    unshared = sum(max(len(terms) - 1, 0) for terms in columns)
    if share:
        _share(builder, columns)
    roots = []
    for terms in columns:
        root = _tree(builder, terms)
        if root is None:
            roots.append(Output(-1, 0))
            continue
        constant = [t for t in terms if builder.nodes[t[0]].kind == CONSTANT]
        if root[2] < 0 and constant and len(terms) > 1:  # the negative sum under the bias
            rest = _tree(builder, [t for t in terms if t not in constant])
            root = builder.combine(constant[0], rest, positive=True)  # type: ignore[arg-type]
        node, s, sign = root
        if sign < 0:
            node = builder.adder(builder.constant(0), node, 0, True)
        roots.append(Output(node, s))
    outputs = tuple(roots[column_of[j]] for j in range(n_out))
    return _pruned(builder.nodes, outputs, n_in, unshared)


def _pruned(nodes: list[Node], outputs: tuple[Output, ...], n_in: int, unshared: int) -> AdderGraph:
    """The graph of the nodes some output reads (every input kept, at its index)."""
    needed = set(range(n_in)) | {o.node for o in outputs if o.node >= 0}
    for k in range(len(nodes) - 1, -1, -1):
        if k in needed and nodes[k].kind == ADDER:
            needed |= {nodes[k].a, nodes[k].b}
    index = {old: new for new, old in enumerate(sorted(needed))}
    kept = [
        dataclasses.replace(nodes[k], a=index.get(nodes[k].a, -1), b=index.get(nodes[k].b, -1))
        for k in sorted(needed)
    ]
    moved = tuple(Output(index[o.node], o.shift) if o.node >= 0 else o for o in outputs)
    return AdderGraph(tuple(kept), moved, unshared)
