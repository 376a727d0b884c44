#!/bin/sh
# progress_test.sh - what a run tells the user on stderr and stdout: the progress lines (their
# form, and that they come at every rank count, a singleton's included), their final counts
# against the file, --quiet. No timing: OVSWEEP_TEST_PROGRESS_EVERY=0 asks for a line at
# every chance, so the checks see the lines' structure, never their pace.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
GRID="--n 20 --act relu,softplus --k 1:4 --d 1:4 --trials 2 --max-iter 400"
LINE='^ovsweep: [0-9][0-9]*/[0-9][0-9]* trials ([0-9.]*%), [0-9][0-9]* succeeded, elapsed [0-9.:s ]*, ETA [-0-9.:s ]*$'

# lines_ok FILE TOTAL: every progress line has the documented form, counts never go back or
# past TOTAL, no ETA is negative, and the last line is TOTAL/TOTAL at 100%.
lines_ok() {
    grep '^ovsweep: [0-9]*/[0-9]* trials' "$1" >lines.txt || return 1
    grep -v "$LINE" lines.txt >bad.txt
    [ ! -s bad.txt ] || { cat bad.txt >&3; return 1; }
    ! grep -q 'ETA -[0-9]' lines.txt || return 1
    awk -v total="$2" '{ split($2, a, "/"); if (a[1] + 0 < prev || a[1] + 0 > total || a[2] + 0 != total) bad = 1; prev = a[1] + 0 }
        END { exit bad }' lines.txt || return 1
    tail -n 1 lines.txt | grep -q "^ovsweep: $2/$2 trials (100.0%)"
}
# lines_in FILE: how many progress lines FILE holds
lines_in() { grep -c '^ovsweep: [0-9]*/[0-9]* trials' "$1"; }
# successes_match FILE LOG: the last line's successes are the file's
successes_match() {
    want=$($PY -c "
import h5py, sys
f = h5py.File(sys.argv[1], 'r')
print(sum(int(f[g]['success'][...].sum()) for g in f if hasattr(f[g], 'keys')))" "$1")
    tail -n 1 "$2" | grep -q ", $want succeeded,"
}

# A singleton trains alone, with no requests to serve: it owes the lines all the same.
OVSWEEP_TEST_PROGRESS_EVERY=0 ovsweep $GRID -o one.h5 >one.out 2>one.err
check "singleton: progress lines while it runs, not only the last" \
    test "$(lines_in one.err)" -ge 2
check "singleton: progress lines well formed, final 64/64" lines_ok one.err 64
check "singleton: final successes are the file's" successes_match one.h5 one.err
check "singleton: no carriage returns in a log" sh -c "! grep -q \"\$(printf '\r')\" one.err one.out"

OVSWEEP_TEST_PROGRESS_EVERY=0 $MPIRUN -np 2 "$OVS" $GRID -o two.h5 >two.out 2>two.err
check "2 ranks: progress lines while it runs" test "$(lines_in two.err)" -ge 2
check "2 ranks: progress lines well formed, final 64/64" lines_ok two.err 64
check "2 ranks: final successes are the file's" successes_match two.h5 two.err

# More ranks than trials: still one line per event, from rank 0 alone.
$MPIRUN -np 5 "$OVS" --n 20 --act relu --k 2:3 --d 2 --trials 1 --max-iter 200 -o few.h5 \
    >few.out 2>few.err
check "more ranks than trials: one final line, 2/2" lines_ok few.err 2
check "more ranks than trials: one 'complete' line" test "$(grep -c '^ovsweep: complete' few.out)" -eq 1

# --design adaptive: the ETA covers the round under way only (later rounds are not proposed
# yet), and its line says so; the last line gives the rounds run.
OVSWEEP_TEST_PROGRESS_EVERY=0 $MPIRUN -np 2 "$OVS" --design adaptive --batch 8 --n 20 \
    --act relu --k 1:8 --d 2:3 --max-iter 400 -o ad.h5 >ad.out 2>ad.err
grep '^ovsweep: [0-9]*/[0-9]* trials' ad.err >ad.lines
check "adaptive: lines while it runs say the ETA is the round's" \
    sh -c "head -n -1 ad.lines | grep -v -q 'ETA [-0-9.:s ]* for round [0-9][0-9]*, rows stopped: ' && exit 1; head -n -1 ad.lines | grep -q ."
check "adaptive: the last line gives the rounds run" \
    sh -c "tail -n 1 ad.lines | grep -q 'ETA 0.0 s, [0-9][0-9]* rounds, rows stopped: n20_relu 2/2\$'"

# --quiet: no progress and no summary; errors stay.
OVSWEEP_TEST_PROGRESS_EVERY=0 ovsweep --quiet $GRID -o q.h5 >q.out 2>q.err
check "--quiet: nothing on stdout or stderr" sh -c '! test -s q.out && ! test -s q.err'
ovsweep --quiet $GRID -o q.h5 >q2.out 2>q2.err
check "--quiet: an error is still said" grep -q "exists: add --force" q2.err
summary
