# Spack recipe for ovsweep. Copy this directory into a Spack repository as
# packages/ovsweep/ (`spack repo create`, then `spack install ovsweep`). Spack itself is not
# available where ovsweep is developed: tests/install_test.sh checks this file's syntax and
# its structure (class, dependencies, install step), not a Spack build.

from spack.package import *


class Ovsweep(MakefilePackage):
    """Phase transitions of overparameterised training (Figure 2 of Oymak and Soltanolkotabi,
    "Towards moderate overparameterization"): an MPI sweep of gradient-descent trainings
    writing one parallel-HDF5 file, with a Python analysis package and SLURM batch scripts."""

    # ovsweep has no public home yet: these are placeholders (the reserved .invalid domain).
    # Point `git` at your clone (`spack edit ovsweep`), e.g. git = "file:///path/to/ovsweep".
    homepage = "https://ovsweep.invalid"
    git = "https://ovsweep.invalid/ovsweep.git"

    version("main", branch="main")

    depends_on("c", type="build")
    depends_on("gmake", type="build")
    depends_on("pkgconfig", type="build")
    depends_on("mpi")
    depends_on("hdf5@1.10:+mpi+hl")
    depends_on("openblas threads=none")
    # the analysis package (share/ovsweep/analysis, bin/ovsweep-analysis)
    depends_on("python@3.9:", type="run")
    depends_on("py-numpy", type="run")
    depends_on("py-scipy", type="run")
    depends_on("py-h5py", type="run")
    depends_on("py-matplotlib", type="run")
    depends_on("py-pandas", type="run")
    depends_on("py-xarray", type="run")
    depends_on("py-h5netcdf", type="run")  # analysis export --netcdf

    def edit(self, spec, prefix):
        # The Makefile takes compilers and flags from variables (see make_args): nothing to edit.
        pass

    def make_args(self):
        """Compiler and library flags from the spec, in place of the Makefile's pkg-config
        look-ups (a Spack hdf5 or openblas need not ship the .pc names Debian has)."""
        spec = self.spec
        hdf5, blas = spec["hdf5"], spec["openblas"]
        return [
            f"MPICC={spec['mpi'].mpicc}",
            f"CC={spack_cc}",
            f"PKG_CFLAGS={hdf5.headers.include_flags} {blas.headers.include_flags}",
            f"PKG_LIBS={hdf5.libs.ld_flags} {blas.libs.ld_flags}",
            f"BLAS_CFLAGS={blas.headers.include_flags}",
            f"BLAS_LIBS={blas.libs.ld_flags}",
        ]

    @property
    def build_targets(self):
        return ["all"] + self.make_args()

    def install(self, spec, prefix):
        make("install", f"PREFIX={prefix}", f"PYTHON={spec['python'].command.path}",
             *self.make_args())
