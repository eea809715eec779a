"""Hostile and careless input to the frontends, the configuration, the emulator and the command
line: every malformed input is an error that names the place, nothing is accepted silently, and
memory and threads stay bounded (the frontends run under a memory limit here)."""

from __future__ import annotations

import copy
import json
import os
import resource
import shutil
import subprocess
import sys
import textwrap
import threading
import tracemalloc
import zipfile

import h5py
import numpy as np
import onnx
import pytest
from conftest import fixture, run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hlsfx
from hlsfx.ir import kinds
from hlsfx.ir.graph import Graph, GraphError, Layer

MEMORY_LIMIT = 3 << 30
"""address space a frontend gets in these tests (bytes)"""


def _limited(code: str, tmp_path) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python under :data:`MEMORY_LIMIT` of address space."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))

    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, capture_output=True,
        text=True, preexec_fn=limit, timeout=300,
    )  # fmt: skip


# -- Keras ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras_1layer():
    return json.loads(fixture("keras/KERAS_1layer.json").read_text())


def _load_config(config, tmp_path, weights=None):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(config))
    return hlsfx.load(path, weights=weights or fixture("keras/KERAS_1layer_weights.h5"))


def _break(config, how):
    broken = copy.deepcopy(config)
    layers = broken["config"]["layers"]
    if how == "list":
        return [broken]
    if how == "null":
        return None
    if how == "no class_name":
        del layers[1]["class_name"]
    elif how == "no inbound_nodes":
        del layers[1]["inbound_nodes"]
    elif how == "unknown inbound":
        layers[1]["inbound_nodes"][0][0][0] = "ghost"
    elif how == "duplicate":
        layers[2]["config"]["name"] = layers[1]["config"]["name"]
        layers[2]["name"] = layers[1]["name"]
    elif how == "layers {}":
        broken["config"]["layers"] = {}
    elif how == "config a string":
        broken["config"] = "layers"
    elif how == "bad shape":
        layers[0]["config"]["batch_input_shape"] = [None, "ten"]
    elif how == "unknown output":
        broken["config"]["output_layers"] = [["ghost", 0, 0]]
    elif how == "inbound a number":
        layers[1]["inbound_nodes"] = [[7]]
    return broken


@pytest.mark.parametrize(
    "how, message",
    [
        ("list", "the model config must be an object"),
        ("null", "the model config must be an object, not None"),
        ("no class_name", "layer 1 has no class_name"),
        ("no inbound_nodes", "layer 'fc1_relu' .* has no list of inbound_nodes"),
        ("unknown inbound", "Keras layer 'fc1_relu' .* reads 'ghost', which is no earlier layer"),
        ("duplicate", "two layers are named 'fc1_relu'"),
        ("layers {}", "'layers' must be a non-empty list"),
        ("config a string", "the model's config must be an object"),
        ("bad shape", "shape .* is not a list of sizes"),
        ("unknown output", "output_layers names 'ghost', which is no layer"),
        ("inbound a number", "Keras layer 'fc1_relu' .* inbound_nodes are malformed"),
    ],
)
def test_a_malformed_keras_config_is_an_error_naming_the_place(
    how, message, keras_1layer, tmp_path
):
    with pytest.raises(GraphError, match=message):
        _load_config(_break(keras_1layer, how), tmp_path)


def test_a_keras_h5_whose_model_config_is_not_json_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    shutil.copyfile(fixture("keras/KERAS_1layer_weights.h5"), path)
    with h5py.File(path, "a") as h5:
        h5.attrs["model_config"] = 7
    with pytest.raises(GraphError, match=r"model_config is a .*, not JSON"):
        hlsfx.load(path)


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.floats(allow_nan=True)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_random_damage_to_a_keras_config_never_escapes_as_a_crash(data, keras_1layer, tmp_path):
    """Replace or delete one value anywhere in the config: the load works or raises
    GraphError/ValueError, never KeyError, TypeError, IndexError or AttributeError."""
    config = copy.deepcopy(keras_1layer)
    paths = []

    def walk(node, path):
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = enumerate(node)
        else:
            return
        for key, value in items:
            paths.append((*path, key))
            walk(value, (*path, key))

    walk(config, ())
    target = data.draw(st.sampled_from(paths))
    parent = config
    for key in target[:-1]:
        parent = parent[key]
    if isinstance(parent, dict) and data.draw(st.booleans()):
        del parent[target[-1]]
    else:
        parent[target[-1]] = data.draw(_json)
    try:
        _load_config(config, tmp_path)
    except (GraphError, ValueError):
        pass


