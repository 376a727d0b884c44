"""grid_cells.py FILE.h5: every cell of a finished ovsweep grid as a line
'activation n k d iterations trials' (iterations summed over the cell's finished trials),
the input of `build/bench_scaling --grid`. Read-only; numpy and h5py only."""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    for name in sorted(f):
        g = f[name]
        if not isinstance(g, h5py.Group) or "iterations" not in g:
            continue
        act = g.attrs["activation"]
        act = act.decode() if isinstance(act, bytes) else str(act)
        n = int(g.attrs["n"])
        done = g["done"][...].astype(bool)
        its = np.where(done, g["iterations"][...], 0).sum(axis=2)
        for ki, k in enumerate(g["k"][...]):
            for di, d in enumerate(g["d"][...]):
                if done[ki, di].any():
                    print(act, n, int(k), int(d), int(its[ki, di]), int(done[ki, di].sum()))
