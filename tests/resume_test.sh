#!/bin/sh
# resume_test.sh - crash safety: crashes after a known number of saved trials (the
# --crash-after-saved hook: no wall-clock guessing), a kill -9 of mpirun once the file holds
# trials, a crashing rank, SIGUSR1/SIGTERM/SIGINT, resume at other rank counts
# (h5diff-identical to an uninterrupted run), resume refusals, extending trials, and bad files
# or paths that must never cost data.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
# Long enough failing trials that the interruptions below, which strike once the file holds
# trials (0.2 s after the start at the earliest), land mid-run: 588 trials of up to 30000
# updates, about 4 s of work for 2 ranks and 8 s for one. SIGTERM through mpirun reaches the
# ranks 1 s after it is sent, and after a kill -9 of mpirun its ranks live on for about 1 s,
# checkpointing: with 8000 updates (1.3 s at np 2 since the kernels got faster) a CI run
# finished the whole sweep in that second and the file was complete.
MAXIT=30000
GRID="--quiet --n 30,40 --k 1:7 --d 1:7 --trials 3 --max-iter $MAXIT"
check "reference run (np 2)" $MPIRUN -np 2 "$OVS" $GRID -o ref.h5

# saved_between FILE LO HI: FILE is a valid, incomplete sweep holding LO..HI finished trials.
saved_between() {
    _saved=$(h5attr "$1" trials_done 2>/dev/null) || return 1
    echo "    ($1: $_saved/$(h5attr "$1" trials_total) trials saved)"
    valid "$1" && [ "$(h5attr "$1" complete)" = 0 ] && [ "$_saved" -ge "$2" ] && [ "$_saved" -le "$3" ]
}

# Every rank dies (SIGKILL) right after the first checkpoint that holds N trials; the resume,
# at another rank count, starts from those N (or the few more the other ranks finished)
# and must end identical to the uninterrupted run.
for case in "1 5 2" "2 12 3" "3 30 1"; do
    set -- $case
    np=$1 n=$2 np2=$3
    f=crash_np${np}_$n.h5
    $MPIRUN -np "$np" "$OVS" $GRID --crash-after-saved "$n" -o $f >/dev/null 2>&1
    rc=$?
    wait_gone $f
    check "crash after $n saved trials (np $np): the run died (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
    # one rank: exactly n; more: up to a chunk (64 trials) per worker and rank 0's own trial
    hi=$((n + (np - 1) * 64 + 1))
    check "crash after $n saved trials (np $np): valid incomplete file with $n..$hi trials" saved_between $f "$n" $hi
    check "crash after $n saved trials (np $np): resume at np $np2 exits 0" $MPIRUN -np "$np2" "$OVS" $GRID --resume -o $f
    check "crash after $n saved trials (np $np): resumed = uninterrupted (h5diff)" same ref.h5 $f
done

