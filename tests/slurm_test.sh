#!/bin/sh
# slurm_test.sh - the SLURM job scripts on a private one-node SLURM (jobs/slurm-localhost.sh,
# state in this suite's temp dir, free ports, short scheduler intervals):
#  (a) jobs/quick.sbatch, with mpirun and with srun --mpi=pmix, gives a complete, valid file
#      identical to the same sweep run directly with mpirun;
#  (b) a jobs/fig2.sbatch job that needs longer than its 1-minute time limit gets SLURM's
#      early SIGUSR1, checkpoints, exits 75, requeues itself, resumes the same file in its next
#      run(s), and finishes with results identical to an uninterrupted run;
#  (c) jobs/quick.sbatch under --export=NONE: the site file jobs/site.sh of the submit
#      directory is sourced, its OVSWEEP_MODULES are loaded with `module load`, its
#      OVSWEEP_OUTDIR is created, and nothing of the submitting shell reaches the job;
#  (d) jobs/scaling.sbatch runs a study of two runs (each through fig2.sbatch) and the
#      analysis over them.
# Without SLURM (first, also when the rest is skipped): fig2.sbatch refuses an unwritable
# output directory and a module list without a module command, each with one error line; on a
# complete OVSWEEP_OUTPUT it does nothing, extends it with a larger --trials, and stops on an
# option that differs from the file's.
# Needs root (slurmd runs the jobs) and the packages of deps/slurm.txt, which it installs when
# missing; without them it says SKIPPED and is counted as skipped ("0 passed, 0 failed,
# 1 skipped"), never as passed. 2-4 minutes.
. "$(dirname "$0")/lib.sh"
T0=$(date +%s)
SL="$ROOT/jobs/slurm-localhost.sh"

# ---- the job script's set-up, without SLURM (a made-up job id; it stops before the launch) ----

# job_fails WHAT ENV...: fig2.sbatch in a bare environment exits 1 with one line saying WHAT
job_fails() {
    what=$1
    shift
    env -i PATH=/usr/bin:/bin SLURM_JOB_ID=1 SLURM_SUBMIT_DIR="$ROOT" "$@" \
        bash "$ROOT/jobs/fig2.sbatch" >"$WORK/setup.log" 2>&1
    rc=$?
    [ "$rc" -eq 1 ] && [ "$(wc -l <"$WORK/setup.log")" -eq 1 ] && grep -q "error: $what" "$WORK/setup.log" ||
        { echo "    (exit $rc:)" && sed 's/^/    | /' "$WORK/setup.log" && return 1; }
}
: >"$WORK/a-file"
check "fig2.sbatch refuses an unwritable OVSWEEP_OUTDIR in one line" \
    job_fails "output directory $WORK/a-file/out is not writable" OVSWEEP_OUTDIR="$WORK/a-file/out"
check "fig2.sbatch refuses OVSWEEP_MODULES without a module command in one line" \
    job_fails "OVSWEEP_MODULES is set but there is no module command" OVSWEEP_MODULES=mpi/x
check "fig2.sbatch refuses an array task whose ids are a list, not a range, in one line" \
    job_fails "array task 10 is not the 10th of a range of 3 ids" SLURM_ARRAY_TASK_COUNT=3 \
    SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_ID=10 SLURM_ARRAY_JOB_ID=1

# A complete OVSWEEP_OUTPUT (no SLURM needed, the launch is mpirun's): nothing to do with the
# file's own options; a larger --trials extends it (it had said "nothing to do" and exited 0);
# an option that differs from the file's stops the job naming it (it had exited 0 too).
# job_on_done ARGS...: fig2.sbatch on $WORK/done.h5 in a bare environment; log in done.log
job_on_done() {
    env -i PATH=/usr/bin:/bin SLURM_JOB_ID=1 SLURM_SUBMIT_DIR="$ROOT" OVSWEEP_OUTPUT="$WORK/done.h5" \
        bash "$ROOT/jobs/fig2.sbatch" "$@" >"$WORK/done.log" 2>&1
}
DONE_ARGS="--quiet --n 10 --k 1:3 --d 1:3 --trials 1 --max-iter 200"
# shellcheck disable=SC2086 # options are words
ovsweep $DONE_ARGS -o "$WORK/done.h5"
cp "$WORK/done.h5" "$WORK/done0.h5"
# shellcheck disable=SC2086
job_on_done $DONE_ARGS
rc=$?
check "fig2.sbatch on a complete file, its own options: nothing to do, exit 0 ($rc), file untouched" \
    sh -c "test $rc -eq 0 && grep -q 'is complete.*nothing to do' '$WORK/done.log' && cmp -s '$WORK/done.h5' '$WORK/done0.h5'"
