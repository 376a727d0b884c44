#!/bin/sh
# bench_tools_test.sh - the grid's floor tools, which docs/BENCHMARKS.md quotes and `make
# test` built nowhere else: bench/grid_cells.py (a sweep file's cells and iterations),
# bench/floor.py (core-seconds against the floor 4 n k d / peak + softplus n k ns per update),
# bench/grid_versus.py (two builds' runs of one sweep, each cell's fastest trial),
# build/bench_scaling --grid (the replay), --modes, --floor, --memory, --matched and --parts,
# build/bench_peak, and bench/ab_step.sh (an A/A run's output). Each figure is checked
# against the same figure computed here from the file with h5py (--modes, --floor, --memory,
# --matched and --parts: from their own lines); no timing is checked.
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1

check "bench_peak and bench_scaling build (-Werror)" \
    limit make -s --no-print-directory -C "$ROOT" WERROR=-Werror build/bench_peak build/bench_scaling
check "a small sweep to measure (2 groups, 4 cells each)" ovsweep --quiet --n 40 \
    --act softplus,relu --k 2:3 --d 2:3 --trials 2 --max-iter 300 -o t.h5

limit $PY "$ROOT/bench/grid_cells.py" t.h5 >cells.txt
check "grid_cells.py: one line per cell, iterations summed over its trials" $PY -c "
import h5py, numpy as np
f = h5py.File('t.h5', 'r')
want = set()
for name in f:
    g = f[name]
    for a, k in enumerate(g['k'][:]):
        for b, d in enumerate(g['d'][:]):
            it = g['iterations'][a, b, :].astype(float).sum()
            want.add((g.attrs['activation'], int(g.attrs['n']), int(k), int(d), it, 2))
got = set()
for line in open('cells.txt'):
    act, n, k, d, it, t = line.split()
    got.add((act, int(n), int(k), int(d), float(it), int(t)))
assert len(want) == 8 and got == want, (sorted(got), sorted(want))
"

# A tiny peak and a slow softplus make the floor large enough to read at floor.py's 0.1.
limit $PY "$ROOT/bench/floor.py" t.h5 --peak 0.0001 --softplus-ns 20000 >floor.txt
check "floor.py: per group and in all, trials and floor as computed from the file" $PY -c "
import h5py, numpy as np, re
f = h5py.File('t.h5', 'r')
out = open('floor.txt').read()
tot_wall = tot_floor = 0.0
for name in f:
    g = f[name]
    n = int(g.attrs['n'])
    k, d = np.meshgrid(g['k'][:], g['d'][:], indexing='ij')
    it = g['iterations'][:].astype(float).sum(axis=2)
    per = 4.0 * n * k * d / 0.1e6
    if g.attrs['activation'] == 'softplus':
        per = per + n * k * 20000e-9
    wall, floor = g['wall_seconds'][:].sum(), (it * per).sum()
    m = re.search(name + r'\s+trials\s+([0-9.]+) core-s\s+floor\s+([0-9.]+)', out)
    assert m and abs(float(m[1]) - wall) <= 0.051 and abs(float(m[2]) - floor) <= 0.051, (name, m and m.groups(), wall, floor)
    assert floor > 10, floor  # the figure is read, not rounded to 0
    tot_wall += wall
    tot_floor += floor
m = re.search(r'all groups\s+trials\s+([0-9.]+) core-s\s+floor\s+([0-9.]+)', out)
assert m and abs(float(m[2]) - tot_floor) <= 0.051 and abs(float(m[1]) - tot_wall) <= 0.051, out
"

# --cell-quantile: each cell's trials capped at that cell's median seconds per update (every
# trial of this file has 300 updates or fewer, so --min-updates 1 takes them all; at the
# default 1000 none is capped)
limit $PY "$ROOT/bench/floor.py" t.h5 --peak 0.0001 --softplus-ns 20000 --cell-quantile 50 \
    --min-updates 1 >floorq.txt
limit $PY "$ROOT/bench/floor.py" t.h5 --peak 0.0001 --softplus-ns 20000 --cell-quantile 50 >floorq0.txt
check "floor.py --cell-quantile 50: each trial at most its cell's median speed, per group and in all" $PY -c "
import h5py, re
f = h5py.File('t.h5', 'r')
out = open('floorq.txt').read()
total = 0.0
for name in f:
    g = f[name]
    capped, slower, trials = 0.0, 0, 0
    for a in range(len(g['k'])):
        for b in range(len(g['d'])):
            it = [float(x) for x in g['iterations'][a, b, :]]
            wall = [float(x) for x in g['wall_seconds'][a, b, :]]
            per = sorted(w / i for w, i in zip(wall, it))
            med = (per[0] + per[1]) / 2  # two trials per cell
            capped += sum(min(w, i * med) for w, i in zip(wall, it))
            slower += sum(w > i * med for w, i in zip(wall, it))
            trials += len(it)
    m = re.search(name + r'.*\n(?:.*\n)*?  at each cell.s p50 speed: trials ([0-9.e-]+) core-s '
                  r'\(x floor [0-9.]+; (\d+) of (\d+) trials were slower\)', out)
    assert m and abs(float(m[1]) - capped) <= 1e-5 * capped, (name, m and m[1], capped)
    assert (int(m[2]), int(m[3])) == (slower, trials) and 0 < slower < trials, (m.groups(), slower)
    total += capped
