"""The engine against an independent NumPy re-implementation of a trial (tests/python/npref.py).

npref.py draws X, y, v, W0 from the documented seeding rule (PCG32 XSH-RR 64/32, SplitMix64
tuple hashing, Marsaglia polar normals; docs/PROTOCOL.md) and trains with textbook NumPy GD
under the documented iteration convention and stop rules. Here bin/ovsweep runs two small
sweeps (both activations; k = 1, odd k with a zero output weight, tiny d where ReLU and
softplus diverge, successes and failures), and every trial must agree with the reference:
success, diverged, iterations and the ladder's first hits exactly; final_rel_err,
dist_from_init and path_length to 1e-8 relative (summation orders differ), except in the
few trials whose trajectory is itself rounding-sensitive (npref.check_rows says how that is
decided, and lists them). With --diagnostics the engine also records quantities that depend
on the whole of X, y and W0 (||X||, the initial error, sigma_min of the Jacobian at W0):
they check the full arrays, where tests/known_answers.txt pins only first values.

Skipped when bin/ovsweep has not been built; `make` builds it.
"""

import os
import shlex

import pytest

import npref
from anahelp import REPO

ENGINE = os.path.join(REPO, "bin", "ovsweep")
KNOWN = os.path.join(REPO, "tests", "known_answers.txt")

SWEEPS = {
    # n = 20: failures, successes from kd/n ~ 2, k = 1 and odd k, chaotic d = 1, 2.
    "grid": ["--n", "20", "--act", "softplus,relu", "--k", "1,2,3,5,7,8,11",
             "--d", "1,2,5,8", "--trials", "2", "--max-iter", "3000", "--diagnostics"],
    # n = 100 at d = 1: the paper's step sizes diverge (both activations), some do not.
    "diverge": ["--n", "100", "--act", "softplus,relu", "--k", "2,3,4", "--d", "1",
                "--trials", "2", "--max-iter", "1000", "--diagnostics"],
}


@pytest.fixture(scope="module")
def engine_files(tmp_path_factory):
    return npref.run_engine_sweeps(ENGINE, SWEEPS, tmp_path_factory.mktemp("npref"))


@pytest.fixture(scope="module")
def compared(engine_files):
    return {name: npref.compare_file(path) for name, path in engine_files.items()}


def _known_lines():
    """(options dict, argv list, trial, outcome fields, floats, draws) of known_answers.txt."""
    for line in open(KNOWN):
        if line.startswith("#") or not line.strip():
            continue
        opts, trial, outcome, floats, draws = [s.strip() for s in line.split("|")]
        argv = shlex.split(opts)
        o = {a: b for a, b in zip(argv, argv[1:] + [""]) if a.startswith("--")}
        yield o, argv, int(trial), outcome.split(), \
            [float.fromhex(x) for x in floats.split()], [float.fromhex(x) for x in draws.split()]


def _drawable(o):
    return o.get("--method", "gd") == "gd" and o.get("--data", "sphere") != "worst"


def test_draws_equal_the_known_answers_bit_for_bit():
    """x[0..2], y[0..2], W0[0..2], v[0] of every gd line with sphere or Gaussian data."""
    checked = 0
    for o, _, trial, _, _, draws in _known_lines():
        if not _drawable(o):
            continue
        X, y, v, W0, _ = npref.draw_problem(int(o["--n"]), int(o["--k"]), int(o["--d"]), trial,
                                            int(o.get("--seed", 2019)), o.get("--data", "sphere"),
                                            o.get("--labels", "gaussian"))
        mine = [*X.ravel()[:3], *y[:3], *W0.ravel()[:3], v[0]]
        assert [m.hex() for m in map(float, mine)] == [w.hex() for w in draws], o
        checked += 1
    assert checked >= 12


def test_known_answer_trials_train_to_the_same_result():
    """The cheap known-answer trials of softplus/ReLU (updates x n <= 3e5, or k = 1) under
    their own seed, eta, tol, budget, data and labels: k = 1 (a fixed point), the ReLU
    divergence at d = 1, seed 7, eta 0.3 with tol 1e-2, Gaussian inputs with sign labels."""
    picked = 0
    for o, argv, trial, outcome, floats, _ in _known_lines():
        cheap = int(o["--k"]) == 1 or int(outcome[3]) * int(o["--n"]) <= 300000
        if not _drawable(o) or o["--act"] not in npref.ACTS or "--early-fail" in argv \
                or "--kernel" in o or not cheap:
            continue
        n, k, d = int(o["--n"]), int(o["--k"]), int(o["--d"])
        X, y, v, W0, _ = npref.draw_problem(n, k, d, trial, int(o.get("--seed", 2019)),
                                            o.get("--data", "sphere"),
                                            o.get("--labels", "gaussian"))
        tol = float(o.get("--tol", 2.5e-3))
        ref = npref.train(X, y, v, W0, o["--act"], float(o.get("--eta", npref.ETA[o["--act"]])),
                          int(o.get("--max-iter", 15000)), tol)
        succ, div, _early, its, hits = outcome
        assert (ref["success"], ref["diverged"], ref["iterations"]) == \
            (int(succ), int(div), int(its)), o
        assert ref["ladder_hit_iter"] == [int(h) for h in hits.split(",")], o
        for nm, want in zip(npref.FLOATS, floats):
            assert npref.rel_diff(want, ref[nm]) <= npref.FLOAT_RTOL, (o, nm, want, ref[nm])
        picked += 1
    assert picked == 6


