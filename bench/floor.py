"""floor.py FILE [--peak GFLOPS] [--softplus-ns NS] - a finished sweep file against a floor.

The floor of one GD update at (n, k, d): its two products, 4 n k d flops, at one core's peak
(build/bench_peak prints it), plus, for softplus, n k evaluations of phi and phi' at NS
nanoseconds each (the fused kernel in isolation). Summed over each group's trials (their
stored `iterations`) it gives the core-seconds the grid would need at that floor; the rest of
the stored `wall_seconds` is the excess: what the kernels spend beyond the two products and
the activation (the forward pass's epilogue, the gradient's lane sums, short accumulation
chains in tail blocks, the per-update norms and tests). Printed per group and per band of k,
with the excess per update. Read-only; numpy and h5py only."""
import argparse
import sys

import h5py
import numpy as np

K_BANDS = [(1, 4), (5, 12), (13, 25)]


def group_table(g, peak, softplus_ns):
    n = int(g.attrs["n"])
    softplus = g.attrs["activation"] == "softplus"
    k, d = np.meshgrid(g["k"][:], g["d"][:], indexing="ij")
    iters = g["iterations"][:].astype(float).sum(axis=2)
    wall = g["wall_seconds"][:].sum(axis=2)
    per_update = 4.0 * n * k * d / peak + (n * k * softplus_ns * 1e-9 if softplus else 0.0)
    return k, iters, wall, iters * per_update


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--peak", type=float, default=85.0, help="GFLOP/s of one core (85)")
    ap.add_argument("--softplus-ns", type=float, default=1.2, help="ns per phi/phi' (1.2)")
    a = ap.parse_args(argv)
    total_wall = total_floor = 0.0
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
    print(f"all groups       trials {total_wall:8.1f} core-s  floor {total_floor:8.1f}  "
          f"excess {total_wall - total_floor:7.1f}  (floor / trials = "
          f"{total_floor / total_wall:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
