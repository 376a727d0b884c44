"""The extended layout: several methods, planned cells (kd band), new root attributes, the
per-trial diagnostics; old files load with the defaults. Unplanned cells are drawn as "not run"
and left out of the fits; the transition width and its CI; rf fitted in log(k/n)."""

import json
import math

import h5py
import numpy as np
import pytest

import ovsynth
from anahelp import TINY, cmap_ends, png_stats
from analysis import boundary, heatmap, stats
from analysis.io import DIAGNOSTIC_DATASETS, load_sweep
from analysis.outcomes import check_stored_counts, outcomes

BAND = (0.4, 2.5)
NEW = dict(groups=((30, "softplus"), (30, "relu", "sgd"), (30, "relu", "rf")), k=range(1, 9),
           d=range(1, 9), trials=4, max_iter=3000, new_layout=True, kd_band=BAND,
           diagnostics=True, data="worst", data_delta=0.05, labels="sign",
           prob=ovsynth.logistic_prob(midpoint=0.8, slope=5.0))


@pytest.fixture(scope="module")
def new_file(make_sweep):
    return make_sweep("newlayout", **NEW)


def test_old_file_loads_with_the_documented_defaults(tiny_file):
    sw = load_sweep(tiny_file)
    assert sw.methods == ["gd"] and sw.data == "sphere" and sw.labels == "gaussian"
    assert math.isnan(sw.data_delta) and sw.kd_band == (0.0, math.inf) and not sw.diagnostics
    for g in sw.groups:
        assert (g.method, g.iteration_unit) == ("gd", "update")
        assert g.planned.shape == (6, 6) and g.planned.all() and g.n_unplanned == 0
        assert not g.has_diagnostics
        assert not any(nm in g.trial_data for nm in DIAGNOSTIC_DATASETS)
        assert g.label == f"n=30, {g.activation}"


def test_new_file_loads_methods_planned_cells_attrs_and_diagnostics(new_file, make_sweep):
    sw = load_sweep(new_file)
    truth = make_sweep.truth("newlayout")
    assert sw.methods == ["gd", "sgd", "rf"]
    assert (sw.data, sw.labels, sw.data_delta, sw.kd_band) == ("worst", "sign", 0.05, BAND)
    assert sw.diagnostics
    names = [g.name for g in sw.groups]
    assert names == ["n30_softplus", "n30_relu_sgd", "n30_relu_rf"]
    units = {g.name: (g.method, g.iteration_unit) for g in sw.groups}
    assert units == {"n30_softplus": ("gd", "update"), "n30_relu_sgd": ("sgd", "epoch"),
                     "n30_relu_rf": ("rf", "none")}
    assert [g.label for g in sw.groups] == ["n=30, softplus", "n=30, relu, sgd",
                                            "n=30, relu, rf"]
    kd_n = np.outer(np.arange(1, 9), np.arange(1, 9)) / 30
    expect = (kd_n >= BAND[0]) & (kd_n <= BAND[1])
    for g in sw.groups:
        np.testing.assert_array_equal(g.planned, expect)
        np.testing.assert_array_equal(g.planned, truth[g.name]["planned"].astype(bool))
        assert g.has_diagnostics
        for nm in DIAGNOSTIC_DATASETS:
            arr = g.trial_data[nm]
            assert arr.shape == (8, 8, 4) and arr.dtype == np.float64
            assert np.isnan(arr[~expect]).all()          # never run: NaN
            assert np.isfinite(arr[expect]).all()
        assert (g.trials_done[~expect] == 0).all() and np.isnan(g.success_prob[~expect]).all()
        assert check_stored_counts(g) is None
    rf = sw.groups[2]
    its = rf.trial_data["iterations"]
    assert (its[rf.done] == 0).all()
    assert set(np.unique(rf.ladder_hit_iter[rf.done])) <= {-1, 0}


