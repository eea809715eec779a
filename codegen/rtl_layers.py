"""The Verilog of each layer kind (NUMERICS.md, bit for bit): combinational logic from the
layer's input buses to its output bus, its products drawn from the layer's
:class:`Multipliers`. :data:`RTL_LAYERS` maps every kind to its writer; :mod:`hlsfx.codegen.rtl`
places the layers in a module and registers them.

Buses pack element k of a tensor (channels-last, row-major) at bits ``[k*W +: W]`` as raw two's
complement codes."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from hlsfx import kinds
from hlsfx.codegen.rtl_cast import cast_lines, signed_literal
from hlsfx.fixed_type import FixedType, product_type, sum_type

if TYPE_CHECKING:
    from hlsfx.config import LayerPrecision
    from hlsfx.graph import Layer

__all__ = ["RTL_LAYERS", "Multipliers", "RtlLayer", "exempt_unread_lanes"]


def element(bus: str, k: int, width: int) -> str:
    """Element ``k`` of a bus of ``width``-bit codes."""
    return f"{bus}[{k * width + width - 1}:{k * width}]"


def extend(source: str, t: FixedType, width: int) -> str:
    """``source`` (a code of ``t``) sign- or zero-extended to ``width`` bits."""
    pad = width - t.width
    if pad == 0:
        return source
    fill = f"{source}[{t.width - 1}]" if t.signed else "1'b0"
    return f"{{{{{pad}{{{fill}}}}}, {source}}}"


def code(value: int, width: int) -> str:
    """``value`` as ``width`` bits of two's complement."""
    return f"{width}'d{value & ((1 << width) - 1)}"


def _negative(x: str, t: FixedType) -> str:
    return f"{x}[{t.width - 1}]" if t.signed else "1'b0"


def _operand_width(t: FixedType) -> int:
    """Bits that hold a code of ``t`` as a signed number."""
    return t.width + (0 if t.signed else 1)


@dataclass(frozen=True)
class _Product:
    wire: str
    a: str
    a_t: FixedType
    b: str | int  # a wire, or a constant code
    b_t: FixedType
    held: bool  # kept in a register until the layer's last phase (else valid in its own phase)
    summed: bool  # the layer sums it straight from its multiplier's output (see Multipliers.units)

    @property
    def shape(self) -> tuple[int, int, bool, int]:
        """Products of one shape can share a multiplier."""
        return (
            _operand_width(self.a_t), _operand_width(self.b_t), isinstance(self.b, int),
            product_type(self.a_t, self.b_t).width,
        )  # fmt: skip


@dataclass
class Multipliers:
    """The products of one layer. At reuse factor 1 each product is its own multiplier; at
    R > 1 the products of one operand shape share ``ceil(n / R)`` multipliers over the layer's
    R cycles. Multiplier m computes product ``g * ceil(n / R) + m`` in phase g, or, for summed
    products, product ``m * R + g``: R consecutive products, mostly of one output, as hls4ml's
    resource strategy lays them out, so that each multiplier feeds one output's sum."""

    name: str
    products: list[_Product] = field(default_factory=list)

    def product(
        self,
        wire: str,
        a: str,
        a_t: FixedType,
        b: str | int,
        b_t: FixedType,
        held: bool = True,
        summed: bool = False,
    ) -> str:
        """Declare ``wire``, the exact product of the codes ``a`` (of ``a_t``) and ``b`` (a
        wire holding a code of ``b_t``, or a constant code); a constant zero costs nothing.
        At R > 1 a ``held`` product keeps its value to the last phase; otherwise it is valid
        only in its own phase and the layer must take it then. A
        ``summed`` product has no wire of its own at R > 1: the layer adds its multiplier's
        output (see :meth:`units`) in its phase."""
        width = product_type(a_t, b_t).width
        if isinstance(b, int) and b == 0:
            return f"wire [{width - 1}:0] {wire} = {width}'d0;"
        self.products.append(_Product(wire, a, a_t, b, b_t, held, summed))
        return f"wire [{width - 1}:0] {wire};"

    def units(self, reuse: int) -> dict[str, tuple[str, int]]:
        """Each product's multiplier output wire and phase at reuse factor ``reuse``."""
        return {
            p.wire: (f"{self.name}_mul{m}_p", g)
            for m, unit in enumerate(self.shared(reuse))
            for g, p in enumerate(unit)
        }

    def shared(self, reuse: int) -> list[tuple[_Product, ...]]:
        """The multipliers at reuse factor ``reuse``: each one's products, phase by phase."""
        units = []
        groups: dict[tuple, list[_Product]] = {}
        for p in self.products:
            groups.setdefault((p.shape, p.summed), []).append(p)
        for group in groups.values():
            count = math.ceil(len(group) / reuse)
            if group[0].summed:
                units += [tuple(group[m * reuse : (m + 1) * reuse]) for m in range(count)]
            else:
                units += [tuple(group[m::count]) for m in range(count)]
        return units

    def lines(self, reuse: int, phase: str, clock: str) -> list[str]:
        """The multipliers' Verilog: at reuse factor 1 one per product; at R > 1 shared ones,
        their operands selected by ``phase`` (R one-hot bits) and their products held in
        registers until the layer's last phase, whose products are used as they come."""
        if reuse == 1:
            return [f"assign {p.wire} = {_multiply(p)};" for p in self.products]
        lines = []
        for m, unit in enumerate(self.shared(reuse)):
            first = unit[0]
            wa, wb, _, width = first.shape
            mux = f"{self.name}_mul{m}"
            a_terms = [f"({{{wa}{{{phase}[{g}]}}}} & {extend(p.a, p.a_t, wa)})"
                       for g, p in enumerate(unit)]  # fmt: skip
            b_terms = [f"({{{wb}{{{phase}[{g}]}}}} & {_b_operand(p)})" for g, p in enumerate(unit)]
            lines += [
                f"wire [{wa - 1}:0] {mux}_a = {' | '.join(a_terms)};",
                f"wire [{wb - 1}:0] {mux}_b = {' | '.join(b_terms)};",
                f"wire [{width - 1}:0] {mux}_p = "
                f"$signed({_sign_extend(f'{mux}_a', wa, width)}) * "
                f"$signed({_sign_extend(f'{mux}_b', wb, width)});",
            ]
            for g, p in enumerate(unit):
                if p.summed:
                    continue
                if g == reuse - 1 or not p.held:
                    lines.append(f"assign {p.wire} = {mux}_p;")
                    continue
                lines += [
                    f"reg [{width - 1}:0] {p.wire}_r;",
                    f"always @(posedge {clock}) if ({phase}[{g}]) {p.wire}_r <= {mux}_p;",
                    f"assign {p.wire} = {p.wire}_r;",
                ]
        return lines


