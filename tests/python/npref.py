"""An independent NumPy reference for one ovsweep gd trial (docs/PROTOCOL.md, paper Sec. 4).

Written from the documented protocol; where the documentation does not pin a fact down
(how a seed tuple becomes a PCG state and stream, the uniform's bit layout, which half of a
polar pair comes first, the spare normal carried from X into y, the trial numbering, how the
divergence test overflows, ...) the fact was read from the C sources and is marked
"[code]" below. The training itself is textbook NumPy, not a translation of src/train.c:

    r = phi(X W^T) v - y;  grad = ((phi'(X W^T) * r[:, None]) * v).T @ X;  W -= eta * grad

Used by tests/python/test_numpy_reference.py; `python3 tests/python/npref.py FILE` compares
every gd trial of an engine output file with this reference and prints the agreement.
"""

import math
import os
import sys

import numpy as np

M64 = (1 << 64) - 1

# ---------------------------------------------------------------------------------------------
# Random numbers: PCG32 (XSH-RR 64/32), SplitMix64 tuple hashing, Marsaglia polar normals.

PCG_MULT = 6364136223846793005


class Pcg32:
    """O'Neill's pcg32 (the reference pcg32_srandom_r / pcg32_random_r)."""

    def __init__(self, initstate, initseq):
        self.state = 0
        self.inc = ((initseq << 1) | 1) & M64
        self.next()
        self.state = (self.state + initstate) & M64
        self.next()

    def next(self):
        old = self.state
        self.state = (old * PCG_MULT + self.inc) & M64
        xorshifted = (((old >> 18) ^ old) >> 27) & 0xFFFFFFFF
        rot = old >> 59
        return ((xorshifted >> rot) | (xorshifted << ((32 - rot) & 31))) & 0xFFFFFFFF


def splitmix64(x):
    """The SplitMix64 finaliser (with its golden-ratio increment)."""
    x = (x + 0x9E3779B97F4A7C15) & M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


STREAM_DATA, STREAM_INIT = 1, 2  # [code] the stream tags (rng.h)


class Stream:
    """One tuple-seeded stream: uniforms with 53 bits, polar-method normals with a spare."""

    def __init__(self, seed, tag, coords):
        # [code] the chain: domain constant "ovsweep-", tag, each coordinate, the length;
        # the PCG state and stream selector are two further hashes ("STATE", "STREAM").
        h = splitmix64((seed ^ 0x6F7673776565702D) & M64)
        h = splitmix64(h ^ tag)
        for c in coords:
            h = splitmix64(h ^ (c & M64))
        h = splitmix64(h ^ len(coords))
        self.pcg = Pcg32(splitmix64(h ^ 0x5354415445), splitmix64(h ^ 0x53545245414D))
        self.spare = None

    def uniform(self):
        # [code] first output gives the top 26 bits, the second the low 27.
        hi = self.pcg.next() >> 6
        lo = self.pcg.next() >> 5
        return ((hi << 27) | lo) * 2.0 ** -53

    def normal(self):
        # [code] u first, then v; u * scale is returned, v * scale kept for the next call.
        if self.spare is not None:
            z, self.spare = self.spare, None
            return z
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            s = u * u + v * v
            if 0.0 < s < 1.0:
                break
        scale = math.sqrt(-2.0 * math.log(s) / s)
        self.spare = v * scale
        return u * scale


def _seq_sum_squares(vals):
    """A plain left-to-right sum of squares (the order of the engine's draws; [code])."""
    s = 0.0
    for a in vals:
        s += a * a
    return s


def _sphere_row(st, d):
    while True:
        row = [st.normal() for _ in range(d)]
        nrm2 = _seq_sum_squares(row)
        if nrm2 != 0.0:
            break
    inv = 1.0 / math.sqrt(nrm2)  # [code] multiplied by 1/||g||, not divided by ||g||
    return [a * inv for a in row]


def _twin_row(st, x, delta):
    """`--data worst`'s twin of the unit row x at chord distance delta [code: problem.c's
    draw_twin, every operation in its order, so that the rows are bit-identical]: d normals,
    their component along x removed (dot and squared norm summed left to right), then
    cos(t) x + (sin(t) / |u|) u with t = 2 asin(delta / 2); at d = 1 the twin is x itself."""
    d = len(x)
    while True:
        u = [st.normal() for _ in range(d)]
        dot = 0.0
        for a, b in zip(u, x):
            dot += a * b
        u = [a - dot * b for a, b in zip(u, x)]
        u2 = _seq_sum_squares(u)
        if not (d > 1 and u2 < 1e-20):
            break
    if d == 1:
        return list(x)
    t = 2.0 * math.asin(delta / 2.0)
    c, s = math.cos(t), math.sin(t) / math.sqrt(u2)
    return [c * a + s * b for a, b in zip(x, u)]


