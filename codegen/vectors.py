"""Test vectors of a written design: random input codes over each input type's range, a user's
own codes checked, and the text files (one sample per line) that testbenches replay."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hlsfx.model import QuantizedModel

__all__ = ["MAX_VECTORS", "design_vectors", "read_rows", "read_vectors", "vectors_text"]

MAX_VECTORS = 1_000_000
"""test samples a written design may carry in tb_data/"""


def design_vectors(
    qm: QuantizedModel, vectors: Any
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The input codes a written design is tested on, and the emulator's output codes for
    them: ``vectors`` random samples (:meth:`QuantizedModel.random_codes`) or the user's raw
    codes ``{input: (N, size)}``, checked: every input given and no other, integer codes of the
    input's type, 1 to :data:`MAX_VECTORS` samples."""
    if isinstance(vectors, bool) or not isinstance(vectors, (int, Mapping)):
        raise ValueError(
            f"vectors must be a number of samples or {{input: codes}}, not {vectors!r}"
        )
    if isinstance(vectors, int):
        if not 1 <= vectors <= MAX_VECTORS:
            raise ValueError(f"vectors must be 1 to {MAX_VECTORS:,} samples, not {vectors:,}")
        codes = qm.random_codes(vectors)
        return codes, qm.predict_codes(codes)
    unknown = sorted(map(repr, set(vectors) - set(qm.graph.inputs)))
    if unknown:
        raise ValueError(
            f"vectors name no input {', '.join(unknown)}; the inputs are {list(qm.graph.inputs)}"
        )
    codes = {}
    for name in qm.graph.inputs:
        if name not in vectors:
            raise ValueError(f"vectors lack input {name!r}")
        t, size = qm.tensor_types[name], math.prod(qm.graph.shapes[name])
        array = np.asarray(vectors[name])
        wide = array.dtype == object and all(isinstance(c, int) for c in array.flat)
        if (array.dtype.kind not in "iu" and not wide) or array.ndim != 2 or array.shape[1] != size:
            raise ValueError(
                f"vectors of input {name!r} must be integer codes of shape (N, "
                f"{size}), not {array.dtype} {array.shape}"
            )
        if not 1 <= len(array) <= MAX_VECTORS:
            raise ValueError(
                f"vectors of input {name!r}: 1 to {MAX_VECTORS:,} samples, not {len(array):,}"
            )
        outside = (array < t.min_code) | (array > t.max_code)
        if outside.any():
            first = tuple(int(i) for i in np.argwhere(outside)[0])
            raise ValueError(
                f"vectors of input {name!r}: code {array[first]} at {first} is "
                f"outside {t} ({t.min_code} .. {t.max_code})"
            )
        codes[name] = array if wide else array.astype(np.int64)
    if len({len(a) for a in codes.values()}) > 1:
        raise ValueError("vectors of the inputs have different numbers of samples")
    return codes, qm.predict_codes(codes)


def vectors_text(codes: Mapping[str, np.ndarray], tensors: list[str]) -> str:
    """Raw codes as text, one sample per line: the tensors' codes in order, each flattened."""
    rows = np.concatenate([np.asarray(codes[t]).reshape(len(codes[t]), -1) for t in tensors], 1)
    return "".join(" ".join(str(int(v)) for v in row) + "\n" for row in rows)


def read_rows(
    path: str | Path, parse: Callable[[str], Any], what: str, width: int | None = None
) -> list[list]:
    """The values of a text file of one vector per line, read line by line: each value
    ``parse(text)`` (a ``ValueError`` for text that is not ``what``), ``width`` values a line
    (default: as many as the first line holds), blank lines skipped; a bad line, more than
    :data:`MAX_VECTORS` lines or none at all is a ``ValueError`` naming the file and line."""
    rows: list[list] = []
    try:
        with open(path, encoding="utf-8") as text:
            for number, line in enumerate(text, 1):
                if not line.strip():
                    continue
                try:
                    row = [parse(v) for v in line.split()]
                except ValueError:
                    raise ValueError(
                        f"{path}, line {number}: {line.strip()[:60]!r} is not {what}"
                    ) from None
                width = len(row) if width is None else width
                if len(row) != width:
                    raise ValueError(f"{path}, line {number}: {len(row)} values, not {width}")
                if len(rows) == MAX_VECTORS:
                    raise ValueError(f"{path} holds more than {MAX_VECTORS:,} vectors")
                rows.append(row)
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"{path} cannot be read as text ({error})") from None
    if not rows:
        raise ValueError(f"{path} holds no vectors")
    return rows


def _integer(text: str) -> int:
    if not text.lstrip("+-").isdigit() or not text.isascii():  # not Python's 1_000
        raise ValueError(text)
    return int(text)


def read_vectors(path: str | Path, width: int | None = None) -> np.ndarray:
    """Codes written by :func:`vectors_text` (or a testbench), one sample per line, as rows of
    ``width`` codes (see :func:`read_rows`): int64, or Python integers where a code does not
    fit one."""
    rows = read_rows(path, _integer, "integer codes", width)
    fits = all(-(1 << 63) <= c < (1 << 63) for row in rows for c in row)
    return np.array(rows, dtype=np.int64 if fits else object)
