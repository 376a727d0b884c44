/* pair_round38.c - round 38 (docs/BENCHMARKS.md): two trainings that share X, stepped in
 * lockstep panel by panel, against the two stepped one after the other.
 *
 * Every k and both activations at the same (n, d, trial) train on the same X (docs/PROTOCOL.md,
 * the seeding rule). Where the step reads X from memory at every update (the study's wide rows),
 * two such trainings could read each panel once for both: A's forward pass and gradient, then
 * B's, on the panel while it is in L2, the fetch of the next panel running through all four
 * kernels. Each training's arithmetic is unchanged (the same kernels on the same values in the
 * same order), so the bits are too; checked here after a few updates.
 *
 * Build (after `make all` in the tree):
 *   cc -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -Iinclude -Ibuild bench/results/pair_round38.c \
 *      $(for o in activation forward forward_v3 forward_v4 smallmm smallmm_v3 smallmm_v4 \
 *        problem rng train linalg protocol names; do echo build/$o.o; done) \
 *      $(pkg-config --libs openblas) -lm -o /tmp/pair
 * Run: /tmp/pair SECONDS N D KA ACTA KB ACTB [N D KA ACTA KB ACTB]...
 * Each turn times a batch of A's updates, of B's, and of the pair's (order rotating); prints
 * the medians (us per update) and of pair / (A + B) its 10th, 50th and 90th percentiles. */
#include "activation.h"
#include "fetch.h"
#include "forward.h"
#include "problem.h"
#include "simd.h"
#include "smallmm.h"
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct {
    ovs_problem p;
    ovs_train_workspace ws;
    const ovs_activation *act;
    double eta;
} net;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void net_init(net *s, int n, int k, int d, const char *act)
{
    if (ovs_problem_alloc(&s->p, n, k, d) || ovs_train_workspace_alloc(&s->ws, n, k, d)) {
        fprintf(stderr, "pair: out of memory\n");
        exit(1);
    }
    ovs_problem_draw(&s->p, 2019, 0);
    s->act = ovs_activation_find(act);
    s->eta = strcmp(act, "softplus") == 0 ? 0.15 : 0.1;
    double loss, *g = malloc(sizeof(double) * (size_t)k * d);
    ovs_train_loss_grad(&s->p, s->act, OVS_KERNEL_SIMD, s->p.w0, &s->ws, &loss, g);
    free(g);
    memcpy(s->ws.w, s->p.w0, sizeof(double) * (size_t)k * d);
}

/* One panel's two kernels of s on the panel at p0 of xp, fetching *fetch. */
static void panel_of(net *s, const double *xp, int p0, int p1, double *r2, ovs_fetch *fetch)
{
    ovs_train_workspace *ws = &s->ws;
    const int k = s->p.k, d = s->p.d, np = ws->np, q = ws->panel;
    ovs_forward_fused_part(s->act->vector_kernel, s->p.n, k, d, np, ws->w, xp, q, s->p.v,
                           ws->yp, ws->zt, q, ws->scratch, ws->r, r2, p0, p1, fetch);
    ovs_smallmm_grad_part(k, d, ws->zt, q, xp + (size_t)p0 * d, p1 - p0, p1 - p0, ws->g,
                          ws->phi, p0 == 0, p1 == np, fetch, ws->grad_group_bytes);
}

static double descend(net *s)
{
    ovs_train_workspace *ws = &s->ws;
    const double gn = ovs_smallmm_descend(ws->w_next, ws->w, ws->g, s->eta,
                                          ovs_pad(s->p.k * s->p.d));
    double *w = ws->w;
    ws->w = ws->w_next, ws->w_next = w;
    return gn;
}

