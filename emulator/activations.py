"""Element-wise layers and softmax: activations, lookup tables, casts, each kernel beside the
step that prepares it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numba import njit, prange

from hlsfx.emulator import kernels
from hlsfx.emulator.jit import kernel
from hlsfx.emulator.kernels import cast_flagged
from hlsfx.emulator.steps import Step, require_int64, to_result
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType, product_type
from hlsfx.ir.graph import Layer
from hlsfx.ir.tables import INDEX_RULES, Table
from hlsfx.numerics.config import LayerPrecision
from hlsfx.numerics.hls4ml_tables import balanced_tree


@kernel
def relu_kernel(x, shift, t, out):
    """``cast(max(x, 0), t)``."""
    rows, cols = x.shape
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            value, flagged = cast_flagged(max(x[r, c], 0), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@njit(inline="always")
def _index(code, rule, add, shift, size):
    """The index rules of :mod:`hlsfx.ir.tables` (``rule``: 0 nearest, 1 toward zero, 2 top bits;
    ``add``: :attr:`Table.add`)."""
    if rule == 2:
        return (code >> shift) & (size - 1)
    if rule == 1:
        if shift < 0:
            k = min(max(code, -size), size) << -shift
        elif code < 0:
            k = -((-code) >> shift)
        else:
            k = code >> shift
        k += add
    else:
        k = (code + add) >> shift
    return min(max(k, 0), size - 1)


@njit(inline="always")
def _row_maximum(x, r):
    m = x[r, 0]
    for i in range(1, x.shape[1]):
        m = max(m, x[r, i])
    return m


@njit(inline="always")
def _exp_entry(v, m, stable, rule, add, shift, entries):
    """A softmax's exp entry for ``v``: of ``m - v`` (stable) or of ``v`` (latency)."""
    return entries[_index(m - v if stable else v, rule, add, shift, entries.size)]


def index_args(table: Table) -> tuple[int, int, int]:
    """``(rule, add, shift)`` of a table, as the kernels take them."""
    return INDEX_RULES.index(table.rule), table.add, table.shift


