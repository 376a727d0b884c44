"""report.md opens with the answer (one line per group) and ends with the configuration;
report.html is the same document with every figure embedded."""

import base64
import re

import pytest

import ovsynth
from analysis import summary
from analysis.io import load_sweep


@pytest.fixture(scope="module")
def paper_report(paper_file, tmp_path_factory):
    from analysis.cli import main
    out = tmp_path_factory.mktemp("answer")
    assert main(["report", paper_file, "-o", str(out), "--bootstrap", "50", "--dpi", "80"]) == 0
    return out


def _answer_lines(md):
    head = md.split("## Answer", 1)[1].split("\n## ", 1)[0]
    return [ln for ln in head.splitlines() if ln.startswith("- **")]


def test_report_opens_with_one_line_per_group(paper_report):
    md = (paper_report / "report.md").read_text()
    sections = re.findall(r"^## (.+)$", md, flags=re.M)
    assert sections[0] == "Answer" and sections[-2:] == ["Configuration", "Files"]
    before = md.split("## Answer", 1)[0]
    assert len(before.splitlines()) <= 6                       # title and status only
    lines = _answer_lines(md)
    assert [ln.split("**")[1] for ln in lines] == ["n100_softplus", "n200_softplus"]
    for ln in lines:
        # planted truth: 1.2 under the stated reading, 0.7 under the squared one (rung 0.05)
        mid = float(re.search(r"\*\*kd = ([0-9.]+) n\*\* \[95% CI ([0-9.]+), ([0-9.]+)\]",
                              ln).group(1))
        assert mid == pytest.approx(1.2, rel=0.05)
        assert re.search(r"\(\d+% above kd = n\)", ln)
        sq = re.search(r"squared reading \(tol 0\.05\): kd = ([0-9.]+) n, ([+-]\d+)%", ln)
        assert float(sq.group(1)) == pytest.approx(0.7, rel=0.06)
        assert int(sq.group(2)) == pytest.approx(round((float(sq.group(1)) / mid - 1) * 100),
                                                 abs=1)
        assert "budget 15000 updates" in ln and "counting kd" in ln
        assert "over its last third" in ln and "rejects" not in ln


def test_configuration_comes_last_in_short_form(paper_report, paper_file):
    md = (paper_report / "report.md").read_text()
    tail = md.split("## Configuration", 1)[1]
    assert "k 1..25, d 1..25, 10 trials" in tail
    assert "budget 15000 updates" in tail and "tol 0.0025" in tail
    assert md.index("## Configuration") > md.index("## Run diagnostics")
    assert "```json" not in md                                # no configuration dump
    assert summary.config_line(load_sweep(paper_file)).startswith("n 100, 200; softplus (eta 0.15)")


def test_report_warns_when_the_boundary_has_not_settled_or_the_model_fails(make_sweep, run_cli,
                                                                          tmp_path):
    def late(k, d, n, max_iter):
        return int(max_iter * min(1.0, 0.9 / (k * d / n)))
    path = make_sweep("answer_bad", groups=((100, "relu"),), trials=6, seed=11, hit_last=late,
                      prob=ovsynth.kd_separate_prob(9.0, 3.0))
    rc, out, err = run_cli("report", path, "-o", tmp_path, "--bootstrap", "30", "--dpi", "60",
                           "--effective")
    assert rc == 0, err
    md = (tmp_path / "report.md").read_text()
    line, = _answer_lines(md)
    assert "NOT SETTLED" in line and "over its last third" in line
    assert "which the LR test rejects" in line and "bootstrap over datasets [" in line
    assert "at single d the 50% point runs from" in line
    assert "counting 2 floor(k/2) d" in line
    assert "**Warning: the boundary has not settled within the budget** for n100_relu" in md


def test_html_is_self_contained_with_every_figure(paper_report):
    md = (paper_report / "report.md").read_text()
    html = (paper_report / "report.html").read_text()
    figures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", md)
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert len(srcs) == len(figures) >= 6
    for src in srcs:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not re.search(r'(src|href)="(https?:)?//', html)       # nothing fetched
    assert "<script" not in html and "<link" not in html
    assert html.index("Answer") < html.index("<img")             # the answer comes first
    assert "<strong>n100_softplus</strong>" in html


def test_configuration_names_a_part_of_a_sweep(paper_file, tmp_path):
    """A file of one --shard part says so (its heatmaps hold that part's cells only); the
    whole sweep, and a merged file (shard [1, 1]), say nothing."""
    import shutil
    import h5py
    import numpy as np
    part = tmp_path / "part.h5"
    shutil.copy(paper_file, part)
    assert "part " not in summary.config_line(load_sweep(paper_file))
    with h5py.File(part, "r+") as f:
        f.attrs["shard"] = np.array([2, 3], dtype=np.int32)
    assert "part 2 of 3 (--shard" in summary.config_line(load_sweep(part))
    assert "part 2 of 3 of a sweep" in load_sweep(part).status_line()
    assert "part" not in load_sweep(paper_file).status_line()
    with h5py.File(part, "r+") as f:
        f.attrs["shard"] = np.array([1, 1], dtype=np.int32)
    assert "part " not in summary.config_line(load_sweep(part))