def test_unknown_method_is_a_one_line_error(tmp_path, run_cli):
    path = str(tmp_path / "m.h5")
    ovsynth.write_sweep(path, new_layout=True, **TINY)
    with h5py.File(path, "a") as f:
        f["n30_relu"].attrs["method"] = np.bytes_(b"adam")
    rc, out, err = run_cli("boundary", path)
    assert rc == 1 and "unknown method 'adam'" in err and len(err.strip().splitlines()) == 1


def _corrupt_unplanned(src, dst):
    """Copy of src in which every unplanned cell claims finished, successful trials."""
    import shutil
    shutil.copy(src, dst)
    with h5py.File(dst, "a") as f:
        for name in ("n30_softplus", "n30_relu_sgd"):
            g = f[name]
            un = g["planned"][()] == 0
            done = g["done"][()]
            succ = g["success"][()]
            done[un] = 1
            succ[un] = 1
            g["done"][...] = done
            g["success"][...] = succ


def test_unplanned_cells_are_left_out_of_the_fit(new_file, tmp_path):
    sw = load_sweep(new_file)
    res = boundary.analyze(sw, ladder=False)
    for g, r in zip(sw.groups, res["groups"]):
        planned_trials = int(g.planned.sum()) * 4
        assert r["trials_planned"] == planned_trials and r["cells_not_run"] == g.n_unplanned
        assert r["fit"]["trials"] == planned_trials
        assert any("not run" in nt for nt in r["fit"]["notes"])
        # the cell table reports 0 trials (prob NaN) for cells not run, never probability 0
        for c in r["cells"]:
            if not g.planned[list(g.k).index(c["k"]), list(g.d).index(c["d"])]:
                assert c["trials_done"] == 0 and math.isnan(c["prob"])
    # stray flags in unplanned cells must not change anything
    bad = str(tmp_path / "corrupt.h5")
    _corrupt_unplanned(new_file, bad)
    res2 = boundary.analyze(load_sweep(bad), ladder=False)
    for r1, r2 in zip(res["groups"], res2["groups"]):
        assert r2["fit"]["trials"] == r1["fit"]["trials"]
        assert r2["fit"]["status"] == r1["fit"]["status"]
        assert r2["fit"]["midpoint"] == pytest.approx(r1["fit"]["midpoint"], rel=1e-9, nan_ok=True)


def _cell_rgb(fig, ax, x, y):
    """Mean RGB of a 5x5 pixel block at data coordinates (x, y)."""
    fig.canvas.draw()
    buf = np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(float) / 255
    px, py = ax.transData.transform((x, y))
    row = int(round(buf.shape[0] - py))
    col = int(round(px))
    return buf[row - 2:row + 3, col - 2:col + 3].reshape(-1, 3).mean(axis=0)


def test_unplanned_cells_are_drawn_as_not_run_never_as_zero(new_file):
    import matplotlib.pyplot as plt
    sw = load_sweep(new_file)
    g = sw.groups[0]
    fig, ax = plt.subplots(figsize=(6, 5), dpi=100)
    heatmap.draw(ax, g, outcomes(g).prob, "t")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("not run") for lab in labels), labels
    # k=8, d=1 (top left, clear of the legend): kd/n = 8/30 < 0.4, not run
    assert not g.planned[7, 0]
    rgb_notrun = _cell_rgb(fig, ax, 1.0, 8.0)
    assert rgb_notrun.mean() > 0.75, rgb_notrun            # white with light hatching
    zero_colour = cmap_ends()[0]
    assert np.max(np.abs(rgb_notrun - zero_colour)) > 0.3       # not the colour of p = 0
    zero_cells = np.argwhere((outcomes(g).prob == 0))
    ki, di = zero_cells[np.argmax(zero_cells[:, 0])]          # highest such k: above the legend
    rgb_zero = _cell_rgb(fig, ax, float(g.d[di]), float(g.k[ki]))
    assert np.max(np.abs(rgb_zero - zero_colour)) < 0.05, rgb_zero   # a real 0: the map's 0
    plt.close(fig)


