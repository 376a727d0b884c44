"""check_layout.py FILE [--xarray]: assert that FILE has the documented ovsweep layout
(docs/HDF5_LAYOUT.md) and that its summaries agree with its per-trial records. The settings
attributes expected at the root are those of the engine's settings table
(analysis/settings.json = `ovsweep --print-settings`)."""
import json
import os
import sys

import h5py
import numpy as np

SETTINGS = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                                       "analysis", "settings.json")))
ROOT_ATTRS = ["ovsweep_format", "format_version", "protocol_version", "ovsweep_version",
              "git_commit", "command_line", "config", "tol_ladder", "groups", "n_ranks",
              "start_time_utc", "checkpoint_time_utc", "finish_time_utc", "hosts",
              "kernel_builds", "compiler", "mpi_library", "hdf5_version", "openblas_config", "openblas_cores",
              "history",
              "complete", "trials_done",
              "trials_total"] + [row["attribute"] for row in SETTINGS
                                 if row["attribute"] and row["stored_in"] == "root"]
DIAGNOSTICS = ["x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err"]
TRIAL = ["done", "success", "diverged", "early_stopped", "iterations", "final_rel_err", "dist_from_init",
         "path_length", "wall_seconds"]


def check_design(name, g, done, planned, D):
    """An adaptive group: the row and history datasets, and trainings that are the first trials
    of their cells. Returns the trainings the design proposed (done or still to run)."""
    for ds in ["row_midpoint", "row_ci_low", "row_ci_high", "row_width", "row_trainings", "row_status"]:
        assert g[ds].shape == (D,), f"{name}/{ds} shape"
    meanings = g["row_status"].attrs["flag_meanings"].split()
    assert meanings[0] == "active" and len(meanings) == len(g["row_status"].attrs["flag_values"])
    R = int(g.attrs["design_rounds"])
    if R == 0:   # no round closed (every row stopped before the first: the writer keeps none)
        assert "history_trainings" not in g, f"{name}: history without rounds"
        hist = np.zeros(0, np.int32)
    else:
        assert g["history_trainings"].shape == (R,) and g["history_ci_low"].shape == (R, D)
        hist = g["history_trainings"][:]
    assert (np.diff(hist) > 0).all(), f"{name}: history_trainings not increasing"
    td = done.sum(axis=2)
    # the t-th training of a cell is its trial t: the done trials are a prefix of each cell
    prefix = np.arange(done.shape[2])[None, None, :] < td[:, :, None]
    assert (done == prefix).all(), f"{name}: done trials are not the first trials of their cells"
    assert not (td[~planned] > 0).any(), f"{name}: an unvisited cell has trials"
    status = g["row_status"][:]
    nodata = np.isin(status, [meanings.index("all_fail"), meanings.index("all_succeed")])
    mid, lo, hi = g["row_midpoint"][:], g["row_ci_low"][:], g["row_ci_high"][:]
    assert np.isnan(mid[nodata]).all(), f"{name}: a row without a transition has a midpoint"
    # a row never trained has only the prior: no midpoint, no interval
    untrained = g["row_trainings"][:] == 0
    assert (np.isnan(mid[untrained]) & np.isnan(lo[untrained]) & np.isnan(hi[untrained])).all(), \
        f"{name}: a row without trainings has a midpoint or interval"
    fin = ~nodata & (status != 0) & ~untrained
    assert ((lo[fin] <= mid[fin]) & (mid[fin] <= hi[fin])).all(), f"{name}: midpoint outside its interval"
    trainings = int(g["row_trainings"][:].sum())
    assert trainings == (hist[-1] if R else 0), f"{name}: row_trainings != history"
    return trainings


