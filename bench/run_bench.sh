#!/bin/sh
# run_bench.sh - `make bench`: per-iteration cost of the GD kernel (both float64 kernels)
# next to the NumPy yardstick on the same cells,
# one core each, then what a unit of sgd, rf and --diagnostics costs on the same kind of cells.
# `make bench-full` (FULL=1) also times the
# full default Figure-2 sweep with mpirun -np 2 against its floor (bench/grid_floor.sh: the peak
# and softplus readings before and after) and measures the checkpoint cost. The sweep's results
# are checked against GRID_DIGEST (default bench/results/grid_digest_round26.txt, a digest of
# the default sweep by bench/grid_digest.py; GRID_DIGEST= skips the check): where they differ,
# the lines that differ are printed and the script exits 1, without the checkpoint's cost. A
# deliberate change of results makes a new digest (bench/grid_digest.py FILE).
set -eu
cd "$(dirname "$0")/.."
. tests/mpienv.sh
ITERS=${ITERS:-3000}
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc --all) cores"
echo "ovsweep: $(bin/ovsweep --version)"
./build/bench_peak
out=$(mktemp)
./build/bench_kernel "$ITERS" >"$out"
/usr/bin/python3 bench/numpy_yardstick.py "$((ITERS / 3))" >"$out.np"
/usr/bin/python3 - "$out" "$out.np" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]).read().splitlines()[1:]]
npy = {(a, n, k, d): float(t) for _, a, n, k, d, t in (l.split() for l in open(sys.argv[2]))}
print(f"{'act':9} {'n':>4} {'k':>3} {'d':>3} {'numpy us':>9} {'blas us':>8} {'simd us':>8} "
      f"{'simd GF/s':>9} {'x numpy':>8}")
by = {}
for kern, act, n, k, d, us, gf, *_ in rows:
    by.setdefault((act, n, k, d), {})[kern] = (float(us), float(gf))
for key, v in by.items():
    ref = npy[key]
    s, b = v["simd"], v["blas"]
    print(f"{key[0]:9} {key[1]:>4} {key[2]:>3} {key[3]:>3} {ref:9.2f} {b[0]:8.2f} {s[0]:8.2f} "
          f"{s[1]:9.2f} {ref / s[0]:8.1f}")
PY
rm -f "$out" "$out.np"
echo "cost of the issue-7 methods and diagnostics (best of 3):"
./build/bench_methods "$((ITERS / 3))"
if [ "${FULL:-0}" = 1 ]; then
    dir=$(mktemp -d)
    echo "full default sweep, mpirun -np 2 (25000 trials), against its floor (bench/grid_floor.sh):"
    digest=${GRID_DIGEST-bench/results/grid_digest_round26.txt}
    rc=0
    DIGEST=$digest sh bench/grid_floor.sh "$dir/full.h5" || rc=$?
    if [ "$rc" -ne 0 ]; then
        rm -rf "$dir"
        echo "run_bench.sh: the full sweep failed its check (grid_floor.sh exit $rc; results against ${digest:-no digest}, above)" >&2
        exit 1
    fi
    echo "checkpoint cost on the full grid (complete file, resume = one checkpoint write):"
    /usr/bin/time -f "  %e s for start-up + one checkpoint + exit" mpirun -np 2 bin/ovsweep --quiet --resume -o "$dir/full.h5"
    rm -rf "$dir"
fi
