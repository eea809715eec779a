"""Softmax over the last axis."""

from __future__ import annotations

import math

import numpy as np

from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.kinds.base import LayerKind
from hlsfx.ir.tables import TableRequest, TableSpec

__all__ = ["SoftmaxKind"]


class SoftmaxKind(LayerKind):
    """Softmax over the last axis, "stable": ``exp(x_i - max x)`` from a table, summed in index
    order in the ``sum`` type, times ``1/sum`` from a table (docs/numerics.md)."""

    name = "Softmax"
    roles = ("exp_table", "sum", "inv_input", "inv_table", "result")
    """``inv_input``: the sum's type before the 1/sum lookup (hls4ml's ``inv_inp_t``)"""
    options = {"implementation": ("stable", "latency")}  # noqa: RUF012 - read only
    """``latency`` (as hls4ml's): ``e_i = exp_table[index(x_i)]`` directly, no maximum taken"""
    tables = (
        TableSpec("exp_table", "exp_neg", "difference"),
        TableSpec("inv_table", "reciprocal", "sum"),
    )

    def exact_roles(self, layer, types, x, n):
        """``sum``: a row's sum of ``n`` exponentials, exactly; ``inv_input``: the sum's."""
        e = types["exp_table"]
        grow = max(1, math.ceil(math.log2(n)))
        exact = FixedType(e.width + grow, e.integer + grow, e.signed)
        return {"sum": exact, "inv_input": types.get("sum", exact)}

    def table_requests(self, layer, types, x, n, options):
        """``exp_table`` over ``max - x`` (stable: an unsigned type with x's bits, the
        difference being exact) or over x (latency); ``inv_table`` over the sum's type, by
        default over the sums the exponentials can reach."""
        e = types["exp_table"]
        if options["implementation"] == "stable":
            difference = FixedType(x.width, x.integer, False) if x.signed else x
            exp = TableRequest("exp_table", "exp_neg", difference, n)
            sums = None  # 1 <= sum <= n: the function's natural range
        else:
            exp = TableRequest("exp_table", "exp", x, n)
            sums = (0.0, n * float(e.max))
        return [exp, TableRequest("inv_table", "reciprocal", types["sum"], n, None, sums)]

    def reference(self, layer, xs, shapes):
        e = np.exp(xs[0] - xs[0].max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
