# lib.sh - sourced by the shell test suites: pass/fail counting and helpers.
# Each suite ends with "summary", which prints "N passed, N failed" and sets the exit code.
. "$(dirname "$0")/mpienv.sh"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OVS="$ROOT/bin/ovsweep"
PY=/usr/bin/python3
MPIRUN="mpirun --oversubscribe"
T_PASS=0
T_FAIL=0
WORK=$(mktemp -d /tmp/ovsweep-test.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

ok() { T_PASS=$((T_PASS + 1)); echo "ok   - $1"; }
not_ok() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $1"; }
# check NAME COMMAND...: passes iff COMMAND exits 0
check() {
    name=$1
    shift
    if "$@"; then ok "$name"; else not_ok "$name"; fi
}
summary() {
    echo "$(basename "$0"): $T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" -eq 0 ]
}
# same A B: result datasets identical (h5diff, timing and provenance excluded)
same() { sh "$ROOT/tests/h5same.sh" "$1" "$2" >/dev/null 2>&1; }
# h5attr FILE NAME: print a root attribute
h5attr() { $PY -c "import h5py,sys; print(h5py.File(sys.argv[1],'r').attrs[sys.argv[2]])" "$1" "$2"; }
# valid FILE: opens with h5py and has the ovsweep layout
valid() { $PY "$ROOT/tests/check_layout.py" "$1" >/dev/null 2>&1; }
