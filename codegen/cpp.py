"""C++ spellings of fixed-point types and exact constants."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from hlsfx.ir.fixed_type import FixedType

__all__ = ["EXACT_LITERAL_WIDTH", "array_literal", "cpp_type", "literal"]

EXACT_LITERAL_WIDTH = 53
"""Widest type whose constants the generated C++ writes as literals (exact double values)."""


def cpp_type(t: FixedType) -> str:
    """The C++ type for ``t``. Integer types are written ``ap_fixed<W,W>``/``ap_ufixed<W,W>``:
    they hold the same values, and inside a layer every cast follows the type's quantization
    and overflow modes, as in the emulator (an ``ap_int`` target would truncate toward zero)."""
    if t.ap_int:
        return f"{'ap_fixed' if t.signed else 'ap_ufixed'}<{t.width},{t.width}>"
    return str(t)


def literal(code: int, t: FixedType) -> str:
    """The value of raw ``code`` of type ``t`` as a C++ literal that denotes it exactly: its
    decimal expansion, which a double holds exactly for codes of up to 53 bits; for wider types
    a hexadecimal string (``"-0x1a.8"``), which ap_fixed's string constructor reads exactly."""
    if t.width > EXACT_LITERAL_WIDTH:
        return _hex_literal(int(code), t.fractional)
    value = Fraction(int(code)) * t.lsb
    if value.denominator == 1:
        return f"{value.numerator}.0"
    digits = value.denominator.bit_length() - 1  # a power of two 2**k: k decimal places
    whole, fraction = divmod(abs(value.numerator) * 5**digits, 10**digits)
    sign = "-" if value < 0 else ""
    return f"{sign}{whole}.{fraction:0{digits}d}"


def _hex_literal(code: int, fractional: int) -> str:
    sign, magnitude = ("-" if code < 0 else ""), abs(code)
    if fractional <= 0:
        return f'"{sign}0x{magnitude << -fractional:x}"'
    digits = -(-fractional // 4)
    whole, fraction = magnitude >> fractional, magnitude & ((1 << fractional) - 1)
    return f'"{sign}0x{whole:x}.{fraction << (4 * digits - fractional):0{digits}x}"'


def array_literal(codes: Sequence[int], t: FixedType, per_line: int = 8) -> str:
    """``{v0, v1, ...}`` over several lines, each value exact (see :func:`literal`)."""
    values = [literal(int(c), t) for c in codes]
    lines = [", ".join(values[i : i + per_line]) for i in range(0, len(values), per_line)]
    return "{\n    " + ",\n    ".join(lines) + "\n}"
