"""plot_scaling.py BEFORE.csv AFTER.csv OUT.png [--labels A,B] - the cost-growth curve of
`make bench-scaling` (bench/scaling.sh's CSV) before and after a change: fraction of one core's
FMA peak (each run against its own measured peak) against n k d, simd and blas kernels, ReLU
and softplus side by side. --labels names the two runs in the legend (default before,after:
two machines, say, each against its own peak). Read-only; numpy and matplotlib only."""
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def load(path):
    rows = np.genfromtxt(path, delimiter=",", names=True, dtype=None, encoding="utf-8")
    return rows


def series(rows, act, kernel):
    sel = (rows["act"] == act) & (rows["kernel"] == kernel)
    order = np.argsort(rows["nkd"][sel])
    return rows["nkd"][sel][order], rows["frac_peak"][sel][order], rows["n"][sel][order]


def main(argv):
    labels = ("before", "after")
    if len(argv) == 5 and argv[3] == "--labels" and len(argv[4].split(",")) == 2:
        labels = tuple(argv[4].split(","))
        argv = argv[:3]
    if len(argv) != 3:
        print("usage: " + __doc__.splitlines()[0].split(" - ")[0], file=sys.stderr)
        return 2
    before, after = load(argv[0]), load(argv[1])
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    styles = {"simd": ("C0", "o"), "blas": ("C1", "s"), "numpy": ("C2", "^")}
    for ax, act in zip(axes, ("relu", "softplus")):
        for kernel, (color, marker) in styles.items():
            for rows, ls, label in ((before, "--", labels[0]), (after, "-", labels[1])):
                x, y, n = series(rows, act, kernel)
                if len(x):
                    ax.plot(x, y, ls, color=color, marker=marker, ms=4,
                            label=f"{kernel}, {label}", alpha=0.6 if ls == "--" else 1.0)
        x, _, n = series(after, act, "simd")
        for xi, ni in zip(x, n):
            ax.annotate(f"n={ni}", (xi, 0.02), fontsize=6, rotation=90, ha="center")
        ax.axhline(0.75, color="grey", lw=0.8, ls=":")
        ax.set_xscale("log")
        ax.set_xlabel("n k d (kd about 1.5 n)")
        ax.set_title(f"{act}: GD update, products' share of peak")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("4nkd flops / time / FMA peak")
    axes[1].legend(fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(argv[2], dpi=130)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
