"""Train the models that ship in ``hlsfx.examples`` and write them as ONNX with their test data.

- ``jet_mlp``: a jet-tagging-style MLP 16 -> 64 -> 32 -> 32 -> 5 with softmax, the shape of the
  hls4ml jet tagger. Its data are synthetic: five classes of jets (gluon, light quark, W, Z,
  top) drawn from a small generative model of jet mass, prong structure and constituent
  multiplicity, seen through 16 correlated, noisy substructure-like features (standardised),
  so that W and Z overlap and the classes are separable only in part, as in the real data set.
- ``digits_cnn``: a small CNN on the 8 x 8 handwritten digits that ship inside scikit-learn:
  Conv 3x3 (8) - ReLU - MaxPool 2 - Conv 3x3 (16) - ReLU - MaxPool 2 - Dense 10 - Softmax.
- ``svhn_like_cnn``: a CNN on 32 x 32 colour images made from the same digits (SVHN-sized):
  each digit upsampled 4x, shifted up to 3 pixels, painted in a random colour on a random
  background of other colour, with Gaussian noise, kept as 8-bit values;
  (Conv 3x3 - ReLU - MaxPool 2) x 3 with 8, 16, 16 channels, Dense 10, Softmax.

Training is plain numpy (Adam, cross-entropy, fixed seeds), so the files are reproducible;
scikit-learn is needed here only for the digits (``pip install scikit-learn``), never by hlsfx.

    python scripts/train_examples.py [--out core/examples] [--only NAME]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
JET_CLASSES = ("g", "q", "W", "Z", "t")
JET_FEATURES = (
    "mass_mmdt",
    "multiplicity",
    "tau21",
    "tau32",
    "c1_b0",
    "c1_b1",
    "c1_b2",
    "c2_b1",
    "c2_b2",
    "d2_b1",
    "d2_b2",
    "d2_a1_b1",
    "d2_a1_b2",
    "m2_b1",
    "m2_b2",
    "n2_b1",
)


# --- data -----------------------------------------------------------------------------------


def jet_data(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` synthetic jets: features (n, 16) before standardisation, labels 0..4."""
    y = rng.integers(0, 5, n)
    # jet mass (GeV): QCD jets fall steeply; W, Z, top peak at their masses, with a share of
    # jets that lost a prong and fall back to QCD-like masses
    mass = rng.lognormal(np.log(35.0), 0.55, n)
    mass[y == 1] *= 0.8
    for label, (peak, width) in {2: (80.4, 9.0), 3: (91.2, 9.0), 4: (172.0, 16.0)}.items():
        hit = (y == label) & (rng.random(n) < 0.8)
        mass[hit] = rng.normal(peak, width, hit.sum())
    # prong structure: tau21 small for two-prong W/Z, tau32 small for three-prong top
    tau21 = np.clip(rng.normal(0.68, 0.13, n), 0.05, 1.0)
    tau32 = np.clip(rng.normal(0.75, 0.11, n), 0.05, 1.0)
    two = np.isin(y, (2, 3, 4))
    tau21[two] = np.clip(rng.normal(0.42, 0.14, two.sum()), 0.05, 1.0)
    top = y == 4
    tau32[top] = np.clip(rng.normal(0.55, 0.12, top.sum()), 0.05, 1.0)
    # constituent multiplicity: gluons radiate more than quarks; heavy jets have more prongs
    mult = rng.poisson(np.choose(y, (42.0, 28.0, 34.0, 35.0, 55.0)))
    charge = rng.normal(np.choose(y, (0.0, 0.15, 0.3, 0.0, 0.1)), 0.35)
    latent = np.stack([np.log(mass), tau21, tau32, np.sqrt(mult), charge], axis=1)
    mixing = np.random.default_rng(1234).normal(0.0, 1.0, (5, 16))
    mixing[:, :4] = np.eye(5)[:, :4] * 3.0  # the first four features are the latents themselves
    nonlinear = np.stack(
        [
            latent[:, 0] * latent[:, 1],
            latent[:, 1] ** 2,
            latent[:, 2] * latent[:, 3],
            np.tanh(latent[:, 4]),
        ],
        axis=1,
    )
    x = latent @ mixing + nonlinear @ np.random.default_rng(99).normal(0.0, 0.7, (4, 16))
    x += rng.normal(0.0, 0.35, x.shape)
    return x, y


def digits_data() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    return (digits.images / 16.0)[:, None].astype(np.float32), digits.target


