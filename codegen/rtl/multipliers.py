"""A layer's products and sums in the netlist: :class:`Multipliers` gives each product its
multiplier (one per product at reuse factor 1, shared ones at R > 1), and :func:`weighted_sums`
sums a Dense or convolution's products in docs/numerics.md's order."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from hlsfx.codegen.rtl.cast import cast
from hlsfx.codegen.rtl.expressions import (
    Expr,
    Operand,
    Signal,
    Slice,
    add,
    as_signed,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    expr,
    group,
    invert,
    multiply,
    mux,
    replicate,
    shift_left,
    signed_const,
    subtract,
)
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.ir.fixed_type import FixedType, exact_sum_bound, product_type, sum_type

__all__ = ["Multipliers", "aligned_sum", "extend", "weighted_sums"]


def extend(source: Signal | Slice, t: FixedType, width: int) -> Operand:
    """``source`` (a code of ``t``) sign- or zero-extended to ``width`` bits."""
    x = source.all if isinstance(source, Signal) else source
    pad = width - t.width
    if pad == 0:
        return x
    fill: Operand = x.bit(t.width - 1) if t.signed else bit_literal(0)
    return concat([fill if pad == 1 else replicate(pad, fill), x])


def aligned_sum(
    a: Slice | Signal, a_t: FixedType, b: Slice | Signal, b_t: FixedType, op: str = "+"
) -> tuple[Expr, FixedType]:
    """The exact ``a op b`` (``+`` or ``-``) of codes ``a`` and ``b`` as a code of
    ``sum_type(a_t, b_t)``."""
    s_t = sum_type(a_t, b_t)
    terms = [
        aligned(extend(x, t, s_t.width), s_t.fractional - t.fractional)
        for x, t in ((a, a_t), (b, b_t))
    ]
    return (add(*terms) if op == "+" else subtract(*terms)), s_t


def aligned(term: Operand, up: int) -> Operand:
    """``term`` moved ``up`` bits up (itself when ``up`` is 0)."""
    return shift_left(term, up) if up else term


def _operand_width(t: FixedType) -> int:
    """Bits that hold a code of ``t`` as a signed number."""
    return t.width + (0 if t.signed else 1)


@dataclass(frozen=True)
class _Product:
    wire: Signal
    a: Slice
    a_t: FixedType
    b: Slice | int  # a signal's bits, or a constant code
    b_t: FixedType
    held: bool  # kept in a register until the layer's last phase (else valid in its own phase)
    summed: bool  # the layer sums it straight from its multiplier's output (see Multipliers.units)

    @property
    def shape(self) -> tuple[int, int, bool, int]:
        """Products of one shape can share a multiplier."""
        return (
            _operand_width(self.a_t),
            _operand_width(self.b_t),
            isinstance(self.b, int),
            product_type(self.a_t, self.b_t).width,
        )

    def b_operand(self, width: int) -> Operand:
        """The second operand as ``width`` bits."""
        if isinstance(self.b, int):
            return signed_const(self.b, width)
        return extend(self.b, self.b_t, width)


@dataclass
class Multipliers:
    """The products of one layer. At reuse factor 1 each product is its own multiplier; at
    R > 1 the products of one operand shape share ``ceil(n / R)`` multipliers over the layer's
    R cycles, their operands selected by the one-hot ``phase``. Multiplier m computes product
    ``g * ceil(n / R) + m`` in phase g, or, for summed products, product ``m * R + g``: R
    consecutive products, mostly of one output, as hls4ml's resource strategy lays them out,
    so that each multiplier feeds one output's sum."""

    net: Netlist
    name: str
    reuse: int
    products: list[_Product] = field(default_factory=list)
    outputs: dict[str, Signal] = field(default_factory=dict)
    """multiplier outputs made before :meth:`build` (the exact sums read them first)"""
    _phase: Signal | None = field(default=None, init=False, repr=False)

    @property
    def phase(self) -> Signal:
        """The layer's R one-hot phase bits ``<name>_phase``, made on first use (a layer whose
        products all vanish has none); the writer drives them once the timing is known."""
        if self._phase is None:
            self._phase = self.net.wire(f"{self.name}_phase", self.reuse)
        return self._phase

    def product(
        self,
        name: str,
        a: Signal | Slice,
        a_t: FixedType,
        b: Signal | Slice | int,
        b_t: FixedType,
        held: bool = True,
        summed: bool = False,
    ) -> Signal:
        """The wire ``name`` holding the exact product of the codes ``a`` (of ``a_t``) and
        ``b`` (of ``b_t``, held in a signal or a constant code); a constant zero costs nothing.
        At R > 1 a ``held`` product keeps its value to the last phase; otherwise it is valid
        only in its own phase and the layer must take it then. A ``summed`` product has no
        wire in the netlist at R > 1: the layer adds its multiplier's output (see
        :meth:`units`) in its phase."""
        width = product_type(a_t, b_t).width
        if isinstance(b, int) and b == 0:
            return self.net.wire(name, width, const(0, width))
        a = a.all if isinstance(a, Signal) else a
        b = b.all if isinstance(b, Signal) else b
        if summed and self.reuse > 1:
            wire = Signal(name, width, "wire", self.name)  # a key, never printed
        else:
            wire = self.net.wire(name, width)
        self.products.append(_Product(wire, a, a_t, b, b_t, held, summed))
        return wire

    def shared(self) -> list[tuple[_Product, ...]]:
        """The multipliers: each one's products, phase by phase."""
        units, reuse = [], self.reuse
        groups: dict[tuple, list[_Product]] = {}
        for p in self.products:
            groups.setdefault((p.shape, p.summed), []).append(p)
        for same in groups.values():
            count = math.ceil(len(same) / reuse)
            if same[0].summed:
                units += [tuple(same[m * reuse : (m + 1) * reuse]) for m in range(count)]
            else:
                units += [tuple(same[m::count]) for m in range(count)]
        return units

    def units(self) -> dict[Signal, tuple[str, int]]:
        """Each product's multiplier output wire name and phase."""
        return {
            p.wire: (f"{self.name}_mul{m}_p", g)
            for m, unit in enumerate(self.shared())
            for g, p in enumerate(unit)
        }

    def build(self) -> None:
        """The multipliers' logic. At R > 1 the shared multiplier ``<name>_mul<m>`` drives
        ``<name>_mul<m>_p`` (made here unless :attr:`outputs` holds it), and the products of
        all phases but the last are held in registers."""
        net = self.net
        if self.reuse == 1:
            for p in self.products:
                width = p.shape[-1]
                net.assign(
                    p.wire,
                    multiply(as_signed(extend(p.a, p.a_t, width)), _signed(p.b_operand(width))),
                )
            return
        for m, unit in enumerate(self.shared()):
            wa, wb, _, width = unit[0].shape
            mux = f"{self.name}_mul{m}"
            a_terms = [
                group(bit_and(replicate(wa, self.phase.bit(g)), extend(p.a, p.a_t, wa)))
                for g, p in enumerate(unit)
            ]
            b_terms = [
                group(bit_and(replicate(wb, self.phase.bit(g)), p.b_operand(wb)))
                for g, p in enumerate(unit)
            ]
            a = net.wire(f"{mux}_a", wa, bit_or(*a_terms))
            b = net.wire(f"{mux}_b", wb, bit_or(*b_terms))
            product = multiply(
                as_signed(extend(a, _signed_t(wa), width)),
                as_signed(extend(b, _signed_t(wb), width)),
            )
            out = self.outputs.get(f"{mux}_p")
            if out is None:
                out = net.wire(f"{mux}_p", width, product)
            else:
                net.assign(out, product)
            for g, p in enumerate(unit):
                if p.summed:
                    continue
                if g == self.reuse - 1 or not p.held:
                    net.assign(p.wire, out)
                    continue
                held = net.reg(f"{p.wire.name}_r", width)
                net.clocked(held, (self.phase.bit(g), out))
                net.assign(p.wire, held)


