"""The RTL netlist: expressions know the bits they read and their width and signedness as
Verilog-2005 defines them, every signal bit has exactly one driver, a wire nothing reads is
refused, and bits dropped by design print in one ``<owner>_unused`` wire per owner (see
tests/test_rtl.py for the lint and the simulations, tests/test_rtl_expressions.py for the
expressions against a simulator)."""

from __future__ import annotations

import pytest

from hlsfx.codegen.rtl.expressions import (
    NetlistError,
    add,
    bit_and,
    concat,
    const,
    invert,
    replicate,
    signed_const,
)
from hlsfx.codegen.rtl.netlist import Netlist


def _module() -> tuple[Netlist, object, object]:
    net = Netlist()
    net.owner = "fc"
    a = net.port("input", "a", 8, owner="a")
    y = net.port("output", "y", 4)
    return net, a, y


def test_unread_bits_print_in_one_unused_wire_per_owner():
    net, a, y = _module()
    doubled = net.wire("fc_s", 9, add(concat([a.bit(7), a]), concat([a.bit(7), a])))
    net.assign(y, doubled.bits(2, 4))
    lines = net.lines("m")
    assert lines[-2:] == ["wire [4:0] fc_unused = {fc_s[8:6], fc_s[1:0]};", "endmodule"]
    assert "wire [8:0] fc_s = {a[7], a} + {a[7], a};" in lines
    assert "assign y = fc_s[5:2];" in lines
    assert not any("lint_off" in line for line in lines)


def test_a_wire_nothing_reads_is_refused():
    net, a, y = _module()
    net.wire("fc_dead", 8, invert(a))
    net.assign(y, a.bits(0, 4))
    with pytest.raises(NetlistError, match="nothing reads <wire \\[7:0\\] fc_dead>"):
        net.lines("m")


def test_every_bit_has_one_driver():
    net, a, y = _module()
    net.assign(y.bits(0, 2), a.bits(0, 2))
    with pytest.raises(NetlistError, match=r"y\[1\] is driven twice"):
        net.assign(y.bit(1), a.bit(3))
    with pytest.raises(NetlistError, match="bits of <output \\[3:0\\] y> are never driven"):
        net.lines("m")
    register = net.reg("fc_r", 2)
    net.clocked(register, (None, a.bits(0, 2)))
    with pytest.raises(NetlistError, match="loaded twice"):
        net.clocked(register, (None, a.bits(2, 2)))


def test_slices_and_widths_are_checked():
    net, a, _ = _module()
    with pytest.raises(NetlistError, match=r"bits \[8:1\] are outside <input \[7:0\] a>"):
        a.bits(1, 8)
    with pytest.raises(NetlistError, match="width must be a positive integer, not 0"):
        net.wire("fc_w", 0)


def test_literals_and_replication_print_as_verilog():
    _, a, _ = _module()
    assert str(replicate(3, a.bit(7))) == "{3{a[7]}}"
    assert str(concat([a.bits(4, 4), const(0, 4)])) == "{a[7:4], 4'd0}"
    assert (str(signed_const(-8, 16)), str(signed_const(5, 16))) == ("-16'sd8", "16'sd5")


def test_a_signal_is_declared_before_anything_uses_it():
    net, a, y = _module()
    early, _ = net.section(), net.section()
    late = net.wire("fc_late", 4, a.bits(0, 4))  # declared in the later section
    with net.into(early):
        net.assign(y, late)  # printed before that declaration
    with pytest.raises(NetlistError, match=r"<wire \[3:0\] fc_late> is used before it is declared"):
        net.lines("m")


def test_logic_that_reaches_no_output_is_left_out_and_its_owner_named():
    """A cast keeping no bit of its source drops it (Netlist.drop): the logic behind it, up to
    the input, prints nothing but a comment, and the input's bits go to its unused wire."""
    net, a, y = _module()
    net.owner = "g"
    net.comment("---- g: what g does")
    rom = net.rom("g_rom", 2, 8, [3, 1, 4, 1])
    looked_up = net.wire("g_x", 8, bit_and(rom(a.bits(0, 2)), a))
    held = net.reg("g_r", 8)
    net.clocked(held, (None, looked_up))
    net.owner = "h"
    net.comment("---- h: what h does")
    net.drop(held)  # h's cast keeps none of g's bits: h is the constant 0
    net.assign(y, const(0, 4))
    assert net.left_out() == ("g",)
    lines = net.lines("m")
    assert (
        "// ---- g: left out, no bit of its outputs reaches an output (a cast keeps none of "
        "them)" in lines
    )
    assert "// ---- h: what h does" in lines and "// ---- g: what g does" not in lines
    assert not any("g_" in line and "g: left out" not in line for line in lines)
    assert lines[-2:] == ["wire [7:0] a_unused = a;", "endmodule"]


def test_an_instance_keeps_the_logic_that_feeds_it():
    net, a, y = _module()
    inverted = net.wire("fc_x", 8, invert(a))
    out = net.wire("fc_q", 4)
    net.instance("child", "fc_child", {"d": inverted}, {"q": out})
    net.assign(y, const(0, 4))
    lines = net.lines("m")
    assert net.left_out() == () and "wire [7:0] fc_x = ~a;" in lines
    assert ".q(fc_q)" in "\n".join(lines) and lines[-2:] == [
        "wire [3:0] fc_unused = fc_q;",
        "endmodule",
    ]