def test_sweeps_cover_what_they_are_meant_to(compared):
    rows = [r for rs in compared.values() for r in rs]
    assert {r["act"] for r in rows} == {"softplus", "relu"}
    assert any(r["k"] == 1 for r in rows) and any(r["k"] % 2 == 1 and r["k"] > 1 for r in rows)
    for act in ("softplus", "relu"):
        mine = [r for r in rows if r["act"] == act]
        assert any(r["eng"]["diverged"] for r in mine), act
        assert any(r["eng"]["success"] for r in mine), act
        assert any(not r["eng"]["success"] and not r["eng"]["diverged"] for r in mine), act


def test_every_trial_agrees_with_the_reference(compared):
    for name, rows in compared.items():
        problems, chaotic = npref.check_rows(rows)
        assert not problems, f"{name}: {len(problems)} disagreements:\n" + "\n".join(problems[:20])
        # Rounding-sensitive trials are the exception, not a loophole: a handful at d <= 2.
        assert len(chaotic) <= max(2, len(rows) // 20), chaotic
        assert all(" d=1 " in w or " d=2 " in w for w, _, _ in chaotic), chaotic


def test_full_arrays_agree_through_the_engine_diagnostics(engine_files):
    import h5py
    checked = 0
    for path in engine_files.values():
        with h5py.File(path, "r") as f:
            seed = int(f.attrs["seed"])
            for gname in npref._s(f.attrs["groups"]).split(","):
                g = f[gname.strip()]
                n, act = int(g.attrs["n"]), npref._s(g.attrs["activation"])
                for ki, k in enumerate(g["k"][()].tolist()):
                    for di, d in enumerate(g["d"][()].tolist()):
                        for t in range(g["done"].shape[2]):
                            X, y, v, W0, _ = npref.draw_problem(n, k, d, t, seed)
                            mine = npref.diagnostics(X, y, v, W0, act)
                            eng = {nm: float(g[nm][ki, di, t])
                                   for nm in ("x_norm", "initial_rel_err", "jac_sigma_min")}
                            where = (gname, k, d, t)
                            assert npref.rel_diff(eng["x_norm"], mine["x_norm"]) < 1e-12, where
                            assert npref.rel_diff(eng["initial_rel_err"],
                                                  mine["initial_rel_err"]) < 1e-12, where
                            assert abs(eng["jac_sigma_min"] - mine["jac_sigma_min"]) <= \
                                1e-9 * mine["jac_sigma_max"], (where, eng, mine)
                            checked += 1
    assert checked == 2 * 7 * 4 * 2 + 2 * 3 * 2


# --- The comparison can fail: the same check on deliberately wrong references. ----------------

def _teeth_cells(compared):
    """A few stable trials of each kind: successes, failures at the budget, divergences."""
    rows = compared["grid"] + compared["diverge"]
    pick = [r for r in rows if r["eng"]["success"]][:3]
    pick += [r for r in rows if r["eng"]["diverged"]][:2]
    pick += [r for r in rows if not r["eng"]["success"] and not r["eng"]["diverged"]
             and r["d"] >= 5 and r["k"] >= 2][:2]
    return pick


def _recheck(engine_files, compared, **kw):
    cells = {(r["group"], r["k"], r["d"], r["trial"]) for r in _teeth_cells(compared)}
    rows = []
    for path in engine_files.values():
        rows += npref.compare_file(path, cells=cells, **kw)
    assert len(rows) == len(cells)
    return npref.check_rows(rows)[0]


def test_a_step_size_off_by_one_part_in_a_million_is_caught(engine_files, compared):
    problems = _recheck(engine_files, compared, eta_scale=1 + 1e-6)
    assert len(problems) >= 3, problems


def test_a_swapped_seed_tuple_is_caught(engine_files, compared, monkeypatch):
    """W0 drawn from (seed, n, d, k, trial) instead of (seed, n, k, d, trial)."""
    real = npref.Stream.__init__

    def swapped(self, seed, tag, coords):
        if tag == npref.STREAM_INIT:
            n, k, d, t = coords
            coords = (n, d, k, t)
        real(self, seed, tag, coords)

    monkeypatch.setattr(npref.Stream, "__init__", swapped)
    problems = _recheck(engine_files, compared)
    assert len(problems) >= 3, problems


def test_trials_numbered_from_one_are_caught(engine_files, compared, monkeypatch):
    real = npref.draw_problem
    monkeypatch.setattr(npref, "draw_problem",
                        lambda n, k, d, trial, *a, **kw: real(n, k, d, trial + 1, *a, **kw))
    problems = _recheck(engine_files, compared)
    assert len(problems) >= 3, problems