# shellcheck disable=SC2086
job_on_done $DONE_ARGS --trials 2
rc=$?
n=$(h5attr "$WORK/done.h5" trials_done 2>&1)
check "... with a larger --trials: extends it (exit $rc, trials_done 18 -> $n)" \
    sh -c "test $rc -eq 0 && grep -q 'extending the complete' '$WORK/done.log' && test '$n' = 36"
[ "$rc" -eq 0 ] || sed 's/^/    | /' "$WORK/done.log"
# shellcheck disable=SC2086
job_on_done $DONE_ARGS --trials 2 --n 11
rc=$?
check "... with an option that differs from the file's: stops naming it (exit $rc)" \
    sh -c "test $rc -eq 1 && grep -q 'error: .*do not fit it: .*--n differs' '$WORK/done.log'"

cannot_run() {
    skip "the SLURM suite" "$*"
    summary
    exit 0
}
[ "$(id -u)" -eq 0 ] || cannot_run "it needs root (slurmd runs the jobs); run it as root"
[ -x "$OVS" ] || { not_ok "bin/ovsweep is built (run make)"; summary; exit 1; }
bash "$SL" install || cannot_run "the packages in deps/slurm.txt are missing and could not be installed"

# A clean environment: nothing from an enclosing SLURM job or the user's job settings.
for v in $(env | sed -n 's/^\(SLURM_[A-Za-z0-9_]*\)=.*/\1/p; s/^\(OVSWEEP_[A-Za-z0-9_]*\)=.*/\1/p'); do
    unset "$v"
done
export OVSWEEP_SLURM_DIR="$WORK/slurm" OVSWEEP_SLURM_PORTS=auto OVSWEEP_SLURM_CPUS=4 \
    OVSWEEP_SLURM_KILLWAIT=10 OVSWEEP_SLURM_REQUEUE_DELAY=5 OVSWEEP_SLURM_SCHED_INTERVAL=2
export SLURM_CONF="$OVSWEEP_SLURM_DIR/etc/slurm.conf"
# mpirun's exit after a rank's status 75 waits 2 x this (fig2.sbatch's default is 15 s)
export OMPI_MCA_odls_base_sigkill_timeout=2

# Stop the daemons this suite started (by their PID files), also on failure or interruption.
cleanup() {
    bash "$SL" down >"$WORK/down.log" 2>&1 || cat "$WORK/down.log"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM
chmod 0755 "$WORK" # munged (user munge) must reach its socket under $WORK/slurm

check "slurm-localhost.sh up (munge, slurmctld, slurmd; node idle)" bash "$SL" up
DAEMONS=""
for f in munge/munged.pid pid/slurmctld.pid pid/slurmd.pid; do
    DAEMONS="$DAEMONS $(basename $f .pid):$(cat "$OVSWEEP_SLURM_DIR/$f" 2>/dev/null)"
done
echo "    (started:$DAEMONS)"

# field JOB NAME: a field of `scontrol show job` (e.g. JobState, Restarts, ExitCode)
field() { scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
# wait_job JOB SECONDS: until the job has ended; prints its state. Only COMPLETED counts at
# once: any other end state must last 3 polls, since a requeue passes through some of them.
wait_job() {
    end=$(($(date +%s) + $2))
    seen=0
    prev=""
    while [ "$(date +%s)" -lt "$end" ]; do
        st=$(field "$1" JobState)
        case "$st" in
            COMPLETED) echo "$st" && return 0 ;;
            FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | BOOT_FAIL | DEADLINE | PREEMPTED)
                [ "$st" = "$prev" ] && seen=$((seen + 1)) || seen=1
                [ "$seen" -ge 3 ] && echo "$st" && return 0 ;;
        esac
        prev=$st
        sleep 1
    done
    echo "still ${st:-unknown} after $2 s"
    return 1
}
# submit DIR ARGS...: sbatch in DIR, prints the job id
submit() {
    (cd "$1" && shift && sbatch --parsable "$@") | sed 's/;.*//'
}
complete() { [ "$(h5attr "$1" complete 2>/dev/null)" = 1 ]; }

# ---- (a) the quick job, both launchers ----

