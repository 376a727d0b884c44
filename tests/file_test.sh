#!/bin/sh
# file_test.sh - the written file against the engine run in-process, and crashes at a known
# point (the --crash-after-saved hook: every rank dies right after the first checkpoint that
# holds N trials, leaving that file):
#  - every per-trial dataset of a sweep written by 3 ranks (all methods, diagnostics) equals
#    what build/reference_run computes in one process for the same command line, by field
#    name, exactly; the cell summaries, counts and invariants hold (tests/file_check.py);
#  - a singleton that crashes after exactly N trials leaves a partial file that holds those N
#    as in-process, with success_prob = success_count / trials_done in a half-done cell;
#  - resumed at another rank count, crashed files end identical to the uninterrupted run;
#  - a finished sweep extended with more trials holds the old trials in their new places.
# Fast (about 20 s on 2 cores): `make mutation` runs it for every engine mutant.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
REF="$ROOT/build/reference_run"
check "build/reference_run exists (make unit)" test -x "$REF"

# file_matches REF FILE [--partial]: tests/file_check.py, its verdict indented
file_matches() {
    $PY "$ROOT/tests/file_check.py" "$@" >check.out 2>&1
    _rc=$?
    sed 's/^/    /' check.out
    return $_rc
}

# Every method, diagnostics, a kd band that leaves cells out: written by 3 ranks.
ALL="--quiet --n 20 --act softplus,relu --method gd,sgd,rf --k 2,5,9,16 --d 3,6 --trials 2
     --max-iter 600 --diagnostics --kd-band 0.5:inf"
limit "$REF" $ALL >all.ref
check "in-process reference of the mixed sweep" test $? -eq 0
check "mixed sweep on 3 ranks" $MPIRUN -np 3 "$OVS" $ALL -o all.h5
check "mixed sweep: every dataset as in-process, summaries and invariants hold" \
    file_matches all.ref all.h5

# The paper's two activations on a grid with both outcomes. Longest cells first (ties in item
# order): (8, 9) of softplus and relu, then (8, 6) of softplus, so that a crash after 8
# trials leaves that cell with 2 of 3 trials done, one a success (1/2, not 1/3).
GRID="--quiet --n 20 --act softplus,relu --k 2:8:3 --d 3:9:3 --trials 3 --max-iter 3000"
limit "$REF" $GRID >grid.ref
check "in-process reference of the grid" test $? -eq 0
check "uninterrupted run (np 2)" $MPIRUN -np 2 "$OVS" $GRID -o full.h5
check "uninterrupted run: every dataset as in-process" file_matches grid.ref full.h5

# A singleton stops after exactly N trials: a checkpoint is due once N are done.
ovsweep $GRID --crash-after-saved 8 -o single.h5 >/dev/null 2>&1
rc=$?
check "singleton --crash-after-saved 8: killed (exit $rc)" test "$rc" -eq 137
check "... the file holds exactly 8 trials and is incomplete" \
    test "$(h5attr single.h5 trials_done)/$(h5attr single.h5 complete)" = 8/0
check "... the 8 as in-process, the rest unwritten, success_prob = count / trials_done" \
    file_matches grid.ref single.h5 --partial-cell
check "... resume on 2 ranks" $MPIRUN -np 2 "$OVS" $GRID --resume -o single.h5
check "... resumed = uninterrupted (h5diff)" same full.h5 single.h5
check "... resumed: every dataset as in-process" file_matches grid.ref single.h5

# Three ranks stop after the first checkpoint holding >= 10 trials (workers finish the
# chunk in hand), then a singleton resumes.
$MPIRUN -np 3 "$OVS" $GRID --crash-after-saved 10 -o three.h5 >/dev/null 2>&1
rc=$?
saved=$(h5attr three.h5 trials_done) total=$(h5attr three.h5 trials_total)
echo "    (3 ranks: exit $rc, $saved/$total trials saved)"
check "np 3 --crash-after-saved 10: killed, 10 <= saved < all" \
    test "$rc" -ne 0 -a "$rc" -ne 124 -a "$saved" -ge 10 -a "$saved" -lt "$total"
check "... the saved trials as in-process" file_matches grid.ref three.h5 --partial
check "... singleton resume" ovsweep $GRID --resume -o three.h5
check "... resumed = uninterrupted (h5diff)" same full.h5 three.h5
# Extending a finished sweep from 2 to 3 trials per cell: the loaded trials keep their
# places (their item numbers change with the trial count) and only the new ones run.
GRID2=$(echo "$GRID" | sed 's/--trials 3/--trials 2/')
check "a 2-trial sweep (np 2)" $MPIRUN -np 2 "$OVS" $GRID2 -o ext.h5
check "... extended to 3 trials with --resume (singleton)" ovsweep $GRID --resume -o ext.h5
check "... every dataset as in-process" file_matches grid.ref ext.h5
summary