m = re.search(r'all groups at each cell.s p50 speed: trials ([0-9.e-]+) core-s', out)
assert m and abs(float(m[1]) - total) <= 1e-5 * total, (m and m[1], total)
plain = sum(float(f[n]['wall_seconds'][:].sum()) for n in f)
q0 = open('floorq0.txt').read()
m0 = re.search(r'all groups at each cell.s p50 speed: trials ([0-9.e-]+)', q0)
assert m0 and abs(float(m0[1]) - plain) <= 1e-5 * plain, (m0 and m0[1], plain)
assert len(re.findall(r'; 0 of \d+ trials were slower', q0)) == 2, q0  # < 1000 updates: none capped
"
check "floor.py --cell-quantile 101: refused with one line, exit 2" sh -c \
    "$PY '$ROOT/bench/floor.py' t.h5 --cell-quantile 101 2>q.err; [ \$? -eq 2 ] && grep -q 'cell-quantile must be in 0..100' q.err"

# An adaptive design's file holds trials it never ran (iterations -1, wall time NaN): floor.py
# counts the finished ones only, as it would an interrupted sweep's.
check "an adaptive sweep to measure (trials left unrun)" ovsweep --quiet --design adaptive \
    --n 40 --act relu --k 2:8 --d 2:8 --trials 4 --batch 8 --max-iter 300 -o ad.h5
limit $PY "$ROOT/bench/floor.py" ad.h5 --peak 0.0001 --cell-quantile 50 --min-updates 1 >floorad.txt
check "floor.py on it: trials and floor over the finished trials only, no NaN" $PY -c "
import h5py, re
g = h5py.File('ad.h5', 'r')['n40_relu']
it, wall, done = g['iterations'][:], g['wall_seconds'][:], g['done'][:]
assert (done == 0).any() and (done == 1).any(), 'the design ran every trial or none'
fl = sum(4.0 * 40 * k * d / 0.1e6 * float(it[a, b, t])
         for a, k in enumerate(g['k'][:]) for b, d in enumerate(g['d'][:])
         for t in range(it.shape[2]) if done[a, b, t])
w = float(wall[done == 1].sum())
out = open('floorad.txt').read()
assert 'nan' not in out.split('k  1- 4')[0] and 'nan core-s' not in out, out
m = re.search(r'all groups\s+trials\s+([0-9.]+) core-s\s+floor\s+([0-9.]+)', out)
assert m and abs(float(m[1]) - w) <= 0.051 and abs(float(m[2]) - fl) <= 0.051 and fl > 1, (m and m.groups(), w, fl)
m = re.search(r'p50 speed: trials [0-9.e-]+ core-s \(x floor [0-9.]+; \d+ of (\d+) trials', out)
assert m and int(m[1]) == int((done == 1).sum()), (m and m[1], int((done == 1).sum()))
"

# bench/grid_versus.py: each cell's fastest trial per update, new/base. A copy of t.h5 with
# every wall time x 0.9 reads 0.900 everywhere, also against a base side of two files whose
# first takes twice as long (the best of a side's files counts); one whose trials other than
# each cell's fastest take twice as long reads 1.000 (only the fastest counts); unequal run
# counts are noted; t.h5 against the adaptive file's other sweep is refused.
limit $PY -c "
import h5py, numpy as np, shutil
for copy, factor in (('vs_fast.h5', 0.9), ('vs_double.h5', 2.0)):
    shutil.copy('t.h5', copy)
    with h5py.File(copy, 'r+') as f:
        for name in f:
            f[name]['wall_seconds'][...] = f[name]['wall_seconds'][...] * factor
shutil.copy('t.h5', 'vs_slow.h5')
with h5py.File('vs_slow.h5', 'r+') as f:
    for name in f:
        g = f[name]
        w, it = g['wall_seconds'][...], g['iterations'][...].astype(float)
        per = w / np.maximum(it, 1)
        first = per.argmin(axis=2)[..., None] == np.arange(per.shape[2])
        g['wall_seconds'][...] = np.where(first, w, 2 * w)
"
limit $PY "$ROOT/bench/grid_versus.py" t.h5 vs_fast.h5 --min-updates 1 >vs1.txt
limit $PY "$ROOT/bench/grid_versus.py" vs_double.h5,t.h5 vs_fast.h5 --min-updates 1 >vs2.txt
limit $PY "$ROOT/bench/grid_versus.py" t.h5 vs_slow.h5 --min-updates 1 >vs3.txt
check "grid_versus.py: every wall time x 0.9 reads 0.900 in each group and in all (one base file, two)" $PY -c "
import re
for name in ('vs1.txt', 'vs2.txt'):
    t = open(name).read()
    rows = re.findall(r'cells +(\d+) .*median ([0-9.]+) +p10 ([0-9.]+) +p90 ([0-9.]+) +update-weighted ([0-9.]+)', t)
    assert len(rows) == 2 and all(int(r[0]) == 4 and set(r[1:]) == {'0.900'} for r in rows), t
    assert re.search(r'^all groups +update-weighted new/base 0.900$', t, re.M), t
"
check "... two base runs against one new: a first line notes the unequal counts; one against one: none" \
    sh -c "head -n 1 vs2.txt | grep -q '^note: 2 base run(s) against 1 new' && ! grep -q '^note' vs1.txt"
