"""An adaptive file (design = "adaptive", issue 15) against a grid file of the same protocol.

Three questions, per group:

* is it the same protocol? Every root setting of the engine's settings table (analysis/
  settings.json) and every group setting must agree, except the design's own knobs (design,
  batch, target_ci, max_trainings), which are what differs between the two files;
* are the shared trials the same trials? The t-th training of a cell in an adaptive file is
  trial t of the grid's cell (same seed), so every trial done in both must have bit-identical
  results in every per-trial dataset (wall_seconds aside: it is a measurement, not a result);
* do the answers agree, and at what cost? For each row (one d), whether the adaptive midpoint
  lies within the grid's per-d fit interval (analysis.robust.per_d_fits: the same fit on that
  column of the grid) and whether its interval is narrower; trainings and core-seconds (sum of
  wall_seconds of the done trials) of each file.

A row without a transition inside k (all_fail / all_succeed) has no midpoint and a one-sided
interval; it agrees when that interval overlaps the grid's (e.g. both say "above the largest
kd/n"), and "narrower" does not apply to it.
"""

from typing import Dict, List, Optional

import numpy as np

from . import stats
from .boundary import fmt
from .errors import AnalysisError
from .io import (AXES, DIAGNOSTIC_DATASETS, SETTINGS, TRIAL_DATASETS_OPTIONAL, Group, Sweep,
                 cells_in_order_of, same_axes, same_setting)
from .outcomes import outcomes

DESIGN_KEYS = ("design", "batch", "target_ci", "max_trainings")
# May differ too: an adaptive file's --trials is only its per-cell cap, and trial t of a cell is
# the same training whatever the number of trials (its seed names t, not their count); the
# trials both files hold are compared.
CAP_KEYS = ("trials",)
# Root attributes of the protocol that are not rows of the settings table (paths, actions).
EXTRA_ROOT = ("k_values", "d_values", "n_values", "tol_ladder")
GROUP_KEYS = ("n", "activation", "method", "eta", "max_iter", "tol")
NOT_RESULTS = ("wall_seconds",)


def protocol_keys() -> List[str]:
    keys = [r["attribute"] for r in SETTINGS
            if r["attribute"] and r["stored_in"] == "root"
            and r["attribute"] not in DESIGN_KEYS + CAP_KEYS]
    return keys + [k for k in EXTRA_ROOT if k not in keys]


def protocol_differences(a: Sweep, b: Sweep) -> List[str]:
    """Every setting (root or group) in which the two files differ, as text; [] if none."""
    out = []
    for key in protocol_keys():
        va, vb = a.attr(key), b.attr(key)
        if not (same_axes(va, vb) if key in AXES else same_setting(va, vb)):
            out.append(f"{key} ({va} vs {vb})")
    names_a, names_b = [g.name for g in a.groups], [g.name for g in b.groups]
    if names_a != names_b:
        out.append(f"groups ({','.join(names_a)} vs {','.join(names_b)})")
        return out
    for ga, gb in zip(a.groups, b.groups):
        for key in GROUP_KEYS:
            if not same_setting(getattr(ga, key), getattr(gb, key)):
                out.append(f"{ga.name}.{key} ({getattr(ga, key)} vs {getattr(gb, key)})")
        if not (same_axes(ga.k, gb.k) and same_axes(ga.d, gb.d)):
            out.append(f"{ga.name} k/d grid")
    return out


def _bits(arr: np.ndarray) -> np.ndarray:
    """Floats as their bit patterns, so that equality is bit identity (NaN == NaN, -0 != 0)."""
    arr = np.ascontiguousarray(arr)
    return arr.view(f"u{arr.itemsize}") if arr.dtype.kind == "f" else arr


def _result_arrays(g: Group) -> Dict[str, np.ndarray]:
    out = {"success": g.success}
    for nm in TRIAL_DATASETS_OPTIONAL + DIAGNOSTIC_DATASETS:
        if nm in g.trial_data and nm not in NOT_RESULTS:
            out[nm] = np.asarray(g.trial_data[nm])
    if g.ladder_hit_iter is not None:
        out["ladder_hit_iter"] = g.ladder_hit_iter
    return out


