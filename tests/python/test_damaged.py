"""A damaged file gives the analysis one AnalysisError line, never a traceback."""
import shutil

import h5py
import numpy as np
import pytest

from analysis import io
from analysis.errors import AnalysisError


def test_flipped_data_byte_is_reported(tmp_path, tiny_file):
    path = str(tmp_path / "damaged.h5")
    shutil.copy(tiny_file, path)
    with h5py.File(path, "r+") as f:  # rewrite one dataset chunked with a checksum
        groups = f.attrs["groups"]
        groups = groups.decode() if isinstance(groups, bytes) else str(groups)
        g = f[groups.split(",")[0]]
        data = g["success"][()]
        del g["success"]
        g.create_dataset("success", data=data, chunks=data.shape, fletcher32=True)
        offset = g["success"].id.get_chunk_info(0).byte_offset
    raw = bytearray(open(path, "rb").read())
    raw[offset + 3] ^= 0x40
    open(path, "wb").write(bytes(raw))
    with pytest.raises(AnalysisError, match="is damaged"):
        io.load_sweep(path)


def _edit_attr(obj, key, value):
    if key in obj.attrs:
        del obj.attrs[key]
    obj.attrs[key] = value


def _replace(group, name, data):
    del group[name]
    group[name] = data


HOSTILE_EDITS = {
    "root complete a string": lambda f: _edit_attr(f, "complete", "yes"),
    "root trials_done a string": lambda f: _edit_attr(f, "trials_done", "x"),
    "root format_version a string": lambda f: _edit_attr(f, "format_version", "x"),
    "root kd_band a string": lambda f: _edit_attr(f, "kd_band", "x"),
    "root design a number": lambda f: _edit_attr(f, "design", 5),
    "group n a string": lambda f: _edit_attr(f["n30_relu"], "n", "abc"),
    "group tol a string": lambda f: _edit_attr(f["n30_relu"], "tol", "abc"),
    "group max_iter a string": lambda f: _edit_attr(f["n30_relu"], "max_iter", "abc"),
    "k holds strings": lambda f: _replace(f["n30_relu"], "k", np.array([b"a"] * 6)),
    "wall_seconds holds strings": lambda f: _replace(
        f["n30_relu"], "wall_seconds", np.full(f["n30_relu/done"].shape, b"x")),
    "success a dangling soft link": lambda f: _replace(
        f["n30_relu"], "success", h5py.SoftLink("/n30_relu/nowhere")),
    "success an external link": lambda f: _replace(
        f["n30_relu"], "success", h5py.ExternalLink("/nonexistent.h5", "/x")),
    "a group replaced by a dataset": lambda f: _replace(f, "n30_relu", 1),
}


@pytest.mark.parametrize("edit", sorted(HOSTILE_EDITS))
@pytest.mark.parametrize("command", [("boundary", "--bootstrap", "0"), ("export", "--csv", "-"),
                                     ("simulate",)], ids=lambda c: c[0])
def test_hostile_edit_is_one_error_line(run_cli, tiny_file, tmp_path, edit, command):
    """Attributes of the wrong kind, datasets of strings and broken links (edits through h5py,
    which keep the checksums valid) end in one AnalysisError line, never a traceback."""
    path = tmp_path / "edited.h5"
    shutil.copy(tiny_file, path)
    with h5py.File(path, "r+") as f:
        HOSTILE_EDITS[edit](f)
    rc, _, err = run_cli(command[0], str(path), *command[1:])
    lines = err.strip().splitlines()
    assert rc == 1 and len(lines) == 1 and lines[0].startswith("analysis: error:")
