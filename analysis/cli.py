"""Command line: python3 -m analysis {heatmap,boundary,rethreshold,report,simulate,theory,compare}
FILE ...

Every command reads the file only. A missing file, a non-HDF5 file, a foreign HDF5 file (root
attribute ovsweep_format != "ovsweep-sweep") or an invalid option value gives a one-line
"analysis: error: ..." on stderr and exit status 1 (argparse usage errors exit 2). rethreshold
exits 3 if the stored success_count disagrees with the one recomputed from ladder_hit_iter.
"""

import argparse
import os
import sys
from typing import List, Optional

from .errors import AnalysisError

PROG = "python3 -m analysis"
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


def _pos_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text}")
    return v


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=PROG, description="Post-hoc analysis of ovsweep HDF5 sweep "
                                "files (read-only; never re-trains).")
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
    sp.add_argument("--no-fit", action="store_true", help="do not overlay the fitted 50%% curve")
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
                                    "n per activation+method, the width against n.")
    common(sp, many=True)
    fit_opts(sp)
    sp.add_argument("--json", action="store_true", help="print machine-readable JSON")

    sp = sub.add_parser("rethreshold", help="heatmaps for another tolerance rung / smaller budget",
                        description="Recompute success from ladder_hit_iter (no re-training), "
                                    "print text heatmaps, write PNGs, and check that the stored "
                                    "success_count equals the recomputed one at the file's own "
                                    "tol and max_iter (exit 3 if not).")
    common(sp)
    sp.add_argument("-o", "--outdir", default=".", metavar="DIR",
                    help="output directory for PNGs (default: current directory)")
    sp.add_argument("--no-plots", action="store_true", help="text output only")

    sp = sub.add_parser("simulate", help="predict the dispatcher's makespan at other rank counts",
                        description="Replays src/sweep.c's dispatch policy on the measured "
                                    "per-trial wall times of a finished sweep.")
    sp.add_argument("file", metavar="FILE", help="finished ovsweep HDF5 sweep file")
    sp.add_argument("--ranks", default="64,256,1024", metavar="LIST",
                    help="comma-separated rank counts (default 64,256,1024)")
    sp.add_argument("--checkpoint-every", type=_pos_float, default=60.0, metavar="SEC")
    sp.add_argument("--checkpoint-seconds", type=float, default=0.2, metavar="SEC",
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

    sp = sub.add_parser("compare", help="two sweeps of the same grid, trial by trial",
                        description="Which success decisions differ between two files of the "
                                    "same grid (groups, k, d, trials, seed, eta, max_iter, tol), "
                                    "over the trials finished in both; also how many iteration "
                                    "counts and distances from init are bit-equal. For checking "
                                    "that another engine, kernel or machine leaves the outcome "
                                    "alone.")
    sp.add_argument("file_a", metavar="A", help="ovsweep HDF5 sweep file")
    sp.add_argument("file_b", metavar="B", help="ovsweep HDF5 sweep file of the same grid")
    sp.add_argument("--list", type=_nonneg_int, default=20, metavar="N",
                    help="list at most N differing trials per group (default 20)")

    sp = sub.add_parser("report", help="all figures and tables plus report.md",
                        description="Writes heatmaps, Figure 2 under the stated and the squared "
                                    "reading of the criterion, boundary tables (txt/json), "
                                    "per-cell CSVs and DIR/report.md.")
    sp.add_argument("file", metavar="FILE", help="ovsweep HDF5 sweep file")
    sp.add_argument("-o", "--outdir", required=True, metavar="DIR", help="output directory")
    fit_opts(sp)
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
    written = heatmap.write_heatmaps(sweep, args.outdir, panels, effective=args.effective,
                                     theory=args.theory)
    print(f"{sweep.path}: {sweep.status_line()}")
    for (g, outc, fit), path in zip(panels, written):
        mid = boundary.midpoint_text(fit, with_ci=False) if fit else "-"
        var = boundary.variable_name(g, args.effective)
        notrun = f"; {g.n_unplanned} cells not run" if g.n_unplanned else ""
        print(f"{g.name}: {int(outc.success_count.sum())}/{int(outc.trials_done.sum())} trials "
              f"succeeded (tol {outc.tol:g}, budget {outc.budget}); 50% {var}/n {mid}"
              f"{notrun}; wrote {path}")
    print(f"wrote {written[-1]}")
    return 0


def cmd_boundary(args) -> int:
    from . import boundary
    from .io import load_sweep
    sweeps = [load_sweep(path) for path in args.files]
    result = boundary.analyze_many(sweeps, args.tol, args.budget, args.link, args.effective)
    print(boundary.to_json(result) if args.json else boundary.format_many(result))
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
        for path in heatmap.write_heatmaps(sweep, args.outdir, panels):
            print(f"wrote {path}")
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
    path = report.write_report(sweep, args.outdir, args.link, args.effective)
    print(f"{sweep.path}: {sweep.status_line()}")
    print(f"wrote {path} (figures and tables in {os.path.dirname(path) or '.'})")
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
    print(compare.format_table(a, b, compare.compare(a, b), args.list))
    return 0


COMMANDS = {"heatmap": cmd_heatmap, "boundary": cmd_boundary, "rethreshold": cmd_rethreshold,
            "report": cmd_report, "simulate": cmd_simulate, "theory": cmd_theory,
            "compare": cmd_compare}


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except AnalysisError as exc:
        print(f"analysis: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # e.g. piped into head
        return 0