def test_heatmap_cli_for_new_layout_and_theory_curves(run_cli, make_sweep, tmp_path):
    # n = 4 puts the Cor. 2.2 curve k = n^2/d = 16/d inside the 1..25 grid
    path = make_sweep("small_n", groups=((4, "softplus"),), trials=2, new_layout=True,
                      prob=ovsynth.logistic_prob(midpoint=1.0, slope=4.0))
    rc, out, err = run_cli("heatmap", path, "-o", tmp_path / "plain")
    assert rc == 0, err
    rc, out, err = run_cli("heatmap", path, "-o", tmp_path / "theory", "--theory")
    assert rc == 0, err

    def magenta(p):
        import matplotlib.image as mpimg
        img = mpimg.imread(p)[..., :3]
        return int(np.sum((img[..., 0] > 0.8) & (img[..., 1] < 0.3) & (img[..., 2] > 0.8)))
    assert magenta(tmp_path / "plain" / "heatmap_n4_softplus.png") == 0
    assert magenta(tmp_path / "theory" / "heatmap_n4_softplus.png") > 100


def test_theory_curves_follow_the_corollaries():
    sw_groups = {
        "smooth": type("G", (), {"n": 50, "activation": "softplus", "method": "gd"})(),
        "relu": type("G", (), {"n": 50, "activation": "relu", "method": "gd"})(),
        "rf": type("G", (), {"n": 50, "activation": "relu", "method": "rf"})(),
    }
    dd = np.array([2.0, 5.0, 10.0])
    (lab, k, *_), = heatmap.theory_curves(sw_groups["smooth"], dd)
    assert "C=1" in lab and "shape only" in lab
    np.testing.assert_allclose(np.sqrt(k * dd), 50.0)                 # sqrt(kd) = n
    (lab, k, *_), = heatmap.theory_curves(sw_groups["relu"], dd)
    np.testing.assert_allclose(np.sqrt(k * dd), 50.0 ** 2 / dd)       # sqrt(kd) = n^2/d
    curves = heatmap.theory_curves(sw_groups["rf"], dd)
    assert len(curves) == 2 and np.all(curves[1][1] == 50.0)           # k = n
    # outside both corollaries: quadratic (phi' unbounded), leaky_relu (a kink, not ReLU)
    for act in ("quadratic", "leaky_relu"):
        g = type("G", (), {"n": 50, "activation": act, "method": "gd"})()
        assert heatmap.theory_curves(g, dd) == [], act
    g = type("G", (), {"n": 50, "activation": "tanh", "method": "gd"})()
    assert "Cor. 2.2" in heatmap.theory_curves(g, dd)[0][0]


# ----------------------------------------------------------------------------- width

TRUE_LOG_WIDTH = 2 * math.log(9) / 6.0          # paper_file: logistic slope 6 in log(kd/n)
TRUE_ABS_WIDTH = 1.2 * (9 ** (1 / 6) - 9 ** (-1 / 6))


def test_width_distance_and_log_ratio_recovered_within_their_intervals(paper_file):
    res = boundary.analyze(load_sweep(paper_file), ladder=False)
    for g in res["groups"]:
        f = g["fit"]
        lo, hi = f["width_ci"]
        assert lo < f["width"] < hi
        assert lo < TRUE_ABS_WIDTH < hi, (g["group"], f["width"], lo, hi)
        assert hi / lo < 1.6
        llo, lhi = f["log_ratio_90_10_ci"]
        assert llo < TRUE_LOG_WIDTH < lhi
        assert f["x90"] - f["x10"] == pytest.approx(f["width"])
        assert math.log(f["x90"] / f["x10"]) == pytest.approx(f["log_ratio_90_10"])


