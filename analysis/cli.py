"""Command line: python3 -m analysis {report,heatmap,boundary,budget,rethreshold,theory,simulate,
compare,export} FILE ...

Every command reads the file only. A missing file, a non-HDF5 file, a foreign HDF5 file (root
attribute ovsweep_format != "ovsweep-sweep") or an invalid option value gives a one-line
"analysis: error: ..." on stderr and exit status 1 (argparse usage errors exit 2). rethreshold
exits 3 if the stored success_count disagrees with the one recomputed from ladder_hit_iter.
"""

import argparse
import os
import shlex
import sys
from typing import List, Optional

from .errors import AnalysisError

PROG = "python3 -m analysis"
FIGURE_COMMANDS = ("heatmap", "rethreshold", "report", "theory", "budget", "convergence",
                   "scaling")
EXIT_ERROR = 1
EXIT_INCONSISTENT = 3


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {v}")
    return v


def _nonneg_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= v < float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0: {text}")
    return v


def _pos_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text}")
    return v


def _pos_int(text: str) -> int:
    v = _nonneg_int(text)
    if v == 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return v


def figure_opts(sp) -> None:
    from .figstyle import DEFAULT_CMAP, DEFAULT_DPI
    sp.add_argument("--format", default="png", metavar="LIST",
                    help="figure formats, comma-separated from png, pdf, svg (default png; "
                         "report always writes PNG too, for report.md/html)")
    sp.add_argument("--dpi", type=_pos_int, default=DEFAULT_DPI, metavar="N",
                    help=f"resolution of PNG figures (default {DEFAULT_DPI})")
    sp.add_argument("--cmap", default=DEFAULT_CMAP, metavar="NAME",
                    help=f"matplotlib colour map of the heatmaps (default {DEFAULT_CMAP}, "
                         "perceptually uniform; 'jet' gives the paper's look)")


def robust_opts(sp, default_reps: int) -> None:
    sp.add_argument("--bootstrap", type=_nonneg_int, default=default_reps, metavar="N",
                    help="replicates of the bootstrap over datasets (0: none; default "
                         f"{default_reps})")
    sp.add_argument("--seed", type=_nonneg_int, default=1, metavar="S",
                    help="seed of the bootstrap (default 1): the same seed gives the same "
                         "interval")


