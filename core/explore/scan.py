"""Precision scans: emulate a model at many fixed-point settings over a labelled data set.

A :class:`ScanPoint` sets the total width and the integer bits (a number, or ``"auto"``: the
integer bits the automatic rules give at that width, from calibration data for results and
from the largest magnitude for weights and biases) of the weights, biases and results,
either of every layer or of one layer, of every role or of one, while the rest keeps the base
configuration. Accumulators stay as the base sets them (exact by default).

Each point reports accuracy against the labels, agreement with the reference (float) model's
classes, overflow counts per layer from the emulator's counters, and the resource estimate of
:mod:`hlsfx.explore.estimate`. :func:`scan` runs points in parallel processes (or on any
``concurrent.futures`` executor, such as Dask's or Ray's), appends each finished point to a
JSON-lines file and a CSV file as it goes, and on a second run with the same file skips the
points already there.
"""

from __future__ import annotations

import concurrent.futures
import csv
import hashlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.codegen.strategies import DISTRIBUTED, STRATEGIES
from hlsfx.explore.estimate import estimate
from hlsfx.model import QuantizedModel, configure, load_config

if TYPE_CHECKING:
    from hlsfx.ir.graph import Graph

__all__ = ["SCANNED_ROLES", "PointResult", "ScanPoint", "grid", "predicted_classes", "scan"]

SCANNED_ROLES = ("weight", "bias", "result")
"""The roles a point sets (of the layers that have them)."""
REFERENCE_TYPE = "ap_fixed<24,12>"
"""The reference model when no float predictions are given: the emulator at this type."""
CHUNK = 200_000
"""Samples a worker emulates at a time: memory stays bounded however many there are."""


@dataclass(frozen=True)
class ScanPoint:
    """One setting: ``width`` total bits and ``integer`` bits (or ``"auto"``), for ``layer``
    (None: every layer) and ``role`` (None: weight, bias and result)."""

    width: int
    integer: int | str
    layer: str | None = None
    role: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.width, int) or self.width < 1:
            raise ValueError(f"scan point: width must be a positive integer, not {self.width!r}")
        if self.integer != "auto" and not isinstance(self.integer, int):
            raise ValueError(
                f"scan point: integer bits must be an integer or 'auto', not {self.integer!r}"
            )
        if self.role is not None and self.role not in SCANNED_ROLES:
            raise ValueError(
                f"scan point: role must be one of {SCANNED_ROLES} or None, not {self.role!r}"
            )

    @property
    def key(self) -> str:
        """A stable name of the point (the resume key)."""
        return f"w{self.width}_i{self.integer}_{self.layer or '*'}_{self.role or '*'}"

    @property
    def label(self) -> str:
        integer = "auto" if self.integer == "auto" else self.integer
        scope = f"{self.layer or 'all layers'}, {self.role or 'all roles'}"
        return f"ap_fixed<{self.width},{integer}> on {scope}"


def grid(
    widths: Iterable[int],
    integers: Iterable[int | str] | int | str = "auto",
    layers: Iterable[str | None] = (None,),
    roles: Iterable[str | None] = (None,),
) -> list[ScanPoint]:
    """Every combination of the widths, integer bits (a number, ``"auto"``, or a list),
    layers and roles; an integer part wider than the width is left out."""
    ints = [integers] if isinstance(integers, (int, str)) else list(integers)
    widths, layers, roles = list(widths), list(layers), list(roles)
    points = [
        ScanPoint(w, i, layer, role)
        for layer in layers
        for role in roles
        for i in ints
        for w in widths
        if i == "auto" or i <= w
    ]
    if not points:
        raise ValueError(
            f"the scan has no point: widths {widths}, integer bits {ints} (an "
            "integer part wider than the width is left out)"
        )
    return points


