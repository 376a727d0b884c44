"""floor.py FILE [--peak GFLOPS] [--softplus-ns NS] - a sweep file's trials against a floor.

The floor of one GD update at (n, k, d): its two products, 4 n k d flops, at one core's peak
(build/bench_peak prints it), plus, for softplus, n k evaluations of phi and phi' at NS
nanoseconds each (the fused kernel in isolation). Summed over each group's trials (their
stored `iterations`) it gives the core-seconds the grid would need at that floor; the rest of
the stored `wall_seconds` is the excess: what the kernels spend beyond the two products and
the activation (the forward pass's epilogue, the gradient's lane sums, short accumulation
chains in tail blocks, the per-update norms and tests). Printed per group and per band of k,
with the excess per update. Only finished trials count: an interrupted sweep's file and an
adaptive design's (whose unproposed trials hold iterations -1 and no wall time) read as the
trials they ran.

--cell-quantile Q separates the host's slow spells from the kernels: every trial of a cell
does the same work per update, so a trial slower per update than its cell's others ran while
the host was slower (docs/BENCHMARKS.md rounds 10 and 29: two ranks beside each other on this
VM's two vCPUs read up to 1.9x apart, trial to trial, at one cell). Each cell's reference is
the Q-th percentile of its trials' seconds per update (trials of --min-updates updates or
more, default 1000, whose setup is negligible); every such trial slower than that is counted
at the reference speed, and the grid's ratio is printed again with those times. A diagnostic
of the host, not the issue's measure (that is the plain ratio). Read-only; numpy and h5py
only."""
import argparse
import sys

import h5py
import numpy as np

K_BANDS = [(1, 4), (5, 12), (13, 25)]


def finished(g):
    """Each trial's updates and seconds, zero for a trial that has not run (an interrupted
    sweep's, or one an adaptive design never proposed: iterations -1, wall time NaN)."""
    iters = g["iterations"][:].astype(float)
    wall = g["wall_seconds"][:].astype(float)
    done = (g["done"][:] != 0) if "done" in g else np.ones(iters.shape, bool)
    done &= (iters >= 0) & np.isfinite(wall)
    return np.where(done, iters, 0.0), np.where(done, wall, 0.0), done


def group_table(g, peak, softplus_ns):
    n = int(g.attrs["n"])
    softplus = g.attrs["activation"] == "softplus"
    k, d = np.meshgrid(g["k"][:], g["d"][:], indexing="ij")
    iters, wall, _ = finished(g)
    iters, wall = iters.sum(axis=2), wall.sum(axis=2)
    per_update = 4.0 * n * k * d / peak + (n * k * softplus_ns * 1e-9 if softplus else 0.0)
    return k, iters, wall, iters * per_update


def at_cell_speed(g, q, min_updates):
    """Each trial's seconds, those of trials with min_updates updates or more capped at their
    cell's q-th percentile seconds per update (over those trials) times their updates; and how
    many trials were capped."""
    iters, wall, done = finished(g)
    long_enough = done & (iters >= min_updates)
    per = np.where(long_enough, wall / np.maximum(iters, 1.0), np.nan)
    ref = np.full(per.shape[:2] + (1,), np.inf)
    has = long_enough.any(axis=2)
    ref[has, 0] = np.nanpercentile(per[has], q, axis=1)
    limit = np.full(iters.shape, np.inf)
    # ref is finite in the cells that have a long enough trial
    limit[long_enough] = iters[long_enough] * np.broadcast_to(ref, iters.shape)[long_enough]
    capped = np.minimum(wall, limit)
    return capped, int((capped < wall).sum()), int(done.sum())


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--peak", type=float, default=85.0, help="GFLOP/s of one core (85)")
    ap.add_argument("--softplus-ns", type=float, default=1.2, help="ns per phi/phi' (1.2)")
    ap.add_argument("--cell-quantile", type=float, metavar="Q",
                    help="also the trials at their cell's Q-th percentile speed (0-100)")
    ap.add_argument("--min-updates", type=int, default=1000,
                    help="--cell-quantile: trials with fewer updates are kept as they are")
    a = ap.parse_args(argv)
    if a.cell_quantile is not None and not 0 <= a.cell_quantile <= 100:
        ap.error("--cell-quantile must be in 0..100")
    total_wall = total_floor = total_capped = 0.0
    with h5py.File(a.file, "r") as f:
        for name in sorted(f):
            g = f[name]
            if not isinstance(g, h5py.Group) or "wall_seconds" not in g:
                continue
            k, iters, wall, floor = group_table(g, a.peak * 1e9, a.softplus_ns)
            total_wall += wall.sum()
            total_floor += floor.sum()
            print(f"{name:16s} trials {wall.sum():8.1f} core-s  floor {floor.sum():8.1f}  "
                  f"excess {wall.sum() - floor.sum():7.1f}")
            for lo, hi in K_BANDS:
                m = (k >= lo) & (k <= hi)
                ex = wall[m].sum() - floor[m].sum()
                per = ex / iters[m].sum() * 1e6 if iters[m].sum() > 0 else float("nan")
                print(f"  k {lo:2d}-{hi:2d}        trials {wall[m].sum():8.1f}         floor "
                      f"{floor[m].sum():8.1f}  excess {ex:7.1f}  ({per:.2f} us per update)")
            if a.cell_quantile is not None:
                capped, slower, ran = at_cell_speed(g, a.cell_quantile, a.min_updates)
                total_capped += capped.sum()
                print(f"  at each cell's p{a.cell_quantile:g} speed: trials {capped.sum():.6g} "
                      f"core-s (x floor {capped.sum() / floor.sum():.2f}; {slower} of "
                      f"{ran} trials were slower)")
    print(f"all groups       trials {total_wall:8.1f} core-s  floor {total_floor:8.1f}  "
          f"excess {total_wall - total_floor:7.1f}  (floor / trials = "
          f"{total_floor / total_wall:.2f})")
    if a.cell_quantile is not None:
        print(f"all groups at each cell's p{a.cell_quantile:g} speed: trials {total_capped:.6g} "
              f"core-s  (x floor {total_capped / total_floor:.2f}; plain x floor "
              f"{total_wall / total_floor:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
