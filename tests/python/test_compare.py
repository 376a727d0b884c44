"""analysis compare: two sweeps of the same grid, trial by trial."""

import shutil

import h5py

import ovsynth
from anahelp import TINY, reorder_axes


def test_identical_files_have_no_differing_decision(run_cli, tiny_file):
    rc, out, err = run_cli("compare", tiny_file, tiny_file)
    assert rc == 0, err
    assert "decisions that differ 0 (A only 0, B only 0)" in out
    assert "iteration counts equal 100.00%" in out
    assert out.strip().endswith("all groups: 0 of 288 success decisions differ")


def test_flipped_trials_are_counted_and_listed_with_their_coordinates(run_cli, tiny_file,
                                                                      tmp_path):
    other = tmp_path / "other.h5"
    shutil.copy(tiny_file, other)
    with h5py.File(other, "r+") as f:
        g = f["n30_relu"]
        success = g["success"][...]
        k_values, d_values = list(f.attrs["k_values"]), list(f.attrs["d_values"])
        flips = [(1, 2, 3), (4, 0, 1)]                     # (k index, d index, trial)
        for idx in flips:
            success[idx] = 1 - success[idx]
        g["success"][...] = success
        was = [1 - success[idx] for idx in flips]
    rc, out, err = run_cli("compare", tiny_file, other)
    assert rc == 0, err
    lost, gained = sum(was), len(was) - sum(was)
    assert f"decisions that differ 2 (A only {lost}, B only {gained})" in out
    for ki, di, t in flips:
        assert f"k={k_values[ki]} d={d_values[di]} trial={t}:" in out
    assert "n30_softplus" in out and out.count("decisions that differ 0") == 1
    assert out.strip().endswith("all groups: 2 of 288 success decisions differ")
    rc, out, _ = run_cli("compare", tiny_file, other, "--list", "0")
    assert "k=" not in out and "... 2 more" in out


def test_another_grid_is_refused_in_one_line(run_cli, tiny_file, tmp_path):
    other = str(tmp_path / "bigger.h5")
    ovsynth.write_sweep(other, **dict(TINY, k=range(1, 8)))
    rc, out, err = run_cli("compare", tiny_file, other)
    assert rc == 1 and out == ""
    assert err.count("\n") == 1 and "differ in k_values" in err and "not the same grid" in err


def test_only_trials_finished_in_both_count(run_cli, make_sweep, tmp_path):
    half = make_sweep("half", done_mask=lambda gi, ki, di, t: t < 2, **TINY)
    full = make_sweep("full", **TINY)
    rc, out, err = run_cli("compare", half, full)
    assert rc == 0, err
    assert out.count(f"{6 * 6 * 2} trials in both") == 2
    assert "of 144 success decisions differ" in out


def test_a_bad_file_on_either_side_gives_one_line_error(run_cli, tiny_file, tmp_path):
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5\n" * 10)
    for a, b, needle in [(tmp_path / "nope.h5", tiny_file, "no such file"),
                         (tiny_file, text, "not an HDF5 file")]:
        rc, out, err = run_cli("compare", a, b)
        assert rc == 1 and out == "" and err.count("\n") == 1 and needle in err


def _set_builds(path, builds, kernel="simd"):
    with h5py.File(path, "r+") as f:
        f.attrs["kernel_builds"] = builds
        f.attrs["compiler"] = "gcc 12.2.0"
        f.attrs["kernel"] = kernel


