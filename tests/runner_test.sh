#!/bin/sh
# runner_test.sh - tests/run_tests.sh itself, on a stand-in tree where every suite it calls is
# a fake that prints its counts (the runner finds its suites by relative paths, so a copy of
# it in that tree runs the fakes): the total line adds up every suite's counts, in two lanes
# and in one (TEST_JOBS=1); lane B's lines come after lane A's; a failing suite in lane B
# fails the run and is shown; a lane B that dies without its total line counts as a failure.
# A TERM to the runner while a suite hangs stops it and leaves nothing running. About 10 s.
. "$(dirname "$0")/lib.sh"
T="$WORK/tree"
mkdir -p "$T/tests/python" "$T/build/asan"
cp "$ROOT/tests/run_tests.sh" "$T/tests/"
# fake NAME PATH: a suite that passes 1 check, or as FAKE_FAIL (= its NAME) says: "fail"
# fails 1 and exits 1, "die" kills lane B's shell mid-suite (its session leader, which the
# runner starts with setsid; only if that is "run_tests.sh --lane B"), "hang" leaves its PID
# in $T/hang.NAME and sleeps
fake() {
    cat >"$2" <<EOF
#!/bin/sh
case "\${FAKE_FAIL:-}" in
    $1:fail) echo "FAIL - $1's check"; echo "$1: 0 passed, 1 failed, 0 skipped"; exit 1 ;;
    $1:hang) echo \$\$ >"$T/hang.$1"; exec sleep 60 ;;
    $1:die)
        sid=\$(ps -o sid= -p \$\$ | tr -d ' ')
        ps -o args= -p "\$sid" | grep -q -- '--lane B' && kill -9 "\$sid"
        sleep 2 ;;
esac
echo "ok   - $1's check"
echo "$1: 1 passed, 0 failed, 0 skipped"
EOF
    chmod +x "$2"
}
fake unit "$T/build/test_fake"
fake asan "$T/build/asan/test_fake"
for f in "$ROOT"/tests/*_test.sh; do # every shell suite there is, this one included
    s=$(basename "$f" _test.sh)
    fake "$s" "$T/tests/${s}_test.sh"
done
printf 'def test_one():\n    pass\n' >"$T/tests/python/test_fake.py"
# the suites the runner runs: the 2 fake unit tests, its shell suites, and pytest
SUITES=$((2 + $(grep -c 'run_suite .* sh tests/[a-z_]*_test\.sh' "$ROOT/tests/run_tests.sh") + 1))

# runner LOG [ENV...]: the stand-in tree's runner, exit status in $rc
runner() {
    log=$1
    shift
    (export "$@" && limit sh "$T/tests/run_tests.sh") >"$WORK/$log" 2>&1
    rc=$?
}
last() { tail -n 1 "$WORK/$1"; }
# lane_order LOG: lane A's last suite, then lane B's first, then its fourth (in that order)
lane_order() {
    a=$(grep -n '^grid floor tools' "$WORK/$1" | cut -d: -f1)
    b=$(grep -n '^analysis (pytest)' "$WORK/$1" | cut -d: -f1)
    c=$(grep -n '^clang build' "$WORK/$1" | cut -d: -f1)
    [ -n "$a" ] && [ -n "$b" ] && [ -n "$c" ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ]
}

runner two.log TEST_JOBS=2
check "two lanes: exit 0, total $SUITES passed ($(last two.log))" \
    sh -c "test $rc -eq 0 && test '$(last two.log)' = '$SUITES passed, 0 failed, 0 skipped'"
check "two lanes: lane B's lines after lane A's" lane_order two.log
runner one.log TEST_JOBS=1
check "one lane (TEST_JOBS=1): the same total ($(last one.log))" \
    sh -c "test $rc -eq 0 && test '$(last one.log)' = '$SUITES passed, 0 failed, 0 skipped'"
runner fail.log TEST_JOBS=2 FAKE_FAIL=slurm:fail
check "a failing suite in lane B: exit 1, 1 failed in the total, its check shown" \
    sh -c "test $rc -eq 1 && test '$(last fail.log)' = '$((SUITES - 1)) passed, 1 failed, 0 skipped' &&
        grep -q \"^FAIL - slurm's check\" '$WORK/fail.log'"
runner die.log TEST_JOBS=2 FAKE_FAIL=slurm:die
check "lane B killed mid-run: exit 1, counted as a failure, said" \
    sh -c "test $rc -eq 1 && tail -n 1 '$WORK/die.log' | grep -q ' 1 failed' &&
        grep -q 'ended without its total line' '$WORK/die.log'"
# Interrupted: a TERM to the runner while a suite of lane A hangs (lane B meanwhile in
# pytest) stops that suite and leaves no process in the stand-in tree, in one lane and in two.
# left_in_tree: the processes whose working directory is the stand-in tree, after 3 s at most
left_in_tree() {
    for _ in 1 2 3 4 5 6; do
        left=$(for p in $(pgrep -f .); do
            [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$T" ] && echo "$p"
        done)
        [ -z "$left" ] && return 0
        sleep 0.5
    done
    echo "    (still running: $(echo $left | xargs ps -o args= -p 2>/dev/null | tr '\n' ';'))"
    return 1
}
# interrupted JOBS: the runner in JOBS lanes, TERM once the hanging suite runs; exit 130?
interrupted() {
    rm -f "$T/hang.lint"
    (cd "$T" && export TEST_JOBS="$1" FAKE_FAIL=lint:hang && exec sh tests/run_tests.sh) \
        >"$WORK/int$1.log" 2>&1 &
    runner_pid=$!
    i=0
    while [ ! -s "$T/hang.lint" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    kill -TERM "$runner_pid"
    wait "$runner_pid"
    irc=$?
    [ -s "$T/hang.lint" ] && left_in_tree && [ "$irc" -eq 130 ] ||
        { echo "    (exit $irc)"; kill "$(cat "$T/hang.lint")" 2>/dev/null; return 1; }
}
check "TERM to the runner mid-suite, one lane: exit 130, the suite stopped" interrupted 1
check "TERM to the runner mid-suite, two lanes: exit 130, both lanes stopped" interrupted 2
summary
