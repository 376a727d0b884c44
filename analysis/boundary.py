"""Where is the success boundary in kd/n?

Per (n, activation) group, the per-trial outcomes (finished trials only) are fitted by maximum
likelihood with

    link(P(success)) = a + b * log(kd/n)         (link = logit by default, or probit)

aggregated by kd (exactly equivalent to the per-trial Bernoulli likelihood). Reported:

* midpoint: kd/n at 50% success = exp(-a/b);
* width: the 10-90% transition width as a DISTANCE in kd/n, x90 - x10, where x10 and x90 are the
  fitted kd/n at 10% and 90% success ("width" means this and nothing else, everywhere);
* spread ratio: x90/x10 = exp(log_ratio_90_10), log_ratio_90_10 = (link^-1(0.9) - link^-1(0.1))/b
  (a ratio >= 1, named so that it is never mistaken for the width);
* 95% confidence intervals by PROFILE LIKELIHOOD (deterministic, no resampling): the midpoint's
  from the profile over the slope of log(kd/n) at fixed midpoint, the spread ratio's from the
  profile of b over a (it is monotone in b), the width's from its own profile (_width_ci);
* a likelihood-ratio test of this kd/n-only model against link(P) = a + b1 log k + b2 log d (the
  kd/n-only model is b1 = b2; n is fixed within a group), with df = 1;
* per-cell Wilson 95% intervals, and how many cells' intervals exclude the fitted curve;
* the midpoint at every rung of the tolerance ladder.

With effective=True the parameter count is 2*floor(k/2)*d (an odd k has one zero output weight);
cells with an effective count of 0 (k = 1) cannot be placed on the log axis and are left out of the
fits (with a note saying how many trials and successes they hold).

Degenerate data never raise: all-success / all-failure data give a one-sided bound on the
midpoint, (quasi-)separated data (no finite MLE; detected exactly by a linear program) give the
bracketing interval, too little data gives NaN, each with a note.
"""

import json
import math
from typing import Dict, List, Optional

import numpy as np
from scipy import optimize

from . import stats
from .io import Group, Sweep
from .outcomes import Outcomes, outcomes

RATIO_DEFINITION = ("spread ratio = x90/x10 = (kd/n at 90% success) / (kd/n at 10% success), "
                    ">= 1 (not a width); log_ratio_90_10 = its natural log")
WIDTH_DEFINITION = ("width = the 10-90% transition width as a DISTANCE, x90 - x10, where x10, x90 "
                    "are the fitted kd/n (k/n for method rf) at 10% and 90% success")
CI_METHOD = "95% profile likelihood (chi-square 1 df), no resampling"
M_SEARCH_LIMIT = 3.0   # explore the midpoint profile up to e^3 = 20x outside the tested kd/n range


def _nan() -> float:
    return float("nan")


def param_count(group: Group, effective: bool) -> np.ndarray:
    """The fit variable per cell, [K, D]: kd (or 2*floor(k/2)*d) for gd/sgd; for random features
    (method rf, only the output layer is fitted) the number of features k, whatever d is."""
    if group.method == "rf":
        return np.repeat(group.k.astype(float)[:, None], len(group.d), axis=1)
    return group.kd_effective if effective else group.kd


def variable_name(group: Group, effective: bool) -> str:
    if group.method == "rf":
        return "k"
    return "2*floor(k/2)*d" if effective else "kd"


def _aggregate_by_count(count: np.ndarray, outc: Outcomes):
    """Sum successes and trials over cells with the same parameter count. Returns sorted
    unique counts (>0), successes, trials, and (trials, successes) in cells with count 0."""
    s_cell = outc.success_count.ravel()
    t_cell = outc.trials_done.ravel()
    c_cell = count.ravel()
    zero = c_cell <= 0
    excluded = (int(t_cell[zero].sum()), int(s_cell[zero].sum()))
    keep = (~zero) & (t_cell > 0)
    uniq, inv = np.unique(c_cell[keep], return_inverse=True)
    s = np.bincount(inv, weights=s_cell[keep], minlength=len(uniq))
    t = np.bincount(inv, weights=t_cell[keep], minlength=len(uniq))
    return uniq, s, t, excluded