def prog_name() -> str:
    """How the user called us: the launcher's name, or python3 -m analysis."""
    base = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "ovsweep-analysis" if base == "ovsweep-analysis" else PROG


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog_name(), description="Post-hoc analysis of ovsweep "
                                "HDF5 sweep files (read-only; never re-trains).")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def common(sp, tol_required=False, many=False):
        if many:
            sp.add_argument("files", metavar="FILE", nargs="+",
                            help="ovsweep HDF5 sweep file(s); with several, a table of the "
                                 "transition width against n pools their groups")
        else:
            sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
        sp.add_argument("--tol", type=_pos_float, required=tol_required, metavar="X",
                        help="success threshold on ||f-y||/||y||: a rung of the file's "
                             "tol_ladder (default: the file's tol)")
        sp.add_argument("--budget", type=_nonneg_int, metavar="N",
                        help="iteration budget <= max_iter: success iff 0 <= ladder_hit_iter <= N "
                             "(default: max_iter)")

    def fit_opts(sp):
        sp.add_argument("--link", choices=("logit", "probit"), default="logit",
                        help="link of the boundary fit (default logit)")
        sp.add_argument("--effective", action="store_true",
                        help="use the effective parameter count 2*floor(k/2)*d instead of kd")

    sp = sub.add_parser("heatmap", help="Figure-2-style success heatmaps (PNG)",
                        description="One PNG per (n, activation) group plus heatmap_all.png "
                                    "(columns n, rows activation).")
    common(sp)
    fit_opts(sp)
    sp.add_argument("-o", "--outdir", default=".", metavar="DIR",
                    help="output directory (default: current directory)")
    sp.add_argument("--no-fit", action="store_true", help="do not overlay the fitted 50%% curve "
                    "(it is drawn only when its 95%% interval is bounded and inside the data)")
    figure_opts(sp)
    sp.add_argument("--theory", action="store_true",
                    help="overlay the paper's sufficient conditions with constant C = 1 (shape "
                         "only): sqrt(kd) = n (Cor. 2.2, smooth), sqrt(kd) = n^2/d (Cor. 2.4, "
                         "ReLU), and k = n for rf groups")

    sp = sub.add_parser("boundary", help="fit the 50%% success boundary in kd/n",
                        description="Per group: maximum-likelihood fit of link(P) = a + b "
                                    "log(kd/n) (log(k/n) for method rf), 50% point and 10-90% "
                                    "width (ratio and distance) with 95% profile-likelihood "
                                    "CIs, LR test against separate log k and log d terms, Wilson "
                                    "intervals per cell, midpoint per ladder rung; with several "
                                    "n per activation+method, the width against n. When "
                                    "the LR test rejects the kd/n-only model, also intervals "
                                    "that do not assume it: per-d fits and a bootstrap over "
                                    "datasets.")
    common(sp, many=True)
    fit_opts(sp)
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
    sp.add_argument("--robust", action="store_true",
                    help="give the model-free intervals (per-d fits, bootstrap) for every "
                         "group, not only where the LR test rejects the kd/n-only model")
    robust_opts(sp, 200)

    sp = sub.add_parser("budget", help="the 50%% point against the update budget: has the "
                        "boundary settled?",
                        description="Fits the 50% point at fractions of each group's budget "
                                    "(from ladder_hit_iter, no re-training) and warns when it "
                                    "still moves, over the last third of the budget, by more "
                                    "than its 95% interval.")
    sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
    sp.add_argument("--tol", type=_pos_float, metavar="X",
                    help="success threshold: a rung of the tol_ladder (default: the file's tol)")
    sp.add_argument("--fractions", default="1/3,1/2,2/3,1", metavar="LIST",
                    help="fractions of the budget for the table (default 1/3,1/2,2/3,1)")
    fit_opts(sp)
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON")
    sp.add_argument("-o", "--outdir", metavar="DIR",
                    help="also write DIR/boundary_vs_budget.png (and the other --format files)")
    figure_opts(sp)

    sp = sub.add_parser("export", help="the per-trial table as CSV (and the whole file as "
                        "netCDF) for other tools",
                        description="One row per finished trial of every group: group, n, "
                                    "activation, method, k, d, trial, kd, kd_over_n, eta, "
                                    "max_iter, tol, done, success, diverged, iterations, "
                                    "final_rel_err, ..., hit_<rung> (update at which the rung "
                                    "was first reached; empty if never).")
    sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
    sp.add_argument("--csv", metavar="OUT", help="write the per-trial CSV to OUT ('-': stdout)")
    sp.add_argument("--netcdf", metavar="OUT",
                    help="write analysis.load()'s xarray Dataset as netCDF-4 to OUT")
    sp.add_argument("--all-trials", action="store_true",
                    help="one row per planned trial, unfinished ones with done = False")

    sp = sub.add_parser("rethreshold", help="heatmaps for another tolerance rung / smaller budget",
                        description="Recompute success from ladder_hit_iter (no re-training), "
                                    "print text heatmaps, write PNGs, and check that the stored "
                                    "success_count equals the recomputed one at the file's own "
                                    "tol and max_iter (exit 3 if not).")
    common(sp)
    sp.add_argument("-o", "--outdir", default=".", metavar="DIR",
                    help="output directory for PNGs (default: current directory)")
    sp.add_argument("--no-plots", action="store_true", help="text output only")
    figure_opts(sp)

    sp = sub.add_parser("simulate", help="predict the dispatcher's makespan at other rank counts",
                        description="Replays src/sweep.c's dispatch policy on the measured "
                                    "per-trial wall times of a finished sweep.")
    sp.add_argument("file", metavar="FILE", help="finished ovsweep HDF5 sweep file")
    sp.add_argument("--ranks", default="64,256,1024", metavar="LIST",
                    help="comma-separated rank counts (default 64,256,1024)")
    sp.add_argument("--checkpoint-every", type=_pos_float, default=60.0, metavar="SEC",
                    help="seconds between checkpoints, as ovsweep's --checkpoint-every "
                         "(default 60)")
    sp.add_argument("--checkpoint-seconds", type=_nonneg_float, default=0.2, metavar="SEC",
                    help="cost of one checkpoint write (default 0.2, measured on the full grid)")

    sp = sub.add_parser("theory", help="compare the runs with the paper's theory (PNGs + "
                        "theory.md)",
                        description="Distance from init against sqrt(n) (eq. 2.5), geometric "
                                    "rate per update against d/n (eq. 2.4), the data/Jacobian "
                                    "diagnostics (x_norm, kr_sigma_min, nn_lambda, "
                                    "jac_sigma_min) when the file has them, and heatmaps with "
                                    "the sufficient-condition curves. Without diagnostics the "
                                    "parts that need them are skipped (and listed as skipped).")
    sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
    sp.add_argument("-o", "--outdir", required=True, metavar="DIR", help="output directory")
    sp.add_argument("--require-diagnostics", action="store_true",
                    help="fail (exit 1) if the file has no diagnostics datasets")
    figure_opts(sp)

    sp = sub.add_parser("compare", help="two sweeps of the same grid, trial by trial",
                        description="Which success decisions differ between two files of the "
                                    "same grid (groups, k, d, trials, seed, eta, max_iter, tol), "
                                    "over the trials finished in both; also how many iteration "
                                    "counts and distances from init are bit-equal. For checking "
                                    "that another engine, kernel or machine leaves the outcome "
                                    "alone. An adaptive file against a grid file (either "
                                    "order): the protocols must match except design, batch, "
                                    "target_ci and max_trainings; every trial in both must be "
                                    "bit-identical (exit 3 if not); per row, whether the "
                                    "adaptive midpoint lies in the grid's per-d fit interval "
                                    "and is narrower; trainings and core-seconds of each.")
    sp.add_argument("file_a", metavar="A", help="ovsweep HDF5 sweep file")
    sp.add_argument("file_b", metavar="B", help="ovsweep HDF5 sweep file of the same grid")
    sp.add_argument("--list", type=_nonneg_int, default=20, metavar="N",
                    help="list at most N differing trials per group (default 20)")
    sp.add_argument("--json", action="store_true",
                    help="print machine-readable JSON (adaptive against grid)")
    sp.add_argument("--link", choices=("logit", "probit"), default="logit",
                    help="link of the grid's per-d fits (adaptive against grid; default logit)")

    sp = sub.add_parser("convergence", help="adaptive file: row interval half-width against "
                        "trainings", description="Per group, the half-width of each row's 95% "
                        "interval of the 50% point (kd/n, from the per-round history) against "
                        "the group's trainings, with the design's target_ci; writes "
                        "DIR/convergence.png and prints the first and last half-width per row.")
    sp.add_argument("file", metavar="FILE", help="adaptive ovsweep HDF5 file")
    sp.add_argument("-o", "--outdir", default=".", metavar="DIR",
                    help="output directory (default: current directory)")
    figure_opts(sp)

    sp = sub.add_parser("scaling", help="the 50%% point against n over many files (the large-n "
                        "study)", description="One row per (n, activation, reading, budget, "
                        "eta rule, d) of all FILEs: the per-row 50% point in kd/n with its 95% "
                        "interval, the 10-90% width, trainings and core-seconds, under the "
                        "stated and the squared reading of the criterion (from the tolerance "
                        "ladder), at the run's budget and at 15000 where a run went further. "
                        "Then mu(n) = mu_inf + a n^-b per series with three or more n, with a "
                        "bootstrap interval for mu_inf. Last, where two files hold the same groups under "
                        "different step rules (--eta), their updates to success trial by trial.")
    sp.add_argument("files", metavar="FILE", nargs="+", help="ovsweep HDF5 sweep files")
    sp.add_argument("--csv", metavar="OUT", help="write the rows as CSV")
    sp.add_argument("--figure", metavar="PNG", help="write the 50%% point against n")
    sp.add_argument("--json", action="store_true", help="print the rows and fits as JSON")
    sp.add_argument("--link", choices=("logit", "probit"), default="logit",
                    help="link of the per-row fits (default logit)")
    robust_opts(sp, 200)
    figure_opts(sp)

    sp = sub.add_parser("report", help="the answer, all figures and tables: report.md and a "
                        "self-contained report.html",
                        description="Opens with one line per group (the 50% point in kd/n, "
                                    "its interval, its move under the squared reading, whether "
                                    "it settled within the budget); then heatmaps, Figure 2 "
                                    "under both readings, the boundary against budget and "
                                    "tolerance, intervals without the kd/n-only model, tables "
                                    "(txt/json/csv); the configuration last. report.html embeds "
                                    "the figures.")
    sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
    sp.add_argument("-o", "--outdir", required=True, metavar="DIR", help="output directory")
    fit_opts(sp)
    robust_opts(sp, 200)
    figure_opts(sp)
    return p