# Many trials, each a few updates: a resume shares more than one block of loaded records
# (startup.c: 100000 a message, no rank but rank 0 holding them all) and the workers write
# their records in more than one batch of points (h5write.c: 65536 a write; the ladder's 7
# values a trial make 84k points a worker here). Ends identical to a singleton's run.
BIG_SHAPE="--quiet --n 4 --act relu --k 1:2 --d 1:30 --max-iter 3"
BIG="$BIG_SHAPE --trials 4000"
# Rank 0's memory (the peak resident set of its process and the child that reads a file
# back, ru_maxrss): the records of the file (R = 168 B a trial, 39 MiB here) once, and the
# reading itself a block at a time. Reading the whole file into a second array, as the
# loader did until round 25, took the start-up of a resume and each checkpoint's read-back
# to 1.85-2.0 R above a 2-trial run's peak; now 1.24-1.3 R.
# peak_kb CMD...: CMD's peak resident KB, CMD under the suite's time limit; nothing when CMD
# fails (a number there, huge or 0, would pass one of the comparisons below). glibc's mmap
# threshold is held at its initial 128 KiB: it rises (to 32 MiB) when a large block is freed,
# after which the growing buffer of records is copied on the heap instead of remapped, and a
# resume's read measured 1.49 R, not 0.87 R, at the edge of the band for a cause other than
# the loader (GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432)
peak_kb() { GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072 $PY -c '
import resource, subprocess, sys
r = subprocess.run(["timeout", "-k", "10"] + sys.argv[1:], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
if r.returncode == 0:
    print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$LIMIT" "$@"; }
# grew_under KB BASE MAX: both measured (digits) and KB - BASE < MAX
grew_under() {
    case "$1" in '' | *[!0-9]*) return 1 ;; esac
    case "$2" in '' | *[!0-9]*) return 1 ;; esac
    [ $(($1 - $2)) -lt "$3" ]
}
base=$(peak_kb "$OVS" $BIG_SHAPE --trials 2 -o big_tiny.h5)
R=$((240000 * 168 / 1024))
fresh=$(peak_kb "$OVS" $BIG -o big_ref.h5)
dry=$(peak_kb "$OVS" $BIG --resume --dry-run -o big_ref.h5)
echo "    (peak KB: 2 trials ${base:-failed}; 240000 trials ${fresh:-failed}, a resume's read" \
    "${dry:-failed}; records $R)"
check "240000 trials: a run's peak memory is under 1.5x its records above a tiny run's" \
    grew_under "$fresh" "$base" $((R * 3 / 2))
check "... and a resume's read of the file too" grew_under "$dry" "$base" $((R * 3 / 2))
$MPIRUN -np 2 "$OVS" $BIG --crash-after-saved 110000 -o big.h5 >/dev/null 2>&1
wait_gone big.h5
check "240000 short trials: crashed after 110000 saved, valid incomplete file" \
    saved_between big.h5 110000 240000
$MPIRUN -np 3 "$OVS" $BIG --resume -o big.h5
rc=$?
check "... resumed at np 3 (exit $rc; shared in blocks, written in batches) = the singleton's run" \
    sh -c "test $rc -eq 0 && sh '$ROOT/tests/h5same.sh' big_ref.h5 big.h5"
$MPIRUN -np 3 "$OVS" $BIG -o big3.h5
check "... and a fresh run at np 3 (workers' records in batches of points) = the singleton's" \
    same big_ref.h5 big3.h5

# The reader's blocks of whole rows (h5load.c: 16 MiB of records, here 22 rows of 4 cells of
# 1100 trials, then the last 3 rows): crash, resume, compare.
ROWS="--quiet --n 4 --act relu --k 1:25 --d 1:4 --trials 1100 --max-iter 3"
$MPIRUN -np 2 "$OVS" $ROWS -o rows_ref.h5
$MPIRUN -np 2 "$OVS" $ROWS --crash-after-saved 50000 -o rows.h5 >/dev/null 2>&1
rc=$?
wait_gone rows.h5
# (without these the resume of a run that never crashed, a complete file, passed the check)
check "110000 trials in blocks of rows: the run died (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
check "... valid incomplete file with 50000..50065 trials" saved_between rows.h5 50000 50065
ovsweep $ROWS --resume -o rows.h5
rc=$?
check "... resumed singleton (exit $rc) = uninterrupted" \
    sh -c "test $rc -eq 0 && sh '$ROOT/tests/h5same.sh' rows_ref.h5 rows.h5"

# A kill -9 of mpirun from outside, once the file holds trials (mid-run, maybe mid-write).
f=kill.h5
$MPIRUN_BG -np 2 "$OVS" $GRID --checkpoint-every 0.2 -o $f >/dev/null 2>&1 &
pid=$!
watch $pid
wait_saved $f 1
kill -9 $pid
wait $pid 2>/dev/null
unwatch
wait_gone $f
check "kill -9 of mpirun once trials are saved: valid incomplete file" saved_between $f 1 587
check "kill -9: resume at np 3 exits 0" $MPIRUN -np 3 "$OVS" $GRID --resume -o $f
check "kill -9: resumed results identical to uninterrupted" same ref.h5 $f

