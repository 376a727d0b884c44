#!/bin/sh
# run_tests.sh - runs every test suite and ends with the total line
# "N passed, N failed, N skipped". Suites: C unit tests (plain and AddressSanitizer/UBSan
# builds), the MPI sweep, file and crash-safety suites, the Python analysis tests,
# report.html in headless Chromium, and the SLURM suite. Expects `make all unit`.
#
# Every suite runs under a time limit (SUITE_LIMIT seconds, or its own below): a suite that
# hangs is stopped and counted as a failure with a message, never a stuck run. A suite that
# cannot run here says SKIPPED and is counted as skipped, not as passed; one that exits 0
# without a single check is counted as failed.
#
# Two lanes where the machine has two cores or more (TEST_JOBS=1: one after the other): the
# analysis, report.html, SLURM, clang, adaptive-design and eta-rule suites (lane B: among
# them the longest, and the two that may install packages) run beside the rest (lane A) in a
# session of their own (setsid); their lines are printed after lane A's, as in one lane. In
# one lane the suites had kept 1.07 of 2 vCPUs busy on average (596 s, 640 core-seconds;
# docs/TESTS.md). `run_tests.sh --lane A|B` runs one lane alone.
cd "$(dirname "$0")/.." || exit 1
export OPENBLAS_NUM_THREADS=1
SUITE_LIMIT=${SUITE_LIMIT:-900}
total_pass=0
total_fail=0
total_skip=0
log=$(mktemp /tmp/ovsweep-suite.XXXXXX)

# count WORD: the number before WORD on the suite's last summary line ("3 passed", ...)
count() { echo "$line" | grep -oE "[0-9]+ $1" | grep -oE '[0-9]+' | head -n 1; }

# add_counts SUITE-NAME RC SECONDS: read the counts from the suite's last summary line.
add_counts() {
    line=$(grep -E '[0-9]+ (passed|failed|skipped)' "$log" | tail -n 1)
    p=$(count passed) f=$(count failed) e=$(count 'errors?') s=$(count skipped)
    p=${p:-0} s=${s:-0}
    f=$((${f:-0} + ${e:-0}))
    why=""
    if [ "$2" -eq 124 ]; then
        f=$((f + 1)) why=" (TIMEOUT: stopped after ${limit}s)"
    elif [ "$2" -ne 0 ] && [ "$f" -eq 0 ]; then
        f=1 why=" (exit $2 without a failed check)" # a crash counts as a failure
    elif [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
        f=1 why=" (no check ran)"
    fi
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + s))
    printf '%-34s %4d passed, %d failed, %d skipped  (%d s)%s\n' "$1" "$p" "$f" "$s" "$3" "$why"
    grep -E '^SKIP(PED)?:' "$log" | head -n 1 | sed 's/^/    /' # a skip is shown, not passed
    # on failure: every failed check first (a long suite's tail may not hold them), then the tail
    [ "$f" -eq 0 ] || {
        echo "---- failed checks of $1 ----"
        grep -E '^(FAIL|not ok)|CHECK failed' "$log" | head -n 30
        echo "---- output of $1 (tail) ----"
        tail -n 40 "$log"
        echo "----"
    }
}

# timeout runs each suite in a process group of its own, which a Ctrl-C at the terminal does
# not reach: the suite runs in the background (suite_pid: that group) so that stop() can end it.
suite_pid=""
run_suite() { # NAME LIMIT COMMAND...
    name=$1 limit=$2
    shift 2
    t0=$(date +%s)
    timeout -k 30 "$limit" "$@" >"$log" 2>&1 &
    suite_pid=$!
    wait "$suite_pid"
    rc=$?
    suite_pid=""
    add_counts "$name" "$rc" $(($(date +%s) - t0))
}

# Interrupted (INT, TERM, HUP): stop the running suite and lane B's whole session, then exit.
lane_pid=""
lane_log=""
stop() {
    [ -n "$suite_pid" ] && pkill -TERM -g "$suite_pid"
    [ -n "$lane_pid" ] && pkill -TERM -s "$lane_pid"
    rm -f "$log" "$lane_log"
    exit 130
}
trap stop INT TERM HUP

