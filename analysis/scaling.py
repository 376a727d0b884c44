"""The large-n study (issue 17): does the 50% point approach kd = n as n grows?

From any number of sweep files (grid or adaptive, any n, any step-size rule and budget), one
row per (n, activation, tolerance reading, budget, eta rule, d): the per-row 50% point in kd/n
with its profile-likelihood 95% interval (the fit of link(P) = a + b log(kd/n) over the row's
k, analysis.boundary.fit_midpoint), the 10-90% width, the trainings and their core-seconds.
Both readings of the paper's criterion come from the tolerance ladder: the stated one
(||f - y|| / ||y|| < tol) and the squared one (||f - y||^2 / ||y||^2 < tol, i.e. the relative
error below sqrt(tol)); a budget shorter than the run's comes from the ladder's first hits.

Then, per (activation, reading, budget, eta rule, d/n) with at least three n, the fit
mu(n) = mu_inf + a n^(-b) (weighted least squares with the rows' intervals as weights, b in
[0.25, 2]: with a handful of n, a free b trades off against mu_inf without bound). mu_inf's
95% interval is the profile interval with a and b profiled out (chi-square on the weighted
squared error), which says plainly whether 1 is excluded; beside it, a percentile interval
from a bootstrap over trials: each replicate resamples, within every cell, the cell's trials
with replacement, refits every row's 50% point, and refits mu(n) (it re-estimates b each
time but understates how little a few n say about b: measured on synthetic data with
b = 0.5, it missed mu_inf where the profile interval did not). The 10-90% width's
trend is summarised by the slope of log(width) against log(n) with the same replicates.
"""
import csv
import math
import os
import zlib
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import stats
from .boundary import fit_midpoint
from .io import Group, Sweep
from .outcomes import outcomes
from .robust import _replicate_midpoint

CSV_COLUMNS = ("n", "activation", "tol", "budget", "eta_rule", "d", "midpoint", "ci_low",
               "ci_high", "width", "trainings", "core_seconds", "d_over_n", "reading",
               "run_budget", "status", "file")
READINGS = ("stated", "squared")
BUDGET_STATED = 15000  # the paper's budget: rows at it are also taken from longer runs
DEFAULT_REPS = 200
B_BOUNDS = (0.25, 2.0)


def eta_rule(g: Group) -> str:
    return g.eta_rule if g.eta_auto > 0 else f"fixed:{g.eta:g}"


def reading_tol(g: Group, reading: str) -> float:
    return g.tol if reading == "stated" else math.sqrt(g.tol)


def _has_rung(g: Group, tol: float) -> bool:
    return bool(np.any(np.isclose(g.tol_ladder, tol, rtol=1e-9, atol=0.0)))


def budgets_of(g: Group) -> List[int]:
    """The run's own budget, and the paper's 15000 where the run went further (from the
    ladder)."""
    out = [int(g.max_iter)]
    if g.max_iter > BUDGET_STATED and g.ladder_hit_iter is not None:
        out.insert(0, BUDGET_STATED)
    return out


def _cell_arrays(g: Group, j: int, tol: float, budget: int):
    """k d / n of row j's cells and, per cell, the success flags and done flags [k, trial]."""
    outc = outcomes(g, tol, budget, use_ladder=g.ladder_hit_iter is not None)
    x = g.k.astype(float) * float(g.d[j]) / g.n
    return x, outc.success[:, j, :] & outc.done[:, j, :], outc.done[:, j, :]


def _row_fit(x, succ, done, n: int, link: stats.Link) -> Dict:
    s, t = succ.sum(axis=1).astype(float), done.sum(axis=1).astype(float)
    return fit_midpoint(x * n, s, t, n, link, var="kd", width_ci=False)


def _neighbours(x_tested: np.ndarray, x: float):
    """The tested values on either side of the tested value nearest x (NaN where there is
    none). x comes from the fit as exp(log(kd/n)), which may miss the cell's own kd/n by an
    ulp either way depending on the CPU's exp and log: compared with < and >, the step's own
    cell was taken for its upper neighbour where the round trip fell below it (kd/n = 1.4:
    1.3999999999999997 on a Zen 5, giving [1.3, 1.4] instead of [1.3, 1.5])."""
    xs = np.unique(np.asarray(x_tested, dtype=float))
    at = int(np.argmin(np.abs(np.log(xs) - math.log(x))))
    return (float(xs[at - 1]) if at > 0 else float("nan"),
            float(xs[at + 1]) if at + 1 < xs.size else float("nan"))


