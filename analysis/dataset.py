"""The whole sweep file as one xarray Dataset, or as a tidy per-trial pandas DataFrame.

    import analysis
    ds = analysis.load("fig2.h5")            # dims n, activation, training, k, d, trial, tol_ladder
    ds.success.mean("trial")                 # success probability; right on a partial file
    df = analysis.trials("fig2.h5")          # one row per finished trial

The training method (gd, sgd, rf; the group attribute `method`) is the dimension `training`,
because xarray's sel() reserves the keyword `method`: ds.sel(n=100, activation="relu",
training="gd").

Both are built from analysis.io.load_sweep, so they see exactly what every command sees: a trial
counts only where `done` is set, and cells outside the kd band (`planned` = 0) have no trials.

Masking (so that reductions need no hand work): every per-trial variable is float64 with NaN
where the trial was not run (not finished yet, outside the kd band, or a group the file lacks),
so `mean`, `sum` and `count` over "trial" skip them. `success`, `diverged` and `early_stopped`
are 1.0/0.0/NaN. `ladder_hit_iter` is the update at which the trial first reached the rung, NaN
where it never did or was not run (`done` tells the two apart). `done` and `planned` are
booleans and `trials_done`/`success_count` integers, all without NaN.
"""

import datetime
from typing import Dict, List

import numpy as np

from .errors import AnalysisError
from .io import (DIAGNOSTIC_DATASETS, ETA_AUTO_DATASETS, TRIAL_DATASETS_OPTIONAL, Group, Sweep,
                 load_sweep)

FLAG_VARIABLES = ("success", "diverged", "early_stopped")
NUMBER_VARIABLES = ("iterations", "final_rel_err", "dist_from_init", "path_length",
                    "wall_seconds") + DIAGNOSTIC_DATASETS
# Under --eta ACT=auto:C each trial has its own step: the file's per-trial `eta` is the
# Dataset's `eta_trial` (its `eta` is the group's, NaN under the rule) and the table's `eta`.
TRIAL_NAMES = {"eta": "eta_trial"}
DESCRIPTIONS = {
    "eta_trial": "the trial's step size (--eta ACT=auto:C: C / lambda_max), NaN if not run",
    "lambda_max": "lambda_max(J(W0) J(W0)^T) (--eta ACT=auto:C), NaN if not run or fixed eta",
    "lambda_products": "products with J J^T that found lambda_max (root lambda_method; 0: not "
                       "recorded, files before round 45), NaN if not run or fixed eta",
    "done": "trial finished (False: not run yet, outside the kd band, or group absent)",
    "success": "1 if ||f - y||/||y|| < tol within max_iter, 0 if not, NaN if not run",
    "diverged": "1 if the trial stopped on a non-finite residual or gradient, NaN if not run",
    "early_stopped": "1 if --early-fail stopped the trial, NaN if not run",
    "iterations": "updates applied (epochs for sgd), NaN if not run",
    "final_rel_err": "final ||f - y|| / ||y||, NaN if not run",
    "dist_from_init": "||W_T - W_0||_F, NaN if not run",
    "path_length": "sum_t ||W_{t+1} - W_t||_F, NaN if not run",
    "wall_seconds": "wall time of the trial in seconds, NaN if not run",
    # --diagnostics (docs/HDF5_LAYOUT.md)
    "x_norm": "||X||, spectral norm of the n x d data matrix, NaN if not run",
    "kr_sigma_min": "sigma_min(X * X) of the Khatri-Rao product, NaN if not run",
    "nn_lambda": "lambda(X) of Definition 6.1, NaN if not run",
    "jac_sigma_min": "n-th singular value of the Jacobian at W0, NaN if not run",
    "initial_rel_err": "||f(W0) - y|| / ||y||, NaN if not run",
    "ladder_hit_iter": "first update with relative error < rung; NaN if never or not run",
    "planned": "cell inside the sweep's kd band (False: deliberately not run)",
    "trials_done": "finished trials per cell",
    "success_count": "successful trials per cell",
    "success_prob": "success_count / trials_done, NaN where no trial finished",
}


def _need(module: str):
    try:
        return __import__(module)
    except ImportError:
        raise AnalysisError(f"{module} is not installed (Debian: python3-{module})") from None


def _axes(sweep: Sweep):
    """Coordinate values: n sorted; activations and methods in file order; k, d, trial and the
    ladder of the first group (one file has one grid)."""
    ns = sorted({g.n for g in sweep.groups})
    acts, methods = [], []
    for g in sweep.groups:
        if g.activation not in acts:
            acts.append(g.activation)
        if g.method not in methods:
            methods.append(g.method)
    g0 = sweep.groups[0]
    for g in sweep.groups[1:]:
        if (not np.array_equal(g.k, g0.k) or not np.array_equal(g.d, g0.d)
                or g.done.shape != g0.done.shape
                or not np.allclose(g.tol_ladder, g0.tol_ladder)):
            raise AnalysisError(f"{sweep.path}: group {g.name} has another grid than "
                                f"{g0.name}; load() needs one k, d, trial and ladder grid")
    return ns, acts, methods, g0


