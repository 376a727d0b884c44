#!/bin/sh
# sweep_test.sh - the MPI sweep end to end: rank-count invariance (h5diff), the file layout
# (h5dump, h5py, xarray), CLI errors through mpirun, no-clobber and --force, dry run.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
GRID="--quiet --n 20,30 --k 1:5 --d 1:6 --trials 3 --max-iter 1500"

# Rank-count invariance: singleton, then mpirun -np 1, 2, 3 and 7 (oversubscribed; one run
# with frequent checkpoints), compared result dataset by result dataset.
check "singleton run exits 0" ovsweep $GRID -o np0.h5
for np in 1 2 3 7; do
    extra=""
    [ "$np" = 7 ] && extra="--checkpoint-every 0.05"
    check "mpirun -np $np exits 0" $MPIRUN -np $np "$OVS" $GRID $extra -o np$np.h5
    check "np $np results identical to singleton (h5diff)" same np0.h5 np$np.h5
done
# The same with the opt-in early stop on: still identical across rank counts.
FAST="$GRID --early-fail"
check "fast paths on: singleton" ovsweep $FAST -o fast0.h5
check "fast paths on: mpirun -np 3" $MPIRUN -np 3 "$OVS" $FAST -o fast3.h5
check "fast paths on: np 3 identical to singleton (h5diff)" same fast0.h5 fast3.h5
# At sizes where X is read in panels and train.c runs the forward pass and gradient panel
# by panel (n = 1001, k = 30, d = 40; the padding samples and a narrow last panel included):
# still identical across rank counts.
PANELS="--quiet --n 1001 --k 24,30 --d 40 --trials 2 --max-iter 40"
check "panel sizes: singleton" ovsweep $PANELS -o panels0.h5
check "panel sizes: mpirun -np 3" $MPIRUN -np 3 "$OVS" $PANELS -o panels3.h5
check "panel sizes: np 3 identical to singleton (h5diff)" same panels0.h5 panels3.h5
# At sizes where the gradient runs on its own over X in chunks that stay in L1 (n = 800,
# d = 40: X's rows 250 KiB, train_plan.c's ovs_train_grad_chunk on a 48 KiB L1; the kernel's own
# chunks elsewhere): still identical across rank counts.
CHUNKS="--quiet --n 800 --k 20,30 --d 40 --trials 2 --max-iter 40"
check "L1 chunk sizes: singleton" ovsweep $CHUNKS -o chunks0.h5
check "L1 chunk sizes: mpirun -np 3" $MPIRUN -np 3 "$OVS" $CHUNKS -o chunks3.h5
check "L1 chunk sizes: np 3 identical to singleton (h5diff)" same chunks0.h5 chunks3.h5
# At d = 640 (the large-n study's widest rows), where on a 2 MiB L2 the step reads panels
# of 96 and fetches the next one while it computes (train_plan.c's ovs_train_panel_plan).
WIDE="--quiet --n 5200 --k 20 --d 640 --trials 2 --max-iter 20"
check "wide rows: singleton" ovsweep $WIDE -o wide0.h5
check "wide rows: mpirun -np 3" $MPIRUN -np 3 "$OVS" $WIDE -o wide3.h5
check "wide rows: np 3 identical to singleton (h5diff)" same wide0.h5 wide3.h5
# Trials that share X where it streams from memory (X of 6400 x 480, 23 MiB) train in
# lockstep (lockstep.h: rank 0 groups them, up to --lockstep 4 by default): the same results
# as one at a time (--lockstep 1), on 1 to 3 ranks, and after a worker's crash and --resume.
LOCK="--n 6400 --k 5:8 --d 480 --act softplus,relu --trials 2 --max-iter 4"
check "lockstep sizes: singleton, one at a time" ovsweep --quiet $LOCK --lockstep 1 -o lock1.h5
$MPIRUN -np 2 "$OVS" $LOCK -o lock2.h5 >lock2.out 2>&1
check "lockstep sizes: mpirun -np 2 exits 0" test $? -eq 0
check "lockstep sizes: rank 0 formed groups" grep -q "trials trained in lockstep, in" lock2.out
check "lockstep sizes: np 2 identical to one at a time (h5diff)" same lock1.h5 lock2.h5
$MPIRUN -np 3 "$OVS" $LOCK --lockstep 2 -o lock3.h5 >lock3.out 2>&1
check "lockstep sizes: mpirun -np 3, groups of 2, exits 0" test $? -eq 0
check "lockstep sizes: groups of 2 said so" grep -q "(--lockstep 2)" lock3.out
check "lockstep sizes: np 3 identical to one at a time (h5diff)" same lock1.h5 lock3.h5
$MPIRUN -np 3 "$OVS" --quiet $LOCK --checkpoint-every 0.01 --fail-after-trials 3 \
    -o lockcrash.h5 >/dev/null 2>&1
