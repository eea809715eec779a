"""Automatic precision search: narrow each layer's types while the accuracy stays within a
budget of the float model's.

Greedy, one bit at a time: for each graph input and each layer's weight, bias and result type
in turn, try dropping the least significant bit (one fractional bit fewer) and the most
significant bit (one integer bit fewer), keep the change that leaves the accuracy higher if
either stays within the budget, and repeat the passes until no bit can go. Accumulators the
configuration chose automatically are chosen again (exact) for the narrower operands.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hlsfx.explore.estimate import estimate
from hlsfx.explore.scan import REFERENCE_TYPE, predicted_classes
from hlsfx.ir.fixed_type import FixedType
from hlsfx.model import QuantizedModel, configure

__all__ = ["TUNED_ROLES", "Optimization", "optimize"]

TUNED_ROLES = ("weight", "bias", "result")


@dataclass(frozen=True)
class Optimization:
    """The search's outcome: the model before and after, their accuracies and the float
    model's, the budget, and how many configurations were emulated."""

    before: QuantizedModel
    after: QuantizedModel
    float_accuracy: float
    accuracy_before: float
    accuracy_after: float
    budget: float
    evaluations: int
    seconds: float

    @property
    def config(self) -> dict[str, Any]:
        """The configuration found (``configure(graph, config=...)`` rebuilds the model)."""
        return self.after.config()

    def table(self) -> str:
        """The types before and after, per layer and role, and the totals."""

        rows = [("layer", "role", "before", "after")]
        for name in self.before.graph.inputs:
            before, after = self.before.tensor_types[name], self.after.tensor_types[name]
            rows.append((name, "input", str(before), str(after)))
        for layer in self.before.graph.layers:
            old, new = self.before.precisions[layer.name], self.after.precisions[layer.name]
            for role in (*TUNED_ROLES, "accum"):
                if role in old.types:
                    rows.append((layer.name, role, str(old.types[role]), str(new.types[role])))
        cost = estimate(self.before), estimate(self.after)
        accuracy = f"float {self.float_accuracy:.4f}"
        rows += [
            ("total", "weight bits", f"{cost[0].weight_bits:,}", f"{cost[1].weight_bits:,}"),
            ("total", "BOPs", f"{cost[0].bops:,}", f"{cost[1].bops:,}"),
            ("accuracy", accuracy, f"{self.accuracy_before:.4f}", f"{self.accuracy_after:.4f}"),
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)


def _narrower(t: FixedType) -> list[FixedType]:
    """``t`` without its lowest bit, and without its highest (never below 2 bits)."""
    if t.width <= 2:
        return []
    return [t.with_format(t.width - 1, t.integer), t.with_format(t.width - 1, t.integer - 1)]


def optimize(
    model: QuantizedModel,
    x: Any,
    labels: Sequence[int] | np.ndarray,
    *,
    budget: float = 0.01,
    reference: Sequence[int] | np.ndarray | None = None,
    out: str | Path | None = None,
    progress: bool | None = None,
    show: bool | None = None,
) -> Optimization:
    """Narrow ``model``'s types while its accuracy on ``(x, labels)`` stays at least the float
    model's minus ``budget`` (0.01: one percentage point).

    ``reference`` is the float model's class per sample (default: the emulator at
    ``ap_fixed<24,12>``, which follows the float model closely). The model must meet the
    budget to begin with. ``out`` saves the configuration found (JSON or YAML); ``show``
    prints the before/after table (default: when stdout is a terminal); ``progress`` shows
    each accepted step on stderr (default: when stderr is a terminal).
    """

    start = time.perf_counter()
    graph = model.graph
    labels = np.asarray(labels).reshape(-1)
    if reference is None:
        reference = configure(graph, REFERENCE_TYPE).predict(x)
    reference = np.asarray(reference)
    if reference.ndim > 1:
        reference = predicted_classes(reference)
    float_accuracy = float(np.mean(reference == labels))
    floor = float_accuracy - budget
    evaluations = 0

    def accuracy(config: dict[str, Any]) -> float:
        nonlocal evaluations
        evaluations += 1
        return float(
            np.mean(predicted_classes(configure(graph, config=config).predict(x)) == labels)
        )

    config = model.config()
    for layer in graph.layers:  # accumulators chosen automatically stay automatic
        if "accum" in model.precisions[layer.name].automatic:
            config["layers"][layer.name]["accum"] = "auto"
    best = accuracy(config)
    before = best
    if best < floor:
        raise ValueError(
            f"the starting configuration's accuracy {best:.4f} is already below the float "
            f"model's {float_accuracy:.4f} minus the budget {budget}: start wider"
        )
    slots = [("inputs", name, None) for name in graph.inputs] + [
        ("layers", layer.name, role)
        for layer in graph.layers
        for role in TUNED_ROLES
        if role in model.precisions[layer.name].types and role in config["layers"][layer.name]
    ]
    stepping = sys.stderr.isatty() if progress is None else progress
    changed = True
    while changed:
        changed = False
        for section, name, role in slots:
            current = config[section][name] if role is None else config[section][name][role]
            while True:
                tried = []
                for candidate in _narrower(FixedType.parse(current)):
                    trial = _with(config, section, name, role, str(candidate))
                    score = accuracy(trial)
                    if score >= floor:
                        tried.append((score, str(candidate), trial))
                if not tried:
                    break
                best, current, config = max(tried, key=lambda t: t[0])
                changed = True
                if stepping:
                    sys.stderr.write(
                        f"\r{evaluations:4d} tried: {name} {role or 'input'} -> {current} "
                        f"(accuracy {best:.4f})".ljust(78)
                    )
                    sys.stderr.flush()
    if stepping:
        sys.stderr.write("\n")
    found = Optimization(
        model,
        configure(graph, config=config),
        float_accuracy,
        before,
        best,
        budget,
        evaluations,
        time.perf_counter() - start,
    )
    if out is not None:
        found.after.save_config(out)
    if sys.stdout.isatty() if show is None else show:
        print(found.table())
    return found


def _with(config: dict[str, Any], section: str, name: str, role: str | None, t: str) -> dict:
    """``config`` with one type changed (a copy; the rest shared)."""
    if role is None:
        return {**config, section: {**config[section], name: t}}
    layers = {**config[section], name: {**config[section][name], role: t}}
    return {**config, section: layers}
