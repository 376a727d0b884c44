"""report DIR: every figure and table for one sweep file plus DIR/report.md.

Figure 2 is shown under both readings of the paper's success criterion, side by side:
  * stated:  ||f - y|| / ||y||   < 2.5e-3
  * squared: ||f - y||^2/||y||^2 < 2.5e-3, i.e. ||f - y|| / ||y|| < sqrt(2.5e-3) = 5e-2
Both are rungs of the tolerance ladder, so neither needs re-training.
"""

import csv
import datetime
import json
import math
import os
import platform
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import boundary, heatmap
from .boundary import fmt, midpoint_text, width_text
from .io import Group, Sweep
from .outcomes import check_stored_counts, find_rung, format_rungs, outcomes

PAPER_TOL = 2.5e-3

PROVENANCE_KEYS = ("ovsweep_version", "git_commit", "command_line", "format_version",
                   "protocol_version", "seed", "method", "n_ranks", "hosts", "start_time_utc",
                   "checkpoint_time_utc", "finish_time_utc", "mpi_library", "hdf5_version",
                   "openblas_config")


def _md_escape(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(headers: List[str], rows: List[List[str]]) -> str:
    out = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _attr_text(value) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return str(value)


def _range_text(values) -> str:
    v = [int(x) for x in np.asarray(values).ravel()]
    if v and v == list(range(v[0], v[-1] + 1)):
        return f"{v[0]}..{v[-1]} ({len(v)} values)"
    return ", ".join(map(str, v))


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
    return ((f"stated: ||f-y||/||y|| < {stated:g}", stated),
            (f"squared: ||f-y||^2/||y||^2 < {stated:g} (ratio < {squared:.3g})", sq_tol), note)


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


def write_report(sweep: Sweep, outdir: str, link: str = "logit", effective: bool = False) -> str:
    os.makedirs(outdir, exist_ok=True)
    files: List[str] = []

    def rel(path: str) -> str:
        return os.path.relpath(path, outdir)

    # boundary analysis at the file's own tol and max_iter
    result = boundary.analyze(sweep, link=link, effective=effective)
    by_name = {g["group"]: g for g in result["groups"]}
    with open(os.path.join(outdir, "boundary.json"), "w") as fh:
        fh.write(boundary.to_json(result) + "\n")
    text = boundary.format_text(result)
    with open(os.path.join(outdir, "boundary.txt"), "w") as fh:
        fh.write(text + "\n")
    files += ["boundary.json", "boundary.txt"]

    # Figure 2 heatmaps at the file's settings
    panels = [(g, outcomes(g), by_name[g.name]["fit"]) for g in sweep.groups]
    heat = heatmap.write_heatmaps(sweep, outdir, panels, effective=effective)
    files += [rel(p) for p in heat]

    # the two readings
    reading_rows, reading_table, reading_notes, squared_cells = [], [], [], {}
    for g in sweep.groups:
        (lab_s, tol_s), (lab_q, tol_q), note = readings(g)
        if note:
            reading_notes.append(f"{g.name}: {note}")
        cols = []
        res_s = boundary.analyze_group(g, tol_s, None, link, effective, ladder=False)
        cols.append((lab_s, outcomes(g, tol_s), res_s["fit"]))
        row = [g.name, f"{res_s['successes']}/{res_s['trials_done']}", midpoint_text(res_s["fit"])]
        if tol_q is not None:
            res_q = boundary.analyze_group(g, tol_q, None, link, effective, ladder=False)
            cols.append((lab_q, outcomes(g, tol_q), res_q["fit"]))
            squared_cells[g.name] = res_q["cells"]
            row += [f"{res_q['successes']}/{res_q['trials_done']}", midpoint_text(res_q["fit"])]
        else:
            cols.append((lab_q, None, None))
            reading_notes.append(f"{g.name}: squared reading unavailable, no rung "
                                 f"{math.sqrt(tol_s):.3g} in the ladder "
                                 f"({format_rungs(g.tol_ladder)})")
            row += ["-", "-"]
        reading_rows.append((g, cols))
        reading_table.append(row)
    fig2 = heatmap.plot_readings(sweep, reading_rows, os.path.join(outdir, "fig2_readings.png"))
    files.append(rel(fig2))

    # collapse plots, ladder plot, per-cell CSVs
    collapse = []
    for g in sweep.groups:
        p = heatmap.plot_collapse(g, outcomes(g), by_name[g.name]["fit"], link,
                                  os.path.join(outdir, f"collapse_{g.name}.png"), effective)
        collapse.append(p)
        files.append(rel(p))
        csv_path = os.path.join(outdir, f"cells_{g.name}.csv")
        _write_cells_csv(csv_path, by_name[g.name], squared_cells.get(g.name))
        files.append(rel(csv_path))
    ladder_png = heatmap.plot_ladder(result, os.path.join(outdir, "boundary_vs_tol.png"))
    files.append(rel(ladder_png))

    # comparison with the theory, when the file carries the diagnostics
    theory_res = None
    if any(g.has_diagnostics for g in sweep.groups):
        from . import theory
        theory_res = theory.write_theory(sweep, outdir, link)
        files += [rel(p) for p in theory_res["figures"]]
        files += [rel(theory_res["markdown"]), rel(theory_res["json"])]

    md = _markdown(sweep, result, heat, fig2, reading_table, reading_notes, collapse, ladder_png,
                   files, rel, theory_res)
    path = os.path.join(outdir, "report.md")
    with open(path, "w") as fh:
        fh.write(md)
    return path


def _markdown(sweep, result, heat, fig2, reading_table, reading_notes, collapse, ladder_png,
              files, rel, theory_res=None) -> str:
    a = sweep.attrs
    var = result["parameter_count"]
    L = []
    L.append("# ovsweep report: success of gradient descent at fitting random labels\n")
    now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    L.append(f"File: `{sweep.path}`  \nStatus: **{sweep.status_line()}**  \n"
             f"Generated: {now} by `python3 -m analysis report` (read-only; nothing re-trained)\n")
    if not sweep.complete:
        L.append("> **Partial file.** The sweep was still running or was interrupted when this "
                 "file was written: cells without finished trials are hatched grey ('no data') "
                 "and every estimate below uses the finished trials only.\n")

    L.append("## Configuration\n")
    rows = [["groups", _attr_text(a.get("groups", ", ".join(g.name for g in sweep.groups)))],
            ["methods", ", ".join(sweep.methods)],
            ["data / labels", f"{sweep.data} / {sweep.labels}" + (
                f" (delta {sweep.data_delta:g})" if sweep.data == "worst" else "")],
            ["kd/n band run", ", ".join(f"{v:g}" for v in sweep.kd_band)],
            ["n values", _attr_text(a.get("n_values", ""))],
            ["activations", _attr_text(a.get("activations", ""))],
            ["k", _range_text(sweep.groups[0].k)], ["d", _range_text(sweep.groups[0].d)],
            ["trials per cell", _attr_text(a.get("trials", ""))],
            ["max_iter (GD updates)", _attr_text(a.get("max_iter", ""))],
            ["tol on ||f-y||/||y||", _attr_text(a.get("tol", ""))],
            ["tolerance ladder", _attr_text(a.get("tol_ladder", ""))]]
    L.append(_md_table(["setting", "value"], rows) + "\n")
    L.append(_md_table(["group", "n", "activation", "method", "iteration unit", "eta",
                        "max_iter", "tol", "cells not run"],
                       [[g.name, str(g.n), g.activation, g.method, g.iteration_unit,
                         f"{g.eta:g}", str(g.max_iter), f"{g.tol:g}", str(g.n_unplanned)]
                        for g in sweep.groups]) + "\n")
    cfg = sweep.config
    if cfg is not None:
        L.append("Resolved configuration (root attribute `config`):\n")
        L.append("```json\n" + json.dumps(cfg, indent=2, sort_keys=True) + "\n```\n")

    L.append("## Provenance\n")
    prov = [[key, f"`{_attr_text(a[key])}`" if key == "command_line" else _attr_text(a[key])]
            for key in PROVENANCE_KEYS if key in a]
    prov.append(["complete", f"{int(a.get('complete', 0))} ({sweep.status_line()})"])
    import h5py
    import matplotlib
    import scipy
    prov.append(["analysis environment", f"Python {platform.python_version()}, numpy "
                 f"{np.__version__}, scipy {scipy.__version__}, h5py {h5py.__version__}, "
                 f"matplotlib {matplotlib.__version__}"])
    L.append(_md_table(["attribute", "value"], prov) + "\n")

    L.append("## Figure 2: success probability\n")
    L.append("x axis d, y axis k; blue = certain failure, red = certain success; solid white: "
             f"kd = n; dashed black: fitted 50% boundary {var} = m n (see below); grey hatched: "
             "no finished trials.\n")
    all_png = [p for p in heat if os.path.basename(p).startswith("heatmap_all")]
    for p in all_png:
        L.append(f"![all groups]({rel(p)})\n")
    for p in heat:
        if p not in all_png:
            L.append(f"![{os.path.basename(p)}]({rel(p)})")
    L.append("")

    L.append("## Which reading of the success criterion?\n")
    L.append("The paper states success as *relative* error ||f-y||/||y|| < 2.5e-3 (**stated "
             "reading**). If the threshold was really applied to the *squared* relative loss, "
             "||f-y||^2/||y||^2 < 2.5e-3, the norm ratio only has to fall below sqrt(2.5e-3) = "
             "5e-2 (**squared reading**). Both are rungs of the tolerance ladder, so both "
             "pictures come from the same trials (a trial succeeds under a reading iff its "
             "ladder_hit_iter for that rung is in [0, max_iter]). The paper's picture has the "
             "transition hugging kd = n (50% point near kd/n = 1); compare the two columns and "
             "the fitted midpoints.\n")
    L.append(f"![Figure 2 under both readings]({rel(fig2)})\n")
    L.append(_md_table(["group", "stated: succ/trials", f"stated: {var}/n @50% [95% CI]",
                        "squared: succ/trials", f"squared: {var}/n @50% [95% CI]"],
                       reading_table) + "\n")
    for nt in reading_notes:
        L.append(f"- {nt}")
    L.append("")

    L.append("## Boundary fit\n")
    L.append(f"Model: `{result['model']}`, maximum likelihood on the per-trial outcomes of "
             f"finished trials. Midpoint: {result['midpoint_definition']}. Width: "
             f"{result['width_definition']}. CIs: {result['ci_method']}. LR test: "
             f"{result['lr_test_definition']}. Cells: {result['cell_interval']} intervals "
             "(in `boundary.json` and `cells_*.csv`); the last column counts cells whose "
             "interval excludes the fitted curve (about 5% expected if the model is right).\n")
    rows = []
    for g in result["groups"]:
        f, lr, ws = g["fit"], g["lr_test"], g["wilson_summary"]
        outside = ("-" if ws["cells_fit_outside_wilson95"] is None
                   else f"{ws['cells_fit_outside_wilson95']}/{ws['cells_compared']}")
        rows.append([g["group"], f"{g['successes']}/{g['trials_done']}", midpoint_text(f),
                     width_text(f), f"{fmt(lr['statistic'], 3)} ({lr['df']})",
                     fmt(lr["p_value"], 3), outside])
    L.append(_md_table(["group", "succ/trials", f"{var}/n @50% [95% CI]", "width 90/10 [95% CI]",
                        "LR (df)", "p", "cells outside Wilson95"], rows) + "\n")
    if result.get("rf_note"):
        L.append(f"Note: {result['rf_note']}.\n")
    L.append("Transition width: " + result["width_abs_definition"] + ".\n")
    L.append(_md_table(boundary.WIDTH_HEADERS, boundary.width_rows(result["groups"])) + "\n")
    if result.get("width_vs_n"):
        L.append("Transition width against n (same activation and method):\n")
        L.append(_md_table(boundary.WIDTH_VS_N_HEADERS,
                           boundary.width_vs_n_rows(result["width_vs_n"])) + "\n")
    notes = [f"- {g['group']}: {nt}" for g in result["groups"]
             for nt in g["fit"]["notes"] + [f"LR test: {x}" for x in g["lr_test"]["notes"]]]
    if notes:
        L += ["Notes:\n"] + notes + [""]
    for p in collapse:
        L.append(f"![{os.path.basename(p)}]({rel(p)})")
    L.append("")

    L.append("## Boundary vs tolerance\n")
    L.append(f"{var}/n at 50% success at every rung of the tolerance ladder (budget max_iter).\n")
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
        L.append(_md_table(["tol"] + [g["group"] for g in groups], rows) + "\n")
    L.append(f"![boundary vs tolerance]({rel(ladder_png)})\n")

    L.append("## Run diagnostics\n")
    L.append(_md_table(["group", "trials done", "successes", "diverged",
                        "median iterations of successes",
                        "stored success_count vs recomputed from ladder"],
                       [_diagnostics(g) for g in sweep.groups]) + "\n")

    if theory_res is not None:
        L.append("## Comparison with the theory\n")
        L.append(f"The file has diagnostics: see [theory.md]({rel(theory_res['markdown'])}) "
                 "(distance from init against sqrt(n), rate against d/n, Jacobian and data "
                 "diagnostics, heatmaps with the sufficient-condition curves).\n")
        rate = theory_res["summary"].get("rate", {})
        if rate:
            L.append(_md_table(["group", "fitted c in rate = c d/n", "SE"],
                               [[nm, fmt(r["c"]), fmt(r["se"], 3)] for nm, r in rate.items()])
                     + "\n")
        for fig in theory_res["figures"]:
            if os.path.basename(fig).startswith(("theory_rate", "theory_dist_from_init")):
                L.append(f"![{os.path.basename(fig)}]({rel(fig)})")
        L.append("")

    L.append("## Files\n")
    for fname in sorted(set(files)):
        L.append(f"- [{fname}]({fname})")
    L.append("")
    return "\n".join(L)
