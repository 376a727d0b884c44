# cells_round32.py FILE.h5 PEAK NS - each grid trial's seconds per update against its floor
# (bench/floor.py's: 4 n k d flops at PEAK GFLOP/s, plus n k softplus evaluations at NS ns),
# by group: the update-weighted mean over cells of each cell's median trial and of its fastest
# trial, and how far the cells' medians spread (round 32 probe; run from anywhere).
import sys
import h5py
import numpy as np

f = h5py.File(sys.argv[1], "r")
peak, ns = float(sys.argv[2]) * 1e9, float(sys.argv[3]) * 1e-9
for name in sorted(f):
    g = f[name]
    if "iterations" not in g:
        continue
    n = int(name[1:name.index("_")])
    k = g["k"][:].astype(float)[:, None]
    d = g["d"][:].astype(float)[None, :]
    per_update = 4.0 * n * k * d / peak + (n * k * ns if name.endswith("softplus") else 0.0)
    it = g["iterations"][:].astype(float)
    wall = g["wall_seconds"][:].astype(float)
    ok = it > 0
    ratio = np.where(ok, wall / np.where(ok, it, 1) / per_update[:, :, None], np.nan)
    med, best = np.nanmedian(ratio, axis=-1), np.nanmin(ratio, axis=-1)
    weight = np.where(ok, wall, 0).sum(-1)
    live = np.isfinite(med)
    w = weight[live] / weight[live].sum()
    q = np.percentile(med[live], [10, 50, 90])
    print(f"{name:14s} cells' median trial {np.sum(w * med[live]):.3f}, fastest trial "
          f"{np.sum(w * best[live]):.3f} (update-weighted); cell medians p10/p50/p90 "
          f"{q[0]:.2f} {q[1]:.2f} {q[2]:.2f}")
