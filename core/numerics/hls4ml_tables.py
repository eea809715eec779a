"""hls4ml 1.3.0's lookup tables (``nnet_activation.h``), entry for entry and with its index rules,
for ``numerics="hls4ml"`` (docs/numerics.md).

- Sigmoid, softplus, softsign and tanh: ``size`` entries over [-8, 8) ([-4, 4) for tanh);
  entry k is ``f(R * (k - size/2) / size)`` (R = 16 or 8: the left end of step k) computed as
  hls4ml's C++ does (``expf``/``tanhf`` in float, softplus's log and softsign's quotient in
  double, each returned as float) and assigned to the table type; the index truncates
  ``x * size / R`` toward zero and adds ``size/2``.
- ELU and SELU: ``size`` entries of ``f(-8 k / size)``, for negative inputs, read at
  ``trunc(x * size / -8)`` (clamped), ELU's times alpha; non-negative inputs do not read the
  table.
- Softmax: the exp table is indexed by the top log2(size) bits of its input code; entry i is
  ``expf(-x)`` (``stable``, x = max - x_i) or ``expf(x)`` (``latency``) of the value whose top
  bits are i and whose other bits are 0; the reciprocal table likewise, ``1 / x`` in float.

The float functions are the C library's own (``libm`` through ctypes), as the C simulation
calls them, so the tables agree with it entry for entry on the same machine."""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from hlsfx.ir.exact import quantize
from hlsfx.ir.fixed_type import FixedType, product_type
from hlsfx.ir.tables import TOP_BITS, TOWARD_ZERO, Table

__all__ = ["ACTIVATION_RANGE", "SELU_CONSTANTS", "activation_table", "balanced_tree"]
__all__ += ["below_zero_table", "softmax_table", "softmax_tables"]

ACTIVATION_RANGE = {"sigmoid": 16, "tanh": 8, "softplus": 16, "softsign": 16}
"""the width R of the range [-R/2, R/2) each of hls4ml's activation tables covers"""


@functools.cache
def _libm() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("m")
    try:
        library = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    for function in ("expf", "tanhf"):
        getattr(library, function).restype = ctypes.c_float
        getattr(library, function).argtypes = [ctypes.c_float]
    library.log.restype, library.log.argtypes = ctypes.c_double, [ctypes.c_double]
    return library


def _float_function(name: str) -> Callable[[np.ndarray], np.ndarray]:
    """The C library's ``expf``/``tanhf`` on a float32 array, or its ``log`` on a float64 one
    (numpy's functions where no C library is found)."""
    dtype = np.float64 if name == "log" else np.float32
    library = _libm()
    if library is None:
        fallback = {"expf": np.exp, "tanhf": np.tanh, "log": np.log}[name]
        return lambda x: fallback(np.asarray(x, dtype=dtype)).astype(dtype)
    function = getattr(library, name)
    return lambda x: np.array(
        [function(float(v)) for v in np.asarray(x, dtype).reshape(-1)], dtype=dtype
    ).reshape(np.shape(x))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    """``1.0 / (1 + std::exp(-x))`` on a float: the sum in float, the quotient in double,
    returned as float."""
    total = np.float32(1) + _float_function("expf")(-x)
    return (1.0 / total.astype(np.float64)).astype(np.float32)


def _softplus(x: np.ndarray) -> np.ndarray:
    """``std::log(std::exp(x) + 1.)`` on a float: exp in float, the sum and log in double,
    returned as float."""
    return _float_function("log")(_float_function("expf")(x).astype(np.float64) + 1.0).astype(
        np.float32
    )


def _softsign(x: np.ndarray) -> np.ndarray:
    """``x / (std::abs(x) + 1.)`` on a float: the sum and quotient in double, returned as
    float."""
    wide = x.astype(np.float64)
    return (wide / (np.abs(wide) + 1.0)).astype(np.float32)


_TABULATED = {
    "sigmoid": _sigmoid,
    "tanh": lambda x: _float_function("tanhf")(x),
    "softplus": _softplus,
    "softsign": _softsign,
}


