"""Precision scans and the resource estimate: each point's numbers are what the emulator gives
for that configuration, scans resume without redoing points, run on any executor, and record
points the emulator cannot run; the estimate counts the products the RTL writer counts."""

from __future__ import annotations

import concurrent.futures
import json

import numpy as np
import pytest

import hlsfx
from hlsfx.explore.estimate import estimate
from hlsfx.explore.scan import PointResult, ScanPoint, grid, scan


@pytest.fixture(scope="module")
def jets():
    example = hlsfx.examples.load("jet_mlp")
    return example.graph, example.x_test[:4000], example.y_test[:4000]


def test_a_grid_is_every_combination_and_bad_points_are_named():
    points = grid([4, 8], [2, "auto"], layers=[None, "dense_1"], roles=[None, "weight"])
    assert len(points) == 2 * 2 * 2 * 2 and ScanPoint(8, 2, "dense_1", "weight") in points
    assert ScanPoint(4, 6) not in grid([4, 8], [6])  # more integer bits than the width
    with pytest.raises(ValueError, match=r"the scan has no point: widths \[4\], integer bits"):
        grid([4], [6])  # nothing left: an empty scan is refused
    with pytest.raises(ValueError, match="width must be a positive integer, not 0"):
        ScanPoint(0, 2)
    with pytest.raises(ValueError, match="integer bits must be an integer or 'auto', not 'x'"):
        ScanPoint(8, "x")
    with pytest.raises(ValueError, match=r"role must be one of .* not 'accumulator'"):
        ScanPoint(8, 2, role="accumulator")


def test_each_point_reports_what_the_emulator_gives_for_its_configuration(jets):
    graph, x, y = jets
    points = [ScanPoint(6, 3), ScanPoint(10, "auto"), ScanPoint(5, 1, "dense_2", "weight")]
    results = scan(graph, x, y, points, workers=1)
    assert [r.point for r in results] == points
    reference = hlsfx.configure(graph, "ap_fixed<24,12>").predict(x).argmax(axis=1)
    for r in results:
        qm = hlsfx.configure(graph, config=r.config)
        out, report = qm.predict_with_overflows(x)
        assert np.array_equal(out, qm.predict(x))
        assert r.accuracy == np.mean(out.argmax(axis=1) == y)
        assert r.agreement == np.mean(out.argmax(axis=1) == reference)
        assert r.overflows == {k: sum(v.values()) for k, v in report.counts.items()}
        assert r.resources == estimate(qm).as_dict() and r.error is None
        assert r.layers == estimate(qm).per_layer() and set(r.layers) == {
            "dense_1", "dense_2", "dense_3", "dense_4"}  # fmt: skip
    layers = results[2].config["layers"]
    assert layers["dense_2"]["weight"] == "ap_fixed<5,1>"
    assert layers["dense_1"]["weight"] == layers["dense_2"]["bias"] == "ap_fixed<16,6>"
    narrow = results[0].config["layers"]
    assert {narrow[name]["result"] for name in narrow} == {"ap_fixed<6,3>"}
    assert results[0].overflow_total > 0  # 3 integer bits do not hold these activations


def test_a_point_the_emulator_cannot_run_is_recorded_with_the_reason(jets):
    graph, x, y = jets
    wide, too_wide = scan(
        graph, x[:100], y[:100], [ScanPoint(31, "auto"), ScanPoint(1100, "auto")], workers=1
    )
    assert wide.error is None and wide.accuracy is not None  # accumulators past int64: exact
    assert too_wide.accuracy is None and "width must be an integer from 1 to 1024" in too_wide.error
    with pytest.raises(ValueError, match=r"no layer 'dense_9' \(layers: dense_1, relu_1"):
        scan(graph, x, y, [ScanPoint(8, 2, "dense_9")], workers=1)


