"""Independent NumPy references for `--method sgd`, `--method rf` and the `--diagnostics`
quantities sigma_min(X * X) and lambda(X), beside npref.py's gd trial (whose draws of X, y, v,
W0 are reused here).

Written from the paper (eq. 2.9, eq. 3.1 / Theorem 3.2, Sec. 1.3's Khatri-Rao product,
Definition 6.1) and the documented protocol; facts the documentation does not pin down were
read from the C sources and are marked "[code]" (listed in the module's report):

SGD (eq. 2.9), textbook:
    g ~ U{0..n-1};  r = v . phi(W x_g) - y_g;  W <- W - eta r (v o phi'(W x_g)) x_g^T
  epochs of n steps; the relative error over all n samples is evaluated before the first
  epoch and after every epoch (docs/HDF5_LAYOUT.md, include/sgd.h).
RF (eq. 3.1): v* = argmin ||phi(X W0^T) v - y|| (minimum norm), here through an SVD
  projection of y on the numerically significant left singular vectors of Phi.
lambda(X) (Definition 6.1): Sigma_ij = E_w[phi'(x_i.w) phi'(x_j.w)] <x_i, x_j>, w ~ N(0, I_d);
  softplus by a 2-D Gauss-Hermite product rule (many nodes; sigmoid is analytic in a strip of
  half-width pi), ReLU and leaky ReLU by Sheppard's orthant probability (pi - theta) / (2 pi)
  from the rows' angles theta in long double (row_angles: chords and asin, not acos); checked
  against Monte Carlo and scipy quadrature, the angles against decimal arithmetic, in the tests.
sigma_min(X * X): the n-th singular value of the explicit n x d^2 matrix with rows
  x_i (x) x_i (Sec. 1.3), 0 when d^2 < n.

Read from the code, not the docs: the index stream's tuple (n, k, d, trial) (sgd.h; the
PROTOCOL.md table lists only the data and init tuples) and its draw (Lemire's multiply-shift
with rejection on one pcg32 output, rng.h); what happens at a mid-epoch divergence (the step
is not applied, iterations = complete epochs, the error re-evaluated: sgd.h); rf's rank cutoff
max(n, k) eps sigma_max (linalg.c). docs/HDF5_LAYOUT.md says lambda(X) uses "2-D
Gauss-Hermite quadrature" for smooth activations; diagnostics.c uses a sinh-mapped
trapezoid rule (and explains why not Gauss-Hermite).

Measured (tests/python/test_numpy_reference_methods.py's sweeps): sgd 72 of 72 trials equal
in decisions, epochs and ladder, floats within 1.3e-13 (2.7e-11 in diverged trials near
1e153); rf 324 of 324 decisions and ladders equal; sigma_min(X * X) and lambda(X) within
3e-16 of lambda_max (ReLU on rows not of unit norm only since the engine takes the diagonal's
correlation as exactly 1: see LAM_TOL below; on --data worst's near-duplicate pairs only since
it takes the rows' angle by Kahan's formula, not acos: see the test module's WORST sweeps).
"""

import math

import numpy as np

import npref

STREAM_SGD = 3  # docs/PROTOCOL.md: "SGD sample indices 3"
EPOCH_STEPS_OFFSET = 0  # an epoch is n + this many steps (non-zero only in tests of the tests)


# ---------------------------------------------------------------------------------------------
# SGD

def index_stream(seed, n, k, d, trial):
    """The sample-index stream: tag 3 over (n, k, d, trial) [code: sgd.h; the PROTOCOL table
    lists only the data and init tuples]."""
    return npref.Stream(seed, STREAM_SGD, (n, k, d, trial))


def below(stream, bound):
    """A uniform integer in [0, bound) from one pcg32 output, rarely more: the high word of
    x * bound, rejecting low words under 2^32 mod bound (Lemire 2019) [code: rng.h/rng.c;
    not in docs/PROTOCOL.md]."""
    m = stream.pcg.next() * bound
    low = m & 0xFFFFFFFF
    if low < bound:
        threshold = (1 << 32) % bound
        while low < threshold:
            m = stream.pcg.next() * bound
            low = m & 0xFFFFFFFF
    return m >> 32


