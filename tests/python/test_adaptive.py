"""Adaptive files (design = "adaptive", issue 15): loading, compare against a grid file, the
per-row boundary, heatmap overlay, convergence figure and report. Files are synthesized from a
grid file by adsynth (the t-th training of a cell is trial t of the grid's cell)."""

import json
import shutil

import h5py
import numpy as np
import pytest

import adsynth
import ovsynth
from anahelp import reorder_axes, run_module

N, K, D = 20, range(1, 21), (1, 2, 3, 5)
MID = 1.5
GROUPS = ((N, "softplus"), (N, "relu"))


@pytest.fixture(scope="module")
def grid_file(make_sweep):
    return make_sweep("adgrid", groups=GROUPS, k=K, d=D, trials=10, new_layout=True,
                      prob=ovsynth.logistic_prob(midpoint=MID, slope=8.0), seed=3)


def _visits():
    """10 trainings near kd/n = MID, one on every fifth k, none elsewhere."""
    kd = np.outer(np.asarray(list(K)), np.asarray(D)) / N
    vis = np.where(np.abs(np.log(kd / MID)) < 0.35, 10, 0)
    vis[4::5, :] = np.maximum(vis[4::5, :], 1)
    return vis


ROWS = {"midpoint": [np.nan, 1.5, 1.5, 1.5], "ci_low": [1.0, 1.45, 1.45, 1.45],
        "ci_high": [np.inf, 1.55, 1.55, 1.55], "width": [np.nan, 0.3, 0.3, 0.3],
        "status": ["all_fail", "converged", "converged", "bracketed"]}
HIST = ([8, 20, 40], [[0.2, 0.5, 0.5, 0.5], [0.5, 1.0, 1.1, 1.2], [1.0, 1.45, 1.45, 1.45]],
        [[np.inf, 3.0, 3.0, 3.0], [np.inf, 2.0, 1.9, 1.8], [np.inf, 1.55, 1.55, 1.55]])


def _adaptive(grid_file, tmp_path, name="ad.h5", rows=None, **kw):
    names = [f"n{n}_{a}" for n, a in GROUPS]
    return adsynth.write_adaptive(grid_file, str(tmp_path / name),
                                  {nm: _visits() for nm in names},
                                  rows={nm: dict(rows or ROWS) for nm in names},
                                  history={nm: HIST for nm in names}, **kw)


# ----------------------------------------------------------------------------- loading

def test_load_reads_rows_and_history(grid_file, tmp_path):
    from analysis.io import load_sweep
    sw = load_sweep(_adaptive(grid_file, tmp_path))
    assert sw.design == "adaptive"
    g = sw.groups[0]
    assert g.adaptive and g.design.status == ROWS["status"]
    assert np.isnan(g.design.midpoint[0]) and g.design.midpoint[1] == 1.5
    assert np.isinf(g.design.ci_high[0])
    assert list(g.design.history_trainings) == [8, 20, 40] and g.design.rounds == 3
    assert g.trials_planned == int(_visits().sum()) == int(g.done.sum())
    assert not load_sweep(grid_file).groups[0].adaptive


def test_unvisited_cells_are_not_run_never_zero(grid_file, tmp_path):
    """Even when the file stores 0 (not NaN) as the probability of an unvisited cell."""
    from analysis import dataset
    from analysis.io import load_sweep
    from analysis.outcomes import outcomes
    path = _adaptive(grid_file, tmp_path, zero_unvisited_prob=True)
    sw = load_sweep(path)
    vis = _visits()
    for g in sw.groups:
        assert np.array_equal(g.planned, vis > 0)
        p = outcomes(g).prob
        assert np.all(np.isnan(p[vis == 0])) and np.all(np.isfinite(p[vis > 0]))
    ds = dataset.load(path)
    prob = ds.success_prob.isel(n=0, training=0).values        # [activation, k, d]
    assert np.all(np.isnan(prob[:, vis == 0])) and not np.isnan(prob[:, vis > 0]).any()
    assert int(ds.trials_done.sum()) == 2 * int(vis.sum())


def test_adaptive_file_without_rows_is_an_error(grid_file, tmp_path):
    from analysis.errors import AnalysisError
    from analysis.io import load_sweep
    path = _adaptive(grid_file, tmp_path)
    with h5py.File(path, "r+") as f:
        del f["n20_relu/row_midpoint"]
    with pytest.raises(AnalysisError, match="row_midpoint"):
        load_sweep(path)