def fit_midpoint(count, s, t, n: int, link: stats.Link, var: str = "kd",
                 width_ci: bool = True) -> Dict:
    """Fit link(P) = a + b*log(count/n) to aggregated binomial data. Never raises. `var` names
    the count in notes. The width (x90 - x10, a distance in count/n) gets its own
    profile-likelihood CI (skipped if width_ci is False); the spread ratio x90/x10 gets one from
    the profile of b."""
    count = np.asarray(count, float)
    s = np.asarray(s, float)
    t = np.asarray(t, float)
    keep = (t > 0) & (count > 0)
    count, s, t = count[keep], s[keep], t[keep]
    x = np.log(count / n)
    res = {
        "status": "ok", "notes": [], "trials": int(t.sum()), "successes": int(s.sum()),
        "a": _nan(), "b": _nan(), "se_a": _nan(), "se_b": _nan(),
        "midpoint": _nan(), "midpoint_ci": [_nan(), _nan()],
        "midpoint_bounds": [_nan(), _nan()],
        "log_ratio_90_10": _nan(), "log_ratio_90_10_ci": [_nan(), _nan()],
        "ratio_90_10": _nan(), "ratio_90_10_ci": [_nan(), _nan()],
        "x10": _nan(), "x90": _nan(), "width": _nan(), "width_ci": [_nan(), _nan()],
        "loglik": _nan(), "tested_range": [_nan(), _nan()],
    }
    if t.sum() == 0:
        res["status"] = "no_data"
        res["notes"].append("no finished trials to fit")
        return res
    res["tested_range"] = [float(np.exp(x.min())), float(np.exp(x.max()))]
    lo_x, hi_x = float(x.min()), float(x.max())
    if s.sum() == 0:
        res["status"] = "all_failure"
        res["midpoint_bounds"] = [float(np.exp(hi_x)), float("inf")]
        res["notes"].append(f"all {int(t.sum())} trials failed: 50% point lies above the largest "
                            f"{var}/n tested ({np.exp(hi_x):.4g})")
        return res
    if s.sum() == t.sum():
        res["status"] = "all_success"
        res["midpoint_bounds"] = [0.0, float(np.exp(lo_x))]
        res["notes"].append(f"all {int(t.sum())} trials succeeded: 50% point lies below the "
                            f"smallest {var}/n tested ({np.exp(lo_x):.4g})")
        return res
    if len(x) < 2:
        res["status"] = "single_x"
        res["notes"].append(f"only one {var}/n value ({np.exp(lo_x):.4g}) has data: slope not "
                            "identifiable")
        return res
    X = np.column_stack([np.ones_like(x), x])
    if stats.separated(X, s, t):
        res["status"] = "separated"
        x_fail = x[(t - s) > 0]
        x_succ = x[s > 0]
        if x_fail.max() <= x_succ.min():
            lo, hi = float(np.exp(x_fail.max())), float(np.exp(x_succ.min()))
            res["b"] = float("inf")
            res["log_ratio_90_10"], res["ratio_90_10"], res["width"] = 0.0, 1.0, 0.0
        else:
            lo, hi = float(np.exp(x_succ.max())), float(np.exp(x_fail.min()))
            res["b"] = float("-inf")
            res["notes"].append(f"success DEcreases with {var}/n")
        res["midpoint_bounds"] = [lo, hi]
        if lo == hi:
            res["midpoint"] = lo
            res["notes"].append(f"quasi-complete separation at {var}/n = {lo:.4g}: infinitely "
                                "steep fit, midpoint at that value, no CI")
        else:
            res["notes"].append(f"perfect separation: the 50% point lies between {var}/n = "
                                f"{lo:.4g} and {hi:.4g} (all trials on one side of that gap "
                                "failed, all on the other succeeded); the MLE is infinitely "
                                "steep, no CI")
        return res

    fit = stats.fit_glm(X, s, t, link)
    a, b = (float(v) for v in fit.beta)
    res.update(a=a, b=b, se_a=float(fit.se[0]), se_b=float(fit.se[1]), loglik=fit.loglik)
    if not fit.converged:
        res["notes"].append("maximum-likelihood iterations did not fully converge")
    if b == 0 or not np.isfinite(b):
        res["status"] = "no_slope"
        res["notes"].append("fitted slope is zero: no boundary")
        return res
    m = -a / b
    res["midpoint"] = float(np.exp(m))
    if b < 0:
        res["notes"].append(f"negative slope: success DEcreases with {var}/n")

    # delta-method SE of m, only used as the profile search step
    if fit.cov is not None:
        g = np.array([-1.0 / b, a / b ** 2])
        se_m = float(np.sqrt(max(g @ fit.cov @ g, 0.0)))
    else:
        se_m = _nan()
    step_m = se_m if np.isfinite(se_m) and se_m > 0 else 0.05
    state = {"b": b}

    def prof_m(mm: float) -> float:
        pf = stats.fit_glm((x - mm)[:, None], s, t, link, beta0=[state["b"]])
        return pf.loglik

    m_lo, m_hi = stats.profile_interval(prof_m, m, fit.loglik, step_m,
                                        lo_x - M_SEARCH_LIMIT, hi_x + M_SEARCH_LIMIT)
    res["midpoint_ci"] = [float(np.exp(m_lo)) if m_lo is not None else 0.0,
                          float(np.exp(m_hi)) if m_hi is not None else float("inf")]
    if m_lo is None or m_hi is None:
        lo_lim, hi_lim = np.exp(lo_x - M_SEARCH_LIMIT), np.exp(hi_x + M_SEARCH_LIMIT)
        res["notes"].append(f"midpoint CI unbounded on one side within [{lo_lim:.3g}, "
                            f"{hi_lim:.3g}]")

    q = float(link.ppf(0.9) - link.ppf(0.1))
    res["log_ratio_90_10"] = q / abs(b)
    res["ratio_90_10"] = float(np.exp(q / abs(b)))
    if b > 0:
        def prof_b(bb: float) -> float:
            pf = stats.fit_glm(np.ones((len(x), 1)), s, t, link, offset=bb * x, beta0=[-bb * m])
            return pf.loglik

        step_b = res["se_b"] if np.isfinite(res["se_b"]) and res["se_b"] > 0 else 0.1 * b
        b_lo, b_hi = stats.profile_interval(prof_b, b, fit.loglik, step_b, 0.0, b * 1e4)
        lw_lo = q / b_hi if b_hi is not None else 0.0
        lw_hi = q / b_lo if (b_lo is not None and b_lo > 0) else float("inf")
        res["log_ratio_90_10_ci"] = [lw_lo, lw_hi]
        res["ratio_90_10_ci"] = [float(np.exp(lw_lo)), float(np.exp(lw_hi)) if np.isfinite(lw_hi)
                           else float("inf")]
        if b_lo is None or b_lo <= 0:
            res["notes"].append("slope not significantly > 0: CIs of the width and spread ratio "
                                "unbounded above")
    lo_p, hi_p = float(link.ppf(0.1)), float(link.ppf(0.9))
    res["x10"] = float(np.exp((lo_p - a) / b))
    res["x90"] = float(np.exp((hi_p - a) / b))
    res["width"] = abs(res["x90"] - res["x10"])
    if b > 0 and width_ci:
        res["width_ci"] = _width_ci(x, s, t, link, a, b, fit.loglik, res["width"],
                                            q, lo_x, hi_x)
        if not np.isfinite(res["width_ci"][1]):
            res["notes"].append(f"CI of the width (10-90% distance in {var}/n) unbounded above")
    return res


