"""The whole-file parts of an HLS project around the layers: the testbench that replays
tb_data/, the vendor Tcl script, the Makefile of the C simulation and the README."""

from __future__ import annotations

import json
from dataclasses import dataclass

from hlsfx.codegen.project_files import SOLUTION
from hlsfx.ir.fixed_type import FixedType

__all__ = ["CXXFLAGS", "Port", "makefile", "readme", "tcl", "testbench"]

CXXFLAGS = (
    "-std=c++14",
    "-Wall",
    "-Wextra",
    "-Wno-unknown-pragmas",
    "-Wno-unused-label",
    "-Wno-uninitialized",
    "-Wno-maybe-uninitialized",
    "-Wno-free-nonheap-object",
    "-Wno-mismatched-new-delete",
    "-Wno-mismatched-dealloc",
)
"""g++ flags of C simulation (an optimisation level is added). ``#pragma HLS`` and loop labels
are for the HLS tool, so g++ may ignore them quietly; the ap_types headers (included with
-isystem) still warn about their own uninitialised members; and g++ 12 spends ~50 s checking
deallocator calls in the static initialisers of large constant ap_fixed arrays, for warnings
that code without new/delete/free cannot raise. Every other -Wall -Wextra warning is ours."""


@dataclass(frozen=True)
class Port:
    """A top-function argument: a graph input or output."""

    tensor: str
    """the tensor's name in the model"""
    var: str
    """its C++ identifier"""
    type: FixedType
    size: int
    pixel: int = 0
    """values per transfer of an io_stream port (hls::stream of pixels); 0 for an array port"""


def _raw_type(t: FixedType) -> str:
    return f"ap_{'' if t.signed else 'u'}int<{t.width}>"


WIDE_CODE = 64
"""Ports wider than this read and write their codes as decimal text (``long long`` below)."""


def _read_input(p: Port) -> list[str]:
    if p.type.width <= WIDE_CODE:
        return [
            "            long long code = 0;",
            '            if (!(in >> code)) return bad_line("inputs_raw.dat", sample);',
            f"            {p.var}[i].range() = code;",
        ]
    return [
        "            std::string code;",
        '            if (!(in >> code)) return bad_line("inputs_raw.dat", sample);',
        f"            {p.var}[i].range() = {_raw_type(p.type)}(code.c_str(), 10);",
    ]


def _check_output(k: int, p: Port) -> list[str]:
    if p.type.width <= WIDE_CODE:
        return [
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
        ]
    return [
        "            std::string want;",
        '            if (!(expected >> want)) return bad_line("expected_raw.dat", sample);',
        f"            const {_raw_type(p.type)} raw = {p.var}[i].range();",
        "            const std::string got = raw.to_string(10);",
        '            results << (first ? "" : " ") << got;',
        "            first = false;",
        f"            if (raw != {_raw_type(p.type)}(want.c_str(), 10)) {{",
        f"                mismatches[{k}]++;",
        "                if (reported++ < MAX_REPORTED) {",
        '                    std::printf("MISMATCH sample %lu output %s index %u: "',
        '                                "expected %s, got %s\\n",',
        f"                                sample, output_names[{k}], i, want.c_str(),",
        "                                got.c_str());",
        "                }",
        "            }",
    ]


def _argument(p: Port) -> str:
    return f"{p.var}_stream" if p.pixel else p.var


def _stream_ports(inputs: list[Port], outputs: list[Port]) -> list[str]:
    """The io_stream ports: streams, the inputs' codes written into them pixel by pixel."""
    lines = []
    for p in (*inputs, *outputs):
        if p.pixel:
            lines.append(f'        hls::stream<{p.var}_pixel_t> {p.var}_stream("{p.var}");')
    for p in inputs:
        if p.pixel:
            lines += [
                f"        for (unsigned at = 0; at < {p.size}; at += {p.pixel}) {{",
                f"            {p.var}_pixel_t pixel;",
                f"            for (unsigned c = 0; c < {p.pixel}; c++) "
                f"pixel.data[c] = {p.var}[at + c];",
                f"            {p.var}_stream.write(pixel);",
                "        }",
            ]
    return lines


def _unpack(p: Port) -> list[str]:
    return [
        f"        if ({p.var}_stream.size() != {p.size // p.pixel}) {{",
        f'            std::printf("ERROR: sample %lu: output {p.var} streamed %lu pixels, "',
        f'                        "not {p.size // p.pixel}\\n", sample,',
        f"                        (unsigned long){p.var}_stream.size());",
        "            return 2;",
        "        }",
        f"        for (unsigned at = 0; at < {p.size}; at += {p.pixel}) {{",
        f"            const {p.var}_pixel_t pixel = {p.var}_stream.read();",
        f"            for (unsigned c = 0; c < {p.pixel}; c++) {p.var}[at + c] = pixel.data[c];",
        "        }",
    ]


def testbench(top: str, inputs: list[Port], outputs: list[Port]) -> str:
    declare_inputs = []
    for p in inputs:
        declare_inputs += [
            f"        {p.var}_t {p.var}[{p.size}];",
            f"        for (unsigned i = 0; i < {p.size}; i++) {{",
            *_read_input(p),
            "        }",
        ]
    declare_outputs = [f"        {p.var}_t {p.var}[{p.size}];" for p in outputs]
    declare_outputs += _stream_ports(inputs, outputs)
    check_outputs = []
    for k, p in enumerate(outputs):
        check_outputs += [
            f"        for (unsigned i = 0; i < {p.size}; i++) {{",
            *_check_output(k, p),
            "        }",
        ]
    names = ", ".join(json.dumps(p.var) for p in outputs)
    call_args = ", ".join(_argument(p) for p in (*inputs, *outputs))
    unpack = [line for p in outputs if p.pixel for line in _unpack(p)]
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
            *unpack,
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


def tcl(top: str, backend: str, part: str, clock_period: float) -> str:
    cflags = (
        "-std=c++0x -I firmware -I firmware/hls_src"
        if backend == "vivado"
        else ("-std=c++14 -I firmware -I firmware/hls_src")
    )
    solution = f'open_solution -reset "{SOLUTION}"' + (
        "" if backend == "vivado" else " -flow_target vivado"
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


def makefile(top: str) -> str:
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


def readme(qm, top, backend, part, clock_period, contexts, io_type) -> str:
    tool = "vivado_hls" if backend == "vivado" else "vitis_hls"
    rows = [
        f"| {c.ident} | {c.layer.kind.name} | {c.reuse_factor} | {c.strategy} |" for c in contexts
    ]
    return "\n".join(
        [
            f"# {top}: HLS project written by hlsfx",
            "",
            f"Model `{_one_line(qm.graph.name)}`, {io_type}, for {backend} HLS, part `{part}`, "
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