/* count nets (1 or 2) stepped together over the panels of the first one's xp. */
static double step(net **s, int count)
{
    const ovs_train_workspace *w0 = &s[0]->ws;
    const int np = w0->np, q = w0->panel, d = s[0]->p.d;
    double r2[2][OVS_VL] __attribute__((aligned(64)));
    for (int p0 = 0; p0 < np; p0 += q) {
        const int p1 = p0 + q < np ? p0 + q : np;
        const int n0 = p1 < np ? p1 : 0, n1 = n0 + q < np ? n0 + q : np;
        ovs_fetch next = {.at = (const char *)(w0->xp + (size_t)n0 * d),
                          .end = (const char *)(w0->xp + (size_t)n1 * d),
                          .each_step = w0->fetch_each_step};
        for (int i = 0; i < count; i++)
            panel_of(s[i], w0->xp, p0, p1, r2[i], w0->fetch_next ? &next : NULL);
    }
    double sink = 0;
    for (int i = 0; i < count; i++)
        sink += sqrt(ovs_hsum(r2[i])) + descend(s[i]);
    return sink;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double quantile(double *a, int m, double f)
{
    qsort(a, (size_t)m, sizeof *a, cmp);
    return a[(int)(f * (m - 1) + 0.5)];
}

static void group(double seconds, int n, int d, int ka, const char *aa, int kb, const char *ab)
{
    enum { MAXT = 4096, CHECK = 4 };
    net a, b, ca, cb;
    net_init(&a, n, ka, d, aa), net_init(&b, n, kb, d, ab);
    net_init(&ca, n, ka, d, aa), net_init(&cb, n, kb, d, ab);
    if (a.ws.panel != b.ws.panel || !a.ws.by_panels || !b.ws.by_panels ||
        memcmp(a.ws.xp, b.ws.xp, sizeof(double) * (size_t)d * a.ws.np)) {
        printf("%d %d %d %s %d %s: not the same panels (%d/%d, %d/%d)\n", n, d, ka, aa, kb,
               ab, a.ws.panel, a.ws.by_panels, b.ws.panel, b.ws.by_panels);
        return;
    }
    net *pa[1] = {&ca}, *pb[1] = {&cb}, *pp[2] = {&a, &b};
    for (int t = 0; t < CHECK; t++)
        step(pa, 1), step(pb, 1), step(pp, 2);
    const int same = !memcmp(a.ws.w, ca.ws.w, sizeof(double) * (size_t)ka * d) &&
                     !memcmp(b.ws.w, cb.ws.w, sizeof(double) * (size_t)kb * d);
    double sink = 0, ta[MAXT], tb[MAXT], tp[MAXT], ratio[MAXT];
    const double t1 = now();
    sink += step(pp, 2);
    const double per = now() - t1;
    int batch = (int)(0.02 / per) + 1, turns = 0;
    for (const double start = now(); turns < MAXT && (turns < 10 || now() - start < seconds);
         turns++) {
        double t[3];
        for (int i = 0; i < 3; i++) {
            const int which = (turns + i) % 3;
            const double t0 = now();
            for (int u = 0; u < batch; u++)
                sink += which == 0 ? step(pa, 1) : which == 1 ? step(pb, 1) : step(pp, 2);
            t[which] = (now() - t0) / batch * 1e6;
        }
        ta[turns] = t[0], tb[turns] = t[1], tp[turns] = t[2];
        ratio[turns] = t[2] / (t[0] + t[1]);
    }
    printf("%5d %4d %3d %-8s %3d %-8s %-13s %4d %9.1f %9.1f %9.1f %.3f %.3f %.3f%s\n", n, d,
           ka, aa, kb, ab, same ? "bit-identical" : "DIFFERENT", turns,
           quantile(ta, turns, 0.5), quantile(tb, turns, 0.5), quantile(tp, turns, 0.5),
           quantile(ratio, turns, 0.1), quantile(ratio, turns, 0.5), quantile(ratio, turns, 0.9),
           sink == 0 ? " " : "");
}

int main(int argc, char **argv)
{
    if (argc < 8 || (argc - 2) % 6) {
        fprintf(stderr, "usage: pair SECONDS N D KA ACTA KB ACTB [N D KA ACTA KB ACTB]...\n");
        return 2;
    }
    printf("    n    d  ka act_a     kb act_b    bits          turns   a_us      b_us    pair_us  "
           "p10   pair/(a+b) p90\n");
    for (int i = 2; i + 5 < argc; i += 6)
        group(atof(argv[1]), atoi(argv[i]), atoi(argv[i + 1]), atoi(argv[i + 2]), argv[i + 3],
              atoi(argv[i + 4]), argv[i + 5]);
    return 0;
}
