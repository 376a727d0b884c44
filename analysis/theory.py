"""theory FILE -o DIR: compare a sweep with the quantities the paper's theory is about.

Oymak & Soltanolkotabi, Corollaries 2.2 and 2.4 (constants c1, c3 unknown, so only SHAPES are
compared):

(a) distance from the initialisation, eq. (2.5): ||W_T - W_0||_F <= c3 sqrt(n). Plotted as
    dist_from_init / sqrt(n) of successful trials against kd/n (and against n when the file has
    several n for one activation+method): the prediction is that it stays bounded.
(b) geometric rate, eq. (2.4): error <= 3 (1 - c1 d/n)^tau, i.e. the log of the relative error
    falls by about -log(1 - c1 d/n) ~ c1 d/n per update. Observed rate per update of a successful
    gd trial: (log initial_rel_err - log final_rel_err) / iterations; without initial_rel_err,
    from the ladder: (log tol[first rung hit] - log tol[last rung hit]) / (difference of their hit
    iterations). c is fitted by least squares through the origin, rate = c d/n.
(c) diagnostics (root attribute diagnostics = 1): success against sigma_min of the Jacobian at
    W0 (binned), sigma_min(X*X) (Khatri-Rao) and lambda(X) (Definition 6.1) against d with
    n > d(d+1)/2 marked (there X*X has more rows than its rank bound d(d+1)/2, so its sigma_min
    must be 0), and ||X|| against the prediction sqrt(n/d) (+1 for sphere data).
(d) heatmaps with the sufficient-condition curves (analysis.heatmap, theory=True).

Writes DIR/theory.md, DIR/theory.json and DIR/theory_*.png. Parts whose data are missing are
skipped, and the skip is stated in the output and in theory.md.
"""

import json
import math
import os
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import boundary, figstyle, heatmap, stats
from .figstyle import save
from .io import Group, Sweep
from .outcomes import outcomes

RATE_MODEL = "rate = c * d/n (least squares through the origin; eq. 2.4: -log(1 - c1 d/n) ~ c1 d/n)"
KR_ZERO = 1e-8      # sigma_min(X*X) below this counts as 0
# sigma_min(J(W0)) is the square root of the smallest eigenvalue of M = J J^T, formed as
# (D V^2 D^T) o (X X^T) (k- and d-term sums) and given to a symmetric eigensolver
# (src/diagnostics.c). Forming M errs by up to ~(k + d) eps sqrt(M_ii M_jj) an entry (Cauchy-
# Schwarz), so ||dM|| <= (k + d) eps trace(M) <= (k + d) n eps lambda_max; the solver adds
# ~n eps lambda_max. An eigenvalue below n (n + k + d) eps lambda_max cannot be told from 0: a
# rank-deficient J(W0) at kd >= n comes out as such a rounding residue (measured, n = 20, kd >=
# n: sigma_min^2 / lambda_max = 3e-21 .. 7e-15 for tanh and gelu at d = 2 and ReLU with dead
# units, against 5e-11 and up where J(W0) has full rank), or as exactly 0 when the residue is
# negative (clamped). lambda_max is stored with --eta auto; otherwise ||X||^2 stands in for it:
# lambda_max(M) <= max_i sum_l v_l^2 phi'(w_l.x_i)^2 ||X||^2 (Schur) and sum_l v_l^2 = ||y||^2 / n
# ~ 1 (Theorem 2.1's init), |phi'| <~ 1; measured lambda_max / ||X||^2 = 0.14 .. 3.5 over relu,
# leaky_relu, gelu, softplus, tanh and quadratic, an order of magnitude the threshold allows.
JAC_ZERO_EPS = float(np.finfo(float).eps)


def _successes(g: Group) -> np.ndarray:
    return g.success & g.done


def _broadcast(values: np.ndarray, g: Group, axis: str) -> np.ndarray:
    """A per-k or per-d vector broadcast to the [K, D, T] trial shape."""
    shape = g.done.shape
    v = np.asarray(values, float)
    return (np.broadcast_to(v[:, None, None], shape) if axis == "k"
            else np.broadcast_to(v[None, :, None], shape))


