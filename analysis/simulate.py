"""Simulate ovsweep's dispatcher (src/sweep.c) at other rank counts from measured trial times.

Input: a finished sweep file; each trial's `wall_seconds` is its measured duration. The
simulation replays the dispatch policy of src/sweep.c and src/plan.c exactly:
  * items in longest-expected-first order of the cost model
    the cost model of src/method.c (gd: max_iter * (4 n k d + 20 n k + 2000); sgd and rf: see
    trial_cost), ties by item number; cells outside --kd-band (planned = 0) are not items;
  * rank 0 trains one item at a time from the head of the queue and serves requests;
  * a worker that asks for work gets a chunk: items in queue order while the chunk holds fewer
    than CHUNK_MAX items and its cost stays within min(CHUNK_COST, cost_left / (2 ranks)) (at
    least one item);
  * every `checkpoint_every` seconds no chunk is handed out; once every rank is idle all write
    a checkpoint (`checkpoint_seconds`) and the run continues.
Each request costs rank 0 `service_seconds` (MPI_Iprobe + Recv + Send of a few int64s).
Outputs: makespan, ideal time (total work / ranks), parallel efficiency, rank 0's share of
coordination. Durations measured under one run's conditions are assumed to hold at scale.
"""

import heapq
from dataclasses import dataclass
from typing import List

import numpy as np

from .errors import AnalysisError

# Keep in sync with src/sweep.c (tests/python/test_simulate.py checks it).
CHUNK_MAX = 64
CHUNK_COST = 1.6e10


@dataclass
class SimResult:
    ranks: int
    makespan: float
    ideal: float
    efficiency: float
    requests: int
    rank0_coordination: float  # fraction of rank 0's time spent serving requests
    checkpoints: int


def trial_cost(method: str, n: int, kk: np.ndarray, dd: np.ndarray, max_iter: int) -> np.ndarray:
    """The scheduler's cost estimate of a full-budget trial: ovs_method_cost in src/method.c."""
    nk = n * kk
    if method == "sgd":  # per epoch: n single-sample steps and one full evaluation
        return max_iter * (n * (4.0 * kk * dd + 20.0 * kk + 100.0) + 2.0 * nk * dd)
    if method == "rf":  # forming Phi, then an SVD-based least squares
        return 2.0 * nk * dd + 12.0 * nk * np.minimum(n, kk) + 1e4
    return max_iter * (4.0 * nk * dd + 20.0 * nk + 2000.0)


def items_from_sweep(sweep):
    """(cost, duration) of every planned trial in item order (group-major, then k, d, trial)."""
    if sweep.design == "adaptive":
        raise AnalysisError(f"{sweep.path}: simulate replays the grid dispatcher; an adaptive "
                            "file's trials were chosen round by round, not dispatched as a grid")
    costs, durations = [], []
    for g in sweep.groups:
        planned = np.repeat(g.planned[:, :, None], g.done.shape[2], axis=2)
        if not g.done[planned].all():
            raise AnalysisError(f"{sweep.path}: simulate needs a finished sweep "
                                f"({g.name} has trials not done)")
        wall = g.trial_data.get("wall_seconds")
        if wall is None:
            raise AnalysisError(f"{sweep.path}: {g.name} has no wall_seconds")
        kk, dd = np.meshgrid(g.k.astype(float), g.d.astype(float), indexing="ij")
        cost = trial_cost(g.method, g.n, kk, dd, g.max_iter)
        T = wall.shape[2]
        costs.append(np.repeat(cost[:, :, None], T, axis=2)[planned])
        durations.append(wall[planned])
    return np.concatenate(costs), np.concatenate(durations)


def simulate(costs: np.ndarray, durations: np.ndarray, ranks: int,
             checkpoint_every: float = 60.0, checkpoint_seconds: float = 0.2,
             service_seconds: float = 10e-6) -> SimResult:
    if ranks < 1:
        raise AnalysisError("ranks must be >= 1")
    order = sorted(range(len(costs)), key=lambda i: (-costs[i], i))
    qpos, cost_left = 0, float(costs.sum())
    free = [(0.0, r) for r in range(ranks)]  # (time the rank asks for work, rank)
    heapq.heapify(free)
    parked: List[float] = []
    next_ckpt, checkpoints, requests, busy0_service = checkpoint_every, 0, 0, 0.0
    end = 0.0
    while free or parked:
        if not free:  # everyone idle: a checkpoint, then go on (or stop when nothing is left)
            t = max(parked) + checkpoint_seconds
            checkpoints += 1
            end = max(end, t)
            if qpos == len(order):
                break
            free = [(t, r) for r in range(ranks)]
            heapq.heapify(free)
            parked, next_ckpt = [], t + checkpoint_every
            continue
        t, r = heapq.heappop(free)
        if qpos == len(order) or t >= next_ckpt:
            parked.append(t)
            continue
        if r == 0:
            i = order[qpos]
            qpos += 1
            cost_left -= costs[i]
            heapq.heappush(free, (t + durations[i], 0))
            continue
        requests += 1
        busy0_service += service_seconds
        bound = min(CHUNK_COST, cost_left / (2.0 * ranks))
        m, chunk_cost, chunk_time = 0, 0.0, 0.0
        while m < CHUNK_MAX and qpos < len(order):
            c = costs[order[qpos]]
            if m > 0 and chunk_cost + c > bound:
                break
            chunk_cost += c
            chunk_time += durations[order[qpos]]
            qpos += 1
            m += 1
        cost_left -= chunk_cost
        heapq.heappush(free, (t + service_seconds + chunk_time, r))
    total = float(durations.sum())
    ideal = total / ranks
    makespan = max(end, 1e-300)
    return SimResult(ranks=ranks, makespan=makespan, ideal=ideal, efficiency=ideal / makespan,
                     requests=requests, rank0_coordination=busy0_service / makespan,
                     checkpoints=checkpoints)


def format_table(results: List[SimResult], total: float) -> str:
    lines = [f"total measured work: {total:.1f} core-seconds",
             f"{'ranks':>6} {'makespan s':>11} {'ideal s':>9} {'efficiency':>10} "
             f"{'requests':>9} {'rank0 coord.':>12} {'checkpoints':>11}"]
    for r in results:
        lines.append(f"{r.ranks:>6} {r.makespan:>11.2f} {r.ideal:>9.2f} {r.efficiency:>10.1%} "
                     f"{r.requests:>9} {r.rank0_coordination:>12.3%} {r.checkpoints:>11}")
    return "\n".join(lines)
