"""A fast resource estimate of a quantized model, from its types and weight codes alone.

Each distinct product of an input with a nonzero weight code is one multiplier at reuse factor
1 (zero weights and padding cost nothing: the RTL writer leaves them out, and builds a product
that recurs once). Its cost is counted in bit operations (BOPs): input width x weight width,
the usual proxy for multiplier area in LUTs, summed over the products.

For the ``distributed`` strategy (no multipliers) the estimate builds the shift-add graphs the
RTL writer builds (:mod:`hlsfx.codegen.adder_graph`: one per padding pattern of a convolution)
and counts their adders and adder bits (the bits of each adder's carry chain: about one LUT
each). :func:`fit_luts` turns BOPs or adder bits into LUTs by a straight line fitted to what
Yosys makes of a few configurations, and says how far off the line is at each of them.

The estimate counts every layer. A configuration whose cast keeps no bit of a layer's outputs
(a scan's narrowest widths can) has less logic: the RTL writer leaves out the layers no bit of
whose outputs reaches an output, and :func:`fit_luts` counts only the layers it kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.codegen.adder_graph import code_range, layer_matrix, sums_of
from hlsfx.codegen.strategies import DISTRIBUTED, STRATEGIES, check_distributed
from hlsfx.ir.kinds import WindowKind

if TYPE_CHECKING:
    from hlsfx.ir.graph import Layer
    from hlsfx.model import QuantizedModel

__all__ = ["MEASURES", "LayerEstimate", "LutFit", "ResourceEstimate", "estimate", "fit_luts"]


@dataclass(frozen=True)
class LayerEstimate:
    """One layer's multipliers: how many, their operand widths and their bit operations."""

    layer: str
    multipliers: int
    input_bits: int
    weight_bits: int
    weights: int
    """nonzero weight codes"""
    adders: int | None = None
    """the distributed strategy's adders (None: not estimated)"""
    adder_bits: int | None = None

    @property
    def bops(self) -> int:
        return self.multipliers * self.input_bits * self.weight_bits


@dataclass(frozen=True)
class ResourceEstimate:
    """The multipliers of every layer with weights."""

    layers: tuple[LayerEstimate, ...]

    @property
    def multipliers(self) -> int:
        return sum(e.multipliers for e in self.layers)

    @property
    def bops(self) -> int:
        return sum(e.bops for e in self.layers)

    @property
    def weight_bits(self) -> int:
        """Bits of all nonzero weight codes: what the weights take in the design."""
        return sum(e.weights * e.weight_bits for e in self.layers)

    @property
    def adders(self) -> int | None:
        """The distributed strategy's adders (None unless estimated)."""
        counts = [e.adders for e in self.layers]
        return None if None in counts else sum(counts)  # type: ignore[arg-type]

    @property
    def adder_bits(self) -> int | None:
        counts = [e.adder_bits for e in self.layers]
        return None if None in counts else sum(counts)  # type: ignore[arg-type]

    def as_dict(self) -> dict[str, int]:
        found = {
            "multipliers": self.multipliers,
            "bops": self.bops,
            "weight_bits": self.weight_bits,
        }
        if self.adders is not None:
            found.update(adders=self.adders, adder_bits=self.adder_bits)
        return found

    def per_layer(self) -> dict[str, dict[str, int]]:
        """Each layer's multipliers, their operand widths and its BOPs (and its adders and
        adder bits, when estimated)."""
        rows = {}
        for e in self.layers:
            rows[e.layer] = {
                "multipliers": e.multipliers,
                "input_bits": e.input_bits,
                "weight_bits": e.weight_bits,
                "bops": e.bops,
            }
            if e.adders is not None:
                rows[e.layer].update(adders=e.adders, adder_bits=e.adder_bits)
        return rows


def _distinct_products(index: np.ndarray, codes: np.ndarray) -> int:
    """Distinct (input, weight code) products, zero codes and padding (-1) left out: tap k of
    every position reads input ``index[:, k]`` and multiplies it by each code in ``codes[k]``."""
    pairs = []
    for k in range(index.shape[1]):
        lanes = index[:, k][index[:, k] >= 0]
        distinct = np.unique(codes[k][codes[k] != 0])
        if lanes.size and distinct.size:
            grid = np.stack(np.meshgrid(np.unique(lanes), distinct, indexing="ij"), axis=-1)
            pairs.append(grid.reshape(-1, 2))
    return len(np.unique(np.concatenate(pairs), axis=0)) if pairs else 0


def _adders(qm: QuantizedModel, layer: Layer, index: np.ndarray) -> tuple[int, int]:
    """The adders and adder bits of the layer's shift-add graphs over every row or window of
    ``index`` (input, or -1 for padding), as the RTL builds them."""
    p = qm.precisions[layer.name]
    matrix = layer_matrix(layer, p.params["weight"])
    sums = sums_of(p, qm.tensor_types[layer.inputs[0]])  # as if exact, should it not be
    graphs = sums.row_graphs(matrix, code_range(qm, layer.inputs[0]), index >= 0)
    return sum(g.adders for g in graphs), sum(g.adder_bits for g in graphs)