def _kd_over_n(g: Group) -> np.ndarray:
    return np.broadcast_to((g.kd / g.n)[:, :, None], g.done.shape)


def _quartiles(v: np.ndarray) -> Tuple[float, float, float]:
    if v.size == 0:
        return (math.nan, math.nan, math.nan)
    q = np.percentile(v, [25, 50, 75])
    return float(q[0]), float(q[1]), float(q[2])


def critical_d(n: int) -> int:
    """Smallest d with d(d+1)/2 >= n; for d below it sigma_min(X*X) is 0 (n > d(d+1)/2)."""
    d = 1
    while d * (d + 1) // 2 < n:
        d += 1
    return d


def x_norm_prediction(n: int, d: np.ndarray, data: str) -> np.ndarray:
    """||X|| prediction: sqrt(n/d), plus 1 for data on the unit sphere."""
    base = np.sqrt(n / np.asarray(d, float))
    return base + 1.0 if data == "sphere" else base


# ----------------------------------------------------------------------------- (a) distance

def distance_data(g: Group) -> Optional[Dict]:
    dist = g.trial_data.get("dist_from_init")
    if dist is None or g.method == "rf":
        return None
    m = _successes(g) & np.isfinite(dist)
    y = dist[m] / math.sqrt(g.n)
    q1, med, q3 = _quartiles(y)
    return {"x": _kd_over_n(g)[m], "y": y, "count": int(m.sum()), "median": med, "q1": q1,
            "q3": q3, "max": float(y.max()) if y.size else math.nan,
            "median_dist": float(np.median(dist[m])) if m.any() else math.nan}


def _binned_median(x, y, nbins=8):
    if len(x) == 0:
        return np.array([]), np.array([])
    lo, hi = float(np.min(x)), float(np.max(x))
    if lo == hi:
        return np.array([lo]), np.array([float(np.median(y))])
    edges = np.geomspace(lo, hi * (1 + 1e-12), nbins + 1)
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, nbins - 1)
    xs, ys = [], []
    for b in range(nbins):
        sel = idx == b
        if sel.any():
            xs.append(float(np.sqrt(edges[b] * edges[b + 1])))
            ys.append(float(np.median(y[sel])))
    return np.array(xs), np.array(ys)


DIST = r"$\Vert W_T - W_0\Vert_F \,/\, \sqrt{n}$"


def _single(entries: int, ncol: int = 2):
    """A single-column figure with a legend strip for `entries` entries: (fig, ax, lax)."""
    fig, axes, lax = figstyle.panel_figure(1, 1, figstyle.SINGLE, 2.4,
                                           figstyle.legend_height(entries, ncol))
    return fig, axes[0, 0], lax


def _log_x(ax, values) -> None:
    v = np.asarray([x for x in np.ravel(values) if np.isfinite(x) and x > 0])
    if v.size:
        figstyle.log_axis(ax, "x", v.min() / 1.3, v.max() * 1.3)


def plot_distance(groups: List[Group], data: Dict[str, Dict], path: str) -> str:
    fig, ax, lax = _single(len(groups))
    handles, xs = [], []
    for i, g in enumerate(groups):
        dd = data[g.name]
        colour = f"C{i % 10}"
        ax.scatter(dd["x"], dd["y"], s=3, alpha=0.25, color=colour, lw=0)
        xs.append(dd["x"])
        bx, by = _binned_median(dd["x"], dd["y"])
        handles.append(ax.plot(bx, by, "-o", ms=2.5, color=colour,
                               label=f"{g.label} (median per bin)")[0])
    _log_x(ax, np.concatenate(xs) if xs else [])
    ax.set_xlabel("kd / n")
    ax.set_ylabel(f"{DIST} (successes)")
    ax.set_title("Distance from init, eq. (2.5): bounded if O(sqrt(n))")
    figstyle.legend_in(lax, handles)
    return save(fig, path)


def _by_key(groups: List[Group]) -> Dict[Tuple[str, str], List[Group]]:
    out: Dict[Tuple[str, str], List[Group]] = {}
    for g in groups:
        out.setdefault((g.activation, g.method), []).append(g)
    return out