def coloured_digits(images: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 1, 8, 8) digits in [0, 1] as (N, 3, 32, 32) colour images of 8-bit values."""
    n = len(images)
    big = np.kron(images[:, 0], np.ones((4, 4)))  # (N, 32, 32)
    shifts = rng.integers(-3, 4, (n, 2))
    big = np.stack([np.roll(b, tuple(d), axis=(0, 1)) for b, d in zip(big, shifts, strict=True)])
    ink = rng.uniform(0.0, 1.0, (n, 3))
    paper = rng.uniform(0.0, 1.0, (n, 3))
    faint = np.abs(ink - paper).mean(axis=1) < 0.3  # too little contrast: the opposite colour
    paper[faint] = 1.0 - ink[faint]
    x = paper[:, :, None, None] + (ink - paper)[:, :, None, None] * big[:, None]
    x += rng.normal(0.0, 0.08, x.shape)
    return np.round(np.clip(x, 0.0, 1.0) * 255.0).astype(np.uint8)


# --- layers with their gradients ---------------------------------------------------------------


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def patches(x: np.ndarray, k: int = 3) -> np.ndarray:
    """(N, C, H, W) -> (N, H, W, C*k*k) of k x k windows, zero padding k // 2 (ONNX order)."""
    n, c, h, w = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    cols = np.stack([p[:, :, i : i + h, j : j + w] for i in range(k) for j in range(k)], axis=2)
    return cols.reshape(n, c * k * k, h, w).transpose(0, 2, 3, 1)


def conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Conv 3x3 'same' in NCHW, ``w`` (out, in, 3, 3): the output and the patches."""
    cols = patches(x)
    y = cols @ w.reshape(w.shape[0], -1).T + b
    return y.transpose(0, 3, 1, 2), cols


def conv_backward(dy, cols, w, x_shape):
    n, c, h, wd = x_shape
    dy_rows = dy.transpose(0, 2, 3, 1).reshape(-1, w.shape[0])
    dw = (dy_rows.T @ cols.reshape(-1, cols.shape[-1])).reshape(w.shape)
    db = dy_rows.sum(axis=0)
    dcols = (dy_rows @ w.reshape(w.shape[0], -1)).reshape(n, h, wd, c, 3, 3)
    dx = np.zeros((n, c, h + 2, wd + 2), dtype=dy.dtype)
    for i in range(3):
        for j in range(3):
            dx[:, :, i : i + h, j : j + wd] += dcols[:, :, :, :, i, j].transpose(0, 3, 1, 2)
    return dx[:, :, 1:-1, 1:-1], dw, db


def maxpool(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).transpose(0, 1, 2, 4, 3, 5)
    windows = windows.reshape(n, c, h // 2, w // 2, 4)
    arg = windows.argmax(axis=-1)
    return np.take_along_axis(windows, arg[..., None], -1)[..., 0], arg


def maxpool_backward(dy: np.ndarray, arg: np.ndarray) -> np.ndarray:
    n, c, h2, w2 = dy.shape
    d = np.zeros((n, c, h2, w2, 4), dtype=dy.dtype)
    np.put_along_axis(d, arg[..., None], dy[..., None], -1)
    d = d.reshape(n, c, h2, w2, 2, 2).transpose(0, 1, 2, 4, 3, 5)
    return d.reshape(n, c, h2 * 2, w2 * 2)


class Adam:
    def __init__(self, params: dict[str, np.ndarray], rate: float) -> None:
        self.params, self.rate, self.t = params, rate, 0
        self.m = {k: np.zeros_like(v) for k, v in params.items()}
        self.v = {k: np.zeros_like(v) for k, v in params.items()}

    def step(self, grads: dict[str, np.ndarray]) -> None:
        self.t += 1
        for k, g in grads.items():
            self.m[k] = 0.9 * self.m[k] + 0.1 * g
            self.v[k] = 0.999 * self.v[k] + 0.001 * g * g
            m_hat = self.m[k] / (1 - 0.9**self.t)
            v_hat = self.v[k] / (1 - 0.999**self.t)
            self.params[k] -= self.rate * m_hat / (np.sqrt(v_hat) + 1e-8)


# --- the two models ---------------------------------------------------------------------------


def mlp_forward(p: dict[str, np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    """Activations of each layer, the logits last."""
    out = [x]
    for i in range(4):
        z = out[-1] @ p[f"w{i}"] + p[f"b{i}"]
        out.append(np.maximum(z, 0.0) if i < 3 else z)
    return out


def train_mlp(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    sizes = (16, 64, 32, 32, 5)
    p = {}
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        p[f"w{i}"] = rng.normal(0.0, np.sqrt(2.0 / a), (a, b)).astype(np.float32)
        p[f"b{i}"] = np.zeros(b, np.float32)
    adam = Adam(p, 2e-3)
    onehot = np.eye(5, dtype=np.float32)[y]
    for epoch in range(12):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 256):
            idx = order[start : start + 256]
            acts = mlp_forward(p, x[idx])
            delta = (softmax(acts[-1]) - onehot[idx]) / len(idx)
            grads = {}
            for i in range(3, -1, -1):
                grads[f"w{i}"] = acts[i].T @ delta
                grads[f"b{i}"] = delta.sum(axis=0)
                delta = (delta @ p[f"w{i}"].T) * (acts[i] > 0)
            adam.step(grads)
        if epoch == 8:
            adam.rate /= 4
    return p


def cnn_forward(p, x):
    """Blocks Conv 3x3 'same' - ReLU - MaxPool 2 (weights k1, c1, k2, ...), then Dense."""
    cache, h = [], x
    for i in itertools.count(1):
        if f"k{i}" not in p:
            break
        c, cols = conv(h, p[f"k{i}"], p[f"c{i}"])
        r = np.maximum(c, 0.0)
        m, arg = maxpool(r)
        cache.append((h, cols, r, arg))
        h = m
    flat = h.reshape(len(x), -1)
    return flat @ p["w"] + p["b"], (cache, h, flat)


def train_cnn(
    x: np.ndarray,
    y: np.ndarray,
    rng: np.random.Generator,
    channels: tuple[int, ...] = (8, 16),
    epochs: int = 40,
    rate: float = 3e-3,
) -> dict[str, np.ndarray]:
    p = {}
    for i, (a, b) in enumerate(itertools.pairwise((x.shape[1], *channels)), 1):
        p[f"k{i}"] = rng.normal(0.0, np.sqrt(2.0 / (a * 9)), (b, a, 3, 3))
        p[f"c{i}"] = np.zeros(b)
    flat = channels[-1] * (x.shape[2] >> len(channels)) * (x.shape[3] >> len(channels))
    p["w"] = rng.normal(0.0, np.sqrt(2.0 / flat), (flat, 10))
    p["b"] = np.zeros(10)
    p = {k: v.astype(np.float32) for k, v in p.items()}
    adam = Adam(p, rate)
    onehot = np.eye(10, dtype=np.float32)[y]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 64):
            idx = order[start : start + 64]
            logits, (cache, last, flat_x) = cnn_forward(p, x[idx])
            delta = (softmax(logits) - onehot[idx]) / len(idx)
            grads = {"w": flat_x.T @ delta, "b": delta.sum(axis=0)}
            d = (delta @ p["w"].T).reshape(last.shape)
            for i in range(len(cache), 0, -1):
                h, cols, r, arg = cache[i - 1]
                d = maxpool_backward(d, arg) * (r > 0)
                d, grads[f"k{i}"], grads[f"c{i}"] = conv_backward(d, cols, p[f"k{i}"], h.shape)
            adam.step(grads)
    return p


def fixed_point_headroom(p: dict[str, np.ndarray], x: np.ndarray, peak: float = 8.0) -> None:
    """Rescale a trained CNN in place so that every ReLU output on ``x`` peaks near ``peak``
    and the logits near ``2 * peak``, leaving room in ap_fixed<16,6>. A ReLU network is
    positively homogeneous: a block's kernel and bias times ``s`` and the next kernel over
    ``s`` compute the same function, and the logits over ``s`` keep every argmax (they sharpen
    or soften the softmax only)."""
    blocks = sum(1 for k in p if k.startswith("k"))
    for i in range(1, blocks + 1):
        _, (cache, _, _) = cnn_forward(p, x)
        s = np.float32(peak / float(cache[i - 1][2].max()))
        p[f"k{i}"] *= s
        p[f"c{i}"] *= s
        p[f"k{i + 1}" if i < blocks else "w"] /= s
    logits, _ = cnn_forward(p, x)
    shrink = np.float32(2.0 * peak / float(np.abs(logits).max()))
    p["w"] *= shrink
    p["b"] *= shrink


# --- ONNX -------------------------------------------------------------------------------------


def _model(nodes, inputs, outputs, weights: dict[str, np.ndarray], name: str) -> onnx.ModelProto:
    initializers = [numpy_helper.from_array(v.astype(np.float32), k) for k, v in weights.items()]
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 13)],
        producer_name="hlsfx scripts/train_examples.py",
    )
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def mlp_onnx(p: dict[str, np.ndarray]) -> onnx.ModelProto:
    nodes, x = [], "input"
    for i in range(4):
        nodes.append(
            helper.make_node(
                "Gemm", [x, f"w{i}", f"b{i}"], [f"dense_{i + 1}"], name=f"dense_{i + 1}"
            )
        )
        x = f"dense_{i + 1}"
        if i < 3:
            nodes.append(helper.make_node("Relu", [x], [f"relu_{i + 1}"], name=f"relu_{i + 1}"))
            x = f"relu_{i + 1}"
    nodes.append(helper.make_node("Softmax", [x], ["output"], name="softmax", axis=-1))
    return _model(
        nodes,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 16])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 5])],
        p,
        "jet_mlp",
    )


def cnn_onnx(p: dict[str, np.ndarray], name: str, shape: tuple[int, int, int]) -> onnx.ModelProto:
    pads = {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}
    pool = {"kernel_shape": [2, 2], "strides": [2, 2]}
    nodes, x = [], "input"
    for i in itertools.count(1):
        if f"k{i}" not in p:
            break
        nodes += [
            helper.make_node(
                "Conv", [x, f"k{i}", f"c{i}"], [f"conv_{i}"], name=f"conv_{i}", **pads
            ),
            helper.make_node("Relu", [f"conv_{i}"], [f"relu_{i}"], name=f"relu_{i}"),
            helper.make_node("MaxPool", [f"relu_{i}"], [f"pool_{i}"], name=f"pool_{i}", **pool),
        ]
        x = f"pool_{i}"
    nodes += [
        helper.make_node("Flatten", [x], ["flatten"], name="flatten"),
        helper.make_node("Gemm", ["flatten", "w", "b"], ["dense"], name="dense"),
        helper.make_node("Softmax", ["dense"], ["output"], name="softmax", axis=-1),
    ]
    return _model(
        nodes,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *shape])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 10])],
        p,
        name,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "core" / "examples")
    parser.add_argument("--jet-test", type=int, default=100_000, help="jet test samples kept")
    parser.add_argument(
        "--only",
        choices=("svhn_like_cnn",),
        help="train this example alone (its seeds are its own)",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    rng = np.random.default_rng(2026)  # jet_mlp, then digits_cnn, as they were first made
    if args.only is None:
        x, y = jet_data(300_000 + args.jet_test, rng)
        train = slice(0, 300_000)
        mean, std = x[train].mean(axis=0), x[train].std(axis=0)
        x = ((x - mean) / std).astype(np.float16).astype(np.float32)  # as the test data are kept
        p = train_mlp(x[train], y[train], rng)
        x_test, y_test = x[300_000:], y[300_000:]
        accuracy = float((mlp_forward(p, x_test)[-1].argmax(axis=1) == y_test).mean())
        onnx.save(mlp_onnx(p), args.out / "jet_mlp.onnx")
        np.savez_compressed(
            args.out / "jet_mlp.npz",
            x_test=x_test.astype(np.float16),
            y_test=y_test.astype(np.uint8),
        )
        print(f"jet_mlp: float accuracy {accuracy:.4f} on {len(y_test)} test jets")

    images, labels = digits_data()
    order = np.random.default_rng(7).permutation(len(images))
    train_idx, test_idx = order[:1400], order[1400:]
    if args.only is None:
        p = train_cnn(images[train_idx], labels[train_idx], rng)
        logits, _ = cnn_forward(p, images[test_idx])
        accuracy = float((logits.argmax(axis=1) == labels[test_idx]).mean())
        onnx.save(cnn_onnx(p, "digits_cnn", (1, 8, 8)), args.out / "digits_cnn.onnx")
        np.savez_compressed(
            args.out / "digits_cnn.npz",
            x_test=images[test_idx],
            y_test=labels[test_idx].astype(np.uint8),
        )
        print(f"digits_cnn: float accuracy {accuracy:.4f} on {len(test_idx)} test images")

    if args.only in (None, "svhn_like_cnn"):
        colours = np.random.default_rng(32)
        train_x = np.concatenate([coloured_digits(images[train_idx], colours) for _ in range(3)])
        train_y = np.tile(labels[train_idx], 3)
        test_x = coloured_digits(images[test_idx], colours)
        p = train_cnn(
            train_x / np.float32(255),
            train_y,
            np.random.default_rng(3232),
            channels=(8, 16, 16),
            epochs=24,
            rate=2e-3,
        )
        fixed_point_headroom(p, train_x[:1000] / np.float32(255))
        logits, _ = cnn_forward(p, test_x / np.float32(255))
        accuracy = float((logits.argmax(axis=1) == labels[test_idx]).mean())
        onnx.save(cnn_onnx(p, "svhn_like_cnn", (3, 32, 32)), args.out / "svhn_like_cnn.onnx")
        np.savez_compressed(
            args.out / "svhn_like_cnn.npz", x_test=test_x, y_test=labels[test_idx].astype(np.uint8)
        )
        print(f"svhn_like_cnn: float accuracy {accuracy:.4f} on {len(test_idx)} test images")


if __name__ == "__main__":
    main()
