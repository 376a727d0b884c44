/* train.c - gradient descent for one trial; see train.h. */
#include "train.h"

#include "forward.h"
#include "linalg.h"
#include "simd.h"
#include "smallmm.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* sum_i a_i^2 over m doubles in a fixed order: lane l accumulates the a_i with i = l mod 8
 * in order of i, then the lanes are summed in a fixed tree. (A plain running sum is a chain
 * of m dependent FMAs of 4 cycles each: 800 cycles per iteration for the residual at
 * n = 200 and 2500 for a 25 x 25 gradient, 10-20% of a small cell's iteration.) */
OVS_CLONES
static double sum_squares(const double *a, int m)
{
    ovs_v8d acc = {0};
    int i = 0;
    for (; i + OVS_VL <= m; i += OVS_VL) {
        ovs_v8d x = *(const ovs_v8d *)(a + i);
        acc += x * x;
    }
    if (i < m) {
        ovs_v8d x = {0};
        for (int l = 0; i + l < m; l++)
            x[l] = a[i + l];
        acc += x * x;
    }
    return ovs_hsum(acc);
}

/* r = phi^T v - y over the n samples (phi: k x np); returns ||r||^2. Each f(x_i) sums the
 * units j in order. */
OVS_CLONES
static double residual(int n, int k, int np, const double *restrict phi,
                       const double *restrict v, const double *restrict y, double *restrict r)
{
    for (int i = 0; i < n; i++)
        r[i] = 0.0;
    for (int j = 0; j < k; j++) {
        const double *phi_j = phi + (size_t)j * (size_t)np, vj = v[j];
        for (int i = 0; i < n; i++)
            r[i] += vj * phi_j[i];
    }
    for (int i = 0; i < n; i++)
        r[i] -= y[i];
    return sum_squares(r, n);
}

/* mt_ji <- phi'(w_j . x_i) v_j r_i in place (padding columns zeroed). */
OVS_CLONES
static void scale_factors(int n, int k, int np, const double *restrict v,
                          const double *restrict r, double *restrict mt)
{
    for (int j = 0; j < k; j++) {
        double *m_j = mt + (size_t)j * (size_t)np, vj = v[j];
        for (int i = 0; i < n; i++)
            m_j[i] *= vj * r[i];
        for (int i = n; i < np; i++)
            m_j[i] = 0.0;
    }
}

/* Forward pass at ws->w: r = f - y, and zt <- the gradient's factors
 * M_ji = phi'(w_j . x_i) v_j r_i (padding columns zero). Returns ||r||.
 * The simd kernel with softplus or ReLU fuses it all into one pass (forward.h), with the
 * same arithmetic as the three steps below: products, activation, residual and factors; its
 * norm is ovs_smallmm_sum_squares(r, np)'s lanes, bit for bit, added up as the pass makes r
 * (forward.h; a second pass over r took 2-5% of an update at the grid's small cells,
 * docs/BENCHMARKS.md round 31).
 * The norms of r and g run over their zero padding too (np; ovs_pad(k d)): the same sums,
 * since a padding lane adds 0 x 0 = +0 where sum_squares's tail adds the same zero lanes,
 * without that tail's copy through memory (6 ns a call on the Zen 5 machine; ReLU's updates
 * at (100-200, 2-5, 5-20) 0.93-0.97 of their time, level from k d = 100 on: docs/BENCHMARKS.md
 * round 29). */
static double forward(const ovs_problem *p, const ovs_activation *act, int kernel,
                      ovs_train_workspace *ws)
{
    const int k = p->k, np = ws->np;
    double lanes[OVS_VL] __attribute__((aligned(64)));
    if (kernel == OVS_KERNEL_SIMD &&
        ovs_forward_fused(act->vector_kernel, p->n, k, p->d, np, ws->w,
                          ws->xp ? ws->xp : ws->xt, ws->xp ? ws->panel : 0, p->v, ws->yp, ws->zt,
                          ws->scratch, ws->r, lanes) == 0)
        return sqrt(ovs_hsum(lanes));
    if (kernel == OVS_KERNEL_BLAS)
        ovs_linalg_preact(k, p->d, np, ws->w, ws->xt, ws->zt);
    else
        ovs_smallmm_preact(k, p->d, np, ws->w, ws->xt, ws->zt);
    act->eval(ws->zt, ws->phi, ws->zt, (size_t)k * (size_t)np);
    double r2 = residual(p->n, k, np, ws->phi, p->v, p->y, ws->r);
    scale_factors(p->n, k, np, p->v, ws->r, ws->zt);
    return sqrt(r2);
}

/* Gradient after forward(): grad = diag(v) phi'(W X^T) diag(r) X (Sec. 4 / eq. 2.1),
 * i.e. g = M X with M_ji = phi'(w_j . x_i) v_j r_i, into ws->g. ws->phi is free once
 * forward() has made the factors: where np >= 8 d the simd product keeps its lane sums there
 * between chunks of samples that stay in cache (smallmm.h; the same bits). Below, where X is
 * small enough for the two passes (ovs_train_panel_plan), chunks read 0.96-1.07 of the time of
 * one pass (round 37): one pass. Its norm comes with the step (descend()). */
static void gradient(const ovs_problem *p, int kernel, ovs_train_workspace *ws)
{
    const int k = p->k, d = p->d, np = ws->np, b = ws->grad_chunk;
    double *lanes = (size_t)np >= 8 * (size_t)d ? ws->phi : NULL;
    if (kernel == OVS_KERNEL_BLAS)
        ovs_linalg_grad(k, d, np, ws->zt, ws->xt, ws->g);
    else if (b > 0 && lanes)
        for (int i0 = 0; i0 < np; i0 += b) { /* chunks in L1 (ovs_train_grad_chunk) */
            const int i1 = i0 + b < np ? i0 + b : np;
            ovs_smallmm_grad_part(k, d, ws->zt + i0, np, ws->xt + i0, np, i1 - i0, ws->g,
                                  lanes, i0 == 0, i1 == np, NULL, ws->grad_group_bytes);
        }
    else
        ovs_smallmm_grad_lanes(k, d, np, ws->zt, ws->xt, ws->g, lanes, ws->grad_group_bytes);
}

/* The panel of X that starts at sample p0, as a stretch of memory to fetch (fetch.h). */
static ovs_fetch panel_at(const ovs_train_workspace *ws, int p0)
{
    const int p1 = p0 + ws->panel < ws->np ? p0 + ws->panel : ws->np;
    return (ovs_fetch){.at = (const char *)(ws->xp + (size_t)p0 * (size_t)ws->d),
                       .end = (const char *)(ws->xp + (size_t)p1 * (size_t)ws->d)};
}

/* The panel of X at sample p0 for p's training in ws, from xp (ws->xp, or another
 * training's with the same bits: step_together): its forward pass, its factors into the
 * gradient's lane sums, ||r||^2's lanes into r2 (zeroed by the first panel's pass). */
static void panel_step(const ovs_problem *p, const ovs_activation *act,
                       ovs_train_workspace *ws, const double *xp, int p0, ovs_fetch *next,
                       double *r2)
{
    const int k = p->k, d = p->d, np = ws->np, q = ws->panel;
    const int p1 = p0 + q < np ? p0 + q : np;
    ovs_fetch *fetch = ws->fetch_next ? next : NULL;
    next->each_step = ws->fetch_forward_each_step; /* each kernel at its own pace */
    ovs_forward_fused_part(act->vector_kernel, p->n, k, d, np, ws->w, xp, q, p->v, ws->yp,
                           ws->zt, q, ws->scratch, ws->r, r2, p0, p1, fetch);
    next->each_step = ws->fetch_each_step;
    ovs_smallmm_grad_part(k, d, ws->zt, q, xp + (size_t)p0 * (size_t)d, p1 - p0, p1 - p0,
                          ws->g, ws->phi, p0 == 0, p1 == np, fetch, ws->grad_group_bytes);
}

/* forward() and gradient() in one pass over the panels of X: each panel's factors, k x q in
 * the first k q doubles of ws->zt, go into the gradient's lane sums (in ws->phi) while they
 * and the panel are in L2, instead of m_t (k x np) going out to L3 and back; meanwhile the
 * two kernels fetch the next panel where ws->fetch_next (the first one during the last: the
 * next update's). The same operations on the same values in the same order (a sample's
 * forward values depend on that sample only; the lane sums run over the samples in order:
 * forward.h, smallmm.h), so the same bits as forward() then gradient(). Returns ||r||. */
static double step_by_panels(const ovs_problem *p, const ovs_activation *act,
                             ovs_train_workspace *ws)
{
    double r2[OVS_VL] __attribute__((aligned(64)));
    for (int p0 = 0; p0 < ws->np; p0 += ws->panel) {
        const int p1 = p0 + ws->panel;
        ovs_fetch next = panel_at(ws, p1 < ws->np ? p1 : 0);
        panel_step(p, act, ws, ws->xp, p0, &next, r2);
    }
    return sqrt(ovs_hsum(r2));
}

/* The GD step W_{t+1} = W_t - eta grad L(W_t) (Theorem 2.1) into ws->w_next, and ||g||_F, in
 * one pass over g (smallmm.h): the same bits as the norm of g and then the loop
 * w_i -= eta g_i, which read g twice, the second time two doubles at a time in this
 * baseline-built file; 0.95-0.98 of the time per ReLU update at grid cells (ab_step;
 * docs/BENCHMARKS.md round 30). The caller swaps w and w_next unless it stops: a diverged
 * trial keeps the weights it had. */
static double descend(double eta, int kd, ovs_train_workspace *ws)
{
    return sqrt(ovs_smallmm_descend(ws->w_next, ws->w, ws->g, eta, ovs_pad(kd)));
}

static int check_args(const ovs_problem *p, const ovs_gd_opts *o, const ovs_protocol *proto,
                      const ovs_train_workspace *ws)
{
    if (!o->act || !(o->eta > 0) || (o->kernel != OVS_KERNEL_SIMD && o->kernel != OVS_KERNEL_BLAS))
        return OVS_EINVAL;
    if (ovs_protocol_check(proto, p) != OVS_OK)
        return OVS_EINVAL;
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d)
        return OVS_EINVAL;
    return OVS_OK;
}

