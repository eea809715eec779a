"""``numerics="hls4ml"`` against hls4ml 1.3.0's own C++: its ``nnet_activation.h`` (the headers
that ship in the hls4ml wheel) compiled with g++ against the real ap_types, run on every code of
each input type, compared with the emulator by ``==`` on raw codes."""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import require

import hlsfx
from hlsfx.codegen.cpp import cpp_type
from hlsfx.ir import kinds
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph, Layer
from hlsfx.numerics.dialect import HLSFX, decimal_text_values
from hlsfx.numerics.hls4ml import HLS4ML
from hlsfx.numerics.hls4ml_tables import SELU_CONSTANTS

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
    ("softplus", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),
    ("softsign", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),
    ("softplus", "ap_fixed<10,5,AP_RND,AP_SAT>", "ap_ufixed<10,3,AP_RND_CONV,AP_SAT>", 2048,
     "ap_ufixed<8,3,AP_RND,AP_SAT>"),
    ("softsign", "ap_fixed<12,-1>", "ap_fixed<10,1,AP_RND,AP_SAT>", 64, "ap_fixed<8,1>"),
    ("elu", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),
    ("selu", "ap_fixed<16,6>", "ap_fixed<18,8>", 1024, "ap_fixed<16,6>"),
    ("elu", "ap_fixed<10,5,AP_RND,AP_SAT>", "ap_fixed<10,2,AP_RND_CONV,AP_SAT>", 4096,
     "ap_fixed<8,3,AP_RND,AP_SAT>"),  # the table finer than the input's LSB
    ("selu", "ap_fixed<12,4>", "ap_fixed<10,3,AP_RND,AP_SAT>", 16, "ap_fixed<9,4,AP_TRN,AP_SAT>"),
]  # fmt: skip
_LAYERS = {  # what the frontends give each kind
    "elu": {"attrs": {"alpha": 1.0}},
    "selu": {"attrs": SELU_CONSTANTS, "params": {"gamma": [SELU_CONSTANTS["gamma"]]}},
}


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


def test_tabulated_activations_equal_hls4ml_s_c_plus_plus_on_every_code(
    gxx, ap_types_dir, csim_cache
):
    printed = iter(_run_cpp(_program(ACTIVATION_CASES), gxx, ap_types_dir, csim_cache))
    for kind, x, table, size, y in ACTIVATION_CASES:
        x_t, y_t = FixedType.parse(x), FixedType.parse(y)
        by_name = {k.name.lower(): k for k in kinds.KINDS.values()}
        layer = Layer("act", by_name[kind], ["x"], "y", **_LAYERS.get(kind, {}))
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


# (input type, slope, shift, slope type, shift type, result type): every input code
HARD_SIGMOID_CASES = [
    ("ap_fixed<16,6>", 0.2, 0.5, "ap_ufixed<16,0>", "ap_ufixed<2,0>", "ap_fixed<16,6>"),  # defaults
    ("ap_fixed<10,4,AP_RND,AP_SAT>", 0.3, 0.25, "ap_ufixed<6,0>", "ap_ufixed<2,0>",
     "ap_ufixed<8,1,AP_RND,AP_SAT>"),
    ("ap_ufixed<9,2>", 0.7, 0.1, "ap_ufixed<8,0,AP_RND>", "ap_ufixed<4,0,AP_RND>",
     "ap_fixed<6,1,AP_RND_CONV,AP_SAT>"),
]  # fmt: skip


def _hard_sigmoid_program(cases: list[tuple]) -> str:
    lines = ['#include "nnet_utils/nnet_activation.h"', "#include <cstdio>", ""]
    for k, (x, slope, shift, slope_t, shift_t, y) in enumerate(cases):
        x, slope_t, shift_t, y = (cpp_type(FixedType.parse(t)) for t in (x, slope_t, shift_t, y))
        width = FixedType.parse(cases[k][0]).width
        lines += [
            f"struct config{k} {{",
            f"    static const unsigned n_in = {1 << width};",
            f"    static const {slope_t} slope;",
            f"    static const {shift_t} shift;",
            "    static const unsigned io_type = nnet::io_parallel;",
            "    static const unsigned reuse_factor = 1;",
            "};",
            f"const {slope_t} config{k}::slope = {slope!r};",
            f"const {shift_t} config{k}::shift = {shift!r};",
            f"static {x} in{k}[{1 << width}];",
            f"static {y} out{k}[{1 << width}];",
        ]
    lines.append("int main() {")
    for k, (x, *_rest, y) in enumerate(cases):
        width = FixedType.parse(x).width
        x, y = cpp_type(FixedType.parse(x)), cpp_type(FixedType.parse(y))
        lines += [
            f"    for (long long c = 0; c < {1 << width}; c++) in{k}[c].range({width - 1}, 0) = c;",
            f"    nnet::hard_sigmoid<{x}, {y}, config{k}>(in{k}, out{k});",
            f"    for (long long c = 0; c < {1 << width}; c++) "
            f'std::printf("%.17g\\n", out{k}[c].to_double());',
        ]
    return "\n".join([*lines, "    return 0;", "}", ""])


