"""run.py [--only NAME,...] [--keep] | --check: the mutation score of the fast test suites
(`make mutation`); --check only checks that every mutant still applies (tests/lint_test.sh).

Copies the working tree (tracked and untracked, not ignored, files, and the plain build) to a
scratch directory, checks that the fast suites pass there, then applies each mutant of
tests/mutation/mutants.txt alone, rebuilds, and runs the suites fastest first until one fails.
Prints every mutant with the suite and the first failing check that caught it, and ends with
"N caught, N survived, N hung, N errors":
  caught    a suite failed (a time limit inside a suite counts: the hang became a failure
            with a message, and the line says so);
  survived  every suite passed;
  hung      a suite ran past its own limit here (a few times its unmutated time);
  error     the mutant's text no longer occurs exactly once in its file, or the mutated tree
            does not build: fix the mutant, it tests nothing.
Engine mutants (src/) run the plain C unit tests, tests/file_test.sh, golden_test.sh,
merge_test.sh, scaling_test.sh and estimate_test.sh;
analysis mutants (analysis/) run the pytest suite. Exit status 0 iff every mutant was caught.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# The unit tests fastest first (others found in tests/ run after these), then the fast MPI
# suites. A suite this tree lacks is left out (so that older trees can be scored too).
UNITS = ["protocol", "rng", "problem", "cli", "plan", "known", "rf", "sgd", "train", "diagnostics"]
# estimate_test.sh last: its checks of each rank's peak memory against the dry run's estimate
# catch copies of X that change no result (mutants lockstep-partner-own-x, train-transpose-kept)
SHELL = ["file_test.sh", "golden_test.sh", "merge_test.sh", "scaling_test.sh", "estimate_test.sh"]
PY_SUITES = [("pytest tests/python", ["/usr/bin/python3", "-m", "pytest", "-q", "-x",
                                       "-p", "no:cacheprovider", "tests/python"])]


def c_suites(tree):
    """[(name, command)] of the C unit tests and shell suites present in tree."""
    found = sorted(f[5:-2] for f in os.listdir(os.path.join(tree, "tests"))
                   if f.startswith("test_") and f.endswith(".c"))
    units = [u for u in UNITS if u in found] + [u for u in found if u not in UNITS]
    suites = [(f"unit test_{u}", [f"build/test_{u}"]) for u in units]
    return suites + [(sh, ["sh", f"tests/{sh}"]) for sh in SHELL
                     if os.path.isfile(os.path.join(tree, "tests", sh))]


def build_cmd(tree):
    targets = [cmd[0] for _, cmd in c_suites(tree) if cmd[0].startswith("build/")]
    if os.path.isfile(os.path.join(tree, "tests", "reference_run.c")):
        targets.append("build/reference_run")
    return ["make", "-s", "--no-print-directory", "all"] + targets
RUN_LIMIT = "120"  # seconds for each ovsweep/mpirun run inside the shell suites (lib.sh)
FAILURE = re.compile(r"CHECK failed|CHECK_NEAR failed|^FAIL - |TIMEOUT|FAILED|Error|^E ")


def read_mutants(path):
    mutants, cur = [], None
    for line in open(path):
        line = line.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        m = re.fullmatch(r"\[(.+)\]", line)
        if m:
            cur = {"name": m.group(1)}
            mutants.append(cur)
            continue
        key, _, value = line.partition(": ")
        if cur is None or key not in ("file", "what", "from", "to"):
            sys.exit(f"run.py: {path}: cannot read line {line!r}")
        cur[key] = value.replace("\\n", "\n") if key in ("from", "to") else value
    for m in mutants:
        missing = {"file", "what", "from", "to"} - set(m)
        if missing:
            sys.exit(f"run.py: mutant {m['name']} lacks {', '.join(sorted(missing))}")
    return mutants


def stale(mutants):
    """The mutants whose `from` text does not occur exactly once in their file."""
    bad = []
    for m in mutants:
        path = os.path.join(ROOT, m["file"])
        n = open(path).read().count(m["from"]) if os.path.isfile(path) else 0
        if n != 1:
            bad.append(f"{m['name']} ({m['file']}: {n} matches)")
    return bad


def copy_tree(dst):
    """The working tree's files (tracked and untracked, not ignored) and the plain build."""
    git = subprocess.run(["git", "ls-files", "-z", "-co", "--exclude-standard"], cwd=ROOT,
                         capture_output=True)
    if git.returncode == 0:
        files = filter(None, git.stdout.decode().split("\0"))
    else:  # not a git checkout (an exported tree): every file but the build
        files = [os.path.relpath(os.path.join(d, f), ROOT) for d, subdirs, names in os.walk(ROOT)
                 for f in names if not os.path.relpath(d, ROOT).split(os.sep)[0] in
                 ("build", "bin", ".git")]
    for rel in files:
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dst, rel)), exist_ok=True)
            shutil.copy2(src, os.path.join(dst, rel))
    for d in ("build", "bin"):  # timestamps kept: make rebuilds only what a mutant touches
        if os.path.isdir(os.path.join(ROOT, d)):
            shutil.copytree(os.path.join(ROOT, d), os.path.join(dst, d), symlinks=True,
                            ignore=shutil.ignore_patterns("asan"))


