/* bench_scaling.c - the cost-growth curve: microseconds per GD update from (n, k, d) =
 * (100, 10, 10) to (6400, 120, 80), both float64 kernels (simd, blas) and both activations
 * (bench/scaling.sh, `make bench-scaling`, adds the peak, the NumPy yardstick and memory).
 *
 * Usage: bench_scaling SECONDS [N K D]...  For each cell and activation: trial 0 of the
 * problem, a tolerance never reached; the number of updates per run is set so that one run
 * of the faster kernel takes about SECONDS / 5; the two kernels take turns for 5 rounds (the
 * machine's speed drifts) and the best round of each is kept. One line per cell, activation
 * and kernel: n k d act kernel us_per_update gflops updates (GFLOP/s counts the 4 n k d flops
 * of the two products). Last line: the softplus kernel alone, nanoseconds per element of
 * phi and phi' on 4096 pre-activations in L1 (the floor of bench/scaling.sh: products at
 * peak plus n k of these per update). Times are CPU time of the thread (bench_peak.c).
 * bench_scaling --parts REPS N K D...: the two halves of the simd kernel apart (parts()).
 * bench_scaling --grid CELLS [UPDATES]: a finished grid's work against its floor, the floor's
 * rates measured between the cells (grid()).
 * bench_scaling --modes SECONDS N K D: the peak and one cell's speed, taking turns (modes()).
 * bench_scaling --floor SECONDS N K D...: each cell's update against its floor, the floor's
 * rates read around each timed update (floor_turns()).
 * bench_scaling --memory SECONDS N K D...: where X streams from memory (the panel path), the
 * update against the roofline max(compute floor, X's read time), and how much of that read
 * the update hides (memory_turns()).
 * bench_scaling --matched SECONDS N K D...: each update against a burst of FMAs of its own
 * flops timed beside it, microseconds apart: the clock of that moment in the floor
 * (matched_turns()).
 * bench_scaling --plans SECONDS A B N K D...: each cell's update with two panel plans side by
 * side, each an L2 size in bytes (planned for it) or panel/by_panels/fetch (plans_turns()). */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "simd.h"
#include "smallmm.h"
#include "train.h"

#include "peak_rates.h"

/* --memory needs the panel step of round 12 (fetch.h); this file is also built against older
 * trees (docs/BENCHMARKS.md: "a worktree given this round's bench_scaling.c"), which lack it. */
#if defined(__has_include)
#if __has_include("fetch.h")
#include "fetch.h"
#define BENCH_HAVE_FETCH 1
#endif
#endif

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Seconds per update of one run of `iters` updates. */
static double run(const ovs_problem *p, const char *act, int kernel, int iters,
                  ovs_train_workspace *ws)
{
    const double ladder[1] = {1e-300};
    const ovs_gd_opts o = {.act = ovs_activation_find(act),
                           .eta = strcmp(act, "softplus") == 0 ? 0.15 : 0.1,
                           .kernel = kernel};
    const ovs_protocol proto = {.max_iter = iters, .tol = ladder[0], .ladder = ladder,
                                .n_ladder = 1};
    ovs_result r;
    double t0 = bench_seconds();
    if (ovs_train_run(p, &o, &proto, ws, &r) != 0) {
        fprintf(stderr, "bench_scaling: invalid arguments at n = %d\n", p->n);
        exit(1);
    }
    double t = bench_seconds() - t0;
    return t / (r.iterations > 0 ? r.iterations : 1);
}

/* Trial 0 of the cell (n, k, d) (seed 2019) and a workspace for it; exits when memory runs
 * out. */
static void setup_cell(int n, int k, int d, ovs_problem *p, ovs_train_workspace *ws)
{
    if (ovs_problem_alloc(p, n, k, d) != 0 || ovs_train_workspace_alloc(ws, n, k, d) != 0) {
        fprintf(stderr, "bench_scaling: out of memory at (%d, %d, %d)\n", n, k, d);
        exit(1);
    }
    ovs_problem_draw(p, 2019, 0);
}

static void cell(int n, int k, int d, const char *act, double budget)
{
    enum { ROUNDS = 5 };
    const int kernels[2] = {OVS_KERNEL_SIMD, OVS_KERNEL_BLAS};
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    double probe = 1e30, best[2] = {1e30, 1e30};
    for (int q = 0; q < 2; q++) {
        double t = run(&p, act, kernels[q], 2, &ws);
        probe = t < probe ? t : probe;
    }
    int iters = (int)(budget / ROUNDS / probe);
    iters = iters < 3 ? 3 : iters > 20000 ? 20000 : iters;
    /* the time of iters updates: best run of iters + 1 less best run of 1, so that a run's
     * setup (X transposed and into panels) does not count (until round 12 it did: 55 ms at
     * (6400, 20, 640), where a run had 6-10 updates of about 10 ms) */
    double once[2] = {1e30, 1e30};
    for (int round = 0; round < ROUNDS; round++)
        for (int q = 0; q < 2; q++) {
            double t = run(&p, act, kernels[q], 1, &ws);
            once[q] = t < once[q] ? t : once[q];
            t = run(&p, act, kernels[q], iters + 1, &ws) * (iters + 1);
            best[q] = t < best[q] ? t : best[q];
        }
    for (int q = 0; q < 2; q++)
        best[q] = (best[q] - once[q]) / iters;
    for (int q = 0; q < 2; q++)
        printf("%d %d %d %s %s %.3f %.3f %d\n", n, k, d, act,
               ovs_kernel_names.name(kernels[q]), best[q] * 1e6,
               4.0 * n * k * d / best[q] * 1e-9, iters);
    fflush(stdout);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
}

/* ns per element of the softplus kernel of the fused pass (trees before round 5: the
 * activation's array kernel) on 4096 values in [-8, 8] (best of 50). */
static double softplus_ns(int reps)
{
    enum { M = 4096 };
    static double z[M] __attribute__((aligned(64))), phi[M] __attribute__((aligned(64))),
        dphi[M] __attribute__((aligned(64)));
    for (int i = 0; i < M; i++)
        z[i] = -8.0 + 16.0 * (double)((i * 2654435761u) % M) / M;
#ifndef OVS_FORWARD_SOFTPLUS
    const ovs_activation *a = ovs_activation_find("softplus");
#endif
    double best = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = bench_seconds();
        for (int it = 0; it < 20; it++)
#ifdef OVS_FORWARD_SOFTPLUS
            ovs_forward_softplus(z, phi, dphi, M);
#else
            a->eval(z, phi, dphi, M);
#endif
        double t = (bench_seconds() - t0) / (20.0 * M);
        best = t < best ? t : best;
    }
    return phi[7] == 12345.0 ? 0 : best * 1e9;
}

#ifdef OVS_FORWARD_SOFTPLUS
/* --parts: the simd kernel's two halves apart, on a trial's workspace after 3 updates: for
 * each of the fused forward pass (ReLU, softplus) and the gradient product (with lanes as
 * train.c gives them), the best of `reps` batches of calls, us per call and GFLOP/s of its
 * 2 n k d flops; the three take turns for 3 rounds. A batch holds enough calls for about 20
 * us (one call where a call is longer), timed by the wall clock (CLOCK_MONOTONIC). Until
 * round 14 single calls were timed by the thread CPU clock: its system call (0.7 us on this
 * VM) counted in full in the small cells' parts, and it read 0 over a whole batch of calls
 * at times in the first 0.1 s of a process (a batch of 10 gradients at (100, 3, 3), one
 * forward pass of 2.4 us at (200, 20, 12)). The best batch is what the code can do when
 * nothing else holds the core. (Where X is in panels the forward pass is the whole pass and
 * the gradient the panels' products one after the other, not train.c's step that
 * interleaves them: --memory times that.) */
