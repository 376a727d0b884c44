/* panel_held_round14.c - docs/BENCHMARKS.md round 14's first harness, kept as run (bench_scaling
 * --memory is its shipped form): train.c's panel loop (forward pass and gradient panel by
 * panel) per update with X as it is read ("real"), with every panel's kernels on panel 0
 * held in L2 ("L2panel"), each kernel alone on the held panel, and real without the fetch
 * of the next panel. Wrong values where held (time only). Best of REPS; the GF/s column
 * counts 4 n k d flops for every row, so the rows of one kernel read half their real rate.
 * PANEL=q forces the panel width. Build from the repository root after `make`:
 *   gcc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude bench/results/panel_held_round14.c \
 *     $(for m in $(make -s --no-print-directory print-pure); do echo build/$m.o; done) \
 *     build/*_v3.o build/*_v4.o -o /tmp/held $(pkg-config --libs openblas) -lm
 *   /tmp/held N K D [REPS [ACT]] */
#include "activation.h"
#include "forward.h"
#include "problem.h"
#include "smallmm.h"
#include "train.h"
#include "protocol.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
static double now(void){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+1e-9*t.tv_nsec;}
static void step(ovs_problem *p, ovs_train_workspace *ws, int kind, int mode0)
{
    const int k = p->k, d = p->d, np = ws->np, q = ws->panel;
    for (int p0 = 0; p0 < np; p0 += q) {
        int mode = mode0;
        const int p1 = p0 + q < np ? p0 + q : np;
        const int n1 = p1 < np ? p1 : 0;
        ovs_fetch next = {.at = (const char *)(ws->xp + (size_t)n1 * d),
                          .end = (const char *)(ws->xp + (size_t)(n1 + q < np ? n1 + q : np) * d)};
        ovs_fetch *f = (mode == 0 && ws->fetch_next) ? &next : NULL;
        if (mode == 4) mode = 0, f = NULL;
        const double *xb = mode == 0 ? ws->xp : ws->xp - (size_t)p0 * d; /* mode 1: panel 0 always */
        const double *xg = mode == 0 ? ws->xp + (size_t)p0 * d : ws->xp;
        if (mode != 3)
        ovs_forward_fused_part(kind, p->n, k, d, np, ws->w, xb, q, p->v, ws->yp, ws->zt, q,
                               ws->scratch, ws->r, p0, p1, f);
        if (mode != 2)
        ovs_smallmm_grad_part(k, d, ws->zt, q, xg, p1 - p0, p1 - p0, ws->g, ws->phi, p0 == 0,
                              p1 == np, f);
    }
}
int main(int argc, char **argv)
{
    int n = atoi(argv[1]), k = atoi(argv[2]), d = atoi(argv[3]), reps = argc > 4 ? atoi(argv[4]) : 10;
    const char *act = argc > 5 ? argv[5] : "relu";
    ovs_problem p; ovs_train_workspace ws;
    ovs_problem_alloc(&p, n, k, d); ovs_train_workspace_alloc(&ws, n, k, d); ovs_problem_draw(&p, 2019, 0);
    if (getenv("PANEL")) ws.panel = atoi(getenv("PANEL"));
    const double ladder[1] = {1e-300};
    const ovs_gd_opts o = {.act = ovs_activation_find(act), .eta = 0.1, .kernel = OVS_KERNEL_SIMD};
    const ovs_protocol proto = {.max_iter = 3, .tol = 1e-300, .ladder = ladder, .n_ladder = 1};
    ovs_result r; ovs_train_run(&p, &o, &proto, &ws, &r);
    int kind = o.act->vector_kernel;
    printf("n %d k %d d %d panel %d by_panels %d fetch %d\n", n, k, d, ws.panel, ws.by_panels, ws.fetch_next);
    const char *names[5] = {"real", "L2panel", "fwd_L2", "grad_L2", "real_nofetch"};
    double best[5] = {1e30, 1e30, 1e30, 1e30, 1e30};
    for (int rep = 0; rep < reps; rep++)
        for (int m = 0; m < 5; m++) {
            double t0 = now(); step(&p, &ws, kind, m); double t = now() - t0;
            best[m] = t < best[m] ? t : best[m];
        }
    double fl = 4.0 * n * k * d;
    for (int m = 0; m < 5; m++) printf("%-18s %9.3f ms  %6.2f GF/s(of 4nkd)\n", names[m], best[m]*1e3, fl/best[m]*1e-9);
    return 0;
}
