#!/bin/sh
# run_tests.sh - runs every test suite and ends with the total line "N passed, N failed".
# Suites: C unit tests (plain and AddressSanitizer/UBSan builds), the MPI sweep and crash-
# safety suites, the Python analysis tests, report.html in headless Chromium, and the SLURM
# suite. Expects `make all unit`.
cd "$(dirname "$0")/.." || exit 1
export OPENBLAS_NUM_THREADS=1
total_pass=0
total_fail=0
log=$(mktemp /tmp/ovsweep-suite.XXXXXX)

# add_counts SUITE-NAME RC: read "N passed" / "N failed" from the suite's last summary line.
add_counts() {
    line=$(grep -E '[0-9]+ (passed|failed)' "$log" | tail -n 1)
    p=$(echo "$line" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
    f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
    e=$(echo "$line" | grep -oE '[0-9]+ errors?' | grep -oE '[0-9]+' || true)
    p=${p:-0}
    f=$((${f:-0} + ${e:-0}))
    if [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi # a crash counts as a failure
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    printf '%-34s %4d passed, %d failed  (%d s)\n' "$1" "$p" "$f" "$3"
    grep -E '^SKIP(PED)?:' "$log" | head -n 1 | sed 's/^/    /' # a skip is shown, not passed
    # on failure: every failed check first (a long suite's tail may not hold them), then the tail
    [ "$2" -eq 0 ] || {
        echo "---- failed checks of $1 ----"
        grep -E '^(FAIL|not ok)|CHECK failed' "$log" | head -n 30
        echo "---- output of $1 (tail) ----"
        tail -n 40 "$log"
        echo "----"
    }
}

run_suite() { # NAME COMMAND...
    name=$1
    shift
    t0=$(date +%s)
    "$@" >"$log" 2>&1
    rc=$?
    add_counts "$name" "$rc" $(($(date +%s) - t0))
}

for t in build/test_* build/asan/test_*; do
    case "$t" in *.d) continue ;; esac
    case "$t" in build/asan/*) tag=" (ASan+UBSan)" ;; *) tag="" ;; esac
    run_suite "unit $(basename "$t")$tag" "$t"
done
run_suite "module boundaries" sh tests/lint_test.sh
run_suite "golden results (MPI)" sh tests/golden_test.sh
run_suite "whole program, ASan+UBSan (MPI)" sh tests/sanitize_test.sh
run_suite "sweep (MPI)" sh tests/sweep_test.sh
run_suite "crash safety (MPI)" sh tests/resume_test.sh
run_suite "faults and hostile files (MPI)" sh tests/reliability_test.sh
run_suite "methods, data, diagnostics (MPI)" sh tests/methods_test.sh
run_suite "clang build, bit-identical to gcc" sh tests/clang_test.sh
if [ -d tests/python ]; then
    run_suite "analysis (pytest)" /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/python
fi
if [ -f tests/html_report_test.sh ]; then
    run_suite "report.html in Chromium" sh tests/html_report_test.sh
fi
if [ -f tests/slurm_test.sh ]; then
    run_suite "SLURM jobs" sh tests/slurm_test.sh
fi
rm -f "$log"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
