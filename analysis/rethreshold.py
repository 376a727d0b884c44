"""Success heatmaps for another tolerance rung and/or a smaller iteration budget, recomputed from
ladder_hit_iter (success iff 0 <= hit <= budget) without re-training, plus a text heatmap.

At the file's own tol and max_iter the recomputed success_count must equal the stored one
exactly; `consistency` checks that for every group.
"""

from typing import Dict, List, Optional

import numpy as np

from .io import Group, Sweep
from .outcomes import Outcomes, check_stored_counts, outcomes

TEXT_LEGEND = ("cell = success probability: '.' no data, 'x' not run (outside the kd band), "
               "'-' 0, '1'..'9' ~10*p (tenths, rounded, 0<p<1), '+' 1")


def cell_char(p: float) -> str:
    if not np.isfinite(p):
        return "."
    if p <= 0.0:
        return "-"
    if p >= 1.0:
        return "+"
    return str(int(min(9, max(1, round(10 * p)))))


def text_heatmap(group: Group, outc: Outcomes) -> str:
    """Rows k (largest on top, as in the figure), columns d."""
    ko = np.argsort(group.k)[::-1]
    do = np.argsort(group.d)
    P = outc.prob
    kw = max(len(str(int(v))) for v in group.k)
    dw = max(len(str(int(v))) for v in group.d)
    cw = max(dw, 1) + 1
    lines = [f"{group.name}: n={group.n}, {group.activation}, tol={outc.tol:g}, "
             f"budget={outc.budget}: {int(outc.success_count.sum())} successes / "
             f"{int(outc.trials_done.sum())} trials"]
    for i in ko:
        row = "".join((cell_char(P[i, j]) if group.planned[i, j] else "x").rjust(cw)
                      for j in do)
        lines.append(f"k={int(group.k[i]):>{kw}} |{row}")
    lines.append(" " * (kw + 3) + "+" + "-" * (cw * len(do)))
    lines.append(" " * (kw + 3) + "d" + "".join(str(int(group.d[j])).rjust(cw) for j in do))
    return "\n".join(lines)


def consistency(sweep: Sweep) -> Dict[str, Optional[str]]:
    """Group name -> None if the stored success_count equals the recomputed one, else a message."""
    return {g.name: check_stored_counts(g) for g in sweep.groups}


def rethreshold(sweep: Sweep, tol: Optional[float], budget: Optional[int]) -> List[Outcomes]:
    """Outcomes of every group at (tol, budget), recomputed from the ladder (the stored `success`
    dataset is used only when a group has no ladder_hit_iter and tol/budget are its own)."""
    return [outcomes(g, tol, budget, use_ladder=g.ladder_hit_iter is not None)
            for g in sweep.groups]