check "lockstep sizes: a worker's crash left a file to resume" test -s lockcrash.h5
check "lockstep sizes: --resume after the crash" \
    $MPIRUN -np 2 "$OVS" --quiet $LOCK --resume -o lockcrash.h5
check "lockstep sizes: resumed identical to one at a time (h5diff)" same lock1.h5 lockcrash.h5
# h5same itself: one changed value in one dataset of a copy is found; a missing file is an
# error, not a difference.
cp np0.h5 changed.h5
$PY -c "import h5py; d = h5py.File('changed.h5', 'r+')['n30_relu/path_length']; d[2, 3, 1] = d[2, 3, 1] * (1 + 2**-52)"
check "h5same finds one changed bit of one value" sh -c "! sh '$ROOT/tests/h5same.sh' np0.h5 changed.h5 >/dev/null 2>&1"
sh "$ROOT/tests/h5same.sh" np0.h5 np0.h5.missing >/dev/null 2>&1
check "h5same on a missing file: exit 2 (trouble), not 1 (different)" test $? -eq 2
ovsweep --quiet --n 20,30 --k 1:5 --d 1:6 --trials 3 --max-iter 1499 -o other.h5
check "h5same detects other results (max-iter 1499)" sh -c "! sh '$ROOT/tests/h5same.sh' np0.h5 other.h5 >/dev/null 2>&1"
check "n_ranks attribute records the rank count" test "$(h5attr np7.h5 n_ranks)" = 7
# The kernels' build the CPU runs (simd.h: x86-64-v4 with AVX-512 F/BW/CD/DQ/VL, x86-64-v3
# with AVX2, FMA, BMI1 and BMI2, else baseline) and the compiler, as provenance.
want=baseline
cpu_has avx2 fma bmi1 bmi2 && want=x86-64-v3
[ $want = x86-64-v3 ] && cpu_has avx512f avx512bw avx512cd avx512dq avx512vl && want=x86-64-v4
[ "$(uname -m)" = x86_64 ] || want=baseline
check "kernel_builds records the build this CPU runs ($want), once for its 7 ranks" \
    test "$(h5attr np7.h5 kernel_builds)" = "$want"
cc_version=$(cc -dumpfullversion 2>/dev/null)
check "compiler names the compiler and its version ($(h5attr np7.h5 compiler); cc: $cc_version)" \
    contains "$(h5attr np7.h5 compiler)" "${cc_version:-no cc}"
check "complete = 1 after a finished sweep" test "$(h5attr np2.h5 complete)" = 1

# The two kernels (hand-written and CBLAS) differ only in rounding: on a grid with both
# outcomes the success decisions are the same and the final errors agree closely.
KGRID="--quiet --n 20 --k 3:12:3 --d 3:12:3 --trials 3 --max-iter 4000"
check "--kernel simd run" ovsweep $KGRID --kernel simd -o ksimd.h5
check "--kernel blas run" ovsweep $KGRID --kernel blas -o kblas.h5
check "kernels: same success decisions, final errors within 1e-9 relative" $PY -c "
import h5py, numpy as np
a, b = h5py.File('ksimd.h5', 'r'), h5py.File('kblas.h5', 'r')
assert a.attrs['kernel'] == 'simd' and b.attrs['kernel'] == 'blas'
for g in a.attrs['groups'].split(','):
    sa, sb = a[g]['success'][:], b[g]['success'][:]
    assert 0 < sa.sum() < sa.size, (g, 'needs both outcomes')
    assert (sa == sb).all(), (g, int((sa != sb).sum()))
    ea, eb = a[g]['final_rel_err'][:], b[g]['final_rel_err'][:]
    assert np.allclose(ea, eb, rtol=1e-9, atol=0), g
"
# The kernels OpenBLAS picked (openblas_get_corename of the library the binary loads, asked
# through ctypes: a DYNAMIC_ARCH build picks per CPU, and each kernel rounds its own way). A
# file whose earlier runs had other ones (set here) gets both on resume, and a warning where
# its results use OpenBLAS (--kernel blas), none where they do not (--kernel simd, gd).
blas_lib=$(ldd "$OVS" | awk '/libopenblas/ {print $3; exit}')
core=$($PY -c "import ctypes, sys; l = ctypes.CDLL(sys.argv[1]); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())" "$blas_lib")
check "openblas_cores records OpenBLAS's kernels here (${core:-none found in $blas_lib}), once for 7 ranks" \
    test -n "$core" -a "$(h5attr np7.h5 openblas_cores)" = "$core"