static double wall_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
    int n, k, d, np;
    ovs_problem *p;
    ovs_train_workspace *ws;
} parts_cell;

/* The gradient product as the trainer runs it at this size (train.c): panel by panel from a
 * k x q buffer of factors (the step's own layout; without the fetch of the next panel, which
 * the step overlaps with both kernels), in L1-sized chunks, or whole (the kernel's own
 * chunks). Until round 29 --parts timed the whole product at every size, whose blocks of 4
 * units the chunks no longer use from k = 40 on (smallmm.c's GR_PART). */
/* The gradient's last argument from round 36 on: the workspace's input groups (smallmm.h). */
#ifdef OVS_SMALLMM_GROUP_ARG
#define WITH_GROUPS(ws) , (ws)->grad_group_bytes
#else
#define WITH_GROUPS(ws)
#endif

static void gradient_as_trained(const parts_cell *c)
{
    ovs_train_workspace *ws = c->ws;
    const int k = c->k, d = c->d, np = c->np;
    double *lanes = (size_t)np >= 8 * (size_t)d ? ws->phi : NULL;
#ifdef BENCH_HAVE_FETCH
    if (ws->by_panels && ws->xp) { /* ws->phi holds the lane sums wherever the plan says so */
        for (int p0 = 0, q = ws->panel; p0 < np; p0 += q) {
            const int p1 = p0 + q < np ? p0 + q : np;
            ovs_smallmm_grad_part(k, d, ws->zt, q, ws->xp + (size_t)p0 * d, p1 - p0, p1 - p0,
                                  ws->g, ws->phi, p0 == 0, p1 == np, NULL WITH_GROUPS(ws));
        }
        return;
    }
#endif
#ifdef OVS_TRAIN_GRAD_CHUNK
    if (ws->grad_chunk > 0 && lanes) {
        for (int i0 = 0, b = ws->grad_chunk; i0 < np; i0 += b) {
            const int i1 = i0 + b < np ? i0 + b : np;
            ovs_smallmm_grad_part(k, d, ws->zt + i0, np, ws->xt + i0, np, i1 - i0, ws->g, lanes,
                                  i0 == 0, i1 == np, NULL WITH_GROUPS(ws));
        }
        return;
    }
#endif
    ovs_smallmm_grad_lanes(k, d, np, ws->zt, ws->xt, ws->g, lanes WITH_GROUPS(ws));
}

/* The fused pass's last argument from round 31 on: the lanes of ||r||^2 (forward.h). */
#ifdef OVS_FORWARD_R2
#define WITH_R2(r2) , r2
#else
#define WITH_R2(r2)
#endif

static void part_call(const parts_cell *c, int part)
{
    double r2[8] __attribute__((aligned(64)));
    (void)r2;
    ovs_train_workspace *ws = c->ws;
    if (part < 2)
        ovs_forward_fused(part ? OVS_ACT_SOFTPLUS : OVS_ACT_RELU, c->n, c->k, c->d, c->np, ws->w,
                          ws->xp ? ws->xp : ws->xt, ws->xp ? ws->panel : 0, c->p->v, ws->yp,
                          ws->zt, ws->scratch, ws->r WITH_R2(r2));
    else
        gradient_as_trained(c);
}

static double part_seconds(const parts_cell *c, int part, int reps)
{
    double t0 = wall_seconds();
    part_call(c, part);
    const double one = wall_seconds() - t0;
    long batch = one > 0 ? (long)(2e-5 / one) : 1000;
    batch = batch < 1 ? 1 : batch > 1000 ? 1000 : batch;
    double best = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        t0 = wall_seconds();
        for (long b = 0; b < batch; b++)
            part_call(c, part);
        const double t = (wall_seconds() - t0) / (double)batch;
        best = t < best ? t : best;
    }
    return best;
}

static void parts(int n, int k, int d, int reps)
{
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    run(&p, "relu", OVS_KERNEL_SIMD, 3, &ws);
    const parts_cell c = {n, k, d, ws.np, &p, &ws};
    double best[3] = {1e30, 1e30, 1e30};
    for (int round = 0; round < 3; round++) /* the three take turns: the host drifts */
        for (int part = 0; part < 3; part++) {
            const double t = part_seconds(&c, part, reps);
            best[part] = t < best[part] ? t : best[part];
        }
    const double half = 2.0 * n * k * d;
    printf("%d %d %d forward_relu %.3f %.3f forward_softplus %.3f gradient %.3f %.3f\n", n, k, d,
           best[0] * 1e6, half / best[0] * 1e-9, best[1] * 1e6, best[2] * 1e6,
           half / best[2] * 1e-9);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
}
#endif

/* Bands of k and of d for the breakdown (<= 4, 5-12, 13 on): where the excess lies. */
#define BANDS 3
static int band_of(int v)
{
    return v <= 4 ? 0 : v <= 12 ? 1 : 2;
}

typedef struct grid_sum {
    char act[16];
    int n;
    double time, floor;
    double band_time[BANDS][BANDS], band_floor[BANDS][BANDS]; /* [k band][d band] */
} grid_sum;

#ifndef WARM_SECONDS
#define WARM_SECONDS 0.02
#endif
#ifndef TIMED_SECONDS
#define TIMED_SECONDS 0.002
#endif
/* Runs of `updates` simd updates until at least `seconds` of CPU time are spent (one run at
 * least); the mean seconds per update. */
static double runs_for(const ovs_problem *p, const char *act, int updates,
                       ovs_train_workspace *ws, double seconds)
{
    double t = 0, spent = 0;
    int runs = 0;
    for (; spent < seconds || runs == 0; runs++) {
        const double t0 = bench_seconds();
        t += run(p, act, OVS_KERNEL_SIMD, updates, ws);
        spent += bench_seconds() - t0;
    }
    return t / runs;
}

/* The CPU seconds per update of trial 0 of the cell (n, k, d) (a training that stops early,
 * only if it diverges, counts its own updates). First, untimed, runs of `updates` updates for
 * at least WARM_SECONDS: the first milliseconds after the peak loop, a sleep or the process
 * start ran slower per update than the runs after them (docs/BENCHMARKS.md, round 8). Timed
 * from the start, 200 updates of five small ReLU cells read 2.4-2.6x their floor; after 1 ms
 * 2.2, after 5 ms 2.1-2.2, after 20 ms 2.02-2.06, and 20000 updates 2.02. Then the timed runs:
 * at least `updates` updates and TIMED_SECONDS. */
static double cell_update_seconds(const char *act, int n, int k, int d, int updates)
{
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    runs_for(&p, act, updates, &ws, WARM_SECONDS);
    const double t = runs_for(&p, act, updates, &ws, TIMED_SECONDS);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
    return t;
}

/* A group's core-seconds above its floor and its ratio to the floor, by bands of k and d. */
static void print_bands(const grid_sum *g)
{
    static const char *const band[BANDS] = {" 1- 4", " 5-12", "13-  "};
    printf("  excess core-s (x floor)   d %s        d %s        d %s\n", band[0], band[1],
           band[2]);
    for (int bk = 0; bk < BANDS; bk++) {
        printf("  k %s              ", band[bk]);
        for (int bd = 0; bd < BANDS; bd++) {
            const double t = g->band_time[bk][bd], fl = g->band_floor[bk][bd];
            printf("  %7.1f (%5.2f)", t - fl, fl > 0 ? t / fl : 0.0);
        }
        printf("\n");
    }
}

