#!/bin/sh
# scaling.sh - `make bench-scaling`: the cost-growth curve of one GD update from (n, k, d) =
# (100, 10, 10) to (6400, 120, 80), kd about 1.5 n, on one core: us per update, GFLOP/s
# (4 n k d flops per update) and fraction of the FMA peak that build/bench_peak measures
# just before, for both float64 kernels (simd, blas) and both activations, against the floor
# (products at peak, plus n k softplus evaluations at the isolated kernel's speed), with the
# NumPy yardstick (bench/numpy_yardstick.py) beside them; then the peak resident memory of a
# one-rank run (bin/ovsweep) against n (k + d) and n k d, and the largest n (kd = 1.5 n,
# k = 1.5 d) that fits in 2 GiB, checked by running it.
# Settings (environment): BENCH_SECONDS (per cell and activation, both kernels, default 2),
# CELLS ("N K D N K D ...", default the ladder below), NUMPY=0 skips the yardstick, FLOOR=0
# skips the paired floor ratios (bench_scaling --floor), ROOFLINE=0 the memory roofline of
# the panel path (bench_scaling --memory), MATCHED=0 the ratios to a burst of FMAs timed beside
# each update (bench_scaling --matched), MEM=0 skips the memory part, CSV
# (default build/scaling.csv; the memory table goes to build/scaling_memory.csv beside it).
set -eu
cd "$(dirname "$0")/.."
export OPENBLAS_NUM_THREADS=1
SECONDS_PER=${BENCH_SECONDS:-2}
CELLS=${CELLS:-"100 10 10  200 15 20  400 24 25  800 30 40  1600 48 50  2400 60 60  3200 96 50  4800 90 80  6400 120 80"}
CSV=${CSV:-build/scaling.csv}
MEMCSV=${CSV%.csv}_memory.csv
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc --all) cores"
echo "tree: $(git describe --always --dirty 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
./build/bench_peak | tee "$tmp/peak"
# shellcheck disable=SC2086
./build/bench_scaling "$SECONDS_PER" $CELLS >"$tmp/c"
if [ "${NUMPY:-1}" = 1 ]; then
    # shellcheck disable=SC2086
    /usr/bin/python3 bench/numpy_yardstick.py --seconds "$SECONDS_PER" $CELLS >"$tmp/np"
else
    : >"$tmp/np"
fi
./build/bench_peak >>"$tmp/peak"
echo "peak measured again after the kernels: $(tail -n 1 "$tmp/peak" | grep -o '[0-9.]* GFLOP/s peak')"
/usr/bin/python3 - "$tmp/peak" "$tmp/c" "$tmp/np" "$CSV" <<'PY'
import re, sys
peak = float(re.search(r"= ([0-9.]+) GFLOP/s peak", open(sys.argv[1]).readline()).group(1))
lines = open(sys.argv[2]).read().split("\n")
sp_ns = float([l for l in lines if l.startswith("softplus_ns")][0].split()[1])
rows = [l.split() for l in lines[1:] if l and not l.startswith("softplus_ns")]
npy = {(a, int(n), int(k), int(d)): float(t) for _, a, n, k, d, t in
       (l.split() for l in open(sys.argv[3]) if l.strip())}
def floor_us(n, k, d, act):
    return 4.0 * n * k * d / (peak * 1e3) + (n * k * sp_ns * 1e-3 if act == "softplus" else 0)
out = open(sys.argv[4], "w")
out.write("n,k,d,nkd,act,kernel,us_per_update,gflops,frac_peak,peak_gflops,floor_us,"
          "over_floor,softplus_ns\n")
table = {}
for n, k, d, act, kern, us, gf, _ in rows:
    n, k, d, us, gf = int(n), int(k), int(d), float(us), float(gf)
    table[(n, k, d, act, kern)] = (us, gf)
for (a, n, k, d), us in npy.items():
    table[(n, k, d, a, "numpy")] = (us, 4.0 * n * k * d / us * 1e-3)
for (n, k, d, act, kern), (us, gf) in sorted(table.items()):
    fl = floor_us(n, k, d, act)
    out.write(f"{n},{k},{d},{n * k * d},{act},{kern},{us:.3f},{gf:.3f},{gf / peak:.4f},"
              f"{peak:.2f},{fl:.3f},{us / fl:.3f},{sp_ns:.3f}\n")
print(f"peak {peak:.1f} GFLOP/s (before the kernels); softplus kernel alone {sp_ns:.2f} ns per "
      "element; floor = 4nkd flops at peak (+ nk softplus evaluations)")
print("us per update, GFLOP/s, fraction of peak (x floor = time / floor)")
for act in ("relu", "softplus"):
    print(f"{act:8s} {'n':>5} {'k':>4} {'d':>3} {'kd/n':>5} | "
          f"{'simd us':>9} {'GF/s':>5} {'peak':>5} {'x floor':>7} | "
          f"{'blas us':>9} {'GF/s':>5} {'peak':>5} | {'numpy us':>9} {'x simd':>6}")
    for n, k, d in sorted({key[:3] for key in table}):
        s, b = table.get((n, k, d, act, "simd")), table.get((n, k, d, act, "blas"))
        if not s or not b:
            continue
        npu = table.get((n, k, d, act, "numpy"), (float("nan"),))[0]
        print(f"{'':8s} {n:5d} {k:4d} {d:3d} {k * d / n:5.2f} | {s[0]:9.2f} {s[1]:5.1f} "
              f"{s[1] / peak:5.2f} {s[0] / floor_us(n, k, d, act):7.2f} | {b[0]:9.2f} "
              f"{b[1]:5.1f} {b[1] / peak:5.2f} | {npu:9.1f} {npu / s[0]:6.1f}")
