"""timeleft_dump.py FILE.h5: every finished trial of an ovsweep file as lines
'group ki di t success iterations seconds', the input of bench/timeleft_replay."""
import sys

import h5py
import numpy as np

with h5py.File(sys.argv[1], "r") as f:
    groups = f.attrs["groups"]
    groups = (groups.decode() if isinstance(groups, bytes) else groups).split(",")
    for name in groups:
        g = f[name]
        done = g["done"][...].astype(bool)
        succ, its, wall = g["success"][...], g["iterations"][...], g["wall_seconds"][...]
        for ki, di, t in np.argwhere(done):
            print(name, ki, di, t, int(succ[ki, di, t]), int(its[ki, di, t]),
                  repr(float(wall[ki, di, t])))