def trial_identity(ga: Group, gb: Group, list_max: int = 20) -> Dict:
    """Trials done in both groups, and every (dataset, k, d, trial) whose result differs; the
    cells matched by their k and d values (the files may list them in other orders)."""
    T = min(ga.done.shape[2], gb.done.shape[2])  # the trials both can hold
    in_a = cells_in_order_of(ga, gb)
    both = ga.done[:, :, :T] & in_a(gb.done)[:, :, :T]
    ra = {nm: x[:, :, :T] for nm, x in _result_arrays(ga).items()}
    rb = {nm: in_a(x)[:, :, :T] for nm, x in _result_arrays(gb).items()}
    res = {"trials_in_both": int(both.sum()), "datasets": [], "differ": 0, "trials": []}
    for nm in ra:
        if nm not in rb:
            continue
        xa, xb = ra[nm], rb[nm]
        res["datasets"].append(nm)
        if xa.dtype != xb.dtype:
            xa, xb = xa.astype(np.float64), xb.astype(np.float64)
        neq = _bits(xa) != _bits(xb)
        if neq.ndim == 4:      # ladder_hit_iter: a trial differs if any rung does
            neq = neq.any(axis=3)
        bad = both & neq
        res["differ"] += int(bad.sum())
        for ki, di, t in zip(*np.nonzero(bad)):
            if len(res["trials"]) < list_max:
                res["trials"].append({"dataset": nm, "k": int(ga.k[ki]), "d": int(ga.d[di]),
                                      "trial": int(ga.trial[t])})
    res["identical"] = res["differ"] == 0
    return res


def grid_interval(row: Dict) -> List[float]:
    """The grid per-d fit's interval for the 50% point: the profile-likelihood CI of a fit,
    or the bounds the data allow when there is none (all fail: [largest x, inf], ...)."""
    if row["status"] == "ok":
        return [float(v) for v in row["midpoint_ci"]]
    return [float(v) for v in row["midpoint_bounds"]]


def row_verdict(mid: float, lo: float, hi: float, glo: float, ghi: float) -> Dict:
    """agree: the adaptive midpoint lies in the grid interval (one-sided row: the intervals
    overlap); narrower: adaptive interval width <= grid's (None for a one-sided row). None
    where either side has no interval at all (a row the design never trained says nothing, so
    it neither agrees nor disagrees)."""
    if not (np.isfinite(glo) or np.isfinite(ghi)) or np.isnan(glo) or np.isnan(ghi):
        return {"agree": None, "narrower": None}
    if not np.isfinite(mid) and (np.isnan(lo) or np.isnan(hi)):
        return {"agree": None, "narrower": None}
    if np.isfinite(mid):
        return {"agree": bool(glo <= mid <= ghi), "narrower": bool(hi - lo <= ghi - glo)}
    return {"agree": bool(lo <= ghi and glo <= hi), "narrower": None}


def compare_rows(ad: Group, grid: Group, link: str = "logit") -> List[Dict]:
    from .boundary import step_ci
    from .robust import per_d_fits
    oc = outcomes(grid)
    fits = {r["d"]: r for r in per_d_fits(grid, oc, stats.Link(link), False)}
    rows = []
    des = ad.design
    for j, d in enumerate(ad.d):
        g = fits[int(d)]
        glo, ghi = grid_interval(g)
        if g["status"] == "separated" and glo == ghi:
            # a step (one mixed cell between all failures and all successes): its bounds are
            # the point [c, c], which no adaptive midpoint would ever lie in; the profile
            # likelihood still gives an interval around c
            jg = int(np.nonzero(grid.d == d)[0][0])
            glo, ghi = step_ci(np.log(grid.kd[:, jg] / grid.n), oc.success_count[:, jg],
                               oc.trials_done[:, jg], stats.Link(link), float(np.log(glo)))
        mid, lo, hi = float(des.midpoint[j]), float(des.ci_low[j]), float(des.ci_high[j])
        row = {"d": int(d), "midpoint": mid, "ci": [lo, hi], "status": des.status[j],
               "trainings": int(des.trainings[j]), "grid_status": g["status"],
               "grid_midpoint": g["midpoint"], "grid_ci": [glo, ghi],
               "grid_trials": int(g["trials"])}
        row.update(row_verdict(mid, lo, hi, glo, ghi))
        rows.append(row)
    return rows


def _cost(g: Group) -> Dict:
    wall = g.trial_data.get("wall_seconds")
    secs = float(np.nansum(np.where(g.done, wall, 0.0))) if wall is not None else float("nan")
    return {"trainings": int(g.done.sum()), "core_seconds": secs}


