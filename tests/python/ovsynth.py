"""Write synthetic ovsweep sweep files (docs/HDF5_LAYOUT.md, format_version 1) with KNOWN outcome
probabilities, for the analysis tests. Written independently of analysis/ (only h5py + numpy).

Generative model per trial: a latent u ~ U(0,1); the trial reaches ladder rung j iff
u < P_j(k, d), where P_j is the success probability at tolerance tol_ladder[j], made
non-increasing along the (descending) ladder. Reached rungs get non-decreasing hit iterations in
[1, max_iter]; a trial that reaches the last rung (= tol) succeeds and stops there
(iterations == ladder_hit_iter[..., -1]); others run to max_iter, except a few that "diverge"
early (diverged = 1, stopped at once, counted as failure).
"""

import json
import math

import h5py
import numpy as np

LADDER = (1e-1, 5e-2, 1e-2, 5e-3, 2.5e-3)


def logistic_prob(midpoint=1.2, slope=6.0, effective=False):
    """P(success) = sigmoid(slope * log(count/n / midpoint)), count = kd (or 2*floor(k/2)*d)."""
    def prob(k, d, n, act, tol):
        count = (2 * (k // 2) if effective else k) * d
        if count <= 0:
            return 0.0
        z = slope * (math.log(count / n) - math.log(midpoint))
        return 1.0 / (1.0 + math.exp(-z))
    return prob


def kd_separate_prob(b1=9.0, b2=3.0, midpoint=1.2):
    """logit P = b1 log k + b2 log d - c: NOT a function of kd/n alone when b1 != b2."""
    def prob(k, d, n, act, tol):
        z = b1 * math.log(k) + b2 * math.log(d) - 0.5 * (b1 + b2) * math.log(midpoint * n)
        return 1.0 / (1.0 + math.exp(-z))
    return prob


def _string(value, kind):
    return np.bytes_(value.encode()) if kind == "fixed" and value else value


def write_sweep(path, *, groups=((100, "softplus"),), k=range(1, 26), d=range(1, 26), trials=10,
                max_iter=15000, tol=2.5e-3, ladder=LADDER, prob=None, done_mask=None,
                diverge_prob=0.02, seed=1, format_tag="ovsweep-sweep", string_kind="fixed",
                with_scales=True):
    """Write a sweep file. `prob(k, d, n, act, tol)` gives the success probability at a rung
    (default logistic_prob()); `done_mask(gi, ki, di, t)` -> bool says which trials are finished
    (default: all). Returns a dict of the true per-trial arrays for assertions."""
    prob = prob or logistic_prob()
    ladder = np.asarray(ladder, dtype=np.float64)
    assert ladder[-1] == tol and np.all(np.diff(ladder) < 0)
    k = np.asarray(list(k), dtype=np.int32)
    d = np.asarray(list(d), dtype=np.int32)
    K, D, T, L = len(k), len(d), trials, len(ladder)
    rng = np.random.default_rng(seed)
    names = [f"n{n}_{act}" for n, act in groups]
    truth = {}
    total_done = 0
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["ovsweep_format"] = _string(format_tag, string_kind)
        a["format_version"] = np.int32(1)
        a["protocol_version"] = np.int32(1)
        a["ovsweep_version"] = _string("0.0-synthetic", string_kind)
        a["git_commit"] = _string("synthetic", string_kind)
        a["command_line"] = _string("ovsynth.write_sweep", string_kind)
        cfg = {"n": [n for n, _ in groups], "act": [g for _, g in groups], "trials": trials,
               "max_iter": max_iter, "tol": tol, "seed": seed}
        a["config"] = _string(json.dumps(cfg), string_kind)
        a["seed"] = np.uint64(seed)
        a["n_values"] = np.asarray([n for n, _ in groups], dtype=np.int32)
        a["activations"] = _string(",".join(sorted({g for _, g in groups})), string_kind)
        a["k_values"] = k
        a["d_values"] = d
        a["trials"] = np.int32(trials)
        a["max_iter"] = np.int32(max_iter)
        a["tol"] = np.float64(tol)
        a["tol_ladder"] = ladder
        a["method"] = _string("gd", string_kind)
        a["groups"] = _string(",".join(names), string_kind)
        a["n_ranks"] = np.int32(2)
        a["start_time_utc"] = _string("2025-01-01T00:00:00Z", string_kind)
        a["checkpoint_time_utc"] = _string("2025-01-01T01:00:00Z", string_kind)
        a["hosts"] = _string("synth0,synth1", string_kind)
        a["mpi_library"] = _string("none", string_kind)
        a["hdf5_version"] = _string(h5py.version.hdf5_version, string_kind)
        a["openblas_config"] = _string("none", string_kind)
        for gi, ((n, act), name) in enumerate(zip(groups, names)):
            done = np.zeros((K, D, T), np.int8)
            success = np.zeros((K, D, T), np.int8)
            diverged = np.zeros((K, D, T), np.int8)
            iterations = np.full((K, D, T), -1, np.int32)
            final = np.full((K, D, T), np.nan)
            hits = np.full((K, D, T, L), -1, np.int32)
            for ki, kv in enumerate(k):
                for di, dv in enumerate(d):
                    p = np.array([prob(int(kv), int(dv), n, act, float(r)) for r in ladder])
                    p = np.maximum.accumulate(p[::-1])[::-1]     # non-increasing along ladder
                    for t in range(T):
                        u = rng.random()
                        reached = int(np.sum(u < p))   # rungs 0..reached-1 are reached
                        hit = np.sort(rng.integers(1, max_iter + 1, size=L))
                        is_div = reached < L and rng.random() < diverge_prob
                        if done_mask is not None and not done_mask(gi, ki, di, t):
                            continue
                        done[ki, di, t] = 1
                        if reached == L:
                            success[ki, di, t] = 1
                            hits[ki, di, t, :] = hit
                            iterations[ki, di, t] = hit[-1]
                            final[ki, di, t] = tol * (0.5 + 0.5 * rng.random())
                        elif is_div:
                            stop = int(rng.integers(1, max_iter))
                            hits[ki, di, t, :reached] = np.minimum(hit[:reached], stop)
                            diverged[ki, di, t] = 1
                            iterations[ki, di, t] = stop
                            final[ki, di, t] = np.inf
                        else:
                            hits[ki, di, t, :reached] = hit[:reached]
                            iterations[ki, di, t] = max_iter
                            hi = ladder[reached - 1] if reached else ladder[0] * 3
                            lo = ladder[reached]
                            final[ki, di, t] = lo + rng.random() * (hi - lo)
            tdone = done.sum(axis=2).astype(np.int32)
            scount = (success & done).sum(axis=2).astype(np.int32)
            with np.errstate(invalid="ignore", divide="ignore"):
                sprob = np.where(tdone > 0, scount / np.maximum(tdone, 1), np.nan)
            total_done += int(done.sum())
            g = f.create_group(name)
            gattrs = {"n": np.int32(n), "activation": _string(act, string_kind),
                      "eta": np.float64(0.15 if act == "softplus" else 0.1),
                      "max_iter": np.int32(max_iter), "tol": np.float64(tol)}
            for key, val in gattrs.items():
                g.attrs[key] = val
            scales = {"k": g.create_dataset("k", data=k),
                      "d": g.create_dataset("d", data=d),
                      "trial": g.create_dataset("trial", data=np.arange(T, dtype=np.int32)),
                      "tol_ladder": g.create_dataset("tol_ladder", data=ladder)}
            if with_scales:
                for nm, ds in scales.items():
                    ds.make_scale(nm)

            def put(nm, arr, dims, fill=None):
                kw = {} if fill is None else {"fillvalue": fill}
                ds = g.create_dataset(nm, data=arr, **kw)
                if with_scales:
                    for axis, dim in enumerate(dims):
                        ds.dims[axis].attach_scale(scales[dim])
                return ds

            sp = put("success_prob", sprob, ("k", "d"))
            for key, val in gattrs.items():
                sp.attrs[key] = val
            put("success_count", scount, ("k", "d"))
            put("trials_done", tdone, ("k", "d"))
            trial_dims = ("k", "d", "trial")
            put("done", done, trial_dims, 0)
            put("success", success, trial_dims, 0)
            put("diverged", diverged, trial_dims, 0)
            put("iterations", iterations, trial_dims, -1)
            put("final_rel_err", final, trial_dims, np.nan)
            for nm in ("dist_from_init", "path_length", "wall_seconds"):
                put(nm, np.where(done == 1, 1.0, np.nan), trial_dims, np.nan)
            put("ladder_hit_iter", hits, trial_dims + ("tol_ladder",), -1)
            truth[name] = {"done": done, "success": success, "hits": hits,
                           "success_count": scount, "trials_done": tdone}
        total = len(groups) * K * D * T
        a["complete"] = np.int32(1 if total_done == total else 0)
        a["trials_done"] = np.int64(total_done)
        a["trials_total"] = np.int64(total)
        a["finish_time_utc"] = _string("2025-01-01T02:00:00Z" if total_done == total else "",
                                       string_kind)
    return truth
