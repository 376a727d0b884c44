/* train.c - gradient descent for one trial; see train.h. */
#include "train.h"

#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d)
{
    *ws = (ovs_train_workspace){.n = n, .k = k, .d = d};
    if (n < 1 || k < 1 || d < 1)
        return OVS_EINVAL;
    size_t nk = (size_t)n * (size_t)k, kd = (size_t)k * (size_t)d;
    ws->w = malloc(sizeof(double) * kd);
    ws->z = malloc(sizeof(double) * nk);
    ws->phi = malloc(sizeof(double) * nk);
    ws->f = malloc(sizeof(double) * (size_t)n);
    ws->g = malloc(sizeof(double) * kd);
    if (!ws->w || !ws->z || !ws->phi || !ws->f || !ws->g) {
        ovs_train_workspace_free(ws);
        return OVS_ENOMEM;
    }
    return OVS_OK;
}

void ovs_train_workspace_free(ovs_train_workspace *ws)
{
    free(ws->w);
    free(ws->z);
    free(ws->phi);
    free(ws->f);
    free(ws->g);
    ws->w = ws->z = ws->phi = ws->f = ws->g = NULL;
}

int ovs_train_ladder(double tol, double *ladder, int max_rungs)
{
    static const double fixed[] = {1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3, 1e-3,
                                   5e-4, 2.5e-4, 1e-4, 5e-5, 1e-5, 1e-6};
    int m = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && m < max_rungs - 1; i++)
        if (fixed[i] > tol)
            ladder[m++] = fixed[i];
    ladder[m++] = tol;
    return m;
}

/* Forward pass at ws->w: z = X W^T, phi = phi(z), z <- phi'(z), f <- r = phi v - y.
 * Returns ||r||. */
static double forward(const ovs_problem *p, const ovs_activation *act, ovs_train_workspace *ws)
{
    const int n = p->n, k = p->k;
    ovs_linalg_preact(n, k, p->d, p->x, ws->w, ws->z);
    act->eval(ws->z, ws->phi, ws->z, (size_t)n * (size_t)k);
    double r2 = 0.0;
    for (int i = 0; i < n; i++) {
        const double *phi_i = ws->phi + (size_t)i * (size_t)k;
        double fi = 0.0;
        for (int j = 0; j < k; j++)
            fi += phi_i[j] * p->v[j];
        double ri = fi - p->y[i];
        ws->f[i] = ri;
        r2 += ri * ri;
    }
    return sqrt(r2);
}

/* Gradient after forward(): grad = diag(v) phi'(W X^T) diag(r) X (Sec. 4 / eq. 2.1),
 * i.e. g = M^T X with M_ij = phi'(w_j . x_i) v_j r_i. Returns ||g||_F. */
static double gradient(const ovs_problem *p, ovs_train_workspace *ws)
{
    const int n = p->n, k = p->k, d = p->d;
    for (int i = 0; i < n; i++) {
        double *m_i = ws->z + (size_t)i * (size_t)k;
        double ri = ws->f[i];
        for (int j = 0; j < k; j++)
            m_i[j] *= p->v[j] * ri;
    }
    ovs_linalg_grad(n, k, d, ws->z, p->x, ws->g);
    double g2 = 0.0;
    for (int i = 0; i < k * d; i++)
        g2 += ws->g[i] * ws->g[i];
    return sqrt(g2);
}

static void record_ladder(const ovs_train_opts *o, double rel, int t, ovs_train_result *res)
{
    for (int j = 0; j < o->n_ladder; j++)
        if (res->ladder_hit[j] < 0 && rel < o->ladder[j])
            res->ladder_hit[j] = t;
}

static int check_args(const ovs_problem *p, const ovs_train_opts *o,
                      const ovs_train_workspace *ws)
{
    if (!o->act || !(o->eta > 0) || o->max_iter < 0 || !(o->tol > 0) || o->n_ladder < 1 ||
        o->n_ladder > OVS_LADDER_MAX || o->ladder[o->n_ladder - 1] != o->tol)
        return OVS_EINVAL;
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d || !(p->y_norm > 0))
        return OVS_EINVAL;
    return OVS_OK;
}

int ovs_train_run(const ovs_problem *p, const ovs_train_opts *o, ovs_train_workspace *ws,
                  ovs_train_result *res)
{
    int rc = check_args(p, o, ws);
    if (rc != OVS_OK)
        return rc;
    const int kd = p->k * p->d;
    memset(res, 0, sizeof *res);
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        res->ladder_hit[j] = -1;
    memcpy(ws->w, p->w0, sizeof(double) * (size_t)kd);

    int t = 0;
    double rel;
    for (;;) {
        double rnorm = forward(p, o->act, ws);
        rel = rnorm / p->y_norm;
        /* isfinite on the norm: any NaN/Inf residual entry makes it non-finite. */
        if (!isfinite(rnorm)) {
            res->diverged = 1;
            break;
        }
        record_ladder(o, rel, t, res);
        if (rel < o->tol) {
            res->success = 1;
            break;
        }
        if (t == o->max_iter)
            break;
        double gnorm = gradient(p, ws);
        if (!isfinite(gnorm)) {
            res->diverged = 1;
            break;
        }
        if (gnorm == 0.0) {
            /* An exact fixed point (e.g. k = 1, whose only output weight is 0, or all ReLU
             * units dead): every remaining update leaves W unchanged, so the full loop
             * would end at max_iter with this very state. Jump there. */
            t = o->max_iter;
            break;
        }
        for (int i = 0; i < kd; i++)
            ws->w[i] -= o->eta * ws->g[i];
        res->path_length += o->eta * gnorm;
        t++;
        if (o->poll && o->poll_every > 0 && t % o->poll_every == 0 && o->poll(o->poll_ctx)) {
            res->aborted = 1;
            break;
        }
    }
    res->iterations = t;
    res->final_rel_err = rel;
    double dist2 = 0.0;
    for (int i = 0; i < kd; i++) {
        double delta = ws->w[i] - p->w0[i];
        dist2 += delta * delta;
    }
    res->dist_from_init = sqrt(dist2);
    return OVS_OK;
}

int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, const double *w,
                        ovs_train_workspace *ws, double *loss, double *grad)
{
    if (ws->n != p->n || ws->k != p->k || ws->d != p->d)
        return OVS_EINVAL;
    const int kd = p->k * p->d;
    memcpy(ws->w, w, sizeof(double) * (size_t)kd);
    double rnorm = forward(p, act, ws);
    *loss = 0.5 * rnorm * rnorm;
    if (grad) {
        gradient(p, ws);
        memcpy(grad, ws->g, sizeof(double) * (size_t)kd);
    }
    return OVS_OK;
}