def test_a_scan_resumes_without_redoing_points_and_refuses_another_scans_file(jets, tmp_path):
    graph, x, y = jets
    out = tmp_path / "scan"
    ran = []
    first = scan(graph, x, y, grid([6, 8], 3), out=out, workers=1, on_result=ran.append)
    with (tmp_path / "scan.jsonl").open("a") as f:
        f.write('{"key": "w9_i3_*_*", "accur')  # a run killed while writing its last point
    again = scan(graph, x, y, grid([6, 8, 9], 3), out=out, workers=1, on_result=ran.append)
    assert [r.point.width for r in ran] == [6, 8, 9]  # only the new point ran the second time
    assert [r.accuracy for r in again[:2]] == [r.accuracy for r in first]
    lines = (tmp_path / "scan.csv").read_text().splitlines()
    assert lines[0].startswith("width,integer,layer,role,accuracy,agreement,overflows")
    assert len(lines) == 4
    saved = [json.loads(line) for line in (tmp_path / "scan.jsonl").read_text().splitlines()]
    resumed = PointResult.from_json(saved[-1])
    assert resumed.point == ScanPoint(9, 3) and resumed.layers["dense_1"]["input_bits"] == 9
    with pytest.raises(ValueError, match="holds a scan of another model, base configuration"):
        scan(graph, x[:10], y[:10], grid([6], 3), out=out, workers=1)


def test_points_run_on_a_process_pool_or_any_executor_with_the_same_results(jets):
    graph, x, y = jets
    points = grid([5, 7], "auto")
    here = scan(graph, x, y, points, workers=1)
    pooled = scan(graph, x, y, points, workers=2)
    with concurrent.futures.ProcessPoolExecutor(2) as executor:
        given = scan(graph, x, y, points, executor=executor)
    for a, b, c in zip(here, pooled, given, strict=True):
        assert a.accuracy == b.accuracy == c.accuracy and a.overflows == b.overflows == c.overflows


def test_the_estimate_counts_the_products_the_rtl_writer_builds(tmp_path):
    from hlsfx.codegen.rtl import write_rtl

    example = hlsfx.examples.load("digits_cnn")
    qm = hlsfx.configure(
        example.graph, "ap_fixed<8,3>", layers={"dense": {"weight": "ap_fixed<4,1>"}}
    )
    found = estimate(qm)
    interface = json.loads((write_rtl(qm, tmp_path / "rtl") / "interface.json").read_text())
    for layer in found.layers:
        assert layer.multipliers == interface["layers"][layer.layer]["products"], layer
    dense = next(e for e in found.layers if e.layer == "dense")
    assert (dense.input_bits, dense.weight_bits) == (8, 4)
    assert found.bops == sum(e.multipliers * e.input_bits * e.weight_bits for e in found.layers)


