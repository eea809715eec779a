"""Quantizers in ONNX graphs: QONNX ``Quant`` and ``BipolarQuant`` (power-of-two scales) and
ONNX ``QuantizeLinear``/``DequantizeLinear`` (power-of-two scales, zero point 0) become exact
fixed-point types on the tensors they quantize."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import onnx

from hlsfx.ir import kinds
from hlsfx.ir.exact import quantize, to_float
from hlsfx.ir.fixed_type import FixedType

if TYPE_CHECKING:
    from hlsfx.frontends.onnx.reader import Converter
    from hlsfx.frontends.onnx.values import Tensor

__all__ = ["QDQ_TYPES", "QONNX_DOMAINS", "QONNX_ROUNDING", "apply_quantizer", "bipolar_quant"]
__all__ += ["dequantize_linear", "quant_spec", "quantize_linear", "trunc"]


QONNX_DOMAINS = (
    "qonnx.custom_op.general",
    "finn.custom_op.general",
    "onnx.brevitas",
    "qonnx.custom_op.channels_last",
)
QONNX_ROUNDING = {"ROUND": "AP_RND_CONV", "FLOOR": "AP_TRN", "ROUND_TO_ZERO": "AP_TRN_ZERO"}


def _fraction_bits(values: np.ndarray) -> int | None:
    """F when every one of ``values`` is 2**-F, else None."""
    values = np.unique(values)
    if values.size != 1 or values[0] <= 0 or np.frexp(values[0])[0] != 0.5:
        return None
    return -int(np.frexp(values[0])[1] - 1)


def _power_of_two(c: Converter, node, name: str, what: str) -> int:
    """F such that the constant ``name`` is 2**-F everywhere."""
    value = c.const(node, name, what)
    fractional = _fraction_bits(value)
    if fractional is None:
        values = np.unique(value)
        shown = values[0] if values.size == 1 else values.tolist()
        raise c.fail(
            node, f"{what} {shown} is not a single power of two, which a fixed-point type needs"
        )
    return fractional


def quant_spec(c: Converter, node) -> tuple[FixedType, np.ndarray | None]:
    """The type a QONNX ``Quant`` node quantizes to, and its scale when that is not one power
    of two (then the type holds the integer codes, and the scale is applied apart)."""
    a = c.attrs(node)
    scale = c.const(node, node.input[1], "scale")
    if np.any(scale <= 0):
        raise c.fail(node, f"scale {np.unique(scale).tolist()[:4]} is not positive")
    fractional = _fraction_bits(scale)  # None: not one power of two, the codes are integers
    zero = c.const(node, node.input[2], "the zero point")
    if np.any(zero != 0):
        raise c.fail(
            node, f"zero point {zero.tolist()} is not 0; only symmetric quantizers map to ap_fixed"
        )
    width = _bit_width(c, node, node.input[3], "bit width")
    signed, narrow = bool(a.get("signed", 1)), bool(a.get("narrow", 0))
    mode = a.get("rounding_mode", b"ROUND")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode not in QONNX_ROUNDING:
        raise c.fail(
            node,
            f"rounding mode {mode!r} has no ap_fixed equivalent; "
            f"supported: {', '.join(QONNX_ROUNDING)}",
        )
    if narrow and not signed:
        raise c.fail(node, "a narrow unsigned range [0, 2**b - 2] has no ap_fixed overflow mode")
    overflow = "AP_SAT_SYM" if narrow else "AP_SAT"
    t = FixedType(width, width - (fractional or 0), signed, QONNX_ROUNDING[mode], overflow)
    return t, None if fractional is not None else scale


def _set_type(c: Converter, node, x: Tensor, t: FixedType) -> None:
    """``node``'s output is ``x`` cast to ``t``: a Linear layer that casts (which
    hlsfx.passes.absorb_casts moves onto the input or the layer that makes ``x``)."""
    c.add_layer(node, kinds.LINEAR, [x], node.output[0], out_perm=x.perm, fixed={"result": t})


def apply_quantizer(c: Converter, node, t: FixedType, scale: np.ndarray | None = None) -> None:
    """``node`` quantizes its first input to ``t``: a constant becomes its exact quantized
    values (typed for the layer that takes it), a tensor gets the type. With a ``scale`` (a
    constant only), ``t`` holds the codes of ``x / scale``, divided in float32 as QONNX does;
    the constant's value is the codes times the scale, and both are kept apart too
    (``const_scales``) for a layer that applies the scale after its integer arithmetic."""
    value = c.values.get(node.input[0])
    if not isinstance(value, np.ndarray):
        _set_type(c, node, c.tensor(node, node.input[0]), t)
        return
    c.const_types[node.output[0]] = t
    if scale is None:
        c.values[node.output[0]] = to_float(quantize(value, t), t)
        return
    full = np.broadcast_to(scale, value.shape).astype(np.float32)
    codes = to_float(quantize((value.astype(np.float32) / full).astype(np.float64), t), t)
    c.values[node.output[0]] = codes * full.astype(np.float64)
    c.const_scales[node.output[0]] = (codes, full.astype(np.float64))


def trunc(c: Converter, node) -> None:
    """QONNX Trunc, a code on the input's grid with its low bits dropped. Version 2 (inputs x,
    scale, zeropt, in_bitwidth, out_scale, out_bitwidth) keeps the value on the output scale,
    clamped, then rounded (for an integer range, the same as rounding, then saturating): a
    cast. Version 1 (no out_scale) divides the value by 2**(in_bitwidth - out_bitwidth) and
    rounds it on the input's own grid: an exact scaling by that power of two (a
    BatchNormalization whose scale, bias and accumulator types are exact), then the cast."""
    a = c.attrs(node)
    fractional = _power_of_two(c, node, node.input[1], "scale")
    zero = c.const(node, node.input[2], "the zero point")
    if np.any(zero != 0):
        raise c.fail(node, f"zero point {zero.tolist()} is not 0")
    mode = a.get("rounding_mode", b"FLOOR")
    mode = (mode.decode() if isinstance(mode, bytes) else mode).upper()
    if mode not in QONNX_ROUNDING:
        raise c.fail(
            node,
            f"rounding mode {mode!r} has no ap_fixed equivalent; "
            f"supported: {', '.join(QONNX_ROUNDING)}",
        )
    rounding = QONNX_ROUNDING[mode]
    if len(node.input) > 5:  # version 2
        out_fractional = _power_of_two(c, node, node.input[4], "the output scale")
        width = _bit_width(c, node, node.input[5], "the output bit width")
        signed, narrow = bool(a.get("signed", 1)), bool(a.get("narrow", 0))
        overflow = "AP_SAT_SYM" if narrow and signed else "AP_SAT"
        apply_quantizer(
            c, node, FixedType(width, width - out_fractional, signed, rounding, overflow)
        )
        return
    dropped = _bit_width(c, node, node.input[3], "the input bit width")
    width = _bit_width(c, node, node.input[4], "the output bit width")
    dropped -= width
    t = FixedType(width, width - fractional, True, rounding, "AP_SAT")
    value = c.values.get(node.input[0])
    if isinstance(value, np.ndarray):
        c.values[node.output[0]] = to_float(quantize(np.ldexp(value, -dropped), t), t)
        c.const_types[node.output[0]] = t
        return
    x = c.tensor(node, node.input[0])
    exact = {"scale": FixedType(1, 1 - dropped, False), "bias": FixedType(1, 1), "result": t}
    channels = c.shapes[x.name][-1]
    params = {"scale": np.full(channels, 2.0**-dropped), "bias": np.zeros(channels)}
    c.add_layer(
        node, kinds.BATCH_NORM, [x], node.output[0], params=params, out_perm=x.perm, fixed=exact
    )


def _bit_width(c: Converter, node, name: str, what: str) -> int:
    bits = c.const(node, name, what)
    if bits.size != 1 or bits.item() != int(bits.item()) or bits.item() < 1:
        raise c.fail(node, f"{what} {bits.tolist()} is not a positive integer")
    return int(bits.item())


def bipolar_quant(c: Converter, node) -> None:
    fractional = _power_of_two(c, node, node.input[1], "scale")
    scale = 2.0**-fractional
    t = FixedType(2, 2 - fractional)  # codes -1 and +1
    value = c.values.get(node.input[0])
    if isinstance(value, np.ndarray):
        c.values[node.output[0]] = np.where(value >= 0, scale, -scale)
        c.const_types[node.output[0]] = t
        return
    x = c.tensor(node, node.input[0])
    c.add_layer(
        node,
        kinds.BINARIZE,
        [x],
        node.output[0],
        attrs={"scale": scale},
        out_perm=x.perm,
        fixed={"result": t},
    )


QDQ_TYPES = {  # ONNX integer type of the quantized tensor -> (width, signed)
    2: (8, False),  # UINT8
    3: (8, True),  # INT8
    4: (16, False),  # UINT16
    5: (16, True),  # INT16
}


def _qdq_type(c: Converter, node, scale_name: str, zero_name: str | None, elem: int) -> FixedType:
    fractional = _power_of_two(c, node, scale_name, "scale")
    if zero_name:
        zero = c.const(node, zero_name, "the zero point")
        if np.any(zero != 0):
            raise c.fail(
                node, f"zero point {zero.tolist()} is not 0: only symmetric ones map to ap_fixed"
            )
    if elem not in QDQ_TYPES:
        raise c.fail(node, f"quantizing to ONNX element type {elem}: only (u)int8 and (u)int16")
    width, signed = QDQ_TYPES[elem]
    return FixedType(width, width - fractional, signed, "AP_RND_CONV", "AP_SAT")


def _zero_point_type(c: Converter, node) -> int:
    """The element type of QuantizeLinear's output: its zero point's, else int8 ... uint8."""
    if len(node.input) > 2 and node.input[2]:
        for init in c.graph.initializer:
            if init.name == node.input[2]:
                return init.data_type
    return c.attrs(node).get("output_dtype", 2) or 2  # UINT8 by default (opset 21: output_dtype)


def quantize_linear(c: Converter, node) -> None:
    t = _qdq_type(
        c,
        node,
        node.input[1],
        node.input[2] if len(node.input) > 2 else None,
        _zero_point_type(c, node),
    )
    apply_quantizer(c, node, t)
    c.real_valued.add(node.output[0])


def dequantize_linear(c: Converter, node) -> None:
    name = node.input[0]
    if name in c.real_valued:  # after QuantizeLinear: the values are real already
        c.values[node.output[0]] = c.values[name]
        if name in c.const_types:
            c.const_types[node.output[0]] = c.const_types[name]
        return
    dtype = c.dtypes.get(name)
    if dtype is None or dtype.kind not in "iu":
        raise c.fail(
            node, "DequantizeLinear applies to a QuantizeLinear output or to integer constants"
        )
    elem = onnx.helper.np_dtype_to_tensor_dtype(dtype)
    t = _qdq_type(c, node, node.input[1], node.input[2] if len(node.input) > 2 else None, elem)
    c.values[node.output[0]] = c.values[name] * float(t.lsb)
    c.const_types[node.output[0]] = t