def distance_vs_n(groups: List[Group], data: Dict[str, Dict]) -> List[Dict]:
    """For each activation+method with >= 2 n: median dist/sqrt(n) per n and the exponent of a
    least-squares fit median_dist ~ n^p (p = 0.5 is the sqrt(n) scaling)."""
    rows = []
    for (act, method), gs in _by_key(groups).items():
        gs = [g for g in gs if data[g.name]["count"] > 0]
        if len({g.n for g in gs}) < 2:
            continue
        gs = sorted(gs, key=lambda g: g.n)
        ln = np.log([g.n for g in gs])
        ld = np.log([data[g.name]["median_dist"] for g in gs])
        slope = float(np.polyfit(ln, ld, 1)[0])
        rows.append({"activation": act, "method": method, "exponent": slope,
                     "points": [(g.n, data[g.name]["median"], data[g.name]["q1"],
                                 data[g.name]["q3"]) for g in gs]})
    return rows


def plot_distance_vs_n(rows: List[Dict], path: str) -> str:
    fig, ax, lax = _single(len(rows), 1)
    handles, ns = [], []
    for r in rows:
        n = np.array([p[0] for p in r["points"]], float)
        ns.append(n)
        med = np.array([p[1] for p in r["points"]])
        lo = np.array([p[2] for p in r["points"]])
        hi = np.array([p[3] for p in r["points"]])
        handles.append(ax.errorbar(n, med, yerr=[med - lo, hi - med], marker="o", ms=3,
                                   capsize=2, label=f"{r['activation']}, {r['method']}: median "
                                   f"dist ~ n^{r['exponent']:.2f}"))
    _log_x(ax, np.concatenate(ns) if ns else [])
    ax.set_xlabel("n")
    ax.set_ylabel(f"median {DIST} [IQR]")
    ax.set_title("Distance from init against n (flat = sqrt(n) scaling)")
    figstyle.legend_in(lax, handles, ncol=1)
    return save(fig, path)


# ----------------------------------------------------------------------------- (b) rate

def trial_rates(g: Group) -> Dict:
    """Observed per-update rate of successful trials of a gd group. Uses initial_rel_err where it
    is finite, else the tolerance ladder. Returns x = d/n, rate, and the source counts."""
    succ = _successes(g)
    its = g.trial_data.get("iterations")
    fin = g.trial_data.get("final_rel_err")
    init = g.trial_data.get("initial_rel_err")
    rate = np.full(g.done.shape, np.nan)
    n_init = n_ladder = 0
    if init is not None and its is not None and fin is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (np.log(init) - np.log(fin)) / its
        ok = succ & np.isfinite(r) & (its > 0) & (init > 0) & (fin > 0)
        rate[ok] = r[ok]
        n_init = int(ok.sum())
    hits = g.ladder_hit_iter
    if hits is not None and len(g.tol_ladder) >= 2:
        need = succ & ~np.isfinite(rate)
        reached = hits >= 0
        any_hit = reached.any(axis=3)
        L = hits.shape[3]
        first = np.argmax(reached, axis=3)
        last = L - 1 - np.argmax(reached[..., ::-1], axis=3)
        h0 = np.take_along_axis(hits, first[..., None], axis=3)[..., 0]
        h1 = np.take_along_axis(hits, last[..., None], axis=3)[..., 0]
        lt = np.log(np.asarray(g.tol_ladder, float))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = (lt[first] - lt[last]) / (h1 - h0)
        ok = need & any_hit & (last > first) & (h1 > h0) & np.isfinite(r)
        rate[ok] = r[ok]
        n_ladder = int(ok.sum())
    m = np.isfinite(rate)
    x = _broadcast(g.d / g.n, g, "d")[m]
    return {"x": x, "rate": rate[m], "from_initial_rel_err": n_init, "from_ladder": n_ladder,
            "d": _broadcast(g.d, g, "d")[m]}


