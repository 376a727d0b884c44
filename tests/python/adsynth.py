"""Derive a synthetic ADAPTIVE ovsweep file (design = "adaptive", issue 15) from a synthetic grid
file written by ovsynth: same groups and trial datasets, but only the trials the "design" chose
are done (the t-th training of a cell is trial t of the grid's cell, as in the engine), cells it
never visited have planned = 0, and the per-row results and per-round history are written as
given. Written independently of analysis/ (only h5py + numpy).

visits[name] is an int array [K, D]: how many trainings the design gave each cell (0 = never
visited). rows[name] is a dict with any of midpoint, ci_low, ci_high, width, trainings, status
(names from STATUS) as length-D sequences; history[name] is (trainings [R], ci_low [R, D],
ci_high [R, D]).
"""

import shutil

import h5py
import numpy as np

STATUS = ("active", "converged", "bracketed", "all_succeed", "all_fail", "cells_full", "budget")


def _put(g, name, arr):
    if name in g:
        del g[name]
    g[name] = arr


def _group(g, vis, row, hist, zero_unvisited_prob):
    done = g["done"][()].astype(bool)
    K, D, T = done.shape
    tt = np.arange(T)[None, None, :]
    done = done & (tt < vis[:, :, None])
    succ = g["success"][()].astype(bool) & done
    tdone = done.sum(axis=2).astype(np.int32)
    scount = succ.sum(axis=2).astype(np.int32)
    with np.errstate(invalid="ignore", divide="ignore"):
        prob = np.where(tdone > 0, scount / np.maximum(tdone, 1), np.nan)
    if zero_unvisited_prob:     # a writer that stores 0 where it means "not run"
        prob = np.where(tdone > 0, prob, 0.0)
    _put(g, "done", done.astype(np.int8))
    _put(g, "trials_done", tdone)
    _put(g, "success_count", scount)
    _put(g, "success_prob", prob)
    _put(g, "planned", (vis > 0).astype(np.int8))
    nan = np.full(D, np.nan)
    _put(g, "row_midpoint", np.asarray(row.get("midpoint", nan), float))
    _put(g, "row_ci_low", np.asarray(row.get("ci_low", nan), float))
    _put(g, "row_ci_high", np.asarray(row.get("ci_high", nan), float))
    _put(g, "row_width", np.asarray(row.get("width", nan), float))
    _put(g, "row_trainings", np.asarray(row.get("trainings", tdone.sum(axis=0)), np.int32))
    codes = [STATUS.index(s) for s in row.get("status", ["converged"] * D)]
    _put(g, "row_status", np.asarray(codes, np.int8))
    g["row_status"].attrs["flag_values"] = np.arange(len(STATUS), dtype=np.int8)
    g["row_status"].attrs["flag_meanings"] = " ".join(STATUS)
    if hist is not None:
        ht, lo, hi = hist
        _put(g, "history_trainings", np.asarray(ht, np.int32))
        _put(g, "history_ci_low", np.asarray(lo, float))
        _put(g, "history_ci_high", np.asarray(hi, float))
        g.attrs["design_rounds"] = np.int32(len(ht))
    return int(done.sum())


def write_adaptive(grid_path, path, visits, rows=None, history=None, batch=16,
                   target_ci=0.03, max_trainings=0, zero_unvisited_prob=False, settings=None):
    """Copy grid_path to path and turn it into an adaptive file (see the module docstring).
    settings: extra root attributes to overwrite (e.g. another seed). Returns path."""
    shutil.copyfile(grid_path, path)
    rows, history = rows or {}, history or {}
    with h5py.File(path, "r+") as f:
        names = f.attrs["groups"]
        names = (names.decode() if isinstance(names, bytes) else names).split(",")
        total = 0
        for name in names:
            vis = np.asarray(visits[name], int)
            total += _group(f[name], vis, rows.get(name, {}), history.get(name),
                            zero_unvisited_prob)
        f.attrs["design"] = "adaptive"
        f.attrs["batch"] = np.int32(batch)
        f.attrs["target_ci"] = np.float64(target_ci)
        f.attrs["max_trainings"] = np.int64(max_trainings)
        f.attrs["trials_done"] = np.int64(total)
        f.attrs["trials_total"] = np.int64(total)
        f.attrs["complete"] = np.int32(1)
        for key, value in (settings or {}).items():
            f.attrs[key] = value
    return path
