"""The two tables of jobs/eta_rule.sh from its files in DIR (argv[1]): the C selection (per
(n, activation, d) successes of the trials and median updates of the successes, per rule) and
divergence under the stated eta (diverged trials under it and under auto:1.8, the median
lambda_max of the same trials and how many of them have the stated eta above 2 / lambda_max)."""
import glob
import os
import re
import sys

import h5py
import numpy as np

DIR = sys.argv[1] if len(sys.argv) > 1 else "eta_rule"
STATED = {"softplus": 0.15, "relu": 0.1}
RULES = ["stated", "1", "1.5", "1.8", "1.95"]


def c_selection():
    cells = {}
    tot = {r: [0, 0, 0, []] for r in RULES}
    for path in glob.glob(os.path.join(DIR, 'csel_n*.h5')):
        m = re.match(r'.*csel_n(\d+)_(.+)\.h5', path)
        n, rule = int(m.group(1)), m.group(2)
        f = h5py.File(path, 'r')
        for g in f.attrs['groups'].split(','):
            G = f[g]
            for j, d in enumerate(G['d'][:]):
                done = G['done'][:, j, :].astype(bool)
                if not done.any():
                    continue
                s = G['success'][:, j, :][done].astype(bool)
                it = G['iterations'][:, j, :][done]
                dv = G['diverged'][:, j, :][done].sum()
                cells[(n, G.attrs['activation'], int(d), rule)] = (int(s.sum()), int(done.sum()), float(np.median(it[s])) if s.any() else np.nan, int(dv))
                t = tot[rule]; t[0] += int(s.sum()); t[1] += int(done.sum()); t[2] += int(dv); t[3] += list(it[s])
    print("| n | activation | d | " + " | ".join(f"{'stated eta' if r == 'stated' else 'C = ' + r}" for r in RULES) + " |")
    print("|---" * (3 + len(RULES)) + "|")
    for key in sorted({k[:3] for k in cells}):
        row = []
        for r in RULES:
            c = cells.get(key + (r,))
            row.append("-" if c is None else f"{c[0]}/{c[1]}" + ("" if np.isnan(c[2]) else f", {c[2]:.0f}") + (f", {c[3]} div" if c[3] else ""))
        print(f"| {key[0]} | {key[1]} | {key[2]} | " + " | ".join(row) + " |")
    print("| all | | | " + " | ".join(f"{t[0]}/{t[1]}, {t[2]} div, median {np.median(t[3]):.0f}" for t in (tot[r] for r in RULES)) + " |")


def divergence():
    print("| n | activation | d | d/n | k | diverged, stated eta | diverged, auto:1.8 | median lambda_max | stated eta > 2/lambda_max |")
    print("|---|---|---|---|---|---|---|---|---|")
    for n in sorted({int(re.search(r'n(\d+)_', p).group(1)) for p in glob.glob(os.path.join(DIR, 'div_n*_fixed.h5'))}):
        fx = h5py.File(os.path.join(DIR, f'div_n{n}_fixed.h5'), 'r')
        try:
            au = h5py.File(os.path.join(DIR, f'div_n{n}_auto.h5'), 'r')
        except OSError:
            au = None
        for g in fx.attrs['groups'].split(','):
            G = fx[g]
            act = G.attrs['activation']
            for j, d in enumerate(G['d'][:]):
                done = G['done'][:, j, :].astype(bool)
                if not done.any():
                    continue
                ki = np.nonzero(done.any(axis=1))[0]
                k = int(G['k'][ki[0]])
                div = int(G['diverged'][:, j, :][done].sum())
                row = f"| {n} | {act} | {d} | {d / n:.3g} | {k} | {div}/{int(done.sum())} |"
                if au is not None:
                    A = au[g]
                    ad = A['done'][:, j, :].astype(bool)
                    lam = A['lambda_max'][:, j, :][ad]
                    row += f" {int(A['diverged'][:, j, :][ad].sum())}/{int(ad.sum())} | {np.median(lam):.1f} | {int((STATED[act] * lam > 2).sum())}/{lam.size} |"
                else:
                    row += " - | - | - |"
                print(row)


c_selection()
print()
divergence()
