#!/bin/sh
# clang_test.sh - the build with clang (issue 19: the clang-based compilers of clusters).
# Builds bin/ovsweep and test_kernels with Debian's clang in directories of their own
# (make CC=clang OMPI_CC=clang BUILD=... BIN=...; mpicc wraps $OMPI_CC), runs test_kernels,
# and runs the same sweeps with the gcc binary (bin/ovsweep, from `make all`) and the clang
# one: both activations, a small-cell grid and one at n = 1100, d = 40, where the gradient
# runs in chunks of samples (and at k = 30 X is read in panels, panel by panel with the
# gradient). The results must be bit-identical (tests/h5same.sh): both
# compilers use the FMA builds and clones on an FMA machine (include/simd.h). The clang build
# takes a user's -mavx2 -mfma where the CPU has them (gcc's is the default build).
# Without clang its one check is skipped (lib.sh's skip: counted as skipped, never passed).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
if ! command -v clang >/dev/null 2>&1; then
    skip "clang build" "clang is not installed (apt-get install clang)"
    summary
    exit
fi
B="$WORK/build-clang"
BB="$WORK/bin-clang"
echo "$(clang --version | head -n 1)"
# Where the CPU runs it, with a user's -mavx2 -mfma: clang's default -ffp-contract is on, which
# until round 32 fused products into sums all over the program under -mfma (the Makefile's
# CONTRACT); the sweeps below then check that too.
CLANG_CFLAGS=""
cpu_has avx2 fma && CLANG_CFLAGS="-O2 -mavx2 -mfma"
check "make CC=clang ${CLANG_CFLAGS:+CFLAGS='$CLANG_CFLAGS' }builds ovsweep and test_kernels (own BUILD/BIN)" sh -c "cd '$ROOT' &&
    OMPI_CC=clang timeout 900 make -s -j2 CC=clang BUILD='$B' BIN='$BB' '$BB/ovsweep' \
    '$B/test_kernels' ${CLANG_CFLAGS:+CFLAGS='$CLANG_CFLAGS'} >'$WORK/make.log' 2>&1 || { tail -n 20 '$WORK/make.log'; exit 1; }"
check "the build dirs stay apart: bin/ovsweep is gcc's" sh -c "! strings '$OVS' | grep -q 'clang version'"
check "clang's test_kernels passes" sh -c "timeout 120 '$B/test_kernels' >'$WORK/tk.log' 2>&1 ||
    { tail -n 20 '$WORK/tk.log'; exit 1; }"
SMALL="--quiet --n 40 --k 2:10:2 --d 2:10:2 --trials 2 --max-iter 3000"
LARGE="--quiet --n 1100 --k 4,8,30 --d 40 --trials 1 --max-iter 60"
for grid in SMALL LARGE; do
    eval args=\$$grid
    # shellcheck disable=SC2086
    check "$grid grid, gcc binary" $MPIRUN -np 2 "$OVS" $args -o gcc_$grid.h5
    # shellcheck disable=SC2086
    check "$grid grid, clang binary" $MPIRUN -np 2 "$BB/ovsweep" $args -o clang_$grid.h5
    check "$grid grid: clang's results bit-identical to gcc's (h5same)" same gcc_$grid.h5 clang_$grid.h5
done
# Every activation (tanh's and GELU's derivatives are not cloned: simd.h's OVS_ROUNDED).
ACTS="--quiet --n 40 --k 1:5 --d 1:5 --trials 2 --max-iter 1000 --act relu,softplus,tanh,quadratic,leaky_relu,gelu"
# shellcheck disable=SC2086
ovsweep $ACTS -o gcc_acts.h5 >/dev/null 2>&1
# shellcheck disable=SC2086
limit "$BB/ovsweep" $ACTS -o clang_acts.h5 >/dev/null 2>&1
check "every activation: clang's results bit-identical to gcc's (h5same)" same gcc_acts.h5 clang_acts.h5
summary
