"""Precision configuration: which fixed-point type every tensor role of every layer gets.

Settings are looked up, most specific first, in: ``layers[name]``, ``kinds[kind]``,
``roles``, the numerics dialect's role defaults
(:data:`hlsfx.numerics.dialect.ROLE_DEFAULTS` for hlsfx's own), then ``default``. A setting is a
type (``"ap_fixed<16,6>"`` or a :class:`FixedType`), ``"auto"`` where the role supports it, or
for a table ``<role>_size`` (a power of two) and ``<role>_range`` (``[lo, hi]``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from hlsfx.ir import kinds as kind_registry
from hlsfx.ir.exact import quantize
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, Layer
from hlsfx.ir.tables import Table, build_table
from hlsfx.numerics.dialect import CONSTANT_TYPE, HLSFX, Dialect
from hlsfx.numerics.hls4ml import HLS4ML

__all__ = ["NUMERICS", "LayerPrecision", "dialect_named", "resolve"]

AUTO = "auto"
TABLE_SIZE = 1024
MAX_TABLE_SIZE = 1 << 20
"""the largest lookup table a setting may ask for (entries)"""

NUMERICS: dict[str, Dialect] = {dialect.name: dialect for dialect in (HLSFX, HLS4ML)}
"""the numerics dialects by name: ``hlsfx``, docs/numerics.md's rules; ``hls4ml``, what hls4ml
1.3.0's C simulation computes"""
RESCALE_DEFAULTS: dict[str, Any] = {"scale": AUTO, "bias": AUTO}
"""A rescale step's multipliers and offsets (a scaling after integer arithmetic) default to
the integer bits their largest one needs, at the constants' width."""

AUTO_ROLES = {"accum", "sum", "inv_input", "weight", "bias", "result", "scale"}
CALIBRATION_MARGIN = Fraction(11, 10)
"""An ``auto`` result holds the calibration data's largest magnitude times this."""
CALIBRATION_HEADROOM = 16
"""Extra integer bits of the result types while the calibration data runs."""


@dataclass(frozen=True)
class LayerPrecision:
    """The resolved precision of one layer."""

    types: Mapping[str, FixedType]
    """role -> type, for every role of the layer's kind"""
    tables: Mapping[str, Table]
    """table role -> the built table"""
    params: Mapping[str, np.ndarray]
    """parameter -> raw int64 codes in its role's type"""
    automatic: frozenset[str]
    """roles whose type was chosen automatically"""
    options: Mapping[str, str] = field(default_factory=dict)
    """the kind's options (e.g. Softmax's ``implementation``), resolved"""
    numerics: Dialect = HLSFX
    """whose rules the layer follows (:data:`NUMERICS`)"""


def dialect_named(numerics: str | Dialect) -> Dialect:
    """The dialect spelled ``numerics`` (or ``numerics`` itself)."""
    if isinstance(numerics, Dialect):
        return numerics
    if not isinstance(numerics, str) or numerics not in NUMERICS:
        raise ValueError(f"numerics {numerics!r} is not one of {', '.join(NUMERICS)}")
    return NUMERICS[numerics]


def _parse_type(value: Any, where: str) -> FixedType:
    try:
        return FixedType.parse(value)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None


def _auto_param(values: np.ndarray, like: FixedType) -> FixedType:
    """``like``'s width and modes, with the fewest integer bits whose range holds the largest
    magnitude with an LSB to spare (so that no rounding mode can carry it out of range)."""
    largest = Fraction(float(np.max(np.abs(values)))) if values.size else Fraction(0)
    if largest == 0:
        return like
    integer = math.floor(math.log2(largest)) - 1
    while True:
        t = like.with_format(like.width, integer)
        if largest + t.lsb <= t.max:
            return t
        integer += 1


def _allowed_settings(kind: kind_registry.LayerKind) -> list[str]:
    tables = [f"{t.role}_{suffix}" for t in kind.tables for suffix in ("size", "range")]
    return [*kind.roles, *tables, *kind.options]


def _layer_settings(layer: Layer, merged: Mapping[str, Any]) -> dict[str, Any]:
    allowed = set(_allowed_settings(layer.kind))
    return {key: value for key, value in merged.items() if key in allowed}


def _check_keys(where: str, settings: Mapping[str, Any], kind: kind_registry.LayerKind) -> None:
    allowed = _allowed_settings(kind)
    for key in settings:
        if key not in allowed:
            raise ValueError(
                f"{where} has no setting {key!r}; its settings are {', '.join(allowed)}"
            )


