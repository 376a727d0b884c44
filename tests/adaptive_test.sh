#!/bin/sh
# adaptive_test.sh - the adaptive design (--design adaptive) end to end: the same file at any
# rank count, after a crash, a kill -9 or SIGUSR1 and --resume; every training is the grid's
# trial of the same coordinates, bit for bit; the row and history datasets hold together.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
# One ReLU group at n = 16: one row without a transition (d = 4: kd/n <= 4, all fail within
# 4000 updates) and one with (d = 6), about 10 rounds of 8 trainings.
AD="--design adaptive --n 16 --k 2:16 --d 4,6 --act relu --max-iter 4000 --batch 8"
quiet() { "$@" >/dev/null 2>&1; }
attrs() { $PY -c "import h5py,sys; f=h5py.File(sys.argv[1],'r'); print(*[f.attrs[a] for a in sys.argv[2:]])" "$@"; }

check "singleton adaptive run exits 0" quiet ovsweep $AD -o a1.h5
check "layout (rows, history, prefixes of cells; xarray reads it)" \
    $PY "$ROOT/tests/check_layout.py" a1.h5 --xarray
check "complete, design attribute adaptive" test "$(attrs a1.h5 complete design)" = "1 adaptive"
# The verdicts this sweep must reach: d = 4 all fail, d = 6 a transition with an interval.
verdicts() {
    $PY - "$1" <<'EOF'
import sys, h5py, numpy as np
g = h5py.File(sys.argv[1], "r")["n16_relu"]
names = g["row_status"].attrs["flag_meanings"].split()
st = [names[s] for s in g["row_status"][:]]
lo, mid, hi = g["row_ci_low"][1], g["row_midpoint"][1], g["row_ci_high"][1]
ok = st[0] == "all_fail" and st[1] not in ("active", "all_fail", "all_succeed")
ok = ok and 1.0 < lo <= mid <= hi < 16 * 6 / 16 and np.isinf(g["row_ci_high"][0])
print("rows:", st, "d=6 midpoint %.3f [%.3f, %.3f]" % (mid, lo, hi), "trainings",
      list(g["row_trainings"][:]), "rounds", g.attrs["design_rounds"])
sys.exit(0 if ok else 1)
EOF
}
check "d = 4 all fail (one-sided interval), d = 6 located" verdicts a1.h5

# A group budget spent by its first row: the other rows never train and report no midpoint
# or interval (the prior's median is the middle of the k range, not a result).
untrained_rows() {
    quiet ovsweep $AD --max-trainings 2 -o budget.h5 && $PY "$ROOT/tests/check_layout.py" budget.h5
}
check "--max-trainings 2: the untrained row has no midpoint (layout)" untrained_rows

# Rank invariance: rank 0 hands out the same proposals; any rank count writes the same file.
for np in 2 3 7; do
    check "mpirun -np $np: exit 0" quiet $MPIRUN -np $np "$OVS" $AD -o a$np.h5
    check "mpirun -np $np: identical to the singleton (h5diff)" same a1.h5 a$np.h5
done

# A round of --batch trainings keeps at most that many ranks busy: one note says so (the
# large-n study's --batch 12 on scaling.sbatch's 64 ranks had 52 waiting), on stderr at the
# start and in the dry run; none with --quiet, none where the batch covers the ranks or for a
# grid.
FEW="--design adaptive --n 16 --k 2:16 --d 4,6 --act relu --max-iter 50 --batch 2"
$MPIRUN -np 3 "$OVS" $FEW -o few.h5 >few.out 2>few.err
check "--batch 2 on 3 ranks: one note, naming 2 of the 3 ranks and a batch of 3" \
    sh -c 'test "$(grep -c "note: --design adaptive proposes 2 training" few.err)" = 1 &&
           grep -q "at most 2 of the 3 ranks train at once; 2 ranks give the same results, a --batch of 3" few.err'
# each check below also asks for exit 0 and the output that shows the run happened, so that
# a failed run cannot pass as "no note"
$MPIRUN -np 3 "$OVS" $FEW --resume -o few.h5 >fewr.out 2>fewr.err; rc=$?
check "resuming the complete file: nothing to run, no note" \
    sh -c "test $rc -eq 0 && grep -q 'resuming few.h5' fewr.err && ! grep -q 'adaptive proposes' fewr.err"
$MPIRUN -np 3 "$OVS" $FEW --quiet -o fewq.h5 >fewq.out 2>fewq.err; rc=$?
check "--quiet: no note" \
    sh -c "test $rc -eq 0 && test -s fewq.h5 && ! grep -q 'adaptive proposes' fewq.err fewq.out"
$MPIRUN -np 3 "$OVS" $FEW --dry-run -o fewd.h5 >fewd.out 2>&1
check "the dry run on 3 ranks has the line" grep -q "^  --design adaptive proposes 2 training" fewd.out
$MPIRUN -np 2 "$OVS" $FEW --dry-run -o fewd.h5 >fewd2.out 2>&1; rc=$?
check "no line where the batch covers the ranks (2 on 2)" \
    sh -c "test $rc -eq 0 && grep -q 'rank 0 memory' fewd2.out && ! grep -q 'adaptive proposes' fewd2.out"
