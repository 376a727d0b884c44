"""How figures look and where they go: output formats, resolution, colour map, sizes and fonts.

One style is in force at a time (`use()`); the command line sets it from --format, --dpi and
--cmap before any figure is drawn. The defaults are meant for a paper: single-column figures
3.4 in wide with 7-8 pt fonts, a perceptually uniform colour map (viridis), PDF with TrueType
fonts (Type 3 fonts are refused by some publishers) and no time stamps in PDF/SVG (the same
input gives the same file).

Helpers shared by every figure: `save` (one file per format), `log_axis` (plain-number labels on
log axes instead of 10^k), `outlined` (a line readable on any colour map) and `text_overlaps`
(which text boxes of a drawn figure collide; used by the tests).
"""

import os
from dataclasses import dataclass
from typing import List, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")
import matplotlib.legend  # noqa: E402
import matplotlib.patheffects as patheffects  # noqa: E402
import matplotlib.text  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import ticker  # noqa: E402

from .errors import AnalysisError  # noqa: E402

FORMATS = ("png", "pdf", "svg")
DEFAULT_CMAP = "viridis"
UNIFORM_CMAPS = ("viridis", "cividis", "plasma", "inferno", "magma")
DEFAULT_DPI = 300
SINGLE = 3.4    # inches: one column of a two-column paper
DOUBLE = 7.0    # inches: the full text width

RC = {"font.size": 8, "axes.titlesize": 8, "axes.labelsize": 8, "xtick.labelsize": 7,
      "ytick.labelsize": 7, "legend.fontsize": 7, "figure.titlesize": 9,
      "axes.linewidth": 0.6, "lines.linewidth": 1.2, "lines.markersize": 4,
      "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "path", "svg.hashsalt": "ovsweep",
      "legend.frameon": False, "savefig.dpi": DEFAULT_DPI}


@dataclass(frozen=True)
class Style:
    formats: Tuple[str, ...] = ("png",)
    dpi: int = DEFAULT_DPI
    cmap: str = DEFAULT_CMAP


_current = [Style()]


def parse_formats(text: str) -> Tuple[str, ...]:
    """'png,pdf' -> ('png', 'pdf'); AnalysisError for anything else."""
    out = []
    for part in str(text).split(","):
        fmt = part.strip().lower().lstrip(".")
        if fmt not in FORMATS:
            raise AnalysisError(f"--format: unknown format {part.strip()!r} (choose from "
                                f"{', '.join(FORMATS)})")
        if fmt not in out:
            out.append(fmt)
    if not out:
        raise AnalysisError(f"--format: empty list (choose from {', '.join(FORMATS)})")
    return tuple(out)


def check_cmap(name: str) -> str:
    if name not in matplotlib.colormaps:
        raise AnalysisError(f"--cmap: unknown colour map {name!r} (perceptually uniform ones: "
                            f"{', '.join(UNIFORM_CMAPS)})")
    return name


def use(style: Style) -> Style:
    """Make `style` the one in force (also resets matplotlib's rcParams to the house look)."""
    if style.dpi <= 0:
        raise AnalysisError(f"--dpi must be > 0 (got {style.dpi})")
    check_cmap(style.cmap)
    matplotlib.rcParams.update(matplotlib.rcParamsDefault)
    matplotlib.rcParams.update(RC)
    matplotlib.rcParams["savefig.dpi"] = style.dpi
    _current[0] = style
    return style


def current() -> Style:
    return _current[0]


def with_png(style: Style) -> Style:
    """The same style with PNG first: what report.md and report.html show."""
    rest = tuple(f for f in style.formats if f != "png")
    return Style(formats=("png",) + rest, dpi=style.dpi, cmap=style.cmap)


def cmap():
    return matplotlib.colormaps[current().cmap]


def siblings(path: str) -> List[str]:
    """Every file `save(fig, path)` writes: the same base name in each format in force."""
    base = os.path.splitext(path)[0]
    return [f"{base}.{fmt}" for fmt in current().formats]


def save(fig, path: str) -> str:
    """Write `fig` once per format in force (the extension of `path` is replaced) and close it.
    Returns the path of the first format's file."""
    metadata = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}
    written = siblings(path)
    # legends kept out of constrained layout (legend_in) are also out of the tight box unless
    # named: a legend wider than the figure was cut at its edges
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    for out in written:
        fmt = os.path.splitext(out)[1][1:]
        fig.savefig(out, dpi=current().dpi, bbox_inches="tight", pad_inches=0.03,
                    bbox_extra_artists=legends or None, metadata=metadata.get(fmt))
    plt.close(fig)
    return written[0]


def outlined(colour: str, edge: str, width: float) -> dict:
    """Line keywords for a `colour` line with an `edge` outline: readable on any colour map."""
    return {"color": colour, "lw": width,
            "path_effects": [patheffects.Stroke(linewidth=width + 1.4, foreground=edge),
                             patheffects.Normal()]}


