"""The study's trainings against the floor of bench/floor.py (4 n k d flops per update at the
peak, plus n k softplus evaluations), per (group, d): python3 bench/results/floord_round44.py PEAK SOFTPLUS_NS FILE..."""
import h5py, numpy as np, sys
peak, sp = float(sys.argv[1]) * 1e9, float(sys.argv[2]) * 1e-9
print("group d trainings k_range core_s x_floor")
for p in sys.argv[3:]:
    f = h5py.File(p, 'r')
    for gname, G in f.items():
        if not isinstance(G, h5py.Group) or 'done' not in G:
            continue
        n = int(G.attrs['n']); done = G['done'][()].astype(bool)
        w = G['wall_seconds'][()]; it = G['iterations'][()]; K = G['k'][()]; D = G['d'][()]
        for j, d in enumerate(D):
            tr = fl = 0.0; ks = []
            for i, k in enumerate(K):
                for t in np.nonzero(done[i, j])[0]:
                    per = 4.0 * n * k * d / peak + (n * k * sp if 'softplus' in gname else 0.0)
                    tr += w[i, j, t]; fl += per * (it[i, j, t] + 1); ks.append(int(k))
            if ks:
                print(gname, int(d), len(ks), f"{min(ks)}-{max(ks)}", f"{tr:.0f}", f"{tr / fl:.2f}")
