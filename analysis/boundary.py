"""Where is the success boundary in kd/n?

Per (n, activation) group, the per-trial outcomes (finished trials only) are fitted by maximum
likelihood with

    link(P(success)) = a + b * log(kd/n)         (link = logit by default, or probit)

aggregated by kd (exactly equivalent to the per-trial Bernoulli likelihood). Reported:

* midpoint: kd/n at 50% success = exp(-a/b);
* width: the 10-90% width as a RATIO, (kd/n at 90%) / (kd/n at 10%) = exp(log_width),
  log_width = (link^-1(0.9) - link^-1(0.1)) / b (both are in the JSON);
* 95% confidence intervals by PROFILE LIKELIHOOD (deterministic, no resampling): the midpoint's
  from the profile over the slope of log(kd/n) at fixed midpoint, the width's from the profile of b
  over a (the width is monotone in b);
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

from . import stats
from .io import Group, Sweep
from .outcomes import Outcomes, outcomes

WIDTH_DEFINITION = ("width = (kd/n at 90% success) / (kd/n at 10% success), a ratio >= 1; "
                    "log_width = its natural log")
CI_METHOD = "95% profile likelihood (chi-square 1 df), no resampling"
M_SEARCH_LIMIT = 3.0   # explore the midpoint profile up to e^3 = 20x outside the tested kd/n range


def _nan() -> float:
    return float("nan")


def param_count(group: Group, effective: bool) -> np.ndarray:
    return group.kd_effective if effective else group.kd


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


def fit_midpoint(count, s, t, n: int, link: stats.Link) -> Dict:
    """Fit link(P) = a + b*log(count/n) to aggregated binomial data. Never raises."""
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
        "log_width": _nan(), "log_width_ci": [_nan(), _nan()],
        "width": _nan(), "width_ci": [_nan(), _nan()],
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
                            f"kd/n tested ({np.exp(hi_x):.4g})")
        return res
    if s.sum() == t.sum():
        res["status"] = "all_success"
        res["midpoint_bounds"] = [0.0, float(np.exp(lo_x))]
        res["notes"].append(f"all {int(t.sum())} trials succeeded: 50% point lies below the "
                            f"smallest kd/n tested ({np.exp(lo_x):.4g})")
        return res
    if len(x) < 2:
        res["status"] = "single_x"
        res["notes"].append(f"only one kd/n value ({np.exp(lo_x):.4g}) has data: slope not "
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
            res["log_width"], res["width"] = 0.0, 1.0
        else:
            lo, hi = float(np.exp(x_succ.max())), float(np.exp(x_fail.min()))
            res["b"] = float("-inf")
            res["notes"].append("success DEcreases with kd/n")
        res["midpoint_bounds"] = [lo, hi]
        if lo == hi:
            res["midpoint"] = lo
            res["notes"].append(f"quasi-complete separation at kd/n = {lo:.4g}: infinitely steep "
                                "fit, midpoint at that value, no CI")
        else:
            res["notes"].append(f"perfect separation: the 50% point lies between kd/n = {lo:.4g} "
                                f"and {hi:.4g} (all trials on one side of that gap failed, all on "
                                "the other succeeded); the MLE is infinitely steep, no CI")
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
        res["notes"].append("negative slope: success DEcreases with kd/n")

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
    res["log_width"] = q / abs(b)
    res["width"] = float(np.exp(q / abs(b)))
    if b > 0:
        def prof_b(bb: float) -> float:
            pf = stats.fit_glm(np.ones((len(x), 1)), s, t, link, offset=bb * x, beta0=[-bb * m])
            return pf.loglik

        step_b = res["se_b"] if np.isfinite(res["se_b"]) and res["se_b"] > 0 else 0.1 * b
        b_lo, b_hi = stats.profile_interval(prof_b, b, fit.loglik, step_b, 0.0, b * 1e4)
        lw_lo = q / b_hi if b_hi is not None else 0.0
        lw_hi = q / b_lo if (b_lo is not None and b_lo > 0) else float("inf")
        res["log_width_ci"] = [lw_lo, lw_hi]
        res["width_ci"] = [float(np.exp(lw_lo)), float(np.exp(lw_hi)) if np.isfinite(lw_hi)
                           else float("inf")]
        if b_lo is None or b_lo <= 0:
            res["notes"].append("slope not significantly > 0: width CI unbounded above")
    return res


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
                  link: str = "logit", effective: bool = False, ladder: bool = True) -> Dict:
    lk = stats.Link(link)
    outc = outcomes(group, tol, budget)
    count = param_count(group, effective)
    uniq, s, t, excluded = _aggregate_by_count(count, outc)
    fit = fit_midpoint(uniq, s, t, group.n, lk)
    if effective and excluded[0]:
        fit["notes"].append(f"{excluded[0]} trials in k=1 cells (effective count 0, "
                            f"{excluded[1]} successes) left out of the fit")
    cells = cell_table(group, outc, fit, lk, effective)
    out = {
        "group": group.name, "n": group.n, "activation": group.activation,
        "tol": outc.tol, "budget": outc.budget, "outcome_source": outc.source,
        "trials_done": int(outc.trials_done.sum()), "trials_planned": int(group.done.size),
        "successes": int(outc.success_count.sum()),
        "fit": fit,
        "lr_test": lr_test_kd_only(group, outc, lk, effective),
        "wilson_summary": wilson_summary(cells),
        "cells": cells,
    }
    if ladder:
        rungs = []
        for j, rung in enumerate(group.tol_ladder):
            try:
                o = outcomes(group, float(rung), budget, use_ladder=True)
            except Exception as exc:  # no ladder data: report, do not crash
                rungs.append({"tol": float(rung), "status": "unavailable", "notes": [str(exc)]})
                continue
            u2, s2, t2, _ = _aggregate_by_count(count, o)
            f2 = fit_midpoint(u2, s2, t2, group.n, lk)
            rungs.append({"tol": float(rung), "rung": j, "successes": f2["successes"],
                          "trials": f2["trials"], "status": f2["status"],
                          "midpoint": f2["midpoint"], "midpoint_ci": f2["midpoint_ci"],
                          "midpoint_bounds": f2["midpoint_bounds"], "width": f2["width"],
                          "notes": f2["notes"]})
        out["tolerance_ladder"] = rungs
    return out


def analyze(sweep: Sweep, tol: Optional[float] = None, budget: Optional[int] = None,
            link: str = "logit", effective: bool = False, ladder: bool = True) -> Dict:
    lk = stats.Link(link)
    var = "2*floor(k/2)*d" if effective else "kd"
    return {
        "file": sweep.path,
        "complete": sweep.complete,
        "trials_done": sweep.trials_done,
        "trials_total": sweep.trials_total,
        "model": lk.formula(f"a + b*log({var}/n)"),
        "link": link,
        "effective": effective,
        "parameter_count": var,
        "midpoint_definition": f"{var}/n at 50% success = exp(-a/b)",
        "width_definition": WIDTH_DEFINITION,
        "ci_method": CI_METHOD,
        "lr_test_definition": lk.formula("a + b1*log k + b2*log d") + f" vs the {var}/n-only "
                              "model (b1 = b2); statistic 2*(ll_full - ll_kd), chi-square df",
        "cell_interval": "Wilson score 95%",
        "groups": [analyze_group(g, tol, budget, link, effective, ladder) for g in sweep.groups],
    }


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


def width_text(fit: Dict) -> str:
    if fit["status"] == "separated" and fit["width"] == 1.0:
        return "1 (step)"
    if fit["status"] != "ok":
        return "-"
    return f"{fmt(fit['width'], 3)} [{fmt(fit['width_ci'][0], 3)}, {fmt(fit['width_ci'][1], 3)}]"


def _table(headers: List[str], rows: List[List[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    return "\n".join(out)


def format_text(result: Dict) -> str:
    var = result["parameter_count"]
    out = [f"ovsweep boundary fit: {result['file']}"
           + ("" if result["complete"] else
              f"  [PARTIAL FILE: {result['trials_done']}/{result['trials_total']} trials done]"),
           f"model: {result['model']}   (maximum likelihood on finished trials)",
           f"midpoint: {result['midpoint_definition']}",
           f"{result['width_definition']}",
           f"CIs: {result['ci_method']};  LR test: {result['lr_test_definition']}",
           ""]
    headers = ["group", "tol", "budget", "succ/trials", f"{var}/n @50% [95% CI]",
               "width 90/10 [95% CI]", "LR", "df", "p", "cells outside Wilson95"]
    rows = []
    for g in result["groups"]:
        f, lr, ws = g["fit"], g["lr_test"], g["wilson_summary"]
        outside = ("-" if ws["cells_fit_outside_wilson95"] is None
                   else f"{ws['cells_fit_outside_wilson95']}/{ws['cells_compared']}")
        rows.append([g["group"], fmt(g["tol"]), str(g["budget"]),
                     f"{g['successes']}/{g['trials_done']}", midpoint_text(f), width_text(f),
                     fmt(lr["statistic"], 3), str(lr["df"]), fmt(lr["p_value"], 3), outside])
    out.append(_table(headers, rows))
    notes = []
    for g in result["groups"]:
        for nt in g["fit"]["notes"]:
            notes.append(f"  {g['group']}: {nt}")
        for nt in g["lr_test"]["notes"]:
            notes.append(f"  {g['group']} (LR test): {nt}")
        if g["trials_done"] < g["trials_planned"]:
            notes.append(f"  {g['group']}: {g['trials_done']}/{g['trials_planned']} trials done "
                         "(partial)")
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
                        "0 (midpoint lower end), 1 (width lower end) or null (upper end = "
                        "infinity); a null estimate means not estimable; see each fit's notes")
    return json.dumps(_jsonable(doc), indent=2)
