#!/bin/bash
# fig2_parts.sh - a sweep as N SLURM array tasks and the job that merges them, in one command:
# task I runs part I of N (ovsweep --shard I/N, through fig2.sbatch: checkpoints, requeue,
# resume), and a one-task job after the whole array (--dependency=afterany) merges the parts'
# files into ovsweep-NAME-ARRAYID.h5, the file one job of the whole sweep would have written.
#
#   jobs/fig2_parts.sh N [SBATCH OPTIONS FOR THE PARTS...] [-- OVSWEEP OPTIONS...]
#   jobs/fig2_parts.sh 8                             # Figure 2 as 8 jobs of fig2.sbatch's size
#   jobs/fig2_parts.sh 16 -n 8 -t 10 -- --trials 20  # 16 jobs of 8 ranks, 20 trials a cell
#
# The SBATCH options go to the parts only; the merge job is `-n 1` (set SBATCH_PARTITION,
# SBATCH_ACCOUNT, ... in the environment for options both need: sbatch reads them itself).
# The OVSWEEP options go to both (the merge checks that every part has them). The merge runs
# after every task has ended, also when one failed: it then writes the parts it finds and ends
# with exit 75 and a line saying how many trials are missing (rerun that part with
# `OVSWEEP_OUTPUT=PARTFILE sbatch jobs/fig2.sbatch --shard I/N`, then merge again, or resume the
# merged file with `OVSWEEP_OUTPUT=MERGED sbatch jobs/fig2.sbatch`).
#
# Environment: OVSWEEP_JOB the batch script [fig2.sbatch beside this one], OVSWEEP_NAME [fig2]
# and OVSWEEP_OUTDIR [the submit directory] as fig2.sbatch reads them (both jobs get them).
# Prints the two job ids and the merged file's path.
set -euo pipefail
usage() { sed -n '2,22p' "$0"; }
case "${1:-}" in
    -h | --help) usage && exit 0 ;;
    '' | *[!0-9]*) echo "fig2_parts.sh: the first argument is the number of parts N (an integer >= 2), not '${1:-}'" >&2 && exit 2 ;;
esac
N=$1
shift
[ "$N" -ge 2 ] || { echo "fig2_parts.sh: N must be at least 2 (one part is jobs/fig2.sbatch)" >&2; exit 2; }
parts_opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    parts_opts+=("$1")
    shift
done
[ $# -eq 0 ] || shift # the --
job=${OVSWEEP_JOB:-$(cd "$(dirname "$0")" && pwd)/fig2.sbatch}
[ -r "$job" ] || { echo "fig2_parts.sh: no batch script $job (OVSWEEP_JOB)" >&2; exit 2; }
name=${OVSWEEP_NAME:-fig2}
outdir=${OVSWEEP_OUTDIR:-$PWD}
case "$outdir" in /*) ;; *) outdir="$PWD/$outdir" ;; esac

arr=$(sbatch --parsable --array=1-"$N" ${parts_opts[@]+"${parts_opts[@]}"} "$job" "$@")
arr=${arr%%;*}
merged="$outdir/ovsweep-$name-$arr.h5"
mj=$(OVSWEEP_OUTPUT="$merged" sbatch --parsable -n 1 --dependency=afterany:"$arr" \
    --job-name="ovsweep-$name-merge" "$job" "$@" --merge "$outdir/ovsweep-$name-$arr.part*-of-$N.h5")
mj=${mj%%;*}
echo "parts: array job $arr (tasks 1-$N); merge: job $mj after them; the merged file: $merged"
