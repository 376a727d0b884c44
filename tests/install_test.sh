#!/bin/sh
# install_test.sh - make install / uninstall into a temporary DESTDIR, and the files it installs:
#  - the tree: binary, analysis package and its launcher (a symlink in bin), job scripts, man
#    page, bash completion; make uninstall removes every file again;
#  - the installed ovsweep and ovsweep-analysis run from another directory (one holding a decoy
#    `analysis` package), the latter on a file the former wrote;
#  - the installed quick.sbatch finds the installed fig2.sbatch, and that the installed ovsweep
#    on PATH (no SLURM needed: it stops at an unwritable output directory before the launch);
#  - the man page renders (man -l) and lists every option of the table; the completion
#    completes option names, names after --data and comma lists after --act;
#  - both generated files are what tools/gen_*.py print now (they cannot drift from the table);
#  - -Werror: not in a user's build, in make unit/test's;
#  - packaging/spack/package.py compiles and has the class, dependencies and install step.
#  - a site's -march=native with a user's -mavx512f... or -mavx2 -mfma builds, with the default
#    build's results.
# Expects `make all`. About 20 s, and a build of ovsweep (50 s on two cores).
. "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
[ -x "$OVS" ] || { not_ok "bin/ovsweep is built (run make)"; summary; exit 1; }
STAGE="$WORK/stage"
P="$STAGE/opt/ovsweep"

# ---- install ----

# -o bin/ovsweep: install the binary as built, never rebuild it here
check "make install PREFIX=/opt/ovsweep DESTDIR=..." \
    sh -c "make -s --no-print-directory -o bin/ovsweep install PREFIX=/opt/ovsweep DESTDIR='$STAGE' >'$WORK/install.log' 2>&1 || { cat '$WORK/install.log'; exit 1; }"
for f in bin/ovsweep share/ovsweep/analysis/ovsweep-analysis share/ovsweep/jobs/fig2.sbatch \
    share/ovsweep/jobs/fig2_parts.sh share/ovsweep/jobs/quick.sbatch share/ovsweep/jobs/scaling.sbatch; do
    check "installed, executable: $f" test -x "$P/$f"
done
for f in share/ovsweep/analysis/__main__.py share/ovsweep/analysis/cli.py \
    share/ovsweep/analysis/settings.json share/man/man1/ovsweep.1 \
    share/bash-completion/completions/ovsweep share/ovsweep/jobs/scaling.study; do
    check "installed: $f" test -f "$P/$f"
done
check "bin/ovsweep-analysis is a relative symlink to the launcher" \
    sh -c "test -L '$P/bin/ovsweep-analysis' && test \"\$(readlink '$P/bin/ovsweep-analysis')\" = ../share/ovsweep/analysis/ovsweep-analysis"
check "the launcher runs /usr/bin/python3" sh -c "head -n 1 '$P/share/ovsweep/analysis/ovsweep-analysis' | grep -qx '#!/usr/bin/python3'"
check "every analysis module is installed" sh -c "for m in analysis/*.py; do test -f '$P/share/ovsweep/'\$m || exit 1; done"

# ---- the installed programs, from another directory ----

mkdir -p "$WORK/elsewhere/analysis"
echo 'raise SystemExit("the decoy analysis package was imported")' >"$WORK/elsewhere/analysis/__init__.py"
check "installed ovsweep --help, from another directory" \
    sh -c "cd '$WORK/elsewhere' && '$P/bin/ovsweep' --help | grep -q '^usage: mpirun -np N ovsweep'"
check "installed ovsweep-analysis --help, from another directory with a decoy analysis/" \
    sh -c "cd '$WORK/elsewhere' && '$P/bin/ovsweep-analysis' --help | grep -q simulate"
check "installed ovsweep writes a small sweep (singleton)" \
    limit sh -c "cd '$WORK/elsewhere' && '$P/bin/ovsweep' --quiet --n 10 --k 1:3 --d 1:3 --trials 1 --max-iter 200 -o tiny.h5"
check "installed ovsweep-analysis simulate reads it" \
    sh -c "cd '$WORK/elsewhere' && '$P/bin/ovsweep-analysis' simulate tiny.h5 --ranks 2 | grep -q 'total measured work'"

