"""The theory subcommand: distance from init against sqrt(n), the rate fit against d/n (from
initial_rel_err and from the ladder), the diagnostics figures, the skips, the CLI errors and the
report wiring."""

import json
import os

import numpy as np
import pytest

import ovsynth
from analysis import theory
from analysis.io import load_sweep

C_TRUE = 0.5
DIST_C = 0.8
BASE = dict(k=range(1, 11), d=range(1, 11), trials=4, max_iter=5000, new_layout=True,
            rate_c=C_TRUE, rate_noise=0.1, dist_c=DIST_C,
            prob=ovsynth.logistic_prob(midpoint=0.8, slope=5.0))
GROUPS = ((30, "softplus"), (60, "softplus"), (30, "relu", "sgd"), (30, "relu", "rf"))
THEORY_PNGS = {"theory_dist_from_init.png", "theory_dist_vs_n.png", "theory_rate.png",
               "theory_jac_success.png", "theory_data_spectra.png", "theory_heatmap_all.png",
               "theory_heatmap_n30_softplus.png", "theory_heatmap_n60_softplus.png",
               "theory_heatmap_n30_relu_sgd.png", "theory_heatmap_n30_relu_rf.png"}


@pytest.fixture(scope="module")
def diag_file(make_sweep):
    return make_sweep("theory_diag", groups=GROUPS, diagnostics=True, kd_band=(0.2, 4.0),
                      **BASE)


@pytest.fixture(scope="module")
def nodiag_file(make_sweep):
    return make_sweep("theory_nodiag", groups=GROUPS, diagnostics=False, **BASE)