def compare(ad: Sweep, grid: Sweep, link: str = "logit", list_max: int = 20) -> Dict:
    """The whole comparison (see the module docstring). Raises AnalysisError when the two files
    are not an adaptive and a grid file of one protocol."""
    if ad.design != "adaptive" or grid.design == "adaptive":
        raise AnalysisError(f"compare: expected an adaptive file and a grid file, got "
                            f"{ad.path} ({ad.design}) and {grid.path} ({grid.design})")
    diffs = protocol_differences(ad, grid)
    if diffs:
        raise AnalysisError(f"{ad.path} and {grid.path} are not the same protocol: they differ "
                            f"in {'; '.join(diffs)}")
    groups = []
    for ga, gg in zip(ad.groups, grid.groups):
        rows = compare_rows(ga, gg, link)
        groups.append({"group": ga.name, "adaptive": _cost(ga), "grid": _cost(gg),
                       "rows": rows, "rows_agreeing": sum(1 for r in rows if r["agree"]),
                       # rows with a verdict: one never trained neither agrees nor disagrees
                       "rows_judged": sum(1 for r in rows if r["agree"] is not None),
                       "rows_narrower": sum(1 for r in rows if r["narrower"]),
                       "rows_two_sided": sum(1 for r in rows if np.isfinite(r["midpoint"])),
                       "identity": trial_identity(ga, gg, list_max)})
    return {"adaptive_file": ad.path, "grid_file": grid.path, "link": link,
            "identical": all(g["identity"]["identical"] for g in groups),
            "agree_rule": "adaptive midpoint inside the grid per-d fit's 95% profile-likelihood "
                          "interval (one-sided rows: intervals overlap)",
            "groups": groups}


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.3g}" if b and np.isfinite(a) and np.isfinite(b) else "-"


def _yes(v: Optional[bool]) -> str:
    return "-" if v is None else ("yes" if v else "NO")


def _interval(lo: float, hi: float) -> str:
    return f"[{fmt(lo, 3)}, {fmt(hi, 3)}]"


def format_text(res: Dict) -> str:
    from .boundary import _table
    out = [f"adaptive: {res['adaptive_file']}", f"grid:     {res['grid_file']}",
           "protocol: the same (settings agree except design, batch, target_ci, max_trainings and the per-cell cap trials)",
           f"agree: {res['agree_rule']}", ""]
    heads = ["group", "trainings grid", "trainings adaptive", "ratio", "core-s grid",
             "core-s adaptive", "ratio", "rows agreeing", "rows narrower"]
    table = []
    for g in res["groups"]:
        a, b = g["adaptive"], g["grid"]
        table.append([g["group"], str(b["trainings"]), str(a["trainings"]),
                      _ratio(a["trainings"], b["trainings"]), fmt(b["core_seconds"]),
                      fmt(a["core_seconds"]), _ratio(a["core_seconds"], b["core_seconds"]),
                      f"{g['rows_agreeing']}/{g['rows_judged']}",
                      f"{g['rows_narrower']}/{g['rows_two_sided']}"])
    out.append(_table(heads, table))
    heads = ["d", "adaptive kd/n [95%]", "status", "trainings", "grid per-d fit [95%]",
             "grid status", "agree", "narrower"]
    for g in res["groups"]:
        out += ["", f"{g['group']}: per row"]
        table = [[str(r["d"]), f"{fmt(r['midpoint'])} {_interval(*r['ci'])}", r["status"],
                  str(r["trainings"]), f"{fmt(r['grid_midpoint'])} {_interval(*r['grid_ci'])}",
                  r["grid_status"], _yes(r["agree"]), _yes(r["narrower"])] for r in g["rows"]]
        out.append(_table(heads, table))
    out.append("")
    for g in res["groups"]:
        idn = g["identity"]
        what = ("all bit-identical" if idn["identical"]
                else f"{idn['differ']} differing results: MISMATCH")
        out.append(f"trial identity {g['group']}: {idn['trials_in_both']} trials in both, "
                   f"{what} ({', '.join(idn['datasets'])})")
        for t in idn["trials"]:
            out.append(f"  {t['dataset']} differs at k={t['k']} d={t['d']} trial={t['trial']}")
    return "\n".join(out)
