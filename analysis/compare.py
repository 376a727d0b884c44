"""Compare two sweeps of the same grid trial by trial: which success decisions differ.

For checking that a change of engine (another kernel, another summation order, another
machine) leaves the protocol's outcome alone, as docs/BENCHMARKS.md does for each kernel
change. Trials are matched by (group, k, d, trial), by value: the two files may list k and d in
other orders; only trials finished in both files count.
"""

from typing import Dict, List

import numpy as np

from .errors import AnalysisError
from .io import AXES, Sweep, cells_in_order_of, same_axes, same_setting

# Root/group settings that must agree for a trial-by-trial comparison to mean anything.
_SAME_ROOT = ("k_values", "d_values", "trials", "seed", "data", "labels")
_SAME_GROUP = ("n", "activation", "method", "eta", "eta_auto", "max_iter", "tol")


def _short(value) -> str:
    arr = np.asarray(value)
    if arr.ndim == 1 and arr.size > 4:
        return f"{arr.size} values {arr[0]}..{arr[-1]}"
    return " ".join(str(value).split())


def _check_same_grid(a: Sweep, b: Sweep) -> None:
    for key in _SAME_ROOT:
        va, vb = a.attr(key), b.attr(key)
        same = same_axes(va, vb) if key in AXES else np.array_equal(np.asarray(va),
                                                                   np.asarray(vb))
        if not same:
            raise AnalysisError(f"{a.path} and {b.path} differ in {key} ({_short(va)} vs "
                                f"{_short(vb)}): not the same grid")
    names_a = [g.name for g in a.groups]
    names_b = [g.name for g in b.groups]
    if names_a != names_b:
        raise AnalysisError(f"{a.path} and {b.path} have different groups ({','.join(names_a)} "
                            f"vs {','.join(names_b)})")
    for ga, gb in zip(a.groups, b.groups):
        for key in _SAME_GROUP:
            if not same_setting(getattr(ga, key), getattr(gb, key)):
                hint = "; `analysis scaling A B` pairs the trials of two step rules" \
                    if key in ("eta", "eta_auto") else ""
                raise AnalysisError(f"{a.path} and {b.path} differ in {ga.name}.{key} "
                                    f"({getattr(ga, key)} vs {getattr(gb, key)}){hint}")


def _trial(g, name):
    return g.trial_data.get(name)


def compare(a: Sweep, b: Sweep) -> List[Dict[str, object]]:
    """Per group: counts, and the (k, d, trial) of every decision that differs."""
    _check_same_grid(a, b)
    rows = []
    for ga, gb in zip(a.groups, b.groups):
        in_a = cells_in_order_of(ga, gb)
        both = ga.done.astype(bool) & in_a(gb.done).astype(bool)
        sa, sb = ga.success.astype(bool), in_a(gb.success).astype(bool)
        differ = both & (sa != sb)
        row = {"group": ga.name, "compared": int(both.sum()),
               "success_a": int((sa & both).sum()), "success_b": int((sb & both).sum()),
               "differ": int(differ.sum()), "lost": int((differ & sa).sum()),
               "gained": int((differ & sb).sum()), "trials": []}
        ia, ib = _trial(ga, "iterations"), in_a(_trial(gb, "iterations"))
        if ia is not None and ib is not None and both.any():
            row["iterations_equal"] = float((ia[both] == ib[both]).mean())
        da, db = _trial(ga, "dist_from_init"), in_a(_trial(gb, "dist_from_init"))
        if da is not None and db is not None and both.any():
            row["dist_from_init_equal"] = float((da[both] == db[both]).mean())
        va, vb = _trial(ga, "diverged"), in_a(_trial(gb, "diverged"))
        if va is not None and vb is not None:
            row["diverged_a"] = int((va.astype(bool) & both).sum())
            row["diverged_b"] = int((vb.astype(bool) & both).sum())
        ea, eb = _trial(ga, "final_rel_err"), in_a(_trial(gb, "final_rel_err"))
        for ki, di, t in zip(*np.nonzero(differ)):
            idx = (ki, di, t)
            row["trials"].append({
                "k": int(ga.k[ki]), "d": int(ga.d[di]), "trial": int(ga.trial[t]),
                "a": (bool(sa[idx]), None if ia is None else int(ia[idx]),
                      None if ea is None else float(ea[idx])),
                "b": (bool(sb[idx]), None if ib is None else int(ib[idx]),
                      None if eb is None else float(eb[idx]))})
        rows.append(row)
    return rows


