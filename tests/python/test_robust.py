"""Intervals that do not lean on the kd/n-only model: per-d fits and the bootstrap over datasets,
on planted truths where that model holds and where it does not."""

import json
import math

import numpy as np
import pytest

import ovsynth
from analysis import boundary, robust, stats
from analysis.io import load_sweep
from analysis.outcomes import outcomes

B1, B2, MID = 9.0, 3.0, 1.2       # kd_separate_prob: logit P = b1 log k + b2 log d - c


@pytest.fixture(scope="module")
def kdsep_file(make_sweep):
    return make_sweep("kdsep", groups=((100, "relu"),), prob=ovsynth.kd_separate_prob(B1, B2),
                      trials=6, seed=11)


def _true_per_d(d, n=100):
    """kd/n at 50% along k at fixed d under kd_separate_prob: b1 log k + b2 log d = c."""
    c = 0.5 * (B1 + B2) * math.log(MID * n)
    return math.exp((c - B2 * math.log(d)) / B1) * d / n


def test_per_d_fits_recover_the_planted_d_dependence(kdsep_file):
    g = load_sweep(kdsep_file).groups[0]
    rows = robust.per_d_fits(g, outcomes(g), stats.Link("logit"), False)
    assert [r["d"] for r in rows] == list(range(1, 26))
    covered = [r["midpoint_ci"][0] < _true_per_d(r["d"]) < r["midpoint_ci"][1]
               for r in rows if robust.bounded(r)]
    assert len(covered) >= 20 and np.mean(covered) >= 0.85
    rng = robust.per_d_range(rows)
    assert rng["min"] < 0.5 < 1.5 < rng["max"] and rng["d_min"] < rng["d_max"]


def test_bootstrap_is_reproducible_and_the_seed_matters(kdsep_file):
    g = load_sweep(kdsep_file).groups[0]
    o, lk = outcomes(g), stats.Link("logit")
    a = robust.bootstrap_midpoint(g, o, lk, False, reps=60, seed=5)
    b = robust.bootstrap_midpoint(g, o, lk, False, reps=60, seed=5)
    c = robust.bootstrap_midpoint(g, o, lk, False, reps=60, seed=6)
    assert a["ci"] == b["ci"] and a["valid_reps"] == 60
    assert a["ci"] != c["ci"]
    assert a["ci"][0] < a["median"] < a["ci"][1]


def test_bootstrap_covers_the_truth_when_the_model_holds(paper_file):
    sw = load_sweep(paper_file)
    for g in sw.groups:
        res = boundary.analyze_group(g, ladder=False, robust="always", bootstrap=200)
        lo, hi = res["robust"]["bootstrap"]["ci"]
        plo, phi = res["fit"]["midpoint_ci"]
        assert lo < 1.2 < hi, (g.name, lo, hi)
        assert 0.5 < (hi - lo) / (phi - plo) < 2.0       # about as wide as the profile CI
        assert not res["model_rejected"]


def test_auto_mode_adds_robust_intervals_only_when_the_lr_test_rejects(paper_file, kdsep_file):
    good = boundary.analyze(load_sweep(paper_file), ladder=False, robust="auto", bootstrap=20)
    assert all(g["robust"] is None and not g["model_rejected"] for g in good["groups"])
    bad = boundary.analyze(load_sweep(kdsep_file), ladder=False, robust="auto", bootstrap=20)
    g = bad["groups"][0]
    assert g["model_rejected"] and g["robust"]["bootstrap"]["reps"] == 20
    assert len(g["robust"]["per_d"]) == 25


def test_boundary_text_marks_the_interval_and_gives_the_robust_ones(run_cli, kdsep_file,
                                                                     paper_file):
    rc, out, err = run_cli("boundary", kdsep_file, "--bootstrap", "40", "--seed", "3")
    assert rc == 0, err
    row = [ln for ln in out.splitlines() if ln.startswith("n100_relu ")][0]
    assert "] *" in row                                 # the CI is marked next to itself
    assert "* the LR test rejects the kd/n-only model (p < 0.05) for n100_relu" in out
    assert "bootstrap over datasets 95%" in out and "(40 reps, seed 3)" in out
    assert "(d=1) .." in out
    rc, out, err = run_cli("boundary", paper_file)
    assert rc == 0 and "rejects" not in out and "] *" not in out
    rc, out, err = run_cli("boundary", paper_file, "--robust", "--bootstrap", "0", "--json")
    doc = json.loads(out)
    assert all(g["robust"]["bootstrap"] is None and len(g["robust"]["per_d"]) == 25
               for g in doc["groups"])
