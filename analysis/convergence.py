"""How an adaptive file's row intervals shrank: the half-width of each row's 95% interval of the
50% point (in kd/n, from the per-round history) against the group's trainings so far.

One panel per group, one line per row (d); the design's target (root attribute target_ci, the
half-width at which a row counts as converged) is a dotted line. A round where a row's interval
is one-sided (no transition inside k yet) has no finite half-width and leaves a gap; a row that
never had one is listed in the notes instead of drawn.
"""

from typing import Dict, List

import numpy as np

from . import figstyle
from .errors import AnalysisError
from .figstyle import save
from .io import Group, Sweep


def half_widths(group: Group) -> np.ndarray:
    """[R, D] half-width of each row's interval after each round (NaN when one-sided)."""
    des = group.design
    with np.errstate(invalid="ignore"):
        hw = 0.5 * (des.history_ci_high - des.history_ci_low)
    return np.where(np.isfinite(hw), hw, np.nan)


def table(sweep: Sweep) -> List[Dict]:
    """Per group and row: rounds, trainings, first and last finite half-width."""
    rows = []
    for g in _adaptive_groups(sweep):
        hw = half_widths(g)
        for j, d in enumerate(g.d):
            col = hw[:, j]
            fin = np.nonzero(np.isfinite(col))[0]
            rows.append({"group": g.name, "d": int(d), "rounds": int(len(col)),
                         "trainings": int(g.design.trainings[j]), "status": g.design.status[j],
                         "first_half_width": float(col[fin[0]]) if len(fin) else float("nan"),
                         "last_half_width": float(col[fin[-1]]) if len(fin) else float("nan")})
    return rows


def _adaptive_groups(sweep: Sweep) -> List[Group]:
    if sweep.design != "adaptive":
        raise AnalysisError(f"{sweep.path}: convergence needs an adaptive file (design = "
                            f"{sweep.design})")
    return [g for g in sweep.groups if g.adaptive]


def build_figure(sweep: Sweep):
    groups = _adaptive_groups(sweep)
    fig, axes, lax = figstyle.panel_figure(1, len(groups), figstyle.SINGLE * len(groups) * 0.8,
                                           2.4, figstyle.legend_height(4, 4))
    target = float(sweep.attrs.get("target_ci", float("nan")))
    cm = figstyle.cmap()
    handles, notes = {}, []
    for ax, g in zip(axes[0], groups):
        hw, x = half_widths(g), g.design.history_trainings
        for j, d in enumerate(g.d):
            if not np.isfinite(hw[:, j]).any():
                notes.append(f"{g.name} d={int(d)}: no finite interval in any round "
                             f"({g.design.status[j]})")
                continue
            colour = cm(j / max(1, len(g.d) - 1) * 0.85)
            line, = ax.plot(x, hw[:, j], marker="o", ms=3, color=colour, label=f"d = {int(d)}")
            handles.setdefault(line.get_label(), line)
        if np.isfinite(target):
            tl = ax.axhline(target, color="0.3", ls=":", lw=1.0, label=f"target {target:g}")
            handles.setdefault("target", tl)
        ax.set_yscale("log")
        ax.set_xlabel("trainings of the group")
        ax.set_ylabel("half-width of 95% interval (kd/n)")
        ax.set_title(g.label)
    fig.suptitle("Adaptive design: row intervals against trainings")
    figstyle.legend_in(lax, list(handles.values()), ncol=4)
    return fig, notes


def plot(sweep: Sweep, path: str):
    fig, notes = build_figure(sweep)
    return save(fig, path), notes


def format_text(rows: List[Dict]) -> str:
    from .boundary import _table, fmt
    heads = ["group", "d", "rounds", "trainings", "status", "half-width first", "last"]
    return _table(heads, [[r["group"], str(r["d"]), str(r["rounds"]), str(r["trainings"]),
                           r["status"], fmt(r["first_half_width"], 3),
                           fmt(r["last_half_width"], 3)] for r in rows])