def resolve(
    graph: Graph,
    default: FixedType | str,
    roles: Mapping[str, Any] | None,
    kinds: Mapping[str, Mapping[str, Any]] | None,
    layers: Mapping[str, Mapping[str, Any]] | None,
    inputs: Mapping[str, Any] | None,
    observed: Mapping[str, float | None] | None = None,
    numerics: str | Dialect = HLSFX,
) -> tuple[dict[str, FixedType], dict[str, LayerPrecision]]:
    """Resolve every tensor's type and every layer's precision.

    ``observed``: the calibration data's largest output magnitude per layer (None while the
    calibration data itself runs), for ``auto`` results; ``numerics``: whose rules
    (:data:`NUMERICS`). Returns ``(tensor types, layer precisions by layer name)``.
    """
    numerics = dialect_named(numerics)
    default = _parse_type(default, "the default type")
    roles, kinds, layers, inputs = (
        _mapping(what, m)
        for what, m in (("roles", roles), ("kinds", kinds), ("layers", layers), ("inputs", inputs))
    )
    for what, group in (("kinds", kinds), ("layers", layers)):
        for name, settings in group.items():
            _mapping(f"{what}: {name!r}", settings, optional=False)
    known = sorted(
        {key for kind in kind_registry.KINDS.values() for key in _allowed_settings(kind)}
    )
    unknown = sorted(map(str, set(roles) - set(known)))
    if unknown:
        raise ValueError(
            f"roles: unknown setting {unknown[0]!r}; the settings are {', '.join(known)}"
        )
    names = {layer.name: layer for layer in graph.layers}
    for name in layers:
        if name not in names:
            raise ValueError(f"layers: no layer named {name!r}; the layers are {', '.join(names)}")
    for name in kinds:
        if name not in kind_registry.KINDS:
            raise ValueError(
                f"kinds: no layer kind {name!r}; the kinds are {', '.join(kind_registry.KINDS)}"
            )
    for name in inputs:
        if name not in graph.inputs:
            raise ValueError(f"inputs: no input {name!r}; the inputs are {', '.join(graph.inputs)}")

    tensors: dict[str, FixedType] = {}
    for name in graph.inputs:
        given = inputs.get(name, graph.input_types.get(name, default))
        tensors[name] = _parse_type(given, f"input {name!r}")
    precisions: dict[str, LayerPrecision] = {}
    for layer in graph.layers:
        for name, overrides in (
            ("kinds", kinds.get(layer.kind.name, {})),
            ("layers", layers.get(layer.name, {})),
        ):
            _check_keys(f"{name}: {layer.describe()}", overrides, layer.kind)
        merged = {
            **numerics.role_defaults,
            **(RESCALE_DEFAULTS if layer.attrs.get("rescale") else {}),
            **roles,
            **numerics.kind_defaults.get(layer.kind, {}),
            **layer.fixed,
            **kinds.get(layer.kind.name, {}),
            **layers.get(layer.name, {}),
        }
        numerics.check_kind(layer)
        settings = _layer_settings(layer, merged)
        in_types = [tensors[t] for t in layer.inputs]
        n = graph.shapes[layer.inputs[0]][-1]
        try:
            precision = _resolve_layer(layer, settings, default, in_types, n, observed, numerics)
        except ValueError as error:
            raise ValueError(f"{layer.describe()}: {error}") from None
        if "result" not in merged and _feeds_rescale(graph, layer):
            types = {**precision.types, "result": precision.types["accum"]}
            precision = replace(precision, types=types)
        precisions[layer.name] = precision
        tensors[layer.output] = precision.types["result"]
    return tensors, precisions


def _feeds_rescale(graph: Graph, layer: Layer) -> bool:
    """Whether ``layer`` is a rescale step or a weighted layer before one (not a graph
    output): its result then defaults to its exact accumulator, so that the cast after the
    rescale is the only rounding, as in the source's float arithmetic."""
    if layer.output in graph.outputs or "accum" not in layer.kind.roles:
        return False
    if layer.attrs.get("rescale"):
        return True
    readers = graph.consumers(layer.output)
    exact = [r.attrs.get("rescale") or r.kind.exact_input for r in readers]
    return layer.kind.weighted and bool(readers) and all(exact)


def _calibrated(
    layer: Layer, default: FixedType, observed: Mapping[str, float] | None
) -> FixedType:
    """An ``auto`` result: the default's width and modes, with the integer bits that hold the
    largest magnitude observed on the calibration data times the margin. While the data runs
    (``observed`` maps the layer to None) a type with more integer bits stands in."""
    if observed is None or layer.name not in observed:
        raise ValueError(
            "an 'auto' result type needs calibration data: configure(..., calibration=x)"
        )
    largest = observed[layer.name]
    if largest is None:
        integer = default.integer + CALIBRATION_HEADROOM
        return default.with_format(default.width + CALIBRATION_HEADROOM, integer)
    target = Fraction(largest) * CALIBRATION_MARGIN
    integer = default.integer - default.width  # no bits at all: grow from here
    while True:
        t = default.with_format(default.width, integer)
        if t.max >= target:
            return t
        integer += 1


def _mapping(what: str, value: Any, optional: bool = True) -> dict[str, Any]:
    if value is None and optional:
        return {}
    if not isinstance(value, Mapping):
        raise ValueError(f"{what} must be a mapping of names to settings, not {value!r}")
    return dict(value)