def test_keras_weights_no_layer_uses_are_never_read(tmp_path):
    """A 8 GB dataset no layer uses sits in the weights file: the load, under a 3 GB limit,
    does not touch it; a used array past the size cap is refused by name."""
    weights = tmp_path / "weights.h5"
    shutil.copyfile(fixture("keras/KERAS_1layer_weights.h5"), weights)
    with h5py.File(weights, "a") as h5:
        h5.create_dataset("unused/huge", shape=(1 << 30,), dtype="f8")  # unallocated: no data
    shutil.copyfile(fixture("keras/KERAS_1layer.json"), tmp_path / "model.json")
    done = _limited(
        """
        import hlsfx
        graph = hlsfx.load("model.json", weights="weights.h5")
        print(len(graph.layers))
        """,
        tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    with h5py.File(weights, "a") as h5:
        del h5["fc1_relu/fc1_relu/kernel:0"]
        h5.create_dataset("fc1_relu/fc1_relu/kernel:0", shape=(1 << 28, 4), dtype="f8")
    done = _limited(
        """
        import hlsfx
        hlsfx.load("model.json", weights="weights.h5")
        """,
        tmp_path,
    )
    assert done.returncode == 1
    assert "the weights of layer 'fc1_relu', 'fc1_relu/kernel:0' holds 8,589,934,592 bytes" in (
        done.stderr
    )


def test_a_keras_archive_is_read_as_a_stream_with_its_members_checked(tmp_path, monkeypatch):
    from hlsfx.frontends.keras import files as keras_files

    config = json.loads(fixture("keras/KERAS_1layer.json").read_text())
    archive = tmp_path / "model.keras"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", json.dumps(config))
        zf.write(fixture("keras/KERAS_1layer_weights.h5"), "model.weights.h5")
    assert len(hlsfx.load(archive).layers) >= 2
    monkeypatch.setattr(keras_files, "MAX_CONFIG_BYTES", 100)
    with pytest.raises(GraphError, match=r"config\.json is over 100 bytes"):
        hlsfx.load(archive)
    with zipfile.ZipFile(tmp_path / "empty.keras", "w") as zf:
        zf.writestr("config.json", "{}")
    with pytest.raises(GraphError, match=r"the archive has no model\.weights\.h5"):
        hlsfx.load(tmp_path / "empty.keras")


# -- ONNX -----------------------------------------------------------------------------------


def test_an_onnx_model_without_an_onnx_opset_is_refused(tmp_path):
    model = onnx.load(fixture("onnx/three_layer_keras.onnx"))
    del model.opset_import[:]
    with pytest.raises(GraphError, match="declares no opset of the ONNX domain"):
        hlsfx.load(model)


FUZZED_ONNX = ["onnx/three_layer_keras.onnx", "onnx/conv1d_small_keras.onnx",
               "onnx/conv2d_small_keras.onnx", "qonnx/qkeras_jettagging.onnx"]  # fmt: skip


def _damage(model, rng) -> None:
    """One random fault: an attribute's value, a node's input, an initializer's values or
    type, a node removed, an input dimension, or a node's op."""
    g = model.graph
    node = rng.choice(g.node)
    choice = rng.randrange(6)
    if choice == 0 and node.attribute:
        a = rng.choice(node.attribute)
        if a.type == onnx.AttributeProto.INTS:
            del a.ints[:]
            a.ints.extend(rng.randint(-3, 9) for _ in range(rng.randint(0, 4)))
        elif a.type == onnx.AttributeProto.INT:
            a.i = rng.randint(-5, 9)
        elif a.type == onnx.AttributeProto.FLOAT:
            a.f = rng.choice([float("nan"), float("inf"), -1.0, 0.0, 1e30])
        elif a.type == onnx.AttributeProto.STRING:
            a.s = rng.choice([b"", b"x", b"SAME_UPPER"])
    elif choice == 1 and node.input:
        node.input[rng.randrange(len(node.input))] = rng.choice(["", "ghost", node.input[0]])
    elif choice == 2 and g.initializer:
        init = rng.choice(g.initializer)
        a = onnx.numpy_helper.to_array(init).reshape(-1)
        new = rng.choice([a[: max(0, a.size - 1)], np.zeros(0), a * np.nan, a.astype(np.int64)])
        init.CopyFrom(onnx.numpy_helper.from_array(np.asarray(new), init.name))
    elif choice == 3:
        g.node.remove(node)
    elif choice == 4 and len(g.input[0].type.tensor_type.shape.dim) > 1:
        dims = g.input[0].type.tensor_type.shape.dim
        dims[rng.randrange(1, len(dims))].dim_value = rng.choice([0, 1, 3, 10**9])
    else:
        node.op_type = rng.choice(["Gemm", "MatMul", "Conv", "Relu", "Add", "Reshape",
                                   "Transpose", "Softmax", "Concat", "Flatten"])  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(which=st.sampled_from(FUZZED_ONNX), rng=st.randoms(use_true_random=False),
       faults=st.integers(1, 2))  # fmt: skip
def test_random_damage_to_an_onnx_model_never_escapes_as_a_crash(which, rng, faults):
    model = onnx.load(fixture(which))
    for _ in range(faults):
        _damage(model, rng)
    try:
        hlsfx.load(model)
    except (GraphError, ValueError):
        pass


def test_the_frontend_tests_pass_under_a_memory_limit(tmp_path):
    """The Keras and ONNX tests above again, in a process whose address space is limited, so
    a reader that swallows a file whole fails here instead of swapping."""
    if os.environ.get("HLSFX_MEMORY_LIMITED"):
        pytest.skip("already running under the limit")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k",
         "keras or onnx"],
        capture_output=True, text=True, timeout=900, cwd=os.path.dirname(__file__),
        env={**os.environ, "HLSFX_MEMORY_LIMITED": "1"},
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT)),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout


# -- configuration --------------------------------------------------------------------------


def _small_graph(kind=kinds.SOFTMAX):
    rng = np.random.default_rng(0)
    params = {"weight": rng.normal(0, 0.5, (4, 3)), "bias": rng.normal(0, 0.5, 3)}
    layers = (Layer("fc", kinds.DENSE, ["x"], "h", params=params), Layer("out", kind, ["h"], "y"))
    return Graph(("x",), ("y",), layers, {"x": (4,), "h": (3,), "y": (3,)})


@pytest.mark.parametrize(
    "options, message",
    [
        ({"roles": {"wieght": "ap_fixed<8,2>"}}, "roles: unknown setting 'wieght'"),
        ({"roles": ["weight"]}, "roles must be a mapping"),
        ({"layers": {"fc": "ap_fixed<8,2>"}}, "layers: 'fc' must be a mapping"),
        ({"kinds": {"Dense": None}}, "kinds: 'Dense' must be a mapping"),
        ({"layers": {"out": {"exp_table_range": 8}}}, r"exp_table_range must be \[lo, hi\]"),
        ({"layers": {"out": {"exp_table_range": [0, float("inf")]}}}, "two finite numbers"),
        ({"layers": {"out": {"exp_table_range": [-float("inf"), 0]}}}, "two finite numbers"),
        ({"layers": {"out": {"exp_table_range": [1, 1]}}}, "is empty"),
        ({"layers": {"out": {"exp_table_range": "0,8"}}}, r"must be \[lo, hi\]"),
        ({"layers": {"out": {"exp_table_size": 1 << 30}}}, "over the largest table"),
    ],
)
def test_configuration_settings_are_checked(options, message):
    with pytest.raises(ValueError, match=message):
        hlsfx.configure(_small_graph(), "ap_fixed<12,4>", **options)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda c: c.pop("inputs"), "'inputs' is missing"),
        (lambda c: c.__setitem__("layers", ["fc"]), "'layers' must map names to settings"),
        (lambda c: c.__setitem__("extra", 1), "unknown key 'extra'"),
        (lambda c: c["layers"].__setitem__("fc", 3), "the settings of layer 'fc' must be"),
        (lambda c: c.__setitem__("hlsfx_config", 2), "is not an hlsfx configuration"),
    ],
)
def test_a_damaged_configuration_file_is_refused(change, message, tmp_path):
    qm = hlsfx.configure(_small_graph(), "ap_fixed<12,4>")
    path = qm.save_config(tmp_path / "c.json")
    saved = json.loads(path.read_text())
    change(saved)
    path.write_text(json.dumps(saved))
    with pytest.raises(ValueError, match=message):
        hlsfx.configure(qm.graph, config=path)
    with pytest.raises(ValueError, match=message):
        hlsfx.configure(qm.graph, config=saved)


