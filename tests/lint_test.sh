#!/bin/sh
# lint_test.sh - module boundaries the build relies on: only h5out.c includes hdf5.h, only
# linalg.c includes cblas.h, and no pure (math-kernel) module includes mpi.h or hdf5.h.
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
check "only src/h5out.c includes hdf5.h" test "$(grep -l '<hdf5.h>' src/*.c)" = "src/h5out.c"
check "only src/linalg.c includes cblas.h" test "$(grep -l '<cblas.h>' src/*.c)" = "src/linalg.c"
for m in rng activation smallmm problem linalg train sgd rf diagnostics method cli plan report \
         activation32 smallmm32 train32; do
    check "pure module $m includes neither mpi.h nor hdf5.h" \
        sh -c "! grep -qE '<(mpi|hdf5)\.h>|\"(sweep|h5out|fatal)\.h\"' src/$m.c include/$m.h"
done
summary