static int compare_doubles(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --modes SECONDS N K D: for SECONDS, the peak (best of 3 short FMA runs), the rate of vector
 * stores into L1 (best of 3 runs of 2 ms or so) and the ReLU update of trial 0 of (N, K, D)
 * with the simd kernel (runs of 200 updates for at least 5 ms, after WARM_SECONDS of warm-up
 * as in cell_update_seconds), in turn; a line per turn: CPU seconds since the start, the
 * peak, the store rate, the update's GFLOP/s (4 n k d flops) and its fraction of the peak;
 * then that fraction's 10th, 50th and 90th percentiles. Whether a kernel's fraction of the
 * peak holds from one second to the next: on the shared hosts of docs/BENCHMARKS.md (round
 * 10) it did not, and the store rate fell with it. */
static int modes(double seconds, int n, int k, int d)
{
    if (!(seconds > 0) || n < 1 || k < 1 || d < 1) {
        fprintf(stderr, "bench_scaling: --modes wants SECONDS > 0 and N K D >= 1\n");
        return 2;
    }
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    double *frac = NULL;
    runs_for(&p, "relu", 200, &ws, WARM_SECONDS);
    int turns = 0, cap = 0;
    printf("seconds peak_gflops store_gbs update_gflops fraction\n");
    for (const double start = bench_seconds(); bench_seconds() - start < seconds;) {
        const double peak = peak_gflops(500000, 3), stores = store_gbs(10000, 3);
        const double gflops = 4.0 * n * k * d / runs_for(&p, "relu", 200, &ws, 0.005) * 1e-9;
        if (turns == cap && !(frac = realloc(frac, sizeof *frac * (cap = 2 * cap + 64)))) {
            fprintf(stderr, "bench_scaling: out of memory\n");
            exit(1);
        }
        frac[turns++] = gflops / peak;
        printf("%.2f %.1f %.1f %.1f %.3f\n", bench_seconds() - start, peak, stores, gflops,
               gflops / peak);
    }
    qsort(frac, (size_t)turns, sizeof *frac, compare_doubles);
    printf("fraction of peak over %d turns: 10th percentile %.3f, median %.3f, 90th %.3f\n",
           turns, frac[turns / 10], frac[turns / 2], frac[turns * 9 / 10]);
    free(frac);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
    return 0;
}

/* The lowest L1 store rate (GB/s) of the faster state, given the best seen: within 15% of
 * it (round 10), or BENCH_STORE_CUT where set (for tests). --floor and --grid share it. */
static double faster_state_cut(double best)
{
    const char *cut_env = getenv("BENCH_STORE_CUT");
    return cut_env ? atof(cut_env) : 0.85 * best;
}

/* The seconds per update of `iters` updates of trial 0 with the simd kernel, the setup not
 * counted (cell()'s way): the best of `reps` runs of iters + 1 updates less the best of
 * `reps` runs of 1. Each best on its own, so that a hiccup of the host in the run of 1
 * cannot make an update read as short. */
static double paired_update_seconds(const ovs_problem *p, const char *act, int iters, int reps,
                                    ovs_train_workspace *ws)
{
    double once = 1e30, whole = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        const double o = run(p, act, OVS_KERNEL_SIMD, 1, ws);
        const double w = run(p, act, OVS_KERNEL_SIMD, iters + 1, ws) * (iters + 1);
        once = o < once ? o : once, whole = w < whole ? w : whole;
    }
    return (whole - once) / iters;
}

/* One cell and activation of --floor: turns for `seconds` (3 at least) of the peak, the L1
 * store rate and (softplus) the softplus kernel's ns per element, an update timed by
 * paired_update_seconds (best of 3, runs of about 10 ms), then the three rates again; the
 * turn's floor takes the mean of the rates around it (as --grid does per cell), its store
 * rate the lower of the two. A line per turn, "turn n k d act peak_gflops softplus_ns
 * store_gbs us_per_update x_floor", then the cell's: the turns, the update's median us, time
 * / floor at the 10th, 50th and 90th percentiles of the turns, and the median over the turns
 * of the faster state (store rate within 15% of the cell's best, or BENCH_STORE_CUT GB/s or
 * more; round 10: the host has two speeds, and the FMA peak does not show which) with their
 * count (nan and 0 where no turn is in it). */
static void floor_cell(int n, int k, int d, const char *act, double seconds)
{
    enum { MAX_TURNS = 4096 };
    const int sp = strcmp(act, "softplus") == 0;
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    runs_for(&p, act, 1, &ws, WARM_SECONDS);
    const double probe = run(&p, act, OVS_KERNEL_SIMD, 3, &ws);
    int iters = (int)(0.01 / probe); /* runs of about 10 ms */
    iters = iters < 3 ? 3 : iters > 20000 ? 20000 : iters;
    static double ratio[MAX_TURNS], us[MAX_TURNS], stores[MAX_TURNS], fast[MAX_TURNS];
    int turns = 0;
    double best_stores = 0;
    for (const double start = bench_seconds();
         turns < MAX_TURNS && (turns < 3 || bench_seconds() - start < seconds); turns++) {
        const double st0 = store_gbs(10000, 3);
        const double p0 = peak_gflops(500000, 3), s0 = sp ? softplus_ns(5) : 0;
        runs_for(&p, act, iters, &ws, 0.005); /* after the peak loop: warm up again */
        /* best of 3, as the peak is: a hiccup of the host would read as the kernel's */
        const double t = paired_update_seconds(&p, act, iters, 3, &ws);
        const double p1 = peak_gflops(500000, 3), s1 = sp ? softplus_ns(5) : 0;
        const double st1 = store_gbs(10000, 3);
        const double fl = 4.0 * n * k * d / (0.5 * (p0 + p1) * 1e9) +
                          (sp ? n * k * 0.5 * (s0 + s1) * 1e-9 : 0.0);
        ratio[turns] = t / fl, us[turns] = t * 1e6, stores[turns] = st0 < st1 ? st0 : st1;
        best_stores = stores[turns] > best_stores ? stores[turns] : best_stores;
        printf("turn %d %d %d %s %.2f %.3f %.1f %.3f %.4f\n", n, k, d, act, 0.5 * (p0 + p1),
               0.5 * (s0 + s1), stores[turns], t * 1e6, t / fl);
    }
    const double cut = faster_state_cut(best_stores);
    int nfast = 0;
    for (int q = 0; q < turns; q++)
        if (stores[q] >= cut)
            fast[nfast++] = ratio[q];
    qsort(fast, (size_t)nfast, sizeof *fast, compare_doubles);
    qsort(ratio, (size_t)turns, sizeof *ratio, compare_doubles);
    qsort(us, (size_t)turns, sizeof *us, compare_doubles);
    printf("%d %d %d %s %d %.3f %.3f %.3f %.3f %.3f %d\n", n, k, d, act, turns, us[turns / 2],
           ratio[turns / 10], ratio[turns / 2], ratio[turns * 9 / 10],
           nfast > 0 ? fast[nfast / 2] : NAN, nfast);
    fflush(stdout);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
}

typedef void (*turns_cell_fn)(int n, int k, int d, const char *act, double seconds);

/* The turns of --floor and --memory: SECONDS > 0 and whole N K D triples, each >= 1, or one
 * message naming the mode (and the cell) and exit 2; else the header line, then cell_fn for
 * each cell, ReLU then softplus. */
static int turns_over_cells(const char *mode, const char *header, turns_cell_fn cell_fn,
                            double seconds, int argc, char **argv)
{
    if (!(seconds > 0) || argc < 3 || argc % 3 != 0) {
        fprintf(stderr, "bench_scaling: %s wants SECONDS > 0 and N K D triples\n", mode);
        return 2;
    }
    for (int c = 0; c + 2 < argc; c += 3)
        if (atoi(argv[c]) < 1 || atoi(argv[c + 1]) < 1 || atoi(argv[c + 2]) < 1) {
            fprintf(stderr, "bench_scaling: %s: N K D must be >= 1 (cell %d)\n", mode,
                    c / 3 + 1);
            return 2;
        }
    printf("%s\n", header);
    for (int c = 0; c + 2 < argc; c += 3)
        for (int a = 0; a < 2; a++)
            cell_fn(atoi(argv[c]), atoi(argv[c + 1]), atoi(argv[c + 2]), a ? "softplus" : "relu",
                    seconds);
    return 0;
}

