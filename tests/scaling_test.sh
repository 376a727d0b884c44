#!/bin/sh
# scaling_test.sh - issue 17 end to end: the step-size rule --eta ACT=auto:C (each trial's
# eta = C / lambda_max(J(W0) J(W0)^T), stored with lambda_max; the same results for any rank
# count; a trial equals the fixed-eta run at its stored eta, bit for bit; resume refuses
# another rule) and the study's pipeline (analysis scaling reproduces a row of the CSV).
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1
AUTO="--quiet --n 60 --act softplus,relu --k 4:16:4 --d 5 --trials 2 --max-iter 3000"

check "auto rule, singleton" ovsweep $AUTO --eta softplus=auto:1.5,relu=auto -o a1.h5
check "auto rule, mpirun -np 3" $MPIRUN -np 3 "$OVS" $AUTO --eta softplus=auto:1.5,relu=auto \
    -o a3.h5
check "np 3 results identical to singleton (h5diff, eta and lambda_max included)" same a1.h5 a3.h5
check "eta = C / lambda_max per trial; group attributes eta NaN, eta_auto = C" $PY -c "
import h5py, numpy as np
f = h5py.File('a1.h5', 'r')
for g, c in (('n60_softplus', 1.5), ('n60_relu', 1.8)):
    G = f[g]
    lam, eta = G['lambda_max'][:], G['eta'][:]
    assert np.isnan(G.attrs['eta']) and G.attrs['eta_auto'] == c, dict(G.attrs)
    assert (lam > 0).all() and np.isfinite(lam).all(), lam
    assert np.array_equal(eta, c / lam), (g, eta, c / lam)
    prod = G['lambda_products'][:]
    assert prod.dtype == np.int32 and ((prod >= 1) & (prod <= 1000)).all(), prod