check "... trials other than each cell's fastest slowed: 1.000 (only the fastest counts)" \
    grep -q '^all groups  *update-weighted new/base 1.000$' vs3.txt
check "... another sweep (the adaptive file) against t.h5: refused with one line" sh -c \
    "! $PY '$ROOT/bench/grid_versus.py' t.h5 ad.h5 --min-updates 1 >/dev/null 2>vs.err &&
     test \$(wc -l <vs.err) = 1 && grep -q 'hold different sweeps' vs.err"

BS="$ROOT/build/bench_scaling"
limit "$BS" --grid cells.txt 5 >replay.txt 2>replay.err
check "bench_scaling --grid: replays the 8 cells of both groups, exit 0" sh -c \
    "grep -q 'all groups .*(x floor [0-9.]*; 8 cells, 5 updates each' replay.txt &&
     grep -q '^n40_softplus *replayed' replay.txt && grep -q '^n40_relu *replayed' replay.txt"
check "... each group's ratio is finite and plausible (0.5 to 1000 x its floor)" $PY -c "
import re
xs = [float(x) for x in re.findall(r'replayed .*\(x floor ([0-9.a-z]+)\)', open('replay.txt').read())]
assert len(xs) == 2 and all(0.5 < x < 1000 for x in xs), xs
"
check "... the same cells split by the host's state: both parts, all 8 cells, the fastest in the faster part" $PY -c "
import re
txt = open('replay.txt').read()
parts = re.findall(r'^(faster|slower) state +x floor ([0-9.]+) +\((\d+) cells; .*, (\d+)% of the floor\)', txt, re.M)
assert [p[0] for p in parts] == ['faster', 'slower'], txt
assert sum(int(p[2]) for p in parts) == 8 and int(parts[0][2]) >= 1 and int(parts[0][3]) > 0, parts
"
for cut in 0 1e9; do
    BENCH_STORE_CUT=$cut limit "$BS" --grid cells.txt 5 >cut$cut.txt 2>/dev/null
done
check "... every cell in one state (BENCH_STORE_CUT 0, 1e9): that part's ratio is the whole's, over 100% of the floor" $PY -c "
import re
for name, part in (('cut0.txt', 'faster'), ('cut1e9.txt', 'slower')):
    txt = open(name).read()
    whole = float(re.search(r'all groups .*\(x floor ([0-9.]+);', txt)[1])
    m = re.search(part + r' state +x floor ([0-9.]+) +\((\d+) cells; .*, (\d+)% of the floor\)', txt)
    assert m and int(m[2]) == 8 and int(m[3]) == 100 and abs(float(m[1]) - whole) <= 0.0011, (name, txt)
"
limit "$BS" --modes 0.3 40 3 3 >modes.txt 2>modes.err
check "bench_scaling --modes: turns of peak, store rate and update, each fraction their ratio, percentiles in order" $PY -c "
import re
txt = open('modes.txt').read()
rows = [tuple(map(float, m)) for m in re.findall(r'^([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+)$', txt, re.M)]
assert rows and all(p > 0 and st > 0 and g > 0 and abs(f - g / p) <= 0.0005 + f * (0.05 / g + 0.05 / p)
                    for _, p, st, g, f in rows), rows
m = re.search(r'over (\d+) turns: 10th percentile ([0-9.]+), median ([0-9.]+), 90th ([0-9.]+)', txt)
fr = sorted(f for *_, f in rows)
assert m and int(m[1]) == len(rows) and float(m[2]) <= float(m[3]) <= float(m[4]), txt
assert abs(float(m[3]) - fr[len(fr) // 2]) < 0.0006, (m[3], fr)
"
limit "$BS" --modes 0 40 3 3 >/dev/null 2>modes.err
rc=$?
check "bench_scaling --modes 0 seconds: exit 2, one message" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <modes.err) -eq 1 ] && grep -q 'SECONDS > 0' modes.err"
limit "$BS" --floor 0.2 40 3 3 >floor.txt 2>floor.err
check "bench_scaling --floor: each turn's ratio is its time over the floor of its own rates; percentiles of the turns, in order; the faster state's median over its own turns" $PY -c "
import re
txt = open('floor.txt').read()
turns = {'relu': [], 'softplus': []}
for a, p, s, st, us, x in re.findall(r'^turn 40 3 3 (\w+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+)$', txt, re.M):
    p, s, st, us, x = map(float, (p, s, st, us, x))
    fl = 4 * 40 * 3 * 3 / (p * 1e3) + (40 * 3 * s * 1e-3 if a == 'softplus' else 0)
    # the printed figures are rounded (us to 0.001, the peak to 0.01, ns to 0.001): their relative
    # rounding errors bound the ratio's
    rel = 0.0005 / us + 0.005 / p + (0.0005 / s if s > 0 else 0)
    assert p > 0 and st > 0 and us > 0 and (s > 0) == (a == 'softplus') and abs(x - us / fl) <= 1.5 * rel * x + 0.0001, (a, p, s, us, x)
    turns[a].append((x, st))
