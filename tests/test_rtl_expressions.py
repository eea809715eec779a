"""The RTL's typed expressions: the width and signedness each builder states are the ones a
Verilog simulator gives the printed text (``$bits`` and a signed comparison on Icarus), the
parentheses make the text compute what the builders were asked for, and what Verilog would
compute otherwise than meant (mixed signedness, bitwise operands of two widths, a value wider
than the signal it drives) is refused when it is built."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from conftest import require

from hlsfx.codegen.rtl.expressions import (
    Expr,
    NetlistError,
    Signal,
    add,
    any_bit,
    as_signed,
    bit_and,
    bit_literal,
    bit_or,
    concat,
    const,
    divide,
    equal,
    greater,
    group,
    invert,
    less,
    low_bits,
    multiply,
    mux,
    negate,
    not_equal,
    replicate,
    shift_left,
    shift_right,
    shift_right_signed,
    signed_const,
    subtract,
)
from hlsfx.codegen.rtl.netlist import Netlist

# the inputs' values in the simulation: a and b have their sign bits set, d is small
A, B, C, D = 0x80, 0x1F, 1, 3
a, b, c, d = (Signal(n, w, "input", n) for n, w in (("a", 8), ("b", 5), ("c", 1), ("d", 8)))
sa, sb, sd = as_signed(a), as_signed(b), as_signed(d)


def _typed_cases() -> list[Expr]:
    """Expressions whose signed ones are negative for the inputs above, so that a signed
    comparison with 0 tells their signedness."""
    return [
        sa,
        add(sa, sb),
        add(a, b, d),
        subtract(d, a),
        multiply(sb, sd),
        divide(sa, signed_const(2, 8)),
        shift_left(sb, 3),
        shift_right(a, 2),
        shift_right_signed(sa, 2),
        negate(sd),
        invert(sd),
        invert(d),
        bit_and(sa, sa),
        bit_and(sa, a),
        bit_or(sd, signed_const(-8, 8)),
        mux(c, sa, signed_const(-1, 8)),
        mux(c, sa, a),
        greater(sa, sd),
        equal(a, const(A, 8)),
        any_bit(b),
        concat([sa, sb]),
        replicate(2, sb),
        group(add(sa, sb)),
        signed_const(-8, 16),
        const(5, 3),
        bit_literal(1),
    ]


def _simulate(lines: list[str]) -> list[str]:
    require(shutil.which("iverilog") is not None, "iverilog", "run scripts/setup.sh test")
    source = "\n".join(
        [
            "module tb;",
            "reg [7:0] a; reg [4:0] b; reg c; reg [7:0] d;",
            "initial begin",
            f"    a = 8'd{A}; b = 5'd{B}; c = 1'b{C}; d = 8'd{D};",
            *lines,
            "end",
            "endmodule",
        ]
    )
    return _run_icarus(source)


def _run_icarus(source: str) -> list[str]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "tb.v"
        path.write_text(source)
        compiled = subprocess.run(
            ["iverilog", "-g2012", "-o", str(path.with_suffix(".vvp")), str(path)],
            capture_output=True,
            text=True,
        )
        assert compiled.returncode == 0, compiled.stderr + source
        ran = subprocess.run(
            ["vvp", "-n", str(path.with_suffix(".vvp"))], capture_output=True, text=True
        )
    assert ran.returncode == 0, ran.stderr
    return ran.stdout.split("\n")[:-1]


def test_width_and_signedness_are_the_simulators():
    cases = _typed_cases()
    shown = _simulate([f'    $display("%0d %0d", $bits({e}), ({e}) < 0);' for e in cases])
    assert len(shown) == len(cases)
    for e, line in zip(cases, shown, strict=True):
        assert line == f"{e.width} {int(e.signed)}", f"{e}: the simulator says {line}"


def _wrapped(value: int, width: int) -> int:
    return value & ((1 << width) - 1)


PRECEDENCE_CASES = [
    # (expression, what was asked for, as an unsigned code of its width)
    (bit_and(c, equal(a, const(A, 8))), C & (A == A)),
    (add(shift_left(d, 2), const(1, 8)), (D << 2) + 1),
    (shift_left(add(d, const(1, 8)), 2), (D + 1) << 2),
    (subtract(d, add(d, d)), _wrapped(D - (D + D), 8)),
    (subtract(subtract(d, d), d), _wrapped(-D, 8)),
    (mux(c, mux(equal(d, const(D, 8)), const(7, 8), const(9, 8)), const(1, 8)), 7),
    (mux(mux(c, c, c), d, const(0, 8)), D),
    (mux(invert(c), const(1, 8), mux(c, const(2, 8), const(3, 8))), 2),
    (negate(shift_right(a, 4)), _wrapped(-(A >> 4), 8)),
    (invert(any_bit(b)), 0),
    (bit_or(invert(c), less(d, const(4, 8))), 1),
    (bit_and(c, bit_or(invert(c), c)), 1),
    (bit_or(bit_and(c, c), invert(c)), 1),
    (add(const(0, 1), greater(d, const(2, 8))), 1),
    (concat([add(b, b), const(0, 2)]), _wrapped(B + B, 5) << 2),
]


def test_the_printed_text_computes_what_was_built():
    shown = _simulate([f'    $display("%0d", {e});' for e, _ in PRECEDENCE_CASES])
    for (e, wanted), line in zip(PRECEDENCE_CASES, shown, strict=True):
        assert int(line) == wanted, f"{e} = {line}, built as {wanted}"


def test_what_verilog_would_compute_otherwise_than_meant_is_refused():
    with pytest.raises(NetlistError, match=r"'\+' mixes signed and unsigned operands"):
        add(sa, b)
    with pytest.raises(NetlistError, match=r"'<' mixes signed and unsigned"):
        less(sa, const(3, 8))
    with pytest.raises(NetlistError, match=r"'\*' mixes signed and unsigned"):
        multiply(sa, d)
    with pytest.raises(NetlistError, match=r"'&' of operands of different widths: a \(8 bits\)"):
        bit_and(a, b)
    with pytest.raises(NetlistError, match=r"condition a is 8 bits wide, not 1"):
        mux(a, d, d)
    with pytest.raises(NetlistError, match=r"'\?:' chooses between a \(8 bits\) and b"):
        mux(c, a, b)
    with pytest.raises(NetlistError, match="shift amount -1"):
        shift_left(a, -1)


def test_a_value_wider_than_its_signal_is_refused_unless_its_low_bits_are_asked_for():
    net = Netlist()
    x = net.port("input", "x", 8, owner="x")
    with pytest.raises(NetlistError, match=r"x \+ x is 8 bits wide, wider than the 4 bits"):
        net.wire("narrow", 4, add(x, x))
    kept = net.wire("kept", 4, low_bits(add(x, x), 4))
    assert kept.width == 4
    with pytest.raises(NetlistError, match=r"the low bits of x / x depend on its top bits"):
        low_bits(divide(x, x), 4)
    with pytest.raises(NetlistError, match="cut to its low bits: it drives a signal"):
        add(low_bits(add(x, x), 4), const(1, 4))
    flag = net.reg("flag", 1)
    with pytest.raises(NetlistError, match="condition x is 8 bits wide, not 1"):
        net.clocked(flag, (x, bit_literal(1)))
    rom = net.rom("table", 3, 6, [1, 2, 3])
    with pytest.raises(NetlistError, match="table: index x is wider than 3 bits"):
        rom(x)
    assert (rom(x.bits(0, 3)).width, str(rom(x.bits(0, 3)))) == (6, "table(x[2:0])")
    assert not_equal(x, const(0, 8)).width == 1
