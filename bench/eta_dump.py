"""eta_dump.py FILE.h5: every finished trial of an ovsweep file as 'item success seconds'
lines, the input of bench/eta_replay (item numbers as in include/plan.h: group-major, groups
in the file's order)."""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    groups = f.attrs["groups"]
    groups = (groups.decode() if isinstance(groups, bytes) else groups).split(",")
    base = 0
    for name in groups:
        g = f[name]
        done = g["done"][...].astype(bool)
        succ, wall = g["success"][...], g["wall_seconds"][...]
        for idx in np.argwhere(done):
            ki, di, t = (int(v) for v in idx)
            K, D, T = done.shape
            print(base + (ki * D + di) * T + t, int(succ[ki, di, t]), repr(float(wall[ki, di, t])))
        base += done.size
