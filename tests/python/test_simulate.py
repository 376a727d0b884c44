"""analysis simulate: the dispatcher model against known answers and src/sweep.c's constants."""
import os
import re

import numpy as np
import pytest

from analysis import simulate
from analysis.errors import AnalysisError
from anahelp import REPO


def test_constants_match_the_c_dispatcher():
    src = open(os.path.join(REPO, "src", "sweep.c")).read()
    assert int(re.search(r"CHUNK_MAX = (\d+)", src).group(1)) == simulate.CHUNK_MAX
    assert float(re.search(r"#define CHUNK_COST ([0-9.e]+)", src).group(1)) == simulate.CHUNK_COST
    method = open(os.path.join(REPO, "src", "method.c")).read()
    # the cost model replayed here (simulate.trial_cost), term by term
    assert "max_iter * (4.0 * nk * d + 20.0 * nk + 2000.0)" in method
    assert "max_iter * ((double)n * (4.0 * kd + 20.0 * k + 100.0) + 2.0 * nk * d)" in method
    assert "2.0 * nk * d + 12.0 * nk * m + 1e4" in method


def test_one_rank_runs_everything_in_sequence():
    costs = np.array([5.0, 3.0, 1.0])
    durs = np.array([2.0, 1.0, 0.5])
    r = simulate.simulate(costs, durs, 1, checkpoint_every=1e9, checkpoint_seconds=0.25)
    assert r.makespan == pytest.approx(3.5 + 0.25)  # all work, then the final checkpoint
    assert r.requests == 0 and r.checkpoints == 1


def test_many_equal_items_scale_almost_perfectly():
    costs = np.ones(4000)
    durs = np.full(4000, 0.01)
    r = simulate.simulate(costs, durs, 8, checkpoint_every=1e9, checkpoint_seconds=0.0)
    assert r.ideal == pytest.approx(5.0)
    assert 0.97 < r.efficiency <= 1.0


def test_one_long_item_bounds_the_makespan():
    costs = np.array([100.0] + [1.0] * 99)
    durs = np.array([10.0] + [0.01] * 99)
    r = simulate.simulate(costs, durs, 16, checkpoint_every=1e9, checkpoint_seconds=0.0)
    assert r.makespan >= 10.0  # longest first: it starts at once and ends the run
    assert r.makespan < 10.1


def test_periodic_checkpoints_are_counted():
    costs = np.ones(100)
    durs = np.full(100, 1.0)
    r = simulate.simulate(costs, durs, 2, checkpoint_every=10.0, checkpoint_seconds=0.5)
    # a checkpoint waits for the chunks in flight: here the worker's first chunk is 25 items
    assert r.checkpoints >= 3
    assert r.makespan > 50.0 + r.checkpoints * 0.5


def test_cli_on_a_finished_and_a_partial_file(make_sweep, run_cli):
    from ovsynth import logistic_prob
    done = make_sweep("sim_done", prob=logistic_prob(), k=range(1, 7), d=range(1, 7), trials=3)
    rc, out, err = run_cli("simulate", done, "--ranks", "1,4")
    assert rc == 0, err
    assert "efficiency" in out and "\n     4 " in out
    with pytest.raises(AnalysisError):
        simulate.simulate(np.ones(2), np.ones(2), 0)


@pytest.mark.parametrize("bad", ["-1", "nan", "inf"])
def test_cli_refuses_a_checkpoint_cost_that_is_no_cost(make_sweep, run_cli, bad):
    # a negative cost had been taken as given: makespans shorter than the work
    from ovsynth import logistic_prob
    done = make_sweep("sim_bad", prob=logistic_prob(), k=range(1, 4), d=range(1, 4), trials=2)
    with pytest.raises(SystemExit) as exc:
        run_cli("simulate", done, "--checkpoint-seconds", bad)
    assert exc.value.code == 2

