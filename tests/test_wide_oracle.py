"""Types of 65 to 256 bits against the real ap_fixed.h: quantization of doubles, casts between
wide types, products and sums cast to a third type, compared as raw integers with ==.

Two implementations answer: :mod:`hlsfx.ir.exact` (which the emulator's public conversions and
its wide parameters use), and the twin of the emulator's kernel cast
(``requantize_flagged`` run on Python integers, as :mod:`hlsfx.emulator.twins` runs every
kernel of a layer too wide for int64)."""

from __future__ import annotations

import hashlib
import subprocess

import numpy as np
import pytest
from ap_oracle import cpp_type
from fixed_cases import value_seed

from hlsfx import FixedType, Overflow, Rounding
from hlsfx.emulator import kernels, twins
from hlsfx.emulator.primitives import requantize_flagged
from hlsfx.ir import exact

# one worker compiles the oracle the whole module shares
pytestmark = [pytest.mark.oracle, pytest.mark.xdist_group("wide_oracle")]

TYPE_SEED = 2026_12_02
CHUNK = 32

_PROGRAM = """\
#include <ap_fixed.h>
#include <ap_int.h>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

// A code travels as its W bits in 32-bit chunks, lowest first, in hexadecimal.
template <class T> void load(T& x, std::istream& in) {
  for (int k = 0; k < T::width; k += 32) {
    unsigned long chunk;
    in >> std::hex >> chunk;
    int top = k + 31 < T::width - 1 ? k + 31 : T::width - 1;
    x.range(top, k) = ap_uint<32>((unsigned)chunk);
  }
}
template <class T> void print(const T& x) {
  for (int k = 0; k < T::width; k += 32) {
    int top = k + 31 < T::width - 1 ? k + 31 : T::width - 1;
    std::printf("%%lx ", (unsigned long)x.range(top, k).to_uint64());
  }
  std::printf("\\n");
}
template <class D> void quantize(std::istream& in) {
  uint64_t bits; double d;
  in >> std::hex >> bits;
  std::memcpy(&d, &bits, sizeof d);
  D x = d;
  print(x);
}
template <class S, class D> void cast(std::istream& in) { S s; load(s, in); D d = s; print(d); }
template <class A, class B, class D> void product(std::istream& in) {
  A a; B b; load(a, in); load(b, in); D d = a * b; print(d);
}
template <class A, class B, class D> void sum(std::istream& in) {
  A a; B b; load(a, in); load(b, in); D d = a + b; print(d);
}
typedef void (*op_fn)(std::istream&);
static const op_fn OPS[] = {
%s
};
int main() {
  int index;
  while (std::cin >> std::dec >> index) OPS[index](std::cin);
  return 0;
}
"""


def wide_types() -> list[FixedType]:
    """Two types per (signedness, quantization, overflow): widths 65-256, integer bits from
    below zero to above the width."""
    rng = np.random.default_rng(TYPE_SEED)
    types = []
    for signed in (True, False):
        for rounding in Rounding:
            for overflow in Overflow:
                for k in range(2):
                    width = int(rng.integers(65, 257)) if k else 65
                    integer = int(rng.integers(-8, width + 9)) if k else -3
                    types.append(FixedType(width, integer, signed, rounding, overflow))
    return types


def _operations(types: list[FixedType]) -> list[tuple[str, tuple[FixedType, ...]]]:
    rng = np.random.default_rng(TYPE_SEED + 1)
    narrow = [FixedType.parse(t) for t in ("ap_fixed<16,6,AP_RND,AP_SAT>", "ap_ufixed<8,2>")]
    ops: list[tuple[str, tuple[FixedType, ...]]] = [("q", (t,)) for t in types]
    for d in types:
        pick = [types[int(i)] for i in rng.integers(0, len(types), 3)]
        ops += [("c", (pick[0], d)), ("c", (narrow[len(ops) % 2], d))]
        ops += [("m", (pick[1], pick[2], d)), ("s", (pick[2], pick[0], d))]
    for n in narrow:  # wide values narrowed, as a wide accumulator's result cast does
        ops += [("c", (t, n)) for t in types[::5]]
    return ops


def _entry(op: str, types: tuple[FixedType, ...]) -> str:
    name = {"q": "quantize", "c": "cast", "m": "product", "s": "sum"}[op]
    return f"  &{name}<{', '.join(cpp_type(t) for t in types)} >"


@pytest.fixture(scope="session")
def wide_oracle(ap_types_dir, gxx, request, tmp_path_factory):
    """(operations, the compiled program), cached by the hash of its source."""
    ops = _operations(wide_types())
    source = _PROGRAM % ",\n".join(_entry(op, types) for op, types in ops)
    version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
    key = hashlib.sha256("\0".join([source, str(ap_types_dir), version]).encode()).hexdigest()
    cache = getattr(request.config, "cache", None)
    folder = (cache.mkdir("wide_oracle") if cache else tmp_path_factory.mktemp("wide")) / key[:16]
    binary = folder / "oracle"
    if not binary.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "oracle.cpp").write_text(source)
        command = [gxx, "-std=c++14", "-O1", "-DNDEBUG", "-isystem", str(ap_types_dir)]
        partial = folder / "oracle.partial"
        subprocess.run([*command, str(folder / "oracle.cpp"), "-o", str(partial)], check=True)
        partial.rename(binary)
    return ops, binary


