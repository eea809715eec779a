"""QKeras quantizers as QONNX ``Quant`` nodes: ``quantized_bits`` and ``quantized_relu``, given
as config objects or as strings, become exact power-of-two-scaled types; ``quantized_po2`` on
weights becomes their powers of two, typed exactly (others are refused with their name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hlsfx.keras_frontend import OnnxWriter

__all__ = ["QONNX_DOMAIN", "auto_po2_values", "parse_quantizer_string", "po2_values"]
__all__ += ["quant_node", "quantizer"]

QONNX_DOMAIN = "qonnx.custom_op.general"


def quantizer(w: OnnxWriter, spec: Any, x: str, name: str, node: str | None = None) -> str:
    """A QKeras quantizer on ``x`` as a QONNX Quant node (exact fixed-point types); ``node``
    names quantized_relu's ReLU."""
    if spec is None:
        return x
    if isinstance(spec, str):
        spec = parse_quantizer_string(w, spec)
    kind, config = spec.get("class_name"), spec.get("config", {})
    if kind == "quantized_bits":
        bits, integer = int(config["bits"]), int(config.get("integer", 0))
        signed = bool(config.get("keep_negative", True))
        if config.get("alpha") == "auto_po2" and x in w.constants and signed:
            return _exact_constant(w, x, name, auto_po2_values(w.constants[x], bits, integer))
        if config.get("alpha", 1) not in (1, 1.0, None) or config.get("symmetric", 0):
            raise w.fail(
                f"quantized_bits with alpha={config.get('alpha')!r}, symmetric="
                f"{config.get('symmetric')!r}: only alpha=1, symmetric=0 are exact "
                "fixed point"
            )
        scale = 2.0 ** (integer - bits + (1 if signed else 0))
        return quant_node(w, x, name, scale, bits, signed)
    if kind == "quantized_relu":
        bits, integer = int(config["bits"]), int(config.get("integer", 0))
        slope = float(config.get("negative_slope", 0.0) or 0.0)
        if config.get("use_sigmoid", 0) or config.get("use_stochastic_rounding", 0):
            raise w.fail("quantized_relu with use_sigmoid or stochastic rounding is not supported")
        if not slope:
            relu = w.node("Relu", [x], f"{name}_relu", node or f"{name}_relu")
            return quant_node(w, relu, name, 2.0 ** (integer - bits), bits, False)
        return _leaky_relu(w, x, name, node, bits, integer, slope)
    if kind == "quantized_po2" and x in w.constants:
        return _po2_constant(w, config, x, name)
    if kind in ("quantized_po2", "quantized_relu_po2"):
        raise w.fail(
            f"{kind} on an activation (a power of two chosen per value) has no exact "
            "fixed-point layer; quantized_po2 is supported on weights and biases"
        )
    raise w.fail(
        f"unsupported QKeras quantizer {kind!r}; supported: quantized_bits (alpha=1), "
        "quantized_relu (without negative_slope), quantized_po2 (on weights and biases)"
    )


def po2_values(values: np.ndarray, config: dict) -> np.ndarray:
    """QKeras ``quantized_po2(bits, max_value)`` on constants: each value becomes its sign
    (zero counts as positive) times 2**e, e the rounded (half to even) or floored log2 of its
    magnitude, clipped to the exponents ``bits`` allows (one bit for the sign of the value, one
    for the exponent's when max_value is unset or above 1), the magnitude first clipped to
    max_value; magnitudes below 1e-7 take the smallest exponent."""
    bits, max_value = int(config.get("bits", 8)), config.get("max_value")
    if config.get("quadratic_approximation") or config.get("use_stochastic_rounding"):
        raise ValueError("quantized_po2 with quadratic_approximation or stochastic rounding")
    exponent_sign = 1 if max_value is None or max_value > 1 else 0
    span = bits - 1 - exponent_sign
    low, high = -(2**span), 2**span - 1
    magnitude = np.abs(values.astype(np.float32))
    clipped = np.where(magnitude < 1e-7, np.float32(1e-7), magnitude)
    if max_value is not None:
        clipped = np.minimum(clipped, np.float32(max_value))
    log2 = np.log(clipped) / np.float32(np.log(2.0))
    rounding = np.floor if config.get("log2_rounding", "rnd") == "floor" else np.round
    exponent = np.where(magnitude < 1e-7, low, np.clip(rounding(log2), low, high))
    sign = np.where(values < 0, -1.0, 1.0)
    return sign * np.ldexp(1.0, exponent.astype(np.int64))


def _po2_constant(w: OnnxWriter, config: dict, x: str, name: str) -> str:
    try:
        values = po2_values(w.constants[x], config)
    except ValueError as error:
        raise w.fail(f"{error}: not supported") from None
    return _exact_constant(w, x, name, values)