def _interval(f: Dict, x_tested: np.ndarray):
    """(midpoint, ci_low, ci_high) of a row's fit. One-sided without a transition (its bounds,
    NaN point). A separated row (every trial below a point failed, every one above succeeded:
    an infinitely steep fit, no likelihood interval) gets the gap the data leave: between the
    last all-failure and the first all-success cell, the midpoint at its geometric middle; with
    one mixed cell between them (quasi-complete separation) from its lower to its upper
    neighbour, the midpoint at that cell. Either way the transition lies between two tested
    cells, finer than the k grid can say (the adaptive design's `bracketed`)."""
    lo, hi = f["midpoint_ci"]
    mid = f["midpoint"]
    if f["status"] in ("all_failure", "all_success"):
        lo, hi = f["midpoint_bounds"]
    elif f["status"] == "separated" and f["b"] == float("inf"):
        lo, hi = f["midpoint_bounds"]
        if lo == hi:
            lo, hi = _neighbours(x_tested, lo)
        else:
            mid = math.sqrt(lo * hi)
    return mid, lo, hi


def study_rows(sweeps: Sequence[Sweep], link: str = "logit") -> List[Dict]:
    """One row per (file, group, reading, budget, d) with finished trials (gd groups only)."""
    lk = stats.Link(link)
    rows = []
    for sw in sweeps:
        for g in sw.groups:
            if g.method != "gd":
                continue
            wall = g.trial_data.get("wall_seconds")
            for reading in READINGS:
                tol = reading_tol(g, reading)
                if not _has_rung(g, tol):
                    continue
                for budget in budgets_of(g):
                    for j, d in enumerate(g.d):
                        x, succ, done = _cell_arrays(g, j, tol, budget)
                        if not done.any():
                            continue
                        f = _row_fit(x, succ, done, g.n, lk)
                        mid, lo, hi = _interval(f, x[done.any(axis=1)])
                        secs = float(np.nansum(wall[:, j, :][done])) if wall is not None \
                            else float("nan")
                        rows.append({
                            "n": int(g.n), "activation": g.activation, "tol": float(tol),
                            "budget": int(budget), "eta_rule": eta_rule(g), "d": int(d),
                            "midpoint": float(mid), "ci_low": float(lo), "ci_high": float(hi),
                            "width": float(f["width"]), "trainings": int(done.sum()),
                            "core_seconds": secs, "d_over_n": float(d) / g.n,
                            "reading": reading, "run_budget": int(g.max_iter),
                            "status": f["status"], "file": os.path.basename(sw.path),
                            "_cells": (x, succ, done)})
    rows.sort(key=lambda r: (r["activation"], r["reading"], r["budget"], r["eta_rule"],
                             r["d_over_n"], r["n"], r["d"], r["run_budget"]))
    return rows


def bounded(r: Dict) -> bool:
    return r["status"] in ("ok", "separated") and all(
        math.isfinite(r[c]) for c in ("midpoint", "ci_low", "ci_high")) and r["ci_low"] > 0


B_GRID = np.exp(np.linspace(np.log(B_BOUNDS[0]), np.log(B_BOUNDS[1]), 64))


