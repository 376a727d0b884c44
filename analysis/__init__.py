"""Post-hoc analysis of ovsweep sweep files (read-only; never re-trains).

From a shell, in any directory: ``python3 /path/to/ovsweep/analysis COMMAND FILE ...`` or the
launcher ``/path/to/ovsweep/analysis/ovsweep-analysis COMMAND FILE ...`` (or ``python3 -m
analysis`` with the repository root on the path). Commands: ``report``, ``heatmap``,
``boundary``, ``budget``, ``rethreshold``, ``theory``, ``simulate``, ``compare``, ``export``
(see docs/ANALYSIS.md).

From Python: ``analysis.load(path)`` gives one xarray Dataset for all groups (dims n,
activation, method, k, d, trial, tol_ladder; not-run trials are NaN) and ``analysis.trials(path)``
a tidy pandas DataFrame with one row per finished trial.

Modules, by concern:

* :mod:`analysis.io`          load an ovsweep HDF5 file into plain numpy structures
* :mod:`analysis.dataset`     the file as an xarray Dataset / pandas DataFrame; CSV export
* :mod:`analysis.outcomes`    per-trial success for a tolerance rung and an iteration budget
* :mod:`analysis.stats`       binomial GLM fits, profile-likelihood CIs, Wilson intervals
* :mod:`analysis.boundary`    the 50% boundary in kd/n, LR test, tolerance dependence
* :mod:`analysis.robust`      intervals that do not assume the kd/n-only model (per d, bootstrap)
* :mod:`analysis.budget`      the boundary against the update budget; has it settled?
* :mod:`analysis.summary`     the answer first: one line per group
* :mod:`analysis.figstyle`    output formats, dpi, colour map, sizes, fonts
* :mod:`analysis.heatmap`     Figure-2-style heatmaps and boundary figures (matplotlib, Agg)
* :mod:`analysis.rethreshold` heatmaps for another tolerance/budget, text heatmap
* :mod:`analysis.document`    a small document model written as Markdown and as HTML
* :mod:`analysis.report`      report.md and report.html with figures and tables
* :mod:`analysis.theory`      comparison with the paper's theory (dist from init, rate, diagnostics)
* :mod:`analysis.cli`         argparse front end
"""

__all__ = ["AnalysisError", "load", "trials"]

from .errors import AnalysisError  # noqa: E402


def load(path: str):
    """One xarray Dataset for every group of an ovsweep file (see analysis.dataset)."""
    from .dataset import load as _load
    return _load(path)


def trials(path: str, all_trials: bool = False):
    """A tidy pandas DataFrame, one row per finished trial (see analysis.dataset)."""
    from .dataset import trials as _trials
    return _trials(path, all_trials)