# A worker rank dies (SIGKILL from inside, like a failed node).
$MPIRUN -np 3 "$OVS" $GRID --checkpoint-every 0.1 --fail-after-trials 40 -o crash.h5 >/dev/null 2>&1
rc=$?
check "crashed rank: mpirun reports failure (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
wait_gone crash.h5
check "crashed rank: file valid and incomplete" sh -c "$PY '$ROOT/tests/check_layout.py' crash.h5 >/dev/null && test \"\$($PY -c \"import h5py; print(h5py.File('crash.h5','r').attrs['complete'])\")\" = 0"
cp crash.h5 crash.before
ovsweep $GRID -o crash.h5 2>err.txt
check "rerun without --resume on an incomplete file: exit 2" test $? -eq 2
check "... message names --resume and --force" sh -c "grep -q -- --resume err.txt && grep -q -- --force err.txt"
check "... file untouched" cmp -s crash.h5 crash.before
check "crashed rank: resume singleton" ovsweep $GRID --resume -o crash.h5
check "crashed rank: resumed results identical" same ref.h5 crash.h5

# Signals: checkpoint and exit 75 (EX_TEMPFAIL), resumable. Each signal is sent once the
# file holds trials (checkpoints every 0.2 s), so that it lands mid-run on any machine. The
# sweep is $GRID with 6 trials, 3 s on 2 Zen 5 cores: $GRID alone takes 1.5 s there, and a
# machine twice as fast could finish it while the poll for the first checkpoint runs.
SIGGRID="$GRID --trials 6"
$MPIRUN -np 2 "$OVS" $SIGGRID -o sigref.h5 >/dev/null 2>&1
signal_case() { # SIGNAL LAUNCH(np or "single")
    f=sig_$1_$2.h5 # mpirun itself exits 1 on SIGTERM (its ranks exit 75): see README
    if [ "$2" = single ]; then
        "$OVS" $SIGGRID --checkpoint-every 0.2 -o $f >/dev/null 2>&1 &
    else
        $MPIRUN_BG -np "$2" "$OVS" $SIGGRID --checkpoint-every 0.2 -o $f >/dev/null 2>&1 &
    fi
    pid=$!
    watch $pid
    wait_saved $f 1
    kill -s "$1" $pid
    wait $pid
    rc=$?
    unwatch
    wait_gone $f
    echo "    ($1 to $2: exit $rc, $(h5attr $f trials_done)/$(h5attr $f trials_total) trials saved)"
    [ "$rc" -eq 75 ] || { [ "$1" = TERM ] && [ "$2" != single ] && [ "$rc" -ne 0 ]; } || return 1
    valid $f && [ "$(h5attr $f complete)" = 0 ] || return 1
    # (resumed on 2 ranks: the singleton resume is checked above, and this halves its time)
    $MPIRUN -np 2 "$OVS" $SIGGRID --resume -o $f >/dev/null 2>&1 && same sigref.h5 $f
}
check "SIGUSR1 through mpirun -np 2: exit 75, valid partial file, resume identical" signal_case USR1 2
# mpirun forwards SIGTERM only after 1 s: one rank keeps the sweep running long enough.
check "SIGTERM through mpirun -np 1: partial file valid, resume identical" signal_case TERM 1
check "SIGTERM to a singleton: exit 75, resume identical" signal_case TERM single
check "SIGINT to a singleton: exit 75, resume identical" signal_case INT single