/* --floor SECONDS N K D [N K D]...: each cell's update against its floor, the floor's rates
 * read around every timed update (floor_cell), SECONDS per cell and activation. The ladder
 * of bench/scaling.sh reads the peak once before all cells and the softplus kernel once
 * after them; on a host whose speed moves by 1.5x within minutes (docs/BENCHMARKS.md, rounds
 * 10 and 13) that puts the drift into the ratio, here it is paired turn by turn. */
static int floor_turns(double seconds, int argc, char **argv)
{
    return turns_over_cells("--floor",
                            "n k d act turns us_per_update x_floor_p10 x_floor_median "
                            "x_floor_p90 x_floor_median_faster turns_faster",
                            floor_cell, seconds, argc, argv);
}

#ifdef BENCH_HAVE_FETCH
/* ---- --memory: the panel path against its memory roofline ----
 * Where X no longer fits in L2, train.c's step_by_panels reads each panel of X from memory
 * once per update (8 np d bytes) and fetches the next panel while it computes this one
 * (fetch.h). No FLOP floor sees that stream. */

/* The bench's copy of step_by_panels's loop (the forward pass and the gradient of each panel,
 * the next panel fetched where the workspace says so), without the norms and the weight
 * update. held: every whole panel's two kernels read panel 0 instead (no fetch), which then
 * stays in L2: the same operations on data that never leaves the cache, so the time of the
 * update as if X cost nothing to read. Its values are wrong (a diagnostic of time only); r and
 * the lane sums are the workspace's scratch, which the next run overwrites. */
static void panel_step(const ovs_problem *p, const ovs_activation *act,
                       ovs_train_workspace *ws, int held, double *r2)
{
    (void)r2; /* a tree before round 31: no lanes */
    const int k = p->k, d = p->d, np = ws->np, q = ws->panel;
    for (int p0 = 0; p0 < np; p0 += q) {
        const int p1 = p0 + q < np ? p0 + q : np;
        const int n0 = p1 < np ? p1 : 0, n1 = n0 + q < np ? n0 + q : np;
        ovs_fetch next = {.at = (const char *)(ws->xp + (size_t)n0 * d),
                          .end = (const char *)(ws->xp + (size_t)n1 * d)};
#ifdef OVS_FETCH_EACH_STEP
        next.each_step = ws->fetch_each_step; /* as the trainer's step fetches */
#endif
        const int hold = held && p1 - p0 == q; /* a short last panel is read as it is */
        const int i0 = hold ? 0 : p0, i1 = hold ? q : p1;
        ovs_fetch *fetch = !held && ws->fetch_next ? &next : NULL;
#ifdef OVS_FETCH_FORWARD_EACH_STEP /* round 40 on: the forward pass's own pace */
        next.each_step = ws->fetch_forward_each_step;
#endif
        ovs_forward_fused_part(act->vector_kernel, p->n, k, d, np, ws->w, ws->xp, q, p->v,
                               ws->yp, ws->zt, q, ws->scratch, ws->r WITH_R2(r2), i0, i1,
                               fetch);
#ifdef OVS_FETCH_FORWARD_EACH_STEP
        next.each_step = ws->fetch_each_step;
#endif
        ovs_smallmm_grad_part(k, d, ws->zt, q, ws->xp + (size_t)i0 * d, i1 - i0, i1 - i0,
                              ws->g, ws->phi, p0 == 0, p1 == np, fetch WITH_GROUPS(ws));
    }
}

/* The workspace's panels as `spec` says: an L2 size in bytes (planned for that L2 as the
 * trainer plans on this CPU: its wide_k and pace, train.h; the fetch as the plan says), or a
 * plan written panel/by_panels/fetch_next[/each_step] (each_step 0 unless given), given as is
 * where X is read in panels at this size, or where it is read whole but a panel is no wider
 * than X and ws->phi holds the step's lane sums (np >= 8 d, train.c), so that panels can be
 * timed at the grid's sizes too (round 32). */
static void plan_for(ovs_train_workspace *ws, const char *spec)
{
    int q, by, fetch, each = 0;
    if (sscanf(spec, "%d/%d/%d/%d", &q, &by, &fetch, &each) >= 3) {
        if (ws->panel > 0 || (q <= ws->np && ws->np >= 8 * ws->d)) {
            ws->panel = q, ws->by_panels = by, ws->fetch_next = fetch;
#ifdef OVS_FETCH_EACH_STEP
            ws->fetch_each_step = fetch && each;
#endif
#ifdef OVS_FETCH_FORWARD_EACH_STEP
            ws->fetch_forward_each_step = fetch && each;
#endif
        }
        return;
    }
    const long l2 = atol(spec);
#ifdef OVS_TRAIN_WIDE_K /* round 35 on: the CPU's wide_k and pace */
    const ovs_panel_plan plan =
        ovs_train_panel_plan(ws->k, ws->d, ws->np, l2, ovs_train_cpu_fetch_wide_k(l2));
    ws->fetch_each_step = plan.fetch_next && ws->k <= ovs_train_cpu_fetch_each_step_k(l2);
#ifdef OVS_FETCH_FORWARD_EACH_STEP
    ws->fetch_forward_each_step =
        plan.fetch_next && ws->k <= ovs_train_cpu_fetch_forward_each_step_k(l2);
#endif
#ifdef OVS_SMALLMM_GROUP_ARG /* round 36 on: the CPU's input groups */
    ws->grad_group_bytes = ovs_train_cpu_grad_group_bytes(l2);
#endif
#else
    const ovs_panel_plan plan = ovs_train_panel_plan(ws->k, ws->d, ws->np, l2);
#endif
    ws->panel = plan.panel, ws->by_panels = plan.by_panels, ws->fetch_next = plan.fetch_next;
}

/* BENCH_L2 (bytes) set: the workspace's panels planned for an L2 of that size instead of this
 * CPU's (tests: the same path on every machine). */
static void plan_for_bench_l2(ovs_train_workspace *ws)
{
    const char *l2 = getenv("BENCH_L2");
    if (l2)
        plan_for(ws, l2);
}

/* Seconds of one read of the m doubles at a (4 sums of 8-double vectors: as many loads in
 * flight as the core allows); the sum goes to *sink so that no load can be dropped. */
typedef double bench_v8d __attribute__((vector_size(64)));
static double read_seconds(const double *a, size_t m, double *sink)
{
    bench_v8d s[4] = {{0}};
    const double t0 = bench_seconds();
    size_t i = 0;
    for (; i + 32 <= m; i += 32)
        for (int u = 0; u < 4; u++)
            s[u] += *(const bench_v8d *)(a + i + 8 * u);
    double tail = 0;
    for (; i < m; i++)
        tail += a[i];
    const double t = bench_seconds() - t0;
    const bench_v8d all = (s[0] + s[1]) + (s[2] + s[3]);
    for (int l = 0; l < 8; l++)
        tail += all[l];
    *sink += tail;
    return t;
}

/* Best of `reps` of each: the real steps, the held steps and X's read. */
typedef struct {
    double steps, held, read;
} memory_times;

