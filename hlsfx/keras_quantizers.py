"""QKeras quantizers as QONNX ``Quant`` nodes: ``quantized_bits`` and ``quantized_relu``, given
as config objects or as strings, become exact power-of-two-scaled types (others are refused
with their name)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from hlsfx.keras_frontend import OnnxWriter

__all__ = ["QONNX_DOMAIN", "parse_quantizer_string", "quant_node", "quantizer"]

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
        if config.get("negative_slope", 0.0) or config.get("use_sigmoid", 0):
            raise w.fail("quantized_relu with negative_slope or use_sigmoid is not supported")
        relu = w.node("Relu", [x], f"{name}_relu", node or f"{name}_relu")
        return quant_node(w, relu, name, 2.0 ** (integer - bits), bits, False)
    if kind in ("quantized_po2", "quantized_relu_po2"):
        raise w.fail(f"{kind} (powers of two with a sign and exponent) has no exact ap_fixed type")
    raise w.fail(f"unsupported QKeras quantizer {kind!r}")


def parse_quantizer_string(w: OnnxWriter, text: str) -> dict:
    """``"quantized_relu(6,0)"`` as a config dict (positional bits, integer)."""
    head, _, rest = text.partition("(")
    values = [v.strip() for v in rest.rstrip(")").split(",") if v.strip()]
    names = ("bits", "integer")
    config = {}
    for k, value in enumerate(values):
        key, _, v = value.partition("=")
        key, v = (key.strip(), v) if v else (names[k] if k < len(names) else str(k), key)
        try:
            config[key] = int(v)
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