def draw_problem(n, k, d, trial, seed=2019, data="sphere", labels="gaussian", delta=0.1):
    """X (n x d), y (n), v (k), W0 (k x d), ||y|| of one trial (trial numbered from 0 [code]).

    Data stream (seed, n, d, trial): X row by row, then y, one generator (a spare normal left
    by the last row of X is y's first value [code]). `--data worst`: rows 2i on the sphere,
    rows 2i + 1 their twins at distance delta (_twin_row). Init stream (seed, n, k, d, trial):
    W0 row-major [code]."""
    st = Stream(seed, STREAM_DATA, (n, d, trial))
    X = np.empty((n, d))
    for i in range(n):
        if data == "gaussian":
            X[i] = [(1.0 / math.sqrt(d)) * st.normal() for _ in range(d)]
        elif data == "worst" and i % 2 == 1:
            X[i] = _twin_row(st, [float(a) for a in X[i - 1]], delta)
        else:
            X[i] = _sphere_row(st, d)
    if labels == "sign":
        y = np.array([-1.0 if st.uniform() < 0.5 else 1.0 for _ in range(n)])
    else:
        y = np.array([st.normal() for _ in range(n)])
    y_norm = math.sqrt(_seq_sum_squares(y))
    c = y_norm / math.sqrt(float(k) * n)
    half = k // 2
    v = np.array([c] * half + [-c] * half + [0.0] * (k - 2 * half))
    si = Stream(seed, STREAM_INIT, (n, k, d, trial))
    W0 = np.array([si.normal() for _ in range(k * d)]).reshape(k, d)
    return X, y, v, W0, y_norm


# ---------------------------------------------------------------------------------------------
# Activations and training.

def softplus(z):
    return np.logaddexp(0.0, z)


