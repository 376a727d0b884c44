# ovsweep - phase transitions of overparameterised training, C11 + MPI + parallel HDF5.
# Targets: all (default) deps test quickstart bench clean lint mutation.
# Cluster overrides: make MPICC=... PKGS="hdf5-openmpi openblas" MPIRUN="srun --mpi=pmix"
CC       ?= cc
MPICC    ?= mpicc
PKGS     ?= hdf5-openmpi openblas
SANITIZE ?= address,undefined
# -Werror only for the tests and CI (make test, make unit, .ci/run): users' builds warn.
WERROR   ?=

VERSION  := 0.1.0
STD      := -std=c11 -D_POSIX_C_SOURCE=200809L
WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wno-psabi
OPT      ?= -O2 -g
# User CPPFLAGS/CFLAGS/LDFLAGS come last, so they win.
ALL_CPPFLAGS = -Iinclude -Ibuild -MMD -MP $(CPPFLAGS)
ALL_CFLAGS   = $(STD) $(WARN) $(WERROR) $(OPT) $(CFLAGS)
# Recursively expanded: pkg-config runs only when a recipe needs it (after make deps).
BLAS_CFLAGS = $(shell pkg-config --cflags openblas)
BLAS_LIBS   = $(shell pkg-config --libs openblas)
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS))
HDF5_HL     = -lhdf5_hl

# Pure modules (no MPI, no HDF5): compiled with plain $(CC), only BLAS on the include path.
PURE := names strbuf rng activation smallmm forward problem linalg protocol train sgd rf diagnostics \
        method trial settings settings_text cli plan design report outfile isolate h5schema
GLUE := fatal h5attr h5writer h5design h5write h5read h5load checkpoint startup sweep
PURE_OBJ := $(PURE:%=build/%.o)
# Where the compiler can target x86-64-v4, forward.c is also built for it with the AVX-512
# branches of vmath.h (intrinsics, which the target_clones of the portable build cannot
# hold); the portable build calls it where the CPU has AVX-512. Same results either way
# (include/vmath.h; test_train compares the two).
AVX512_OK := $(shell $(CC) -march=x86-64-v4 -dM -E -x c /dev/null 2>/dev/null | grep -q __AVX512DQ__ && echo yes)
FORWARD_AVX512 := $(if $(AVX512_OK),build/forward_avx512.o)
LIB_OBJ  := $(PURE_OBJ) $(FORWARD_AVX512)
GLUE_OBJ := $(GLUE:%=build/%.o)
SAN_OBJ  := $(PURE:%=build/asan/%.o)
UNIT     := $(patsubst tests/%.c,%,$(wildcard tests/test_*.c))

all: bin/ovsweep

# build/version.h carries the version and `git describe`; rewritten only when they change,
# so that a new commit rebuilds the two files that print or store it.
build/version.h: FORCE | build
	@v='#define OVS_VERSION "$(VERSION)"'; \
	 g="#define OVS_GIT \"$$(git describe --always --dirty 2>/dev/null || echo unknown)\""; \
	 printf '%s\n%s\n' "$$v" "$$g" >$@.new; \
	 if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi
build/main.o build/h5write.o: build/version.h
FORCE:

bin/ovsweep: build/main.o $(GLUE_OBJ) $(LIB_OBJ) | bin
	$(MPICC) $(LDFLAGS) $^ -o $@ $(PKG_LIBS) $(HDF5_HL) -lm

# The hand-written kernels: -O3 so that their elementwise loops vectorise, and they may
# fuse a*b+c into one FMA where the CPU has it (their
# target_clones for x86-64-v3/v4); plain x86-64 code has no FMA, so nothing else changes.
KERNEL_OBJ := build/activation.o build/smallmm.o build/forward.o build/train.o build/asan/forward.o \
              build/asan/activation.o build/asan/smallmm.o build/asan/train.o
$(KERNEL_OBJ): CFLAGS += -O3 -ffp-contract=fast
$(PURE_OBJ): build/%.o: src/%.c | build
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) -c $< -o $@
build/forward.o: CPPFLAGS += $(if $(AVX512_OK),-DOVS_FORWARD_AVX512)
build/forward_avx512.o: src/forward.c | build
	$(CC) $(ALL_CPPFLAGS) -DOVS_FORWARD_AVX512_BUILD $(ALL_CFLAGS) -O3 -ffp-contract=fast \
	    -march=x86-64-v4 -c $< -o $@
