#!/bin/sh
# merge_test.sh - --shard I/N and --merge FILES: the parts of a sweep, each run as its own job
# (an array task), merged into one file whose results are the whole sweep's, trial for trial
# (h5same); a merge that lacks a part is resumable; what a merge refuses, with one line and
# no file written.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
SWEEP="--n 30,40 --k 1:6 --d 1:5 --trials 3 --max-iter 300 --quiet"

# refused OUTFILE PATTERN ARGS...: exit 2, a message matching PATTERN, OUTFILE not created
refused() {
    _out=$1 _pat=$2
    shift 2
    _msg=$(ovsweep "$@" 2>&1)
    _rc=$?
    if [ "$_rc" -eq 2 ] && echo "$_msg" | grep -q -- "$_pat" && [ ! -e "$_out" ]; then
        return 0
    fi
    echo "    rc=$_rc: $_msg" >&3
    return 1
}

# ---- the parts and their merge against the whole sweep ----
$MPIRUN -np 2 "$OVS" $SWEEP -o whole.h5
check "the whole sweep runs" [ -f whole.h5 ]
for i in 1 2 3; do
    $MPIRUN -np $((i % 2 + 2)) "$OVS" $SWEEP --shard $i/3 -o part$i.h5 || not_ok "part $i ran"
done
parts_complete() { for i in 1 2 3; do [ "$(h5attr part$i.h5 complete)" = 1 ] || return 1; done; }
check "each part is a complete file of its part" parts_complete
check "a part's file passes the layout check (its planned cells inside the band)" valid part2.h5

# the parts split the cells: disjoint, together every planned cell, costs about a third each
$PY - <<'PY' && ok "the parts' cells are disjoint, cover the sweep and share its cost" || not_ok "parts' cells"
import h5py, numpy as np
whole = h5py.File("whole.h5", "r")
parts = [h5py.File(f"part{i}.h5", "r") for i in (1, 2, 3)]
for i, p in enumerate(parts, 1):
    assert list(p.attrs["shard"]) == [i, 3], p.attrs["shard"]
assert list(whole.attrs["shard"]) == [1, 1]
cost = [0.0, 0.0, 0.0]
for g in ("n30_softplus", "n30_relu", "n40_softplus", "n40_relu"):
    planned = np.array([p[g]["planned"][...] for p in parts])
    assert (planned.sum(axis=0) == whole[g]["planned"][...]).all(), g
    k, d = whole[g]["k"][...], whole[g]["d"][...]
    n = float(g[1:3])
    trial = 4 * n * np.outer(k, d) + 20 * n * k[:, None] + 2000  # method.c's gd cost per update
    for i in range(3):
        cost[i] += (planned[i] * trial).sum()
assert sum(p.attrs["trials_total"] for p in parts) == whole.attrs["trials_total"]
assert max(cost) <= 1.05 * min(cost), cost
PY

check "merge of the three parts: exit 0" ovsweep --merge 'part*.h5' -o merged.h5 --quiet
check "the merged file's results are the whole sweep's" same whole.h5 merged.h5
whole_file() { [ "$(h5attr "$1" complete)" = 1 ] && [ "$(h5attr "$1" shard)" = "[1 1]" ]; }
check "the merged file is complete, of the whole sweep (shard 1/1)" whole_file merged.h5
check "the merged file passes the layout check" valid merged.h5
hist=$(h5attr merged.h5 history)
check "history: the three parts' runs, then the merge" \
    sh -c '[ "$(echo "$1" | wc -l)" -eq 4 ] && echo "$1" | sed -n 3p | grep -q -- "--shard 3/3" &&
           echo "$1" | tail -n 1 | grep -q "merging 3 files with 360 trials"' _ "$hist"
check "a comma list in another order merges to the same results" \
    ovsweep --merge part3.h5,part1.h5,part2.h5 -o m2.h5 --quiet
check "... identical" same whole.h5 m2.h5

# ---- a merge that lacks a part, then resumed ----
msg=$(ovsweep --merge part1.h5,part3.h5 -o partial.h5 2>&1)
rc=$?
check "a merge without part 2 exits 75 (resumable)" [ "$rc" -eq 75 ]
check "... and says how many trials none of the files holds" \
    contains "$msg" "none of the files holds the other"