for a, rows in turns.items():
    m = re.search(r'^40 3 3 ' + a + r' (\d+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) ([0-9.]+) (\d+)$', txt, re.M)
    xs = sorted(x for x, _ in rows)
    best = max(st for _, st in rows)
    fast = sorted(x for x, st in rows if st >= 0.85 * best - 0.1)
    assert m and int(m[1]) == len(xs) >= 3, (a, txt)
    assert all(abs(float(m[i]) - xs[len(xs) * q // 10]) <= 0.0006 for i, q in ((3, 1), (4, 5), (5, 9))), (a, m[0], xs)
    assert 1 <= int(m[7]) <= len(xs) and abs(int(m[7]) - len(fast)) <= 1, (a, m[0], rows)
    assert any(abs(float(m[6]) - f) <= 0.0006 for f in fast), (a, m[0], rows)
"
BENCH_STORE_CUT=0 limit "$BS" --floor 0.05 40 3 3 >floor_all.txt 2>/dev/null
BENCH_STORE_CUT=1e9 limit "$BS" --floor 0.05 40 3 3 >floor_none.txt 2>/dev/null
check "bench_scaling --floor with every turn in the faster state (BENCH_STORE_CUT 0) its median is the whole's over all turns; with none (1e9), nan and 0" $PY -c "
import re
for name, everyone in (('floor_all.txt', True), ('floor_none.txt', False)):
    rows = re.findall(r'^40 3 3 (\w+) (\d+) [0-9.]+ [0-9.]+ ([0-9.]+) [0-9.]+ ([0-9.a-z]+) (\d+)$', open(name).read(), re.M)
    assert len(rows) == 2, (name, rows)
    for act, turns, median, fast, nfast in rows:
        if everyone:
            assert int(nfast) == int(turns) >= 3 and fast == median, (name, act, turns, median, fast, nfast)
        else:
            assert int(nfast) == 0 and fast == 'nan', (name, act, fast, nfast)
"
limit "$BS" --floor 1 40 0 3 >/dev/null 2>floor.err
rc=$?
check "bench_scaling --floor with k = 0: exit 2, one message naming the cell" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <floor.err) -eq 1 ] && grep -q 'cell 1' floor.err"
# (3000, 40, 60): X and its factors (2.4 MB) past the L2 of the machines here, so the gradient
# runs as the trainer's, panel by panel, in blocks of 6 units on AVX-512
limit "$BS" --parts 5 40 3 3 200 8 5 3000 40 60 >parts.txt 2>&1
check "bench_scaling --parts: a line per cell, positive times, GFLOP/s that are 2 n k d over the printed time" $PY -c "
import re
rows = re.findall(r'^(\d+) (\d+) (\d+) forward_relu ([0-9.]+) ([0-9.]+) forward_softplus ([0-9.]+) gradient ([0-9.]+) ([0-9.]+)$', open('parts.txt').read(), re.M)
assert [r[:3] for r in rows] == [('40', '3', '3'), ('200', '8', '5'), ('3000', '40', '60')], rows
for r in rows:
    n, k, d = map(int, r[:3])
    fr, gfr, fs, gr, ggr = map(float, r[3:])
    assert min(fr, fs, gr) > 0, r
    for t, g in ((fr, gfr), (gr, ggr)):
        assert abs(g - 2 * n * k * d / t * 1e-3) <= 0.0006 + g * 0.0005 / t + 0.001 * g, (r, t, g)
"
# --memory: the panel path on every machine (BENCH_L2 plans the panels for a 2 MiB L2). On
# round 14's machine X's read (2 MB) took about 5x the floor in (1600, 2, 160), and the floor
# about 4x the read (256 KB) in (1600, 32, 20): both sides of the roofline's max (not
# asserted: that would be a timing).
BENCH_L2=2097152 limit "$BS" --memory 0.2 1600 2 160 1600 32 20 >memory.txt 2>memory.err
check "bench_scaling --memory: each turn's ratios from its own figures (x floor, x roofline = steps / max(floor, read), hidden = (held + read - steps) / read, X's bytes / read); the cell's medians over its turns" $PY -c "
import re
txt = open('memory.txt').read()
for n, k, d in ((1600, 2, 160), (1600, 32, 20)):
    cell = '%d %d %d ' % (n, k, d)
    for a in ('relu', 'softplus'):
        rows = re.findall(r'^turn ' + cell + a + r' ' + ' '.join([r'([-0-9.]+)'] * 9) + '$', txt, re.M)
        assert len(rows) >= 3, (cell, a, txt)
        cols = [[] for _ in range(7)]
        for r in rows:
            p, s, gbs, steps, held, read, xf, xr, hid = map(float, r)
            fl = 4 * n * k * d / (p * 1e3) + (n * k * s * 1e-3 if a == 'softplus' else 0)
            rel = 0.0005 / min(steps, held, read) + 0.005 / p + (0.0005 / s if s > 0 else 0)
            assert (s > 0) == (a == 'softplus') and min(steps, held, read) > 0, r
            assert abs(xf - steps / fl) <= 1.5 * rel * xf + 0.0001, ('x_floor', r, steps / fl)
            assert abs(xr - steps / max(fl, read)) <= 1.5 * rel * xr + 0.0001, ('x_roofline', r)
            assert abs(hid - (held + read - steps) / read) <= 3 * rel * (held + read + steps) / read + 0.0001, ('hidden', r)
            assert abs(gbs - 8 * n * d / read * 1e-3) <= 0.006 + rel * gbs, ('read_gbs', r)
            for c, v in enumerate((steps, held, read, gbs, xf, xr, hid)):
                cols[c].append(v)
        m = re.search(r'^' + cell + a + r' (\d+)' + r' ([-0-9.]+)' * 7 + '$', txt, re.M)
        assert m and int(m[1]) == len(rows), (cell, a, txt)
        for c in range(7):
            med = sorted(cols[c])[len(rows) // 2]
            assert abs(float(m[c + 2]) - med) <= 0.0006 + 0.006 * (c == 3), (cell, a, c, m[0], cols[c])
"
limit "$BS" --memory 0.05 200 20 12 >memory_small.txt 2>&1
check "bench_scaling --memory where X stays in cache: a line says so per activation, no turns" \
    sh -c "[ \$(grep -c '^200 20 12 [a-z]* no panels: X stays in cache' memory_small.txt) -eq 2 ] && ! grep -q '^turn' memory_small.txt"
limit "$BS" --memory 1 1600 8 0 >/dev/null 2>memory.err
rc=$?
check "bench_scaling --memory with d = 0: exit 2, one message naming the cell" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <memory.err) -eq 1 ] && grep -q 'cell 1' memory.err"
limit "$BS" --memory 0 1600 8 80 >/dev/null 2>memory.err
rc=$?
check "bench_scaling --memory 0 seconds: exit 2, one message" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <memory.err) -eq 1 ] && grep -q 'SECONDS > 0' memory.err"
# --matched: the panel path (BENCH_L2 as above) and a cell in cache; the bench's update must be
# the trainer's, bit for bit (same = 1), and every ratio must come from its own turn's times.
BENCH_L2=2097152 limit "$BS" --matched 0.05 1600 2 160 40 3 3 >matched.txt 2>matched.err
check "bench_scaling --matched: the bench's update is ovs_train_run's (same = 1); each turn's x floor = update / (products + softplus), peak = 4 n k d / products, frac = products / update; the cell's percentiles and medians over its turns" $PY -c "
import re
txt = open('matched.txt').read()
for n, k, d in ((1600, 2, 160), (40, 3, 3)):
    cell = '%d %d %d ' % (n, k, d)
    for a in ('relu', 'softplus'):
        rows = re.findall(r'^turn ' + cell + a + r' (\d+)' + r' ([-0-9.]+)' * 6 + '$', txt, re.M)
        assert len(rows) >= 20, (cell, a, txt[:2000])
        cols = {'x': [], 'peak': [], 'us': [], 'frac': []}
        for r in rows:
            batch = int(r[0])
            peak, up, prod, soft, x, frac = map(float, r[1:])
            assert batch >= 1 and min(up, prod) > 0 and (soft > 0) == (a == 'softplus'), r
            rel = 0.00005 / min(up, prod) + (0.00005 / soft if soft > 0 else 0)
            assert abs(x - up / (prod + soft)) <= 1.5 * rel * x + 0.0001, ('x_floor', r)
            assert abs(frac - prod / up) <= 1.5 * rel * frac + 0.0001, ('frac', r)
            assert abs(peak - 4 * n * k * d / prod * 1e-3) <= 0.006 + rel * peak, ('peak', r)
            for c, v in (('x', x), ('peak', peak), ('us', up), ('frac', frac)):
                cols[c].append(v)
        m = re.search(r'^' + cell + a + r' (\d) (\d+)' + r' ([-0-9.]+)' * 6 + '$', txt, re.M)
        assert m and m[1] == '1' and int(m[2]) == len(rows), (cell, a, m and m[0])
        xs, med = sorted(cols['x']), lambda c: sorted(cols[c])[len(rows) // 2]
        want = (med('peak'), med('us'), xs[len(xs) // 10], xs[len(xs) // 2], xs[len(xs) * 9 // 10], med('frac'))
        for i, w in enumerate(want):
            assert abs(float(m[i + 3]) - w) <= 0.006 + 0.0001 * w, (cell, a, i, m[0], w)
"
limit "$BS" --matched 1 40 3 0 >/dev/null 2>matched.err
rc=$?
check "bench_scaling --matched with d = 0: exit 2, one message naming the cell" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <matched.err) -eq 1 ] && grep -q 'cell 1' matched.err"
# --plans: an L2 size and a plan given outright, on the panel path, on a grid-sized cell read
# whole (the given panels apply: round 32) and on one narrower than a panel (they do not);
# both updates are the trainer's, each ratio is its turn's b / a.
limit "$BS" --plans 0.05 2097152 96/1/0 1600 2 160 200 3 3 40 3 3 >plans.txt 2>plans.err
check "bench_scaling --plans: the plans as planned for 2 MiB and as given (at n = 200 too; 0/0/0 where n < 96), both updates the trainer's (same = 1), each turn's b_over_a = us_b / us_a, the cell's medians and percentiles over its turns" $PY -c "
import re
txt = open('plans.txt').read()
for n, k, d, pa, pb in ((1600, 2, 160, '192/1/1', '96/1/0'), (200, 3, 3, '0/0/0', '96/1/0'),
                        (40, 3, 3, '0/0/0', '0/0/0')):
    cell = '%d %d %d ' % (n, k, d)
    for a in ('relu', 'softplus'):
        rows = re.findall(r'^turn ' + cell + a + r' (\d+)' + r' ([-0-9.]+)' * 3 + '$', txt, re.M)
        assert len(rows) >= 20, (cell, a, txt[:2000])
        ua, ub, rat = [], [], []
        for r in rows:
            x, y, q = map(float, r[1:])
            assert int(r[0]) >= 1 and min(x, y) > 0, r
            # x and y printed to 4 decimals: y / x is off by up to 5e-5 (x + y) / x^2 (large
            # where the cell in cache updates in 0.16 us), q by 5e-5 more; twice that
            assert abs(q - y / x) <= 0.0001 + 0.0001 * (x + y) / x ** 2, ('ratio', r)
            ua.append(x), ub.append(y), rat.append(q)
        m = re.search(r'^' + cell + a + r' (\S+) (\S+) (\d) (\d+)' + r' ([-0-9.]+)' * 5 + '$', txt, re.M)
        assert m and (m[1], m[2], m[3]) == (pa, pb, '1') and int(m[4]) == len(rows), (cell, a, m and m[0])
        rs, med = sorted(rat), lambda v: sorted(v)[len(v) // 2]
        want = (med(ua), med(ub), rs[len(rs) // 10], rs[len(rs) // 2], rs[len(rs) * 9 // 10])
        for i, w in enumerate(want):
            assert abs(float(m[i + 5]) - w) <= 0.0002 + 0.0001 * w, (cell, a, i, m[0], w)
"
limit "$BS" --plans 1 2097152 100/1/1 1600 2 160 >/dev/null 2>plans.err
rc=$?
check "bench_scaling --plans with a panel not a multiple of 96: exit 2, one message" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <plans.err) -eq 1 ] && grep -q 'multiple of 96' plans.err"
head -n 3 cells.txt >bad.txt
echo "relu 40 two 3 100 2" >>bad.txt
limit "$BS" --grid bad.txt 5 >/dev/null 2>bad.err
rc=$?
check "bench_scaling --grid: a line that is not a cell: exit 2, one message naming line 4" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <bad.err) -eq 1 ] && grep -q 'bad.txt: line 4' bad.err"
limit "$BS" --grid missing.txt >/dev/null 2>miss.err
rc=$?
check "bench_scaling --grid: a missing file: exit 2, names it" \
    sh -c "[ $rc -eq 2 ] && grep -q 'missing.txt' miss.err"