PY
echo "wrote $CSV"
if ./build/bench_scaling --parts 1 100 2 2 >/dev/null 2>&1; then
    echo "the simd kernel's halves apart, best of 20 calls (us, GFLOP/s of their 2nkd flops each):"
    # shellcheck disable=SC2086
    ./build/bench_scaling --parts 20 $CELLS | sed 's/^/  /'
fi
if [ "${FLOOR:-1}" = 1 ] && ./build/bench_scaling --floor 0.01 40 1 1 >/dev/null 2>&1; then
    echo "the simd update against its floor, the peak and the softplus kernel read around every" \
        "timed update (bench_scaling --floor, $SECONDS_PER s per cell; the x floor above reads" \
        "them once, minutes apart):"
    echo "  n k d act turns median_us x_floor_p10 x_floor_median x_floor_p90" \
        "x_floor_median_faster_state turns_faster"
    # shellcheck disable=SC2086
    ./build/bench_scaling --floor "$SECONDS_PER" $CELLS | grep -v '^turn \|^n k d' | sed 's/^/  /'
fi
if [ "${ROOFLINE:-1}" = 1 ] && ./build/bench_scaling --memory 0.01 40 1 1 >/dev/null 2>&1; then
    echo "where X streams from memory (the panel path), the update against its roofline" \
        "max(floor, X's read) and the share of the read it hides (bench_scaling --memory," \
        "$SECONDS_PER s per cell; medians of the turns):"
    echo "  n k d act turns us_steps us_held us_read read_gbs x_floor x_roofline hidden"
    # shellcheck disable=SC2086
    ./build/bench_scaling --memory "$SECONDS_PER" $CELLS | grep -v '^turn \|^n k d' | sed 's/^/  /'
fi
if [ "${MATCHED:-1}" = 1 ] && ./build/bench_scaling --matched 0.01 40 1 1 >/dev/null 2>&1; then
    echo "the update against a burst of FMAs of its own flops timed beside it, microseconds" \
        "apart, the clock of that moment in the floor (bench_scaling --matched, $SECONDS_PER s per" \
        "cell; same = 1: the bench's update is the trainer's, bit for bit):"
    echo "  n k d act same turns peak_gflops_median us_update_median x_floor_p10" \
        "x_floor_median x_floor_p90 frac_peak_median"
    # shellcheck disable=SC2086
    ./build/bench_scaling --matched "$SECONDS_PER" $CELLS | grep -v '^turn \|^n k d' | sed 's/^/  /'
fi

[ "${MEM:-1}" = 1 ] || exit 0
echo "peak resident memory of one rank (bin/ovsweep singleton, 1 trial, 2 updates, relu):"
echo "n,k,d,nkd,n_k_plus_d,rss_kb" >"$MEMCSV"
rss() { # N K D KERNEL ITERS -> RSS in kB of a one-trial singleton run
    /usr/bin/time -f %M -o "$tmp/rss" bin/ovsweep --n "$1" --k "$2" --d "$3" --act relu \
        --trials 1 --max-iter "$5" --kernel "$4" --quiet --force -o "$tmp/m.h5" >/dev/null
    cat "$tmp/rss"
}
# shellcheck disable=SC2086
set -- $CELLS
while [ $# -ge 3 ]; do
    kb=$(rss "$1" "$2" "$3" simd 2)
    echo "$1,$2,$3,$(($1 * $2 * $3)),$(($1 * ($2 + $3))),$kb" >>"$MEMCSV"
    shift 3
done
/usr/bin/python3 - "$MEMCSV" >"$tmp/fit" <<'PY'
import sys
import numpy as np
rows = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
nkd_lin, rss = rows[:, 4], rows[:, 5]
b, a = np.polyfit(nkd_lin, rss, 1)
worst = np.max(np.abs(a + b * nkd_lin - rss))
for n, k, d, nkd, nl, kb in rows:
    print(f"  n {int(n):5d} k {int(k):3d} d {int(d):3d}  n(k+d) {int(nl):8d}  nkd {int(nkd):9d}  "
          f"RSS {kb / 1024:7.1f} MiB")
print(f"  fit: RSS = {a / 1024:.1f} MiB + {b * 1024:.2f} bytes x n(k+d) (worst residual "
      f"{worst / 1024:.2f} MiB): linear in n(k+d), i.e. in the arrays X, W x_i and the "
      "factors; no n^2 term")
# largest n with kd = 1.5 n, k = 1.5 d (d = sqrt(n), k = 1.5 sqrt(n)) under 2 GiB
lim = 2 * 1024 * 1024
n = 1000
while a + b * n * 2.5 * n ** 0.5 < lim:
    n = int(n * 1.01) + 1
n = int(n / 1.01)
d = int(n ** 0.5)
k = int(1.5 * d)
cap = 100000  # the largest n that --n accepts
if n > cap:
    print(f"  the fit allows n = {n} (k {k}, d {d}) in 2 GiB; --n accepts at most {cap}")
    n, d = cap, int(cap ** 0.5)
    k = int(1.5 * d)
print(f"LARGEST {n} {k} {d}")
PY
grep -v LARGEST "$tmp/fit"
set -- $(grep LARGEST "$tmp/fit")
kb=$(rss "$2" "$3" "$4" blas 1)
echo "  largest n to run in 2 GiB (kd = 1.5 n, k = 1.5 d): n = $2, k = $3, d = $4; run (1" \
    "update, --kernel blas): RSS $((kb / 1024)) MiB"
echo "$2,$3,$4,$(($2 * $3 * $4)),$(($2 * ($3 + $4))),$kb" >>"$MEMCSV"
echo "wrote $MEMCSV"
