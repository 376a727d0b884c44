"""analysis.load (one xarray Dataset), analysis.trials (tidy DataFrame) and `export`."""

import csv
import io
import re

import h5py
import numpy as np
import pytest

import analysis
import ovsynth
from anahelp import TINY
from analysis.io import load_sweep

xr = pytest.importorskip("xarray")
pd = pytest.importorskip("pandas")

NEW = dict(groups=((30, "softplus"), (30, "relu", "sgd"), (30, "relu", "rf")), k=range(1, 9),
           d=range(1, 9), trials=4, max_iter=3000, new_layout=True, kd_band=(0.4, 2.5))


@pytest.fixture(scope="module")
def partial_file(make_sweep):
    """Trials 2 and 3 of the k >= 4 rows are not finished yet."""
    return make_sweep("ds_partial", done_mask=lambda gi, ki, di, t: t < 2 or ki < 3, **TINY)


def test_load_has_every_group_on_named_dimensions(paper_file):
    ds = analysis.load(paper_file)
    assert ds.success.dims == ("n", "activation", "training", "k", "d", "trial")
    assert ds.ladder_hit_iter.dims[-1] == "tol_ladder"
    assert ds.n.values.tolist() == [100, 200] and ds.activation.values.tolist() == ["softplus"]
    assert ds.training.values.tolist() == ["gd"] and ds.sizes["k"] == ds.sizes["d"] == 25
    with h5py.File(paper_file, "r") as f:
        stored = f["n200_softplus/success_prob"][()]
    sel = ds.sel(n=200, activation="softplus", training="gd")
    np.testing.assert_allclose(sel.success.mean("trial").values, stored)
    np.testing.assert_allclose(sel.success_prob.values, stored)
    assert ds.kd_over_n.sel(n=100, k=10, d=10).item() == pytest.approx(1.0)
    assert ds.attrs["ovsweep_format"] == "ovsweep-sweep"
    # docs/ANALYSIS.md: coordinates kd [k, d] and kd_over_n [n, k, d], so that .values indexes
    # like every other array of the Dataset (n first)
    assert ds.kd.dims == ("k", "d") and ds.kd_over_n.dims == ("n", "k", "d")
    np.testing.assert_allclose(ds.kd_over_n.values[1, 9, 4], 10 * 5 / 200)


def test_reductions_on_a_partial_file_skip_trials_not_run(partial_file):
    ds = analysis.load(partial_file)
    sel = ds.sel(n=30, activation="relu", training="gd")
    with h5py.File(partial_file, "r") as f:
        g = f["n30_relu"]
        count, done = g["success_count"][()], g["trials_done"][()]
        naive = g["success"][()].mean(axis=2)           # what a plain read gets wrong
    truth = count / done
    np.testing.assert_allclose(sel.success.mean("trial").values, truth)
    assert not np.allclose(naive, truth)                 # unfinished trials are not failures
    assert int(sel.success.count()) == int(done.sum())
    assert np.isnan(sel.iterations.values[5, 0, 3]) and np.isnan(sel.final_rel_err[5, 0, 3])
    np.testing.assert_array_equal(sel.trials_done.values, done)


def test_methods_and_missing_groups_are_masked(make_sweep):
    path = make_sweep("ds_methods", **NEW)
    ds = analysis.load(path)
    assert ds.training.values.tolist() == ["gd", "sgd", "rf"]
    assert ds.activation.values.tolist() == ["softplus", "relu"]
    absent = ds.sel(activation="softplus", training="rf")      # this file has no such group
    assert not bool(absent.group_present) and bool(absent.success.isnull().all())
    assert not bool(absent.done.any())
    rf = ds.sel(activation="relu", training="rf", n=30)
    assert str(rf.group_name.values) == "n30_relu_rf"
    assert not bool(rf.planned.sel(k=1, d=1)) and bool(rf.success.sel(k=1, d=1).isnull().all())