@dataclass(frozen=True)
class PointResult:
    """What one point gave."""

    point: ScanPoint
    accuracy: float | None
    """fraction of samples whose class (argmax) equals the label (None without labels)"""
    agreement: float
    """fraction of samples whose class equals the reference model's"""
    overflows: dict[str, int]
    """layer -> casts that saturated or wrapped, all roles"""
    resources: dict[str, int]
    """:meth:`hlsfx.explore.estimate.ResourceEstimate.as_dict`"""
    samples: int
    seconds: float
    config: dict[str, Any] = field(repr=False)
    """the resolved configuration (``configure(graph, config=...)`` rebuilds it)"""
    error: str | None = None
    """why the point could not be emulated (then the numbers are empty)"""
    layers: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    """:meth:`hlsfx.explore.estimate.ResourceEstimate.per_layer`: multipliers and widths per
    layer"""

    @property
    def overflow_total(self) -> int:
        return sum(self.overflows.values())

    def row(self) -> dict[str, Any]:
        """A flat row for the CSV file."""
        return {
            **{k: v for k, v in asdict(self.point).items()},
            "accuracy": self.accuracy,
            "agreement": self.agreement,
            "overflows": self.overflow_total,
            **self.resources,
            "samples": self.samples,
            "seconds": round(self.seconds, 4),
            "error": self.error or "",
        }

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.point.key,
            "point": asdict(self.point),
            "accuracy": self.accuracy,
            "agreement": self.agreement,
            "overflows": self.overflows,
            "resources": self.resources,
            "samples": self.samples,
            "seconds": self.seconds,
            "config": self.config,
            "error": self.error,
            "layers": self.layers,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PointResult:
        return cls(
            ScanPoint(**data["point"]),
            data["accuracy"],
            data["agreement"],
            data["overflows"],
            data["resources"],
            data["samples"],
            data["seconds"],
            data["config"],
            data["error"],
            data.get("layers", {}),
        )


# --- what a worker does -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Job:
    """Everything a worker needs, sent to it once (local pool) or with each point."""

    base: QuantizedModel
    x: Any
    labels: np.ndarray | None
    reference: np.ndarray
    calibration: Any
    threads: int | None
    strategy: str = "latency"


_WORKER_JOB: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _WORKER_JOB
    _WORKER_JOB = job


def predicted_classes(outputs: Any) -> np.ndarray:
    """Each sample's class: the argmax over the first output's last axis."""
    first = outputs if isinstance(outputs, np.ndarray) else next(iter(outputs.values()))
    return first.reshape(len(first), -1).argmax(axis=1)


def _slice(x: Any, start: int, stop: int) -> Any:
    if isinstance(x, Mapping):
        return {k: v[start:stop] for k, v in x.items()}
    return x[start:stop]


def _samples(x: Any) -> int:
    return len(next(iter(x.values()))) if isinstance(x, Mapping) else len(x)


def point_model(
    base_qm: QuantizedModel, point: ScanPoint, calibration: Any = None
) -> QuantizedModel:
    """The model at ``point``: ``base_qm``'s configuration with the point's types set."""

    graph, base = base_qm.graph, base_qm.config()
    _check_layer(graph, point)
    scope = [layer.name for layer in graph.layers if point.layer in (None, layer.name)]
    roles = SCANNED_ROLES if point.role is None else (point.role,)
    if point.integer == "auto":
        auto = configure(
            graph,
            base_qm.default.with_format(point.width, base_qm.default.integer),
            roles=dict.fromkeys(SCANNED_ROLES, "auto"),
            calibration=calibration,
        )
        chosen = {name: dict(auto.precisions[name].types) for name in scope}
        input_type = auto.tensor_types
    else:
        t = base_qm.default.with_format(point.width, point.integer)
        chosen = {name: dict.fromkeys(base_qm.precisions[name].types, t) for name in scope}
        input_type = dict.fromkeys(graph.inputs, t)
    layers = {
        name: {role: str(chosen[name][role]) for role in roles if role in chosen[name]}
        for name in scope
    }
    inputs = {}
    if point.layer is None and point.role in (None, "result"):
        inputs = {name: str(input_type[name]) for name in graph.inputs}
    return configure(graph, config=base, layers=layers, inputs=inputs)


def _check_layer(graph: Graph, point: ScanPoint) -> None:
    if point.layer is not None and point.layer not in {layer.name for layer in graph.layers}:
        names = ", ".join(layer.name for layer in graph.layers)
        raise ValueError(f"scan point {point.key}: no layer {point.layer!r} (layers: {names})")