def train_sgd(X, y, v, W0, act, eta, idx_stream, max_iter=300, tol=2.5e-3):
    """SGD under the protocol of include/sgd.h (budget and ladder in epochs of n steps)."""
    phi, dphi = npref.ACTS[act]
    n = X.shape[0]
    rungs = npref.ladder(tol)
    hits = [-1] * len(rungs)
    y_norm = math.sqrt(float(y @ y))
    W = W0.copy()
    res = dict(success=0, diverged=0, iterations=0, path_length=0.0)
    t = 0

    def rel_err(W):
        return npref._norm_overflowing(phi(X @ W.T) @ v - y) / y_norm

    with np.errstate(all="ignore"):
        while True:
            rel = rel_err(W)
            if npref.stops(res, hits, rungs, rel, t, tol, max_iter):
                break
            stopped = False
            for _ in range(n + EPOCH_STEPS_OFFSET):
                g = below(idx_stream, n)
                x = X[g]
                z = W @ x
                r = float(v @ phi(z)) - y[g]
                step = eta * r * np.outer(v * dphi(z), x)
                sn = npref._norm_overflowing(step)
                if not (math.isfinite(r) and math.isfinite(sn)):
                    stopped = True  # not applied; the trial stops mid-epoch
                    break
                W = W - step
                res["path_length"] += sn
            if stopped:
                res["diverged"] = 1
                rel = rel_err(W)
                break
            t += 1
    res["iterations"] = t
    res["final_rel_err"] = rel
    res["dist_from_init"] = float(np.linalg.norm(W - W0))
    res["ladder_hit_iter"] = hits
    return res


def sgd_trial(n, k, d, trial, act, eta, seed=2019, max_iter=300, tol=2.5e-3):
    X, y, v, W0, _ = npref.draw_problem(n, k, d, trial, seed)
    return train_sgd(X, y, v, W0, act, eta, index_stream(seed, n, k, d, trial), max_iter, tol)


# ---------------------------------------------------------------------------------------------
# Random features

def rf_fit(X, y, W0, act, tol=2.5e-3, cutoff=None, features=None):
    """Minimum-norm least squares on the output layer at W0 (eq. 3.1). The residual is y
    minus its projection on the left singular vectors of Phi whose singular values exceed
    cutoff * sigma_max (cutoff: max(n, k) * eps by default, LAPACK's/NumPy's usual choice;
    the engine's is the same [code: linalg.c, not in the docs]). Returns a dict with the
    ovs_result fields, Phi's numerical rank and its singular values."""
    phi, _ = npref.ACTS[act]
    n, k = X.shape[0], W0.shape[0]
    Phi = phi(X @ W0.T if features is None else features(X, W0))
    res = dict(iterations=0, dist_from_init=0.0, path_length=0.0)
    if not np.all(np.isfinite(Phi)):
        rel, rank, sv = math.nan, -1, np.array([])
        res["v_norm"] = res["rounding_scale"] = math.nan
    else:
        U, sv, _ = np.linalg.svd(Phi, full_matrices=False)
        cut = (max(n, k) * np.finfo(float).eps if cutoff is None else cutoff) * sv[0]
        rank = int(np.sum(sv > cut))
        Ur = U[:, :rank]
        resid = y - Ur @ (Ur.T @ y)
        rel = float(np.linalg.norm(resid) / np.linalg.norm(y))
        res["v_norm"] = float(np.linalg.norm((Ur.T @ y) / sv[:rank]))  # ||v*||
        # Rounding in the engine's ||Phi v* - y|| (recomputed from v*) is of the order of
        # eps ||Phi|| ||v*||; relative to ||y||:
        res["rounding_scale"] = float(np.finfo(float).eps *
                                      (sv[0] * res["v_norm"] / np.linalg.norm(y) + 1.0))
    res["final_rel_err"] = rel
    res["diverged"] = int(not math.isfinite(rel))
    res["success"] = int(rel < tol)
    res["ladder_hit_iter"] = [0 if rel < r else -1 for r in npref.ladder(tol)]
    res["rank"] = rank
    res["sv"] = sv
    return res


