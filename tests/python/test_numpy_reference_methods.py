"""The engine's --method sgd, --method rf and --diagnostics against independent NumPy
references (tests/python/npref_methods.py, which reuses npref.py's draws of X, y, v, W0).

- sgd (eq. 2.9): the sample indices from the tag-3 stream, textbook single-sample steps,
  error over all n samples before the first epoch and after each, budget and ladder in
  epochs. Two small sweeps: successes and failures (eta 2), fast divergences (eta 20).
  Decisions, epochs and the ladder exactly; floats to 1e-8 relative except rounding-
  sensitive trials (npref.check_rows's rule, with the sgd reference's one-ulp-eta spread).
- rf (eq. 3.1, Theorem 3.2): the minimum-norm least-squares residual as the projection of y
  off the numerically significant left singular vectors of Phi = phi(X W0^T) (an SVD, not
  the engine's dgelsd). Decisions and the ladder exactly; final_rel_err within 32 x the
  rounding scale eps ||Phi|| ||v*|| / ||y|| of the engine's recomputed residual (at d = 2,
  softplus, Phi is nearly singular and that scale reaches 1e-3: see the report in the
  module); k < n (no interpolation) and k >= n both covered.
- --diagnostics: sigma_min(X * X) from the explicit n x d^2 Khatri-Rao matrix (paper
  Sec. 1.3), lambda(X) from Definition 6.1 (Gauss-Hermite for softplus, Sheppard's orthant
  probability for ReLU and leaky ReLU from the rows' angles), the reference itself checked
  against Monte Carlo and scipy; also on --data worst's near-duplicate rows (delta 1e-5, 1e-6).

Every comparison is shown to fail on a deliberately wrong reference (bottom of the file).
Skipped when bin/ovsweep has not been built; `make` builds it.
"""

import math
import os

import numpy as np
import pytest

import npref
import npref_methods as M
from anahelp import REPO

ENGINE = os.path.join(REPO, "bin", "ovsweep")

SWEEPS = {
    # n = 20, eta 2: successes (d = 8), failures at the budget, k = 1 (v = 0: never moves).
    "sgd_fit": ["--n", "20", "--act", "softplus,relu", "--method", "sgd", "--k", "1,3,8,11",
                "--d", "2,5,8", "--trials", "2", "--max-iter", "200", "--eta", "2"],
    # eta 20: every trial with k > 1 diverges within 60 epochs, mid-epoch.
    "sgd_diverge": ["--n", "20", "--act", "softplus,relu", "--method", "sgd", "--k", "3,8",
                    "--d", "1,2,8", "--trials", "2", "--max-iter", "200", "--eta", "20"],
    # rf around k = n, d = 1 (inputs +-1: rank <= 2) to 8; diagnostics on the same data,
    # n <= d(d+1)/2 from d = 6 on (sigma_min(X * X) > 0).
    "rf": ["--n", "20", "--act", "softplus,relu", "--method", "rf",
           "--k", "5,10,19,20,21,30,40,80", "--d", "1,2,3,4,6,8", "--trials", "3",
           "--diagnostics"],
    # Gaussian inputs (rows not of unit norm: the scales of Definition 6.1's expectation
    # matter), n = 10, d = 4: 2n = d(d+1), the last d where sigma_min(X * X) may be > 0.
    "rf_gauss": ["--n", "10", "--act", "softplus,relu", "--method", "rf", "--k", "5,10,20",
                 "--d", "3,4,5", "--trials", "2", "--data", "gaussian", "--diagnostics"],
}
# Near-duplicate pairs (--data worst, rows 2i and 2i + 1 at distance delta): lambda(X) of a
# step activation is ~delta / (2 pi), and Sheppard's formula needs the pair's angle to a few eps
# absolute. The engine once took it as acos(rho) (error ~eps / delta): ReLU's nn_lambda was off
# by up to 1.4e-12 lambda_max at 1e-5 (4 of the 36 relu/leaky_relu rows beyond LAM_TOL),
# 1.7e-11 at 1e-6 (36 of 36); with Kahan's angle formula 1.8e-16. d = 8: sigma_min(X * X) > 0,
# which (with rf's residuals) checks the reference's draw of the twins.
for _delta in ("1e-5", "1e-6"):
    SWEEPS["rf_worst_" + _delta] = [
        "--n", "20", "--act", "relu,leaky_relu,softplus", "--method", "rf", "--k", "5,30",
        "--d", "2,5,8", "--trials", "3", "--data", "worst", "--delta", _delta, "--diagnostics"]
