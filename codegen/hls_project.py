"""Write a quantized model as a self-contained Vivado HLS / Vitis HLS C++ project: io_parallel
(every tensor an array in registers) or io_stream (every tensor a stream of pixels,
:mod:`.hls_stream`).

Layout of a project::

    hlsfx_project.json          what hlsfx needs to run it again (top, ports, backend)
    README.md
    build_prj.tcl               csim / csynth / cosim / export with vivado_hls or vitis_hls
    Makefile                    C simulation with g++ against the real ap_types headers
    <top>_test.cpp              testbench: replays tb_data/, reports every mismatch
    firmware/<top>.cpp, .h      the top function
    firmware/defines.h          one typedef per tensor
    firmware/parameters.h       one config struct per layer
    firmware/weights/<layer>.h  weights, tables and constants as exact literals
    firmware/hls_src/           the hlsfx layer headers the model uses
    tb_data/inputs_raw.dat      input codes, one sample per line
    tb_data/expected_raw.dat    the emulator's output codes for them
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hlsfx.codegen.adder_graph import code_range
from hlsfx.codegen.cpp import cpp_type
from hlsfx.codegen.hls_distributed import DISTRIBUTED_HEADER, DISTRIBUTED_HLS_LAYERS
from hlsfx.codegen.hls_layers import (
    HLS_LAYERS,
    LayerCode,
    LayerContext,
    headers_for,
    valid_reuse_factors,
)
from hlsfx.codegen.hls_skeletons import CXXFLAGS, Port, makefile, readme, tcl, testbench
from hlsfx.codegen.hls_stream import (
    STREAM_HEADER,
    stream_plan,
    stream_signature,
    stream_top_source,
)
from hlsfx.codegen.limits import check_parallel_size
from hlsfx.codegen.names import design_names
from hlsfx.codegen.output_folder import OutputFolder
from hlsfx.codegen.project_files import MANIFEST
from hlsfx.codegen.strategies import (
    DISTRIBUTED,
    STRATEGIES,
    check_distributed,
    layer_strategies,
)
from hlsfx.codegen.stream_graph import pixel_size
from hlsfx.codegen.vectors import design_vectors, vectors_text

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = [
    "BACKENDS",
    "CXXFLAGS",  # the C simulation's, from hls_skeletons
    "IO_TYPES",
    "Port",
    "hls_src_dir",
    "write_hls_project",
]

BACKENDS = ("vitis", "vivado")
IO_TYPES = ("io_parallel", "io_stream")
DEFAULT_PART = "xcvu13p-flga2577-2-e"
DEFAULT_VECTORS = 100
MAX_MULTIPLIERS = 65536
"""multipliers one layer may instantiate (its multiplications / reuse factor)"""


def hls_src_dir() -> Path:
    """The folder of the hlsfx C++ layer headers (installed with the package)."""
    folder = Path(str(resources.files("hlsfx.hls_src")))
    if not (folder / "hlsfx_common.h").is_file():
        raise FileNotFoundError(f"the hlsfx C++ headers are missing from {folder}")
    return folder


def _check_choice(what: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{what} {value!r} is not one of {', '.join(choices)}")
    return value


def _check_clock(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if math.isfinite(value) and value > 0:
            return float(value)
    raise ValueError(f"clock_period must be a finite positive number of ns, not {value!r}")


def _check_reuse(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{where}: reuse_factor must be a positive integer, not {value!r}")
    return value


def _layer_settings(
    qm: QuantizedModel,
    reuse_factor: int,
    strategy: str | Mapping[str, str],
    layers: Mapping[str, Mapping] | None,
) -> dict[str, tuple[int, str]]:
    settings = {}
    chosen = layer_strategies(qm, strategy, DISTRIBUTED_HLS_LAYERS)
    overrides = dict(layers or {})
    known = {layer.name for layer in qm.graph.layers}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ValueError(f"no layer {unknown[0]!r} in the model; the layers are {sorted(known)}")
    for layer in qm.graph.layers:
        own = dict(overrides.get(layer.name, {}))
        extra = sorted(set(own) - {"reuse_factor", "strategy"})
        if extra:
            raise ValueError(
                f"{layer.describe()}: unknown HLS setting {extra[0]!r} "
                "(per layer: reuse_factor, strategy)"
            )
        r = _check_reuse(own.get("reuse_factor", reuse_factor), layer.describe())
        s = own.get("strategy", chosen[layer.name])
        _check_choice(f"{layer.describe()}: strategy", s, STRATEGIES)
        check_distributed(qm, layer, s, r, DISTRIBUTED_HLS_LAYERS)
        settings[layer.name] = (r, s)
    return settings


def _contexts(qm: QuantizedModel, top: str, settings) -> tuple[list[LayerContext], dict]:
    graph = qm.graph
    names = design_names(top, graph.inputs, [layer.name for layer in graph.layers])
    var, idents = dict(names.inputs), names.layers
    for layer in graph.layers:
        var[layer.output] = f"{idents[layer.name]}_out"
    contexts = []
    for layer in graph.layers:
        r, s = settings[layer.name]
        in_types = tuple(qm.tensor_types[t] for t in layer.inputs)
        contexts.append(
            LayerContext(
                layer=layer,
                ident=idents[layer.name],
                precision=qm.precisions[layer.name],
                in_types=in_types,
                in_shapes=tuple(graph.shapes[t] for t in layer.inputs),
                out_shape=graph.shapes[layer.output],
                in_vars=tuple(var[t] for t in layer.inputs),
                in_typedefs=tuple(f"{var[t]}_t" for t in layer.inputs),
                out_var=var[layer.output],
                out_typedef=f"{var[layer.output]}_t",
                reuse_factor=r,
                strategy=s,
                x_range=code_range(qm, layer.inputs[0]),
            )
        )
    return contexts, var


def _validate_reuse(ctx: LayerContext, explicit: bool) -> None:
    spec = HLS_LAYERS[ctx.layer.kind]
    if ctx.strategy == DISTRIBUTED:  # no multiplier; its reuse factor was checked to be 1
        return
    if spec.multipliers is None:
        if explicit and ctx.reuse_factor != 1:
            raise ValueError(
                f"{ctx.layer.describe()} has no multiplications to share: a reuse factor applies "
                "to Dense, convolutions and BatchNormalization"
            )
        return
    multipliers = spec.multipliers(ctx)
    valid = valid_reuse_factors(multipliers)
    if ctx.reuse_factor not in valid:
        raise ValueError(
            f"{ctx.layer.describe()}: reuse factor {ctx.reuse_factor} does not divide its "
            f"{multipliers} multiplications; valid reuse factors: {valid}"
        )


def _check_size(qm: QuantizedModel, contexts: list[LayerContext], io_type: str) -> None:
    """Refuse, before anything slow, a model too large for the design."""
    if io_type == "io_parallel":
        check_parallel_size(qm)
    for ctx in contexts:
        spec = HLS_LAYERS[ctx.layer.kind]
        if spec.multipliers is not None and ctx.strategy != DISTRIBUTED:
            count = math.ceil(spec.multipliers(ctx) / ctx.reuse_factor)
            if count > MAX_MULTIPLIERS:
                raise ValueError(
                    f"{ctx.layer.describe()} needs {count:,} multipliers at reuse factor "
                    f"{ctx.reuse_factor}, more than {MAX_MULTIPLIERS:,}: raise its reuse factor"
                )


def _header_guard(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_"


def _ports(qm: QuantizedModel, var: dict, io_type: str) -> tuple[list[Port], list[Port]]:
    def port(t: str) -> Port:
        shape = qm.graph.shapes[t]
        pixel = pixel_size(shape) if io_type == "io_stream" else 0
        return Port(t, var[t], qm.tensor_types[t], math.prod(shape), pixel)

    return [port(t) for t in qm.graph.inputs], [port(t) for t in qm.graph.outputs]


def _shape_comment(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def write_hls_project(
    qm: QuantizedModel,
    path: str | Path,
    *,
    backend: str = "vitis",
    reuse_factor: int = 1,
    strategy: str | Mapping[str, str] = "latency",
    part: str = DEFAULT_PART,
    clock_period: float = 5.0,
    top: str = "myproject",
    layers: Mapping[str, Mapping[str, Any]] | None = None,
    vectors: Any = DEFAULT_VECTORS,
    io_type: str = "io_parallel",
    fifo_depths: Mapping[str, int] | None = None,
) -> Path:
    """Write ``qm`` as an HLS project in ``path`` (created; files hlsfx writes are replaced).

    ``io_type`` is ``"io_parallel"`` (every tensor an array, the top function pipelined) or
    ``"io_stream"`` (every tensor an ``hls::stream`` of pixels, the layers a DATAFLOW region,
    convolutions and pooling over line buffers; the ports AXI-Stream). ``strategy`` is
    ``"latency"``, ``"resource"`` or (io_parallel) ``"distributed"`` (Dense and convolutions
    as generated shifts and adds, no multiplier), for all layers or by layer and kind name;
    ``layers`` overrides ``reuse_factor`` and ``strategy`` per layer name. ``vectors`` is the
    number of random test samples (raw codes over each input type's range) or raw input codes
    ``{input: (N, size)}`` in hlsfx's channels-last layout; the emulator's outputs for them go
    to ``tb_data/`` for the testbench. ``fifo_depths`` (io_stream) sets stream depths by the
    FIFO names of the io_stream RTL (``interface.json``'s ``fifos``;
    :func:`hlsfx.cosim.size_fifos` measures them). Returns the project folder.
    """
    backend = _check_choice("backend", backend, BACKENDS)
    io_type = _check_choice("io_type", io_type, IO_TYPES)
    _check_reuse(reuse_factor, "the model")
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", str(part)):
        raise ValueError(f"part {part!r} is not an FPGA part name (letters, digits, '-', '_', '.')")
    clock_period = _check_clock(clock_period)
    folder = OutputFolder(path, "hls_project")
    settings = _layer_settings(qm, reuse_factor, strategy, layers)
    contexts, var = _contexts(qm, top, settings)
    explicit = {name for name, own in (layers or {}).items() if "reuse_factor" in own}
    for ctx in contexts:
        _validate_reuse(ctx, ctx.layer.name in explicit or reuse_factor != 1)
    _check_size(qm, contexts, io_type)
    inputs, outputs = _ports(qm, var, io_type)
    for port in inputs:
        if port.tensor in qm.graph.outputs:
            raise ValueError(f"input {port.tensor!r} is also an output; no layer computes it")
    codes, expected = design_vectors(qm, vectors)
    stream = io_type == "io_stream"
    if fifo_depths is not None and not stream:
        raise ValueError("fifo_depths sets the streams of an io_stream project")
    distributed = [ctx.layer.describe() for ctx in contexts if ctx.strategy == DISTRIBUTED]
    if stream and distributed:
        raise ValueError(
            f"{distributed[0]}: strategy 'distributed' is written for io_parallel "
            "designs; io_stream layers use multipliers"
        )
    plan = stream_plan(qm.graph, contexts, var, fifo_depths or {}) if stream else None
    layer_codes = plan.codes if plan else [_layer_code(ctx) for ctx in contexts]
    headers = headers_for(c.layer.kind for c in contexts if c.strategy != DISTRIBUTED)
    headers = sorted({*headers, DISTRIBUTED_HEADER}) if distributed else headers
    headers += [STREAM_HEADER] if stream else []
    for header in headers:
        folder.add(f"firmware/hls_src/{header}", (hls_src_dir() / header).read_bytes())
    folder.add("firmware/defines.h", _defines(qm, contexts, inputs, stream))
    weight_files = [
        f"{ctx.ident}.h" for ctx, code in zip(contexts, layer_codes, strict=True) if code.constants
    ]
    if plan:
        source = stream_top_source(top, qm.graph, contexts, plan, inputs, outputs, weight_files)
    else:
        source = _top_source(top, qm, contexts, layer_codes, inputs, outputs, weight_files)
    for ctx, code in zip(contexts, layer_codes, strict=True):
        if code.constants:
            folder.add(f"firmware/weights/{ctx.ident}.h", _weights_header(ctx, code.constants))
    folder.add("firmware/parameters.h", _parameters(contexts, layer_codes, headers))
    folder.add(f"firmware/{top}.h", _top_header(top, inputs, outputs, stream))
    folder.add(f"firmware/{top}.cpp", source)
    folder.add(f"{top}_test.cpp", testbench(top, inputs, outputs))
    folder.add("tb_data/inputs_raw.dat", vectors_text(codes, list(qm.graph.inputs)))
    folder.add("tb_data/expected_raw.dat", vectors_text(expected, list(qm.graph.outputs)))
    folder.add("build_prj.tcl", tcl(top, backend, part, clock_period))
    folder.add("Makefile", makefile(top))
    folder.add("README.md", readme(qm, top, backend, part, clock_period, contexts, io_type))
    manifest = {
        "top": top,
        "backend": backend,
        "part": part,
        "clock_period": clock_period,
        "io_type": io_type,
        "inputs": [_port_json(p) for p in inputs],
        "outputs": [_port_json(p) for p in outputs],
        "samples": len(next(iter(codes.values()))),
    }
    folder.add(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    root = folder.commit()
    return root


def _layer_code(ctx: LayerContext) -> LayerCode:
    """The layer's code from its kind's writer (errors name the layer)."""
    if ctx.strategy == DISTRIBUTED:
        return DISTRIBUTED_HLS_LAYERS[ctx.layer.kind](ctx)
    return HLS_LAYERS[ctx.layer.kind].write(ctx)


def _port_json(port: Port) -> dict:
    kept = {"tensor": port.tensor, "var": port.var, "type": str(port.type), "size": port.size}
    return {**kept, "pixel": port.pixel} if port.pixel else kept


STRING_CONSTANT_BITS = 27
"""bits ap_fixed's string constructor adds to a constant's width while it reads it"""
AP_INT_MAX_W = 2048
"""the bound on ap_int widths a project with wider constants sets (the headers allow 4096)"""


def _defines(
    qm: QuantizedModel, contexts: list[LayerContext], inputs: list[Port], stream: bool
) -> str:
    widest = max(t.width for p in qm.precisions.values() for t in p.types.values())
    bound = (
        [  # ap_fixed's string constructor reads a W-bit constant through a W + 27-bit type
            f"#define AP_INT_MAX_W {AP_INT_MAX_W}"
            f"  // {widest}-bit constants: over the default 1024",
            "",
        ]
        if widest + STRING_CONSTANT_BITS > 1024
        else []
    )
    lines = [
        "// One type per tensor of the model (hlsfx writes integer types as ap_fixed<W,W>).",
        "#ifndef DEFINES_H_",
        "#define DEFINES_H_",
        "",
        *bound,
        '#include "ap_fixed.h"',
        '#include "ap_int.h"',
        *([f'#include "hls_src/{STREAM_HEADER}"'] if stream else []),
        "",
    ]
    typedefs = [(port.var, port.tensor) for port in inputs]
    typedefs += [(ctx.out_var, ctx.layer.output) for ctx in contexts]
    for v, tensor in typedefs:
        lines.append(f"typedef {cpp_type(qm.tensor_types[tensor])} {v}_t;")
    if stream:  # one transfer: every channel of one position
        lines += [
            "",
            *(
                f"typedef hlsfx::pixel<{v}_t, {pixel_size(qm.graph.shapes[t])}> {v}_pixel_t;"
                for v, t in typedefs
            ),
        ]
    lines += ["", "#endif", ""]
    return "\n".join(lines)


def _weights_header(ctx: LayerContext, constants: str) -> str:
    guard = _header_guard(f"weights_{ctx.ident}_h")
    return "\n".join(
        [
            f"// Constants of layer {ctx.ident} ({ctx.layer.kind.name}), exact values.",
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            constants,
            "",
            "#endif",
            "",
        ]
    )


def _parameters(contexts: list[LayerContext], codes, headers: list[str]) -> str:
    lines = [
        "// One config struct per layer: sizes, reuse factor, strategy and internal types.",
        "#ifndef PARAMETERS_H_",
        "#define PARAMETERS_H_",
        "",
        '#include "defines.h"',
        *(f'#include "hls_src/{h}"' for h in headers),
        "",
    ]
    for ctx, code in zip(contexts, codes, strict=True):
        lines += [f"// {ctx.ident}: {ctx.layer.kind.name}", code.config, ""]
    lines += ["#endif", ""]
    return "\n".join(lines)


def _signature(top: str, inputs: list[Port], outputs: list[Port]) -> str:
    args = [f"const {p.var}_t {p.var}[{p.size}]" for p in inputs]
    args += [f"{p.var}_t {p.var}[{p.size}]" for p in outputs]
    return f"void {top}(" + ", ".join(args) + ")"


def _top_header(top: str, inputs: list[Port], outputs: list[Port], stream: bool) -> str:
    guard = _header_guard(f"{top}_h")
    return "\n".join(
        [
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            '#include "defines.h"',
            "",
            (stream_signature if stream else _signature)(top, inputs, outputs) + ";",
            "",
            "#endif",
            "",
        ]
    )


def _top_source(top, qm, contexts, codes, inputs, outputs, weight_files) -> str:
    ports = ",".join(p.var for p in (*inputs, *outputs))
    lines = [
        f'#include "{top}.h"',
        '#include "parameters.h"',
        *(f'#include "weights/{name}"' for name in weight_files),
        "",
        _signature(top, inputs, outputs) + " {",
        *(f"    #pragma HLS ARRAY_RESHAPE variable={p.var} complete dim=0" for p in inputs),
        *(f"    #pragma HLS ARRAY_PARTITION variable={p.var} complete dim=0" for p in outputs),
        f"    #pragma HLS INTERFACE ap_vld port={ports}",
        "    #pragma HLS PIPELINE",
        "",
    ]
    output_vars = {p.var for p in outputs}
    for ctx, code in zip(contexts, codes, strict=True):
        shape = qm.graph.shapes[ctx.layer.output]
        lines.append(f"    // {ctx.ident}: {ctx.layer.kind.name} -> {_shape_comment(shape)}")
        if ctx.out_var not in output_vars:
            lines.append(f"    {ctx.out_typedef} {ctx.out_var}[{math.prod(shape)}];")
            lines.append(f"    #pragma HLS ARRAY_PARTITION variable={ctx.out_var} complete dim=0")
        lines += [f"    {code.call}", ""]
    lines[-1] = "}"
    lines.append("")
    return "\n".join(lines)
