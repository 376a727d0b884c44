"""The answer first: one line per group, and the configuration in one short line.

Each group's line gives the 50% point in kd/n (the ratio to the kd = n line) with its 95%
interval, what the interval assumes when the likelihood-ratio test rejects the kd/n-only model
(and the intervals that do not assume it), how far the 50% point moves under the squared reading
of the paper's criterion (a rung of the tolerance ladder), whether it has settled within the
update budget, and the parameter-counting convention (kd, or 2 floor(k/2) d with --effective).
"""

import math
from typing import Dict, List, Optional

import numpy as np

from . import budget as budget_mod
from .boundary import fmt, midpoint_text
from .io import Sweep


def _count_words(g: Dict) -> str:
    var = g["variable"]
    if var == "k":
        return "counting k (random features: only the output layer is trained)"
    if var == "kd":
        return "counting kd"
    return "counting 2 floor(k/2) d (the hidden units with a non-zero output weight)"


def _point(g: Dict) -> str:
    """'kd = 1.683 n [1.67, 1.70], 68% above kd = n' or the bound of a degenerate fit."""
    f, sym = g["fit"], g["variable"]
    if f["status"] != "ok":
        return f"{sym}/n at 50%: {midpoint_text(f)}"
    m = f["midpoint"]
    lo, hi = f["midpoint_ci"]
    rel = (m - 1.0) * 100.0
    side = f"{abs(rel):.0f}% {'above' if rel >= 0 else 'below'} {sym} = n"
    return f"50% success at **{sym} = {fmt(m, 4)} n** [95% CI {fmt(lo, 3)}, {fmt(hi, 3)}] ({side})"


def _model(g: Dict) -> str:
    """What the interval leans on, when the LR test rejects the model."""
    if not g.get("model_rejected"):
        return ""
    p = g["lr_test"]["p_value"]
    ptext = "p < 1e-300" if p == 0 else f"p = {fmt(p, 2)}"
    text = (f"; that interval assumes success depends on {g['variable']}/n only, which the LR "
            f"test rejects ({ptext})")
    rb = g.get("robust") or {}
    boot, rng = rb.get("bootstrap"), rb.get("per_d_range")
    parts = []
    if boot and np.isfinite(boot["ci"][0]):
        parts.append(f"bootstrap over datasets [{fmt(boot['ci'][0], 3)}, "
                     f"{fmt(boot['ci'][1], 3)}]")
    if rng and rng["fits"]:
        parts.append(f"at single d the 50% point runs from {fmt(rng['min'], 3)} (d = "
                     f"{rng['d_min']}) to {fmt(rng['max'], 3)} (d = {rng['d_max']})")
    if parts:
        text += "; without it: " + ", ".join(parts)
    return text


def _reading(g: Dict, squared: Optional[Dict]) -> str:
    if squared is None:
        return "squared reading: not in the tolerance ladder"
    f, base = squared["fit"], g["fit"]
    head = f"squared reading (tol {squared['tol']:g})"
    if f["status"] != "ok":
        return f"{head}: {midpoint_text(f)}"
    text = f"{head}: {g['variable']} = {fmt(f['midpoint'], 3)} n"
    if base["status"] == "ok":
        text += f", {(f['midpoint'] / base['midpoint'] - 1.0) * 100.0:+.0f}%"
    return text


def group_line(g: Dict, squared: Optional[Dict], bud: Optional[Dict]) -> str:
    parts = [_point(g) + _model(g), _reading(g, squared)]
    if bud is not None:
        parts.append(budget_mod.short(bud))
    else:
        parts.append(f"budget {g['budget']} {g['iteration_unit']}s")
    parts.append(_count_words(g))
    return f"**{g['group']}**: " + "; ".join(parts) + "."


def lines(result: Dict, squared: Dict[str, Optional[Dict]],
          budgets: Dict[str, Optional[Dict]]) -> List[str]:
    """One line per group of a boundary result (analysis.boundary.analyze)."""
    return [group_line(g, squared.get(g["group"]), budgets.get(g["group"]))
            for g in result["groups"]]


def _values(values) -> str:
    v = [int(x) for x in np.asarray(values).ravel()]
    if len(v) > 2 and v == list(range(v[0], v[-1] + 1)):
        return f"{v[0]}..{v[-1]}"
    if len(v) > 2 and len({b - a for a, b in zip(v, v[1:])}) == 1:
        return f"{v[0]}..{v[-1]} step {v[1] - v[0]}"
    return ", ".join(map(str, v))


def _rungs(ladder) -> str:
    lad = [float(x) for x in np.asarray(ladder, float).ravel()]
    if len(lad) <= 3:
        return ", ".join(f"{t:g}" for t in lad)
    return f"{lad[0]:g} .. {lad[-1]:g}, {len(lad)} rungs"


def config_line(sweep: Sweep) -> str:
    """'n 100, 200; softplus (eta 0.15), relu (eta 0.1); gd; k 1..25, d 1..25, 10 trials; ...'"""
    g0 = sweep.groups[0]
    ns = sorted({g.n for g in sweep.groups})
    acts = []
    for g in sweep.groups:
        item = (f"{g.activation} (eta {g.eta_rule})" if g.eta_auto > 0 else
                f"{g.activation} (eta {g.eta:g})" if math.isfinite(g.eta) else g.activation)
        if item not in acts:
            acts.append(item)
    budgets = sorted({(g.max_iter, g.iteration_unit) for g in sweep.groups
                      if g.iteration_unit != "none"})
    parts = [f"n {', '.join(map(str, ns))}", ", ".join(acts), "method " + ", ".join(
        sweep.methods), f"k {_values(g0.k)}, d {_values(g0.d)}, {g0.done.shape[2]} trials"]
    if budgets:
        parts.append("budget " + ", ".join(f"{b} {u}s" for b, u in budgets))
    parts.append(f"tol {g0.tol:g} (ladder {_rungs(g0.tol_ladder)})")
    parts.append(f"data {sweep.data}" + (f" (delta {sweep.data_delta:g})"
                                         if sweep.data == "worst" else "")
                 + f", labels {sweep.labels}")
    lo, hi = sweep.kd_band
    if lo > 0 or math.isfinite(hi):
        parts.append(f"kd/n band {lo:g}..{hi:g}")
    if sweep.shard != (1, 1):
        parts.append(f"part {sweep.shard[0]} of {sweep.shard[1]} (--shard; merge the parts "
                     "with --merge)")
    seed = sweep.attr("seed")
    if seed is not None:
        parts.append(f"seed {seed}")
    return "; ".join(parts)
