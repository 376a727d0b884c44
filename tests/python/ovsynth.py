"""Write synthetic ovsweep sweep files (docs/HDF5_LAYOUT.md, format_version 1) with KNOWN outcome
probabilities, for the analysis tests. Written independently of analysis/ (only h5py + numpy).

Generative model per trial: a latent u ~ U(0,1); the trial reaches ladder rung j iff
u < P_j(k, d), where P_j is the success probability at tolerance tol_ladder[j], made
non-increasing along the (descending) ladder. Reached rungs get non-decreasing hit iterations in
[1, max_iter]; a trial that reaches the last rung (= tol) succeeds and stops there
(iterations == ladder_hit_iter[..., -1]); others run to max_iter, except a few that "diverge"
early (diverged = 1, stopped at once, counted as failure).

The extended layout (several methods, planned cells, data/labels/kd_band/diagnostics root
attributes, per-trial diagnostics) is written only with new_layout=True, so the default output is
an "old" file that lacks all of it. Groups are (n, act) or (n, act, method); method rf uses
`rf_prob(k, n)` (default: logistic in log(k/n), midpoint 1) and has iterations = 0 and
ladder_hit_iter 0 for reached rungs. With rate_c, successful gd/sgd trials converge
geometrically: rate r = rate_c * d/n (times lognormal noise), initial_rel_err e0, hit of rung j
at ceil(log(e0/tol_j)/r), final_rel_err = e0 exp(-r * iterations).
"""

import json
import math

import h5py
import numpy as np

LADDER = (1e-1, 5e-2, 1e-2, 5e-3, 2.5e-3)
# The root attribute `history` of a synthetic file: two runs, as the engine writes them.
SYNTH_HISTORY = ("2025-01-01T00:00:00Z ovsweep 0.1.0 (git synth; gcc 12.2.0; kernels x86-64-v3) "
                 "on 2 ranks of synth0,synth1, a new file: ovsynth.write_sweep\n"
                 "2025-01-01T00:30:00Z ovsweep 0.1.0 (git synth; gcc 12.2.0; kernels x86-64-v3) "
                 "on 2 ranks of synth0,synth1, resuming with 10 trials done: ovsynth.write_sweep")


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


def rf_logistic(midpoint=1.0, slope=6.0):
    """P(success) of random features = sigmoid(slope * log(k/n / midpoint)), independent of d."""
    def prob(k, n):
        z = slope * (math.log(k / n) - math.log(midpoint))
        return 1.0 / (1.0 + math.exp(-z))
    return prob


def _string(value, kind):
    return np.bytes_(value.encode()) if kind == "fixed" and value else value


