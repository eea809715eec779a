"""hlsfx.quantize / cast / to_float: hand-worked examples and error handling. The bit-exact
checks against ap_fixed.h live in test_quantize_oracle.py."""

from __future__ import annotations

import numpy as np
import pytest

import hlsfx
from hlsfx import FixedType


def test_issue_example():
    t = hlsfx.FixedType.parse("ap_fixed<16,6,AP_RND_CONV,AP_SAT>")
    assert hlsfx.quantize([0.5, -3.2], t).tolist() == [512, -3277]


@pytest.mark.parametrize(
    "rounding, expected",
    [
        # values in LSBs: -2.5 -1.5 -0.5 0.5 1.5 2.5 -1.25 1.75
        ("AP_TRN", [-3, -2, -1, 0, 1, 2, -2, 1]),
        ("AP_TRN_ZERO", [-2, -1, 0, 0, 1, 2, -1, 1]),
        ("AP_RND", [-2, -1, 0, 1, 2, 3, -1, 2]),
        ("AP_RND_ZERO", [-2, -1, 0, 0, 1, 2, -1, 2]),
        ("AP_RND_MIN_INF", [-3, -2, -1, 0, 1, 2, -1, 2]),
        ("AP_RND_INF", [-3, -2, -1, 1, 2, 3, -1, 2]),
        ("AP_RND_CONV", [-2, -2, 0, 0, 2, 2, -1, 2]),
    ],
)
def test_rounding_modes_by_hand(rounding, expected):
    t = FixedType(8, 4, rounding=rounding)
    lsbs = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -1.25, 1.75])
    assert hlsfx.quantize(lsbs / 16, t).tolist() == expected


@pytest.mark.parametrize(
    "overflow, expected",
    [
        # values: 8.0 (max + lsb), -8.0625 (min - lsb), -8.0 (min), 100.0
        ("AP_WRAP", [-128, 127, -128, 64]),
        ("AP_SAT", [127, -128, -128, 127]),
        ("AP_SAT_ZERO", [0, 0, -128, 0]),
        ("AP_SAT_SYM", [127, -127, -127, 127]),
    ],
)
def test_overflow_modes_by_hand(overflow, expected):
    t = FixedType(8, 4, overflow=overflow)
    assert hlsfx.quantize([8.0, -8.0625, -8.0, 100.0], t).tolist() == expected


def test_unsigned_saturation_and_negative_integer_bits():
    assert hlsfx.quantize([-1.0, 300.0], "ap_ufixed<8,8,AP_TRN,AP_SAT>").tolist() == [0, 255]
    # ap_fixed<4,-2>: LSB 2**-6, range [-1/8, 7/64]
    assert hlsfx.quantize([0.03125, 1.0, -1.0], "ap_fixed<4,-2,AP_TRN,AP_SAT>").tolist() == [
        2,
        7,
        -8,
    ]


def test_shapes_and_scalars_are_preserved():
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7
    raw = hlsfx.quantize(x, "ap_fixed<12,4>")
    assert raw.shape == (2, 3, 4) and raw.dtype == np.int64
    assert hlsfx.quantize(1.5, "ap_fixed<8,4>").shape == ()
    assert int(hlsfx.quantize(1.5, "ap_fixed<8,4>")) == 24
    assert hlsfx.quantize(x[:, ::2, 1::3], "ap_fixed<12,4>").tolist() == raw[:, ::2, 1::3].tolist()
    assert hlsfx.cast(raw.T, "ap_fixed<12,4>", "ap_fixed<8,4>").shape == (4, 3, 2)


def test_nonfinite_values_raise_with_count_and_first_index():
    x = np.zeros((3, 4))
    x[1, 2] = np.nan
    x[2, 0] = np.inf
    with pytest.raises(ValueError) as error:
        hlsfx.quantize(x, "ap_fixed<16,6>")
    assert str(error.value) == (
        "cannot quantize to ap_fixed<16,6>: 2 of 12 values are NaN or infinite "
        "(the first, nan, at index (1, 2)); pass nonfinite=<value> to replace them"
    )


def test_nonfinite_replacement_is_quantized_like_any_value():
    raw = hlsfx.quantize([np.nan, -np.inf, 1.0], "ap_fixed<8,4,AP_TRN,AP_SAT>", nonfinite=100.0)
    assert raw.tolist() == [127, 127, 16]
    with pytest.raises(ValueError, match="finite replacement value, not nan"):
        hlsfx.quantize([1.0], "ap_fixed<8,4>", nonfinite=np.nan)


def test_types_wider_than_int64_hold_python_integers_exactly():
    codes = hlsfx.quantize([1.0, -0.5], "ap_fixed<65,10>")
    assert codes.dtype == object and codes.tolist() == [1 << 55, -(1 << 54)]
    widened = hlsfx.cast([1, -128], "ap_fixed<8,4>", "ap_ufixed<64,10,AP_TRN,AP_SAT>")
    assert widened.dtype == object and widened.tolist() == [1 << 50, 0]
    top = hlsfx.quantize([2.0**990], "ap_fixed<1024,1000>")
    assert top.tolist() == [1 << 1014] and hlsfx.to_float(top, "ap_fixed<1024,1000>")[0] == 2.0**990
    assert hlsfx.quantize([-1.5], "ap_fixed<64,40>").tolist() == [-3 << 23]
    assert hlsfx.quantize([2.0**62], "ap_ufixed<63,63>").tolist() == [1 << 62]


