"""Record QKeras's own outputs for a small model of every QKeras construct hlsfx reads, as the
test oracle tests/test_keras.py replays (TensorFlow is not a test dependency).

    pip install tensorflow-cpu qkeras tf-keras pyparsing scipy
    TF_USE_LEGACY_KERAS=1 python scripts/make_qkeras_oracle.py

Writes tests/data/qkeras_oracle.h5 (the model, Keras 2 HDF5) and qkeras_oracle.npz (inputs,
QKeras's outputs and its two quantized activations), and qkeras_symmetric.h5/.npz (symmetric
quantized_bits with alpha=None, as hls4ml's qkeras_mnist_dense example has them), with fixed
seeds. Recorded with tensorflow-cpu 2.21, tf-keras 2.21 and qkeras 0.9.0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import tf_keras as keras
from qkeras import QActivation, QBatchNormalization, QConv2DBatchnorm, QDense, QSeparableConv2D
from qkeras.quantizers import quantized_bits

OUT = Path(__file__).resolve().parents[1] / "tests" / "data"


def model() -> keras.Model:
    """QConv2DBatchnorm, quantized_relu with a negative slope, QSeparableConv2D with
    quantized_po2 pointwise weights, QBatchNormalization with its default po2 quantizers,
    QDense with auto_po2 weights."""
    x = keras.Input((6, 6, 2), name="x")
    bits8 = "quantized_bits(8,2,alpha=1)"
    y = QConv2DBatchnorm(4, 3, kernel_quantizer=bits8, bias_quantizer=bits8, name="cbn")(x)
    y = QActivation("quantized_relu(6,2,negative_slope=0.25)", name="act1")(y)
    y = QSeparableConv2D(
        3,
        3,
        depthwise_quantizer="quantized_bits(6,1,alpha=1)",
        pointwise_quantizer="quantized_po2(5)",
        bias_quantizer=bits8,
        name="sep",
    )(y)
    y = QBatchNormalization(gamma_quantizer=bits8, name="qbn")(y)
    y = QActivation("quantized_relu(6,2)", name="act2")(y)
    y = keras.layers.Flatten(name="flat")(y)
    y = QDense(
        5, kernel_quantizer="quantized_bits(6,0,alpha='auto_po2')", bias_quantizer=bits8, name="fc"
    )(y)
    return keras.Model(x, y)


def symmetric_model() -> keras.Model:
    """quantized_bits(..., symmetric=1, alpha=None) on weights, biases and an activation,
    whose most negative code QKeras leaves out."""
    x = keras.Input((16,), name="x")  # objects: QKeras parses "alpha=None" in a string as 'on'
    sym = quantized_bits(6, 0, symmetric=1, alpha=None)
    y = QDense(8, kernel_quantizer=sym, bias_quantizer=sym, name="fc1")(x)
    y = QActivation(quantized_bits(5, 1, symmetric=1, alpha=1), name="act1")(y)
    y = QDense(
        4,
        kernel_quantizer=quantized_bits(4, 1, symmetric=1, alpha=None),
        bias_quantizer=quantized_bits(8, 3, alpha=None),
        name="fc2",
    )(y)
    return keras.Model(x, y)


def _drawn(m: keras.Model, rng: np.random.Generator) -> None:
    """Weights and batch-norm statistics away from their defaults."""
    for layer in m.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        drawn = []
        for value, variable in zip(weights, layer.weights, strict=True):
            if value.dtype.kind != "f":
                drawn.append(value)
            elif "variance" in variable.name or "gamma" in variable.name:
                drawn.append(rng.uniform(0.5, 1.5, value.shape).astype(value.dtype))
            else:
                drawn.append(rng.normal(0, 0.5, value.shape).astype(value.dtype))
        layer.set_weights(drawn)


def main() -> None:
    rng = np.random.default_rng(0)
    m = model()
    _drawn(m, rng)
    OUT.mkdir(exist_ok=True)
    m.save(OUT / "qkeras_oracle.h5")
    x = rng.normal(0, 1, (200, 6, 6, 2)).astype(np.float32)
    inner = keras.Model(m.input, [m.get_layer("act1").output, m.get_layer("act2").output])
    act1, act2 = inner.predict(x, verbose=0)
    np.savez_compressed(
        OUT / "qkeras_oracle.npz", x=x, y=m.predict(x, verbose=0), act1=act1, act2=act2
    )
    s = symmetric_model()
    _drawn(s, np.random.default_rng(1))
    s.save(OUT / "qkeras_symmetric.h5")
    x = np.random.default_rng(2).normal(0, 2, (500, 16)).astype(np.float32)
    inner = keras.Model(s.input, s.get_layer("act1").output)
    np.savez_compressed(
        OUT / "qkeras_symmetric.npz",
        x=x,
        y=s.predict(x, verbose=0),
        act1=inner.predict(x, verbose=0),
    )


if __name__ == "__main__":
    main()