WORST = [name for name in SWEEPS if name.startswith("rf_worst_")]


@pytest.fixture(scope="module")
def engine_files(tmp_path_factory):
    return npref.run_engine_sweeps(ENGINE, SWEEPS, tmp_path_factory.mktemp("npref_methods"))


@pytest.fixture(scope="module")
def sgd_rows(engine_files):
    return {name: M.compare_sgd_file(engine_files[name]) for name in ("sgd_fit", "sgd_diverge")}


@pytest.fixture(scope="module")
def rf_rows(engine_files):
    return {name: M.compare_rf_file(engine_files[name]) for name in ["rf", "rf_gauss"] + WORST}


@pytest.fixture(scope="module")
def diag_rows(engine_files):
    return {name: M.compare_diagnostics_file(engine_files[name])
            for name in ["rf", "rf_gauss"] + WORST}


# --- sgd --------------------------------------------------------------------------------------

def test_sgd_sweeps_cover_what_they_are_meant_to(sgd_rows):
    fit, div = sgd_rows["sgd_fit"], sgd_rows["sgd_diverge"]
    for act in ("softplus", "relu"):
        mine = [r for r in fit if r["act"] == act]
        assert any(r["eng"]["success"] and r["eng"]["iterations"] > 0 for r in mine), act
        assert any(not r["eng"]["success"] and not r["eng"]["diverged"] and r["k"] > 1
                   for r in mine), act
        assert all(r["eng"]["diverged"] for r in div if r["act"] == act), act
    # a divergence inside an epoch: the path holds the steps applied before it
    assert all(0 < r["eng"]["iterations"] < 200 for r in div)


def test_every_sgd_trial_agrees_with_the_reference(sgd_rows):
    for name, rows in sgd_rows.items():
        problems, chaotic = M.check_sgd_rows(rows)
        assert not problems, f"{name}: {len(problems)} disagreements:\n" + "\n".join(problems)
        assert len(chaotic) <= 1, chaotic
        assert all(" d=1 " in w or " d=2 " in w for w, _, _ in chaotic), chaotic


def test_sample_indices_are_uniform_and_reach_every_sample():
    """The index stream is uniform on {0..n-1} (chi-square over 20000 draws, n = 7)."""
    st = M.index_stream(2019, 7, 3, 5, 0)
    counts = np.bincount([M.below(st, 7) for _ in range(20000)], minlength=7)
    chi2 = float(((counts - 20000 / 7) ** 2 / (20000 / 7)).sum())
    assert chi2 < 22.5, counts   # chi-square, 6 degrees of freedom, p = 0.001


# --- rf ---------------------------------------------------------------------------------------

def test_rf_sweeps_cover_what_they_are_meant_to(rf_rows):
    rows = rf_rows["rf"]
    for act in ("softplus", "relu"):
        mine = [r for r in rows if r["act"] == act]
        # k <= n/2 never interpolates (k = n - 1 did once: softplus, d = 4, 2.4e-4); k >= n
        # does for d >= 3; d = 1 never.
        assert not any(r["eng"]["success"] for r in mine if 2 * r["k"] <= r["n"]), act
        assert not all(r["eng"]["success"] for r in mine if r["k"] == r["n"] - 1), act
        assert all(r["eng"]["success"] for r in mine if r["k"] >= r["n"] and r["d"] >= 3), act
        assert not any(r["eng"]["success"] for r in mine if r["d"] == 1), act
        # numerically rank-deficient Phi with k >= n (d <= 2)
        assert any(r["ref"]["rank"] < r["n"] for r in mine if r["k"] >= r["n"]), act
    assert any(r["eng"]["success"] for r in rf_rows["rf_gauss"])