def auto_po2_values(values: np.ndarray, bits: int, integer: int) -> np.ndarray:
    """QKeras ``quantized_bits(bits, integer, alpha="auto_po2")`` on weights (channels last):
    symmetric integer codes ``z`` in +-(2**(bits-1) - 1) times a power-of-two scale per
    output channel, found as QKeras finds it in float32: from the channel's largest
    magnitude, then five least-squares refinements, each rounded to a power of two."""
    eps = np.float32(1e-7)
    x = values.astype(np.float32) / np.float32(2.0**integer)
    axis = tuple(range(x.ndim - 1)) if x.ndim > 1 else (0,)
    levels = np.float32((2 ** (bits - 1) - 1) * 2)

    def po2(scale: np.ndarray) -> np.ndarray:
        return np.float32(2.0) ** np.round(np.log(scale + eps) / np.float32(np.log(2.0)))

    scale = po2(np.max(np.abs(x), axis=axis, keepdims=True) * np.float32(2) / levels)
    for _ in range(5):
        v = np.floor(np.abs(x) / scale + np.float32(0.5))
        z = np.sign(x) * np.where(v < levels / 2, v, levels / 2)
        qx = np.mean(x * z, axis=axis, keepdims=True)
        qq = np.mean(z * z, axis=axis, keepdims=True)
        scale = po2(qx / (qq + eps))
    return z.astype(np.float64) * scale.astype(np.float64) * 2.0**integer


def _exact_constant(w: OnnxWriter, x: str, name: str, values: np.ndarray) -> str:
    """``values`` (fixed-point numbers) in place of the constant ``x``, typed by the narrowest
    signed ap_fixed that holds every one exactly."""
    nonzero = np.abs(values[values != 0])
    fractional = 0
    if nonzero.size:
        fractional = -int(np.min(np.frexp(nonzero)[1])) - 60  # 2**-F: below every value
        while not np.all(np.ldexp(values, fractional) % 1 == 0):
            fractional += 1
    codes = np.ldexp(values, fractional).astype(np.int64)
    width = max(int(np.max(np.abs(codes), initial=0)).bit_length() + 1, 2)
    w.constants[x] = values
    return quant_node(w, x, name, 2.0**-fractional, width, True)


def _leaky_relu(w: OnnxWriter, x: str, name: str, node: str | None, bits: int, integer: int,
                slope: float) -> str:  # fmt: skip
    """QKeras ``quantized_relu(bits, integer, negative_slope=s)``: one bit of ``bits`` is the
    sign, so the LSB is 2**(integer - bits + 1); x >= 0 rounds (half to even) and saturates at
    2**integer - LSB, x < 0 becomes round(x * s) on the same grid, down to -s * 2**integer. As
    layers: Clip below at -2**integer, LeakyReLU with alpha s, the signed cast."""
    if slope < 0 or np.log2(slope) % 1:
        raise w.fail(f"quantized_relu negative_slope {slope} is not a power of two")
    lsb = 2.0 ** (integer - bits + 1)
    floor = w.const(f"{name}_floor", np.float32(-(2.0**integer)))
    clipped = w.node("Clip", [x, floor], f"{name}_floored", f"{name}_floor")
    leaky = w.node("LeakyRelu", [clipped], f"{name}_leaky", node or f"{name}_leaky",
                   alpha=slope)  # fmt: skip
    return quant_node(w, leaky, name, lsb, bits, True)


def parse_quantizer_string(w: OnnxWriter, text: str) -> dict:
    """``"quantized_relu(6,0)"`` as a config dict (positional bits, integer; numbers, and
    ``name=value`` settings)."""
    head, _, rest = text.partition("(")
    values = [v.strip() for v in rest.rstrip(")").split(",") if v.strip()]
    names = ("bits", "integer")
    config = {}
    for k, value in enumerate(values):
        key, _, v = value.partition("=")
        key, v = (key.strip(), v) if v else (names[k] if k < len(names) else str(k), key)
        try:
            config[key] = float(v) if "." in v or "e" in v.lower() else int(v)
        except ValueError:
            raise w.fail(f"cannot read the quantizer {text!r}") from None
    return {"class_name": head.strip(), "config": config}


def quant_node(w: OnnxWriter, x: str, name: str, scale: float, bits: int, signed: bool) -> str:
    inputs = [
        x,
        w.const(f"{name}_scale", np.float32(scale)),
        w.const(f"{name}_zero", np.float32(0)),
        w.const(f"{name}_bits", np.float32(bits)),
    ]
    return w.node(
        "Quant",
        inputs,
        f"{name}_q",
        f"{name}quant_node",
        domain=QONNX_DOMAIN,
        signed=int(signed),
        narrow=0,
        rounding_mode="ROUND",
    )
