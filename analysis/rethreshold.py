"""Success heatmaps for another tolerance rung and/or a smaller iteration budget, recomputed from
ladder_hit_iter (success iff 0 <= hit <= budget) without re-training, plus a text heatmap.

At the file's own tol and max_iter the recomputed success_count must equal the stored one
exactly; `consistency` checks that for every group.
"""

from typing import Dict, List, Optional

import numpy as np

from .io import Group, Sweep
from .outcomes import Outcomes, check_stored_counts, outcomes

TEXT_LEGEND = ("cell = success probability in tenths '0'..'9' (floor of 10 p), '#' = 1, '.' = "
               "no finished trials (not run yet, or outside the kd band); '|' before the first "
               "cell of a row with kd >= n; rows k (largest on top), columns d (last digit): the "
               "symbols of bin/ovsweep's own heatmap")


def cell_char(successes: int, trials: int) -> str:
    """bin/ovsweep's symbol for a cell (src/report.c): '.' no trials, '#' all succeeded, else
    the tenths digit floor(10 s / t)."""
    if trials <= 0:
        return "."
    if successes >= trials:
        return "#"
    return str(int(10.0 * successes / trials))


def text_heatmap(group: Group, outc: Outcomes) -> str:
    """A summary line, then the grid exactly as bin/ovsweep prints it."""
    ko = np.argsort(group.k)[::-1]
    do = np.argsort(group.d)
    sc, td = outc.success_count, outc.trials_done
    lines = [f"{group.name}: n={group.n}, {group.activation}, tol={outc.tol:g}, "
             f"budget={outc.budget}: {int(sc.sum())} successes / {int(td.sum())} trials"]
    for i in ko:
        row, marked = [], False
        for j in do:
            crossed = int(group.k[i]) * int(group.d[j]) >= group.n
            row.append("|" if crossed and not marked else " ")
            marked = marked or crossed
            row.append(cell_char(int(sc[i, j]), int(td[i, j])))
        lines.append(f"k={int(group.k[i]):4d} " + "".join(row))
    lines.append("   d = " + "".join(" " + str(int(group.d[j]) % 10) for j in do)
                 + "  (last digit)")
    return "\n".join(lines)


def consistency(sweep: Sweep) -> Dict[str, Optional[str]]:
    """Group name -> None if the stored success_count equals the recomputed one, else a message."""
    return {g.name: check_stored_counts(g) for g in sweep.groups}


def rethreshold(sweep: Sweep, tol: Optional[float], budget: Optional[int]) -> List[Outcomes]:
    """Outcomes of every group at (tol, budget), recomputed from the ladder (the stored `success`
    dataset is used only when a group has no ladder_hit_iter and tol/budget are its own)."""
    return [outcomes(g, tol, budget, use_ladder=g.ladder_hit_iter is not None)
            for g in sweep.groups]