def _fit_curve(n: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> Dict:
    """mu(n) = mu_inf + a n^(-b) by weighted least squares: for each b of a grid over B_BOUNDS
    the model is linear in (mu_inf, a) (closed form); the b with the least weighted squared
    error wins. NaN when fewer than three finite points."""
    ok = np.isfinite(mu) & np.isfinite(sigma) & (sigma > 0)
    if ok.sum() < 3:
        return {"mu_inf": float("nan"), "a": float("nan"), "b": float("nan")}
    n, mu, w = n[ok], mu[ok], 1.0 / sigma[ok]
    best = (np.inf, np.nan, np.nan, np.nan)
    for b in B_GRID:
        X = np.column_stack([np.ones_like(n), n ** (-b)]) * w[:, None]
        coef, *_ = np.linalg.lstsq(X, mu * w, rcond=None)
        sse = float(np.sum((X @ coef - mu * w) ** 2))
        if sse < best[0]:
            best = (sse, float(coef[0]), float(coef[1]), float(b))
    return {"mu_inf": best[1], "a": best[2], "b": best[3]}


def _profile_interval(n: np.ndarray, mu: np.ndarray, sigma: np.ndarray) -> List[float]:
    """95% profile interval of mu_inf with a and b profiled out (b over B_GRID): every m whose
    least weighted squared error over (a, b), minus the overall least, is <= 3.84 (chi-square,
    one degree of freedom; the rows' intervals give the weights). The union over the plausible
    b is what makes it wide when a handful of n cannot pin the exponent down."""
    ok = np.isfinite(mu) & np.isfinite(sigma) & (sigma > 0)
    if ok.sum() < 3:
        return [float("nan"), float("nan")]
    n, mu, w = n[ok], mu[ok], 1.0 / sigma[ok]
    span = float(mu.max() - mu.min()) + 4 * float(sigma[ok].max())
    m = np.linspace(float(mu.min()) - 10 * span, float(mu.max()) + span, 4001)
    best = np.full(m.shape, np.inf)
    for b in B_GRID:
        z = n ** (-b) * w                       # the column of a, weighted
        resid = (mu[None, :] - m[:, None]) * w  # what a must explain, per m
        a = resid @ z / (z @ z)
        sse = np.sum((resid - a[:, None] * z[None, :]) ** 2, axis=1)
        best = np.minimum(best, sse)
    inside = m[best - best.min() <= stats.CHI2_95_1DF]
    lo, hi = float(inside.min()), float(inside.max())
    # an end at the edge of the searched range is no bound
    return [lo if lo > m[0] else float("-inf"), hi if hi < m[-1] else float("inf")]


def _width_slope(n: np.ndarray, width: np.ndarray) -> float:
    ok = np.isfinite(width) & (width > 0)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(np.log(n[ok]), np.log(width[ok]), 1)[0])


def _resample(cells, rng) -> tuple:
    x, succ, done = cells
    s = np.zeros(len(x))
    t = np.zeros(len(x))
    for i in range(len(x)):
        idx = np.nonzero(done[i])[0]
        if len(idx):
            pick = idx[rng.integers(0, len(idx), size=len(idx))]
            s[i], t[i] = succ[i, pick].sum(), len(idx)
    return x, s, t


def _replicate_fit(x, s, t, link: stats.Link):
    """(50% point, 10-90% width) of one replicate row: the midpoint as robust's replicates
    (0 / inf when all succeed / fail, the gap's middle when separated), the width from the
    same GLM fit (NaN where there is none)."""
    mid = _replicate_midpoint(np.log(x), s, t, link, None)
    keep = t > 0
    if not (0 < s[keep].sum() < t[keep].sum()) or not np.isfinite(mid) or mid <= 0:
        return mid, float("nan")
    X = np.column_stack([np.ones(keep.sum()), np.log(x[keep])])
    try:
        b = stats.fit_glm(X, s[keep], t[keep], link).beta[1]
    except Exception:  # noqa: BLE001 - a replicate that does not fit has no width
        return mid, float("nan")
    if not b > 0:
        return mid, float("nan")
    q = link.ppf(0.9) - link.ppf(0.1)
    return mid, mid * (math.exp(0.5 * q / b) - math.exp(-0.5 * q / b))


