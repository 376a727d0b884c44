"""golden.py dump FILE.h5 OUT.txt | compare EXPECTED.txt FILE.h5

The golden regression test's two halves. `dump` writes every finished trial of an ovsweep file
as one text line (floats as exact hexadecimal), in group, k, d, trial order; `compare` checks a
new file against such a dump, field by field, and names the first differences.

What is compared exactly, and what to a tolerance (and why):
- every integer (success, diverged, early_stopped, iterations, ladder_hit_iter) and every success
  decision: exactly, everywhere;
- the floats of gd (the hand-written float64 kernels, --kernel simd) and sgd: exactly. Their
  arithmetic is ovsweep's own code in a fixed order; on x86-64 CPUs with FMA (every CPU since
  2013, both kinds this project runs on) the same instructions run whatever the vector width;
- the floats of rf (LAPACK's dgelsd), of --kernel blas and the --diagnostics fields (LAPACK
  eigenvalues, OpenBLAS products): to a relative 1e-9 (absolute 1e-12 near zero), because
  OpenBLAS picks its kernels per CPU at run time, so their last bits may differ between
  machines (never between runs on one machine). Two kinds of them are ill-conditioned where
  they are near zero, and are compared as what the solver determines:
  - the smallest singular values (kr_sigma_min, jac_sigma_min) are square roots of the
    smallest eigenvalue of a Gram matrix (diagnostics.c). A backward-stable eigensolver
    determines that eigenvalue to about m eps lambda_max, not to its own relative precision,
    and the root magnifies the noise: sigma = sqrt(1e-17) = 3e-9 where the eigenvalue is a
    rounding error. They are compared as eigenvalues, sigma^2, to the tolerance above, as
    nn_lambda is;
  - rf's residual (final_rel_err) comes from an SVD truncated at rcond = max(n, k) eps
    (linalg.c): where Phi's singular values fall near the cut, as for smooth activations at
    d = 2, the directions kept, and so the residual, move with the BLAS kernels. It is
    compared to an absolute RF_ABS in units of the relative error, 10x below the success
    tolerance 2.5e-3 (the success decision itself is compared exactly). Measured on the
    opt_in case under OpenBLAS 0.3.21's kernel sets Prescott, Nehalem, Sandybridge, Haswell
    (= Zen) and SkylakeX (= Cooperlake), forced one at a time by OPENBLAS_CORETYPE: these
    residuals spread by up to 4.7e-5 (n20_gelu_rf k 24 d 2 trial 0: 3.5e-5 to 8.2e-5), and
    2.3e-5 for softplus; the smooth activations at k 24 d 2 are the only cells that move.
wall_seconds (timing) is not compared.
"""
import sys

import h5py
import numpy as np

FIELDS_INT = ("success", "diverged", "early_stopped", "iterations")
FIELDS_FLOAT = ("final_rel_err", "dist_from_init", "path_length")
DIAGNOSTICS = ("x_norm", "kr_sigma_min", "nn_lambda", "jac_sigma_min", "initial_rel_err")
SQUARE_ROOTS = ("kr_sigma_min", "jac_sigma_min")  # sqrt of an eigenvalue: compared squared
RF_ABS = 2.5e-4  # rf's residual, in units of the relative error (see above)


def rows(path):
    """{(group, k, d, t): {field: value}} for every finished trial, and the file's kernel."""
    out = {}
    with h5py.File(path, "r") as f:
        kernel = f.attrs["kernel"]
        kernel = kernel.decode() if isinstance(kernel, bytes) else str(kernel)
        for name in str(f.attrs["groups"]).split(","):
            g = f[name]
            done = g["done"][:].astype(bool)
            ks, ds = g["k"][:], g["d"][:]
            data = {nm: g[nm][:] for nm in FIELDS_INT + FIELDS_FLOAT + DIAGNOSTICS if nm in g}
            hits = g["ladder_hit_iter"][:]
            for ki, di, t in zip(*np.nonzero(done)):
                rec = {nm: arr[ki, di, t] for nm, arr in data.items()}
                rec["ladder_hit_iter"] = tuple(int(x) for x in hits[ki, di, t])
                rec["method"] = str(g.attrs["method"])
                out[(name, int(ks[ki]), int(ds[di]), int(t))] = rec
    return out, kernel


