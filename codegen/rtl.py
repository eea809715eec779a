"""Write a quantized model as synthesizable Verilog-2005 (io_parallel, Vivado HLS port names).

Timing: every layer is combinational logic followed by one register stage, so a model of L
layers has a latency of L cycles and accepts a new input every cycle (II = 1, reuse factor 1).
A sample enters on a rising edge of ``ap_clk`` where ``ap_start`` and the input's ``_ap_vld``
are high; its outputs carry ``_ap_vld`` (and ``ap_done``) L cycles later. Buses pack element k
of a tensor at bits ``[k*W +: W]`` as raw two's complement codes.

This first version writes the kinds in :data:`_WRITERS` at reuse factor 1, in models of one input
and one output; other kinds are refused with an error naming the layer.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx import kinds
from hlsfx.codegen.hls_project import test_vectors, vectors_text
from hlsfx.codegen.names import identifiers
from hlsfx.codegen.rtl_cast import cast_lines, signed_literal
from hlsfx.fixed_type import FixedType, product_type, sum_type

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["INTERFACE", "write_rtl"]

INTERFACE = "interface.json"


def _element(bus: str, k: int, width: int) -> str:
    return f"{bus}[{k * width + width - 1}:{k * width}]"


def _extend(source: str, t: FixedType, width: int) -> str:
    """``source`` (a code of ``t``) sign- or zero-extended to ``width`` bits."""
    pad = width - t.width
    if pad == 0:
        return source
    fill = f"{source}[{t.width - 1}]" if t.signed else "1'b0"
    return f"{{{{{pad}{{{fill}}}}}, {source}}}"


def _dense(name, layer, p, x_t, n_in, x_bus, out_bus, shape) -> list[str]:
    w_t, b_t, a_t, y_t = (p.types[r] for r in ("weight", "bias", "accum", "result"))
    weight, bias = p.params["weight"], p.params["bias"]
    n_out = weight.shape[1]
    p_t = product_type(x_t, w_t)
    from hlsfx.emulator.quantize import cast
    from hlsfx.emulator.run import exact_sum_bound

    bias_acc = cast(bias, b_t, a_t)
    if exact_sum_bound(x_t, w_t, b_t, a_t, weight, bias) is not None:
        return _dense_exact(name, p, x_t, n_in, x_bus, out_bus, bias_acc)
    lines = [f"// {name}: Dense {n_in} -> {n_out}, in NUMERICS.md's order"]
    lines += _lanes(name, x_t, n_in, x_bus)
    for i in range(n_in):
        lines.append(
            f"wire [{p_t.width - 1}:0] {name}_xe{i} = {_extend(f'{name}_x{i}', x_t, p_t.width)};"
        )
    for j in range(n_out):
        acc = f"{name}_acc{j}_0"
        lines.append(f"wire [{a_t.width - 1}:0] {acc} = {_code(int(bias_acc[j]), a_t.width)};")
        for i in range(n_in):
            prefix = f"{name}_{j}_{i}"
            w = int(weight[i, j])
            lines.append(
                f"wire [{p_t.width - 1}:0] {prefix}_p = $signed({name}_xe{i}) * "
                f"{signed_literal(w, p_t.width)};"
            )
            lines.append(f"wire [{a_t.width - 1}:0] {prefix}_pc;")
            lines += cast_lines(f"{prefix}_p", p_t, a_t, f"{prefix}_pc", f"{prefix}_pcast")
            total, s_t = _aligned_sum(acc, a_t, f"{prefix}_pc", a_t)
            lines.append(f"wire [{s_t.width - 1}:0] {prefix}_s = {total};")
            nxt = f"{name}_acc{j}_{i + 1}"
            lines.append(f"wire [{a_t.width - 1}:0] {nxt};")
            lines += cast_lines(f"{prefix}_s", s_t, a_t, nxt, f"{prefix}_scast")
            acc = nxt
        lines += cast_lines(acc, a_t, y_t, _element(out_bus, j, y_t.width), f"{name}_y{j}")
    return lines


def _dense_exact(name, p, x_t, n_in, x_bus, out_bus, bias_acc) -> list[str]:
    """A Dense whose accumulator can neither round nor overflow (the emulator's exact-sum
    test): every cast into it is the identity, so the order does not matter and each output is
    one sum of the bias and the nonzero products, in the accumulator's width."""
    w_t, a_t, y_t = (p.types[r] for r in ("weight", "accum", "result"))
    weight = p.params["weight"]
    wa = a_t.width
    up = a_t.fractional - x_t.fractional - w_t.fractional
    lines = [f"// {name}: Dense {n_in} -> {weight.shape[1]}, exact accumulator ({a_t})"]
    lines += _lanes(name, x_t, n_in, x_bus)
    for i in range(n_in):
        lines.append(f"wire [{wa - 1}:0] {name}_xe{i} = {_extend(f'{name}_x{i}', x_t, wa)};")
    for j in range(weight.shape[1]):
        terms = [_code(int(bias_acc[j]), wa)]
        for i in range(n_in):
            w = int(weight[i, j])
            if w:
                product = f"$signed({name}_xe{i}) * {signed_literal(w, wa)}"
                terms.append(f"(({product}) <<< {up})" if up else f"({product})")
        lines.append(f"wire [{wa - 1}:0] {name}_acc{j} = " + " + ".join(terms) + ";")
        lines += cast_lines(f"{name}_acc{j}", a_t, y_t, _element(out_bus, j, y_t.width),
                            f"{name}_y{j}")  # fmt: skip
    return lines


