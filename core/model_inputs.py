"""A quantized model's inputs: the user's arrays or raw codes checked and held for emulation
chunk by chunk, and random codes over each input type's range."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from hlsfx.ir import exact
from hlsfx.ir.fixed_type import FixedType
from hlsfx.ir.graph import Graph

__all__ = ["Rows", "check_finite", "code_inputs", "float_inputs", "random_codes"]

"""Memory a thread's chunk may use for its tensors (128 MiB): large inputs run in fewer
samples at a time, down to one."""


@dataclass(frozen=True)
class Rows:
    """One input's samples as the user gave them, turned into float64 rows of hlsfx's flat,
    channels-last layout one chunk at a time (so a large input costs no copy up front)."""

    array: np.ndarray
    """(N, ...) in the source layout"""
    inverse: tuple[int, ...]
    """the axes (without the batch) that bring the source layout to channels-last"""
    convert: Callable[[np.ndarray], np.ndarray] | None = None
    """codes to values (raw inputs), instead of a float64 copy"""
    raw: bool = False
    """the array holds codes of the input's type, taken as they are (types past 53 bits)"""

    def __len__(self) -> int:
        return len(self.array)

    def floats(self, start: int, stop: int) -> np.ndarray:
        chunk = self.array[start:stop]
        if self.convert is not None:
            return self.convert(chunk)
        chunk = chunk.transpose(0, *(1 + np.asarray(self.inverse, dtype=int)))
        return np.asarray(chunk, dtype=np.float64).reshape(len(chunk), -1)