def test_a_baseline_build_against_an_fma_build_is_noted(run_cli, tiny_file, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    shutil.copy(tiny_file, a)
    shutil.copy(tiny_file, b)
    _set_builds(a, "x86-64-v4")
    _set_builds(b, "x86-64-v3,x86-64-v4")
    rc, out, err = run_cli("compare", str(a), str(b))
    assert rc == 0, err
    assert "note:" not in out          # both FMA builds: the same bits
    _set_builds(b, "baseline")
    rc, out, err = run_cli("compare", str(a), str(b))
    assert rc == 0, err
    assert out.count("\n") >= 3 and out.splitlines()[2] == (
        "note: other arithmetic by construction (A simd kernels, builds x86-64-v4 (gcc 12.2.0); "
        "B simd kernels, builds baseline (gcc 12.2.0)): values may differ in the last bits, "
        "decisions rarely")
    _set_builds(b, "x86-64-v4", kernel="blas")
    rc, out, err = run_cli("compare", str(a), str(b))
    assert "note: other arithmetic by construction (A simd kernels" in out and "B blas kernels" in out


def test_blas_files_of_other_openblas_kernels_are_noted(run_cli, tiny_file, tmp_path):
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    for path, cores in ((a, "Haswell"), (b, "Haswell")):
        shutil.copy(tiny_file, path)
        _set_builds(path, "x86-64-v4", kernel="blas")
        with h5py.File(path, "r+") as f:
            f.attrs["openblas_cores"] = cores
    rc, out, err = run_cli("compare", str(a), str(b))
    assert rc == 0 and "note:" not in out, (err, out)   # the same OpenBLAS kernels
    with h5py.File(b, "r+") as f:
        f.attrs["openblas_cores"] = "SkylakeX,Haswell"
    rc, out, err = run_cli("compare", str(a), str(b))
    assert rc == 0, err
    assert out.splitlines()[2] == (
        "note: other arithmetic by construction (A blas kernels, builds x86-64-v4 (gcc 12.2.0), "
        "OpenBLAS Haswell; B blas kernels, builds x86-64-v4 (gcc 12.2.0), OpenBLAS "
        "SkylakeX,Haswell): values may differ in the last bits, decisions rarely")
    for path in (a, b):   # simd kernels: OpenBLAS's kernels do not enter the products
        _set_builds(path, "x86-64-v4", kernel="simd")
    rc, out, err = run_cli("compare", str(a), str(b))
    assert rc == 0 and "note:" not in out, out


def test_files_without_recorded_builds_get_no_note(run_cli, tiny_file, tmp_path):
    b = tmp_path / "b.h5"
    shutil.copy(tiny_file, b)
    _set_builds(b, "baseline")
    rc, out, err = run_cli("compare", tiny_file, str(b))
    assert rc == 0, err
    assert "note:" not in out


def test_the_same_grid_listed_in_another_order_is_matched_by_value(run_cli, tiny_file,
                                                                   tmp_path):
    other = tmp_path / "reordered.h5"
    shutil.copy(tiny_file, other)
    reorder_axes(other, [5, 1, 3, 0, 4, 2], [2, 0, 5, 1, 4, 3])
    rc, out, err = run_cli("compare", tiny_file, other)
    assert rc == 0, err
    assert out.count("decisions that differ 0 (A only 0, B only 0)") == 2
    assert "iteration counts equal 100.00%" in out
    assert out.strip().endswith("all groups: 0 of 288 success decisions differ")
    # one flip in the reordered file is reported at its own coordinates
    with h5py.File(other, "r+") as f:
        g = f["n30_relu"]
        k, d = int(f.attrs["k_values"][0]), int(f.attrs["d_values"][0])
        success = g["success"][...]
        success[0, 0, 2] = 1 - success[0, 0, 2]
        g["success"][...] = success
    rc, out, err = run_cli("compare", tiny_file, other)
    assert rc == 0, err
    assert f"k={k} d={d} trial=2:" in out
    assert out.strip().endswith("all groups: 1 of 288 success decisions differ")


def _set_auto_eta(path, c):
    """Make every group's step size the rule auto:c, as the engine writes it: eta NaN (the
    step sizes are per trial), eta_auto = c."""
    with h5py.File(path, "r+") as f:
        for g in f.values():
            if isinstance(g, h5py.Group):
                g.attrs["eta"] = float("nan")
                g.attrs["eta_auto"] = c


def test_two_files_of_the_auto_step_rule_are_compared(run_cli, tiny_file, tmp_path):
    a, b, c = tmp_path / "a.h5", tmp_path / "b.h5", tmp_path / "c.h5"
    for path, rule in ((a, 1.8), (b, 1.8), (c, 2.0)):
        shutil.copy(tiny_file, path)
        _set_auto_eta(path, rule)
    rc, out, err = run_cli("compare", a, b)  # eta NaN in both had read as a difference
    assert rc == 0, err
    assert out.strip().endswith("all groups: 0 of 288 success decisions differ")
    rc, out, err = run_cli("compare", a, c)
    assert rc == 1 and out == "" and err.count("\n") == 1 and "eta_auto (1.8 vs 2.0)" in err


def test_auto_files_whose_lambda_max_came_by_other_methods_say_so(run_cli, tiny_file, tmp_path):
    """A file of the power iteration (before round 45: no lambda_method) against one of
    Lanczos: compared, with one note line; the same method, or fixed steps, give none."""
    a, b, c, fa, fb = (tmp_path / f"{x}.h5" for x in ("a", "b", "c", "fa", "fb"))
    for path, method in ((a, None), (b, "lanczos"), (c, "power"), (fa, None), (fb, "lanczos")):
        shutil.copy(tiny_file, path)
        if path in (a, b, c):
            _set_auto_eta(path, 1.8)
        with h5py.File(path, "r+") as f:
            if method is None:
                f.attrs.pop("lambda_method", None)
            else:
                f.attrs["lambda_method"] = method
    rc, out, err = run_cli("compare", a, b)
    assert rc == 0, err
    notes = [line for line in out.splitlines() if line.startswith("note: lambda_max")]
    assert notes == ["note: lambda_max by other methods (A power; B lanczos): each auto trial's "
                     "eta differs in its last bits, so values differ and decisions near the "
                     "tolerance may"], out
    for x, y in ((a, c), (fa, fb)):  # absent reads as power; fixed steps use no lambda_max
        rc, out, err = run_cli("compare", x, y)
        assert rc == 0 and "lambda_max" not in out, (x, y, out, err)


def test_a_fixed_and_an_auto_file_are_refused_with_the_command_that_pairs_them(run_cli,
                                                                                tiny_file,
                                                                                tmp_path):
    """Two step rules are not one grid run twice: one line, naming analysis scaling's step-rule
    pairs (analysis/steppairs.py); other differences (max_iter) name no such command."""
    a, b = tmp_path / "a.h5", tmp_path / "b.h5"
    shutil.copy(tiny_file, a)
    shutil.copy(tiny_file, b)
    _set_auto_eta(b, 1.8)
    rc, out, err = run_cli("compare", a, b)
    assert rc == 1 and out == "" and err.count("\n") == 1, err
    assert ".eta (" in err and "`analysis scaling A B` pairs the trials of two step rules" in err
    with h5py.File(b, "r+") as f:
        for g in f.values():
            if isinstance(g, h5py.Group):
                g.attrs["eta"] = 0.15 if "softplus" in g.name else 0.1
                g.attrs["eta_auto"] = 0.0
                g.attrs["max_iter"] = 100
    rc, out, err = run_cli("compare", a, b)
    assert rc == 1 and ".max_iter (" in err and "analysis scaling" not in err, err
