#!/usr/bin/python3
"""tree_rss.py CMD ARGS...: run CMD and print the peak of its resident memory together with
its children's (VmRSS from /proc, sampled every 5 ms), as a cgroup's memory limit counts a
process and the child it forks, and the children's peak alone. /usr/bin/time's %M reports
the larger single process instead. Used in docs/BENCHMARKS.md (round 25) for rank 0 and the
child that reads the output back. A child shorter than the sampling period may be missed."""
import subprocess
import sys
import time


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tree = kids = 0
    while proc.poll() is None:
        k = sum(rss_kb(c) for c in children(proc.pid))
        tree = max(tree, rss_kb(proc.pid) + k)
        kids = max(kids, k)
        time.sleep(0.005)
    print(f"tree peak {tree} KB, children's peak {kids} KB, exit {proc.returncode}")


if __name__ == "__main__":
    main()
