"""Load an ovsweep sweep file (docs/HDF5_LAYOUT.md) into plain numpy structures.

Read-only: the file is opened with mode "r" and closed before returning; everything the analysis
needs is copied into memory (a 25 x 25 x 10 x L grid is small).

Strings may be stored as fixed-length or variable-length HDF5 strings; both are decoded to str.
"""

import json
import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

import numpy as np

# Reading a file on NFS/Lustre with HDF5 1.10 can fail on file locking; reading never needs it.
os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
import h5py  # noqa: E402

from .errors import AnalysisError  # noqa: E402

FORMAT_TAG = "ovsweep-sweep"
SUPPORTED_FORMAT_VERSIONS = (1,)

CELL_DATASETS = ("success_prob", "success_count", "trials_done")
TRIAL_DATASETS_REQUIRED = ("done", "success")
TRIAL_DATASETS_OPTIONAL = ("diverged", "early_stopped", "iterations", "final_rel_err",
                           "dist_from_init", "path_length", "wall_seconds")
# Per-trial step size, lambda_max(J(W0) J(W0)^T) and the products with J J^T that found it
# (since round 45; 0: not recorded), written when a group's eta rule is auto:C (group
# attribute eta_auto = C; the group's eta attribute is then NaN).
ETA_AUTO_DATASETS = ("eta", "lambda_max", "lambda_products")
# Per-trial float64 diagnostics written when the root attribute diagnostics = 1 (NaN = not run).
DIAGNOSTIC_DATASETS = ("x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err")
# Per-row results of the adaptive design (root attribute design = "adaptive"), one value per d.
ROW_DATASETS = ("row_midpoint", "row_ci_low", "row_ci_high", "row_width", "row_trainings",
                "row_status")
HISTORY_DATASETS = ("history_trainings", "history_ci_low", "history_ci_high")
ROW_STATUS_NAMES = ("active", "converged", "bracketed", "all_succeed", "all_fail", "cells_full",
                    "budget")

METHODS = ("gd", "sgd", "rf")
ITERATION_UNITS = {"gd": "update", "sgd": "epoch", "rf": "none"}
# The engine's settings table (`ovsweep --print-settings`, kept in analysis/settings.json and
# checked against the binary by the tests): one row per option with its file attribute and
# the value an older file that lacks the attribute is read as.
SETTINGS_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "settings.json")


def _absent_value(row):
    """A row's `absent` text (command-line form) as the attribute's value."""
    text, kind = row["absent"], row["kind"]
    if kind == "band":
        lo, hi = text.split(":")
        return (float(lo), float(hi))
    if kind == "shard":
        part, parts = text.split("/")
        return (int(part), int(parts))
    if kind == "real":
        return float(text)
    if kind == "flag":
        return 1 if text == "on" else 0
    if kind in ("int", "count"):
        return int(text)
    return text


def _load_settings():
    with open(SETTINGS_PATH) as fh:
        return json.load(fh)


SETTINGS = _load_settings()
# Root attributes added after format_version 1 was first written, with the value an older file
# (which lacks them) is read as; derived from the settings table, never typed by hand.
ROOT_DEFAULTS = {row["attribute"]: _absent_value(row) for row in SETTINGS
                 if row["attribute"] and row["stored_in"] == "root" and row["absent"] is not None}