def test_every_rf_trial_agrees_with_the_reference(rf_rows):
    for name, rows in rf_rows.items():
        problems = M.check_rf_rows(rows)
        assert not problems, f"{name}: {len(problems)} disagreements:\n" + "\n".join(problems)
        for r in rows:
            assert r["eng"]["iterations"] == 0


# --- diagnostics ------------------------------------------------------------------------------

def test_diagnostics_agree_with_the_paper_definitions(diag_rows):
    for name, rows in diag_rows.items():
        problems = M.check_diagnostics_rows(rows)
        assert not problems, f"{name}: {len(problems)} disagreements:\n" + "\n".join(problems)
    rows = diag_rows["rf"] + diag_rows["rf_gauss"]
    assert any(r["kr"] > 0 for r in rows) and any(2 * r["n"] > r["d"] * (r["d"] + 1)
                                                   for r in rows)
    assert any(r["eng_lam"] > 1e-3 for r in rows if r["act"] == "softplus")
    for name in WORST:  # the near-duplicate pair sets lambda: ~delta / (2 pi), 1e-7 lambda_max
        delta = float(name.rsplit("_", 1)[1])
        steps = [r for r in diag_rows[name] if r["act"] != "softplus"]
        assert len(steps) == 36 and all(abs(r["lam"] * 2 * math.pi / delta - 1) < 0.05 and
                                        r["lam"] < 1e-5 * r["lam_max"] for r in steps), name


def test_the_worst_data_twins_are_at_distance_delta():
    for delta in (0.1, 1e-6):
        X = npref.draw_problem(9, 1, 5, 0, data="worst", delta=delta)[0]
        assert np.allclose(np.linalg.norm(X, axis=1), 1.0, rtol=0, atol=4e-16)
        gaps = np.linalg.norm(X[0:8:2] - X[1:8:2], axis=1)
        assert np.allclose(gaps, delta, rtol=1e-9, atol=0), gaps


def _decimal_angle(x, y, digits=40):
    """The angle between x and y (floats, exactly as given) in `digits`-digit decimal
    arithmetic: unit vectors, then 2 asin(chord / 2) by its Taylor series (chord < 0.1 here)."""
    import decimal
    with decimal.localcontext() as ctx:
        ctx.prec = digits + 10
        D = decimal.Decimal
        xs, ys = [D(float(a)) for a in x], [D(float(a)) for a in y]
        nx, ny = sum(a * a for a in xs).sqrt(), sum(a * a for a in ys).sqrt()
        h = sum((a / nx - b / ny) ** 2 for a, b in zip(xs, ys)).sqrt() / 2
        assert h < D("0.05")
        term, total, k = h, h, 0  # asin h = sum (2k)! / (4^k (k!)^2 (2k + 1)) h^(2k + 1)
        while abs(term) > D(10) ** -(digits + 5):
            k += 1
            term *= h * h * (2 * k - 1) * (2 * k - 1) / ((2 * k) * (2 * k + 1))
            total += term
        return 2 * total


def test_the_row_angles_against_decimal_arithmetic():
    """The reference's long double angles of near-duplicate pairs within 1e-18 of 40-digit
    decimal ones; acos of the float64 correlation (the engine's old way) off by ~eps / theta."""
    from decimal import Decimal
    worst_acos = {}
    for delta in (1e-3, 1e-6, 1e-7):
        X = npref.draw_problem(8, 1, 5, 1, data="worst", delta=delta)[0]
        th = M.row_angles(X)
        G = X @ X.T
        for i in (0, 2, 4):
            exact = _decimal_angle(X[i], X[i + 1])
            mine = Decimal(np.format_float_scientific(th[i, i + 1], unique=True))
            assert abs(mine - exact) < Decimal("1e-18"), (delta, i, mine, exact)
            rho = min(1.0, G[i, i + 1] / (math.sqrt(G[i, i]) * math.sqrt(G[i + 1, i + 1])))
            worst_acos[delta] = max(worst_acos.get(delta, 0.0),
                                    abs(math.acos(rho) - float(exact)))
        assert np.all(np.diag(th) == 0)
    assert worst_acos[1e-7] > 1e-10, worst_acos   # eps / theta: 2e-9 at theta = 1e-7