# -- the emulator ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return hlsfx.configure(_small_graph(kinds.RELU), "ap_fixed<12,4>")


def test_inputs_that_would_lose_information_are_refused(small):
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match="dtype complex128 cannot be quantized"):
        small.predict(x + 1j)
    with pytest.raises(ValueError, match="masked array"):
        small.predict(np.ma.masked_array(x, mask=x > 0))
    with pytest.raises(ValueError, match="dtype object"):
        small.predict(x.astype(object))
    with pytest.raises(ValueError, match="no input 'z'"):
        small.predict({"x": x, "z": x})
    with pytest.raises(ValueError, match="raw codes must be integers"):
        small.predict_codes({"x": x})


def test_an_empty_batch_gives_empty_results_of_the_right_shape(small):
    assert small.predict(np.zeros((0, 4))).shape == (0, 3)
    assert small.predict(np.zeros((0, 4)), raw=True).dtype == np.int64
    traced = small.trace(np.zeros((0, 4)))
    assert {k: v.shape for k, v in traced.items()} == {"fc": (0, 3), "out": (0, 3)}
    assert small.overflow_report(np.zeros((0, 4))).samples == 0


def test_predict_converts_its_input_chunk_by_chunk(small):
    """1 M float32 samples (16 MB): predict adds its output (24 MB) and chunks, not a float64
    copy of the whole input (32 MB and more) before emulating."""
    x = np.random.default_rng(0).normal(size=(1_000_000, 4)).astype(np.float32)
    small.predict(x[:10], threads=1)  # compiled and warm
    tracemalloc.start()
    try:
        y = small.predict(x, raw=True, threads=1)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert y.shape == (1_000_000, 3)
    assert peak < y.nbytes + (12 << 20), f"peak {peak:,} bytes"


def test_threads_are_checked_and_their_pools_bounded(small):
    x = np.zeros((40_000, 4))
    for bad in (0, -1, 1.5, True, 10**6, "2"):
        with pytest.raises(ValueError, match="threads must be an integer from 1 to 256"):
            small.predict(x, threads=bad)
    before = threading.active_count()
    for threads in (2, 3, 4, 5, 6, 7, 8, 2):
        small.predict(x, threads=threads, batch_size=1000)
    assert threading.active_count() <= before + 2 + 1


# -- the command line -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["-1", "0", "x"])
def test_the_command_line_refuses_counts_below_one(value, tmp_path):
    done = run_cli("predict", "jet_mlp", "--samples", value, cwd=tmp_path)
    assert done.returncode == 2
    assert "--samples" in done.stderr