check "... the file holds parts 1 and 3, not complete" [ "$(h5attr partial.h5 complete)" = 0 ]
$MPIRUN -np 2 "$OVS" --resume -o partial.h5 --quiet
check "--resume runs part 2's trials: the whole sweep's results" same whole.h5 partial.h5

# ---- a part interrupted and resumed from its file alone keeps its part ----
$MPIRUN -np 2 "$OVS" $SWEEP --shard 2/3 -o crashed.h5 --crash-after-saved 20 >/dev/null 2>&1
wait_gone crashed.h5
check "a crashed part leaves a partial file" [ "$(h5attr crashed.h5 complete)" = 0 ]
$MPIRUN -np 2 "$OVS" --resume -o crashed.h5 --quiet
check "--resume -o PART alone continues that part" same part2.h5 crashed.h5
check "refused: --shard differs (file 2/3, command 1/3)" refused none.h5 "--shard differs (file 2/3, command 1/3)" --resume -o crashed.h5 --shard 1/3

# ---- dry run ----
msg=$(ovsweep --merge 'part[12].h5' -o dry.h5 --dry-run 2>&1)
rc=$?
check "--dry-run --merge reads the files and writes nothing" [ "$rc" -eq 0 ] && [ ! -e dry.h5 ]
check "... and names what a resume would still run" contains "$msg" "120"

msg=$(ovsweep $SWEEP --shard 2/3 -o dry2.h5 --dry-run 2>&1)
check "--dry-run of a part names the part and its trials" \
    contains "$msg" "--shard 2/3: $(h5attr part2.h5 trials_total) of the grid's 360 trials are this part's"

# ---- refusals: one line, exit 2, nothing written ----
cp part1.h5 copy1.h5
check "refused: the files overlap" refused o1.h5 "the files overlap" --merge part1.h5,copy1.h5 -o o1.h5
check "refused: named twice" refused o2.h5 "named twice" --merge part1.h5,part1.h5 -o o2.h5
check "refused: no file matches 'nothing*.h5'" refused o3.h5 "no file matches 'nothing\*.h5'" --merge 'nothing*.h5' -o o3.h5
check "an existing output is refused without --force" \
    sh -c 'cp part2.h5 o4.h5; m=$("$0" --merge part1.h5 -o o4.h5 2>&1); [ $? -eq 2 ] &&
           echo "$m" | grep -q "exists: add --force" && cmp -s o4.h5 part2.h5' "$OVS"
check "the output among the inputs is refused even with --force" \
    sh -c 'm=$("$0" --merge "part*.h5" -o part1.h5 --force 2>&1); [ $? -eq 2 ] &&
           echo "$m" | grep -q "is the output" && cmp -s part1.h5 copy1.h5' "$OVS"
$MPIRUN -np 2 "$OVS" $SWEEP --seed 7 --shard 2/3 -o other.h5
check "refused: other.h5: --seed differs" refused o5.h5 "other.h5: --seed differs" --merge part1.h5,other.h5 -o o5.h5
echo "not hdf5" > junk.h5
check "refused: junk.h5: not an HDF5 file" refused o6.h5 "junk.h5: not an HDF5 file" --merge part1.h5,junk.h5 -o o6.h5
check "refused: --merge: writes a new file" refused o7.h5 "--merge: writes a new file" --merge part1.h5 -o o7.h5 --resume
check "refused: --shard: --merge writes the whole sweep" refused o8.h5 "--shard: --merge writes the whole sweep" --merge part1.h5 -o o8.h5 --shard 1/2
check "refused: --shard: only meaningful with --design grid" refused o9.h5 "--shard: only meaningful with --design grid" $SWEEP --design adaptive \
    --shard 1/2 -o o9.h5
check "refused: --shard: '4/3': I is not an integer in 1..3" refused o10.h5 "--shard: '4/3': I is not an integer in 1..3" $SWEEP --shard 4/3 -o o10.h5
check "refused: --shard: '0/3'" refused o11.h5 "--shard: '0/3'" $SWEEP --shard 0/3 -o o11.h5
check "refused: --shard: 61 parts of 60 cells" refused o12.h5 "--shard: 121 parts of 120 cells" $SWEEP --shard 1/121 -o o12.h5
check "refused: is not I/N" refused o13.h5 "is not I/N" $SWEEP --shard 3 -o o13.h5

summary
