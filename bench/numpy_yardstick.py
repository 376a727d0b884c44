"""numpy_yardstick.py - the same GD step in straightforward NumPy float64, as the yardstick
for `make bench` (issue: >= 10x its per-iteration speed). One thread (OPENBLAS_NUM_THREADS=1
is set by bench/run_bench.sh). Prints one line per (activation, n, k, d): us/iter.

Times are CPU time of the thread (time.thread_time: the machine is shared).

Usage: numpy_yardstick.py [ITERS] (the four cells of `make bench`, ITERS updates per run), or
numpy_yardstick.py --seconds S N K D [N K D]... (the cells given, the updates per run set so
that the 3 runs of a cell take about S seconds; bench/scaling.sh)."""
import sys
import time

import numpy as np


def softplus(z):
    return np.logaddexp(0.0, z)


def sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def relu(z):
    return np.maximum(z, 0.0)


def relu_deriv(z):
    return (z >= 0).astype(np.float64)


ACTS = {"softplus": (softplus, sigmoid, 0.15), "relu": (relu, relu_deriv, 0.1)}


def bench(act, n, k, d, iters, reps=3):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    y = rng.standard_normal(n)
    v = np.zeros(k)
    h = k // 2
    v[:h] = np.linalg.norm(y) / np.sqrt(k * n)
    v[h:2 * h] = -v[:h]
    phi, dphi, eta = ACTS[act]
    best = 1e30
    for _ in range(reps):
        w = rng.standard_normal((k, d))
        t0 = time.thread_time()
        for _ in range(iters):
            z = x @ w.T                          # n x k
            r = phi(z) @ v - y                   # residual
            if not np.isfinite(np.linalg.norm(r)):
                break
            g = (dphi(z) * np.outer(r, v)).T @ x  # k x d
            w -= eta * g
        best = min(best, (time.thread_time() - t0) / iters)
    return best


def iters_for(act, n, k, d, seconds):
    """Updates per run so that 3 runs take about `seconds` (from a 2-update probe)."""
    probe = bench(act, n, k, d, 2, reps=1)
    return max(2, min(20000, int(seconds / 3 / probe)))


def main(argv):
    if argv[:1] == ["--seconds"]:
        seconds, nums = float(argv[1]), [int(a) for a in argv[2:]]
        cells = [tuple(nums[i:i + 3]) for i in range(0, len(nums) - 2, 3)]
    else:
        seconds, cells = None, ((100, 10, 10), (200, 25, 25), (200, 8, 25), (100, 25, 4))
    for act in ("softplus", "relu"):
        for n, k, d in cells:
            iters = iters_for(act, n, k, d, seconds) if seconds else int(argv[0]) if argv else 1000
            print(f"numpy {act} {n} {k} {d} {bench(act, n, k, d, iters) * 1e6:.2f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
