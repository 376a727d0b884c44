"""fuzz_resume.py OVSWEEP WORKDIR COUNT [SEED] [--merge]

Seeded mutations of a real checkpoint, each resumed: byte flips anywhere in the file and in its
first 16 KiB (superblock, root metadata), root and group attribute edits, datasets reshaped,
retyped or deleted. Every mutation must give either the uninterrupted run's result after
--resume (tests/h5same.sh) or a refusal with exit 2 that leaves the file byte-identical --
never a crash, a hang (each run under a timeout) or a silently different result. Prints one
line per mutation that is neither, then "N identical, N refused, N other"; exits 1 if any is
other.

--merge: the mutated file is the second of two parts (--shard 2/2) of the sweep, merged with
the intact first: the merge must give the sweep's result (directly, or after a --resume of
the merged file where it exits 75 lacking trials), or refuse with exit 2, write no merged file
and leave the part byte-identical.
"""
import hashlib
import os
import random
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
GRID = ["--quiet", "--n", "16", "--act", "softplus,relu", "--k", "1:4", "--d", "1:4",
        "--max-iter", "300"]


def run(ovs, args, timeout=120):
    try:
        p = subprocess.run([ovs] + GRID + args, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stderr.strip().splitlines()[:1]
    except subprocess.TimeoutExpired:
        return "timeout", []


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def flip(path, rng, head):
    size = os.path.getsize(path)
    off = rng.randrange(min(size, 16384) if head else size)
    with open(path, "r+b") as fh:
        fh.seek(off)
        b = fh.read(1)
        fh.seek(off)
        fh.write(bytes([b[0] ^ (1 << rng.randrange(8))]))
    return f"flip byte {off}"


def edit_attr(path, rng):
    with h5py.File(path, "r+") as f:
        objs = [f] + [f[g] for g in ("n20_softplus", "n20_relu")]
        obj = rng.choice(objs)
        name = rng.choice(sorted(obj.attrs.keys()))
        old = obj.attrs[name]
        choice = rng.randrange(4)
        if choice == 0:
            new = rng.choice([0, 1, -1, 3, 7, 2 ** 31 - 1])
        elif choice == 1:
            new = rng.choice([0.0, 1e-3, float("nan"), 2.5])
        elif choice == 2:
            new = rng.choice(["", "relu", "gd,rf", "x" * 50])
        else:
            new = np.array([1, 2, 3], dtype=np.int32)
        obj.attrs[name] = new
    return f"attribute {obj.name}:{name} {old!r} -> {new!r}"


def reshape(path, rng):
    with h5py.File(path, "r+") as f:
        g = f[rng.choice(["n20_softplus", "n20_relu"])]
        name = rng.choice([n for n in g.keys() if n not in ("k", "d", "trial", "tol_ladder")])
        data = g[name][()]
        kind = rng.randrange(4)
        del g[name]
        if kind == 0:
            return f"deleted {g.name}/{name}"
        if kind == 1:
            g.create_dataset(name, data=np.concatenate([data, data], axis=-1))
            return f"enlarged {g.name}/{name}"
        if kind == 2 and data.shape[-1] > 1:
            g.create_dataset(name, data=data[..., :-1])
            return f"shrunk {g.name}/{name}"
        g.create_dataset(name, data=data.astype(np.float32 if data.dtype.kind == "i" else np.int16))
        return f"retyped {g.name}/{name}"


def mutate(i, rng):
    """Copy part.h5 to mut<i>.h5 and apply mutation i: returns (path, what, digest)."""
    path = f"mut{i}.h5"
    shutil.copy("part.h5", path)
    kind = i % 4
    try:
        what = (flip(path, rng, head=False) if kind == 0 else flip(path, rng, head=True)
                if kind == 1 else edit_attr(path, rng) if kind == 2 else reshape(path, rng))
    except (OSError, KeyError, ValueError, TypeError) as exc:
        what = f"mutation itself failed ({exc.__class__.__name__}); resumed as is"
    return path, what, digest(path)


def judge(ovs, path, what, before):
    """Resume the mutated file: identical to ref.h5, refused untouched, or other."""
    rc, err = run(ovs, ["--trials", "3", "--resume", "-o", path])
    if rc == 0 and subprocess.run(["sh", os.path.join(HERE, "h5same.sh"), "ref.h5", path],
                                  capture_output=True).returncode == 0:
        verdict = "identical"
    elif rc == 2 and digest(path) == before:
        verdict = "refused"
    else:
        verdict = "other"
    os.remove(path)
    return verdict, what, rc, err


def same(a, b):
    return subprocess.run(["sh", os.path.join(HERE, "h5same.sh"), a, b],
                          capture_output=True).returncode == 0


def judge_merge(ovs, path, what, before):
    """Merge the intact first part with the mutated second: the sweep's result (after a
    --resume where the merge lacks trials), or refused with nothing written."""
    out = path[:-3] + ".merged.h5"
    rc, err = run(ovs, ["--trials", "3", "--merge", f"first.h5,{path}", "-o", out])
    if rc == 75 and os.path.exists(out):
        rc, err = run(ovs, ["--trials", "3", "--resume", "-o", out])
    if rc == 0 and same("ref.h5", out):
        verdict = "identical"
    elif rc == 2 and digest(path) == before and not os.path.exists(out):
        verdict = "refused"
    else:
        verdict = "other"
    for f in (path, out):
        if os.path.exists(f):
            os.remove(f)
    return verdict, what, rc, err


def main():
    merge = "--merge" in sys.argv
    argv = [a for a in sys.argv if a != "--merge"]
    ovs, work, count = argv[1], argv[2], int(argv[3])
    seed = int(argv[4]) if len(argv) > 4 else 20261201
    os.makedirs(work, exist_ok=True)
    os.chdir(work)
    for f in ("ref.h5", "part.h5", "first.h5"):
        if os.path.exists(f):
            os.remove(f)
    assert run(ovs, ["--trials", "3", "-o", "ref.h5"])[0] == 0
    if merge:  # the mutated file: the second part; the first stays intact
        assert run(ovs, ["--trials", "3", "--shard", "1/2", "-o", "first.h5"])[0] == 0
        assert run(ovs, ["--trials", "3", "--shard", "2/2", "-o", "part.h5"])[0] == 0
    else:
        assert run(ovs, ["--trials", "2", "-o", "part.h5"])[0] == 0
    rng = random.Random(seed)
    # The mutations are made in order from one seeded stream; their resumes (each a
    # one-process run of about 0.5 s, two thirds of it idle in MPI start-up) run side by
    # side, one per core: 107 s -> 50 s for 200 on 2 cores.
    jobs = max(1, min(4, os.cpu_count() or 1))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        pending = [pool.submit(judge_merge if merge else judge, ovs, *mutate(i, rng))
                   for i in range(count)]
        verdicts = [p.result() for p in pending]
    counts = {"identical": 0, "refused": 0, "other": 0}
    for i, (verdict, what, rc, err) in enumerate(verdicts):
        counts[verdict] += 1
        if verdict == "other":
            print(f"OTHER #{i}: {what}: exit {rc} {err}")
    print(f"{counts['identical']} identical, {counts['refused']} refused, {counts['other']} other")
    sys.exit(1 if counts["other"] else 0)


if __name__ == "__main__":
    main()
