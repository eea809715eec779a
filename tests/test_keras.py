"""The Keras frontend (no TensorFlow): every Keras fixture loads and its emulation at a wide
type follows a float forward pass written here from the HDF5 weights; the Keras jet taggers
equal their ONNX exports bit for bit; QKeras quantizers become their exact types; the Keras 2
``.h5`` and Keras 3 ``.keras`` containers load; unsupported layers are named with their class."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import fixture
from test_reference import assert_close

import hlsfx
from hlsfx.frontends.keras.quantizers import auto_po2_values, po2_values
from hlsfx.ir import kinds, reference
from hlsfx.ir.graph import GraphError

WIDE = "ap_fixed<26,10>"


def _weights(path) -> dict[str, list[np.ndarray]]:
    with h5py.File(path, "r") as h5:
        return {name: [np.asarray(h5[name][n.decode()]) for n in h5[name].attrs["weight_names"]]
                for name in h5}  # fmt: skip


def _conv_same(x, kernel, bias):
    """Channels-last 'same' convolution, stride 1 (TensorFlow pads the extra at the end)."""
    d = kernel.ndim - 2
    k = kernel.shape[:d]
    pad = [((n - 1) // 2, n - 1 - (n - 1) // 2) for n in k]
    xp = np.pad(x, [(0, 0), *pad, (0, 0)])
    out = np.zeros((*x.shape[:-1], kernel.shape[-1]))
    for offset in np.ndindex(*k):
        window = xp[
            (slice(None), *(slice(o, o + s) for o, s in zip(offset, x.shape[1:-1], strict=True)))
        ]
        out += window @ kernel[offset]
    return out + bias


def _softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _reference(name: str, x: np.ndarray) -> np.ndarray:
    """The float forward pass of each fixture, from its JSON and weights, in numpy."""
    w = _weights(fixture(f"keras/{name}_weights.h5"))
    relu = lambda v: np.maximum(v, 0)  # noqa: E731
    if name in ("KERAS_3layer", "KERAS_1layer"):
        layers = [k for k in w if w[k]]
        for k in layers[:-1]:
            x = relu(x @ w[k][0] + w[k][1])
        z = x @ w[layers[-1]][0] + w[layers[-1]][1]
        return _softmax(z) if name == "KERAS_3layer" else 1 / (1 + np.exp(-z))
    if name == "KERAS_conv1d_small":
        for k in ("conv1_relu", "conv2_relu", "conv3_relu"):
            x = relu(_conv_same(x, *w[k]))
        x = relu(x.reshape(len(x), -1) @ w["fc1_relu"][0] + w["fc1_relu"][1])
        return _softmax(x @ w["output_softmax"][0] + w["output_softmax"][1])
    if name == "KERAS_conv2d_model":
        x = relu(_conv_same(x, *w["conv2d_1"])).reshape(len(x), -1)
        return _softmax(x @ w["dense_1"][0] + w["dense_1"][1])
    raise KeyError(name)


@pytest.mark.parametrize(("name", "shape"), [
    ("KERAS_3layer", (16,)), ("KERAS_1layer", (10,)), ("KERAS_conv1d_small", (10, 4)),
    ("KERAS_conv2d_model", (8, 8, 1)),
])  # fmt: skip
def test_a_keras_fixture_follows_its_float_forward_pass(name, shape):
    graph = hlsfx.load(fixture(f"keras/{name}.json"), weights=fixture(f"keras/{name}_weights.h5"))
    x = np.random.default_rng(1).uniform(-1, 1, (300, *shape))
    expected = _reference(name, x)
    assert_close(reference.run(graph, x), expected)  # the graph means what Keras computes
    emulated = hlsfx.configure(graph, WIDE).predict(x)
    assert emulated.shape == expected.shape
    assert np.max(np.abs(emulated - expected)) < 5e-3  # the softmax/sigmoid tables


@pytest.mark.parametrize(("keras", "onnx", "n"), [
    ("KERAS_3layer", "three_layer_keras", 16), ("KERAS_1layer", "two_layer_keras", 10),
])  # fmt: skip
def test_the_keras_jet_taggers_equal_their_onnx_exports_bit_for_bit(keras, onnx, n):
    from_keras = hlsfx.load(fixture(f"keras/{keras}.json"),
                            weights=fixture(f"keras/{keras}_weights.h5"))  # fmt: skip
    from_onnx = hlsfx.load(fixture(f"onnx/{onnx}.onnx"))
    x = np.random.default_rng(2).normal(0, 3, (3000, n))  # overflows ap_fixed<16,6> too
    a = hlsfx.configure(from_keras, "ap_fixed<16,6>").predict(x, raw=True)
    b = hlsfx.configure(from_onnx, "ap_fixed<16,6>").predict(x, raw=True)
    assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)


def _qkeras_bits(v, bits, integer):
    """QKeras quantized_bits(bits, integer, keep_negative=1, alpha=1): round half to even,
    clip to the signed range."""
    scale = 2.0 ** (bits - 1 - integer)
    return np.clip(np.round(v * scale), -(2 ** (bits - 1)), 2 ** (bits - 1) - 1) / scale


def _qkeras_relu(v, bits, integer):
    scale = 2.0 ** (bits - integer)
    return np.clip(np.round(np.maximum(v, 0) * scale), 0, 2**bits - 1) / scale


def test_qkeras_quantizers_give_exact_types_and_the_quantized_network():
    graph = hlsfx.load(fixture("keras/qkeras_3layer.json"),
                       weights=fixture("keras/qkeras_3layer_weights.h5"))  # fmt: skip
    qm = hlsfx.configure(graph, WIDE)
    for layer in ("fc1", "fc2", "fc3", "output"):
        assert str(qm.precisions[layer].types["weight"]) == "ap_fixed<6,1,AP_RND_CONV,AP_SAT>"
    for layer in ("relu1", "relu2", "relu3"):
        assert str(qm.precisions[layer].types["result"]) == "ap_ufixed<6,0,AP_RND_CONV,AP_SAT>"
    w = _weights(fixture("keras/qkeras_3layer_weights.h5"))
    lsb = 2.0**-16  # of the wide type: inputs on its grid, Dense results truncated to it
    x = np.random.default_rng(3).integers(-(2**16), 2**16, (500, 16)) * lsb
    h = x
    for dense, relu in (("fc1", True), ("fc2", True), ("fc3", True), ("output", False)):
        kernel, bias = (_qkeras_bits(v, 6, 0) for v in w[dense])
        h = np.floor((h @ kernel + bias) / lsb) * lsb
        h = _qkeras_relu(h, 6, 0) if relu else h
    traced = qm.trace(x)
    assert np.array_equal(traced["output"], h)


def _keras3_functional() -> tuple[dict, dict[str, list[np.ndarray]]]:
    """A Keras 3 functional model: two Dense branches added, then Dense + softmax."""
    rng = np.random.default_rng(4)

    def tensor(name):
        return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}

    def dense(name, units, source, activation):
        settings = {"name": name, "units": units, "activation": activation, "use_bias": True}
        return {"class_name": "Dense", "name": name, "config": settings,
                "inbound_nodes": [{"args": [tensor(source)], "kwargs": {}}]}  # fmt: skip

    layers = [
        {"class_name": "InputLayer", "name": "x",
         "config": {"name": "x", "batch_shape": [None, 8]}, "inbound_nodes": []},
        dense("a", 4, "x", "relu"), dense("b", 4, "x", "tanh"),
        {"class_name": "Add", "name": "sum", "config": {"name": "sum"},
         "inbound_nodes": [{"args": [[tensor("a"), tensor("b")]], "kwargs": {}}]},
        dense("out", 3, "sum", "softmax"),
    ]  # fmt: skip
    config = {"class_name": "Functional", "config": {"name": "f", "layers": layers,
              "input_layers": [["x", 0, 0]], "output_layers": [["out", 0, 0]]}}  # fmt: skip
    weights = {n: [rng.normal(0, 0.5, (i, o)), rng.normal(0, 0.1, o)]
               for n, i, o in (("a", 8, 4), ("b", 8, 4), ("out", 4, 3))}  # fmt: skip
    return config, weights


def test_keras2_h5_and_keras3_archives_load(tmp_path):
    # Keras 2: the full model in one .h5 (model_config attribute, model_weights group)
    weights = fixture("keras/KERAS_3layer_weights.h5")
    h5_path = tmp_path / "model.h5"
    with h5py.File(weights, "r") as source, h5py.File(h5_path, "w") as h5:
        h5.attrs["model_config"] = fixture("keras/KERAS_3layer.json").read_text()
        source.copy(source["/"], h5, "model_weights")
    x = np.random.default_rng(5).normal(0, 1, (200, 16))
    pair = hlsfx.load(fixture("keras/KERAS_3layer.json"), weights=weights)
    a = hlsfx.configure(hlsfx.load(h5_path), "ap_fixed<16,6>").predict(x, raw=True)
    assert np.array_equal(a, hlsfx.configure(pair, "ap_fixed<16,6>").predict(x, raw=True))
    # Keras 3: config.json and model.weights.h5 (layers/<name>/vars/<i>) in a zip
    config, arrays = _keras3_functional()
    data = io.BytesIO()
    with h5py.File(data, "w") as h5:
        for name, values in arrays.items():
            for k, v in enumerate(values):
                h5[f"layers/{name}/vars/{k}"] = v
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", data.getvalue())
    graph = hlsfx.load(tmp_path / "model.keras")
    x = np.random.default_rng(6).uniform(-1, 1, (300, 8))
    got = hlsfx.configure(graph, WIDE).predict(x)
    a, b, out = arrays["a"], arrays["b"], arrays["out"]
    hidden = np.maximum(x @ a[0] + a[1], 0) + np.tanh(x @ b[0] + b[1])
    assert np.max(np.abs(got - _softmax(hidden @ out[0] + out[1]))) < 5e-3


def test_unsupported_layers_quantizers_and_missing_files_are_named(tmp_path):
    config = json.loads(fixture("keras/KERAS_1layer.json").read_text())
    config["config"]["layers"][1]["class_name"] = "LSTM"
    (tmp_path / "lstm.json").write_text(json.dumps(config))
    weights = fixture("keras/KERAS_1layer_weights.h5")
    with pytest.raises(
        GraphError, match=r"Keras layer 'fc1_relu' \(LSTM\): unsupported layer class 'LSTM'"
    ):
        hlsfx.load(tmp_path / "lstm.json", weights=weights)
    config = json.loads(fixture("keras/qkeras_3layer.json").read_text())
    config["config"]["layers"][1]["config"]["kernel_quantizer"]["class_name"] = "quantized_ulaw"
    (tmp_path / "ulaw.json").write_text(json.dumps(config))
    named = r"'fc1' \(QDense\): unsupported QKeras quantizer 'quantized_ulaw'; supported: "
    with pytest.raises(GraphError, match=named):
        hlsfx.load(tmp_path / "ulaw.json", weights=fixture("keras/qkeras_3layer_weights.h5"))
    with pytest.raises(GraphError, match="a JSON architecture needs its weights"):
        hlsfx.load(fixture("keras/KERAS_1layer.json"))
    with pytest.raises(FileNotFoundError, match="no such file"):
        hlsfx.load(fixture("keras/KERAS_1layer.json"), weights=tmp_path / "none.h5")
    (tmp_path / "cut.h5").write_bytes(fixture("keras/KERAS_1layer_weights.h5").read_bytes()[:300])
    with pytest.raises(GraphError, match="not a readable Keras file"):
        hlsfx.load(fixture("keras/KERAS_1layer.json"), weights=tmp_path / "cut.h5")


# --- every other layer class, on Keras 3 functional models with a numpy forward pass


def _tensor(name):
    return {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}}


def _layer(cls, name, sources, **config):
    args = [_tensor(s) for s in sources]
    call = {"args": [args] if len(args) > 1 else args, "kwargs": {}}
    return {"class_name": cls, "name": name, "config": {"name": name, **config},
            "inbound_nodes": [call]}  # fmt: skip


def _model(shape, layers, output):
    settings = {"name": "x", "batch_shape": [None, *shape]}
    first = {"class_name": "InputLayer", "name": "x", "config": settings, "inbound_nodes": []}
    return {"class_name": "Functional", "config": {"name": "m", "layers": [first, *layers],
            "input_layers": [["x", 0, 0]], "output_layers": [[output, 0, 0]]}}  # fmt: skip


def _save_keras3(path, config, weights):
    data = io.BytesIO()
    with h5py.File(data, "w") as h5:
        for name, values in weights.items():
            for k, v in enumerate(values):
                h5[f"layers/{name}/vars/{k}"] = v
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("config.json", json.dumps(config))
        archive.writestr("model.weights.h5", data.getvalue())


def _conv(x, kernel, bias=None, same=False, depthwise=False):
    """Channels-last convolution, stride 1; ``kernel`` (*k, in, out) or depthwise (*k, C, 1)."""
    d = kernel.ndim - 2
    k = kernel.shape[:d]
    if same:
        x = np.pad(x, [(0, 0), *[((n - 1) // 2, n - 1 - (n - 1) // 2) for n in k], (0, 0)])
    out_shape = [s - n + 1 for s, n in zip(x.shape[1:-1], k, strict=True)]
    channels = kernel.shape[-2] if depthwise else kernel.shape[-1]
    out = np.zeros((len(x), *out_shape, channels))
    for offset in np.ndindex(*k):
        window = x[
            (slice(None), *(slice(o, o + s) for o, s in zip(offset, out_shape, strict=True)))
        ]
        out += window * kernel[offset][:, 0] if depthwise else window @ kernel[offset]
    return out if bias is None else out + bias


def _pool(x, size, stride, op):
    d = x.ndim - 2
    out_shape = [(s - size) // stride + 1 for s in x.shape[1:-1]]
    windows = [x[(slice(None), *(slice(o, o + stride * (n - 1) + 1, stride)
                                 for o, n in zip(offset, out_shape, strict=True)))]
               for offset in np.ndindex(*[size] * d)]  # fmt: skip
    return op(np.stack(windows), axis=0)


def _as_keras_holds(weights: dict) -> dict:
    """The weights as Keras computes with them: float32 variables."""
    return {k: [np.float32(v).astype(np.float64) for v in values] for k, values in weights.items()}


def test_every_keras_layer_class_on_an_image_model(tmp_path):
    rng = np.random.default_rng(7)
    r = lambda *s: rng.normal(0, 0.4, s)  # noqa: E731
    weights = {
        "conv": [r(3, 3, 2, 4), r(4)],
        "bn": [rng.uniform(0.5, 1.5, 4), r(4), r(4), rng.uniform(0.5, 1.5, 4)],
        "dw": [r(3, 3, 4, 1), r(4)],
        "sep": [r(3, 3, 4, 1), r(1, 1, 4, 5), r(5)],
        "fc": [r(5, 4), r(4)],
        "prelu": [rng.uniform(0.05, 0.3, 4)],
    }
    layers = [
        _layer("Conv2D", "conv", ["x"], filters=4, kernel_size=[3, 3], padding="same"),
        _layer("BatchNormalization", "bn", ["conv"], axis=-1, epsilon=1e-3),
        _layer("ReLU", "relu6", ["bn"], max_value=6.0),
        _layer("DepthwiseConv2D", "dw", ["relu6"], kernel_size=[3, 3], padding="valid"),
        _layer("LeakyReLU", "leaky", ["dw"], negative_slope=0.1),
        _layer("MaxPooling2D", "pool", ["leaky"], pool_size=[2, 2]),
        _layer("SeparableConv2D", "sep", ["pool"], filters=5, kernel_size=[3, 3], padding="same"),
        _layer("ELU", "elu", ["sep"], alpha=1.0),
        _layer("AveragePooling2D", "avg", ["elu"], pool_size=[1, 1]),
        _layer("GlobalAveragePooling2D", "gap", ["avg"]),
        _layer("Dense", "fc", ["gap"], units=4, activation="linear"),
        _layer("PReLU", "prelu", ["fc"]),
        _layer("Softmax", "softmax", ["prelu"]),
    ]
    _save_keras3(tmp_path / "image.keras", _model((8, 8, 2), layers, "softmax"), weights)
    graph = hlsfx.load(tmp_path / "image.keras")
    x = rng.uniform(-1, 1, (200, 8, 8, 2))
    w = _as_keras_holds(weights)
    h = _conv(x, *w["conv"], same=True)
    gamma, beta, mean, var = w["bn"]
    h = np.clip(gamma * (h - mean) / np.sqrt(var + 1e-3) + beta, 0, 6)
    h = _conv(h, w["dw"][0], w["dw"][1], depthwise=True)
    h = np.where(h > 0, h, float(np.float32(0.1)) * h)
    h = _pool(h, 2, 2, np.max)
    h = _conv(_conv(h, w["sep"][0], same=True, depthwise=True), w["sep"][1], w["sep"][2])
    h = np.where(h > 0, h, np.exp(np.minimum(h, 0)) - 1)
    h = h.mean(axis=(1, 2)) @ w["fc"][0] + w["fc"][1]
    h = _softmax(np.where(h > 0, h, w["prelu"][0] * h))
    assert_close(reference.run(graph, x), h)
    got = hlsfx.configure(graph, WIDE).predict(x)
    assert np.max(np.abs(got - h)) < 5e-3


def test_every_keras_layer_class_on_a_sequence_model(tmp_path):
    rng = np.random.default_rng(8)
    r = lambda *s: rng.normal(0, 0.4, s)  # noqa: E731
    weights = {"conv": [r(3, 3, 4), r(4)], "dw": [r(3, 4, 1), r(4)], "fc": [r(5, 3), r(3)],
               "out": [r(6, 2), r(2)]}  # fmt: skip
    layers = [
        _layer("Conv1D", "conv", ["x"], filters=4, kernel_size=[3], padding="same",
               activation="tanh"),
        _layer("DepthwiseConv1D", "dw", ["conv"], kernel_size=[3], padding="same"),
        _layer("AveragePooling1D", "avg", ["dw"], pool_size=[2], strides=[2]),
        _layer("Flatten", "flat", ["avg"]),
        _layer("Reshape", "reshape", ["flat"], target_shape=[4, 5]),
        _layer("Dense", "fc", ["reshape"], units=3, activation="relu"),  # on the last axis
        _layer("GlobalMaxPooling1D", "gmax", ["fc"]),
        _layer("GlobalAveragePooling1D", "gavg", ["x"]),
        _layer("Subtract", "sub", ["gmax", "gavg"]),
        _layer("Multiply", "mul", ["gmax", "gavg"]),
        _layer("Concatenate", "cat", ["sub", "mul"], axis=-1),
        _layer("Dropout", "drop", ["cat"], rate=0.5),
        _layer("Dense", "out", ["drop"], units=2, activation="sigmoid"),
    ]  # fmt: skip
    _save_keras3(tmp_path / "seq.keras", _model((10, 3), layers, "out"), weights)
    graph = hlsfx.load(tmp_path / "seq.keras")
    x = rng.uniform(-1, 1, (200, 10, 3))
    w = _as_keras_holds(weights)
    h = np.tanh(_conv(x, *w["conv"], same=True))
    h = _conv(h, w["dw"][0], w["dw"][1], same=True, depthwise=True)
    h = _pool(h, 2, 2, np.mean).reshape(len(x), 4, 5)
    h = np.maximum(h @ w["fc"][0] + w["fc"][1], 0).max(axis=1)
    g = x.mean(axis=1)
    h = np.concatenate([h - g, h * g], axis=1) @ w["out"][0] + w["out"][1]
    assert_close(reference.run(graph, x), 1 / (1 + np.exp(-h)))
    got = hlsfx.configure(graph, WIDE).predict(x)
    assert np.max(np.abs(got - 1 / (1 + np.exp(-h)))) < 5e-3


def test_keras_padding_cropping_and_upsampling_move_values_as_keras_does(tmp_path):
    rng = np.random.default_rng(11)
    weights = {"conv": [rng.normal(0, 0.4, (1, 1, 2, 3)), rng.normal(0, 0.4, 3)]}
    image = [
        _layer("ZeroPadding2D", "pad", ["x"], padding=[[1, 0], [2, 1]]),
        _layer("Cropping2D", "crop", ["pad"], cropping=[[0, 2], [1, 0]]),
        _layer("UpSampling2D", "up", ["crop"], size=[1, 2], interpolation="nearest"),
        _layer("Conv2D", "conv", ["up"], filters=3, kernel_size=[1, 1]),
        _layer("ZeroPadding2D", "pad_all", ["conv"], padding=1),
    ]
    _save_keras3(tmp_path / "image.keras", _model((4, 5, 2), image, "pad_all"), weights)
    graph = hlsfx.load(tmp_path / "image.keras")
    assert [layer.kind for layer in graph.layers] == [
        kinds.PAD,
        kinds.SLICE,
        kinds.UPSAMPLING,
        kinds.CONV2D,
        kinds.PAD,
    ]
    x = rng.uniform(-1, 1, (50, 4, 5, 2))
    h = np.pad(x, [(0, 0), (1, 0), (2, 1), (0, 0)])[:, :-2, 1:]
    w = _as_keras_holds(weights)
    h = np.repeat(h, 2, axis=2) @ w["conv"][0][0, 0] + w["conv"][1]
    h = np.pad(h, [(0, 0), (1, 1), (1, 1), (0, 0)])
    assert_close(reference.run(graph, x), h)
    assert np.max(np.abs(hlsfx.configure(graph, WIDE).predict(x) - h)) < 1e-3
    sequence = [
        _layer("ZeroPadding1D", "pad", ["x"], padding=2),
        _layer("Cropping1D", "crop", ["pad"], cropping=[3, 0]),
        _layer("UpSampling1D", "up", ["crop"], size=3),
    ]
    _save_keras3(tmp_path / "seq.keras", _model((6, 2), sequence, "up"), {})
    x = rng.uniform(-1, 1, (50, 6, 2))
    h = np.repeat(np.pad(x, [(0, 0), (2, 2), (0, 0)])[:, 3:], 3, axis=1)
    assert np.array_equal(reference.run(hlsfx.load(tmp_path / "seq.keras"), x), h)
    with pytest.raises(GraphError, match="'up' \\(UpSampling1D\\): interpolation 'bilinear'"):
        sequence[-1]["config"]["interpolation"] = "bilinear"
        _save_keras3(tmp_path / "bad.keras", _model((6, 2), sequence, "up"), {})
        hlsfx.load(tmp_path / "bad.keras")


def test_qkeras_convolutions_and_string_quantizers_give_exact_types(tmp_path, capsys):
    from hlsfx.cli.main import main

    rng = np.random.default_rng(9)
    bits = {"class_name": "quantized_bits", "config": {"bits": 8, "integer": 2, "alpha": 1}}
    weights = {"qconv": [rng.normal(0, 0.5, (3, 3, 1, 2)), rng.normal(0, 0.5, 2)],
               "qfc": [rng.normal(0, 0.5, (2, 3)), rng.normal(0, 0.5, 3)]}  # fmt: skip
    layers = [
        _layer("QConv2D", "qconv", ["x"], filters=2, kernel_size=[3, 3], padding="valid",
               kernel_quantizer=bits, bias_quantizer=bits),
        _layer("QActivation", "qrelu", ["qconv"], activation="quantized_relu(4,1)"),
        _layer("GlobalMaxPooling2D", "gmax", ["qrelu"]),
        _layer("QDense", "qfc", ["gmax"], units=3, kernel_quantizer=bits),
    ]  # fmt: skip
    _save_keras3(tmp_path / "q.keras", _model((5, 5, 1), layers, "qfc"), weights)
    qm = hlsfx.configure(hlsfx.load(tmp_path / "q.keras"), WIDE)
    assert str(qm.precisions["qconv"].types["weight"]) == "ap_fixed<8,3,AP_RND_CONV,AP_SAT>"
    assert str(qm.precisions["qconv"].types["bias"]) == "ap_fixed<8,3,AP_RND_CONV,AP_SAT>"
    assert str(qm.precisions["qrelu"].types["result"]) == "ap_ufixed<4,1,AP_RND_CONV,AP_SAT>"
    assert str(qm.precisions["qfc"].types["weight"]) == "ap_fixed<8,3,AP_RND_CONV,AP_SAT>"
    # and from the command line, a Keras architecture with its weights
    arch = tmp_path / "arch.json"
    arch.write_text(fixture("keras/KERAS_1layer.json").read_text())
    np.savez(tmp_path / "d.npz", x=rng.normal(0, 1, (20, 10)))
    assert main(["predict", str(arch), "--weights", str(fixture("keras/KERAS_1layer_weights.h5")),
                 "--data", str(tmp_path / "d.npz")]) == 0  # fmt: skip
    assert "20 samples emulated" in capsys.readouterr().out


def test_quantized_po2_weights_are_their_powers_of_two_in_an_exact_type(tmp_path):
    # bits 4, no max_value: a sign bit, an exponent sign bit, exponents -4 .. 3
    values = np.array([0.3, -0.7, 0.0, 5.0, 1e-9, -0.375, 100.0])
    got = po2_values(values, {"bits": 4, "max_value": None})
    assert got.tolist() == [0.25, -0.5, 0.0625, 4.0, 0.0625, -0.5, 8.0]  # -0.375: log2 -1.415
    capped = po2_values(values, {"bits": 4, "max_value": 1.0})  # no exponent sign: -8 .. 7
    assert capped.tolist() == [0.25, -0.5, 2.0**-8, 1.0, 2.0**-8, -0.5, 1.0]
    config = json.loads(fixture("keras/qkeras_3layer.json").read_text())
    quantizer = config["config"]["layers"][1]["config"]["kernel_quantizer"]
    quantizer.update(class_name="quantized_po2", config={"bits": 5, "max_value": None})
    (tmp_path / "po2.json").write_text(json.dumps(config))
    graph = hlsfx.load(tmp_path / "po2.json", weights=fixture("keras/qkeras_3layer_weights.h5"))
    dense = graph.layers[0]
    weights = dense.params["weight"]
    mantissa, exponent = np.frexp(np.abs(weights))
    assert np.all(mantissa == 0.5) and exponent.min() - 1 >= -8 and exponent.max() - 1 <= 7
    t = dense.fixed["weight"]
    assert np.array_equal(hlsfx.to_float(hlsfx.quantize(weights, t), t), weights)  # exact
    assert t.width == exponent.max() - exponent.min() + 2


def _half_even(v: np.ndarray) -> np.ndarray:
    return np.round(v)  # numpy rounds halves to even, as tf.round does


def test_quantized_relu_with_a_negative_slope_is_qkeras_leaky_relu(tmp_path):
    """QKeras quantized_relu(4, 1, negative_slope=0.25): a sign bit, LSB 2**(1 - 3); x >= 0
    rounds half to even and saturates at 2 - LSB; x < 0 gives round(x / 4) on the same grid,
    down to -0.5 (QKeras's own formula, written out here)."""
    config = json.loads(fixture("keras/qkeras_3layer.json").read_text())
    relu = config["config"]["layers"][2]["config"]
    relu["activation"] = "quantized_relu(4,1,negative_slope=0.25)"
    (tmp_path / "leaky.json").write_text(json.dumps(config))
    graph = hlsfx.load(tmp_path / "leaky.json", weights=fixture("keras/qkeras_3layer_weights.h5"))
    qm = hlsfx.configure(graph, "ap_fixed<24,12>")
    first = graph.layers[0].name
    x = np.random.default_rng(3).normal(0, 2, (200, 16))
    trace = qm.trace(x)
    dense = trace[first]
    lsb = 0.25
    positive = lsb * np.clip(_half_even(dense / lsb), 0, 7)
    negative = lsb * np.maximum(_half_even(dense * 0.25 / lsb), -2)
    expected = np.where(dense >= 0, positive, negative)
    quantized = next(name for name in trace if np.array_equal(trace[name], expected))
    assert quantized and (expected < 0).any() and (expected == -0.5).any()
    with pytest.raises(GraphError, match=r"negative_slope 0\.3 is not a power of two"):
        relu["activation"] = "quantized_relu(4,1,negative_slope=0.3)"
        (tmp_path / "bad.json").write_text(json.dumps(config))
        hlsfx.load(tmp_path / "bad.json", weights=fixture("keras/qkeras_3layer_weights.h5"))


def test_qkeras_separable_convolutions_and_batch_norms_quantize_each_parameter(tmp_path):
    rng = np.random.default_rng(12)
    bits = {"class_name": "quantized_bits", "config": {"bits": 8, "integer": 2, "alpha": 1}}
    gamma = rng.uniform(0.5, 2, 3)
    weights = {
        "sep": [rng.normal(0, 0.5, (3, 3, 2, 1)), rng.normal(0, 0.5, (1, 1, 2, 3)),
                rng.normal(0, 0.5, 3)],
        "qbn": [gamma, rng.normal(0, 0.5, 3), rng.normal(0, 0.5, 3), rng.uniform(0.5, 2, 3)],
    }  # fmt: skip
    layers = [
        _layer("QSeparableConv2D", "sep", ["x"], filters=3, kernel_size=[3, 3],
               padding="valid", depthwise_quantizer=bits, pointwise_quantizer=bits,
               bias_quantizer=bits),
        _layer("QBatchNormalization", "qbn", ["sep"], gamma_quantizer=bits, epsilon=0.001),
    ]  # fmt: skip
    _save_keras3(tmp_path / "s.keras", _model((5, 5, 2), layers, "qbn"), weights)
    graph = hlsfx.load(tmp_path / "s.keras")
    typed = "ap_fixed<8,3,AP_RND_CONV,AP_SAT>"
    convs = [layer for layer in graph.layers if layer.kind.weighted]
    assert [str(layer.fixed["weight"]) for layer in convs] == [typed, typed]
    assert str(convs[1].fixed["bias"]) == typed
    (norm,) = [layer for layer in graph.layers if layer.kind is kinds.BATCH_NORM]
    gamma_q = np.round(gamma * 32) / 32  # quantized_bits(8, 2): LSB 2**-5, half to even
    var = weights["qbn"][3].astype(np.float32)
    assert np.allclose(norm.params["scale"], gamma_q / np.sqrt(var + np.float32(0.001)))
    assert not np.allclose(norm.params["scale"], gamma / np.sqrt(var + 0.001), rtol=1e-6)
    layers[1]["config"]["inverse_quantizer"] = bits
    _save_keras3(tmp_path / "i.keras", _model((5, 5, 2), layers, "qbn"), weights)
    with pytest.raises(GraphError, match="QBatchNormalization with an inverse_quantizer"):
        hlsfx.load(tmp_path / "i.keras")


def test_auto_po2_weights_take_a_power_of_two_scale_per_channel(tmp_path):
    """quantized_bits(4, 0, alpha="auto_po2"), worked by hand from QKeras's algorithm: codes in
    +-7; channel 0's largest magnitude 0.5 gives the scale 2**-4, channel 1's 2.0 gives 2**-2,
    and the least-squares refinements keep both."""
    weights = np.array([[0.5, 2.0], [-0.26, -1.0], [0.1, 0.3], [0.0, 0.05]])
    got = auto_po2_values(weights, 4, 0)
    assert got.tolist() == [[0.4375, 1.75], [-0.25, -1.0], [0.125, 0.25], [0.0, 0.0]]
    config = json.loads(fixture("keras/qkeras_3layer.json").read_text())
    quantizer = config["config"]["layers"][1]["config"]["kernel_quantizer"]
    quantizer["config"].update(alpha="auto_po2", bits=6, integer=0)
    (tmp_path / "auto.json").write_text(json.dumps(config))
    graph = hlsfx.load(tmp_path / "auto.json", weights=fixture("keras/qkeras_3layer_weights.h5"))
    dense = graph.layers[0]
    w, t = dense.params["weight"], dense.fixed["weight"]
    assert np.array_equal(hlsfx.to_float(hlsfx.quantize(w, t), t), w)  # an exact type
    grids = []
    for column in w.T:  # each channel: codes of at most +-31 on its own power-of-two grid
        grid = max(2.0**k for k in range(-24, 4) if np.all(column / 2.0**k % 1 == 0))
        assert np.max(np.abs(column / grid)) <= 31
        grids.append(grid)
    assert len(set(grids)) > 1  # the scales differ between channels


def test_qconv2d_batchnorm_folds_its_moving_statistics_then_quantizes(tmp_path):
    rng = np.random.default_rng(13)
    bits = {"class_name": "quantized_bits", "config": {"bits": 8, "integer": 2, "alpha": 1}}
    kernel, bias = rng.normal(0, 0.5, (3, 3, 2, 3)), rng.normal(0, 0.5, 3)
    gamma, beta = rng.uniform(0.5, 2, 3), rng.normal(0, 0.5, 3)
    mean, var = rng.normal(0, 0.5, 3), rng.uniform(0.5, 2, 3)
    weights = {"cbn": [kernel, bias, gamma, beta, mean, var, np.array(-1, np.int64)]}
    layers = [_layer("QConv2DBatchnorm", "cbn", ["x"], filters=3, kernel_size=[3, 3],
                     padding="valid", kernel_quantizer=bits, bias_quantizer=bits,
                     epsilon=0.001)]  # fmt: skip
    _save_keras3(tmp_path / "c.keras", _model((5, 5, 2), layers, "cbn"), weights)
    (conv,) = hlsfx.load(tmp_path / "c.keras").layers
    f32 = np.float32
    inv = f32(gamma) / np.sqrt(f32(var) + f32(0.001))
    grid = lambda v: np.clip(np.round(v * 32), -128, 127) / 32  # noqa: E731  (LSB 2**-5)
    assert np.array_equal(conv.params["weight"], grid(f32(kernel) * inv))
    assert np.array_equal(conv.params["bias"], grid((f32(bias) - f32(mean)) * inv + f32(beta)))


DATA = Path(__file__).resolve().parent / "data"


def test_a_qkeras_model_of_every_construct_equals_qkeras_itself():
    """QKeras's own predictions, recorded by scripts/make_qkeras_oracle.py (TensorFlow 2.21,
    qkeras 0.9.0): QConv2DBatchnorm, quantized_relu with a negative slope, QSeparableConv2D with
    quantized_po2 pointwise weights, QBatchNormalization with its default quantized_po2 and
    quantized_relu_po2 (quadratic) quantizers, QDense with auto_po2 weights. Both quantized
    activations are identical value for value; the float output too (measured: 0.0)."""
    recorded = np.load(DATA / "qkeras_oracle.npz")
    graph = hlsfx.load(DATA / "qkeras_oracle.h5")
    qm = hlsfx.configure(graph, "ap_fixed<32,12>")
    x = recorded["x"].astype(np.float64)
    trace = qm.trace(x)
    assert np.array_equal(trace["act1"], recorded["act1"])
    assert np.array_equal(trace["act2"], recorded["act2"])
    assert np.max(np.abs(qm.predict(x) - recorded["y"])) <= 2**-12


@pytest.mark.parametrize(
    "origin, message",
    [
        ({"module": "hgq.layers", "registered_name": "QDense"}, "its module 'hgq.layers' is not"),
        ({"module": "keras.layers", "registered_name": "hgq>QDense"}, "it is registered by 'hgq'"),
        (
            {"module": "keras.layers", "registered_name": None},
            "its quantizer configuration 'iq_conf'",
        ),
    ],
)
def test_a_layer_of_a_package_or_quantizer_hlsfx_does_not_read_is_refused(origin, message,
                                                                         tmp_path):  # fmt: skip
    """HGQ2's QDense would otherwise be read as QKeras's, its quantizers ignored."""
    hgq = {"kq_conf": {"class_name": "QuantizerConfig"}, "iq_conf": {"q_type": "kif"}}
    layer = {**_layer("QDense", "qfc", ["x"], units=3, **hgq), **origin}
    if origin["registered_name"] is None:  # a Keras Dense carrying HGQ2's settings
        layer = {**_layer("Dense", "qfc", ["x"], units=3, iq_conf={}), **origin}
    weights = {"qfc": [np.ones((4, 3)), np.zeros(3)]}
    _save_keras3(tmp_path / "hgq.keras", _model((4,), [layer], "qfc"), weights)
    with pytest.raises(GraphError, match=rf"Keras layer 'qfc' \(\w+\): {message}"):
        hlsfx.load(tmp_path / "hgq.keras")
    plain = {**_layer("Dense", "qfc", ["x"], units=3), "module": "keras.layers",
             "registered_name": None}  # fmt: skip
    _save_keras3(tmp_path / "plain.keras", _model((4,), [plain], "qfc"), weights)
    assert hlsfx.load(tmp_path / "plain.keras").layers[0].kind.name == "Dense"


def test_symmetric_quantized_bits_with_alpha_none_equal_qkeras():
    """quantized_bits(bits, integer, symmetric=1, alpha=None), as hls4ml's qkeras_mnist_dense
    example has them: scale 1, the most negative code left out; QKeras's own outputs recorded
    by scripts/make_qkeras_oracle.py. The activation is equal value for value."""
    recorded = np.load(DATA / "qkeras_symmetric.npz")
    qm = hlsfx.configure(hlsfx.load(DATA / "qkeras_symmetric.h5"), "ap_fixed<32,12>")
    x = recorded["x"].astype(np.float64)
    act1 = qm.trace(x)["fc1"]  # the activation's quantizer is fc1's result cast
    assert np.array_equal(act1, recorded["act1"])
    assert act1.min() == -1.875  # -2.0 is the code symmetric leaves out
    assert np.max(np.abs(qm.predict(x) - recorded["y"])) <= 2**-12
    weight = qm.precisions["fc1"]
    lsb = 2.0 ** -weight.types["weight"].fractional
    assert np.min(weight.params["weight"]) * lsb == -31 / 32  # -1.0 is left out
