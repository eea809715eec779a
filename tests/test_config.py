"""Saving and loading the resolved configuration reproduces identical bits."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_emulator import fixture

import hlsfx


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
@pytest.mark.parametrize(
    "relative",
    ["onnx/three_layer_keras.onnx", "onnx/two_layer_keras.onnx", "onnx/conv2d_small_keras.onnx"],
)
def test_a_saved_configuration_reproduces_identical_bits(relative, suffix, tmp_path):
    graph = hlsfx.load(fixture(relative))
    qm = hlsfx.configure(
        graph,
        "ap_fixed<12,5,AP_RND,AP_SAT>",
        roles={"weight": "auto"},
        kinds={"Softmax": {"exp_table_size": 256}, "Sigmoid": {"table_size": 512}},
    )
    path = qm.save_config(tmp_path / f"model{suffix}")
    again = hlsfx.configure(graph, config=path)
    assert again.config() == qm.config() == hlsfx.load_config(path)
    assert "auto" not in path.read_text()
    perm = graph.layout(graph.inputs[0])
    shape = tuple(graph.shapes[graph.inputs[0]][p] for p in perm)
    x = np.random.default_rng(16).normal(0.0, 3.0, (400, *shape))
    assert np.array_equal(again.predict(x, raw=True), qm.predict(x, raw=True))
    for name, p in qm.precisions.items():
        for role, table in p.tables.items():
            rebuilt = again.precisions[name].tables[role]
            assert (rebuilt.lo_code, rebuilt.shift) == (table.lo_code, table.shift)
            assert np.array_equal(rebuilt.entries, table.entries)


def test_explicit_settings_override_a_loaded_configuration(tmp_path):
    graph = hlsfx.load(fixture("onnx/two_layer_keras.onnx"))
    path = hlsfx.configure(graph, "ap_fixed<12,5>").save_config(tmp_path / "c.json")
    name = graph.layers[0].name
    qm = hlsfx.configure(graph, config=path, layers={name: {"result": "ap_fixed<9,4>"}})
    assert str(qm.precisions[name].types["result"]) == "ap_fixed<9,4>"
    assert str(qm.precisions[graph.layers[1].name].types["result"]) == "ap_fixed<12,5>"


def test_bad_configuration_files_give_one_clear_message(tmp_path):
    graph = hlsfx.load(fixture("onnx/two_layer_keras.onnx"))
    with pytest.raises(ValueError, match=r"a configuration file ends in \.json, \.yaml, \.yml"):
        hlsfx.configure(graph).save_config(tmp_path / "c.txt")
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    with pytest.raises(ValueError, match=r"broken.json' is not valid JSON"):
        hlsfx.load_config(broken)
    broken_yaml = tmp_path / "broken.yaml"
    broken_yaml.write_text("a: [1, 2")
    with pytest.raises(ValueError, match=r"broken.yaml' is not valid YAML"):
        hlsfx.load_config(broken_yaml)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"layers": {}}))
    with pytest.raises(
        ValueError, match=r"is not an hlsfx configuration \(expected 'hlsfx_config: 1'\)"
    ):
        hlsfx.load_config(other)
    with pytest.raises(ValueError, match="cannot read the configuration"):
        hlsfx.load_config(tmp_path / "missing.json")
    stale = hlsfx.configure(graph).config()
    stale["layers"]["no_such_layer"] = {"result": "ap_fixed<8,3>"}
    with pytest.raises(ValueError, match="layers: no layer named 'no_such_layer'"):
        hlsfx.configure(graph, config=stale)


def test_auto_results_hold_what_the_calibration_data_produces():
    graph = hlsfx.load(fixture("onnx/three_layer_keras.onnx"))
    x = np.random.default_rng(19).normal(0.0, 2.0, (3000, 16))
    qm = hlsfx.configure(graph, "ap_fixed<12,4>", roles={"result": "auto"}, calibration=x)
    wide = hlsfx.configure(graph, "ap_fixed<28,16>").trace(x)
    for layer in graph.layers:
        t = qm.precisions[layer.name].types["result"]
        assert "result" in qm.precisions[layer.name].automatic
        largest = np.max(np.abs(wide[layer.name]))
        assert t.width == 12 and float(t.max) >= largest  # holds the range seen ...
        narrower = hlsfx.FixedType(12, t.integer - 1)
        assert float(narrower.max) < largest * 1.1  # ... with the fewest integer bits
    report = qm.overflow_report(x)
    assert all(roles.get("result", 0) == 0 for roles in report.counts.values()), report
    assert "(auto)" in qm.config_table()


def test_auto_results_without_calibration_data_say_what_is_missing():
    graph = hlsfx.load(fixture("onnx/two_layer_keras.onnx"))
    with pytest.raises(
        ValueError,
        match=r"an 'auto' result type needs calibration data: configure\(\.\.\., calibration=x\)",
    ):
        hlsfx.configure(graph, roles={"result": "auto"})