def check_cf(f, groups):
    """CF metadata: Conventions; long_name and units on every result dataset; flag_values and
    flag_meanings on the flags; _FillValue -1 / NaN on the not-run markers."""
    assert f.attrs["Conventions"] == "CF-1.8"
    for name in groups:
        g = f[name]
        for ds in ["success_prob", "success_count", "trials_done", "planned", "done"] + TRIAL:
            if ds in g:
                assert "long_name" in g[ds].attrs and "units" in g[ds].attrs, f"{name}/{ds}: CF"
        for ds in ["done", "success", "diverged", "planned"]:
            meanings = g[ds].attrs["flag_meanings"].split()
            assert list(g[ds].attrs["flag_values"]) == list(range(len(meanings))), f"{name}/{ds}"
        assert g["iterations"].attrs["_FillValue"] == -1
        assert g["ladder_hit_iter"].attrs["_FillValue"] == -1
        assert np.isnan(g["final_rel_err"].attrs["_FillValue"])
        assert g["wall_seconds"].attrs["units"] == "s"
        # not run: -1, so that xarray's mean over trials counts finished trials only
        assert g["success"].attrs["_FillValue"] == -1
        assert g["success"].attrs["_FillValue"].dtype == np.int8, "netCDF: the dataset's type"
        # the _FillValue attribute and the dataset's HDF5 fill-value property are one marker:
        # netCDF and HDF5 readers take one or the other (success_prob's property was 0, not NaN)
        for ds in g:
            if isinstance(g[ds], h5py.Dataset) and "_FillValue" in g[ds].attrs:
                a, p = g[ds].attrs["_FillValue"], g[ds].fillvalue
                assert (np.isnan(a) and np.isnan(p)) if np.issubdtype(type(p), np.floating) \
                    else a == p, f"{name}/{ds}: _FillValue {a} but fill-value property {p}"