# Resume refusals name the first differing setting and leave the file untouched.
cp ref.h5 refcopy.h5
sum0=$(md5sum refcopy.h5)
refuse() { # SETTING ARGS...
    setting=$1
    shift
    ovsweep --quiet --resume -o refcopy.h5 "$@" 2>err.txt
    rc=$?
    [ $rc -ne 0 ] && grep -q -- "$setting" err.txt && [ "$(md5sum refcopy.h5)" = "$sum0" ]
}
B="--n 30,40 --k 1:7 --d 1:7"
check "resume refuses another --seed" refuse --seed $B --trials 3 --max-iter $MAXIT --seed 7
check "resume refuses another --tol" refuse --tol $B --trials 3 --max-iter $MAXIT --tol 1e-3
check "resume refuses another --max-iter" refuse --max-iter $B --trials 3 --max-iter 2000
check "resume refuses another --k" refuse --k --n 30,40 --k 1:8 --d 1:7 --trials 3 --max-iter $MAXIT
check "resume refuses another --d" refuse --d --n 30,40 --k 1:7 --d 2:7 --trials 3 --max-iter $MAXIT
check "resume refuses another --n" refuse --n --n 30 --k 1:7 --d 1:7 --trials 3 --max-iter $MAXIT
check "resume refuses another --act" refuse --act $B --act relu --trials 3 --max-iter $MAXIT
check "resume refuses another --eta" refuse --eta $B --trials 3 --max-iter $MAXIT --eta relu=0.2
check "resume refuses another --kernel" refuse --kernel $B --trials 3 --max-iter $MAXIT --kernel blas
check "resume refuses --early-fail on a faithful file" refuse --early-fail $B --trials 3 --max-iter $MAXIT --early-fail
check "resume refuses fewer --trials" refuse --trials $B --trials 2 --max-iter $MAXIT

# A resume takes its settings from the file: `--resume -o FILE` alone continues FILE (a
# sweep far from the defaults), its dry run shows the trials left, a flag given explicitly is
# still checked against the file, and --trials may still grow.
S="--quiet --n 30,40 --act relu --k 1:7 --d 1:7 --trials 2 --max-iter 3000 --seed 7 --eta relu=0.2 --tol 1e-3"
ovsweep $S -o alone_ref.h5
ovsweep $S --crash-after-saved 20 -o alone.h5 >/dev/null 2>&1
left=$((196 - $(h5attr alone.h5 trials_done)))
cp alone.h5 alone.before
ovsweep --resume -o alone.h5 --dry-run >dry.txt 2>&1
check "--resume --dry-run alone: the file's plan and the $left trials left" \
    sh -c "grep -q '= 196 trials, $left to run' dry.txt && grep -q 'tol=0.001 seed=7' dry.txt && grep -q 'eta=0.2' dry.txt"
ovsweep --resume -o alone.h5 --dry-run --seed 8 2>err.txt
rc=$?
check "--resume --dry-run --seed 8 (the file's is 7): refused (exit $rc), the setting named" \
    sh -c "test $rc -eq 2 && grep -q -- '--seed differs (file 7, command 8)' err.txt"
ovsweep --resume -o alone.h5 --trials 1 2>err.txt
rc=$?
check "--resume --trials 1 (the file's 2): refused (exit $rc), file untouched" \
    sh -c "test $rc -eq 2 && grep -q -- '--trials 1 is fewer' err.txt && cmp -s alone.h5 alone.before"
check "--resume -o FILE alone at np 2: exit 0" $MPIRUN -np 2 "$OVS" --quiet --resume -o alone.h5
check "... identical to the uninterrupted run (h5diff)" same alone_ref.h5 alone.h5
line=$(h5attr alone.h5 command_line)
check "... the file keeps the command that resumed it ($line)" test "$line" = "$OVS --quiet --resume -o alone.h5"
ovsweep $(echo "$S" | sed 's/--trials 2/--trials 3/') -o alone_ref3.h5
check "--resume -o FILE --trials 3 alone extends it" ovsweep --quiet --resume -o alone.h5 --trials 3
check "... identical to a 3-trial run" same alone_ref3.h5 alone.h5
# The file's history (CF's audit trail, history.h): one line per run that wrote it, oldest
# first, with its ranks and the trials the file held; the dry runs and refusals above wrote
# nothing and add none.
check "history: the three runs that wrote alone.h5, each with its ranks and command" \
    $PY - alone.h5 $((196 - left)) "$OVS" <<'PYEOF'
