"""python3 -m analysis COMMAND FILE ... (see analysis/cli.py and docs/ANALYSIS.md)."""

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


if __name__ == "__main__":
    _check_dependencies()
    from analysis.cli import main
    sys.exit(main())
