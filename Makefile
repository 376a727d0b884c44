# ovsweep - phase transitions of overparameterised training, C11 + MPI + parallel HDF5.
# Targets: all (default) deps test quickstart bench bench-scaling clean lint mutation.
# Cluster overrides: make MPICC=... PKGS="hdf5-openmpi openblas" MPIRUN="srun --mpi=pmix"
# Another compiler in its own directories: make CC=clang OMPI_CC=clang BUILD=build-clang BIN=bin-clang
# (mpicc wraps $OMPI_CC; tests/clang_test.sh).
CC       ?= cc
BUILD    ?= build
BIN      ?= bin
MPICC    ?= mpicc
PKGS     ?= hdf5-openmpi openblas
SANITIZE ?= address,undefined
# -Werror only for the tests and CI (make test, make unit, .ci/run): users' builds warn.
WERROR   ?=
# make test builds with one job per core unless make was given -j itself (96 s -> 53 s on 2).
JOBS     ?= $(shell nproc 2>/dev/null || echo 1)

VERSION  := 0.1.0
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-psabi
OPT      ?= -O2 -g
# User CPPFLAGS/CFLAGS/LDFLAGS come last, so they win. What some objects need besides (the
# kernels' flags, which builds are linked) goes in OBJ_CPPFLAGS/OBJ_CFLAGS, set per target
# below: a CFLAGS or CPPFLAGS given on make's command line replaces the makefile's own
# assignments to it, target-specific ones included, and `make CPPFLAGS=-I...` had built a
# binary without its AVX2 kernels and `make CFLAGS=-O2` kernels without FMA (other bits).
ALL_CPPFLAGS = -Iinclude -I$(BUILD) -MMD -MP $(OBJ_CPPFLAGS) $(CPPFLAGS)
# OBJ_LAST_CFLAGS: the few a user's flags must not undo (the kernels' -O3, KERNEL_OPT below;
# BASE_ARCH).
ALL_CFLAGS   = $(STD) $(WARN) $(WERROR) $(OPT) $(OBJ_CFLAGS) $(CFLAGS) $(BASE_ARCH) $(CONTRACT) \
               $(OBJ_LAST_CFLAGS)
# Products fused into sums (FMA) only in the kernels (KERNEL_OBJ below sets fast): gcc's
# default in ISO C mode is off, clang's is on (within an expression), which with a user's
# -mfma had fused sums all over the program under clang (other results than the default
# build's; tests/install_test.sh compares). A user's -ffp-contract is undone the same way.
CONTRACT = -ffp-contract=off
# On x86-64 every object is built for the baseline instruction set after a user's CFLAGS: the
# kernels pick the best build the CPU runs at run time (the per-instruction-set builds of
# forward.c and smallmm.c put their -march after this one; OVS_CLONES add theirs per clone).
# A site's -march=native (EasyBuild's default CFLAGS) had stopped the build on AVX-512 CPUs
# (vmath.h's AVX-512 code in the x86-64-v3 clones of activation.c), and with FMA in every
# object the compiler may fuse products into sums outside the kernels: other bits than the
# default build's (round 30; tests/install_test.sh builds and compares the two). gcc and clang
# take the last -march, also after -march=native. A -mavx2 or -mfma given on its own stays:
# the few sums outside the kernels that FMA could fuse round their products first
# (simd.h's OVS_ROUNDED; round 32), so that build gives the default build's bits too.
BASE_ARCH := $(if $(shell $(CC) -dM -E -x c /dev/null 2>/dev/null | grep -q __x86_64__ && echo yes),-march=x86-64)
# Recursively expanded: pkg-config runs only when a recipe needs it (after make deps).
BLAS_CFLAGS = $(shell pkg-config --cflags openblas)
BLAS_LIBS   = $(shell pkg-config --libs openblas)
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS))
HDF5_HL     = -lhdf5_hl

# Pure modules (no MPI, no HDF5): compiled with plain $(CC), only BLAS on the include path.
PURE := names strbuf rng activation smallmm forward problem linalg jacobian protocol train train_plan \
        train_workspace sgd rf diagnostics \
        method trial lockstep settings settings_text cli plan design report outfile isolate stop h5schema timeleft \
        history
