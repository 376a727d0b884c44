#!/bin/sh
# reliability_test.sh - the guarantees of docs/RELIABILITY.md under faults and hostile input:
# a full disk (a small tmpfs, mounted by the test as root) ends the job at once with one
# clear line and exit 1, the previous checkpoint intact; a resume checks every dataset's shape
# and type and every record before trusting them, and refuses damaged files (checksums);
# nothing beside the output follows a planted link; a second writer is refused; a signal that
# arrives early still means "stopped cleanly, exit 75", and so does one while rank 0's child
# process reads the output from a file system that never answers; and a seeded fuzz of a real
# checkpoint.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
SW="--quiet --n 30 --k 1:8 --d 1:8 --trials 3 --max-iter 2000"
# every run under a 120 s limit: lib.sh's $MPIRUN and `limit`, or $TO where a wrapper
# function cannot go (inside sh -c); background runs that the test signals are watched
LIMIT=120
TO="timeout -k 10 120"

# ---- 1. a full disk: never a hang, exit 1 with one clear line, the previous file intact ----
mnt="$WORK/tiny"
mkdir "$mnt"
if mount -t tmpfs -o size=700k tmpfs "$mnt" 2>/dev/null; then
    FULL="--quiet --n 60 --k 1:12 --d 1:12 --trials 8 --max-iter 500 --act softplus,relu"
    # a disk that cannot hold two copies of the file: refused before any training
    dd if=/dev/zero of="$mnt/filler" bs=1k count=450 2>/dev/null
    $MPIRUN -np 2 "$OVS" $FULL -o "$mnt/a.h5" >out.txt 2>err.txt </dev/null
    rc=$?
    check "too little room for two copies: refused at once (exit $rc)" test "$rc" -eq 2
    check "... with a line that says so" grep -q "KiB free; the file needs about" err.txt
    rm -f "$mnt/filler"
    # the disk fills while the sweep runs: the next checkpoint refuses, exit 1 within seconds
    ( $MPIRUN -np 2 "$OVS" $FULL --checkpoint-every 0.5 -o "$mnt/b.h5" >out.txt 2>err.txt \
        </dev/null; echo $? >rc.txt ) &
    i=0
    while [ ! -s "$mnt/b.h5" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    cp "$mnt/b.h5" before.h5
    dd if=/dev/zero of="$mnt/filler" bs=1k count=2000 2>/dev/null
    t0=$(date +%s)
    wait
    rc=$(cat rc.txt)
    check "the disk fills mid-run: exit 1 (got $rc), within seconds" \
        sh -c "test '$rc' -eq 1 && test \$((\$(date +%s) - $t0)) -lt 60"
    check "... one line that says the file system is full" grep -q "the file system is full" err.txt
    check "... the previous checkpoint intact" valid "$mnt/b.h5"
    check "... no checkpoint directory or lock left behind" \
        test "$(ls -A "$mnt" | grep -c ovsweep)" = 0
    rm -f "$mnt"/*
    # the write itself meets the full disk (the free-space checks off): HDF5 fails on a rank
    export OVSWEEP_TEST_IGNORE_FREE_SPACE=1
    $TO "$OVS" $FULL -o "$mnt/c.h5" --checkpoint-every 1000 >/dev/null 2>&1
    dd if=/dev/zero of="$mnt/filler" bs=1k count=2000 2>/dev/null
    cp "$mnt/c.h5" c.before
    # (at 3 ranks Open MPI's MPI-IO loses the error: the checkpoint read back catches it)
    for np in 1 2 3; do
        $MPIRUN -np $np -x OVSWEEP_TEST_IGNORE_FREE_SPACE "$OVS" $FULL --trials 9 --resume \
            -o "$mnt/c.h5" >out.txt 2>err.txt </dev/null
        rc=$?
        check "a write that fails inside HDF5 on $np rank(s): exit 1, no hang (got $rc)" \
            test "$rc" -eq 1
        check "... the message names the failed call or the damage" \
            grep -qE "HDF5 call failed|new checkpoint is damaged" err.txt
        check "... the previous checkpoint untouched" cmp -s "$mnt/c.h5" c.before
    done
    unset OVSWEEP_TEST_IGNORE_FREE_SPACE
    sleep 1
    umount "$mnt" 2>/dev/null || umount -l "$mnt"
else
    echo "SKIPPED: full-disk cases (cannot mount a tmpfs: not root?)"
fi

# ---- 1b. a rank stuck inside a checkpoint's collective write: the watchdog ends the run ----
# (OVSWEEP_TEST_STALL_CHECKPOINT=2 stops the last rank for good before the second checkpoint's
# write; OVSWEEP_TEST_WATCHDOG_LIMIT=3 sets that checkpoint's limit to 3 s. The checkpoints
# before it keep the real limit, the largest of 120 s, 20x the longest write so far and the
# file's size at 4 MB/s: on a loaded machine a first write of over 3 s was cut short when the
# test set the floor of every checkpoint)
mkdir watchdog
$MPIRUN -np 3 -x OVSWEEP_TEST_STALL_CHECKPOINT=2 -x OVSWEEP_TEST_WATCHDOG_LIMIT=3 "$OVS" \
    $SW --checkpoint-every 0.3 -o watchdog/s.h5 >out.txt 2>err.txt </dev/null
rc=$?
stuck_saved() { valid watchdog/s.h5 && [ "$(h5attr watchdog/s.h5 complete)" = 0 ]; }
check "a rank stuck in a checkpoint write: the run ends, exit non-zero, no hang (got $rc)" \
    test "$rc" -ne 0 -a "$rc" -ne 124 -a "$rc" -ne 137
check "... no rank left running (the stuck one included)" wait_gone watchdog/s.h5
check "... with the watchdog's line" grep -q "a checkpoint did not finish in [0-9]* s" err.txt
check "... the first checkpoint intact, incomplete" stuck_saved
check "... no checkpoint directory or lock left behind" test "$(ls -A watchdog | grep -c ovsweep)" = 0
check "... and it resumes to the end" ovsweep $SW --resume -o watchdog/s.h5
# the run's first checkpoint stuck: there was none before it, and the message must not claim one
for how in new force; do
    [ $how = force ] && cp watchdog/s.h5 watchdog/f.before && cp watchdog/s.h5 watchdog/f.h5
    $MPIRUN -np 3 -x OVSWEEP_TEST_STALL_CHECKPOINT=1 -x OVSWEEP_TEST_WATCHDOG_LIMIT=3 "$OVS" \
        $SW --checkpoint-every 0.3 --force -o watchdog/f.h5 >out.txt 2>err.txt </dev/null
    rc=$?
    check "the first checkpoint stuck ($how output): exit non-zero, no hang (got $rc)" \
        test "$rc" -ne 0 -a "$rc" -ne 124 -a "$rc" -ne 137
    check "... no rank left running" wait_gone watchdog/f.h5
    check "... the line says no checkpoint was saved, the output as it was" \
        grep -q "did not finish in 3 s .*; no checkpoint was saved; the output is as it was" err.txt
    if [ $how = new ]; then
        check "... and no output file" test ! -e watchdog/f.h5
    else
        check "... and the file --force would replace unchanged" cmp -s watchdog/f.h5 watchdog/f.before
    fi
    check "... nothing left beside it" test "$(ls -A watchdog | grep -c ovsweep)" = 0
done

# ---- 2, 3. a resume trusts nothing in the file ----
$TO "$OVS" $SW -o ref.h5
$TO "$OVS" $SW --trials 2 -o part.h5
# tamper CODE: apply a change with h5py to a copy of part.h5, resume; must be refused (exit 2),
# with a line naming WHAT, the file byte-identical
tamper() { # NAME WHAT PYTHON
    cp part.h5 x.h5
    $PY -c "import h5py, numpy as np
f = h5py.File('x.h5', 'r+')
$3"
    cp x.h5 x.before
    $TO "$OVS" $SW --resume -o x.h5 >/dev/null 2>err.txt
    rc=$?
    check "$1: refused (exit $rc)" test "$rc" -eq 2
    check "... naming $2" grep -q -- "$2" err.txt
    check "... file untouched" cmp -s x.h5 x.before
}
tamper "attribute trials = 1 (the datasets hold 2)" "done has shape 8x8x2" "f.attrs['trials'] = 1"
tamper "attribute trials = 0" "attribute 'trials'" "f.attrs['trials'] = 0"
tamper "a dataset enlarged" "iterations has shape 8x8x4" "g = f['n30_relu']; a = g['iterations'][:]
del g['iterations']; g.create_dataset('iterations', data=np.concatenate([a, a], axis=2))"
tamper "a dataset shrunk" "final_rel_err has shape 8x8x1" "g = f['n30_relu']; a = g['final_rel_err'][:]
del g['final_rel_err']; g.create_dataset('final_rel_err', data=a[:, :, :1])"
tamper "a dataset of another type" "path_length is not of type float64" "g = f['n30_relu']
a = g['path_length'][:].astype('f4'); del g['path_length']; g.create_dataset('path_length', data=a)"
tamper "a dataset deleted" "ladder_hit_iter is missing" "del f['n30_softplus/ladder_hit_iter']"
tamper "an optional dataset that is a dangling link" "early_stopped is missing or unreadable" \
    "g = f['n30_relu']; del g['early_stopped']; g['early_stopped'] = h5py.SoftLink('/nowhere')"
tamper "done = 1 on a trial never run (iterations -1)" "iteration count outside" "g = f['n30_relu']
it = g['iterations'][:]; it[2, 3, 1] = -1; g['iterations'][...] = it"
tamper "a success without its ladder" "success that disagrees" "g = f['n30_relu']
s = g['success'][:]; s[...] = 1; g['success'][...] = s"
tamper "counts that disagree with the records" "trials_done disagrees" "g = f['n30_relu']
t = g['trials_done'][:]; t[3, 3] += 1; g['trials_done'][...] = t"
tamper "the part (--shard) a string" "attribute 'shard' is missing or cannot be read" \
    "f.attrs['shard'] = '1/1'"
tamper "the part (--shard) of three numbers" "attribute 'shard' is missing or cannot be read" \
    "f.attrs['shard'] = np.array([1, 1, 1], dtype=np.int32)"
tamper "the part (--shard) 5 of 3" "--shard differs (file 5/3, command 1/1)" \
    "f.attrs['shard'] = np.array([5, 3], dtype=np.int32)"
tamper "a flipped byte inside ladder_hit_iter" "ladder_hit_iter is damaged" "
off = f['n30_relu/ladder_hit_iter'].id.get_chunk_info(0).byte_offset + 40; f.close()
b = bytearray(open('x.h5', 'rb').read()); b[off] ^= 0x10; open('x.h5', 'wb').write(bytes(b))"
$TO "$OVS" --quiet --n 30 --k 1:8 --d 1:8 --trials 2 --max-iter 500 --kd-band 0.5:2 -o band.h5
$PY -c "import h5py
g = h5py.File('band.h5', 'r+')['n30_relu']
for ds, v in (('done', 1), ('iterations', 10), ('final_rel_err', 0.5), ('dist_from_init', 1.0), ('path_length', 1.0)):
    a = g[ds][:]; a[0, 0, 0] = v; g[ds][...] = a"
cp band.h5 band.before
$TO "$OVS" --quiet --n 30 --k 1:8 --d 1:8 --trials 2 --max-iter 500 --kd-band 0.5:2 --resume \
    -o band.h5 >/dev/null 2>err.txt
check "done = 1 in a cell outside --kd-band: refused" sh -c "test $? -eq 2 && grep -q 'outside the sweep' err.txt && cmp -s band.h5 band.before"
check "untampered: the same resume gives the uninterrupted result" \
    sh -c "$TO '$OVS' $SW --resume -o part.h5 && sh '$ROOT/tests/h5same.sh' ref.h5 part.h5 >/dev/null"
$TO "$OVS" $SW --trials 2 -o part.h5 --force
# Provenance that a resume carries on (history, kernel_builds, openblas_cores) of the wrong
# type or size: the resume goes on (results never depend on them), gives the uninterrupted
# result, and writes them afresh, bounded.
cp part.h5 prov.h5
$PY -c "import h5py, numpy as np
f = h5py.File('prov.h5', 'r+')
f.attrs['history'] = np.arange(5); f.attrs['kernel_builds'] = 7.5
f.attrs['openblas_cores'] = 'x' * 100000"
$TO "$OVS" $SW --resume -o prov.h5 >/dev/null 2>err.txt
rc=$?
check "history an array, kernel_builds a number, openblas_cores 100 kB: the resume exits $rc, the uninterrupted result" \
    sh -c "test $rc -eq 0 && sh '$ROOT/tests/h5same.sh' ref.h5 prov.h5 >/dev/null"
check "... written afresh: history this run's line, kernel_builds this run's, openblas_cores cut short" \
    $PY - prov.h5 <<'PYEOF'
import h5py, sys
a = h5py.File(sys.argv[1], "r").attrs
h = a["history"].split("\n")
assert len(h) == 1 and ", resuming with " in h[0], h
assert a["kernel_builds"] in ("x86-64-v4", "x86-64-v3", "baseline"), a["kernel_builds"]
cores = a["openblas_cores"]
assert cores.startswith("xxx") and "," in cores and len(cores) < 200, len(cores)
PYEOF

# ---- 4. no planted link is followed ----
echo precious >v.txt
ln -s "$WORK/v.txt" .x4.h5.ovsweep-tmp
ln -s "$WORK/v.txt" .ovsweep-XXXXXX
$TO "$OVS" $SW -o x4.h5 >/dev/null 2>&1
check "links planted at the old temporary name: not followed" test "$(cat v.txt)" = precious
check "... and the run's file is complete" valid x4.h5
ln -s "$WORK/v.txt" .x5.h5.ovsweep-lock
$TO "$OVS" $SW -o x5.h5 >/dev/null 2>err.txt
rc=$?
check "a link planted at the lock's name: refused (exit $rc), not followed" \
    sh -c "test $rc -eq 2 && test \"\$(cat v.txt)\" = precious && grep -q 'lock file' err.txt"
long=$(printf 'o%.0s' $(seq 1 240)).h5
$TO "$OVS" $SW --trials 1 -o "$long"
check "a legal 243-character output name works" valid "$long"
ln -s "$WORK/v.txt" linked.h5
$TO "$OVS" $SW --trials 1 --force -o linked.h5 >/dev/null 2>&1
check "-o naming a symbolic link: the link is replaced by the file" \
    sh -c "test ! -L linked.h5 && test \"\$(cat v.txt)\" = precious"
check "... which is complete" valid linked.h5

# ---- 5. one writer at a time ----
mkdir busy && cd busy || exit 1
"$OVS" $SW --n 30,40 --max-iter 20000 --trials 6 -o busy.h5 >/dev/null 2>&1 &
pid=$!
i=0
while [ ! -e .busy.h5.ovsweep-lock ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
$TO "$OVS" $SW --n 30,40 --max-iter 20000 --trials 6 --force -o busy.h5 >/dev/null 2>err.txt
rc=$?
check "a second writer (--force) is refused at once (exit $rc)" test "$rc" -eq 2
check "... with the holder named" grep -q "being written by another ovsweep (pid $pid on host" err.txt
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
check "a stale lock from a killed run does not block a resume" \
    $TO "$OVS" $SW --n 30,40 --max-iter 20000 --trials 6 --resume -o busy.h5 --dry-run
check "... and the run's leftovers are cleaned by the next run" sh -c "
    $TO '$OVS' $SW --n 30,40 --max-iter 300 --trials 1 --force -o busy.h5 >/dev/null 2>&1
    test \"\$(ls -A | grep -c '^\.ovsweep-')\" = 0"
cd "$WORK" || exit 1

# A file system without record locks (NFS without lockd, Lustre mounted noflock), made by a
# preloaded fcntl that fails F_SETLK with ENOLCK: the run goes on without the lock, saying
# so in one warning line, and leaves no lock file. It had been refused as "being written by
# another ovsweep (holder unknown)", which no run there could get past.
cat >nolock.c <<'EOF2'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (cmd == F_SETLK || cmd == F_SETLKW) {
        errno = ENOLCK;
        return -1;
    }
    int (*next)(int, int, ...) = (int (*)(int, int, ...))dlsym(RTLD_NEXT, "fcntl");
    return next(fd, cmd, arg);
}
EOF2
if cc -shared -fPIC -o nolock.so nolock.c -ldl 2>cc.txt; then
    mkdir nolock && cd nolock || exit 1
    LD_PRELOAD="$WORK/nolock.so" $TO "$OVS" $SW --trials 1 -o nl.h5 >/dev/null 2>err.txt
    rc=$?
    check "a file system without locks: the run goes on (exit $rc), the file complete" \
        sh -c "test $rc -eq 0 && $PY '$ROOT/tests/check_layout.py' nl.h5 >/dev/null 2>&1"
    check "... with one warning line naming the missing locks" \
        sh -c "test \"\$(wc -l <err.txt)\" = 1 &&
               grep -q 'warning: nl.h5: its file system gives no locks (No locks available)' err.txt"
    check "... and no lock file or checkpoint directory left" \
        test "$(ls -A | grep -c 'ovsweep-')" = 0
    cd "$WORK" || exit 1
else
    check "the fcntl stand-in (nolock.so) builds" sh -c "cat cc.txt >&2; false"
fi

# ---- 5b. the output's permissions ----
# A write-protected output (chmod a-w) is kept: --resume and --force are refused before any
# work, the file untouched (each checkpoint is a rename over the output, which the directory
# allows, so nothing else stopped them). And a writable output's mode carries over to the
# checkpoints that replace it (a chmod 640 had become 0644 at the next checkpoint).
mkdir perm && cd perm || exit 1
$TO "$OVS" $SW --trials 1 -o ro.h5 >/dev/null 2>&1
cp -p ro.h5 ro.before
chmod 444 ro.h5
for how in "--resume --trials 2" "--force"; do
    # shellcheck disable=SC2086 # options are words
    $TO "$OVS" $SW $how -o ro.h5 >/dev/null 2>err.txt
    rc=$?
    check "a write-protected output with $how: refused (exit $rc) in one line, the file kept" \
        sh -c "test $rc -eq 2 && test \"\$(wc -l <err.txt)\" = 1 &&
               grep -q \"'ro.h5' is write-protected (mode 0444)\" err.txt && cmp -s ro.h5 ro.before"
done
$TO "$OVS" $SW --trials 1 -o rw.h5 >/dev/null 2>&1
chmod 640 rw.h5
$TO "$OVS" $SW --resume --trials 2 -o rw.h5 >/dev/null 2>&1
mode=$(stat -c %a rw.h5) trials=$(h5attr rw.h5 trials 2>&1)
check "a chmod 640 output extended by --resume: still mode 640 ($mode), 2 trials per cell ($trials)" \
    sh -c "test '$mode' = 640 && test '$trials' = 2"
cd "$WORK" || exit 1

# ---- 6. a signal early in the run: stopped cleanly, exit 75 ----
# (While the ranks' MPI_Init runs. Signals caught from before main: docs/RELIABILITY.md says
# what remains, the first milliseconds of a rank and mpirun's own start.)
# The delays count from the moment every rank catches SIGUSR1 (bit 10 of SigCgt in
# /proc/PID/status: its handler, installed before main, is in place), not from mpirun's start:
# before that only mpirun and a freshly forked rank hold the signal (docs/RELIABILITY.md), and
# a loaded machine makes a fixed delay land there.
catching() { # PID: the process has a handler for SIGUSR1
    m=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null)
    [ -n "$m" ] && [ $((0x$m & 0x200)) -ne 0 ]
}
ranks_started() { # MPIRUN-PID N: until mpirun has N children that catch SIGUSR1, at most 60 s
    for _ in $(seq 1 6000); do
        n=0
        for p in $(pgrep -P "$1"); do catching "$p" && n=$((n + 1)); done
        [ "$n" -ge "$2" ] && return 0
        sleep 0.01
    done
    return 1
}
# A sweep long enough that no delay lets it finish first (a finished run exits 0): about
# 100 s on two Zen 5 cores. Its failing trials run every update, so its length is
# max-iter times the machine's speed: 30000 updates (about 10 s when written) had shrunk to
# 1.0 s as the kernels got faster, and a CI machine finished it within the 0.7 s delay.
# A stop ends it within a second, so its length costs nothing unless a signal is lost.
SIGSW="--quiet --n 30 --k 1:8 --d 1:8 --trials 3 --max-iter 3000000"
for delay in 0 0.3 0.7; do
    rm -f sig.h5
    $MPIRUN_BG -np 2 "$OVS" $SIGSW -o sig.h5 >/dev/null 2>&1 </dev/null &
    mp=$!
    watch $mp
    ranks_started $mp 2
    sleep $delay
    kill -USR1 $mp 2>/dev/null
    wait $mp
    rc=$?
    unwatch
    check "SIGUSR1 ${delay}s after the ranks catch it (np 2): exit 75 (got $rc)" test "$rc" -eq 75
done
rm -f sig.h5
$MPIRUN_BG -np 8 "$OVS" $SIGSW -o sig.h5 >/dev/null 2>&1 </dev/null &
mp=$!
watch $mp
ranks_started $mp 8 # all 8 catch it: they are in their start-up (MPI_Init, the plan)
kill -USR1 $mp 2>/dev/null
wait $mp
rc=$?
unwatch
check "SIGUSR1 during the start-up of 8 ranks: exit 75 (got $rc)" test "$rc" -eq 75

# ---- 6b. a stop while the output is read in a child process that never returns ----
# Rank 0 reads the output (the settings of a --resume, the start-up's check and load, each new
# checkpoint's read-back) in a child process. A file system that never answers (an NFS hard
# mount, a FUSE server that hangs) keeps that child in uninterruptible sleep: SIGKILL ends it
# only when its I/O returns. Made here by a preloaded open() that, in a child only, parks it
# with every signal blocked (it writes stalled.PID first: a state to wait for, not a delay),
# and a preloaded waitpid that reports a parked child as never ending. A stop must still end
# the run within seconds: exit 75, one line saying what was interrupted, the file as it was.
# It had hung: the parent read the child's pipe forever, and SLURM's SIGKILL ended the job.
cat >stall.c <<'EOF2'
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
static pid_t parent;
__attribute__((constructor)) static void init(void) { parent = getpid(); }
static void marker(char *f, size_t n, long pid) { snprintf(f, n, "%s/stalled.%ld", getenv("STALL_DIR"), pid); }
static void park(const char *path)
{
    const char *s = getenv("STALL_OPEN");
    if (getpid() == parent || !s || !path || !strstr(path, s))
        return;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    char f[4096];
    marker(f, sizeof f, (long)getpid());
    fclose(fopen(f, "w"));
    for (;;)
        sleep(1000);
}
#define OPEN(name) int name(const char *path, int flags, ...) { \
    va_list ap; va_start(ap, flags); int mode = va_arg(ap, int); va_end(ap); park(path); \
    int (*next)(const char *, int, ...) = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name); \
    return next(path, flags, mode); }
OPEN(open)
OPEN(open64)
pid_t waitpid(pid_t pid, int *status, int options)
{
    char f[4096];
    marker(f, sizeof f, (long)pid);
    if (pid > 0 && access(f, F_OK) == 0) {
        if (options & WNOHANG)
            return 0;
        for (;;)
            sleep(1000);
    }
    pid_t (*next)(pid_t, int *, int) = (pid_t (*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
    return next(pid, status, options);
}
EOF2
# stuck NAME OPENED SIGNAL NP ARGS...: run with the child's open of a path containing OPENED
# parked, send SIGNAL to the run (ovsweep, or mpirun for NP > 1) once the child is parked;
# checks exit 75 within 10 s, the line, the file as it was, nothing left beside it, the child
# killed. The runs happen in stuck/, on st.h5 (1 trial of $SW, kept in st.before).
stuck() {
    name=$1 opened=$2 sig=$3 np=$4
    shift 4
    rm -f stalled.*
    if [ "$np" = 1 ]; then
        STALL_OPEN=$opened STALL_DIR=$PWD LD_PRELOAD="$WORK/stall.so" \
            "$OVS" "$@" -o st.h5 >out.txt 2>err.txt </dev/null &
    else
        $MPIRUN_BG -np "$np" -x LD_PRELOAD="$WORK/stall.so" -x STALL_OPEN="$opened" \
            -x STALL_DIR="$PWD" "$OVS" "$@" -o st.h5 >out.txt 2>err.txt </dev/null &
    fi
    run=$!
    for _ in $(seq 1 600); do
        ls stalled.* >/dev/null 2>&1 && break
        sleep 0.1
    done
    child=$(ls stalled.* 2>/dev/null | sed 's/^stalled\.//')
    kill -"$sig" $run
    for _ in $(seq 1 100); do
        kill -0 $run 2>/dev/null || break
        sleep 0.1
    done
    hung=0
    if kill -0 $run 2>/dev/null; then
        hung=1
        for p in $(pgrep -P $run); do kill -9 "$p"; done
        kill -9 $run
    fi
    wait $run
    rc=$?
    st=""
    if [ -n "$child" ]; then
        # a child just sent SIGKILL runs (R) until it has exited: up to 3 s for that
        for _ in $(seq 1 30); do
            st=$(ps -o stat= -p "$child" 2>/dev/null)
            case "$st" in Z* | "") break ;; esac
            sleep 0.1
        done
        kill -9 "$child" 2>/dev/null # the old code left it parked
    fi
    check "$name: the child read parked (pid ${child:-none})" test -n "$child"
    check "... SIG$sig ends the run within 10 s, exit 75 (got $rc$([ $hung = 1 ] && echo ', still running: killed'))" \
        sh -c "test $hung = 0 && test $rc -eq 75"
    check "... with one line saying so" sh -c "test \"\$(grep -c '^ovsweep' err.txt)\" = 1 &&
        grep -qE '^ovsweep: (start-up interrupted by a signal while st.h5 was read|interrupted by a signal while the new checkpoint was read back)' err.txt"
    check "... the file as it was, nothing left beside it" sh -c "cmp -s st.h5 st.before &&
        test \"\$(ls -A | grep -c 'ovsweep-')\" = 0"
    check "... the child killed (SIGKILL), not waited for (state '${st# }')" \
        sh -c "test -n '$child' && case '$st' in Z*|'') true ;; *) false ;; esac"
}
if cc -shared -fPIC -o stall.so stall.c -ldl 2>cc.txt; then
    mkdir stuck && cd stuck || exit 1
    $TO "$OVS" $SW --trials 1 -o st.h5 >/dev/null 2>&1
    cp st.h5 st.before
    stuck "the start-up's read of the output stuck (--force)" st.h5 TERM 1 $SW --force
    stuck "a --resume's read of the settings stuck" st.h5 TERM 1 $SW --resume
    stuck "a new checkpoint's read-back stuck" checkpoint.h5 TERM 1 $SW --resume
    stuck "the start-up's read stuck at 2 ranks, SIGUSR1 to mpirun" st.h5 USR1 2 $SW --force
    stuck "a checkpoint's read-back stuck at 2 ranks, SIGUSR1 to mpirun" checkpoint.h5 USR1 2 \
        $SW --resume
    cd "$WORK" || exit 1
else
    check "the open stand-in (stall.so) builds" sh -c "cat cc.txt >&2; false"
fi

# ---- a seeded fuzz of a real checkpoint ----
$PY "$ROOT/tests/fuzz_resume.py" "$OVS" "$WORK/fuzz" 200 >fuzz.txt 2>&1
rc=$?
tail -n 4 fuzz.txt | sed 's/^/    /'
check "fuzz: 200 mutations of a checkpoint, each identical after resume or refused (no crash, hang or silent change)" test "$rc" -eq 0
$PY "$ROOT/tests/fuzz_resume.py" "$OVS" "$WORK/fuzzmerge" 80 20261206 --merge >fuzzm.txt 2>&1
rc=$?
tail -n 4 fuzzm.txt | sed 's/^/    /'
check "fuzz: 80 mutations of a part merged with an intact part, each the sweep's result (after a resume where trials are missing) or refused with nothing written" test "$rc" -eq 0
summary