def cmd_heatmap(args) -> int:
    from . import boundary, heatmap
    from .io import load_sweep
    from .outcomes import outcomes
    sweep = load_sweep(args.file)
    panels = []
    for g in sweep.groups:
        outc = outcomes(g, args.tol, args.budget)
        fit = None
        if not args.no_fit:
            fit = boundary.analyze_group(g, outc.tol, outc.budget, args.link, args.effective,
                                         ladder=False)["fit"]
        panels.append((g, outc, fit))
    written, drawn_notes = heatmap.write_heatmaps(sweep, args.outdir, panels,
                                                  effective=args.effective, theory=args.theory)
    print(f"{sweep.path}: {sweep.status_line()}")
    for (g, outc, fit), path in zip(panels, written):
        mid = boundary.midpoint_text(fit) if fit else "-"
        var = boundary.variable_name(g, args.effective)
        notrun = f"; {g.n_unplanned} cells not run" if g.n_unplanned else ""
        print(f"{g.name}: {int(outc.success_count.sum())}/{int(outc.trials_done.sum())} trials "
              f"succeeded (tol {outc.tol:g}, budget {outc.budget}); 50% {var}/n {mid}"
              f"{notrun}; wrote {_formats(path)}")
        for note in (fit["notes"] if fit else []) + drawn_notes[g.name]:
            print(f"  note: {note}")
    print(f"wrote {_formats(written[-1])}")
    return 0


