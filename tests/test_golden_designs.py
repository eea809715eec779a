"""Golden texts of whole written designs, one small model per writer family, for both writers
(HLS C++ and Verilog): io_stream, the distributed strategy, lookup-table activations and
softmax (hlsfx's numerics and hls4ml's), a convolution with pooling in both I/O styles. Every
file a writer writes is compared with ``tests/golden/DESIGN/WRITER/``, byte for byte, except
the layer-library headers it copies verbatim from the package.

The texts were reviewed when recorded; the csim and cosim tests prove their bits. After an
intended change to generated code, rewrite them with ``HLSFX_UPDATE_GOLDEN=1 python -m pytest
tests/test_golden_designs.py`` and review the diff."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, Layer

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("HLSFX_UPDATE_GOLDEN") == "1"
LIBRARY = "firmware/hls_src/"


def _weights(seed: int, *shape: int) -> np.ndarray:
    values = np.random.default_rng(seed).integers(-8, 8, shape) / 8.0
    values.reshape(-1)[::4] = 0.0
    return values


def _graph(layers: list[Layer], inputs: dict[str, tuple[int, ...]]) -> Graph:
    shapes = dict(inputs)
    for layer in layers:
        shapes[layer.output] = layer.kind.output_shape(layer, [shapes[t] for t in layer.inputs])
    return Graph(tuple(inputs), (layers[-1].output,), tuple(layers), shapes)


def _dense_relu() -> hlsfx.QuantizedModel:
    layers = [
        Layer("fc", kinds.DENSE, ["x"], "h", params={"weight": _weights(1, 3, 2),
                                                    "bias": _weights(2, 2)}),
        Layer("act", kinds.RELU, ["h"], "y"),
    ]  # fmt: skip
    return hlsfx.configure(_graph(layers, {"x": (3,)}), "ap_fixed<8,3>")


def _tables() -> hlsfx.QuantizedModel:
    layers = [
        Layer("fc", kinds.DENSE, ["x"], "h", params={"weight": _weights(3, 2, 3),
                                                    "bias": _weights(4, 3)}),
        Layer("sig", kinds.SIGMOID, ["h"], "s"),
        Layer("sm", kinds.SOFTMAX, ["s"], "y"),
    ]  # fmt: skip
    return hlsfx.configure(
        _graph(layers, {"x": (2,)}), "ap_fixed<8,3>",
        layers={"sig": {"table_size": 16}, "sm": {"exp_table_size": 16, "inv_table_size": 16}},
    )  # fmt: skip


def _tables_hls4ml() -> hlsfx.QuantizedModel:
    qm = _tables()
    return hlsfx.configure(
        qm.graph, "ap_fixed<8,3>", numerics="hls4ml",
        layers={"sig": {"table_size": 16}, "sm": {"exp_table_size": 16, "inv_table_size": 16}},
    )  # fmt: skip


def _conv_pool() -> hlsfx.QuantizedModel:
    window = {"kernel": [2, 2], "strides": [1, 1], "dilations": [1, 1], "pads": [0, 0, 0, 0]}
    pool = {"kernel": [2, 2], "strides": [2, 2], "dilations": [1, 1], "pads": [0, 0, 0, 0]}
    layers = [
        Layer("conv", kinds.CONV2D, ["x"], "c", attrs=window,
              params={"weight": _weights(5, 2, 2, 1, 2), "bias": _weights(6, 2)}),
        Layer("pool", kinds.MAX_POOL2D, ["c"], "y", attrs=pool),
    ]  # fmt: skip
    return hlsfx.configure(_graph(layers, {"x": (5, 5, 1)}), "ap_fixed<8,3>")


DESIGNS = {
    "dense_stream": (_dense_relu, {"io_type": "io_stream"}),
    "dense_distributed": (_dense_relu, {"strategy": "distributed"}),
    "tables": (_tables, {}),
    "tables_hls4ml": (_tables_hls4ml, {}),
    "conv_pool": (_conv_pool, {}),
    "conv_pool_stream": (_conv_pool, {"io_type": "io_stream"}),
}


def _written(folder: Path) -> dict[str, str]:
    return {
        path.relative_to(folder).as_posix(): path.read_text()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.relative_to(folder).as_posix().startswith(LIBRARY)
    }


@pytest.mark.parametrize("writer", ["hls", "rtl"])
@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_a_written_design_equals_its_golden_text(design, writer, tmp_path):
    make, options = DESIGNS[design]
    qm = make()
    write = qm.write_hls if writer == "hls" else qm.write_rtl
    written = _written(write(tmp_path / "out", vectors=3, **options))
    golden = GOLDEN / design / writer
    if UPDATE:
        shutil.rmtree(golden, ignore_errors=True)
        for name, text in written.items():
            (golden / name).parent.mkdir(parents=True, exist_ok=True)
            (golden / name).write_text(text)
    expected = _written(golden)
    assert sorted(written) == sorted(expected), f"{design}/{writer}: other files written"
    for name, text in written.items():
        assert text == expected[name], f"{design}/{writer}/{name} differs from its golden text"


@pytest.mark.parametrize("design", sorted(DESIGNS))
def test_the_interface_reads_back_into_the_dataclass_that_wrote_it(design):
    """interface.json is one dataclass's JSON: cosim's checked reader gives back the same
    object, and it writes the same text."""
    from hlsfx.codegen.rtl.interface import Interface
    from hlsfx.cosim.interface import load_interface

    folder = GOLDEN / design / "rtl"
    text = (folder / "interface.json").read_text()
    read = load_interface(folder)
    assert isinstance(read, Interface) and read.to_json() == text
    for tensor in (*read.inputs, *read.outputs):
        if read.protocol == "axis":
            assert tensor.stream is not None and not tensor.ports
        else:
            assert sum(port.count for port in tensor.ports) == tensor.size


def test_a_hand_written_fifo_needs_only_its_depth_and_signals():
    """interface.json may name a FIFO by its depth, count and push alone (the tensor and the
    reader are what hlsfx adds for its own FIFOs)."""
    import json

    from hlsfx.cosim.interface import check_interface

    folder = GOLDEN / "conv_pool_stream" / "rtl"
    written = json.loads((folder / "interface.json").read_text())
    written["fifos"] = {
        name: {key: fifo[key] for key in ("depth", "count", "push")}
        for name, fifo in written["fifos"].items()
    }
    read = check_interface(folder, written)
    assert {name: fifo.depth for name, fifo in read.fifos.items()} == {
        name: fifo["depth"] for name, fifo in written["fifos"].items()
    }
    assert all(fifo.tensor is None for fifo in read.fifos.values())
