#!/bin/sh
# methods_test.sh - issue 7 end to end through mpirun: --method gd,sgd,rf, --data, --labels,
# --diagnostics and --kd-band in one file; rank-count invariance of all of it; gd results
# unchanged by the options beside it; rf's width-driven interpolation; resume refuses a
# changed setting; the analysis tools read the file.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
ALL="--quiet --n 20 --act softplus,relu --method gd,sgd,rf --k 1,2,4,8,16,24,32 --d 1,2,4,8
     --trials 2 --max-iter 400 --diagnostics --kd-band 0.2:inf"

check "all methods + diagnostics + band, singleton" ovsweep $ALL -o m0.h5
check "same sweep, mpirun -np 3" $MPIRUN -np 3 "$OVS" $ALL -o m3.h5
check "np 3 results identical to singleton (h5diff)" same m0.h5 m3.h5
check "layout incl. methods, planned, diagnostics; xarray reads the rf group" \
    $PY "$ROOT/tests/check_layout.py" m0.h5 --xarray
check "groups ordered n, activation, method" \
    test "$(h5attr m0.h5 groups)" = "n20_softplus,n20_softplus_sgd,n20_softplus_rf,n20_relu,n20_relu_sgd,n20_relu_rf"

# gd beside the other methods, with diagnostics and a band, = gd alone on the band's cells.
ovsweep --quiet --n 20 --act softplus,relu --k 1,2,4,8,16,24,32 --d 1,2,4,8 --trials 2 \
    --max-iter 400 -o gd.h5
check "gd records unchanged by --method/--diagnostics/--kd-band beside them" $PY -c "
import h5py, numpy as np
a, b = h5py.File('m0.h5', 'r'), h5py.File('gd.h5', 'r')
for g in ('n20_softplus', 'n20_relu'):
    done = a[g]['done'][:].astype(bool)
    assert done.sum() > 0 and (done <= b[g]['done'][:].astype(bool)).all()
    for ds in ('success', 'iterations', 'final_rel_err', 'dist_from_init', 'path_length', 'ladder_hit_iter'):
        x, y = a[g][ds][:], b[g][ds][:]
        assert np.array_equal(x[done], y[done]), (g, ds)
    assert not a[g]['planned'][0, 0] and b[g]['done'][0, 0].all()  # kd/n = 0.05 is outside
"

# rf (Theorem 3.2): interpolates once k >= n for every d >= 4; cannot when k < n/2 (rank <= k).
# (At d = 1 the inputs are +-1, two distinct points; at d = 2 lambda~(X) is tiny: both fail.)
check "rf: success once k >= n (d >= 4), never for k < n/2" $PY -c "
import h5py, numpy as np
f = h5py.File('m0.h5', 'r')
for g in ('n20_softplus_rf', 'n20_relu_rf'):
    done = f[g]['done'][:]
    k = f[g]['k'][:][:, None, None] + 0 * done; d = f[g]['d'][:][None, :, None] + 0 * done
    done = f[g]['done'][:].astype(bool); s = f[g]['success'][:].astype(bool)
    err = f[g]['final_rel_err'][:]
    wide, narrow = (k >= 24) & (d >= 4), k < 10
    assert s[wide][done[wide]].all(), g
    assert not s[narrow][done[narrow]].any(), g
    assert (err[narrow][done[narrow]] > 0.05).all(), g
"
check "sgd iterations are epochs within the budget; its diagnostics match gd's data" $PY -c "
import h5py, numpy as np
f = h5py.File('m0.h5', 'r')
it = f['n20_relu_sgd']['iterations'][:]; done = f['n20_relu_sgd']['done'][:].astype(bool)
assert (it[done] >= 1).all() and (it[done] <= 400).all()
for ds in ('x_norm', 'kr_sigma_min'):  # data-only quantities: the same for every method
    a, b = f['n20_relu_sgd'][ds][:], f['n20_relu'][ds][:]
    assert np.array_equal(a[done], b[done]), ds
"

# The analysis tools read the mixed file: theory plots from the diagnostics, rf heatmaps.
check "analysis theory on the mixed file writes theory.md and the Jacobian plot" \
    sh -c "PYTHONPATH='$ROOT' $PY -m analysis theory m0.h5 -o th >/dev/null && test -s th/theory.md && test -s th/theory_jac_success.png"