def _formats(path: str) -> str:
    """'heatmap_x.png' or 'heatmap_x.{png,pdf}' when several formats are written."""
    from . import figstyle
    fmts = figstyle.current().formats
    if len(fmts) == 1:
        return path
    return os.path.splitext(path)[0] + ".{" + ",".join(fmts) + "}"


def cmd_boundary(args) -> int:
    from . import boundary
    from .io import load_sweep
    sweeps = [load_sweep(path) for path in args.files]
    result = boundary.analyze_many(sweeps, args.tol, args.budget, args.link, args.effective,
                                   robust="always" if args.robust else "auto",
                                   bootstrap=args.bootstrap, seed=args.seed)
    print(boundary.to_json(result) if args.json else boundary.format_many(result))
    return 0


def cmd_budget(args) -> int:
    from . import budget
    from .io import load_sweep
    sweep = load_sweep(args.file)
    fractions = budget.parse_fractions(args.fractions)
    result = budget.analyze(sweep, args.tol, args.link, args.effective, fractions)
    if args.json:
        from .boundary import to_json
        print(to_json(result))
    else:
        print(budget.format_text(result))
    if args.outdir:
        os.makedirs(args.outdir, exist_ok=True)
        path = budget.plot(result, os.path.join(args.outdir, "boundary_vs_budget.png"))
        if not args.json:
            print(f"wrote {_formats(path)}")
    return 0


def _refuse_inputs_as_outputs(outputs, inputs) -> None:
    """An output path that is one of the input sweep files would replace the sweep (hours of
    trainings) with a table or a figure: refuse it before anything is read or written."""
    for out in outputs:
        if not out or out == "-" or not os.path.exists(out):
            continue
        for path in inputs:
            if os.path.exists(path) and os.path.samefile(out, path):
                raise AnalysisError(f"{out}: is the input file {path}; name another output "
                                    "(analysis never writes its input)")


