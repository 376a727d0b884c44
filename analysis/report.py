"""report DIR: every figure and table for one sweep file, as DIR/report.md and DIR/report.html.

The report opens with the answer, one line per group (analysis.summary): the 50% point in kd/n
with its interval, what that interval assumes, how far the point moves under the other reading of
the criterion, whether it has settled within the budget, and the counting convention. Then come
the figures and the details; the configuration closes it in a short form, with the provenance.

Figure 2 is shown under both readings of the paper's success criterion, side by side:
  * stated:  ||f - y|| / ||y||   < 2.5e-3
  * squared: ||f - y||^2/||y||^2 < 2.5e-3, i.e. ||f - y|| / ||y|| < sqrt(2.5e-3) = 5e-2
Both are rungs of the tolerance ladder, so neither needs re-training.

report.html is the same document in one self-contained page: the figures are embedded as data:
URIs (PNG), so it can be mailed or archived alone.
"""

import csv
import datetime
import math
import os
import platform
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import boundary, budget, figstyle, heatmap, robust, summary
from .boundary import fmt, midpoint_text, width_text
from .document import Doc
from .io import Group, Sweep
from .outcomes import check_stored_counts, find_rung, format_rungs, outcomes

PAPER_TOL = 2.5e-3

PROVENANCE_KEYS = ("ovsweep_version", "git_commit", "command_line", "format_version",
                   "protocol_version", "seed", "method", "n_ranks", "hosts", "start_time_utc",
                   "checkpoint_time_utc", "finish_time_utc", "kernel_builds", "compiler",
                   "mpi_library", "hdf5_version", "openblas_config", "openblas_cores")


def _attr_text(value) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)


def readings(group: Group) -> Tuple[Tuple[str, Optional[float]], Tuple[str, Optional[float]], str]:
    """The two readings' tolerances on ||f-y||/||y|| for this group (None if not a rung)."""
    note = ""
    stated = PAPER_TOL if find_rung(group.tol_ladder, PAPER_TOL) is not None else group.tol
    if stated != PAPER_TOL:
        note = (f"the ladder has no rung {PAPER_TOL:g}; the file's tol {group.tol:g} is used as "
                "the stated threshold T")
    squared = math.sqrt(stated)
    j = find_rung(group.tol_ladder, squared)
    sq_tol = float(group.tol_ladder[j]) if j is not None else None
    return ((f"stated: {heatmap.REL_ERR} < {stated:g}", stated),
            (f"squared: {heatmap.REL_ERR_SQ} < {stated:g}", sq_tol), note)