GRID_Q="--n 30 --k 1:7 --d 1:7 --trials 3 --max-iter 3000"
check "direct run of the quick sweep (mpirun -np 2)" $MPIRUN -np 2 "$OVS" --quiet $GRID_Q -o "$WORK/quick-direct.h5"

# mpirun, bin/ovsweep found through the submit directory, output in --chdir
mkdir "$WORK/a"
j=$(submit "$ROOT" --chdir="$WORK/a" jobs/quick.sbatch)
st=$(wait_job "$j" 120)
f="$WORK/a/ovsweep-quick-$j.h5"
check "quick job $j (mpirun, found via the submit dir): $st" test "$st" = COMPLETED
check "... exit code 0:0" test "$(field "$j" ExitCode)" = 0:0
check "... file complete" complete "$f"
check "... file valid (check_layout.py)" valid "$f"
check "... identical to the direct run" same "$WORK/quick-direct.h5" "$f"
check "... job log says finished" grep -q "quick job $j run 0: finished" "$WORK/a/ovsweep-quick-$j.out"

# srun --mpi=pmix, OVSWEEP_HOME, an extra ovsweep option on the sbatch line
mkdir "$WORK/b"
j=$(OVSWEEP_HOME="$ROOT" OVSWEEP_LAUNCHER=srun submit "$WORK/b" "$ROOT/jobs/quick.sbatch" --quiet)
st=$(wait_job "$j" 120)
f="$WORK/b/ovsweep-quick-$j.h5"
check "quick job $j (srun --mpi=pmix, OVSWEEP_HOME): $st" test "$st" = COMPLETED
check "... launched with srun" grep -q "running: srun --mpi=pmix .* --quiet -o $f" "$WORK/b/ovsweep-quick-$j.out"
check "... file complete" complete "$f"
check "... file valid (check_layout.py)" valid "$f"
check "... identical to the direct run" same "$WORK/quick-direct.h5" "$f"

# ---- (e) an array of parts (--shard), then a job that merges them (--merge) ----

mkdir "$WORK/e"
arr=$(submit "$ROOT" --chdir="$WORK/e" --array=1-3 -n 1 jobs/quick.sbatch --quiet)
mj=$(submit "$ROOT" --chdir="$WORK/e" -n 1 --dependency=afterok:"$arr" jobs/quick.sbatch \
    --merge "ovsweep-quick-$arr.part*-of-3.h5")
st=$(wait_job "$mj" 300)
check "array $arr of 3 parts, then merge job $mj after them: $st" test "$st" = COMPLETED
parts_ok() {
    for i in 1 2 3; do
        [ "$(h5attr "$WORK/e/ovsweep-quick-$arr.part$i-of-3.h5" shard 2>/dev/null)" = "[$i 3]" ] || return 1
    done
}
check "... each task ran its part (--shard I/3) into its own file" parts_ok
check "... the tasks' logs print the merge command" \
    sh -c "cat '$WORK'/e/*.out | grep -q 'part 1/3 done; when every part is: sbatch -n 1 --dependency=afterok:$arr'"
check "... the merged file is identical to the direct run" same "$WORK/quick-direct.h5" "$WORK/e/ovsweep-quick-$mj.h5"
check "... and complete" complete "$WORK/e/ovsweep-quick-$mj.h5"

# ---- (f) the same in one command: jobs/fig2_parts.sh ----

mkdir "$WORK/f"
line=$(cd "$WORK/f" && OVSWEEP_JOB="$ROOT/jobs/quick.sbatch" OVSWEEP_NAME=quick \
    OVSWEEP_HOME="$ROOT" "$ROOT/jobs/fig2_parts.sh" 2 -n 1 -- --quiet)
echo "    ($line)"
fmj=$(echo "$line" | sed -n 's/.*merge: job \([0-9]*\) after them.*/\1/p')
farr=$(echo "$line" | sed -n 's/^parts: array job \([0-9]*\) .*/\1/p')
st=$(wait_job "${fmj:-none}" 300)
check "fig2_parts.sh 2: array $farr and merge job $fmj: $st" test "$st" = COMPLETED
check "... the merged file ovsweep-quick-ARRAYID.h5 is identical to the direct run" \
    same "$WORK/quick-direct.h5" "$WORK/f/ovsweep-quick-$farr.h5"
check "fig2_parts.sh refuses N = 1 and a non-number (exit 2, one line)" \
    sh -c "! '$ROOT/jobs/fig2_parts.sh' 1 2>/dev/null && '$ROOT/jobs/fig2_parts.sh' x 2>&1 | grep -q 'number of parts'"

