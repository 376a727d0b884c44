"""Re-thresholding from ladder_hit_iter, without re-training."""

import shutil

import h5py
import numpy as np
import pytest

from analysis import rethreshold
from analysis.io import load_sweep
from analysis.outcomes import outcomes


def test_own_tol_and_max_iter_reproduce_stored_success_count_exactly(paper_file):
    sw = load_sweep(paper_file)
    for g, o in zip(sw.groups, rethreshold.rethreshold(sw, 2.5e-3, None)):
        assert o.source.startswith("ladder rung")          # really recomputed, not copied
        np.testing.assert_array_equal(o.success_count, g.success_count)
        np.testing.assert_array_equal(o.trials_done, g.trials_done)
    assert all(v is None for v in rethreshold.consistency(sw).values())


def test_rethreshold_cli_at_own_tol_prints_text_heatmap_and_passes_check(run_cli, tiny_file,
                                                                         tmp_path):
    rc, out, err = run_cli("rethreshold", tiny_file, "--tol", "2.5e-3", "-o", tmp_path)
    assert rc == 0, err
    sw = load_sweep(tiny_file)
    for g in sw.groups:
        assert f"check {g.name}: success_count recomputed" in out
        stored = int(g.success_count.sum())
        assert f"{stored} successes; recomputed here: {stored}" in out
        assert (tmp_path / f"heatmap_{g.name}.png").exists()
    # text heatmap: one row per k, largest k first, as bin/ovsweep prints it
    rows = [ln for ln in out.splitlines() if ln.startswith("k=")]
    assert len(rows) == 2 * 6 and rows[0].startswith("k=   6 ") and rows[5].startswith("k=   1 ")
    assert all(len(r) == len("k=   6 ") + 2 * 6 for r in rows)
    assert out.count("   d =  1 2 3 4 5 6  (last digit)") == 2


def test_smaller_budget_never_increases_successes_cell_by_cell(paper_file):
    g = load_sweep(paper_file).groups[0]
    for tol in g.tol_ladder:
        prev = None
        for budget in (g.max_iter, 12000, 9000, 5000, 2000, 500, 0):
            sc = outcomes(g, float(tol), budget, use_ladder=True).success_count
            if prev is not None:
                assert np.all(sc <= prev)
            prev = sc
        assert prev.sum() == 0     # synthetic hits are >= 1 update, so budget 0 has none
    strict = outcomes(g, 2.5e-3, 5000).success_count.sum()
    assert strict < g.success_count.sum()        # and the budget really matters


def test_looser_rung_never_decreases_successes(paper_file):
    g = load_sweep(paper_file).groups[1]
    counts = [outcomes(g, float(t), None, use_ladder=True).success_count for t in g.tol_ladder]
    for looser, tighter in zip(counts, counts[1:]):       # ladder is descending
        assert np.all(looser >= tighter)
    assert counts[0].sum() > counts[-1].sum()


def test_rethreshold_cli_budget_writes_suffixed_pngs_and_reports_fewer_successes(run_cli,
                                                                                 tiny_file,
                                                                                 tmp_path):
    rc, out, err = run_cli("rethreshold", tiny_file, "--tol", "0.05", "--budget", "1000",
                           "-o", tmp_path)
    assert rc == 0, err
    assert (tmp_path / "heatmap_n30_relu_tol0.05_b1000.png").exists()
    assert (tmp_path / "heatmap_all_tol0.05_b1000.png").exists()
    g = load_sweep(tiny_file).groups[0]
    expected = int(outcomes(g, 0.05, 1000).success_count.sum())
    assert f"tol=0.05, budget=1000: {expected} successes" in out


def test_rethreshold_rejects_unknown_rung_and_excess_budget(run_cli, tiny_file, tmp_path):
    rc, _, err = run_cli("rethreshold", tiny_file, "--tol", "0.02", "-o", tmp_path)
    assert rc == 1 and "available rungs: 0.1, 0.05, 0.01, 0.005, 0.0025" in err
    rc, _, err = run_cli("rethreshold", tiny_file, "--budget", "5000", "-o", tmp_path)
    assert rc == 1 and "cannot extrapolate" in err


def test_tampered_success_count_is_detected_with_exit_3(run_cli, tiny_file, tmp_path):
    path = tmp_path / "tampered.h5"
    shutil.copy(tiny_file, path)
    with h5py.File(path, "a") as f:
        sc = f["n30_relu/success_count"]
        arr = sc[()]
        arr[5, 5] += 1 if arr[5, 5] < 4 else -1
        sc[...] = arr
    rc, out, err = run_cli("rethreshold", path, "--no-plots")
    assert rc == 3
    assert "MISMATCH" in err and "n30_relu" in err and "k=6, d=6" in err
    assert "check n30_softplus: success_count recomputed" in out


@pytest.mark.parametrize("succ,trials,char", [(0, 0, "."), (0, 10, "0"), (1, 25, "0"),
                                              (1, 10, "1"), (5, 10, "5"), (19, 20, "9"),
                                              (99, 100, "9"), (10, 10, "#")])
def test_text_heatmap_cell_characters_are_those_of_the_engine(succ, trials, char):
    """src/report.c: '.' no trials, '#' all succeeded, else floor(10 s / t)."""
    assert rethreshold.cell_char(succ, trials) == char


def test_hits_exactly_at_the_budget_and_at_iteration_zero_count_as_success(tiny_file, tmp_path):
    """0 <= hit <= budget, both ends inclusive: hit == max_iter is a success at max_iter (and
    a failure at max_iter - 1); hit == 0 (fitted at initialisation) is a success at budget 0."""
    path = tmp_path / "edges.h5"
    shutil.copy(tiny_file, path)
    with h5py.File(path, "a") as f:
        g = f["n30_relu"]
        max_iter = int(g.attrs["max_iter"])
        hits, succ, its = g["ladder_hit_iter"][()], g["success"][()], g["iterations"][()]
        hits[2, 2, 0, :], succ[2, 2, 0], its[2, 2, 0] = max_iter, 1, max_iter
        hits[2, 2, 1, :], succ[2, 2, 1], its[2, 2, 1] = 0, 1, 0
        g["ladder_hit_iter"][...], g["success"][...], g["iterations"][...] = hits, succ, its
        sc = g["success_count"][()]
        sc[2, 2] = int((succ[2, 2] & g["done"][2, 2]).sum())
        g["success_count"][...] = sc
        g["success_prob"][...] = sc / g["trials_done"][()]
    grp = [x for x in load_sweep(str(path)).groups if x.name == "n30_relu"][0]
    at_max = outcomes(grp, grp.tol, max_iter, use_ladder=True)
    np.testing.assert_array_equal(at_max.success_count, grp.success_count)
    assert at_max.success[2, 2, 0] and at_max.success[2, 2, 1]
    below = outcomes(grp, grp.tol, max_iter - 1)
    assert not below.success[2, 2, 0] and below.success[2, 2, 1]
    zero = outcomes(grp, grp.tol, 0)
    assert zero.success[2, 2, 1] and zero.success_count.sum() == 1
    assert rethreshold.consistency(load_sweep(str(path)))["n30_relu"] is None
