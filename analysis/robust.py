"""Intervals for the 50% point that do not lean on the kd/n-only model.

The profile-likelihood interval of analysis.boundary is exact only if success depends on k and d
through kd/n alone; the likelihood-ratio test of that model can reject it (on the full Figure-2
grid it does, p ~ 1e-6). Two answers that do not need the model:

* per-d fits: for each input dimension d, the same fit link(P) = a + b log(kd/n) using only the
  cells of that column (k varies), each with its own profile-likelihood interval. If the model
  held, all of them would agree; their range says how far the 50% point moves with d.
* a bootstrap over datasets: a trial's dataset (X, y) is seeded by (seed, n, d, trial) and shared
  by every k of that column, so the independent units are the (d, trial) pairs. Each replicate
  draws, for every d, as many trial indices as that column has (with replacement), keeps every
  k of a drawn (d, trial), and refits the pooled kd/n curve; the 2.5% and 97.5% order statistics
  of the replicate 50% points give a percentile interval that stays valid for that curve's 50%
  point when the model is wrong (overdispersion, k and d effects) and honours the sharing of
  datasets across k. The generator is seeded from (seed, group name): reproducible.
"""

import zlib
from typing import Dict, List, Optional

import numpy as np

from . import stats
from .boundary import fit_midpoint, param_count, variable_name
from .io import Group
from .outcomes import Outcomes

ALPHA = 0.05            # LR tests with p below this reject the kd/n-only model
DEFAULT_REPS = 200
DEFAULT_SEED = 1
BOOTSTRAP_METHOD = ("bootstrap over datasets: (d, trial) pairs resampled with replacement within "
                    "each d, all k of a drawn pair kept; percentile interval (2.5%, 97.5% order "
                    "statistics)")


def per_d_fits(group: Group, outc: Outcomes, link: stats.Link, effective: bool) -> List[Dict]:
    """One fit of link(P) = a + b log(count/n) per d column (varying k), with the midpoint's
    profile-likelihood interval."""
    count = param_count(group, effective)
    var = variable_name(group, effective)
    rows = []
    for j, d in enumerate(group.d):
        f = fit_midpoint(count[:, j], outc.success_count[:, j], outc.trials_done[:, j], group.n,
                         link, var=var, width_ci=False)
        rows.append({"d": int(d), "status": f["status"], "trials": f["trials"],
                     "successes": f["successes"], "midpoint": f["midpoint"],
                     "midpoint_ci": f["midpoint_ci"], "midpoint_bounds": f["midpoint_bounds"]})
    return rows


def bounded(row: Dict) -> bool:
    """A per-d fit with a point estimate and a finite, positive interval."""
    lo, hi = row["midpoint_ci"]
    return row["status"] == "ok" and bool(np.isfinite(lo) and np.isfinite(hi) and lo > 0)


def per_d_range(rows: List[Dict]) -> Dict:
    """Smallest and largest per-d 50% point among the bounded fits (with their d)."""
    ok = [r for r in rows if bounded(r)]
    if not ok:
        return {"fits": 0, "min": float("nan"), "max": float("nan"), "d_min": None,
                "d_max": None}
    lo = min(ok, key=lambda r: r["midpoint"])
    hi = max(ok, key=lambda r: r["midpoint"])
    return {"fits": len(ok), "min": lo["midpoint"], "max": hi["midpoint"], "d_min": lo["d"],
            "d_max": hi["d"], "median": float(np.median([r["midpoint"] for r in ok]))}


