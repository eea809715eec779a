"""A C++ program, compiled against the real ap_types headers, that converts values the way
ap_fixed.h does: double -> type (the constructor) and type -> type (assignment).

The program is generated for a fixed list of types and (source, destination) pairs, compiled
once and cached by the hash of its source, the headers' folder and the compiler.
"""

from __future__ import annotations

import hashlib
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from hlsfx import FixedType

RECORD = np.dtype([("index", "<i4"), ("pad", "<i4"), ("payload", "<i8")])

_PRELUDE = """\
#include <ap_fixed.h>
#include <ap_int.h>
#include <cstdint>
#include <cstring>

template <class T> uint64_t code_bits(const T& x) { return x.range().to_uint64(); }
"""

_QUANTIZE_TU = """\
template <class T> uint64_t from_double(int64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  T x = d;
  return code_bits(x);
}
typedef uint64_t (*convert_fn)(int64_t);
static const convert_fn TABLE[] = {
%s
};
uint64_t oracle_quantize(int index, int64_t bits) { return TABLE[index](bits); }
"""

_CAST_TU = """\
template <class S, class D> uint64_t assign(int64_t raw) {
  S s;
  s.range() = ap_uint<64>((uint64_t)raw);
  D d = s;
  return code_bits(d);
}
typedef uint64_t (*convert_fn)(int64_t);
static const convert_fn TABLE[] = {
%s
};
uint64_t oracle_cast(int index, int64_t raw) { return TABLE[index](raw); }
"""

_MAIN = """\
#include <cstdint>
#include <cstdio>
#include <cstring>

uint64_t oracle_quantize(int index, int64_t bits);
uint64_t oracle_cast(int index, int64_t raw);

struct Record { int32_t index; int32_t pad; int64_t payload; };

int main(int argc, char** argv) {
  if (argc != 4) { std::fprintf(stderr, "usage: oracle q|c IN OUT\\n"); return 2; }
  bool quantize = std::strcmp(argv[1], "q") == 0;
  std::FILE* in = std::fopen(argv[2], "rb");
  std::FILE* out = std::fopen(argv[3], "wb");
  if (!in || !out) { std::perror("oracle"); return 2; }
  Record r;
  while (std::fread(&r, sizeof r, 1, in) == 1) {
    uint64_t bits = quantize ? oracle_quantize(r.index, r.payload)
                             : oracle_cast(r.index, r.payload);
    std::fwrite(&bits, sizeof bits, 1, out);
  }
  std::fclose(in);
  std::fclose(out);
  return 0;
}
"""


def cpp_type(t: FixedType) -> str:
    """The C++ spelling of ``t`` with every template parameter written out."""
    if t.ap_int:
        return str(t)
    kind = "ap_fixed" if t.signed else "ap_ufixed"
    return (
        f"{kind}<{t.width}, {t.integer}, {t.rounding.name}, {t.overflow.name}, {t.saturation_bits}>"
    )


def _table(entries: list[str]) -> str:
    return ",\n".join(f"  &{entry}" for entry in entries)


def _compile(gxx: str, include: Path, source: Path) -> Path:
    obj = source.with_suffix(".o")
    # -DNDEBUG: ap_fixed_base.h's assignment reads a bit beyond the source's MSB (behind an
    # assert) before its own ternary discards that bit; Vivado/Vitis csim builds without asserts.
    command = [gxx, "-std=c++14", "-O1", "-DNDEBUG", "-isystem", str(include), "-c", str(source)]
    subprocess.run([*command, "-o", str(obj)], check=True, capture_output=True, text=True)
    return obj


class ApOracle:
    """The compiled program for a list of target types and a list of cast pairs."""

    def __init__(
        self,
        types: list[FixedType],
        pairs: list[tuple[FixedType, FixedType]],
        include: Path,
        gxx: str,
        cache: Path,
    ) -> None:
        self.types = types
        self.pairs = pairs
        sources = {
            "quantize.cpp": _PRELUDE
            + _QUANTIZE_TU % _table([f"from_double<{cpp_type(t)} >" for t in types]),
            "cast.cpp": _PRELUDE
            + _CAST_TU % _table([f"assign<{cpp_type(s)}, {cpp_type(d)} >" for s, d in pairs]),
            "main.cpp": _MAIN,
        }
        version = subprocess.run([gxx, "--version"], capture_output=True, text=True).stdout
        key = hashlib.sha256(
            "\0".join([*sources.values(), str(include), version]).encode()
        ).hexdigest()[:16]
        folder = cache / key
        self.binary = folder / "oracle"
        if not self.binary.exists():
            folder.mkdir(parents=True, exist_ok=True)
            paths = []
            for name, text in sources.items():
                (folder / name).write_text(text)
                paths.append(folder / name)
            with ThreadPoolExecutor(max_workers=2) as pool:
                objects = list(pool.map(lambda p: _compile(gxx, include, p), paths))
            partial = folder / "oracle.partial"
            subprocess.run([gxx, *map(str, objects), "-o", str(partial)], check=True)
            partial.rename(self.binary)

    def _run(self, mode: str, index: np.ndarray, payload: np.ndarray, scratch: Path) -> np.ndarray:
        records = np.zeros(len(index), dtype=RECORD)
        records["index"] = index
        records["payload"] = payload
        source, result = scratch / f"{mode}.in", scratch / f"{mode}.out"
        records.tofile(source)
        subprocess.run([str(self.binary), mode, str(source), str(result)], check=True)
        return np.fromfile(result, dtype="<u8")

    def quantize(self, index: np.ndarray, values: np.ndarray, scratch: Path) -> np.ndarray:
        """Raw codes (sign-extended int64) of ``values[k]`` converted to ``types[index[k]]``."""
        bits = self._run("q", index, np.asarray(values, dtype=np.float64).view(np.int64), scratch)
        return _sign_extend(bits, self.types, index)

    def cast(self, index: np.ndarray, raw: np.ndarray, scratch: Path) -> np.ndarray:
        """Raw codes of ``raw[k]``, a code of ``pairs[index[k]][0]``, assigned to ``[1]``."""
        bits = self._run("c", index, np.asarray(raw, dtype=np.int64), scratch)
        return _sign_extend(bits, [d for _, d in self.pairs], index)


def _sign_extend(bits: np.ndarray, targets: list[FixedType], index: np.ndarray) -> np.ndarray:
    width = np.array([t.width for t in targets], dtype=np.uint64)[index]
    signed = np.array([t.signed for t in targets])[index]
    full = width >= 64
    mask = np.where(
        full, np.uint64(0xFFFFFFFFFFFFFFFF), (np.uint64(1) << (width % 64)) - np.uint64(1)
    )
    low = bits & mask
    top = np.uint64(1) << ((width - np.uint64(1)) % 64)
    negative = signed & ~full & ((low & top) != 0)
    codes = low.view(np.int64).copy()
    codes[negative] -= (np.int64(1) << (width[negative].astype(np.int64))).astype(np.int64)
    return codes
