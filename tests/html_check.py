"""Checks a headless-Chromium screenshot of report.html (run by tests/html_report_test.sh).

usage: html_check.py SCREENSHOT.png REPORT.md

The page must not be blank; the answer (text) must come first; the embedded figures must be
drawn: rows of the screenshot that hold the colour map's ends (viridis, the default), in at least
as many separate bands as report.md has figures above the fold, each a plausible size. Prints one
line per check and ends with "N passed, N failed".
"""

import re
import sys

import matplotlib
import matplotlib.image as mpimg
import numpy as np

CMAP = "viridis"


def _near(rgb, colour, tol):
    return np.max(np.abs(rgb - np.asarray(colour)[None, None, :]), axis=-1) < tol


def _bands(rows: np.ndarray, gap: int = 12):
    """[start, stop) runs of True rows, merging runs closer than `gap`."""
    idx = np.nonzero(rows)[0]
    if idx.size == 0:
        return []
    bands, start, prev = [], idx[0], idx[0]
    for i in idx[1:]:
        if i - prev > gap:
            bands.append((start, prev + 1))
            start = i
        prev = i
    bands.append((start, prev + 1))
    return bands


def main(shot: str, md_path: str) -> int:
    rgb = mpimg.imread(shot)[..., :3].astype(float)
    height, width = rgb.shape[:2]
    cm = matplotlib.colormaps[CMAP]
    lo, hi = np.asarray(cm(0.0)[:3]), np.asarray(cm(1.0)[:3])
    figure_px = _near(rgb, lo, 0.06) | _near(rgb, hi, 0.06)
    figure_rows = figure_px.sum(axis=1) >= 8
    dark = (rgb.max(axis=-1) < 0.35) & ~figure_px
    text_rows = dark.sum(axis=1) >= 3
    md = open(md_path).read()
    n_answer = len(re.findall(r"^- \*\*", md.split("## Answer", 1)[1].split("\n## ", 1)[0],
                              flags=re.M))
    results = []

    def check(name, ok, detail):
        results.append(ok)
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    check("not blank", rgb.std() > 0.05 and (rgb.min(axis=-1) < 0.9).mean() > 0.01,
          f"pixel std {rgb.std():.3f}, non-white share {(rgb.min(axis=-1) < 0.9).mean():.3f}")
    bands = [b for b in _bands(figure_rows) if b[1] - b[0] >= 60]
    first = bands[0][0] if bands else height
    check("figures drawn", len(bands) >= 3,
          f"{len(bands)} bands of figure colours (rows {bands[:4]}...)")
    check("figure colours", int(_near(rgb, hi, 0.06).sum()) > 5000
          and int(_near(rgb, lo, 0.06).sum()) > 5000,
          f"{int(_near(rgb, hi, 0.06).sum())} success-coloured, "
          f"{int(_near(rgb, lo, 0.06).sum())} failure-coloured pixels")
    text_above = len(_bands(text_rows[:first], gap=2))
    check("answer first", n_answer >= 1 and text_above >= 6 + n_answer,
          f"{text_above} lines of text above the first figure (row {first}); report.md has "
          f"{n_answer} answer line(s)")
    widest = max((figure_px[a:b].any(axis=0).sum() for a, b in bands), default=0)
    check("figures at print size", 0 < widest < 0.9 * width,
          f"widest figure {widest} px of a {width} px window")
    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