/* One training under way: its arguments and where its loop stands. */
typedef struct {
    const ovs_problem *p;
    const ovs_gd_opts *o;
    const ovs_protocol *proto;
    ovs_train_workspace *ws;
    ovs_result *res;
    int t, panels, stopped, together; /* together: updates stepped with another */
    double rel;
    ovs_early_fail_state ef;
} training;

/* The training's arguments checked, and whether it goes panel by panel: by panels the
 * gradient is made before the stop test (on the last update, unused). */
static int check(training *tr)
{
    const int rc = check_args(tr->p, tr->o, tr->proto, tr->ws);
    tr->panels = rc == OVS_OK && ovs_train_goes_by_panels(tr->o->act, tr->o->kernel, tr->ws);
    return rc;
}

/* The checked training before its first update: X loaded (own_panels 0: it reads another
 * training's panels: train_workspace.h), W = W0. */
static int start(training *tr, int own_panels)
{
    const ovs_problem *p = tr->p;
    const int rc = ovs_train_workspace_load(tr->ws, p, tr->o->act, tr->o->kernel, own_panels);
    if (rc != OVS_OK)
        return rc;
    ovs_result_start(tr->res);
    memcpy(tr->ws->w, p->w0, sizeof(double) * (size_t)p->k * (size_t)p->d);
    tr->t = 0;
    tr->stopped = 0;
    tr->ef = OVS_EARLY_FAIL_INIT;
    return OVS_OK;
}

