"""The shipped examples: they load from the package with no network, and the float model's
accuracy (onnxruntime) is what training recorded; the emulator at ap_fixed<16,6> keeps it."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import require

import hlsfx


@pytest.mark.parametrize("name", sorted(hlsfx.examples.EXAMPLES))
def test_an_example_loads_with_labelled_test_data_and_its_float_accuracy(name):
    try:
        import onnxruntime
    except ImportError:
        onnxruntime = None
    require(onnxruntime is not None, "onnxruntime", "run scripts/setup.sh test")
    example = hlsfx.examples.load(name)
    graph, (x, y) = example
    assert x.dtype == np.float32 and y.dtype == np.int64 and len(x) == len(y)
    assert set(np.unique(y)) == set(range(len(example.info.classes)))
    session = onnxruntime.InferenceSession(str(example.path))
    reference = session.run(None, {session.get_inputs()[0].name: x})[0]
    float_accuracy = (reference.argmax(axis=1) == y).mean()
    assert float_accuracy == pytest.approx(example.info.float_accuracy, abs=1e-4)
    emulated = hlsfx.configure(graph, "ap_fixed<16,6>").predict(x)
    assert (emulated.argmax(axis=1) == y).mean() > float_accuracy - 0.01


def test_an_unknown_example_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"no example named 'jets'.*'digits_cnn', 'jet_mlp'"):
        hlsfx.examples.load("jets")
