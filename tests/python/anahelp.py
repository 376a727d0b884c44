"""Helpers shared by the analysis tests (paths, subprocess runner, PNG pixel statistics)."""

import os
import subprocess
import sys

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


def png_stats(path):
    """(height, width, pixel variance, #reddish, #bluish, #grey-no-data) of a PNG."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.image as mpimg
    img = mpimg.imread(path)
    rgb = img[..., :3].astype(float)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    red = int(np.sum((r > 0.45) & (g < 0.3) & (b < 0.3)))
    blue = int(np.sum((b > 0.45) & (r < 0.3) & (g < 0.3)))
    grey = int(np.sum((np.abs(r - 0.82) < 0.03) & (np.abs(g - 0.82) < 0.03)
                      & (np.abs(b - 0.82) < 0.03)))
    return img.shape[0], img.shape[1], float(rgb.var()), red, blue, grey