/* The rest of an update once the forward pass gave ||r|| (and, by panels, the gradient):
 * the stop tests, the step, the path. Returns 1 (tr->stopped) when the training stops. */
static inline __attribute__((always_inline)) int update(training *tr, double rnorm)
{
    const ovs_problem *p = tr->p;
    ovs_train_workspace *ws = tr->ws;
    ovs_result *res = tr->res;
    if (ovs_protocol_stops(tr->proto, rnorm, p->y_norm, tr->t, res, &tr->ef, &tr->rel))
        return tr->stopped = 1;
    if (!tr->panels)
        gradient(p, tr->o->kernel, ws);
    const double gnorm = descend(tr->o->eta, p->k * p->d, ws);
    if (ovs_protocol_gradient_stops(tr->proto, gnorm, &tr->t, res))
        return tr->stopped = 1; /* W as it was: the step went to w_next */
    double *w = ws->w;
    ws->w = ws->w_next;
    ws->w_next = w;
    double step = tr->o->eta * gnorm;
    OVS_ROUNDED(step); /* as the default build rounds it, whatever a user's -mfma */
    res->path_length += step;
    tr->t++;
    return tr->stopped = ovs_protocol_polled_stop(tr->proto, tr->t, res);
}

/* The result of a stopped training: its updates, error and distance from W0. */
static void finish(training *tr)
{
    const int kd = tr->p->k * tr->p->d;
    tr->res->iterations = tr->t;
    tr->res->final_rel_err = tr->rel;
    double dist2 = 0.0;
    for (int i = 0; i < kd; i++) {
        double delta = tr->ws->w[i] - tr->p->w0[i], sq = delta * delta;
        OVS_ROUNDED(sq);
        dist2 += sq;
    }
    tr->res->dist_from_init = sqrt(dist2);
}

