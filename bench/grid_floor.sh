#!/bin/sh
# grid_floor.sh OUT.h5 [OVSWEEP ARGS...] - a sweep timed against its floor, as issue 16 and
# docs/BENCHMARKS.md measure the Figure-2 grid: the peak (build/bench_peak) and the softplus
# kernel (build/bench_scaling) read just before and just after the run (each the median of
# READINGS readings, default 9, 0.2 s apart: this host's state flips within a second, and one
# reading caught either state), the run itself
# (mpirun -np $NP, default 2, bin/ovsweep --quiet -o OUT.h5 ARGS; the default sweep without
# ARGS), and bench/floor.py on the file with each pair of readings. The host's state can move
# the softplus kernel by half between the two readings (round 18: 3.240 and 2.188 ns), and
# with it the floor: both ratios are printed, so that neither is taken for the other.
# The output file is never overwritten (ovsweep refuses an existing one). Expects `make all
# build/bench_peak build/bench_scaling` (make bench-full builds them).
# DIGEST=FILE (optional): a digest of an earlier run's results (bench/grid_digest.py, such as
# bench/results/grid_digest_round26.txt for the default sweep); after the floors the run's
# file is checked against it, its verdict printed last, and the script exits 1 where the
# results differ: a change of results is a finding, not a side effect of a speed-up.
set -eu
[ $# -ge 1 ] || { echo "usage: bench/grid_floor.sh OUT.h5 [OVSWEEP ARGS...]" >&2; exit 2; }
out=$1
shift
case $out in /*) ;; *) out=$PWD/$out ;; esac # the caller's directory, not the repository's
DIGEST=${DIGEST:-}
case $DIGEST in '' | /*) ;; *) DIGEST=$PWD/$DIGEST ;; esac # the caller's directory, as $out
cd "$(dirname "$0")/.."
. tests/mpienv.sh
NP=${NP:-2}
case $NP in '' | *[!0-9]* | 0) echo "grid_floor.sh: NP=$NP is not a positive integer" >&2; exit 2 ;; esac
READINGS=${READINGS:-9}
case $READINGS in '' | *[!0-9]* | 0) echo "grid_floor.sh: READINGS=$READINGS is not a positive integer" >&2; exit 2 ;; esac
[ ! -e "$out" ] || { echo "grid_floor.sh: $out exists; name a new file" >&2; exit 2; }
[ -z "$DIGEST" ] || [ -r "$DIGEST" ] ||
    { echo "grid_floor.sh: DIGEST=$DIGEST cannot be read (a bench/grid_digest.py output)" >&2; exit 2; }
for b in bin/ovsweep build/bench_peak build/bench_scaling; do
    [ -x "$b" ] || { echo "grid_floor.sh: $b is not built (make all $b)" >&2; exit 2; }
done

read_peak() { ./build/bench_peak | sed -n 's/.* = \([0-9.]*\) GFLOP\/s peak.*/\1/p'; }
read_softplus() { ./build/bench_scaling 0.1 100 1 1 | sed -n 's/^softplus_ns_per_element //p'; }
# readings WHEN: READINGS pairs of readings 0.2 s apart, then one line: their medians (the
# floor's inputs) and the readings, sorted; sets $peak and $softplus to the medians
readings() {
    : >"$tmp.p"
    : >"$tmp.s"
    i=0
    while [ $i -lt "$READINGS" ]; do
        read_peak >>"$tmp.p"
        read_softplus >>"$tmp.s"
        i=$((i + 1))
        if [ $i -lt "$READINGS" ]; then sleep 0.2; fi
    done
    # the median (the lower middle one of an even count), then the sorted readings; nothing
    # if a reading failed
    stats() { sort -n "$1" | awk -v n="$READINGS" '$1 != "" { v[++c] = $1 }
        END { if (c == n) { printf "%s ", v[int((n + 1) / 2)]; for (i = 1; i <= n; i++)
            printf "%s%s", v[i], i < n ? " " : "\n" } }'; }
    p=$(stats "$tmp.p")
    s=$(stats "$tmp.s")
    if [ -z "$p" ] || [ -z "$s" ]; then
        echo "grid_floor.sh: no reading from bench_peak or bench_scaling" >&2
        exit 1
    fi
    peak=${p%% *} softplus=${s%% *}
    echo "$1: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), peak $peak GFLOP/s, softplus $softplus ns" \
        "per element (medians of $READINGS readings: peak ${p#* }; softplus ${s#* })"
}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.p" "$tmp.s" "$tmp.d"' EXIT

echo "grid_floor.sh: mpirun -np $NP bin/ovsweep --quiet -o $out $* ($(bin/ovsweep --version))"
readings before
peak_before=$peak softplus_before=$softplus
t0=$(date +%s.%N)
mpirun -np "$NP" bin/ovsweep --quiet -o "$out" "$@"
t1=$(date +%s.%N)
readings after
peak_after=$peak softplus_after=$softplus
awk -v a="$t0" -v b="$t1" -v np="$NP" 'BEGIN { printf "wall: %.1f s on %d ranks\n", b - a, np }'
# floor LABEL PEAK SOFTPLUS: floor.py's total line, with the readings it used
floor() {
    line=$(/usr/bin/python3 bench/floor.py "$out" --peak "$2" --softplus-ns "$3" | tail -n 1)
    echo "$line" | awk -v what="$1 (peak $2, softplus $3)" '$3 == "trials" && $6 == "floor" && $7 > 0 {
        printf "%s: trials %s core-s, floor %s: %.2fx the floor\n", what, $4, $7, $4 / $7; ok = 1 }
        END { exit !ok }' || { echo "grid_floor.sh: floor.py printed no total: $line" >&2; exit 1; }
}
floor "floor, readings before" "$peak_before" "$softplus_before"
floor "floor, peak before, softplus after" "$peak_before" "$softplus_after"
floor "floor, readings after" "$peak_after" "$softplus_after"
if [ -n "$DIGEST" ]; then
    rc=0
    /usr/bin/python3 bench/grid_digest.py "$out" --check "$DIGEST" >"$tmp.d" || rc=$?
    grep -v '^differs: all ' "$tmp.d" | grep '^differs\|^missing\|^not in' | head -n 5
    tail -n 1 "$tmp.d"
    [ "$rc" -eq 0 ] || exit 1
fi
