"""Has the boundary settled within the update budget?

A trial that reaches the tolerance after t updates counts as a success for every budget >= t, so
ladder_hit_iter gives the outcome at any smaller budget without re-training (analysis.outcomes).
Here the 50% point is fitted (analysis.boundary.fit_midpoint, profile-likelihood CI) at fractions
of the budget, by default 1/3, 1/2, 2/3 and 1, and the verdict compares the last two: when the
50% point still moves, between 2/3 of the budget and the whole of it, by more than the width of
its 95% interval at the full budget, the boundary has NOT settled and the figure describes the
budget as much as the network. (With the paper's 15000 updates the full Figure-2 grid does not
settle for n = 200, ReLU.)

Groups without iterations (method rf) or without ladder_hit_iter are reported as not applicable.
"""

from fractions import Fraction
from typing import Dict, List, Optional, Sequence

import numpy as np

from . import figstyle, stats
from .boundary import _aggregate_by_count, fit_midpoint, fmt, midpoint_text, param_count, \
    variable_name
from .errors import AnalysisError
from .heatmap import fit_not_drawn_reason, group_label
from .io import Group, Sweep
from .outcomes import outcomes

FRACTIONS = (Fraction(1, 3), Fraction(1, 2), Fraction(2, 3), Fraction(1))
FIGURE_POINTS = 12      # budgets drawn in the figure: max_iter/12, 2 max_iter/12, ..., max_iter
SETTLE_RULE = ("settled unless the 50% point moves, between 2/3 of the budget and all of it, by "
               "more than the width of its 95% interval at the full budget")


def parse_fractions(text: str) -> List[Fraction]:
    """'1/3,1/2,2/3,1' -> fractions in (0, 1], sorted; AnalysisError otherwise."""
    out = []
    for part in str(text).split(","):
        try:
            f = Fraction(part.strip()).limit_denominator(1000)
        except (ValueError, ZeroDivisionError):
            raise AnalysisError(f"--fractions: not a fraction: {part.strip()!r}") from None
        if not 0 < f <= 1:
            raise AnalysisError(f"--fractions: {part.strip()} is not in (0, 1]")
        out.append(f)
    return sorted(set(out))


def applicable(group: Group) -> Optional[str]:
    """None if the boundary can be fitted at smaller budgets, else why not."""
    if group.iteration_unit == "none" or group.method == "rf":
        return "method rf has no iterations"
    if group.ladder_hit_iter is None:
        return "the group has no ladder_hit_iter dataset"
    return None


def _fit_at(group: Group, tol: Optional[float], budget: int, link: stats.Link,
            effective: bool) -> Dict:
    o = outcomes(group, tol, budget, use_ladder=True)
    uniq, s, t, _ = _aggregate_by_count(param_count(group, effective), o)
    f = fit_midpoint(uniq, s, t, group.n, link, var=variable_name(group, effective),
                     width_ci=False)
    return {"budget": int(budget), "tol": o.tol, "successes": f["successes"],
            "trials": f["trials"], "status": f["status"], "midpoint": f["midpoint"],
            "midpoint_ci": f["midpoint_ci"], "midpoint_bounds": f["midpoint_bounds"],
            "tested_range": f["tested_range"], "notes": f["notes"]}


def _finite_ci(row: Dict) -> bool:
    lo, hi = row["midpoint_ci"]
    return row["status"] == "ok" and bool(np.isfinite(lo) and np.isfinite(hi))


def verdict(at_two_thirds: Dict, at_full: Dict) -> Dict:
    """Compare the 50% point at 2/3 of the budget and at the full budget (SETTLE_RULE)."""
    out = {"settled": None, "shift": float("nan"), "interval": float("nan"),
           "from_budget": at_two_thirds["budget"], "to_budget": at_full["budget"]}
    if not (_finite_ci(at_full) and at_two_thirds["status"] == "ok"):
        out["text"] = "cannot tell: no bounded 50% point at 2/3 of the budget and at all of it"
        return out
    shift = at_full["midpoint"] - at_two_thirds["midpoint"]
    interval = at_full["midpoint_ci"][1] - at_full["midpoint_ci"][0]
    out.update(shift=float(shift), interval=float(interval), settled=bool(abs(shift) <= interval))
    if out["settled"]:
        out["text"] = (f"settled: the 50% point moved {shift:+.3g} between {out['from_budget']} "
                       f"and {out['to_budget']}, within its 95% interval width {interval:.3g}")
    else:
        out["text"] = (f"NOT SETTLED: the 50% point still moved {shift:+.3g} between "
                       f"{out['from_budget']} and {out['to_budget']}, more than its 95% interval "
                       f"width {interval:.3g}; a larger budget would move the boundary")
    return out


def analyze_group(group: Group, tol: Optional[float] = None, link: str = "logit",
                  effective: bool = False, fractions: Sequence[Fraction] = FRACTIONS,
                  figure_points: int = FIGURE_POINTS) -> Dict:
    out = {"group": group.name, "n": group.n, "activation": group.activation,
           "method": group.method, "variable": variable_name(group, effective),
           "unit": group.iteration_unit, "max_iter": group.max_iter, "rows": [], "curve": [],
           "verdict": None}
    reason = applicable(group)
    if reason:
        out["not_applicable"] = reason
        return out
    lk = stats.Link(link)
    cache: Dict[int, Dict] = {}

    def at(budget: int) -> Dict:
        if budget not in cache:
            cache[budget] = _fit_at(group, tol, budget, lk, effective)
        return cache[budget]

    def of(f: Fraction) -> int:
        return int(round(float(f) * group.max_iter))

    out["tol"] = float(at(group.max_iter)["tol"])
    out["rows"] = [dict(at(of(f)), fraction=str(f)) for f in fractions]
    grid = sorted({of(Fraction(i, figure_points)) for i in range(1, figure_points + 1)}
                  | {of(f) for f in fractions})
    out["curve"] = [at(b) for b in grid]
    out["verdict"] = verdict(at(of(Fraction(2, 3))), at(group.max_iter))
    return out


