"""Figure-2-style heatmaps (matplotlib, Agg backend; no display needed).

x axis d, y axis k (the file's k/d dimension scales), colour = empirical success probability with
the 'jet' colormap: dark blue = certain failure (0) to dark red = certain success (1), as in the
paper's figure, which has no white in it so the solid white kd = n curve stays visible over the
transition. Cells without finished trials are drawn light grey with dark hatching ("no data");
cells deliberately not run (outside the sweep's kd band, dataset `planned` = 0) are left white
with light cross-hatching ("not run"), never drawn as probability 0.
The fitted 50% boundary kd = m*n (analysis.boundary; k = m*n for random features, method rf) is
overlaid as a dashed black curve. With theory=True the paper's sufficient conditions are overlaid
with constant C = 1 (shape only): sqrt(kd) = n (Corollary 2.2, smooth activations, i.e.
kd = n^2), sqrt(kd) = n^2/d (Corollary 2.4, ReLU), and k = n for rf groups (Theorem 3.2).
"""

import os
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from . import boundary  # noqa: E402
from .io import Group, Sweep  # noqa: E402
from .outcomes import Outcomes  # noqa: E402

CMAP = "jet"
NODATA_FACE = "0.82"
NODATA_HATCH_COLOR = "0.35"
NOTRUN_FACE = "white"
NOTRUN_HATCH_COLOR = "0.6"
THEORY_COLOR = "magenta"
RF_COLOR = "cyan"
DPI = 100


def theory_curves(group: Group, dd: np.ndarray) -> List[Tuple[str, np.ndarray, str, str]]:
    """Sufficient-condition curves k(d) of the paper with C = 1 for this group:
    (label, k values, colour, linestyle)."""
    n = float(group.n)
    out = []
    if group.activation == "relu":
        out.append(("Cor. 2.4 (ReLU): sqrt(kd) = n^2/d, C=1 (shape only)",
                    n ** 4 / dd ** 3, THEORY_COLOR, "-."))
    else:
        out.append(("Cor. 2.2 (smooth): sqrt(kd) = n, C=1 (shape only)", n * n / dd,
                    THEORY_COLOR, "-."))
    if group.method == "rf":
        out.append(("Thm 3.2 (rf): k = n, C=1 (shape only)", np.full_like(dd, n), RF_COLOR,
                    ":"))
    return out


def edges(values: np.ndarray) -> np.ndarray:
    """Cell edges around sorted grid values (midpoints; half a spacing beyond the ends)."""
    v = np.asarray(values, float)
    if len(v) == 1:
        return np.array([v[0] - 0.5, v[0] + 0.5])
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def fit_midpoint_value(fit: Optional[Dict]) -> Optional[float]:
    """The fitted 50% kd/n, when there is a point estimate to draw."""
    if not fit:
        return None
    m = fit.get("midpoint")
    if m is None or not np.isfinite(m) or m <= 0:
        return None
    return float(m)


