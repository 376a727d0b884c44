#!/bin/sh
# lint_test.sh - the module boundaries the build relies on: only the h5* modules include
# hdf5.h, only linalg.c includes cblas.h, no pure (math-kernel) module includes mpi.h or hdf5.h
# or a header of the MPI layer, only the modules whose headers say so communicate, the
# include graph of src/ and include/ has no cycle, no source file passes 600 lines, and every
# mutant of `make mutation` still applies.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
# every file that includes hdf5.h is an h5 module (h5*.c / h5*.h), and there is at least one
h5files=$(grep -l '<hdf5.h>' src/*.c include/*.h)
check "some h5 module includes hdf5.h" test -n "$h5files"
check "only the h5 modules include hdf5.h" \
    sh -c "! printf '%s\n' $(echo $h5files) | grep -vE '^(src|include)/h5[a-z0-9_]*\.[ch]$'"
check "only src/linalg.c includes cblas.h" test "$(grep -l '<cblas.h>' src/*.c)" = "src/linalg.c"
# The pure modules are the ones the Makefile compiles without MPI (PURE).
pure=$(make -s --no-print-directory print-pure)
check "the Makefile lists the pure modules" test -n "$pure"
for m in $pure; do
    check "pure module $m includes neither mpi.h, hdf5.h nor the MPI layer's headers" \
        sh -c "test -f src/$m.c && ! grep -qE '<(mpi|hdf5)\.h>|\"(sweep|checkpoint|h5attr|h5write|h5writer|h5design|h5read|h5load|fatal)\.h\"' src/$m.c include/$m.h 2>/dev/null"
done
# Communication: only modules whose header says "Collective on comm" call MPI collectives or
# point-to-point messages.
talkers=$(grep -lE 'MPI_(Allreduce|Bcast|Send|Recv|Iprobe|Allgather|Barrier|Reduce)\(' src/*.c | sed 's|src/||; s|\.c$||' | tr '\n' ' ')
for m in $talkers; do
    check "$m communicates and its header says so" grep -q "Collective on comm" include/$m.h
done
check "no include cycle among src/ and include/" $PY - <<'PY'
import glob, os, re, sys
edges = {}
for path in glob.glob("src/*.c") + glob.glob("include/*.h"):
    mod = os.path.splitext(os.path.basename(path))[0]
    deps = set(re.findall(r'#include "([a-z0-9_]+)\.h"', open(path).read())) - {mod, "version"}
    edges.setdefault(mod, set()).update(deps)
state = {}
def visit(m, stack):
    if state.get(m) == 1:
        sys.exit("cycle: " + " -> ".join(stack + [m]))
    if state.get(m) == 2:
        return
    state[m] = 1
    for d in sorted(edges.get(m, ())):
        visit(d, stack + [m])
    state[m] = 2
for m in sorted(edges):
    visit(m, [])
PY
# The mutants of `make mutation` still point at code: a `from` text that moved would make the
# mutant an error there, testing nothing.
check "every mutant of tests/mutation/mutants.txt applies ($($PY tests/mutation/run.py --check | head -1))" \
    $PY tests/mutation/run.py --check
long=$(wc -l src/*.c | awk '$2 != "total" && $1 > 600 {print $2 " (" $1 ")"}')
check "no source file over 600 lines${long:+: $long}" test -z "$long"
summary