def step_ci(x, s, t, link: stats.Link, c: float) -> List[float]:
    """95% profile-likelihood interval (in count/n) of the 50% point of quasi-separated data
    along x = log(count/n): every trial below c failed, every one above succeeded, the cell at c
    holds both. The MLE is the limit b -> inf at m = c, so the fit gives no interval; but the
    profile over b at any m != c is finite (the mixed cell forbids an infinite slope), and its
    likelihood-ratio set is a proper interval around c (unbounded on a side where the data
    cannot exclude it), not the point [c, c]."""
    x, s, t = (np.asarray(v, float) for v in (x, s, t))
    keep = t > 0
    x, s, t = x[keep], s[keep], t[keep]
    at = np.isclose(x, c)
    p = s[at].sum() / t[at].sum()
    ll_sup = float(s[at].sum() * np.log(p) + (t[at].sum() - s[at].sum()) * np.log1p(-p))

    def prof(mm: float) -> float:
        # at m = c itself any finite slope gives the mixed cell P = 1/2, not its rate: the
        # supremum is only approached from one side of c, so c is given its value
        if mm == c:
            return ll_sup
        return stats.fit_glm((x - mm)[:, None], s, t, link).loglik

    gaps = np.diff(np.unique(x))
    step = 0.1 * float(gaps.min()) if len(gaps) else 0.05
    lo, hi = stats.profile_interval(prof, c, ll_sup, step, x.min() - M_SEARCH_LIMIT,
                                    x.max() + M_SEARCH_LIMIT)
    return [float(np.exp(lo)) if lo is not None else 0.0,
            float(np.exp(hi)) if hi is not None else float("inf")]


def _width_ci(x, s, t, link: stats.Link, a: float, b: float, ll_hat: float, w_hat: float,
                  q: float, lo_x: float, hi_x: float) -> List[float]:
    """95% profile-likelihood CI of w = x90 - x10 (a distance in count/n). For a symmetric link,
    w = 2 exp(-a/b) sinh(q/(2b)) with q = F^-1(0.9) - F^-1(0.1); at fixed (w, b) this gives a,
    so the profile is a 1-D maximisation over log b (grid then bounded refinement, so it is
    deterministic). The search in log w is limited to [log w_hat - 12, log w_hat + 12]."""
    def a_of(w, bb):
        with np.errstate(over="ignore"):   # a tiny slope: sinh -> inf, a -> -inf, ll -> -inf
            return -bb * (np.log(w) - np.log(2.0 * np.sinh(q / (2.0 * bb))))

    def ll_at(w, log_bb):
        bb = float(np.exp(log_bb))
        return stats.loglik(a_of(w, bb) + bb * x, s, t, link)

    lb0 = float(np.log(b))
    grid = lb0 + np.linspace(-6.0, 6.0, 49)

    def prof(log_w):
        w = float(np.exp(log_w))
        vals = [ll_at(w, g) for g in grid]
        i = int(np.argmax(vals))
        lo_g, hi_g = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
        r = optimize.minimize_scalar(lambda g: -ll_at(w, g), bounds=(lo_g, hi_g),
                                     method="bounded", options={"xatol": 1e-9})
        return max(float(-r.fun), float(vals[i]))

    lw = float(np.log(w_hat))
    lo, hi = stats.profile_interval(prof, lw, ll_hat, 0.1, lw - 12.0, lw + 12.0)
    return [float(np.exp(lo)) if lo is not None else 0.0,
            float(np.exp(hi)) if hi is not None else float("inf")]