def test_cast_widening_is_exact_and_narrowing_rounds_then_saturates():
    raw = hlsfx.quantize([1.28125, -3.71875, 7.96875], "ap_fixed<9,4>")  # LSB 1/32
    wide = hlsfx.cast(raw, "ap_fixed<9,4>", "ap_fixed<20,10>")
    assert hlsfx.to_float(wide, "ap_fixed<20,10>").tolist() == [1.28125, -3.71875, 7.96875]
    narrow = hlsfx.cast(raw, "ap_fixed<9,4>", "ap_fixed<5,3,AP_RND,AP_SAT>")  # LSB 1/4, max 3.75
    assert hlsfx.to_float(narrow, "ap_fixed<5,3>").tolist() == [1.25, -3.75, 3.75]


def test_cast_refuses_codes_outside_the_source_type():
    with pytest.raises(ValueError) as error:
        hlsfx.cast([[0, 1], [128, -129]], "ap_fixed<8,4>", "ap_fixed<16,6>")
    assert str(error.value) == (
        "cannot cast from ap_fixed<8,4>: 2 of 4 codes lie outside its range [-128, 127] "
        "(the first, 128, at index (1, 0))"
    )
    with pytest.raises(ValueError, match="raw codes must be integers, not an array of float64"):
        hlsfx.cast([1.5], "ap_fixed<8,4>", "ap_fixed<16,6>")
    with pytest.raises(ValueError, match="does not fit the emulator's int64 codes"):
        hlsfx.cast(np.array([2**64 - 1], dtype=np.uint64), "ap_fixed<64,4>", "ap_fixed<16,6>")


def test_ap_int_conversions_follow_the_real_ap_int():
    values = [-0.3, -0.7, -1.5, -2.7, 2.7, 127.9, 128.2, -129.7, 300.2]
    # truncation toward zero, wrapping, and ap_int's quirk for negatives above -0.5
    assert hlsfx.quantize(values, "ap_int<8>").tolist() == [1, 0, -1, -2, 2, 127, -128, 127, 44]
    half = hlsfx.quantize([-0.25, 0.25], "ap_fixed<6,0>")
    assert hlsfx.cast(half, "ap_fixed<6,0>", "ap_uint<4>").tolist() == [15, 0]
    with pytest.raises(
        ValueError, match="negative integer bits to an integer from an uninitialised"
    ):
        hlsfx.cast([1], "ap_fixed<6,-2>", "ap_int<8>")


def test_assigning_a_type_to_itself_is_a_copy():
    t = "ap_fixed<8,4,AP_TRN,AP_SAT_SYM>"
    assert hlsfx.cast([-128], t, t).tolist() == [-128]
    assert hlsfx.cast([-128], "ap_fixed<8,4>", t).tolist() == [-127]


def test_to_float_is_exact_up_to_53_bits_and_checks_codes():
    t = FixedType(53, 3)
    codes = np.array([t.min_code, t.max_code, 1, -1])
    assert [float(c) * float(t.lsb) for c in codes] == hlsfx.to_float(codes, t).tolist()
    rng = np.random.default_rng(0)
    for wide in (t, FixedType(53, -20, signed=False), FixedType(17, 40)):
        codes = np.concatenate(
            [[wide.min_code, wide.max_code, 0], rng.integers(wide.min_code, wide.max_code, 1000)]
        )
        assert np.array_equal(hlsfx.quantize(hlsfx.to_float(codes, wide), wide), codes)
    assert hlsfx.to_float([(1 << 63) - 1], "ap_fixed<64,64>").tolist() == [2.0**63]
    with pytest.raises(
        ValueError, match=r"ap_fixed<8,4>: codes must lie in \[-128, 127\], found \[0, 200\]"
    ):
        hlsfx.to_float([0, 200], "ap_fixed<8,4>")


def test_quantize_writes_int64_or_exact_float64_codes_into_out():
    x = np.array([[0.3, -7.9], [1e9, -1e-300]])
    codes = hlsfx.quantize(x, "ap_fixed<16,6,AP_RND,AP_SAT>")
    as_floats = np.empty(x.shape)
    assert hlsfx.quantize(x, "ap_fixed<16,6,AP_RND,AP_SAT>", out=as_floats) is as_floats
    assert as_floats.tolist() == codes.tolist() == [[307, -8090], [32767, 0]]
    with pytest.raises(ValueError, match="int64 array of shape"):
        hlsfx.quantize(x, "ap_fixed<60,6>", out=as_floats)  # codes beyond 2**53
    with pytest.raises(ValueError, match=r"int64 or float64 array of shape \(2, 2\), not int32"):
        hlsfx.quantize(x, "ap_fixed<16,6>", out=np.empty((2, 2), np.int32))
