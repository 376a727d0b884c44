"""Per-trial outcomes for a tolerance rung and an iteration budget, without re-training.

Contract (docs/HDF5_LAYOUT.md): a finished trial would have succeeded with tolerance
tol_ladder[j] and budget B iff 0 <= ladder_hit_iter[..., j] <= B. At the file's own tol (the
last rung) and budget max_iter, the stored `success` dataset is used directly.
"""

from dataclasses import dataclass
from typing import Optional

import numpy as np

from .errors import AnalysisError
from .io import Group

# Rungs are compared with a relative tolerance so that "--tol 0.05" matches a stored
# sqrt(2.5e-3) = 0.049999999999999996.
RUNG_RTOL = 1e-6


def format_rungs(ladder) -> str:
    return ", ".join(f"{t:g}" for t in ladder)


def find_rung(ladder, tol: float) -> Optional[int]:
    """Index of the rung equal to `tol` (relative tolerance RUNG_RTOL), or None."""
    ladder = np.asarray(ladder, dtype=float)
    hits = np.nonzero(np.isclose(ladder, tol, rtol=RUNG_RTOL, atol=0.0))[0]
    return int(hits[-1]) if hits.size else None


def rung_index(group: Group, tol: float) -> int:
    j = find_rung(group.tol_ladder, tol)
    if j is None:
        raise AnalysisError(f"tolerance {tol:g} is not a rung of the tolerance ladder of group "
                            f"{group.name}; available rungs: {format_rungs(group.tol_ladder)}")
    return j


@dataclass
class Outcomes:
    """Per-trial outcomes of one group at (tol, budget). Arrays are [K, D, T] booleans."""
    tol: float
    budget: int
    success: np.ndarray
    done: np.ndarray
    source: str            # "success dataset" or "ladder rung j"

    @property
    def success_count(self) -> np.ndarray:
        return (self.success & self.done).sum(axis=2).astype(np.int64)

    @property
    def trials_done(self) -> np.ndarray:
        return self.done.sum(axis=2).astype(np.int64)

    @property
    def prob(self) -> np.ndarray:
        """success_count / trials_done per cell; NaN where no trial is done."""
        td = self.trials_done
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(td > 0, self.success_count / np.maximum(td, 1), np.nan)

    def is_default(self, group: Group) -> bool:
        return (np.isclose(self.tol, group.tol, rtol=RUNG_RTOL, atol=0.0)
                and self.budget == group.max_iter)


def from_ladder(group: Group, j: int, budget: int) -> np.ndarray:
    """Trials that reached rung j within `budget` updates (only meaningful where done)."""
    if group.ladder_hit_iter is None:
        raise AnalysisError(f"group {group.name} has no ladder_hit_iter dataset: only the file's "
                            f"own tol ({group.tol:g}) and max_iter ({group.max_iter}) can be used")
    hit = group.ladder_hit_iter[..., j]
    return (hit >= 0) & (hit <= budget) & group.done


def outcomes(group: Group, tol: Optional[float] = None, budget: Optional[int] = None,
             use_ladder: bool = False) -> Outcomes:
    """Outcomes at tolerance `tol` (default: the file's tol; must be a ladder rung) and budget
    (default: max_iter; must be 0 <= budget <= max_iter: a larger budget cannot be extrapolated).
    `use_ladder` forces recomputation from ladder_hit_iter even at the file's own settings."""
    tol = group.tol if tol is None else float(tol)
    budget = group.max_iter if budget is None else int(budget)
    if budget < 0:
        raise AnalysisError(f"--budget must be >= 0 (got {budget})")
    if budget > group.max_iter:
        raise AnalysisError(f"budget {budget} exceeds the run's max_iter {group.max_iter} in group "
                            f"{group.name}: trials were stopped there, cannot extrapolate")
    own_tol = np.isclose(tol, group.tol, rtol=RUNG_RTOL, atol=0.0)
    if own_tol and budget == group.max_iter and not use_ladder:
        return Outcomes(tol=group.tol, budget=budget, success=group.success & group.done,
                        done=group.done.copy(), source="success dataset")
    j = rung_index(group, tol)
    return Outcomes(tol=float(group.tol_ladder[j]), budget=budget,
                    success=from_ladder(group, j, budget), done=group.done.copy(),
                    source=f"ladder rung {j}")


def check_stored_counts(group: Group) -> Optional[str]:
    """Recompute success_count at the file's own tol and max_iter from ladder_hit_iter and
    compare with the stored success_count and trials_done. Returns None if they agree exactly,
    else a one-line description of the mismatch."""
    problems = []
    td = group.done.sum(axis=2)
    if not np.array_equal(td, group.trials_done):
        nbad = int((td != group.trials_done).sum())
        problems.append(f"trials_done differs from sum(done) in {nbad} cell(s)")
    if group.ladder_hit_iter is not None:
        j = rung_index(group, group.tol)
        rec = from_ladder(group, j, group.max_iter).sum(axis=2)
        source = "ladder_hit_iter"
    else:
        rec = (group.success & group.done).sum(axis=2)
        source = "success"
    bad = rec != group.success_count
    if bad.any():
        kk, dd = np.nonzero(bad)
        first = f"k={group.k[kk[0]]}, d={group.d[dd[0]]}: {int(rec[kk[0], dd[0]])} vs stored " \
                f"{int(group.success_count[kk[0], dd[0]])}"
        problems.append(f"success_count recomputed from {source} differs in {int(bad.sum())} "
                        f"cell(s) (first {first})")
    return "; ".join(problems) if problems else None
