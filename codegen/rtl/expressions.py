"""The expressions of the RTL netlist (:mod:`.netlist`): signals, slices of their bits, and
expressions built by one function per Verilog operator. Every expression knows the bits it
reads, its width and its signedness as Verilog-2005 defines them (IEEE 1364-2005, 5.4 and 5.5),
and prints with the parentheses its operators' precedence needs.

The builders refuse what Verilog would silently compute otherwise than meant: signed and
unsigned operands in one arithmetic operation or comparison (Verilog would treat both as
unsigned), bitwise operands of different widths (Verilog would zero-extend the narrower),
a condition wider than one bit. The netlist refuses a value wider than what it drives unless
:func:`low_bits` says the top bits are dropped on purpose."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

__all__ = [
    "Expr",
    "Function",
    "NetlistError",
    "Operand",
    "Signal",
    "Slice",
    "add",
    "any_bit",
    "as_signed",
    "bit_and",
    "bit_literal",
    "bit_or",
    "concat",
    "const",
    "divide",
    "equal",
    "expr",
    "greater",
    "greater_equal",
    "group",
    "invert",
    "less",
    "less_equal",
    "low_bits",
    "multiply",
    "mux",
    "negate",
    "not_equal",
    "replicate",
    "shift_left",
    "shift_right",
    "shift_right_signed",
    "signed_const",
    "subtract",
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


# how loosely each operator binds (Verilog-2005's precedence, 5.1.2): an operand whose own
# operator binds more loosely than the one it is read by prints in parentheses
_PRIMARY, _UNARY = 0, 1
_LEVEL = {
    "*": 2,
    "/": 2,
    "+": 3,
    "-": 3,
    "<<": 4,
    ">>": 4,
    ">>>": 4,
    "<": 5,
    "<=": 5,
    ">": 5,
    ">=": 5,
    "==": 6,
    "!=": 6,
    "&": 7,
    "|": 9,
    "?:": 10,
}
_KEEPS_LOW_BITS = frozenset({"+", "-", "*", "<<", "unary -"})
"""operators whose low result bits depend only on the low bits of their operands"""


@dataclass(frozen=True)
class Expr:
    """A Verilog expression: its text with the signal slices it reads, its self-determined
    width and signedness, the operator at its top (``""`` for a primary: a signal, a literal,
    a concatenation, a call, a parenthesis) and the top bits of its value it drops (only a
    value cut by :func:`low_bits`, which drives a signal and is read by nothing else)."""

    parts: tuple[str | Slice, ...]
    width: int
    signed: bool = False
    operator: str = ""
    dropped: int = 0

    @property
    def slices(self) -> tuple[Slice, ...]:
        return tuple(p for p in self.parts if isinstance(p, Slice))

    @property
    def level(self) -> int:
        if not self.operator:
            return _PRIMARY
        return _UNARY if self.operator.startswith("unary") else _LEVEL[self.operator]

    def __str__(self) -> str:
        return "".join(str(p) for p in self.parts)


Operand = Signal | Slice | Expr
"""what the builders take: a signal (all of it), a slice of one, or an expression"""


def expr(operand: Operand) -> Expr:
    """``operand`` as an expression."""
    if isinstance(operand, Expr):
        return operand
    if isinstance(operand, Signal):
        operand = operand.all
    if isinstance(operand, Slice):
        return Expr((operand,), operand.width)
    raise NetlistError(f"{operand!r} is not an operand of an expression")


def _read_by(operand: Operand, level: int, first: bool) -> tuple[str | Slice, ...]:
    """``operand``'s parts as an operand of an operator binding at ``level``: in parentheses
    when its own operator binds more loosely (or as loosely, unless it comes first)."""
    x = expr(operand)
    if x.dropped:
        raise NetlistError(f"{x} is cut to its low bits: it drives a signal and nothing else")
    if x.level > level or (x.level == level and not first):
        return ("(", *x.parts, ")")
    return x.parts


def _one_signedness(operator: str, operands: Sequence[Expr]) -> bool:
    """Whether ``operands`` are signed; mixed ones are refused (Verilog would read both as
    unsigned, so a negative operand would count as a large positive one)."""
    kinds = {x.signed for x in operands}
    if len(kinds) > 1:
        listed = ", ".join(f"{x} ({'signed' if x.signed else 'unsigned'})" for x in operands)
        raise NetlistError(f"'{operator}' mixes signed and unsigned operands: {listed}")
    return kinds.pop()


def _chain(operator: str, operands: Sequence[Operand], width: int, signed: bool) -> Expr:
    level, parts = _LEVEL[operator], []
    for i, x in enumerate(operands):
        if i:
            parts.append(f" {operator} ")
        parts.extend(_read_by(x, level, first=i == 0))
    return Expr(tuple(parts), width, signed, operator)


def _arithmetic(operator: str, operands: Sequence[Operand]) -> Expr:
    xs = [expr(x) for x in operands]
    if not xs:
        raise NetlistError(f"'{operator}' of no operands")
    if len(xs) == 1:
        return xs[0]
    signed = _one_signedness(operator, xs)
    return _chain(operator, xs, max(x.width for x in xs), signed)


def add(*operands: Operand) -> Expr:
    """``a + b + ...`` (one operand: itself), as wide as its widest operand; an assignment
    to a wider signal computes it at that signal's width (Verilog's context rule)."""
    return _arithmetic("+", operands)


def subtract(a: Operand, b: Operand) -> Expr:
    """``a - b``."""
    return _arithmetic("-", (a, b))


def multiply(a: Operand, b: Operand) -> Expr:
    """``a * b``, as wide as its wider operand (drive a signal as wide as the product)."""
    return _arithmetic("*", (a, b))


def divide(a: Operand, b: Operand) -> Expr:
    """``a / b`` (signed operands: toward zero)."""
    return _arithmetic("/", (a, b))


def _bitwise(operator: str, operands: Sequence[Operand]) -> Expr:
    xs = [expr(x) for x in operands]
    if not xs:
        raise NetlistError(f"'{operator}' of no operands")
    if len(xs) == 1:
        return xs[0]
    widths = {x.width for x in xs}
    if len(widths) > 1:
        listed = ", ".join(f"{x} ({x.width} bits)" for x in xs)
        raise NetlistError(f"'{operator}' of operands of different widths: {listed}")
    return _chain(operator, xs, widths.pop(), all(x.signed for x in xs))


def bit_and(*operands: Operand) -> Expr:
    """``a & b & ...`` of operands of one width (one operand: itself)."""
    return _bitwise("&", operands)


def bit_or(*operands: Operand) -> Expr:
    """``a | b | ...`` of operands of one width (one operand: itself)."""
    return _bitwise("|", operands)


def _compare(operator: str, a: Operand, b: Operand) -> Expr:
    xs = [expr(a), expr(b)]
    _one_signedness(operator, xs)
    return _chain(operator, xs, 1, False)


def equal(a: Operand, b: Operand) -> Expr:
    """``a == b``, one bit."""
    return _compare("==", a, b)


def not_equal(a: Operand, b: Operand) -> Expr:
    """``a != b``, one bit."""
    return _compare("!=", a, b)


def less(a: Operand, b: Operand) -> Expr:
    """``a < b``, one bit."""
    return _compare("<", a, b)


def less_equal(a: Operand, b: Operand) -> Expr:
    """``a <= b``, one bit."""
    return _compare("<=", a, b)


def greater(a: Operand, b: Operand) -> Expr:
    """``a > b``, one bit."""
    return _compare(">", a, b)


def greater_equal(a: Operand, b: Operand) -> Expr:
    """``a >= b``, one bit."""
    return _compare(">=", a, b)


def _shift(operator: str, x: Operand, amount: int) -> Expr:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
        raise NetlistError(f"shift amount {amount!r} is not a non-negative integer")
    value = expr(x)
    parts = (*_read_by(value, _LEVEL[operator], first=True), f" {operator} {amount}")
    return Expr(parts, value.width, value.signed, operator)


def shift_left(x: Operand, amount: int) -> Expr:
    """``x << amount``, as wide as ``x`` (drive a wider signal to keep the top bits)."""
    return _shift("<<", x, amount)


def shift_right(x: Operand, amount: int) -> Expr:
    """``x >> amount``, zeros shifted in."""
    return _shift(">>", x, amount)


def shift_right_signed(x: Operand, amount: int) -> Expr:
    """``x >>> amount``: copies of the sign shifted in when ``x`` is signed."""
    return _shift(">>>", x, amount)


def mux(condition: Operand, then: Operand, otherwise: Operand) -> Expr:
    """``condition ? then : otherwise``: a one-bit condition and two values of one width
    (signed only when both are); a chain of them reads as one (``c0 ? a : c1 ? b : c``)."""
    c, a, b = expr(condition), expr(then), expr(otherwise)
    if c.width != 1:
        raise NetlistError(f"condition {c} is {c.width} bits wide, not 1")
    if a.width != b.width:
        raise NetlistError(f"'?:' chooses between {a} ({a.width} bits) and {b} ({b.width} bits)")
    signed = a.signed and b.signed
    level = _LEVEL["?:"]
    parts = (
        *_read_by(c, level, first=False),
        " ? ",
        *_read_by(a, level, first=True),  # unambiguous: c0 ? c1 ? a : b : c
        " : ",
        *_read_by(b, level, first=True),
    )
    return Expr(parts, a.width, signed, "?:")


def _unary(operator: str, x: Operand, width: int, signed: bool, name: str) -> Expr:
    parts = (operator, *_read_by(x, _PRIMARY, first=True))
    return Expr(parts, width, signed, name)


def invert(x: Operand) -> Expr:
    """``~x``."""
    value = expr(x)
    return _unary("~", value, value.width, value.signed, "unary ~")


def negate(x: Operand) -> Expr:
    """``-x``, as wide as ``x``."""
    value = expr(x)
    return _unary("-", value, value.width, value.signed, "unary -")


def any_bit(x: Operand) -> Expr:
    """``(|x)``: one bit, set when some bit of ``x`` is (in parentheses, as it reads best)."""
    return group(_unary("|", x, 1, False, "unary |"))


def as_signed(x: Operand) -> Expr:
    """``$signed(x)``: the bits of ``x`` read as a two's complement number."""
    value = expr(x)
    return Expr(("$signed(", *value.parts, ")"), value.width, True)