def _outcome(o) -> str:
    ok, it, err = o
    text = "success" if ok else "failure"
    if it is not None:
        text += f" at {it}"
    if err is not None:
        text += f" (error {err:.3e})"
    return text


# The builds of the hand-written kernels that give the same bits (include/simd.h): the two
# with FMA; the baseline (CPUs without FMA, sanitizer builds) rounds multiply-adds twice.
_FMA_BUILDS = {"x86-64-v3", "x86-64-v4"}


def _rounding(s: Sweep):
    """(kernel, rounding class of its builds, text) of a file, or None where the file does not
    record its builds (written before round 32)."""
    builds = s.attr("kernel_builds")
    if builds is None:
        return None
    kernel = str(s.attr("kernel") or "simd")
    names = [b for b in str(builds).split(",") if b]
    cls = "fma" if names and set(names) <= _FMA_BUILDS else ",".join(sorted(names))
    compiler = s.attr("compiler")
    text = f"{kernel} kernels, builds {builds or 'none'}" + (f" ({compiler})" if compiler else "")
    cores = s.attr("openblas_cores")
    if kernel == "blas" and cores is not None:   # OpenBLAS's kernels round each their own way
        cls += "; openblas " + ",".join(sorted(c for c in str(cores).split(",") if c))
        text += f", OpenBLAS {cores or 'none'}"
    return (kernel, cls, text)


def engine_note(a: Sweep, b: Sweep):
    """One line where the two files' arithmetic differs by construction (another kernel, the
    baseline build against an FMA build, or with --kernel blas other OpenBLAS kernels), so that trial values may differ in the last
    bits; None where both record the same rounding or one records none."""
    ra, rb = _rounding(a), _rounding(b)
    if ra is None or rb is None or ra[:2] == rb[:2]:
        return None
    return (f"note: other arithmetic by construction (A {ra[2]}; B {rb[2]}): values may differ "
            f"in the last bits, decisions rarely")


def lambda_note(a: Sweep, b: Sweep):
    """One line where the files' step rule auto:C found lambda_max by different methods
    (root lambda_method: Lanczos since round 45, the power iteration before, which reads 3e-9
    to 1e-4 low): every auto trial's eta then differs in its last bits, and a trial that ends
    near the tolerance may decide the other way; None otherwise."""
    if not any(float(g.eta_auto or 0) > 0 for g in a.groups):
        return None
    ma, mb = str(a.attr("lambda_method")), str(b.attr("lambda_method"))
    if ma == mb:
        return None
    return (f"note: lambda_max by other methods (A {ma}; B {mb}): each auto trial's eta differs "
            f"in its last bits, so values differ and decisions near the tolerance may")


def format_table(a: Sweep, b: Sweep, rows, list_max: int) -> str:
    lines = [f"A = {a.path}: {a.status_line()}", f"B = {b.path}: {b.status_line()}"]
    for note in (engine_note(a, b), lambda_note(a, b)):
        if note:
            lines.append(note)
    total = differ = 0
    for r in rows:
        extra = ""
        if "iterations_equal" in r:
            extra += f"; iteration counts equal {100 * r['iterations_equal']:.2f}%"
        if "dist_from_init_equal" in r:
            extra += f"; dist_from_init bit-equal {100 * r['dist_from_init_equal']:.2f}%"
        if "diverged_a" in r:
            extra += f"; diverged {r['diverged_a']} / {r['diverged_b']}"
        lines.append(f"{r['group']}: {r['compared']} trials in both; successes {r['success_a']} "
                     f"/ {r['success_b']}; decisions that differ {r['differ']} (A only "
                     f"{r['lost']}, B only {r['gained']}){extra}")
        for tr in r["trials"][:list_max]:
            lines.append(f"  k={tr['k']} d={tr['d']} trial={tr['trial']}: A {_outcome(tr['a'])}"
                         f", B {_outcome(tr['b'])}")
        if len(r["trials"]) > list_max:
            lines.append(f"  ... {len(r['trials']) - list_max} more")
        total += r["compared"]
        differ += r["differ"]
    lines.append(f"all groups: {differ} of {total} success decisions differ")
    return "\n".join(lines)
