"""The option table of ovsweep, as `ovsweep --print-settings` prints it, for the generators
tools/gen_man.py and tools/gen_completion.py."""

import json
import subprocess
import sys


def load(argv):
    """The table from `BINARY --print-settings` (argv[1], default bin/ovsweep), or from a JSON
    file given as `--json FILE`."""
    if len(argv) == 3 and argv[1] == "--json":
        with open(argv[2]) as f:
            return json.load(f)
    if len(argv) > 2:
        sys.exit(f"usage: {argv[0]} [BINARY | --json FILE]")
    binary = argv[1] if len(argv) == 2 else "bin/ovsweep"
    out = subprocess.run([binary, "--print-settings"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def version(argv):
    """The release version (`ovsweep 0.1.0 (git ...)` -> 0.1.0), without the commit, so that the
    generated files change only with the release, not with every commit."""
    if len(argv) != 2:
        return ""
    out = subprocess.run([argv[1], "--version"], capture_output=True, text=True).stdout.split()
    return out[1] if len(out) > 1 else ""


def takes_value(opt):
    return opt["kind"] not in ("flag", "action")


def spellings(opt):
    """['-o', '--output'] or ['--n']."""
    return ([f"-{opt['short']}"] if opt["short"] else []) + [f"--{opt['flag']}"]