build/main.o $(GLUE_OBJ): build/%.o: src/%.c | build
	$(MPICC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) -c $< -o $@
SANFLAGS = -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
$(SAN_OBJ): build/asan/%.o: src/%.c | build/asan
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) $(SANFLAGS) -c $< -o $@

# The whole program under the sanitizers (tests/sanitize_test.sh), MPI and HDF5 included.
SAN_GLUE_OBJ := $(GLUE:%=build/asan/%.o) build/asan/main.o
build/asan/main.o build/asan/h5write.o: build/version.h
$(SAN_GLUE_OBJ): build/asan/%.o: src/%.c | build/asan
	$(MPICC) $(ALL_CPPFLAGS) $(PKG_CFLAGS) $(ALL_CFLAGS) $(SANFLAGS) -c $< -o $@
build/asan/ovsweep: $(SAN_GLUE_OBJ) $(SAN_OBJ)
	$(MPICC) $(LDFLAGS) $(SANFLAGS) $^ -o $@ $(PKG_LIBS) $(HDF5_HL) -lm

# Unit tests link the pure objects and BLAS only: no MPI, no HDF5, no mpirun.
# test_train counts ovsweep's own allocations through --wrap.
WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc
build/test_train build/asan/test_train: LINK_EXTRA = $(WRAP)
build/test_%: tests/test_%.c $(LIB_OBJ) | build
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(LINK_EXTRA) $(BLAS_LIBS) -lm
build/asan/test_%: tests/test_%.c $(SAN_OBJ) | build/asan
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) -fsanitize=$(SANITIZE) \
	    -fno-omit-frame-pointer -fno-sanitize-recover=all $(filter %.c %.o,$^) -o $@ $(LINK_EXTRA) $(BLAS_LIBS) -lm

# The in-process reference of the file checks (tests/file_test.sh): pure objects only.
build/reference_run: tests/reference_run.c $(LIB_OBJ) | build
	$(CC) $(ALL_CPPFLAGS) -Itests $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(BLAS_LIBS) -lm

unit: WERROR = -Werror
unit: $(UNIT:%=build/%) $(UNIT:%=build/asan/%) build/asan/ovsweep build/reference_run

deps:
	@sh deps/install.sh

# The README's test command: installs missing packages, builds, runs every suite, and ends
# with the line "N passed, N failed".
test:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory WERROR=-Werror all unit
	@sh tests/run_tests.sh

# The README's main-job command: a reduced Figure-2 sweep on 2 ranks, then its heatmaps.
quickstart:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all
	sh jobs/quickstart.sh

bench:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all build/bench_kernel build/bench_methods build/bench_peak build/bench_design
	sh bench/run_bench.sh

bench-full:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all build/bench_kernel build/bench_methods build/bench_peak build/bench_design
	FULL=1 sh bench/run_bench.sh

build/bench_peak: CFLAGS += -O3 -ffp-contract=fast
build/bench_kernel build/bench_methods build/bench_peak build/bench_design: build/bench_%: bench/bench_%.c $(LIB_OBJ) | build
	$(CC) $(ALL_CPPFLAGS) $(BLAS_CFLAGS) $(ALL_CFLAGS) $(filter %.c %.o,$^) -o $@ $(BLAS_LIBS) -lm

lint:
	@sh tests/lint_test.sh

# The mutation score of the fast suites (tests/mutation/): not part of `make test`.
mutation:
	@sh deps/install.sh
	@$(MAKE) --no-print-directory all build/reference_run $(UNIT:%=build/%)
	@/usr/bin/python3 tests/mutation/run.py

# The settings table as the Python analysis reads it (a test checks it against the binary).
analysis/settings.json: bin/ovsweep
	bin/ovsweep --print-settings >$@

# The pure modules, for tests/lint_test.sh.
print-pure:
	@echo $(PURE)

build bin build/asan:
	mkdir -p $@
clean:
	rm -rf build bin
include mk/install.mk
.PHONY: all deps test unit quickstart bench bench-full lint mutation print-pure clean FORCE
-include $(wildcard build/*.d build/asan/*.d)