def test_boundary_is_not_partial_and_says_not_visited(grid_file, tmp_path):
    rc = run_module("boundary", _adaptive(grid_file, tmp_path), "--bootstrap", "0")
    assert rc.returncode == 0, rc.stderr
    assert "(partial)" not in rc.stdout and "outside the kd band" not in rc.stdout
    assert "not visited by the adaptive design" in rc.stdout


# ----------------------------------------------------------------------------- compare

def test_compare_rows_costs_and_identity(grid_file, tmp_path):
    rows = dict(ROWS, midpoint=[np.nan, 1.5, 1.5, 9.0], ci_low=[1.0, 1.45, 1.45, 8.9],
                ci_high=[np.inf, 1.55, 1.55, 9.1])
    path = _adaptive(grid_file, tmp_path, rows=rows)
    rc = run_module("compare", path, grid_file, "--json")
    assert rc.returncode == 0, rc.stderr
    res = json.loads(rc.stdout)
    assert res["identical"] is True
    g = res["groups"][0]
    assert g["adaptive"]["trainings"] == int(_visits().sum())
    assert g["grid"]["trainings"] == 10 * len(K) * len(D)
    # ovsynth's wall_seconds is 1.0 per done trial
    assert g["adaptive"]["core_seconds"] == pytest.approx(_visits().sum())
    verdict = {r["d"]: (r["agree"], r["narrower"]) for r in g["rows"]}
    assert verdict[1] == (True, None)            # one-sided: both say above the largest kd/n
    assert verdict[2] == (True, True) and verdict[3] == (True, True)
    assert verdict[5] == (False, True)           # 9.0 is far outside the grid's interval
    assert g["rows_agreeing"] == 3 and g["identity"]["trials_in_both"] == int(_visits().sum())
    text = run_module("compare", grid_file, path)      # either order
    assert text.returncode == 0 and "rows agreeing" in text.stdout
    assert "3/4" in text.stdout and "all bit-identical" in text.stdout


def test_compare_finds_a_changed_trial(grid_file, tmp_path):
    path = _adaptive(grid_file, tmp_path)
    vis = _visits()
    ki, di = np.argwhere(vis == 10)[0]
    with h5py.File(path, "r+") as f:
        fre = f["n20_relu/final_rel_err"]
        arr = fre[()]
        arr[ki, di, 3] = np.nextafter(arr[ki, di, 3], np.inf)     # one ulp
        fre[...] = arr
    rc = run_module("compare", path, grid_file)
    assert rc.returncode == 3
    assert f"final_rel_err differs at k={ki + 1} d={D[di]} trial=3" in rc.stdout


def test_compare_matches_a_grid_listed_in_another_order(grid_file, tmp_path):
    """The grid run with --k and --d in other orders is the same grid: trials are matched by
    their (k, d) values, and a changed one is named at its own coordinates."""
    path = _adaptive(grid_file, tmp_path)
    other = str(tmp_path / "reordered.h5")
    shutil.copy(grid_file, other)
    pk = list(range(len(K)))[::-1]
    reorder_axes(other, pk, [2, 0, 3, 1])
    rc = run_module("compare", path, other, "--json")
    assert rc.returncode == 0, rc.stderr
    res = json.loads(rc.stdout)
    assert res["identical"] is True
    assert res["groups"][0]["identity"]["trials_in_both"] == int(_visits().sum())
    verdict = {r["d"]: r["agree"] for r in res["groups"][0]["rows"]}
    assert verdict == {1: True, 2: True, 3: True, 5: True}
    ki, di = np.argwhere(_visits() == 10)[0]
    with h5py.File(other, "r+") as f:       # the same trial, at its place in the new order
        fre = f["n20_relu/final_rel_err"]
        arr = fre[()]
        ko, do = pk.index(ki), [2, 0, 3, 1].index(di)
        arr[ko, do, 3] = np.nextafter(arr[ko, do, 3], np.inf)
        fre[...] = arr
    rc = run_module("compare", path, other)
    assert rc.returncode == 3
    assert f"final_rel_err differs at k={ki + 1} d={D[di]} trial=3" in rc.stdout
    # other values are still another grid
    with h5py.File(other, "r+") as f:
        f.attrs["d_values"] = np.asarray([1, 2, 3, 6], dtype=f.attrs["d_values"].dtype)
    rc = run_module("compare", path, other)
    assert rc.returncode == 1 and "d_values" in rc.stderr