def write_sweep(path, *, groups=((100, "softplus"),), k=range(1, 26), d=range(1, 26), trials=10,
                max_iter=15000, tol=2.5e-3, ladder=LADDER, prob=None, done_mask=None,
                diverge_prob=0.02, seed=1, format_tag="ovsweep-sweep", string_kind="fixed",
                with_scales=True, new_layout=False, kd_band=None, diagnostics=False,
                data="sphere", data_delta=float("nan"), labels="gaussian", rf_prob=None,
                rate_c=None, rate_noise=0.1, dist_c=None, diag_fields=None, hit_last=None):
    """Write a sweep file. `prob(k, d, n, act, tol)` gives the success probability at a rung
    (default logistic_prob()); `done_mask(gi, ki, di, t)` -> bool says which trials are finished
    (default: all). new_layout writes the extended layout: kd_band=(lo, hi) marks cells with
    kd/n outside [lo, hi] as not planned (never run); diagnostics=True writes the per-trial
    diagnostics (diag_fields: which of them, default all). hit_last(k, d, n, max_iter) -> the update
    at which a successful gd trial reaches the last rung (= tol), so that the success at a smaller
    budget is planted too (earlier rungs are reached no later). Returns a dict of the true
    per-trial arrays for assertions."""
    prob = prob or logistic_prob()
    rf_prob = rf_prob or rf_logistic()
    groups = [tuple(g) if len(g) == 3 else (g[0], g[1], "gd") for g in groups]
    diag_fields = DIAG_FIELDS if diag_fields is None else tuple(diag_fields)
    ladder = np.asarray(ladder, dtype=np.float64)
    assert ladder[-1] == tol and np.all(np.diff(ladder) < 0)
    k = np.asarray(list(k), dtype=np.int32)
    d = np.asarray(list(d), dtype=np.int32)
    K, D, T, L = len(k), len(d), trials, len(ladder)
    rng = np.random.default_rng(seed)
    names = [f"n{n}_{act}" if m == "gd" else f"n{n}_{act}_{m}" for n, act, m in groups]
    methods = []
    for _, _, m in groups:
        if m not in methods:
            methods.append(m)
    truth = {}
    total_done = 0
    total_planned = 0
    with h5py.File(path, "w") as f:
        a = f.attrs
        a["ovsweep_format"] = _string(format_tag, string_kind)
        a["format_version"] = np.int32(1)
        a["protocol_version"] = np.int32(1)
        a["ovsweep_version"] = _string("0.0-synthetic", string_kind)
        a["git_commit"] = _string("synthetic", string_kind)
        a["command_line"] = _string("ovsynth.write_sweep", string_kind)
        cfg = {"n": [n for n, _, _ in groups], "act": [g for _, g, _ in groups], "trials": trials,
               "max_iter": max_iter, "tol": tol, "seed": seed}
        a["config"] = _string(json.dumps(cfg), string_kind)
        a["seed"] = np.uint64(seed)
        a["n_values"] = np.asarray([n for n, _, _ in groups], dtype=np.int32)
        a["activations"] = _string(",".join(sorted({g for _, g, _ in groups})), string_kind)
        a["k_values"] = k
        a["d_values"] = d
        a["trials"] = np.int32(trials)
        a["max_iter"] = np.int32(max_iter)
        a["tol"] = np.float64(tol)
        a["tol_ladder"] = ladder
        a["method"] = _string(",".join(methods) if new_layout else "gd", string_kind)
        if new_layout:
            a["data"] = _string(data, string_kind)
            a["data_delta"] = np.float64(data_delta)
            a["labels"] = _string(labels, string_kind)
            band = (0.0, float("inf")) if kd_band is None else kd_band
            a["kd_band"] = np.asarray(band, dtype=np.float64)
            a["diagnostics"] = np.int32(1 if diagnostics else 0)
        a["groups"] = _string(",".join(names), string_kind)
        a["n_ranks"] = np.int32(2)
        a["start_time_utc"] = _string("2025-01-01T00:00:00Z", string_kind)
        a["checkpoint_time_utc"] = _string("2025-01-01T01:00:00Z", string_kind)
        a["hosts"] = _string("synth0,synth1", string_kind)
        a["history"] = _string(SYNTH_HISTORY, string_kind)
        a["mpi_library"] = _string("none", string_kind)
        a["hdf5_version"] = _string(h5py.version.hdf5_version, string_kind)
        a["openblas_config"] = _string("none", string_kind)
        for gi, ((n, act, method), name) in enumerate(zip(groups, names)):
            planned = np.ones((K, D), np.int8)
            if kd_band is not None:
                ratio = np.outer(k, d) / n
                planned = ((ratio >= kd_band[0]) & (ratio <= kd_band[1])).astype(np.int8)
            diag = {nm: np.full((K, D, T), np.nan) for nm in DIAG_FIELDS}
            dist = np.full((K, D, T), np.nan)
            done = np.zeros((K, D, T), np.int8)
            success = np.zeros((K, D, T), np.int8)
            diverged = np.zeros((K, D, T), np.int8)
            iterations = np.full((K, D, T), -1, np.int32)
            final = np.full((K, D, T), np.nan)
            hits = np.full((K, D, T, L), -1, np.int32)
            for ki, kv in enumerate(k):
                for di, dv in enumerate(d):
                    if method == "rf":
                        p = np.full(L, rf_prob(int(kv), n))
                    else:
                        p = np.array([prob(int(kv), int(dv), n, act, float(r)) for r in ladder])
                    p = np.maximum.accumulate(p[::-1])[::-1]     # non-increasing along ladder
                    for t in range(T):
                        u = rng.random()
                        reached = int(np.sum(u < p))   # rungs 0..reached-1 are reached
                        hit = np.sort(rng.integers(1, max_iter + 1, size=L))
                        is_div = reached < L and rng.random() < diverge_prob and method != "rf"
                        e0 = float(np.exp(0.05 * rng.standard_normal()))
                        r_noise = float(np.exp(rate_noise * rng.standard_normal()))
                        dnoise = rng.random(4)
                        if done_mask is not None and not done_mask(gi, ki, di, t):
                            continue
                        if not planned[ki, di]:
                            continue
                        done[ki, di, t] = 1
                        if diagnostics:
                            _fill_diag(diag, ki, di, t, n, int(kv), int(dv), e0, dnoise, data)
                        if method == "rf":
                            hit = np.zeros(L, dtype=np.int64)
                        elif hit_last is not None and reached == L:
                            h = int(min(max(1, hit_last(int(kv), int(dv), n, max_iter)),
                                        max_iter))
                            hit = np.minimum(hit, h)
                            hit[-1] = h
                        elif rate_c is not None and reached == L:
                            r = rate_c * dv / n * r_noise
                            hit = np.maximum(1, np.ceil(np.log(e0 / ladder) / r)).astype(np.int64)
                            hit = np.minimum(np.maximum.accumulate(hit), max_iter)
                        if method != "rf":
                            dist[ki, di, t] = (1.0 if dist_c is None else
                                               dist_c * math.sqrt(n) * (0.9 + 0.2 * dnoise[3]))
                        else:
                            dist[ki, di, t] = 0.0
                        if reached == L:
                            success[ki, di, t] = 1
                            hits[ki, di, t, :] = hit
                            iterations[ki, di, t] = hit[-1]
                            final[ki, di, t] = tol * (0.5 + 0.5 * rng.random())
                            if rate_c is not None and hit_last is None and method != "rf":
                                final[ki, di, t] = e0 * math.exp(-r * hit[-1])
                        elif method == "rf":
                            hits[ki, di, t, :reached] = 0
                            iterations[ki, di, t] = 0
                            final[ki, di, t] = ladder[reached] * 1.5
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
            total_planned += int(planned.sum()) * T
            g = f.create_group(name)
            gattrs = {"n": np.int32(n), "activation": _string(act, string_kind),
                      "eta": np.float64(0.15 if act == "softplus" else 0.1),
                      "max_iter": np.int32(max_iter), "tol": np.float64(tol)}
            if new_layout:
                gattrs["method"] = _string(method, string_kind)
                gattrs["iteration_unit"] = _string(UNITS[method], string_kind)
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
            put("dist_from_init", dist, trial_dims, np.nan)
            for nm in ("path_length", "wall_seconds"):
                put(nm, np.where(done == 1, 1.0, np.nan), trial_dims, np.nan)
            if new_layout:
                put("planned", planned, ("k", "d"))
                if diagnostics:
                    for nm in diag_fields:
                        put(nm, diag[nm], trial_dims, np.nan)
            put("ladder_hit_iter", hits, trial_dims + ("tol_ladder",), -1)
            truth[name] = {"done": done, "success": success, "hits": hits,
                           "success_count": scount, "trials_done": tdone, "planned": planned,
                           "diag": diag}
        total = total_planned
        a["complete"] = np.int32(1 if total_done == total else 0)
        a["trials_done"] = np.int64(total_done)
        a["trials_total"] = np.int64(total)
        a["finish_time_utc"] = _string("2025-01-01T02:00:00Z" if total_done == total else "",
                                       string_kind)
    return truth


UNITS = {"gd": "update", "sgd": "epoch", "rf": "none"}
DIAG_FIELDS = ("x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err")


def _fill_diag(diag, ki, di, t, n, k, d, e0, u, data):
    """Plausible diagnostics: ||X|| ~ sqrt(n/d) (+1 on the sphere), sigma_min(X*X) = 0 exactly
    when n > d(d+1)/2, lambda(X) ~ sigma_min(X*X)^2 / 10, sigma_min(J(W0)) = 0 when kd < n."""
    base = math.sqrt(n / d) + (1.0 if data == "sphere" else 0.0)
    diag["x_norm"][ki, di, t] = base * (0.97 + 0.06 * u[0])
    kr = 0.0 if d * (d + 1) // 2 < n else 0.2 + 0.3 * u[1]
    diag["kr_sigma_min"][ki, di, t] = kr
    diag["nn_lambda"][ki, di, t] = 0.1 * kr * kr + 0.01 * u[2]
    diag["jac_sigma_min"][ki, di, t] = 0.0 if k * d < n else math.sqrt(k) * (
        1.0 - math.sqrt(n / (k * d))) * (0.5 + u[2])
    diag["initial_rel_err"][ki, di, t] = e0