def test_hard_sigmoid_equals_hls4ml_s_c_plus_plus_on_every_code(gxx, ap_types_dir, csim_cache):
    source = _hard_sigmoid_program(HARD_SIGMOID_CASES)
    printed = iter(_run_cpp(source, gxx, ap_types_dir, csim_cache))
    for x, slope, shift, slope_t, shift_t, y in HARD_SIGMOID_CASES:
        x_t, y_t = FixedType.parse(x), FixedType.parse(y)
        params = {"alpha": [slope], "beta": [shift]}
        codes = _all_codes(x_t)
        layer = Layer("hard", kinds.HARD_SIGMOID, ["x"], "y", params=params)
        graph = Graph(("x",), ("y",), (layer,), {"x": (len(codes),), "y": (len(codes),)})
        qm = hlsfx.configure(graph, y, inputs={"x": x}, numerics="hls4ml",
                             layers={"hard": {"alpha": slope_t, "beta": shift_t}})  # fmt: skip
        ours = qm.predict_codes({"x": codes[None, :]})["y"][0]
        theirs = np.array([float(next(printed)) for _ in codes]) * 2.0**y_t.fractional
        differ = np.flatnonzero(ours != theirs.astype(np.int64))
        assert not differ.size, (
            f"hard sigmoid {x} -> {y}: {differ.size} codes differ, e.g. input "
            f"{codes[differ[0]]}: hls4ml {int(theirs[differ[0]])}, hlsfx {ours[differ[0]]}"
        )
        assert len(np.unique(ours)) > 20
    # hls4ml's defaults for the slope and shift; a sum whose type cannot hold 1 is refused
    layer = Layer("hard", kinds.HARD_SIGMOID, ["x"], "y", params={"alpha": [0.2], "beta": [0.5]})
    graph = Graph(("x",), ("y",), (layer,), {"x": (4,), "y": (4,)})
    qm = hlsfx.configure(graph, "ap_fixed<8,3>", numerics="hls4ml")
    assert [str(qm.precisions["hard"].types[r]) for r in ("alpha", "beta")] == [
        "ap_ufixed<16,0>", "ap_ufixed<2,0>"]  # fmt: skip
    with pytest.raises(ValueError, match=r"layer 'hard' \(HardSigmoid\): hls4ml clamps .* wraps"):
        narrow = {"alpha": "ap_ufixed<8,-1>", "beta": "ap_ufixed<4,-1>"}
        hlsfx.configure(graph, "ap_ufixed<8,-3>", numerics="hls4ml", layers={"hard": narrow})


def test_weights_reach_the_types_through_hls4ml_s_decimal_text():
    # 0.4062457 is printed "0.40625" for ap_fixed<8,3> (5 fractional bits), read back as 13/32,
    # where truncating the float gives 12/32
    t = FixedType.parse("ap_fixed<8,3>")
    assert decimal_text_values([0.4062457], t).tolist() == [0.40625]
    assert hlsfx.ir.exact.quantize(decimal_text_values([0.4062457], t), t).tolist() == [13]
    assert hlsfx.ir.exact.quantize([0.4062457], t).tolist() == [12]
    # no decimal places below one fractional bit: Python's round-half-even of the printed value
    assert decimal_text_values([2.5, 3.5, -2.5], FixedType.parse("ap_fixed<8,10>")).tolist() == [
        2.0, 4.0, -2.0]  # fmt: skip


# (implementation, n, input, exp_table, inv_table, accum, inv_inp, exp/inv size, result)
SOFTMAX_CASES = [
    ("stable", 5, "ap_fixed<16,6>", *["ap_fixed<18,8,AP_RND,AP_SAT>"] * 4, 1024, "ap_fixed<16,6>"),
    ("stable", 3, "ap_fixed<8,3>", "ap_ufixed<8,1,AP_RND,AP_SAT>", "ap_fixed<12,4>",
     "ap_fixed<10,3,AP_TRN,AP_SAT>", "ap_fixed<10,3>", 256, "ap_ufixed<8,0,AP_RND,AP_SAT>"),
    ("stable", 8, "ap_ufixed<10,4>", "ap_fixed<18,8>", "ap_fixed<18,8>", "ap_fixed<12,4>",
     "ap_ufixed<12,4,AP_RND,AP_SAT>", 512, "ap_fixed<10,2,AP_RND_CONV,AP_SAT>"),
    ("latency", 6, "ap_fixed<12,4>", "ap_fixed<16,8,AP_RND,AP_SAT>", "ap_fixed<16,4,AP_RND,AP_SAT>",
     "ap_fixed<14,6,AP_RND,AP_WRAP>", "ap_fixed<14,6>", 1024, "ap_fixed<12,2,AP_RND,AP_SAT>"),
    ("stable", 1, "ap_fixed<10,5>", *["ap_fixed<18,8,AP_RND,AP_SAT>"] * 4, 64, "ap_fixed<10,1>"),
]  # fmt: skip