def fit_trends(rows: List[Dict], link: str = "logit", reps: int = DEFAULT_REPS,
               seed: int = 1) -> List[Dict]:
    """Per (activation, reading, budget, eta rule, d/n) with >= 3 bounded n: mu(n) and the
    width's slope against n, with bootstrap percentile intervals."""
    lk = stats.Link(link)
    keyf = lambda r: (r["activation"], r["reading"], r["budget"], r["eta_rule"],  # noqa: E731
                      round(r["d_over_n"], 9), r["run_budget"])
    series: Dict[tuple, List[Dict]] = {}
    for r in rows:
        series.setdefault(keyf(r), []).append(r)
    out = []
    for key, rs in sorted(series.items()):
        rs = sorted((r for r in rs if bounded(r)), key=lambda r: r["n"])
        if len({r["n"] for r in rs}) < 3 or len(rs) != len({r["n"] for r in rs}):
            continue
        n = np.array([r["n"] for r in rs], float)
        mu = np.array([r["midpoint"] for r in rs])
        sig = np.array([(r["ci_high"] - r["ci_low"]) / (2 * stats.Z95) for r in rs])
        width = np.array([r["width"] for r in rs])
        fit = _fit_curve(n, mu, sig)
        profile_ci = _profile_interval(n, mu, sig)
        # A bracketed row (steeper than its k grid resolves) has no width, and resampling its
        # trials (all failures on one side, all successes on the other) never moves it: then
        # neither a width trend nor a bootstrap interval; the profile interval remains.
        resolved = bool(np.all(np.isfinite(width) & (width > 0)))
        rng = np.random.default_rng([seed, zlib.crc32(repr(key).encode())])
        mus, slopes = [], []
        for _ in range(reps if resolved else 0):
            m_rep, w_rep = [], []
            for r in rs:
                m, w = _replicate_fit(*_resample(r["_cells"], rng), lk)
                m_rep.append(m)
                w_rep.append(w)
            m_rep = np.array(m_rep)
            if np.all(np.isfinite(m_rep)) and np.all(m_rep > 0):
                mus.append(_fit_curve(n, m_rep, sig)["mu_inf"])
            slopes.append(_width_slope(n, np.array(w_rep)))
        mus = np.array([m for m in mus if np.isfinite(m)])
        slopes = np.array([s for s in slopes if np.isfinite(s)])
        ci = (lambda v: [float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))]
              if len(v) >= max(20, reps // 2) else [float("nan"), float("nan")])
        boot_ci, sl_ci = ci(mus), ci(slopes)
        out.append({
            "activation": key[0], "reading": key[1], "budget": key[2], "eta_rule": key[3],
            "d_over_n": key[4], "run_budget": key[5], "n": [int(v) for v in n], "midpoint": [float(v) for v in mu],
            "mu_inf": fit["mu_inf"], "a": fit["a"], "b": fit["b"], "mu_inf_ci": profile_ci,
            "mu_inf_bootstrap_ci": boot_ci,
            "valid_reps": int(len(mus)), "reps": int(reps), "resolved": resolved,
            "width": [float(v) for v in width],
            "width_slope": _width_slope(n, width) if resolved else float("nan"),
            "width_slope_ci": sl_ci,
            "consistent_with_1": bool(profile_ci[0] <= 1.0 <= profile_ci[1])
            if not np.any(np.isnan(profile_ci)) else None})
    return out


def write_csv(rows: List[Dict], path: str) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rows:
            w.writerow([_csv_value(r[c]) for c in CSV_COLUMNS])


def _csv_value(v):
    if isinstance(v, float):
        return "nan" if math.isnan(v) else "inf" if math.isinf(v) else f"{v:.6g}"
    return v


def _f(v, digits=3) -> str:
    return "-" if v is None or not math.isfinite(v) else f"{v:.{digits}f}"


def format_text(rows: List[Dict], trends: List[Dict]) -> str:
    lines = ["50% point per row (kd/n; profile-likelihood 95% interval; width = x90 - x10)", ""]
    head = f"{'act':9} {'reading':8} {'budget':>6} {'eta rule':12} {'d/n':>6} {'n':>5} {'d':>4} " \
           f"{'midpoint':>8} {'95% interval':>17} {'width':>6} {'trainings':>9} {'core-s':>8}"
    lines += [head, "-" * len(head)]
    for r in rows:
        iv = f"[{_f(r['ci_low'])}, {_f(r['ci_high'])}]"
        lines.append(f"{r['activation']:9} {r['reading']:8} {r['budget']:6d} {r['eta_rule']:12} "
                     f"{r['d_over_n']:6.4f} {r['n']:5d} {r['d']:4d} {_f(r['midpoint']):>8} "
                     f"{iv:>17} {_f(r['width']):>6} {r['trainings']:9d} "
                     f"{_f(r['core_seconds'], 1):>8}" +
                     ("" if r["status"] in ("ok", "separated") else f"  ({r['status']})") +
                     ("" if r["run_budget"] == r["budget"] else
                      f"  (from a {r['run_budget']}-update run)"))
    lines += ["", "mu(n) = mu_inf + a n^-b per series with >= 3 n (bootstrap over trials)", ""]
    for t in trends:
        ci, bci = t["mu_inf_ci"], t["mu_inf_bootstrap_ci"]
        verdict = {True: "consistent with 1", False: "excludes 1", None: "no interval"}[
            t["consistent_with_1"]]
        lines.append(f"{t['activation']:9} {t['reading']:8} budget {t['budget']:6d}"
                     f"{'' if t['run_budget'] == t['budget'] else '/' + str(t['run_budget'])} "
                     f"{t['eta_rule']:12} d/n {t['d_over_n']:.4f}: n {t['n']}, mu_inf "
                     f"{_f(t['mu_inf'])} [{_f(ci[0])}, {_f(ci[1])}] ({verdict}; bootstrap " +
                     (f"[{_f(bci[0])}, {_f(bci[1])}], {t['valid_reps']}/{t['reps']} replicates), "
                      if math.isfinite(bci[0]) else "none: bracketed rows), ") +
                     f"b {_f(t['b'], 2)}; " +
                     (f"d log(width) / d log(n) {_f(t['width_slope'], 2)} "
                      f"[{_f(t['width_slope_ci'][0], 2)}, {_f(t['width_slope_ci'][1], 2)}]"
                      if math.isfinite(t["width_slope"]) else
                      "width trend: none (a row steeper than its k grid resolves)"))
    if not trends:
        lines.append("(no series has bounded 50% points at three or more n)")
    return "\n".join(lines)


def plot(rows: List[Dict], path: str, budget: Optional[int] = None) -> str:
    """mu(n) with intervals, one panel per reading, kd = n marked; one line per (activation,
    d/n, eta rule) at one budget (default: the paper's 15000 where present). Written in every
    format in force (figstyle)."""
    import matplotlib.ticker

    from . import figstyle
    budgets = sorted({r["budget"] for r in rows})
    if budget is None:
        budget = BUDGET_STATED if BUDGET_STATED in budgets else (budgets[0] if budgets else 0)
    colors = {"softplus": "#0072B2", "relu": "#D55E00"}
    markers = ["o", "s", "^", "D", "v", "P"]
    sel_all = [r for r in rows if r["budget"] == budget == r["run_budget"] and bounded(r)]
    ratios = sorted({round(r["d_over_n"], 9) for r in sel_all})
    keys = sorted({(r["activation"], round(r["d_over_n"], 9), r["eta_rule"]) for r in sel_all})
    fig, axes, lax = figstyle.panel_figure(1, 2, figstyle.DOUBLE, 2.6,
                                           figstyle.legend_height(len(keys), 3))
    tol = min((r["tol"] for r in rows if r["reading"] == "stated"), default=float("nan"))
    handles = {}
    for ax, reading in zip(axes[0], READINGS):
        sel = [r for r in sel_all if r["reading"] == reading]
        for act, ratio, rule in keys:
            rs = sorted((r for r in sel if (r["activation"], round(r["d_over_n"], 9),
                                            r["eta_rule"]) == (act, ratio, rule)),
                        key=lambda r: r["n"])
            if not rs:
                continue
            n = np.array([r["n"] for r in rs], float)
            mu = np.array([r["midpoint"] for r in rs])
            err = np.array([[r["midpoint"] - r["ci_low"] for r in rs],
                            [r["ci_high"] - r["midpoint"] for r in rs]])
            h = ax.errorbar(n, mu, yerr=err, color=colors.get(act, "k"),
                            marker=markers[ratios.index(ratio) % len(markers)],
                            linestyle="-" if rule.startswith("auto") else "--", capsize=2, ms=4,
                            label=f"{act}, d = n/{1 / ratio:.0f}, eta {rule}")
            handles.setdefault((act, ratio, rule), h)
        ax.axhline(1.0, color="0.3", lw=1, ls=":")
        ax.text(0.02, 0.03, "kd = n", transform=ax.transAxes, color="0.3")
        ns = sorted({r["n"] for r in sel_all})
        ax.set_xscale("log")
        ax.set_xticks(ns, [str(v) for v in ns])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_xlabel("n (samples)")
        ax.set_ylabel("50% point, kd/n")
        ax.set_title((r"stated: $\|f-y\|/\|y\| < $" if reading == "stated" else
                      r"squared: $\|f-y\|^2/\|y\|^2 < $") + f"{tol:g}")
    figstyle.legend_in(lax, list(handles.values()), ncol=3)
    fig.suptitle(f"50% point against n (budget {budget} updates; 95% intervals)")
    return figstyle.save(fig, path)
