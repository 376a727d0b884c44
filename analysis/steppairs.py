"""Updates to success under two step-size rules, trial by trial (the large-n study).

A trial's data and W0 depend only on the master seed and its (n, activation, k, d, trial)
coordinates, not on its step size (docs/PROTOCOL.md), so two runs of the same grid under two
rules of --eta (the stated fixed step and auto:C, say) train the same problems. For every
(n, activation, d) that both runs hold, at the same budget and tolerance, this pairs the
trials that succeed (stated reading, the run's budget) under both and reports the ratio of
their updates to success beside the ratio of their steps. Where GD runs in the regime the
paper analyses, the error contracts by about (1 - eta lambda) per update, so the number of
updates scales as 1 / eta: the two ratios should agree.
"""
from typing import Dict, List, Sequence

import numpy as np

from .io import Group, Sweep, same_setting
from .scaling import eta_rule as _rule

# What, besides a trial's coordinates, decides its data and W0: two files pair only where they
# agree on all of it (another --seed, say, trains other problems under the same coordinates).
PROBLEM_SETTINGS = ("seed", "data", "labels", "data_delta")


def _steps(g: Group) -> np.ndarray:
    """Each trial's step [K, D, T]: the stored per-trial eta under auto, else the fixed one."""
    if g.eta_auto > 0:
        return np.asarray(g.trial_data["eta"], float)
    return np.full(g.done.shape, float(g.eta))


def _common(a: np.ndarray, b: np.ndarray):
    _, ia, ib = np.intersect1d(a, b, assume_unique=True, return_indices=True)
    return ia, ib


def _ordered(g1: Group, g2: Group):
    """(a, b) with a the fixed rule where one is fixed, else in order of the rule's text."""
    if (g1.eta_auto > 0) != (g2.eta_auto > 0):
        return (g2, g1) if g1.eta_auto > 0 else (g1, g2)
    return (g1, g2) if _rule(g1) <= _rule(g2) else (g2, g1)


def _pair_row(a: Group, b: Group, da: int, db: int, ka, kb, ta, tb) -> Dict:
    sel_a = np.ix_(ka, [da], ta)
    sel_b = np.ix_(kb, [db], tb)
    both = (a.done[sel_a] & a.success[sel_a] & b.done[sel_b] & b.success[sel_b]).ravel()
    it_a = a.trial_data["iterations"][sel_a].ravel()[both].astype(float)
    it_b = b.trial_data["iterations"][sel_b].ravel()[both].astype(float)
    step_a, step_b = _steps(a)[sel_a].ravel()[both], _steps(b)[sel_b].ravel()[both]
    kk = np.broadcast_to(a.k[ka][:, None, None], a.done[sel_a].shape).ravel()[both]
    row = {"n": int(a.n), "activation": a.activation, "d": int(a.d[da]),
           "budget": int(a.max_iter), "rule_a": _rule(a), "rule_b": _rule(b),
           "pairs": int(both.sum()), "cells": int(np.unique(kk).size),
           "updates_ratio": float("nan"), "updates_ratio_p10": float("nan"),
           "updates_ratio_p90": float("nan"), "step_ratio": float("nan")}
    ok = (it_a > 0) & (it_b > 0)
    if ok.any():
        r = it_a[ok] / it_b[ok]
        row["updates_ratio"] = float(np.median(r))
        row["updates_ratio_p10"], row["updates_ratio_p90"] = (float(v) for v in
                                                             np.percentile(r, [10, 90]))
        row["step_ratio"] = float(np.median(step_b[ok] / step_a[ok]))
    return row


def _same_problems(s1: Sweep, s2: Sweep) -> bool:
    return all(same_setting(s1.attr(a), s2.attr(a)) for a in PROBLEM_SETTINGS)


def step_pairs(sweeps: Sequence[Sweep]) -> List[Dict]:
    """One row per (n, activation, d, budget, pair of rules) that two gd groups of files with
    the same problems (PROBLEM_SETTINGS) share: the trials succeeding under both, the median
    (and 10-90%) ratio of updates a / b and the median ratio of steps b / a over them (a: the
    fixed rule where one of the two is)."""
    groups = [(sw, g) for sw in sweeps for g in sw.groups
              if g.method == "gd" and "iterations" in g.trial_data]
    rows = []
    for i, (s1, g1) in enumerate(groups):
        for s2, g2 in groups[i + 1:]:
            if (g1.n, g1.activation, g1.max_iter, g1.tol) != \
                    (g2.n, g2.activation, g2.max_iter, g2.tol) or _rule(g1) == _rule(g2) or \
                    not _same_problems(s1, s2):
                continue
            a, b = _ordered(g1, g2)
            ka, kb = _common(a.k, b.k)
            ta, tb = _common(np.asarray(a.trial), np.asarray(b.trial))
            for da, db in zip(*_common(a.d, b.d)):
                row = _pair_row(a, b, da, db, ka, kb, ta, tb)
                if row["pairs"]:
                    rows.append(row)
    rows.sort(key=lambda r: (r["activation"], r["rule_a"], r["rule_b"], r["budget"], r["n"],
                             r["d"]))
    return rows


def format_text(rows: List[Dict]) -> str:
    lines = ["updates to success under two step rules, trial by trial (the same data and W0; "
             "trials succeeding under both)", ""]
    head = f"{'act':9} {'rule a':12} {'rule b':12} {'budget':>6} {'n':>5} {'d':>4} " \
           f"{'trials':>6} {'cells':>5} {'updates a/b':>11} {'10-90%':>11} {'steps b/a':>9}"
    lines += [head, "-" * len(head)]
    for r in rows:
        spread = f"{r['updates_ratio_p10']:.2f}-{r['updates_ratio_p90']:.2f}"
        lines.append(f"{r['activation']:9} {r['rule_a']:12} {r['rule_b']:12} {r['budget']:6d} "
                     f"{r['n']:5d} {r['d']:4d} {r['pairs']:6d} {r['cells']:5d} "
                     f"{r['updates_ratio']:11.2f} {spread:>11} {r['step_ratio']:9.2f}")
    if not rows:
        lines.append("(no two files hold the same groups under different step rules)")
    return "\n".join(lines)