def predict(fit: Dict, count, n: int, link: stats.Link) -> np.ndarray:
    """Fitted P(success) at parameter counts `count` (NaN where no fit)."""
    count = np.asarray(count, float)
    if fit["status"] != "ok":
        return np.full(count.shape, np.nan)
    with np.errstate(divide="ignore"):
        eta = fit["a"] + fit["b"] * np.log(count / n)
    return link.cdf(eta)


def lr_test_kd_only(group: Group, outc: Outcomes, link: stats.Link, effective: bool) -> Dict:
    """LR test of link(P) = a + b log(kd/n) against link(P) = a + b1 log k + b2 log d."""
    kk = 2 * (group.k // 2) if effective else group.k
    K, D = np.meshgrid(kk.astype(float), group.d.astype(float), indexing="ij")
    s = outc.success_count.ravel().astype(float)
    t = outc.trials_done.ravel().astype(float)
    K, D = K.ravel(), D.ravel()
    keep = (t > 0) & (K > 0) & (D > 0)
    s, t, K, D = s[keep], t[keep], K[keep], D[keep]
    res = {"statistic": _nan(), "df": 0, "p_value": _nan(), "b1_log_k": _nan(),
           "b2_log_d": _nan(), "se_b1": _nan(), "se_b2": _nan(), "notes": []}
    if t.sum() == 0 or s.sum() == 0 or s.sum() == t.sum():
        res["notes"].append("not testable: no data or outcomes all equal")
        return res
    lk, ld = np.log(K), np.log(D)
    if group.method == "rf":      # random features: restricted model in log(k/n) only
        Xr = np.column_stack([np.ones_like(lk), lk - math.log(group.n)])
    else:
        Xr = np.column_stack([np.ones_like(lk), lk + ld - math.log(group.n)])
    Xf = np.column_stack([np.ones_like(lk), lk, ld])
    df = int(np.linalg.matrix_rank(Xf) - np.linalg.matrix_rank(Xr))
    res["df"] = df
    if df < 1:
        res["notes"].append("not testable: log k and log d are not separately identifiable on "
                            "this grid")
        return res
    sep_r = stats.separated(Xr, s, t)
    sep_f = stats.separated(Xf, s, t)
    fr = stats.fit_glm(Xr, s, t, link, max_iter=400 if sep_r else 200)
    ff = stats.fit_glm(Xf, s, t, link, max_iter=400 if sep_f else 200)
    stat, df, p = stats.lr_test(fr.loglik, ff.loglik, df)
    res.update(statistic=stat, df=df, p_value=p, b1_log_k=float(ff.beta[1]),
               b2_log_d=float(ff.beta[2]), se_b1=float(ff.se[1]), se_b2=float(ff.se[2]))
    if sep_f or sep_r:
        which = "both models" if (sep_f and sep_r) else ("the k,d model" if sep_f
                                                         else "the kd/n model")
        res["notes"].append(f"separation in {which}: no finite MLE; log-likelihood suprema "
                            "approached numerically, LR and p-value approximate")
        if sep_f:
            res["se_b1"] = res["se_b2"] = _nan()
    return res


def cell_table(group: Group, outc: Outcomes, fit: Dict, link: stats.Link,
               effective: bool) -> List[Dict]:
    count = param_count(group, effective)
    fitted = predict(fit, count, group.n, link)
    lo, hi = stats.wilson(outc.success_count, outc.trials_done)
    rows = []
    for i, k in enumerate(group.k):
        for j, d in enumerate(group.d):
            td = int(outc.trials_done[i, j])
            sc = int(outc.success_count[i, j])
            rows.append({
                "k": int(k), "d": int(d), "param_count": int(count[i, j]),
                "param_count_over_n": float(count[i, j] / group.n),
                "trials_done": td, "successes": sc,
                "prob": sc / td if td else _nan(),
                "wilson95": [float(lo[i, j]), float(hi[i, j])],
                "fitted_prob": float(fitted[i, j]),
            })
    return rows


def wilson_summary(cells: List[Dict]) -> Dict:
    with_data = [c for c in cells if c["trials_done"] > 0]
    fitted = [c for c in with_data if np.isfinite(c["fitted_prob"])]
    outside = [c for c in fitted
               if not (c["wilson95"][0] - 1e-12 <= c["fitted_prob"] <= c["wilson95"][1] + 1e-12)]
    transition = [c for c in with_data if 0 < c["successes"] < c["trials_done"]]
    return {"cells_with_data": len(with_data), "cells_mixed_outcome": len(transition),
            "cells_fit_outside_wilson95": len(outside) if fitted else None,
            "cells_compared": len(fitted)}


def analyze_group(group: Group, tol: Optional[float] = None, budget: Optional[int] = None,
                  link: str = "logit", effective: bool = False, ladder: bool = True,
                  robust: str = "never", bootstrap: int = 200, seed: int = 1) -> Dict:
    """The boundary analysis of one group. robust = "auto" adds the intervals that do not lean
    on the kd/n-only model (analysis.robust: per-d fits and, with bootstrap > 0 replicates, a
    bootstrap over datasets seeded by `seed`) when the LR test rejects that model; "always"
    adds them in any case; "never" leaves them out."""
    from . import robust as robust_mod
    lk = stats.Link(link)
    outc = outcomes(group, tol, budget)
    count = param_count(group, effective)
    var = variable_name(group, effective)
    uniq, s, t, excluded = _aggregate_by_count(count, outc)
    fit = fit_midpoint(uniq, s, t, group.n, lk, var=var)
    if group.n_unplanned:
        fit["notes"].append(f"{group.n_unplanned} of {group.planned.size} cells were not run "
                            f"({group.not_run_reason}): left out of the fit")
    if group.method == "rf" and effective:
        fit["notes"].append("method rf: --effective does not apply (the fit variable is k)")
    if effective and excluded[0]:
        fit["notes"].append(f"{excluded[0]} trials in k=1 cells (effective count 0, "
                            f"{excluded[1]} successes) left out of the fit")
    cells = cell_table(group, outc, fit, lk, effective)
    lr = lr_test_kd_only(group, outc, lk, effective)
    out = {
        "group": group.name, "n": group.n, "activation": group.activation,
        "method": group.method, "iteration_unit": group.iteration_unit, "variable": var,
        "cells_planned": int(group.planned.sum()), "cells_not_run": group.n_unplanned,
        "tol": outc.tol, "budget": outc.budget, "outcome_source": outc.source,
        "trials_done": int(outc.trials_done.sum()),
        "trials_planned": group.trials_planned,
        "successes": int(outc.success_count.sum()),
        "fit": fit,
        "lr_test": lr,
        "model_rejected": robust_mod.rejects(lr),
        "wilson_summary": wilson_summary(cells),
        "cells": cells,
        "robust": None,
        "design_rows": design_rows(group),
    }
    if robust == "always" or (robust == "auto" and out["model_rejected"]):
        out["robust"] = robust_mod.analyze(group, outc, fit, lk, effective, bootstrap, seed)
    if ladder:
        rungs = []
        for j, rung in enumerate(group.tol_ladder):
            try:
                o = outcomes(group, float(rung), budget, use_ladder=True)
            except Exception as exc:  # no ladder data: report, do not crash
                rungs.append({"tol": float(rung), "status": "unavailable", "notes": [str(exc)]})
                continue
            u2, s2, t2, _ = _aggregate_by_count(count, o)
            f2 = fit_midpoint(u2, s2, t2, group.n, lk, var=var, width_ci=False)
            rungs.append({"tol": float(rung), "rung": j, "successes": f2["successes"],
                          "trials": f2["trials"], "status": f2["status"],
                          "midpoint": f2["midpoint"], "midpoint_ci": f2["midpoint_ci"],
                          "midpoint_bounds": f2["midpoint_bounds"], "width": f2["width"],
                          "ratio_90_10": f2["ratio_90_10"],
                          "notes": f2["notes"]})
        out["tolerance_ladder"] = rungs
    return out


def design_rows(group: Group) -> Optional[List[Dict]]:
    """An adaptive group's per-row results as the engine wrote them (None on a grid file): the
    50% point in kd/n, its 95% interval (one-sided, midpoint NaN, for a row without a transition
    inside k), the 10-90% width, trainings and status."""
    des = group.design
    if des is None:
        return None
    return [{"d": int(d), "midpoint": float(des.midpoint[j]),
             "ci": [float(des.ci_low[j]), float(des.ci_high[j])], "width": float(des.width[j]),
             "trainings": int(des.trainings[j]), "status": des.status[j]}
            for j, d in enumerate(group.d)]


def row_text(row: Dict) -> str:
    """'1.67 [1.44, 2.2]', the one-sided interval of a row without a transition, or '-' for a
    row with no interval at all (no training: a --kd-band that leaves it at most one cell, a
    group budget spent by the rows before it)."""
    lo, hi = row["ci"]
    if math.isfinite(row["midpoint"]):
        return f"{fmt(row['midpoint'])} [{fmt(lo, 3)}, {fmt(hi, 3)}]"
    if math.isnan(lo) or math.isnan(hi):
        return "-"
    if math.isinf(hi):
        return f"> {fmt(lo, 3)}"
    return f"< {fmt(hi, 3)}"


DESIGN_HEADERS = ["group", "d", "kd/n @50% [95%] (design)", "k @50%", "width 10-90%",
                  "trainings", "status"]


def design_table(groups: List[Dict]) -> str:
    rows = []
    for g in groups:
        for r in g.get("design_rows") or []:
            k50 = r["midpoint"] * g["n"] / r["d"]
            rows.append([g["group"], str(r["d"]), row_text(r), fmt(k50, 3), fmt(r["width"], 3),
                         str(r["trainings"]), r["status"]])
    if not rows:
        return ""
    return "\n".join(["adaptive design: the 50% point of each row (one d, along k), as the "
                      "engine found it:", _table(DESIGN_HEADERS, rows), "",
                      "pooled fit over the trials of the visited cells (all rows together):"])


def analyze(sweep: Sweep, tol: Optional[float] = None, budget: Optional[int] = None,
            link: str = "logit", effective: bool = False, ladder: bool = True,
            robust: str = "never", bootstrap: int = 200, seed: int = 1) -> Dict:
    lk = stats.Link(link)
    var = "2*floor(k/2)*d" if effective else "kd"
    methods = sorted({g.method for g in sweep.groups})
    rf_note = ("method rf (random features: W = W0 kept, only the output layer fitted) is fitted "
               "in log(k/n) instead: its boundary is expected at k ~ n whatever d is"
               if "rf" in methods else "")
    groups = [analyze_group(g, tol, budget, link, effective, ladder, robust, bootstrap, seed)
              for g in sweep.groups]
    return {
        "file": sweep.path,
        "methods": methods,
        "rf_note": rf_note,
        "complete": sweep.complete,
        "trials_done": sweep.trials_done,
        "trials_total": sweep.trials_total,
        "model": lk.formula(f"a + b*log({var}/n)"),
        "link": link,
        "effective": effective,
        "parameter_count": var,
        "midpoint_definition": f"{var}/n at 50% success = exp(-a/b)",
        "width_definition": WIDTH_DEFINITION,
        "ratio_definition": RATIO_DEFINITION,
        "ci_method": CI_METHOD,
        "lr_test_definition": lk.formula("a + b1*log k + b2*log d") + f" vs the {var}/n-only "
                              "model (b1 = b2); statistic 2*(ll_full - ll_kd), chi-square df",
        "cell_interval": "Wilson score 95%",
        "groups": groups,
        "width_vs_n": width_vs_n(groups),
    }


def width_vs_n(groups: List[Dict]) -> List[Dict]:
    """Groups of the same (activation, method) seen at two or more n (possibly from several
    files): one row per group, ordered by n, so the sharpening of the transition can be read."""
    keys: Dict = {}
    for g in groups:
        keys.setdefault((g["activation"], g["method"]), []).append(g)
    rows = []
    for (act, method), gs in keys.items():
        if len({g["n"] for g in gs}) < 2:
            continue
        for g in sorted(gs, key=lambda g: g["n"]):
            f = g["fit"]
            rows.append({"activation": act, "method": method, "n": g["n"],
                         "group": g["group"], "file": g.get("file", ""),
                         "variable": g["variable"], "status": f["status"],
                         "midpoint": f["midpoint"], "x10": f["x10"], "x90": f["x90"],
                         "width": f["width"], "width_ci": f["width_ci"],
                         "log_ratio_90_10": f["log_ratio_90_10"],
                         "log_ratio_90_10_ci": f["log_ratio_90_10_ci"],
                         "ratio_90_10": f["ratio_90_10"], "ratio_90_10_ci": f["ratio_90_10_ci"]})
    return rows


def analyze_many(sweeps: List[Sweep], tol: Optional[float] = None, budget: Optional[int] = None,
                 link: str = "logit", effective: bool = False, ladder: bool = True,
                 robust: str = "never", bootstrap: int = 200, seed: int = 1) -> Dict:
    """analyze() for one file; for several, {"files": [per-file results], "width_vs_n": ...}
    where the width table pools the groups of all files."""
    results = [analyze(sw, tol, budget, link, effective, ladder, robust, bootstrap, seed)
               for sw in sweeps]
    if len(results) == 1:
        return results[0]
    pooled = []
    for r in results:
        for g in r["groups"]:
            pooled.append(dict(g, file=r["file"]))
    return {"files": results, "width_vs_n": width_vs_n(pooled),
            "width_definition": WIDTH_DEFINITION, "ratio_definition": RATIO_DEFINITION}


# ----------------------------------------------------------------------------- formatting

def _finite(v) -> bool:
    return isinstance(v, (int, float)) and math.isfinite(v)


def fmt(v, digits: int = 4) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}g}"


