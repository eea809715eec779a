from __future__ import annotations

import itertools
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hlsfx import FixedType, Overflow, Rounding, product_type, sum_type


@pytest.mark.parametrize(
    "text",
    [
        "ap_fixed<16,6>",
        "ap_fixed<16,6,AP_RND>",
        "ap_fixed<16,6,AP_RND_CONV,AP_SAT>",
        "ap_fixed<16,6,AP_TRN,AP_SAT_SYM>",
        "ap_fixed<8,3,AP_RND,AP_SAT,2>",
        "ap_ufixed<8,0,AP_RND_ZERO,AP_SAT_ZERO>",
        "ap_fixed<4,-3>",
        "ap_ufixed<3,9,AP_RND_MIN_INF>",
        "ap_int<8>",
        "ap_uint<1>",
        "ap_fixed<1024,100>",
    ],
)
def test_parse_and_str_round_trip(text):
    t = FixedType.parse(text)
    assert str(t) == text
    assert FixedType.parse(str(t)) == t
    assert eval(repr(t), {"FixedType": FixedType}) == t


def test_every_mode_round_trips():
    for signed, rounding, overflow in itertools.product((True, False), Rounding, Overflow):
        t = FixedType(9, 4, signed, rounding, overflow)
        assert FixedType.parse(str(t)) == t


def test_defaults_are_omitted_and_spellings_normalised():
    assert str(FixedType.parse(" ap_fixed < 16 , 6 , AP_TRN , AP_WRAP , 0 > ")) == "ap_fixed<16,6>"
    assert str(FixedType.parse("ap_fixed<16,6,AP_TRN,AP_SAT>")) == "ap_fixed<16,6,AP_TRN,AP_SAT>"
    assert str(FixedType.parse("fixed<8,3>")) == "ap_fixed<8,3>"
    assert str(FixedType.parse("ufixed<8,3,AP_RND>")) == "ap_ufixed<8,3,AP_RND>"
    assert FixedType.parse("int<8>") == FixedType.int_type(8)
    assert FixedType.parse("uint<4>") == FixedType.int_type(4, signed=False)


def test_convenience_constructors():
    assert FixedType(16, 6) == FixedType.parse("ap_fixed<16,6>")
    t = FixedType(8, 3, signed=False, rounding="AP_RND_CONV", overflow="AP_SAT")
    assert str(t) == "ap_ufixed<8,3,AP_RND_CONV,AP_SAT>"
    assert t.rounding is Rounding.AP_RND_CONV and t.overflow is Overflow.AP_SAT
    assert FixedType(8, 3).with_modes("AP_RND", "AP_SAT") == FixedType.parse(
        "ap_fixed<8,3,AP_RND,AP_SAT>"
    )


def test_types_are_frozen_and_hashable():
    t = FixedType(16, 6)
    with pytest.raises(AttributeError):
        t.width = 8
    assert len({t, FixedType.parse("ap_fixed<16,6>")}) == 1