# ---- (d) jobs/scaling.sbatch: a study of two runs as one job ----

# Two small adaptive runs (a study file of the same format as jobs/scaling.study): each
# through fig2.sbatch into OVSWEEP_OUTDIR, then `analysis scaling` over both.
mkdir "$WORK/s"
cat >"$WORK/s/tiny.study" <<'EOF2'
COMMON --design adaptive --act softplus --k 2:20 --trials 4 --batch 4 --max-trainings 16 --max-iter 2000
reduced t30  --n 30 --d 3,6
reduced t60  --n 60 --d 6,12
EOF2
j=$(OVSWEEP_HOME="$ROOT" OVSWEEP_STUDY="$WORK/s/tiny.study" OVSWEEP_OUTDIR="$WORK/s/out" \
    submit "$WORK/s" -n 2 "$ROOT/jobs/scaling.sbatch")
st=$(wait_job "$j" 240)
check "scaling job $j (two runs through fig2.sbatch): $st" test "$st" = COMPLETED
check "... run t30 complete" complete "$WORK/s/out/t30.h5"
check "... run t60 complete" complete "$WORK/s/out/t60.h5"
check "... the study's CSV has rows of both n" \
    sh -c "grep -q '^30,softplus' '$WORK/s/out/boundary_vs_n.csv' && grep -q '^60,softplus' '$WORK/s/out/boundary_vs_n.csv'"

# ---- (c) --export=NONE, a site file, modules, an output directory ----

# A stand-in checkout (bin/ and the job scripts linked) whose jobs/site.sh defines a fake
# `module`, names modules and an output directory that does not exist yet. OVSWEEP_NAME and
# the mpirun-as-root variables are set in the submitting shell and must not reach the job.
mkdir -p "$WORK/home/jobs" "$WORK/d"
ln -s "$ROOT/bin" "$WORK/home/bin"
ln -s "$ROOT/jobs/fig2.sbatch" "$ROOT/jobs/quick.sbatch" "$WORK/home/jobs/"
cat >"$WORK/home/jobs/site.sh" <<EOF
module() { echo "site module: \$*"; }
OVSWEEP_MODULES="fake-mpi/4.1 fake-hdf5/1.10"
OVSWEEP_OUTDIR="$WORK/d/results"
EOF
j=$(OVSWEEP_NAME=leaked submit "$WORK/home" --export=NONE --chdir="$WORK/d" jobs/quick.sbatch)
st=$(wait_job "$j" 120)
f="$WORK/d/results/ovsweep-quick-$j.h5"
log="$WORK/d/ovsweep-quick-$j.out"
fails=$T_FAIL
check "quick job $j (--export=NONE, jobs/site.sh): $st" test "$st" = COMPLETED
check "... sourced the site file" grep -q "run 0: sourcing $WORK/home/jobs/site.sh" "$log"
check "... loaded its modules" grep -q "^site module: load fake-mpi/4.1 fake-hdf5/1.10" "$log"
check "... created OVSWEEP_OUTDIR and wrote the file there" complete "$f"
check "... identical to the direct run" same "$WORK/quick-direct.h5" "$f"
check "... nothing of the submitting shell leaked (OVSWEEP_NAME)" test ! -e "$WORK/d/results/ovsweep-leaked-$j.h5"
[ "$T_FAIL" -eq "$fails" ] || sed 's/^/    | /' "$log"

# ---- (b) time limit -> SIGUSR1 -> checkpoint -> requeue -> resume -> complete ----

# About 60 s on 2 ranks. SLURM checks time limits every 30 s and signals a job at the first
# check where (limit - elapsed) <= lead + 30, so with -t 1 and a lead of 30 s every run gets
# SIGUSR1 at its first check, 0-30 s after its start; fig2.sbatch passes it on 10 s after the
# launch at the earliest. The first run is therefore always interrupted, and each run gets at
# least ~9 s of work done: the sweep finishes after one or a few requeues.
# The sweep must outlast the first signal window on any machine: a short calibration run
# (3 trials per cell) sets the trial count for about 60 s on 2 ranks (at least 30 trials).
t=$(date +%s.%N)
$MPIRUN -np 2 "$OVS" --quiet --n 50 --k 1:12 --d 1:12 --trials 3 --max-iter 10000 \
    -o "$WORK/calibrate.h5" >/dev/null 2>&1
