"""A fast resource estimate of a quantized model, from its types and weight codes alone.

Each distinct product of an input with a nonzero weight code is one multiplier at reuse factor
1 (zero weights and padding cost nothing: the RTL writer leaves them out, and builds a product
that recurs once). Its cost is counted in bit operations (BOPs): input width x weight width,
the usual proxy for multiplier area in LUTs, summed over the products. :func:`fit_luts` turns
BOPs into LUTs by a straight line fitted to what Yosys makes of a few configurations, and says
how far off the line is at each of them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hlsfx.kinds import WindowKind

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["LayerEstimate", "LutFit", "ResourceEstimate", "estimate", "fit_luts"]


@dataclass(frozen=True)
class LayerEstimate:
    """One layer's multipliers: how many, their operand widths and their bit operations."""

    layer: str
    multipliers: int
    input_bits: int
    weight_bits: int
    weights: int
    """nonzero weight codes"""

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

    def as_dict(self) -> dict[str, int]:
        return {"multipliers": self.multipliers, "bops": self.bops, "weight_bits": self.weight_bits}

    def per_layer(self) -> dict[str, dict[str, int]]:
        """Each layer's multipliers, their operand widths and its BOPs."""
        return {
            e.layer: {"multipliers": e.multipliers, "input_bits": e.input_bits,
                      "weight_bits": e.weight_bits, "bops": e.bops}
            for e in self.layers
        }  # fmt: skip


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


def estimate(qm: QuantizedModel) -> ResourceEstimate:
    """The multipliers of ``qm``'s layers at reuse factor 1: one per distinct product of an
    input and a nonzero weight code (the RTL writer builds an input's product with equal
    codes once; padding taps read nothing), over every row of a Dense and every position of
    a convolution."""
    layers = []
    for layer in qm.graph.layers:
        p = qm.precisions[layer.name]
        if "weight" not in p.types or "weight" not in p.params:
            continue
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
        layers.append(
            LayerEstimate(layer.name, products, x_t.width, p.types["weight"].width, nonzero)
        )
    return ResourceEstimate(tuple(layers))


@dataclass(frozen=True)
class LutFit:
    """LUTs ~ ``per_bop`` x BOPs + ``offset``, fitted by least squares to what Yosys
    ``synth_xilinx -nodsp`` (multipliers in LUTs) made of a few configurations."""

    per_bop: float
    offset: float
    points: tuple[tuple[int, int], ...]
    """(estimated BOPs, synthesized LUTs) of each configuration"""
    target: str = "xc7"

    def luts(self, bops: int) -> int:
        """The LUTs the fit gives for ``bops``."""
        return round(self.per_bop * bops + self.offset)

    @property
    def errors(self) -> tuple[float, ...]:
        """Each point's relative error of the fit: (fit - Yosys) / Yosys."""
        return tuple((self.luts(b) - luts) / luts for b, luts in self.points)

    def __str__(self) -> str:
        worst = max(abs(e) for e in self.errors)
        return (
            f"LUTs ~ {self.per_bop:.4f} x BOPs + {self.offset:.0f} (Yosys synth_xilinx -nodsp, "
            f"{self.target}, {len(self.points)} points; largest error {worst:.1%})"
        )


def fit_luts(models: list[QuantizedModel], folder: str | Path, *, target: str = "xc7") -> LutFit:
    """Write each model's RTL into ``folder``, synthesize it with Yosys (multipliers in LUTs)
    and fit LUTs against the estimated BOPs; at least two models of different BOPs."""
    from hlsfx.codegen.rtl import write_rtl
    from hlsfx.cosim.yosys import synth

    if len({estimate(qm).bops for qm in models}) < 2:
        raise ValueError("fitting LUTs needs at least two configurations of different BOPs")
    points = []
    for k, qm in enumerate(models):
        project = write_rtl(qm, Path(folder) / f"point{k}", vectors=1)
        luts = synth(project, target=target, dsp=False).resources["LUT"]
        points.append((estimate(qm).bops, int(luts)))
    bops = np.array([b for b, _ in points], dtype=np.float64)
    luts = np.array([n for _, n in points], dtype=np.float64)
    per_bop, offset = np.polyfit(bops, luts, 1)
    return LutFit(float(per_bop), float(offset), tuple(points), target)