def run(cmd, cwd, limit, log):
    """(status, seconds): status 'pass', 'fail' or 'hung'."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OVS_TEST_LIMIT=RUN_LIMIT)
    t0 = time.monotonic()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env,
                             start_new_session=True)
        try:
            rc = p.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            return "hung", time.monotonic() - t0
    return ("pass" if rc == 0 else "fail"), time.monotonic() - t0


def first_failure(log):
    lines = open(log, errors="replace").read().splitlines()
    for line in lines:
        if FAILURE.search(line):
            return line.strip()[:150]
    return (lines[-1].strip()[:150] if lines else "(no output)")


def suites_for(mutant, tree):
    return PY_SUITES if mutant["file"].endswith(".py") else c_suites(tree)


def baseline(tree, logdir, mutants):
    """Time the unmutated suites that these mutants need (the pytest suite only for analysis
    mutants: it is the slowest) and return each suite's limit."""
    print("building the scratch copy and timing the unmutated suites ...", flush=True)
    if subprocess.run(build_cmd(tree), cwd=tree).returncode != 0:
        sys.exit("run.py: the unmutated tree does not build")
    limits = {}
    needed = []
    for m in mutants:
        needed += [s for s in suites_for(m, tree) if s not in needed]
    for name, cmd in needed:
        status, secs = run(cmd, tree, 3600, os.path.join(logdir, "baseline.log"))
        print(f"  {name:22s} {status} in {secs:6.1f} s", flush=True)
        if status != "pass":
            sys.exit(f"run.py: {name} fails without any mutant: "
                     f"{first_failure(os.path.join(logdir, 'baseline.log'))}")
        limits[name] = 4 * secs + 60
    return limits


def try_mutant(m, tree, limits, logdir):
    """(verdict, suite, detail, seconds)."""
    path = os.path.join(tree, m["file"])
    original = open(path).read() if os.path.isfile(path) else None
    if original is None or original.count(m["from"]) != 1:
        n = 0 if original is None else original.count(m["from"])
        return "error", "-", f"its text occurs {n} times in {m['file']} (must be once)", 0.0
    t0 = time.monotonic()
    try:
        open(path, "w").write(original.replace(m["from"], m["to"]))
        if not m["file"].endswith(".py"):
            b = subprocess.run(build_cmd(tree), cwd=tree, capture_output=True, text=True)
            if b.returncode != 0:
                err = (b.stderr or b.stdout).strip().splitlines()
                return "error", "build", "does not build: " + (err[0] if err else "?"), \
                    time.monotonic() - t0
        for name, cmd in suites_for(m, tree):
            log = os.path.join(logdir, f"{m['name']}.log")
            status, _ = run(cmd, tree, limits[name], log)
            if status == "hung":
                return "hung", name, f"ran past {limits[name]:.0f} s", time.monotonic() - t0
            if status == "fail":
                detail = first_failure(log)
                if "TIMEOUT" in detail:
                    detail = "(a run's time limit) " + detail
                return "caught", name, detail, time.monotonic() - t0
        return "survived", "-", "every suite passed", time.monotonic() - t0
    finally:
        open(path, "w").write(original)


def main(argv):
    only = None
    if "--only" in argv:
        only = set(argv[argv.index("--only") + 1].split(","))
    mutants = read_mutants(os.path.join(ROOT, "tests", "mutation", "mutants.txt"))
    if "--check" in argv:
        bad = stale(mutants)
        print(f"{len(mutants)} mutants, {len(bad)} stale" + "".join(f"\n  {b}" for b in bad))
        return 1 if bad else 0
    if only:
        mutants = [m for m in mutants if m["name"] in only]
    scratch = tempfile.mkdtemp(prefix="ovsweep-mutation.")
    tree, logdir = os.path.join(scratch, "tree"), os.path.join(scratch, "logs")
    os.makedirs(logdir)
    t_start = time.monotonic()
    try:
        copy_tree(tree)
        limits = baseline(tree, logdir, mutants)
        counts = {"caught": 0, "survived": 0, "hung": 0, "error": 0}
        for i, m in enumerate(mutants, 1):
            verdict, suite, detail, secs = try_mutant(m, tree, limits, logdir)
            counts[verdict] += 1
            print(f"[{i:2d}/{len(mutants)}] {verdict:8s} {m['name']:28s} {m['file']}: {m['what']}",
                  flush=True)
            print(f"        {'by ' + suite if verdict == 'caught' else suite} "
                  f"({secs:.0f} s): {detail}", flush=True)
        total = time.monotonic() - t_start
        kept = f" (logs: {logdir})" if "--keep" in argv else ""
        print(f"mutation run: {len(mutants)} mutants in {total / 60:.1f} min{kept}")
        print(f"{counts['caught']} caught, {counts['survived']} survived, {counts['hung']} hung, "
              f"{counts['error']} errors")
        return 0 if counts["caught"] == len(mutants) else 1
    finally:
        if "--keep" not in argv:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
