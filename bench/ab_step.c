/* ab_step.c - one GD update of a baseline revision against the working tree, in one process.
 *
 * Built by bench/ab_step.sh, which compiles the baseline's kernel files with their ovs_
 * symbols renamed to a_ovs_. The baseline must have this tree's ovs_train_run signature
 * (revisions from the settings/protocol redesign on). Timings on a shared machine drift by up to 2x within seconds,
 * so the two versions take turns: ROUNDS rounds of two short runs each (trial 0, 1 update
 * and ITERS + 1 updates, a tolerance never reached), the best of each kept; the time per
 * update is their difference over ITERS, so that the run's setup does not count (until
 * round 12 it did: at d = 640, ITERS = 5 read about twice the time per update), and the
 * side that runs first alternates. Also says whether the two runs ended bit-identical
 * (iterations, final error, distance from init).
 * The ratio of the best runs compares each side's luckiest moment of the host, which need
 * not be alike (round 17: 0.67-1.22 in A/A runs). So each round also gives a paired ratio,
 * its two long runs (back to back) less the best short runs; the median of those and their
 * 10th and 90th percentiles follow. */
#include "activation.h"
#include "problem.h"
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The baseline's entry points; its workspace layout may differ, so it stays opaque. */
const ovs_activation *a_ovs_activation_find(const char *name);
int a_ovs_train_workspace_alloc(void *ws, int n, int k, int d);
void a_ovs_train_workspace_free(void *ws);
int a_ovs_train_run(const ovs_problem *p, const ovs_gd_opts *o, const ovs_protocol *proto,
                    void *ws, ovs_result *res);

/* CPU time of this thread: on a shared machine the wall clock also counts the time other
 * processes hold the core. */
static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static ovs_gd_opts opts(const ovs_activation *act)
{
    return (ovs_gd_opts){act, strcmp(act->name, "softplus") == 0 ? 0.15 : 0.1, OVS_KERNEL_SIMD};
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile (0 <= q <= 1) of the m sorted values v: the nearest rank. */
static double quantile(const double *v, int m, double q)
{
    return v[(int)lround(q * (m - 1))];
}

static void cell(int n, int k, int d, const char *act, int iters, int rounds)
{
    ovs_problem p;
    ovs_train_workspace ws;
    _Alignas(64) unsigned char ws_a[1024];
    double ladder[1] = {1e-300}, best_a = 1e30, best_b = 1e30;
    ovs_result ra, rb;
    if (ovs_problem_alloc(&p, n, k, d) != 0 || ovs_train_workspace_alloc(&ws, n, k, d) != 0 ||
        a_ovs_train_workspace_alloc(ws_a, n, k, d) != 0) {
        fprintf(stderr, "ab_step: out of memory\n");
        exit(1);
    }
    ovs_problem_draw(&p, 2019, 0);
    const ovs_gd_opts oa = opts(a_ovs_activation_find(act)), ob = opts(ovs_activation_find(act));
    const ovs_protocol proto = {.max_iter = iters + 1, .tol = ladder[0], .ladder = ladder,
                                .n_ladder = 1};
    const ovs_protocol one = {.max_iter = 1, .tol = ladder[0], .ladder = ladder, .n_ladder = 1};
    double once_a = 1e30, once_b = 1e30;
    double *long_a = malloc(sizeof(double) * (size_t)rounds),
           *long_b = malloc(sizeof(double) * (size_t)rounds);
    if (!long_a || !long_b) {
        fprintf(stderr, "ab_step: out of memory\n");
        exit(1);
    }
    /* the side that runs second in a round read 4-8% slower at (1600, 20-40, 80-160) in an
     * A/A run (docs/BENCHMARKS.md, round 12): the order alternates from round to round */
    for (int r = 0; r < rounds; r++)
        for (int turn = 0; turn < 2; turn++) {
            const ovs_protocol *pr = turn == 0 ? &one : &proto;
            double *best[2] = {turn == 0 ? &once_a : &best_a, turn == 0 ? &once_b : &best_b};
            for (int side = r % 2, q = 0; q < 2; q++, side = 1 - side) {
                const double t0 = seconds();
                if (side == 0)
                    a_ovs_train_run(&p, &oa, pr, ws_a, &ra);
                else
                    ovs_train_run(&p, &ob, pr, &ws, &rb);
                const double t = seconds() - t0;
                *best[side] = t < *best[side] ? t : *best[side];
                if (turn == 1)
                    (side == 0 ? long_a : long_b)[r] = t;
            }
        }
    /* the updates after the first: a run's setup (X transposed and in panels: 55 ms at
     * (6400, 20, 640), more than 5 updates) and its first update cancel */
    const int more = ra.iterations - 1 > 0 ? ra.iterations - 1 : 1;
    best_a = (best_a - once_a) / more;
    best_b = (best_b - once_b) / more;
    for (int r = 0; r < rounds; r++) /* the paired ratios, in long_a */
        long_a[r] = (long_b[r] - once_b) / (long_a[r] - once_a);
    qsort(long_a, (size_t)rounds, sizeof *long_a, by_value);
    const double med = quantile(long_a, rounds, 0.5), p10 = quantile(long_a, rounds, 0.1),
                 p90 = quantile(long_a, rounds, 0.9);
    int same = ra.iterations == rb.iterations &&
               memcmp(&ra.final_rel_err, &rb.final_rel_err, sizeof(double)) == 0 &&
               memcmp(&ra.dist_from_init, &rb.dist_from_init, sizeof(double)) == 0;
    printf("%-9s %4d %3d %3d %10.3f %10.3f %8.3f %8.3f %6.3f %6.3f  %s\n", act, n, k, d,
           best_a * 1e6, best_b * 1e6, best_b / best_a, med, p10, p90,
           same ? "bit-identical" : "rounding differs");
    free(long_a), free(long_b);
    ovs_problem_free(&p);
    ovs_train_workspace_free(&ws);
    a_ovs_train_workspace_free(ws_a);
}

int main(int argc, char **argv)
{
    if (argc < 3 || (argc - 3) % 3 != 0) {
        fprintf(stderr, "usage: ab_step ITERS ROUNDS [N K D]...\n");
        return 2;
    }
    static const int std_cells[][3] = {{100, 10, 10}, {200, 25, 25}, {200, 8, 25},
                                       {100, 25, 4},  {200, 5, 5},   {100, 3, 20},
                                       {200, 12, 12}, {200, 25, 8},  {100, 7, 13}};
    int iters = atoi(argv[1]), rounds = atoi(argv[2]), ncell = (argc - 3) / 3;
    printf("%-9s %4s %3s %3s %10s %10s %8s %8s %6s %6s\n", "act", "n", "k", "d", "base us",
           "tree us", "tree/base", "paired", "p10", "p90");
    const char *acts[] = {"softplus", "relu"};
    for (int a = 0; a < 2; a++) {
        if (ncell == 0)
            for (size_t c = 0; c < sizeof std_cells / sizeof std_cells[0]; c++)
                cell(std_cells[c][0], std_cells[c][1], std_cells[c][2], acts[a], iters, rounds);
        for (int c = 0; c < ncell; c++)
            cell(atoi(argv[3 + 3 * c]), atoi(argv[4 + 3 * c]), atoi(argv[5 + 3 * c]), acts[a],
                 iters, rounds);
    }
    return 0;
}