def decode(value):
    """HDF5 attribute value -> plain Python (str for strings, list/ndarray for arrays)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in ("S", "O", "U"):
            return [decode(v) for v in value.tolist()]
        if value.ndim == 0:
            return value.item()
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def same_setting(va, vb) -> bool:
    """Whether two files' values of a setting agree: equal, element by element for arrays, NaN
    equal to NaN (a group under the step rule auto:C stores eta NaN and its C in eta_auto)."""
    xa, xb = np.asarray(va), np.asarray(vb)
    if xa.dtype.kind in "fc" or xb.dtype.kind in "fc":
        try:
            return xa.shape == xb.shape and bool(np.all((xa == xb) | (np.isnan(xa.astype(float))
                                                                   & np.isnan(xb.astype(float)))))
        except (TypeError, ValueError):
            return False
    return xa.shape == xb.shape and bool(np.all(xa == xb))


# The grid's axes, whose values a sweep keeps in the order given (--k 8,5 and --k 5,8 run the
# same trials: each trial's result depends only on its coordinates), so two files of one grid
# are compared by value.
AXES = ("k_values", "d_values")


def same_axes(va, vb) -> bool:
    """Whether two files' values of a grid axis (AXES) are the same values, in any order."""
    if va is None or vb is None:
        return va is None and vb is None
    return same_setting(np.sort(np.asarray(va)), np.sort(np.asarray(vb)))


def cells_in_order_of(ga, gb):
    """A function giving an array over gb's (k, d, ...) cells in ga's order of k and d (the
    same values in both: same_axes); None passes through."""
    pk = [int(np.nonzero(np.asarray(gb.k) == k)[0][0]) for k in ga.k]
    pd = [int(np.nonzero(np.asarray(gb.d) == d)[0][0]) for d in ga.d]
    return lambda arr: None if arr is None else np.asarray(arr)[np.ix_(pk, pd)]