def activation_table(
    function: str, input_type: FixedType, entry_type: FixedType, size: int
) -> Table:
    """hls4ml's sigmoid, tanh, softplus or softsign table of ``size`` entries (a power of two)
    for inputs of ``input_type``."""
    if function not in ACTIVATION_RANGE:
        raise ValueError(f"hls4ml tabulates {', '.join(ACTIVATION_RANGE)}, not {function!r}")
    if size < 2 or size & (size - 1):
        raise ValueError(f"a table size must be a power of two of at least 2, not {size}")
    reach = ACTIVATION_RANGE[function]
    k = np.arange(size, dtype=np.float64)
    grid = (2 * (reach / 2) * (k - size / 2.0) / size).astype(np.float32)
    values = _TABULATED[function](grid)
    entries = quantize(values.astype(np.float64), entry_type)
    # index = trunc(code * size / (R * 2**F)) + size / 2, R * 2**F / size a power of two
    shift = round(math.log2(reach)) + input_type.fractional - round(math.log2(size))
    return Table(function, input_type, entry_type, 0, shift, entries, TOWARD_ZERO, size // 2)


SELU_CONSTANTS = {
    "alpha": 1.6732632423543772848170429916717,
    "gamma": 1.0507009873554804934193349852946,
}
"""the constants hls4ml's SELU table is computed with (its positive branch multiplies by
``gamma`` held as ``ap_ufixed<16,1>``)"""


def below_zero_table(
    function: str, input_type: FixedType, entry_type: FixedType, size: int, attrs: Any
) -> Table:
    """hls4ml's ELU or SELU table of ``size`` entries for negative inputs of ``input_type``:
    entry k is ``f(-8 k / size)`` in float (``expf(x) - 1.``, SELU's products in double,
    returned as float), read at ``trunc(x * size / -8)``, clamped to the last entry. ELU's
    ``alpha`` (hls4ml multiplies each entry by it, held in the layer's parameter type) must be
    a value of that type, a dyadic fraction: the entries are those exact products. Held
    reversed, so that the toward-zero rule (``trunc(x * size / 8)`` plus ``size - 1``) reads
    it."""
    if function not in ("elu", "selu"):
        raise ValueError(f"hls4ml tabulates elu and selu below zero, not {function!r}")
    if function == "selu":
        given = {key: float((attrs or {}).get(key, math.nan)) for key in SELU_CONSTANTS}
        if any(not math.isclose(given[k], v, rel_tol=1e-12) for k, v in SELU_CONSTANTS.items()):
            raise ValueError(
                f"hls4ml's selu table is computed with {SELU_CONSTANTS}, not "
                f"{given}: numerics='hls4ml' reproduces those only"
            )
    if size < 2 or size & (size - 1):
        raise ValueError(f"a table size must be a power of two of at least 2, not {size}")
    grid = (-8.0 * np.arange(size, dtype=np.float64) / float(size)).astype(np.float32)
    exp_minus_one = _float_function("expf")(grid).astype(np.float64) - 1.0
    if function == "selu":
        exp_minus_one = SELU_CONSTANTS["gamma"] * (SELU_CONSTANTS["alpha"] * exp_minus_one)
    entries = quantize(exp_minus_one.astype(np.float32).astype(np.float64), entry_type)
    alpha = float((attrs or {}).get("alpha", 1.0))
    if function == "elu" and alpha != 1.0:
        alpha_t, alpha_code = _dyadic(alpha)
        entries = entries * alpha_code
        entry_type = product_type(entry_type, alpha_t)
    shift = 3 + input_type.fractional - round(math.log2(size))
    return Table(
        function, input_type, entry_type, 0, shift, entries[::-1].copy(), TOWARD_ZERO, size - 1
    )


def _dyadic(value: float) -> tuple[FixedType, int]:
    """The smallest type holding ``value`` exactly, and its code there."""
    exact = Fraction(value)
    fractional = exact.denominator.bit_length() - 1
    if exact.denominator != 1 << fractional or fractional > 32:
        raise ValueError(
            f"hls4ml multiplies its ELU table by alpha {value} held in the "
            "layer's parameter type: give alpha as a value of that type "
            "(from_hls4ml does)"
        )
    code = int(exact * (1 << fractional))
    width = max(1, abs(code).bit_length()) + (code < 0)
    return FixedType(width, width - fractional, code < 0), code


def softmax_table(
    function: str, input_type: FixedType, entry_type: FixedType, size: int, scale: float = 1.0
) -> Table:
    """hls4ml's softmax table of ``function`` (``exp_neg``: stable's exp(-x), ``exp``:
    latency's exp(x), ``reciprocal``) indexed by the top log2(size) bits of ``input_type``'s
    codes."""
    bits = round(math.log2(size))
    if size < 2 or size & (size - 1):
        raise ValueError(f"a table size must be a power of two of at least 2, not {size}")
    if bits > input_type.width:
        raise ValueError(
            f"a {size}-entry table reads the top {bits} bits of {input_type}, "
            f"which has {input_type.width}"
        )
    shift = input_type.width - bits
    codes = np.arange(size, dtype=np.int64) << shift
    if input_type.signed:
        codes = np.where(
            codes >= 1 << (input_type.width - 1), codes - (1 << input_type.width), codes
        )
    x = (codes.astype(np.float64) * 2.0**-input_type.fractional).astype(np.float32)
    if function in ("exp_neg", "exp"):
        x = x * np.float32(scale)
        values = _float_function("expf")(-x if function == "exp_neg" else x)
    elif function == "reciprocal":
        with np.errstate(divide="ignore"):
            values = np.float32(1) / x
    else:
        raise ValueError(
            f"hls4ml's softmax tabulates exp_neg, exp and reciprocal, not {function!r}"
        )
    # ap_fixed takes an infinity (1/0) as a power of two too large for the type: its bits
    # wrap to 0, or it saturates
    values = values.astype(np.float64)
    entries = quantize(np.where(np.isinf(values), np.sign(values) * 2.0**1000, values), entry_type)
    return Table(function, input_type, entry_type, 0, shift, entries, TOP_BITS)


def softmax_tables(
    types: dict[str, FixedType], x: FixedType, implementation: str, sizes: dict[str, int]
) -> dict[str, Table]:
    """hls4ml's exp and reciprocal tables of a softmax over inputs of ``x``: ``stable`` reads
    ``max - x_i`` in ``inp_norm_t`` (``ap_ufixed<W-1, I-1>`` of a signed input, wrapping), its
    table cut to the ``2**(W-1)`` entries those bits address; ``latency`` reads x; the
    reciprocal table reads the sum cast to ``inv_input``."""
    if implementation == "stable":
        norm = FixedType(x.width - x.signed, x.integer - x.signed, False)
        exp_size = min(sizes["exp_table"], 1 << norm.width) if x.signed else sizes["exp_table"]
        exp = softmax_table("exp_neg", norm, types["exp_table"], exp_size)
    else:
        exp = softmax_table("exp", x, types["exp_table"], sizes["exp_table"])
    inv = softmax_table("reciprocal", types["inv_input"], types["inv_table"], sizes["inv_table"])
    return {"exp_table": exp, "inv_table": inv}


def balanced_tree(n: int) -> np.ndarray:
    """The adds of hls4ml's ``reduce`` over ``n`` leaves (``nnet_common.h``): the first
    ``2**floor(log2(n - 1))`` leaves reduced, then the rest, then the two added; as rows
    ``(a, b, into)`` with partial sum ``n + k`` made by row k (the root is ``2n - 2``)."""
    rows: list[tuple[int, int, int]] = []

    def reduce(first: int, count: int) -> int:
        if count == 1:
            return first
        left = 1 << ((count - 1).bit_length() - 1)
        a, b = reduce(first, left), reduce(first + left, count - left)
        rows.append((a, b, n + len(rows)))
        return n + len(rows) - 1

    root = reduce(0, n)
    assert root == 2 * n - 2 or n == 1
    return np.array(rows, dtype=np.int64).reshape(-1, 3)
