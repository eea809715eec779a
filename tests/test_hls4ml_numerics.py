"""``numerics="hls4ml"`` against hls4ml 1.3.0's own C++: its ``nnet_activation.h`` (the headers
that ship in the hls4ml wheel) compiled with g++ against the real ap_types, run on every code of
each input type, compared with the emulator by ``==`` on raw codes."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import numpy as np
import pytest
from conftest import require

import hlsfx
from hlsfx import kinds
from hlsfx.codegen.cpp import cpp_type
from hlsfx.config import decimal_text_values
from hlsfx.fixed_type import FixedType
from hlsfx.graph import Graph, Layer

pytestmark = pytest.mark.oracle

# (kind, input type, table type, table size, result type): every code of the input type
ACTIVATION_CASES = [
    ("sigmoid", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),  # the defaults
    ("tanh", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),
    ("sigmoid", "ap_fixed<8,3>", "ap_fixed<10,2,AP_RND,AP_SAT>", 256,
     "ap_ufixed<8,0,AP_RND,AP_SAT>"),
    ("tanh", "ap_fixed<10,8>", "ap_fixed<12,2,AP_RND_CONV,AP_SAT>", 4096, "ap_fixed<8,1>"),
    ("sigmoid", "ap_fixed<10,8>", "ap_fixed<18,8>", 2048, "ap_fixed<16,6>"),  # table finer
    ("tanh", "ap_ufixed<9,4>", "ap_ufixed<8,0>", 64, "ap_fixed<9,1,AP_RND,AP_SAT>"),
    ("sigmoid", "ap_fixed<12,-1>", "ap_fixed<18,8>", 512, "ap_fixed<12,1,AP_RND_ZERO,AP_WRAP>"),
    ("tanh", "ap_fixed<14,3,AP_RND,AP_SAT>", "ap_fixed<18,8>", 8, "ap_fixed<18,8>"),
]  # fmt: skip


def _hls4ml_headers() -> Path:
    try:
        import hls4ml
    except ImportError:
        require(False, "hls4ml", "pip install hls4ml==1.3.0 (in hlsfx[test])")
    return Path(hls4ml.__file__).parent / "templates" / "vivado"


def _program(cases: list[tuple]) -> str:
    lines = ['#include "nnet_utils/nnet_activation.h"', "#include <cstdio>", ""]
    cases = [(kind, *(cpp_type(FixedType.parse(t)) for t in (x, table)), size,
              cpp_type(FixedType.parse(y))) for kind, x, table, size, y in cases]  # fmt: skip
    for k, (_kind, x, table, size, y) in enumerate(cases):
        width = FixedType.parse(x).width
        lines += [
            f"struct config{k} : nnet::activ_config {{",
            f"    static const unsigned n_in = {1 << width};",
            f"    static const unsigned table_size = {size};",
            f"    typedef {table} table_t;",
            "};",
            f"static {x} in{k}[{1 << width}];",
            f"static {y} out{k}[{1 << width}];",
        ]
    lines.append("int main() {")
    for k, (kind, x, _table, _size, _y) in enumerate(cases):
        width = FixedType.parse(x).width
        lines += [
            f"    for (long long c = 0; c < {1 << width}; c++) in{k}[c].range({width - 1}, 0) = c;",
            f"    nnet::{kind}<{x}, {_y}, config{k}>(in{k}, out{k});",
            f"    for (long long c = 0; c < {1 << width}; c++) "
            f'std::printf("%.17g\\n", out{k}[c].to_double());',
        ]
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def _run_cpp(source: str, gxx: str, ap_types: Path, cache: Path) -> list[str]:
    headers = _hls4ml_headers()
    digest = hashlib.sha256(source.encode() + str(headers).encode()).hexdigest()[:24]
    binary = cache / f"hls4ml-activations-{digest}"
    if not binary.is_file():
        (cache / f"{binary.name}.cpp").write_text(source)
        subprocess.run([gxx, "-O2", "-std=c++14", f"-I{headers}", f"-I{ap_types}",
                        str(cache / f"{binary.name}.cpp"), "-o", str(binary)],
                       check=True, capture_output=True, text=True)  # fmt: skip
    return subprocess.run([str(binary)], check=True, capture_output=True,
                          text=True).stdout.split()  # fmt: skip


def _all_codes(t: FixedType) -> np.ndarray:
    """Every code of ``t``, in the order of its bit patterns 0 .. 2**W - 1."""
    codes = np.arange(1 << t.width, dtype=np.int64)
    if t.signed:
        codes = np.where(codes >= 1 << (t.width - 1), codes - (1 << t.width), codes)
    return codes


def test_sigmoid_and_tanh_equal_hls4ml_s_c_plus_plus_on_every_code(gxx, ap_types_dir, csim_cache):
    printed = iter(_run_cpp(_program(ACTIVATION_CASES), gxx, ap_types_dir, csim_cache))
    for kind, x, table, size, y in ACTIVATION_CASES:
        x_t, y_t = FixedType.parse(x), FixedType.parse(y)
        layer = Layer("act", {"sigmoid": kinds.SIGMOID, "tanh": kinds.TANH}[kind], ["x"], "y")
        codes = _all_codes(x_t)
        graph = Graph(("x",), ("y",), (layer,), {"x": (len(codes),), "y": (len(codes),)})
        qm = hlsfx.configure(graph, y, inputs={"x": x}, numerics="hls4ml",
                             roles={"table": table, "table_size": size})  # fmt: skip
        ours = qm.predict_codes({"x": codes[None, :]})["y"][0]
        theirs = np.array([float(next(printed)) for _ in codes]) * 2.0**y_t.fractional
        assert np.array_equal(theirs, np.rint(theirs)), (kind, x)
        differ = np.flatnonzero(ours != theirs.astype(np.int64))
        assert not differ.size, (
            f"{kind} {x} table {table}[{size}] -> {y}: {differ.size} codes differ, e.g. input "
            f"{codes[differ[0]]}: hls4ml {int(theirs[differ[0]])}, hlsfx {ours[differ[0]]}"
        )


def test_weights_reach_the_types_through_hls4ml_s_decimal_text():
    # 0.4062457 is printed "0.40625" for ap_fixed<8,3> (5 fractional bits), read back as 13/32,
    # where truncating the float gives 12/32
    t = FixedType.parse("ap_fixed<8,3>")
    assert decimal_text_values([0.4062457], t).tolist() == [0.40625]
    assert hlsfx.exact.quantize(decimal_text_values([0.4062457], t), t).tolist() == [13]
    assert hlsfx.exact.quantize([0.4062457], t).tolist() == [12]
    # no decimal places below one fractional bit: Python's round-half-even of the printed value
    assert decimal_text_values([2.5, 3.5, -2.5], FixedType.parse("ap_fixed<8,10>")).tolist() == [
        2.0, 4.0, -2.0]  # fmt: skip
