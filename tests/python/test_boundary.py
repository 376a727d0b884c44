"""Boundary fits on synthetic files whose outcome probabilities are known."""

import json
import math

import pytest

import ovsynth
from anahelp import TINY
from analysis import boundary
from analysis.io import load_sweep

TRUE_RATIO = math.exp((math.log(9) * 2) / 6.0)   # x90/x10 of a logistic, slope 6 in log(kd/n)


def _strict_json(text):
    def bad(const):
        raise ValueError(f"non-standard JSON constant {const}")
    return json.loads(text, parse_constant=bad)


def test_fit_recovers_known_midpoint_and_spread_ratio_within_their_cis(paper_file):
    res = boundary.analyze(load_sweep(paper_file), ladder=False)
    for g in res["groups"]:
        f = g["fit"]
        assert f["status"] == "ok"
        lo, hi = f["midpoint_ci"]
        assert lo < 1.2 < hi, (g["group"], f["midpoint"], lo, hi)
        assert hi / lo < 1.15          # 6250 trials pin the midpoint down to a few percent
        assert lo < f["midpoint"] < hi
        wlo, whi = f["ratio_90_10_ci"]
        assert wlo < TRUE_RATIO < whi, (g["group"], f["ratio_90_10"], wlo, whi)
        assert f["log_ratio_90_10"] == pytest.approx(math.log(f["ratio_90_10"]))


def test_probit_link_gives_nearly_the_same_midpoint(paper_file):
    sw = load_sweep(paper_file)
    logit = boundary.analyze(sw, ladder=False)["groups"][0]["fit"]
    probit = boundary.analyze(sw, link="probit", ladder=False)["groups"][0]["fit"]
    assert probit["status"] == "ok"
    assert probit["midpoint"] == pytest.approx(logit["midpoint"], rel=0.03)
    assert probit["midpoint_ci"][0] < 1.2 < probit["midpoint_ci"][1]


def test_lr_test_accepts_kd_only_truth(paper_file):
    for g in boundary.analyze(load_sweep(paper_file), ladder=False)["groups"]:
        lr = g["lr_test"]
        assert lr["df"] == 1 and 0.0 <= lr["statistic"] < 10.0 and lr["p_value"] > 0.002


def test_lr_test_rejects_truth_with_separate_k_and_d_effects(make_sweep):
    path = make_sweep("kdsep", groups=((100, "relu"),), prob=ovsynth.kd_separate_prob(9.0, 3.0),
                      trials=6, seed=11)
    g = boundary.analyze(load_sweep(path), ladder=False)["groups"][0]
    lr = g["lr_test"]
    assert lr["df"] == 1 and lr["p_value"] < 1e-6
    assert lr["b1_log_k"] > lr["b2_log_d"] + 2.0      # truth: 9 vs 3


def test_effective_count_recovers_its_midpoint_and_leaves_out_k1(make_sweep):
    path = make_sweep("effective", groups=((100, "softplus"),), trials=6, seed=5,
                      prob=ovsynth.logistic_prob(midpoint=1.0, slope=6.0, effective=True))
    res = boundary.analyze(load_sweep(path), effective=True, ladder=False)
    assert res["parameter_count"] == "2*floor(k/2)*d"
    f = res["groups"][0]["fit"]
    assert f["midpoint_ci"][0] < 1.0 < f["midpoint_ci"][1]
    assert any("k=1" in n and "left out" in n for n in f["notes"])
    assert f["trials"] == 24 * 25 * 6            # k = 1 row excluded from the fit


def test_midpoint_per_ladder_rung_tracks_the_tolerance(paper_file):
    truth = {0.1: 0.7, 0.05: 0.7, 0.01: 0.9, 0.005: 0.9, 0.0025: 1.2}
    res = boundary.analyze(load_sweep(paper_file))
    for g in res["groups"]:
        rungs = g["tolerance_ladder"]
        assert [r["tol"] for r in rungs] == list(ovsynth.LADDER)
        for r in rungs:
            lo, hi = r["midpoint_ci"]
            assert lo < truth[r["tol"]] < hi, (g["group"], r)
        # the last rung is the file's tol: same data as the main fit
        assert rungs[-1]["midpoint"] == pytest.approx(g["fit"]["midpoint"], rel=1e-9)