def _wide_random_codes(rng: np.random.Generator, t: FixedType, count: int, size: int):
    """Codes of a type wider than int64 as Python integers, uniform over the codes its overflow
    mode produces, the smallest and largest first."""
    lo, hi = exact.bounds(t)
    span = hi - lo + 1
    drawn = [
        lo + int.from_bytes(rng.bytes(t.width // 8 + 8), "little") % span
        for _ in range(count * size)
    ]
    codes = np.array(drawn, dtype=object).reshape(count, size)
    codes[: min(count, 2)] = [[lo], [hi]][: min(count, 2)]
    return codes


def check_finite(name: str, array: np.ndarray, t: FixedType) -> None:
    """Refuse NaN and infinities before anything runs, scanning in chunks of bounded memory."""
    from hlsfx.emulator.executor import CHUNK_BYTES

    step = max(1, CHUNK_BYTES // max(1, 8 * array[:1].size))
    count, first = 0, None
    for start in range(0, len(array), step):
        bad = ~np.isfinite(array[start : start + step])
        found = int(bad.sum())
        if found and first is None:
            first = tuple(int(i) for i in np.argwhere(bad)[0])
            first = (first[0] + start, *first[1:])
        count += found
    if count:
        raise ValueError(
            f"input {name!r}: cannot quantize to {t}: {count} of {array.size} values are NaN or "
            f"infinite (the first, {array[first]}, at index {first}); replace them before "
            "emulating"
        )


def float_inputs(graph: Graph, tensor_types: Mapping[str, FixedType], x: Any) -> dict[str, Rows]:
    """Each input's samples, checked, to be converted chunk by chunk (see :class:`Rows`)."""
    names = graph.inputs
    if isinstance(x, Mapping):
        missing = [n for n in names if n not in x]
        if missing:
            raise ValueError(f"missing input(s) {missing}; the model's inputs are {list(names)}")
        unknown = sorted(map(repr, set(x) - set(names)))
        if unknown:
            raise ValueError(f"no input {', '.join(unknown)}; the inputs are {list(names)}")
        given = {n: x[n] for n in names}
    elif len(names) == 1:
        given = {names[0]: x}
    else:
        raise ValueError(f"this model has {len(names)} inputs: pass a dict keyed by {list(names)}")
    arrays = {}
    for name, value in given.items():
        if isinstance(value, np.ma.MaskedArray):
            raise ValueError(
                f"input {name!r} is a masked array: fill the masked values first "
                "(x.filled(value)), hlsfx does not drop them silently"
            )
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise ValueError(
                f"input {name!r}: values of dtype {array.dtype} cannot be quantized "
                "(real numbers only: bool, integer or float)"
            )
        perm = graph.layout(name)
        shape = graph.shapes[name]
        source_shape = tuple(shape[p] for p in perm)
        if array.shape[1:] != source_shape or array.ndim != len(shape) + 1:
            dims = ", ".join(map(str, source_shape))
            raise ValueError(
                f"input {name!r} takes arrays of shape (N, {dims}) for N samples, not {array.shape}"
            )
        if array.dtype.kind == "f":
            check_finite(name, array, tensor_types[name])
        arrays[name] = Rows(array, tuple(int(p) for p in np.argsort(perm)))
    sizes = {len(a) for a in arrays.values()}
    if len(sizes) > 1:
        raise ValueError(f"the inputs have different numbers of samples: {sorted(sizes)}")
    return arrays


def code_inputs(graph: Graph, tensor_types: Mapping[str, FixedType], codes: Any) -> dict[str, Rows]:
    """Raw input codes ``{input: (N, size)}`` (or one array), checked, to be emulated chunk by
    chunk: through their float values up to 53 bits, taken as they are beyond."""
    from hlsfx.emulator.quantize import FLOAT_CODE_WIDTH, to_float

    given = codes if isinstance(codes, Mapping) else {graph.inputs[0]: codes}
    unknown = sorted(map(repr, set(given) - set(graph.inputs)))
    missing = [n for n in graph.inputs if n not in given]
    if unknown or missing:
        raise ValueError(
            f"raw codes are keyed by the inputs {list(graph.inputs)}, not {sorted(map(str, given))}"
        )
    arrays = {}
    for name in graph.inputs:
        t, size = tensor_types[name], int(np.prod(graph.shapes[name]))
        array = np.asarray(given[name])
        if array.ndim != 2 or array.shape[1] != size:
            raise ValueError(
                f"input {name!r}: raw codes must have shape (N, {size}), not {array.shape}"
            )
        if array.dtype.kind not in "iuO" or (
            array.dtype == object and not all(isinstance(c, int) for c in array.flat)
        ):
            raise ValueError(f"input {name!r}: raw codes must be integers, not {array.dtype}")
        if t.width <= FLOAT_CODE_WIDTH and array.dtype != object:
            arrays[name] = Rows(array, (0,), lambda rows, t=t: to_float(rows, t))
            continue
        outside = [c for c in array.flat if not t.min_code <= c <= t.max_code]
        if outside:
            raise ValueError(
                f"input {name!r}: {t}: codes must lie in [{t.min_code}, "
                f"{t.max_code}], not {outside[0]}"
            )
        arrays[name] = Rows(array, (0,), raw=True)
    if len({len(a) for a in arrays.values()}) > 1:
        raise ValueError("the inputs' raw codes have different numbers of samples")
    return arrays


def random_codes(
    graph: Graph, tensor_types: Mapping[str, FixedType], count: int, seed: int = 0
) -> dict[str, np.ndarray]:
    """``count`` samples of random raw codes over each input type's whole range, its
    smallest and largest codes first (so later layers meet their overflow corners), as the
    type itself produces them; in hlsfx's layout, as :meth:`predict_codes` takes them."""
    from hlsfx.emulator.quantize import fits_int64, quantize, to_float

    rng = np.random.default_rng(seed)
    codes = {}
    for name in graph.inputs:
        t, size = tensor_types[name], int(np.prod(graph.shapes[name]))
        if not fits_int64(t):
            codes[name] = _wide_random_codes(rng, t, count, size)
            continue
        raw = rng.integers(t.min_code, t.max_code, (count, size), endpoint=True)
        raw[: min(count, 2)] = [[t.min_code], [t.max_code]][: min(count, 2)]
        codes[name] = quantize(to_float(raw, t), t)
    return codes
