"""Verilog for a cast between fixed-point types (NUMERICS.md): the exact value of a source code,
the target's quantization (a rounding right shift), then its overflow handling. Every layer of
the RTL writer casts through :func:`cast_lines`; the mode is known when the Verilog is written,
so each cast is only the logic its modes need."""

from __future__ import annotations

from hlsfx.fixed_type import FixedType, Overflow, Rounding

__all__ = ["cast_lines", "signed_literal"]


def signed_literal(value: int, width: int) -> str:
    """``value`` as a signed Verilog literal of ``width`` bits."""
    return f"-{width}'sd{-value}" if value < 0 else f"{width}'sd{value}"


def _increment(rounding: Rounding, floor_lsb: str, half: str, rest: str, negative: str) -> str:
    """1 when the floor must move up by one LSB (see emulator/primitives.py: round_increment)."""
    return {
        Rounding.AP_TRN: "1'b0",
        Rounding.AP_TRN_ZERO: f"{negative} & ({half} | {rest})",
        Rounding.AP_RND: half,
        Rounding.AP_RND_ZERO: f"{half} & ({negative} | {rest})",
        Rounding.AP_RND_MIN_INF: f"{half} & {rest}",
        Rounding.AP_RND_INF: f"{half} & (~{negative} | {rest})",
        Rounding.AP_RND_CONV: f"{half} & ({floor_lsb} | {rest})",
    }[rounding]


def _bounds(t: FixedType) -> tuple[int, int]:
    if t.signed:
        hi = (1 << (t.width - 1)) - 1
        lo = -hi if t.overflow is Overflow.AP_SAT_SYM and t.width > 1 else -(1 << (t.width - 1))
        return lo, hi
    return 0, (1 << t.width) - 1


def _bits(x: str, width: int, sign: str, lo: int, count: int) -> str:
    """Bits ``lo .. lo + count - 1`` of the two's complement extension of ``x`` (``width``
    bits, sign bit ``sign``), zeros below bit 0: a concatenation of exactly ``count`` bits."""
    hi = lo + count - 1
    parts = []
    if hi >= width:
        parts.append(f"{{{hi - max(width, lo) + 1}{{{sign}}}}}")
    real_lo, real_hi = max(lo, 0), min(hi, width - 1)
    if real_lo <= real_hi:
        parts.append(f"{x}[{real_hi}:{real_lo}]")
    if lo < 0:
        parts.append(f"{{{min(hi, -1) - lo + 1}{{1'b0}}}}")
    return parts[0] if len(parts) == 1 else "{" + ", ".join(parts) + "}"


def cast_lines(source: str, src: FixedType, dst: FixedType, target: str, prefix: str) -> list[str]:
    """Verilog that sets wire ``target`` (``dst.width`` bits) to ``cast(source, dst)``, where
    ``source`` holds a code of ``src``; its own wires start with ``prefix``. Integer types cast
    as ``ap_fixed<W,W>`` (as the C++ writer's do).

    The source is copied into ``<prefix>_x``, exempt from Verilator's unused-bit lint: a cast
    drops the bits its target does not keep, by design. Everything else has explicit widths.
    """
    w = src.width
    x = f"{prefix}_x"
    sign = f"{x}[{w - 1}]" if src.signed else "1'b0"
    lines = [
        "/* verilator lint_off UNUSEDSIGNAL */",
        f"wire [{w - 1}:0] {x} = {source};",
        "/* verilator lint_on UNUSEDSIGNAL */",
    ]
    shift = src.fractional - dst.fractional
    exact = max(w - shift, w, 1) + (0 if src.signed else 1) + 1  # q can hold the exact value
    width = dst.width if dst.overflow is Overflow.AP_WRAP else max(exact, dst.width + 1)
    q = f"{prefix}_q"
    if shift > 0:
        half = f"{x}[{shift - 1}]" if shift - 1 < w else sign
        rest = "1'b0" if shift < 2 else (f"(|{x}[{min(shift - 2, w - 1)}:0])")
        floor_lsb = f"{x}[{shift}]" if shift < w else sign
        up = _increment(dst.rounding, floor_lsb, half, rest, sign)
        lines.append(f"wire {prefix}_up = {up};")
        floor = _bits(x, w, sign, shift, width)
        lines.append(
            f"wire [{width - 1}:0] {q} = {floor} + {{{{{width - 1}{{1'b0}}}}, {prefix}_up}};"
        )
    else:
        lines.append(f"wire [{width - 1}:0] {q} = {_bits(x, w, sign, shift, width)};")
    low_bits = f"{q}[{dst.width - 1}:0]"
    if dst.overflow is Overflow.AP_WRAP:
        lines.append(f"assign {target} = {q};")
        return lines
    lo, hi = _bounds(dst)
    above = f"($signed({q}) > {signed_literal(hi, width)})"
    below = f"($signed({q}) < {signed_literal(lo, width)})"
    if dst.overflow is Overflow.AP_SAT_ZERO:
        lines.append(f"assign {target} = ({above} | {below}) ? {dst.width}'d0 : {low_bits};")
    else:  # AP_SAT, and AP_SAT_SYM through its lo
        hi_bits = f"{dst.width}'d{hi & ((1 << dst.width) - 1)}"
        lo_bits = f"{dst.width}'d{lo & ((1 << dst.width) - 1)}"
        lines.append(f"assign {target} = {above} ? {hi_bits} : {below} ? {lo_bits} : {low_bits};")
    return lines
