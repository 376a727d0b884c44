"""Post-hoc analysis of ovsweep sweep files (read-only; never re-trains).

Run as ``python3 -m analysis COMMAND FILE ...`` from the repository root.
Commands: ``heatmap``, ``boundary``, ``rethreshold``, ``report``, ``theory``, ``simulate``
(see docs/ANALYSIS.md).

Modules, by concern:

* :mod:`analysis.io`          load an ovsweep HDF5 file into plain numpy structures
* :mod:`analysis.outcomes`    per-trial success for a tolerance rung and an iteration budget
* :mod:`analysis.stats`       binomial GLM fits, profile-likelihood CIs, Wilson intervals
* :mod:`analysis.boundary`    the 50% boundary in kd/n, LR test, tolerance dependence
* :mod:`analysis.heatmap`     Figure-2-style heatmaps (matplotlib, Agg backend)
* :mod:`analysis.rethreshold` heatmaps for another tolerance/budget, text heatmap
* :mod:`analysis.report`      report.md with figures and tables
* :mod:`analysis.theory`      comparison with the paper's theory (dist from init, rate, diagnostics)
* :mod:`analysis.cli`         argparse front end
"""

__all__ = ["AnalysisError"]

from .errors import AnalysisError  # noqa: E402