$MPIRUN -np 3 "$OVS" --n 16 --k 2:4 --d 4 --act relu --max-iter 50 -o fewg.h5 >fewg.out 2>&1; rc=$?
check "a grid on 3 ranks: no such note" \
    sh -c "test $rc -eq 0 && grep -q 'complete' fewg.out && ! grep -q 'adaptive proposes' fewg.out"

# Same trainings as the grid: every adaptive trial equals the grid's trial (k, d, t).
check "grid sweep of the same settings exits 0" \
    quiet $MPIRUN -np 2 "$OVS" --n 16 --k 2:16 --d 4,6 --act relu --max-iter 4000 -o g.h5
same_trials() {
    $PY - "$1" "$2" <<'EOF'
import sys, h5py, numpy as np
a, g = (h5py.File(p, "r")["n16_relu"] for p in sys.argv[1:3])
done = a["done"][:].astype(bool)
assert done.sum() > 0
for ds in ["success", "iterations", "final_rel_err", "diverged", "early_stopped",
           "dist_from_init", "path_length", "ladder_hit_iter"]:
    x, y = a[ds][:][done], g[ds][:][done]
    if not np.array_equal(x.view(np.uint8), y.view(np.uint8)):
        sys.exit(f"{ds} differs")
print(f"    {done.sum()} adaptive trainings, all bit-identical to the grid's")
EOF
}
check "every adaptive training is bit-identical to the grid's trial" same_trials a1.h5 g.h5

# A crashed rank (the --fail-after-trials hook), then --resume at another rank count. 8 of
# the 88 trainings, not 30: rank 0 trains too and may take so many that no worker reaches 30
# (seen once in CI: the sweep finished).
$MPIRUN -np 3 "$OVS" $AD --checkpoint-every 0.01 --fail-after-trials 8 -o crash.h5 \
    >/dev/null 2>&1
check "crashed rank: mpirun reports failure" test $? -ne 0
saved=$(h5attr crash.h5 trials_done 2>/dev/null || echo 0)
echo "    (crash: $saved trainings saved)"
check "crashed rank: the file holds finished trainings and is incomplete" \
    test "$saved" -gt 0 -a "$(attrs crash.h5 complete)" = 0
check "crashed rank: resume on 2 ranks exits 0" quiet $MPIRUN -np 2 "$OVS" $AD --resume -o crash.h5
check "crashed rank: resumed = uninterrupted (h5diff)" same a1.h5 crash.h5

# kill -9 and SIGUSR1 once a checkpoint holds trainings (polled, not a guessed delay). On a
# longer sweep than AD's (0.6 s in all on one rank, 0.3 s of it training, by round 8's kernels,
# against the poller's Python start and 20 ms polls): failing trainings run 30000 updates,
# 152 trainings in about 2 s, so the signal lands mid-run on any machine.
ADL=$(echo "$AD" | sed 's/--max-iter 4000/--max-iter 30000/')
check "reference of the interrupted sweep (--max-iter 30000) exits 0" quiet ovsweep $ADL -o along.h5
interrupt_case() { # SIGNAL
    f=sig_$1.h5
    "$OVS" $ADL --checkpoint-every 0.01 -o $f >/dev/null 2>&1 &
    pid=$!
    watch $pid
    wait_saved $f 20
    kill -s "$1" $pid
    wait $pid
    rc=$?
    unwatch
    done_now=$(h5attr $f trials_done)
    echo "    ($1: exit $rc with $done_now trainings saved)"
    [ "$done_now" -gt 0 ] && [ "$(h5attr $f complete)" = 0 ] || return 1
    case $1 in USR1) [ "$rc" -eq 75 ] || return 1 ;; esac
    ovsweep $ADL --resume -o $f >/dev/null 2>&1 && same along.h5 $f
}
check "kill -9 mid-run: partial file, resume gives the uninterrupted file" interrupt_case KILL
check "SIGUSR1: exit 75, partial file, resume gives the uninterrupted file" interrupt_case USR1

# Resuming a complete file changes nothing; changed design settings are refused.
cp a1.h5 again.h5
check "resume of a complete adaptive file: exit 0" quiet ovsweep $AD --resume -o again.h5
check "... results unchanged" same a1.h5 again.h5
ovsweep $AD --batch 9 --resume -o again.h5 2>err.txt
rc=$?
check "resume with another --batch: refused (exit 2), named" \
    sh -c "test $rc -eq 2 && grep -q -- '--batch differs' err.txt"
ovsweep --n 16 --k 2:16 --d 4,6 --act relu --max-iter 4000 --design grid --resume -o again.h5 \
    2>err.txt
rc=$?
check "resume of an adaptive file with --design grid: refused (exit 2), named" \
    sh -c "test $rc -eq 2 && grep -q -- '--design differs' err.txt"
ovsweep --n 16 --batch 8 -o x.h5 2>err.txt
rc=$?
check "--batch without --design adaptive: refused, named" \
    sh -c "test $rc -eq 2 && grep -q -- '--batch' err.txt && grep -q adaptive err.txt"
summary
