"""Write a quantized model as a self-contained Vivado HLS / Vitis HLS C++ project (io_parallel).

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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hlsfx.codegen.cpp import cpp_type
from hlsfx.codegen.hls_layers import (
    HLS_LAYERS,
    LayerCode,
    LayerContext,
    headers_for,
    valid_reuse_factors,
)
from hlsfx.codegen.names import check_identifier, design_names
from hlsfx.codegen.output_folder import OutputFolder
from hlsfx.fixed_type import FixedType

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = [
    "BACKENDS",
    "CXXFLAGS",
    "STRATEGIES",
    "Port",
    "check_parallel_size",
    "design_vectors",
    "hls_src_dir",
    "read_vectors",
    "test_vectors",
    "vectors_text",
    "write_hls_project",
]

BACKENDS = ("vitis", "vivado")
STRATEGIES = ("latency", "resource")
CXXFLAGS = (
    "-std=c++14", "-Wall", "-Wextra",
    "-Wno-unknown-pragmas", "-Wno-unused-label",
    "-Wno-uninitialized", "-Wno-maybe-uninitialized",
    "-Wno-free-nonheap-object", "-Wno-mismatched-new-delete", "-Wno-mismatched-dealloc",
)  # fmt: skip
"""g++ flags of C simulation (an optimisation level is added). ``#pragma HLS`` and loop labels
are for the HLS tool, so g++ may ignore them quietly; the ap_types headers (included with
-isystem) still warn about their own uninitialised members; and g++ 12 spends ~50 s checking
deallocator calls in the static initialisers of large constant ap_fixed arrays, for warnings
that code without new/delete/free cannot raise. Every other -Wall -Wextra warning is ours."""
MANIFEST = "hlsfx_project.json"
DEFAULT_PART = "xcvu13p-flga2577-2-e"
DEFAULT_VECTORS = 100
MAX_PARALLEL_VALUES = 65536
"""io_parallel keeps every tensor in registers; a larger tensor is refused (io_stream would
carry it, but hlsfx does not write io_stream projects yet)."""
MAX_VECTORS = 1_000_000
"""test samples a written design may carry in tb_data/"""
MAX_MULTIPLIERS = 65536
"""multipliers one layer may instantiate (its multiplications / reuse factor)"""


@dataclass(frozen=True)
class Port:
    """A top-function argument: a graph input or output."""

    tensor: str
    """the tensor's name in the model"""
    var: str
    """its C++ identifier"""
    type: FixedType
    size: int


def hls_src_dir() -> Path:
    """The folder of the hlsfx C++ layer headers (installed with the package)."""
    import hlsfx

    for entry in hlsfx.__path__:  # installed: hlsfx/hls_src; a checkout: <root>/hls_src
        for candidate in (Path(entry) / "hls_src", Path(entry).parent / "hls_src"):
            if (candidate / "hlsfx_common.h").is_file():
                return candidate
    raise FileNotFoundError("the hlsfx C++ headers (hls_src) are missing from this installation")


def test_vectors(qm: QuantizedModel, count: int, seed: int = 0) -> dict[str, np.ndarray]:
    """``count`` samples of random raw codes over each input type's whole range (so later
    layers meet their overflow corners), as the type itself produces them."""
    from hlsfx.emulator.quantize import quantize, to_float

    rng = np.random.default_rng(seed)
    codes = {}
    for name in qm.graph.inputs:
        t, size = qm.tensor_types[name], math.prod(qm.graph.shapes[name])
        raw = rng.integers(t.min_code, t.max_code, (count, size), endpoint=True)
        raw[: min(count, 2)] = [[t.min_code], [t.max_code]][: min(count, 2)]
        codes[name] = quantize(to_float(raw, t), t)
    return codes


