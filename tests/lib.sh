# lib.sh - sourced by the shell test suites: pass/fail/skip counting and helpers.
# Each suite ends with "summary", which prints "N passed, N failed, N skipped" and sets the
# exit code.
. "$(dirname "$0")/mpienv.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
T_PASS=0
T_FAIL=0
T_SKIP=0
WORK=$(mktemp -d /tmp/ovsweep-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
exec 3>&1 # the suite's own output, for messages from runs whose output is redirected

# Every ovsweep and mpirun run of the suites has a time limit (LIMIT seconds; a suite may
# lower it): `limit CMD...` stops CMD with SIGTERM when it runs past it, SIGKILL 10 s later,
# and says so on the suite's output, so that a hang is a failure with a message, never a
# stuck suite. Exit status: CMD's, or 124 when stopped.
LIMIT=${OVS_TEST_LIMIT:-300}
limit() {
    timeout -k 10 "$LIMIT" "$@"
    _lrc=$?
    if [ "$_lrc" -eq 124 ]; then
        echo "TIMEOUT - stopped after ${LIMIT}s: $*" >&3
    fi
    return "$_lrc"
}
OVS="$ROOT/bin/ovsweep"
MPIRUN="limit mpirun --oversubscribe"
# ovsweep ARGS...: a singleton run of $OVS under the limit
ovsweep() { limit "$OVS" "$@"; }

ok() { T_PASS=$((T_PASS + 1)); echo "ok   - $1"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $1"; }
# skip NAME WHY: a check that cannot run here; counted apart, never as a pass
skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIPPED - $1: $2"; }
# check NAME COMMAND...: passes iff COMMAND exits 0
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
summary() {
    echo "$(basename "$0"): $T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
    [ "$T_FAIL" -eq 0 ]
}
# same A B: result datasets identical (h5diff, timing and provenance excluded)
same() { sh "$ROOT/tests/h5same.sh" "$1" "$2" >/dev/null 2>&1; }
# h5attr FILE NAME: print a root attribute
h5attr() { $PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs[sys.argv[2]])" "$1" "$2"; }
# contains TEXT PART: TEXT holds PART
contains() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }
# cpu_has FLAG...: this CPU lists every FLAG in /proc/cpuinfo (the builds a test may run)
cpu_has() { for f in "$@"; do grep -qw "$f" /proc/cpuinfo 2>/dev/null || return 1; done; }
# valid FILE: opens with h5py and has the ovsweep layout
valid() { $PY "$ROOT/tests/check_layout.py" "$1" >/dev/null 2>&1; }
# wait_gone FILE: until no process of this suite (working directory $WORK) still writes FILE:
# the ranks of a killed mpirun die about 1 s later. Processes of other suites running at the
# same time (same file names, other directories) are not waited for.
wait_gone() {
    for _ in $(seq 1 100); do
        alive=0
        for p in $(pgrep -f -- "-o $1" || true); do
            [ "$(readlink "/proc/$p/cwd" 2>/dev/null)" = "$WORK" ] || continue
            st=$(ps -o stat= -p "$p" 2>/dev/null || true)
            case "$st" in Z*|"") ;; *) alive=1 ;; esac
        done
        [ $alive -eq 0 ] && return 0
        sleep 0.1
    done
    echo "TIMEOUT - processes writing $1 still alive after 10 s" >&3
    return 1
}
# Runs started in the background, which a test signals itself, cannot go through `limit`
# (the signal must reach mpirun or ovsweep, not a wrapper): `watch PID` kills PID after LIMIT
# seconds with a message; `unwatch` ends the watcher once the run is over.
MPIRUN_BG="mpirun --oversubscribe"
watch() {
    (
        sleep "$LIMIT" </dev/null >/dev/null 2>&1 3>&-
        if kill -0 "$1" 2>/dev/null; then
            echo "TIMEOUT - background run $1 killed after ${LIMIT}s" >&3
            kill -9 "$1"
        fi
    ) &
    WATCHER=$!
}
unwatch() { kill "$WATCHER" 2>/dev/null; }
# wait_saved FILE N: until FILE (rewritten at each checkpoint) holds at least N finished
# trials; a state of the run, not a delay. Fails after LIMIT seconds.
wait_saved() {
    $PY - "$1" "$2" "$LIMIT" <<'PY'
import sys, time
import h5py
path, n, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
t0 = time.monotonic()
while time.monotonic() - t0 < limit:
    try:
        with h5py.File(path, "r") as f:
            if int(f.attrs["trials_done"]) >= n:
                sys.exit(0)
    except (OSError, KeyError):
        pass  # not written yet
    time.sleep(0.02)
sys.exit(f"TIMEOUT - {path} never held {n} trials")
PY
}
