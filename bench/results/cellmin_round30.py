"""cellmin_round30.py BASE.h5[,BASE2.h5...] NEW.h5[,NEW2.h5...] - round 30's grid comparison
(docs/BENCHMARKS.md): for each cell, the fastest trial's seconds per update (trials of 1000
updates or more) over the files of each side, and per group the distribution of new/base over
the cells (median, 10th and 90th percentiles) and its mean weighted by the base's updates.
Each cell's fastest trial is the one the host's slow spells missed."""
import sys, h5py, numpy as np
def load(fn):
    f=h5py.File(fn,'r'); out={}
    for name in f:
        g=f[name]
        if not isinstance(g,h5py.Group) or 'wall_seconds' not in g: continue
        it=g['iterations'][:].astype(float); w=g['wall_seconds'][:]
        per=np.where(it>=1000, w/np.maximum(it,1), np.nan)
        out[name]=(np.nanmin(per,axis=2), it.sum(axis=2))
    return out
bases=[load(x) for x in sys.argv[1].split(',')]; news=[load(x) for x in sys.argv[2].split(',')]
for name in sorted(bases[0]):
    b=np.nanmin(np.stack([x[name][0] for x in bases]),axis=0); n=np.nanmin(np.stack([x[name][0] for x in news]),axis=0)
    wts=bases[0][name][1]
    r=n/b; m=np.isfinite(r)
    wavg=np.sum((n*wts)[m])/np.sum((b*wts)[m])
    print("%-15s cells %4d  new/base of each cell's fastest trial: median %.3f  p10 %.3f  p90 %.3f  update-weighted %.3f"%(name,m.sum(),np.median(r[m]),np.percentile(r[m],10),np.percentile(r[m],90),wavg))
