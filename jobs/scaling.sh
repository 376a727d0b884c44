#!/bin/sh
# scaling.sh - the large-n study of issue 17 on one machine: the runs of jobs/scaling.study
# (the "reduced" tier; --full: every tier), one after the other on NP ranks, then
# `analysis scaling` over their files: OUTDIR/boundary_vs_n.csv, .png and .txt.
#
#   jobs/scaling.sh [--dry-run] [--full] [--only NAME[,NAME...]] [OUTDIR]     (default: scaling)
#
# --dry-run prints each run's command and `ovsweep --dry-run` plan (one process: one rank's
# times), with the cost estimate of its --max-trainings, and runs nothing. A run whose file is complete is skipped, one whose file
# exists is continued with --resume (same results as uninterrupted), so the script can be
# stopped (Ctrl-C, kill: the ranks checkpoint) and started again. Environment: NP ranks
# [nproc], MPIRUN [mpirun], OVS the binary [bin/ovsweep], EXTRA files for the analysis (e.g. a Figure-2 grid file) [].
# On a cluster: jobs/scaling.sbatch, the same runs as one requeue-safe SLURM job.
set -u
cd "$(dirname "$0")/.." || exit 1
NP=${NP:-$(nproc)} # before mpienv.sh: nproc honours its OMP_NUM_THREADS=1
. tests/mpienv.sh
DRY=0 FULL=0 ONLY="" OUT=scaling
while [ $# -gt 0 ]; do
    case $1 in
    --dry-run) DRY=1 ;;
    --full) FULL=1 ;;
    --only) ONLY=${2:?--only needs a list of run names}; shift ;;
    -h | --help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "scaling.sh: unknown option $1" >&2; exit 2 ;;
    *) OUT=$1 ;;
    esac
    shift
done
MPIRUN=${MPIRUN:-mpirun}
OVS=${OVS:-bin/ovsweep}
PY=/usr/bin/python3
STUDY=jobs/scaling.study
[ -x "$OVS" ] || { echo "scaling.sh: $OVS not found: run make first" >&2; exit 2; }
mkdir -p "$OUT" || exit 2
COMMON=$(awk '$1 == "COMMON" { $1 = ""; print }' "$STUDY")
# runs: "NAME OPTIONS" of the chosen tiers (and names)
runs=$(awk -v full="$FULL" -v only=",$ONLY," '
    /^#/ || NF < 2 || $1 == "COMMON" { next }
    ($1 == "reduced" || full == 1) && (only == ",," || index(only, "," $2 ",")) { $1 = ""; print }
' "$STUDY")
[ -n "$runs" ] || { echo "scaling.sh: no run of $STUDY matches" >&2; exit 2; }
# A signal to this script (kill, Ctrl-C, a hang-up) is passed on to the running mpirun as
# SIGUSR1, "checkpoint now", and ends the study after that run. mpirun therefore runs in the
# background: sh runs a trap only between commands or in `wait`. The loop runs in this shell,
# not in a pipeline's subshell, which the signal would not reach.
child="" sig=""
trap 'sig=TERM; [ -z "$child" ] || kill -s USR1 "$child" 2>/dev/null' TERM
trap 'sig=INT; [ -z "$child" ] || kill -s USR1 "$child" 2>/dev/null' INT
trap 'sig=HUP; [ -z "$child" ] || kill -s USR1 "$child" 2>/dev/null' HUP
while read -r name opts; do
    f="$OUT/$name.h5"
    # shellcheck disable=SC2086 # options are words
    if [ "$DRY" = 1 ]; then
        echo "== $name: $MPIRUN -np $NP $OVS $COMMON $opts -o $f"
        # one process, not mpirun: sizing happens on login nodes too, where mpirun -np NP may
        # find too few slots; the times are one rank's (core-hours)
        $OVS --dry-run $COMMON $opts -o "$f" </dev/null | grep -E "plan:|estimate|adaptive design"
        continue
    fi
    resume=""
    if [ -e "$f" ]; then
        done=$($PY -c "import h5py,sys; print(int(h5py.File(sys.argv[1],'r').attrs.get('complete',0)))" "$f" 2>/dev/null)
        if [ "$done" = 1 ]; then echo "scaling.sh: $name complete, skipped"; continue; fi
        resume=--resume
    fi
    [ -z "$sig" ] || break # stopped during the previous run: start no other
    t0=$(date +%s)
    echo "scaling.sh: $name: $MPIRUN -np $NP $OVS $COMMON $opts $resume -o $f"
    $MPIRUN -np "$NP" $OVS --quiet $COMMON $opts $resume -o "$f" </dev/null & # not the run list
    child=$!
    rc=0
    while kill -0 "$child" 2>/dev/null; do
        wait "$child"
        rc=$?
    done
    # a trap may have cut the last wait short just as mpirun ended: ask again (127: the
    # status is gone, keep the one we have)
    wait "$child" 2>/dev/null
    last=$?
    [ "$last" -eq 127 ] || rc=$last
    child=""
    if [ $rc -ne 0 ]; then
        echo "scaling.sh: $name stopped with status $rc${sig:+ (SIG$sig)}; run the script again to continue" >&2
        exit $rc
    fi
    echo "scaling.sh: $name done in $(($(date +%s) - t0)) s"
done <<EOF
$runs
EOF
if [ -n "$sig" ]; then
    echo "scaling.sh: stopped by SIG$sig; run the script again to continue" >&2
    exit 75
fi
[ "$DRY" = 1 ] && exit 0
# shellcheck disable=SC2086 # file lists are words
set -- $(for n in $(echo "$runs" | awk '{print $1}'); do [ -e "$OUT/$n.h5" ] && echo "$OUT/$n.h5"; done) ${EXTRA:-}
$PY -m analysis scaling "$@" --csv "$OUT/boundary_vs_n.csv" --figure "$OUT/boundary_vs_n.png" \
    >"$OUT/boundary_vs_n.txt" && cat "$OUT/boundary_vs_n.txt"