# The installed quick.sbatch, run outside SLURM with a made-up job id, only the installed bin on
# PATH and no checkout: it must find the installed fig2.sbatch, which must find ovsweep on
# PATH, then stop (one error line) at the output directory, a path under a regular file.
: >"$WORK/a-file"
env -i PATH="$P/bin:/usr/bin:/bin" SLURM_JOB_ID=1 SLURM_SUBMIT_DIR="$WORK/elsewhere" \
    OVSWEEP_OUTDIR="$WORK/a-file/out" bash "$P/share/ovsweep/jobs/quick.sbatch" >"$WORK/job.log" 2>&1
check "installed quick.sbatch -> installed fig2.sbatch -> ovsweep on PATH (stops at the output dir)" \
    grep -q "quick job 1 run 0: error: output directory $WORK/a-file/out is not writable" "$WORK/job.log"
[ "$T_FAIL" -eq 0 ] || sed 's/^/    | /' "$WORK/job.log"

# The installed scaling.sbatch, the same way: it must take the installed study and fig2.sbatch
# (not a checkout's: none here), whose first run stops at the output directory; exit non-zero.
fails=$T_FAIL
env -i PATH="$P/bin:/usr/bin:/bin" SLURM_JOB_ID=2 SLURM_SUBMIT_DIR="$WORK/elsewhere" \
    OVSWEEP_OUTDIR="$WORK/a-file/out" bash "$P/share/ovsweep/jobs/scaling.sbatch" >"$WORK/job2.log" 2>&1
rc=$?
check "installed scaling.sbatch: the installed study and fig2.sbatch" \
    grep -q "scaling.sbatch: study $P/share/ovsweep/jobs/scaling.study (tier all), runs through $P/share/ovsweep/jobs/fig2.sbatch" "$WORK/job2.log"
check "... its first run reaches ovsweep's checks (stops at the output dir), exit $rc" \
    sh -c "test $rc -ne 0 && grep -q 'scaling job 2 run 0: error: output directory $WORK/a-file/out is not writable' '$WORK/job2.log'"
[ "$T_FAIL" -eq "$fails" ] || sed 's/^/    | /' "$WORK/job2.log"

# ---- man page ----

MAN_OUT="$WORK/man.txt"
if command -v man >/dev/null 2>&1; then
    check "man -l renders the installed page" \
        sh -c "MANWIDTH=100 man -l '$P/share/man/man1/ovsweep.1' >'$MAN_OUT' 2>'$WORK/man.err' && grep -q '^OPTIONS' '$MAN_OUT' && ! test -s '$WORK/man.err'"
    missing=""
    for flag in $("$OVS" --print-settings | $PY -c 'import json,sys; print(" ".join(o["flag"] for o in json.load(sys.stdin)))'); do
        grep -q -- "--$flag" "$MAN_OUT" || missing="$missing --$flag"
    done
    check "the page lists every option of --print-settings${missing:+ (missing:$missing)}" test -z "$missing"
else
    skip "man -l renders the installed page" "man is not installed"
fi

# ---- bash completion (the installed file) ----

# completes WORDS... EXPECTED: the completion of the last word, space-separated
completes() {
    eval "want=\${$#}"
    bash -c '. "$1"; shift; n=$(($# - 1)); COMP_WORDS=(ovsweep "$@"); COMP_WORDS=("${COMP_WORDS[@]:0:$((n + 1))}");
             COMP_CWORD=$n; _ovsweep; echo "${COMPREPLY[*]}"' sh "$P/share/bash-completion/completions/ovsweep" "$@" >"$WORK/comp.out"
    [ "$(cat "$WORK/comp.out")" = "$want" ] || { echo "    (got '$(cat "$WORK/comp.out")', want '$want')"; return 1; }
}
check "completion is registered for ovsweep" \
    sh -c "bash -c '. \"$P/share/bash-completion/completions/ovsweep\"; complete -p ovsweep' | grep -q -- '-F _ovsweep ovsweep'"
check "completion: --des -> --design" completes --des --design
check "completion: --de -> --delta --design" completes --de "--delta --design"
check "completion: --data w -> worst" completes --data w worst
check "completion: --act relu,ta -> relu,tanh" completes --act relu,ta relu,tanh
check "completion: nothing after --k (a range)" completes --k "" ""