def fit_rate(x, y) -> Dict:
    """Least squares through the origin, y = c x, with the usual standard error."""
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    res = {"c": math.nan, "se": math.nan, "count": int(len(x)), "r2_origin": math.nan}
    if len(x) == 0 or not np.any(x != 0):
        return res
    sxx = float(x @ x)
    c = float(x @ y) / sxx
    resid = y - c * x
    res["c"] = c
    if len(x) > 1:
        res["se"] = float(math.sqrt(float(resid @ resid) / (len(x) - 1) / sxx))
    tot = float(y @ y)
    res["r2_origin"] = 1.0 - float(resid @ resid) / tot if tot > 0 else math.nan
    return res


def plot_rate(groups: List[Group], rates: Dict[str, Dict], fits: Dict[str, Dict],
              path: str) -> str:
    fig, ax, lax = _single(len(groups), 1)
    handles = []
    xmax = 0.0
    for i, g in enumerate(groups):
        r = rates[g.name]
        colour = f"C{i % 10}"
        src = "init" if r["from_initial_rel_err"] >= r["from_ladder"] else "ladder"
        ax.scatter(r["x"], r["rate"], s=3, alpha=0.3, color=colour, lw=0)
        if len(r["x"]):
            xmax = max(xmax, float(np.max(r["x"])))
            xx = np.linspace(0, float(np.max(r["x"])), 50)
            c = fits[g.name]["c"]
            handles.append(ax.plot(xx, c * xx, color=colour, lw=1.5,
                                   label=f"{g.label}: c = {c:.3g} ({src})")[0])
    ax.set_xlim(0, xmax * 1.05 if xmax > 0 else 1)
    ax.set_ylim(bottom=0)
    ax.set_xlabel("d / n")
    ax.set_ylabel("decrease of log rel. error per update")
    ax.set_title("Geometric rate, eq. (2.4): rate ~ c d/n")
    figstyle.legend_in(lax, handles, ncol=1)
    return save(fig, path)


# ----------------------------------------------------------------------------- (c) diagnostics

def jac_zero_tolerance(g: Group) -> np.ndarray:
    """Per trial: sigma_min(J(W0))^2 at or below this is 0 within rounding (JAC_ZERO_EPS)."""
    lam = g.trial_data.get("lambda_max")
    xn = g.trial_data.get("x_norm")
    scale = np.full(g.done.shape, np.nan) if xn is None else xn * xn
    if lam is not None:
        scale = np.where(np.isfinite(lam) & (lam > 0), lam, scale)
    k = _broadcast(g.k, g, "k")
    d = _broadcast(g.d, g, "d")
    return np.nan_to_num(g.n * (g.n + k + d) * JAC_ZERO_EPS * scale, nan=0.0)


def jac_success_bins(g: Group, nbins: int = 6) -> Dict:
    jac = g.trial_data["jac_sigma_min"]
    m = g.done & np.isfinite(jac)
    j, s = jac[m], _successes(g)[m]
    out = {"zero": None, "zero_kd_below_n": 0, "zero_rounding": 0, "bins": []}
    rounding = (j > 0) & (j * j <= jac_zero_tolerance(g)[m])
    zero = (j <= 0) | rounding
    if zero.any():
        # every kd < n trial has J(W0) = 0, but so has a kd >= n trial whose J(W0) is
        # rank-deficient: the zeros are not "the kd < n trials"
        out["zero"] = (int(s[zero].sum()), int(zero.sum()))
        out["zero_kd_below_n"] = int((zero & (_kd_over_n(g)[m] < 1.0)).sum())
        out["zero_rounding"] = int(rounding.sum())
    pos_j, pos_s = j[~zero], s[~zero]
    if pos_j.size:
        edges = np.unique(np.quantile(np.log(pos_j), np.linspace(0, 1, nbins + 1)))
        if edges.size < 2:
            edges = np.array([edges[0], edges[0]])
        idx = np.clip(np.searchsorted(edges, np.log(pos_j), side="right") - 1, 0,
                      max(len(edges) - 2, 0))
        for b in range(max(len(edges) - 1, 1)):
            sel = idx == b
            if sel.any():
                out["bins"].append((float(np.exp(np.median(np.log(pos_j[sel])))),
                                    int(pos_s[sel].sum()), int(sel.sum())))
    return out


