#!/bin/sh
# quickstart_test.sh - the README's first command, as a new user runs it: jobs/quickstart.sh
# (what `make quickstart` runs after the build), unchanged: n = 100, even k and d in 2..24,
# 2 trials, both activations, on 2 ranks, then its heatmaps. It must exit 0, leave a complete
# ovsweep file with both groups and three PNG images, and say where they are. 10-20 s on
# 2 cores. Expects `make all`.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
Q="$WORK/qs"

# run_quickstart LOG: the script with its output under $Q, from another directory
run_quickstart() { OUT="$Q" limit sh "$ROOT/jobs/quickstart.sh" >"$1" 2>&1; }

run_quickstart first.log
rc=$?
check "jobs/quickstart.sh exits 0 (got $rc)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || tail -n 20 first.log
check "... quickstart.h5 has the ovsweep layout (check_layout.py)" valid "$Q/quickstart.h5"
check "... complete, both activations at n = 100, 12 x 12 cells of 2 trials" $PY - "$Q/quickstart.h5" <<'PY'
import sys
import h5py
with h5py.File(sys.argv[1], "r") as f:
    assert int(f.attrs["complete"]) == 1, f.attrs["complete"]
    groups = sorted(g for g in f if isinstance(f[g], h5py.Group) and "success_prob" in f[g])
    assert groups == ["n100_relu", "n100_softplus"], groups
    for g in groups:
        assert f[g]["success_prob"].shape == (12, 12), f[g]["success_prob"].shape
        assert list(f[g]["k"][:]) == list(range(2, 25, 2)), list(f[g]["k"][:])
        assert int(f[g]["trials_done"][:].sum()) == 288, int(f[g]["trials_done"][:].sum())
PY
pngs_ok() {
    for p in heatmap_all heatmap_n100_relu heatmap_n100_softplus; do
        [ "$(head -c 8 "$Q/$p.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
            { echo "    ($p.png is missing or no PNG)"; return 1; }
    done
}
check "... three PNG heatmaps (all, relu, softplus)" pngs_ok
check "... its last line names the file and the directory" \
    grep -q "^quickstart: wrote $Q/quickstart.h5 and the heatmaps in $Q/\$" first.log
summary