# ---------------------------------------------------------------------------------------------
# Diagnostics from the paper's definitions

def khatri_rao_sigma_min(X):
    """sigma_min(X * X): the n-th singular value of the n x d^2 matrix whose row i is
    x_i (x) x_i (Sec. 1.3); 0 when it has fewer than n columns. Also returns sigma_max."""
    n, d = X.shape
    K = np.einsum("ia,ib->iab", X, X).reshape(n, d * d)
    sv = np.linalg.svd(K, compute_uv=False)
    return (float(sv[n - 1]) if d * d >= n else 0.0), float(sv[0])


def _gh(nodes):
    """Nodes and weights of E[h(g)], g ~ N(0, 1) (Gauss-Hermite, physicists' form rescaled)."""
    t, w = np.polynomial.hermite.hermgauss(nodes)
    return math.sqrt(2.0) * t, w / math.sqrt(math.pi)


def pair_expectation_softplus(a, b, rho, nodes=80):
    """E[s(u) s(v)], s the logistic sigmoid (softplus'), Var u = a^2, Var v = b^2,
    corr(u, v) = rho, by the product Gauss-Hermite rule on u = a g1,
    v = b (rho g1 + sqrt(1 - rho^2) g2). Arrays a, b, rho of one shape."""
    g, w = _gh(nodes)
    a, b, rho = (np.asarray(q, float)[..., None, None] for q in (a, b, rho))
    c = np.sqrt(np.clip(1.0 - rho * rho, 0.0, None))
    g1, g2 = g[:, None], g[None, :]
    s = npref.softplus_deriv
    vals = s(a * g1) * s(b * (rho * g1 + c * g2))
    return np.einsum("...pq,p,q->...", vals, w, w)


LEAKY_SLOPE = npref.LEAKY_SLOPE
PI_LD = 2 * np.arcsin(np.longdouble(1))  # pi to long double (np.pi is only a double)


def pair_expectation_relu(theta):
    """P(u >= 0, v >= 0) for centred normals at angle theta (correlation cos theta):
    (pi - theta) / (2 pi) (Sheppard's orthant formula; the scales do not matter)."""
    return (PI_LD - theta) / (2 * PI_LD)


def pair_expectation_leaky(theta, s=LEAKY_SLOPE):
    """E[phi'(u) phi'(v)] with phi' = s + (1 - s) 1(z >= 0): s^2 + s (1 - s) (P(u >= 0) +
    P(v >= 0)) + (1 - s)^2 P(u >= 0, v >= 0), both one-sided probabilities 1/2."""
    return s * s + s * (1 - s) + (1 - s) ** 2 * pair_expectation_relu(theta)


def row_angles(X):
    """The angles theta_ij between the rows of X, in long double, from the chords of the unit
    rows u_i: 2 asin(|u_i - u_j| / 2) where theta <= pi/2 (that chord <= the other one), else
    pi - 2 asin(|u_i + u_j| / 2). asin's argument stays <= 1/sqrt(2), where it is well
    conditioned, so theta is good to a few ulp of long double (1e-19) even for near-duplicate
    rows, where acos(<x_i, x_j> / (|x_i| |x_j|)) loses eps / theta (test_the_row_angles_...
    checks it against 40-digit decimal arithmetic). 0 where a row is zero (its G entries
    are 0)."""
    L = np.asarray(X, np.longdouble)
    nrm = np.sqrt((L * L).sum(axis=1))
    U = L / np.where(nrm > 0, nrm, 1)[:, None]
    dif = np.sqrt(((U[:, None, :] - U[None, :, :]) ** 2).sum(axis=-1))
    add = np.sqrt(((U[:, None, :] + U[None, :, :]) ** 2).sum(axis=-1))
    half_dif, half_add = np.minimum(dif / 2, 1), np.minimum(add / 2, 1)  # <= 1 + ulp
    return np.where(dif <= add, 2 * np.arcsin(half_dif), PI_LD - 2 * np.arcsin(half_add))


