"""Heatmap PNGs and report.md are produced and are non-trivial images."""

import os
import re

import pytest

import ovsynth
from anahelp import TINY, png_stats, run_module
from analysis import heatmap
from analysis.io import load_sweep
from analysis.outcomes import outcomes


def _assert_heatmap_png(path, min_red=200, min_blue=200):
    h, w, var, red, blue, _ = png_stats(path)
    assert h >= 300 and w >= 300, (path, h, w)
    assert var > 0.01, path
    assert red >= min_red, (path, red)
    assert blue >= min_blue, (path, blue)


def test_heatmap_writes_one_png_per_group_and_a_combined_figure(run_cli, paper_file, tmp_path):
    rc, out, err = run_cli("heatmap", paper_file, "-o", tmp_path)
    assert rc == 0, err
    names = sorted(os.listdir(tmp_path))
    assert names == ["heatmap_all.png", "heatmap_n100_softplus.png", "heatmap_n200_softplus.png"]
    for nm in names:
        _assert_heatmap_png(tmp_path / nm)
    h, w, *_ = png_stats(tmp_path / "heatmap_all.png")
    assert w > h                      # two n columns side by side, one activation row
    assert "50% kd/n" in out and out.count("wrote") == 3


def test_partial_file_plots_no_data_cells_and_says_partial(run_cli, make_sweep, tmp_path):
    # the upper half of the k rows of one group has no finished trials
    path = make_sweep("partial", done_mask=lambda gi, ki, di, t: not (gi == 0 and ki >= 3),
                      **{**TINY, "trials": 6})
    sw = load_sweep(path)
    assert not sw.complete
    g = sw.groups[0]
    o = outcomes(g)
    assert (o.trials_done[3:] == 0).all() and (o.trials_done[:3] == 6).all()
    assert "PARTIAL: 108/216" in heatmap.group_title(sw, g, o)
    assert "file PARTIAL (this group complete)" in heatmap.group_title(sw, sw.groups[1],
                                                                         outcomes(sw.groups[1]))
    rc, out, err = run_cli("heatmap", path, "-o", tmp_path)
    assert rc == 0, err
    assert "PARTIAL" in out
    _, _, var, _, blue, grey = png_stats(tmp_path / "heatmap_n30_softplus.png")
    assert var > 0.01 and blue > 100
    assert grey > 5000                # hatched "no data" area: half of the plot
    _, _, _, _, _, grey_full = png_stats(tmp_path / "heatmap_n30_relu.png")
    assert grey_full < grey / 10      # the complete group has no hatched area


def test_heatmap_of_file_with_no_finished_trials_is_all_no_data(run_cli, make_sweep, tmp_path):
    path = make_sweep("nothing_done", done_mask=lambda *a: False, **TINY)
    rc, _, err = run_cli("heatmap", path, "-o", tmp_path)
    assert rc == 0, err
    _, _, _, red, blue, grey = png_stats(tmp_path / "heatmap_n30_relu.png")
    assert grey > 50000 and red < 3000   # only the colorbar is coloured


def test_report_writes_markdown_with_all_figures_and_both_readings(paper_file, tmp_path):
    outdir = tmp_path / "rep"
    res = run_module("report", paper_file, "-o", outdir, "--dpi", "100", "--bootstrap", "20")
    assert res.returncode == 0, res.stderr
    md = (outdir / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    assert len(images) >= 6
    for rel in images:
        assert not os.path.isabs(rel) and (outdir / rel).is_file(), rel
    for rel in re.findall(r"- \[[^\]]*\]\(([^)]+)\)", md):
        assert (outdir / rel).is_file(), rel
    assert "stated reading" in md and "squared reading" in md
    assert "||f-y||^2/||y||^2 < 2.5e-3" in md
    assert "fig2_readings.png" in images
    assert "## Provenance" in md and "ovsweep_version" in md and "`ovsynth.write_sweep`" in md
    runs = md[md.index("root attribute `history`"):].split("```")[1].strip().splitlines()
    assert runs == ovsynth.SYNTH_HISTORY.splitlines(), runs
    assert "## Boundary fit" in md and "profile likelihood" in md
    assert "OK (exact)" in md           # stored vs recomputed success_count
    for nm in ("heatmap_all.png", "fig2_readings.png", "heatmap_n200_softplus.png"):
        _assert_heatmap_png(outdir / nm)
    for nm in ("boundary.json", "boundary.txt", "cells_n100_softplus.csv",
               "collapse_n100_softplus.png", "boundary_vs_tol.png"):
        assert (outdir / nm).stat().st_size > 100, nm
    # the readings table: stated midpoint ~1.2, squared (rung 0.05) ~0.7 by construction
    lines = md.splitlines()
    head = [i for i, ln in enumerate(lines) if ln.startswith("| group | stated: succ/trials")][0]
    row = [ln for ln in lines[head:] if ln.startswith("| n100_softplus | ")][0]
    cells = [c.strip() for c in row.strip("|").split("|")]
    stated, squared = float(cells[2].split()[0]), float(cells[4].split()[0])
    assert stated == pytest.approx(1.2, rel=0.05) and squared == pytest.approx(0.7, rel=0.05)


def test_report_without_squared_rung_says_so(run_cli, make_sweep, tmp_path):
    path = make_sweep("no_sqrt_rung", ladder=(1e-1, 1e-2, 2.5e-3), **TINY)
    rc, _, err = run_cli("report", path, "-o", tmp_path, "--dpi", "60", "--bootstrap", "10")
    assert rc == 0, err
    md = (tmp_path / "report.md").read_text()
    assert "squared reading unavailable" in md
    assert png_stats(tmp_path / "fig2_readings.png")[2] > 0.01


def test_report_on_degenerate_and_partial_files_does_not_crash(run_cli, make_sweep, tmp_path):
    for name, kw in {"rep_allfail": dict(prob=lambda *a: 0.0, **TINY),
                     "rep_partial": dict(done_mask=lambda gi, ki, di, t: t < 2 or ki < 2,
                                         **TINY)}.items():
        rc, _, err = run_cli("report", make_sweep(name, **kw), "-o", tmp_path / name, "--dpi",
                             "60", "--bootstrap", "10")
        assert rc == 0, err
        md = (tmp_path / name / "report.md").read_text()
        if name == "rep_partial":
            assert "Partial file" in md
        else:
            assert "all fail" in md
