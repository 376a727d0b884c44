"""The analysis package takes the engine's settings (defaults of older files, attribute names)
from analysis/settings.json, which must be exactly what the binary prints."""
import json
import os
import subprocess

import pytest

from anahelp import REPO
from analysis import io

BINARY = os.path.join(REPO, "bin", "ovsweep")


@pytest.mark.skipif(not os.access(BINARY, os.X_OK), reason="bin/ovsweep not built")
def test_settings_json_is_the_binarys_table():
    printed = subprocess.run([BINARY, "--print-settings"], capture_output=True, text=True,
                             timeout=60, check=True).stdout
    with open(io.SETTINGS_PATH) as fh:
        stored = fh.read()
    assert json.loads(printed) == json.loads(stored), \
        "analysis/settings.json is stale: run `make analysis/settings.json`"


def test_root_defaults_come_from_the_table():
    rows = {r["attribute"]: r for r in io.SETTINGS if r["attribute"]}
    assert io.ROOT_DEFAULTS["method"] == rows["method"]["absent"] == "gd"
    assert io.ROOT_DEFAULTS["kd_band"] == (0.0, float("inf"))
    assert io.ROOT_DEFAULTS["shard"] == (1, 1) and rows["shard"]["resume"] == "part"
    assert io.ROOT_DEFAULTS["early_fail"] == 0 and io.ROOT_DEFAULTS["design"] == "grid"
    # settings every file has carry no default: a file lacking them is malformed
    assert "n_values" not in io.ROOT_DEFAULTS and "seed" not in io.ROOT_DEFAULTS