@pytest.mark.parametrize("act", ["softplus", "relu", "leaky_relu"])
def test_the_lambda_reference_is_definition_6_1(act):
    """The quadrature/closed form against Monte Carlo of E_w[(phi'(Xw) phi'(Xw)^T) o XX^T]
    (within 5 standard errors, entry by entry), on Gaussian inputs (rows of unequal norm)."""
    X = npref.draw_problem(8, 1, 3, 0, data="gaussian")[0]
    mc, se = M.nn_covariance_monte_carlo(X, act, 400000, np.random.default_rng(5))
    mine = M.nn_covariance(X, act)
    assert np.all(np.abs(mine - mc) <= 5 * se + 1e-12), np.abs(mine - mc) / (se + 1e-300)


def test_the_relu_orthant_formula_and_softplus_quadrature_against_scipy():
    from scipy import integrate, stats
    for rho in (-0.97, -0.3, 0.0, 0.6, 0.999):
        c = math.sqrt(1 - rho * rho)
        q = integrate.quad(lambda g: stats.norm.pdf(g) * stats.norm.cdf(rho * g / c), 0,
                           np.inf, epsabs=1e-14)[0]
        assert abs(float(M.pair_expectation_relu(math.acos(rho))) - q) < 1e-12, rho
    s = npref.softplus_deriv
    for a, b, rho in ((1.0, 1.0, 0.3), (1.0, 1.0, -0.95), (0.3, 2.5, 0.5)):
        c = math.sqrt(1 - rho * rho)
        q = integrate.dblquad(lambda g2, g1: s(a * g1) * s(b * (rho * g1 + c * g2)) *
                              math.exp(-(g1 * g1 + g2 * g2) / 2) / (2 * math.pi),
                              -12, 12, -12, 12, epsabs=1e-14, epsrel=1e-13)[0]
        assert abs(float(M.pair_expectation_softplus(a, b, rho)) - q) < 1e-13, (a, b, rho)


# --- The comparisons can fail: the same checks on deliberately wrong references. -------------

def _sgd_cells(sgd_rows):
    """A few stable trials of each kind, by file: successes, divergences, budget failures."""
    rows = [(name, r) for name, rs in sgd_rows.items() for r in rs]
    pick = [(f, r) for f, r in rows if r["eng"]["success"]][:3]
    pick += [(f, r) for f, r in rows if r["eng"]["diverged"]][:2]
    pick += [(f, r) for f, r in rows if not r["eng"]["success"] and not r["eng"]["diverged"]
             and r["k"] > 1 and r["d"] >= 5][:2]
    cells = {}
    for f, r in pick:
        cells.setdefault(f, set()).add((r["group"], r["k"], r["d"], r["trial"]))
    return cells


def _sgd_recheck(engine_files, sgd_rows, **kw):
    rows = []
    for name, cells in _sgd_cells(sgd_rows).items():
        rows += M.compare_sgd_file(engine_files[name], cells=cells, **kw)
    assert len(rows) == 7
    return M.check_sgd_rows(rows)[0]


def test_sgd_step_size_off_by_one_part_in_a_million_is_caught(engine_files, sgd_rows):
    assert len(_sgd_recheck(engine_files, sgd_rows, eta_scale=1 + 1e-6)) >= 3


def test_sgd_indices_drawn_by_floor_of_a_uniform_are_caught(engine_files, sgd_rows,
                                                            monkeypatch):
    """floor(n U) with the 53-bit uniform instead of one-output multiply-shift."""
    monkeypatch.setattr(M, "below", lambda st, bound: int(st.uniform() * bound))
    assert len(_sgd_recheck(engine_files, sgd_rows)) >= 3


def test_sgd_index_stream_without_k_is_caught(engine_files, sgd_rows):
    """The stream seeded from (n, d, trial), like the data stream, instead of (n, k, d, trial)."""
    problems = _sgd_recheck(engine_files, sgd_rows, stream=lambda seed, n, k, d, t:
                            npref.Stream(seed, M.STREAM_SGD, (n, d, t)))
    assert len(problems) >= 3


