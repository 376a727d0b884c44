#!/bin/sh
# quickstart.sh - the README's first command (via `make quickstart`): a reduced Figure-2 sweep
# (n = 100, even k and d in 2..24, 2 trials per cell, both activations, the paper's eta,
# max_iter and tol) on 2 MPI ranks, then its heatmaps as PNG files.
# Bare `mpirun -np N bin/ovsweep` (no options) is the full Figure-2 protocol instead.
set -eu
cd "$(dirname "$0")/.."
. tests/mpienv.sh
OUT=${OUT:-quickstart}
NP=${NP:-2}
mkdir -p "$OUT"
mpirun -np "$NP" bin/ovsweep --n 100 --k 2:24:2 --d 2:24:2 --trials 2 --force -o "$OUT/quickstart.h5"
/usr/bin/python3 -m analysis heatmap "$OUT/quickstart.h5" -o "$OUT"
echo "quickstart: wrote $OUT/quickstart.h5 and the heatmaps in $OUT/"