def draw(ax, group: Group, prob: np.ndarray, title: str, midpoint: Optional[float] = None,
         legend: bool = True, effective: bool = False, theory: bool = False):
    """Draw one heatmap on `ax`; returns the QuadMesh (for a colorbar)."""
    ko = np.argsort(group.k)
    do = np.argsort(group.d)
    kv, dv = group.k[ko].astype(float), group.d[do].astype(float)
    P = np.asarray(prob, float)[np.ix_(ko, do)].copy()
    planned = np.asarray(group.planned, bool)[np.ix_(ko, do)]
    P[~planned] = np.nan
    xe, ye = edges(dv), edges(kv)
    ax.set_facecolor("white")
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(P), cmap=CMAP, vmin=0.0, vmax=1.0,
                         shading="flat")
    handles = []
    for i, j in np.argwhere(~planned):
        ax.add_patch(Rectangle((xe[j], ye[i]), xe[j + 1] - xe[j], ye[i + 1] - ye[i],
                               facecolor=NOTRUN_FACE, edgecolor=NOTRUN_HATCH_COLOR, hatch="xx",
                               linewidth=0.0))
    if (~planned).any():
        handles.append(Patch(facecolor=NOTRUN_FACE, edgecolor=NOTRUN_HATCH_COLOR, hatch="xx",
                             label=f"not run: outside kd band ({int((~planned).sum())} cells)"))
    nan_cells = np.argwhere(~np.isfinite(P) & planned)
    for i, j in nan_cells:
        ax.add_patch(Rectangle((xe[j], ye[i]), xe[j + 1] - xe[j], ye[i + 1] - ye[i],
                               facecolor=NODATA_FACE, edgecolor=NODATA_HATCH_COLOR, hatch="///",
                               linewidth=0.0))
    if len(nan_cells):
        handles.append(Patch(facecolor=NODATA_FACE, edgecolor=NODATA_HATCH_COLOR, hatch="///",
                             label=f"no data ({len(nan_cells)} cells)"))
    dd = np.linspace(max(xe[0], 1e-3), xe[-1], 400)
    line, = ax.plot(dd, group.n / dd, color="white", lw=2.2, label="kd = n")
    handles.append(line)
    if midpoint is not None:
        if group.method == "rf":
            fl, = ax.plot(dd, np.full_like(dd, midpoint * group.n), color="black", lw=1.8,
                          ls="--", label=f"fit 50%: k = {midpoint:.3g} n")
        else:
            lab = (f"fit 50%: {'2[k/2]d' if effective else 'kd'} = {midpoint:.3g} n")
            fl, = ax.plot(dd, midpoint * group.n / dd, color="black", lw=1.8, ls="--", label=lab)
        handles.append(fl)
    if theory:
        for lab, kk, colour, ls in theory_curves(group, dd):
            visible = bool(np.any((kk >= ye[0]) & (kk <= ye[-1])))
            if not visible:
                lab += f" [off scale: k >= {np.min(kk):.3g}]"
            tl, = ax.plot(dd, kk, color=colour, lw=2.0, ls=ls, label=lab)
            handles.append(tl)
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("d (input dimension)")
    ax.set_ylabel("k (hidden units)")
    ax.set_title(title, fontsize=10)
    if legend:
        leg = ax.legend(handles=handles, loc="lower left", fontsize=7, framealpha=0.85)
        leg.get_frame().set_facecolor("0.93")
    return mesh


def group_title(sweep: Sweep, group: Group, outc: Outcomes, extra: str = "") -> str:
    t = f"n = {group.n}, {group.activation}"
    if group.method != "gd":
        t += f", {group.method}"
    if not outc.is_default(group):
        t += f"  (tol {outc.tol:g}, budget {outc.budget})"
    if extra:
        t += f"\n{extra}"
    return t + partial_note(sweep, outc, group)


def partial_note(sweep: Sweep, outc: Outcomes, group: Optional[Group] = None) -> str:
    """'' for a complete file, else a line saying how much of this group is done (of the trials
    in planned cells)."""
    done = int(outc.done.sum())
    planned = int(outc.done.size if group is None
                  else int(group.planned.sum()) * outc.done.shape[2])
    if done < planned:
        return f"\nPARTIAL: {done}/{planned} trials done"
    if not sweep.complete:
        return "\nfile PARTIAL (this group complete)"
    return ""


def file_suffix(group: Group, outc: Outcomes) -> str:
    if outc.is_default(group):
        return ""
    return f"_tol{outc.tol:g}_b{outc.budget}"


def save(fig, path: str) -> str:
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def plot_group(sweep: Sweep, group: Group, outc: Outcomes, fit: Optional[Dict], path: str,
               effective: bool = False, theory: bool = False) -> str:
    fig, ax = plt.subplots(figsize=(6.0, 5.2))
    mesh = draw(ax, group, outc.prob, group_title(sweep, group, outc),
                fit_midpoint_value(fit), effective=effective, theory=theory)
    fig.colorbar(mesh, ax=ax, label="success probability")
    fig.tight_layout()
    return save(fig, path)