@pytest.mark.parametrize(
    "text, lo, hi, lsb",
    [
        ("ap_fixed<16,6>", Fraction(-32), Fraction(32767, 1024), Fraction(1, 1024)),
        ("ap_ufixed<8,3>", Fraction(0), Fraction(255, 32), Fraction(1, 32)),
        ("ap_fixed<4,-2>", Fraction(-1, 8), Fraction(7, 64), Fraction(1, 64)),
        ("ap_fixed<4,6>", Fraction(-32), Fraction(28), Fraction(4)),
        ("ap_fixed<1,1>", Fraction(-1), Fraction(0), Fraction(1)),
        ("ap_int<8>", Fraction(-128), Fraction(127), Fraction(1)),
        ("ap_uint<8>", Fraction(0), Fraction(255), Fraction(1)),
    ],
)
def test_range_and_lsb_are_exact(text, lo, hi, lsb):
    t = FixedType.parse(text)
    assert (t.min, t.max, t.lsb) == (lo, hi, lsb)
    assert t.max_code * t.lsb == t.max and t.min_code * t.lsb == t.min


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "ap_fixed<16,6,AP_RND_CONVX>",
            "'ap_fixed<16,6,AP_RND_CONVX>': unknown quantization mode 'AP_RND_CONVX'; expected one "
            "of AP_TRN, AP_TRN_ZERO, AP_RND, AP_RND_ZERO, AP_RND_MIN_INF, AP_RND_INF, AP_RND_CONV",
        ),
        (
            "ap_fixed<16,6,AP_RND,AP_SATURATE>",
            "'ap_fixed<16,6,AP_RND,AP_SATURATE>': unknown overflow mode 'AP_SATURATE'; expected "
            "one of AP_WRAP, AP_SAT, AP_SAT_ZERO, AP_SAT_SYM",
        ),
        ("ap_fixed<0,6>", "'ap_fixed<0,6>': width must be an integer from 1 to 1024, not 0"),
        ("ap_fixed<-3,6>", "'ap_fixed<-3,6>': width must be an integer from 1 to 1024, not -3"),
        ("ap_fixed<2000,6>", "width must be an integer from 1 to 1024, not 2000"),
        ("ap_fixed<16.5,6>", "'ap_fixed<16.5,6>': the width must be an integer, not '16.5'"),
        ("ap_fixed<16>", "'ap_fixed<16>': ap_fixed takes 2 to 5 parameters <W, I, Q, O, N>, not 1"),
        ("ap_int<8,3>", "'ap_int<8,3>': ap_int takes one parameter (the width), not 2"),
        ("ap_fixd<16,6>", "'ap_fixd<16,6>': unknown type 'ap_fixd'"),
        ("16,6", "'16,6': not a fixed-point type; expected e.g. 'ap_fixed<16,6>'"),
        ("ap_fixed<16,6,AP_RND,AP_WRAP_SM>", "overflow mode 'AP_WRAP_SM' is not supported"),
        ("ap_fixed<16,6,AP_RND,AP_WRAP,2>", "AP_WRAP with 2 saturation bits is not supported"),
        ("ap_fixed<8,3,AP_RND,AP_SAT,9>", "saturation bits must be from 0 to the width 8, not 9"),
        ("ap_fixed<8,2000>", "integer bits must lie within ±1000, not 2000"),
        ("ap_fixed<8,-1200>", "integer bits must lie within ±1000, not -1200"),
    ],
)
def test_invalid_text_names_the_bad_part(text, message):
    with pytest.raises(ValueError) as error:
        FixedType.parse(text)
    assert message in str(error.value)


def test_invalid_values_name_the_bad_value():
    with pytest.raises(ValueError, match="width must be an integer, not '16'"):
        FixedType("16", 6)
    with pytest.raises(ValueError, match="signed must be True or False, not 1"):
        FixedType(16, 6, signed=1)
    with pytest.raises(ValueError, match="unknown quantization mode 7"):
        FixedType(16, 6, rounding=7)
    with pytest.raises(ValueError, match=r"build it with FixedType.int_type\(8\)"):
        FixedType(8, 8, ap_int=True)
    with pytest.raises(ValueError, match=r"not 3\.0"):
        FixedType.parse(3.0)
    with pytest.raises(ValueError, match="fractional bits must lie within ±1000, not 1023"):
        FixedType(1024, 1)


def _extreme_values(t: FixedType) -> list[Fraction]:
    return [t.min, t.max, -t.lsb if t.signed else t.lsb, Fraction(0)]


fixed_types = st.builds(
    FixedType,
    width=st.integers(1, 40),
    integer=st.integers(-8, 48),
    signed=st.booleans(),
)


@given(fixed_types, fixed_types)
def test_product_type_holds_every_product_exactly(a, b):
    p = product_type(a, b)
    assert p.lsb == a.lsb * b.lsb
    for x, y in itertools.product(_extreme_values(a), _extreme_values(b)):
        assert p.min <= x * y <= p.max, (a, b, x, y)


@given(fixed_types, fixed_types)
def test_sum_type_holds_every_sum_exactly(a, b):
    s = sum_type(a, b)
    assert s.lsb == min(a.lsb, b.lsb)
    for x, y in itertools.product(_extreme_values(a), _extreme_values(b)):
        assert s.min <= x + y <= s.max, (a, b, x, y)


def test_product_and_sum_types_by_example():
    a, b = FixedType.parse("ap_fixed<16,6>"), FixedType.parse("ap_ufixed<8,2>")
    assert str(product_type(a, b)) == "ap_fixed<24,8>"
    assert str(sum_type(a, b)) == "ap_fixed<17,7>"
    assert str(sum_type(b, b)) == "ap_ufixed<9,3>"
    assert str(sum_type(FixedType(8, 8), FixedType(8, 2))) == "ap_fixed<15,9>"


def test_with_format_keeps_signedness_modes_and_saturation_bits():
    t = FixedType.parse("ap_fixed<8,3,AP_RND,AP_SAT,2>")
    assert str(t.with_format(6, 2)) == "ap_fixed<6,2,AP_RND,AP_SAT,2>"
    assert t.with_format(1, 1).saturation_bits == 1  # never more than the width
    assert str(FixedType.parse("ap_ufixed<8,4>").with_format(5, 1)) == "ap_ufixed<5,1>"