def _replicate_midpoint(x: np.ndarray, s: np.ndarray, t: np.ndarray, link: stats.Link,
                        beta0) -> float:
    """50% point (in count/n) of one replicate: 0 or inf when every trial succeeded or failed,
    the middle of the gap (geometric) when the outcomes are separated along x, NaN when the
    fitted slope is not positive."""
    keep = t > 0
    x, s, t = x[keep], s[keep], t[keep]
    if s.sum() == 0:
        return float("inf")
    if s.sum() == t.sum():
        return 0.0
    x_fail, x_succ = x[(t - s) > 0], x[s > 0]
    if x_fail.max() <= x_succ.min():       # one-dimensional separation: no finite MLE
        return float(np.exp(0.5 * (x_fail.max() + x_succ.min())))
    if x_succ.max() <= x_fail.min():
        return float("nan")
    X = np.column_stack([np.ones_like(x), x])
    fit = stats.fit_glm(X, s, t, link, beta0=beta0)
    a, b = fit.beta
    return float(np.exp(-a / b)) if b > 0 else float("nan")


def _seed_for(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([int(seed), zlib.crc32(name.encode())])


def bootstrap_midpoint(group: Group, outc: Outcomes, link: stats.Link, effective: bool,
                       reps: int = DEFAULT_REPS, seed: int = DEFAULT_SEED,
                       beta0: Optional[List[float]] = None) -> Dict:
    """Percentile interval of the pooled fit's 50% point over `reps` bootstrap replicates of the
    (d, trial) datasets (see the module docstring)."""
    count = param_count(group, effective)
    succ = (outc.success & outc.done).astype(float)
    done = outc.done.astype(float)
    cells = count.ravel() > 0
    uniq, inv = np.unique(count.ravel()[cells], return_inverse=True)
    x = np.log(uniq / group.n)
    K, D, T = done.shape
    clusters = [np.nonzero(done[:, j, :].any(axis=0))[0] for j in range(D)]
    rng = _seed_for(seed, group.name)
    mids = np.empty(reps)
    for r in range(reps):
        w = np.zeros((D, T))
        for j, cl in enumerate(clusters):
            if len(cl):
                w[j] = np.bincount(cl[rng.integers(0, len(cl), size=len(cl))], minlength=T)
        s_cell = np.einsum("kdt,dt->kd", succ, w).ravel()[cells]
        t_cell = np.einsum("kdt,dt->kd", done, w).ravel()[cells]
        s = np.bincount(inv, weights=s_cell, minlength=len(uniq))
        t = np.bincount(inv, weights=t_cell, minlength=len(uniq))
        mids[r] = _replicate_midpoint(x, s, t, link, beta0) if t.sum() > 0 else float("nan")
    valid = np.sort(mids[~np.isnan(mids)])
    res = {"method": BOOTSTRAP_METHOD, "reps": int(reps), "seed": int(seed),
           "valid_reps": int(valid.size), "ci": [float("nan"), float("nan")],
           "median": float("nan"), "notes": []}
    if valid.size < max(20, reps // 2):
        res["notes"].append(f"only {valid.size} of {reps} replicates had a 50% point: no interval")
        return res
    lo = valid[int(np.floor(0.025 * (valid.size - 1)))]
    hi = valid[int(np.ceil(0.975 * (valid.size - 1)))]
    res["ci"] = [float(lo), float(hi)]
    res["median"] = float(np.median(valid))
    if valid.size < reps:
        res["notes"].append(f"{reps - valid.size} of {reps} replicates had a decreasing fit and "
                            "were left out")
    return res


def analyze(group: Group, outc: Outcomes, fit: Dict, link: stats.Link, effective: bool,
            reps: int = DEFAULT_REPS, seed: int = DEFAULT_SEED) -> Dict:
    """Per-d fits, their range, and (reps > 0) the bootstrap interval, for one group."""
    rows = per_d_fits(group, outc, link, effective)
    out = {"per_d": rows, "per_d_range": per_d_range(rows), "bootstrap": None}
    if reps > 0:
        beta0 = [fit["a"], fit["b"]] if fit.get("status") == "ok" else None
        out["bootstrap"] = bootstrap_midpoint(group, outc, link, effective, reps, seed, beta0)
    return out


def rejects(lr: Dict) -> bool:
    """True when the LR test rejects the kd/n-only model at level ALPHA."""
    p = lr.get("p_value")
    return p is not None and np.isfinite(p) and p < ALPHA