def nn_covariance(X, act, nodes=80):
    """Sigma(X) of Definition 6.1: E_w[(phi'(X w) phi'(X w)^T) o (X X^T)], w ~ N(0, I_d).
    The step activations from the rows' angles, in long double (G too), then rounded."""
    if act in ("relu", "leaky_relu"):
        L = np.asarray(X, np.longdouble)
        th = row_angles(X)
        E = pair_expectation_relu(th) if act == "relu" else pair_expectation_leaky(th)
        return (E * (L @ L.T)).astype(float)
    G = X @ X.T
    nrm = np.sqrt(np.diag(G))
    with np.errstate(all="ignore"):
        rho = np.clip(G / np.outer(nrm, nrm), -1.0, 1.0)
    rho = np.where(np.outer(nrm, nrm) > 0, rho, 0.0)
    np.fill_diagonal(rho, 1.0)  # u = v exactly on the diagonal (not G_ii / sqrt(G_ii)^2)
    if act == "softplus":
        a = np.broadcast_to(nrm[:, None], G.shape)
        b = np.broadcast_to(nrm[None, :], G.shape)
        E = pair_expectation_softplus(a, b, rho, nodes)
    else:
        raise ValueError(act)
    return E * G


def nn_lambda(X, act, nodes=80):
    """lambda(X) = lambda_min(Sigma(X)) and lambda_max (for tolerances)."""
    ev = np.linalg.eigvalsh(nn_covariance(X, act, nodes))
    return float(ev[0]), float(ev[-1])


def nn_covariance_monte_carlo(X, act, draws, rng):
    """Sigma(X) straight from Definition 6.1 by Monte Carlo over w ~ N(0, I_d): the mean and
    the standard error of each entry."""
    dphi = npref.ACTS[act][1]
    D = dphi(X @ rng.standard_normal((X.shape[1], draws)))   # n x draws
    G = X @ X.T
    M = (D @ D.T) / draws
    M2 = ((D * D) @ (D * D).T) / draws
    se = np.sqrt(np.clip(M2 - M * M, 0.0, None) / draws)
    return M * G, se * np.abs(G)


# ---------------------------------------------------------------------------------------------
# Comparison with an engine output file.

def _draw(path, n, k, d, t, seed):
    """npref.draw_problem under the file's --data and --labels."""
    import h5py
    with h5py.File(path, "r") as f:
        data, labels = npref._s(f.attrs["data"]), npref._s(f.attrs["labels"])
        delta = float(f.attrs["data_delta"]) if data == "worst" else None
    return npref.draw_problem(n, k, d, t, seed, data, labels, delta)


def _groups(f, method):
    for gname in [s.strip() for s in npref._s(f.attrs["groups"]).split(",")]:
        g = f[gname]
        if npref._s(g.attrs.get("method", "gd")) == method:
            yield gname, g


def _records(g):
    names = ("done", "success", "diverged", "iterations", "ladder_hit_iter") + npref.FLOATS
    return {nm: g[nm][()] for nm in names}


def _row(gname, n, act, k, d, t, eta, max_iter, tol, seed, ref, recs, ki, di):
    eng = {nm: recs[nm][ki, di, t] for nm in recs}
    eng = {nm: (eng[nm].tolist() if nm == "ladder_hit_iter" else eng[nm].item()) for nm in eng}
    row = dict(group=gname, n=n, act=act, k=k, d=d, trial=t, eta=eta, max_iter=max_iter,
               tol=tol, seed=seed, ref=ref, eng=eng)
    row["same_decision"] = (int(eng["success"]) == ref["success"] and
                            int(eng["diverged"]) == ref["diverged"])
    row["same_iterations"] = int(eng["iterations"]) == ref["iterations"]
    row["same_ladder"] = list(map(int, eng["ladder_hit_iter"])) == ref["ladder_hit_iter"]
    for nm in npref.FLOATS:
        row["rd_" + nm] = npref.rel_diff(float(eng[nm]), ref[nm])
    return row


