"""python3 -m analysis COMMAND FILE ... (see analysis/cli.py and analysis/USAGE.md)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