# bench/ab_step.sh on this tree against its own HEAD (an A/A run: builds HEAD's kernels apart,
# about 40 s): per activation a line with both sides' best times and their ratio, then the
# median of the rounds' paired ratios between its 10th and 90th percentiles, bit-identical.
# 20 updates a run, so that each long run stands well clear of the best short run it is
# measured from (a paired ratio: the tree's long run less its best short one, over the base's).
(cd "$ROOT" && limit sh bench/ab_step.sh HEAD 20 5 200 8 8) >ab.txt 2>ab.err
rc=$?
check "bench/ab_step.sh HEAD 20 5 (A/A): exit 0, both activations, paired median within p10..p90" \
    $PY -c "
import sys
lines = [l.split() for l in open('ab.txt') if l.split()[:1] in (['softplus'], ['relu'])]
assert $rc == 0 and [l[0] for l in lines] == ['softplus', 'relu'], (lines, open('ab.err').read())
for l in lines:
    assert l[1:4] == ['200', '8', '8'] and l[-1] == 'bit-identical', l
    a, b, q, med, p10, p90 = map(float, l[4:10])
    # times printed to 3 decimals, the ratio too: the rounding's bound, twice
    assert min(a, b) > 0 and abs(q - b / a) <= 0.001 * (a + b) / a ** 2 + 0.001, l
    assert 0 < p10 <= med <= p90, l
