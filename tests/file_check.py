"""file_check.py REF.txt FILE.h5 [--partial | --partial-cell]

Holds an ovsweep file to the in-process reference of the same command line (REF.txt, written
by build/reference_run): every per-trial dataset of every group equals the reference's value
of that field, by name, exactly (same machine, same code), so that a value written to the
wrong dataset fails; trials not done hold the fill values; the cell summaries and root counts
are recomputed here from the reference and the `done` mask; and the invariants hold:
path_length >= dist_from_init, success implies final_rel_err < tol, diverged or
early_stopped trials are failures, a plain failure ran its whole budget.

--partial: the file must be an interrupted one (0 < trials_done < trials_total).
--partial-cell: also holding a cell with 0 < trials_done < trials and a success in it, where
success_prob = success_count / trials_done differs from success_count / trials.
Prints one line and exits 0 if everything holds, else names the first problem and exits 1.
"""
import sys

import h5py
import numpy as np

FILL = {"success": -1, "diverged": 0, "early_stopped": 0, "iterations": -1}
DIAGNOSTICS = ("x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err")
CELL = ("success_prob", "success_count", "trials_done", "planned")
SCALES = ("k", "d", "trial", "tol_ladder")


class Mismatch(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Mismatch(msg)


def read_reference(path):
    """{group: [record dict]} and the field names, from reference_run's output."""
    names, groups = None, {}
    for line in open(path):
        parts = line.split()
        if line.startswith("#"):
            names = parts[1:]
            continue
        rec = {}
        for nm, txt in zip(names, parts):
            if nm == "group":
                rec[nm] = txt
            elif nm == "ladder_hit_iter":
                rec[nm] = [int(x) for x in txt.split(",")]
            elif nm in FILL or nm in ("k", "d", "trial"):
                rec[nm] = int(txt)
            else:
                rec[nm] = float.fromhex(txt) if txt != "nan" else float("nan")
        groups.setdefault(rec["group"], []).append(rec)
    return groups, [nm for nm in names if nm not in ("group", "k", "d", "trial")]


def differing(a, b):
    """How many elements of two arrays of one shape differ (NaN equals NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    eq = a == b
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        eq |= np.isnan(a.astype(float)) & np.isnan(b.astype(float))
    return int((~eq).sum())


def same(a, b):
    """Equal arrays, NaN equal to NaN."""
    return np.shape(a) == np.shape(b) and differing(a, b) == 0


def expected_arrays(g, recs, fields, T, L):
    """The reference as [K][D][T] arrays in the file's index order, and its planned mask."""
    kidx = {int(k): i for i, k in enumerate(g["k"][:])}
    didx = {int(d): i for i, d in enumerate(g["d"][:])}
    K, D = len(kidx), len(didx)
    want = {nm: np.full((K, D, T), FILL.get(nm, np.nan)) for nm in fields
            if nm != "ladder_hit_iter"}
    want["ladder_hit_iter"] = np.full((K, D, T, L), -1)
    planned = np.zeros((K, D, T), bool)
    for r in recs:
        i = (kidx[r["k"]], didx[r["d"]], r["trial"])
        planned[i] = True
        for nm in fields:
            want[nm][i] = r[nm]
    return want, planned


def check_trials(name, g, want, planned, done, diagnostics):
    present = {nm for nm in g if nm not in CELL + SCALES}
    fields = set(want) - (set() if diagnostics else set(DIAGNOSTICS))
    need(present == fields | {"done", "wall_seconds"},
         f"{name}: per-trial datasets {sorted(present ^ (fields | {'done', 'wall_seconds'}))} "
         "unexpected or missing")
    need(not (done & ~planned).any(), f"{name}: a trial outside the plan is marked done")
    for nm in sorted(fields):
        have = g[nm][:]
        w = want[nm].astype(have.dtype) if nm in FILL or nm == "ladder_hit_iter" else want[nm]
        bad = differing(have[done], w[done])
        need(bad == 0, f"{name}/{nm}: differs from the in-process run in {bad} done trial(s)")
        fill = FILL.get(nm, -1 if nm == "ladder_hit_iter" else np.nan)
        need(same(have[~done], np.full(have[~done].shape, fill, have.dtype)),
             f"{name}/{nm}: trials not done do not hold the fill value {fill}")
    wall = g["wall_seconds"][:]
    need(bool(np.all(wall[done] >= 0)) and bool(np.isnan(wall[~done]).all()),
         f"{name}/wall_seconds: not a time on done trials or not NaN elsewhere")


def check_cells(name, g, want, planned, done):
    succ = (want["success"] == 1) & done
    count, tdone = succ.sum(axis=2), done.sum(axis=2)
    need(same(g["success_count"][:], count), f"{name}/success_count != successes of done trials")
    need(same(g["trials_done"][:], tdone), f"{name}/trials_done != done trials per cell")
    prob = np.where(tdone > 0, count / np.maximum(tdone, 1), np.nan)
    need(same(g["success_prob"][:], prob), f"{name}/success_prob != success_count / trials_done")
    need(same(g["planned"][:].astype(bool), planned.any(axis=2)),
         f"{name}/planned != the plan's cells")
    return count, tdone


def check_invariants(name, g, done):
    tol, max_iter = float(g.attrs["tol"]), int(g.attrs["max_iter"])
    flag = {nm: g[nm][:].astype(bool) & done for nm in ("success", "diverged", "early_stopped")}
    s = flag["success"]
    err, it = g["final_rel_err"][:], g["iterations"][:]
    dist, path = g["dist_from_init"][:][done], g["path_length"][:][done]
    fin = np.isfinite(dist) & np.isfinite(path)
    need(bool(np.all(path[fin] >= dist[fin] * (1 - 1e-12))),
         f"{name}: path_length < dist_from_init")
    need(bool(np.all(err[s] < tol)), f"{name}: a success with final_rel_err >= tol")
    need(not (s & (flag["diverged"] | flag["early_stopped"])).any(),
         f"{name}: a success flagged diverged or early_stopped")
    plain = done & ~s & ~flag["diverged"] & ~flag["early_stopped"]
    budget = 0 if str(g.attrs["method"]) == "rf" else max_iter
    need(bool(np.all(it[plain] == budget)),
         f"{name}: a plain failure did not run its budget ({budget})")
    need(bool(np.all((it[done] >= 0) & (it[done] <= max_iter))),
         f"{name}: iterations out of range")


def check(ref_path, path, partial, partial_cell):
    ref, fields = read_reference(ref_path)
    f = h5py.File(path, "r")
    groups = str(f.attrs["groups"]).split(",")
    need(sorted(groups) == sorted(ref), f"groups {groups} != the reference's {sorted(ref)}")
    T, L = int(f.attrs["trials"]), len(f.attrs["tol_ladder"])
    diagnostics = bool(f.attrs["diagnostics"])
    total = ndone = 0
    distinguishing = False
    for name in groups:
        g = f[name]
        want, planned = expected_arrays(g, ref[name], fields, T, L)
        done = g["done"][:].astype(bool)
        check_trials(name, g, want, planned, done, diagnostics)
        count, tdone = check_cells(name, g, want, planned, done)
        check_invariants(name, g, done)
        distinguishing |= bool(((tdone > 0) & (tdone < T) & (count > 0)).any())
        total += int(planned.sum())
        ndone += int(done.sum())
    need(int(f.attrs["trials_total"]) == total,
         f"trials_total {f.attrs['trials_total']} != {total}")
    need(int(f.attrs["trials_done"]) == ndone, f"trials_done {f.attrs['trials_done']} != {ndone}")
    need(int(f.attrs["complete"]) == int(ndone == total), "complete flag wrong")
    if partial or partial_cell:
        need(0 < ndone < total, f"not a partial file: {ndone} of {total} trials done")
        need(distinguishing or not partial_cell,
             "no cell with 0 < trials_done < trials and a success: the partial file cannot "
             "tell success_count / trials_done from success_count / trials")
    else:
        need(ndone == total, f"{ndone} of {total} trials done in a finished sweep")
    return ndone, total


def main(argv):
    opts = argv[3:]
    if len(argv) < 3 or len(opts) > 1 or not set(opts) <= {"--partial", "--partial-cell"}:
        sys.exit(__doc__)
    try:
        ndone, total = check(argv[1], argv[2], "--partial" in opts, "--partial-cell" in opts)
    except Mismatch as e:
        print(f"file_check: {argv[2]}: {e}")
        return 1
    print(f"file_check: ok: {argv[2]}: {ndone} of {total} trials, every dataset as in-process")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