def _cells(path, method, cells):
    import h5py
    with h5py.File(path, "r") as f:
        seed, tol = int(f.attrs["seed"]), float(f.attrs["tol"])
        for gname, g in _groups(f, method):
            act, n = npref._s(g.attrs["activation"]), int(g.attrs["n"])
            eta, max_iter = float(g.attrs["eta"]), int(g.attrs["max_iter"])
            recs = _records(g)
            for ki, k in enumerate(g["k"][()].tolist()):
                for di, d in enumerate(g["d"][()].tolist()):
                    for t in range(recs["done"].shape[2]):
                        if not recs["done"][ki, di, t]:
                            continue
                        if cells is not None and (gname, k, d, t) not in cells:
                            continue
                        yield (gname, n, act, k, d, t, eta, max_iter, tol, seed, recs, ki, di)


def compare_sgd_file(path, cells=None, eta_scale=1.0, stream=None):
    """The sgd reference for every finished trial of the file's sgd groups (or `cells`).
    stream(seed, n, k, d, trial) may replace the index stream (tests of the tests)."""
    out = []
    stream = stream or index_stream
    for (gname, n, act, k, d, t, eta, max_iter, tol, seed, recs, ki, di) in \
            _cells(path, "sgd", cells):
        eta *= eta_scale
        X, y, v, W0, _ = _draw(path, n, k, d, t, seed)
        ref = train_sgd(X, y, v, W0, act, eta, stream(seed, n, k, d, t), max_iter, tol)
        out.append(_row(gname, n, act, k, d, t, eta, max_iter, tol, seed, ref, recs, ki, di))
    return out


def sgd_self_spread(row):
    """The reference's own one-ulp-eta sensitivity (as npref.self_spread, for sgd)."""
    X, y, v, W0, _ = npref.draw_problem(row["n"], row["k"], row["d"], row["trial"], row["seed"])
    worst = 0.0
    for e in (np.nextafter(row["eta"], 1.0), np.nextafter(row["eta"], 0.0)):
        alt = train_sgd(X, y, v, W0, row["act"], float(e),
                        index_stream(row["seed"], row["n"], row["k"], row["d"], row["trial"]),
                        row["max_iter"], row["tol"])
        worst = max([worst] + [npref.rel_diff(alt[nm], row["ref"][nm]) for nm in npref.FLOATS])
    return worst


def check_sgd_rows(rows):
    """npref.check_rows's rules with the sgd reference's own sensitivity."""
    real = npref.self_spread
    npref.self_spread = sgd_self_spread
    try:
        return npref.check_rows(rows)
    finally:
        npref.self_spread = real


RF_ROUNDING = 32   # allowed multiples of eps ||Phi|| ||v*|| / ||y|| (measured: at most 4.4)


def compare_rf_file(path, cells=None, cutoff=None, features=None):
    """The rf reference for every finished trial of the file's rf groups (or `cells`).
    features(X, W0) may replace X W0^T (tests of the tests)."""
    out = []
    for (gname, n, act, k, d, t, eta, max_iter, tol, seed, recs, ki, di) in \
            _cells(path, "rf", cells):
        X, y, v, W0, _ = _draw(path, n, k, d, t, seed)
        ref = rf_fit(X, y, W0, act, tol, cutoff, features)
        out.append(_row(gname, n, act, k, d, t, eta, max_iter, tol, seed, ref, recs, ki, di))
    return out


