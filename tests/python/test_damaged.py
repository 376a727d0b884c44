"""A damaged file gives the analysis one AnalysisError line, never a traceback."""
import shutil

import h5py
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
