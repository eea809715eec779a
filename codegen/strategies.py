"""How each layer computes its products, as both writers take it: ``"latency"`` and
``"resource"`` use multipliers (the reuse factor shares them), ``"distributed"`` writes a
Dense or convolution's constant matrix product as a shift-add graph without multipliers
(:mod:`hlsfx.codegen.adder_graph`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.ir import kinds

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.model import QuantizedModel

__all__ = ["DISTRIBUTED", "MAX_DISTRIBUTED_DIGITS", "STRATEGIES", "check_distributed"]
__all__ += ["layer_strategies"]

DISTRIBUTED = "distributed"
STRATEGIES = ("latency", "resource", DISTRIBUTED)


def layer_strategies(
    qm: QuantizedModel, strategy: str | Mapping[str, str], distributed: Collection[kinds.LayerKind]
) -> dict[str, str]:
    """Each layer's strategy: one for all, or a mapping from layer names and kind names
    (a layer's name first, then its kind's, then ``"latency"``). ``distributed`` holds the
    kinds that have the distributed form; one strategy for all gives it to those only, and a
    mapping that gives it to any other layer is refused naming the layer."""
    layers = qm.graph.layers
    if isinstance(strategy, str):
        _check(strategy, "strategy")
        return {
            layer.name: (
                strategy if strategy != DISTRIBUTED or layer.kind in distributed else "latency"
            )
            for layer in layers
        }
    if not isinstance(strategy, Mapping):
        raise ValueError(
            f"strategy must be one of {', '.join(STRATEGIES)} or a mapping from "
            f"layer and kind names to one, not {strategy!r}"
        )
    names = {layer.name for layer in layers}
    unknown = sorted(str(key) for key in strategy if key not in names and key not in kinds.KINDS)
    if unknown:
        raise ValueError(
            f"strategy names {unknown[0]!r}, neither a layer of the model "
            f"({', '.join(sorted(names))}) nor a layer kind"
        )
    chosen = {}
    for layer in layers:
        where = layer.name if layer.name in strategy else layer.kind.name
        value = strategy.get(where, "latency")
        _check(value, f"{where!r}: strategy")
        check_distributed(qm, layer, value, 1, distributed)
        chosen[layer.name] = value
    return chosen


MAX_DISTRIBUTED_DIGITS = 1_000_000
"""signed digits of a layer's weights (each an adder input) the distributed strategy builds a
shift-add graph from"""


def check_distributed(
    qm: QuantizedModel,
    layer: Layer,
    strategy: str,
    reuse: int,
    distributed: Collection[kinds.LayerKind],
) -> None:
    """Refuse the distributed strategy where it cannot be built: a kind without that form
    (``distributed`` holds those with it), a reuse factor other than 1, or weights of more
    than :data:`MAX_DISTRIBUTED_DIGITS` signed digits (counted before any work)."""
    if strategy != DISTRIBUTED:
        return
    if layer.kind not in distributed:
        have = ", ".join(sorted(kind.name for kind in distributed))
        raise ValueError(
            f"{layer.describe()}: strategy 'distributed' writes the constant "
            f"matrix products of {have}, not of {layer.kind.name}"
        )
    if reuse != 1:
        raise ValueError(
            f"{layer.describe()}: strategy 'distributed' has no multipliers to "
            f"share; its reuse factor must be 1, not {reuse}"
        )
    p = qm.precisions[layer.name]
    digits = np.count_nonzero(p.params["weight"]) * (p.types["weight"].width // 2 + 1)
    if digits > MAX_DISTRIBUTED_DIGITS:
        raise ValueError(
            f"{layer.describe()}: strategy 'distributed' would build a shift-add graph from up "
            f"to {digits:,} signed digits of its {p.types['weight']} weights, over the "
            f"{MAX_DISTRIBUTED_DIGITS:,} it takes: narrow the weights or use multipliers"
        )


def _check(value: object, what: str) -> None:
    if value not in STRATEGIES:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(STRATEGIES)}")
