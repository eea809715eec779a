"""QKeras quantizers as QONNX ``Quant`` nodes: ``quantized_bits`` and ``quantized_relu``, given
as config objects or as strings, become exact power-of-two-scaled types; ``quantized_po2`` on
weights becomes their powers of two, typed exactly (others are refused with their name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hlsfx.frontends.keras.onnx_writer import OnnxWriter

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
        if config.get("alpha", 1) not in (1, 1.0, None):  # None: scale 1 (QKeras 0.9)
            raise w.fail(
                f"quantized_bits with alpha={config.get('alpha')!r}: only alpha=1 (or "
                "None), and auto_po2 on weights, are exact fixed point"
            )
        scale = 2.0 ** (integer - bits + (1 if signed else 0))
        # symmetric: the most negative code is left out (QONNX's narrow range, AP_SAT_SYM)
        narrow = signed and bool(config.get("symmetric", 0))
        return quant_node(w, x, name, scale, bits, signed, narrow)
    if kind == "quantized_relu":
        bits, integer = int(config["bits"]), int(config.get("integer", 0))
        slope = float(config.get("negative_slope", 0.0) or 0.0)
        if config.get("use_sigmoid", 0) or config.get("use_stochastic_rounding", 0):
            raise w.fail("quantized_relu with use_sigmoid or stochastic rounding is not supported")
        if not slope:
            relu = w.node("Relu", [x], f"{name}_relu", node or f"{name}_relu")
            return quant_node(w, relu, name, 2.0 ** (integer - bits), bits, False)
        return _leaky_relu(w, x, name, node, bits, integer, slope)
    if kind in ("quantized_po2", "quantized_relu_po2") and x in w.constants:
        return _po2_constant(w, config, x, name, relu=kind == "quantized_relu_po2")
    if kind in ("quantized_po2", "quantized_relu_po2"):
        raise w.fail(
            f"{kind} on an activation (a power of two chosen per value) has no exact "
            "fixed-point layer; it is supported on weights and other constants"
        )
    raise w.fail(
        f"unsupported QKeras quantizer {kind!r}; supported: quantized_bits (alpha=1 or None), "
        "quantized_relu, quantized_po2 and quantized_relu_po2 (on constants)"
    )


def po2_values(values: np.ndarray, config: dict, relu: bool = False) -> np.ndarray:
    """QKeras ``quantized_po2(bits, max_value)`` (or, with ``relu``, ``quantized_relu_po2``) on
    constants, in float32 as QKeras computes them: each value becomes its sign (zero counts as
    positive; with ``relu`` every value is positive) times 2**e, e the rounded (half to even) or
    floored log2 of its magnitude, clipped to the exponents ``bits`` allows (po2: one bit for
    the value's sign and one for the exponent's when max_value is unset or above 1; relu_po2:
    the exponent's only), the magnitude first clipped to max_value. With
    ``quadratic_approximation`` the exponent is twice that of the square root. Magnitudes
    below 1e-7 take the smallest exponent."""
    bits, max_value = int(config.get("bits", 8)), config.get("max_value")
    if config.get("use_stochastic_rounding"):
        raise ValueError("quantized_po2 with stochastic rounding")
    quadratic = bool(config.get("quadratic_approximation"))
    exponent_sign = 1 if max_value is None or max_value > 1 else 0
    span = bits - exponent_sign - (0 if relu else 1)
    low, high = -(2**span), 2**span - 1
    if quadratic:
        high = 2 * (high // 2)
    magnitude = np.maximum(values, 0) if relu else np.abs(values)
    magnitude = magnitude.astype(np.float32)
    clipped = np.where(magnitude < 1e-7, np.float32(1e-7), magnitude)
    if max_value is not None:
        clipped = np.minimum(clipped, np.float32(max_value))
    if quadratic:
        clipped = np.sqrt(clipped)
    log2 = np.log(clipped) / np.float32(np.log(2.0))
    rounding = np.floor if config.get("log2_rounding", "rnd") == "floor" else np.round
    exponent = np.clip(rounding(log2), low, high) * (2 if quadratic else 1)
    exponent = np.where(magnitude < 1e-7, low, exponent)
    sign = np.where(values < 0, -1.0, 1.0) if not relu else 1.0
    return sign * np.ldexp(1.0, exponent.astype(np.int64))


def _po2_constant(w: OnnxWriter, config: dict, x: str, name: str, relu: bool) -> str:
    try:
        values = po2_values(w.constants[x], config, relu)
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


def _leaky_relu(
    w: OnnxWriter, x: str, name: str, node: str | None, bits: int, integer: int, slope: float
) -> str:
    """QKeras ``quantized_relu(bits, integer, negative_slope=s)``: one bit of ``bits`` is the
    sign, so the LSB is 2**(integer - bits + 1); x >= 0 rounds (half to even) and saturates at
    2**integer - LSB, x < 0 becomes round(x * s) on the same grid, down to -s * 2**integer. As
    layers: Clip below at -2**integer, LeakyReLU with alpha s, the signed cast."""
    if slope < 0 or np.log2(slope) % 1:
        raise w.fail(f"quantized_relu negative_slope {slope} is not a power of two")
    lsb = 2.0 ** (integer - bits + 1)
    floor = w.const(f"{name}_floor", np.float32(-(2.0**integer)))
    clipped = w.node("Clip", [x, floor], f"{name}_floored", f"{name}_floor")
    leaky = w.node("LeakyRelu", [clipped], f"{name}_leaky", node or f"{name}_leaky", alpha=slope)
    return quant_node(w, leaky, name, lsb, bits, True)


POSITIONAL = {  # the arguments each QKeras quantizer takes in order
    "quantized_bits": ("bits", "integer", "symmetric", "keep_negative", "alpha"),
    "quantized_relu": ("bits", "integer", "use_sigmoid", "negative_slope"),
    "quantized_po2": ("bits", "max_value", "use_stochastic_rounding", "quadratic_approximation"),
    "quantized_relu_po2": (
        "bits",
        "max_value",
        "negative_slope",
        "use_stochastic_rounding",
        "quadratic_approximation",
    ),
}


def _literal(text: str) -> object:
    """A Python literal of a quantizer string: a number, True/False/None or a quoted string."""
    text = text.strip()
    words = {"True": True, "False": False, "None": None}
    if text in words:
        return words[text]
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return float(text) if any(c in text for c in ".eE") else int(text)


def parse_quantizer_string(w: OnnxWriter, text: str) -> dict:
    """``"quantized_relu(6,0)"`` as a config dict: positional arguments in the quantizer's own
    order, ``name=value`` settings, values that are numbers, booleans or quoted strings."""
    head, _, rest = text.partition("(")
    head = head.strip()
    names = POSITIONAL.get(head, ())
    values = [v.strip() for v in rest.rstrip(") ").split(",") if v.strip()]
    config = {}
    for k, value in enumerate(values):
        key, _, v = value.partition("=")
        key, v = (key.strip(), v) if v else (names[k] if k < len(names) else str(k), key)
        try:
            config[key] = _literal(v)
        except ValueError:
            raise w.fail(f"cannot read the quantizer {text!r}") from None
    return {"class_name": head, "config": config}


def quant_node(
    w: OnnxWriter, x: str, name: str, scale: float, bits: int, signed: bool, narrow: bool = False
) -> str:
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
        narrow=int(narrow),
        rounding_mode="ROUND",
    )
