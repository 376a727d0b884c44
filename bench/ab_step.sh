#!/bin/sh
# ab_step.sh REV [ITERS ROUNDS [N K D]...] - microseconds per GD update of git revision REV
# against the working tree, the two taking turns in one process (bench/ab_step.c): the way
# to measure a kernel change of a few percent on a machine whose speed drifts. REV's kernel
# files are built with the same flags and their ovs_ symbols renamed to a_ovs_. Run after
# `make all` (the tree's objects come from build/). Columns: each side's best time per
# update and their ratio, then the median of the rounds' paired ratios (each round's two runs
# back to back) with its 10th and 90th percentiles, which show how noisy the run was
# (bench/ab_step.c). ITERS and ROUNDS are checked here, before the build. REV's kernel files
# get the tree's kernel flags (make print-kernel-flags), so that the two differ in code only;
# REV_KERNEL_FLAGS="..." sets others (how round 21 measured -falign-loops=32).
set -eu
cd "$(dirname "$0")/.."
[ $# -ge 1 ] || { echo "usage: bench/ab_step.sh REV [ITERS ROUNDS [N K D]...]" >&2; exit 2; }
rev=$1
shift
iters=${1:-300}
rounds=${2:-40}
# before the build (about 40 s): counts that are no positive integers are refused at once
for v in "ITERS $iters" "ROUNDS $rounds"; do
    n=${v#* }
    case $n in '' | *[!0-9]*) n=0 ;; esac
    [ "$n" -gt 0 ] || { echo "bench/ab_step.sh: ${v% *} must be a positive integer, not '${v#* }'" >&2; exit 2; }
done
[ $# -ge 2 ] && shift 2 || set --
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git archive "$rev" src include | tar -x -C "$dir"
CC=${CC:-cc}
KFLAGS=${REV_KERNEL_FLAGS:-$(make -s --no-print-directory print-kernel-flags)}
FLAGS="-std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Wno-psabi -I$dir/include $(pkg-config --cflags openblas)"
objs=""
# A revision whose forward.c has an AVX-512 build (round 4 on) gets it as the Makefile builds it.
avx512=""
if grep -q OVS_FORWARD_AVX512_BUILD "$dir/src/forward.c" &&
    $CC -march=x86-64-v4 -dM -E -x c /dev/null 2>/dev/null | grep -q __AVX512DQ__; then
    avx512="-DOVS_FORWARD_AVX512"
    $CC $FLAGS $KFLAGS -march=x86-64-v4 -DOVS_FORWARD_AVX512_BUILD \
        -c "$dir/src/forward.c" -o "$dir/forward_avx512.o"
    objs="$dir/forward_avx512.o"
fi
# A revision with per-instruction-set builds of forward.c and smallmm.c (round 5 on, simd.h's
# OVS_ISA) gets them as the Makefile builds them.
isa=""
if grep -q OVS_ISA "$dir/include/simd.h"; then
    for v in 3 4; do
        $CC -march=x86-64-v$v -dM -E -x c /dev/null >/dev/null 2>&1 || continue
        isa="$isa -DOVS_HAVE_V$v"
        for m in forward smallmm; do
            $CC $FLAGS $KFLAGS -march=x86-64-v$v -DOVS_BUILD_V$v \
                -c "$dir/src/$m.c" -o "$dir/${m}_v$v.o"
            objs="$objs $dir/${m}_v$v.o"
        done
    done
fi
for m in names protocol activation smallmm forward train train_plan train_workspace linalg; do
    [ -f "$dir/src/$m.c" ] || continue
    case $m in linalg) extra="" ;; forward) extra="$KFLAGS $avx512 $isa" ;;
        smallmm) extra="$KFLAGS $isa" ;; *) extra="$KFLAGS" ;; esac
    $CC $FLAGS $extra -c "$dir/src/$m.c" -o "$dir/$m.o"
    objs="$objs $dir/$m.o"
done
# Rename every ovs_ symbol the baseline's objects define, in all of them.
nm -g --defined-only $objs | awk '$3 ~ /^ovs_/ {print $3 " a_" $3}' | sort -u >"$dir/syms"
for o in $objs; do objcopy --redefine-syms="$dir/syms" "$o"; done
# The tree's pure objects (the Makefile's list: no MPI, no HDF5) and its per-instruction-set builds.
tree=$(for m in $(make -s --no-print-directory print-pure); do echo "build/$m.o"; done
    ls build/*_v3.o build/*_v4.o 2>/dev/null)
$CC -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude bench/ab_step.c $objs $tree \
    -o "$dir/ab_step" $(pkg-config --libs openblas) -lm
echo "base = $(git rev-parse --short "$rev"), tree = $(git describe --always --dirty)"
OPENBLAS_NUM_THREADS=1 "$dir/ab_step" "$iters" "$rounds" "$@"