def test_compare_refuses_another_protocol(grid_file, tmp_path):
    path = _adaptive(grid_file, tmp_path, settings={"seed": np.uint64(99)})
    rc = run_module("compare", path, grid_file)
    assert rc.returncode == 1 and "not the same protocol" in rc.stderr and "seed" in rc.stderr
    # the design's own knobs may differ
    path = _adaptive(grid_file, tmp_path, name="ad2.h5", batch=64, target_ci=0.01)
    assert run_module("compare", path, grid_file).returncode == 0
    # so may the per-cell cap --trials (trial t is the same training whatever the count)
    path = _adaptive(grid_file, tmp_path, name="ad3.h5", settings={"trials": np.int32(40)})
    assert run_module("compare", path, grid_file).returncode == 0


# ----------------------------------------------------------------------------- boundary

def test_boundary_reports_rows_and_pooled_fit(grid_file, tmp_path):
    path = _adaptive(grid_file, tmp_path)
    rc = run_module("boundary", path, "--bootstrap", "0", "--json")
    assert rc.returncode == 0, rc.stderr
    g = json.loads(rc.stdout)["groups"][0]
    rows = {r["d"]: r for r in g["design_rows"]}
    assert rows[2]["midpoint"] == 1.5 and rows[2]["ci"] == [1.45, 1.55]
    assert rows[1]["midpoint"] is None and rows[1]["ci"] == [1.0, None]   # one-sided
    assert rows[5]["status"] == "bracketed" and rows[5]["width"] == 0.3
    assert g["fit"]["status"] == "ok" and g["trials_done"] == int(_visits().sum())
    # the pooled fit uses the visited cells only (the synthetic truth is 1.5)
    assert 1.2 < g["fit"]["midpoint"] < 1.9
    text = run_module("boundary", path, "--bootstrap", "0").stdout
    assert "adaptive design: the 50% point of each row" in text
    assert "> 1" in text and "all_fail" in text and "pooled fit" in text
    assert run_module("boundary", grid_file, "--bootstrap", "0", "--json").returncode == 0
    assert json.loads(run_module("boundary", grid_file, "--bootstrap", "0",
                                 "--json").stdout)["groups"][0]["design_rows"] is None


# ----------------------------------------------------------------------------- heatmap