/* One training's forward pass (and, by panels, gradient) at its W: ||r||. */
static double forward_step(training *tr)
{
    return tr->panels ? step_by_panels(tr->p, tr->o->act, tr->ws)
                      : forward(tr->p, tr->o->act, tr->o->kernel, tr->ws);
}

int ovs_train_run(const ovs_problem *p, const ovs_gd_opts *o, const ovs_protocol *proto,
                  ovs_train_workspace *ws, ovs_result *res)
{
    training tr = {.p = p, .o = o, .proto = proto, .ws = ws, .res = res};
    int rc = check(&tr);
    if (rc != OVS_OK || (rc = start(&tr, 1)) != OVS_OK)
        return rc;
    while (!update(&tr, forward_step(&tr)))
        ;
    finish(&tr);
    return OVS_OK;
}

/* Whether b can read a's panels of X for its own: both go by panels, at the same (n, d) and
 * panel width, on X with the same bits (then a's xp holds the bits b's own would hold). */
static int shares_panels(const training *a, const training *b)
{
    const size_t nd = (size_t)a->p->n * (size_t)a->p->d;
    return a->panels && b->panels && a->p->n == b->p->n && a->p->d == b->p->d &&
           a->ws->panel == b->ws->panel &&
           (a->p->x == b->p->x || memcmp(a->p->x, b->p->x, sizeof(double) * nd) == 0);
}

/* The stacked gradient of trainings in lockstep: their factors of one panel one above the
 * other (units of on[0], then on[1]'s, ...: sum k x panel doubles, rows panel apart), the lane
 * sums of all their units (OVS_SMALLMM_LANES(sum k, d)) and their gradients (sum k x d). */
typedef struct {
    double *zt, *lanes, *g;
} stack;