def _write_cells_csv(path: str, group_result: Dict, squared_cells: Optional[List[Dict]]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        head = ["k", "d", "param_count", "param_count_over_n", "trials_done", "successes", "prob",
                "wilson95_lo", "wilson95_hi", "fitted_prob"]
        if squared_cells is not None:
            head += ["successes_squared_reading", "prob_squared_reading"]
        w.writerow(head)
        for i, c in enumerate(group_result["cells"]):
            row = [c["k"], c["d"], c["param_count"], f"{c['param_count_over_n']:.6g}",
                   c["trials_done"], c["successes"], fmt(c["prob"], 6),
                   fmt(c["wilson95"][0], 6), fmt(c["wilson95"][1], 6), fmt(c["fitted_prob"], 6)]
            if squared_cells is not None:
                sq = squared_cells[i]
                row += [sq["successes"], fmt(sq["prob"], 6)]
            w.writerow(row)


def _diagnostics(group: Group) -> List[str]:
    done = group.done
    succ = group.success & done
    div = group.trial_data.get("diverged")
    its = group.trial_data.get("iterations")
    n_div = int((div.astype(bool) & done).sum()) if div is not None else None
    med = "-"
    if its is not None and succ.any():
        med = f"{float(np.median(its[succ])):.0f}"
    check = check_stored_counts(group)
    return [group.name, f"{int(done.sum())}/{done.size}", str(int(succ.sum())),
            "-" if n_div is None else str(n_div), med,
            "OK (exact)" if check is None else f"MISMATCH: {check}"]


class _Outputs:
    """The files written so far, relative to the report directory."""

    def __init__(self, outdir: str):
        self.outdir = outdir
        self.files: List[str] = []

    def rel(self, path: str) -> str:
        return os.path.relpath(path, self.outdir)

    def figure(self, path: str) -> str:
        """Record every format of a figure; return the PNG's relative path."""
        self.files += [self.rel(p) for p in figstyle.siblings(path)]
        return self.rel(path)

    def path(self, name: str) -> str:
        self.files.append(name)
        return os.path.join(self.outdir, name)


def _readings(sweep: Sweep, link: str, effective: bool, out: _Outputs):
    """Fits and figure for the two readings; the squared reading's result per group."""
    rows, table, notes, squared = [], [], [], {}
    for g in sweep.groups:
        (lab_s, tol_s), (lab_q, tol_q), note = readings(g)
        if note:
            notes.append(f"{g.name}: {note}")
        res_s = boundary.analyze_group(g, tol_s, None, link, effective, ladder=False)
        cols = [(lab_s, outcomes(g, tol_s), res_s["fit"])]
        row = [g.name, f"{res_s['successes']}/{res_s['trials_done']}", midpoint_text(res_s["fit"])]
        squared[g.name] = None
        if tol_q is not None:
            res_q = boundary.analyze_group(g, tol_q, None, link, effective, ladder=False)
            cols.append((lab_q, outcomes(g, tol_q), res_q["fit"]))
            squared[g.name] = res_q
            row += [f"{res_q['successes']}/{res_q['trials_done']}", midpoint_text(res_q["fit"])]
        else:
            cols.append((lab_q, None, None))
            notes.append(f"{g.name}: squared reading unavailable, no rung "
                         f"{math.sqrt(tol_s):.3g} in the ladder ({format_rungs(g.tol_ladder)})")
            row += ["-", "-"]
        rows.append((g, cols))
        table.append(row)
    fig = heatmap.plot_readings(sweep, rows, os.path.join(out.outdir, "fig2_readings.png"))
    return out.figure(fig), table, notes, squared


def write_report(sweep: Sweep, outdir: str, link: str = "logit", effective: bool = False,
                 bootstrap: int = robust.DEFAULT_REPS, seed: int = robust.DEFAULT_SEED) -> str:
    """Write report.md, report.html and every figure and table into outdir; returns the path of
    report.md. Figures are written in the formats in force (analysis.figstyle) and always as PNG,
    which the two reports show."""
    os.makedirs(outdir, exist_ok=True)
    previous = figstyle.current()
    figstyle.use(figstyle.with_png(previous))
    try:
        doc = _build(sweep, outdir, link, effective, bootstrap, seed)
    finally:
        figstyle.use(previous)
    md_path = os.path.join(outdir, "report.md")
    with open(md_path, "w") as fh:
        fh.write(doc.markdown())
    with open(os.path.join(outdir, "report.html"), "w") as fh:
        fh.write(doc.html(outdir))
    return md_path


def _build(sweep: Sweep, outdir: str, link: str, effective: bool, bootstrap: int,
           seed: int) -> Doc:
    out = _Outputs(outdir)
    result = boundary.analyze(sweep, link=link, effective=effective, robust="always",
                              bootstrap=bootstrap, seed=seed)
    by_name = {g["group"]: g for g in result["groups"]}
    with open(out.path("boundary.json"), "w") as fh:
        fh.write(boundary.to_json(result) + "\n")
    with open(out.path("boundary.txt"), "w") as fh:
        fh.write(boundary.format_text(result) + "\n")
    bud = budget.analyze(sweep, link=link, effective=effective)
    bud_by_name = {g["group"]: g for g in bud["groups"]}
    with open(out.path("budget.txt"), "w") as fh:
        fh.write(budget.format_text(bud) + "\n")

    panels = [(g, outcomes(g), by_name[g.name]["fit"]) for g in sweep.groups]
    heat, heat_notes = heatmap.write_heatmaps(sweep, outdir, panels, effective=effective)
    heat_rel = [out.figure(p) for p in heat]
    fig2, reading_table, reading_notes, squared = _readings(sweep, link, effective, out)
    budget_png = out.figure(budget.plot(bud, os.path.join(outdir, "boundary_vs_budget.png")))
    per_d_png = out.figure(heatmap.plot_per_d(result, os.path.join(outdir, "boundary_by_d.png")))
    ladder_png = out.figure(heatmap.plot_ladder(result, os.path.join(outdir,
                                                                     "boundary_vs_tol.png")))
    collapse = []
    for g in sweep.groups:
        collapse.append(out.figure(heatmap.plot_collapse(
            g, outcomes(g), by_name[g.name]["fit"], link,
            os.path.join(outdir, f"collapse_{g.name}.png"), effective)))
        sq = squared.get(g.name)
        _write_cells_csv(out.path(f"cells_{g.name}.csv"), by_name[g.name],
                         sq["cells"] if sq else None)
    theory_res = None
    if any(g.has_diagnostics for g in sweep.groups):
        from . import theory
        theory_res = theory.write_theory(sweep, outdir, link)
        for p in theory_res["figures"]:
            out.figure(p)
        out.files += [out.rel(theory_res["markdown"]), out.rel(theory_res["json"])]

    conv_png = None
    if sweep.design == "adaptive":
        from . import convergence
        conv_png = out.figure(convergence.plot(sweep, os.path.join(outdir,
                                                                   "convergence.png"))[0])
    doc = Doc(f"ovsweep report: {os.path.basename(sweep.path)}")
    _answer(doc, sweep, result, squared, bud_by_name)
    if conv_png:
        doc.heading("Adaptive design: convergence")
        doc.image(conv_png, "convergence", "Half-width of each row's 95% interval of the 50% "
                  "point against the group's trainings, per round; dotted: the design's target.")
    _figure2(doc, result, heat_rel, heat_notes)
    _readings_section(doc, result, fig2, reading_table, reading_notes)
    _budget_section(doc, bud, budget_png)
    _robust_section(doc, result, per_d_png)
    _boundary_section(doc, result, collapse)
    _ladder_section(doc, result, ladder_png)
    doc.heading("Run diagnostics")
    doc.table(["group", "trials done", "successes", "diverged", "median iterations of successes",
               "stored success_count vs recomputed from ladder"],
              [_diagnostics(g) for g in sweep.groups])
    if theory_res is not None:
        _theory_section(doc, theory_res, out)
    _configuration(doc, sweep)
    doc.heading("Files")
    out.files += ["report.md", "report.html"]
    doc.bullets([f"[{f}]({f})" for f in sorted(set(out.files))])
    return doc


def _answer(doc: Doc, sweep: Sweep, result: Dict, squared: Dict, bud: Dict) -> None:
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    doc.para(f"File `{sweep.path}`: **{sweep.status_line()}**. Generated {now} by the ovsweep "
             "analysis (read-only; nothing re-trained).")
    if not sweep.complete:
        doc.para("**Partial file**: the sweep was still running or was interrupted; every "
                 "estimate uses the finished trials only, and cells without any are hatched grey.")
    doc.heading("Answer")
    var = result["parameter_count"]
    rows = [[g["group"], str(r["d"]), boundary.row_text(r), boundary.fmt(r["width"], 3),
             str(r["trainings"]), r["status"]]
            for g in result["groups"] for r in (g.get("design_rows") or [])]
    if rows:
        doc.para("Adaptive design: the kd/n at which half of the trials succeed, per row (one d, "
                 "along k), as the engine located it (95% interval; '>' / '<': no transition "
                 "inside the k range):")
        doc.table(["group", "d", "kd/n @50% [95%]", "width 10-90%", "trainings", "status"],
                  rows)
        doc.para("Pooled over the rows (a fit on the trials of the visited cells):")
    doc.para(f"Where gradient descent starts to fit n random labels: the {var}/n at which half "
             f"of the trials succeed ({result['link']} fit in log {var}/n, 95% profile-"
             "likelihood interval), per group:")
    doc.bullets(summary.lines(result, squared, bud), css="answer")
    warn = budget.warnings({"groups": list(bud.values())})
    rejected = [g["group"] for g in result["groups"] if g.get("model_rejected")]
    if warn:
        doc.para("**Warning: the boundary has not settled within the budget** for "
                 + ", ".join(w.split(":")[0] for w in warn) + ": the 50% point still moves "
                 "with more updates (see *Boundary against the update budget*).")
    if rejected:
        doc.para(f"**Note:** for {', '.join(rejected)} the likelihood-ratio test rejects the "
                 f"{result['parameter_count']}/n-only model, which the profile intervals assume; "
                 "the lines above give intervals that do not (see *Intervals without the "
                 "kd/n-only model*).")


def _figure2(doc: Doc, result: Dict, heat_rel: List[str], heat_notes: Dict) -> None:
    var = result["parameter_count"]
    doc.heading("Figure 2: success probability")
    all_png = [p for p in heat_rel if os.path.basename(p).startswith("heatmap_all")]
    for p in all_png:
        doc.image(p, "Figure 2: success probability of all groups",
                  f"x axis d, y axis k; colour: success probability; white line: kd = n; dashed: "
                  f"fitted 50% boundary {var} = m n (drawn only when its 95% interval is bounded "
                  "and inside the data); grey hatched: no finished trials.")
    doc.para("One figure per group: " + ", ".join(f"[{p}]({p})" for p in heat_rel
                                                  if p not in all_png) + ".")
    notes = [f"{name}: {nt}" for name, nts in heat_notes.items() for nt in nts]
    if notes:
        doc.bullets(notes)


def _readings_section(doc: Doc, result: Dict, fig2: str, table, notes) -> None:
    var = result["parameter_count"]
    doc.heading("Which reading of the success criterion?")
    doc.para("The paper states success as *relative* error ||f-y||/||y|| < 2.5e-3 (**stated "
             "reading**). If the threshold was really applied to the *squared* relative loss, "
             "||f-y||^2/||y||^2 < 2.5e-3, the norm ratio only has to fall below sqrt(2.5e-3) = "
             "5e-2 (**squared reading**). Both are rungs of the tolerance ladder, so both "
             "pictures come from the same trials (a trial succeeds under a reading iff its "
             "ladder_hit_iter for that rung is in [0, max_iter]). The paper's picture has the "
             "transition hugging kd = n (50% point near kd/n = 1).")
    doc.image(fig2, "Figure 2 under both readings")
    doc.table(["group", "stated: succ/trials", f"stated: {var}/n @50% [95% CI]",
               "squared: succ/trials", f"squared: {var}/n @50% [95% CI]"], table)
    if notes:
        doc.bullets(notes)


def _budget_section(doc: Doc, bud: Dict, png: str) -> None:
    doc.heading("Boundary against the update budget")
    doc.para("A trial that reaches the tolerance after t updates succeeds for every budget >= t, "
             "so the 50% point at a smaller budget needs no re-training. Rule: "
             f"{bud['rule']}.")
    doc.table(budget.table_headers(bud), budget.table_rows(bud))
    warn = budget.warnings(bud)
    if warn:
        doc.bullets([f"**{w}**" for w in warn])
    doc.image(png, "boundary against the budget")


def _robust_section(doc: Doc, result: Dict, png: str) -> None:
    var = result["parameter_count"]
    doc.heading(f"Intervals without the {var}/n-only model")
    doc.para(f"The profile-likelihood intervals assume that success depends on k and d through "
             f"{var}/n only. The likelihood-ratio test of that model against separate log k and "
             "log d terms is in the table (p < 0.05: rejected). Two intervals that do not need "
             "it: a **bootstrap over datasets** (" + robust.BOOTSTRAP_METHOD + "; seeded, so "
             "reproducible), and **one fit per d** along k, whose 50% points would agree if the "
             "model held.")
    doc.table(boundary.ROBUST_HEADERS, [boundary.robust_row(g) for g in result["groups"]])
    doc.image(png, "50% point at each d")


def _boundary_section(doc: Doc, result: Dict, collapse: List[str]) -> None:
    var = result["parameter_count"]
    doc.heading("Boundary fit")
    doc.para(f"Model: `{result['model']}`, maximum likelihood on the per-trial outcomes of "
             f"finished trials. Midpoint: {result['midpoint_definition']}. "
             f"{result['width_definition'].capitalize()}. CIs: {result['ci_method']}. LR test: "
             f"{result['lr_test_definition']}. Cells: {result['cell_interval']} intervals "
             "(in `boundary.json` and `cells_*.csv`); the last column counts cells whose "
             "interval excludes the fitted curve (about 5% expected if the model is right). "
             f"{boundary.MODEL_MARK.strip()}: the LR test rejects the model (p < 0.05).")
    rows = []
    for g in result["groups"]:
        f, lr, ws = g["fit"], g["lr_test"], g["wilson_summary"]
        outside = ("-" if ws["cells_fit_outside_wilson95"] is None
                   else f"{ws['cells_fit_outside_wilson95']}/{ws['cells_compared']}")
        rows.append([g["group"], f"{g['successes']}/{g['trials_done']}",
                     boundary.marked_midpoint(g), width_text(f),
                     f"{fmt(lr['statistic'], 3)} ({lr['df']})", fmt(lr["p_value"], 3), outside])
    doc.table(["group", "succ/trials", f"{var}/n @50% [95% CI]", "width x90 - x10 [95% CI]",
               "LR (df)", "p", "cells outside Wilson95"], rows)
    if result.get("rf_note"):
        doc.para(f"Note: {result['rf_note']}.")
    doc.para(f"Transition width: {result['width_definition']}; {result['ratio_definition']}.")
    doc.table(boundary.WIDTH_HEADERS, boundary.width_rows(result["groups"]))
    if result.get("width_vs_n"):
        doc.para("Transition width against n (same activation and method):")
        doc.table(boundary.WIDTH_VS_N_HEADERS, boundary.width_vs_n_rows(result["width_vs_n"]))
    notes = [f"{g['group']}: {nt}" for g in result["groups"]
             for nt in g["fit"]["notes"] + [f"LR test: {x}" for x in g["lr_test"]["notes"]]]
    if notes:
        doc.para("Notes:")
        doc.bullets(notes)
    for p in collapse:
        doc.image(p, os.path.basename(p))


def _ladder_section(doc: Doc, result: Dict, png: str) -> None:
    var = result["parameter_count"]
    doc.heading("Boundary against tolerance")
    doc.para(f"{var}/n at 50% success at every rung of the tolerance ladder (budget max_iter).")
    groups = [g for g in result["groups"] if g.get("tolerance_ladder")]
    if groups:
        rungs = sorted({r["tol"] for g in groups for r in g["tolerance_ladder"]}, reverse=True)
        rows = []
        for tol in rungs:
            row = [fmt(tol)]
            for g in groups:
                m = [r for r in g["tolerance_ladder"] if r["tol"] == tol]
                row.append(midpoint_text(m[0]) if m and m[0]["status"] != "unavailable" else "-")
            rows.append(row)
        doc.table(["tol"] + [g["group"] for g in groups], rows)
    doc.image(png, "boundary against tolerance")


def _theory_section(doc: Doc, theory_res: Dict, out: _Outputs) -> None:
    doc.heading("Comparison with the theory")
    doc.para(f"The file has diagnostics: see [theory.md]({out.rel(theory_res['markdown'])}) "
             "(distance from init against sqrt(n), rate against d/n, Jacobian and data "
             "diagnostics, heatmaps with the sufficient-condition curves).")
    rate = theory_res["summary"].get("rate", {})
    if rate:
        doc.table(["group", "fitted c in rate = c d/n", "SE"],
                  [[nm, fmt(r["c"]), fmt(r["se"], 3)] for nm, r in rate.items()])
    for fig in theory_res["figures"]:
        if os.path.basename(fig).startswith(("theory_rate", "theory_dist_from_init")):
            doc.image(out.rel(fig), os.path.basename(fig))


def _configuration(doc: Doc, sweep: Sweep) -> None:
    a = sweep.attrs
    doc.heading("Configuration")
    doc.para(summary.config_line(sweep) + ".")
    doc.table(["group", "n", "activation", "method", "iteration unit", "eta", "max_iter", "tol",
               "cells not run"],
              [[g.name, str(g.n), g.activation, g.method, g.iteration_unit,
                g.eta_rule if g.eta_auto > 0 else f"{g.eta:g}",
                str(g.max_iter), f"{g.tol:g}", str(g.n_unplanned)] for g in sweep.groups])
    doc.para("The complete resolved configuration is the file's root attribute `config` "
             "(`h5dump -a config FILE`).")
    doc.heading("Provenance", level=3)
    prov = [[key, f"`{_attr_text(a[key])}`" if key == "command_line" else _attr_text(a[key])]
            for key in PROVENANCE_KEYS if key in a]
    prov.append(["complete", f"{int(a.get('complete', 0))} ({sweep.status_line()})"])
    import h5py
    import matplotlib
    import scipy
    prov.append(["analysis environment", f"Python {platform.python_version()}, numpy "
                 f"{np.__version__}, scipy {scipy.__version__}, h5py {h5py.__version__}, "
                 f"matplotlib {matplotlib.__version__}"])
    doc.table(["attribute", "value"], prov)
    history = str(a.get("history", "")).strip()
    if history:
        doc.para("The runs that wrote the file, oldest first (root attribute `history`: one "
                 "line per run and resume, its ranks, hosts, builds and command; the "
                 "attributes above describe the last run):")
        doc.code(history)