def fmt(v):
    if isinstance(v, tuple):
        return ",".join(str(x) for x in v)
    if isinstance(v, (float, np.floating)):
        return float(v).hex()
    return str(int(v)) if not isinstance(v, str) else v


def dump(path, out_path):
    recs, kernel = rows(path)
    names = None
    with open(out_path, "w") as out:
        out.write(f"# ovsweep golden dump; kernel {kernel}\n")
        for key in sorted(recs):
            rec = recs[key]
            if names is None:
                names = [nm for nm in rec if nm != "method"]
                out.write("# group k d trial method " + " ".join(names) + "\n")
            out.write(" ".join([key[0], str(key[1]), str(key[2]), str(key[3]), rec["method"]] +
                               [fmt(rec[nm]) for nm in names]) + "\n")


def parse(path):
    recs, names = {}, None
    kernel = "simd"
    for line in open(path):
        if line.startswith("# ovsweep golden dump"):
            kernel = line.split()[-1]
        elif line.startswith("# group"):
            names = line.split()[6:]
        elif line.strip():
            parts = line.split()
            rec = {"method": parts[4]}
            for nm, txt in zip(names, parts[5:]):
                if nm == "ladder_hit_iter":
                    rec[nm] = tuple(int(x) for x in txt.split(","))
                elif nm in FIELDS_INT:
                    rec[nm] = int(txt)
                else:
                    rec[nm] = float.fromhex(txt)
            recs[(parts[0], int(parts[1]), int(parts[2]), int(parts[3]))] = rec
    return recs, kernel


def same_float(a, b, exact, absolute=1e-12):
    if np.isnan(a) and np.isnan(b):
        return True
    if exact:
        return float(a) == float(b)
    return abs(a - b) <= 1e-9 * max(abs(a), abs(b)) or abs(a - b) <= absolute


def same_field(nm, method, have, want, exact_floats):
    """have and want agree as field nm of a trial of method allows (the docstring's rules)."""
    if exact_floats and nm not in DIAGNOSTICS:
        return same_float(have, want, True)
    if nm in SQUARE_ROOTS:
        return same_float(have * have, want * want, False)
    if method == "rf" and nm == "final_rel_err":
        return same_float(have, want, False, RF_ABS)
    return same_float(have, want, False)


def compare(expected_path, path):
    want, kernel = parse(expected_path)
    have, _ = rows(path)
    problems = []
    if set(want) != set(have):
        missing, extra = sorted(set(want) - set(have)), sorted(set(have) - set(want))
        problems.append(f"finished trials differ: {len(missing)} missing (first {missing[:3]}), "
                        f"{len(extra)} extra (first {extra[:3]})")
    for key in sorted(set(want) & set(have)):
        w, h = want[key], have[key]
        exact_floats = w["method"] in ("gd", "sgd") and kernel == "simd"
        for nm, wv in w.items():
            if nm == "method":
                continue
            hv = h.get(nm)
            if hv is None:
                problems.append(f"{key}: field {nm} missing")
            elif nm in FIELDS_INT or nm == "ladder_hit_iter":
                if (tuple(hv) if nm == "ladder_hit_iter" else int(hv)) != wv:
                    problems.append(f"{key}: {nm} {hv} != expected {wv}")
            elif not same_field(nm, w["method"], float(hv), wv, exact_floats):
                problems.append(f"{key}: {nm} {float(hv)!r} != expected {wv!r}")
    for p in problems[:20]:
        print("golden:", p)
    if len(problems) > 20:
        print(f"golden: ... and {len(problems) - 20} more")
    print(f"golden: {len(want)} trials expected, {len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "dump":
        dump(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 4 and sys.argv[1] == "compare":
        sys.exit(compare(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