import h5py, sys
h = h5py.File(sys.argv[1], "r").attrs["history"].split("\n")
saved, ovs = sys.argv[2], sys.argv[3]
assert len(h) == 3, h
assert " on 1 rank of " in h[0] and h[0].endswith(", a new file: " + ovs + " " + " ".join(
    "--quiet --n 30,40 --act relu --k 1:7 --d 1:7 --trials 2 --max-iter 3000 --seed 7 --eta "
    "relu=0.2 --tol 1e-3 --crash-after-saved 20 -o alone.h5".split())), h[0]
assert " on 2 ranks of " in h[1] and h[1].endswith(
    f", resuming with {saved} trials done: {ovs} --quiet --resume -o alone.h5"), h[1]
assert " on 1 rank of " in h[2] and h[2].endswith(
    f", resuming with 196 trials done: {ovs} --quiet --resume -o alone.h5 --trials 3"), h[2]
times = [line.split(" ")[0] for line in h]
assert times == sorted(times) and all(len(t) == 20 and t.endswith("Z") for t in times), times
PYEOF

# Extending a finished sweep with more trials runs only the new ones.
ovsweep --quiet --n 30,40 --k 1:7 --d 1:7 --trials 2 --max-iter $MAXIT -o ext.h5
check "extend trials 2 -> 3 with --resume" $MPIRUN -np 2 "$OVS" $GRID --resume -o ext.h5
check "extended file identical to a 3-trial run" same ref.h5 ext.h5
check "complete sweep + --resume with same trials: exit 0" ovsweep $GRID --resume -o ext.h5
# A history too long to keep (a hostile file's, or one of very many runs: 100000 lines, 1.6 MB)
# is trimmed when the file is resumed: its first run, a count of the runs left out, the
# newest and this one, within 64 KiB. A file written before the attribute existed gets this
# run's line; --force starts a new history.
cp ext.h5 hist.h5
$PY -c "import h5py; f = h5py.File('hist.h5', 'r+'); f.attrs['history'] = '\n'.join('run %06d of a long history' % i for i in range(100000))"
check "a file with a 100000-line history: --resume at np 2 exits 0" $MPIRUN -np 2 "$OVS" $GRID --resume -o hist.h5
check "... its history: the first run, 'N earlier runs not kept', the newest, this one; < 64 KiB" \
    $PY - hist.h5 <<'PYEOF'
import h5py, sys
text = h5py.File(sys.argv[1], "r").attrs["history"]
h = text.split("\n")
assert len(text.encode()) < 65536 and len(h) > 100, (len(text), len(h))
assert h[0] == "run 000000 of a long history" and h[-2] == "run 099999 of a long history", h[:2]
kept = [int(line.split()[1]) for line in h[2:-1]]
assert kept == list(range(100000 - len(kept), 100000)), kept[:3]
assert h[1] == f"({99999 - len(kept)} earlier runs not kept)", h[1]
assert " on 2 ranks of " in h[-1] and ", resuming with 588 trials done: " in h[-1], h[-1]
PYEOF
$PY -c "import h5py; f = h5py.File('hist.h5', 'r+'); del f.attrs['history']"
check "a file without a history (older versions): resume exits 0" ovsweep $GRID --resume -o hist.h5
# one_line FILE TEXT: FILE's history is one line, holding TEXT
one_line() { _h=$(h5attr "$1" history) && [ "$(printf '%s\n' "$_h" | grep -c .)" = 1 ] && contains "$_h" "$2"; }
check "... its history is this run's line" one_line hist.h5 ", resuming with 588 trials done: "
check "--force over it: exit 0" ovsweep --quiet --n 20 --k 1:2 --d 1:2 --trials 1 --max-iter 20 --force -o hist.h5
check "... a new history, one line" one_line hist.h5 ", a new file: $OVS --quiet --n 20 --k 1:2 --d 1:2 --trials 1 --max-iter 20 --force -o hist.h5"

