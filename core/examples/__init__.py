"""Small trained models with labelled test data that ship with hlsfx, for trying things offline.

>>> example = hlsfx.examples.load("jet_mlp")
>>> qm = hlsfx.configure(example.graph, "ap_fixed<16,6>")
>>> accuracy = (qm.predict(example.x_test).argmax(axis=1) == example.y_test).mean()

``scripts/train_examples.py`` made them (numpy training, fixed seeds); it says how."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from hlsfx.ir.graph import Graph

__all__ = ["EXAMPLES", "Example", "load"]


@dataclass(frozen=True)
class ExampleInfo:
    """What an example is: its description, its class names and the float model's test
    accuracy when it was trained."""

    description: str
    classes: tuple[str, ...]
    float_accuracy: float


EXAMPLES: dict[str, ExampleInfo] = {
    "jet_mlp": ExampleInfo(
        "jet-tagging-style MLP 16 -> 64 -> 32 -> 32 -> 5 with softmax, on synthetic jets "
        "(16 substructure-like features, standardised); 100 000 test jets",
        ("g", "q", "W", "Z", "t"),
        0.77942,
    ),
    "digits_cnn": ExampleInfo(
        "CNN on 8x8 handwritten digits (scikit-learn's), input (N, 1, 8, 8) in [0, 1]: "
        "Conv 3x3 (8), ReLU, MaxPool 2, Conv 3x3 (16), ReLU, MaxPool 2, Dense 10, Softmax; "
        "397 test images",
        tuple(str(d) for d in range(10)),
        0.96474,
    ),
    "svhn_like_cnn": ExampleInfo(
        "CNN on 32x32 colour images (SVHN-sized) made from scikit-learn's digits: upsampled, "
        "shifted, painted on a background of another colour, noisy; input (N, 3, 32, 32) in "
        "[0, 1]: (Conv 3x3, ReLU, MaxPool 2) with 8, 16, 16 channels, Dense 10, Softmax; 397 "
        "test images",
        tuple(str(d) for d in range(10)),
        0.83123,
    ),
}


@dataclass(frozen=True)
class Example:
    """A shipped example: the ONNX model's ``path`` (and its ``graph``), test inputs
    ``x_test`` in the model's layout and integer labels ``y_test``."""

    name: str
    path: Path
    x_test: np.ndarray
    y_test: np.ndarray
    info: ExampleInfo

    @cached_property
    def graph(self) -> Graph:
        """The model, loaded with :func:`hlsfx.load`."""
        from hlsfx.api import load

        return load(self.path)

    def __iter__(self):
        """``graph, (x_test, y_test) = hlsfx.examples.load(name)``."""
        return iter((self.graph, (self.x_test, self.y_test)))


def load(name: str) -> Example:
    """The shipped example ``name`` (one of :data:`EXAMPLES`), read from the installed
    package: no network."""
    if name not in EXAMPLES:
        raise ValueError(f"no example named {name!r}; the examples are {sorted(EXAMPLES)}")
    folder = resources.files(__name__)
    with np.load(folder / f"{name}.npz") as data:
        x_test = data["x_test"].astype(np.float32)
        if data["x_test"].dtype == np.uint8:  # 8-bit images: the model reads them in [0, 1]
            x_test /= np.float32(255)
        y_test = data["y_test"].astype(np.int64)
    return Example(name, Path(str(folder / f"{name}.onnx")), x_test, y_test, EXAMPLES[name])