def check_rf_rows(rows):
    """Decisions and the ladder exactly; final_rel_err within RF_ROUNDING x the rounding
    scale of the engine's recomputed residual; the rest exactly (0)."""
    problems = []
    for r in rows:
        where = f"{r['group']} k={r['k']} d={r['d']} trial={r['trial']}"
        problems += npref.exact_problems(r, where)
        e, f = r["eng"]["final_rel_err"], r["ref"]["final_rel_err"]
        if not abs(e - f) <= RF_ROUNDING * r["ref"]["rounding_scale"]:
            problems.append(f"{where}: final_rel_err engine {e!r} reference {f!r} (rounding "
                            f"scale {r['ref']['rounding_scale']:.2e})")
        for nm in ("dist_from_init", "path_length"):
            if r["eng"][nm] != 0.0:
                problems.append(f"{where}: {nm} engine {r['eng'][nm]!r}, not 0")
    return problems


def compare_diagnostics_file(path, nodes=80):
    """Per trial of every group (any method): engine kr_sigma_min, nn_lambda against the
    paper's definitions. Rows with both values and the scales used for tolerances."""
    import h5py
    out = []
    cache = {}
    with h5py.File(path, "r") as f:
        seed = int(f.attrs["seed"])
        for gname in [s.strip() for s in npref._s(f.attrs["groups"]).split(",")]:
            g = f[gname]
            n, act = int(g.attrs["n"]), npref._s(g.attrs["activation"])
            for ki, k in enumerate(g["k"][()].tolist()):
                for di, d in enumerate(g["d"][()].tolist()):
                    for t in range(g["done"].shape[2]):
                        if not g["done"][ki, di, t]:
                            continue
                        key = (n, d, t, act)
                        if key not in cache:
                            X = _draw(path, n, 1, d, t, seed)[0]
                            kr, kr_max = khatri_rao_sigma_min(X)
                            lam, lam_max = nn_lambda(X, act, nodes)
                            cache[key] = dict(kr=kr, kr_max=kr_max, lam=lam, lam_max=lam_max)
                        out.append(dict(group=gname, n=n, k=k, d=d, trial=t, act=act,
                                        eng_kr=float(g["kr_sigma_min"][ki, di, t]),
                                        eng_lam=float(g["nn_lambda"][ki, di, t]),
                                        **cache[key]))
    return out


KR_TOL = 1e-12     # on sigma_min^2, relative to sigma_max^2 (both are eigenvalues of one Gram)
LAM_TOL = 1e-12    # on lambda, relative to lambda_max(Sigma)
# No allowance for ReLU's diagonal: the engine once computed E[phi'(u)^2] = (pi - acos(rho_ii))
# / (2 pi) from rho_ii = g_ii / (sqrt(g_ii) sqrt(g_ii)), which rounds to 1 - 1 or 2 ulp for rows
# not of unit norm, and acos has infinite slope at 1 (acos(1 - 2 eps) = 3e-8): Sigma_ii came
# out low by up to 4.7e-9 g_ii, 1e3 times LAM_TOL here. It now takes rho_ii = 1 exactly.


def check_diagnostics_rows(rows):
    problems = []
    for r in rows:
        where = f"{r['group']} k={r['k']} d={r['d']} trial={r['trial']}"
        if 2 * r["n"] > r["d"] * (r["d"] + 1):
            # rank(X * X) <= d(d+1)/2 < n: the n-th singular value is exactly zero.
            if r["eng_kr"] != 0.0 or r["kr"] > 1e-10 * r["kr_max"]:
                problems.append(f"{where}: kr_sigma_min engine {r['eng_kr']!r} reference "
                                f"{r['kr']!r} (rank-limited: should be 0)")
        elif abs(r["eng_kr"] ** 2 - r["kr"] ** 2) > KR_TOL * r["kr_max"] ** 2:
            problems.append(f"{where}: kr_sigma_min engine {r['eng_kr']!r} reference {r['kr']!r}")
        if abs(r["eng_lam"] - max(r["lam"], 0.0)) > LAM_TOL * r["lam_max"]:
            problems.append(f"{where}: nn_lambda engine {r['eng_lam']!r} reference {r['lam']!r}")
    return problems
