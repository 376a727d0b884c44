# bykd_round31.py BASE.h5[,..] NEW.h5[,..] - grid_versus.py by k d band (round 31 probe; run from the repository root)
import sys, numpy as np
sys.path.insert(0, 'bench')
from grid_versus import side
base, upd, shape = side(sys.argv[1].split(','), 1000, 'base')
new, _, _ = side(sys.argv[2].split(','), 1000, 'new')
bands = [(1, 16), (17, 48), (49, 100), (101, 200), (201, 400), (401, 625)]
for g in sorted(shape):
    k, d = map(np.array, shape[g])
    kd = k[:, None] * d[None, :]
    b, n, w = base[g], new[g], upd[g]
    line = []
    for lo, hi in bands:
        m = np.isfinite(b) & np.isfinite(n) & (kd >= lo) & (kd <= hi)
        if m.any():
            r = n[m] / b[m]
            line.append(f"kd {lo}-{hi}: {np.median(r):.3f} ({(n*w)[m].sum()/(b*w)[m].sum():.3f}, {m.sum()})")
    print(g, ' | '.join(line))