def group(x: Operand) -> Expr:
    """``(x)``, parentheses where precedence does not need them but a reader may."""
    value = expr(x)
    return Expr(("(", *value.parts, ")"), value.width, value.signed)


def low_bits(x: Operand, width: int) -> Expr:
    """The low ``width`` bits of a sum, difference, product or left shift, which a signal of
    ``width`` bits driven by it keeps (those bits depend only on the low bits of the
    operands). The result drives a signal; no operator may read it."""
    value = expr(x)
    if width == value.width:
        return value
    if not 0 < width < value.width:
        raise NetlistError(f"{value} is {value.width} bits wide: it has no low {width} bits")
    if value.operator not in _KEEPS_LOW_BITS:
        raise NetlistError(f"the low bits of {value} depend on its top bits")
    return replace(value, width=width, dropped=value.width - width)


def concat(operands: Sequence[Operand]) -> Operand:
    """``{a, b, ...}`` (most significant first), unsigned; one operand stands alone (a slice
    stays a slice). Each operand keeps its own width (a sum in it has no carry bit)."""
    if len(operands) == 1:
        return operands[0]
    xs = [expr(x) for x in operands]
    if not xs:
        raise NetlistError("a concatenation of nothing")
    parts: list[str | Slice] = ["{"]
    for i, x in enumerate(xs):
        if i:
            parts.append(", ")
        if x.dropped:
            raise NetlistError(f"{x} is cut to its low bits: it drives a signal and nothing else")
        parts.extend(x.parts)
    parts.append("}")
    return Expr(tuple(parts), sum(x.width for x in xs))