GLUE := fatal h5attr h5writer h5design h5write h5read h5load merge checkpoint startup sweep resumeargs
PURE_OBJ := $(PURE:%=$(BUILD)/%.o)
# The kernel files (forward.c, smallmm.c) are built once more for each instruction set the
# compiler can target, x86-64-v3 (AVX2 + FMA) and x86-64-v4 (AVX-512), with vectors of its
# native width (include/simd.h); their baseline builds call the best one the CPU runs. Same
# results in every build with FMA (test_kernels, tests/clang_test.sh).
ISA_FILES := forward smallmm
V3_OK := $(shell $(CC) -march=x86-64-v3 -dM -E -x c /dev/null 2>/dev/null | grep -q __AVX2__ && echo yes)
AVX512_OK := $(shell $(CC) -march=x86-64-v4 -dM -E -x c /dev/null 2>/dev/null | grep -q __AVX512DQ__ && echo yes)
ISA_DEFS := $(if $(V3_OK),-DOVS_HAVE_V3) $(if $(AVX512_OK),-DOVS_HAVE_V4)
ISA_OBJ  := $(if $(V3_OK),$(ISA_FILES:%=$(BUILD)/%_v3.o)) $(if $(AVX512_OK),$(ISA_FILES:%=$(BUILD)/%_v4.o))
LIB_OBJ  := $(PURE_OBJ) $(ISA_OBJ)
GLUE_OBJ := $(GLUE:%=$(BUILD)/%.o)
SAN_OBJ  := $(PURE:%=$(BUILD)/asan/%.o)
UNIT     := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))

all: $(BIN)/ovsweep

# build/version.h carries the version and `git describe`; rewritten only when they change,
# so that a new commit rebuilds the two files that print or store it. Where git cannot say
# (root's `make install` in a user's checkout: "dubious ownership"), the stamp already there
# stays, so that make install installs the binary as built instead of relinking it.
$(BUILD)/version.h: FORCE | $(BUILD)
	@v='#define OVS_VERSION "$(VERSION)"'; \
	 d=$$(git describe --always --dirty 2>/dev/null) || \
	     d=$$(sed -n 's/^#define OVS_GIT "\(.*\)"$$/\1/p' $@ 2>/dev/null); \
	 g="#define OVS_GIT \"$${d:-unknown}\""; \
	 printf '%s\n%s\n' "$$v" "$$g" >$@.new; \
	 if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
$(BUILD)/main.o $(BUILD)/h5write.o $(BUILD)/checkpoint.o: $(BUILD)/version.h
FORCE:

$(BIN)/ovsweep: $(BUILD)/main.o $(GLUE_OBJ) $(LIB_OBJ) | $(BIN)
	$(MPICC) $(LDFLAGS) $^ -o $@ $(PKG_LIBS) $(HDF5_HL) -lm

