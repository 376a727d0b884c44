#!/bin/sh
# golden_test.sh - the golden regression test: small fixed sweeps whose every finished trial
# is compared with a dump stored in tests/golden/ (tests/golden.py says which fields are
# compared exactly and which to a tolerance), so that no refactoring can change results
# unnoticed. The dumps were written by the engine as it was before the settings/protocol
# redesign (commit 42686ae); a change of results is a finding to report, never a side effect.
#
#   sh tests/golden_test.sh                          compare bin/ovsweep with the dumps
#   GOLDEN_WRITE=1 OVS=/path/to/ovsweep sh tests/golden_test.sh   rewrite the dumps (rarely!)
. "$(dirname "$0")/lib.sh"
OVS=${GOLDEN_OVS:-$OVS}
DIR="$ROOT/tests/golden"
cd "$WORK" || exit 1

# NAME: ARGS (each run on 2 ranks)
cases() {
    cat <<'CASES'
figure2: --n 20,30 --act softplus,relu --k 2:10:2 --d 2:10:2 --trials 2 --max-iter 4000
diverge: --n 100 --act softplus,relu --k 4,12,24 --d 1,2 --trials 3 --max-iter 2000
opt_in: --n 20 --act softplus,relu,tanh,quadratic,leaky_relu,gelu --method gd,sgd,rf --k 2,8,24 --d 2,6 --trials 2 --max-iter 2600 --diagnostics --early-fail --kd-band 0.3:inf
worst: --n 26 --act relu,gelu --k 2:10:4 --d 3,7 --trials 2 --max-iter 1500 --data worst --delta 0.05 --labels sign --seed 77
gaussian: --n 24 --act softplus --k 4,8,16 --d 4,8 --trials 2 --max-iter 3000 --data gaussian --labels sign --seed 5
blas: --n 20 --act softplus,relu --k 3:12:3 --d 3:12:3 --trials 2 --max-iter 2000 --kernel blas
CASES
}

cases >cases.txt
while IFS=: read -r gname args; do
    # shellcheck disable=SC2086
    $MPIRUN -np 2 "$OVS" --quiet $args -o "$gname.h5" >"$gname.log" 2>&1 </dev/null
    rc=$?
    check "golden $gname: the sweep runs (exit $rc)" test "$rc" -eq 0
    if [ "${GOLDEN_WRITE:-0}" = 1 ]; then
        check "golden $gname: dump written" $PY "$ROOT/tests/golden.py" dump "$gname.h5" "$DIR/$gname.txt"
    else
        $PY "$ROOT/tests/golden.py" compare "$DIR/$gname.txt" "$gname.h5" >"$gname.cmp" 2>&1
        rc=$?
        sed 's/^/    /' "$gname.cmp" | tail -n 5
        check "golden $gname: every trial as stored in tests/golden/$gname.txt" test "$rc" -eq 0
    fi
done <cases.txt
summary