/* The forward pass of panel p0 for each training of on[] (factors into st->zt), then one
 * gradient of all their units over the panel: the panel read once for all their gradients,
 * not once each. Every element of g has one order of sums whichever block of units computes
 * it (smallmm.c), so each training's rows of st->g are its own gradient, bit for bit. */
static void stacked_panel_step(const ovs_train_workspace *lead, training *const *on, int m,
                               const stack *st, int p0, ovs_fetch *next, double (*r2)[OVS_VL])
{
    const int d = lead->d, np = lead->np, q = lead->panel;
    const int p1 = p0 + q < np ? p0 + q : np;
    ovs_fetch *fetch = lead->fetch_next ? next : NULL;
    int units = 0;
    for (int j = 0; j < m; j++) {
        const ovs_problem *p = on[j]->p;
        ovs_train_workspace *ws = on[j]->ws;
        next->each_step = lead->fetch_forward_each_step;
        ovs_forward_fused_part(on[j]->o->act->vector_kernel, p->n, p->k, d, np, ws->w,
                               lead->xp, q, p->v, ws->yp, st->zt + (size_t)units * q, q,
                               ws->scratch, ws->r, r2[j], p0, p1, fetch);
        units += p->k;
    }
    next->each_step = lead->fetch_each_step;
    ovs_smallmm_grad_part(units, d, st->zt, q, lead->xp + (size_t)p0 * (size_t)d, p1 - p0,
                          p1 - p0, st->g, st->lanes, p0 == 0, p1 == np, fetch,
                          lead->grad_group_bytes);
}

/* step_by_panels for the m trainings of on[], which share the panels of lead (the workspace
 * of the first training of their kind: shares_panels), in one pass over X: at each panel
 * every training's forward pass, then (st: stacked_panel_step) one gradient of them all, or
 * (no st: one training left, reading its lead's panels) its own, while the panel is in L2, the
 * next panel's fetch running on through all their kernels. Each training's kernels see the
 * same values in the same order as in its own step_by_panels: the same bits. rnorm[j]: on[j]'s
 * ||r||. */
static void step_together(const ovs_train_workspace *lead, training *const *on, int m,
                          const stack *st, double *rnorm)
{
    double r2[OVS_LOCKSTEP_MAX][OVS_VL] __attribute__((aligned(64)));
    for (int p0 = 0; p0 < lead->np; p0 += lead->panel) {
        const int p1 = p0 + lead->panel;
        ovs_fetch next = panel_at(lead, p1 < lead->np ? p1 : 0);
        if (st)
            stacked_panel_step(lead, on, m, st, p0, &next, r2);
        else
            for (int j = 0; j < m; j++)
                panel_step(on[j]->p, on[j]->o->act, on[j]->ws, lead->xp, p0, &next, r2[j]);
    }
    size_t row = 0;
    for (int j = 0; j < m; j++) {
        const size_t kd = (size_t)on[j]->p->k * (size_t)lead->d;
        if (st)
            memcpy(on[j]->ws->g, st->g + row, sizeof(double) * kd);
        row += kd;
        rnorm[j] = sqrt(ovs_hsum(r2[j]));
    }
}

/* One update of every training still under way: those that share panels with the first of
 * their kind (lead[j]) step together on its panels, their gradients stacked (st), also the
 * last one left of them (it holds no panels of its own); the others alone. */
static void update_all(training *tr, const int *lead, int m, const stack *st)
{
    int done[OVS_LOCKSTEP_MAX] = {0};
    for (int j = 0; j < m; j++) {
        if (tr[j].stopped || done[j])
            continue;
        training *on[OVS_LOCKSTEP_MAX];
        double rnorm[OVS_LOCKSTEP_MAX];
        int c = 0;
        for (int i = j; i < m; i++)
            if (!tr[i].stopped && lead[i] == lead[j])
                on[c++] = &tr[i], done[i] = 1;
        if (c > 1 || lead[j] != j)
            step_together(tr[lead[j]].ws, on, c, c > 1 ? st : NULL, rnorm);
        else
            rnorm[0] = forward_step(on[0]);
        for (int i = 0; i < c; i++) {
            on[i]->together += c > 1;
            (void)update(on[i], rnorm[i]);
        }
    }
}