def _trial_array(g: Group, name: str) -> np.ndarray:
    """A per-trial dataset as float64 with NaN where the trial was not run."""
    if name == "success":
        arr = g.success.astype(float)
    elif name in g.trial_data:
        arr = np.asarray(g.trial_data[name], float)
    else:
        arr = np.full(g.done.shape, np.nan)
    return np.where(g.done, arr, np.nan)


def _hits(g: Group) -> np.ndarray:
    shape = g.done.shape + (len(g.tol_ladder),)
    if g.ladder_hit_iter is None:
        return np.full(shape, np.nan)
    h = g.ladder_hit_iter.astype(float)
    return np.where(g.done[..., None] & (h >= 0), h, np.nan)


def _root_attrs(sweep: Sweep) -> Dict[str, object]:
    """Root attributes in netCDF-friendly types (strings, numbers, 1-D numeric arrays)."""
    out = {}
    for key, value in sweep.attrs.items():
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        elif isinstance(value, np.ndarray):
            if value.dtype.kind not in "iuf":
                continue
            value = value.ravel()
        elif isinstance(value, bool):
            value = int(value)
        elif not isinstance(value, (str, int, float)):
            continue
        out[key] = value
    out["source_file"] = sweep.path
    return out


def to_dataset(sweep: Sweep):
    """The Dataset of an already loaded Sweep (see the module docstring)."""
    xr = _need("xarray")
    ns, acts, methods, g0 = _axes(sweep)
    K, D, T = g0.done.shape
    L = len(g0.tol_ladder)
    G = (len(ns), len(acts), len(methods))
    trial_vars = FLAG_VARIABLES + NUMBER_VARIABLES + ETA_AUTO_DATASETS
    present = [nm for nm in trial_vars
               if nm == "success" or any(nm in g.trial_data for g in sweep.groups)]
    data = {nm: np.full(G + (K, D, T), np.nan) for nm in present}
    hits = np.full(G + (K, D, T, L), np.nan)
    done = np.zeros(G + (K, D, T), bool)
    planned = np.zeros(G + (K, D), bool)
    per_group = {"eta": np.full(G, np.nan), "eta_auto": np.zeros(G),
                 "max_iter": np.full(G, -1, np.int64),
                 "tol": np.full(G, np.nan), "group_present": np.zeros(G, bool)}
    names = np.full(G, "", dtype=object)
    for g in sweep.groups:
        ix = (ns.index(g.n), acts.index(g.activation), methods.index(g.method))
        for nm in present:
            data[nm][ix] = _trial_array(g, nm)
        hits[ix] = _hits(g)
        done[ix] = g.done
        planned[ix] = g.planned
        per_group["eta"][ix], per_group["max_iter"][ix] = g.eta, g.max_iter
        per_group["eta_auto"][ix] = g.eta_auto
        per_group["tol"][ix], per_group["group_present"][ix] = g.tol, True
        names[ix] = g.name
    gdims = ("n", "activation", "training")
    cdims = gdims + ("k", "d")
    tdims = cdims + ("trial",)
    variables = {TRIAL_NAMES.get(nm, nm): (tdims, arr, {"description":
                                                    DESCRIPTIONS[TRIAL_NAMES.get(nm, nm)]})
                 for nm, arr in data.items()}
    variables["done"] = (tdims, done, {"description": DESCRIPTIONS["done"]})
    variables["ladder_hit_iter"] = (tdims + ("tol_ladder",), hits,
                                    {"description": DESCRIPTIONS["ladder_hit_iter"]})
    variables["planned"] = (cdims, planned, {"description": DESCRIPTIONS["planned"]})
    tdone = done.sum(axis=-1)
    scount = np.nansum(data["success"], axis=-1).astype(np.int64)
    variables["trials_done"] = (cdims, tdone.astype(np.int64),
                                {"description": DESCRIPTIONS["trials_done"]})
    variables["success_count"] = (cdims, scount, {"description": DESCRIPTIONS["success_count"]})
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(tdone > 0, scount / np.maximum(tdone, 1), np.nan)
    variables["success_prob"] = (cdims, prob, {"description": DESCRIPTIONS["success_prob"]})
    for nm, arr in per_group.items():
        variables[nm] = (gdims, arr)
    variables["group_name"] = (gdims, names.astype(str))
    coords = {"n": np.asarray(ns, np.int64), "activation": acts, "training": methods,
              "k": g0.k.astype(np.int64), "d": g0.d.astype(np.int64),
              "trial": np.asarray(g0.trial, np.int64),
              "tol_ladder": np.asarray(g0.tol_ladder, float)}
    ds = xr.Dataset(variables, coords=coords, attrs=_root_attrs(sweep))
    ds = ds.assign_coords(kd=(("k", "d"), np.outer(g0.k, g0.d).astype(np.int64)))
    # [n, k, d] as documented (kd / n alone broadcasts to [k, d, n])
    return ds.assign_coords(kd_over_n=(ds.kd / ds.n).transpose("n", "k", "d"))