def _row_key(g: Group) -> Tuple[str, str]:
    return (g.activation, g.method)


def _grid_layout(groups: Sequence[Group]) -> Tuple[List[int], List[Tuple[str, str]]]:
    ns = sorted({g.n for g in groups})
    acts = []
    for g in groups:
        if _row_key(g) not in acts:
            acts.append(_row_key(g))
    return ns, acts


def data_setting(sweep: Sweep) -> str:
    """'data = worst (delta = 0.01), labels = sign' for a non-default data model, else ''."""
    parts = []
    if sweep.data != "sphere":
        delta = f" (delta = {sweep.data_delta:g})" if sweep.data == "worst" else ""
        parts.append(f"data = {sweep.data}{delta}")
    if sweep.labels != "gaussian":
        parts.append(f"labels = {sweep.labels}")
    return ", ".join(parts)


def plot_all(sweep: Sweep, panels: List[Tuple[Group, Outcomes, Optional[Dict]]], path: str,
             suptitle: str = "", effective: bool = False, theory: bool = False) -> str:
    """One column per n, one row per (activation, method)."""
    ns, acts = _grid_layout([p[0] for p in panels])
    fig, axes = plt.subplots(len(acts), len(ns), figsize=(5.4 * len(ns) + 1.0, 4.8 * len(acts)),
                             squeeze=False, constrained_layout=True)
    mesh = None
    for ax in axes.ravel():
        ax.axis("off")
    for group, outc, fit in panels:
        ax = axes[acts.index(_row_key(group)), ns.index(group.n)]
        ax.axis("on")
        mesh = draw(ax, group, outc.prob, group_title(sweep, group, outc),
                    fit_midpoint_value(fit), effective=effective, theory=theory)
    methods = {p[0].method for p in panels}
    what = "gradient descent" if methods == {"gd"} else "training (" + ", ".join(
        sorted(methods)) + ")"
    title = suptitle or f"Success probability of {what} (Figure 2 layout)"
    setting = data_setting(sweep)
    if setting and not suptitle:
        title += f"\n{setting}"
    if not sweep.complete:
        title += f"\nPARTIAL FILE: {sweep.trials_done}/{sweep.trials_total} trials done"
    fig.suptitle(title)
    if mesh is not None:
        fig.colorbar(mesh, ax=axes, label="success probability", shrink=0.85)
    return save(fig, path)


def plot_readings(sweep: Sweep, rows: List[Tuple[Group, List[Tuple[str, Optional[Outcomes],
                                                                    Optional[Dict]]]]],
                  path: str) -> str:
    """Rows = groups, columns = readings of the success criterion (e.g. stated vs squared)."""
    ncol = max(len(r[1]) for r in rows)
    fig, axes = plt.subplots(len(rows), ncol, figsize=(5.4 * ncol + 1.0, 4.8 * len(rows)),
                             squeeze=False, constrained_layout=True)
    mesh = None
    for ri, (group, readings) in enumerate(rows):
        for ci in range(ncol):
            ax = axes[ri, ci]
            if ci >= len(readings) or readings[ci][1] is None:
                ax.axis("off")
                if ci < len(readings):
                    ax.text(0.5, 0.5, f"{readings[ci][0]}\n\nnot available:\nrung not in the "
                            "tolerance ladder", ha="center", va="center", transform=ax.transAxes)
                continue
            label, outc, fit = readings[ci]
            title = (f"{group.label.replace('n=', 'n = ')}\n{label}"
                     + partial_note(sweep, outc, group))
            mesh = draw(ax, group, outc.prob, title, fit_midpoint_value(fit))
    fig.suptitle("Figure 2 under two readings of the success criterion")
    if mesh is not None:
        fig.colorbar(mesh, ax=axes, label="success probability", shrink=0.85)
    return save(fig, path)