static memory_times memory_times_best(const ovs_problem *p, const ovs_activation *act,
                                      ovs_train_workspace *ws, int steps, int reps, double *sink)
{
    memory_times b = {1e30, 1e30, 1e30};
    double r2[8] __attribute__((aligned(64))); /* ||r||^2's lanes: unused here */
    for (int rep = 0; rep < reps; rep++)
        for (int h = 0; h < 2; h++) {
            double t0 = bench_seconds();
            for (int s = 0; s < steps; s++)
                panel_step(p, act, ws, h, r2);
            const double t = (bench_seconds() - t0) / steps;
            if (h)
                b.held = t < b.held ? t : b.held;
            else
                b.steps = t < b.steps ? t : b.steps;
        }
    for (int rep = 0; rep < reps; rep++) {
        const double t = read_seconds(ws->xp, (size_t)ws->np * (size_t)p->d, sink);
        b.read = t < b.read ? t : b.read;
    }
    return b;
}

/* The end of a --memory or --matched cell: its lines out, sink read (so that no timed read
 * or burst can be dropped), the cell's memory freed. */
static void cell_done(ovs_problem *p, ovs_train_workspace *ws, double sink)
{
    fflush(stdout);
    if (sink == 12345.0) /* never */
        printf("\n");
    ovs_problem_free(p);
    ovs_train_workspace_free(ws);
}

static double median_of(double *v, int m)
{
    qsort(v, (size_t)m, sizeof *v, compare_doubles);
    return v[m / 2];
}

/* One cell and activation of --memory: if the update reads X in panels from memory, turns
 * for `seconds` (3 at least) of: the peak and (softplus) the softplus kernel; the bench's
 * steps, real and held, and X's read (memory_times_best, best of 3 each); the peak and the
 * softplus kernel again. The steps are the trainer's update less its norms and weight update
 * (O(n + k d) against O(n k d)); the trainer's own update (paired_update_seconds) is not used
 * here, because at these sizes a run of 1 update includes X's copy into panels and the
 * difference of the two runs read 0.4-1.5x the steps' time turn by turn (round 14). Per turn,
 * with the floor F = 4 n k d / peak (+ n k softplus evaluations: --floor's) and R = the read:
 *   x_floor = steps / F, x_roofline = steps / max(F, R) (1: the update at its roofline),
 *   hidden = (held + R - steps) / R: 1 when the read costs the steps nothing (all of it
 *   overlapped with the kernels), 0 when it adds in full.
 * A line per turn, "turn n k d act peak_gflops softplus_ns read_gbs us_steps us_held us_read
 * x_floor x_roofline hidden", then the cell's medians: "n k d act turns us_steps us_held
 * us_read read_gbs x_floor x_roofline hidden". Where X does not stream (no panels on this CPU
 * at this size) one line says so. BENCH_L2 (bytes) plans the panels for that L2 instead of
 * this CPU's (tests: the same path on every machine). */
static void memory_cell(int n, int k, int d, const char *act_name, double seconds)
{
    enum { MAX_TURNS = 1024, COLS = 7 };
    const int sp = strcmp(act_name, "softplus") == 0;
    const ovs_activation *act = ovs_activation_find(act_name);
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    plan_for_bench_l2(&ws);
    runs_for(&p, act_name, 1, &ws, WARM_SECONDS);
    if (!ws.by_panels || !ws.xp) {
        printf("%d %d %d %s no panels: X stays in cache at this size on this CPU\n", n, k, d,
               act_name);
        cell_done(&p, &ws, 0);
        return;
    }
    const double probe = run(&p, act_name, OVS_KERNEL_SIMD, 3, &ws);
    int steps = (int)(0.01 / probe); /* runs of about 10 ms */
    steps = steps < 1 ? 1 : steps > 20000 ? 20000 : steps;
    const double bytes = 8.0 * ws.np * d;
    static double col[COLS][MAX_TURNS];
    double sink = 0, r2[8] __attribute__((aligned(64)));
    int turns = 0;
    for (const double start = bench_seconds();
         turns < MAX_TURNS && (turns < 3 || bench_seconds() - start < seconds); turns++) {
        const double p0 = peak_gflops(500000, 3), s0 = sp ? softplus_ns(5) : 0;
        for (int s = 0; s < steps; s++) /* after the peak loop: warm up again */
            panel_step(&p, act, &ws, 0, r2);
        const memory_times m = memory_times_best(&p, act, &ws, steps, 3, &sink);
        const double p1 = peak_gflops(500000, 3), s1 = sp ? softplus_ns(5) : 0;
        const double fl = 4.0 * n * k * d / (0.5 * (p0 + p1) * 1e9) +
                          (sp ? n * k * 0.5 * (s0 + s1) * 1e-9 : 0.0);
        const double roof = fl > m.read ? fl : m.read;
        const double row[COLS] = {m.steps * 1e6, m.held * 1e6, m.read * 1e6,
                                  bytes / m.read * 1e-9, m.steps / fl, m.steps / roof,
                                  (m.held + m.read - m.steps) / m.read};
        for (int c = 0; c < COLS; c++)
            col[c][turns] = row[c];
        printf("turn %d %d %d %s %.2f %.3f %.2f %.3f %.3f %.3f %.4f %.4f %.4f\n", n, k, d,
               act_name, 0.5 * (p0 + p1), 0.5 * (s0 + s1), row[3], row[0], row[1], row[2],
               row[4], row[5], row[6]);
    }
    printf("%d %d %d %s %d", n, k, d, act_name, turns);
    for (int c = 0; c < COLS; c++)
        printf(" %.*f", c < 3 ? 3 : c == 3 ? 2 : 4, median_of(col[c], turns));
    printf("\n");
    cell_done(&p, &ws, sink);
}

/* --memory SECONDS N K D [N K D]...: memory_cell for each cell, ReLU then softplus. */
static int memory_turns(double seconds, int argc, char **argv)
{
    return turns_over_cells("--memory",
                            "n k d act turns us_steps us_held us_read read_gbs x_floor "
                            "x_roofline hidden",
                            memory_cell, seconds, argc, argv);
}

/* ---- --matched: each update beside a burst of FMAs of its own flops ----
 * On the shared host of docs/BENCHMARKS.md the same call's time moves by 1.3-1.5x from one
 * microsecond to the next (round 15: a fixed loop of FMAs too), so a ratio of an update to a
 * peak read milliseconds away carries that motion. Here each turn times, back to back
 * and in batches of about 20 us by the wall clock: a burst of as many vector FMAs as the
 * update's two products (2 n k d / lanes, at the core's peak when nothing else holds it),
 * for softplus the fused pass's softplus kernel on n k values in L1 (--floor's evaluations),
 * and the update. The turn's floor is the burst's time (+ the evaluations'), measured at the
 * same moment as the update: the core's clock of that moment is in it, the state of the caches
 * and memory that the update shares with the host's other tenants is not (round 15: the
 * matched ratio still moved with that state). */

/* One GD update as train.c's ovs_train_run makes it: the forward pass (by panels where the
 * workspace reads X in panels), the norms of r and g, W -= eta g (with ||g||, into w_next, as
 * the trainer does from round 30 on). Returns ||r|| + ||g||. */
static double matched_update(const ovs_problem *p, const ovs_activation *act, double eta,
                             ovs_train_workspace *ws)
{
    const int k = p->k, d = p->d, np = ws->np, kd = k * d;
    double r2[8] __attribute__((aligned(64))); /* set by the (first) pass */
    if (ws->by_panels && ws->xp) {
        panel_step(p, act, ws, 0, r2);
    } else {
        ovs_forward_fused(act->vector_kernel, p->n, k, d, np, ws->w, ws->xp ? ws->xp : ws->xt,
                          ws->xp ? ws->panel : 0, p->v, ws->yp, ws->zt, ws->scratch,
                          ws->r WITH_R2(r2));
        ovs_smallmm_grad_lanes(k, d, np, ws->zt, ws->xt, ws->g,
                               (size_t)np >= 8 * (size_t)d ? ws->phi : NULL WITH_GROUPS(ws));
    }
#ifdef OVS_FORWARD_R2 /* round 31 on: the pass's lanes, not a second pass over r */
    const double rnorm = sqrt(ovs_hsum(r2));
#else
    const double rnorm = sqrt(ovs_smallmm_sum_squares(ws->r, p->n));
#endif
#ifdef OVS_SMALLMM_DESCEND /* round 30 on: the step and ||g|| in one pass, w and w_next swapped */
    const double gnorm = sqrt(ovs_smallmm_descend(ws->w_next, ws->w, ws->g, eta, ovs_pad(kd)));
    double *w = ws->w;
    ws->w = ws->w_next;
    ws->w_next = w;
#else
    const double gnorm = sqrt(ovs_smallmm_sum_squares(ws->g, kd));
    for (int i = 0; i < kd; i++)
        ws->w[i] -= eta * ws->g[i];
#endif
    return rnorm + gnorm;
}