trials=$($PY -c "import math; print(max(30, math.ceil(3 * 60 / max(0.1, $(date +%s.%N) - $t))))")
GRID_F="--n 50 --k 1:12 --d 1:12 --trials $trials --max-iter 10000"
echo "    (requeue test sweep: $GRID_F)"
t=$(date +%s)
check "direct run of the requeue test's sweep (mpirun -np 2)" $MPIRUN -np 2 "$OVS" --quiet $GRID_F -o "$WORK/fig2-direct.h5"
echo "    (direct run: $(($(date +%s) - t)) s)"

mkdir "$WORK/c"
t=$(date +%s)
j=$(OVSWEEP_HOME="$ROOT" OVSWEEP_ARGS="--quiet $GRID_F" submit "$WORK/c" -n 2 -t 1 --signal=B:USR1@30 "$ROOT/jobs/fig2.sbatch")
st=$(wait_job "$j" 900) # each run of ~30 s gets ~10 s of work: slow machines need many
log="$WORK/c/ovsweep-fig2-$j.out"
f="$WORK/c/ovsweep-fig2-$j.h5"
restarts=$(field "$j" Restarts)
echo "    (fig2 job $j: $st after $(($(date +%s) - t)) s, Restarts=$restarts; its log:)"
grep -E "fig2 job $j run [0-9]+: (got|passing|stopped|requeued|resuming|finished|error)" "$log" | sed 's/^/    | /'
check "fig2 job $j (-t 1, B:USR1@30): $st" test "$st" = COMPLETED
check "... requeued at least once (Restarts=$restarts)" test "${restarts:-0}" -ge 1
check "... run 0 got SIGUSR1 and passed it on to mpirun" sh -c "grep -q 'run 0: got SIGUSR1' '$log' && grep -q 'run 0: passing SIGUSR1 on to mpirun' '$log'"
check "... run 0 checkpointed (exit 75) and requeued itself" sh -c "grep -q 'run 0: stopped with a checkpoint' '$log' && grep -q 'run 0: requeued job $j' '$log'"
done1=$(sed -n "s|.*run 1: resuming $f (complete=0, trials \([0-9]*\)/.*|\1|p" "$log")
check "... run 1 (SLURM_RESTART_COUNT=1) resumed the same file from ${done1:-?} trials" test "${done1:-0}" -gt 0
check "... the last run finished it" grep -q "run $restarts: finished: $f (complete=1," "$log"
check "... one output file for all runs" test "$(ls "$WORK/c"/*.h5 | wc -l)" = 1
check "... file complete" complete "$f"
check "... file valid (check_layout.py)" valid "$f"
check "... identical to the uninterrupted direct run" same "$WORK/fig2-direct.h5" "$f"
check "... its history: a line per run ($((${restarts:-0} + 1))), each naming job $j, run 1 resuming from ${done1:-?} trials" \
    $PY - "$f" "$j" "${restarts:-0}" "${done1:-0}" <<'PYEOF'
import h5py, sys
h = h5py.File(sys.argv[1], "r").attrs["history"].split("\n")
job, restarts, done1 = sys.argv[2], int(sys.argv[3]), sys.argv[4]
assert len(h) == restarts + 1, h
assert all(f" on 2 ranks of " in line and f", SLURM job {job}, " in line for line in h), h
assert ", a new file: " in h[0] and f", resuming with {done1} trials done: " in h[1], h[:2]
PYEOF

# ---- down ----

# gone NAME:PID...: none of these processes is still running (a zombie counts as gone)
gone() {
    for d in "$@"; do
        st=$(ps -o stat= -p "${d#*:}" 2>/dev/null || true)
        case "$st" in "" | Z*) ;; *) echo "    (${d%%:*} pid ${d#*:} still running)" && return 1 ;; esac
    done
}
bash "$SL" down >"$WORK/down.log" 2>&1
check "slurm-localhost.sh down stops the daemons it started (SIGTERM)" sh -c "! grep -q SIGKILL '$WORK/down.log'"
# shellcheck disable=SC2086
check "... all of them:$DAEMONS" gone $DAEMONS
if [ "$T_FAIL" -gt 0 ]; then
    for l in "$OVSWEEP_SLURM_DIR"/log/*.log; do
        echo "---- last lines of $l ----"
        tail -n 15 "$l"
    done
fi
echo "    (suite: $(($(date +%s) - T0)) s)"
summary