def cmd_export(args) -> int:
    from . import dataset
    from .io import load_sweep
    if not args.csv and not args.netcdf:
        raise AnalysisError("export: name an output with --csv OUT and/or --netcdf OUT")
    _refuse_inputs_as_outputs([args.csv, args.netcdf], [args.file])
    sweep = load_sweep(args.file)
    if args.csv == "-":
        dataset.export_csv(sweep, sys.stdout, args.all_trials)
    elif args.csv:
        rows = dataset.export_csv(sweep, args.csv, args.all_trials)
        print(f"wrote {args.csv}: {rows} trials ({sweep.status_line()})")
    if args.netcdf:
        command = " ".join(shlex.quote(str(a)) for a in
                           ["python3", "-m", "analysis", "export", args.file]
                           + (["--csv", args.csv] if args.csv else [])
                           + ["--netcdf", args.netcdf]
                           + (["--all-trials"] if args.all_trials else []))
        dataset.export_netcdf(sweep, args.netcdf, command)
        if args.csv != "-":
            print(f"wrote {args.netcdf}")
    return 0


def cmd_rethreshold(args) -> int:
    from . import rethreshold
    from .io import load_sweep
    sweep = load_sweep(args.file)
    outs = rethreshold.rethreshold(sweep, args.tol, args.budget)
    print(f"{sweep.path}: {sweep.status_line()}")
    print(rethreshold.TEXT_LEGEND)
    for g, o in zip(sweep.groups, outs):
        print()
        print(rethreshold.text_heatmap(g, o))
        print(f"  stored at tol={g.tol:g}, max_iter={g.max_iter}: "
              f"{int(g.success_count.sum())} successes; recomputed here: "
              f"{int(o.success_count.sum())} (source: {o.source})")
    if not args.no_plots:
        from . import boundary, heatmap
        panels = []
        for g, o in zip(sweep.groups, outs):
            fit = boundary.analyze_group(g, o.tol, o.budget, ladder=False)["fit"]
            panels.append((g, o, fit))
        print()
        written, _ = heatmap.write_heatmaps(sweep, args.outdir, panels)
        for path in written:
            print(f"wrote {_formats(path)}")
    print()
    bad = 0
    for name, problem in rethreshold.consistency(sweep).items():
        if problem is None:
            print(f"check {name}: success_count recomputed at the file's tol and max_iter equals "
                  "the stored one exactly")
        else:
            bad += 1
            print(f"check {name}: MISMATCH: {problem}", file=sys.stderr)
    return EXIT_INCONSISTENT if bad else 0


def cmd_report(args) -> int:
    from . import report
    from .io import load_sweep
    sweep = load_sweep(args.file)
    path = report.write_report(sweep, args.outdir, args.link, args.effective, args.bootstrap,
                               args.seed)
    print(f"{sweep.path}: {sweep.status_line()}")
    html = os.path.join(os.path.dirname(path), "report.html")
    print(f"wrote {path} and {html} (figures and tables in {os.path.dirname(path) or '.'})")
    return 0


def cmd_theory(args) -> int:
    from . import theory
    from .io import load_sweep
    sweep = load_sweep(args.file)
    if args.require_diagnostics and not any(g.has_diagnostics for g in sweep.groups):
        raise AnalysisError(f"{sweep.path}: no diagnostics datasets (root attribute diagnostics "
                            f"= {int(sweep.diagnostics)}; rerun the sweep with diagnostics on)")
    res = theory.write_theory(sweep, args.outdir)
    print(f"{sweep.path}: {sweep.status_line()}")
    for line in res["skipped"]:
        print(f"skipped: {line}")
    print(f"wrote {res['markdown']} and {len(res['figures'])} figure(s) in {args.outdir}")
    return 0


def cmd_simulate(args) -> int:
    from . import simulate
    from .io import load_sweep
    sweep = load_sweep(args.file)
    try:
        ranks = [int(x) for x in args.ranks.split(",")]
    except ValueError:
        raise AnalysisError(f"--ranks: not a list of integers: {args.ranks!r}") from None
    costs, durations = simulate.items_from_sweep(sweep)
    results = [simulate.simulate(costs, durations, r, args.checkpoint_every,
                                 args.checkpoint_seconds) for r in ranks]
    print(f"{sweep.path}: {sweep.status_line()}")
    print(simulate.format_table(results, float(durations.sum())))
    return 0


