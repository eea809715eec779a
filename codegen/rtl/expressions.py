"""The expressions of the RTL netlist (:mod:`.netlist`): signals, slices of their bits, and
Verilog expression templates whose operands are slices, so that every expression knows the
bits it reads."""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Expr",
    "NetlistError",
    "Operand",
    "Signal",
    "Slice",
    "concat",
    "const",
    "join",
    "replicate",
    "signed_const",
    "v",
]


class NetlistError(AssertionError):
    """The builder made a structure that is not a netlist (a bug in hlsfx, never the user's)."""


class Signal:
    """A port, wire or register of ``width`` bits; ``owner`` is the base name (a layer's or an
    input's) whose ``<owner>_unused`` wire takes its unread bits."""

    KINDS = ("input", "output", "wire", "reg")

    def __init__(self, name: str, width: int, kind: str, owner: str | None):
        if kind not in self.KINDS:
            raise NetlistError(f"signal kind {kind!r} is not one of {self.KINDS}")
        if not isinstance(width, int) or width < 1:
            raise NetlistError(f"signal {name!r}: width must be a positive integer, not {width!r}")
        self.name, self.width, self.kind, self.owner = name, width, kind, owner
        self.read = 0  # bit mask of the bits some logic reads
        self.driven = 0  # bit mask of the bits some assignment drives
        # an instance's output, or a value a cast drops whole: the design may leave it unread
        self.may_go_unread = False

    def bits(self, lo: int, count: int) -> Slice:
        """Bits ``lo .. lo + count - 1``."""
        return Slice(self, lo + count - 1, lo)

    def bit(self, i: int) -> Slice:
        return Slice(self, i, i)

    @property
    def all(self) -> Slice:
        return Slice(self, self.width - 1, 0)

    def __repr__(self) -> str:
        return f"<{self.kind} [{self.width - 1}:0] {self.name}>"


@dataclass(frozen=True)
class Slice:
    """Bits ``hi .. lo`` of a signal."""

    signal: Signal
    hi: int
    lo: int

    def __post_init__(self) -> None:
        if not 0 <= self.lo <= self.hi < self.signal.width:
            raise NetlistError(f"bits [{self.hi}:{self.lo}] are outside {self.signal!r}")

    @property
    def width(self) -> int:
        return self.hi - self.lo + 1

    @property
    def mask(self) -> int:
        return ((1 << self.width) - 1) << self.lo

    def bits(self, lo: int, count: int) -> Slice:
        """Bits ``lo .. lo + count - 1`` of this slice."""
        if lo + count > self.width:
            raise NetlistError(f"bits {lo} + {count} are outside {self}")
        return Slice(self.signal, self.lo + lo + count - 1, self.lo + lo)

    def bit(self, i: int) -> Slice:
        return self.bits(i, 1)

    def __str__(self) -> str:
        name = self.signal.name
        if self.lo == 0 and self.hi == self.signal.width - 1:
            return name
        return f"{name}[{self.hi}]" if self.hi == self.lo else f"{name}[{self.hi}:{self.lo}]"


@dataclass(frozen=True)
class Expr:
    """A Verilog expression: text with the signal slices it reads."""

    parts: tuple[str | Slice, ...]

    @property
    def slices(self) -> tuple[Slice, ...]:
        return tuple(p for p in self.parts if isinstance(p, Slice))

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


Operand = Signal | Slice | Expr | str | int
"""what an expression template takes: a signal (all of it), a slice, an expression, Verilog
text that reads no signal (a literal, an operator), or an int (printed in decimal)"""

_FORMATTER = string.Formatter()


def _parts(operand: Operand) -> tuple[str | Slice, ...]:
    if isinstance(operand, Signal):
        return (operand.all,)
    if isinstance(operand, Slice):
        return (operand,)
    if isinstance(operand, Expr):
        return operand.parts
    if isinstance(operand, (str, int)) and not isinstance(operand, bool):
        return (str(operand),)
    raise NetlistError(f"{operand!r} is not an operand of an expression")


def v(template: str, *operands: Operand) -> Expr:
    """The expression ``template`` (Python format syntax: ``{}`` takes the next operand,
    ``{{`` and ``}}`` are braces) with ``operands`` in place."""
    parts: list[str | Slice] = []
    rest = iter(operands)
    for literal, field, spec, conversion in _FORMATTER.parse(template):
        if literal:
            parts.append(literal)
        if field is None:
            continue
        if field or spec or conversion:
            raise NetlistError(f"template {template!r}: only empty fields {{}} are allowed")
        try:
            parts.extend(_parts(next(rest)))
        except StopIteration:
            raise NetlistError(f"template {template!r} has more fields than operands") from None
    if next(rest, None) is not None:
        raise NetlistError(f"template {template!r} has fewer fields than operands")
    return Expr(tuple(parts))


def join(separator: str, operands: Sequence[Operand]) -> Expr:
    """The operands with ``separator`` between them."""
    parts: list[str | Slice] = []
    for i, operand in enumerate(operands):
        if i:
            parts.append(separator)
        parts.extend(_parts(operand))
    return Expr(tuple(parts))


def concat(operands: Sequence[Operand]) -> Operand:
    """``{a, b, ...}`` (most significant first); one operand stands alone."""
    if len(operands) == 1:
        return operands[0]
    return v("{{{}}}", join(", ", operands))


def replicate(count: int, operand: Operand) -> Expr:
    """``{count{operand}}``."""
    return v("{{" + str(count) + "{{{}}}}}", operand)


def const(value: int, width: int) -> str:
    """``value`` as ``width`` bits of two's complement, an unsigned literal."""
    return f"{width}'d{value & ((1 << width) - 1)}"


def signed_const(value: int, width: int) -> str:
    """``value`` as a signed literal of ``width`` bits (``-16'sd8``, ``16'sd5``)."""
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"