def plot_jac(groups: List[Group], bins: Dict[str, Dict], path: str) -> str:
    fig, ax, lax = _single(len(groups), 1)
    handles, xs = [], []
    for i, g in enumerate(groups):
        b = bins[g.name]
        colour = f"C{i % 10}"
        lab = g.label
        if b["zero"] is not None:
            s0, t0 = b["zero"]
            lab += (f"; jac = 0: {s0}/{t0} succeeded ({b['zero_kd_below_n']} with kd < n"
                    + (f", {b['zero_rounding']} zero within rounding" if b["zero_rounding"]
                       else "") + ")")
        if b["bins"]:
            x = np.array([r[0] for r in b["bins"]])
            s = np.array([r[1] for r in b["bins"]], float)
            t = np.array([r[2] for r in b["bins"]], float)
            p = s / t
            lo, hi = stats.wilson(s, t)
            xs.append(x)
            handles.append(ax.errorbar(x, p, yerr=[p - lo, hi - p], marker="o", ms=3, capsize=2,
                                       color=colour, label=lab))
        else:
            handles.append(ax.plot([], [], color=colour, label=lab)[0])
    _log_x(ax, np.concatenate(xs) if xs else [])
    ax.set_ylim(-0.03, 1.03)
    ax.set_xlabel(r"$\sigma_{\min}(J(W_0))$ (bin median)")
    ax.set_ylabel("success probability (Wilson 95%)")
    ax.set_title("Success against the Jacobian at W0 (quantile bins)")
    figstyle.legend_in(lax, handles, ncol=1)
    return save(fig, path)


def per_d_quartiles(g: Group, name: str) -> np.ndarray:
    """[D, 3] quartiles over k and trials of a diagnostic, per d (NaN where none)."""
    arr = g.trial_data[name]
    out = np.full((len(g.d), 3), np.nan)
    for j in range(len(g.d)):
        v = arr[:, j, :][g.done[:, j, :] & np.isfinite(arr[:, j, :])]
        if v.size:
            out[j] = _quartiles(v)
    return out


def plot_data_diagnostics(sweep: Sweep, groups: List[Group], path: str) -> str:
    entries = 2 * len(groups) + len({g.n for g in groups})
    fig, axs, lax = figstyle.panel_figure(1, 3, figstyle.DOUBLE, 2.3,
                                          figstyle.legend_height(entries, 2))
    axes = list(axs[0])
    specs = [("kr_sigma_min", r"$\sigma_{\min}(X * X)$ (Khatri-Rao)"),
             ("nn_lambda", r"$\lambda(X)$ (Definition 6.1)"),
             ("x_norm", r"$\Vert X\Vert$ (spectral)")]
    marked = set()
    for i, g in enumerate(groups):
        colour = f"C{i % 10}"
        order = np.argsort(g.d)
        dv = g.d[order].astype(float)
        for ax, (name, lab) in zip(axes, specs):
            if name not in g.trial_data:
                continue
            q = per_d_quartiles(g, name)[order]
            ax.plot(dv, q[:, 1], "-o", ms=3, color=colour, label=f"{g.label} (median, IQR)")
            ax.fill_between(dv, q[:, 0], q[:, 2], color=colour, alpha=0.2)
            if name == "x_norm":
                ax.plot(dv, x_norm_prediction(g.n, dv, sweep.data), ls="--", color=colour,
                        lw=1, label=f"prediction sqrt(n/d)"
                        f"{' + 1' if sweep.data == 'sphere' else ''}, n={g.n}")
        if g.n not in marked:
            marked.add(g.n)
            dc = critical_d(g.n)
            for ax in axes[:2]:
                ax.axvspan(min(float(g.d.min()), dc) - 0.5, dc - 0.5, color=colour, alpha=0.08)
                ax.axvline(dc - 0.5, color=colour, ls=":", lw=1.2,
                           label=f"n={g.n} > d(d+1)/2 for d < {dc}: sigma_min(X*X) = 0")
    handles, seen = [], set()
    for ax, (_, lab) in zip(axes, specs):
        ax.set_xlabel("d")
        ax.set_ylabel(lab)
        for h, lb in zip(*ax.get_legend_handles_labels()):
            if lb not in seen:
                seen.add(lb)
                handles.append(h)
    fig.suptitle(f"Data diagnostics against d (data = {sweep.data}; they depend on X only)")
    figstyle.legend_in(lax, handles, ncol=2)
    return save(fig, path)


