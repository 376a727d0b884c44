"""End to end: run the real engine (bin/ovsweep) on a tiny grid, then every analysis command.

Skipped (with the reason) when bin/ovsweep has not been built; `make test` builds it first.
"""

import json
import os
import re
import subprocess

import h5py
import numpy as np
import pytest

from anahelp import REPO, png_stats, run_module

ENGINE = os.path.join(REPO, "bin", "ovsweep")
ENGINE_ARGS = ["--quiet", "--n", "30", "--act", "softplus,relu", "--k", "1:6", "--d", "1:6",
               "--trials", "3", "--max-iter", "3000"]


@pytest.fixture(scope="module")
def engine_file(tmp_path_factory):
    if not (os.path.isfile(ENGINE) and os.access(ENGINE, os.X_OK)):
        pytest.skip("bin/ovsweep is not built (run `make` at the repository root): "
                    "engine integration test skipped")
    out = tmp_path_factory.mktemp("engine") / "tiny.h5"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    res = subprocess.run([ENGINE, *ENGINE_ARGS, "-o", str(out)], cwd=REPO, env=env,
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, f"bin/ovsweep exited {res.returncode}: {res.stderr[-2000:]}"
    assert out.is_file(), "bin/ovsweep exited 0 but wrote no file"
    return str(out)


def _s(v):
    return v.decode() if isinstance(v, bytes) else str(v)


def test_engine_output_follows_the_layout_contract(engine_file):
    """Checked with h5py directly, independently of analysis/."""
    with h5py.File(engine_file, "r") as f:
        a = f.attrs
        assert _s(a["ovsweep_format"]) == "ovsweep-sweep" and int(a["format_version"]) == 1
        assert int(a["complete"]) == 1
        assert int(a["trials_done"]) == int(a["trials_total"]) == 2 * 6 * 6 * 3
        ladder = np.asarray(a["tol_ladder"], float)
        assert ladder[-1] == float(a["tol"]) and np.all(np.diff(ladder) < 0)
        names = [s.strip() for s in _s(a["groups"]).split(",")]
        assert sorted(names) == ["n30_relu", "n30_softplus"]
        for nm in names:
            g = f[nm]
            assert g["k"][()].tolist() == list(range(1, 7)) == g["d"][()].tolist()
            done = g["done"][()].astype(bool)
            succ = g["success"][()].astype(bool)
            hits = g["ladder_hit_iter"][()]
            its = g["iterations"][()]
            max_iter = int(g.attrs["max_iter"])
            assert done.shape == (6, 6, 3) and hits.shape == (6, 6, 3, len(ladder))
            assert done.all()
            rec = ((hits[..., -1] >= 0) & (hits[..., -1] <= max_iter) & done).sum(axis=2)
            np.testing.assert_array_equal(rec, g["success_count"][()])
            np.testing.assert_array_equal(done.sum(axis=2), g["trials_done"][()])
            np.testing.assert_array_equal(its[succ], hits[..., -1][succ])
            np.testing.assert_allclose(g["success_prob"][()], rec / 3.0)


def test_every_analysis_command_runs_on_engine_output(engine_file, tmp_path):
    with h5py.File(engine_file, "r") as f:
        tol = float(f.attrs["tol"])
        stored = {nm: int(f[nm]["success_count"][()].sum()) for nm in ("n30_softplus",
                                                                        "n30_relu")}

    res = run_module("heatmap", engine_file, "-o", tmp_path / "hm")
    assert res.returncode == 0, res.stderr
    for nm in ("heatmap_n30_softplus.png", "heatmap_n30_relu.png", "heatmap_all.png"):
        h, w, var, red, blue, grey = png_stats(tmp_path / "hm" / nm)
        assert h >= 300 and w >= 300 and var > 0.005
        assert blue > 200            # k = d = 1 (kd/n = 1/30) cannot fit 30 random labels
        assert grey < 2000           # complete file: no hatched "no data" cells

    res = run_module("boundary", engine_file, "--json")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert sorted(g["group"] for g in doc["groups"]) == ["n30_relu", "n30_softplus"]
    for g in doc["groups"]:
        assert g["n"] == 30 and g["trials_done"] == 108 and len(g["cells"]) == 36
        assert g["successes"] == stored[g["group"]]
        assert g["fit"]["status"] in ("ok", "separated", "all_failure", "all_success")
    res = run_module("boundary", engine_file)
    assert res.returncode == 0 and "n30_softplus" in res.stdout, res.stderr

    res = run_module("rethreshold", engine_file, "--tol", repr(tol), "-o", tmp_path / "rt")
    assert res.returncode == 0, res.stdout + res.stderr
    for nm, count in stored.items():
        assert f"check {nm}: success_count recomputed at the file's tol and max_iter equals" \
               in res.stdout
        assert re.search(rf"{count} successes; recomputed here: {count} ", res.stdout)

    res = run_module("report", engine_file, "-o", tmp_path / "rep", "--bootstrap", "20",
                     "--dpi", "100")
    assert res.returncode == 0, res.stderr
    md = (tmp_path / "rep" / "report.md").read_text()
    for rel in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md):
        assert (tmp_path / "rep" / rel).is_file(), rel
    assert "stated reading" in md and "squared reading" in md and "OK (exact)" in md