def _evaluate(point: ScanPoint, job: _Job | None = None) -> PointResult:

    job = job or _WORKER_JOB
    if job is None:
        raise RuntimeError("scan worker started without its job")
    start = time.perf_counter()
    n = _samples(job.x)
    try:
        qm = point_model(job.base, point, job.calibration)
        qm.predict_with_overflows(_slice(job.x, 0, 1))  # the emulator's own checks, up front
    except ValueError as error:  # a point the emulator cannot run: say why, go on
        return PointResult(point, None, 0.0, {}, {}, n, time.perf_counter() - start, {}, str(error))
    right = agree = 0
    overflows: dict[str, int] = {}
    for begin in range(0, n, CHUNK):
        stop = min(begin + CHUNK, n)
        outputs, report = qm.predict_with_overflows(_slice(job.x, begin, stop), threads=job.threads)
        classes = predicted_classes(outputs)
        agree += int(np.count_nonzero(classes == job.reference[begin:stop]))
        if job.labels is not None:
            right += int(np.count_nonzero(classes == job.labels[begin:stop]))
        for layer, roles in report.counts.items():
            overflows[layer] = overflows.get(layer, 0) + sum(roles.values())
    cost = estimate(qm, strategy=job.strategy)
    return PointResult(
        point,
        right / n if job.labels is not None else None,
        agree / n,
        overflows,
        cost.as_dict(),
        n,
        time.perf_counter() - start,
        qm.config(),
        layers=cost.per_layer(),
    )


# --- the scan -----------------------------------------------------------------------------------


def _fingerprint(graph: Graph, base: Mapping[str, Any], x: Any, labels: Any, strategy: str) -> str:
    """What must not change between a scan and its resumption: model, base, data, and the
    strategy whose cost is estimated."""
    digest = hashlib.sha256()
    digest.update(json.dumps(base, sort_keys=True, default=str).encode())
    if strategy == DISTRIBUTED:  # (the multipliers' estimate keeps the fingerprints it had)
        digest.update(b"strategy:distributed")
    for layer in graph.layers:
        digest.update(f"{layer.name}:{layer.kind.name}:{layer.inputs}:{layer.output}".encode())
        for name in sorted(layer.params):
            digest.update(np.ascontiguousarray(layer.params[name]).tobytes())
    arrays = x.values() if isinstance(x, Mapping) else [x]
    for array in [*arrays, *([] if labels is None else [labels])]:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()[:16]


def _read_finished(path: Path, fingerprint: str) -> dict[str, PointResult]:
    """The points a previous run of the same scan wrote to ``path`` (JSON lines)."""
    if not path.exists():
        return {}
    text = path.read_text()
    if text and not text.endswith("\n"):  # a run killed while writing: redo that point
        text = text[: text.rfind("\n") + 1]
        path.write_text(text)
    finished = {}
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip():
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                raise ValueError(f"{path}: line {number} is not JSON") from None
            if number > 1:
                finished[data["key"]] = PointResult.from_json(data)
            elif data.get("fingerprint") != fingerprint:
                raise ValueError(
                    f"{path} holds a scan of another model, base configuration, data set or "
                    "strategy "
                    f"(fingerprint {data.get('fingerprint')!r}, this scan {fingerprint!r}); "
                    "choose another output file or delete it"
                )
    return finished