def load(path: str):
    """One xarray Dataset for every group of the sweep file at `path`."""
    return to_dataset(load_sweep(path))


TRIAL_COLUMNS = ("group", "n", "activation", "method", "k", "d", "trial", "kd", "kd_over_n",
                 "eta", "max_iter", "tol", "done", "success")


def _group_frame(pd, g: Group, all_trials: bool) -> "object":
    K, D, T = g.done.shape
    ki, di, ti = np.meshgrid(np.arange(K), np.arange(D), np.arange(T), indexing="ij")
    keep = (g.done if not all_trials else np.broadcast_to(g.planned[:, :, None], g.done.shape))
    ki, di, ti = ki[keep], di[keep], ti[keep]
    k, d = g.k[ki].astype(np.int64), g.d[di].astype(np.int64)
    done = g.done[ki, di, ti]
    cols = {"group": g.name, "n": g.n, "activation": g.activation, "method": g.method,
            "k": k, "d": d, "trial": np.asarray(g.trial)[ti].astype(np.int64), "kd": k * d,
            "kd_over_n": k * d / g.n, "eta": g.eta, "max_iter": g.max_iter, "tol": g.tol,
            "done": done}
    cols["success"] = pd.array(np.where(done, g.success[ki, di, ti], False), dtype="boolean")
    cols["success"][~done] = pd.NA
    for nm in ("diverged", "early_stopped"):
        if nm in g.trial_data:
            col = pd.array(g.trial_data[nm][ki, di, ti].astype(bool), dtype="boolean")
            col[~done] = pd.NA
            cols[nm] = col
    if "iterations" in g.trial_data:
        it = pd.array(g.trial_data["iterations"][ki, di, ti].astype(np.int64), dtype="Int64")
        it[~done] = pd.NA
        cols["iterations"] = it
    if "eta" in g.trial_data:  # the rule auto:C: each trial's own step
        cols["eta"] = np.where(done, np.asarray(g.trial_data["eta"], float)[ki, di, ti], np.nan)
    for nm in TRIAL_DATASETS_OPTIONAL + DIAGNOSTIC_DATASETS + ETA_AUTO_DATASETS:
        if nm in g.trial_data and nm not in cols:
            cols[nm] = np.where(done, np.asarray(g.trial_data[nm], float)[ki, di, ti], np.nan)
    if g.ladder_hit_iter is not None:
        for j, rung in enumerate(g.tol_ladder):
            h = g.ladder_hit_iter[ki, di, ti, j].astype(np.int64)
            col = pd.array(h, dtype="Int64")
            col[~done | (h < 0)] = pd.NA
            cols[f"hit_{rung:g}"] = col
    return pd.DataFrame(cols)


def to_trials(sweep: Sweep, all_trials: bool = False):
    """The per-trial DataFrame of an already loaded Sweep. One row per finished trial (with
    all_trials, one per planned trial, unfinished ones with done = False and empty results).
    hit_<rung> is the update at which the trial first reached that rung, <NA> if it never did."""
    pd = _need("pandas")
    frames: List[object] = [_group_frame(pd, g, all_trials) for g in sweep.groups]
    return pd.concat(frames, ignore_index=True)


def trials(path: str, all_trials: bool = False):
    """One row per finished trial of every group of the sweep file at `path` (see to_trials)."""
    return to_trials(load_sweep(path), all_trials)


def export_csv(sweep: Sweep, out, all_trials: bool = False) -> int:
    """Write the per-trial table as CSV to a path or open text stream; returns the row count.
    Missing values are empty fields; booleans are True/False."""
    df = to_trials(sweep, all_trials)
    df.to_csv(out, index=False, float_format="%.17g")
    return len(df)


def export_netcdf(sweep: Sweep, path: str, command: str = "analysis.dataset.export_netcdf") -> None:
    """Write the Dataset as netCDF-4 (HDF5) with h5netcdf. Its `history` is the sweep's (one
    line per run of ovsweep) and a line for this export, as CF asks of every program that
    writes a file from another: the time (UTC) and the command."""
    _need("h5netcdf")
    ds = to_dataset(sweep)
    prior = str(ds.attrs.get("history", "")).rstrip("\n")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    ds.attrs["history"] = (prior + "\n" if prior else "") + f"{when} {command}"
    ds.to_netcdf(path, engine="h5netcdf")