# The hand-written kernels: -O3 so that their elementwise loops vectorise, and they may
# fuse a*b+c into one FMA where the CPU has it (the per-instruction-set builds of forward.c
# and smallmm.c, and the target_clones for x86-64-v3/v4 of the others); plain x86-64 code
# has no FMA, so nothing else changes.
# bench/ab_step.sh builds a revision's kernels with these flags too (make print-kernel-flags).
# (-falign-loops=32 read 0.97-1.01 of the time per update at grid cells but 1.01-1.03 at
# n = 4800-6400 on the AMD machine: not kept, docs/BENCHMARKS.md round 21.)
KERNELS := activation smallmm forward train
KERNEL_OBJ := $(KERNELS:%=$(BUILD)/%.o) $(KERNELS:%=$(BUILD)/asan/%.o) $(ISA_OBJ)
KERNEL_CFLAGS := -O3 -ffp-contract=fast
$(KERNEL_OBJ): OBJ_CFLAGS += $(KERNEL_CFLAGS)
$(KERNEL_OBJ): CONTRACT = -ffp-contract=fast
# The kernels' optimisation level comes after a user's CFLAGS as well: distribution and site
# builds pass -O2 (dpkg-buildflags' "-g -O2 ...", EasyBuild's "-O2 -ftree-vectorize
# -march=native"), and gcc takes the last -O: `make CFLAGS="-g -O2"` had built kernels that
# took 2.4-3.8x as long per sweep (the same bits; docs/BENCHMARKS.md round 28). Their block
# shapes are constants that need -O3's inlining and unrolling. KERNEL_OPT=-O0 for a debugger.
KERNEL_OPT ?= -O3
$(KERNEL_OBJ): OBJ_LAST_CFLAGS += $(KERNEL_OPT)
# clang 14's target_clones (OVS_CLONES, include/simd.h) needs two repairs at link time: the
# resolver of a cloned static function is a global symbol, so two files' static clones
# of the same name would clash; and a cloned global function f gets only f.ifunc, which calls
# from other files (to plain f) do not find. With clang, every object's resolvers are made
# local and each global clone set gets its f as a global indirect function (f.ifunc's
# address, in .text).
IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -q clang && echo yes)
ifeq ($(IS_CLANG),yes)
CLANG_IFUNCS = set -e; args="--wildcard --localize-symbol=*.resolver"; \
	for f in $$(nm $@ | awk '$$2 == "T" && $$3 ~ /\.default\.[0-9]+$$/ \
	        { sub(/\.default\.[0-9]+$$/, "", $$3); print $$3 }'); do \
	    a=$$(nm $@ | awk -v s="$$f.ifunc" '$$3 == s { print $$1 }'); \
	    args="$$args --add-symbol $$f=.text:0x$$a,global,indirect-function"; \
	done; objcopy $$args $@
else
CLANG_IFUNCS = :
endif
$(PURE_OBJ): $(BUILD)/%.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) -c $< -o $@
	@$(CLANG_IFUNCS)
$(ISA_FILES:%=$(BUILD)/%.o): OBJ_CPPFLAGS += $(ISA_DEFS)
$(BUILD)/%_v3.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) -DOVS_BUILD_V3 $(ALL_CFLAGS) -march=x86-64-v3 -c $< -o $@
$(BUILD)/%_v4.o: src/%.c | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) -DOVS_BUILD_V4 $(ALL_CFLAGS) -march=x86-64-v4 -c $< -o $@
$(BUILD)/main.o $(GLUE_OBJ): $(BUILD)/%.o: src/%.c | $(BUILD)
	$(MPICC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) -c $< -o $@
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
$(SAN_OBJ): $(BUILD)/asan/%.o: src/%.c | $(BUILD)/asan
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) $(SANFLAGS) -c $< -o $@

# The whole program under the sanitizers (tests/sanitize_test.sh), MPI and HDF5 included.
SAN_GLUE_OBJ := $(GLUE:%=$(BUILD)/asan/%.o) $(BUILD)/asan/main.o
$(BUILD)/asan/main.o $(BUILD)/asan/h5write.o: $(BUILD)/version.h
$(SAN_GLUE_OBJ): $(BUILD)/asan/%.o: src/%.c | $(BUILD)/asan
	$(MPICC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) $(SANFLAGS) -c $< -o $@
$(BUILD)/asan/ovsweep: $(SAN_GLUE_OBJ) $(SAN_OBJ)
	$(MPICC) $(LDFLAGS) $(SANFLAGS) $^ -o $@ $(PKG_LIBS) $(HDF5_HL) -lm

# Unit tests link the pure objects and BLAS only: no MPI, no HDF5, no mpirun.
# test_train counts ovsweep's own allocations through --wrap.
WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc
$(BUILD)/test_train $(BUILD)/asan/test_train: LINK_EXTRA = $(WRAP)
# test_kernels compares the builds of the kernel files: it is told which ones are linked.
$(BUILD)/test_kernels: private OBJ_CPPFLAGS += $(ISA_DEFS)
$(BUILD)/test_%: tests/test_%.c $(LIB_OBJ) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(LINK_EXTRA) $(BLAS_LIBS) -lm
$(BUILD)/asan/test_%: tests/test_%.c $(SAN_OBJ) | $(BUILD)/asan
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) -fsanitize=$(SANITIZE) \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all $(filter %.c %.o,$^) -o $@ $(LINK_EXTRA) $(BLAS_LIBS) -lm