def _b_operand(p: _Product, width: int | None = None) -> str:
    """The second operand as ``width`` bits (by default its signed operand width)."""
    width = width or _operand_width(p.b_t)
    return code(p.b, width) if isinstance(p.b, int) else extend(p.b, p.b_t, width)


def _sign_extend(x: str, width: int, to: int) -> str:
    return x if to == width else f"{{{{{to - width}{{{x}[{width - 1}]}}}}, {x}}}"


def _multiply(p: _Product) -> str:
    """The product as one multiplier, both operands extended to the product's width."""
    width = p.shape[-1]
    return f"$signed({extend(p.a, p.a_t, width)}) * $signed({_b_operand(p, width)})"


@dataclass(frozen=True)
class RtlLayer:
    """What a layer's writer is given: its wire prefix, the layer, its precision, its input
    types, shapes and buses, and the bus it drives."""

    name: str
    layer: Layer
    p: LayerPrecision
    in_types: tuple[FixedType, ...]
    in_shapes: tuple[tuple[int, ...], ...]
    in_buses: tuple[str, ...]
    out_bus: str
    mults: Multipliers
    reuse: int = 1
    """the layer's reuse factor; at R > 1 its phases are the bits of ``<name>_phase``"""
    lane_wires: list[str] = field(default_factory=list)
    """every wire :meth:`lanes` declared"""

    @property
    def x_t(self) -> FixedType:
        return self.in_types[0]

    @property
    def size(self) -> int:
        """Values in the (first) input."""
        return math.prod(self.in_shapes[0])

    def lanes(self, i: int = 0, tag: str = "x") -> tuple[list[str], list[str]]:
        """Wires ``<name>_<tag><k>`` for the elements of input ``i``: their declarations and
        names."""
        t, n = self.in_types[i], math.prod(self.in_shapes[i])
        names = [f"{self.name}_{tag}{k}" for k in range(n)]
        self.lane_wires.extend(names)
        decls = [
            f"wire [{t.width - 1}:0] {w} = {element(self.in_buses[i], k, t.width)};"
            for k, w in enumerate(names)
        ]
        return decls, names

    def out(self, k: int) -> str:
        return element(self.out_bus, k, self.p.types["result"].width)


def exempt_unread_lanes(lines: list[str], lanes: list[str]) -> list[str]:
    """``lines`` with the declarations of lanes nothing reads (inputs no window of a strided
    conv or pool covers) exempt from Verilator's unused-signal lint."""
    used = Counter(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(lines)))
    unread = {name for name in lanes if used[name] == 1}
    if not unread:
        return lines
    out = []
    for line in lines:
        name = line.split(" = ", 1)[0].rsplit(" ", 1)[-1] if line.startswith("wire ") else None
        if name in unread:
            out += ["/* verilator lint_off UNUSEDSIGNAL */ // no window reads it", line,
                    "/* verilator lint_on UNUSEDSIGNAL */"]  # fmt: skip
        else:
            out.append(line)
    return out