def test_the_pareto_front_keeps_the_points_nothing_beats_and_the_plots_are_written(jets, tmp_path):
    from hlsfx.explore import plots

    graph, x, y = jets
    results = scan(graph, x, y, grid([4, 6, 8, 12], ["auto", 2]), workers=1)
    front = plots.pareto_front(results)
    for r in results:  # every point is matched or beaten by a cheaper-or-equal front point
        assert any(f.resources["bops"] <= r.resources["bops"] and f.accuracy >= r.accuracy
                   for f in front)  # fmt: skip
    assert [f.resources["bops"] for f in front] == sorted(f.resources["bops"] for f in front)
    assert [f.accuracy for f in front] == sorted(f.accuracy for f in front)
    qm = hlsfx.configure(graph, "ap_fixed<8,3>")
    for written in (
        plots.accuracy_vs_width(results, tmp_path / "width", float_accuracy=0.78),
        plots.accuracy_vs_resources(results, tmp_path / "pareto", float_accuracy=0.78),
        plots.profile(qm, x[:500], tmp_path / "profile"),
    ):
        assert [p.suffix for p in written] == [".png", ".pdf"]
        assert written[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert written[1].read_bytes()[:5] == b"%PDF-"


def test_a_lut_fit_to_yosys_states_its_error_at_each_point(tmp_path):
    import shutil

    from conftest import require

    from hlsfx.explore.estimate import fit_luts
    from hlsfx.ir import kinds
    from hlsfx.ir.graph import Graph, Layer

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    rng = np.random.default_rng(3)
    params = {"weight": rng.normal(0, 0.5, (6, 3)), "bias": rng.normal(0, 0.5, 3)}
    layer = Layer("fc", kinds.DENSE, ["x"], "y", params=params)
    graph = Graph(("x",), ("y",), (layer,), {"x": (6,), "y": (3,)})
    models = [hlsfx.configure(graph, f"ap_fixed<{w},3>") for w in (4, 7, 10)]
    fit = fit_luts(models, tmp_path)
    bops = [estimate(qm).bops for qm in models]
    assert [b for b, _ in fit.points] == bops and all(luts > 0 for _, luts in fit.points)
    assert fit.per_unit > 0  # wider operands, more LUTs
    assert len(fit.errors) == 3 and "largest error" in str(fit)
    for (b, luts), error in zip(fit.points, fit.errors, strict=True):
        assert error == (fit.luts(b) - luts) / luts
    with pytest.raises(ValueError, match="at least two configurations of different BOPs"):
        fit_luts(models[:1], tmp_path)
    # the distributed strategy's LUTs against its adder bits, counted as the RTL builds them
    fit = fit_luts(models, tmp_path / "distributed", strategy="distributed")
    bits = [estimate(qm, strategy="distributed").adder_bits for qm in models]
    assert [b for b, _ in fit.points] == bits and fit.per_unit > 0
    assert fit.measure == "adder_bits" and "x adder bits" in str(fit)
    assert all(abs(error) < 0.5 for error in fit.errors), fit


def test_a_lut_fit_counts_only_the_layers_the_rtl_keeps(tmp_path):
    """fc0 -> relu0 -> fc1 where relu0's cast keeps no bit of fc0's outputs (a scan's narrowest
    width on the jet tagger did this): the RTL leaves fc0 out, and so does the fit's cost."""
    import shutil

    from conftest import require

    from hlsfx.explore.estimate import fit_luts
    from hlsfx.ir import kinds
    from hlsfx.ir.graph import Graph, Layer

    require(shutil.which("yosys") is not None, "yosys", "run scripts/setup.sh test")
    rng = np.random.default_rng(5)
    layers = (
        Layer("fc0", kinds.DENSE, ["x"], "h", params={"weight": rng.normal(0, 1, (6, 4)),
                                                      "bias": rng.normal(0, 1, 4)}),
        Layer("relu0", kinds.RELU, ["h"], "r"),
        Layer("fc1", kinds.DENSE, ["r"], "y", params={"weight": rng.normal(0, 1, (4, 3)),
                                                      "bias": rng.normal(0, 1, 3)}),
    )  # fmt: skip
    graph = Graph(("x",), ("y",), layers, {"x": (6,), "h": (4,), "r": (4,), "y": (3,)})
    whole = hlsfx.configure(graph, "ap_fixed<8,3>")
    cut = hlsfx.configure(
        graph,
        "ap_fixed<8,3>",
        layers={"fc0": {"result": "ap_fixed<4,9>"}, "relu0": {"result": "ap_fixed<4,5>"}},
    )
    for strategy, measure in (("latency", "bops"), ("distributed", "adder_bits")):
        fit = fit_luts([whole, cut], tmp_path / strategy, strategy=strategy)
        counted = [{e.layer: getattr(e, measure) for e in estimate(qm, strategy=strategy).layers}
                   for qm in (whole, cut)]  # fmt: skip
        assert [b for b, _ in fit.points] == [sum(counted[0].values()), counted[1]["fc1"]]
        assert counted[1]["fc0"] > 0


def _records(path) -> dict:
    """A scan's results file without the seconds each point took: header, and point by key."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    points = {r["key"]: {k: v for k, v in r.items() if k != "seconds"} for r in lines[1:]}
    return {"header": lines[0], "points": points}


def test_a_dask_local_cluster_gives_the_same_results_file_as_the_process_pool(jets, tmp_path):
    """The executor seam with a real cluster: Dask workers in their own processes, reached
    over loopback, as a user would run on a machine of many cores or a cluster."""
    from distributed import Client, LocalCluster

    graph, x, y = jets
    points = grid([5, 7, 9], [2, "auto"])
    scan(graph, x, y, points, out=tmp_path / "pool", workers=2)
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):  # fmt: skip
        scan(graph, x, y, points, out=tmp_path / "dask", executor=client.get_executor())
    pool, dask = (_records(tmp_path / f"{name}.jsonl") for name in ("pool", "dask"))
    assert dask == pool and len(dask["points"]) == len(points)
    rows = [(tmp_path / f"{name}.csv").read_text().splitlines() for name in ("pool", "dask")]
    columns = rows[0][0].split(",")
    seconds = columns.index("seconds")

    def without_seconds(lines):
        return [[c for k, c in enumerate(line.split(",")) if k != seconds] for line in lines]

    assert without_seconds(rows[0]) == without_seconds(rows[1])
