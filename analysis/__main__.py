"""Command line entry (see analysis/cli.py and docs/ANALYSIS.md). Works from any directory:

    python3 -m analysis COMMAND ...            # with the directory above analysis/ on sys.path
    python3 /path/to/analysis COMMAND ...      # the package directory itself, from anywhere
    /path/to/analysis/ovsweep-analysis COMMAND ...   # the launcher (also through a symlink)
"""

import os
import sys


def _check_dependencies() -> None:
    missing = []
    for mod in ("numpy", "scipy", "h5py", "matplotlib"):
        try:
            __import__(mod)
        except ImportError:
            missing.append(mod)
    if missing:
        print(f"analysis: error: {sys.executable} lacks {', '.join(missing)}; use a Python with "
              "them, e.g. Debian's /usr/bin/python3 with python3-numpy python3-scipy python3-h5py "
              "python3-matplotlib", file=sys.stderr)
        sys.exit(1)


def _make_importable() -> None:
    """Run as a directory or a file, sys.path[0] is the package directory itself (whose module
    names could shadow others) and its parent is missing: swap them, so that `import analysis`
    finds this copy whatever the current directory is."""
    if __package__:
        return
    here = os.path.dirname(os.path.realpath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or ".") != here]
    sys.path.insert(0, os.path.dirname(here))


def run() -> int:
    _check_dependencies()
    from analysis.cli import main
    return main()


if __name__ == "__main__":
    _make_importable()
    sys.exit(run())