def main(path, use_xarray):
    f = h5py.File(path, "r")
    for a in ROOT_ATTRS:
        assert a in f.attrs, f"root attribute {a} missing"
    # the history's last line is the run that wrote the file: its start, ranks and command
    last = str(f.attrs["history"]).split("\n")[-1]
    n_ranks = int(f.attrs["n_ranks"])
    assert last.startswith(str(f.attrs["start_time_utc"]) + " ovsweep ") and \
        f" on {n_ranks} rank{'s' if n_ranks != 1 else ''} of " in last and \
        (last.endswith(": " + str(f.attrs["command_line"])) or
         (len(last.encode()) == 2047 and last.endswith("..."))), f"history's last line: {last}"
    config = json.loads(f.attrs["config"])
    for row in SETTINGS:
        if row["attribute"]:
            assert row["attribute"] in config, f"config JSON lacks {row['attribute']}"
    assert f.attrs["ovsweep_format"] == "ovsweep-sweep"
    groups = f.attrs["groups"].split(",")
    K, D, T = len(f.attrs["k_values"]), len(f.attrs["d_values"]), int(f.attrs["trials"])
    L = len(f.attrs["tol_ladder"])
    total_done = total_planned = 0
    methods = f.attrs["method"].split(",")
    lo, hi = f.attrs["kd_band"]
    adaptive = f.attrs["design"] == "adaptive"
    all_rows_stopped = True
    for name in groups:
        g = f[name]
        for a in ["n", "activation", "method", "iteration_unit", "eta", "max_iter", "tol"]:
            assert a in g.attrs and a in g["success_prob"].attrs, f"{name}: attribute {a}"
        method = g.attrs["method"]
        assert method in methods
        want_name = f"n{g.attrs['n']}_{g.attrs['activation']}" + ("" if method == "gd" else "_" + method)
        assert name == want_name, (name, want_name)
        assert g.attrs["iteration_unit"] == {"gd": "update", "sgd": "epoch", "rf": "none"}[method]
        kd_n = np.outer(f.attrs["k_values"], f.attrs["d_values"]) / g.attrs["n"]
        planned = g["planned"][:].astype(bool)
        band = (kd_n >= lo) & (kd_n <= hi)
        if adaptive:  # planned = the cells the design visited, inside the band
            assert not (planned & ~band).any(), f"{name}: a visited cell outside the kd band"
        elif list(f.attrs.get("shard", [1, 1])) != [1, 1]:  # a part: some cells of the band
            assert not (planned & ~band).any(), f"{name}: a part's cell outside the kd band"
            total_planned += int(planned.sum()) * T
        else:
            assert (planned == band).all(), f"{name}: planned != kd band"
            total_planned += int(planned.sum()) * T
        for ds in DIAGNOSTICS:
            assert (ds in g) == bool(f.attrs["diagnostics"]), f"{name}/{ds} presence"
        assert list(g["k"][:]) == list(f.attrs["k_values"])
        assert list(g["d"][:]) == list(f.attrs["d_values"])
        for ds in ["success_prob", "success_count", "trials_done", "planned"]:
            assert g[ds].shape == (K, D), f"{name}/{ds} shape"
        for ds in TRIAL:
            assert g[ds].shape == (K, D, T), f"{name}/{ds} shape"
        assert g["ladder_hit_iter"].shape == (K, D, T, L)
        done = g["done"][:].astype(bool)
        succ = g["success"][:]
        assert (g["trials_done"][:] == done.sum(axis=2)).all()
        assert (g["success_count"][:] == (succ * done).sum(axis=2)).all()
        prob = g["success_prob"][:]
        td = g["trials_done"][:]
        assert np.isnan(prob[td == 0]).all()
        np.testing.assert_array_equal(prob[td > 0], g["success_count"][:][td > 0] / td[td > 0])
        it = g["iterations"][:]
        assert (it[~done] == -1).all() and (it[done] >= 0).all()
        assert not (done & ~planned[:, :, None]).any(), f"{name}: a cell outside the band ran"
        if method == "rf":
            assert (it[done] == 0).all() and (g["dist_from_init"][:][done] == 0).all()
        if f.attrs["diagnostics"]:
            for ds in DIAGNOSTICS:
                v = g[ds][:]
                assert np.isfinite(v[done]).all() and np.isnan(v[~done]).all(), f"{name}/{ds}"
        hits = g["ladder_hit_iter"][:]
        # success <=> the last rung (tol) was hit, at the stopping iteration
        assert (((hits[..., -1] >= 0) & done) == (succ.astype(bool) & done)).all()
        assert (hits[..., -1][succ.astype(bool)] == it[succ.astype(bool)]).all()
        total_done += int(done.sum())
        if adaptive:
            total_planned += check_design(name, g, done, planned, D)
            all_rows_stopped &= bool((g["row_status"][:] != 0).all())
        else:
            assert "row_midpoint" not in g and "history_trainings" not in g, f"{name}: design data"
    if adaptive:
        assert f.attrs["complete"] == int(all_rows_stopped)
    assert total_done == f.attrs["trials_done"]
    assert f.attrs["trials_total"] == total_planned
    if not adaptive:
        assert f.attrs["complete"] == int(total_done == f.attrs["trials_total"])
    check_cf(f, groups)
    if use_xarray:
        import xarray as xr
        ds = xr.open_dataset(path, group=groups[0], engine="h5netcdf")
        # _FillValue: xarray masks the not-run markers by itself
        done = ds["done"].values.astype(bool)
        assert (np.isnan(ds["iterations"].values) == ~done).all(), "iterations not masked"
        assert (np.isnan(ds["final_rel_err"].values) == ~done).all()
        assert (np.isnan(ds["success"].values) == ~done).all(), "success not masked"
        with np.errstate(invalid="ignore"):
            want = f[groups[0]]["success_prob"][...]
            got = ds["success"].mean("trial").values
        assert np.array_equal(np.isnan(got), np.isnan(want)) and \
            np.allclose(got[~np.isnan(got)], want[~np.isnan(want)]), "xarray mean != success_prob"
        assert ds["success_prob"].dims == ("k", "d")
        assert ds["ladder_hit_iter"].dims == ("k", "d", "trial", "tol_ladder")
        assert list(ds["k"].values) == list(f.attrs["k_values"])
        ds.close()
    print("layout ok:", path)


if __name__ == "__main__":
    main(sys.argv[1], "--xarray" in sys.argv[2:])