def cmd_compare(args) -> int:
    from . import compare
    from .io import load_sweep
    a, b = load_sweep(args.file_a), load_sweep(args.file_b)
    if "adaptive" in (a.design, b.design) and a.design != b.design:
        return _compare_adaptive(a, b, args)
    if args.json:
        raise AnalysisError("compare --json: only for an adaptive file against a grid file")
    print(compare.format_table(a, b, compare.compare(a, b), args.list))
    return 0


def _compare_adaptive(a, b, args) -> int:
    from . import adcompare
    from .boundary import to_json
    ad, grid = (a, b) if a.design == "adaptive" else (b, a)
    res = adcompare.compare(ad, grid, args.link, args.list)
    print(to_json(res) if args.json else adcompare.format_text(res))
    if not res["identical"]:
        print("analysis: trials present in both files differ (see 'trial identity')",
              file=sys.stderr)
        return EXIT_INCONSISTENT
    return 0


def cmd_convergence(args) -> int:
    from . import convergence
    from .io import load_sweep
    sweep = load_sweep(args.file)
    rows = convergence.table(sweep)
    os.makedirs(args.outdir, exist_ok=True)
    path, notes = convergence.plot(sweep, os.path.join(args.outdir, "convergence.png"))
    print(f"{sweep.path}: {sweep.status_line()}")
    print(convergence.format_text(rows))
    for note in notes:
        print(f"  note: {note}")
    print(f"wrote {_formats(path)}")
    return 0


def cmd_scaling(args) -> int:
    from . import scaling, steppairs
    from .boundary import to_json
    from .figstyle import siblings
    from .io import load_sweep
    _refuse_inputs_as_outputs([args.csv] + (siblings(args.figure) if args.figure else []),
                              args.files)
    sweeps = [load_sweep(f) for f in args.files]
    rows = scaling.study_rows(sweeps, args.link)
    trends = scaling.fit_trends(rows, args.link, args.bootstrap, args.seed)
    pairs = steppairs.step_pairs(sweeps)
    if args.csv:
        scaling.write_csv(rows, args.csv)
    if args.json:
        print(to_json({"rows": [{k: v for k, v in r.items() if not k.startswith("_")}
                                for r in rows], "trends": trends, "step_pairs": pairs}))
    else:
        print(scaling.format_text(rows, trends))
        print("\n" + steppairs.format_text(pairs))
    if args.csv:
        print(f"wrote {args.csv}", file=sys.stderr if args.json else sys.stdout)
    if args.figure:
        path = scaling.plot(rows, args.figure)
        print(f"wrote {_formats(path)}", file=sys.stderr if args.json else sys.stdout)
    return 0


COMMANDS = {"convergence": cmd_convergence, "scaling": cmd_scaling, "heatmap": cmd_heatmap, "boundary": cmd_boundary, "rethreshold": cmd_rethreshold,
            "report": cmd_report, "simulate": cmd_simulate, "theory": cmd_theory,
            "compare": cmd_compare, "budget": cmd_budget, "export": cmd_export}


def _apply_style(args) -> None:
    from . import figstyle
    if args.command in FIGURE_COMMANDS:
        figstyle.use(figstyle.Style(formats=figstyle.parse_formats(args.format), dpi=args.dpi,
                                    cmap=figstyle.check_cmap(args.cmap)))


def _os_error_text(exc: OSError) -> str:
    """'PATH: reason' on one line (h5py and pandas put more lines, or no path, in theirs)."""
    reason = exc.strerror or (str(exc).splitlines() or [type(exc).__name__])[0]
    return f"{exc.filename}: {reason}" if exc.filename else reason


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _apply_style(args)
        return COMMANDS[args.command](args)
    except AnalysisError as exc:
        print(f"analysis: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        # An output the system refuses (-o naming a file, a directory that does not exist or
        # cannot be written, a full disk): a user's error, so one line, not a traceback.
        print(f"analysis: error: {_os_error_text(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. piped into head
        return 0