def test_sgd_epochs_of_n_minus_1_steps_are_caught(engine_files, sgd_rows, monkeypatch):
    """The error checked (and the epoch counted) every n - 1 steps instead of every n."""
    monkeypatch.setattr(M, "EPOCH_STEPS_OFFSET", -1)
    assert len(_sgd_recheck(engine_files, sgd_rows)) >= 3


def test_rf_with_scaled_features_is_caught(engine_files, rf_rows):
    """phi(X W0^T / sqrt(d)) (a common random-features normalisation) instead of phi(X W0^T)."""
    rows = M.compare_rf_file(engine_files["rf"],
                             features=lambda X, W0: X @ W0.T / math.sqrt(X.shape[1]))
    assert len(M.check_rf_rows(rows)) >= 20


def test_rf_with_a_looser_rank_cutoff_is_caught(engine_files, rf_rows):
    """Singular values below 1e-10 sigma_max dropped (the engine: max(n, k) eps)."""
    rows = M.compare_rf_file(engine_files["rf"], cutoff=1e-10)
    assert len(M.check_rf_rows(rows)) >= 3


def test_lambda_with_independent_units_is_caught(engine_files, monkeypatch):
    """E[phi'(u)] E[phi'(v)] (correlation ignored) instead of E[phi'(u) phi'(v)]."""
    monkeypatch.setattr(M, "pair_expectation_relu", lambda rho: np.full(np.shape(rho), 0.25))
    real = M.pair_expectation_softplus
    monkeypatch.setattr(M, "pair_expectation_softplus",
                        lambda a, b, rho, nodes=80: real(a, b, 0.0 * np.asarray(rho), nodes))
    rows = M.compare_diagnostics_file(engine_files["rf_gauss"])
    bad = [p for p in M.check_diagnostics_rows(rows) if "nn_lambda" in p]
    assert len(bad) >= len(rows) // 2, bad


def test_lambda_without_the_gram_factor_is_caught(engine_files, monkeypatch):
    """E[phi'(Xw) phi'(Xw)^T] without "o X X^T" (Definition 6.1's Hadamard factor)."""
    real = M.nn_covariance

    def no_gram(X, act, nodes=80):
        G = X @ X.T
        with np.errstate(all="ignore"):
            return np.where(G != 0, real(X, act, nodes) / G, 0.0)

    monkeypatch.setattr(M, "nn_covariance", no_gram)
    rows = M.compare_diagnostics_file(engine_files["rf_gauss"])
    bad = [p for p in M.check_diagnostics_rows(rows) if "nn_lambda" in p]
    assert len(bad) >= len(rows) // 2, bad


def test_lambda_with_the_angle_from_acos_of_the_correlation_is_caught(engine_files, monkeypatch):
    """The angle as acos(<x_i, x_j> / (|x_i| |x_j|)) in float64 (the engine's old way)."""
    def acos_angles(X):
        G = X @ X.T
        nrm = np.sqrt(np.diag(G))
        th = np.arccos(np.clip(G / np.outer(nrm, nrm), -1.0, 1.0))
        np.fill_diagonal(th, 0.0)
        return th.astype(np.longdouble)

    monkeypatch.setattr(M, "row_angles", acos_angles)
    rows = [r for r in M.compare_diagnostics_file(engine_files["rf_worst_1e-6"])
            if r["act"] != "softplus"]
    bad = [p for p in M.check_diagnostics_rows(rows) if "nn_lambda" in p]
    assert len(bad) >= len(rows) // 2, bad


def test_hadamard_instead_of_khatri_rao_is_caught(engine_files, monkeypatch):
    """X o X (n x d, entrywise squares) instead of X * X (rows x_i (x) x_i, n x d^2)."""
    def hadamard(X):
        sv = np.linalg.svd(X * X, compute_uv=False)
        return (float(sv[X.shape[0] - 1]) if X.shape[1] >= X.shape[0] else 0.0), float(sv[0])

    monkeypatch.setattr(M, "khatri_rao_sigma_min", hadamard)
    rows = M.compare_diagnostics_file(engine_files["rf"])
    bad = [p for p in M.check_diagnostics_rows(rows) if "kr_sigma_min" in p]
    assert len(bad) >= 10, bad