def test_fit_rate_through_origin_is_exact_on_exact_data():
    x = np.array([0.1, 0.2, 0.5])
    f = theory.fit_rate(x, 0.7 * x)
    assert f["c"] == pytest.approx(0.7) and f["se"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(theory.fit_rate([], [])["c"])


def test_rate_fit_recovers_planted_c_from_initial_rel_err(diag_file):
    sw = load_sweep(diag_file)
    for g in sw.groups:
        if g.method != "gd":
            continue
        r = theory.trial_rates(g)
        assert r["from_initial_rel_err"] == int((g.success & g.done).sum()) > 50
        assert r["from_ladder"] == 0
        f = theory.fit_rate(r["x"], r["rate"])
        assert abs(f["c"] - C_TRUE) < max(4 * f["se"], 0.01), (g.name, f)
        assert abs(f["c"] - C_TRUE) < 0.05 * C_TRUE


def test_rate_fit_recovers_planted_c_from_the_ladder_without_diagnostics(nodiag_file):
    sw = load_sweep(nodiag_file)
    g = sw.groups[0]
    assert "initial_rel_err" not in g.trial_data
    r = theory.trial_rates(g)
    assert r["from_initial_rel_err"] == 0 and r["from_ladder"] > 50
    f = theory.fit_rate(r["x"], r["rate"])
    assert abs(f["c"] - C_TRUE) < 0.1 * C_TRUE, f
    # a wrong planted rate must be told apart
    assert abs(f["c"] - 2 * C_TRUE) > 0.3 * C_TRUE


def test_distance_over_sqrt_n_and_its_exponent(diag_file):
    sw = load_sweep(diag_file)
    data = {g.name: theory.distance_data(g) for g in sw.groups}
    assert data["n30_relu_rf"] is None                       # W = W0 for random features
    for name in ("n30_softplus", "n60_softplus", "n30_relu_sgd"):
        assert 0.9 * DIST_C < data[name]["median"] < 1.1 * DIST_C
    gs = [g for g in sw.groups if data[g.name] is not None]
    rows = theory.distance_vs_n(gs, data)
    assert len(rows) == 1 and rows[0]["activation"] == "softplus"
    assert rows[0]["exponent"] == pytest.approx(0.5, abs=0.1)   # planted dist ~ sqrt(n)


def test_khatri_rao_rank_bound_check(diag_file):
    g = load_sweep(diag_file).groups[0]
    kz = theory.kr_zero_check(g)
    assert kz["trials"] > 0 and kz["zero"] == kz["trials"]          # n > d(d+1)/2: all ~0
    assert kz["elsewhere_zero"] == 0 and kz["elsewhere_trials"] > 0
    assert theory.critical_d(30) == 8 and theory.critical_d(28) == 7


def test_theory_subcommand_writes_pngs_summary_and_json(run_cli, diag_file, tmp_path):
    out_dir = tmp_path / "th"
    rc, out, err = run_cli("theory", diag_file, "-o", out_dir, "--dpi", "150")
    assert rc == 0, err
    names = set(os.listdir(out_dir))
    assert THEORY_PNGS <= names and {"theory.md", "theory.json"} <= names
    from anahelp import png_stats
    for nm in THEORY_PNGS:
        h, w, var, *_ = png_stats(out_dir / nm)
        assert h >= 300 and w >= 300 and var > 0.001, nm
    md = (out_dir / "theory.md").read_text()
    for needle in ("(a) Distance", "(b) Geometric rate", "(c) Diagnostics", "(d) Heatmaps",
                   "C = 1", "n30_softplus"):
        assert needle in md
    for link in __import__("re").findall(r"\]\(([^)]+)\)", md):
        assert (out_dir / link).exists(), link
    doc = json.loads((out_dir / "theory.json").read_text())
    assert doc["rate"]["n30_softplus"]["c"] == pytest.approx(C_TRUE, rel=0.05)
    assert "n30_relu_rf" not in doc["rate"]
    assert any("n30_relu_sgd" in s for s in doc["skipped"])
    assert "skipped: (b) rate for n30_relu_rf" in out


def test_theory_without_diagnostics_does_a_and_b_and_says_what_was_skipped(run_cli, nodiag_file,
                                                                          tiny_file, tmp_path):
    for path, tag in ((nodiag_file, "new"), (tiny_file, "old")):
        out_dir = tmp_path / tag
        rc, out, err = run_cli("theory", path, "-o", out_dir, "--dpi", "60")
        assert rc == 0, err
        names = set(os.listdir(out_dir))
        assert {"theory_dist_from_init.png", "theory_rate.png", "theory.md"} <= names
        assert "theory_jac_success.png" not in names and "theory_data_spectra.png" not in names
        assert "skipped: (c) diagnostics: the file has none" in out
        assert "rate taken from the ladder" in out
        md = (out_dir / "theory.md").read_text()
        assert "## Skipped" in md and "(c) diagnostics: the file has none" in md


@pytest.mark.parametrize("case", ["missing", "no_diagnostics"])
def test_theory_cli_errors_are_one_line_and_nonzero(run_cli, nodiag_file, tmp_path, case):
    out_dir = tmp_path / "out"
    if case == "missing":
        rc, out, err = run_cli("theory", tmp_path / "nope.h5", "-o", out_dir)
        needle = "no such file"
    else:
        rc, out, err = run_cli("theory", nodiag_file, "-o", out_dir, "--require-diagnostics")
        needle = "no diagnostics"
    assert rc == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("analysis: error:") and needle in lines[0]
    assert not out_dir.exists()


def test_report_includes_theory_only_when_diagnostics_are_present(run_cli, diag_file,
                                                                  nodiag_file, tmp_path):
    rc, _, err = run_cli("report", diag_file, "-o", tmp_path / "with", "--dpi", "60",
                         "--bootstrap", "10")
    assert rc == 0, err
    md = (tmp_path / "with" / "report.md").read_text()
    assert "## Comparison with the theory" in md and "(theory.md)" in md
    assert (tmp_path / "with" / "theory_rate.png").exists()
    rc, _, err = run_cli("report", nodiag_file, "-o", tmp_path / "without", "--dpi", "60",
                         "--bootstrap", "10")
    assert rc == 0, err
    assert "Comparison with the theory" not in (tmp_path / "without" / "report.md").read_text()
    assert not (tmp_path / "without" / "theory.md").exists()


def test_jacobian_zero_legend_does_not_equate_zero_with_kd_below_n(diag_file, tmp_path,
                                                                    monkeypatch):
    """sigma_min(J(W0)) = 0 for every kd < n, but also at kd >= n where J(W0) is rank-deficient
    (real runs: ReLU, n = 16, 102 of 262 zeros at kd >= n, and its 3 successes with J = 0 are
    all there). The legend and theory.json must not label the zeros 'kd < n'."""
    g = load_sweep(diag_file).groups[0]
    jac = g.trial_data["jac_sigma_min"]
    kd = np.broadcast_to((g.kd)[:, :, None], jac.shape)
    at = np.argwhere(g.done & (kd > g.n) & (jac > 0))[:3]
    for i, j, t in at:                       # rank-deficient J at kd > n
        jac[i, j, t] = 0.0
    below = int((g.done & (kd < g.n)).sum())
    zeros = int((g.done & (jac <= 0)).sum())
    assert zeros > below
    labels = []
    monkeypatch.setattr(theory, "save", lambda fig, path: (labels.extend(
        t.get_text() for ax in fig.axes for t in (ax.get_legend().get_texts()
                                                  if ax.get_legend() else [])), path)[1])
    bins = theory.jac_success_bins(g)
    assert bins["zero"][1] == zeros and bins["zero_kd_below_n"] == below
    theory.plot_jac([g], {g.name: bins}, str(tmp_path / "j.png"))
    lab = next(s for s in labels if "jac = 0" in s)
    assert "(kd < n):" not in lab and f"{below} with kd < n" in lab, lab


def test_jacobian_zero_within_rounding_counts_as_zero(diag_file):
    """A rank-deficient J(W0) at kd >= n comes out of the engine's eigensolver as a rounding
    residue rather than 0 (measured, n = 20, tanh/gelu at d = 2, ReLU with dead units:
    sigma_min^2 / lambda_max from 3e-21 to 7e-15). Such trials belong with the zeros; a small
    but resolvable sigma_min (here sigma_min^2 = 1e-10 ||X||^2, far above n (n + k + d) eps
    ||X||^2) stays in the positive bins. Without lambda_max (fixed eta) ||X||^2 is the scale;
    with it, lambda_max is."""
    g = load_sweep(diag_file).groups[0]
    jac, xn = g.trial_data["jac_sigma_min"], g.trial_data["x_norm"]
    kd = np.broadcast_to((g.kd)[:, :, None], jac.shape)
    at = np.argwhere(g.done & (kd > g.n) & (jac > 0))
    assert len(at) >= 5
    exact = int((g.done & (jac <= 0)).sum())
    for i, j, t in at[:3]:
        jac[i, j, t] = 1e-9 * xn[i, j, t]      # residue: sigma^2 = 1e-18 ||X||^2
    i, j, t = at[3]
    jac[i, j, t] = 1e-5 * xn[i, j, t]          # small but resolvable
    b = theory.jac_success_bins(g)
    assert b["zero"][1] == exact + 3 and b["zero_rounding"] == 3
    assert sum(r[2] for r in b["bins"]) == int((g.done & np.isfinite(jac)).sum()) - exact - 3
    # lambda_max, where stored, is the scale: 1e-9 ||X|| is resolvable against a tiny one
    g.trial_data["lambda_max"] = np.where(g.done, 1e-12 * xn * xn, np.nan)
    assert theory.jac_success_bins(g)["zero"][1] == exact
