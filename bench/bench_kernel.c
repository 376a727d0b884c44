/* bench_kernel.c - per-iteration cost of the GD kernel on the benchmark cells.
 *
 * For each (n, k, d) cell and activation: draw trial 0, run ITERS updates (tol so small that
 * the trial never stops early; a diverging trial is reported), repeat REPS times, report the
 * best time per iteration and the GFLOP/s of the two products (4 n k d flops per update).
 * Rows: the float64 hand-written kernels ("simd"), float64 CBLAS ("blas") and the opt-in
 * float32 path ("f32", --precision single). */
#include "activation.h"
#include "problem.h"
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    const int cells[][3] = {{100, 10, 10}, {200, 25, 25}, {200, 8, 25}, {100, 25, 4}};
    const char *acts[] = {"softplus", "relu"};
    int iters = argc > 1 ? atoi(argv[1]) : 3000, reps = 5;
    double ladder[1] = {1e-300};
    printf("%-6s %-9s %5s %3s %3s %12s %9s %9s\n", "kernel", "act", "n", "k", "d", "us/iter",
           "GFLOP/s", "final_err");
    const char *names[] = {"simd", "blas", "f32"};
    for (int row = 0; row < 3; row++)
    for (int a = 0; a < 2; a++)
        for (size_t c = 0; c < sizeof cells / sizeof cells[0]; c++) {
            int n = cells[c][0], k = cells[c][1], d = cells[c][2];
            ovs_problem p;
            ovs_train_workspace ws;
            ovs_problem_alloc(&p, n, k, d);
            ovs_train_workspace_alloc(&ws, n, k, d);
            ovs_problem_draw(&p, 2019, 0);
            ovs_train_opts o = {0};
            o.act = ovs_activation_find(acts[a]);
            o.kernel = row == 2 ? OVS_KERNEL_SIMD : row;
            o.precision = row == 2 ? OVS_PRECISION_SINGLE : OVS_PRECISION_DOUBLE;
            o.eta = a == 0 ? 0.15 : 0.1;
            o.max_iter = iters;
            o.tol = ladder[0];
            o.ladder = ladder;
            o.n_ladder = 1;
            double best = 1e30;
            ovs_train_result r;
            for (int rep = 0; rep < reps; rep++) {
                double t0 = seconds();
                ovs_train_run(&p, &o, &ws, &r);
                double t = (seconds() - t0) / (r.iterations > 0 ? r.iterations : 1);
                best = t < best ? t : best;
            }
            printf("%-6s %-9s %5d %3d %3d %12.2f %9.2f %9.2e%s\n", names[row],
                   acts[a], n, k, d, best * 1e6,
                   4.0 * n * k * d / best * 1e-9, r.final_rel_err, r.diverged ? " diverged" : "");
            ovs_problem_free(&p);
            ovs_train_workspace_free(&ws);
        }
    return 0;
}