def design_vectors(qm: QuantizedModel, vectors: Any) -> dict[str, np.ndarray]:
    """The input codes a written design is tested on: ``vectors`` random samples (see
    :func:`test_vectors`) or the user's raw codes ``{input: (N, size)}``, checked: every input
    given and no other, integer codes of the input's type, 1 to :data:`MAX_VECTORS` samples."""
    if isinstance(vectors, bool) or not isinstance(vectors, (int, Mapping)):
        raise ValueError(
            f"vectors must be a number of samples or {{input: codes}}, not {vectors!r}"
        )
    if isinstance(vectors, int):
        if not 1 <= vectors <= MAX_VECTORS:
            raise ValueError(f"vectors must be 1 to {MAX_VECTORS:,} samples, not {vectors:,}")
        return test_vectors(qm, vectors)
    unknown = sorted(map(repr, set(vectors) - set(qm.graph.inputs)))
    if unknown:
        raise ValueError(f"vectors name no input {', '.join(unknown)}; the inputs are "
                         f"{list(qm.graph.inputs)}")  # fmt: skip
    codes = {}
    for name in qm.graph.inputs:
        if name not in vectors:
            raise ValueError(f"vectors lack input {name!r}")
        t, size = qm.tensor_types[name], math.prod(qm.graph.shapes[name])
        array = np.asarray(vectors[name])
        if array.dtype.kind not in "iu" or array.ndim != 2 or array.shape[1] != size:
            raise ValueError(f"vectors of input {name!r} must be integer codes of shape (N, "
                             f"{size}), not {array.dtype} {array.shape}")  # fmt: skip
        if not 1 <= len(array) <= MAX_VECTORS:
            raise ValueError(f"vectors of input {name!r}: 1 to {MAX_VECTORS:,} samples, not "
                             f"{len(array):,}")  # fmt: skip
        outside = (array < t.min_code) | (array > t.max_code)
        if outside.any():
            first = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValueError(f"vectors of input {name!r}: code {array[first]} at {first} is "
                             f"outside {t} ({t.min_code} .. {t.max_code})")  # fmt: skip
        codes[name] = array.astype(np.int64)
    if len({len(a) for a in codes.values()}) > 1:
        raise ValueError("vectors of the inputs have different numbers of samples")
    return codes


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
    qm: QuantizedModel, reuse_factor: int, strategy: str, layers: Mapping[str, Mapping] | None
) -> dict[str, tuple[int, str]]:
    settings = {}
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
        s = _check_choice(
            f"{layer.describe()}: strategy", own.get("strategy", strategy), STRATEGIES
        )
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
            )
        )
    return contexts, var


def _validate_reuse(ctx: LayerContext, explicit: bool) -> None:
    spec = HLS_LAYERS[ctx.layer.kind]
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


def check_parallel_size(qm: QuantizedModel) -> None:
    """Refuse, before anything slow, a tensor too large for an io_parallel design (the HLS
    project's and the RTL's), naming it and its size."""
    for tensor, shape in qm.graph.shapes.items():
        if math.prod(shape) > MAX_PARALLEL_VALUES:
            raise ValueError(
                f"tensor {tensor!r} of shape {shape} holds {math.prod(shape):,} values; an "
                f"io_parallel design keeps every tensor in registers, at most "
                f"{MAX_PARALLEL_VALUES:,} values each (io_stream is not supported yet)"
            )


def _check_size(qm: QuantizedModel, contexts: list[LayerContext]) -> None:
    """Refuse, before anything slow, a model too large for an io_parallel design."""
    check_parallel_size(qm)
    for ctx in contexts:
        spec = HLS_LAYERS[ctx.layer.kind]
        if spec.multipliers is not None:
            count = math.ceil(spec.multipliers(ctx) / ctx.reuse_factor)
            if count > MAX_MULTIPLIERS:
                raise ValueError(
                    f"{ctx.layer.describe()} needs {count:,} multipliers at reuse factor "
                    f"{ctx.reuse_factor}, more than {MAX_MULTIPLIERS:,}: raise its reuse factor"
                )


def _header_guard(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "_", name.upper()) + "_"


def _ports(qm: QuantizedModel, var: dict) -> tuple[list[Port], list[Port]]:
    def port(t: str) -> Port:
        return Port(t, var[t], qm.tensor_types[t], math.prod(qm.graph.shapes[t]))

    return [port(t) for t in qm.graph.inputs], [port(t) for t in qm.graph.outputs]