def test_heatmap_draws_rows_and_not_visited(grid_file, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from analysis import heatmap
    from analysis.io import load_sweep
    from analysis.outcomes import outcomes
    g = load_sweep(_adaptive(grid_file, tmp_path)).groups[0]
    fig, ax = plt.subplots()
    dr = heatmap.draw(ax, g, outcomes(g).prob, "t")
    labels = [h.get_label() for h in dr.handles]
    assert heatmap.ROW_LABEL in labels and heatmap.ONE_SIDED_LABEL in labels
    assert any(lab.startswith("not run: not visited") for lab in labels)
    points = {(float(ln.get_xdata()[0]), float(ln.get_ydata()[0]))
              for ln in ax.lines if ln.get_label() == heatmap.ROW_LABEL}
    assert points == {(float(d), MID * N / d) for d in (2, 3, 5)}       # k = midpoint * n / d
    arrows = [ln for ln in ax.lines if ln.get_label() == heatmap.ONE_SIDED_LABEL]
    assert len(arrows) == 1 and arrows[0].get_marker() == "^"
    assert any(nt.startswith("d=1: no transition inside k") for nt in dr.notes)
    plt.close(fig)
    rc = run_module("heatmap", _adaptive(grid_file, tmp_path, name="h.h5"), "-o", tmp_path)
    assert rc.returncode == 0, rc.stderr
    assert "d=1: no transition inside k (all_fail): 50% point above kd/n = 1" in rc.stdout


# ----------------------------------------------------------------------------- convergence

def test_convergence_half_widths_from_history(grid_file, tmp_path):
    from analysis import convergence
    from analysis.io import load_sweep
    path = _adaptive(grid_file, tmp_path)
    rows = {(r["group"], r["d"]): r for r in convergence.table(load_sweep(path))}
    r = rows[("n20_softplus", 2)]
    assert r["first_half_width"] == pytest.approx(1.25) and r["last_half_width"] == \
        pytest.approx(0.05) and r["rounds"] == 3
    assert np.isnan(rows[("n20_softplus", 1)]["last_half_width"])     # always one-sided
    rc = run_module("convergence", path, "-o", tmp_path / "c")
    assert rc.returncode == 0, rc.stderr
    assert (tmp_path / "c" / "convergence.png").stat().st_size > 5000
    assert "n20_relu d=1: no finite interval in any round (all_fail)" in rc.stdout
    bad = run_module("convergence", grid_file, "-o", tmp_path / "c2")
    assert bad.returncode == 1 and "needs an adaptive file" in bad.stderr


# ----------------------------------------------------------------------------- report

def test_report_answers_with_row_midpoints_first(grid_file, tmp_path):
    out = tmp_path / "rep"
    rc = run_module("report", _adaptive(grid_file, tmp_path), "-o", out, "--bootstrap", "0",
                    timeout=300)
    assert rc.returncode == 0, rc.stderr
    md = (out / "report.md").read_text()
    answer = md.split("## Answer", 1)[1]
    assert answer.index("| n20_softplus | 2 | 1.5 [1.45, 1.55] |") < answer.index("Pooled")
    assert "| n20_relu | 1 | > 1 |" in answer
    assert "## Adaptive design: convergence" in md and (out / "convergence.png").exists()


# ----------------------------------------------------------------------------- untrained rows

def test_row_without_training_has_no_answer_anywhere(grid_file, tmp_path):
    """A row the design never trained (the engine writes NaN midpoint and interval: a --kd-band
    that leaves it at most one cell, a group budget spent by the rows before it) says nothing:
    boundary prints '-', not '< -'; the heatmap draws no arrow ('below kd/n = nan'); compare
    neither agrees nor disagrees with the grid."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from analysis import heatmap
    from analysis.io import load_sweep
    from analysis.outcomes import outcomes
    nan = np.nan
    rows = dict(ROWS, midpoint=[nan, 1.5, 1.5, nan], ci_low=[1.0, 1.45, 1.45, nan],
                ci_high=[np.inf, 1.55, 1.55, nan], width=[nan, 0.3, 0.3, nan],
                status=["all_fail", "converged", "converged", "budget"])
    path = _adaptive(grid_file, tmp_path, name="untrained.h5", rows=rows)
    text = run_module("boundary", path, "--bootstrap", "0").stdout
    line = [ln for ln in text.splitlines() if ln.startswith("n20_softplus  5 ")]
    assert line and "budget" in line[0] and "< -" not in line[0], text
    g = load_sweep(path).groups[0]
    fig, ax = plt.subplots()
    dr = heatmap.draw(ax, g, outcomes(g).prob, "t")
    arrows = [ln for ln in ax.lines if ln.get_label() == heatmap.ONE_SIDED_LABEL]
    assert len(arrows) == 1                      # d = 1's, none for d = 5
    assert not any("nan" in nt for nt in dr.notes), dr.notes
    assert any(nt.startswith("d=5: no 50% point") for nt in dr.notes), dr.notes
    plt.close(fig)
    res = json.loads(run_module("compare", path, grid_file, "--json").stdout)
    verdict = {r["d"]: (r["agree"], r["narrower"]) for r in res["groups"][0]["rows"]}
    assert verdict[5] == (None, None)
    # ... and the summary's "rows agreeing" counts it neither way (it had read x/4)
    g0 = res["groups"][0]
    assert g0["rows_judged"] == len(g0["rows"]) - 1, g0
    text = run_module("compare", path, grid_file).stdout
    assert f" {g0['rows_agreeing']}/{g0['rows_judged']} " in text, text


def test_compare_step_column_has_an_interval(make_sweep, tmp_path):
    """A grid column that is a step (all failures below one cell, all successes above it, both
    in it: quasi-complete separation) has the point [c, c] as its bounds; compare must judge an
    adaptive midpoint against the column's profile-likelihood interval around c, not against
    that point, which no midpoint but c itself would lie in."""
    c = 2.25                                   # k = 9 at d = 5, n = 20
    grid = make_sweep("adstep", groups=((N, "relu"),), k=K, d=(5,), trials=10, new_layout=True,
                      prob=ovsynth.logistic_prob(midpoint=c * np.exp(0.002), slope=200.0),
                      seed=4)
    with h5py.File(grid, "r") as f:
        sc = f["n20_relu/success_count"][:, 0]
    assert sc[7] == 0 and 0 < sc[8] < 10 and sc[9] == 10, sc       # the step this test needs
    vis = np.zeros((len(K), 1), int)
    vis[6:11] = 10
    rows = {"midpoint": [2.28], "ci_low": [2.2], "ci_high": [2.34], "width": [0.05],
            "status": ["bracketed"]}
    path = adsynth.write_adaptive(grid, str(tmp_path / "adstep.h5"), {"n20_relu": vis},
                                  rows={"n20_relu": rows})
    res = json.loads(run_module("compare", path, grid, "--json").stdout)
    r = res["groups"][0]["rows"][0]
    assert r["grid_status"] == "separated"
    lo, hi = r["grid_ci"]
    assert lo < c < hi and lo > 2.0 and hi < 2.5, r      # between the neighbouring cells
    assert r["agree"] is True