# Bad files and paths: one clear line, non-zero exit, nothing touched, before any training.
echo "not hdf5" >text.h5
cp text.h5 text.before
ovsweep $GRID --resume -o text.h5 2>err.txt
rc=$?
check "non-HDF5 file: exit non-zero with a message" sh -c "test $rc -ne 0 && grep -q 'not an HDF5 file' err.txt"
check "non-HDF5 file: untouched" cmp -s text.h5 text.before
head -c 4000 ref.h5 >trunc.h5
cp trunc.h5 trunc.before
ovsweep $GRID --resume -o trunc.h5 2>err.txt
check "truncated HDF5: error names it" grep -q 'not an HDF5 file (or truncated' err.txt
check "truncated HDF5: untouched" cmp -s trunc.h5 trunc.before
$PY -c "import h5py; h5py.File('foreign.h5','w')['x'] = [1, 2, 3]"
cp foreign.h5 foreign.before
ovsweep $GRID --resume -o foreign.h5 2>err.txt
check "foreign HDF5: error" grep -q 'not written by ovsweep' err.txt
check "foreign HDF5: untouched" cmp -s foreign.h5 foreign.before
ovsweep $GRID -o foreign.h5 2>err.txt
check "foreign HDF5 without flags: refuses to overwrite" sh -c "cmp -s foreign.h5 foreign.before && grep -q -- --force err.txt"
start=$(date +%s)
ovsweep -o nodir/out.h5 2>err.txt
rc=$?
check "missing directory (full default grid): exit non-zero at once" sh -c "test $rc -ne 0 && test \$((\$(date +%s) - $start)) -lt 10"
check "missing directory: message" grep -q "does not exist" err.txt
check "missing directory: one line" test "$(grep -c . err.txt)" = 1
ovsweep -o /proc/ovsweep-test.h5 2>err.txt
check "unwritable directory: error" grep -q "not writable" err.txt
ovsweep -o text.before/x.h5 2>err.txt
check "file used as a directory: error" grep -q "does not exist" err.txt
ovsweep $GRID --resume -o missing.h5 2>err.txt
check "--resume of a missing file: error" sh -c "grep -q 'does not exist' err.txt && test ! -e missing.h5"
mkdir adir
ovsweep $GRID --force -o adir 2>err.txt
check "output is a directory: error" grep -q "is a directory" err.txt
# An output that is a FIFO (or a device, or a socket): reading it to see whether it is an
# ovsweep file would block until a writer came, and --force would rename a file over it. The
# run is refused at once, with and without --force or --resume, and the FIFO stays.
mkfifo pipe.h5
for flags in "" "--force" "--resume" "--dry-run"; do
    timeout -k 5 20 "$OVS" $GRID $flags -o pipe.h5 >/dev/null 2>err.txt </dev/null
    rc=$?
    : <>pipe.h5 # releases a reader blocked on the FIFO (the failure this checks), if any
    check "output is a FIFO${flags:+ ($flags)}: exit 2 at once (got $rc)" test "$rc" -eq 2
    check "... one line that says it is not a regular file, and the FIFO stays" \
        sh -c "grep -q 'not a regular file' err.txt && test \"\$(grep -c . err.txt)\" = 1 && test -p pipe.h5"
done
# Output paths that can never be a file name: a trailing '/' (after an existing file, or a
# name that does not exist), a name longer than the file system allows. The preflight and
# --dry-run refuse them (exit 2, one line), instead of the first checkpoint failing (exit 1).
long=$(printf '%0300d' 0)
for out in "text.before/" "newdir/" "$long.h5"; do
    for flags in "" "--dry-run"; do
        ovsweep $GRID $flags -o "$out" >/dev/null 2>err.txt
        rc=$?
        check "output '$(echo "$out" | cut -c1-16)'${flags:+ ($flags)}: exit 2 before any training (got $rc)" \
            sh -c "test $rc -eq 2 && grep -q -- '--output' err.txt && test \"\$(grep -c . err.txt)\" = 1"
    done
done
check "... nothing left behind, text.before untouched" \
    sh -c "cmp -s text.before text.h5 && ! ls -A | grep -q -e '^\.text\.before\.' -e newdir -e '^\.ovsweep-lock-'"
summary
