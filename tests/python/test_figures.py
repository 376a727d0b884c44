"""Paper-ready figures: formats, dpi, colour map, sizes and fonts, mathtext, no colliding labels,
no off-scale curves in legends, plain-number log ticks, and the fitted curve drawn only where the
data support it."""

import os
import xml.etree.ElementTree as ET

import matplotlib
import numpy as np
import pytest

import ovsynth
from anahelp import cmap_ends, near, png_stats
from analysis import boundary, budget, figstyle, heatmap
from analysis.io import load_sweep
from analysis.outcomes import outcomes


@pytest.fixture(autouse=True)
def default_style():
    figstyle.use(figstyle.Style())
    yield
    figstyle.use(figstyle.Style())


def _all_texts(fig):
    fig.canvas.draw()
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_visible() and t.get_text()]


def test_formats_dpi_and_reproducible_vector_files(run_cli, tiny_file, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        rc, text, err = run_cli("heatmap", tiny_file, "-o", out, "--format", "png,pdf,svg",
                                "--dpi", "100")
        assert rc == 0, err
    names = sorted(os.listdir(a))
    assert names == sorted(f"heatmap_{g}.{x}" for g in ("all", "n30_relu", "n30_softplus")
                           for x in ("png", "pdf", "svg"))
    pdf = (a / "heatmap_all.pdf").read_bytes()
    assert pdf[:4] == b"%PDF" and b"/Type3" not in pdf and b"/CIDFontType2" in pdf  # TrueType
    ET.parse(a / "heatmap_all.svg")                                 # well-formed SVG
    for nm in ("heatmap_all.pdf", "heatmap_all.svg"):               # no time stamps
        assert (a / nm).read_bytes() == (b / nm).read_bytes(), nm
    rc, _, err = run_cli("heatmap", tiny_file, "-o", tmp_path / "c", "--dpi", "200")
    h1, w1, *_ = png_stats(a / "heatmap_n30_relu.png")
    h2, w2, *_ = png_stats(tmp_path / "c" / "heatmap_n30_relu.png")
    assert w2 == pytest.approx(2 * w1, abs=4) and h2 == pytest.approx(2 * h1, abs=4)


def test_single_column_size_and_readable_fonts(tiny_file, tmp_path):
    sw = load_sweep(tiny_file)
    g = sw.groups[0]
    fig, _ = heatmap.build_group_figure(sw, g, outcomes(g), None)
    assert fig.get_size_inches()[0] == pytest.approx(figstyle.SINGLE)
    sizes = [t.get_fontsize() for t in _all_texts(fig)]
    assert min(sizes) >= 6.5 and max(sizes) <= 10
    figstyle.use(figstyle.Style(dpi=100))
    path = figstyle.save(fig, str(tmp_path / "one.png"))
    w_in = png_stats(path)[1] / 100
    assert 3.0 <= w_in <= 3.6                                      # fits one column


def test_default_cmap_is_perceptually_uniform_and_cmap_option_switches(run_cli, tiny_file,
                                                                       tmp_path):
    assert figstyle.DEFAULT_CMAP in figstyle.UNIFORM_CMAPS
    rc, _, err = run_cli("heatmap", tiny_file, "-o", tmp_path / "v", "--dpi", "80")
    assert rc == 0, err
    _, _, _, hi, lo, _ = png_stats(tmp_path / "v" / "heatmap_n30_relu.png")
    assert hi > 200 and lo > 200
    rc, _, err = run_cli("heatmap", tiny_file, "-o", tmp_path / "c", "--cmap", "cividis",
                         "--dpi", "80")
    assert rc == 0, err
    _, _, _, hi_c, lo_c, _ = png_stats(tmp_path / "c" / "heatmap_n30_relu.png", cmap="cividis")
    _, _, _, hi_v, lo_v, _ = png_stats(tmp_path / "c" / "heatmap_n30_relu.png")
    assert hi_c > 200 and lo_c > 200 and hi_v + lo_v < (hi_c + lo_c) / 5
    for opts, needle in ((["--cmap", "nosuchmap"], "unknown colour map"),
                         (["--format", "png,tiff"], "unknown format")):
        rc, out, err = run_cli("heatmap", tiny_file, "-o", tmp_path / "x", *opts)
        assert rc == 1 and needle in err and len(err.strip().splitlines()) == 1, (opts, err)
    with pytest.raises(SystemExit) as exc:                       # argparse: usage, exit 2
        run_cli("heatmap", tiny_file, "-o", tmp_path / "x", "--dpi", "0")
    assert exc.value.code == 2


def _overlaps(fig):
    pairs = figstyle.text_overlaps(fig)
    matplotlib.pyplot.close(fig)
    return pairs


def test_the_overlap_check_sees_a_collision():
    fig = matplotlib.pyplot.figure(figsize=(2, 2))
    fig.text(0.5, 0.5, "label one")
    fig.text(0.52, 0.5, "label two")
    assert _overlaps(fig) == [("label one", "label two")]


def test_no_label_collisions_in_any_figure(paper_file, make_sweep):
    four = make_sweep("four_groups", groups=((100, "softplus"), (100, "relu"), (200, "softplus"),
                                            (200, "relu")), trials=4, seed=3)
    for path in (paper_file, four):
        sw = load_sweep(path)
        res = boundary.analyze(sw, robust="always", bootstrap=0)
        fits = {g["group"]: g["fit"] for g in res["groups"]}
        panels = [(g, outcomes(g), fits[g.name]) for g in sw.groups]
        assert _overlaps(heatmap.build_ladder_figure(res)) == []
        assert _overlaps(heatmap.build_per_d_figure(res)) == []
        assert _overlaps(budget.build_figure(budget.analyze(sw))) == []
        assert _overlaps(heatmap.build_all_figure(sw, panels)[0]) == []
        assert _overlaps(heatmap.build_all_figure(sw, panels, theory=True)[0]) == []
        g = sw.groups[0]
        assert _overlaps(heatmap.build_group_figure(sw, g, outcomes(g), fits[g.name],
                                                    theory=True)[0]) == []
        assert _overlaps(heatmap.build_collapse_figure(g, outcomes(g), fits[g.name],
                                                       "logit")) == []


def test_ladder_figure_uses_mathtext_and_plain_log_ticks(paper_file):
    res = boundary.analyze(load_sweep(paper_file))
    fig = heatmap.build_ladder_figure(res)
    ax = fig.axes[0]
    assert r"\Vert f - y\Vert" in ax.get_xlabel()
    fig.canvas.draw()
    lo, hi = ax.get_xlim()
    labels = [t.get_text() for t in ax.get_xticklabels()
              if t.get_text() and lo <= t.get_position()[0] <= hi]
    assert len(labels) >= 3 and all(not any(c in s for c in "$^\\") for s in labels), labels
    assert all(float(s) > 0 for s in labels)
    matplotlib.pyplot.close(fig)


def test_off_scale_theory_curves_stay_out_of_the_legend(make_sweep, tiny_file):
    sw = load_sweep(tiny_file)            # n = 30, k <= 6: sqrt(kd) = n needs k >= 150
    g = sw.groups[0]
    fig, dr = heatmap.build_group_figure(sw, g, outcomes(g), None, theory=True)
    labels = [h.get_label() for h in dr.handles]
    assert not any("Cor." in lab for lab in labels), labels
    assert any("off scale" in nt and "Cor. 2.2" in nt for nt in dr.notes), dr.notes
    matplotlib.pyplot.close(fig)
    small = load_sweep(make_sweep("small_n_fig", groups=((4, "softplus"),), trials=2,
                                  prob=ovsynth.logistic_prob(midpoint=1.0, slope=4.0)))
    g = small.groups[0]
    fig, dr = heatmap.build_group_figure(small, g, outcomes(g), None, theory=True)
    assert any("Cor. 2.2" in h.get_label() for h in dr.handles)
    matplotlib.pyplot.close(fig)


def test_fit_is_drawn_only_when_its_interval_is_bounded_and_inside_the_data(make_sweep,
                                                                             run_cli, tmp_path):
    ok = {"status": "ok", "midpoint": 1.0, "midpoint_ci": [0.9, 1.1],
          "midpoint_bounds": [np.nan, np.nan], "tested_range": [0.1, 6.0]}
    assert heatmap.fit_not_drawn_reason(ok) is None
    assert "unbounded" in heatmap.fit_not_drawn_reason(dict(ok, midpoint_ci=[0.9, np.inf]))
    assert "outside" in heatmap.fit_not_drawn_reason(dict(ok, midpoint_ci=[0.05, 0.2]))
    step = dict(ok, status="separated", midpoint_bounds=[1.0, 1.0])
    assert heatmap.fit_not_drawn_reason(step) is None
    gap = dict(ok, status="separated", midpoint=np.nan, midpoint_bounds=[0.8, 1.2])
    assert heatmap.fit_not_drawn_reason(gap) is not None
    # a checkpoint that has finished only cells far below the boundary (kd/n <= 0.25)
    path = make_sweep("early_checkpoint", groups=((100, "relu"),), trials=6, seed=4,
                      prob=ovsynth.logistic_prob(midpoint=1.2, slope=2.0),
                      done_mask=lambda gi, ki, di, t: (ki + 1) * (di + 1) <= 25)
    sw = load_sweep(path)
    g = sw.groups[0]
    fit = boundary.analyze_group(g, ladder=False)["fit"]
    assert fit["status"] == "ok"
    fig, dr = heatmap.build_group_figure(sw, g, outcomes(g), fit)
    assert not dr.fit_text and not any("fit" in h.get_label() for h in dr.handles)
    assert any("not drawn" in nt for nt in dr.notes)
    matplotlib.pyplot.close(fig)
    rc, out, err = run_cli("heatmap", path, "-o", tmp_path, "--dpi", "60")
    assert rc == 0, err
    assert "note: fitted 50% curve not drawn" in out
    for nt in fit["notes"]:                      # the notes --json has are printed too
        assert f"note: {nt}" in out


def test_kd_n_line_is_white_with_a_dark_outline_on_another_colour_map(tiny_file, tmp_path):
    """Readable on any colour map: pixels of both colours along the kd = n curve."""
    figstyle.use(figstyle.Style(dpi=100, cmap="cividis"))
    sw = load_sweep(tiny_file)
    g = sw.groups[1]
    fig, _ = heatmap.build_group_figure(sw, g, outcomes(g), None)
    path = figstyle.save(fig, str(tmp_path / "lines.png"))
    import matplotlib.image as mpimg
    rgb = mpimg.imread(path)[..., :3].astype(float)
    assert near(rgb, (1, 1, 1), 0.05).sum() > 300
    assert near(rgb, (0.15, 0.15, 0.15), 0.08).sum() > 300


def test_a_shared_legend_wider_than_its_figure_is_saved_whole(tmp_path):
    """legend_in keeps the shared legend out of constrained layout; save() must still take it
    into the tight box (it was cut at the figure's edges: an adaptive study's single-row
    heatmap lost the start of 'not run: not visited')."""
    from matplotlib.lines import Line2D
    from PIL import Image
    fig, _, lax = figstyle.panel_figure(1, 1, 2.0, 1.5, figstyle.legend_height(2, 2))
    handles = [Line2D([], [], label=f"a long legend entry number {i} of two") for i in (1, 2)]
    leg = figstyle.legend_in(lax, handles, ncol=2)
    fig.canvas.draw()
    legend_inches = leg.get_window_extent().width / fig.dpi
    assert legend_inches > 2.5  # wider than the 2-inch figure
    path = figstyle.save(fig, str(tmp_path / "wide.png"))
    with Image.open(path) as im:
        assert im.size[0] / figstyle.current().dpi >= legend_inches


def test_a_few_rows_of_d_get_their_own_ticks(make_sweep, paper_file):
    rows = load_sweep(make_sweep("two_rows_fig", groups=((400, "relu"),), k=range(5, 41),
                                 d=[20, 40], trials=2,
                                 prob=ovsynth.logistic_prob(midpoint=1.3, slope=6.0)))
    g = rows.groups[0]
    fig, _ = heatmap.build_group_figure(rows, g, outcomes(g), None)
    assert list(fig.axes[0].get_xticks()) == [20, 40]  # not 20, 25, 30, ... nor 159.6
    matplotlib.pyplot.close(fig)
    grid = load_sweep(paper_file)  # d = 1..25: matplotlib's own ticks (0, 5, ..., 25)
    fig, _ = heatmap.build_group_figure(grid, grid.groups[0], outcomes(grid.groups[0]), None)
    assert 2 <= len(fig.axes[0].get_xticks()) < 25
    matplotlib.pyplot.close(fig)