def softplus_deriv(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic sigmoid, written another way


def relu(z):
    return np.maximum(z, 0.0)  # NaN propagates


def relu_deriv(z):
    return (z >= 0).astype(float)  # phi'(0) = 1, as the paper defines it


LEAKY_SLOPE = 0.01  # [code: activation.c's LEAK; the docs do not give it]


def leaky_relu(z):
    return np.where(z < 0, LEAKY_SLOPE * z, z)


def leaky_relu_deriv(z):
    return np.where(z >= 0, 1.0, np.where(z < 0, LEAKY_SLOPE, z))  # NaN propagates [code]


ACTS = {"softplus": (softplus, softplus_deriv), "relu": (relu, relu_deriv),
        "leaky_relu": (leaky_relu, leaky_relu_deriv)}
ETA = {"softplus": 0.15, "relu": 0.1}
LADDER_FIXED = (1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 5e-4, 2.5e-4, 1e-4, 5e-5,
                1e-5, 1e-6)


def ladder(tol):
    """The rungs of the fixed ladder above tol, then tol (docs/PROTOCOL.md)."""
    return [r for r in LADDER_FIXED if r > tol][:15] + [tol]


def _norm_overflowing(a):
    # [code] the engine tests sqrt(sum of squares) for finiteness, so a "non-finite
    # residual/gradient" includes finite entries whose squares overflow (|a| > ~1.3e154).
    return math.sqrt(float(np.sum(a * a)))


def stops(res, hits, rungs, rel, t, tol, max_iter):
    """The stop rules at one evaluation of the error, in docs/PROTOCOL.md's order: a
    non-finite error diverges; else the ladder's first hits, then success below tol, then the
    budget's end. True when the trial stops here."""
    if not math.isfinite(rel):
        res["diverged"] = 1
        return True
    for j, rung in enumerate(rungs):
        if hits[j] < 0 and rel < rung:
            hits[j] = t
    if rel < tol:
        res["success"] = 1
        return True
    return t == max_iter


def run_engine_sweeps(engine, sweeps, base):
    """bin/ovsweep (one process, one BLAS thread) on each named sweep, into base/NAME.h5:
    {name: path}. Skips the calling test module where the engine is not built."""
    import subprocess
    import pytest
    if not (os.path.isfile(engine) and os.access(engine, os.X_OK)):
        pytest.skip("bin/ovsweep is not built (run `make` at the repository root): "
                    "NumPy reference comparison skipped")
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = {}
    for name, args in sweeps.items():
        path = os.path.join(str(base), f"{name}.h5")
        res = subprocess.run([engine, "--quiet", *args, "-o", path], cwd=os.path.dirname(
            os.path.dirname(engine)), env=env, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"bin/ovsweep exited {res.returncode}: {res.stderr[-2000:]}"
        out[name] = path
    return out


def train(X, y, v, W0, act, eta, max_iter=15000, tol=2.5e-3):
    """Full-batch GD under the iteration convention of docs/PROTOCOL.md. Returns a dict."""
    phi, dphi = ACTS[act]
    rungs = ladder(tol)
    hits = [-1] * len(rungs)
    y_norm = math.sqrt(float(y @ y))
    W = W0.copy()
    res = dict(success=0, diverged=0, iterations=0, path_length=0.0)
    t = 0
    with np.errstate(all="ignore"):
        while True:
            Z = X @ W.T                     # n x k pre-activations
            r = phi(Z) @ v - y              # residual
            rel = _norm_overflowing(r) / y_norm
            if stops(res, hits, rungs, rel, t, tol, max_iter):
                break
            grad = ((dphi(Z) * r[:, None]) * v).T @ X      # k x d
            gnorm = _norm_overflowing(grad)
            if not math.isfinite(gnorm):
                res["diverged"] = 1
                break
            if gnorm == 0.0:
                t = max_iter  # W is a fixed point: every remaining update leaves it as is
                break
            W_new = W - eta * grad
            res["path_length"] += float(np.linalg.norm(W_new - W))
            W = W_new
            t += 1
    res["iterations"] = t
    res["final_rel_err"] = rel
    res["dist_from_init"] = float(np.linalg.norm(W - W0))
    res["ladder_hit_iter"] = hits
    return res


def reference_trial(n, k, d, trial, act, seed=2019, eta=None, max_iter=15000, tol=2.5e-3):
    X, y, v, W0, _ = draw_problem(n, k, d, trial, seed)
    return train(X, y, v, W0, act, ETA[act] if eta is None else eta, max_iter, tol)


# ---------------------------------------------------------------------------------------------
# Comparison with an engine output file.

FLOATS = ("final_rel_err", "dist_from_init", "path_length")


def rel_diff(a, b):
    if a == b or (math.isnan(a) and math.isnan(b)):
        return 0.0
    if not (math.isfinite(a) and math.isfinite(b)):
        return math.inf
    return abs(a - b) / max(abs(a), abs(b))


def compare_file(path, cells=None, eta_scale=1.0):
    """Run the reference for every finished gd trial of an engine file (or only the
    (group, k, d, trial) in `cells`) and return a list of per-trial comparison dicts."""
    import h5py
    out = []
    with h5py.File(path, "r") as f:
        seed = int(f.attrs["seed"])
        for gname in [s.strip() for s in _s(f.attrs["groups"]).split(",")]:
            g = f[gname]
            act, n = _s(g.attrs["activation"]), int(g.attrs["n"])
            eta, max_iter = float(g.attrs["eta"]) * eta_scale, int(g.attrs["max_iter"])
            tol = float(f.attrs["tol"])
            ks, ds = g["k"][()].tolist(), g["d"][()].tolist()
            recs = {nm: g[nm][()] for nm in ("done", "success", "diverged", "iterations",
                                             "ladder_hit_iter") + FLOATS}
            for ki, k in enumerate(ks):
                for di, d in enumerate(ds):
                    for t in range(recs["done"].shape[2]):
                        if not recs["done"][ki, di, t]:
                            continue
                        if cells is not None and (gname, k, d, t) not in cells:
                            continue
                        X, y, v, W0, _ = draw_problem(n, k, d, t, seed)
                        ref = train(X, y, v, W0, act, eta, max_iter, tol)
                        eng = {nm: recs[nm][ki, di, t] for nm in recs}
                        row = dict(group=gname, n=n, act=act, k=k, d=d, trial=t, eta=eta,
                                   max_iter=max_iter, tol=tol, seed=seed, ref=ref,
                                   eng={nm: (eng[nm].tolist() if nm == "ladder_hit_iter"
                                             else eng[nm].item()) for nm in eng})
                        row["same_decision"] = (int(eng["success"]) == ref["success"] and
                                                int(eng["diverged"]) == ref["diverged"])
                        row["same_iterations"] = int(eng["iterations"]) == ref["iterations"]
                        row["same_ladder"] = (list(eng["ladder_hit_iter"]) ==
                                              ref["ladder_hit_iter"])
                        for nm in FLOATS:
                            row["rd_" + nm] = rel_diff(float(eng[nm]), ref[nm])
                        out.append(row)
    return out


def diagnostics(X, y, v, W0, act):
    """The engine's --diagnostics quantities that depend on the whole of X, y and W0:
    ||X|| (spectral), ||f(W0) - y|| / ||y||, and the n-th singular value of the Jacobian of
    (f(x_i; W))_i with respect to vect(W) at W0 (0 when kd < n), with its largest one."""
    phi, dphi = ACTS[act]
    n, d = X.shape
    k = W0.shape[0]
    Z = X @ W0.T
    init = np.linalg.norm(phi(Z) @ v - y) / np.linalg.norm(y)
    # row i of J: d f(x_i) / d w_j = v_j phi'(w_j . x_i) x_i, units j in order (vect(W)).
    J = ((dphi(Z) * v)[:, :, None] * X[:, None, :]).reshape(n, k * d)
    sv = np.linalg.svd(J, compute_uv=False)
    jmin = sv[n - 1] if k * d >= n else 0.0
    return dict(x_norm=float(np.linalg.norm(X, 2)), initial_rel_err=float(init),
                jac_sigma_min=float(jmin), jac_sigma_max=float(sv[0]))


FLOAT_RTOL = 1e-8          # stable trials: summation orders differ, nothing more
CHAOS_RTOL = 0.3           # rounding-sensitive trials (see check_rows): a sanity bound only


def self_spread(row):
    """How far this reference's own float results move when eta changes by one ulp either
    way: the trajectory's sensitivity to rounding. Returns the largest relative change."""
    X, y, v, W0, _ = draw_problem(row["n"], row["k"], row["d"], row["trial"], row["seed"])
    worst = 0.0
    for e in (np.nextafter(row["eta"], 1.0), np.nextafter(row["eta"], 0.0)):
        alt = train(X, y, v, W0, row["act"], float(e), row["max_iter"], row["tol"])
        worst = max([worst] + [rel_diff(alt[nm], row["ref"][nm]) for nm in FLOATS])
    return worst


def exact_problems(r, where):
    """The fields that must agree exactly: the decisions, the iterations, the ladder."""
    problems = []
    for nm in ("success", "diverged", "iterations", "ladder_hit_iter"):
        e = r["eng"][nm]
        e = list(map(int, e)) if nm == "ladder_hit_iter" else int(e)
        if e != r["ref"][nm]:
            problems.append(f"{where}: {nm} engine {e} reference {r['ref'][nm]}")
    return problems


def check_rows(rows):
    """Problems (strings) of a comparison: decisions, iterations and ladder must be equal;
    floats within FLOAT_RTOL, except in trials whose own results move by more than
    FLOAT_RTOL under a one-ulp change of eta (chaotic trajectories: the error oscillates
    and does not converge), which are held to CHAOS_RTOL and listed in `chaotic`."""
    problems, chaotic = [], []
    for r in rows:
        where = f"{r['group']} k={r['k']} d={r['d']} trial={r['trial']}"
        problems += exact_problems(r, where)
        gap = max(r["rd_" + nm] for nm in FLOATS)
        if gap > FLOAT_RTOL:
            spread = self_spread(r)
            if spread > FLOAT_RTOL and gap <= CHAOS_RTOL:
                chaotic.append((where, gap, spread))
            else:
                problems.append(f"{where}: float results differ by {gap:.3e} (relative; the "
                                f"reference's own one-ulp sensitivity is {spread:.1e})")
    return problems, chaotic


def summary(rows):
    lines = [f"trials compared: {len(rows)}",
             f"same success/diverged: {sum(r['same_decision'] for r in rows)}",
             f"same iterations: {sum(r['same_iterations'] for r in rows)}",
             f"same ladder_hit_iter: {sum(r['same_ladder'] for r in rows)}",
             f"diverged (engine): {sum(int(r['eng']['diverged']) for r in rows)}, "
             f"success (engine): {sum(int(r['eng']['success']) for r in rows)}"]
    for nm in FLOATS:
        worst = max(rows, key=lambda r: r["rd_" + nm])
        lines.append(f"max rel diff {nm}: {worst['rd_' + nm]:.3e} at {worst['group']} "
                     f"k={worst['k']} d={worst['d']} trial={worst['trial']} "
                     f"(engine {worst['eng'][nm]!r}, reference {worst['ref'][nm]!r})")
        nd = [r for r in rows if not r["eng"]["diverged"]]
        if nd and len(nd) < len(rows):
            w2 = max(nd, key=lambda r: r["rd_" + nm])
            lines.append(f"  excluding diverged trials: {w2['rd_' + nm]:.3e}")
    bad = [r for r in rows if not (r["same_decision"] and r["same_iterations"] and
                                   r["same_ladder"])]
    for r in bad[:20]:
        e, f = r["eng"], r["ref"]
        lines.append(f"MISMATCH {r['group']} k={r['k']} d={r['d']} trial={r['trial']}: "
                     f"(success, diverged, iterations) engine "
                     f"{e['success'], e['diverged'], e['iterations']} reference "
                     f"{f['success'], f['diverged'], f['iterations']}")
    return "\n".join(lines)


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


if __name__ == "__main__":
    rows = compare_file(sys.argv[1])
    print(summary(rows))
    problems, chaotic = check_rows(rows)
    for where, gap, spread in chaotic:
        print(f"rounding-sensitive: {where}: engine-reference gap {gap:.2e}, "
              f"reference's own one-ulp-eta spread {spread:.2e}")
    print("\n".join(problems) or "no problems")
    sys.exit(1 if problems else 0)
