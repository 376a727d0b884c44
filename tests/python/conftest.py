"""Shared fixtures for the analysis tests. Run from the repository root:
    /usr/bin/python3 -m pytest -q tests/python
"""

import sys

import pytest

import ovsynth  # tests/python is on sys.path (pytest's default "prepend" import mode)
from anahelp import REPO, TINY

if REPO not in sys.path:
    sys.path.insert(0, REPO)


@pytest.fixture(scope="session")
def make_sweep(tmp_path_factory):
    """make_sweep(name, **kw) -> path of a synthetic ovsweep file (ovsynth.write_sweep kw)."""
    base = tmp_path_factory.mktemp("sweeps")
    cache = {}

    def make(name, **kw):
        if name not in cache:
            path = str(base / f"{name}.h5")
            cache[name] = (path, ovsynth.write_sweep(path, **kw))
        return cache[name][0]

    make.truth = lambda name: cache[name][1]
    return make


@pytest.fixture(scope="session")
def tiny_file(make_sweep):
    """6x6 grid, n = 30, two activations, midpoint kd/n = 0.6 so both outcomes are common."""
    return make_sweep("tiny", prob=ovsynth.logistic_prob(midpoint=0.6, slope=5.0), **TINY)


@pytest.fixture(scope="session")
def paper_file(make_sweep):
    """25x25 grid, n = 100 and 200, 10 trials, known logistic truth: midpoint kd/n = 1.2, slope 6
    (in log kd/n) at tol = 2.5e-3; for the looser rungs (>= 5e-2) midpoint 0.7."""
    def prob(k, d, n, act, tol):
        mid = 1.2 if tol < 4e-3 else (0.9 if tol < 4e-2 else 0.7)
        return ovsynth.logistic_prob(midpoint=mid, slope=6.0)(k, d, n, act, tol)
    return make_sweep("paper", groups=((100, "softplus"), (200, "softplus")), prob=prob, seed=7)


@pytest.fixture
def run_cli(capsys):
    """Run the command line in-process: run_cli(*args) -> (exit status, stdout, stderr)."""
    from analysis.cli import main

    def run(*args):
        rc = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return rc, out, err
    return run