def _signed(operand: Operand) -> Expr:
    """A multiplier's second operand: a signed literal as it is, bits as signed."""
    x = expr(operand)
    return x if x.signed else as_signed(x)


def _signed_t(width: int) -> FixedType:
    return FixedType(width, width, True)


@dataclass(frozen=True)
class WeightedLayer:
    """What :func:`weighted_sums` needs of a Dense or convolution: its netlist name, types,
    constants, multipliers and output slices."""

    name: str
    x_t: FixedType
    types: dict[str, FixedType]
    weight: object
    bias: object
    mults: Multipliers
    outputs: Sequence[Slice]

    @property
    def reuse(self) -> int:
        return self.mults.reuse


def weighted_sums(
    net: Netlist, c: WeightedLayer, sums: list[tuple[int, list[tuple[Slice, int]]]]
) -> None:
    """Output k = cast(acc_k, result) of the sums ``sums[k] = (bias code in the accumulator,
    [(input code, weight code), ...])`` in docs/numerics.md's order: ``acc = cast(acc + cast(x * w,
    accum), accum)`` term by term. Terms of zero weights or padding are left out: they add
    exactly 0. When nothing can round or overflow (``exact_sum_bound``), the terms are summed
    exactly instead.

    At reuse factor R > 1 every output keeps its running sum in a register from phase to phase
    (as the HLS resource strategy does). An exact sum adds, in every phase, the outputs of the
    multipliers that work for it (each multiplier takes R consecutive products, so it feeds
    one sum, or two where it crosses from one output's products to the next). A sum with
    casts takes its products in order: phase by phase, each output's products in sequence."""
    x_t = c.x_t
    w_t, b_t, a_t, y_t = (c.types[r] for r in ("weight", "bias", "accum", "result"))
    p_t = product_type(x_t, w_t)
    flat = c.weight.reshape(-1, c.weight.shape[-1])  # inputs (or taps) x outputs (or channels)
    exact = exact_sum_bound(x_t, w_t, b_t, a_t, flat, c.bias) is not None
    products: dict[tuple, Signal] = {}
    shared = c.reuse > 1

    def product(x: Slice, w: int) -> Signal:
        key = (x, w) if not shared else (len(products),)  # shared: each output's, in order
        if key not in products:
            name = f"{c.name}_p{len(products)}"
            products[key] = c.mults.product(name, x, x_t, w, w_t, held=not shared, summed=exact)
        return products[key]

    wires = [[product(x, w) for x, w in terms] for _, terms in sums]
    if exact:
        up = a_t.fractional - p_t.fractional
        width = max(a_t.width, p_t.width + up)  # every term and the sum, mod 2**width
        acc_t = FixedType(width, width - a_t.fractional, a_t.signed or p_t.signed)
    else:
        acc_t = a_t
    units = c.mults.units() if shared else {}
    if shared and exact:  # the multipliers' outputs, read by the sums before they are built
        for unit in dict.fromkeys(u for u, _ in units.values()):
            c.mults.outputs[unit] = net.wire(unit, p_t.width)
    sums_of = _Accumulation(
        net, c, exact, acc_t, p_t, units, c.mults.outputs, Counter(u for u, _ in units.values())
    )
    for k, (bias, _) in enumerate(sums):
        acc = f"{c.name}_acc{k}"
        end = sums_of.output(acc, const(bias, acc_t.width), wires[k])
        net.assign(c.outputs[k], cast(net, end, acc_t, y_t, f"{acc}_y"))


