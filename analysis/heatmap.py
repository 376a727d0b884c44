"""Figure-2-style heatmaps and the boundary figures (matplotlib, Agg backend; no display needed).

x axis d, y axis k (the file's k/d dimension scales), colour = empirical success probability on
the colour map in force (analysis.figstyle: viridis by default, perceptually uniform; `--cmap jet`
gives the paper's look). The kd = n curve is white with a dark outline and the fitted 50%
boundary kd = m*n (k = m*n for random features, method rf) dashed black with a white outline, so
both stay readable on any colour map. Cells without finished trials are light grey with dark
hatching ("no data"); cells deliberately not run (outside the sweep's kd band, dataset `planned` =
0) are white with light cross-hatching ("not run"), never drawn as probability 0.

The fitted curve is drawn only when it is supported by the data: a fit whose 95% interval of the
50% point is unbounded, or reaches outside the kd/n range of the cells with data, is left out (on
a checkpoint of a running sweep the fit can otherwise land where there is no data at all), and the
reason is returned as a note. With theory=True the paper's sufficient conditions are overlaid with
constant C = 1 (shape only): sqrt(kd) = n (Corollary 2.2, smooth activations, i.e. kd = n^2),
sqrt(kd) = n^2/d (Corollary 2.4, ReLU), none for quadratic and leaky_relu (outside both), and
k = n for rf groups (Theorem 3.2). A curve that lies
outside the plotted k range is not drawn and gets no legend entry; a note says where it lies.
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import boundary, figstyle
from .figstyle import save
from .io import Group, Sweep
from .outcomes import Outcomes

from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path  # noqa: E402

NODATA_FACE = "0.82"
NODATA_HATCH_COLOR = "0.35"
NOTRUN_FACE = "white"
NOTRUN_HATCH_COLOR = "0.6"
THEORY_COLOR = "magenta"
RF_COLOR = "cyan"
KD_N_LABEL = "kd = n"
FIT_LABEL = "fitted 50% boundary"
REL_ERR = r"$\Vert f - y\Vert \,/\, \Vert y\Vert$"
REL_ERR_SQ = r"$\Vert f - y\Vert^2 \,/\, \Vert y\Vert^2$"


@dataclass
class Drawn:
    """What draw() put on an axes: the mesh (for a colour bar), legend handles of the visible
    lines and patches, notes (curves left out and why), and the fitted 50% point as text ('' if
    no curve was drawn)."""
    mesh: object
    handles: List[object] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    fit_text: str = ""


# Theorem 2.1 (whose shape Corollary 2.2 states for softplus) needs |phi'| and |phi''| bounded:
# softplus, tanh and gelu. quadratic's phi' = z is unbounded, leaky_relu has a kink and
# Corollary 2.4 is proved for ReLU only: no curve for those two.
SMOOTH_ACTIVATIONS = ("softplus", "tanh", "gelu")


def theory_curves(group: Group, dd: np.ndarray) -> List[Tuple[str, np.ndarray, str, str]]:
    """Sufficient-condition curves k(d) of the paper with C = 1 for this group:
    (label, k values, colour, linestyle)."""
    n = float(group.n)
    out = []
    if group.activation == "relu":
        out.append((r"Cor. 2.4 (ReLU): $\sqrt{kd} = n^2/d$, C=1 (shape only)",
                    n ** 4 / dd ** 3, THEORY_COLOR, "-."))
    elif group.activation in SMOOTH_ACTIVATIONS:
        out.append((r"Cor. 2.2 (smooth): $\sqrt{kd} = n$, C=1 (shape only)", n * n / dd,
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


def fit_not_drawn_reason(fit: Optional[Dict], var: str = "kd") -> Optional[str]:
    """None when the fitted 50% curve may be drawn, else why not: it needs a point estimate whose
    95% interval is bounded and lies inside the {var}/n range of the cells with data (a step
    fit, where all trials on either side of one tested value agree, is a point at that value)."""
    if not fit:
        return "no fit"
    m = fit.get("midpoint")
    if m is None or not np.isfinite(m) or m <= 0:
        return f"no 50% point estimate ({fit.get('status', 'no fit')})"
    if fit.get("status") == "separated":
        lo, hi = fit["midpoint_bounds"]
    elif fit.get("status") == "ok":
        lo, hi = fit["midpoint_ci"]
    else:
        return f"no 50% point estimate ({fit.get('status')})"
    if not (np.isfinite(lo) and np.isfinite(hi) and lo > 0):
        return f"the 95% interval of the 50% point is unbounded ({boundary.fmt(lo, 3)}, " \
               f"{boundary.fmt(hi, 3)})"
    tlo, thi = fit.get("tested_range", [np.nan, np.nan])
    if not (tlo <= lo and hi <= thi):
        return (f"the 95% interval [{lo:.3g}, {hi:.3g}] of the 50% point reaches outside the "
                f"{var}/n range with data [{tlo:.3g}, {thi:.3g}]")
    return None


def _visible(kk: np.ndarray, ylim: Tuple[float, float]) -> bool:
    return bool(np.any((kk >= ylim[0]) & (kk <= ylim[1])))


def _cells_path(mask: np.ndarray, xe: np.ndarray, ye: np.ndarray) -> Path:
    """One compound path of the cells in `mask` [K, D]: drawn (and hatched) in a single call,
    which is much faster than one patch per cell on a large grid."""
    verts, codes = [], []
    for i, j in np.argwhere(mask):
        x0, x1, y0, y1 = xe[j], xe[j + 1], ye[i], ye[i + 1]
        verts += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
        codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    return Path(verts, codes)


def _cells(ax, group: Group, prob: np.ndarray):
    """Coloured cells plus the hatched no-data / not-run cells. Returns mesh, edges, handles."""
    ko, do = np.argsort(group.k), np.argsort(group.d)
    kv, dv = group.k[ko].astype(float), group.d[do].astype(float)
    P = np.asarray(prob, float)[np.ix_(ko, do)].copy()
    planned = np.asarray(group.planned, bool)[np.ix_(ko, do)]
    P[~planned] = np.nan
    xe, ye = edges(dv), edges(kv)
    ax.set_facecolor("white")
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(P), cmap=figstyle.cmap(), vmin=0.0,
                         vmax=1.0, shading="flat")
    handles = []
    for mask, face, edge, hatch, label in (
            (~planned, NOTRUN_FACE, NOTRUN_HATCH_COLOR, "xx",
             "not run: not visited" if group.adaptive else "not run: outside kd band"),
            (~np.isfinite(P) & planned, NODATA_FACE, NODATA_HATCH_COLOR, "///", "no data")):
        if mask.any():
            ax.add_patch(PathPatch(_cells_path(mask, xe, ye), facecolor=face, edgecolor=edge,
                                   hatch=hatch, linewidth=0.0))
            handles.append(Patch(facecolor=face, edgecolor=edge, hatch=hatch,
                                 label=f"{label} ({int(mask.sum())} cells)"))
    return mesh, xe, ye, handles


def draw(ax, group: Group, prob: np.ndarray, title: str, fit: Optional[Dict] = None,
         legend: bool = True, effective: bool = False, theory: bool = False,
         values_in_legend: bool = True) -> Drawn:
    """Draw one heatmap on `ax`. `fit` is the boundary fit whose 50% curve is drawn when
    fit_not_drawn_reason allows it. With legend=True the legend goes on `ax`; otherwise the
    caller places Drawn.handles (values_in_legend=False gives generic labels, for a legend shared
    by several panels, and the fitted value is then in Drawn.fit_text)."""
    mesh, xe, ye, handles = _cells(ax, group, prob)
    out = Drawn(mesh=mesh)
    ylim = (ye[0], ye[-1])
    dd = np.linspace(max(xe[0], 1e-3), xe[-1], 400)
    if _visible(group.n / dd, ylim):
        line, = ax.plot(dd, group.n / dd, label=KD_N_LABEL,
                        **figstyle.outlined("white", "0.15", 1.5))
        handles.append(line)
    else:
        out.notes.append("kd = n lies outside the plotted k range")
    var = boundary.variable_name(group, effective)
    reason = fit_not_drawn_reason(fit, var)
    if fit is not None and reason is not None:
        out.notes.append(f"fitted 50% curve not drawn: {reason}")
    if fit is not None and reason is None:
        m = float(fit["midpoint"])
        kk = np.full_like(dd, m * group.n) if group.method == "rf" else m * group.n / dd
        sym = "k" if group.method == "rf" else ("2[k/2]d" if effective else "kd")
        out.fit_text = f"50%: {sym} = {m:.3g} n"
        lab = f"fit {out.fit_text}" if values_in_legend else FIT_LABEL
        if _visible(kk, ylim):
            fl, = ax.plot(dd, kk, ls=(0, (4, 2)), label=lab,
                          **figstyle.outlined("black", "white", 1.3))
            handles.append(fl)
    if theory:
        for lab, kk, colour, ls in theory_curves(group, dd):
            if _visible(kk, ylim):
                tl, = ax.plot(dd, kk, color=colour, lw=1.5, ls=ls, label=lab)
                handles.append(tl)
            else:
                out.notes.append(f"{lab.split(':')[0]} curve off scale: k >= {np.min(kk):.3g} "
                                 "on this d range, above the plotted k")
    if group.adaptive and group.method != "rf":
        h, notes = draw_design_rows(ax, group, ylim)
        handles += h
        out.notes += notes
    ax.set_xlim(xe[0], xe[-1])
    if len(group.d) <= 8:  # a few rows (the large-n study's): ticks at their d, not 159.6
        ax.set_xticks(np.sort(np.asarray(group.d)))
    ax.set_ylim(*ylim)
    ax.set_xlabel("d (input dimension)")
    ax.set_ylabel("k (hidden units)")
    ax.set_title(title)
    out.handles = handles
    if legend:
        ax.legend(handles=handles, loc="lower left", fontsize=6, framealpha=0.85, frameon=True)
    return out


ROW_LABEL = "row 50% point, 95% bar"
ONE_SIDED_LABEL = "50% point beyond edge"


def draw_design_rows(ax, group: Group, ylim: Tuple[float, float]):
    """An adaptive file's per-row results over the heatmap: at each d, the midpoint's k
    (k = midpoint * n / d) with its interval as a bar; a row without a transition inside k is an
    arrow at the edge its 50% point lies beyond, with a note. Returns (handles, notes)."""
    des, n = group.design, float(group.n)
    handles, notes, edge = [], [], []
    for j, d in enumerate(group.d.astype(float)):
        mid, lo, hi = des.midpoint[j], des.ci_low[j], des.ci_high[j]
        if np.isfinite(mid):
            kk = np.clip(np.array([lo, mid, hi]) * n / d, *ylim)
            ax.plot([d, d], [kk[0], kk[2]], color="black", lw=2.4, solid_capstyle="butt")
            ax.plot([d, d], [kk[0], kk[2]], color="white", lw=1.0, solid_capstyle="butt")
            mk, = ax.plot([d], [mid * n / d], marker="o", ms=5, ls="none", mfc="white",
                          mec="black", mew=1.2, label=ROW_LABEL)
            if not handles:
                handles.append(mk)
            continue
        if np.isnan(lo) or np.isnan(hi):   # no training: no side to point an arrow to
            notes.append(f"d={int(d)}: no 50% point ({des.status[j]}, "
                         f"{int(des.trainings[j])} trainings)")
            continue
        above = np.isinf(hi)
        y = ylim[1] if above else ylim[0]
        ar, = ax.plot([d], [y], marker="^" if above else "v", ms=8, ls="none", mfc="white",
                      mec="black", mew=1.2, clip_on=False, label=ONE_SIDED_LABEL)
        edge.append(ar)
        where = f"above kd/n = {lo:.3g}" if above else f"below kd/n = {hi:.3g}"
        notes.append(f"d={int(d)}: no transition inside k ({des.status[j]}): 50% point {where}")
    return handles + edge[:1], notes


def group_title(sweep: Sweep, group: Group, outc: Outcomes, extra: str = "") -> str:
    t = f"n = {group.n}, {group.activation}"
    if group.method != "gd":
        t += f", {group.method}"
    if not outc.is_default(group):
        t += f" (tol {outc.tol:g}, budget {outc.budget})"
    if extra:
        t += f"\n{extra}"
    return t + partial_note(sweep, outc, group)


def partial_note(sweep: Sweep, outc: Outcomes, group: Optional[Group] = None) -> str:
    """'' for a complete file, else a line saying how much of this group is done (of the trials
    in planned cells)."""
    done = int(outc.done.sum())
    planned = int(outc.done.size if group is None else group.trials_planned)
    if done < planned:
        return f"\nPARTIAL: {done}/{planned} trials done"
    if not sweep.complete:
        return "\nfile PARTIAL (this group complete)"
    return ""


def file_suffix(group: Group, outc: Outcomes) -> str:
    if outc.is_default(group):
        return ""
    return f"_tol{outc.tol:g}_b{outc.budget}"


def _merge_handles(drawn: Sequence[Drawn]) -> List[object]:
    """One legend entry per label over several panels (cell counts summed out of the label)."""
    seen, out = set(), []
    for dr in drawn:
        for h in dr.handles:
            key = h.get_label().split(" (")[0] if isinstance(h, Patch) else h.get_label()
            if key in seen:
                continue
            seen.add(key)
            if isinstance(h, Patch):
                h = Patch(facecolor=h.get_facecolor(), edgecolor=h.get_edgecolor(),
                          hatch=h.get_hatch(), label=key)
            out.append(h)
    return out


def build_group_figure(sweep: Sweep, group: Group, outc: Outcomes, fit: Optional[Dict],
                       effective: bool = False, theory: bool = False):
    """Single-column figure of one group; returns (fig, Drawn)."""
    ncol = 1 if theory else 2
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.9,
                                           figstyle.legend_height(4 + 2 * theory, ncol))
    ax = axes[0, 0]
    dr = draw(ax, group, outc.prob, group_title(sweep, group, outc), fit, legend=False,
              effective=effective, theory=theory)
    fig.colorbar(dr.mesh, ax=ax, label="success probability")
    figstyle.legend_in(lax, dr.handles, ncol=ncol)
    return fig, dr


def plot_group(sweep: Sweep, group: Group, outc: Outcomes, fit: Optional[Dict], path: str,
               effective: bool = False, theory: bool = False) -> Tuple[str, Drawn]:
    fig, dr = build_group_figure(sweep, group, outc, fit, effective, theory)
    return save(fig, path), dr


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


def _panel_width(ncols: int) -> float:
    return figstyle.SINGLE if ncols == 1 else figstyle.DOUBLE


def build_all_figure(sweep: Sweep, panels: List[Tuple[Group, Outcomes, Optional[Dict]]],
                     suptitle: str = "", effective: bool = False, theory: bool = False):
    """One column per n, one row per (activation, method); a legend shared below. Returns
    (fig, [Drawn per panel])."""
    ns, acts = _grid_layout([p[0] for p in panels])
    width = _panel_width(len(ns))
    ncol = (1 if len(ns) == 1 else 2) if theory else (2 if len(ns) == 1 else 4)
    fig, axes, lax = figstyle.panel_figure(len(acts), len(ns), width, width / len(ns) * 0.92,
                                           figstyle.legend_height(4 + 2 * theory, ncol))
    for ax in axes.ravel():
        ax.axis("off")
    drawn, mesh = [], None
    for group, outc, fit in panels:
        ax = axes[acts.index(_row_key(group)), ns.index(group.n)]
        ax.axis("on")
        dr = draw(ax, group, outc.prob, group_title(sweep, group, outc), fit, legend=False,
                  effective=effective, theory=theory, values_in_legend=False)
        if dr.fit_text:
            ax.set_title(ax.get_title() + f"\n{dr.fit_text}")
        drawn.append(dr)
        mesh = dr.mesh
    methods = {p[0].method for p in panels}
    what = "gradient descent" if methods == {"gd"} else "training (" + ", ".join(
        sorted(methods)) + ")"
    title = suptitle or f"Success probability of {what}"
    setting = data_setting(sweep)
    if setting and not suptitle:
        title += f"\n{setting}"
    if not sweep.complete:
        title += f"\nPARTIAL FILE: {sweep.trials_done}/{sweep.trials_total} trials done"
    fig.suptitle(title)
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes.ravel()), label="success probability", shrink=0.85)
    figstyle.legend_in(lax, _merge_handles(drawn), ncol=ncol)
    return fig, drawn


def plot_all(sweep: Sweep, panels: List[Tuple[Group, Outcomes, Optional[Dict]]], path: str,
             suptitle: str = "", effective: bool = False, theory: bool = False) -> str:
    fig, _ = build_all_figure(sweep, panels, suptitle, effective, theory)
    return save(fig, path)


def build_readings_figure(sweep: Sweep, rows: List[Tuple[Group, List[
        Tuple[str, Optional[Outcomes], Optional[Dict]]]]]):
    """Rows = groups, columns = readings of the success criterion (e.g. stated vs squared)."""
    ncol = max(len(r[1]) for r in rows)
    fig, axes, lax = figstyle.panel_figure(len(rows), ncol, _panel_width(ncol),
                                           _panel_width(ncol) / ncol * 0.95,
                                           figstyle.legend_height(4, 4))
    drawn, mesh = [], None
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
            title = f"{group.label.replace('n=', 'n = ')}, {label}" + partial_note(sweep, outc,
                                                                                  group)
            dr = draw(ax, group, outc.prob, title, fit, legend=False, values_in_legend=False)
            if dr.fit_text:
                ax.set_title(ax.get_title() + f"\n{dr.fit_text}")
            drawn.append(dr)
            mesh = dr.mesh
    fig.suptitle("Figure 2 under two readings of the success criterion")
    if mesh is not None:
        fig.colorbar(mesh, ax=list(axes.ravel()), label="success probability", shrink=0.85)
    figstyle.legend_in(lax, _merge_handles(drawn), ncol=4)
    return fig


def plot_readings(sweep: Sweep, rows, path: str) -> str:
    return save(build_readings_figure(sweep, rows), path)


def build_collapse_figure(group: Group, outc: Outcomes, fit: Dict, link: str,
                          effective: bool = False):
    """Per-cell success fraction against kd/n (log axis) with Wilson 95% bars and the fitted
    curve: if success depended on kd/n only, all cells would fall on one curve."""
    from . import stats
    count = boundary.param_count(group, effective)
    td, sc = outc.trials_done, outc.success_count
    ok = (td > 0) & (count > 0) & group.planned
    xs = count[ok] / group.n
    ps = sc[ok] / td[ok]
    lo, hi = stats.wilson(sc[ok], td[ok])
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.4,
                                           figstyle.legend_height(3, 3))
    ax = axes[0, 0]
    cm = figstyle.cmap()
    handles = [ax.errorbar(xs, ps, yerr=[ps - lo, hi - ps], fmt="o", ms=2.5, alpha=0.45,
                           color=cm(0.25), elinewidth=0.5, label="cells (Wilson 95%)")]
    var = boundary.variable_name(group, effective)
    if fit["status"] == "ok" and len(xs):
        grid = np.geomspace(xs.min(), xs.max(), 300)
        line, = ax.plot(grid, boundary.predict(fit, grid * group.n, group.n, stats.Link(link)),
                        color="tab:red", lw=1.5, label=f"{link} fit, 50% at {fit['midpoint']:.3g}")
        handles.append(line)
    handles.append(ax.axvline(1.0, color="0.3", lw=0.8, ls=":", label=f"{var} = n"))
    if len(xs):
        figstyle.log_axis(ax, "x", xs.min() / 1.3, xs.max() * 1.3)
    else:
        figstyle.log_axis(ax, "x", 0.1, 10.0)
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(f"{var} / n")
    ax.set_ylabel("success probability")
    ax.set_title(f"{group.label}: success against {var}/n")
    figstyle.legend_in(lax, handles, ncol=3)
    return fig


def plot_collapse(group: Group, outc: Outcomes, fit: Dict, link: str, path: str,
                  effective: bool = False) -> str:
    return save(build_collapse_figure(group, outc, fit, link, effective), path)


def group_label(g: Dict) -> str:
    """'n=100, relu' (plus the method and fit variable when not gd) for a boundary result."""
    lab = f"n={g['n']}, {g['activation']}"
    if g.get("method", "gd") != "gd":
        lab += f", {g['method']} ({g['variable']}/n)"
    return lab


def _dodge(i: int, count: int, spread: float = 0.035) -> float:
    """Multiplicative offset that keeps the markers of several groups at one x apart."""
    return float(np.exp(spread * (i - (count - 1) / 2.0)))


def build_ladder_figure(result: Dict):
    """Fitted 50% point (with CI) against the tolerance, one line per group. The two readings of
    the paper's criterion are marked on the top axis, clear of the data and the legend."""
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.5, figstyle.legend_height(
        len(result["groups"]) + 1, 3))
    ax = axes[0, 0]
    groups = [g for g in result["groups"]
              if any(r.get("status") == "ok" for r in g.get("tolerance_ladder", []))]
    handles, tols = [], []
    for i, g in enumerate(groups):
        rows = [r for r in g["tolerance_ladder"] if r.get("status") == "ok"]
        tol = np.array([r["tol"] for r in rows])
        tols += tol.tolist()
        mid = np.array([r["midpoint"] for r in rows])
        lo = np.array([r["midpoint_ci"][0] for r in rows])
        hi = np.array([r["midpoint_ci"][1] for r in rows])
        hi = np.where(np.isfinite(hi), hi, mid)
        handles.append(ax.errorbar(tol * _dodge(i, len(groups)), mid, yerr=[mid - lo, hi - mid],
                                   marker="o", ms=3, capsize=2, lw=1.0, label=group_label(g)))
    handles.append(ax.axhline(1.0, color="0.3", lw=0.8, ls=":", label="kd = n"))
    for t in (2.5e-3, 5e-2):
        ax.axvline(t, color="0.6", lw=0.7, ls="--")
    lo_t = min(tols + [2.5e-3]) / 1.5
    hi_t = max(tols + [5e-2]) * 1.5
    figstyle.log_axis(ax, "x", lo_t, hi_t)
    top = ax.secondary_xaxis("top")
    top.set_xticks([2.5e-3, 5e-2])
    top.set_xticklabels(["stated", "squared"])
    top.tick_params(length=2)
    ax.set_xlabel(f"tolerance on {REL_ERR}")
    ax.set_ylabel(f"{result['parameter_count']}/n at 50% success")
    ax.set_title("50% point against tolerance (95% CI)")
    figstyle.legend_in(lax, handles, ncol=3)
    return fig


