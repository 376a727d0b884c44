#!/bin/sh
# eta_rule.sh - the measurements behind --eta ACT=auto:C (issue 17; docs/FINDINGS.md, "A step
# size that scales"), on NP ranks [nproc], files in OUTDIR [eta_rule]; then the two tables
# (bench/eta_rule_tables.py). About 25 minutes on 2 cores.
#   C selection: rows d = n/40 and n/10 (n = 100: d = 3, 10) at kd/n = 1.5, 2, 2.5, 3 trials
#     per cell, n = 100 ... 800, under the stated eta and C in {1, 1.5, 1.8, 1.95};
#   divergence: d/n in {1/100, 1/50, 1/25, 1/10}, one k per d at kd/n = 1.5, 10 trials, 3000
#     updates (a step beyond 2 / lambda_max blows up within the first few hundred), n = 100 ...
#     1600, under the stated eta and under auto (whose file holds each trial's lambda_max).
set -u
cd "$(dirname "$0")/.." || exit 1
NP=${NP:-$(nproc)} # before mpienv.sh: nproc honours its OMP_NUM_THREADS=1
. tests/mpienv.sh
OUT=${1:-eta_rule}
OVS=${OVS:-bin/ovsweep}
PY=/usr/bin/python3
mkdir -p "$OUT" || exit 2
run() { # FILE OPTIONS...: one sweep, skipped when its file exists
    f=$OUT/$1
    shift
    [ -f "$f" ] && return 0
    # an interrupted sweep (its .part left) is continued, not refused as an existing file
    r=""
    [ -e "$f.part" ] && r=--resume
    mpirun -np "$NP" "$OVS" --quiet "$@" $r -o "$f.part" </dev/null && mv "$f.part" "$f" &&
        echo "eta_rule.sh: $f"
}
for n in 100 200 400 800; do
    if [ $n = 100 ]; then d1=3; else d1=$((n / 40)); fi
    d2=$((n / 10))
    ks=$($PY -c "print(','.join(map(str, sorted({max(1, round(r * $n / d)) for d in ($d1, $d2) for r in (1.5, 2, 2.5)}))))")
    for rule in stated 1 1.5 1.8 1.95; do
        eta=""
        [ $rule = stated ] || eta="--eta auto:$rule"
        # shellcheck disable=SC2086 # eta is two words or none
        run csel_n${n}_$rule.h5 --n $n --k "$ks" --d $d1,$d2 --trials 3 --kd-band 1.4:2.6 $eta || exit 1
    done
done
for n in 100 200 400 800 1600; do
    ds=$($PY -c "print(','.join(str(max(1, round($n * r))) for r in (0.01, 0.02, 0.04, 0.1)))")
    ks=$($PY -c "print(','.join(sorted({str(round(1.5 * $n / max(1, round($n * r)))) for r in (0.01, 0.02, 0.04, 0.1)}, key=int)))")
    run div_n${n}_fixed.h5 --n $n --d "$ds" --k "$ks" --kd-band 1.4:1.6 --trials 10 --max-iter 3000 || exit 1
    run div_n${n}_auto.h5 --n $n --d "$ds" --k "$ks" --kd-band 1.4:1.6 --trials 10 --max-iter 3000 --eta auto || exit 1
done
$PY bench/eta_rule_tables.py "$OUT"