@pytest.fixture(scope="module")
def engine_printed(tmp_path_factory):
    """A run that prints its text heatmaps (not --quiet), with mixed outcomes: tol 0.05."""
    if not (os.path.isfile(ENGINE) and os.access(ENGINE, os.X_OK)):
        pytest.skip("bin/ovsweep is not built (run `make` at the repository root): "
                    "engine integration test skipped")
    out = tmp_path_factory.mktemp("engine_text") / "mixed.h5"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    res = subprocess.run([ENGINE, "--n", "12", "--act", "softplus,relu", "--k", "1:6", "--d",
                          "1:6", "--trials", "4", "--max-iter", "2000", "--tol", "0.05", "-o",
                          str(out)], cwd=REPO, env=env, capture_output=True, text=True,
                         timeout=600)
    assert res.returncode == 0, f"bin/ovsweep exited {res.returncode}: {res.stderr[-2000:]}"
    return str(out), res.stdout


def _engine_blocks(stdout):
    """Group name -> the grid lines bin/ovsweep printed for it (rows 'k=...' and the d line)."""
    blocks, name = {}, None
    for line in stdout.splitlines():
        m = re.match(r"^(\S+): success probability \(tenths", line)
        if m:
            name = m.group(1)
            blocks[name] = []
        elif name and (line.startswith("k=") or line.startswith("   d = ")):
            blocks[name].append(line)
    return blocks


def test_python_text_heatmap_is_the_engine_s_own(engine_printed):
    from analysis import rethreshold
    from analysis.io import load_sweep
    from analysis.outcomes import outcomes
    path, stdout = engine_printed
    blocks = _engine_blocks(stdout)
    sw = load_sweep(path)
    assert sorted(blocks) == sorted(g.name for g in sw.groups)
    symbols = set()
    for g in sw.groups:
        ours = rethreshold.text_heatmap(g, outcomes(g)).splitlines()[1:]
        assert ours == blocks[g.name], (g.name, ours, blocks[g.name])
        symbols |= set("".join(ours[:-1])[7:])
    assert {"0", "#", "|"} <= symbols and len(symbols - {" ", "|", "0", "#", "."}) >= 1


def test_report_html_of_engine_output(engine_printed, tmp_path):
    path, _ = engine_printed
    res = run_module("report", path, "-o", tmp_path, "--dpi", "60", "--bootstrap", "20")
    assert res.returncode == 0, res.stderr
    html = (tmp_path / "report.html").read_text()
    assert html.count('<img src="data:image/png;base64,') >= 6
    md = (tmp_path / "report.md").read_text()
    assert md.index("## Answer") < md.index("## Figure 2") < md.index("## Configuration")