def _weighted_sums(c: RtlLayer, sums, lanes: list[str]) -> list[str]:
    """Output k = cast(acc_k, result) of the sums ``sums[k] = (bias code in the accumulator,
    [(lane, weight code), ...])`` in NUMERICS.md's order: ``acc = cast(acc + cast(x * w, accum),
    accum)`` term by term. Terms of zero weights or padding are left out: they add exactly 0.
    When nothing can round or overflow (the emulator's exact-sum test), the terms are summed
    exactly instead.

    At reuse factor R > 1 every output keeps its running sum in a register from phase to phase
    (as the HLS resource strategy does). An exact sum adds, in every phase, the outputs of the
    multipliers that work for it (each multiplier takes R consecutive products, so it feeds
    one sum, or two where it crosses from one output's products to the next). A sum with
    casts takes its products in order: phase by phase, each output's products in sequence."""
    from hlsfx.emulator.run import exact_sum_bound

    x_t = c.x_t
    w_t, b_t, a_t, y_t = (c.p.types[r] for r in ("weight", "bias", "accum", "result"))
    p_t = product_type(x_t, w_t)
    weight = c.p.params["weight"]
    flat = weight.reshape(-1, weight.shape[-1])  # inputs (or taps) x outputs (or channels)
    exact = exact_sum_bound(x_t, w_t, b_t, a_t, flat, c.p.params["bias"]) is not None
    lines = []
    products: dict[tuple[int, int], str] = {}
    shared = c.reuse > 1

    def product(i: int, w: int) -> str:
        key = (i, w) if not shared else (len(products), 0)  # shared: each output's, in order
        if key not in products:
            products[key] = f"{c.name}_p{len(products)}"
            decl = c.mults.product(
                products[key], lanes[i], x_t, w, w_t, held=not shared, summed=exact
            )
            if not (shared and exact):
                lines.append(decl)
        return products[key]

    wires = [[product(i, w) for i, w in terms] for _, terms in sums]
    if exact:
        up = a_t.fractional - p_t.fractional
        width = max(a_t.width, p_t.width + up)  # every term and the sum, mod 2**width
        acc_t = FixedType(width, width - a_t.fractional, a_t.signed or p_t.signed)
    else:
        acc_t = a_t
    units = c.mults.units(c.reuse) if shared else {}
    sums_of = _Accumulation(c, exact, acc_t, p_t, units, Counter(u for u, _ in units.values()))
    for k, (bias, _) in enumerate(sums):
        acc = f"{c.name}_acc{k}"
        tail, end = sums_of.output(acc, code(bias, acc_t.width), wires[k])
        lines += tail
        lines += cast_lines(end, acc_t, y_t, c.out(k), f"{acc}_y")
    return lines


@dataclass(frozen=True)
class _Accumulation:
    """How a layer's outputs sum their products: ``units`` gives each product's multiplier
    output and phase at R > 1, ``sizes`` each multiplier's number of products."""

    c: RtlLayer
    exact: bool
    acc_t: FixedType
    p_t: FixedType
    units: dict[str, tuple[str, int]]
    sizes: Counter[str]

    def output(self, acc: str, bias: str, wires: list[str]) -> tuple[list[str], str]:
        """The lines of the sum ``acc`` of the products ``wires`` and the bias code, and the
        wire that holds it in the layer's last phase."""
        if self.c.reuse == 1:
            return _sum_terms(acc, bias, wires, self.exact, self.acc_t, self.p_t)
        if self.exact:
            return self._stationary(acc, bias, wires)
        return self._phased(acc, bias, wires)

    def _stationary(self, acc: str, bias: str, wires: list[str]) -> tuple[list[str], str]:
        """An exact sum at R > 1: in each phase the running sum (the bias in phase 0) plus the
        outputs of the multipliers working for this output, a multiplier shared with another
        output masked to this output's phases."""
        c, acc_t, p_t = self.c, self.acc_t, self.p_t
        if not wires:
            return _sum_terms(acc, bias, [], True, acc_t, p_t)
        mine: dict[str, list[int]] = {}
        for wire in wires:
            unit, g = self.units[wire]
            mine.setdefault(unit, []).append(g)
        lines, terms = [f"reg [{acc_t.width - 1}:0] {acc}_r;"], []
        for unit, gs in mine.items():
            if len(gs) == self.sizes[unit]:
                terms.append(unit)
                continue
            mask = " | ".join(f"{c.name}_phase[{g}]" for g in gs)
            terms.append(f"{acc}_{unit}")
            lines.append(
                f"wire [{p_t.width - 1}:0] {acc}_{unit} = {{{p_t.width}{{{mask}}}}} & {unit};"
            )
        base = f"({c.name}_phase[0] ? {bias} : {acc}_r)"
        tail, end = _sum_terms(acc, base, terms, True, acc_t, p_t)
        lines += tail
        lines.append(f"always @(posedge ap_clk) {acc}_r <= {end};")
        return lines, end

    def _phased(self, acc: str, bias: str, wires: list[str]) -> tuple[list[str], str]:
        """A sum with casts at R > 1: the running sum is loaded in the first phase with
        products and carried to the last, each phase adding its products in order."""
        c, acc_t, p_t = self.c, self.acc_t, self.p_t
        last = c.reuse - 1
        by_phase: dict[int, list[str]] = {}
        for wire in wires:
            by_phase.setdefault(self.units[wire][1], []).append(wire)
        lines, start = [], bias
        early = sorted(g for g in by_phase if g < last)
        if early:
            lines.append(f"reg [{acc_t.width - 1}:0] {acc}_r;")
            steps = []
            for g in early:
                tail, end = _sum_terms(f"{acc}_g{g}", bias if g == early[0] else f"{acc}_r",
                                       by_phase[g], False, acc_t, p_t)  # fmt: skip
                lines += tail
                steps.append(f"if ({c.name}_phase[{g}]) {acc}_r <= {end};")
            lines.append(f"always @(posedge ap_clk) {' else '.join(steps)}")
            start = f"{acc}_r"
        tail, end = _sum_terms(acc, start, by_phase.get(last, []), False, acc_t, p_t)
        return lines + tail, end


