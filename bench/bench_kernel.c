/* bench_kernel.c - per-iteration cost of the GD kernel on the benchmark cells.
 *
 * For each (n, k, d) cell and activation: draw trial 0, run ITERS updates (tol so small that
 * the trial never stops early; a diverging trial is reported), repeat REPS times, report the
 * best time per iteration and the GFLOP/s of the two products (4 n k d flops per update).
 * Rows: the float64 hand-written kernels ("simd") and float64 CBLAS ("blas"). */
#include "activation.h"
#include "method.h"
#include "problem.h"
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* CPU time of this thread: on a shared machine the wall clock also counts the time other
 * processes hold the core. */
static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    enum { NCELL = 4, NACT = 2, NROW = 2 };
    const int cells[NCELL][3] = {{100, 10, 10}, {200, 25, 25}, {200, 8, 25}, {100, 25, 4}};
    const char *acts[NACT] = {"softplus", "relu"};
    const char *names[NROW] = {"simd", "blas"};
    int iters = argc > 1 ? atoi(argv[1]) : 3000, reps = 7;
    double ladder[1] = {1e-300};
    double best[NROW][NACT][NCELL];
    ovs_result res[NROW][NACT][NCELL];
    for (int a = 0; a < NACT; a++)
        for (int c = 0; c < NCELL; c++) {
            int n = cells[c][0], k = cells[c][1], d = cells[c][2];
            ovs_problem p;
            ovs_problem_alloc(&p, n, k, d);
            ovs_problem_draw(&p, 2019, 0);
            for (int row = 0; row < NROW; row++)
                best[row][a][c] = 1e30;
            /* The rows of a cell take turns, so that load from other processes on a shared
             * machine hits them alike; the best of the reps is kept. */
            for (int rep = 0; rep < reps; rep++)
                for (int row = 0; row < NROW; row++) {
                    const ovs_method_spec m = {
                        .method = OVS_METHOD_GD, .act = ovs_activation_find(acts[a]),
                        .kernel = row, .eta = a == 0 ? 0.15 : 0.1};
                    const ovs_protocol proto = {.max_iter = iters, .tol = ladder[0],
                                                .ladder = ladder, .n_ladder = 1};
                    ovs_result *r = &res[row][a][c];
                    double t0 = seconds();
                    ovs_method_run(&m, &p, &proto, r);
                    double t = (seconds() - t0) / (r->iterations > 0 ? r->iterations : 1);
                    best[row][a][c] = t < best[row][a][c] ? t : best[row][a][c];
                }
            ovs_problem_free(&p);
        }
    printf("%-6s %-9s %5s %3s %3s %12s %9s %9s\n", "kernel", "act", "n", "k", "d", "us/iter",
           "GFLOP/s", "final_err");
    for (int row = 0; row < NROW; row++)
        for (int a = 0; a < NACT; a++)
            for (int c = 0; c < NCELL; c++) {
                int n = cells[c][0], k = cells[c][1], d = cells[c][2];
                double t = best[row][a][c];
                const ovs_result *r = &res[row][a][c];
                printf("%-6s %-9s %5d %3d %3d %12.2f %9.2f %9.2e%s\n", names[row], acts[a], n,
                       k, d, t * 1e6, 4.0 * n * k * d / t * 1e-9, r->final_rel_err,
                       r->diverged ? " diverged" : "");
            }
    return 0;
}