/* Whether `updates` of matched_update from W_0 leave the bits of W that ovs_train_run leaves
 * after as many: the bench times the trainer's update, not a copy that drifted from it. */
static int matched_is_trainers(const ovs_problem *p, const char *act_name, double eta,
                               ovs_train_workspace *ws, int updates)
{
    const int kd = p->k * p->d;
    const double ladder[1] = {1e-300};
    const ovs_gd_opts o = {.act = ovs_activation_find(act_name), .eta = eta,
                           .kernel = OVS_KERNEL_SIMD};
    const ovs_protocol proto = {.max_iter = updates, .tol = ladder[0], .ladder = ladder,
                                .n_ladder = 1};
    ovs_result r;
    double *want = malloc(sizeof *want * (size_t)kd);
    if (!want || ovs_train_run(p, &o, &proto, ws, &r) != 0 || r.iterations != updates) {
        free(want);
        return 0;
    }
    memcpy(want, ws->w, sizeof *want * (size_t)kd);
    memcpy(ws->w, p->w0, sizeof *want * (size_t)kd);
    for (int t = 0; t < updates; t++)
        matched_update(p, o.act, eta, ws);
    const int same = memcmp(want, ws->w, sizeof *want * (size_t)kd) == 0;
    free(want);
    return same;
}

/* The fused pass's softplus kernel on m values, 4096 at a time in L1 (softplus_ns's values). */
static void softplus_values(long m)
{
    enum { M = 4096 };
    static double z[M] __attribute__((aligned(64))), phi[M] __attribute__((aligned(64))),
        dphi[M] __attribute__((aligned(64)));
    if (z[1] == 0.0)
        for (int i = 0; i < M; i++)
            z[i] = -8.0 + 16.0 * (double)((i * 2654435761u) % M) / M;
    for (long i = 0; i < m; i += M)
        ovs_forward_softplus(z, phi, dphi, (int)(m - i < M ? m - i : M));
}

/* One cell and activation of --matched: after WARM_SECONDS of updates and the check that the
 * bench's update is the trainer's, turns for `seconds` (20 at least) of: a batch of bursts, of
 * softplus evaluations (softplus), of updates, each batch as many calls as make about 20 us
 * of updates. The burst is 12 x 256 vector FMAs at least. Per turn, with B the burst's time
 * scaled to 2 n k d FMAs and S the evaluations':
 *   x_floor = update / (B + S), frac_peak = (4 n k d / update) / peak, peak = 4 n k d / B.
 * A line per turn, "turn n k d act batch peak_gflops us_update us_products us_softplus x_floor
 * frac_peak" (us_products: B, us_softplus: S, 0 for ReLU), then the cell's: "n k d act same
 * turns peak_gflops_median us_update_median x_floor_p10 x_floor_median x_floor_p90
 * frac_peak_median", same = 1 where the bench's update is the trainer's
 * (matched_is_trainers), else 0 and no turns. BENCH_L2 as in --memory. */
static void matched_cell(int n, int k, int d, const char *act_name, double seconds)
{
    enum { MAX_TURNS = 1 << 16 };
    const int sp = strcmp(act_name, "softplus") == 0;
    const double eta = sp ? 0.15 : 0.1;
    const ovs_activation *act = ovs_activation_find(act_name);
    ovs_problem p;
    ovs_train_workspace ws;
    setup_cell(n, k, d, &p, &ws);
    plan_for_bench_l2(&ws);
    const int same = matched_is_trainers(&p, act_name, eta, &ws, 3);
    if (!same) {
        printf("%d %d %d %s 0 0\n", n, k, d, act_name);
        cell_done(&p, &ws, 0);
        return;
    }
    int lanes;
    const fma_burst_fn burst = fma_burst_pick(&lanes);
    const double fmas = 2.0 * n * k * d; /* the two products' FMAs */
    /* at least 256 rounds (about 1.5 us): a shorter burst spends a visible share of its time
     * filling and draining the chains, which would read as a lower peak */
    long reps = (long)ceil(fmas / (12.0 * lanes));
    reps = reps < 256 ? 256 : reps;
    const double scale = fmas / (12.0 * lanes * (double)reps); /* burst time -> 2 n k d FMAs */
    double sink = 0, t0 = wall_seconds();
    long batch = 0;
    for (; batch == 0 || wall_seconds() - t0 < WARM_SECONDS; batch++)
        sink += matched_update(&p, act, eta, &ws);
    batch = (long)(2e-5 / ((wall_seconds() - t0) / (double)batch));
    batch = batch < 1 ? 1 : batch > 10000 ? 10000 : batch;
    static double x[MAX_TURNS], peak[MAX_TURNS], us[MAX_TURNS], frac[MAX_TURNS];
    int turns = 0;
    for (const double start = wall_seconds();
         turns < MAX_TURNS && (turns < 20 || wall_seconds() - start < seconds); turns++) {
        const double a = wall_seconds();
        for (long b = 0; b < batch; b++)
            sink += burst(reps);
        const double e = wall_seconds();
        for (long b = 0; sp && b < batch; b++)
            softplus_values((long)n * k);
        const double f = sp ? wall_seconds() : e;
        for (long b = 0; b < batch; b++)
            sink += matched_update(&p, act, eta, &ws);
        const double g = wall_seconds();
        const double tb = (e - a) / batch * scale, ts = (f - e) / batch, tu = (g - f) / batch;
        x[turns] = tu / (tb + ts), peak[turns] = 2.0 * fmas / tb * 1e-9, us[turns] = tu * 1e6;
        frac[turns] = tb / tu;
        printf("turn %d %d %d %s %ld %.2f %.4f %.4f %.4f %.4f %.4f\n", n, k, d, act_name, batch,
               peak[turns], tu * 1e6, tb * 1e6, ts * 1e6, x[turns], frac[turns]);
    }
    const double pm = median_of(peak, turns), um = median_of(us, turns);
    const double fm = median_of(frac, turns), xm = median_of(x, turns); /* x sorted last */
    printf("%d %d %d %s 1 %d %.2f %.4f %.4f %.4f %.4f %.4f\n", n, k, d, act_name, turns, pm, um,
           x[turns / 10], xm, x[turns * 9 / 10], fm);
    cell_done(&p, &ws, sink);
}

/* --matched SECONDS N K D [N K D]...: matched_cell for each cell, ReLU then softplus. */
static int matched_turns(double seconds, int argc, char **argv)
{
    return turns_over_cells("--matched",
                            "n k d act same turns peak_gflops_median us_update_median "
                            "x_floor_p10 x_floor_median x_floor_p90 frac_peak_median",
                            matched_cell, seconds, argc, argv);
}

/* ---- --plans: two panel plans of one size side by side ----
 * ovs_train_panel_plan chooses from the CPU's L2 how the step reads X (train.h); its bounds
 * were measured on a 2 MiB L2 (rounds 11-12) and only carried over to other sizes of L2. Here
 * each turn times a batch of updates with plan A and one with plan B, each planned for an L2
 * of a given size or given outright (two workspaces of one problem; the order of the two
 * alternates turn by turn), so a bound can be checked on the CPU it governs. */