"
(cd "$ROOT" && limit sh bench/ab_step.sh HEAD 5 0 100 3 3) >ab0.txt 2>ab0.err
rc=$?
check "bench/ab_step.sh with ROUNDS 0: exit 2 before building, one line naming ROUNDS" \
    sh -c "[ $rc -eq 2 ] && [ \$(wc -l <ab0.err) -eq 1 ] && grep -q 'ROUNDS must be a positive integer' ab0.err && [ ! -s ab0.txt ]"
# bench/grid_floor.sh on a small sweep (2 groups, 9 cells; about 2 s on 2 ranks): readings
# before and after the run, and three floor lines whose figures are floor.py's own on the file
# with the readings printed, whose trials are the file's wall seconds, and whose ratio is
# trials over floor. The output named relative to the caller's directory lands there.
GF="--n 100 --act softplus,relu --k 10:12 --d 10:12 --trials 2"
READINGS=3 limit sh "$ROOT/bench/grid_floor.sh" gf.h5 $GF >gf.txt 2>gf.err
rc=$?
check "bench/grid_floor.sh: readings before and after, three floors that are floor.py's own" $PY -c "
import re, subprocess, h5py
out = open('gf.txt').read()
assert $rc == 0, (out, open('gf.err').read())
found = re.findall(r'^(before|after): .*, peak ([0-9.]+) GFLOP/s, softplus ([0-9.]+) ns', out, re.M)
assert [w for w, _, _ in found] == ['before', 'after'], out
# each reading the median of the READINGS readings listed beside it, sorted
lists = re.findall(r'\(medians of 3 readings: peak ([0-9. ]+); softplus ([0-9. ]+)\)$', out, re.M)
assert len(lists) == 2, out
for (_, p, s), (ps, ss) in zip(found, lists):
    for med, vals in ((p, ps.split()), (s, ss.split())):
        assert len(vals) == 3 and vals == sorted(vals, key=float) and med == vals[1], out