def _shape_comment(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


def write_hls_project(
    qm: QuantizedModel,
    path: str | Path,
    *,
    backend: str = "vitis",
    reuse_factor: int = 1,
    strategy: str = "latency",
    part: str = DEFAULT_PART,
    clock_period: float = 5.0,
    top: str = "myproject",
    layers: Mapping[str, Mapping[str, Any]] | None = None,
    vectors: Any = DEFAULT_VECTORS,
) -> Path:
    """Write ``qm`` as an HLS project in ``path`` (created; files hlsfx writes are replaced).

    ``layers`` overrides ``reuse_factor`` and ``strategy`` per layer name. ``vectors`` is the
    number of random test samples (raw codes over each input type's range) or raw input codes
    ``{input: (N, size)}`` in hlsfx's channels-last layout; the emulator's outputs for them go
    to ``tb_data/`` for the testbench. Returns the project folder.
    """
    backend = _check_choice("backend", backend, BACKENDS)
    strategy = _check_choice("strategy", strategy, STRATEGIES)
    _check_reuse(reuse_factor, "the model")
    check_identifier("top", top)
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", str(part)):
        raise ValueError(f"part {part!r} is not an FPGA part name (letters, digits, '-', '_', '.')")
    clock_period = _check_clock(clock_period)
    folder = OutputFolder(path, "hls_project")
    settings = _layer_settings(qm, reuse_factor, strategy, layers)
    contexts, var = _contexts(qm, top, settings)
    explicit = {name for name, own in (layers or {}).items() if "reuse_factor" in own}
    for ctx in contexts:
        _validate_reuse(ctx, ctx.layer.name in explicit or reuse_factor != 1)
    _check_size(qm, contexts)
    inputs, outputs = _ports(qm, var)
    for port in inputs:
        if port.tensor in qm.graph.outputs:
            raise ValueError(f"input {port.tensor!r} is also an output; no layer computes it")
    codes = design_vectors(qm, vectors)
    expected = qm.predict_codes(codes)
    codes_by_layer = [_layer_code(ctx) for ctx in contexts]

    headers = headers_for(c.layer.kind for c in contexts)
    for header in headers:
        folder.add(f"firmware/hls_src/{header}", (hls_src_dir() / header).read_bytes())
    folder.add("firmware/defines.h", _defines(qm, contexts, inputs))
    weight_files = []
    for ctx, code in zip(contexts, codes_by_layer, strict=True):
        if code.constants:
            name = f"{ctx.ident}.h"
            weight_files.append(name)
            folder.add(f"firmware/weights/{name}", _weights_header(ctx, code.constants))
    folder.add("firmware/parameters.h", _parameters(contexts, codes_by_layer, headers))
    folder.add(f"firmware/{top}.h", _top_header(top, inputs, outputs))
    folder.add(
        f"firmware/{top}.cpp", _top_source(top, qm, contexts, codes_by_layer, inputs, outputs,
                                           weight_files)
    )  # fmt: skip
    folder.add(f"{top}_test.cpp", _testbench(top, inputs, outputs))
    folder.add("tb_data/inputs_raw.dat", vectors_text(codes, list(qm.graph.inputs)))
    folder.add("tb_data/expected_raw.dat", vectors_text(expected, list(qm.graph.outputs)))
    folder.add("build_prj.tcl", _tcl(top, backend, part, float(clock_period)))
    folder.add("Makefile", _makefile(top))
    folder.add("README.md", _readme(qm, top, backend, part, float(clock_period), contexts))
    manifest = {
        "top": top,
        "backend": backend,
        "part": part,
        "clock_period": float(clock_period),
        "inputs": [_port_json(p) for p in inputs],
        "outputs": [_port_json(p) for p in outputs],
        "samples": len(next(iter(codes.values()))),
    }
    folder.add(MANIFEST, json.dumps(manifest, indent=2) + "\n")
    root = folder.commit()
    return root


def _layer_code(ctx: LayerContext) -> LayerCode:
    """The layer's code from its kind's writer (errors name the layer)."""
    return HLS_LAYERS[ctx.layer.kind].write(ctx)


def _port_json(port: Port) -> dict:
    return {"tensor": port.tensor, "var": port.var, "type": str(port.type), "size": port.size}


def _defines(qm: QuantizedModel, contexts: list[LayerContext], inputs: list[Port]) -> str:
    lines = [
        "// One type per tensor of the model (hlsfx writes integer types as ap_fixed<W,W>).",
        "#ifndef DEFINES_H_",
        "#define DEFINES_H_",
        "",
        '#include "ap_fixed.h"',
        '#include "ap_int.h"',
        "",
    ]
    for port in inputs:
        lines.append(f"typedef {cpp_type(port.type)} {port.var}_t;")
    for ctx in contexts:
        lines.append(f"typedef {cpp_type(qm.tensor_types[ctx.layer.output])} {ctx.out_typedef};")
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


def _top_header(top: str, inputs: list[Port], outputs: list[Port]) -> str:
    guard = _header_guard(f"{top}_h")
    return "\n".join(
        [
            f"#ifndef {guard}",
            f"#define {guard}",
            "",
            '#include "defines.h"',
            "",
            _signature(top, inputs, outputs) + ";",
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


def _raw_type(t: FixedType) -> str:
    return f"ap_{'' if t.signed else 'u'}int<{t.width}>"


def _testbench(top: str, inputs: list[Port], outputs: list[Port]) -> str:
    declare_inputs = []
    for p in inputs:
        declare_inputs += [
            f"        {p.var}_t {p.var}[{p.size}];",
            f"        for (unsigned i = 0; i < {p.size}; i++) {{",
            "            long long code = 0;",
            '            if (!(in >> code)) return bad_line("inputs_raw.dat", sample);',
            f"            {p.var}[i].range() = code;",
            "        }",
        ]
    declare_outputs = [f"        {p.var}_t {p.var}[{p.size}];" for p in outputs]
    check_outputs = []
    for k, p in enumerate(outputs):
        check_outputs += [
            f"        for (unsigned i = 0; i < {p.size}; i++) {{",
            "            long long want = 0;",
            '            if (!(expected >> want)) return bad_line("expected_raw.dat", sample);',
            f"            const {_raw_type(p.type)} raw = {p.var}[i].range();",
            "            const long long got = raw.to_int64();",
            '            results << (first ? "" : " ") << got;',
            "            first = false;",
            "            if (got != want) {",
            f"                mismatches[{k}]++;",
            "                if (reported++ < MAX_REPORTED) {",
            '                    std::printf("MISMATCH sample %lu output %s index %u: "',
            '                                "expected %lld, got %lld\\n",',
            f"                                sample, output_names[{k}], i, want, got);",
            "                }",
            "            }",
            "        }",
        ]
    names = ", ".join(json.dumps(p.var) for p in outputs)
    call_args = ", ".join(p.var for p in (*inputs, *outputs))
    return "\n".join(
        [
            f"// Testbench of {top}: replays tb_data/inputs_raw.dat (raw input codes, one sample",
            "// per line) and compares every output code with the emulator's, from",
            "// tb_data/expected_raw.dat. Writes the codes it computed to tb_data/csim_results.dat",
            "// and ends with PASS or FAIL (exit status 0 or 1).",
            "#include <cstdio>",
            "#include <fstream>",
            "#include <sstream>",
            "#include <string>",
            "",
            f'#include "firmware/{top}.h"',
            "",
            "static const unsigned MAX_REPORTED = 20;",
            f"static const char *output_names[{len(outputs)}] = {{{names}}};",
            "",
            "static int bad_line(const char *file, unsigned long sample) {",
            '    std::printf("ERROR: tb_data/%s: line %lu is short\\n", file, sample + 1);',
            "    return 2;",
            "}",
            "",
            "int main(int argc, char **argv) {",
            '    const std::string dir = argc > 1 ? argv[1] : "tb_data";',
            '    std::ifstream inputs((dir + "/inputs_raw.dat").c_str());',
            '    std::ifstream expected_lines((dir + "/expected_raw.dat").c_str());',
            '    std::ofstream results((dir + "/csim_results.dat").c_str());',
            "    if (!inputs || !expected_lines || !results) {",
            '        std::printf("ERROR: cannot open the files in %s\\n", dir.c_str());',
            "        return 2;",
            "    }",
            f"    unsigned long mismatches[{len(outputs)}] = {{0}};",
            "    unsigned long sample = 0;",
            "    unsigned reported = 0;",
            "    std::string input_line, expected_line;",
            "    while (std::getline(inputs, input_line) && "
            "std::getline(expected_lines, expected_line)) {",
            "        std::istringstream in(input_line);",
            "        std::istringstream expected(expected_line);",
            *declare_inputs,
            *declare_outputs,
            f"        {top}({call_args});",
            "        bool first = true;",
            *check_outputs,
            '        results << "\\n";',
            "        sample++;",
            "    }",
            "    unsigned long total = 0;",
            f"    for (unsigned k = 0; k < {len(outputs)}; k++) {{",
            '        std::printf("output %s: %lu mismatches\\n", output_names[k], mismatches[k]);',
            "        total += mismatches[k];",
            "    }",
            '    std::printf("%s: %lu samples, %lu mismatches\\n", total || sample == 0 ? "FAIL" : '
            '"PASS", sample, total);',
            "    return total || sample == 0 ? 1 : 0;",
            "}",
            "",
        ]
    )


def vectors_text(codes: Mapping[str, np.ndarray], tensors: list[str]) -> str:
    """Raw codes as text, one sample per line: the tensors' codes in order, each flattened."""
    rows = np.concatenate([np.asarray(codes[t]).reshape(len(codes[t]), -1) for t in tensors], 1)
    return "".join(" ".join(str(int(v)) for v in row) + "\n" for row in rows)


def read_vectors(path: Path, width: int) -> np.ndarray:
    """Codes written by :func:`vectors_text` (or a testbench), as rows of ``width`` codes."""
    text = path.read_text().split()
    if len(text) % width:
        raise ValueError(f"{path}: {len(text)} codes do not make rows of {width}")
    return np.array([int(v) for v in text], dtype=np.int64).reshape(-1, width)


def _tcl(top: str, backend: str, part: str, clock_period: float) -> str:
    cflags = (
        "-std=c++0x -I firmware -I firmware/hls_src"
        if backend == "vivado"
        else ("-std=c++14 -I firmware -I firmware/hls_src")
    )
    solution = (
        'open_solution -reset "solution1"'
        if backend == "vivado"
        else 'open_solution -reset "solution1" -flow_target vivado'
    )
    tool = "vivado_hls" if backend == "vivado" else "vitis_hls"
    return "\n".join(
        [
            f"# {tool} -f build_prj.tcl -tclargs csim=1 synth=1 cosim=0 export=0",
            "# (the steps left out keep the values below)",
            "array set opt {csim 0 synth 1 cosim 0 export 0}",
            "foreach arg $argv {",
            '    set pair [split $arg "="]',
            "    if {[llength $pair] == 2 && [info exists opt([lindex $pair 0])]} {",
            "        set opt([lindex $pair 0]) [lindex $pair 1]",
            "    }",
            "}",
            "",
            f"open_project -reset {top}_prj",
            f"set_top {top}",
            f'add_files firmware/{top}.cpp -cflags "{cflags}"',
            f'add_files -tb {top}_test.cpp -cflags "{cflags}"',
            "add_files -tb tb_data",
            solution,
            f"set_part {{{part}}}",
            f"create_clock -period {clock_period:g} -name default",
            "",
            "if {$opt(csim)} { csim_design }",
            "if {$opt(synth)} { csynth_design }",
            "if {$opt(cosim)} { cosim_design -trace_level none }",
            "if {$opt(export)} { export_design -format ip_catalog }",
            "exit",
            "",
        ]
    )


def _makefile(top: str) -> str:
    flags = " ".join(CXXFLAGS)
    return "\n".join(
        [
            "# C simulation with g++: make csim AP_TYPES=<folder holding ap_fixed.h>",
            "# (hlsfx csim . finds the headers itself: $HLSFX_AP_TYPES, $XILINX_HLS/include,",
            "# or the copy in the hls4ml wheel)",
            "AP_TYPES ?= $(XILINX_HLS)/include",
            "CXX ?= g++",
            f"CXXFLAGS ?= -O1 {flags}",
            "",
            ".PHONY: csim clean",
            "",
            "csim: build/csim",
            "\t./build/csim tb_data",
            "",
            f"build/csim: {top}_test.cpp $(wildcard firmware/*.cpp firmware/*.h firmware/*/*.h)",
            "\tmkdir -p build",
            f'\t$(CXX) $(CXXFLAGS) -isystem "$(AP_TYPES)" -Ifirmware {top}_test.cpp '
            f"firmware/{top}.cpp -o $@",
            "",
            "clean:",
            "\trm -rf build",
            "",
        ]
    )


def _one_line(text: str) -> str:
    """Untrusted text shown in Markdown: printable, one line, no backticks, at most 80."""
    kept = "".join(c if c.isprintable() and c != "`" else " " for c in str(text))
    return " ".join(kept.split())[:80] or "?"


def _readme(qm, top, backend, part, clock_period, contexts) -> str:
    tool = "vivado_hls" if backend == "vivado" else "vitis_hls"
    rows = [
        f"| {c.ident} | {c.layer.kind.name} | {c.reuse_factor} | {c.strategy} |" for c in contexts
    ]
    return "\n".join(
        [
            f"# {top}: HLS project written by hlsfx",
            "",
            f"Model `{_one_line(qm.graph.name)}`, io_parallel, for {backend} HLS, part `{part}`, "
            f"clock {clock_period:g} ns.",
            "The C++ computes the same bits as the hlsfx emulator; `tb_data/` holds test vectors",
            "and the emulator's outputs for them (raw integer codes).",
            "",
            "- C simulation with g++: `hlsfx csim .` (or `make csim AP_TYPES=<ap_types folder>`)",
            f"- With the vendor tool: `{tool} -f build_prj.tcl -tclargs csim=1 synth=1 cosim=1`",
            "  (or `hlsfx build . --csim --synth --cosim`), then `hlsfx report .`",
            "",
            "| layer | kind | reuse factor | strategy |",
            "|---|---|---|---|",
            *rows,
            "",
        ]
    )
