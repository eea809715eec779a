"""The element-wise layer kinds: activations (exact, or lookup tables), batch normalization
and binarization; each output has its input's shape."""

from __future__ import annotations

import math

import numpy as np

from hlsfx.ir.fixed_type import FixedType, exact_accumulator, product_type
from hlsfx.ir.kinds.base import ElementwiseKind
from hlsfx.ir.tables import FUNCTIONS, TableSpec
from hlsfx.ir.thresholds import thresholds

__all__ = ["BatchNormKind", "BinarizeKind", "ClipKind", "HardSigmoidKind", "LeakyReluKind"]
__all__ += ["LinearKind", "LutKind", "ReluKind", "ThresholdKind"]


class ReluKind(ElementwiseKind):
    """``cast(max(x, 0), result)``."""

    name = "ReLU"
    nonnegative = True

    def reference(self, layer, xs, shapes):
        return np.maximum(xs[0], 0.0)


class LinearKind(ElementwiseKind):
    """``cast(x, result)``: a change of type only."""

    name = "Linear"

    def reference(self, layer, xs, shapes):
        return xs[0]


class LutKind(ElementwiseKind):
    """``cast(table[index(x)], result)`` with the table of ``function`` (see hlsfx.ir.tables).

    With ``linear_above_zero``, only x < 0 reads the table and x >= 0 gives
    ``cast(x * gamma, result)`` exactly (gamma is 1 for ELU, a constant role for SELU). A
    function that becomes its input (GELU, SiLU, Mish) gives ``cast(x, result)`` from the
    layer's ``above`` code on (see :meth:`derived_constants`).
    """

    roles = ("table", "result")

    def __init__(
        self,
        name: str,
        function: str,
        linear_above_zero: bool = False,
        scaled_above_zero: bool = False,
    ) -> None:
        self.name = name
        self.tables = (TableSpec("table", function, "input"),)
        self.linear_above_zero = linear_above_zero
        """x >= 0 gives x, exactly, and only x < 0 reads the table"""
        self.scaled_above_zero = scaled_above_zero
        """x >= 0 gives x times the constant ``gamma`` (SELU's lambda)"""
        if scaled_above_zero:
            self.roles = ("table", "gamma", "result")

    def param_sizes(self, layer, channels):
        return {"gamma": (1,)} if self.scaled_above_zero else {}

    def derived_constants(self, layer, types, x, quantize):
        """``above``, for a function that becomes its input (GELU, SiLU, Mish): the first code
        of the input type from which the function is its input within half an LSB of the
        table's entries; those codes give ``cast(x, result)``, the others read the table.
        None where the input type ends before."""
        linear_from = FUNCTIONS[self.tables[0].function].linear_from
        if linear_from is None:
            return {}
        code = math.ceil(linear_from(types["table"]) / x.lsb)
        return {"above": np.array([code], dtype=np.int64)} if code <= x.max_code else {}

    def reference(self, layer, xs, shapes):
        """The tabulated function; ELU and SELU are linear above zero (times ``gamma``)."""
        y = FUNCTIONS[self.tables[0].function].evaluate(xs[0], dict(layer.attrs))
        if self.linear_above_zero:
            gamma = float(layer.params["gamma"][0]) if "gamma" in layer.params else 1.0
            y = np.where(xs[0] >= 0, gamma * xs[0], y)
        return y


class LeakyReluKind(ElementwiseKind):
    """``cast(x >= 0 ? x : x * alpha, result)``; params ``alpha`` of shape (1,) or, per channel
    on the last axis, (C,)."""

    roles = ("alpha", "result")

    def __init__(self, name: str) -> None:
        self.name = name

    def param_sizes(self, layer, channels):
        return {"alpha": (1, channels)}

    def reference(self, layer, xs, shapes):
        return np.where(xs[0] >= 0, xs[0], xs[0] * layer.params["alpha"].reshape(-1))


class ClipKind(ElementwiseKind):
    """``cast(min(max(x, lo), hi), result)``; attrs ``min``, ``max`` (None: unbounded), held as
    codes of the input type (rounded to nearest, saturated)."""

    name = "Clip"

    def derived_constants(self, layer, types, x, quantize):
        """The bounds ``lo`` and ``hi`` as codes of the input type (rounded to nearest and
        saturated; an absent bound is the type's own limit)."""
        bound_t = x.with_modes("AP_RND_CONV", "AP_SAT")
        bounds = {"lo": ("min", x.min_code), "hi": ("max", x.max_code)}
        codes = {}
        for name, (attr, unbounded) in bounds.items():
            value = layer.attrs.get(attr)
            code = unbounded if value is None else int(quantize(value, bound_t))
            codes[name] = np.array([code], dtype=np.int64 if x.width <= 64 else object)
        return codes

    def reference(self, layer, xs, shapes):
        lo, hi = layer.attrs.get("min"), layer.attrs.get("max")
        return np.clip(xs[0], -np.inf if lo is None else lo, np.inf if hi is None else hi)


