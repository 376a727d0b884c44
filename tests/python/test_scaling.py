"""analysis scaling (issue 17): per-row 50% points over many files, both readings, and the fit
mu(n) = mu_inf + a n^-b, on synthetic sweeps with a known boundary."""
import csv
import math

import numpy as np
import pytest

import ovsynth
from analysis import scaling
from analysis.io import load_sweep

NS = (100, 200, 400, 800)


def mu_true(n, mu_inf):
    return mu_inf + 2.0 / math.sqrt(n)


def prob_for(mu_inf):
    """Stated reading: the logistic around mu(n); squared reading (rungs >= 5e-2): 0.7 mu(n)."""
    def prob(k, d, n, act, tol):
        mid = mu_true(n, mu_inf) * (0.7 if tol >= 4e-2 else 1.0)
        return ovsynth.logistic_prob(midpoint=mid, slope=8.0)(k, d, n, act, tol)
    return prob


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """Four files, d = n/20, k over kd/n in [0.5, 4]: mu_inf = 1 (softplus) and 1.4 (relu)."""
    base = tmp_path_factory.mktemp("scaling")
    paths = []
    for n in NS:
        d = n // 20
        k = range(max(1, n // (2 * d)), 4 * n // d + 1)
        for act, mu_inf in (("softplus", 1.0), ("relu", 1.4)):
            path = str(base / f"n{n}_{act}.h5")
            ovsynth.write_sweep(path, groups=((n, act),), k=k, d=(d,), trials=40,
                                prob=prob_for(mu_inf), diverge_prob=0.0, seed=n)
            paths.append(path)
    return [load_sweep(p) for p in paths]


def test_rows_recover_each_midpoint(study):
    rows = scaling.study_rows(study)
    stated = [r for r in rows if r["reading"] == "stated"]
    assert len(stated) == 2 * len(NS)
    misses = [r for r in stated if not r["ci_low"] <= mu_true(r["n"], 1.0 if r["activation"] ==
                                                                "softplus" else 1.4) <= r["ci_high"]]
    assert len(misses) <= 1, misses  # 95% intervals: one miss in eight is possible


def test_squared_reading_from_the_ladder(study):
    rows = scaling.study_rows(study)
    sq = [r for r in rows if r["reading"] == "squared"]
    assert sq and all(r["tol"] == pytest.approx(0.05) for r in sq)
    for r in sq:
        truth = 0.7 * mu_true(r["n"], 1.0 if r["activation"] == "softplus" else 1.4)
        assert abs(r["midpoint"] - truth) < 0.1 * truth, r


def test_mu_inf_interval_says_whether_it_is_one(study):
    rows = scaling.study_rows(study)
    trends = {(t["activation"], t["reading"]): t for t in scaling.fit_trends(rows, reps=60)}
    soft, relu = trends[("softplus", "stated")], trends[("relu", "stated")]
    assert soft["n"] == list(NS)
    assert soft["consistent_with_1"] is True, soft
    assert relu["consistent_with_1"] is False and relu["mu_inf_ci"][0] > 1.0, relu
    assert abs(relu["mu_inf"] - 1.4) < 0.15


def test_csv_columns_and_cli(study, tmp_path, run_cli):
    out, fig = tmp_path / "b.csv", tmp_path / "b.png"
    rc, text, _ = run_cli("scaling", *[s.path for s in study], "--csv", out, "--figure", fig,
                          "--bootstrap", "30")
    assert rc == 0 and "mu_inf" in text
    with open(out) as fh:
        rd = list(csv.DictReader(fh))
    assert list(rd[0].keys())[:12] == ["n", "activation", "tol", "budget", "eta_rule", "d",
                                       "midpoint", "ci_low", "ci_high", "width", "trainings",
                                       "core_seconds"]
    keys = {(r["n"], r["activation"], r["tol"], r["budget"], r["eta_rule"], r["d"]) for r in rd}
    assert len(keys) == len(rd) == 4 * len(NS)  # one row per (n, act, tol, budget, rule, d)
    assert all(r["eta_rule"] == "fixed:0.15" or r["eta_rule"] == "fixed:0.1" or
               r["eta_rule"].startswith("fixed") for r in rd)
    assert fig.exists() and fig.stat().st_size > 10000
    assert np.isfinite(float(rd[0]["midpoint"]))


def test_separated_row_gets_the_gap_between_its_cells():
    """All fail at kd/n <= 1.3, all succeed from 1.4: the interval is [1.3, 1.4]; with one mixed
    cell at 1.3 between them, from its lower to its upper neighbour, the point at the cell."""
    from analysis import stats
    from analysis.boundary import fit_midpoint
    x = np.array([1.0, 1.1, 1.2, 1.3, 1.4, 1.5])
    t = np.full(6, 4.0)
    f = fit_midpoint(x * 100, np.array([0, 0, 0, 0, 4, 4.0]), t, 100, stats.Link("logit"))
    mid, lo, hi = scaling._interval(f, x)
    assert (lo, hi) == (pytest.approx(1.3), pytest.approx(1.4)) and lo < mid < hi
    f = fit_midpoint(x * 100, np.array([0, 0, 0, 2, 4, 4.0]), t, 100, stats.Link("logit"))
    mid, lo, hi = scaling._interval(f, x)
    assert (mid, lo, hi) == (pytest.approx(1.3), pytest.approx(1.2), pytest.approx(1.4))


def test_step_neighbours_do_not_depend_on_the_last_bit_of_exp():
    """The step's cell comes back from the fit as exp(log(kd/n)), an ulp off either way with
    the CPU's exp and log: its neighbours are the cells beside it all the same (the study's
    n200_fixed_15k softplus d = 20 row read [1.3, 1.4] on a Zen 5, [1.3, 1.5] elsewhere)."""
    x = np.array([1.0, 1.1, 1.3, 1.4, 1.5, 1.6])
    for at in (np.nextafter(1.4, 0.0), 1.4, np.nextafter(1.4, 2.0)):
        f = {"status": "separated", "b": float("inf"), "midpoint": at,
             "midpoint_ci": [float("nan")] * 2, "midpoint_bounds": [at, at]}
        mid, lo, hi = scaling._interval(f, x)
        assert (lo, hi) == (1.3, 1.5), (at, lo, hi)
    f = dict(f, midpoint=1.0, midpoint_bounds=[1.0, 1.0])       # a step at either end
    assert np.isnan(scaling._interval(f, x)[1]) and scaling._interval(f, x)[2] == 1.1
    f = dict(f, midpoint=1.6, midpoint_bounds=[1.6, 1.6])
    assert scaling._interval(f, x)[1] == 1.5 and np.isnan(scaling._interval(f, x)[2])


def _as_auto(src, dst, factor):
    """A copy of the sweep `src` as if run under --eta auto:1.8 with each trial's step
    `factor` [K, D, T] times the fixed one: updates to success divided by the factor."""
    import shutil
    import h5py
    shutil.copy(src, dst)
    with h5py.File(dst, "r+") as f:
        for g in f.values():
            if not isinstance(g, h5py.Group) or "iterations" not in g:
                continue
            fixed = float(g.attrs["eta"])
            for obj in (g, g["success_prob"]):
                obj.attrs["eta"] = np.nan
                obj.attrs["eta_auto"] = 1.8
            g.create_dataset("eta", data=fixed * factor)
            it, ok = g["iterations"][...], g["success"][...] == 1
            g["iterations"][...] = np.where(ok, np.maximum(1, np.rint(it / factor)), it)


def test_step_pairs_follow_the_trials_under_both_rules(tmp_path, run_cli):
    """Two files of the same grid under the fixed and an auto step: the pairs are exactly the
    trials that succeed in both, their updates' ratio is the planted step ratio, and one file
    or two under one rule give no rows."""
    from analysis import steppairs
    fixed = str(tmp_path / "fixed.h5")
    ovsynth.write_sweep(fixed, groups=((200, "relu"),), k=range(4, 13), d=(20, 40), trials=6,
                        prob=ovsynth.logistic_prob(midpoint=1.0, slope=6.0), diverge_prob=0.0,
                        seed=3)
    rng = np.random.default_rng(5)
    factor = rng.uniform(2.5, 3.5, size=(9, 2, 6))
    auto = str(tmp_path / "auto.h5")
    _as_auto(fixed, auto, factor)
    import h5py
    with h5py.File(auto, "r+") as f:  # one trial per row that succeeded now fails under auto
        s = f["n200_relu/success"]
        arr = s[...]
        for j in range(2):
            ki = np.flatnonzero(arr[:, j, 0] == 1)[0]
            arr[ki, j, 0] = 0
        s[...] = arr
    a, b = load_sweep(fixed), load_sweep(auto)
    rows = steppairs.step_pairs([b, a])
    assert [(r["d"], r["rule_a"], r["rule_b"]) for r in rows] == [(20, "fixed:0.1", "auto:1.8"),
                                                                  (40, "fixed:0.1", "auto:1.8")]
    ga, gb = a.groups[0], b.groups[0]
    for j, r in enumerate(rows):
        both = ga.success[:, j, :] & gb.success[:, j, :]
        assert r["pairs"] == both.sum() == ga.success[:, j, :].sum() - 1
        it = ga.trial_data["iterations"][:, j, :][both].astype(float)
        want = np.median(it / np.maximum(1, np.rint(it / factor[:, j, :][both])))
        assert r["updates_ratio"] == pytest.approx(want)
        assert r["step_ratio"] == pytest.approx(np.median(factor[:, j, :][both]))
        assert abs(r["updates_ratio"] / r["step_ratio"] - 1) < 0.05
    assert steppairs.step_pairs([a]) == [] and steppairs.step_pairs([a, a]) == []
    rc, text, _ = run_cli("scaling", fixed, auto, "--bootstrap", "10")
    assert rc == 0 and "updates to success under two step rules" in text
    assert "fixed:0.1    auto:1.8" in text
    other = str(tmp_path / "other_seed.h5")  # other problems under the same coordinates
    _as_auto(fixed, other, factor)
    with h5py.File(other, "r+") as f:
        f.attrs["seed"] = np.uint64(7)
    with h5py.File(fixed, "r+") as f:
        f.attrs["seed"] = np.uint64(2019)
    assert steppairs.step_pairs([load_sweep(fixed), load_sweep(other)]) == []
    assert len(steppairs.step_pairs([load_sweep(fixed), load_sweep(auto)])) == 0  # 2019 vs none