"
check "layout and CF metadata hold with the eta datasets" valid a1.h5
# The rule only chooses eta: trial 0 of a cell, rerun with the fixed eta it stored, is the same
# trial bit for bit.
ETA=$($PY -c "
import h5py; print(repr(float(h5py.File('a1.h5', 'r')['n60_relu']['eta'][2, 0, 0])))")
ovsweep --quiet --n 60 --act relu --k 12 --d 5 --trials 1 --max-iter 3000 --eta "relu=$ETA" \
    -o fixed.h5
check "a trial under auto = the fixed-eta run at its stored eta (bit for bit)" $PY -c "
import h5py, numpy as np
a, b = h5py.File('a1.h5', 'r')['n60_relu'], h5py.File('fixed.h5', 'r')['n60_relu']
for ds in ('success', 'iterations', 'final_rel_err', 'dist_from_init', 'path_length'):
    assert a[ds][2, 0, 0] == b[ds][0, 0, 0], (ds, a[ds][2, 0, 0], b[ds][0, 0, 0])
assert 'eta' not in b and 'lambda_max' not in b and 'lambda_products' not in b  # fixed: none
"
ovsweep $AUTO --eta softplus=auto:1.6,relu=auto --resume -o a1.h5 2>err.txt
rc=$?
check "resume with another C is refused (exit 2, names --eta and both rules)" \
    sh -c "[ $rc -eq 2 ] && grep -q 'eta.*auto:1.5.*auto:1.6' err.txt"
check "resume with the same rule and more trials extends the file" \
    ovsweep $AUTO --trials 3 --eta softplus=auto:1.5,relu=auto --resume -o a1.h5
check "resume alone (-o FILE, settings from the file) keeps the rule: --trials 4" \
    ovsweep --quiet --resume --trials 4 -o a1.h5
check "... the extended file has the rule and eta = C / lambda_max on its new trials" $PY -c "
import h5py, numpy as np
G = h5py.File('a1.h5', 'r')['n60_softplus']
assert G.attrs['eta_auto'] == 1.5 and G['done'][:].all(), dict(G.attrs)
assert np.array_equal(G['eta'][:], 1.5 / G['lambda_max'][:])
"
# --lambda: files written before round 45 found lambda_max by power iteration and lack the
# attribute lambda_method; such a file resumes with that method, bit for bit, and refuses the
# other. Lanczos (the default) is the dense eigenvalue to rounding, the power iteration a
# little below it.
ovsweep $AUTO --eta auto --trials 1 --lambda power -o old.h5
$PY -c "
import h5py; f = h5py.File('old.h5', 'r+'); del f.attrs['lambda_method']
for g in ('n60_softplus', 'n60_relu'): del f[g]['lambda_products']"
check "a file without lambda_method (before round 45) resumes: --resume --trials 2 -o FILE" \
    ovsweep --quiet --resume --trials 2 -o old.h5
ovsweep $AUTO --eta auto --trials 2 --lambda power -o power2.h5
ovsweep $AUTO --eta auto --trials 2 -o lanczos2.h5
# (but for lambda_products, which the first run's trials lack: checked below)
cp old.h5 cmp_old.h5 && cp power2.h5 cmp_power.h5 && $PY -c "
import h5py
for p in ('cmp_old.h5', 'cmp_power.h5'):
    with h5py.File(p, 'r+') as f:
        for g in ('n60_softplus', 'n60_relu'): del f[g]['lambda_products']"
check "... with the power iteration: identical to a --lambda power run" same cmp_old.h5 cmp_power.h5
check "... which is not the default's: lambda_max differs, by < 1e-6 relative; attributes" $PY -c "
import h5py, numpy as np
a, b = h5py.File('old.h5', 'r'), h5py.File('lanczos2.h5', 'r')
for g in ('n60_softplus', 'n60_relu'):
    p, l = a[g]['lambda_max'][:], b[g]['lambda_max'][:]
    assert not np.array_equal(p, l) and np.allclose(p, l, rtol=1e-6, atol=0), (p, l)
text = lambda v: v.decode() if isinstance(v, bytes) else str(v)
assert [text(f.attrs['lambda_method']) for f in (a, b)] == ['power', 'lanczos']
# the old trial's products read 0 (not recorded) after the resume, the new one's are counted;
# the power iteration took more of them than Lanczos on every trial here
p, l = a['n60_relu']['lambda_products'][:], b['n60_relu']['lambda_products'][:]
assert (p[..., 0] == 0).all() and (p[..., 1] > l[..., 1]).all(), (p, l)
"
ovsweep --quiet --resume --lambda lanczos -o old.h5 2>err.txt
rc=$?
check "resume of a power-iteration file with --lambda lanczos is refused (exit 2, names --lambda)" \
    sh -c "[ $rc -eq 2 ] && grep -q -- '--lambda differs (file power, command lanczos)' err.txt"
check "the analysis reads the rule (eta_rule auto:1.5); trials() and load() carry each trial's eta and lambda_max" $PY -c "
import sys; sys.path.insert(0, '$ROOT')
from analysis.io import load_sweep
s = load_sweep('a1.h5')
g = {x.name: x for x in s.groups}
assert g['n60_softplus'].eta_rule == 'auto:1.5' and g['n60_relu'].eta_rule == 'auto:1.8'
assert g['n60_relu'].trial_data['eta'].shape == (4, 1, 4)
import analysis, numpy as np
df = analysis.trials('a1.h5')
assert len(df) == 32 and np.allclose(df['eta'] * df['lambda_max'], np.where(df['activation'] == 'softplus', 1.5, 1.8))
ds = analysis.load('a1.h5')
assert 'eta_trial' in ds and 'lambda_max' in ds and list(ds.eta_auto.values.ravel()) == [1.5, 1.8]
"
check "--dry-run states --max-trainings' cost bound of an adaptive run (and none without a cap)" \
    sh -c "'$OVS' --dry-run $AUTO --design adaptive --max-trainings 12 -o dr.h5 |
               grep -q 'at most 12 trainings per group' &&
           '$OVS' --dry-run $AUTO --design adaptive -o dr.h5 | grep -q 'without --max-trainings' &&
           ! '$OVS' --dry-run $AUTO -o dr.h5 | grep -q 'adaptive design'"

# jobs/scaling.sh "can be stopped (Ctrl-C, kill: the ranks checkpoint) and started again":
# a SIGTERM to the script itself must reach the running mpirun (as SIGUSR1, "checkpoint now")
# and end the study. The run loop had been a pipeline's subshell that the signal never
# reached: mpirun ran on, the subshell went on to the next runs, and a restarted script found
# the output locked. A stand-in mpirun records the signal it gets.
cat >"$WORK/fake-mpirun" <<EOF
#!/bin/sh
echo \$\$ >"$WORK/fake.pid"
trap 'echo USR1 >>"$WORK/fake.sig"; exit 75' USR1
trap 'echo TERM >>"$WORK/fake.sig"; exit 143' TERM
while :; do sleep 0.2; done
EOF
chmod +x "$WORK/fake-mpirun"
MPIRUN="$WORK/fake-mpirun" NP=1 sh "$ROOT/jobs/scaling.sh" --only n100_auto_15k "$WORK/killed" \
    >"$WORK/killed.log" 2>&1 &
spid=$!
for _ in $(seq 1 100); do [ -s "$WORK/fake.pid" ] && break; sleep 0.1; done
kill -TERM "$spid"
wait "$spid"
src=$?
fpid=$(cat "$WORK/fake.pid" 2>/dev/null)
for _ in $(seq 1 30); do kill -0 "$fpid" 2>/dev/null || break; sleep 0.1; done
check "kill of jobs/scaling.sh: the running mpirun gets SIGUSR1 and ends, the script exits non-zero ($src)" \
    sh -c "test -n '$fpid' && ! kill -0 '$fpid' 2>/dev/null && grep -qx USR1 '$WORK/fake.sig' && test $src -ne 0"
[ -z "$fpid" ] || kill -9 "$fpid" 2>/dev/null

# jobs/eta_rule.sh writes each sweep to FILE.part and renames it when done: an interrupted
# one (its .part left) must be continued with --resume when the script is run again; it had
# been started without, which ovsweep refuses (an existing file), so the script failed until
# the .part files were deleted by hand. A stand-in mpirun records its arguments.
mkdir -p "$WORK/fakebin" "$WORK/eta"
printf '#!/bin/sh\necho "$*" >>"%s"\nexit 1\n' "$WORK/eta.args" >"$WORK/fakebin/mpirun"
chmod +x "$WORK/fakebin/mpirun"
: >"$WORK/eta/csel_n100_stated.h5.part"
PATH="$WORK/fakebin:$PATH" sh "$ROOT/jobs/eta_rule.sh" "$WORK/eta" >/dev/null 2>&1
check "jobs/eta_rule.sh run again continues an interrupted sweep's .part with --resume" \
    grep -q -- "--resume -o $WORK/eta/csel_n100_stated.h5.part" "$WORK/eta.args"

# The study's CSV is made from the sweep files by the analysis, never typed: a fresh run of
# the study's n = 100 run (jobs/scaling.study, through jobs/scaling.sh) gives its rows again.
CSV="$ROOT/docs/results/boundary_vs_n.csv"
if [ -f "$CSV" ]; then
    limit sh "$ROOT/jobs/scaling.sh" --only n100_auto_15k "$WORK/study" >study.log 2>&1
    check "jobs/scaling.sh --only n100_auto_15k runs (exit 0)" test $? -eq 0
    check "its rows equal the n100_auto_15k rows of docs/results/boundary_vs_n.csv (not timing)" \
        $PY - "$CSV" "$WORK/study/boundary_vs_n.csv" <<'PYEOF'
import csv, math, sys
# The trials are the same bits; the fits go through numpy/scipy, whose last digits may differ
# between CPUs (OpenBLAS picks its kernels at run time): reals to 1e-4 relative, the rest exact.
REALS = ("midpoint", "ci_low", "ci_high", "width")
def rows(path):
    with open(path) as fh:
        return [{k: v for k, v in r.items() if k != "core_seconds"}
                for r in csv.DictReader(fh) if r["file"] == "n100_auto_15k.h5"]
def same(a, b):
    for k in a:
        if k in REALS:
            x, y = float(a[k]), float(b[k])
            if not (x == y or (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-4 * abs(x)):
                return False
        elif a[k] != b[k]:
            return False
    return a.keys() == b.keys()
want, got = rows(sys.argv[1]), rows(sys.argv[2])
bad = [(a, b) for a, b in zip(want, got) if not same(a, b)]
assert want and len(want) == len(got) and not bad, (len(want), len(got), bad[:2])
PYEOF
else
    skip "the study's CSV reproduced" "docs/results/boundary_vs_n.csv is missing"
fi
summary
