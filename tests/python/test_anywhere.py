"""The command line runs from any directory: as the package directory, through the launcher
(also via a symlink), and from a copy of the package elsewhere (what an install does)."""

import os
import shutil
import subprocess

import pytest

from anahelp import PYTHON, REPO

PACKAGE = os.path.join(REPO, "analysis")


def _run(cmd, cwd, timeout=120):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["MPLBACKEND"] = "Agg"
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def elsewhere(tmp_path):
    """A working directory outside the repository holding a decoy `analysis` package that must
    not be picked up."""
    work = tmp_path / "work"
    (work / "analysis").mkdir(parents=True)
    (work / "analysis" / "__init__.py").write_text("raise ImportError('decoy picked up')\n")
    return work


def _ok(res, needle="ovsweep boundary fit"):
    assert res.returncode == 0, res.stdout + res.stderr
    assert needle in res.stdout and "Traceback" not in res.stderr


def test_package_directory_runs_from_anywhere(elsewhere, tiny_file):
    _ok(_run([PYTHON, PACKAGE, "boundary", tiny_file], elsewhere))


def test_launcher_and_a_symlink_to_it(elsewhere, tiny_file, tmp_path):
    launcher = os.path.join(PACKAGE, "ovsweep-analysis")
    assert os.access(launcher, os.X_OK)
    _ok(_run([launcher, "boundary", tiny_file], elsewhere))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "ovsweep-analysis").symlink_to(launcher)
    res = _run([str(bindir / "ovsweep-analysis"), "--help"], elsewhere)
    assert res.returncode == 0 and res.stdout.startswith("usage: ovsweep-analysis"), res.stderr


def test_a_copied_package_runs_without_the_repository(elsewhere, tiny_file, tmp_path):
    share = tmp_path / "prefix" / "share" / "ovsweep"
    shutil.copytree(PACKAGE, share / "analysis",
                    ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path / "report"
    res = _run([str(share / "analysis" / "ovsweep-analysis"), "report", tiny_file, "-o",
                str(out), "--bootstrap", "0", "--dpi", "60"], elsewhere, timeout=300)
    _ok(res, "wrote")
    assert (out / "report.md").is_file() and (out / "report.html").is_file()
    res = _run([PYTHON, str(share / "analysis"), "export", tiny_file, "--csv", "-"], elsewhere)
    _ok(res, "group,n,activation")