def test_width_ci_is_a_likelihood_interval():
    """At the CI ends the profile log-likelihood has dropped by chi2(1)/2 = 1.92."""
    lk = stats.Link("logit")
    x = np.geomspace(0.3, 3.0, 12)
    t = np.full(12, 40.0)
    p = 1 / (1 + np.exp(-4 * np.log(x / 1.1)))
    s = np.round(p * t)
    f = boundary.fit_midpoint(x * 50, s, t, 50, lk)
    assert f["status"] == "ok"
    q = float(lk.ppf(0.9) - lk.ppf(0.1))
    lx = np.log(x)

    def prof(w):
        best = -np.inf
        for bb in np.geomspace(f["b"] / 20, f["b"] * 20, 4000):
            a = -bb * (math.log(w) - math.log(2 * math.sinh(q / (2 * bb))))
            best = max(best, stats.loglik(a + bb * lx, s, t, lk))
        return best
    for end in f["width_ci"]:
        assert f["loglik"] - prof(end) == pytest.approx(stats.CHI2_95_1DF / 2, abs=0.02)


def test_width_vs_n_table_from_one_file_and_from_several(paper_file, make_sweep, run_cli):
    res = boundary.analyze(load_sweep(paper_file), ladder=False)
    rows = res["width_vs_n"]
    assert [(r["activation"], r["method"], r["n"]) for r in rows] == [
        ("softplus", "gd", 100), ("softplus", "gd", 200)]
    rc, out, err = run_cli("boundary", paper_file)
    assert rc == 0 and "transition width against n" in out and "x90 - x10" in out
    f30 = make_sweep("w30", groups=((30, "relu"),), k=range(1, 9), d=range(1, 9), trials=6)
    f60 = make_sweep("w60", groups=((60, "relu"),), k=range(1, 13), d=range(1, 13), trials=6,
                     seed=3)
    rc, out, err = run_cli("boundary", f30, f60)
    assert rc == 0, err
    assert out.count("ovsweep boundary fit:") == 2
    tail = out[out.index("transition width against n"):]
    assert "n30_relu" in tail and "n60_relu" in tail
    rc, out, err = run_cli("boundary", "--json", f30, f60)
    doc = json.loads(out)
    assert len(doc["files"]) == 2 and [r["n"] for r in doc["width_vs_n"]] == [30, 60]
    rc, out, err = run_cli("boundary", f30, str(f60) + ".missing")
    assert rc == 1 and "no such file" in err and out == ""


def test_rf_group_is_fitted_in_log_k_over_n(make_sweep, run_cli):
    path = make_sweep("rf", groups=((30, "relu", "rf"),), trials=6, new_layout=True,
                      rf_prob=ovsynth.rf_logistic(midpoint=0.5, slope=6.0))
    res = boundary.analyze(load_sweep(path), ladder=False)
    g = res["groups"][0]
    assert g["variable"] == "k" and g["method"] == "rf"
    lo, hi = g["fit"]["midpoint_ci"]
    assert lo < 0.5 < hi, (g["fit"]["midpoint"], lo, hi)     # k/n = 0.5, not kd/n
    assert g["lr_test"]["p_value"] > 0.001                      # d plays no role
    rc, out, err = run_cli("boundary", path)
    assert rc == 0 and "log(k/n)" in out and "k/n" in out
    _, _, _, red, blue, _ = png_stats(_heat(run_cli, path))
    assert red > 200 and blue > 200


def _heat(run_cli, path):
    import os
    import tempfile
    d = tempfile.mkdtemp()
    rc, _, err = run_cli("heatmap", path, "-o", d)
    assert rc == 0, err
    return os.path.join(d, "heatmap_n30_relu_rf.png")


def test_heatmap_title_names_a_non_default_data_model(tmp_path):
    from analysis import heatmap
    from analysis.io import load_sweep

    path = str(tmp_path / "w.h5")
    ovsynth.write_sweep(path, new_layout=True)
    with h5py.File(path, "r+") as f:
        f.attrs["data"] = "worst"
        f.attrs["data_delta"] = 0.01
        f.attrs["labels"] = "sign"
    sweep = load_sweep(path)
    assert heatmap.data_setting(sweep) == "data = worst (delta = 0.01), labels = sign"
    default = str(tmp_path / "s.h5")
    ovsynth.write_sweep(default, new_layout=True)
    assert heatmap.data_setting(load_sweep(default)) == ""
