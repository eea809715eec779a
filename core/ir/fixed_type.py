"""Fixed-point types with the semantics of Xilinx ``ap_fixed`` / ``ap_int``."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

__all__ = [
    "FixedType",
    "Overflow",
    "Rounding",
    "exact_accumulator",
    "exact_sum_bound",
    "product_type",
    "sum_type",
]

MAX_WIDTH = 1024
"""Widest type ap_fixed.h accepts by default (``AP_INT_MAX_W``)."""

MAX_BIT_POSITION = 1000
"""Bound on integer and fractional bits: keeps every code a normal, finite double."""


class Rounding(enum.IntEnum):
    """Quantization mode applied when a value has more fractional bits than the target."""

    AP_TRN = 0
    """floor (toward -inf)"""
    AP_TRN_ZERO = 1
    """toward zero"""
    AP_RND = 2
    """to nearest, ties toward +inf"""
    AP_RND_ZERO = 3
    """to nearest, ties toward zero"""
    AP_RND_MIN_INF = 4
    """to nearest, ties toward -inf"""
    AP_RND_INF = 5
    """to nearest, ties away from zero"""
    AP_RND_CONV = 6
    """to nearest, ties to even"""


class Overflow(enum.IntEnum):
    """Overflow mode applied after quantization when the value is out of range."""

    AP_WRAP = 0
    """modulo 2**width"""
    AP_SAT = 1
    """clamp to [min, max]"""
    AP_SAT_ZERO = 2
    """out of range becomes 0"""
    AP_SAT_SYM = 3
    """signed: clamp to [-max, max] (the most negative code becomes -max); unsigned: AP_SAT"""


_UNSUPPORTED_OVERFLOW = {
    "AP_WRAP_SM": "sign-magnitude wrapping has no exact emulation in hlsfx; "
    "use AP_WRAP or one of the saturating modes",
}

_KINDS = {
    # spelling -> (signed, integer spelling)
    "ap_fixed": (True, False),
    "ap_ufixed": (False, False),
    "ap_int": (True, True),
    "ap_uint": (False, True),
    # hls4ml's short spellings, printed back in the ap_ form
    "fixed": (True, False),
    "ufixed": (False, False),
    "int": (True, True),
    "uint": (False, True),
}

_TYPE_RE = re.compile(r"^\s*([a-z_]+)\s*<(.*)>\s*$", re.DOTALL)


def _enum_member(enum_cls: type[enum.IntEnum], value: object, what: str) -> enum.IntEnum:
    if isinstance(value, enum_cls):
        return value
    if isinstance(value, str):
        name = value.strip()
        if name in enum_cls.__members__:
            return enum_cls[name]
        if name in _UNSUPPORTED_OVERFLOW and enum_cls is Overflow:
            raise ValueError(
                f"overflow mode {name!r} is not supported: {_UNSUPPORTED_OVERFLOW[name]}"
            )
    expected = ", ".join(enum_cls.__members__)
    raise ValueError(f"unknown {what} mode {value!r}; expected one of {expected}")


@dataclass(frozen=True)
class FixedType:
    """A fixed-point type: ``ap_fixed<W,I,Q,O,N>``, ``ap_ufixed``, ``ap_int<W>``, ``ap_uint<W>``.

    A value of this type is an integer code ``raw`` standing for ``raw * 2**-fractional``.

    Parameters
    ----------
    width : int
        Total number of bits W (1 to 1024).
    integer : int
        Integer bits I, including the sign bit of a signed type. May be negative or larger
        than ``width``; ``fractional = width - integer``.
    signed : bool
        Two's complement (``ap_fixed``) or unsigned (``ap_ufixed``).
    rounding : Rounding or str
        Quantization mode, ``"AP_TRN"`` by default.
    overflow : Overflow or str
        Overflow mode, ``"AP_WRAP"`` by default.
    saturation_bits : int
        ``N`` of ``ap_fixed``. It changes nothing in the saturating modes; with ``AP_WRAP`` it
        must be 0 (``AP_WRAP`` with saturation bits is refused: no exact emulation).
    ap_int : bool
        Spelled ``ap_int<W>`` / ``ap_uint<W>``: ``integer == width`` and conversions truncate
        toward zero and wrap, as C++ integer conversion does. Build these with
        :meth:`FixedType.int_type`.

    Examples
    --------
    >>> FixedType(16, 6)
    FixedType.parse('ap_fixed<16,6>')
    >>> FixedType.parse("ap_ufixed<8,3,AP_RND_CONV,AP_SAT>").max
    Fraction(255, 32)
    """

    width: int
    integer: int
    signed: bool = True
    rounding: Rounding = Rounding.AP_TRN
    overflow: Overflow = Overflow.AP_WRAP
    saturation_bits: int = 0
    ap_int: bool = False

    def __post_init__(self) -> None:
        for field in ("width", "integer", "saturation_bits"):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{field} must be an integer, not {value!r}")
        if not 1 <= self.width <= MAX_WIDTH:
            raise ValueError(f"width must be an integer from 1 to {MAX_WIDTH}, not {self.width}")
        for field, value in (("integer", self.integer), ("fractional", self.fractional)):
            if abs(value) > MAX_BIT_POSITION:
                raise ValueError(
                    f"{field} bits must lie within ±{MAX_BIT_POSITION}, not {value} "
                    f"(width {self.width}, integer {self.integer})"
                )
        if not isinstance(self.signed, bool):
            raise ValueError(f"signed must be True or False, not {self.signed!r}")
        object.__setattr__(self, "rounding", _enum_member(Rounding, self.rounding, "quantization"))
        object.__setattr__(self, "overflow", _enum_member(Overflow, self.overflow, "overflow"))
        if not 0 <= self.saturation_bits <= self.width:
            raise ValueError(
                f"saturation bits must be from 0 to the width {self.width}, "
                f"not {self.saturation_bits}"
            )
        if self.overflow is Overflow.AP_WRAP and self.saturation_bits:
            raise ValueError(
                f"AP_WRAP with {self.saturation_bits} saturation bits is not supported: "
                "hlsfx has no exact emulation of it; use AP_WRAP with N = 0 or a saturating mode"
            )
        if self.ap_int and (self.integer, self.rounding, self.overflow, self.saturation_bits) != (
            self.width,
            Rounding.AP_TRN_ZERO,
            Overflow.AP_WRAP,
            0,
        ):
            raise ValueError(
                "an ap_int type has integer bits equal to its width, AP_TRN_ZERO and AP_WRAP; "
                f"build it with FixedType.int_type({self.width}), not with integer={self.integer}, "
                f"{self.rounding.name}, {self.overflow.name}, N={self.saturation_bits}"
            )

    @classmethod
    def int_type(cls, width: int, signed: bool = True) -> FixedType:
        """``ap_int<width>`` (or ``ap_uint<width>`` with ``signed=False``)."""
        return cls(width, width, signed, Rounding.AP_TRN_ZERO, Overflow.AP_WRAP, 0, ap_int=True)

    @classmethod
    def parse(cls, text: str) -> FixedType:
        """Parse the C++ spelling: ``"ap_fixed<16,6,AP_RND_CONV,AP_SAT>"``, ``"ap_uint<8>"``, ..."""
        if isinstance(text, FixedType):
            return text
        if not isinstance(text, str):
            raise ValueError(
                f"a fixed-point type is written as text like 'ap_fixed<16,6>', not {text!r}"
            )
        match = _TYPE_RE.match(text)
        if match is None:
            raise ValueError(
                f"{text!r}: not a fixed-point type; expected e.g. 'ap_fixed<16,6>', "
                "'ap_ufixed<8,0,AP_RND,AP_SAT>', 'ap_int<8>'"
            )
        kind, body = match.groups()
        if kind not in _KINDS:
            raise ValueError(
                f"{text!r}: unknown type {kind!r}; expected one of {', '.join(_KINDS)}"
            )
        signed, is_int = _KINDS[kind]
        args = [a.strip() for a in body.split(",")]

        def number(position: int, what: str) -> int:
            arg = args[position]
            if not re.fullmatch(r"[+-]?\d+", arg):
                raise ValueError(f"{text!r}: {what} must be an integer, not {arg!r}")
            return int(arg)

        try:
            if is_int:
                if len(args) != 1:
                    raise ValueError(
                        f"{text!r}: {kind} takes one parameter (the width), not {len(args)}"
                    )
                return cls.int_type(number(0, "the width"), signed)
            if not 2 <= len(args) <= 5:
                raise ValueError(
                    f"{text!r}: {kind} takes 2 to 5 parameters <W, I, Q, O, N>, not {len(args)}"
                )
            width, integer = number(0, "the width"), number(1, "the integer bits")
            rounding = args[2] if len(args) > 2 else Rounding.AP_TRN
            overflow = args[3] if len(args) > 3 else Overflow.AP_WRAP
            sat_bits = number(4, "the number of saturation bits") if len(args) > 4 else 0
            return cls(width, integer, signed, rounding, overflow, sat_bits)
        except ValueError as error:
            message = str(error)
            raise ValueError(
                message if message.startswith(repr(text)) else f"{text!r}: {message}"
            ) from None

    def __str__(self) -> str:
        if self.ap_int:
            return f"ap_{'' if self.signed else 'u'}int<{self.width}>"
        params = [str(self.width), str(self.integer)]
        if self.saturation_bits:
            tail = [self.rounding.name, self.overflow.name, str(self.saturation_bits)]
        elif self.overflow is not Overflow.AP_WRAP:
            tail = [self.rounding.name, self.overflow.name]
        elif self.rounding is not Rounding.AP_TRN:
            tail = [self.rounding.name]
        else:
            tail = []
        return f"ap_{'' if self.signed else 'u'}fixed<{','.join(params + tail)}>"

    def __repr__(self) -> str:
        return f"FixedType.parse({str(self)!r})"

    @property
    def fractional(self) -> int:
        """Fractional bits F = width - integer (negative when the LSB weighs more than 1)."""
        return self.width - self.integer

    @property
    def min_code(self) -> int:
        """Smallest raw code."""
        return -(1 << (self.width - 1)) if self.signed else 0

    @property
    def max_code(self) -> int:
        """Largest raw code."""
        return (1 << (self.width - 1 if self.signed else self.width)) - 1

    @property
    def lsb(self) -> Fraction:
        """Value of one code step, exactly."""
        return Fraction(2) ** -self.fractional

    @property
    def min(self) -> Fraction:
        """Smallest representable value, exactly."""
        return self.min_code * self.lsb

    @property
    def max(self) -> Fraction:
        """Largest representable value, exactly."""
        return self.max_code * self.lsb

    def with_format(self, width: int, integer: int) -> FixedType:
        """Another width and integer bits, with the same signedness, modes and saturation
        bits (no more than the new width)."""
        return FixedType(
            width,
            integer,
            self.signed,
            self.rounding,
            self.overflow,
            min(self.saturation_bits, width),
        )

    def with_modes(
        self, rounding: Rounding | str | None = None, overflow: Overflow | str | None = None
    ) -> FixedType:
        """The same format with other quantization and/or overflow modes."""
        return FixedType(
            self.width,
            self.integer,
            self.signed,
            self.rounding if rounding is None else rounding,
            self.overflow if overflow is None else overflow,
            self.saturation_bits if overflow is None else 0,
        )


def product_type(a: FixedType, b: FixedType) -> FixedType:
    """The type that holds every product ``a * b`` exactly (widths and integer bits add)."""
    return FixedType(a.width + b.width, a.integer + b.integer, a.signed or b.signed)


def sum_type(a: FixedType, b: FixedType) -> FixedType:
    """The type that holds every sum ``a + b`` exactly (one more integer bit than the larger)."""
    signed = a.signed or b.signed
    # An unsigned operand added to a signed one needs one more bit to carry its sign.
    int_a = a.integer + (signed and not a.signed)
    int_b = b.integer + (signed and not b.signed)
    integer = max(int_a, int_b) + 1
    return FixedType(integer + max(a.fractional, b.fractional), integer, signed)


def _signed_integer_bits(magnitude: Fraction, fractional: int) -> int:
    """Integer bits (incl. sign) of the narrowest signed type with ``fractional`` bits that
    holds ``[-magnitude, magnitude]``."""
    integer = 1 - fractional
    while Fraction(2) ** (integer - 1) - Fraction(2) ** -fractional < magnitude:
        integer += 1
    return integer


def exact_accumulator(x: FixedType, w: FixedType, b: FixedType, fan_in: int) -> FixedType:
    """The narrowest signed accumulator that holds exactly every partial sum of ``b`` and up
    to ``fan_in`` products of an ``x`` and a ``w`` code."""
    fractional = max(x.fractional + w.fractional, b.fractional)
    corners = [p * q for p in (x.min, x.max) for q in (w.min, w.max)]
    low = fan_in * min(min(corners), 0) + min(b.min, 0)
    high = fan_in * max(max(corners), 0) + max(b.max, 0)
    integer = _signed_integer_bits(max(-low, high), fractional)
    return FixedType(integer + fractional, integer, True)


def exact_sum_bound(
    x: FixedType, w: FixedType, b: FixedType, accum: FixedType, weight: Any, bias: Any
) -> tuple[int, int] | None:
    """``(units, bound)`` when the accumulator of a Dense with these types and constants
    (``weight`` codes (n_in, n_out), ``bias`` codes (n_out,)) never rounds or overflows, so its
    sums are exact; else None. The sums are integers in units of ``2**-units``; ``bound`` is the
    largest magnitude any partial sum of any input can reach."""
    fx, fw, fb, fa = x.fractional, w.fractional, b.fractional, accum.fractional
    units = max(fx + fw, fb)
    if fa < units:
        return None
    x_max = max(abs(x.min_code), abs(x.max_code))
    columns = [sum(abs(int(c)) for c in column) for column in zip(*weight.tolist(), strict=True)]
    bound = max(
        (
            (abs(int(bias[j])) << (units - fb)) + ((column * x_max) << (units - fx - fw))
            for j, column in enumerate(columns)
        ),
        default=0,
    )
    if (bound << (fa - units)) > min(accum.max_code, -accum.min_code):
        return None
    return units, bound