check "analysis heatmap --theory draws every group incl. rf and sgd" \
    sh -c "PYTHONPATH='$ROOT' $PY -m analysis heatmap m0.h5 --theory -o hm >/dev/null && test -s hm/heatmap_n20_relu_rf.png && test -s hm/heatmap_n20_softplus_sgd.png"
check "analysis boundary fits rf in k/n" sh -c "PYTHONPATH='$ROOT' $PY -m analysis boundary m0.h5 | grep -q 'k/n'"

# Data models and labels reach the trials and the file.
W="--quiet --n 20 --act relu --k 8 --d 4,8 --trials 2 --max-iter 300"
check "--data worst --delta 0.01 --labels sign" ovsweep $W --data worst --delta 0.01 --labels sign -o w.h5
check "--data gaussian" ovsweep $W --data gaussian -o g.h5
check "data attributes recorded" $PY -c "
import h5py, math
f = h5py.File('w.h5', 'r')
assert f.attrs['data'] == 'worst' and f.attrs['labels'] == 'sign' and f.attrs['data_delta'] == 0.01
g = h5py.File('g.h5', 'r')
assert g.attrs['data'] == 'gaussian' and math.isnan(g.attrs['data_delta'])
"

# Resume refuses any changed issue-7 setting, naming the flag, and leaves the file alone.
refuses() { # FLAG ARGS...: resume of m0.h5 with changed settings
    flag=$1
    shift
    before=$(md5sum m0.h5)
    ovsweep "$@" --resume -o m0.h5 >/dev/null 2>err.txt
    rc=$?
    [ "$rc" -eq 2 ] && grep -q -- "$flag" err.txt && [ "$(md5sum m0.h5)" = "$before" ]
}
BASE="--quiet --n 20 --act softplus,relu --k 1,2,4,8,16,24,32 --d 1,2,4,8 --trials 2 --max-iter 400"
check "resume: --method differs is refused" refuses --method $BASE --method gd,rf --diagnostics --kd-band 0.2:inf
check "resume: --kd-band differs is refused" refuses --kd-band $BASE --method gd,sgd,rf --diagnostics --kd-band 0.5:inf
check "resume: --data differs is refused" refuses --data $BASE --method gd,sgd,rf --diagnostics --kd-band 0.2:inf --data gaussian
# A file written by the float32 path of older versions (precision "single") is refused, not
# continued in float64.
cp m0.h5 single.h5
$PY -c "import h5py; h5py.File('single.h5', 'r+').attrs['precision'] = 'single'"
ovsweep $ALL --resume -o single.h5 2>err.txt
check "resume: a --precision single file is refused" sh -c "test $? -eq 2 && grep -q -- '--precision differs (file single, command double)' err.txt"
check "resume with the same settings: complete file, exit 0" ovsweep $ALL --resume -o m0.h5
# A switch left out of a resume is the file's (settings come from the file; resumeargs.h).
cp m0.h5 diag.h5
check "resume without --diagnostics on a --diagnostics file: the file's, exit 0" \
    ovsweep $BASE --method gd,sgd,rf --kd-band 0.2:inf --resume -o diag.h5
check "... results unchanged" same m0.h5 diag.h5

# Crash and resume of the mixed sweep at another rank count: identical to uninterrupted.
# Every rank dies right after the first checkpoint holding 15 trials (--crash-after-saved),
# so the resume starts from saved trials, not from nothing.
$MPIRUN -np 3 "$OVS" $ALL --crash-after-saved 15 -o crash.h5 >/dev/null 2>&1
rc=$?
saved=$(h5attr crash.h5 trials_done) complete=$(h5attr crash.h5 complete)
echo "    (crashed run: exit $rc, $saved/$(h5attr crash.h5 trials_total) trials saved)"
check "mixed sweep: crashed run left a resumable file with >= 15 trials" \
    test "$rc" -ne 0 -a "$rc" -ne 124 -a "$complete" = 0 -a "${saved:-0}" -ge 15
check "mixed sweep: resume on 2 ranks exits 0" $MPIRUN -np 2 "$OVS" $ALL --resume -o crash.h5
check "mixed sweep: resumed = uninterrupted (h5diff)" same m0.h5 crash.h5
summary