def _sum_terms(
    name: str, start: str, wires: list[str], exact: bool, acc_t: FixedType, p_t: FixedType
) -> tuple[list[str], str]:
    """Products ``wires`` added to ``start`` (a code of ``acc_t``): exactly in one sum, or
    term by term with the accumulator's casts; the lines and the wire of the result."""
    if exact:
        up = acc_t.fractional - p_t.fractional
        parts = [start]
        for wire in wires:
            term = extend(wire, p_t, acc_t.width)
            parts.append(f"({term} << {up})" if up else term)
        return [f"wire [{acc_t.width - 1}:0] {name} = {' + '.join(parts)};"], name
    lines = [f"wire [{acc_t.width - 1}:0] {name}_0 = {start};"]
    for i, wire in enumerate(wires):
        step = f"{name}_{i}"
        lines.append(f"wire [{acc_t.width - 1}:0] {step}_pc;")
        lines += cast_lines(wire, p_t, acc_t, f"{step}_pc", f"{step}_pcast")
        total, s_t = aligned_sum(f"{name}_{i}", acc_t, f"{step}_pc", acc_t)
        lines.append(f"wire [{s_t.width - 1}:0] {step}_s = {total};")
        lines.append(f"wire [{acc_t.width - 1}:0] {name}_{i + 1};")
        lines += cast_lines(f"{step}_s", s_t, acc_t, f"{name}_{i + 1}", f"{step}_scast")
    return lines, f"{name}_{len(wires)}"


def _bias_codes(c: RtlLayer) -> list[int]:
    from hlsfx.emulator.quantize import cast

    p = c.p
    return [int(v) for v in cast(p.params["bias"], p.types["bias"], p.types["accum"])]