def analyze(sweep: Sweep, tol: Optional[float] = None, link: str = "logit",
            effective: bool = False, fractions: Sequence[Fraction] = FRACTIONS) -> Dict:
    return {"file": sweep.path, "complete": sweep.complete, "rule": SETTLE_RULE,
            "fractions": [str(f) for f in fractions],
            "groups": [analyze_group(g, tol, link, effective, fractions) for g in sweep.groups]}


def table_rows(result: Dict) -> List[List[str]]:
    """One row per group: the 50% point [CI] at each fraction, then the verdict."""
    rows = []
    for g in result["groups"]:
        if g.get("not_applicable"):
            rows.append([g["group"], "-"] + ["-"] * len(result["fractions"])
                        + [f"not applicable: {g['not_applicable']}"])
            continue
        cells = [midpoint_text(r) for r in g["rows"]]
        v = g["verdict"]
        state = ("settled" if v["settled"] else "NOT SETTLED" if v["settled"] is False
                 else "cannot tell")
        rows.append([g["group"], f"{g['tol']:g}"] + cells + [state])
    return rows


def table_headers(result: Dict) -> List[str]:
    g0 = next((g for g in result["groups"] if g["rows"]), None)
    heads = []
    for i, f in enumerate(result["fractions"]):
        b = f" = {g0['rows'][i]['budget']}" if g0 else ""
        heads.append(f"{f} budget{b}")
    return ["group", "tol"] + heads + ["verdict"]


def warnings(result: Dict) -> List[str]:
    return [f"{g['group']}: {g['verdict']['text']}" for g in result["groups"]
            if g.get("verdict") and g["verdict"]["settled"] is False]


def format_text(result: Dict) -> str:
    from .boundary import _table
    var = next((g["variable"] for g in result["groups"]), "kd")
    out = [f"ovsweep boundary against budget: {result['file']}"
           + ("" if result["complete"] else "  [PARTIAL FILE]"),
           f"{var}/n at 50% success [95% profile-likelihood CI] at fractions of each group's "
           "budget (outcomes from ladder_hit_iter, no re-training)",
           f"rule: {result['rule']}", "", _table(table_headers(result), table_rows(result))]
    warn = warnings(result)
    if warn:
        out += ["", "WARNING: the boundary has not settled within the budget:"]
        out += [f"  {w}" for w in warn]
    else:
        out += [""] + [f"{g['group']}: {g['verdict']['text']}" for g in result["groups"]
                       if g.get("verdict")]
    return "\n".join(out)


def build_figure(result: Dict):
    """50% point (95% CI band) against the budget, one line per group. Budgets at which the
    50% point is not supported by the data (fit_not_drawn_reason) are left out of the line."""
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.4, figstyle.legend_height(
        len(result["groups"]) + 2, 3))
    ax = axes[0, 0]
    handles = []
    units = set()
    for g in result["groups"]:
        pts = [r for r in g.get("curve", [])
               if r["status"] == "ok" and fit_not_drawn_reason(r) is None]
        if not pts:
            continue
        units.add(g["unit"])
        b = np.array([r["budget"] for r in pts], float)
        m = np.array([r["midpoint"] for r in pts])
        lo = np.array([r["midpoint_ci"][0] for r in pts])
        hi = np.array([r["midpoint_ci"][1] for r in pts])
        hi = np.where(np.isfinite(hi), hi, m)
        line, = ax.plot(b, m, marker="o", ms=2.5, lw=1.1, label=group_label(g))
        ax.fill_between(b, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
        handles.append(line)
    handles.append(ax.axhline(1.0, color="0.3", lw=0.8, ls=":", label="kd = n"))
    budgets = {g["max_iter"] for g in result["groups"] if g.get("rows")}
    if len(budgets) == 1:
        handles.append(ax.axvline(2 * budgets.pop() / 3, color="0.6", lw=0.6, ls="--",
                                  label="2/3 of the budget"))
    unit = units.pop() if len(units) == 1 else "iteration"
    ax.set_xlabel(f"budget ({unit}s)")
    var = next((g["variable"] for g in result["groups"]), "kd")
    ax.set_ylabel(f"{var}/n at 50% success")
    ax.set_title("50% point against the update budget (95% CI)")
    ax.set_xlim(0, None)
    figstyle.legend_in(lax, handles, ncol=3)
    return fig


def plot(result: Dict, path: str) -> str:
    return figstyle.save(build_figure(result), path)


def short(g: Dict) -> str:
    """'budget 15000 updates, NOT SETTLED (...)' for the report's opening lines."""
    if g.get("not_applicable"):
        return f"budget: not applicable ({g['not_applicable']})"
    v = g["verdict"]
    base = f"budget {g['max_iter']} {g['unit']}s"
    if v["settled"] is None:
        return f"{base}, settling not judged (no bounded 50% point at 2/3 of it and at all of it)"
    if v["settled"]:
        return f"{base}, settled (moved {v['shift']:+.3g} over its last third)"
    return (f"{base}, NOT SETTLED: moved {v['shift']:+.3g} over its last third, more than its "
            f"interval width {fmt(v['interval'], 3)}")