def test_boundary_cli_json_is_strict_and_has_per_cell_wilson_intervals(run_cli, tiny_file):
    rc, out, err = run_cli("boundary", tiny_file, "--json")
    assert rc == 0, err
    doc = _strict_json(out)
    assert doc["ci_method"].startswith("95% profile likelihood")
    assert "DISTANCE" in doc["width_definition"] and "ratio" not in doc["width_definition"]
    assert "not a width" in doc["ratio_definition"]
    for g in doc["groups"]:
        assert len(g["cells"]) == 36
        for c in g["cells"]:
            lo, hi = c["wilson95"]
            assert 0.0 <= lo <= c["prob"] <= hi <= 1.0
        assert {"statistic", "df", "p_value"} <= set(g["lr_test"])
        assert len(g["tolerance_ladder"]) == 5


def test_boundary_cli_table_and_tol_option(run_cli, paper_file):
    rc, out, err = run_cli("boundary", paper_file, "--tol", "0.05")
    assert rc == 0, err
    first_row = [ln for ln in out.splitlines() if ln.startswith("n100_softplus")][0]
    assert "0.05" in first_row
    mid = boundary.analyze(load_sweep(paper_file), tol=0.05, ladder=False)["groups"][0]["fit"]
    assert mid["midpoint_ci"][0] < 0.7 < mid["midpoint_ci"][1]
    assert "tolerance ladder" in out and "width" in out


def test_tol_not_in_ladder_is_an_error_listing_the_rungs(run_cli, tiny_file):
    rc, out, err = run_cli("boundary", tiny_file, "--tol", "0.003")
    assert rc == 1
    assert "not a rung" in err and "0.1, 0.05, 0.01, 0.005, 0.0025" in err


def test_budget_above_max_iter_is_an_error(run_cli, tiny_file):
    rc, _, err = run_cli("boundary", tiny_file, "--budget", "3001")
    assert rc == 1 and "exceeds the run's max_iter 3000" in err


DEGENERATE = {
    "all_success": dict(prob=lambda *a: 1.0, diverge_prob=0.0, **TINY),
    "all_failure": dict(prob=lambda *a: 0.0, **TINY),
    "separated": dict(prob=lambda k, d, n, act, tol: 1.0 if k * d >= n else 0.0, **TINY),
    "quasi_separated": dict(prob=lambda k, d, n, act, tol: (1.0 if k * d > 12 else
                                                            0.5 if k * d == 12 else 0.0),
                            **TINY),
    "no_trials_done": dict(done_mask=lambda *a: False, **TINY),
    "single_cell": dict(groups=((30, "relu"),), k=[5], d=[4], trials=10, prob=lambda *a: 0.5),
}


@pytest.mark.parametrize("name", sorted(DEGENERATE))
def test_degenerate_files_report_bounds_or_nan_without_crashing(run_cli, make_sweep, name):
    path = make_sweep(f"degenerate_{name}", **DEGENERATE[name])
    for extra in ([], ["--effective"], ["--link", "probit"]):
        rc, out, err = run_cli("boundary", path, *extra)
        assert rc == 0 and "Traceback" not in err, (extra, err)
        assert "notes:" in out
    rc, out, err = run_cli("boundary", path, "--json")
    assert rc == 0, err
    fit = _strict_json(out)["groups"][0]["fit"]
    n = 30
    if name == "all_success":
        assert fit["status"] == "all_success" and fit["midpoint"] is None
        assert fit["midpoint_bounds"] == [0.0, pytest.approx(1 / n)]
    elif name == "all_failure":
        assert fit["status"] == "all_failure"
        assert fit["midpoint_bounds"] == [pytest.approx(36 / n), None]   # upper end infinite
    elif name == "separated":
        assert fit["status"] == "separated" and fit["midpoint"] is None
        assert fit["midpoint_bounds"] == [pytest.approx(25 / n), pytest.approx(30 / n)]
    elif name == "quasi_separated":
        assert fit["status"] == "separated" and fit["midpoint"] == pytest.approx(12 / n)
    elif name == "no_trials_done":
        assert fit["status"] == "no_data" and fit["midpoint"] is None
    elif name == "single_cell":
        assert fit["status"] == "single_x" and fit["midpoint"] is None