# ---- the generated files are up to date ----

check "man/ovsweep.1 is what tools/gen_man.py prints (make man)" \
    sh -c "$PY tools/gen_man.py '$OVS' | cmp -s - man/ovsweep.1"
check "completion/ovsweep.bash is what tools/gen_completion.py prints (make man)" \
    sh -c "$PY tools/gen_completion.py '$OVS' | cmp -s - completion/ovsweep.bash"

# ---- make install as root in a user's checkout ----

# git refuses a checkout that another user owns ("detected dubious ownership"), so `git
# describe` fails for root's `make install` there (su, a root shell; sudo passes SUDO_UID).
# build/version.h must then keep the stamp of the user's build: it had been rewritten to
# "unknown", so make install recompiled main.o and h5write.o and relinked the binary, with
# root's compiler environment, and installed one stamped "unknown".
cp -p build/version.h "$WORK/version.h.before"
GIT_DIR="$WORK/no-such-git" make -s --no-print-directory build/version.h >/dev/null 2>&1
check "build/version.h is kept when git describe fails (make install as root: no rebuild)" \
    cmp -s build/version.h "$WORK/version.h.before"
cmp -s build/version.h "$WORK/version.h.before" || cp -p "$WORK/version.h.before" build/version.h

# ---- deps/install.sh off Debian ----

# make quickstart, test and bench run deps/install.sh first. On a system without dpkg (a RHEL
# or SUSE cluster, its libraries from modules) it must say so and leave the packages to the
# user, not run apt-get: it had tried (sudo) apt-get and stopped the build, exit 127 or 1.
# A PATH with everything but dpkg*/apt*, and a sudo that only logs.
mkdir -p "$WORK/nodeb"
for f in /usr/bin/* /bin/* /usr/sbin/* /sbin/*; do
    b=${f##*/}
    case $b in dpkg* | apt* | sudo) continue ;; esac
    [ -e "$WORK/nodeb/$b" ] || ln -s "$f" "$WORK/nodeb/$b" 2>/dev/null
done
printf '#!/bin/sh\necho "sudo $*" >>"%s"\nexit 1\n' "$WORK/sudo.log" >"$WORK/nodeb/sudo"
chmod +x "$WORK/nodeb/sudo"
env PATH="$WORK/nodeb" sh deps/install.sh >"$WORK/deps.out" 2>&1
rc=$?
check "deps/install.sh without dpkg: exit 0 (exit $rc), says to provide the packages, runs no sudo/apt-get" \
    sh -c "test $rc -eq 0 && grep -q 'not a Debian system' '$WORK/deps.out' && ! test -e '$WORK/sudo.log'"
[ "$rc" -eq 0 ] || sed 's/^/    | /' "$WORK/deps.out"

# ---- -Werror in tests and CI only ----

# make -n -B: the commands of a rebuild, nothing run
check "a user's build has no -Werror" sh -c "! make -n -B build/names.o | grep -q -- -Werror"
check "make unit builds with -Werror" sh -c "make -n -B unit | grep -- '-c src/names.c' | grep -q -- -Werror"
make -n test >"$WORK/make-test.txt" 2>&1
check "make test builds with -Werror" grep -q 'WERROR=-Werror all unit' "$WORK/make-test.txt"

# ---- a user's CFLAGS and CPPFLAGS add to the build's own flags ----

# (On make's command line they replace the makefile's own assignments to them: until round 22
# `make CPPFLAGS=-I...` built forward.o without its AVX2 and AVX-512 builds linked in, and
# `make CFLAGS=...` the kernels without -O3 -ffp-contract=fast, so other bits.)
# compile_line OBJ [MAKE ARGS]: the command that builds build/OBJ.o, from a dry run
compile_line() {
    obj=$1
    shift
    make -n -B "build/$obj.o" "$@" | grep -- " -o build/$obj.o"
}
# the -DOVS_ flags of forward.o's command with MAKE ARGS
forward_defs() { compile_line forward "$@" | grep -o -- '-DOVS_[A-Z0-9_]*' | tr '\n' ' '; }
PLAIN_DEFS=$(forward_defs)
check "make CPPFLAGS=...: forward.o keeps its instruction-set builds (${PLAIN_DEFS% })" \
    test "$(forward_defs CPPFLAGS=-DOVS_USER_FLAG)" = "${PLAIN_DEFS}-DOVS_USER_FLAG "