# The in-process reference of the file checks (tests/file_test.sh): pure objects only.
$(BUILD)/reference_run: tests/reference_run.c $(LIB_OBJ) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(BLAS_LIBS) -lm

# The ETA replay (bench/timeleft_replay.c): pure objects only.
$(BUILD)/timeleft_replay: bench/timeleft_replay.c $(LIB_OBJ) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(BLAS_LIBS) -lm

unit: WERROR = -Werror
unit: $(UNIT:%=$(BUILD)/%) $(UNIT:%=$(BUILD)/asan/%) $(BUILD)/asan/ovsweep $(BUILD)/reference_run

deps:
	@sh deps/install.sh

# The README's test command: installs missing packages, builds, runs every suite, and ends
# with the line "N passed, N failed".
test:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory $(if $(findstring -j,$(MAKEFLAGS)),,-j$(JOBS)) WERROR=-Werror all unit
	@sh tests/run_tests.sh

# The README's main-job command: a reduced Figure-2 sweep on 2 ranks, then its heatmaps.
quickstart:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all
	sh jobs/quickstart.sh

bench:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all $(BUILD)/bench_kernel $(BUILD)/bench_methods $(BUILD)/bench_peak $(BUILD)/bench_design
	sh bench/run_bench.sh

bench-full:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all $(BUILD)/bench_kernel $(BUILD)/bench_methods $(BUILD)/bench_peak $(BUILD)/bench_design $(BUILD)/bench_scaling
	FULL=1 sh bench/run_bench.sh

# The cost-growth curve from n = 100 to 6400 (bench/scaling.sh): CSV in build/scaling.csv.
bench-scaling:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all $(BUILD)/bench_peak $(BUILD)/bench_scaling
	sh bench/scaling.sh

# peak_rates.h's loops need a m + c fused into one FMA (bench_peak, bench_scaling's --grid)
$(BUILD)/bench_peak $(BUILD)/bench_scaling: private OBJ_CFLAGS += -O3 -ffp-contract=fast
$(BUILD)/bench_peak $(BUILD)/bench_scaling: private OBJ_LAST_CFLAGS += $(KERNEL_OPT)
$(BUILD)/bench_peak $(BUILD)/bench_scaling: private CONTRACT = -ffp-contract=fast
$(BUILD)/bench_kernel $(BUILD)/bench_methods $(BUILD)/bench_peak $(BUILD)/bench_scaling $(BUILD)/bench_lockstep \
    $(BUILD)/bench_design: $(BUILD)/bench_%: bench/bench_%.c $(LIB_OBJ) | $(BUILD)
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(BLAS_LIBS) -lm

lint:
	@sh tests/lint_test.sh

# The mutation score of the fast suites (tests/mutation/): not part of `make test`.
mutation:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all $(BUILD)/reference_run $(UNIT:%=$(BUILD)/%)
	@/usr/bin/python3 tests/mutation/run.py

# The settings table as the Python analysis reads it (a test checks it against the binary).
analysis/settings.json: $(BIN)/ovsweep
	$(BIN)/ovsweep --print-settings >$@

# The pure modules, for tests/lint_test.sh.
print-pure:
	@echo $(PURE)

# The kernels' flags, for bench/ab_step.sh.
print-kernel-flags:
	@echo $(KERNEL_CFLAGS)

$(BUILD) $(BIN) $(BUILD)/asan:
	mkdir -p $@
clean:
	rm -rf $(BUILD) $(BIN)
include mk/install.mk
.PHONY: all deps test unit quickstart bench bench-full bench-scaling lint mutation print-pure print-kernel-flags clean FORCE
-include $(wildcard $(BUILD)/*.d $(BUILD)/asan/*.d)
