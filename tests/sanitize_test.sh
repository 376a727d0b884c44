#!/bin/sh
# sanitize_test.sh - the whole program built with AddressSanitizer and UBSan
# (build/asan/ovsweep, `make unit`), MPI and HDF5 included: the widest group combination the
# command line accepts (which once wrote past a fixed-size array of groups), and a small real
# sweep on 2 ranks with a resume. Open MPI's own allocations are not freed at exit, so leak
# checking is off here (the unit tests run with it on).
. "$(dirname "$0")/lib.sh"
ASAN="$ROOT/build/asan/ovsweep"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:exitcode=66
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$WORK" || exit 1
check "the sanitizer build exists" test -x "$ASAN"

limit "$ASAN" --n 1:64 --act softplus,relu,tanh,quadratic,leaky_relu,gelu \
    --method gd,sgd,rf --dry-run -o wide.h5 >wide.txt 2>wide.err
rc=$?
check "1152 groups (--n 1:64, six activations, three methods) plan cleanly (exit $rc)" \
    sh -c "test $rc -eq 0 && ! grep -q 'Sanitizer' wide.err"
check "... and the plan lists all of them" test "$(grep -c '^  group ' wide.txt)" = 1152
grep -m 3 -A 8 'Sanitizer' wide.err | sed 's/^/    /'

GRID="--quiet --n 20 --act softplus,relu --method gd,sgd,rf --k 2,5,9 --d 2,6 --trials 2 --max-iter 300 --diagnostics"
$MPIRUN -np 2 -x ASAN_OPTIONS -x UBSAN_OPTIONS "$ASAN" $GRID --checkpoint-every 0.2 \
    -o small.h5 >small.out 2>&1 </dev/null
rc=$?
check "a sweep of every method on 2 ranks runs clean (exit $rc)" \
    sh -c "test $rc -eq 0 && ! grep -q 'Sanitizer\|runtime error' small.out"
grep -m 3 -A 8 'Sanitizer\|runtime error' small.out | sed 's/^/    /'
limit "$ASAN" $GRID --trials 3 --resume -o small.h5 >resume.out 2>&1
rc=$?
check "extending it with --resume runs clean (exit $rc)" \
    sh -c "test $rc -eq 0 && ! grep -q 'Sanitizer\|runtime error' resume.out"
# (Its numbers are not the plain build's: without target_clones under the sanitizers the
# kernels run the baseline x86-64 code, whose multiply-adds round twice; see simd.h.)
check "... to a valid file" valid small.h5
check "... that is complete" test "$(h5attr small.h5 complete)" = 1
check "... whose kernel_builds says so: baseline" test "$(h5attr small.h5 kernel_builds)" = baseline
# Trials in lockstep (X of 23 MiB): a group's trials share the first one's X and panels
# (trial.c, train.c), freed once, by their owner, after the others.
$MPIRUN -np 2 -x ASAN_OPTIONS -x UBSAN_OPTIONS "$ASAN" --n 6400 --k 5:8 --d 480 \
    --act softplus,relu --trials 1 --max-iter 3 -o group.h5 >group.out 2>&1 </dev/null
rc=$?
check "trials in lockstep on 2 ranks run clean (exit $rc)" \
    sh -c "test $rc -eq 0 && ! grep -q 'Sanitizer\|runtime error' group.out"