def midpoint_text(fit: Dict, with_ci: bool = True) -> str:
    """Human form of the midpoint: value [CI], or a bound for degenerate data."""
    st = fit["status"]
    lo, hi = fit["midpoint_bounds"]
    if st == "all_success":
        return f"< {fmt(hi, 3)} (all succ.)"
    if st == "all_failure":
        return f"> {fmt(lo, 3)} (all fail)"
    if st == "separated":
        if lo == hi:
            return f"{fmt(lo, 4)} (step)"
        return f"in [{fmt(lo, 3)}, {fmt(hi, 3)}] (separated)"
    if st != "ok":
        return f"- ({st})"
    if not with_ci:
        return fmt(fit["midpoint"])
    lo, hi = fit["midpoint_ci"]
    return f"{fmt(fit['midpoint'])} [{fmt(lo, 3)}, {fmt(hi, 3)}]"


def _is_step(fit: Dict) -> bool:
    return fit["status"] == "separated" and fit["ratio_90_10"] == 1.0


def width_text(fit: Dict) -> str:
    """The width x90 - x10 (a distance in kd/n) with its CI."""
    if _is_step(fit):
        return "0 (step)"
    if fit["status"] != "ok":
        return "-"
    return _ci_text(fit["width"], fit["width_ci"])


