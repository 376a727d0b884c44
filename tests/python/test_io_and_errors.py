"""Loading ovsweep files, and the one-line errors for files that are not ovsweep files."""

import h5py
import numpy as np
import pytest

import ovsynth
from anahelp import TINY, run_module
from analysis import AnalysisError
from analysis.io import load_sweep

COMMANDS = [("heatmap",), ("boundary",), ("rethreshold", "--tol", "2.5e-3"), ("report",)]


def _cmd(command, path, tmp_path):
    args = [command[0], path, *command[1:]]
    if command[0] in ("heatmap", "rethreshold", "report"):
        args += ["-o", str(tmp_path / "out")]
    return args


@pytest.mark.parametrize("string_kind", ["fixed", "vlen"])
def test_load_reads_groups_attrs_and_shapes_for_fixed_and_vlen_strings(tmp_path, string_kind):
    path = str(tmp_path / "s.h5")
    truth = ovsynth.write_sweep(path, string_kind=string_kind, **TINY)
    sw = load_sweep(path)
    assert [g.name for g in sw.groups] == ["n30_softplus", "n30_relu"]
    assert sw.attrs["ovsweep_format"] == "ovsweep-sweep"
    assert sw.complete and sw.trials_done == sw.trials_total == 2 * 6 * 6 * 4
    g = sw.groups[1]
    assert (g.n, g.activation, g.max_iter, g.tol) == (30, "relu", 3000, 2.5e-3)
    assert g.k.tolist() == list(range(1, 7)) and g.d.tolist() == list(range(1, 7))
    assert g.done.shape == (6, 6, 4) and g.ladder_hit_iter.shape == (6, 6, 4, 5)
    np.testing.assert_array_equal(g.success_count, truth["n30_relu"]["success_count"])
    assert sw.config["trials"] == 4


def test_fixture_follows_layout_with_named_dimensions_in_xarray(tiny_file):
    """Guards the fixture itself: the layout promises netCDF-style dimension scales."""
    xr = pytest.importorskip("xarray")
    ds = xr.open_dataset(tiny_file, group="n30_relu", engine="h5netcdf")
    try:
        assert ds["ladder_hit_iter"].dims == ("k", "d", "trial", "tol_ladder")
        assert ds["success_prob"].dims == ("k", "d")
        assert ds["k"].values.tolist() == list(range(1, 7))
    finally:
        ds.close()


def test_groups_found_without_root_groups_attribute(tmp_path):
    path = str(tmp_path / "s.h5")
    ovsynth.write_sweep(path, **TINY)
    with h5py.File(path, "a") as f:
        del f.attrs["groups"]
    assert sorted(g.name for g in load_sweep(path).groups) == ["n30_relu", "n30_softplus"]


def _foreign(tmp_path):
    path = str(tmp_path / "foreign.h5")
    with h5py.File(path, "w") as f:
        f.attrs["title"] = "some other program"
        f.create_dataset("x", data=np.arange(3))
    return path


def _wrong_tag(tmp_path):
    path = str(tmp_path / "wrongtag.h5")
    ovsynth.write_sweep(path, format_tag="ovsweep-other", **TINY)
    return path


def _text(tmp_path):
    path = tmp_path / "notes.h5"
    path.write_text("this is not HDF5\n" * 20)
    return str(path)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[0])
@pytest.mark.parametrize("kind,maker,needle", [
    ("missing", lambda tp: str(tp / "nope.h5"), "no such file"),
    ("not_hdf5", _text, "not an HDF5 file"),
    ("foreign_hdf5", _foreign, "not an ovsweep file"),
    ("wrong_format_tag", _wrong_tag, "not an ovsweep file"),
])
def test_every_command_gives_one_line_error_and_nonzero_exit(run_cli, tmp_path, command, kind,
                                                            maker, needle):
    path = maker(tmp_path)
    rc, out, err = run_cli(*_cmd(command, path, tmp_path))
    assert rc != 0
    lines = err.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0] and lines[0].startswith("analysis: error:")
    assert out == ""
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_error_through_python_m_analysis_subprocess(tmp_path):
    res = run_module("boundary", _foreign(tmp_path))
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0 and "not an ovsweep file" in res.stderr
    assert "Traceback" not in res.stderr