/* Whether spec is an L2 size >= 1 or a plan q/by/fetch[/each_step] with q a positive
 * multiple of 96 and the others 0 or 1. (The lines print q/by/fetch: the pace is the plan's
 * as given, or this CPU's for an L2 size, train.h.) */
static int plan_spec_ok(const char *spec)
{
    int q, by, fetch, each = 0;
    if (sscanf(spec, "%d/%d/%d/%d", &q, &by, &fetch, &each) >= 3)
        return q > 0 && q % 96 == 0 && (by == 0 || by == 1) && (fetch == 0 || fetch == 1) &&
               (each == 0 || each == 1);
    return atol(spec) >= 1;
}

/* Seconds per update of a batch of matched_update. */
static double batch_seconds(const ovs_problem *p, const ovs_activation *act, double eta,
                            ovs_train_workspace *ws, long batch, double *sink)
{
    const double t0 = wall_seconds();
    for (long b = 0; b < batch; b++)
        *sink += matched_update(p, act, eta, ws);
    return (wall_seconds() - t0) / (double)batch;
}

/* One cell and activation of --plans (plans_spec: the two plans): after the check that
 * both workspaces' updates are the trainer's, turns for `seconds` (20 at least) of a batch
 * of updates of each plan (about 20 us of updates a batch). A line per turn, "turn n k d act
 * batch us_a us_b b_over_a", then the cell's: "n k d act plan_a plan_b same turns us_a_median
 * us_b_median b_over_a_p10 b_over_a_median b_over_a_p90", a plan written panel/by_panels/
 * fetch_next (0/0/0: X whole, no panels); same = 1 where both updates are the trainer's, else
 * 0, no turns and zeros. */
static const char *plans_spec[2]; /* --plans's two plans (plan_for), set by plans_turns */

static void plans_cell(int n, int k, int d, const char *act_name, double seconds)
{
    enum { MAX_TURNS = 1 << 16 };
    const double eta = strcmp(act_name, "softplus") == 0 ? 0.15 : 0.1;
    const ovs_activation *act = ovs_activation_find(act_name);
    ovs_problem p;
    ovs_train_workspace ws[2];
    setup_cell(n, k, d, &p, &ws[0]);
    if (ovs_train_workspace_alloc(&ws[1], n, k, d) != 0) {
        fprintf(stderr, "bench_scaling: out of memory at (%d, %d, %d)\n", n, k, d);
        exit(1);
    }
    int same = 1;
    for (int s = 0; s < 2; s++) {
        plan_for(&ws[s], plans_spec[s]);
        same = same && matched_is_trainers(&p, act_name, eta, &ws[s], 3);
    }
    double sink = 0, ua = 0, ub = 0, rq[3] = {0};
    int turns = 0;
    if (same) {
        long batch = 0;
        const double t0 = wall_seconds();
        for (; batch == 0 || wall_seconds() - t0 < WARM_SECONDS; batch++)
            for (int s = 0; s < 2; s++)
                sink += matched_update(&p, act, eta, &ws[s]);
        batch = (long)(4e-5 / ((wall_seconds() - t0) / (double)batch)); /* 2 x 20 us */
        batch = batch < 1 ? 1 : batch > 10000 ? 10000 : batch;
        static double us[2][MAX_TURNS], ratio[MAX_TURNS];
        for (const double start = wall_seconds();
             turns < MAX_TURNS && (turns < 20 || wall_seconds() - start < seconds); turns++) {
            double t[2];
            for (int i = 0; i < 2; i++) {
                const int s = (turns + i) % 2; /* A first in even turns, B first in odd */
                t[s] = batch_seconds(&p, act, eta, &ws[s], batch, &sink);
            }
            us[0][turns] = t[0] * 1e6, us[1][turns] = t[1] * 1e6, ratio[turns] = t[1] / t[0];
            printf("turn %d %d %d %s %ld %.4f %.4f %.4f\n", n, k, d, act_name, batch,
                    us[0][turns], us[1][turns], ratio[turns]);
        }
        ua = median_of(us[0], turns), ub = median_of(us[1], turns);
        rq[1] = median_of(ratio, turns); /* ratio sorted last */
        rq[0] = ratio[turns / 10], rq[2] = ratio[turns * 9 / 10];
    }
    printf("%d %d %d %s %d/%d/%d %d/%d/%d %d %d %.4f %.4f %.4f %.4f %.4f\n", n, k, d, act_name,
           ws[0].panel, ws[0].by_panels, ws[0].fetch_next, ws[1].panel, ws[1].by_panels,
           ws[1].fetch_next, same, turns, ua, ub, rq[0], rq[1], rq[2]);
    ovs_train_workspace_free(&ws[1]);
    cell_done(&p, &ws[0], sink);
}

/* --plans SECONDS A B N K D [N K D]...: plans_cell for each cell, ReLU then softplus; A and B
 * as plan_for reads them. */
static int plans_turns(double seconds, int argc, char **argv)
{
    if (argc < 2 || !plan_spec_ok(argv[0]) || !plan_spec_ok(argv[1])) {
        fprintf(stderr, "bench_scaling: --plans wants two plans, each an L2 size in bytes or "
                        "PANEL/BY_PANELS/FETCH[/EACH_STEP] (PANEL a multiple of 96, the others 0 "
                        "or 1)\n");
        return 2;
    }
    plans_spec[0] = argv[0], plans_spec[1] = argv[1];
    return turns_over_cells("--plans",
                            "n k d act plan_a plan_b same turns us_a_median us_b_median "
                            "b_over_a_p10 b_over_a_median b_over_a_p90",
                            plans_cell, seconds, argc - 2, argv + 2);
}
#endif

/* The host's state around each cell of the replay: the L1 store rate read before and after
 * it (the lower of the two, GB/s), the cell's stratum (group and bands of k and d) and its
 * core-seconds and floor. */
typedef struct cell_state {
    double stores, time, floor;
    int stratum;
} cell_state;

#define STRATA (16 * BANDS * BANDS)

/* The replay's cells in two parts: those whose store rate was within 15% of the best seen
 * around any cell (the faster state of docs/BENCHMARKS.md, round 10), and the rest. Cells
 * differ more than states do (ReLU at small d runs at several times its floor, softplus near
 * 1.4x), so each part's ratio is post-stratified: within each stratum (group, band of k,
 * band of d) the part's core-seconds over its floor, weighted by the stratum's whole floor,
 * over the strata the part has cells in (their share of the floor is printed). The split is
 * of the same measurements: how far the ratio moves with the host's state. BENCH_STORE_CUT
 * (GB/s) sets the line between the states instead. */
static void split_by_state(const cell_state *c, int cells)
{
    double best = 0, lo = 1e30;
    for (int i = 0; i < cells; i++) {
        best = c[i].stores > best ? c[i].stores : best;
        lo = c[i].stores < lo ? c[i].stores : lo;
    }
    const double cut = faster_state_cut(best);
    printf("host state: the L1 store rate around each cell read %.1f-%.1f GB/s; the faster state"
           " is %.1f GB/s or more\n", lo, best, cut);
    double time[2][STRATA] = {{0}}, floor[2][STRATA] = {{0}};
    int count[2][STRATA] = {{0}};
    for (int i = 0; i < cells; i++) {
        const int f = c[i].stores >= cut;
        time[f][c[i].stratum] += c[i].time, floor[f][c[i].stratum] += c[i].floor;
        count[f][c[i].stratum]++;
    }
    for (int f = 1; f >= 0; f--) {
        double est = 0, covered = 0, all = 0;
        int m = 0;
        for (int st = 0; st < STRATA; st++) {
            const double whole = floor[0][st] + floor[1][st];
            all += whole, m += count[f][st];
            if (count[f][st] > 0 && floor[f][st] > 0)
                est += whole * time[f][st] / floor[f][st], covered += whole;
        }
        printf("%s state     x floor %.3f  (%d cells; post-stratified over the strata with"
               " cells in this state, %.0f%% of the floor)\n", f ? "faster" : "slower",
               covered > 0 ? est / covered : 0.0, m, all > 0 ? 100.0 * covered / all : 0.0);
    }
}

