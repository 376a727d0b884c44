"""grid_versus.py BASE.h5[,BASE2.h5...] NEW.h5[,NEW2.h5...] - two builds' runs of one sweep, cell by cell.

A kernel change of a few percent does not show in one grid run's total on a host whose speed
moves by more than that from minute to minute (docs/BENCHMARKS.md round 30: the same binary's
grid read 502-557 core-seconds). Every trial of a cell does the same work per update, so each
cell's fastest trial is the one the host's slow spells missed: here, for each cell, the
fastest seconds per update over the trials of --min-updates updates or more (default 1000,
whose setup is negligible) in the files of each side (several runs per side: the best of
them), and per group the distribution of new/base over the cells that have such a trial on
both sides (median, 10th and 90th percentiles) and its mean weighted by each cell's updates
in the first base file; then the weighted mean over all groups. Runs taking turns (base, new,
base, new) and a base-against-base line show the host's own spread. Give both sides as many
runs: the fastest of more runs is faster by chance alone (round 31: 977a249's two runs
against three of a build read 0.963, against two of them 0.977), which a first line notes. The files must hold the
same sweep (groups and k, d axes); results are not compared here (bench/grid_digest.py does
that). Read-only; numpy and h5py only."""
import argparse
import os
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from floor import finished  # noqa: E402  (bench/ is no package)


def fastest(path, min_updates):
    """{group: (fastest seconds per update of each cell (NaN where none qualifies), updates
    per cell, k axis, d axis)} of one file."""
    out = {}
    with h5py.File(path, "r") as f:
        for name in sorted(f):
            g = f[name]
            if not isinstance(g, h5py.Group) or "wall_seconds" not in g:
                continue
            iters, wall, done = finished(g)
            ok = done & (iters >= min_updates)
            per = np.where(ok, wall / np.maximum(iters, 1.0), np.inf).min(axis=2)
            out[name] = (np.where(np.isfinite(per), per, np.nan), iters.sum(axis=2),
                         g["k"][:], g["d"][:])
    return out


def side(paths, min_updates, label):
    """The files of one side: each cell's fastest over all of them, the first file's updates,
    and the sweep's shape ({group: (k, d)}) for the check against the other side."""
    runs = [fastest(p, min_updates) for p in paths]
    shape = {g: (v[2].tolist(), v[3].tolist()) for g, v in runs[0].items()}
    for p, r in zip(paths[1:], runs[1:]):
        other = {g: (v[2].tolist(), v[3].tolist()) for g, v in r.items()}
        if other != shape:
            raise SystemExit(f"grid_versus.py: {p} holds another sweep than {paths[0]} ({label})")
    best = {g: np.fmin.reduce([r[g][0] for r in runs]) for g in shape}
    return best, {g: runs[0][g][1] for g in shape}, shape


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("base", help="comma-separated files of the base build's runs")
    ap.add_argument("new", help="comma-separated files of the new build's runs")
    ap.add_argument("--min-updates", type=int, default=1000,
                    help="trials with fewer updates are left out (1000)")
    a = ap.parse_args(argv)
    base, updates, shape = side(a.base.split(","), a.min_updates, "base")
    new, _, new_shape = side(a.new.split(","), a.min_updates, "new")
    if new_shape != shape:
        raise SystemExit(f"grid_versus.py: {a.new} and {a.base} hold different sweeps")
    runs = (len(a.base.split(",")), len(a.new.split(",")))
    if runs[0] != runs[1]:
        print(f"note: {runs[0]} base run(s) against {runs[1]} new: the side with more runs "
              f"reads faster by chance alone; give both as many")
    num = den = 0.0
    for g in sorted(shape):
        b, n, w = base[g], new[g], updates[g]
        both = np.isfinite(b) & np.isfinite(n)
        if not both.any():
            print(f"{g:16s} no cell with a trial of {a.min_updates} updates on both sides")
            continue
        r = n[both] / b[both]
        num += (n * w)[both].sum()
        den += (b * w)[both].sum()
        print(f"{g:16s} cells {both.sum():4d}  new/base of each cell's fastest trial: median "
              f"{np.median(r):.3f}  p10 {np.percentile(r, 10):.3f}  p90 "
              f"{np.percentile(r, 90):.3f}  update-weighted {(n * w)[both].sum() / (b * w)[both].sum():.3f}")
    if den > 0:
        print(f"all groups       update-weighted new/base {num / den:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