read = {w: (p, s) for w, p, s in found}
lines = re.findall(r'^floor, .*\(peak ([0-9.]+), softplus ([0-9.]+)\): trials ([0-9.]+) core-s, floor ([0-9.]+): ([0-9.]+)x the floor$', out, re.M)
want = [read['before'], (read['before'][0], read['after'][1]), read['after']]
assert [l[:2] for l in lines] == want, (lines, want)
f = h5py.File('gf.h5', 'r')
wall = sum(f[g]['wall_seconds'][:].sum() for g in f)
for peak, sp, trials, floor, x in lines:
    tot = subprocess.run(['$PY', '$ROOT/bench/floor.py', 'gf.h5', '--peak', peak, '--softplus-ns', sp],
                         capture_output=True, text=True).stdout.splitlines()[-1].split()
    assert (tot[3], tot[6]) == (trials, floor), (tot, trials, floor)
    assert abs(float(trials) - wall) <= 0.051 and float(floor) > 0, (trials, wall, floor)
    assert abs(float(x) - float(trials) / float(floor)) <= 0.006, (x, trials, floor)
"
cp gf.h5 gf.before
(cd "$ROOT" && limit sh bench/grid_floor.sh "$WORK/gf.h5" $GF) >gf2.txt 2>gf2.err
rc=$?
refused_existing() {
    [ "$rc" -eq 2 ] && [ "$(wc -l <gf2.err)" -eq 1 ] && grep -q 'gf.h5 exists' gf2.err &&
        [ ! -s gf2.txt ] && cmp -s gf.h5 gf.before
}
check "bench/grid_floor.sh refuses an existing output file (exit 2, one line), the file untouched" \
    refused_existing
(cd "$ROOT" && READINGS=0 limit sh bench/grid_floor.sh "$WORK/gf3.h5" $GF) >gf3.txt 2>gf3.err
rc=$?
check "bench/grid_floor.sh refuses READINGS=0 (exit 2, one line), before any run" sh -c \
    "[ $rc -eq 2 ] && [ \$(wc -l <gf3.err) -eq 1 ] && grep -q 'READINGS=0' gf3.err && [ ! -e gf3.h5 ]"
limit "$ROOT/build/bench_peak" >peak.txt
check "bench_peak prints a positive peak" sh -c \
    "grep -qE '= [0-9]*[1-9][0-9]*\.[0-9] GFLOP/s peak' peak.txt"

# bench/tree_rss.py: a parent holding 40 MB while its forked child holds 80 MB (the two
# held at once, pipes say when): the tree's peak counts both, at least 120 MB (the larger
# process alone, /usr/bin/time's figure, is about 90 MB: the check once passed on that), and
# the children's peak the child's 80 MB, not the parent's 40
limit $PY "$ROOT/bench/tree_rss.py" $PY -c "
import os, time
held, go = os.pipe(), os.pipe()
pid = os.fork()
if pid == 0:
    os.close(held[0]), os.close(go[1])
    b = bytearray(80 << 20)
    os.write(held[1], b'x')
    os.read(go[0], 1)
    os._exit(0)
os.close(held[1]), os.close(go[0])  # a side that dies is an end of file, not a hang
a = bytearray(40 << 20)
os.read(held[0], 1)
time.sleep(0.5)
os.write(go[1], b'x')
os.waitpid(pid, 0)" >tree.txt
check "bench/tree_rss.py counts a forked child's memory with its parent's" $PY -c "
import re
t, k, rc = map(int, re.findall(r'\d+', open('tree.txt').read()))
assert rc == 0 and 80 * 1024 <= k < 120 * 1024 <= t, (t, k, rc)"

# bench/grid_digest.py: a digest of t.h5 checks against itself; a copy with one wall time
# changed still does (timing is left out, as h5same leaves it out); a copy with one residual
# moved by one ulp, or one group setting changed, does not, and the line it names is that
# dataset's or that group's; h5same agrees on each copy
limit $PY "$ROOT/bench/grid_digest.py" t.h5 >digest.txt
check "grid_digest.py: a line per dataset and group, and one over all" limit $PY -c "
import h5py
f = h5py.File('t.h5', 'r')
want = []
f.visititems(lambda n, o: want.append(n) if n.rsplit('/', 1)[-1] != 'wall_seconds' else None)
got = [l.split()[0].rstrip('/') for l in open('digest.txt')]
assert sorted(got[:-1]) == sorted(want) and got[-1] == 'all', (got, want)"
check "... the file against its own digest: exit 0, same results" limit sh -c \
    "$PY '$ROOT/bench/grid_digest.py' t.h5 --check digest.txt >self.txt &&
     grep -qx 't.h5: same results as digest.txt' self.txt"
for c in wall err attr; do cp t.h5 "dg_$c.h5"; done
limit $PY -c "
import h5py, numpy as np
with h5py.File('dg_wall.h5', 'r+') as f:
    g = f[sorted(f)[0]]
    g['wall_seconds'][0, 0, 0] = g['wall_seconds'][0, 0, 0] + 1.0
with h5py.File('dg_err.h5', 'r+') as f:
    g = f[sorted(f)[1]]
    g['final_rel_err'][1, 0, 1] = np.nextafter(g['final_rel_err'][1, 0, 1], 1.0)
with h5py.File('dg_attr.h5', 'r+') as f:
    f[sorted(f)[0]].attrs['eta'] = f[sorted(f)[0]].attrs['eta'] * 2
