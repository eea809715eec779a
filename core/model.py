"""The quantized model: a graph with every type resolved, emulated bit for bit."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, verify
from hlsfx.ir.tables import NEAREST
from hlsfx.model_inputs import Rows, code_inputs, float_inputs, random_codes
from hlsfx.numerics.config import LayerPrecision, dialect_named, resolve
from hlsfx.numerics.config_file import CONFIG_VERSION, check_config, dump_config, load_config
from hlsfx.numerics.dialect import HLSFX, Dialect
from hlsfx.passes import flatten_channels_last, run_passes

if TYPE_CHECKING:
    from hlsfx.emulator.executor import Executor

__all__ = ["OverflowReport", "QuantizedModel", "configure", "load_config"]

"""threads one run may ask for"""


@dataclass(frozen=True)
class OverflowReport:
    """How many casts hit the overflow mode (saturated or wrapped), per layer and role."""

    counts: Mapping[str, Mapping[str, int]]
    """layer name -> role -> count"""
    samples: int

    def total(self) -> int:
        return sum(sum(roles.values()) for roles in self.counts.values())

    def __str__(self) -> str:
        rows = [("layer", "role", "overflows")]
        rows += [
            (layer, role, f"{n:,}")
            for layer, roles in self.counts.items()
            for role, n in roles.items()
        ]
        return _table(rows) + f"\n{self.total():,} overflows in {self.samples:,} samples"


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


@dataclass(frozen=True)
class QuantizedModel:
    """A graph whose every tensor has a fixed-point type; build it with :func:`configure`."""

    graph: Graph
    tensor_types: Mapping[str, FixedType]
    """every tensor's type: the inputs, and each layer's output (its result type)"""
    precisions: Mapping[str, LayerPrecision]
    """each layer's resolved roles, raw parameters and tables, by layer name"""
    default: FixedType
    numerics: Dialect = HLSFX
    """whose rules the model follows: hlsfx's (docs/numerics.md) or hls4ml 1.3.0's, a
    :class:`~hlsfx.numerics.dialect.Dialect`"""
    design: Mapping[str, Any] = field(default_factory=dict)
    """defaults of ``write_hls``/``write_rtl`` the source model brought (an hls4ml model's
    ``strategy`` and ``reuse_factor`` by layer)"""

    def __post_init__(self) -> None:
        verify(self.graph)  # the emulator's kernels and the writers trust what it checks

    def with_design(self, design: Mapping[str, Any]) -> QuantizedModel:
        """This model with ``design`` as its writers' defaults."""
        return replace(self, design=dict(design))

    @cached_property
    def _executor(self) -> Executor:
        """The emulator's executor of this model: its plans, threads and buffers."""
        from hlsfx.emulator.executor import Executor

        return Executor(self.graph, self.tensor_types, self.precisions)

    _DERIVED = ("_executor",)
    """caches rebuilt on demand; not pickled (a model crosses to worker processes without them)"""

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k not in self._DERIVED}

    def _shaped(
        self, tensor: str, raw: np.ndarray, as_raw: bool, source_layout: bool
    ) -> np.ndarray:
        shape = self.graph.shapes[tensor]
        out = raw.reshape(len(raw), *shape)
        if not as_raw:
            from hlsfx.emulator.quantize import to_float

            out = to_float(out, self.tensor_types[tensor])
        perm = self.graph.output_layouts.get(tensor) if source_layout else None
        if perm:
            out = out.transpose(0, *(1 + np.asarray(perm)))
        return out

    def predict(
        self,
        x: Any,
        *,
        raw: bool = False,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> Any:
        """Emulate the model on a batch. Overflows are not counted here, which lets some
        layers take faster kernels; :meth:`predict_with_overflows` gives the same outputs and
        the counts.

        Parameters
        ----------
        x : array or dict of arrays
            Inputs in the source model's layout (as onnxruntime takes them), batch first.
        raw : bool
            Return raw int64 codes of each output's type instead of float64 values.
        batch_size : int, optional
            Samples emulated at a time, per thread. By default as many as fit 128 MiB of
            tensors (at most 8192): memory stays bounded however large the batch.
        threads : int, optional
            Threads emulating chunks at once (default: one per core). The bits do not depend
            on it. While they run, BLAS libraries are limited to one thread each.

        Returns
        -------
        numpy.ndarray, or a dict by output name when the model has several outputs.
        """
        arrays = float_inputs(self.graph, self.tensor_types, x)
        outputs, _ = self._executor.run(
            arrays, set(self.graph.outputs), batch_size, threads, counted=False
        )
        return self._outputs(outputs, raw)

    def predict_with_overflows(
        self,
        x: Any,
        *,
        raw: bool = False,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> tuple[Any, OverflowReport]:
        """:meth:`predict` and :meth:`overflow_report` of ``x`` from one emulation."""
        arrays = float_inputs(self.graph, self.tensor_types, x)
        outputs, counts = self._executor.run(arrays, set(self.graph.outputs), batch_size, threads)
        report = OverflowReport(counts, len(next(iter(arrays.values()))))
        return self._outputs(outputs, raw), report

    def _outputs(self, outputs: dict[str, np.ndarray], raw: bool) -> Any:
        """The graph's outputs in the source model's layout: one array, or a dict by name."""
        shaped = {n: self._shaped(n, outputs[n], raw, True) for n in self.graph.outputs}
        return shaped[self.graph.outputs[0]] if len(shaped) == 1 else shaped

    def predict_codes(
        self, codes: Any, *, batch_size: int | None = None, threads: int | None = None
    ) -> dict[str, np.ndarray]:
        """Raw output codes for raw input codes, both in hlsfx's own layout: channels-last, one
        flat row per sample, as the generated C++ and RTL take them.

        ``codes`` is ``{input name: (N, size) int64}`` (or one array for a single input); the
        result is ``{output name: (N, size) int64}``.
        """
        arrays = code_inputs(self.graph, self.tensor_types, codes)
        outputs, _ = self._executor.run(
            arrays, set(self.graph.outputs), batch_size, threads, counted=False
        )
        return outputs

    def random_codes(self, count: int, seed: int = 0) -> dict[str, np.ndarray]:
        """``count`` samples of random raw codes over each input type's whole range, its
        smallest and largest codes first (so later layers meet their overflow corners), as the
        type itself produces them; in hlsfx's layout, as :meth:`predict_codes` takes them."""
        return random_codes(self.graph, self.tensor_types, count, seed)

    def overflow_report_codes(
        self, codes: Any, *, batch_size: int | None = None, threads: int | None = None
    ) -> OverflowReport:
        """:meth:`overflow_report` for raw input codes, as :meth:`predict_codes` takes them."""
        return self._overflows(
            code_inputs(self.graph, self.tensor_types, codes), batch_size, threads
        )

    def _overflows(self, arrays: dict[str, Rows], batch_size, threads) -> OverflowReport:
        _, counts = self._executor.run(arrays, set(), batch_size, threads)
        return OverflowReport(counts, len(next(iter(arrays.values()))))

    def write_hls(self, path: str | Path, **options: Any) -> Path:
        """Write this model as a Vivado/Vitis HLS C++ project; see
        :func:`hlsfx.codegen.hls_project.write_hls_project` for ``options`` (backend,
        reuse_factor, strategy, part, clock_period, top, layers, vectors)."""
        from hlsfx.codegen.hls_project import write_hls_project

        if "strategy" in self.design:
            options.setdefault("strategy", self.design["strategy"])
        if "reuse_factor" in self.design and "reuse_factor" not in options:
            layers = {name: {"reuse_factor": r} for name, r in self.design["reuse_factor"].items()}
            for name, settings in options.get("layers", {}).items():
                layers[name] = {**layers.get(name, {}), **settings}
            options["layers"] = layers
        return write_hls_project(self, path, **options)

    def write_rtl(self, path: str | Path, **options: Any) -> Path:
        """Write this model as Verilog RTL with its interface description and test vectors;
        see :func:`hlsfx.codegen.rtl.write_rtl` for ``options`` (reuse_factor, top, ports,
        vectors)."""
        from hlsfx.codegen.rtl import write_rtl

        if "reuse_factor" in self.design:
            options.setdefault("reuse_factor", dict(self.design["reuse_factor"]))
        return write_rtl(self, path, **options)

    def trace(
        self,
        x: Any,
        *,
        raw: bool = False,
        batch_size: int | None = None,
        threads: int | None = None,
    ) -> dict[str, np.ndarray]:
        """Every layer's output by layer name (channels-last, batch first)."""
        keep = {layer.output for layer in self.graph.layers}
        outputs, _ = self._executor.run(
            float_inputs(self.graph, self.tensor_types, x),
            keep,
            batch_size,
            threads,
            fuse=False,
            counted=False,
        )
        return {
            layer.name: self._shaped(layer.output, outputs[layer.output], raw, False)
            for layer in self.graph.layers
        }

    def overflow_report(
        self, x: Any, *, batch_size: int | None = None, threads: int | None = None
    ) -> OverflowReport:
        """Count, per layer and role, the casts that saturated or wrapped on ``x``."""
        return self._overflows(float_inputs(self.graph, self.tensor_types, x), batch_size, threads)

    # -- describing ------------------------------------------------------------------------

    def config_table(self) -> str:
        """The resolved configuration as a table (automatic choices marked ``(auto)``)."""
        rows = [("layer", "kind", "role", "type")]
        for name in self.graph.inputs:
            rows.append((name, "input", "result", str(self.tensor_types[name])))
        for layer in self.graph.layers:
            p = self.precisions[layer.name]
            for role, t in p.types.items():
                mark = " (auto)" if role in p.automatic else ""
                rows.append((layer.name, layer.kind.name, role, f"{t}{mark}"))
            for role, table in p.tables.items():
                span = f"{table.size} entries over [{float(table.lo):g}, {float(table.hi):g})"
                rows.append((layer.name, layer.kind.name, f"{role} range", span))
            for option, value in p.options.items():
                rows.append((layer.name, layer.kind.name, option, value))
            if layer.attrs.get("rescale"):
                error = self.rescale_error(layer.name)
                note = "exact" if error == 0 else f"approximates the source, up to {error:.2e}"
                rows.append((layer.name, layer.kind.name, "rescale", f"multipliers {note}"))
        return _table(rows)

    def rescale_error(self, name: str) -> float:
        """The largest relative error of a rescale step's fixed-point multipliers against the
        source's scales (0 when its scale type holds them exactly)."""
        layer, p = self.graph.layer(name), self.precisions[name]
        source = np.asarray(layer.params["scale"], dtype=np.float64)
        ours = exact.to_float(p.params["scale"], p.types["scale"])
        nonzero = source != 0
        if not nonzero.any():
            return float(np.max(np.abs(ours), initial=0.0))
        return float(np.max(np.abs(ours - source)[nonzero] / np.abs(source[nonzero])))

    def __str__(self) -> str:
        return self.config_table()

    def config(self) -> dict[str, Any]:
        """Every resolved choice, explicitly (no ``auto``): ``configure(graph, config=...)``
        with it reproduces identical bits."""
        layers: dict[str, dict[str, Any]] = {}
        for layer in self.graph.layers:
            p = self.precisions[layer.name]
            settings: dict[str, Any] = {role: str(t) for role, t in p.types.items()}
            settings.update(p.options)
            for role, table in p.tables.items():
                settings[f"{role}_size"] = table.size
                if table.rule == NEAREST:  # the other rules fix their range
                    settings[f"{role}_range"] = [float(table.lo), float(table.hi)]
            layers[layer.name] = settings
        return {
            "hlsfx_config": CONFIG_VERSION,
            "numerics": self.numerics.name,
            "default": str(self.default),
            "inputs": {name: str(self.tensor_types[name]) for name in self.graph.inputs},
            "layers": layers,
        }

    def save_config(self, path: str | Path) -> Path:
        """Write :meth:`config` as JSON (``.json``) or YAML (``.yaml``, ``.yml``)."""
        path = Path(path)
        text = dump_config(self.config(), path)
        path.write_text(text)
        return path


def configure(
    graph: Graph,
    default: FixedType | str = "ap_fixed<16,6>",
    *,
    roles: Mapping[str, Any] | None = None,
    kinds: Mapping[str, Mapping[str, Any]] | None = None,
    layers: Mapping[str, Mapping[str, Any]] | None = None,
    inputs: Mapping[str, Any] | None = None,
    config: str | Path | Mapping[str, Any] | None = None,
    calibration: Any = None,
    strict_scales: bool = False,
    numerics: str | Dialect = "hlsfx",
) -> QuantizedModel:
    """Give every tensor of ``graph`` a fixed-point type.

    Parameters
    ----------
    graph : Graph
        From :func:`hlsfx.load`.
    default : FixedType or str
        The type of every role not set otherwise.
    roles : dict
        Model-wide settings per role, e.g. ``{"weight": "ap_fixed<8,2>"}``.
    kinds : dict
        Settings per layer kind, e.g. ``{"Dense": {"accum": "ap_fixed<24,12,AP_TRN,AP_SAT>"}}``.
    layers : dict
        Settings per layer name, e.g. ``{"fc1": {"result": "ap_fixed<12,4>"}}``.
    inputs : dict
        Types of the graph's inputs by name (default: ``default``).
    config : path or dict
        A configuration saved by :meth:`QuantizedModel.save_config` (or its ``config()``):
        it sets every layer and input, and its default replaces ``default``; ``layers`` and
        ``inputs`` still override it.
    calibration : array or dict of arrays
        Representative inputs: ``auto`` results get the integer bits that hold the largest
        magnitude each layer outputs on them, plus 10 %, at the default's width.
    strict_scales : bool
        Refuse a rescale step (a quantizer's scale that is not a power of two, or a
        BatchNormalization after quantized weights) whose fixed-point multipliers only
        approximate the source's scales; by default they do, and ``print(qm)`` shows by how
        much.
    numerics : str
        ``"hlsfx"`` (docs/numerics.md) or ``"hls4ml"``: hls4ml 1.3.0's rules, bit for bit with its C
        simulation (its lookup-table index rules and entries, its softmax, its decimal-text
        weights, its default types: tables ``ap_fixed<18,8>`` of 1024 entries, softmax
        tables and sums ``ap_fixed<18,8,AP_RND,AP_SAT>``, everything else the default type,
        accumulators included). A saved configuration brings its own.

    Settings are role names (``weight``, ``bias``, ``accum``, ``result``, ``table``,
    ``exp_table``, ``sum``, ``inv_table``) with a type or ``"auto"``, and ``<table>_size`` /
    ``<table>_range`` for tables. ``auto`` accumulators and sums are exact; ``auto`` weights and
    biases get the integer bits of their largest magnitude at the default's width.
    """
    verify(graph)
    if config is not None:
        saved = load_config(config) if isinstance(config, (str, Path)) else check_config(config)
        default = saved["default"]
        layers = {
            name: {**settings, **(layers or {}).get(name, {})}
            for name, settings in {**saved["layers"], **(layers or {})}.items()
        }
        inputs = {**saved["inputs"], **(inputs or {})}
        numerics = saved.get("numerics", numerics)
    numerics = dialect_named(numerics)
    if numerics.flatten_channels_last:
        graph = run_passes(graph, (flatten_channels_last,), ())
    observed = None
    if calibration is not None:
        # run the data with roomy result types, then size each auto result from what it saw
        wide = dict.fromkeys((layer.name for layer in graph.layers), None)
        tensors, precisions = resolve(graph, default, roles, kinds, layers, inputs, wide, numerics)
        trace = QuantizedModel(
            graph, tensors, precisions, FixedType.parse(default), numerics
        ).trace(calibration)
        observed = {
            name: float(np.max(np.abs(values), initial=0.0)) for name, values in trace.items()
        }
    tensors, precisions = resolve(graph, default, roles, kinds, layers, inputs, observed, numerics)
    qm = QuantizedModel(graph, tensors, precisions, FixedType.parse(default), numerics)
    inexact = [(x.name, qm.rescale_error(x.name)) for x in graph.layers if x.attrs.get("rescale")]
    inexact = [(name, error) for name, error in inexact if error]
    if strict_scales and inexact:
        listed = ", ".join(f"{name} (up to {error:.2e})" for name, error in inexact)
        raise ValueError(
            f"strict_scales: the fixed-point multipliers of {listed} only approximate the "
            "source's scales (not powers of two, or too fine for the scale type); set their "
            "'scale' type, or configure without strict_scales"
        )
    return qm