# kernel_flags_kept OBJ...: each one's command with a user's CFLAGS has the kernels' flags
# (make print-kernel-flags), the user's flag after them
kernel_flags_kept() {
    kf=$(make -s --no-print-directory print-kernel-flags)
    for obj in "$@"; do
        compile_line "$obj" CFLAGS=-DOVS_USER_CFLAG | grep -q -- "$kf.*-DOVS_USER_CFLAG" ||
            { echo "    build/$obj.o: $(compile_line "$obj" CFLAGS=-DOVS_USER_CFLAG)" && return 1; }
    done
}
KOBJ="forward smallmm activation train"
case $PLAIN_DEFS in *OVS_HAVE_V3*) KOBJ="$KOBJ forward_v3 smallmm_v3" ;; esac
check "make CFLAGS=...: the kernels keep their flags, the user's after them ($KOBJ)" \
    kernel_flags_kept $KOBJ
# last_opt OBJ [MAKE ARGS]: the last -O option of OBJ's command (the one gcc and clang take)
last_opt() { compile_line "$@" | tr ' ' '\n' | grep -E -- '^-O[0-3sgz]?$' | tail -n 1; }
# kernels_last_opt WANT [MAKE ARGS]: every kernel object's last -O is WANT
kernels_last_opt() {
    want=$1
    shift
    for obj in $KOBJ; do
        got=$(last_opt "$obj" "$@")
        [ "$got" = "$want" ] || { echo "    build/$obj.o: last $got, not $want" && return 1; }
    done
}
# (distribution and site builds pass -O2: with it last, sweeps took 2.4-3.8x as long, round 28)
check "make CFLAGS='-g -O2': the kernels still end in -O3 ($KOBJ)" \
    kernels_last_opt -O3 CFLAGS="-g -O2"
check "... the other objects take the user's -O2 (names.o: $(last_opt names CFLAGS='-g -O2'))" \
    test "$(last_opt names CFLAGS='-g -O2')" = -O2
check "make KERNEL_OPT=-O0 CFLAGS='-g -O2': the kernels end in -O0 (for a debugger)" \
    kernels_last_opt -O0 KERNEL_OPT=-O0 CFLAGS="-g -O2"
# -ffast-math and its kin make isfinite() true and reorder sums: the build stops (include/ieee.h)
for fm in -ffast-math -Ofast -ffinite-math-only; do
    rm -rf "$WORK/fm"
    make -s --no-print-directory BUILD="$WORK/fm" "$WORK/fm/protocol.o" CFLAGS="-g -O2 $fm" \
        >"$WORK/fm.log" 2>&1
    rc=$?
    check "make CFLAGS='-g -O2 $fm': refused (exit $rc), the error names the flags" \
        sh -c "test $rc -ne 0 && grep -q 'needs IEEE arithmetic: build without -ffast-math' '$WORK/fm.log'"
done
# A site's and a user's CFLAGS give the default build's results bit for bit, in one build:
# EasyBuild's default (-march=native; until round 30 the build stopped on AVX-512 CPUs, and
# with -march=haswell it built but path_length took other bits: FMA outside the kernels) with
# explicit -m flags for the CPU's vector extensions added, AVX-512's on a CPU that has them,
# else -mavx2 -mfma (until round 32 the latter fused path_length's, tanh's and GELU's
# multiply-adds outside the kernels, simd.h's OVS_ROUNDED; the former stopped the build:
# AVX-512 intrinsics, and with -mavx512vl a gcc 12 internal error, in the x86-64-v3 clones).
# Every activation, both kernels.
avx512="-mavx512f -mavx512dq -mavx512vl -mavx512bw -mavx512cd"
flags="-O2 -ftree-vectorize -march=native -fno-math-errno"
if cpu_has avx512f avx512dq avx512vl avx512bw avx512cd fma; then
    flags="$flags $avx512 -mfma"
