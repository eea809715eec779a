"""Plots of precision scans and of a model's value ranges (matplotlib; each written as PNG and
PDF).

- :func:`accuracy_vs_width`: accuracy against total bits, one curve per scanned layer/role,
  the float model's accuracy as a reference line;
- :func:`accuracy_vs_resources`: accuracy against the estimated cost (multiplier BOPs, or the
  distributed strategy's adder bits), the
  Pareto front marked;
- :func:`profile`: per layer, the magnitudes of its weights and of its outputs on data against
  the range its type can represent, values that overflow marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.explore.scan import REFERENCE_TYPE
from hlsfx.ir.exact import to_float
from hlsfx.model import configure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hlsfx.explore.scan import PointResult
    from hlsfx.model import QuantizedModel

__all__ = ["accuracy_vs_resources", "accuracy_vs_width", "pareto_front", "profile"]


def _figure(width: float, height: float) -> tuple[Figure, Any]:
    """A figure outside pyplot: no window, and the caller's backend is left alone."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig, fig.subplots()


def _save(fig: Figure, path: str | Path) -> list[Path]:
    """Write ``fig`` as ``<path>.png`` and ``<path>.pdf``; the files written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix in (".png", ".pdf"):
        target = path.with_suffix(suffix)
        fig.savefig(target, dpi=150)
        written.append(target)
    return written


def _scope(result: PointResult) -> str:
    p = result.point
    if p.layer is None and p.role is None:
        return "all layers"
    return f"{p.layer or 'all layers'}: {p.role or 'weight, bias, result'}"


def accuracy_vs_width(
    results: Sequence[PointResult],
    path: str | Path,
    *,
    float_accuracy: float | None = None,
    title: str = "Accuracy against fixed-point width",
) -> list[Path]:
    """Accuracy against total bits: one curve per scanned scope (layer and role) and integer
    setting; points the emulator could not run are left out."""
    fig, ax = _figure(7.5, 4.5)
    curves: dict[str, list[tuple[int, float]]] = {}
    for r in results:
        if r.accuracy is not None:
            integer = "auto integer bits" if r.point.integer == "auto" else f"I = {r.point.integer}"
            curves.setdefault(f"{_scope(r)} ({integer})", []).append((r.point.width, r.accuracy))
    for label, points in curves.items():
        widths, accuracy = zip(*sorted(points), strict=True)
        ax.plot(widths, np.asarray(accuracy) * 100, marker="o", markersize=4, label=label)
    if float_accuracy is not None:
        ax.axhline(
            float_accuracy * 100,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"float model ({float_accuracy:.2%})",
        )
    ax.set_xlabel("total bits W of ap_fixed<W, I>")
    ax.set_ylabel("accuracy on the test set (%)")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


COSTS = {
    "bops": "estimated multiplier cost (bit operations: products x input bits x weight bits)",
    "adder_bits": "estimated cost of the distributed strategy (adder bits, about one LUT each)",
}
"""the resource estimates a plot can set accuracy against, and their axis labels"""


def pareto_front(results: Sequence[PointResult], measure: str = "bops") -> list[PointResult]:
    """The points no other point beats on both accuracy and cost (``measure``, a key of
    :data:`COSTS`), cheapest first."""
    usable = sorted(
        (r for r in results if r.accuracy is not None),
        key=lambda r: (r.resources[measure], -r.accuracy),
    )
    front, best = [], -1.0
    for r in usable:
        if r.accuracy > best:
            front.append(r)
            best = r.accuracy
    return front


def accuracy_vs_resources(
    results: Sequence[PointResult],
    path: str | Path,
    *,
    float_accuracy: float | None = None,
    title: str | None = None,
    measure: str = "bops",
) -> list[Path]:
    """Accuracy against the estimated cost (``measure``: the multipliers' bit operations, or
    the distributed strategy's adder bits), every point grey and the Pareto front in colour,
    labelled with its types."""
    if measure not in COSTS:
        raise ValueError(f"measure {measure!r} is not one of {', '.join(COSTS)}")
    fig, ax = _figure(7.5, 4.5)
    usable = [r for r in results if r.accuracy is not None]
    ax.scatter(
        [r.resources[measure] for r in usable],
        [r.accuracy * 100 for r in usable],
        color="0.7",
        s=14,
        label="scanned points",
    )
    front = pareto_front(usable, measure)
    ax.step(
        [r.resources[measure] for r in front],
        [r.accuracy * 100 for r in front],
        where="post",
        color="tab:red",
        marker="o",
        markersize=5,
        label="Pareto front",
    )
    for k, r in enumerate(front):  # labels alternately below and above, so neighbours part
        ax.annotate(
            f"<{r.point.width},{r.point.integer}>",
            (r.resources[measure], r.accuracy * 100),
            textcoords="offset points",
            xytext=(4, -11 if k % 2 else 5),
            fontsize=7,
        )
    if float_accuracy is not None:
        ax.axhline(
            float_accuracy * 100,
            color="black",
            linestyle="--",
            linewidth=1,
            label=f"float model ({float_accuracy:.2%})",
        )
    ax.set_xscale("log")
    ax.set_xlabel(COSTS[measure])
    ax.set_ylabel("accuracy on the test set (%)")
    what = "multiplier cost" if measure == "bops" else "distributed cost"
    ax.set_title(title or f"Accuracy against estimated {what}")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def profile(
    qm: QuantizedModel, x: Any, path: str | Path, *, title: str | None = None
) -> list[Path]:
    """Each layer's weights and outputs on ``x`` as log2 magnitudes (the outputs as a wide
    reference computes them, before this configuration's casts), against the range of the
    chosen type (shaded from its LSB to its largest value); values beyond it, which overflow,
    are marked and counted."""

    wide = configure(qm.graph, REFERENCE_TYPE).trace(x)
    rows = []  # (label, values, type)
    for layer in qm.graph.layers:
        p = qm.precisions[layer.name]
        if "weight" in p.params:
            rows.append(
                (
                    f"{layer.name} weights",
                    to_float(p.params["weight"], p.types["weight"]),
                    p.types["weight"],
                )
            )
        if "result" in p.types:
            rows.append((f"{layer.name} outputs", wide[layer.name], p.types["result"]))
    fig, ax = _figure(8.0, 0.42 * len(rows) + 1.6)
    labels = []
    for k, (label, values, t) in enumerate(rows):
        y = len(rows) - 1 - k
        low, high = np.log2(float(t.lsb)), np.log2(float(max(t.max, -t.min)))
        ax.barh(y, high - low, left=low, height=0.8, color="tab:blue", alpha=0.15)
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        magnitudes = np.log2(np.abs(values[values != 0]))
        if magnitudes.size:
            ax.boxplot(
                magnitudes,
                positions=[y],
                orientation="horizontal",
                widths=0.5,
                showfliers=False,
                whis=(0, 100),
                medianprops={"color": "black"},
            )
        over = values[(values > float(t.max)) | (values < float(t.min))]
        if over.size:
            shown = np.quantile(np.log2(np.abs(over)), np.linspace(0, 1, min(over.size, 200)))
            ax.plot(shown, np.full(shown.shape, y), "x", color="tab:red", markersize=5)
            label += f" ({over.size:,} overflow)"
        ax.annotate(str(t), (low, y + 0.28), fontsize=6, color="tab:blue")
        labels.append(label)
    ax.set_yticks(range(len(rows)), labels[::-1], fontsize=8)
    ax.plot([], [], "x", color="tab:red", label="overflowing values (x)")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_xlabel("log2 |value|   (box: quartiles; whiskers: min, max; shaded: the type's range)")
    ax.set_title(title or "Weights and layer outputs against their fixed-point ranges")
    ax.grid(alpha=0.3, axis="x")
    return _save(fig, path)
