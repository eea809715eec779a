"""Sizes are checked before any work, with the limit in the message; options that would change
nothing, empty scans and damaged files are errors naming what is wrong (codegen/rtl/parallel.py,
codegen/strategies.py, core/ir/kinds/__init__.py, core/numerics/config.py,
core/ir/structured_text.py, core/cli/main.py, core/explore/scan.py)."""

from __future__ import annotations

import time

import numpy as np
import onnx
import pytest
from conftest import run_cli
from onnx import TensorProto, helper

import hlsfx
from hlsfx.codegen.strategies import MAX_DISTRIBUTED_DIGITS
from hlsfx.explore.estimate import estimate
from hlsfx.explore.scan import grid
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, GraphError, Layer
from hlsfx.ir.windows import MAX_PATCH_INDEX


def _dense(n_in=4, n_out=3, precision="ap_fixed<10,4>", **roles):
    rng = np.random.default_rng(1)
    params = {"weight": rng.normal(0, 0.5, (n_in, n_out)), "bias": rng.normal(0, 0.5, n_out)}
    layers = (Layer("fc1", kinds.DENSE, ["x"], "h", params=params),
              Layer("act", kinds.RELU, ["h"], "y"))  # fmt: skip
    graph = Graph(("x",), ("y",), layers, {"x": (n_in,), "h": (n_out,), "y": (n_out,)})
    return hlsfx.configure(graph, precision, roles=roles)


def test_a_reuse_factor_beyond_the_layer_s_multiplications_is_refused_at_once(tmp_path):
    qm = _dense()
    began = time.perf_counter()
    for reuse in (10**9, 13, {"fc1": 10**9}):
        with pytest.raises(ValueError, match=r"'fc1'.*reuse factor .* is more than its 12 mult"):
            qm.write_rtl(tmp_path / "rtl", reuse_factor=reuse)
    assert time.perf_counter() - began < 60  # it hung before (a shift register of R bits)
    assert not (tmp_path / "rtl").exists()
    assert (qm.write_rtl(tmp_path / "rtl", reuse_factor=12) / "myproject.v").is_file()


def test_a_distributed_layer_of_too_many_weight_digits_is_refused_before_any_work(tmp_path):
    qm = _dense(128, 128, weight="ap_fixed<500,10>", accum="ap_fixed<64,30>")
    for write in (qm.write_rtl, qm.write_hls):
        with pytest.raises(ValueError, match=rf"'fc1'.*over the {MAX_DISTRIBUTED_DIGITS:,} it"):
            write(tmp_path / "out", strategy="distributed")
    with pytest.raises(ValueError, match=r"'fc1'.*signed digits"):
        estimate(qm, strategy="distributed")
    assert not (tmp_path / "out").exists()


