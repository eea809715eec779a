"""A cast between fixed-point types (docs/numerics.md) as netlist logic: the exact value of a source
code, the target's quantization (a rounding right shift), then its overflow handling. The modes
and the source's range are known when the Verilog is written, so each cast is only the logic it
needs: a cast that changes nothing is the source itself, a truncating cast that cannot overflow
is a bit selection, and a saturation that cannot happen on one side has no comparison there."""

from __future__ import annotations

from hlsfx.codegen.rtl.expressions import (
    Operand,
    Signal,
    Slice,
    add,
    any_bit,
    as_signed,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    greater,
    group,
    invert,
    less,
    mux,
    replicate,
    signed_const,
)
from hlsfx.codegen.rtl.netlist import Netlist
from hlsfx.ir.exact import bounds
from hlsfx.ir.fixed_type import FixedType, Overflow, Rounding

__all__ = ["cast"]


def _increment(
    rounding: Rounding, floor_lsb: Operand, half: Operand, rest: Operand, negative: Operand
) -> Operand:
    """1 when the floor must move up by one LSB (see emulator/primitives.py: round_increment)."""
    rules = {
        Rounding.AP_TRN_ZERO: lambda: bit_and(negative, bit_or(half, rest)),
        Rounding.AP_RND: lambda: half,
        Rounding.AP_RND_ZERO: lambda: bit_and(half, bit_or(negative, rest)),
        Rounding.AP_RND_MIN_INF: lambda: bit_and(half, rest),
        Rounding.AP_RND_INF: lambda: bit_and(half, bit_or(invert(negative), rest)),
        Rounding.AP_RND_CONV: lambda: bit_and(half, bit_or(floor_lsb, rest)),
    }
    return rules[rounding]()


def _bits(x: Slice, sign: Operand, lo: int, count: int) -> Operand:
    """Bits ``lo .. lo + count - 1`` of the two's complement extension of ``x`` (sign bit
    ``sign``), zeros below bit 0: exactly ``count`` bits."""
    hi, width = lo + count - 1, x.width
    parts: list[Operand] = []
    if hi >= width:
        extra = hi - max(width, lo) + 1
        parts.append(sign if extra == 1 else replicate(extra, sign))
    real_lo, real_hi = max(lo, 0), min(hi, width - 1)
    if real_lo <= real_hi:
        parts.append(x.bits(real_lo, real_hi - real_lo + 1))
    if lo < 0:
        parts.append(const(0, min(hi, -1) - lo + 1))
    return concat(parts)


def cast(
    net: Netlist, source: Signal | Slice, src: FixedType, dst: FixedType, name: str
) -> Operand:
    """``cast(source, dst)`` of a code of ``src`` held in ``source``, ``dst.width`` bits; the
    wires it needs are named ``<name>_...``. Integer types cast as ``ap_fixed<W,W>`` (as the
    C++ writer's do)."""
    x = source.all if isinstance(source, Signal) else source
    if x.width != src.width:
        raise ValueError(f"{x} holds {x.width} bits, not a code of {src}")
    w = src.width
    sign: Operand = x.bit(w - 1) if src.signed else bit_literal(0)
    shift = src.fractional - dst.fractional
    rounds = shift > 0 and dst.rounding is not Rounding.AP_TRN
    s_lo, s_hi = src.min_code, src.max_code
    if shift > 0:
        q_lo, q_hi = s_lo >> shift, (s_hi >> shift) + rounds
    else:
        q_lo, q_hi = s_lo << -shift, s_hi << -shift
    lo, hi = bounds(dst)
    saturates = dst.overflow is not Overflow.AP_WRAP and (q_lo < lo or q_hi > hi)
    exact = max(w - shift, w, 1) + (0 if src.signed else 1) + 1  # q can hold the exact value
    width = max(exact, dst.width + 1) if saturates else dst.width
    if not saturates and shift + width <= 0:  # every bit of the source wraps away
        net.drop(x)
        return const(0, width)
    q: Operand = _bits(x, sign, shift, width)
    if rounds:
        half = x.bit(shift - 1) if shift - 1 < w else sign
        rest = bit_literal(0) if shift < 2 else any_bit(x.bits(0, min(shift - 1, w)))
        floor_lsb = x.bit(shift) if shift < w else sign
        up = _increment(dst.rounding, floor_lsb, half, rest, sign)
        step = up if width == 1 else concat([const(0, width - 1), up])
        q = net.wire(f"{name}_q", width, add(q, step))
    if not saturates:
        return q
    q = net.named(f"{name}_q", width, q)
    low = q.bits(0, dst.width) if isinstance(q, Slice) else q.all.bits(0, dst.width)
    above = greater(as_signed(q), signed_const(hi, width)) if q_hi > hi else None
    below = less(as_signed(q), signed_const(lo, width)) if q_lo < lo else None
    if dst.overflow is Overflow.AP_SAT_ZERO:
        out_of_range = bit_or(*(test for test in (above, below) if test is not None))
        return mux(group(out_of_range), const(0, dst.width), low)
    value: Operand = low  # AP_SAT, and AP_SAT_SYM through its lo
    if below is not None:
        value = mux(below, const(lo, dst.width), value)
    if above is not None:
        value = mux(above, const(hi, dst.width), value)
    return value