class HardSigmoidKind(ElementwiseKind):
    """``cast(min(max(alpha * x + beta, 0), 1), result)``, exact before the cast; params
    ``alpha`` and ``beta`` of shape (1,)."""

    name = "HardSigmoid"
    roles = ("alpha", "beta", "result")

    @staticmethod
    def exact_type(x_t: FixedType, alpha_t: FixedType, beta_t: FixedType) -> FixedType:
        """A signed type holding ``alpha * x + beta`` and the clamp bounds 0 and 1 exactly."""
        fractional = max(x_t.fractional + alpha_t.fractional, beta_t.fractional, 0)
        integer = max(product_type(x_t, alpha_t).integer, beta_t.integer, 1) + 1
        return FixedType(integer + fractional, integer)

    def param_sizes(self, layer, channels):
        return {"alpha": (1,), "beta": (1,)}

    def reference(self, layer, xs, shapes):
        alpha, beta = float(layer.params["alpha"][0]), float(layer.params["beta"][0])
        return np.clip(alpha * xs[0] + beta, 0.0, 1.0)


class BatchNormKind(ElementwiseKind):
    """``cast(cast(x * scale, accum) + bias, result)`` per channel (last axis); params
    ``scale`` and ``bias`` of shape (C,). Folded into a preceding Dense/Conv when possible."""

    name = "BatchNormalization"
    roles = ("scale", "bias", "accum", "result")

    def exact_roles(self, layer, types, x, n):
        return {"accum": exact_accumulator(x, types["scale"], types["bias"], 1)}

    def param_sizes(self, layer, channels):
        return {"scale": (channels,), "bias": (channels,)}

    def reference(self, layer, xs, shapes):
        return xs[0] * layer.params["scale"] + layer.params["bias"]


class BinarizeKind(ElementwiseKind):
    """``cast(x >= 0 ? scale : -scale, result)`` (QONNX ``BipolarQuant``); attrs: ``scale``,
    a power of two."""

    name = "Binarize"

    def derived_constants(self, layer, types, x, quantize):
        """The two levels, ``scale`` and ``-scale``, as codes of the result type."""
        scale = layer.attrs["scale"]
        return {"levels": quantize([scale, -scale], types["result"])}

    def reference(self, layer, xs, shapes):
        scale = layer.attrs["scale"]
        return np.where(xs[0] >= 0, scale, -scale)


class ThresholdKind(ElementwiseKind):
    """``cast(x * scale[c] + bias[c], result)`` per channel (last axis), exact: the input code
    compared with the thresholds of :mod:`hlsfx.ir.thresholds` (FINN's MultiThreshold), the
    result the lowest code plus the number reached (``x >= step``, or ``x <= step`` in a
    channel of negative scale). params ``scale`` (C,) and ``bias`` (C,); the result saturates
    (any rounding) and has at most 256 codes. A quantizer
    of a few bits after integer arithmetic becomes one (instead of fixed-point multipliers
    that only approximate its scale), so it equals the source's float arithmetic."""

    name = "MultiThreshold"
    exact_input = True
    MAX_INPUT_BITS = 62

    def param_sizes(self, layer, channels):
        return {"scale": (channels,), "bias": (channels,)}

    def derived_constants(self, layer, types, x, quantize):
        """``steps`` (C, L) and ``inside`` (C, 2) as input codes, ``falling`` (C,) 1 where the
        scale is negative, ``lowest`` the result's lowest code (see
        :class:`hlsfx.ir.thresholds.Thresholds`)."""
        if x.width > self.MAX_INPUT_BITS:
            raise ValueError(
                f"thresholds compare input codes of up to {self.MAX_INPUT_BITS} bits, not {x}"
            )
        found = thresholds(layer.params["scale"], layer.params["bias"], x, types["result"])
        return {
            "steps": found.steps,
            "inside": found.inside,
            "falling": found.falling.astype(np.int64),
            "lowest": np.array([found.lowest], dtype=np.int64),
        }

    def reference(self, layer, xs, shapes):
        return xs[0] * layer.params["scale"] + layer.params["bias"]