def kr_zero_check(g: Group) -> Optional[Dict]:
    """Where n > d(d+1)/2, sigma_min(X*X) must vanish: count trials there with it ~ 0."""
    kr = g.trial_data.get("kr_sigma_min")
    if kr is None:
        return None
    forced = _broadcast(g.d * (g.d + 1) // 2 < g.n, g, "d").astype(bool)
    m = g.done & np.isfinite(kr)
    there = m & forced
    scale = float(np.nanmax(np.where(m, kr, np.nan))) if m.any() else 1.0
    tol = KR_ZERO * max(1.0, scale)
    return {"trials": int(there.sum()), "zero": int((there & (kr <= tol)).sum()),
            "elsewhere_trials": int((m & ~forced).sum()),
            "elsewhere_zero": int((m & ~forced & (kr <= tol)).sum())}


# ----------------------------------------------------------------------------- driver

def _md_table(headers, rows) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(str(c).replace("|", "\\|") for c in r) + " |" for r in rows]
    return "\n".join(out)


def write_theory(sweep: Sweep, outdir: str, link: str = "logit") -> Dict:
    """Write the theory figures, theory.md and theory.json into outdir. Returns
    {"markdown", "json", "figures", "skipped", "summary"}."""
    os.makedirs(outdir, exist_ok=True)
    fmt = boundary.fmt
    figs: List[str] = []
    skipped: List[str] = []
    summary: Dict = {"file": sweep.path, "data": sweep.data, "labels": sweep.labels,
                     "data_delta": sweep.data_delta, "methods": sweep.methods,
                     "diagnostics_attr": int(sweep.diagnostics)}
    md: List[str] = ["# ovsweep: comparison with the theory of Oymak & Soltanolkotabi\n",
                     f"File: `{sweep.path}`  \nStatus: **{sweep.status_line()}**  \n"
                     f"Data: {sweep.data}" + (f" (delta = {sweep.data_delta:g})"
                                              if sweep.data == "worst" else "")
                     + f"; labels: {sweep.labels}; methods: {', '.join(sweep.methods)}\n",
                     "The paper's constants (C, c1, c3) are unknown: only shapes and scalings "
                     "are compared.\n"]

    def rel(p):
        return os.path.relpath(p, outdir)

    # (a) distance from init
    md.append("## (a) Distance from initialisation (eq. 2.5: O(sqrt(n)))\n")
    dgroups = [g for g in sweep.groups if g.method != "rf" and "dist_from_init" in g.trial_data]
    for g in sweep.groups:
        if g.method == "rf":
            skipped.append(f"(a) distance from init for {g.name}: method rf keeps W = W0")
        elif "dist_from_init" not in g.trial_data:
            skipped.append(f"(a) distance from init for {g.name}: no dist_from_init dataset")
    ddata = {g.name: distance_data(g) for g in dgroups}
    dgroups = [g for g in dgroups if ddata[g.name]["count"] > 0]
    summary["distance"] = {g.name: {k: v for k, v in ddata[g.name].items() if k not in ("x", "y")}
                           for g in dgroups}
    if dgroups:
        p = plot_distance(dgroups, ddata, os.path.join(outdir, "theory_dist_from_init.png"))
        figs.append(p)
        md.append(_md_table(["group", "successful trials", "median dist/sqrt(n) [IQR]",
                             "max dist/sqrt(n)", "median dist"],
                            [[g.name, ddata[g.name]["count"],
                              f"{fmt(ddata[g.name]['median'], 3)} [{fmt(ddata[g.name]['q1'], 3)}"
                              f", {fmt(ddata[g.name]['q3'], 3)}]",
                              fmt(ddata[g.name]["max"], 3), fmt(ddata[g.name]["median_dist"], 3)]
                             for g in dgroups]) + "\n")
        md.append(f"![distance from init]({rel(p)})\n")
        vs_n = distance_vs_n(dgroups, ddata)
        summary["distance_vs_n"] = vs_n
        if vs_n:
            p = plot_distance_vs_n(vs_n, os.path.join(outdir, "theory_dist_vs_n.png"))
            figs.append(p)
            md.append(_md_table(["activation", "method", "n values", "exponent p in median "
                                 "dist ~ n^p (0.5 = sqrt(n))"],
                                [[r["activation"], r["method"],
                                  ", ".join(str(pt[0]) for pt in r["points"]),
                                  fmt(r["exponent"], 3)] for r in vs_n]) + "\n")
            md.append(f"![distance vs n]({rel(p)})\n")
    else:
        skipped.append("(a) distance from init: no successful trial with dist_from_init")
        md.append("No data (see Skipped).\n")

    # (b) rate
    md.append("## (b) Geometric rate per update (eq. 2.4: rate ~ c d/n)\n")
    rgroups = []
    for g in sweep.groups:
        if g.method != "gd":
            skipped.append(f"(b) rate for {g.name}: method {g.method} (iteration unit "
                           f"{g.iteration_unit}); the rate is fitted for gd updates only")
        else:
            rgroups.append(g)
    rates = {g.name: trial_rates(g) for g in rgroups}
    for g in rgroups:
        if "initial_rel_err" not in g.trial_data:
            skipped.append(f"(b) {g.name}: no initial_rel_err; rate taken from the ladder "
                           "(first to last rung hit)")
    rgroups = [g for g in rgroups if len(rates[g.name]["rate"])]
    fits = {g.name: fit_rate(rates[g.name]["x"], rates[g.name]["rate"]) for g in rgroups}
    summary["rate"] = {g.name: dict(fits[g.name], from_initial_rel_err=rates[g.name][
        "from_initial_rel_err"], from_ladder=rates[g.name]["from_ladder"]) for g in rgroups}
    summary["rate_model"] = RATE_MODEL
    if rgroups:
        pooled_x = np.concatenate([rates[g.name]["x"] for g in rgroups])
        pooled_y = np.concatenate([rates[g.name]["rate"] for g in rgroups])
        summary["rate_pooled"] = fit_rate(pooled_x, pooled_y)
        p = plot_rate(rgroups, rates, fits, os.path.join(outdir, "theory_rate.png"))
        figs.append(p)
        md.append(f"Model: {RATE_MODEL}. The runs use a constant step size, whereas eq. 2.4 "
                  "assumes eta ~ n/||X||^2, so c absorbs eta.\n")
        md.append(_md_table(["group", "trials used", "source (init / ladder)", "c", "SE(c)",
                             "R^2 (origin)"],
                            [[g.name, fits[g.name]["count"],
                              f"{rates[g.name]['from_initial_rel_err']} / "
                              f"{rates[g.name]['from_ladder']}", fmt(fits[g.name]["c"]),
                              fmt(fits[g.name]["se"], 3), fmt(fits[g.name]["r2_origin"], 3)]
                             for g in rgroups]) + "\n")
        md.append(f"![rate]({rel(p)})\n")
    else:
        skipped.append("(b) rate: no successful gd trial with a usable rate")
        md.append("No data (see Skipped).\n")

    # (c) diagnostics
    md.append("## (c) Diagnostics: Jacobian, Khatri-Rao product, lambda(X), ||X||\n")
    diag = [g for g in sweep.groups if g.has_diagnostics]
    summary["diagnostics"] = {}
    if not diag:
        skipped.append(f"(c) diagnostics: the file has none (root attribute diagnostics = "
                       f"{int(sweep.diagnostics)})")
        md.append("No diagnostics in this file (see Skipped).\n")
    else:
        for g in sweep.groups:
            if not g.has_diagnostics:
                skipped.append(f"(c) diagnostics for {g.name}: datasets missing")
        bins = {g.name: jac_success_bins(g) for g in diag}
        p1 = plot_jac(diag, bins, os.path.join(outdir, "theory_jac_success.png"))
        p2 = plot_data_diagnostics(sweep, diag, os.path.join(outdir, "theory_data_spectra.png"))
        figs += [p1, p2]
        rows = []
        for g in diag:
            b = bins[g.name]
            zero = b["zero"]
            s_pos = sum(r[1] for r in b["bins"])
            t_pos = sum(r[2] for r in b["bins"])
            kz = kr_zero_check(g)
            xn = g.trial_data["x_norm"]
            m = g.done & np.isfinite(xn)
            pred = x_norm_prediction(g.n, _broadcast(g.d, g, "d"), sweep.data)
            ratio = float(np.median(xn[m] / pred[m])) if m.any() else math.nan
            lam = g.trial_data["nn_lambda"]
            lm = g.done & np.isfinite(lam)
            entry = {"jac_zero": zero, "jac_zero_kd_below_n": b["zero_kd_below_n"],
                     "jac_zero_rounding": b["zero_rounding"],
                     "jac_positive": (s_pos, t_pos), "kr_zero_check": kz,
                     "x_norm_over_prediction_median": ratio,
                     "nn_lambda_median": float(np.median(lam[lm])) if lm.any() else math.nan,
                     "jac_bins": b["bins"]}
            summary["diagnostics"][g.name] = entry
            rows.append([g.name,
                         "-" if zero is None else f"{zero[0]}/{zero[1]}",
                         f"{s_pos}/{t_pos}" if t_pos else "-",
                         "-" if kz is None or not kz["trials"] else
                         f"{kz['zero']}/{kz['trials']}",
                         "-" if kz is None or not kz["elsewhere_trials"] else
                         f"{kz['elsewhere_zero']}/{kz['elsewhere_trials']}",
                         fmt(entry["nn_lambda_median"], 3), fmt(ratio, 3)])
        md.append(_md_table(["group", "succ. given jac_sigma_min = 0",
                             "succ. given jac_sigma_min > 0",
                             "kr_sigma_min ~ 0 where n > d(d+1)/2",
                             "kr_sigma_min ~ 0 elsewhere", "median lambda(X)",
                             "median ||X|| / prediction"], rows) + "\n")
        md.append("The prediction for ||X|| is sqrt(n/d)" + (" + 1 (sphere data)" if
                  sweep.data == "sphere" else f" ({sweep.data} data)") + "; sigma_min(X*X) "
                  "must be 0 when n > d(d+1)/2 (rank bound of the Khatri-Rao product).\n")
        md.append(f"![success vs jacobian]({rel(p1)})\n")
        md.append(f"![data diagnostics]({rel(p2)})\n")

    # (d) heatmaps with the sufficient-condition curves
    md.append("## (d) Heatmaps with the sufficient conditions (C = 1, shape only)\n")
    panels = []
    for g in sweep.groups:
        fit = boundary.analyze_group(g, link=link, ladder=False)["fit"]
        panels.append((g, outcomes(g), fit))
    heat, heat_notes = heatmap.write_heatmaps(sweep, outdir, panels, theory=True,
                                              prefix="theory_heatmap")
    figs += heat
    md.append("Solid white: kd = n; magenta dash-dot: sqrt(kd) = n (Cor. 2.2, smooth) or "
              "sqrt(kd) = n^2/d (Cor. 2.4, ReLU); cyan dotted: k = n (rf); dashed black: the "
              "fitted 50% boundary (drawn only when its 95% interval is bounded and inside the "
              "data). White cross-hatched: not run (outside the kd band).\n")
    md.append(f"![heatmaps with theory]({rel(heat[-1])})\n")
    md += [f"- {name}: {nt}" for name, nts in heat_notes.items() for nt in nts] + [""]

    md.append("## Skipped\n")
    md += [f"- {s}" for s in skipped] if skipped else ["- nothing"]
    md.append("")
    summary["skipped"] = skipped
    summary["figures"] = [rel(p) for p in figs]
    md_path = os.path.join(outdir, "theory.md")
    with open(md_path, "w") as fh:
        fh.write("\n".join(md))
    json_path = os.path.join(outdir, "theory.json")
    with open(json_path, "w") as fh:
        fh.write(json.dumps(boundary._jsonable(summary), indent=2) + "\n")
    return {"markdown": md_path, "json": json_path, "figures": figs, "skipped": skipped,
            "summary": summary}