def plot_collapse(group: Group, outc: Outcomes, fit: Dict, link: str, path: str,
                  effective: bool = False) -> str:
    """Per-cell success fraction against kd/n (log axis) with Wilson 95% bars and the fitted
    curve: if success depended on kd/n only, all cells would fall on one curve."""
    from . import stats
    count = boundary.param_count(group, effective)
    td, sc = outc.trials_done, outc.success_count
    ok = (td > 0) & (count > 0) & group.planned
    xs = count[ok] / group.n
    ps = sc[ok] / td[ok]
    lo, hi = stats.wilson(sc[ok], td[ok])
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.errorbar(xs, ps, yerr=[ps - lo, hi - ps], fmt="o", ms=3, alpha=0.45, color="tab:blue",
                elinewidth=0.6, label="cells (Wilson 95%)")
    if fit["status"] == "ok" and len(xs):
        grid = np.geomspace(xs.min(), xs.max(), 300)
        ax.plot(grid, boundary.predict(fit, grid * group.n, group.n, stats.Link(link)),
                color="tab:red", lw=2, label=f"{link} fit, midpoint {fit['midpoint']:.3g}")
    var = boundary.variable_name(group, effective)
    ax.axvline(1.0, color="0.3", lw=1, ls=":", label=f"{var} = n")
    ax.set_xscale("log")
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(f"{var} / n")
    ax.set_ylabel("success probability")
    ax.set_title(f"{group.label}: success vs {var}/n")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    return save(fig, path)


def plot_ladder(result: Dict, path: str) -> str:
    """Fitted 50% kd/n (with CI) against tolerance, one line per group."""
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    for g in result["groups"]:
        rows = [r for r in g.get("tolerance_ladder", []) if r.get("status") == "ok"]
        if not rows:
            continue
        tol = np.array([r["tol"] for r in rows])
        mid = np.array([r["midpoint"] for r in rows])
        lo = np.array([r["midpoint_ci"][0] for r in rows])
        hi = np.array([r["midpoint_ci"][1] for r in rows])
        hi = np.where(np.isfinite(hi), hi, mid)
        lab = f"n={g['n']}, {g['activation']}" + (
            "" if g.get("method", "gd") == "gd" else f", {g['method']} ({g['variable']}/n)")
        ax.errorbar(tol, mid, yerr=[mid - lo, hi - mid], marker="o", capsize=3, label=lab)
    ax.axhline(1.0, color="0.3", lw=1, ls=":", label="kd = n")
    ax.axvline(2.5e-3, color="0.5", lw=1, ls="--")
    ax.axvline(5e-2, color="0.5", lw=1, ls="--")
    ax.text(2.5e-3, 1.0, " stated 2.5e-3", transform=ax.get_xaxis_transform(), fontsize=7,
            va="top", color="0.3")
    ax.text(5e-2, 1.0, " squared 5e-2", transform=ax.get_xaxis_transform(), fontsize=7,
            va="top", color="0.3")
    ax.set_xscale("log")
    ax.set_xlabel("tolerance on ||f - y|| / ||y||")
    ax.set_ylabel(f"{result['parameter_count']}/n at 50% success")
    ax.set_title("Boundary vs tolerance (95% profile-likelihood CI)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, path)


def write_heatmaps(sweep: Sweep, outdir: str, panels: List[Tuple[Group, Outcomes, Optional[Dict]]],
                   effective: bool = False, theory: bool = False,
                   prefix: str = "heatmap") -> List[str]:
    """One PNG per group plus {prefix}_all[suffix].png. Returns the written paths."""
    os.makedirs(outdir, exist_ok=True)
    written = []
    for group, outc, fit in panels:
        written.append(plot_group(sweep, group, outc, fit, os.path.join(
            outdir, f"{prefix}_{group.name}{file_suffix(group, outc)}.png"), effective, theory))
    suffixes = {file_suffix(g, o) for g, o, _ in panels}
    suffix = suffixes.pop() if len(suffixes) == 1 else "_mixed"
    written.append(plot_all(sweep, panels, os.path.join(outdir, f"{prefix}_all{suffix}.png"),
                            effective=effective, theory=theory))
    return written