class _Progress:
    """A one-line progress bar on stderr (when it is a terminal, or when asked)."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.done, self.enabled = total, 0, enabled
        self.start = time.perf_counter()

    def step(self, text: str) -> None:
        self.done += 1
        if not self.enabled:
            return
        width = 30
        filled = width * self.done // max(self.total, 1)
        elapsed = time.perf_counter() - self.start
        eta = elapsed / self.done * (self.total - self.done)
        sys.stderr.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} "
            f"{elapsed:5.1f}s, ~{eta:4.0f}s left  {text[:40]:40}"
        )
        if self.done == self.total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def scan(
    model: Graph | QuantizedModel,
    x: Any,
    labels: Sequence[int] | np.ndarray | None,
    points: Sequence[ScanPoint],
    *,
    base: str | Mapping[str, Any] | None = None,
    reference: np.ndarray | None = None,
    calibration: Any = None,
    out: str | Path | None = None,
    workers: int | None = None,
    executor: concurrent.futures.Executor | None = None,
    progress: bool | None = None,
    on_result: Callable[[PointResult], None] | None = None,
    strategy: str = "latency",
) -> list[PointResult]:
    """Emulate ``model`` on ``x`` at every point; the results in the order of ``points``.

    Parameters
    ----------
    model : Graph or QuantizedModel
        A quantized model's configuration is the base (unless ``base`` is given).
    x, labels : arrays
        Inputs in the source model's layout, and integer class labels (or None).
    base : str or dict
        The configuration the points change: a default type (``"ap_fixed<16,6>"``) or a saved
        configuration (``QuantizedModel.config()``, or its file).
    reference : array, optional
        The float model's class per sample (or its outputs, reduced by argmax). Default: the
        emulator at ``ap_fixed<24,12>``.
    calibration : array, optional
        Inputs for ``"auto"`` integer bits (default: the first 10 000 samples of ``x``).
    out : path, optional
        ``<out>.jsonl`` and ``<out>.csv`` get each point as it finishes; points already in
        ``<out>.jsonl`` (from an interrupted run of the same scan) are not run again.
    workers : int, optional
        Processes (default: one per core; 1 runs in this process). Ignored with ``executor``.
    executor : concurrent.futures.Executor, optional
        Runs the points instead of a local process pool (e.g. a Dask or Ray executor); each
        point is sent with the model and the data.
    progress : bool, optional
        Show a progress bar on stderr (default: when stderr is a terminal).
    on_result : callable, optional
        Called with each point's result as it finishes.
    strategy : str
        Whose cost the estimate gives: ``"latency"`` (multipliers, BOPs) or ``"distributed"``
        (also the adders and adder bits of the shift-add graphs that strategy writes; slower).
    """
    if strategy not in STRATEGIES:
        raise ValueError(f"strategy {strategy!r} is not one of {', '.join(STRATEGIES)}")

    if isinstance(model, QuantizedModel):
        graph, base = model.graph, base or model.config()
    else:
        graph = model
    if base is None:
        base = "ap_fixed<16,6>"
    if isinstance(base, (str, Path)) and str(base).endswith((".json", ".yaml", ".yml")):
        base = load_config(base)
    if isinstance(base, str):
        base = configure(graph, base).config()
    base = dict(base)
    n = _samples(x)
    if labels is not None:
        labels = np.asarray(labels).reshape(-1)
        if len(labels) != n:
            raise ValueError(f"{len(labels)} labels for {n} samples")
    if calibration is None:
        calibration = _slice(x, 0, min(n, 10_000))
    if reference is None:
        reference = configure(graph, REFERENCE_TYPE).predict(x)
    reference = np.asarray(reference)
    if reference.ndim > 1:
        reference = predicted_classes(reference)
    if len(reference) != n:
        raise ValueError(f"{len(reference)} reference predictions for {n} samples")
    for point in points:  # fail on a bad point before any work starts
        _check_layer(graph, point)

    results: dict[str, PointResult] = {}
    jsonl = csv_path = None
    if out is not None:
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        jsonl, csv_path = out.with_suffix(".jsonl"), out.with_suffix(".csv")
        fingerprint = _fingerprint(graph, base, x, labels, strategy)
        results = _read_finished(jsonl, fingerprint)
        if not jsonl.exists() or jsonl.stat().st_size == 0:
            jsonl.write_text(json.dumps({"fingerprint": fingerprint, "samples": n}) + "\n")
    todo = [p for p in dict.fromkeys(points) if p.key not in results]
    bar = _Progress(len(todo), sys.stderr.isatty() if progress is None else progress)

    def finished(result: PointResult) -> None:
        results[result.point.key] = result
        if jsonl is not None:
            with jsonl.open("a") as f:
                f.write(json.dumps(result.as_json()) + "\n")
            _write_csv(csv_path, [results[p.key] for p in points if p.key in results])
        bar.step(result.point.label)
        if on_result is not None:
            on_result(result)

    base_qm = configure(graph, config=base)
    job = _Job(base_qm, x, labels, reference, calibration, None, strategy)
    workers = workers or os.cpu_count() or 1
    if executor is None and (workers == 1 or len(todo) <= 1):
        for point in todo:
            finished(_evaluate(point, job))
    elif executor is None:
        job = _Job(base_qm, x, labels, reference, calibration, 1, strategy)
        with concurrent.futures.ProcessPoolExecutor(
            min(workers, len(todo)), initializer=_init_worker, initargs=(job,)
        ) as pool:
            futures = [pool.submit(_evaluate, point) for point in todo]
            for future in concurrent.futures.as_completed(futures):
                finished(future.result())
    else:
        futures = [executor.submit(_evaluate, point, job) for point in todo]
        for future in concurrent.futures.as_completed(futures):
            finished(future.result())
    return [results[p.key] for p in points]


def _write_csv(path: Path, results: list[PointResult]) -> None:
    rows = [r.row() for r in results]
    columns = list(dict.fromkeys(c for row in rows for c in row))
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, columns)
        writer.writeheader()
        writer.writerows(rows)