def replicate(count: int, operand: Operand) -> Expr:
    """``{count{operand}}``, unsigned."""
    if not isinstance(count, int) or count < 1:
        raise NetlistError(f"replication count {count!r} is not a positive integer")
    x = expr(operand)
    return Expr((f"{{{count}{{", *_read_by(x, _LEVEL["?:"], first=True), "}}"), count * x.width)


def const(value: int, width: int) -> Expr:
    """``value`` as ``width`` bits of two's complement, an unsigned literal."""
    return Expr((f"{width}'d{value & ((1 << width) - 1)}",), width)


def signed_const(value: int, width: int) -> Expr:
    """``value`` as a signed literal of ``width`` bits (``-16'sd8``, ``16'sd5``)."""
    text = f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"
    return Expr((text,), width, True)


def bit_literal(value: int) -> Expr:
    """``1'b0`` or ``1'b1``."""
    if value not in (0, 1):
        raise NetlistError(f"a bit is 0 or 1, not {value!r}")
    return Expr((f"1'b{value}",), 1)


@dataclass(frozen=True)
class Function:
    """A Verilog function of the module (a ROM): ``index_width`` bits in, ``width`` bits
    out; calling it with an index builds the call."""

    name: str
    index_width: int
    width: int

    def __call__(self, index: Operand) -> Expr:
        i = expr(index)
        if i.width > self.index_width:
            raise NetlistError(f"{self.name}: index {i} is wider than {self.index_width} bits")
        return Expr((f"{self.name}(", *i.parts, ")"), self.width)