def _chunks(code: int, t: FixedType) -> str:
    bits = code & ((1 << t.width) - 1)
    return " ".join(f"{bits >> k & 0xFFFFFFFF:x}" for k in range(0, t.width, CHUNK))


def _code(line: str, t: FixedType) -> int:
    bits = sum(int(chunk, 16) << (CHUNK * k) for k, chunk in enumerate(line.split()))
    return bits - (1 << t.width) if t.signed and bits >> (t.width - 1) else bits


def _codes(rng: np.random.Generator, t: FixedType, count: int) -> list[int]:
    """Random codes of ``t`` over its whole range, with its corners and zero first."""
    corners = [t.min_code, t.max_code, 0, t.min_code + 1, t.max_code - 1, 1 if t.max_code else 0]
    span = t.max_code - t.min_code
    drawn = [t.min_code + int.from_bytes(rng.bytes(t.width // 8 + 2)) % (span + 1)
             for _ in range(count)]  # fmt: skip
    small = [int(v) for v in rng.integers(-(1 << 12), 1 << 12, count // 4)]  # ties and halves
    return [c for c in corners + drawn + small if t.min_code <= c <= t.max_code]


def _doubles(rng: np.random.Generator, t: FixedType, count: int) -> list[float]:
    lsb, top = 2.0**-t.fractional, 2.0 ** (t.integer + 1)
    values = [0.0, -0.0, lsb / 2, -lsb / 2, 1.5 * lsb, -2.5 * lsb, top, -top, top * 4, -top * 4]
    values += list(rng.normal(0.0, 1.0, count) * top / 4)
    values += list(np.round(rng.normal(0.0, 1.0, count) * 64) * lsb / 2)  # ties
    return [float(v) for v in values]


def _twin_cast(v: int, shift: int, t: FixedType) -> int:
    cast = twins.twin(requantize_flagged)
    return cast(v, shift, *kernels.target(t))[0]


def test_wide_conversions_match_ap_fixed_h(wide_oracle):
    ops, binary = wide_oracle
    seed = value_seed()
    rng = np.random.default_rng(seed)
    lines, answers = [], []
    for index, (op, types) in enumerate(ops):
        d = types[-1]
        if op == "q":
            for x in _doubles(rng, d, 40):
                bits = int(np.float64(x).view(np.uint64))
                lines.append(f"{index} {bits:x}")
                answers.append((op, d, int(exact.quantize([x], d)[0]), None, f"{x!r} -> {d}"))
        elif op == "c":
            s = types[0]
            for c in _codes(rng, s, 40):
                lines.append(f"{index} {_chunks(c, s)}")
                shift = s.fractional - d.fractional
                twin = None if s == d else _twin_cast(c, shift, d)
                answers.append((op, d, int(exact.cast([c], s, d)[0]), twin, f"{c} of {s} -> {d}"))
        else:
            a_t, b_t = types[:2]
            a_codes, b_codes = _codes(rng, a_t, 30), _codes(rng, b_t, 30)
            for a, b in zip(a_codes, b_codes, strict=False):
                lines.append(f"{index} {_chunks(a, a_t)} {_chunks(b, b_t)}")
                if op == "m":
                    v, f = a * b, a_t.fractional + b_t.fractional
                else:
                    f = max(a_t.fractional, b_t.fractional)
                    v = (a << (f - a_t.fractional)) + (b << (f - b_t.fractional))
                sign = "*" if op == "m" else "+"
                answers.append((op, d, exact.requantize(v, f - d.fractional, d),
                                _twin_cast(v, f - d.fractional, d),
                                f"{a} of {a_t} {sign} {b} of {b_t} -> {d}"))  # fmt: skip
    run = subprocess.run([str(binary)], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True)  # fmt: skip
    expected = run.stdout.splitlines()
    assert len(expected) == len(answers)
    bad = []
    for line, (_, d, ours, twin, what) in zip(expected, answers, strict=True):
        theirs = _code(line, d)
        if ours != theirs or (twin is not None and twin != theirs):
            bad.append(f"{what}: ap_fixed.h {theirs}, hlsfx.ir.exact {ours}, kernel twin {twin}")
    counts = {op: sum(a[0] == op for a in answers) for op in "qcms"}
    assert counts["q"] > 2000 and counts["c"] > 4000 and counts["m"] > 1500, counts
    widths = {t.width for _, ts in ops for t in ts}
    assert min(w for w in widths if w > 64) == 65 and max(widths) > 200
    assert not bad, f"{len(bad)} of {len(answers)} differ (HLSFX_TEST_SEED={seed}):\n" + "\n".join(
        bad[:15]
    )


def test_the_kernel_cast_twin_is_unbounded():
    """Beyond int64 the numba primitives' shortcuts (a shift of 64 or more, a 64-bit wrap) no
    longer hold; the twin's replacements do."""
    t = FixedType(100, 50, True, Rounding.AP_RND_CONV, Overflow.AP_WRAP)
    v = (1 << 150) + (1 << 69) + (1 << 70)  # halfway at a shift of 70, an odd floor
    assert _twin_cast(v, 70, t) == exact.requantize(v, 70, t) == (1 << 80) + 2
    assert _twin_cast(-(1 << 120), -5, t) == exact.requantize(-(1 << 120), -5, t)