def test_a_window_index_too_large_is_refused_before_it_is_built():
    window = {"kernel": (3, 3), "strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)}
    conv = Layer("conv", kinds.CONV2D, ["x"], "y", attrs=window,
                 params={"weight": np.ones((3, 3, 1, 1)), "bias": np.zeros(1)})  # fmt: skip
    graph = Graph(("x",), ("y",), (conv,), {"x": (4096, 4096, 1), "y": (4096, 4096, 1)})
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    with pytest.raises(ValueError, match=rf"'conv'.*over the {MAX_PATCH_INDEX:,} hlsfx builds"):
        qm.predict(np.zeros((1, 4096, 4096, 1)))


def test_max_adder_depth_where_it_changes_nothing_is_an_error(tmp_path):
    qm = _dense()
    with pytest.raises(ValueError, match="no layer is distributed"):
        qm.write_rtl(tmp_path / "a", strategy="latency", max_adder_depth=3)
    with pytest.raises(ValueError, match="io_stream layers use multipliers"):
        qm.write_rtl(tmp_path / "b", io_type="io_stream", max_adder_depth=3)
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    rtl = qm.write_rtl(tmp_path / "c", strategy="distributed", max_adder_depth=2)
    assert '"max_adder_depth": 2' in (rtl / "interface.json").read_text()
    out = str(tmp_path / "r")
    for args in (["convert", "jet_mlp", "--hls", str(tmp_path / "h"), "--strategy",
                  "distributed", "--max-adder-depth", "3"],
                 ["rtl", "jet_mlp", "--out", out, "--io", "stream", "--strategy", "distributed",
                  "--max-adder-depth", "3"],
                 ["rtl", "jet_mlp", "--out", out, "--max-adder-depth", "3"]):  # fmt: skip
        done = run_cli(*args)
        assert done.returncode == 2 and "--max-adder-depth sets the pipeline" in done.stderr, args


@pytest.mark.parametrize(
    "widths, integer, message",
    [
        ("16:4", "auto", "gives no width of 1 bit or more"),
        ("4:8:2", "auto", "is not 'low:high' or a list"),
        ("a,b", "auto", "is not 'low:high' or a list"),
        ("0:2", "auto", "gives no width of 1 bit or more"),
        ("4:8", "99999", "the scan has no point"),
        ("4:8", "x", "--integer 'x' is not 'auto' or a list"),
    ],
)
def test_an_empty_or_malformed_scan_is_refused(widths, integer, message, tmp_path):
    done = run_cli("scan", "jet_mlp", "--widths", widths, "--integer", integer, "--out",
                   str(tmp_path / "scan"), "--quiet")  # fmt: skip
    assert done.returncode == 2 and message in done.stderr, done.stderr
    assert not list(tmp_path.iterdir())
    with pytest.raises(ValueError, match="the scan has no point"):
        grid([4, 6], [99])


@pytest.mark.parametrize("size", [0, -4, 3, True, 2.0])
@pytest.mark.parametrize("numerics", ["hlsfx", "hls4ml"])
def test_a_table_size_that_is_not_a_power_of_two_is_named(size, numerics):
    layer = Layer("soft", kinds.SOFTMAX, ["x"], "y")
    graph = Graph(("x",), ("y",), (layer,), {"x": (4,), "y": (4,)})
    with pytest.raises(ValueError, match=r"'soft'.*exp_table_size must be a power of two of at"):
        hlsfx.configure(graph, "ap_fixed<8,3>", layers={"soft": {"exp_table_size": size}},
                        numerics=numerics)  # fmt: skip


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_a_deeply_nested_or_undecodable_configuration_names_the_file(suffix, tmp_path):
    path = tmp_path / f"deep{suffix}"
    path.write_text("[" * 100_000 + "]" * 100_000)
    qm = _dense()
    with pytest.raises(ValueError, match=rf"deep{suffix}' is not valid .*: nested too deeply"):
        hlsfx.configure(qm.graph, config=path)
    path.write_bytes(b"\xff\xfe\x00 not text")
    with pytest.raises(ValueError, match=rf"cannot read the configuration .*deep{suffix}"):
        hlsfx.configure(qm.graph, config=path)


def test_a_data_file_that_is_not_numpy_names_the_file(tmp_path):
    path = tmp_path / "data.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    done = run_cli("predict", "jet_mlp", "--data", str(path))
    assert done.returncode == 2 and f"--data {str(path)!r} is not a NumPy" in done.stderr
    np.savez(path, x=np.array([object()], dtype=object))  # a pickle is never loaded
    done = run_cli("predict", "jet_mlp", "--data", str(path))
    assert done.returncode == 2 and f"--data {str(path)!r} is not a NumPy" in done.stderr


@pytest.mark.parametrize("op", ["MaxPool", "AveragePool"])
@pytest.mark.parametrize("attrs", [{"kernel_shape": [0, 0]}, {"kernel_shape": [2, 2],
                                                              "strides": [0, 1]}])  # fmt: skip
def test_an_onnx_pooling_of_size_or_stride_zero_is_refused_naming_the_node(op, attrs, tmp_path):
    node = helper.make_node(op, ["x"], ["y"], name="pool0", **attrs)
    model = helper.make_model(helper.make_graph(
        [node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    ), opset_imports=[helper.make_opsetid("", 13)], ir_version=8)  # fmt: skip
    onnx.save(model, tmp_path / "pool.onnx")
    with pytest.raises(GraphError, match=r"pool0.*(kernel|strides) .* of at least 1"):
        hlsfx.load(tmp_path / "pool.onnx")


@pytest.mark.csim
@pytest.mark.parametrize("width", [997, 998, 1000])
def test_constants_as_wide_as_the_emulator_takes_c_simulate_equal(width, tmp_path,
                                                                  ap_types_dir, gxx):  # fmt: skip
    """ap_fixed's string constructor reads a constant through 27 more bits than it has, over
    the headers' default bound of 1024 from 998 bits: the project raises the bound."""
    from hlsfx.codegen.csim import csim

    qm = _dense(weight=f"ap_fixed<{width},40>", bias=f"ap_fixed<{width},40>",
                accum="ap_fixed<64,30>")  # fmt: skip
    project = qm.write_hls(tmp_path / "prj", vectors=50)
    result = csim(project, ap_types=ap_types_dir)
    assert result.passed and result.samples == 50, result.log[-2000:]
    bound = "#define AP_INT_MAX_W 2048" in (project / "firmware" / "defines.h").read_text()
    assert bound == (width >= 998)


def test_a_stream_design_of_a_huge_convolution_is_refused_before_its_index_is_built(tmp_path):
    window = {"kernel": (3, 3), "strides": (1, 1), "dilations": (1, 1), "pads": (1, 1, 1, 1)}
    conv = Layer("conv", kinds.CONV2D, ["x"], "y", attrs=window,
                 params={"weight": np.ones((3, 3, 1, 1)), "bias": np.zeros(1)})  # fmt: skip
    graph = Graph(("x",), ("y",), (conv,), {"x": (4096, 4096, 1), "y": (4096, 4096, 1)})
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    for write in (qm.write_hls, qm.write_rtl):
        with pytest.raises(ValueError, match=r"'conv'.*over the .* hlsfx builds"):
            write(tmp_path / "out", io_type="io_stream", vectors=1)
    assert not (tmp_path / "out").exists()