def plot_ladder(result: Dict, path: str) -> str:
    return save(build_ladder_figure(result), path)


def build_per_d_figure(result: Dict):
    """The 50% point of the per-d fits (analysis.robust) against d, with their 95% intervals,
    and the pooled kd/n-only fit as a band: if success depended on kd/n only, the points would
    scatter around the band."""
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.4, figstyle.legend_height(
        len(result["groups"]) + 1, 3))
    ax = axes[0, 0]
    handles = []
    shown = [g for g in result["groups"] if g.get("robust")]
    for i, g in enumerate(shown):
        rows = [r for r in g["robust"]["per_d"] if r["status"] == "ok"
                and np.isfinite(r["midpoint_ci"][1]) and r["midpoint_ci"][0] > 0]
        if not rows:
            continue
        d = np.array([r["d"] for r in rows], float) + 0.12 * (i - (len(shown) - 1) / 2)
        m = np.array([r["midpoint"] for r in rows])
        lo = np.array([r["midpoint_ci"][0] for r in rows])
        hi = np.array([r["midpoint_ci"][1] for r in rows])
        h = ax.errorbar(d, m, yerr=[m - lo, hi - m], fmt="o", ms=2.5, capsize=1.5, lw=0.8,
                        label=group_label(g))
        handles.append(h)
        f = g["fit"]
        if f["status"] == "ok" and np.isfinite(f["midpoint_ci"][1]):
            colour = h.lines[0].get_color()
            ax.axhspan(f["midpoint_ci"][0], f["midpoint_ci"][1], color=colour, alpha=0.15, lw=0)
            ax.axhline(f["midpoint"], color=colour, lw=0.8, ls="--")
    handles.append(ax.axhline(1.0, color="0.3", lw=0.8, ls=":", label="kd = n"))
    var = shown[0]["variable"] if shown else "kd"
    ax.set_xlabel("d (one fit per d, along k)")
    ax.set_ylabel(f"{var}/n at 50% success")
    ax.set_title("50% point at each d (95% CI); band: pooled fit")
    figstyle.legend_in(lax, handles, ncol=3)
    return fig


def plot_per_d(result: Dict, path: str) -> str:
    return save(build_per_d_figure(result), path)


def write_heatmaps(sweep: Sweep, outdir: str, panels: List[Tuple[Group, Outcomes, Optional[Dict]]],
                   effective: bool = False, theory: bool = False,
                   prefix: str = "heatmap") -> Tuple[List[str], Dict[str, List[str]]]:
    """One figure per group plus {prefix}_all[suffix]. Returns the written paths (first format)
    and, per group name, the notes of its panel (curves left out and why)."""
    os.makedirs(outdir, exist_ok=True)
    written, notes = [], {}
    for group, outc, fit in panels:
        path, dr = plot_group(sweep, group, outc, fit, os.path.join(
            outdir, f"{prefix}_{group.name}{file_suffix(group, outc)}.png"), effective, theory)
        written.append(path)
        notes[group.name] = dr.notes
    suffixes = {file_suffix(g, o) for g, o, _ in panels}
    suffix = suffixes.pop() if len(suffixes) == 1 else "_mixed"
    written.append(plot_all(sweep, panels, os.path.join(outdir, f"{prefix}_all{suffix}.png"),
                            effective=effective, theory=theory))
    return written, notes