/* The stack for the largest of the groups that share panels (lead[]), or none (zt NULL)
 * where no group has two trainings. Returns OVS_OK or OVS_ENOMEM. */
static int stack_alloc(const training *tr, const int *lead, int m, stack *st)
{
    size_t zt = 0, kd = 0;
    *st = (stack){0};
    for (int j = 0; j < m; j++) {
        if (lead[j] != j)
            continue;
        size_t units = 0, c = 0;
        for (int i = j; i < m; i++)
            if (lead[i] == j)
                units += (size_t)tr[i].p->k, c++;
        const size_t z = units * (size_t)tr[j].ws->panel, g = units * (size_t)tr[j].p->d;
        zt = c > 1 && z > zt ? z : zt;
        kd = c > 1 && g > kd ? g : kd;
    }
    if (!zt)
        return OVS_OK;
    st->zt = ovs_train_doubles(zt);
    st->lanes = ovs_train_doubles(OVS_SMALLMM_LANES(kd, 1));
    st->g = ovs_train_doubles(kd);
    return st->zt && st->lanes && st->g ? OVS_OK : OVS_ENOMEM;
}

static void stack_free(stack *st)
{
    free(st->zt);
    free(st->lanes);
    free(st->g);
}

int ovs_train_run_lockstep(int m, ovs_train_job *jobs)
{
    if (m < 1 || m > OVS_LOCKSTEP_MAX)
        return OVS_EINVAL;
    training tr[OVS_LOCKSTEP_MAX];
    int lead[OVS_LOCKSTEP_MAX], under_way = 0;
    for (int j = 0; j < m; j++) {
        tr[j] = (training){.p = jobs[j].p, .o = jobs[j].o, .proto = jobs[j].proto,
                           .ws = jobs[j].ws, .res = jobs[j].res};
        int rc = check(&tr[j]);
        if (rc != OVS_OK)
            return rc;
        lead[j] = j;
        for (int i = 0; i < j && lead[j] == j; i++)
            if (shares_panels(&tr[i], &tr[j]))
                lead[j] = lead[i];
        /* one that reads its lead's panels holds no copy of X of its own (d np doubles) */
        if ((rc = start(&tr[j], lead[j] == j)) != OVS_OK)
            return rc;
    }
    stack st;
    if (stack_alloc(tr, lead, m, &st) != OVS_OK) {
        stack_free(&st);
        return OVS_ENOMEM;
    }
    do {
        update_all(tr, lead, m, st.zt ? &st : NULL);
        under_way = 0;
        for (int j = 0; j < m; j++)
            under_way += !tr[j].stopped;
    } while (under_way);
    stack_free(&st);
    for (int j = 0; j < m; j++) {
        finish(&tr[j]);
        jobs[j].together = tr[j].together;
    }
    return OVS_OK;
}

int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, int kernel,
                        const double *w, ovs_train_workspace *ws, double *loss, double *grad)
{
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d)
        return OVS_EINVAL;
    if (ovs_train_workspace_load(ws, p, act, kernel, 1) != OVS_OK)
        return OVS_ENOMEM;
    const int kd = p->k * p->d;
    memcpy(ws->w, w, sizeof(double) * (size_t)kd);
    const int panels = grad && ovs_train_goes_by_panels(act, kernel, ws);
    double rnorm = panels ? step_by_panels(p, act, ws) : forward(p, act, kernel, ws);
    *loss = 0.5 * rnorm * rnorm;
    if (grad) {
        if (!panels)
            gradient(p, kernel, ws);
        memcpy(grad, ws->g, sizeof(double) * (size_t)kd);
    }
    return OVS_OK;
}