def ratio_text(fit: Dict) -> str:
    """The spread ratio x90/x10 with its CI."""
    if _is_step(fit):
        return "1 (step)"
    if fit["status"] != "ok":
        return "-"
    return _ci_text(fit["ratio_90_10"], fit["ratio_90_10_ci"])


def _table(headers: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def _ci_text(v, ci, digits=3) -> str:
    if not _finite(v):
        return "-"
    return f"{fmt(v, digits)} [{fmt(ci[0], digits)}, {fmt(ci[1], digits)}]"


def width_rows(groups: List[Dict]) -> List[List[str]]:
    rows = []
    for g in groups:
        f = g["fit"]
        if _is_step(f):
            rows.append([g["group"], f"{g['variable']}/n", "-", "-", "0 (step)", "1 (step)"])
            continue
        rows.append([g["group"], f"{g['variable']}/n", fmt(f["x10"]), fmt(f["x90"]),
                     width_text(f), ratio_text(f)])
    return rows


WIDTH_HEADERS = ["group", "variable", "x at 10%", "x at 90%", "width x90 - x10 [95% CI]",
                 "spread ratio x90/x10 [95% CI]"]
WIDTH_VS_N_HEADERS = ["activation", "method", "n", "group", "variable", "50% point",
                      "width x90 - x10 [95% CI]", "spread ratio x90/x10 [95% CI]"]


def width_vs_n_rows(rows: List[Dict]) -> List[List[str]]:
    out = []
    for r in rows:
        grp = r["group"] + (f" ({r['file']})" if r.get("file") else "")
        out.append([r["activation"], r["method"], str(r["n"]), grp, f"{r['variable']}/n",
                    fmt(r["midpoint"]), _ci_text(r["width"], r["width_ci"]),
                    _ci_text(r["ratio_90_10"], r["ratio_90_10_ci"])])
    return out


def format_width_vs_n(rows: List[Dict]) -> str:
    if not rows:
        return ""
    return "\n".join(["transition width against n (same activation and method):",
                      _table(WIDTH_VS_N_HEADERS, width_vs_n_rows(rows))])


def format_many(result: Dict) -> str:
    """Text for analyze_many(): one block per file, then the pooled width-vs-n table."""
    if "files" not in result:
        return format_text(result)
    blocks = [format_text(r, with_width_vs_n=False) for r in result["files"]]
    tail = format_width_vs_n(result["width_vs_n"])
    if not tail:
        tail = ("transition width against n: no activation+method is present at two or more n "
                "in these files")
    return "\n\n".join(blocks + [tail])


def format_text(result: Dict, with_width_vs_n: bool = True) -> str:
    mixed = len({g["variable"] for g in result["groups"]}) > 1
    var = "x" if mixed else (result["groups"][0]["variable"] if result["groups"]
                             else result["parameter_count"])
    out = [f"ovsweep boundary fit: {result['file']}"
           + ("" if result["complete"] else
              f"  [PARTIAL FILE: {result['trials_done']}/{result['trials_total']} trials done]"),
           f"model: {result['model']}   (maximum likelihood on finished trials)",
           f"midpoint: {result['midpoint_definition']}",
           f"{result['width_definition']}; {result['ratio_definition']}",
           f"CIs: {result['ci_method']};  LR test: {result['lr_test_definition']}"]
    if result.get("rf_note"):
        out.append(f"NOTE: {result['rf_note']} (LR test for rf: log(k/n)-only vs "
                   "+ b2*log d, i.e. b2 = 0)")
    if mixed:
        out.append(f"x = {result['parameter_count']} for methods gd/sgd, k for method rf")
    out.append("")
    table = design_table(result["groups"])
    if table:
        out.append(table)
    headers = ["group", "tol", "budget", "succ/trials", f"{var}/n @50% [95% CI]",
               "width x90 - x10 [95% CI]", "LR", "df", "p", "cells outside Wilson95"]
    rows = []
    for g in result["groups"]:
        f, lr, ws = g["fit"], g["lr_test"], g["wilson_summary"]
        outside = ("-" if ws["cells_fit_outside_wilson95"] is None
                   else f"{ws['cells_fit_outside_wilson95']}/{ws['cells_compared']}")
        rows.append([g["group"], fmt(g["tol"]), str(g["budget"]),
                     f"{g['successes']}/{g['trials_done']}", marked_midpoint(g), width_text(f),
                     fmt(lr["statistic"], 3), str(lr["df"]), fmt(lr["p_value"], 3), outside])
    out.append(_table(headers, rows))
    check = model_check_lines(result["groups"])
    if check:
        out += [""] + check
    out += ["", "transition width: " + result.get("width_definition", WIDTH_DEFINITION),
            _table(WIDTH_HEADERS, width_rows(result["groups"]))]
    if with_width_vs_n and result.get("width_vs_n"):
        out += ["", format_width_vs_n(result["width_vs_n"])]
    notes = []
    for g in result["groups"]:
        for nt in g["fit"]["notes"]:
            notes.append(f"  {g['group']}: {nt}")
        for nt in g["lr_test"]["notes"]:
            notes.append(f"  {g['group']} (LR test): {nt}")
        if g["trials_done"] < g["trials_planned"]:
            notes.append(f"  {g['group']}: {g['trials_done']}/{g['trials_planned']} planned "
                         "trials done (partial)")
    if notes:
        out += ["", "notes:"] + notes
    groups_with_ladder = [g for g in result["groups"] if g.get("tolerance_ladder")]
    if groups_with_ladder:
        out += ["", f"{var}/n at 50% success for each rung of the tolerance ladder "
                    f"(budget = each group's max_iter unless --budget):"]
        rungs = sorted({r["tol"] for g in groups_with_ladder for r in g["tolerance_ladder"]},
                       reverse=True)
        headers = ["tol"] + [g["group"] for g in groups_with_ladder]
        rows = []
        for tol in rungs:
            row = [fmt(tol)]
            for g in groups_with_ladder:
                match = [r for r in g["tolerance_ladder"] if r["tol"] == tol]
                if not match:
                    row.append("")
                elif match[0]["status"] == "unavailable":
                    row.append("n/a")
                else:
                    row.append(midpoint_text(match[0]))
            rows.append(row)
        out.append(_table(headers, rows))
    return "\n".join(out)


MODEL_MARK = " *"
ROBUST_HEADERS = ["group", "LR p", "bootstrap over datasets 95%", "50% point at single d: "
                  "min (d) .. max (d)", "d with a bounded fit"]


def marked_midpoint(g: Dict) -> str:
    """The midpoint with its CI, marked when the LR test rejects the model the CI assumes."""
    return midpoint_text(g["fit"]) + (MODEL_MARK if g.get("model_rejected") else "")


def robust_row(g: Dict) -> List[str]:
    rb = g.get("robust") or {}
    boot = rb.get("bootstrap")
    if boot and np.isfinite(boot["ci"][0]):
        btext = f"[{fmt(boot['ci'][0], 3)}, {fmt(boot['ci'][1], 3)}] ({boot['reps']} reps, " \
                f"seed {boot['seed']})"
    elif boot:
        btext = "- (" + "; ".join(boot["notes"]) + ")"
    else:
        btext = "-"
    rng = rb.get("per_d_range")
    if rng and rng["fits"]:
        dtext = f"{fmt(rng['min'], 3)} (d={rng['d_min']}) .. {fmt(rng['max'], 3)} " \
                f"(d={rng['d_max']})"
        nfit = f"{rng['fits']}/{len(rb['per_d'])}"
    else:
        dtext, nfit = "-", ("0" if rb else "-")
    return [g["group"], fmt(g["lr_test"]["p_value"], 3), btext, dtext, nfit]


def model_check_lines(groups: List[Dict]) -> List[str]:
    """Lines said next to the boundary table: which groups' kd/n-only model the LR test rejects,
    and the intervals that do not depend on it."""
    rejected = [g for g in groups if g.get("model_rejected")]
    shown = [g for g in groups if g.get("robust")]
    if not rejected and not shown:
        return []
    out = []
    if rejected:
        out.append(f"{MODEL_MARK.strip()} the LR test rejects the {rejected[0]['variable']}/n-only "
                   f"model (p < 0.05) for {', '.join(g['group'] for g in rejected)}: the "
                   "profile-likelihood CI above assumes that model. Intervals that do not:")
    else:
        out.append("intervals that do not assume the kd/n-only model:")
    out.append(_table(ROBUST_HEADERS, [robust_row(g) for g in (shown or rejected)]))
    if any(not g.get("robust") for g in rejected):
        out.append("(run with --robust for the intervals of the groups without them)")
    return out


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return v if math.isfinite(v) else None   # strict JSON: NaN/inf -> null
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def to_json(result: Dict) -> str:
    doc = dict(result)
    doc["json_note"] = ("non-finite numbers are written as null. A CI end that is unbounded is "
                        "0 (midpoint and width lower end), 1 (spread ratio lower end) or null "
                        "(upper end = "
                        "infinity); a null estimate means not estimable; see each fit's notes")
    return json.dumps(_jsonable(doc), indent=2)