def test_trials_frame_has_one_row_per_finished_trial(partial_file):
    df = analysis.trials(partial_file)
    sw = load_sweep(partial_file)
    assert len(df) == sum(int(g.done.sum()) for g in sw.groups)
    assert {"group", "n", "activation", "method", "k", "d", "trial", "kd", "kd_over_n",
            "success", "iterations", "final_rel_err", "hit_0.0025", "hit_0.05"} <= set(df)
    g = sw.groups[1]
    cells = df[df.group == g.name].groupby(["k", "d"]).success.sum()
    for (k, d), s in cells.items():
        assert s == g.success_count[list(g.k).index(k), list(g.d).index(d)]
    reached = df["hit_0.0025"].notna()
    assert (reached == df.success.astype(bool)).all()    # success iff the tol rung was hit
    every = analysis.trials(partial_file, all_trials=True)
    assert len(every) == 2 * 6 * 6 * 4 and (~every.done).sum() == len(every) - len(df)
    assert every[~every.done].success.isna().all()


def test_export_csv_and_netcdf(run_cli, partial_file, tmp_path, capsys):
    out = tmp_path / "t.csv"
    rc, text, err = run_cli("export", partial_file, "--csv", out, "--netcdf", tmp_path / "t.nc")
    assert rc == 0, err and "wrote" in text
    rows = list(csv.DictReader(open(out)))
    df = analysis.trials(partial_file)
    assert len(rows) == len(df) and rows[0]["group"] == "n30_softplus"
    assert {r["success"] for r in rows} <= {"True", "False"}
    assert any(r["hit_0.0025"] == "" for r in rows)        # never reached: an empty field
    back = pd.read_csv(out, float_precision="round_trip")
    np.testing.assert_array_equal(back.final_rel_err.values, df.final_rel_err.values)  # exact
    assert [float(r["final_rel_err"]) for r in rows] == df.final_rel_err.tolist()
    assert back["hit_0.05"].isna().sum() == df["hit_0.05"].isna().sum()
    ds = xr.open_dataset(tmp_path / "t.nc", engine="h5netcdf")
    try:
        np.testing.assert_allclose(ds.success.mean("trial").values,
                                   analysis.load(partial_file).success.mean("trial").values)
        # CF's history: the sweep's runs, then this export's time and command
        runs = ds.attrs["history"].split("\n")
        assert runs[:-1] == ovsynth.SYNTH_HISTORY.split("\n"), runs
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ python3 -m analysis export "
                            + re.escape(f"{partial_file} --csv {out} --netcdf {tmp_path / 't.nc'}"),
                            runs[-1]), runs[-1]
    finally:
        ds.close()
    rc, text, err = run_cli("export", partial_file, "--csv", "-")
    assert rc == 0 and len(list(csv.reader(io.StringIO(text)))) == len(df) + 1
    rc, text, err = run_cli("export", partial_file)
    assert rc == 1 and "--csv" in err and len(err.strip().splitlines()) == 1


def test_diagnostics_load_and_export(make_sweep, run_cli, tmp_path):
    """A file with --diagnostics: the five theory quantities are Dataset variables (masked like
    the rest), and export --netcdf writes them."""
    path = make_sweep("ds_diag", diagnostics=True, **NEW)
    ds = analysis.load(path)
    sw = load_sweep(path)
    g = sw.groups[0]
    for nm in ("x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err"):
        assert nm in ds and ds[nm].dims[-1] == "trial" and ds[nm].attrs["description"]
        sel = ds[nm].sel(n=g.n, activation=g.activation, training=g.method).values
        assert np.isnan(sel[~g.done]).all() and not np.isnan(sel[g.done]).all()
    rc, text, err = run_cli("export", path, "--netcdf", tmp_path / "d.nc")
    assert rc == 0, err
    back = xr.open_dataset(tmp_path / "d.nc", engine="h5netcdf")
    try:
        assert "x_norm" in back and "jac_sigma_min" in back
    finally:
        back.close()
