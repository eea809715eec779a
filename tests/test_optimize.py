"""The precision search: the configuration it returns keeps the accuracy within the budget
of the float model (checked by emulating it afresh) with fewer weight bits than it started."""

from __future__ import annotations

import numpy as np
import pytest

import hlsfx
from hlsfx.explore.estimate import estimate
from hlsfx.explore.optimize import optimize


@pytest.fixture(scope="module")
def jets():
    example = hlsfx.examples.load("jet_mlp")
    return example.graph, example.x_test[:3000], example.y_test[:3000]


def test_the_search_narrows_the_types_within_the_budget(jets, tmp_path, capsys):
    graph, x, y = jets
    start = hlsfx.configure(graph, "ap_fixed<16,6>")
    found = optimize(start, x, y, budget=0.01, out=tmp_path / "found.yaml", progress=False,
                     show=True)  # fmt: skip
    assert capsys.readouterr().out.strip() == found.table()
    assert hlsfx.load_config(tmp_path / "found.yaml") == found.config
    reference = hlsfx.configure(graph, "ap_fixed<24,12>").predict(x).argmax(axis=1)
    assert found.float_accuracy == np.mean(reference == y)
    again = hlsfx.configure(graph, config=found.config)  # rebuilt from the saved choice
    accuracy = np.mean(again.predict(x).argmax(axis=1) == y)
    assert accuracy == found.accuracy_after >= found.float_accuracy - 0.01
    assert estimate(again).weight_bits < estimate(start).weight_bits / 2
    table = found.table()
    assert "weight bits" in table and "dense_1   weight" in table and "ap_fixed<16,6>" in table


def test_a_start_already_below_the_budget_is_refused(jets):
    graph, x, y = jets
    with pytest.raises(ValueError, match=r"already below the float model's .* start wider"):
        optimize(hlsfx.configure(graph, "ap_fixed<5,2>"), x, y, budget=0.01, progress=False)