/* --grid CELLS [UPDATES]: the Figure-2 grid's work replayed against its floor with the
 * floor's two rates measured between the cells, so that a machine whose speed drifts within
 * the hour (docs/BENCHMARKS.md, round 7) does not move the ratio. CELLS: lines
 * "act n k d iterations trials" (bench/grid_cells.py of a finished sweep file: every cell's
 * iterations summed over its trials). For each cell: the peak (best of 3 short FMA runs) and,
 * for softplus, the softplus kernel's ns per element, then UPDATES (default 200) updates of
 * trial 0 of that cell with the simd kernel, repeated untimed for 20 ms and then timed for
 * at least 2 ms (cell_update_seconds), then the two rates again. The cell's time is its
 * iterations times the time per update; its floor (bench/floor.py's) takes the mean of the
 * rates before and after it. Prints per group, with its excess by bands of k and d, and in
 * all, like floor.py. A line that is not a cell stops it with one message and exit 2.
 * Last, the same cells split by the host's state (split_by_state). */
static int grid(const char *path, int updates)
{
    if (updates < 1) {
        fprintf(stderr, "bench_scaling: --grid wants UPDATES >= 1\n");
        return 2;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_scaling: cannot read %s\n", path);
        return 2;
    }
    grid_sum g[16];
    int ng = 0, n, k, d, trials, cells = 0, cap = 0;
    double iters, peak_lo = 1e30, peak_hi = 0;
    cell_state *states = NULL;
    char act[16];
    while (fscanf(f, "%15s %d %d %d %lf %d", act, &n, &k, &d, &iters, &trials) == 6) {
        const int sp = strcmp(act, "softplus") == 0;
        int i = 0;
        while (i < ng && (g[i].n != n || strcmp(g[i].act, act) != 0))
            i++;
        if (i == ng) {
            if (ng == 16) {
                fprintf(stderr, "bench_scaling: %s has more than 16 groups\n", path);
                fclose(f);
                free(states);
                return 2;
            }
            g[ng] = (grid_sum){.n = n};
            snprintf(g[ng++].act, sizeof g[0].act, "%s", act);
        }
        const double st0 = store_gbs(10000, 3);
        const double p0 = peak_gflops(500000, 3), s0 = sp ? softplus_ns(5) : 0;
        const double t = cell_update_seconds(act, n, k, d, updates);
        const double p1 = peak_gflops(500000, 3), s1 = sp ? softplus_ns(5) : 0;
        const double st1 = store_gbs(10000, 3);
        const double peak = 0.5 * (p0 + p1) * 1e9, spns = 0.5 * (s0 + s1);
        const double per_update = 4.0 * n * k * d / peak + (sp ? n * k * spns * 1e-9 : 0.0);
        const double cell_floor = iters * per_update;
        const int bk = band_of(k), bd = band_of(d);
        g[i].time += iters * t, g[i].band_time[bk][bd] += iters * t;
        g[i].floor += cell_floor, g[i].band_floor[bk][bd] += cell_floor;
        peak_lo = p0 < peak_lo ? p0 : peak_lo, peak_lo = p1 < peak_lo ? p1 : peak_lo;
        peak_hi = p0 > peak_hi ? p0 : peak_hi, peak_hi = p1 > peak_hi ? p1 : peak_hi;
        if (cells == cap && !(states = realloc(states, sizeof *states * (cap = 2 * cap + 256)))) {
            fprintf(stderr, "bench_scaling: out of memory\n");
            exit(1);
        }
        states[cells++] = (cell_state){st0 < st1 ? st0 : st1, iters * t, cell_floor,
                                       (i * BANDS + bk) * BANDS + bd};
    }
    const int stopped = !feof(f);
    fclose(f);
    if (stopped) {
        fprintf(stderr, "bench_scaling: %s: line %d is not \"act n k d iterations trials\"\n",
                path, cells + 1);
        free(states);
        return 2;
    }
    double time = 0, floor = 0;
    for (int i = 0; i < ng; i++) {
        printf("n%d_%-12s replayed %8.1f core-s  floor %8.1f  (x floor %.3f)\n", g[i].n,
               g[i].act, g[i].time, g[i].floor, g[i].time / g[i].floor);
        print_bands(&g[i]);
        time += g[i].time, floor += g[i].floor;
    }
    printf("all groups       replayed %8.1f core-s  floor %8.1f  (x floor %.3f; %d cells, %d "
           "updates each, peak read %.1f-%.1f GFLOP/s between them)\n",
           time, floor, time / floor, cells, updates, peak_lo, peak_hi);
    if (cells > 0)
        split_by_state(states, cells);
    free(states);
    return cells > 0 ? 0 : 2;
}

int main(int argc, char **argv)
{
#ifdef OVS_FORWARD_SOFTPLUS
    if (argc >= 3 && strcmp(argv[1], "--grid") == 0)
        return grid(argv[2], argc > 3 ? atoi(argv[3]) : 200);
    if (argc == 6 && strcmp(argv[1], "--modes") == 0)
        return modes(atof(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
    if (argc >= 3 && strcmp(argv[1], "--floor") == 0)
        return floor_turns(atof(argv[2]), argc - 3, argv + 3);
#ifdef BENCH_HAVE_FETCH
    if (argc >= 3 && strcmp(argv[1], "--memory") == 0)
        return memory_turns(atof(argv[2]), argc - 3, argv + 3);
    if (argc >= 3 && strcmp(argv[1], "--matched") == 0)
        return matched_turns(atof(argv[2]), argc - 3, argv + 3);
    if (argc >= 3 && strcmp(argv[1], "--plans") == 0)
        return plans_turns(atof(argv[2]), argc - 3, argv + 3);
#endif
    if (argc >= 6 && strcmp(argv[1], "--parts") == 0) {
        for (int c = 3; c + 2 < argc; c += 3)
            parts(atoi(argv[c]), atoi(argv[c + 1]), atoi(argv[c + 2]), atoi(argv[2]));
        return 0;
    }
#endif
    if (argc < 5 || (argc - 2) % 3 != 0) {
        fprintf(stderr, "usage: bench_scaling SECONDS N K D [N K D]...\n"
                        "       bench_scaling --parts REPS N K D [N K D]...\n"
                        "       bench_scaling --grid CELLS [UPDATES]\n"
                        "       bench_scaling --modes SECONDS N K D\n"
                        "       bench_scaling --floor SECONDS N K D [N K D]...\n"
                        "       bench_scaling --memory SECONDS N K D [N K D]...\n"
                        "       bench_scaling --matched SECONDS N K D [N K D]...\n"
                        "       bench_scaling --plans SECONDS A B N K D [N K D]...\n");
        return 2;
    }
    double budget = atof(argv[1]);
    printf("n k d act kernel us_per_update gflops updates\n");
    for (int c = 2; c + 2 < argc; c += 3) {
        int n = atoi(argv[c]), k = atoi(argv[c + 1]), d = atoi(argv[c + 2]);
        cell(n, k, d, "relu", budget);
        cell(n, k, d, "softplus", budget);
    }
    printf("softplus_ns_per_element %.3f\n", softplus_ns(50));
    return 0;
}