def estimate(qm: QuantizedModel, *, strategy: str = "latency") -> ResourceEstimate:
    """The multipliers of ``qm``'s layers at reuse factor 1: one per distinct product of an
    input and a nonzero weight code (the RTL writer builds an input's product with equal
    codes once; padding taps read nothing), over every row of a Dense and every position of
    a convolution. With ``strategy="distributed"`` also the adders and adder bits of the
    shift-add graphs that strategy builds instead (slower: it builds them)."""
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")
    layers = []
    for layer in qm.graph.layers:
        p = qm.precisions[layer.name]
        if "weight" not in p.types or "weight" not in p.params:
            continue
        if strategy == DISTRIBUTED:  # the graphs' size, before any work
            check_distributed(qm, layer, DISTRIBUTED, 1, [layer.kind])
        weight = p.params["weight"]
        x_shape = qm.graph.shapes[layer.inputs[0]]
        if isinstance(layer.kind, WindowKind):
            index = layer.kind.patch_index(layer, x_shape)  # output position x tap: input or -1
            codes = weight.reshape(index.shape[1], -1)  # tap x outputs (depthwise: x 1)
            products = _distinct_products(index, codes)
        else:
            rows = math.prod(x_shape[:-1])
            index = np.arange(rows * weight.shape[0]).reshape(rows, weight.shape[0])
            products = _distinct_products(index, weight)
        x_t = qm.tensor_types[layer.inputs[0]]
        nonzero = int(np.count_nonzero(weight))
        adders = _adders(qm, layer, index) if strategy == DISTRIBUTED else (None, None)
        layers.append(
            LayerEstimate(
                layer.name, products, x_t.width, p.types["weight"].width, nonzero, *adders
            )
        )
    return ResourceEstimate(tuple(layers))


MEASURES = {"latency": "bops", "resource": "bops", DISTRIBUTED: "adder_bits"}
"""what a strategy's LUTs are fitted against: BOPs of multipliers, or bits of adders"""
MEASURE_NAMES = {"bops": "BOPs", "adder_bits": "adder bits"}


@dataclass(frozen=True)
class LutFit:
    """LUTs ~ ``per_unit`` x cost + ``offset``, fitted by least squares to what Yosys
    ``synth_xilinx`` made of a few configurations: the cost is ``measure``, BOPs (multipliers
    in LUTs, ``-nodsp``) or the distributed strategy's adder bits."""

    per_unit: float
    offset: float
    points: tuple[tuple[int, int], ...]
    """(estimated cost, synthesized LUTs) of each configuration"""
    target: str = "xc7"
    measure: str = "bops"

    def luts(self, cost: int) -> int:
        """The LUTs the fit gives for ``cost`` (in :attr:`measure`)."""
        return round(self.per_unit * cost + self.offset)

    @property
    def errors(self) -> tuple[float, ...]:
        """Each point's relative error of the fit: (fit - Yosys) / Yosys."""
        return tuple((self.luts(b) - luts) / luts for b, luts in self.points)

    def __str__(self) -> str:
        worst = max(abs(e) for e in self.errors)
        how = "-nodsp" if self.measure == "bops" else "distributed strategy"
        return (
            f"LUTs ~ {self.per_unit:.4f} x {MEASURE_NAMES[self.measure]} + {self.offset:.0f} "
            f"(Yosys synth_xilinx {how}, {self.target}, {len(self.points)} points; largest "
            f"error {worst:.1%})"
        )


def fit_luts(
    models: list[QuantizedModel],
    folder: str | Path,
    *,
    target: str = "xc7",
    strategy: str = "latency",
) -> LutFit:
    """Write each model's RTL into ``folder`` with ``strategy``, synthesize it with Yosys
    (multipliers in LUTs) and fit LUTs against the estimated BOPs, or for the distributed
    strategy its adder bits, of the layers the RTL has (see above); at least two models of
    different cost."""
    from hlsfx.codegen.rtl import write_rtl
    from hlsfx.cosim.interface import load_interface
    from hlsfx.cosim.yosys import synth

    measure = MEASURES.get(strategy)
    if measure is None:
        raise ValueError(f"strategy {strategy!r} is not one of {', '.join(MEASURES)}")
    estimates = [estimate(qm, strategy=strategy) for qm in models]
    if len({e.as_dict()[measure] for e in estimates}) < 2:
        raise ValueError(
            f"fitting LUTs needs at least two configurations of different {MEASURE_NAMES[measure]}"
        )
    points = []
    for k, (qm, found) in enumerate(zip(models, estimates, strict=True)):
        project = write_rtl(qm, Path(folder) / f"point{k}", vectors=1, strategy=strategy)
        layers = load_interface(project).layers
        cost = sum(getattr(e, measure) for e in found.layers if not layers[e.layer]["left_out"])
        luts = synth(project, target=target, dsp=False).resources["LUT"]
        points.append((cost, int(luts)))
    if len({b for b, _ in points}) < 2:
        raise ValueError(
            f"fitting LUTs needs at least two configurations of different "
            f"{MEASURE_NAMES[measure]} in the layers their RTL keeps: {points}"
        )
    x = np.array([b for b, _ in points], dtype=np.float64)
    luts = np.array([n for _, n in points], dtype=np.float64)
    per_unit, offset = np.polyfit(x, luts, 1)
    return LutFit(float(per_unit), float(offset), tuple(points), target, measure)