other=Prescott
[ "$core" = Prescott ] && other=Haswell
for k in blas simd; do
    cp k$k.h5 mixed_$k.h5
    $PY -c "import h5py, sys; h5py.File(sys.argv[1], 'r+').attrs['openblas_cores'] = sys.argv[2]" mixed_$k.h5 $other
    ovsweep $KGRID --kernel $k --resume -o mixed_$k.h5 2>err_$k.txt
    eval "rc_$k=$?"
done
check "a file begun with OpenBLAS's $other kernels, resumed with --kernel blas: exit $rc_blas, both recorded ($(h5attr mixed_blas.h5 openblas_cores)), one warning" \
    sh -c "test $rc_blas -eq 0 && test '$(h5attr mixed_blas.h5 openblas_cores)' = '$other,$core' && test \$(grep -c 'warning: OpenBLAS runs different kernels' err_blas.txt) = 1"
check "... resumed with --kernel simd: exit $rc_simd, both recorded, no warning" \
    sh -c "test $rc_simd -eq 0 && test '$(h5attr mixed_simd.h5 openblas_cores)' = '$other,$core' && ! grep -q warning err_simd.txt"

# Layout: h5dump, h5py (documented names, counts agree with records), xarray dims.
check "h5dump reads the file" sh -c "h5dump -H np2.h5 >/dev/null"
check "layout, summaries and xarray(h5netcdf) dims" $PY "$ROOT/tests/check_layout.py" np2.h5 --xarray

# Bad command lines through mpirun: exit 2, one stderr line naming the flag, no file
# (mpirun adds its own "non-zero exit code" banner after it).
bad_cli() { # FLAG VALUE
    rm -f bad.h5
    $MPIRUN -np 2 "$OVS" "$1" "$2" -o bad.h5 >out.txt 2>err.txt
    rc=$?
    [ "$rc" -eq 2 ] && [ ! -e bad.h5 ] && [ "$(grep -c '^ovsweep:' err.txt)" -eq 1 ] && grep '^ovsweep:' err.txt | grep -q -- "$1"
}
for case in "--k 5:1" "--d 0" "--n -3" "--trials abc" "--tol 1.5" "--eta relu=-1" \
            "--act tanhh" "--max-iter 0" "--k 3,3" "--seed x"; do
    # shellcheck disable=SC2086
    check "bad CLI '$case': exit 2, one line naming the flag, no file" bad_cli $case
done
ovsweep --bogus 2>/dev/null
check "unknown option: exit 2" test $? -eq 2
check "--help exits 0 and lists --resume" sh -c "timeout $LIMIT '$OVS' --help | grep -q -- --resume"
# The README quotes --help verbatim; this keeps the two from drifting apart.
help_matches_readme() {
    ovsweep --help >help.txt
    awk '/^## Command line/ {f = 1} f && /^```$/ {n++; next} f && n == 1' "$ROOT/README.md" >readme_help.txt
    [ -s readme_help.txt ] && cmp -s help.txt readme_help.txt
}
check "README's command-line reference equals --help" help_matches_readme
ovsweep --version >version.txt 2>&1
check "--version prints version and commit" grep -q '^ovsweep .* (git ' version.txt
check "... the compiler ($cc_version), the kernels' build ($want) and OpenBLAS's kernels ($core)" \
    sh -c "grep -q '^compiler: .*$cc_version' version.txt && grep -qx 'kernels: $want (the build this CPU runs)' version.txt && grep -q '^OpenBLAS: .*; kernels $core\$' version.txt"

# No-clobber and --force.
cp np2.h5 keep.h5
before=$(md5sum keep.h5)
ovsweep $GRID -o keep.h5 2>err.txt
check "existing file: exit 2 without --force" test $? -eq 2
check "existing file: message names --force" grep -q -- "--force" err.txt
check "existing file: untouched" test "$(md5sum keep.h5)" = "$before"
check "--force replaces it" ovsweep $GRID --trials 2 --force -o keep.h5
check "--force result has the new trial count" test "$(h5attr keep.h5 trials)" = 2

# Dry run: plan on stdout, nothing written.
ovsweep --dry-run -o dry.h5 >plan.txt
check "dry run writes nothing" test ! -e dry.h5
check "dry run: default plan is Figure 2 (25000 trials)" grep -q "= 25000 trials" plan.txt
check "dry run prints a cost estimate" grep -q "cost estimate" plan.txt

# Text summary: heatmap with the kd = n marker.
ovsweep --n 20 --act relu --k 1:5 --d 1:6 --trials 2 --max-iter 300 -o text.h5 >text.txt
check "summary heatmap printed with kd = n marker" grep -q "k=   5  [0-9#] [0-9#] [0-9#]|[0-9#] " text.txt
summary