def _resolve_layer(
    layer: Layer,
    settings: dict[str, Any],
    default: FixedType,
    in_types: list[FixedType],
    n: int,
    observed: Mapping[str, float | None] | None = None,
    numerics: Dialect = HLSFX,
) -> LayerPrecision:
    """``n`` is the length of the input's last axis (the softmax row); ``observed`` the
    calibration data's largest magnitude per layer, for ``auto`` results."""
    kind = layer.kind
    types: dict[str, FixedType] = {}
    automatic = set()
    for role in kind.roles:
        if role == "result" and kind.result_follows_input and "result" not in settings:
            types[role] = in_types[0]
            continue
        value = settings.get(role, default)
        if isinstance(value, str) and value.strip() == AUTO:
            if role not in AUTO_ROLES:
                automatic_roles = ", ".join(sorted(AUTO_ROLES))
                raise ValueError(f"role {role!r} cannot be 'auto' (automatic: {automatic_roles})")
            automatic.add(role)
            if role == "result":
                types[role] = _calibrated(layer, default, observed)
            continue
        types[role] = _parse_type(value, f"role {role!r}")
    options = {}
    for option, choices in kind.options.items():
        options[option] = settings.get(option, choices[0])
        if options[option] not in choices:
            raise ValueError(f"{option} {options[option]!r} is not one of {', '.join(choices)}")
    params: dict[str, np.ndarray] = {}
    tables: dict[str, Table] = {}
    x = in_types[0]
    if kind.weighted:
        for role in ("weight", "bias"):
            if role in automatic:
                types[role] = _auto_param(layer.params[role], default)
    for role in ("scale", "bias") if not kind.weighted else ():
        if role in automatic and role in layer.params:
            types[role] = _auto_param(layer.params[role], FixedType.parse(CONSTANT_TYPE))
    for role in kind.roles:
        if role in layer.params:  # constants quantized to the role of the same name
            values = numerics.constant_values(kind, role, layer.params[role], types[role])
            try:
                params[role] = quantize(values, types[role])
            except ValueError as error:
                raise ValueError(f"{role}: {error}") from None
    params.update(kind.derived_constants(layer, types, x, quantize))
    for role, t in kind.exact_roles(layer, types, x, n).items():
        if role in automatic:
            types[role] = t
    if kind in numerics.kind_tables:
        size = partial(_table_size, settings)
        tables.update(numerics.kind_tables[kind](types, x, options, size))
    for request in kind.table_requests(layer, types, x, n, options):
        if request.role not in tables:
            tables[request.role] = _table(settings, request, types[request.role], numerics)
    numerics.check(layer, types, x)
    ordered = {role: types[role] for role in kind.roles}
    return LayerPrecision(ordered, tables, params, frozenset(automatic), options, numerics)


def _table_range(role: str, value: Any) -> tuple[float, float]:
    """``[lo, hi]``: two finite numbers, lo < hi."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
        raise ValueError(f"{role}_range must be [lo, hi], not {value!r}")
    numbers = [v for v in value if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(value) != 2 or len(numbers) != 2 or not all(math.isfinite(v) for v in numbers):
        raise ValueError(f"{role}_range must be two finite numbers [lo, hi], not {value!r}")
    lo, hi = float(numbers[0]), float(numbers[1])
    if not lo < hi:
        raise ValueError(f"{role}_range [{lo:g}, {hi:g}] is empty: lo must be below hi")
    return lo, hi


def _table_size(settings: Mapping[str, Any], role: str) -> int:
    """``<role>_size``: a power of two from 2 to :data:`MAX_TABLE_SIZE`."""
    size = settings.get(f"{role}_size", TABLE_SIZE)
    if isinstance(size, bool) or not isinstance(size, int) or size < 2 or size & (size - 1):
        raise ValueError(f"{role}_size must be a power of two of at least 2, not {size!r}")
    if size > MAX_TABLE_SIZE:
        raise ValueError(f"{role}_size {size:,} is over the largest table, {MAX_TABLE_SIZE:,}")
    return size


def _table(
    settings: Mapping[str, Any],
    request: kind_registry.TableRequest,
    entry: FixedType,
    numerics: Dialect,
):
    role = request.role
    size = _table_size(settings, role)
    fixed = (
        None
        if numerics.activation_table is None
        else numerics.activation_table(request, entry, size)
    )
    if fixed is not None:
        if f"{role}_range" in settings:
            raise ValueError(
                f"{role}_range: {numerics.name}'s {request.function} table has a fixed range"
            )
        return fixed
    value_range = settings.get(f"{role}_range")
    value_range = request.default_range if value_range is None else _table_range(role, value_range)
    return build_table(
        request.function,
        request.input_type,
        entry,
        size,
        n=request.n,
        value_range=value_range,
        attrs=request.attrs,
    )