check "... in groups that rank 0 formed" grep -q "trained in lockstep, in [1-9]" group.out
grep -m 3 -A 8 'Sanitizer\|runtime error' group.out | sed 's/^/    /'
# One job of two builds (MPMD): the plain binary, whose kernels use FMA on such a CPU, and this
# baseline one. The file records both, and rank 0 warns once that results would then depend on
# the rank (sweep.c); a uniform job says nothing. Across a resume the same: a file begun by this
# build and extended by the plain one records both, in that order, and the resume warns.
if cpu_has fma avx2 bmi2; then
    MIX="--quiet --n 20 --k 1:3 --d 1:3 --trials 2 --max-iter 200 -o mixed.h5"
    # shellcheck disable=SC2086
    $MPIRUN -x ASAN_OPTIONS -x UBSAN_OPTIONS -np 1 "$OVS" $MIX : -np 1 "$ASAN" $MIX \
        >mixed.out 2>&1 </dev/null
    rc=$?
    mixed_builds() { case "$(h5attr mixed.h5 kernel_builds)" in x86-64-v?,baseline) return 0 ;; esac; return 1; }
    check "a job of the FMA and the baseline build: exit 0 (got $rc)" test "$rc" -eq 0
    check "... both in kernel_builds, in rank order ($(h5attr mixed.h5 kernel_builds))" mixed_builds
    check "... and one warning line naming them" \
        test "$(grep -c '^ovsweep: warning: kernels that round differently compute this file.s trials (x86-64-v.,baseline' mixed.out)" = 1
    $MPIRUN -np 2 "$OVS" $MIX --force >uniform.out 2>&1 </dev/null
    check "a job of one build: no such warning" sh -c "! grep -q 'round differently' uniform.out"
    resumed_builds() { case "$(h5attr resumed.h5 kernel_builds)" in baseline,x86-64-v?) return 0 ;; esac; return 1; }
    RES="--quiet --n 20 --k 1:3 --d 1:3 --max-iter 200 -o resumed.h5"
    # shellcheck disable=SC2086
    limit "$ASAN" $RES --trials 1 >resumed1.out 2>&1 </dev/null
    # shellcheck disable=SC2086
    ovsweep $RES --trials 2 --resume >resumed2.out 2>&1 </dev/null
    rc=$?
    resumed_ok() { [ "$rc" -eq 0 ] && resumed_builds; }
    check "a file begun by the baseline build, resumed by the plain one: exit $rc, both recorded ($(h5attr resumed.h5 kernel_builds))" \
        resumed_ok
    check "... one warning from the resume, none from the first run" sh -c \
        "test \$(grep -c 'round differently' resumed2.out) = 1 && ! grep -q 'round differently' resumed1.out"
else
    skip "a job of the FMA and the baseline build" "no AVX2, FMA and BMI2 here"
fi
# A resume whose loader cannot get its block's buffers (h5load.c; here a cell of 100000
# trials, 16.8 MB of records, over an allocation cap of 16 MB): one line, "out of memory",
# exit 2. The dataset handles must be marked unopened before the first allocation can fail:
# they were left as malloc's garbage, and closing them printed 15 HDF5 error stacks
# (malloc_fill_byte=1 makes that garbage a positive id, as a recycled heap block can be).
ovsweep --quiet --n 4 --act relu --k 1 --d 1 --trials 100000 --max-iter 3 \
    --crash-after-saved 10 -o oom.h5 >/dev/null 2>&1
(
    export ASAN_OPTIONS="$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=16:malloc_fill_byte=1"
    limit "$ASAN" --quiet --n 4 --act relu --k 1 --d 1 --trials 100000 --max-iter 3 --resume \
        --dry-run -o oom.h5 >oom.out 2>oom.err
)
rc=$?
check "a resume's loader out of memory: exit 2 (got $rc), one line saying so, no HDF5 error stack" \
    sh -c "test $rc -eq 2 && test \"\$(grep -v 'WARNING: AddressSanitizer failed to allocate' oom.err)\" = 'ovsweep: oom.h5: out of memory'"
grep -m 3 -A 2 'HDF5-DIAG' oom.err | sed 's/^/    /'
# The same, where the child reads fine and rank 0 cannot hold what it sends (16.8 MB of
# records for 100000 trials: the buffer's next size, 33 MB, over a cap of 20 MB, which the
# child's block of 8.4 MB is not): "could not be read (out of memory?)", exit 2. The
# child, killed by SIGPIPE as rank 0 stopped reading, had been taken for a crash of HDF5:
# "the file is damaged".
ovsweep --quiet --n 4 --act relu --k 1 --d 1:2 --trials 50000 --max-iter 3 -o oom2.h5
(
    export ASAN_OPTIONS="$ASAN_OPTIONS:allocator_may_return_null=1:max_allocation_size_mb=20"
    limit "$ASAN" --quiet --n 4 --act relu --k 1 --d 1:2 --trials 50000 --max-iter 3 --resume \
        --dry-run -o oom2.h5 >oom2.out 2>oom2.err
)
rc=$?
check "rank 0 out of memory for a resume's records: exit 2 (got $rc), not 'damaged'" \
    sh -c "test $rc -eq 2 && grep -q '^ovsweep: oom2.h5: could not be read (out of memory' oom2.err &&
        ! grep -q damaged oom2.err"
grep '^ovsweep' oom2.err | sed 's/^/    /'
summary