def panel_figure(nrows: int, ncols: int, width: float, panel_height: float,
                 legend_height: float = 0.0):
    """A figure of nrows x ncols axes with, when legend_height > 0, a strip of that height (in
    inches) below them for a shared legend, so that no legend sits on data or labels. Returns
    (fig, axes [nrows][ncols], legend axes or None); constrained layout keeps labels apart."""
    height = nrows * panel_height + legend_height
    fig = plt.figure(figsize=(width, height), constrained_layout=True)
    rows = [panel_height] * nrows + ([legend_height] if legend_height > 0 else [])
    gs = fig.add_gridspec(len(rows), ncols, height_ratios=rows)
    axes = np.array([[fig.add_subplot(gs[r, c]) for c in range(ncols)] for r in range(nrows)],
                    dtype=object)
    lax = None
    if legend_height > 0:
        lax = fig.add_subplot(gs[nrows, :])
        lax.axis("off")
    return fig, axes, lax


def legend_height(entries: int, ncol: int) -> float:
    """Inches of a legend strip for `entries` entries in `ncol` columns."""
    return 0.1 + 0.17 * max(1, -(-entries // ncol))


def legend_in(lax, handles, ncol: int = 2):
    """The shared legend, centred in its own strip (see panel_figure)."""
    if lax is None or not handles:
        return None
    leg = lax.legend(handles=handles, loc="center", ncol=ncol, frameon=False, handlelength=2.2,
                     columnspacing=1.2)
    # The strip was sized for it (legend_height); a legend wider than the figure must not make
    # constrained layout shrink the axes to nothing: the saved bounding box takes it in.
    leg.set_in_layout(False)
    return leg


def _subs_for(decades: float) -> Sequence[float]:
    if decades <= 1.3:
        return (1.0, 2.0, 5.0)
    if decades <= 2.5:
        return (1.0, 3.0)
    return (1.0,)


def plain_number(v: float, _pos=None) -> str:
    """'0.0025', '0.5', '2', '1e-05': what a reader expects on a log axis of ratios."""
    if v <= 0 or not np.isfinite(v):
        return ""
    return f"{v:.3g}"


def log_axis(ax, which: str = "x", lo: float = None, hi: float = None) -> None:
    """Log scale with labels as plain numbers at 1-2-5, 1-3 or decades (by the span)."""
    axis = ax.xaxis if which == "x" else ax.yaxis
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    if lo is not None and hi is not None and lo > 0 and hi > lo:
        (ax.set_xlim if which == "x" else ax.set_ylim)(lo, hi)
    vmin, vmax = (ax.get_xlim() if which == "x" else ax.get_ylim())
    decades = float(np.log10(max(vmax, 1e-300) / max(vmin, 1e-300)))
    axis.set_major_locator(ticker.LogLocator(base=10.0, subs=_subs_for(decades)))
    axis.set_major_formatter(ticker.FuncFormatter(plain_number))
    axis.set_minor_locator(ticker.LogLocator(base=10.0, subs=np.arange(1.0, 10.0)))
    axis.set_minor_formatter(ticker.NullFormatter())


def _undrawn_tick_labels(fig) -> set:
    """ids of the tick labels matplotlib does not draw: those of ticks outside the view."""
    out = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            span = (hi - lo) or 1.0
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                loc = tick.get_loc()
                if loc is None or not (lo - 1e-10 * span <= loc <= hi + 1e-10 * span):
                    out.update((id(tick.label1), id(tick.label2)))
    return out


def _text_boxes(fig) -> List[Tuple[str, object]]:
    """(label, window extent) of every drawn, non-empty text of a drawn figure; a legend counts
    as one box (its own entries cannot collide with each other)."""
    renderer = fig.canvas.get_renderer()
    boxes = []
    skip = _undrawn_tick_labels(fig)
    for leg in fig.findobj(matplotlib.legend.Legend):
        if leg.get_visible():
            skip.update(id(t) for t in leg.findobj(matplotlib.text.Text))
            boxes.append(("legend", leg.get_window_extent(renderer)))
    for t in fig.findobj(matplotlib.text.Text):
        if id(t) in skip or not t.get_visible() or not t.get_text().strip():
            continue
        boxes.append((t.get_text(), t.get_window_extent(renderer)))
    return boxes


def text_overlaps(fig, slack: float = 0.5) -> List[Tuple[str, str]]:
    """Pairs of texts (or a text and a legend) of `fig` whose boxes overlap by more than `slack`
    pixels in both directions, after drawing the figure."""
    fig.canvas.draw()
    boxes = _text_boxes(fig)
    pairs = []
    for i in range(len(boxes)):
        for j in range(i + 1, len(boxes)):
            a, b = boxes[i][1], boxes[j][1]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > slack and dy > slack:
                pairs.append((boxes[i][0], boxes[j][0]))
    return pairs


use(Style())