lane_a() {
    for t in build/test_* build/asan/test_*; do
        case "$t" in *.d) continue ;; esac
        case "$t" in build/asan/*) tag=" (ASan+UBSan)" ;; *) tag="" ;; esac
        run_suite "unit $(basename "$t")$tag" 300 "$t"
    done
    run_suite "module boundaries" 120 sh tests/lint_test.sh
    run_suite "the test runner (lanes, counts)" 120 sh tests/runner_test.sh
    run_suite "install, man page, completion" "$SUITE_LIMIT" sh tests/install_test.sh
    run_suite "golden results (MPI)" "$SUITE_LIMIT" sh tests/golden_test.sh
    run_suite "make quickstart's script (MPI)" "$SUITE_LIMIT" sh tests/quickstart_test.sh
    run_suite "file vs in-process, crashes (MPI)" "$SUITE_LIMIT" sh tests/file_test.sh
    run_suite "whole program, ASan+UBSan (MPI)" "$SUITE_LIMIT" sh tests/sanitize_test.sh
    run_suite "sweep (MPI)" "$SUITE_LIMIT" sh tests/sweep_test.sh
    run_suite "progress lines, --quiet (MPI)" "$SUITE_LIMIT" sh tests/progress_test.sh
    run_suite "crash safety (MPI)" "$SUITE_LIMIT" sh tests/resume_test.sh
    run_suite "--shard parts and --merge (MPI)" "$SUITE_LIMIT" sh tests/merge_test.sh
    run_suite "faults and hostile files (MPI)" "$SUITE_LIMIT" sh tests/reliability_test.sh
    run_suite "methods, data, diagnostics (MPI)" "$SUITE_LIMIT" sh tests/methods_test.sh
    run_suite "grid floor tools (bench/)" "$SUITE_LIMIT" sh tests/bench_tools_test.sh
}

lane_b() {
    if [ -d tests/python ]; then
        # Two workers where pytest-xdist is installed (deps/debian.txt): 191 s became 107 s here.
        par=""
        /usr/bin/python3 -c "import xdist" 2>/dev/null && par="-n 2"
        run_suite "analysis (pytest)" "$SUITE_LIMIT" /usr/bin/python3 -m pytest -q -p no:cacheprovider $par tests/python
    fi
    if [ -f tests/html_report_test.sh ]; then
        run_suite "report.html in Chromium" "$SUITE_LIMIT" sh tests/html_report_test.sh
    fi
    if [ -f tests/slurm_test.sh ]; then
        run_suite "SLURM jobs" 1800 sh tests/slurm_test.sh
    fi
    run_suite "clang build, bit-identical to gcc" "$SUITE_LIMIT" sh tests/clang_test.sh
    run_suite "adaptive design (MPI)" "$SUITE_LIMIT" sh tests/adaptive_test.sh
    run_suite "dry-run estimates against real runs (MPI)" "$SUITE_LIMIT" sh tests/estimate_test.sh
    run_suite "eta rule, large-n study (MPI)" "$SUITE_LIMIT" sh tests/scaling_test.sh
}

# add_lane FILE: lane B's output (its suites' lines, then its total line) into the totals; a
# lane that ended without its total line counts as one failure.
add_lane() {
    grep -v -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1"
    line=$(grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$1" | tail -n 1)
    if [ -z "$line" ]; then
        echo "lane B ended without its total line: counted as a failure"
        total_fail=$((total_fail + 1))
        return
    fi
    total_pass=$((total_pass + $(count passed)))
    total_fail=$((total_fail + $(count failed)))
    total_skip=$((total_skip + $(count skipped)))
}

usage() {
    rm -f "$log"
    echo "usage: run_tests.sh [--lane A|B]" >&2
    exit 2
}
case "${1:-}" in
    --lane)
        case "${2:-}" in
            A) lane_a ;;
            B) lane_b ;;
            *) usage ;;
        esac ;;
    "")
        jobs=${TEST_JOBS:-$(nproc 2>/dev/null || echo 1)}
        if [ "$jobs" -ge 2 ] && command -v setsid >/dev/null 2>&1; then
            lane_log=$(mktemp /tmp/ovsweep-lane.XXXXXX)
            setsid -w sh tests/run_tests.sh --lane B >"$lane_log" 2>&1 &
            lane_pid=$! # its session: stop() ends every suite in it, whatever their groups
            lane_a
            wait "$lane_pid"
            lane_pid=""
            add_lane "$lane_log"
            rm -f "$lane_log"
        else
            lane_a
            lane_b
        fi ;;
    *) usage ;;
esac
rm -f "$log"
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" -eq 0 ]