@dataclass(frozen=True)
class _Accumulation:
    """How a layer's outputs sum their products: ``units`` gives each product's multiplier
    output and phase at R > 1, ``sizes`` each multiplier's number of products."""

    net: Netlist
    c: WeightedLayer
    exact: bool
    acc_t: FixedType
    p_t: FixedType
    units: dict[Signal, tuple[str, int]]
    unit_outputs: dict[str, Signal]
    sizes: Counter[str]

    def output(self, acc: str, bias: Expr, wires: list[Signal]) -> Signal | Slice:
        """The sum ``acc`` of the products ``wires`` and the bias code, held in the layer's
        last phase."""
        if self.c.reuse == 1:
            return _sum_terms(self.net, acc, bias, wires, self.exact, self.acc_t, self.p_t)
        if self.exact:
            return self._stationary(acc, bias, wires)
        return self._phased(acc, bias, wires)

    def _stationary(self, acc: str, bias: Expr, wires: list[Signal]) -> Signal:
        """An exact sum at R > 1: in each phase the running sum (the bias in phase 0) plus the
        outputs of the multipliers working for this output, a multiplier shared with another
        output masked to this output's phases."""
        net, c, acc_t, p_t = self.net, self.c, self.acc_t, self.p_t
        if not wires:
            return _sum_terms(net, acc, bias, [], True, acc_t, p_t)
        mine: dict[str, list[int]] = {}
        for wire in wires:
            unit, g = self.units[wire]
            mine.setdefault(unit, []).append(g)
        running = net.reg(f"{acc}_r", acc_t.width)
        terms = []
        for unit, gs in mine.items():
            out = self.unit_outputs[unit]
            if len(gs) == self.sizes[unit]:
                terms.append(out)
                continue
            mask = bit_or(*(c.mults.phase.bit(g) for g in gs))
            terms.append(
                net.wire(f"{acc}_{unit}", p_t.width, bit_and(replicate(p_t.width, mask), out))
            )
        base = mux(c.mults.phase.bit(0), bias, running)
        end = _sum_terms(net, acc, base, terms, True, acc_t, p_t)
        # not in the last phase: a stream may stay there while its result waits to be sent
        net.clocked(running, (invert(c.mults.phase.bit(c.reuse - 1)), end))
        return end

    def _phased(self, acc: str, bias: Expr, wires: list[Signal]) -> Signal | Slice:
        """A sum with casts at R > 1: the running sum is loaded in the first phase with
        products and carried to the last, each phase adding its products in order."""
        net, c, acc_t, p_t = self.net, self.c, self.acc_t, self.p_t
        last = c.reuse - 1
        by_phase: dict[int, list[Signal]] = {}
        for wire in wires:
            by_phase.setdefault(self.units[wire][1], []).append(wire)
        start: Operand = bias
        early = sorted(g for g in by_phase if g < last)
        if early:
            running = net.reg(f"{acc}_r", acc_t.width)
            steps = []
            for g in early:
                end = _sum_terms(
                    net,
                    f"{acc}_g{g}",
                    bias if g == early[0] else running,
                    by_phase[g],
                    False,
                    acc_t,
                    p_t,
                )
                steps.append((c.mults.phase.bit(g), end))
            net.clocked(running, *steps)
            start = running
        return _sum_terms(net, acc, start, by_phase.get(last, []), False, acc_t, p_t)


def _sum_terms(
    net: Netlist,
    name: str,
    start: Operand,
    wires: list[Signal],
    exact: bool,
    acc_t: FixedType,
    p_t: FixedType,
) -> Signal | Slice:
    """Products ``wires`` added to ``start`` (a code of ``acc_t``): exactly in one sum, or
    term by term with the accumulator's casts; the signal that holds the result."""
    if exact:
        up = acc_t.fractional - p_t.fractional
        parts = [start, *(aligned(extend(wire, p_t, acc_t.width), up) for wire in wires)]
        return net.named(name, acc_t.width, add(*parts))
    total = net.named(f"{name}_0", acc_t.width, start)
    for i, wire in enumerate(wires):
        step = f"{name}_{i}"
        term = net.named(f"{step}_pc", acc_t.width, cast(net, wire, p_t, acc_t, f"{step}_pc"))
        value, s_t = aligned_sum(total, acc_t, term, acc_t)
        step_sum = net.wire(f"{step}_s", s_t.width, value)
        total = net.named(
            f"{name}_{i + 1}", acc_t.width, cast(net, step_sum, s_t, acc_t, f"{step}_s")
        )
    return total