elif cpu_has avx2 fma; then
    flags="$flags -mavx2 -mfma"
    rm -rf "$WORK/fm"
    check "make CFLAGS='$avx512' builds the files built once (their clones: simd.h)" \
        limit sh -c "make -s --no-print-directory -j$(nproc) BUILD='$WORK/fm' '$WORK/fm/activation.o' \
            '$WORK/fm/train.o' '$WORK/fm/sgd.o' CFLAGS='-O2 $avx512' >'$WORK/fm.log' 2>&1"
fi
sweep="--quiet --n 40 --k 1:6 --d 1:6 --trials 2 --max-iter 2000 --act relu,softplus,tanh,quadratic,leaky_relu,gelu"
same_both() { same "$WORK/default.h5" "$1" && same "$WORK/default_blas.h5" "$2"; }
# shellcheck disable=SC2086 # $sweep: the options, one word each
ovsweep $sweep -o "$WORK/default.h5" >/dev/null 2>&1
# shellcheck disable=SC2086
ovsweep $sweep --kernel blas -o "$WORK/default_blas.h5" >/dev/null 2>&1
rm -rf "$WORK/fm"
limit make -s --no-print-directory -j"$(nproc)" BUILD="$WORK/fm" BIN="$WORK/fm" "$WORK/fm/ovsweep" \
    CFLAGS="$flags" >"$WORK/fm.log" 2>&1
check "make CFLAGS='$flags' builds ovsweep" test -x "$WORK/fm/ovsweep"
[ -x "$WORK/fm/ovsweep" ] || grep -m 3 error "$WORK/fm.log" | sed 's/^/    | /'
# shellcheck disable=SC2086
[ -x "$WORK/fm/ovsweep" ] && limit "$WORK/fm/ovsweep" $sweep -o "$WORK/flags.h5" >/dev/null 2>&1
# shellcheck disable=SC2086
[ -x "$WORK/fm/ovsweep" ] && limit "$WORK/fm/ovsweep" $sweep --kernel blas \
    -o "$WORK/flags_blas.h5" >/dev/null 2>&1
check "... and its sweeps' results are the default build's, both kernels (tests/h5same.sh)" \
    same_both "$WORK/flags.h5" "$WORK/flags_blas.h5"
rm -rf "$WORK/fm"

# ---- uninstall ----

check "make uninstall removes every installed file" \
    sh -c "make -s --no-print-directory uninstall PREFIX=/opt/ovsweep DESTDIR='$STAGE' >/dev/null 2>&1 && test -z \"\$(find '$STAGE' ! -type d)\""

# ---- Spack recipe (Spack is not available here: syntax and structure only) ----

check "packaging/spack/package.py: class Ovsweep(MakefilePackage), its dependencies, install()" \
    $PY - packaging/spack/package.py <<'PY'
import ast, sys
tree = ast.parse(open(sys.argv[1]).read(), sys.argv[1])
compile(tree, sys.argv[1], "exec")
cls = [c for c in tree.body if isinstance(c, ast.ClassDef) and c.name == "Ovsweep"]
assert cls, "no class Ovsweep"
assert [b.id for b in cls[0].bases if isinstance(b, ast.Name)] == ["MakefilePackage"], "not a MakefilePackage"
deps = {c.args[0].value.split("@")[0].split()[0].split("+")[0]
        for c in ast.walk(cls[0]) if isinstance(c, ast.Call) and getattr(c.func, "id", "") == "depends_on"}
need = {"mpi", "hdf5", "openblas", "python", "py-numpy", "py-scipy", "py-h5py", "py-matplotlib"}
assert need <= deps, f"missing depends_on: {sorted(need - deps)}"
hdf5 = [c.args[0].value for c in ast.walk(cls[0]) if isinstance(c, ast.Call)
        and getattr(c.func, "id", "") == "depends_on" and c.args[0].value.startswith("hdf5")]
assert hdf5 and "+mpi" in hdf5[0], "hdf5 without +mpi"
methods = {f.name for f in cls[0].body if isinstance(f, ast.FunctionDef)}
assert "install" in methods, "no install()"
src = ast.unparse(cls[0])
assert "'install'" in src and "PREFIX=" in src, "install() does not run make install PREFIX=..."
PY
summary