@kernel
def lut_kernel(x, rule, add, shift, entries, out_shift, t, out):
    """``cast(entries[index(x)], t)`` with the table index rule of :mod:`hlsfx.ir.tables`."""
    rows, cols = x.shape
    size = entries.size
    overflows = 0
    for r in prange(rows):
        for c in range(cols):
            entry = entries[_index(x[r, c], rule, add, shift, size)]
            value, flagged = cast_flagged(entry, out_shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def softmax_kernel(
    x,
    stable,
    exp_rule,
    exp_add,
    exp_shift,
    exp_entries,
    exp_to_sum,
    sum_t,
    inv_rule,
    inv_add,
    inv_shift,
    inv_entries,
    out_shift,
    out_t,
    out,
):
    """Softmax over each row.

    ``stable`` (docs/numerics.md's default): ``d_i = max - x_i``, exact in x's LSBs (the exp table's
    input type is unsigned with x's fractional bits), and ``e_i = exp_entries[index(d_i)]``;
    else (``latency``) ``e_i = exp_entries[index(x_i)]``. Then ``s = cast(s + e_i, sum)`` in
    index order (``exp_to_sum`` = F_exp - F_sum), ``r = inv_entries[index(s)]`` and
    ``y_i = cast(e_i * r, result)`` (``out_shift`` = F_exp + F_inv - F_result).
    """
    rows, n = x.shape
    sum_overflows = 0
    out_overflows = 0
    e = np.empty(n, exp_entries.dtype)
    for r in range(rows):
        m = _row_maximum(x, r)
        s = 0
        for i in range(n):
            e[i] = _exp_entry(x[r, i], m, stable, exp_rule, exp_add, exp_shift, exp_entries)
            if exp_to_sum >= 0:  # add in the exp entries' LSBs, then cast to the sum type
                s, flagged = cast_flagged((s << exp_to_sum) + e[i], exp_to_sum, sum_t)
            else:
                s, flagged = cast_flagged(s + (e[i] << -exp_to_sum), 0, sum_t)
            sum_overflows += flagged
        inverse = inv_entries[_index(s, inv_rule, inv_add, inv_shift, inv_entries.size)]
        for i in range(n):
            value, flagged = cast_flagged(e[i] * inverse, out_shift, out_t)
            out[r, i] = value
            out_overflows += flagged
    return sum_overflows, out_overflows


@kernel
def binarize_kernel(x, plus, minus, out):
    """``out = plus if x >= 0 else minus`` (the two codes already in the result type)."""
    rows, cols = x.shape
    for r in range(rows):
        for c in range(cols):
            out[r, c] = plus if x[r, c] >= 0 else minus


@kernel
def threshold_kernel(x, steps, falling, inside, lowest, out):
    """``out = lowest + #{l: x >= steps[c, l]}`` per channel ``c`` of the last axis (``x <=``
    where ``falling[c]``); counts the inputs outside ``inside[c, 0] <= x < inside[c, 1]``
    (the exact value saturated)."""
    rows, cols = x.shape
    channels, count = steps.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            ch, v = c % channels, x[r, c]
            reached = 0
            for k in range(count):
                if falling[ch]:
                    reached += v <= steps[ch, k]
                else:
                    reached += v >= steps[ch, k]
            out[r, c] = lowest + reached
            overflows += (v < inside[ch, 0]) | (v >= inside[ch, 1])
    return overflows


@kernel
def leaky_kernel(x, alpha, positive_shift, negative_shift, t, out):
    """``cast(x >= 0 ? x : x * alpha[c], t)``, ``alpha`` per channel of the last axis (or one
    value). ``negative_shift`` is F_x + F_alpha - F_result, ``positive_shift`` F_x - F_result."""
    rows, cols = x.shape
    n = alpha.size
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = x[r, c]
            if v >= 0:
                value, flagged = cast_flagged(v, positive_shift, t)
            else:
                value, flagged = cast_flagged(v * alpha[c % n], negative_shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def clip_kernel(x, lo, hi, shift, t, out):
    """``cast(min(max(x, lo), hi), t)`` with ``lo`` and ``hi`` codes of x's type."""
    rows, cols = x.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            value, flagged = cast_flagged(min(max(x[r, c], lo), hi), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def hard_sigmoid_kernel(x, alpha, beta, product_up, beta_up, one, shift, t, out):
    """``cast(clamp(alpha * x + beta, 0, 1), t)``, exact in units of 2**-U before the cast:
    ``product_up`` and ``beta_up`` align x * alpha and beta to U, ``one`` is 1 in those units."""
    rows, cols = x.shape
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = ((x[r, c] * alpha) << product_up) + (beta << beta_up)
            value, flagged = cast_flagged(min(max(v, 0), one), shift, t)
            out[r, c] = value
            overflows += flagged
    return overflows


@kernel
def lut_below_kernel(x, above, rule, add, shift, entries, entry_shift, gamma, gamma_shift, t, out):
    """ELU/SELU (``above`` 0), GELU, SiLU, Mish: ``cast(x * gamma, t)`` for x >= above
    (``gamma_shift`` = F_x + F_gamma - F_result), ``cast(entries[index(x)], t)`` below."""
    rows, cols = x.shape
    size = entries.size
    overflows = 0
    for r in range(rows):
        for c in range(cols):
            v = x[r, c]
            if v >= above:
                value, flagged = cast_flagged(v * gamma, gamma_shift, t)
            else:
                value, flagged = cast_flagged(
                    entries[_index(v, rule, add, shift, size)], entry_shift, t
                )
            out[r, c] = value
            overflows += flagged
    return overflows


def prepare_relu(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shift, out_t = to_result(in_types[0], p)

    def relu(inputs, out, scratch):
        return {"result": relu_kernel(inputs[0], shift, out_t, out)}

    return relu


def prepare_linear(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    shift, out_t = to_result(in_types[0], p)

    def linear(inputs, out, scratch):
        return {"result": kernels.requantize_array(inputs[0], shift, out_t, out)}

    return linear


def prepare_leaky(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, a_t, y_t = in_types[0], p.types["alpha"], p.types["result"]
    require_int64(layer, "product of input and alpha", product_type(x_t, a_t))
    alpha = p.params["alpha"].reshape(-1)
    if alpha.size not in (1, in_shapes[0][-1]):
        raise ValueError(f"{layer.describe()}: {alpha.size} slopes for {in_shapes[0][-1]} channels")
    positive, negative = (
        x_t.fractional - y_t.fractional,
        x_t.fractional + a_t.fractional - y_t.fractional,
    )
    out_t = kernels.target(y_t)

    def leaky(inputs, out, scratch):
        return {"result": leaky_kernel(inputs[0], alpha, positive, negative, out_t, out)}

    return leaky


def prepare_clip(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, y_t = in_types[0], p.types["result"]
    lo, hi = int(p.params["lo"][0]), int(p.params["hi"][0])
    shift, out_t = x_t.fractional - y_t.fractional, kernels.target(y_t)

    def clip(inputs, out, scratch):
        return {"result": clip_kernel(inputs[0], lo, hi, shift, out_t, out)}

    return clip


def prepare_hard_sigmoid(layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    x_t, a_t, b_t, y_t = in_types[0], p.types["alpha"], p.types["beta"], p.types["result"]
    exact = layer.kind.exact_type(x_t, a_t, b_t)
    require_int64(layer, "alpha * x + beta", exact, 62)
    units = exact.fractional
    alpha, beta = int(p.params["alpha"].reshape(-1)[0]), int(p.params["beta"].reshape(-1)[0])
    product_up, beta_up = units - x_t.fractional - a_t.fractional, units - b_t.fractional
    one, shift, out_t = 1 << units, units - y_t.fractional, kernels.target(y_t)

    def hard_sigmoid(inputs, out, scratch):
        overflows = hard_sigmoid_kernel(
            inputs[0], alpha, beta, product_up, beta_up, one, shift, out_t, out
        )
        return {"result": overflows}

    return hard_sigmoid


def prepare_lut(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    if layer.kind.linear_above_zero or "above" in p.params:
        return _prepare_lut_below(layer, p, in_types)
    table = p.tables["table"]
    shift = table.entry_type.fractional - p.types["result"].fractional
    out_t = kernels.target(p.types["result"])

    def lut(inputs, out, scratch):
        entries = table.entries
        overflows = lut_kernel(inputs[0], *index_args(table), entries, shift, out_t, out)
        return {"result": overflows}

    return lut


def _prepare_lut_below(layer: Layer, p: LayerPrecision, in_types: list[FixedType]) -> Step:
    table, x_t, y_t = p.tables["table"], in_types[0], p.types["result"]
    if "gamma" in p.params:
        gamma, g_t = int(p.params["gamma"].reshape(-1)[0]), p.types["gamma"]
        require_int64(layer, "product of input and gamma", product_type(x_t, g_t))
        gamma_shift = x_t.fractional + g_t.fractional - y_t.fractional
    else:
        gamma, gamma_shift = 1, x_t.fractional - y_t.fractional
    entry_shift = table.entry_type.fractional - y_t.fractional
    out_t = kernels.target(y_t)
    above = int(p.params["above"][0]) if "above" in p.params else 0

    def lut(inputs, out, scratch):
        overflows = lut_below_kernel(
            inputs[0],
            above,
            *index_args(table),
            table.entries,
            entry_shift,
            gamma,
            gamma_shift,
            out_t,
            out,
        )
        return {"result": overflows}

    return lut


@kernel
def softmax_tree_kernel(
    x,
    stable,
    exp_rule,
    exp_add,
    exp_shift,
    exp_entries,
    exp_to_sum,
    sum_t,
    tree,
    sum_to_inv,
    inv_in_t,
    inv_rule,
    inv_add,
    inv_shift,
    inv_entries,
    out_shift,
    out_t,
    out,
):
    """hls4ml's softmax (``numerics="hls4ml"``) over each row: ``e_i`` is the exp entry of
    ``max - x_i`` (stable) or ``x_i`` (latency) cast to the ``sum`` type (hls4ml's accum_t);
    the row's sum is a balanced tree of adds in the sum type (``tree``: rows ``(a, b, into)``
    over partial sums, the leaves first, the root last); ``s = cast(sum, inv_input)``,
    ``r = inv_entries[index(s)]``, ``y_i = cast(e_i * r, result)``."""
    rows, n = x.shape
    sum_overflows = 0
    inv_overflows = 0
    out_overflows = 0
    partial = np.empty(2 * n, np.int64)
    for r in range(rows):
        m = _row_maximum(x, r)
        for i in range(n):
            entry = _exp_entry(x[r, i], m, stable, exp_rule, exp_add, exp_shift, exp_entries)
            partial[i], flagged = cast_flagged(entry, exp_to_sum, sum_t)
            sum_overflows += flagged
        for k in range(tree.shape[0]):
            a, b, into = tree[k, 0], tree[k, 1], tree[k, 2]
            partial[into], flagged = cast_flagged(partial[a] + partial[b], 0, sum_t)
            sum_overflows += flagged
        s, flagged = cast_flagged(partial[2 * n - 2], sum_to_inv, inv_in_t)
        inv_overflows += flagged
        inverse = inv_entries[_index(s, inv_rule, inv_add, inv_shift, inv_entries.size)]
        for i in range(n):
            value, flagged = cast_flagged(partial[i] * inverse, out_shift, out_t)
            out[r, i] = value
            out_overflows += flagged
    return sum_overflows, inv_overflows, out_overflows


def _prepare_softmax_tree(layer: Layer, p: LayerPrecision, in_types, in_shapes) -> Step:
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, i_t, y_t = p.types["sum"], p.types["inv_input"], p.types["result"]
    for role, t in (("sum", s_t), ("inv_input", i_t)):
        require_int64(layer, role, t, 62)
    require_int64(layer, "product of e and 1/sum", product_type(s_t, inv.entry_type))
    stable = p.options["implementation"] == "stable"
    last = in_shapes[0][-1]
    tree = balanced_tree(last)
    fs = s_t.fractional
    targets = [kernels.target(t) for t in (s_t, i_t, y_t)]

    def softmax(inputs, out, scratch):
        sums, inverse, results = softmax_tree_kernel(
            inputs[0].reshape(-1, last),
            stable,
            *index_args(exp),
            exp.entries,
            exp.entry_type.fractional - fs,
            targets[0],
            tree,
            fs - i_t.fractional,
            targets[1],
            *index_args(inv),
            inv.entries,
            fs + inv.entry_type.fractional - y_t.fractional,
            targets[2],
            out.reshape(-1, last),
        )
        return {"sum": sums, "inv_input": inverse, "result": results}

    return softmax


def prepare_softmax(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    if p.numerics.softmax_balanced_tree:
        return _prepare_softmax_tree(layer, p, in_types, in_shapes)
    exp, inv = p.tables["exp_table"], p.tables["inv_table"]
    s_t, y_t = p.types["sum"], p.types["result"]
    require_int64(layer, "sum", s_t, 62)
    require_int64(layer, "product of exp and 1/sum", product_type(exp.entry_type, inv.entry_type))
    fe, fi = exp.entry_type.fractional, inv.entry_type.fractional
    stable = p.options["implementation"] == "stable"
    sum_t, out_t = kernels.target(s_t), kernels.target(y_t)

    last = in_shapes[0][-1]  # over the last axis: one row of the kernel per position before it

    def softmax(inputs, out, scratch):
        sum_overflows, out_overflows = softmax_kernel(
            inputs[0].reshape(-1, last),
            stable,
            *index_args(exp),
            exp.entries,
            fe - s_t.fractional,
            sum_t,
            *index_args(inv),
            inv.entries,
            fe + fi - y_t.fractional,
            out_t,
            out.reshape(-1, last),
        )
        return {"sum": sum_overflows, "result": out_overflows}

    return softmax


def prepare_binarize(layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes) -> Step:
    plus, minus = (int(v) for v in p.params["levels"])

    def binarize(inputs, out, scratch):
        binarize_kernel(inputs[0], plus, minus, out)
        return {"result": 0}

    return binarize


def prepare_threshold(
    layer: Layer, p: LayerPrecision, in_types: list[FixedType], in_shapes
) -> Step:
    steps, falling, inside = p.params["steps"], p.params["falling"], p.params["inside"]
    lowest = int(p.params["lowest"][0])

    def threshold(inputs, out, scratch):
        return {"result": threshold_kernel(inputs[0], steps, falling, inside, lowest, out)}

    return threshold


PREPARERS: dict[kinds.LayerKind, Callable[..., Step]] = {
    kinds.RELU: prepare_relu,
    kinds.LINEAR: prepare_linear,
    kinds.LEAKY_RELU: prepare_leaky,
    kinds.PRELU: prepare_leaky,
    kinds.CLIP: prepare_clip,
    kinds.HARD_SIGMOID: prepare_hard_sigmoid,
    kinds.BINARIZE: prepare_binarize,
    kinds.SIGMOID: prepare_lut,
    kinds.TANH: prepare_lut,
    kinds.SOFTPLUS: prepare_lut,
    kinds.SOFTSIGN: prepare_lut,
    kinds.GELU: prepare_lut,
    kinds.GELU_TANH: prepare_lut,
    kinds.SILU: prepare_lut,
    kinds.MISH: prepare_lut,
    kinds.EXP: prepare_lut,
    kinds.ELU: prepare_lut,
    kinds.SELU: prepare_lut,
    kinds.SOFTMAX: prepare_softmax,
    kinds.THRESHOLD: prepare_threshold,
}