def test_unsupported_format_version_and_missing_dataset_are_reported(tmp_path):
    path = str(tmp_path / "v2.h5")
    ovsynth.write_sweep(path, **TINY)
    with h5py.File(path, "a") as f:
        f.attrs["format_version"] = np.int32(2)
    with pytest.raises(AnalysisError, match="format_version 2"):
        load_sweep(path)
    path2 = str(tmp_path / "broken.h5")
    ovsynth.write_sweep(path2, **TINY)
    with h5py.File(path2, "a") as f:
        del f["n30_relu/done"]
    with pytest.raises(AnalysisError, match="lacks dataset 'done'"):
        load_sweep(path2)


def test_load_never_modifies_the_file(tiny_file):
    import hashlib
    before = hashlib.sha256(open(tiny_file, "rb").read()).hexdigest()
    load_sweep(tiny_file)
    assert hashlib.sha256(open(tiny_file, "rb").read()).hexdigest() == before


@pytest.mark.parametrize("args,needle", [
    (("heatmap", "{f}", "-o", "{file}"), "File exists"),
    (("report", "{f}", "-o", "{file}", "--bootstrap", "0"), "File exists"),
    (("budget", "{f}", "-o", "{file}"), "File exists"),
    (("export", "{f}", "--csv", "{nodir}/x.csv"), "nodir"),
    (("export", "{f}", "--netcdf", "{nodir}/x.nc"), "nodir"),
    (("export", "{f}", "--csv", "{dir}"), "Is a directory"),
    (("scaling", "{f}", "--bootstrap", "0", "--figure", "{nodir}/x.png"), "nodir"),
], ids=["heatmap", "report", "budget", "csv", "netcdf", "csv-dir", "scaling-figure"])
def test_unwritable_output_gives_one_line_error(run_cli, tiny_file, tmp_path, args, needle):
    """An output the system refuses is the user's error: one line and exit 1, no traceback."""
    afile = tmp_path / "a-file"
    afile.write_text("x")
    names = dict(f=tiny_file, file=str(afile), nodir=str(tmp_path / "nodir"), dir=str(tmp_path))
    rc, _, err = run_cli(*[a.format(**names) for a in args])
    lines = err.strip().splitlines()
    assert rc == 1
    assert len(lines) == 1 and lines[0].startswith("analysis: error:") and needle in lines[0]
    assert afile.read_text() == "x"


@pytest.mark.parametrize("args", [
    ("export", "{f}", "--csv", "{f}"),
    ("export", "{f}", "--netcdf", "{f}"),
    ("export", "{f}", "--csv", "-", "--netcdf", "{link}"),
    ("scaling", "{g}", "{f}", "--bootstrap", "0", "--csv", "{f}"),
], ids=["csv", "netcdf", "netcdf-via-link", "scaling-csv"])
def test_output_naming_an_input_is_refused_and_the_sweep_kept(run_cli, tiny_file, tmp_path,
                                                              args):
    """The analysis only reads sweeps: an output path that is an input file (by any name) must
    not replace the sweep with a CSV, a netCDF copy or a figure."""
    import hashlib
    import shutil
    f, g = tmp_path / "sweep.h5", tmp_path / "other.h5"
    shutil.copy(tiny_file, f)
    shutil.copy(tiny_file, g)
    (tmp_path / "link.h5").symlink_to(f)
    names = dict(f=str(f), g=str(g), link=str(tmp_path / "link.h5"))
    before = hashlib.sha256(f.read_bytes()).hexdigest()
    rc, out, err = run_cli(*[a.format(**names) for a in args])
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and "is the input file" in lines[0]
    assert hashlib.sha256(f.read_bytes()).hexdigest() == before
    assert out == ""


def test_help_texts_print_no_doubled_percent():
    """argparse %-formats help= and usage but prints description= as written: a '50%%' there
    had reached the screen doubled (budget, convergence, scaling)."""
    from analysis.cli import build_parser
    parser = build_parser()
    subs = next(a for a in parser._actions if a.choices and isinstance(a.choices, dict))
    texts = {name: sp.format_help() for name, sp in subs.choices.items()}
    texts["(top)"] = parser.format_help()
    doubled = [name for name, t in texts.items() if "%%" in t]
    assert not doubled, doubled