def _code(value: int, width: int) -> str:
    return f"{width}'d{value & ((1 << width) - 1)}"


def _elementwise(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    y_t = p.types["result"]
    lines = [f"// {name}: {layer.kind.name} over {n} values", *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        x = f"{name}_x{k}"
        if layer.kind is kinds.RELU and x_t.signed:
            lines.append(
                f"wire [{x_t.width - 1}:0] {name}_m{k} = {x}[{x_t.width - 1}] ? "
                f"{x_t.width}'d0 : {x};"
            )
            x = f"{name}_m{k}"
        lines += cast_lines(x, x_t, y_t, _element(out_bus, k, y_t.width), f"{name}_c{k}")
    return lines


def _lanes(name, x_t, n, x_bus) -> list[str]:
    return [
        f"wire [{x_t.width - 1}:0] {name}_x{k} = {_element(x_bus, k, x_t.width)};" for k in range(n)
    ]


def _negative(x: str, t: FixedType) -> str:
    return f"{x}[{t.width - 1}]" if t.signed else "1'b0"


def _leaky(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``x >= 0 ? cast(x) : cast(x * alpha[c])``, both casts formed, the sign selecting."""
    a_t, y_t = p.types["alpha"], p.types["result"]
    alpha = p.params["alpha"].reshape(-1)
    p_t = product_type(x_t, a_t)
    lines = [f"// {name}: {layer.kind.name} over {n} values", *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        x = f"{name}_x{k}"
        a = int(alpha[k % alpha.size])
        lines += [
            f"wire [{p_t.width - 1}:0] {name}_p{k} = $signed({_extend(x, x_t, p_t.width)}) * "
            f"{signed_literal(a, p_t.width)};",
            f"wire [{y_t.width - 1}:0] {name}_pos{k};",
            f"wire [{y_t.width - 1}:0] {name}_neg{k};",
        ]
        lines += cast_lines(x, x_t, y_t, f"{name}_pos{k}", f"{name}_cp{k}")
        lines += cast_lines(f"{name}_p{k}", p_t, y_t, f"{name}_neg{k}", f"{name}_cn{k}")
        lines.append(
            f"assign {_element(out_bus, k, y_t.width)} = {_negative(x, x_t)} ? "
            f"{name}_neg{k} : {name}_pos{k};"
        )
    return lines


def _clip(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``cast(min(max(x, lo), hi))`` with the bounds as codes of the input type."""
    y_t, w = p.types["result"], x_t.width
    lo, hi = int(p.params["lo"][0]), int(p.params["hi"][0])
    compare = "$signed" if x_t.signed else ""
    lines = [f"// {name}: Clip to codes [{lo}, {hi}] over {n} values", *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        x = f"{name}_x{k}"
        lo_c = signed_literal(lo, w) if x_t.signed else f"{w}'d{lo}"
        hi_c = signed_literal(hi, w) if x_t.signed else f"{w}'d{hi}"
        lines.append(
            f"wire [{w - 1}:0] {name}_v{k} = {compare}({x}) < {lo_c} ? {_code(lo, w)} : "
            f"{compare}({x}) > {hi_c} ? {_code(hi, w)} : {x};"
        )
        lines += cast_lines(
            f"{name}_v{k}", x_t, y_t, _element(out_bus, k, y_t.width), f"{name}_c{k}"
        )
    return lines


def _binarize(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``x >= 0 ? plus : minus``: only the sign bit of each input is read."""
    y_t = p.types["result"]
    plus, minus = (int(v) for v in p.params["levels"])
    lines = [
        f"// {name}: Binarize over {n} values (only the sign bits are read)",
        "/* verilator lint_off UNUSEDSIGNAL */",
        f"wire [{n * x_t.width - 1}:0] {name}_in = {x_bus};",
        "/* verilator lint_on UNUSEDSIGNAL */",
    ]
    for k in range(n):
        sign = f"{name}_in[{k * x_t.width + x_t.width - 1}]" if x_t.signed else "1'b0"
        lines.append(
            f"assign {_element(out_bus, k, y_t.width)} = {sign} ? "
            f"{_code(minus, y_t.width)} : {_code(plus, y_t.width)};"
        )
    return lines


def _batch_norm(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``cast(cast(x * scale[c], accum) + cast(bias[c], accum), result)`` per channel."""
    s_t, b_t, a_t, y_t = (p.types[r] for r in ("scale", "bias", "accum", "result"))
    from hlsfx.emulator.quantize import cast

    scale, bias_acc = p.params["scale"], cast(p.params["bias"], b_t, a_t)
    p_t, sum_t = product_type(x_t, s_t), sum_type(a_t, a_t)
    lines = [f"// {name}: BatchNormalization over {n} values", *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        c = k % scale.size
        x = f"{name}_x{k}"
        lines += [
            f"wire [{p_t.width - 1}:0] {name}_p{k} = $signed({_extend(x, x_t, p_t.width)}) * "
            f"{signed_literal(int(scale[c]), p_t.width)};",
            f"wire [{a_t.width - 1}:0] {name}_pc{k};",
        ]
        lines += cast_lines(f"{name}_p{k}", p_t, a_t, f"{name}_pc{k}", f"{name}_cp{k}")
        bias = _code(int(bias_acc[c]), sum_t.width)  # two's complement, extended
        lines += [
            f"wire [{sum_t.width - 1}:0] {name}_s{k} = {_extend(f'{name}_pc{k}', a_t, sum_t.width)}"
            f" + {bias};",
            f"wire [{a_t.width - 1}:0] {name}_a{k};",
        ]
        lines += cast_lines(f"{name}_s{k}", sum_t, a_t, f"{name}_a{k}", f"{name}_cs{k}")
        lines += cast_lines(
            f"{name}_a{k}", a_t, y_t, _element(out_bus, k, y_t.width), f"{name}_cy{k}"
        )
    return lines


def _hard_sigmoid(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``cast(clamp(alpha * x + beta, 0, 1))``, exact in the kind's exact type before the cast."""
    a_t, b_t, y_t = p.types["alpha"], p.types["beta"], p.types["result"]
    e_t = kinds.HARD_SIGMOID.exact_type(x_t, a_t, b_t)
    w = e_t.width
    alpha, beta = int(p.params["alpha"].reshape(-1)[0]), int(p.params["beta"].reshape(-1)[0])
    up = e_t.fractional - x_t.fractional - a_t.fractional
    beta_code = beta << (e_t.fractional - b_t.fractional)
    one = 1 << e_t.fractional
    lines = [f"// {name}: HardSigmoid over {n} values", *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        v = f"{name}_v{k}"
        lines += [
            f"wire [{w - 1}:0] {name}_p{k} = $signed({_extend(f'{name}_x{k}', x_t, w)}) * "
            f"{signed_literal(alpha, w)};",
            f"wire [{w - 1}:0] {v} = ({name}_p{k} << {up}) + {_code(beta_code, w)};",
            f"wire [{w - 1}:0] {name}_c{k} = $signed({v}) < {signed_literal(0, w)} ? {w}'d0 : "
            f"$signed({v}) > {signed_literal(one, w)} ? {_code(one, w)} : {v};",
        ]
        lines += cast_lines(
            f"{name}_c{k}", e_t, y_t, _element(out_bus, k, y_t.width), f"{name}_y{k}"
        )
    return lines


def _rom(name: str, table) -> tuple[list[str], int]:
    """A combinational ROM function holding the table's raw entries, and its index width."""
    bits = max(1, (table.size - 1).bit_length())
    w = table.entry_type.width
    lines = [f"function [{w - 1}:0] {name}_rom;", f"    input [{bits - 1}:0] k;", "    case (k)"]
    lines += [
        f"        {bits}'d{i}: {name}_rom = {_code(int(e), w)};"
        for i, e in enumerate(table.entries)
    ]
    if table.size < (1 << bits):
        lines.append(f"        default: {name}_rom = {_code(int(table.entries[-1]), w)};")
    lines += ["    endcase", "endfunction"]
    return lines, bits


def _table_index(name: str, x: str, x_t: FixedType, table, bits: int) -> list[str]:
    """The index rule of hlsfx.tables: clamp((code - lo_code + half) >> shift, 0, size - 1)."""
    half = (1 << (table.shift - 1)) if table.shift else 0
    wi = max(x_t.width + 1, abs(table.lo_code).bit_length() + 1, table.shift + 1) + 2
    d, sh = f"{name}_d", f"{name}_s"
    return [
        f"wire [{wi - 1}:0] {d} = {_extend(x, x_t, wi)} + {_code(half - table.lo_code, wi)};",
        f"wire signed [{wi - 1}:0] {sh} = $signed({d}) >>> {table.shift};",
        f"wire [{bits - 1}:0] {name}_i = {sh} < {signed_literal(0, wi)} ? {bits}'d0 : "
        f"{sh} > {signed_literal(table.size - 1, wi)} ? {_code(table.size - 1, bits)} : "
        f"{sh}[{bits - 1}:0];",
    ]


def _lut(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """``cast(table[index(x)])``; ELU and SELU read the table below zero only and give
    ``cast(x)`` / ``cast(x * gamma)`` above."""
    table, y_t = p.tables["table"], p.types["result"]
    e_t = table.entry_type
    rom, bits = _rom(name, table)
    lines = [f"// {name}: {layer.kind.name} over {n} values", *rom, *_lanes(name, x_t, n, x_bus)]
    for k in range(n):
        x, lane = f"{name}_x{k}", f"{name}_{k}"
        lines += _table_index(lane, x, x_t, table, bits)
        lines.append(f"wire [{e_t.width - 1}:0] {lane}_e = {name}_rom({lane}_i);")
        out = _element(out_bus, k, y_t.width)
        if not layer.kind.linear_above_zero:
            lines += cast_lines(f"{lane}_e", e_t, y_t, out, f"{lane}_c")
            continue
        lines += [
            f"wire [{y_t.width - 1}:0] {lane}_below;",
            f"wire [{y_t.width - 1}:0] {lane}_above;",
        ]
        lines += cast_lines(f"{lane}_e", e_t, y_t, f"{lane}_below", f"{lane}_cb")
        if layer.kind is kinds.SELU:
            g_t = p.types["gamma"]
            g_p = product_type(x_t, g_t)
            gamma = int(p.params["gamma"].reshape(-1)[0])
            lines.append(
                f"wire [{g_p.width - 1}:0] {lane}_g = $signed({_extend(x, x_t, g_p.width)}) * "
                f"{signed_literal(gamma, g_p.width)};"
            )
            lines += cast_lines(f"{lane}_g", g_p, y_t, f"{lane}_above", f"{lane}_ca")
        else:
            lines += cast_lines(x, x_t, y_t, f"{lane}_above", f"{lane}_ca")
        lines.append(f"assign {out} = {_negative(x, x_t)} ? {lane}_below : {lane}_above;")
    return lines


def _aligned_sum(a: str, a_t: FixedType, b: str, b_t: FixedType) -> tuple[str, FixedType]:
    """The exact sum of codes ``a`` and ``b`` as a code of ``sum_type(a_t, b_t)``."""
    s_t = sum_type(a_t, b_t)
    terms = []
    for code, t in ((a, a_t), (b, b_t)):
        up = s_t.fractional - t.fractional
        term = _extend(code, t, s_t.width)
        terms.append(f"({term} << {up})" if up else term)
    return " + ".join(terms), s_t


def _softmax(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """Softmax as NUMERICS.md: (stable) m = max x, e_i = exp_table[index(m - x_i)], the sum
    cast to sum_t after each term in index order, r = inv_table[index(sum)], y_i = cast(e_i r)."""
    y_t = p.types["result"]
    stable = p.options["implementation"] == "stable"
    exp_rom, exp_bits = _rom(f"{name}_exp", p.tables["exp_table"])
    inv_rom, inv_bits = _rom(f"{name}_inv", p.tables["inv_table"])
    lines = [f"// {name}: Softmax ({p.options['implementation']}) over the last axis",
             *exp_rom, *inv_rom, *_lanes(name, x_t, n, x_bus)]  # fmt: skip
    last = shape[-1]
    for row in range(n // last):
        lines += _softmax_row(f"{name}_r{row}", [f"{name}_x{row * last + i}" for i in range(last)],
                              [_element(out_bus, row * last + i, y_t.width) for i in range(last)],
                              x_t, p, stable, exp_bits, inv_bits, f"{name}_exp_rom",
                              f"{name}_inv_rom")  # fmt: skip
    return lines


def _softmax_row(name, xs, outs, x_t, p, stable, exp_bits, inv_bits, exp_rom, inv_rom):
    """One softmax over the codes in wires ``xs``, writing ``outs``."""
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
        lines.append(f"wire [{e_t.width - 1}:0] {lane}_e = {exp_rom}({lane}_exp_i);")
        total, t_t = _aligned_sum(f"{name}_sum{i}", s_t, f"{lane}_e", e_t)
        lines += [
            f"wire [{t_t.width - 1}:0] {lane}_t = {total};",
            f"wire [{s_t.width - 1}:0] {name}_sum{i + 1};",
        ]
        lines += cast_lines(f"{lane}_t", t_t, s_t, f"{name}_sum{i + 1}", f"{lane}_cs")
    lines += _table_index(f"{name}_inv", f"{name}_sum{n}", s_t, inv, inv_bits)
    lines.append(f"wire [{r_t.width - 1}:0] {name}_r = {inv_rom}({name}_inv_i);")
    p_t = product_type(e_t, r_t)
    for i in range(n):
        lane = f"{name}_{i}"
        lines.append(
            f"wire [{p_t.width - 1}:0] {lane}_p = $signed({_extend(f'{lane}_e', e_t, p_t.width)})"
            f" * $signed({_extend(f'{name}_r', r_t, p_t.width)});"
        )
        lines += cast_lines(f"{lane}_p", p_t, y_t, outs[i], f"{lane}_cy")
    return lines


def _transpose(name, layer, p, x_t, n, x_bus, out_bus, shape) -> list[str]:
    """Output k is input ``index[k]`` of the permutation, cast to the result type."""
    import numpy as np

    y_t = p.types["result"]
    index = np.arange(n).reshape(shape).transpose(layer.attrs["perm"]).reshape(-1)
    lines = [f"// {name}: Transpose {tuple(layer.attrs['perm'])}", *_lanes(name, x_t, n, x_bus)]
    for k, source in enumerate(index):
        lines += cast_lines(
            f"{name}_x{int(source)}", x_t, y_t, _element(out_bus, k, y_t.width), f"{name}_c{k}"
        )
    return lines


_WRITERS = {
    kinds.DENSE: _dense,
    kinds.RELU: _elementwise,
    kinds.LINEAR: _elementwise,
    kinds.RESHAPE: _elementwise,  # the same values in the same order: a cast
    kinds.LEAKY_RELU: _leaky,
    kinds.PRELU: _leaky,
    kinds.CLIP: _clip,
    kinds.BINARIZE: _binarize,
    kinds.BATCH_NORM: _batch_norm,
    kinds.HARD_SIGMOID: _hard_sigmoid,
    kinds.SIGMOID: _lut,
    kinds.TANH: _lut,
    kinds.SOFTPLUS: _lut,
    kinds.SOFTSIGN: _lut,
    kinds.ELU: _lut,
    kinds.SELU: _lut,
    kinds.SOFTMAX: _softmax,
    kinds.TRANSPOSE: _transpose,
}
"""The kinds the RTL writer covers so far, and how each is written."""


def write_rtl(
    qm: QuantizedModel, path: str | Path, *, top: str = "myproject", vectors: Any = 100
) -> Path:
    """Write ``qm`` as Verilog (``<top>.v``), its interface description (``interface.json``)
    and test vectors with the emulator's outputs (``tb_data/``, as for an HLS project: a
    number of random samples, or raw input codes) into the folder ``path``; returns it."""
    graph = qm.graph
    if len(graph.inputs) != 1 or len(graph.outputs) != 1:
        raise ValueError("the RTL writer takes models of one input and one output for now")
    for layer in graph.layers:
        if layer.kind not in _WRITERS:
            raise ValueError(
                f"{layer.describe()}: no RTL writer for {layer.kind.name} yet "
                f"(written: {', '.join(k.name for k in _WRITERS)})"
            )
        if layer.kind is kinds.DENSE and len(graph.shapes[layer.inputs[0]]) != 1:
            raise ValueError(f"{layer.describe()}: the RTL Dense takes a flat input")
    names = identifiers([layer.name for layer in graph.layers], taken=[top, "x", "y"])
    bus = {graph.inputs[0]: "x"}
    size = {t: math.prod(s) for t, s in graph.shapes.items()}
    t_of = qm.tensor_types
    lines = [
        "`default_nettype none",
        f"// {top}: written by hlsfx; latency {len(graph.layers)} cycles, II 1.",
        f"module {top} (",
        "    input wire ap_clk,",
        "    input wire ap_rst,",
        "    input wire ap_start,",
        "    output wire ap_done,",
        "    output wire ap_idle,",
        "    output wire ap_ready,",
        f"    input wire [{size[graph.inputs[0]] * t_of[graph.inputs[0]].width - 1}:0] x,",
        "    input wire x_ap_vld,",
        f"    output wire [{size[graph.outputs[0]] * t_of[graph.outputs[0]].width - 1}:0] y,",
        "    output wire y_ap_vld",
        ");",
        f"reg [{len(graph.layers) - 1}:0] valid;",
        "always @(posedge ap_clk) begin",
        "    if (ap_rst) valid <= 0;",
        "    else valid <= {valid[" + f"{len(graph.layers) - 2}:0], ap_start & x_ap_vld}};"
        if len(graph.layers) > 1
        else "    else valid <= ap_start & x_ap_vld;",
        "end",
    ]
    for layer in graph.layers:
        name = names[layer.name]
        x_t, y_t = t_of[layer.inputs[0]], t_of[layer.output]
        width = size[layer.output] * y_t.width
        lines += [f"wire [{width - 1}:0] {name}_next;", f"reg [{width - 1}:0] {name}_out;"]
        lines += _WRITERS[layer.kind](
            name, layer, qm.precisions[layer.name], x_t, size[layer.inputs[0]],
            bus[layer.inputs[0]], f"{name}_next", graph.shapes[layer.inputs[0]],
        )  # fmt: skip
        lines += [f"always @(posedge ap_clk) {name}_out <= {name}_next;", ""]
        bus[layer.output] = f"{name}_out"
    last = len(graph.layers) - 1
    lines += [
        f"assign y = {bus[graph.outputs[0]]};",
        f"assign y_ap_vld = valid[{last}];",
        f"assign ap_done = valid[{last}];",
        "assign ap_ready = 1'b1;",
        "assign ap_idle = ~ap_start & ~(|valid);",
        "endmodule",
        "`default_nettype wire",
        "",
    ]
    root = Path(path)
    root.mkdir(parents=True, exist_ok=True)
    (root / f"{top}.v").write_text("\n".join(lines), encoding="utf-8")

    def port(tensor: str, name: str) -> dict:
        t = t_of[tensor]
        return {"port": name, "valid": f"{name}_ap_vld", "tensor": tensor, "size": size[tensor],
                "width": t.width, "signed": t.signed, "type": str(t)}  # fmt: skip

    interface = {
        "top": top,
        "sources": [f"{top}.v"],
        "clock": "ap_clk",
        "reset": "ap_rst",
        "reset_active": 1,
        "start": "ap_start",
        "done": "ap_done",
        "inputs": [port(graph.inputs[0], "x")],
        "outputs": [port(graph.outputs[0], "y")],
        "latency": len(graph.layers),
        "ii": 1,
    }
    (root / INTERFACE).write_text(json.dumps(interface, indent=2) + "\n", encoding="utf-8")
    codes = test_vectors(qm, vectors) if isinstance(vectors, int) else dict(vectors)
    (root / "tb_data").mkdir(exist_ok=True)
    expected = qm.predict_codes(codes)
    for name, tensors, values in (
        ("inputs", graph.inputs, codes),
        ("expected", graph.outputs, expected),
    ):
        text = vectors_text(values, list(tensors))
        (root / "tb_data" / f"{name}_raw.dat").write_text(text, encoding="utf-8")
    return root
