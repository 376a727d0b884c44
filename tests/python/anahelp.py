"""Helpers shared by the analysis tests (paths, subprocess runner, PNG pixel statistics)."""

import os
import subprocess
import sys

import h5py
import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

TINY = dict(groups=((30, "softplus"), (30, "relu")), k=range(1, 7), d=range(1, 7), trials=4,
            max_iter=3000)


def run_module(*args, timeout=120):
    """python3 -m analysis ... in a subprocess from the repository root."""
    env = dict(os.environ, MPLBACKEND="Agg")
    return subprocess.run([PYTHON, "-m", "analysis", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def cmap_ends(name=None):
    """RGB of the colour map's ends (p = 0 and p = 1); default: the analysis default."""
    import matplotlib
    from analysis.figstyle import DEFAULT_CMAP
    cm = matplotlib.colormaps[name or DEFAULT_CMAP]
    return np.asarray(cm(0.0)[:3]), np.asarray(cm(1.0)[:3])


def near(rgb, colour, tol=0.12):
    """Boolean mask of the pixels of rgb [H, W, 3] within `tol` (max norm) of `colour`."""
    return np.max(np.abs(rgb - np.asarray(colour)[None, None, :]), axis=-1) < tol


def png_stats(path, cmap=None):
    """(height, width, pixel variance, #success-coloured, #failure-coloured, #grey-no-data) of a
    PNG: success/failure colours are the ends (p = 1 / p = 0) of the colour map."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    img = mpimg.imread(path)
    rgb = img[..., :3].astype(float)
    lo, hi = cmap_ends(cmap)
    grey = int(np.sum(near(rgb, (0.82, 0.82, 0.82), 0.03)))
    return (img.shape[0], img.shape[1], float(rgb.var()), int(near(rgb, hi).sum()),
            int(near(rgb, lo).sum()), grey)


def reorder_axes(path, pk, pd):
    """Rewrite a sweep file as if run with --k and --d listed in the orders pk and pd (index
    lists): the root's k_values and d_values, each group's k and d, and every dataset over
    (k, d, ...) permuted alike, as the engine writes a grid given in that order."""
    with h5py.File(path, "r+") as f:
        K, D = len(f.attrs["k_values"]), len(f.attrs["d_values"])
        f.attrs["k_values"] = f.attrs["k_values"][pk]
        f.attrs["d_values"] = f.attrs["d_values"][pd]
        for g in f.values():
            if not isinstance(g, h5py.Group):
                continue
            for name, ds in list(g.items()):
                if not isinstance(ds, h5py.Dataset):
                    continue
                if name == "k" and ds.shape == (K,):
                    ds[...] = ds[...][pk]
                elif name == "d" and ds.shape == (D,):
                    ds[...] = ds[...][pd]
                elif ds.ndim >= 2 and ds.shape[:2] == (K, D):
                    ds[...] = ds[...][pk][:, pd]
