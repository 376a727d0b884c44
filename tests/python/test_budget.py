"""The boundary against the update budget: planted files that settle early and that do not."""

import json

import pytest

import ovsynth
from analysis import boundary, budget
from analysis.io import load_sweep

TRUE_MID = 1.0
GRID = dict(groups=((100, "relu"),), trials=8, seed=21,
            prob=ovsynth.logistic_prob(midpoint=TRUE_MID, slope=6.0))


def _early(k, d, n, max_iter):
    return max_iter // 4                 # every success comes within a quarter of the budget


def _late(k, d, n, max_iter):
    """Successes near the boundary come late: a trial at kd/n = x reaches tol after
    max_iter * 0.9 / x updates, so at 2/3 of the budget only x >= 1.35 can have succeeded."""
    return int(max_iter * min(1.0, 0.9 / (k * d / n)))


@pytest.fixture(scope="module")
def settled_file(make_sweep):
    return make_sweep("budget_settled", hit_last=_early, **GRID)


@pytest.fixture(scope="module")
def unsettled_file(make_sweep):
    return make_sweep("budget_unsettled", hit_last=_late, **GRID)


def test_settled_file_gives_the_same_midpoint_at_every_fraction(settled_file):
    res = budget.analyze(load_sweep(settled_file))
    g = res["groups"][0]
    assert [r["budget"] for r in g["rows"]] == [5000, 7500, 10000, 15000]
    mids = [r["midpoint"] for r in g["rows"]]
    assert mids == pytest.approx([mids[-1]] * 4, rel=1e-12)
    lo, hi = g["rows"][-1]["midpoint_ci"]
    assert lo < TRUE_MID < hi
    assert g["verdict"]["settled"] is True and g["verdict"]["shift"] == pytest.approx(0.0)
    assert budget.warnings(res) == []


def test_unsettled_file_is_flagged_with_the_planted_shift(unsettled_file):
    res = budget.analyze(load_sweep(unsettled_file))
    g = res["groups"][0]
    two_thirds, full = g["rows"][2], g["rows"][3]
    assert full["midpoint_ci"][0] < TRUE_MID < full["midpoint_ci"][1]
    assert two_thirds["midpoint"] > 1.25              # planted: only kd/n >= 1.35 succeeded
    v = g["verdict"]
    assert v["settled"] is False and v["shift"] < -v["interval"] < 0
    assert (v["from_budget"], v["to_budget"]) == (10000, 15000)
    warn = budget.warnings(res)
    assert len(warn) == 1 and "NOT SETTLED" in warn[0] and "n100_relu" in warn[0]


def test_budget_rows_agree_with_boundary_at_that_budget(unsettled_file):
    sw = load_sweep(unsettled_file)
    row = budget.analyze(sw)["groups"][0]["rows"][1]
    direct = boundary.analyze_group(sw.groups[0], budget=row["budget"], ladder=False)["fit"]
    assert row["midpoint"] == pytest.approx(direct["midpoint"], rel=1e-9)
    assert row["midpoint_ci"] == pytest.approx(direct["midpoint_ci"], rel=1e-6)


def test_budget_cli_prints_table_and_warning_and_writes_the_figure(run_cli, unsettled_file,
                                                                   settled_file, tmp_path):
    rc, out, err = run_cli("budget", unsettled_file, "-o", tmp_path, "--format", "png,pdf",
                           "--dpi", "100")
    assert rc == 0, err
    assert "WARNING: the boundary has not settled within the budget" in out
    assert "1/3 budget = 5000" in out and "NOT SETTLED" in out
    assert (tmp_path / "boundary_vs_budget.png").stat().st_size > 1000
    assert (tmp_path / "boundary_vs_budget.pdf").read_bytes()[:4] == b"%PDF"
    rc, out, err = run_cli("budget", settled_file, "--json", "--fractions", "1/2,1")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["fractions"] == ["1/2", "1"] and doc["groups"][0]["verdict"]["settled"] is True
    rc, out, err = run_cli("budget", settled_file)
    assert "WARNING" not in out and "settled:" in out


def test_bad_fractions_and_rf_groups(run_cli, settled_file, make_sweep):
    rc, out, err = run_cli("budget", settled_file, "--fractions", "1/3,3/2")
    assert rc == 1 and err.startswith("analysis: error: --fractions") and out == ""
    assert len(err.strip().splitlines()) == 1
    path = make_sweep("budget_rf", groups=((30, "relu", "rf"),), k=range(1, 9), d=range(1, 9),
                      trials=3, new_layout=True)
    g = budget.analyze(load_sweep(path))["groups"][0]
    assert "rf" in g["not_applicable"] and g["verdict"] is None
