/* lockstep_round14.c - docs/BENCHMARKS.md round 14's harness, kept as run: G trainings of
 * one (n, d) that share X (the data depend on (n, d, trial) only, problem.c), panel by panel
 * in lockstep (each panel's forward pass and gradient for every training while the panel is
 * in L2) against one training after the other. ReLU, trial 0, no values checked (the kernels
 * are train.c's; only their order over the panels changes). ms per update of all G, best of
 * REPS. Build from the repository root after `make`:
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude bench/results/lockstep_round14.c \
 *     $(for m in $(make -s --no-print-directory print-pure); do echo build/$m.o; done) \
 *     build/*_v3.o build/*_v4.o -o /tmp/lockstep $(pkg-config --libs openblas) -lm
 *   /tmp/lockstep N D REPS K1 [K2 ...]    (at most 8 trainings) */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "smallmm.h"
#include "train.h"
#include "protocol.h"
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
#define G 8
static ovs_problem P[G]; static ovs_train_workspace W[G]; static int kind;
static void train_panel(int t, int p0, const double *xp, ovs_fetch *f)
{
    ovs_problem *p = &P[t]; ovs_train_workspace *ws = &W[t];
    const int q = ws->panel, np = ws->np, p1 = p0 + q < np ? p0 + q : np;
    ovs_forward_fused_part(kind, p->n, p->k, p->d, np, ws->w, xp, q, p->v, ws->yp, ws->zt, q, ws->scratch, ws->r, p0, p1, f);
    ovs_smallmm_grad_part(p->k, p->d, ws->zt, q, xp + (size_t)p0 * p->d, p1 - p0, p1 - p0, ws->g, ws->phi, p0 == 0, p1 == np, f);
}
static ovs_fetch next_of(int p0) { const ovs_train_workspace *ws = &W[0]; int q = ws->panel, np = ws->np; int p1 = p0 + q < np ? p0 + q : np; int n1 = p1 < np ? p1 : 0; int n2 = n1 + q < np ? n1 + q : np;
    return (ovs_fetch){(const char *)(ws->xp + (size_t)n1 * ws->d), (const char *)(ws->xp + (size_t)n2 * ws->d)}; }
int main(int argc, char **argv)
{
    int n = atoi(argv[1]), d = atoi(argv[2]), reps = atoi(argv[3]), g = argc - 4;
    const ovs_activation *act = ovs_activation_find("relu"); kind = act->vector_kernel;
    for (int t = 0; t < g; t++) {
        int k = atoi(argv[4 + t]);
        ovs_problem_alloc(&P[t], n, k, d); ovs_train_workspace_alloc(&W[t], n, k, d); ovs_problem_draw(&P[t], 2019, 0);
        const double ladder[1] = {1e-300};
        const ovs_gd_opts o = {.act = act, .eta = 0.1, .kernel = OVS_KERNEL_SIMD};
        const ovs_protocol proto = {.max_iter = 3, .tol = 1e-300, .ladder = ladder, .n_ladder = 1};
        ovs_result r; ovs_train_run(&P[t], &o, &proto, &W[t], &r);
    }
    const double *xp = W[0].xp; /* shared X: every training reads training 0's panels (same data) */
    double sep = 1e30, grp = 1e30, flops = 0;
    for (int t = 0; t < g; t++) flops += 4.0 * n * P[t].k * d;
    for (int rep = 0; rep < reps; rep++) {
        double t0 = now();
        for (int t = 0; t < g; t++)
            for (int p0 = 0; p0 < W[0].np; p0 += W[0].panel) { ovs_fetch f = next_of(p0); train_panel(t, p0, xp, &f); }
        double a = now() - t0; sep = a < sep ? a : sep;
        t0 = now();
        for (int p0 = 0; p0 < W[0].np; p0 += W[0].panel) {
            for (int t = 0; t < g; t++) { ovs_fetch f = next_of(p0); train_panel(t, p0, xp, t == g - 1 ? &f : NULL); }
        }
        a = now() - t0; grp = a < grp ? a : grp;
    }
    printf("n %d d %d G %d: one at a time %.3f ms (%.1f GF/s), lockstep %.3f ms (%.1f GF/s): %.3f\n", n, d, g, sep*1e3, flops/sep*1e-9, grp*1e3, flops/grp*1e-9, grp/sep);
    return 0;
}