def _dense(c: RtlLayer) -> list[str]:
    weight = c.p.params["weight"]
    n_in, n_out = weight.shape
    bias = _bias_codes(c)
    decls, lanes = c.lanes()
    sums = [
        (bias[j], [(r * n_in + i, int(weight[i, j])) for i in range(n_in) if weight[i, j]])
        for r in range(c.size // n_in)
        for j in range(n_out)
    ]
    return [f"// {c.name}: Dense {n_in} -> {n_out}", *decls, *_weighted_sums(c, sums, lanes)]


def _conv(c: RtlLayer) -> list[str]:
    """Dense over each output position's receptive field (taps, then input channels); the
    depthwise form sums each channel's taps alone."""
    layer, weight = c.layer, c.p.params["weight"]
    index = layer.kind.patch_index(layer, c.in_shapes[0])
    bias = _bias_codes(c)
    decls, lanes = c.lanes()
    if layer.kind.depthwise:
        channels = weight.shape[-1]
        w = weight.reshape(-1, channels)
        sums = [
            (bias[ch], [(int(row[t * channels + ch]), int(w[t, ch])) for t in range(len(w))
                        if row[t * channels + ch] >= 0 and w[t, ch]])
            for row in index
            for ch in range(channels)
        ]  # fmt: skip
    else:
        w = weight.reshape(-1, weight.shape[-1])
        sums = [
            (bias[j], [(int(i), int(w[t, j])) for t, i in enumerate(row) if i >= 0 and w[t, j]])
            for row in index
            for j in range(w.shape[1])
        ]
    head = f"// {c.name}: {layer.kind.name}, {len(index)} output positions"
    return [head, *decls, *_weighted_sums(c, sums, lanes)]


def _elementwise(c: RtlLayer) -> list[str]:
    """ReLU (``max(x, 0)``), Linear and Reshape: the cast of each value to the result."""
    x_t, y_t = c.x_t, c.p.types["result"]
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: {c.layer.kind.name} over {c.size} values", *decls]
    for k, x in enumerate(lanes):
        if c.layer.kind is kinds.RELU and x_t.signed:
            lines.append(
                f"wire [{x_t.width - 1}:0] {c.name}_m{k} = {x}[{x_t.width - 1}] ? "
                f"{x_t.width}'d0 : {x};"
            )
            x = f"{c.name}_m{k}"
        lines += cast_lines(x, x_t, y_t, c.out(k), f"{c.name}_c{k}")
    return lines


def _leaky(c: RtlLayer) -> list[str]:
    """``x >= 0 ? cast(x) : cast(x * alpha[c])``, both casts formed, the sign selecting."""
    x_t, a_t, y_t = c.x_t, c.p.types["alpha"], c.p.types["result"]
    alpha = c.p.params["alpha"].reshape(-1)
    p_t = product_type(x_t, a_t)
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: {c.layer.kind.name} over {c.size} values", *decls]
    for k, x in enumerate(lanes):
        lines += [
            c.mults.product(f"{c.name}_p{k}", x, x_t, int(alpha[k % alpha.size]), a_t),
            f"wire [{y_t.width - 1}:0] {c.name}_pos{k};",
            f"wire [{y_t.width - 1}:0] {c.name}_neg{k};",
        ]
        lines += cast_lines(x, x_t, y_t, f"{c.name}_pos{k}", f"{c.name}_cp{k}")
        lines += cast_lines(f"{c.name}_p{k}", p_t, y_t, f"{c.name}_neg{k}", f"{c.name}_cn{k}")
        lines.append(
            f"assign {c.out(k)} = {_negative(x, x_t)} ? {c.name}_neg{k} : {c.name}_pos{k};"
        )
    return lines


def _clip(c: RtlLayer) -> list[str]:
    """``cast(min(max(x, lo), hi))`` with the bounds as codes of the input type."""
    x_t, y_t = c.x_t, c.p.types["result"]
    w = x_t.width
    lo, hi = int(c.p.params["lo"][0]), int(c.p.params["hi"][0])
    compare = "$signed" if x_t.signed else ""
    lo_c = signed_literal(lo, w) if x_t.signed else f"{w}'d{lo}"
    hi_c = signed_literal(hi, w) if x_t.signed else f"{w}'d{hi}"
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: Clip to codes [{lo}, {hi}] over {c.size} values", *decls]
    for k, x in enumerate(lanes):
        lines.append(
            f"wire [{w - 1}:0] {c.name}_v{k} = {compare}({x}) < {lo_c} ? {code(lo, w)} : "
            f"{compare}({x}) > {hi_c} ? {code(hi, w)} : {x};"
        )
        lines += cast_lines(f"{c.name}_v{k}", x_t, y_t, c.out(k), f"{c.name}_c{k}")
    return lines


def _binarize(c: RtlLayer) -> list[str]:
    """``x >= 0 ? plus : minus``: only the sign bits of the inputs are read."""
    x_t, y_t = c.x_t, c.p.types["result"]
    plus, minus = (int(v) for v in c.p.params["levels"])
    lines = [
        f"// {c.name}: Binarize over {c.size} values (only the sign bits are read)",
        "/* verilator lint_off UNUSEDSIGNAL */",
        f"wire [{c.size * x_t.width - 1}:0] {c.name}_in = {c.in_buses[0]};",
        "/* verilator lint_on UNUSEDSIGNAL */",
    ]
    for k in range(c.size):
        sign = f"{c.name}_in[{k * x_t.width + x_t.width - 1}]" if x_t.signed else "1'b0"
        lines.append(
            f"assign {c.out(k)} = {sign} ? {code(minus, y_t.width)} : {code(plus, y_t.width)};"
        )
    return lines


def _batch_norm(c: RtlLayer) -> list[str]:
    """``cast(cast(x * scale[c], accum) + cast(bias[c], accum), result)`` per channel."""
    x_t = c.x_t
    s_t, a_t, y_t = (c.p.types[r] for r in ("scale", "accum", "result"))
    scale, bias = c.p.params["scale"], _bias_codes(c)
    p_t, sum_t = product_type(x_t, s_t), sum_type(a_t, a_t)
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: BatchNormalization over {c.size} values", *decls]
    for k, x in enumerate(lanes):
        ch, n = k % scale.size, f"{c.name}_k{k}"
        lines += [
            c.mults.product(f"{n}_p", x, x_t, int(scale[ch]), s_t),
            f"wire [{a_t.width - 1}:0] {n}_pc;",
        ]
        lines += cast_lines(f"{n}_p", p_t, a_t, f"{n}_pc", f"{n}_cp")
        lines += [
            f"wire [{sum_t.width - 1}:0] {n}_s = {extend(f'{n}_pc', a_t, sum_t.width)} + "
            f"{code(bias[ch], sum_t.width)};",
            f"wire [{a_t.width - 1}:0] {n}_a;",
        ]
        lines += cast_lines(f"{n}_s", sum_t, a_t, f"{n}_a", f"{n}_cs")
        lines += cast_lines(f"{n}_a", a_t, y_t, c.out(k), f"{n}_cy")
    return lines


def _hard_sigmoid(c: RtlLayer) -> list[str]:
    """``cast(clamp(alpha * x + beta, 0, 1))``, exact in the kind's exact type before the cast."""
    x_t = c.x_t
    a_t, b_t, y_t = c.p.types["alpha"], c.p.types["beta"], c.p.types["result"]
    e_t = kinds.HARD_SIGMOID.exact_type(x_t, a_t, b_t)
    p_t, w = product_type(x_t, a_t), e_t.width
    alpha = int(c.p.params["alpha"].reshape(-1)[0])
    beta = int(c.p.params["beta"].reshape(-1)[0])
    up = e_t.fractional - p_t.fractional
    beta_code = beta << (e_t.fractional - b_t.fractional)
    one = 1 << e_t.fractional
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: HardSigmoid over {c.size} values", *decls]
    for k, x in enumerate(lanes):
        v = f"{c.name}_v{k}"
        product = extend(f"{c.name}_p{k}", p_t, w)
        lines += [
            c.mults.product(f"{c.name}_p{k}", x, x_t, alpha, a_t),
            f"wire [{w - 1}:0] {v} = ({product} << {up}) + {code(beta_code, w)};",
            f"wire [{w - 1}:0] {c.name}_c{k} = $signed({v}) < {signed_literal(0, w)} ? {w}'d0 : "
            f"$signed({v}) > {signed_literal(one, w)} ? {code(one, w)} : {v};",
        ]
        lines += cast_lines(f"{c.name}_c{k}", e_t, y_t, c.out(k), f"{c.name}_y{k}")
    return lines


def _rom(name: str, table) -> tuple[list[str], int]:
    """A combinational ROM function holding the table's raw entries, and its index width."""
    bits = table.index_width
    w = table.entry_type.width
    lines = [f"function [{w - 1}:0] {name}_rom;", f"    input [{bits - 1}:0] k;", "    case (k)"]
    lines += [
        f"        {bits}'d{i}: {name}_rom = {code(int(e), w)};" for i, e in enumerate(table.entries)
    ]
    if table.size < (1 << bits):
        lines.append(f"        default: {name}_rom = {code(int(table.entries[-1]), w)};")
    lines += ["    endcase", "endfunction"]
    return lines, bits


def _table_index(name: str, x: str, x_t: FixedType, table, bits: int) -> list[str]:
    """The index rule of hlsfx.tables: clamp((code - lo_code + half) >> shift, 0, size - 1)."""
    half, wi = table.half, table.index_sum_width
    d, sh = f"{name}_d", f"{name}_s"
    return [
        f"wire [{wi - 1}:0] {d} = {extend(x, x_t, wi)} + {code(half - table.lo_code, wi)};",
        f"wire signed [{wi - 1}:0] {sh} = $signed({d}) >>> {table.shift};",
        f"wire [{bits - 1}:0] {name}_i = {sh} < {signed_literal(0, wi)} ? {bits}'d0 : "
        f"{sh} > {signed_literal(table.size - 1, wi)} ? {code(table.size - 1, bits)} : "
        f"{sh}[{bits - 1}:0];",
    ]


def _lut(c: RtlLayer) -> list[str]:
    """``cast(table[index(x)])``; ELU and SELU read the table below zero only and give
    ``cast(x)`` / ``cast(x * gamma)`` above."""
    x_t = c.x_t
    table, y_t = c.p.tables["table"], c.p.types["result"]
    e_t = table.entry_type
    rom, bits = _rom(c.name, table)
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: {c.layer.kind.name} over {c.size} values", *rom, *decls]
    for k, x in enumerate(lanes):
        lane = f"{c.name}_k{k}"
        lines += _table_index(lane, x, x_t, table, bits)
        lines.append(f"wire [{e_t.width - 1}:0] {lane}_e = {c.name}_rom({lane}_i);")
        if not c.layer.kind.linear_above_zero:
            lines += cast_lines(f"{lane}_e", e_t, y_t, c.out(k), f"{lane}_c")
            continue
        lines += [
            f"wire [{y_t.width - 1}:0] {lane}_below;",
            f"wire [{y_t.width - 1}:0] {lane}_above;",
        ]
        lines += cast_lines(f"{lane}_e", e_t, y_t, f"{lane}_below", f"{lane}_cb")
        if c.layer.kind is kinds.SELU:
            g_t = c.p.types["gamma"]
            gamma = int(c.p.params["gamma"].reshape(-1)[0])
            lines.append(c.mults.product(f"{lane}_g", x, x_t, gamma, g_t))
            lines += cast_lines(
                f"{lane}_g", product_type(x_t, g_t), y_t, f"{lane}_above", f"{lane}_ca"
            )
        else:
            lines += cast_lines(x, x_t, y_t, f"{lane}_above", f"{lane}_ca")
        lines.append(f"assign {c.out(k)} = {_negative(x, x_t)} ? {lane}_below : {lane}_above;")
    return lines


def aligned_sum(
    a: str, a_t: FixedType, b: str, b_t: FixedType, op: str = "+"
) -> tuple[str, FixedType]:
    """The exact ``a op b`` (``+`` or ``-``) of codes ``a`` and ``b`` as a code of
    ``sum_type(a_t, b_t)``."""
    s_t = sum_type(a_t, b_t)
    terms = []
    for source, t in ((a, a_t), (b, b_t)):
        up = s_t.fractional - t.fractional
        term = extend(source, t, s_t.width)
        terms.append(f"({term} << {up})" if up else term)
    return f" {op} ".join(terms), s_t


def _softmax(c: RtlLayer) -> list[str]:
    """Softmax as NUMERICS.md, per row of the last axis: (stable) m = max x,
    e_i = exp_table[index(m - x_i)], the sum cast to sum_t after each term in index order,
    r = inv_table[index(sum)], y_i = cast(e_i r)."""
    exp_rom, exp_bits = _rom(f"{c.name}_exp", c.p.tables["exp_table"])
    inv_rom, inv_bits = _rom(f"{c.name}_inv", c.p.tables["inv_table"])
    decls, lanes = c.lanes()
    implementation = c.p.options["implementation"]
    lines = [f"// {c.name}: Softmax ({implementation}) over the last axis",
             *exp_rom, *inv_rom, *decls]  # fmt: skip
    last = c.in_shapes[0][-1]
    for row in range(c.size // last):
        lines += _softmax_row(
            c, f"{c.name}_r{row}", lanes[row * last : (row + 1) * last],
            [c.out(row * last + i) for i in range(last)], implementation == "stable",
            exp_bits, inv_bits,
        )  # fmt: skip
    return lines


def _softmax_row(c: RtlLayer, name, xs, outs, stable, exp_bits, inv_bits) -> list[str]:
    """One softmax over the codes in wires ``xs``, writing ``outs``."""
    x_t, p = c.x_t, c.p
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, y_t = p.types["sum"], p.types["result"]
    e_t, r_t = exp.entry_type, inv.entry_type
    w, n = x_t.width, len(xs)
    lines = []
    if stable:
        compare = "$signed" if x_t.signed else ""
        lines.append(f"wire [{w - 1}:0] {name}_m0 = {xs[0]};")
        for i in range(1, n):
            lines.append(
                f"wire [{w - 1}:0] {name}_m{i} = {compare}({xs[i]}) > "
                f"{compare}({name}_m{i - 1}) ? {xs[i]} : {name}_m{i - 1};"
            )
    lines.append(f"wire [{s_t.width - 1}:0] {name}_sum0 = {s_t.width}'d0;")
    for i in range(n):
        lane = f"{name}_{i}"
        if stable:  # m - x_i is exact in the table's unsigned input type (x's LSBs)
            d_t = exp.input_type
            lines.append(f"wire [{d_t.width - 1}:0] {lane}_d = {name}_m{n - 1} - {xs[i]};")
            lines += _table_index(f"{lane}_exp", f"{lane}_d", d_t, exp, exp_bits)
        else:
            lines += _table_index(f"{lane}_exp", xs[i], x_t, exp, exp_bits)
        lines.append(f"wire [{e_t.width - 1}:0] {lane}_e = {c.name}_exp_rom({lane}_exp_i);")
        total, t_t = aligned_sum(f"{name}_sum{i}", s_t, f"{lane}_e", e_t)
        lines += [
            f"wire [{t_t.width - 1}:0] {lane}_t = {total};",
            f"wire [{s_t.width - 1}:0] {name}_sum{i + 1};",
        ]
        lines += cast_lines(f"{lane}_t", t_t, s_t, f"{name}_sum{i + 1}", f"{lane}_cs")
    lines += _table_index(f"{name}_inv", f"{name}_sum{n}", s_t, inv, inv_bits)
    lines.append(f"wire [{r_t.width - 1}:0] {name}_r = {c.name}_inv_rom({name}_inv_i);")
    p_t = product_type(e_t, r_t)
    for i in range(n):
        lane = f"{name}_{i}"
        lines.append(c.mults.product(f"{lane}_p", f"{lane}_e", e_t, f"{name}_r", r_t))
        lines += cast_lines(f"{lane}_p", p_t, y_t, outs[i], f"{lane}_cy")
    return lines


def _moved(c: RtlLayer, index: np.ndarray, lanes: list[str], types: list[FixedType]) -> list[str]:
    """Output k is lane ``index[k]`` (of type ``types[index[k]]``), cast to the result type."""
    y_t = c.p.types["result"]
    return [
        line
        for k, source in enumerate(index)
        for line in cast_lines(lanes[source], types[source], y_t, c.out(k), f"{c.name}_c{k}")
    ]


def _transpose(c: RtlLayer) -> list[str]:
    perm = c.layer.attrs["perm"]
    index = np.arange(c.size).reshape(c.in_shapes[0]).transpose(perm).reshape(-1)
    decls, lanes = c.lanes()
    return [f"// {c.name}: Transpose {tuple(perm)}", *decls,
            *_moved(c, index, lanes, [c.x_t] * c.size)]  # fmt: skip


def _concatenate(c: RtlLayer) -> list[str]:
    axis = c.layer.attrs["axis"]
    lines, lanes, types, parts, start = [f"// {c.name}: Concatenate on axis {axis}"], [], [], [], 0
    for i, (shape, t) in enumerate(zip(c.in_shapes, c.in_types, strict=True)):
        decls, names = c.lanes(i, f"x{i}_")
        lines += decls
        lanes += names
        types += [t] * len(names)
        parts.append(np.arange(start, start + len(names)).reshape(shape))
        start += len(names)
    index = np.concatenate(parts, axis=axis).reshape(-1)
    return lines + _moved(c, index, lanes, types)


def _merge(c: RtlLayer) -> list[str]:
    """``cast(a op b, result)`` of the exact sum, difference or product."""
    (a_t, b_t), y_t = c.in_types, c.p.types["result"]
    a_decls, a = c.lanes(0, "a")
    b_decls, b = c.lanes(1, "b")
    lines = [f"// {c.name}: {c.layer.kind.name} of {c.size} pairs", *a_decls, *b_decls]
    for k in range(c.size):
        v = f"{c.name}_v{k}"
        if c.layer.kind is kinds.MULTIPLY:
            lines.append(c.mults.product(v, a[k], a_t, b[k], b_t))
            v_t = product_type(a_t, b_t)
        else:
            total, v_t = aligned_sum(a[k], a_t, b[k], b_t,
                                     "-" if c.layer.kind is kinds.SUBTRACT else "+")  # fmt: skip
            lines.append(f"wire [{v_t.width - 1}:0] {v} = {total};")
        lines += cast_lines(v, v_t, y_t, c.out(k), f"{c.name}_c{k}")
    return lines


def _pool(c: RtlLayer) -> list[str]:
    """Max: the largest input of the window (taps inside the input only), cast to the result.
    Average: the exact sum of those taps times ``recip[count]``, cast to the result."""
    layer, x_t, y_t = c.layer, c.x_t, c.p.types["result"]
    channels = c.in_shapes[0][-1]
    index = layer.kind.patch_index(layer, c.in_shapes[0])
    index = index.reshape(len(index), -1, channels)
    decls, lanes = c.lanes()
    lines = [f"// {c.name}: {layer.kind.name}, {len(index)} output positions", *decls]
    compare = "$signed" if x_t.signed else ""
    for pos, row in enumerate(index):
        for ch in range(channels):
            k = pos * channels + ch
            n = f"{c.name}_k{k}"
            taps = [lanes[j] for j in row[:, ch] if j >= 0]
            if not layer.kind.average:
                best = code(0, x_t.width)
                for t, tap in enumerate(taps):
                    larger = f"{compare}({tap}) > {compare}({best}) ? {tap} : {best}"
                    lines.append(f"wire [{x_t.width - 1}:0] {n}_m{t} = {larger if t else tap};")
                    best = f"{n}_m{t}"
                lines += cast_lines(best, x_t, y_t, c.out(k), f"{n}_c")
                continue
            r_t, recip = c.p.types["recip"], int(c.p.params["recip"][len(taps)])
            s_t = layer.kind.window_sum_type(x_t, len(taps))
            total = " + ".join(extend(tap, x_t, s_t.width) for tap in taps) or code(0, s_t.width)
            lines += [
                f"wire [{s_t.width - 1}:0] {n}_s = {total};",
                c.mults.product(f"{n}_p", f"{n}_s", s_t, recip, r_t),
            ]
            lines += cast_lines(f"{n}_p", product_type(s_t, r_t), y_t, c.out(k), f"{n}_c")
    return lines


RTL_LAYERS: dict[kinds.LayerKind, Callable[[RtlLayer], list[str]]] = {
    kinds.DENSE: _dense,
    kinds.CONV1D: _conv,
    kinds.CONV2D: _conv,
    kinds.DEPTHWISE_CONV1D: _conv,
    kinds.DEPTHWISE_CONV2D: _conv,
    kinds.RELU: _elementwise,
    kinds.LINEAR: _elementwise,
    kinds.RESHAPE: _elementwise,  # the same values in the same order: a cast
    kinds.LEAKY_RELU: _leaky,
    kinds.PRELU: _leaky,
    kinds.CLIP: _clip,
    kinds.HARD_SIGMOID: _hard_sigmoid,
    kinds.BINARIZE: _binarize,
    kinds.SIGMOID: _lut,
    kinds.TANH: _lut,
    kinds.SOFTPLUS: _lut,
    kinds.SOFTSIGN: _lut,
    kinds.ELU: _lut,
    kinds.SELU: _lut,
    kinds.SOFTMAX: _softmax,
    kinds.MAX_POOL1D: _pool,
    kinds.MAX_POOL2D: _pool,
    kinds.AVERAGE_POOL1D: _pool,
    kinds.AVERAGE_POOL2D: _pool,
    kinds.ADD: _merge,
    kinds.SUBTRACT: _merge,
    kinds.MULTIPLY: _merge,
    kinds.CONCATENATE: _concatenate,
    kinds.BATCH_NORM: _batch_norm,
    kinds.TRANSPOSE: _transpose,
}
"""Every layer kind and the writer of its Verilog."""
