#!/bin/sh
# beyond_fig2.sh - the issue-7 capabilities, one reduced sweep each, on $NP ranks, with the
# analysis that draws them. Produces docs/FINDINGS.md's "Beyond Figure 2" figures in $OUT:
#   methods/   gd vs sgd (eq. 2.9), n = 100, with --diagnostics -> heatmaps + theory plots
#   rf/        random features (Theorem 3.2), k up to 4n: the k ~ n boundary, whatever d
#   acts/      tanh, quadratic, leaky_relu, gelu under the Figure-2 protocol
#   data/      worst-case near-duplicates (delta = 0.01) and gaussian inputs + sign labels
#   widths/    n = 100, 200, 400 inside --kd-band 0.5:3: the transition sharpening with n
# Every sweep keeps the paper's eta, max_iter and tol; only the grid and trial count shrink.
# About 15 minutes on 2 cores. STEPS="methods rf" runs a subset.
set -eu
cd "$(dirname "$0")/.."
. tests/mpienv.sh
OUT=${OUT:-beyond}
NP=${NP:-2}
STEPS=${STEPS:-"methods rf acts data widths"}
RUN="mpirun -np $NP bin/ovsweep --quiet --force"
PY=/usr/bin/python3
GRID="--n 100 --k 2:24:2 --d 1:25:2 --trials 3"   # even k: odd k has a zero output weight
for step in $STEPS; do
    mkdir -p "$OUT/$step"
    f="$OUT/$step/$step.h5"
    t0=$(date +%s)
    case $step in
    methods) $RUN $GRID --act softplus,relu --method gd,sgd --diagnostics -o "$f"
             $PY -m analysis theory "$f" -o "$OUT/$step" ;;
    rf)      $RUN --n 100,200 --act softplus,relu --method rf --k 10:400:10 --d 1:25 \
                 --trials 5 -o "$f" ;;
    acts)    $RUN $GRID --act tanh,quadratic,leaky_relu,gelu -o "$f" ;;
    data)    $RUN $GRID --act relu --data worst --delta 0.01 -o "$OUT/$step/worst.h5"
             $RUN $GRID --act relu --data gaussian --labels sign -o "$f"
             $PY -m analysis heatmap "$OUT/$step/worst.h5" -o "$OUT/$step/worst" ;;
    widths)  $RUN --n 100,200,400 --act softplus --k 2:50:4 --d 2:26:2 --trials 4 \
                 --kd-band 0.5:3 -o "$f"
             $PY -m analysis theory "$f" -o "$OUT/$step" ;;
    *) echo "beyond_fig2.sh: unknown step '$step'" >&2; exit 2 ;;
    esac
    $PY -m analysis heatmap "$f" --theory -o "$OUT/$step"
    $PY -m analysis boundary "$f" >"$OUT/$step/boundary.txt"
    echo "beyond_fig2.sh: $step done in $(($(date +%s) - t0)) s -> $OUT/$step"
done