"
check "... a copy with a wall time changed: same results (exit 0), as h5same says" limit sh -c \
    "$PY '$ROOT/bench/grid_digest.py' dg_wall.h5 --check digest.txt >/dev/null &&
     sh '$ROOT/tests/h5same.sh' t.h5 dg_wall.h5 >/dev/null"
limit $PY "$ROOT/bench/grid_digest.py" dg_err.h5 --check digest.txt >dg_err.txt
check "... a residual moved by one ulp: exit 1, the one line that differs is that dataset's and 'all'" limit sh -c "
    test \$(grep -c '^differs' dg_err.txt) = 2 &&
    grep -q '^differs: $($PY -c "import h5py; print(sorted(h5py.File('t.h5', 'r'))[1])")/final_rel_err ' dg_err.txt &&
    grep -q '^differs: all ' dg_err.txt && grep -q '^dg_err.h5: 2 lines differ from digest.txt' dg_err.txt &&
    ! $PY '$ROOT/bench/grid_digest.py' dg_err.h5 --check digest.txt >/dev/null &&
    ! sh '$ROOT/tests/h5same.sh' t.h5 dg_err.h5 >/dev/null"
limit $PY "$ROOT/bench/grid_digest.py" dg_attr.h5 --check digest.txt >dg_attr.txt
check "... a group's eta changed: that group's attributes line differs, exit 1, as h5same says" limit sh -c "
    grep -q '^differs: $($PY -c "import h5py; print(sorted(h5py.File('t.h5', 'r'))[0])")/ attrs' dg_attr.txt &&
    ! $PY '$ROOT/bench/grid_digest.py' dg_attr.h5 --check digest.txt >/dev/null &&
    ! sh '$ROOT/tests/h5same.sh' t.h5 dg_attr.h5 >/dev/null"
check "... a digest that lacks a line: exit 1, names it missing" limit sh -c "
    grep -v 'final_rel_err' digest.txt >short.txt
    ! $PY '$ROOT/bench/grid_digest.py' t.h5 --check short.txt >short_out.txt &&
    grep -q '^not in short.txt: .*final_rel_err' short_out.txt"
check "... an unreadable file: exit 2, one message naming it" limit sh -c "
    echo junk >junk.h5
    $PY '$ROOT/bench/grid_digest.py' junk.h5 2>err.txt; test \$? = 2 &&
    test \$(wc -l <err.txt) = 1 && grep -q 'cannot read junk.h5' err.txt"

# bench/grid_floor.sh with DIGEST: the run checked against an earlier run's digest, the
# verdict last; results that differ exit 1; a DIGEST that cannot be read is refused before
# any run (exit 2, one line)
limit $PY "$ROOT/bench/grid_digest.py" gf.h5 >gf.dg
DIGEST=gf.dg READINGS=1 limit sh "$ROOT/bench/grid_floor.sh" gf4.h5 $GF >gf4.txt 2>gf4.err
rc=$?
check "bench/grid_floor.sh DIGEST=the same sweep's digest: exit 0, the last line says same results" limit sh -c \
    "[ $rc -eq 0 ] && tail -n 1 gf4.txt | grep -q 'gf4.h5: same results as .*/gf.dg\$'"
DIGEST=digest.txt READINGS=1 limit sh "$ROOT/bench/grid_floor.sh" gf5.h5 $GF >gf5.txt 2>gf5.err
rc=$?
check "... another sweep's digest: exit 1, the floors printed, the last line counts the lines that differ" limit sh -c \
    "[ $rc -eq 1 ] && grep -q '^floor, readings after' gf5.txt &&
     tail -n 1 gf5.txt | grep -q 'gf5.h5: [0-9]* lines differ from .*/digest.txt'"
DIGEST=nothing.dg READINGS=1 limit sh "$ROOT/bench/grid_floor.sh" gf6.h5 $GF >gf6.txt 2>gf6.err
rc=$?
check "... a DIGEST that cannot be read: exit 2, one line naming it, no run" limit sh -c \
    "[ $rc -eq 2 ] && [ \$(wc -l <gf6.err) -eq 1 ] && grep -q 'DIGEST=.*nothing.dg cannot be read' gf6.err &&
     [ ! -s gf6.txt ] && [ ! -e gf6.h5 ]"

# bench/plot_scaling.py on two kept ladders (bench/results): a PNG with the labels given;
# wrong arguments: exit 2, the usage line
check "plot_scaling.py: two ladders to a PNG, labels given" limit sh -c \
    "$PY '$ROOT/bench/plot_scaling.py' '$ROOT/bench/results/scaling_round22.csv' \
        '$ROOT/bench/results/scaling_round26.csv' sc.png --labels 'A run,B run' &&
     [ \"\$(head -c 8 sc.png | od -An -tx1 | tr -d ' \n')\" = 89504e470d0a1a0a ] && [ \$(wc -c <sc.png) -gt 20000 ]"
limit $PY "$ROOT/bench/plot_scaling.py" only.csv two.csv >psc.txt 2>psc.err
rc=$?
check "plot_scaling.py with two arguments: exit 2, one usage line, no output" limit sh -c \
    "[ $rc -eq 2 ] && [ \$(wc -l <psc.err) -eq 1 ] && grep -q '^usage: plot_scaling.py' psc.err && [ ! -s psc.txt ]"

summary