def _softmax_rows(t: FixedType, n: int, rng: np.random.Generator) -> np.ndarray:
    """Random rows, and the corners: equal values, the extreme codes together (max - x wraps
    in hls4ml's unsigned difference), one large value among small ones."""
    rows = [rng.integers(t.min_code, t.max_code + 1, (400, n)),
            rng.integers(t.min_code // 8, t.max_code // 8 + 1, (400, n)),
            np.full((1, n), t.min_code), np.full((1, n), t.max_code), np.zeros((1, n))]  # fmt: skip
    corner = np.full((3, n), t.min_code)
    corner[:, 0] = [t.max_code, 0, t.max_code // 2]
    return np.concatenate([*rows, corner]).astype(np.int64)


def _softmax_program(cases: list[tuple], rows: list[np.ndarray]) -> str:
    lines = ['#include "nnet_utils/nnet_activation.h"', "#include <cstdio>", ""]
    for k, (impl, n, x, exp_t, inv_t, acc_t, inp_t, size, y) in enumerate(cases):
        x_t, y_t, exp_t, inv_t, acc_t, inp_t = (
            cpp_type(FixedType.parse(t)) for t in (x, y, exp_t, inv_t, acc_t, inp_t))  # fmt: skip
        parsed = FixedType.parse(x)
        norm = f"ap_ufixed<{parsed.width - parsed.signed}, {parsed.integer - parsed.signed}>"
        exp_size = (
            min(size, 1 << (parsed.width - 1)) if parsed.signed and impl == "stable" else size
        )
        lines += [
            f"struct config{k} : nnet::activ_config {{",
            f"    static const unsigned n_in = {n}, n_slice = {n}, n_outer = 1, n_inner = 1;",
            f"    static const unsigned exp_table_size = {exp_size}, inv_table_size = {size};",
            f"    static const nnet::softmax_implementation implementation = "
            f"nnet::softmax_implementation::{impl};",
            "    static constexpr float exp_scale = 1.0;",
            f"    typedef {exp_t} exp_table_t;",
            f"    typedef {inv_t} inv_table_t;",
            f"    typedef {acc_t} accum_t;",
            f"    typedef {inp_t} inv_inp_t;",
            f"    typedef {norm} inp_norm_t;",
            "};",
            f"static const long long codes{k}[] = {{{', '.join(map(str, rows[k].reshape(-1)))}}};",
        ]
    lines.append("int main() {")
    for k, (_impl, n, x, *_, y) in enumerate(cases):
        x_t, y_t = cpp_type(FixedType.parse(x)), cpp_type(FixedType.parse(y))
        width = FixedType.parse(x).width
        lines += [
            f"    for (int r = 0; r < {len(rows[k])}; r++) {{",
            f"        {x_t} in[{n}]; {y_t} out[{n}];",
            f"        for (int i = 0; i < {n}; i++) in[i].range({width - 1}, 0) = "
            f"codes{k}[r * {n} + i];",
            f"        nnet::softmax<{x_t}, {y_t}, config{k}>(in, out);",
            f'        for (int i = 0; i < {n}; i++) std::printf("%.17g\\n", out[i].to_double());',
            "    }",
        ]
    lines += ["    return 0;", "}", ""]
    return "\n".join(lines)


def test_softmax_equals_hls4ml_s_c_plus_plus_on_random_rows_and_corners(gxx, ap_types_dir,
                                                                         csim_cache):  # fmt: skip
    rng = np.random.default_rng(16)
    rows = [_softmax_rows(FixedType.parse(case[2]), case[1], rng) for case in SOFTMAX_CASES]
    printed = iter(_run_cpp(_softmax_program(SOFTMAX_CASES, rows), gxx, ap_types_dir, csim_cache))
    for (impl, n, x, exp_t, inv_t, acc_t, inp_t, size, y), codes in zip(SOFTMAX_CASES, rows,
                                                                         strict=True):  # fmt: skip
        layer = Layer("softmax", kinds.SOFTMAX, ["x"], "y")
        graph = Graph(("x",), ("y",), (layer,), {"x": (n,), "y": (n,)})
        roles = {"exp_table": exp_t, "inv_table": inv_t, "sum": acc_t, "inv_input": inp_t,
                 "exp_table_size": size, "inv_table_size": size}  # fmt: skip
        qm = hlsfx.configure(graph, y, inputs={"x": x}, roles=roles, numerics="hls4ml",
                             layers={"softmax": {"implementation": impl}})  # fmt: skip
        ours = qm.predict_codes({"x": codes})["y"]
        theirs = np.array([float(next(printed)) for _ in range(codes.size)]).reshape(codes.shape)
        theirs = theirs * 2.0 ** FixedType.parse(y).fractional
        differ = np.argwhere(ours != theirs.astype(np.int64))
        assert not differ.size, (
            f"softmax {impl} {x} -> {y}: {len(differ)} codes differ, e.g. row "
            f"{codes[differ[0][0]].tolist()}: hls4ml {theirs[differ[0][0]].tolist()}, hlsfx "
            f"{ours[differ[0][0]].tolist()}"
        )


def test_the_sum_is_cast_to_inv_input_only_in_hls4ml_numerics():
    graph = Graph(("x",), ("y",), (Layer("sm", kinds.SOFTMAX, ["x"], "y"),), {"x": (4,), "y": (4,)})
    message = r"layer 'sm' \(Softmax\): inv_input ap_fixed<12,4> differs from sum .*='hls4ml' only"
    with pytest.raises(ValueError, match=message):
        hlsfx.configure(graph, "ap_fixed<16,6>", roles={"inv_input": "ap_fixed<12,4>"})
    qm = hlsfx.configure(graph, "ap_fixed<16,6>", numerics="hls4ml")
    assert qm.precisions["sm"].types["inv_input"] == FixedType.parse("ap_fixed<18,8,AP_RND,AP_SAT>")
    assert hlsfx.configure(graph, config=qm.config()).numerics is HLS4ML


def test_kinds_whose_hls4ml_numerics_are_not_reproduced_are_refused_by_name():
    layer = Layer("h", kinds.CLIP, ["x"], "y", attrs={"min": 0.0, "max": 6.0})
    graph = Graph(("x",), ("y",), (layer,), {"x": (4,), "y": (4,)})
    assert hlsfx.configure(graph, numerics="hls4ml").numerics is HLS4ML  # hls4ml's ReLU6
    # a kind not yet checked against hls4ml is refused by name
    unchecked = replace(
        HLS4ML, kinds=tuple(kind for kind in HLS4ML.kinds if kind is not kinds.CLIP)
    )
    message = r"layer 'h' \(Clip\): numerics='hls4ml' reproduces hls4ml's Dense, .*; its Clip"
    with pytest.raises(ValueError, match=message):
        hlsfx.configure(graph, numerics=unchecked)
    assert hlsfx.configure(graph).numerics is HLSFX
    with pytest.raises(ValueError, match="numerics 'hls5ml' is not one of hlsfx, hls4ml"):
        hlsfx.configure(graph, numerics="hls5ml")
    # what hls4ml computes otherwise: clips other than relu_max, binary tanh into ap_uint<1>
    for attrs, text in (({"min": -1.0, "max": 1.5}, "clips from 0 to a whole number"),
                        ({"min": 0.0, "max": 2.5}, "clips from 0 to a whole number")):  # fmt: skip
        clip = Layer("h", kinds.CLIP, ["x"], "y", attrs=attrs)
        graph = Graph(("x",), ("y",), (clip,), {"x": (4,), "y": (4,)})
        with pytest.raises(ValueError, match=rf"layer 'h' \(Clip\): hls4ml {text}"):
            hlsfx.configure(graph, numerics="hls4ml")
    binary = Layer("b", kinds.BINARIZE, ["x"], "y", attrs={"scale": 1.0})
    graph = Graph(("x",), ("y",), (binary,), {"x": (4,), "y": (4,)})
    with pytest.raises(ValueError, match=r"layer 'b' \(Binarize\): .*ap_uint<1> gives 0 for -1"):
        hlsfx.configure(graph, "ap_uint<1>", inputs={"x": "ap_fixed<8,3>"}, numerics="hls4ml")
    # hls4ml multiplies its ELU table by alpha held in its parameter type: a dyadic alpha
    elu = Layer("e", kinds.ELU, ["x"], "y", attrs={"alpha": 0.7})
    graph = Graph(("x",), ("y",), (elu,), {"x": (4,), "y": (4,)})
    with pytest.raises(ValueError, match=r"layer 'e' \(ELU\): .*alpha 0.7 held in the layer's"):
        hlsfx.configure(graph, numerics="hls4ml")