@dataclass
class Group:
    """One (n, activation, method) group. Cell arrays are [K, D]; trial arrays [K, D, T];
    ladder_hit_iter is [K, D, T, L] (None if absent). `planned` [K, D] is False for cells
    deliberately not run (outside the kd band); their `done` is forced False. `trial_data` holds
    the optional per-trial datasets, including the diagnostics when the file has them."""
    name: str
    n: int
    activation: str
    eta: float
    max_iter: int
    tol: float
    k: np.ndarray
    d: np.ndarray
    trial: np.ndarray
    tol_ladder: np.ndarray
    success_prob: np.ndarray
    success_count: np.ndarray
    trials_done: np.ndarray
    done: np.ndarray
    success: np.ndarray
    ladder_hit_iter: Optional[np.ndarray]
    trial_data: Dict[str, np.ndarray] = field(default_factory=dict)
    method: str = "gd"
    iteration_unit: str = "update"
    planned: Optional[np.ndarray] = None
    design: Optional["Design"] = None
    eta_auto: float = 0.0  # C of the rule eta = C / lambda_max (per trial); 0: fixed eta

    @property
    def eta_rule(self) -> str:
        """'fixed' or 'auto:C' (the step-size rule of --eta)."""
        return f"auto:{self.eta_auto:g}" if self.eta_auto > 0 else "fixed"

    def __post_init__(self):
        if self.planned is None:
            self.planned = np.ones((len(self.k), len(self.d)), dtype=bool)

    @property
    def label(self) -> str:
        base = f"n={self.n}, {self.activation}"
        return base if self.method == "gd" else f"{base}, {self.method}"

    @property
    def has_diagnostics(self) -> bool:
        return all(nm in self.trial_data for nm in DIAGNOSTIC_DATASETS)

    @property
    def n_unplanned(self) -> int:
        return int((~self.planned).sum())

    @property
    def adaptive(self) -> bool:
        return self.design is not None

    @property
    def not_run_reason(self) -> str:
        """Why a cell with planned = 0 has no trials."""
        return "not visited by the adaptive design" if self.adaptive else "outside the kd band"

    @property
    def trials_planned(self) -> int:
        """Trials the file means to hold: every trial of every planned cell on a grid; on an
        adaptive file the design decides as it goes, so the trials it ran."""
        if self.adaptive:
            return int(self.done.sum())
        return int(self.planned.sum()) * int(self.done.shape[2])

    @property
    def kd(self) -> np.ndarray:
        """Parameter count k*d per cell, [K, D]."""
        return np.outer(self.k, self.d).astype(float)

    @property
    def kd_effective(self) -> np.ndarray:
        """Effective parameter count 2*floor(k/2)*d per cell (odd k has one zero output weight)."""
        return np.outer(2 * (self.k // 2), self.d).astype(float)


@dataclass
class Design:
    """The adaptive design's per-row results of one group (docs/HDF5_LAYOUT.md): arrays [D] in
    kd/n (midpoint and width NaN, interval one-sided, for a row without a transition inside k),
    status names, and the per-round history (trainings [R], interval ends [R, D])."""
    midpoint: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    width: np.ndarray
    trainings: np.ndarray
    status: List[str]
    rounds: int
    history_trainings: np.ndarray
    history_ci_low: np.ndarray
    history_ci_high: np.ndarray


@dataclass
class Sweep:
    path: str
    attrs: Dict[str, object]
    groups: List[Group]

    @property
    def complete(self) -> bool:
        return bool(int(self.attrs.get("complete", 0)))

    @property
    def trials_done(self) -> int:
        if "trials_done" in self.attrs:
            return int(self.attrs["trials_done"])
        return int(sum(int(g.done.sum()) for g in self.groups))

    @property
    def trials_total(self) -> int:
        if "trials_total" in self.attrs:
            return int(self.attrs["trials_total"])
        return int(sum(g.done.size for g in self.groups))

    def attr(self, key: str):
        """Root attribute `key`, or its default for files written before it existed."""
        return self.attrs.get(key, ROOT_DEFAULTS.get(key))

    @property
    def design(self) -> str:
        return str(self.attr("design"))

    @property
    def methods(self) -> List[str]:
        raw = self.attr("method")
        return [m.strip() for m in str(raw).split(",") if m.strip()] or ["gd"]

    @property
    def shard(self) -> tuple:
        """(I, N): the file holds part I of N of the sweep's cells (--shard); (1, 1): all."""
        part = [int(x) for x in np.asarray(self.attr("shard")).ravel()]
        return (part[0], part[1]) if len(part) == 2 else (1, 1)

    @property
    def data(self) -> str:
        return str(self.attr("data"))

    @property
    def labels(self) -> str:
        return str(self.attr("labels"))

    @property
    def data_delta(self) -> float:
        return float(self.attr("data_delta"))

    @property
    def kd_band(self):
        band = np.asarray(self.attr("kd_band"), dtype=float).ravel()
        if band.size != 2:
            return (0.0, float("inf"))
        return (float(band[0]), float(band[1]))

    @property
    def diagnostics(self) -> bool:
        return bool(int(self.attr("diagnostics")))

    @property
    def config(self) -> Optional[dict]:
        raw = self.attrs.get("config")
        if not isinstance(raw, str) or not raw.strip():
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None

    def status_line(self) -> str:
        part = (f", part {self.shard[0]} of {self.shard[1]} of a sweep (--shard): its other "
                "cells are in the other parts' files" if self.shard != (1, 1) else "")
        if self.complete:
            return f"complete ({self.trials_done}/{self.trials_total} trials{part})"
        return f"PARTIAL: {self.trials_done}/{self.trials_total} trials done{part}"


def check_ovsweep_file(path: str) -> None:
    """Raise AnalysisError (one line) unless `path` is an ovsweep sweep file."""
    if not os.path.exists(path):
        raise AnalysisError(f"{path}: no such file")
    if os.path.isdir(path):
        raise AnalysisError(f"{path}: is a directory, not an ovsweep HDF5 file")
    try:
        is_h5 = h5py.is_hdf5(path)
    except OSError as exc:
        raise AnalysisError(f"{path}: cannot read: {exc}") from None
    if not is_h5:
        raise AnalysisError(f"{path}: not an HDF5 file")


def _attrs(obj) -> Dict[str, object]:
    return {key: decode(obj.attrs[key]) for key in obj.attrs.keys()}


def _read(group, name: str, path: str, required: bool = True):
    if name not in group:
        if required:
            raise AnalysisError(f"{path}: group {group.name} lacks dataset '{name}' "
                                "(not a valid ovsweep file)")
        return None
    # An edited file may hold a broken link, a group or strings under a dataset's name; every
    # caller computes with numbers, so anything else is one error line, not a traceback.
    try:
        obj = group[name]
    except (KeyError, OSError) as exc:
        raise AnalysisError(f"{path}: {group.name}/{name} cannot be opened (a broken link?): "
                            f"{str(exc).splitlines()[0]}") from None
    if not isinstance(obj, h5py.Dataset) or obj.dtype.kind not in "biuf":
        what = f"of type {obj.dtype}" if isinstance(obj, h5py.Dataset) else "not a dataset"
        raise AnalysisError(f"{path}: {group.name}/{name} is {what}, not numbers (not a valid "
                            "ovsweep file)")
    try:
        return obj[()]
    except OSError as exc:  # a checksum mismatch (Fletcher32) or unreadable storage
        raise AnalysisError(f"{path}: dataset {group.name}/{name} is damaged and cannot be read "
                            f"({str(exc).splitlines()[0]})") from None


def _group_names(root_attrs: Dict[str, object], f: "h5py.File", path: str) -> List[str]:
    listed = root_attrs.get("groups")
    if isinstance(listed, str) and listed.strip():
        names = [s.strip() for s in listed.split(",") if s.strip()]
        missing = [nm for nm in names if nm not in f]
        if missing:
            raise AnalysisError(f"{path}: root attribute 'groups' names missing group(s) "
                                f"{', '.join(missing)}")
        for nm in names:
            if not isinstance(f.get(nm), h5py.Group):
                raise AnalysisError(f"{path}: /{nm} is not a group (not a valid ovsweep file)")
        return names
    # Fallback: every top-level group that carries n and activation attributes.
    return [nm for nm in f.keys()
            if isinstance(f.get(nm), h5py.Group) and "n" in f[nm].attrs
            and "activation" in f[nm].attrs]


# Attributes the analysis computes with (numbers) or compares as text (strings). Settings rows
# give the root ones; the rest are progress, format and the groups' own attributes.
_TEXT_KINDS = ("name", "names", "path")
NUMERIC_ROOT_ATTRS = tuple(r["attribute"] for r in SETTINGS if r["attribute"] and
                           r["stored_in"] == "root" and r["kind"] not in _TEXT_KINDS) + (
    "tol_ladder", "complete", "trials_done", "trials_total", "format_version",
    "protocol_version", "n_ranks")
TEXT_ROOT_ATTRS = tuple(r["attribute"] for r in SETTINGS if r["attribute"] and
                        r["stored_in"] == "root" and r["kind"] in _TEXT_KINDS) + ("groups",)
NUMERIC_GROUP_ATTRS = ("n", "eta", "eta_auto", "max_iter", "tol", "design_rounds")
TEXT_GROUP_ATTRS = ("activation", "method", "iteration_unit")


def _check_attr_types(attrs: Dict[str, object], numeric, text, where: str, path: str) -> None:
    """Raise AnalysisError (one line) for an attribute of the wrong kind: an edited file with,
    say, n = 'abc' would otherwise end in a ValueError deep inside a command."""
    for key in numeric:
        if key in attrs:
            kind = np.asarray(attrs[key]).dtype.kind
            if kind not in "biuf" or np.asarray(attrs[key]).size == 0:
                raise AnalysisError(f"{path}: {where} attribute '{key}' is not a number "
                                    f"({attrs[key]!r:.60})")
    for key in text:
        if key in attrs and not isinstance(attrs[key], str):
            raise AnalysisError(f"{path}: {where} attribute '{key}' is not a string "
                                f"({attrs[key]!r:.60})")


def _load_group(g: "h5py.Group", name: str, root: Dict[str, object], path: str) -> Group:
    ga = _attrs(g)
    _check_attr_types(ga, NUMERIC_GROUP_ATTRS, TEXT_GROUP_ATTRS, f"group {name}", path)
    k = np.asarray(_read(g, "k", path)).astype(np.int64)
    d = np.asarray(_read(g, "d", path)).astype(np.int64)
    cells = {nm: np.asarray(_read(g, nm, path)) for nm in CELL_DATASETS}
    done = np.asarray(_read(g, "done", path)).astype(bool)
    success = np.asarray(_read(g, "success", path)).astype(bool)
    K, D = len(k), len(d)
    if done.ndim != 3 or done.shape[:2] != (K, D):
        raise AnalysisError(f"{path}: {name}/done has shape {done.shape}, expected "
                            f"[{K}][{D}][trial]")
    T = done.shape[2]
    for nm, arr in cells.items():
        if arr.shape != (K, D):
            raise AnalysisError(f"{path}: {name}/{nm} has shape {arr.shape}, expected ({K}, {D})")
    if success.shape != done.shape:
        raise AnalysisError(f"{path}: {name}/success has shape {success.shape}, expected "
                            f"{done.shape}")
    trial = _read(g, "trial", path, required=False)
    trial = np.arange(T) if trial is None else np.asarray(trial)
    ladder = _read(g, "tol_ladder", path, required=False)
    if ladder is None:
        ladder = root.get("tol_ladder")
    tol = float(ga.get("tol", root.get("tol", np.nan)))
    ladder = np.atleast_1d(np.asarray(ladder if ladder is not None else [tol], dtype=float))
    hits = _read(g, "ladder_hit_iter", path, required=False)
    if hits is not None:
        hits = np.asarray(hits).astype(np.int64)
        if hits.shape != done.shape + (len(ladder),):
            raise AnalysisError(f"{path}: {name}/ladder_hit_iter has shape {hits.shape}, "
                                f"expected {done.shape + (len(ladder),)}")
    trial_data = {}
    for nm in TRIAL_DATASETS_OPTIONAL + DIAGNOSTIC_DATASETS + ETA_AUTO_DATASETS:
        arr = _read(g, nm, path, required=False)
        if arr is not None:
            arr = np.asarray(arr)
            if arr.shape != done.shape:
                raise AnalysisError(f"{path}: {name}/{nm} has shape {arr.shape}, expected "
                                    f"{done.shape}")
            trial_data[nm] = (arr.astype(float) if nm in DIAGNOSTIC_DATASETS + ETA_AUTO_DATASETS
                              else arr)
    if "n" not in ga or "activation" not in ga:
        raise AnalysisError(f"{path}: group {name} lacks the 'n'/'activation' attributes")
    method = str(ga.get("method", "gd"))
    if method not in METHODS:
        raise AnalysisError(f"{path}: group {name} has unknown method {method!r} "
                            f"(known: {', '.join(METHODS)})")
    unit = str(ga.get("iteration_unit", ITERATION_UNITS[method] if "method" in ga else "update"))
    planned = _read(g, "planned", path, required=False)
    if planned is None:
        planned = np.ones((K, D), dtype=bool)
    else:
        planned = np.asarray(planned).astype(bool)
        if planned.shape != (K, D):
            raise AnalysisError(f"{path}: {name}/planned has shape {planned.shape}, expected "
                                f"({K}, {D})")
    design = _load_design(g, name, D, path) if root.get("design") == "adaptive" else None
    # A cell that was deliberately not run has no trials; never let stray flags count.
    done = done & planned[:, :, None]
    success = success & done
    return Group(
        name=name, n=int(ga["n"]), activation=str(ga["activation"]),
        eta=float(ga.get("eta", np.nan)), eta_auto=float(ga.get("eta_auto", 0.0)),
        max_iter=int(ga.get("max_iter", root.get("max_iter", -1))),
        tol=tol, k=k, d=d, trial=trial, tol_ladder=ladder,
        success_prob=cells["success_prob"].astype(float),
        success_count=cells["success_count"].astype(np.int64),
        trials_done=cells["trials_done"].astype(np.int64),
        done=done, success=success, ladder_hit_iter=hits, trial_data=trial_data,
        method=method, iteration_unit=unit, planned=planned, design=design)


def _status_names(ds, codes: np.ndarray) -> List[str]:
    """Row status codes -> names, from the CF flag attributes (the fixed list if absent)."""
    meanings = decode(ds.attrs["flag_meanings"]).split() if "flag_meanings" in ds.attrs \
        else list(ROW_STATUS_NAMES)
    values = (list(np.asarray(ds.attrs["flag_values"]).astype(int)) if "flag_values" in ds.attrs
              else list(range(len(meanings))))
    table = dict(zip(values, meanings))
    return [table.get(int(c), f"status {int(c)}") for c in codes]


def _load_design(g: "h5py.Group", name: str, D: int, path: str) -> Design:
    rows = {}
    for nm in ROW_DATASETS:
        arr = np.asarray(_read(g, nm, path))
        if arr.shape != (D,):
            raise AnalysisError(f"{path}: {name}/{nm} has shape {arr.shape}, expected ({D},)")
        rows[nm] = arr
    hist = {nm: _read(g, nm, path, required=False) for nm in HISTORY_DATASETS}
    R = 0 if hist["history_trainings"] is None else len(hist["history_trainings"])
    for nm in HISTORY_DATASETS[1:]:
        if hist[nm] is None:
            hist[nm] = np.full((R, D), np.nan)
        elif np.asarray(hist[nm]).shape != (R, D):
            raise AnalysisError(f"{path}: {name}/{nm} has shape {np.asarray(hist[nm]).shape}, "
                                f"expected ({R}, {D})")
    return Design(
        midpoint=rows["row_midpoint"].astype(float), ci_low=rows["row_ci_low"].astype(float),
        ci_high=rows["row_ci_high"].astype(float), width=rows["row_width"].astype(float),
        trainings=rows["row_trainings"].astype(np.int64),
        status=_status_names(g["row_status"], rows["row_status"]),
        rounds=int(decode(g.attrs.get("design_rounds", R))),
        history_trainings=np.asarray(hist["history_trainings"] if R else [], np.int64),
        history_ci_low=np.asarray(hist["history_ci_low"], float),
        history_ci_high=np.asarray(hist["history_ci_high"], float))


def load_sweep(path: str) -> Sweep:
    """Open `path` read-only and return a Sweep. Raises AnalysisError with a one-line message for
    a missing file, a non-HDF5 file, a foreign HDF5 file, or a malformed ovsweep file."""
    check_ovsweep_file(path)
    try:
        f = h5py.File(path, "r")
    except OSError as exc:
        raise AnalysisError(f"{path}: cannot open as HDF5: {str(exc).splitlines()[0]}") from None
    with f:
        try:
            root = _attrs(f)
        except OSError as exc:  # damaged metadata (a checksum mismatch in an object header)
            raise AnalysisError(f"{path}: its root attributes cannot be read, the file is "
                                f"damaged ({str(exc).splitlines()[0]})") from None
        tag = root.get("ovsweep_format")
        if tag != FORMAT_TAG:
            shown = "missing" if tag is None else repr(tag)
            raise AnalysisError(f"{path}: not an ovsweep file (root attribute ovsweep_format is "
                                f"{shown}, expected '{FORMAT_TAG}')")
        _check_attr_types(root, NUMERIC_ROOT_ATTRS, TEXT_ROOT_ATTRS, "root", path)
        version = root.get("format_version")
        if version is not None and int(version) not in SUPPORTED_FORMAT_VERSIONS:
            raise AnalysisError(f"{path}: unsupported ovsweep format_version {version} "
                                f"(this analysis reads {SUPPORTED_FORMAT_VERSIONS})")
        names = _group_names(root, f, path)
        if not names:
            raise AnalysisError(f"{path}: ovsweep file has no (n, activation) groups")
        groups = [_load_group(f[nm], nm, root, path) for nm in names]
    return Sweep(path=path, attrs=root, groups=groups)
