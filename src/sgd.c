/* sgd.c - stochastic gradient descent (eq. 2.9) for one trial; see sgd.h. */
#include "sgd.h"

#include "rng.h"
#include "simd.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Layout: W is held transposed and padded, wt (d x kp, kp = k rounded up to the vector
 * length; wt[l kp + j] = W_jl, zero for j >= k), with v padded by zeros to vp (kp). Then
 * z = W x accumulates one input coordinate at a time into 8-lane vectors of units, with no
 * dependence between lanes, where k row dot products would each be a serial chain of d
 * dependent additions (about 3x slower at k = d = 25). Each z_j still sums l = 0..d-1 in
 * order, as a row dot product would. Padding units have v_j = 0, so they add 0 to f, get
 * c_j = 0 and their weights stay 0. */
typedef struct sgd_buffers {
    int k, d, kp;
    double *wt;      /* d x kp */
    double *vp;      /* kp */
    double *scratch; /* 3 kp: z, phi, phi' (then c) */
} sgd_buffers;

static int buffers_alloc(sgd_buffers *b, int k, int d, const double *v)
{
    *b = (sgd_buffers){.k = k, .d = d, .kp = ovs_pad(k)};
    const size_t kp = (size_t)b->kp;
    b->wt = calloc((size_t)d * kp, sizeof(double));
    b->vp = calloc(kp, sizeof(double));
    b->scratch = calloc(3 * kp, sizeof(double));
    if (!b->wt || !b->vp || !b->scratch)
        return OVS_ENOMEM;
    memcpy(b->vp, v, sizeof(double) * (size_t)k);
    return OVS_OK;
}

static void buffers_free(sgd_buffers *b)
{
    free(b->wt);
    free(b->vp);
    free(b->scratch);
    b->wt = b->vp = b->scratch = NULL;
}

/* w (k x d row-major) into / out of the padded transposed wt. */
static void load_w(sgd_buffers *b, const double *w)
{
    for (int j = 0; j < b->k; j++)
        for (int l = 0; l < b->d; l++)
            b->wt[(size_t)l * (size_t)b->kp + (size_t)j] = w[(size_t)j * (size_t)b->d + (size_t)l];
}

static void store_w(const sgd_buffers *b, double *w)
{
    for (int j = 0; j < b->k; j++)
        for (int l = 0; l < b->d; l++)
            w[(size_t)j * (size_t)b->d + (size_t)l] = b->wt[(size_t)l * (size_t)b->kp + (size_t)j];
}

/* z = W x, dphi = phi'(z), returns f(x; W) = v . phi(z); phi is scratch (all kp). The kp
 * activations go through act->eval in one call (for softplus its vectorised kernel beats
 * k calls of the scalar pair, two exp and a log1p each). */
static inline __attribute__((always_inline)) double
forward_one(int kp, int d, const ovs_activation *act, const double *restrict vp,
            const double *restrict wt, const double *restrict x, double *restrict z,
            double *restrict phi, double *restrict dphi)
{
    for (int jb = 0; jb < kp; jb += OVS_VL) {
        ovs_v8d acc = {0};
        for (int l = 0; l < d; l++)
            acc += *(const ovs_v8d *)(wt + (size_t)l * (size_t)kp + (size_t)jb) * x[l];
        *(ovs_v8d *)(z + jb) = acc;
    }
    act->eval(z, phi, dphi, (size_t)kp);
    double f = 0.0;
    for (int j = 0; j < kp; j++)
        f += vp[j] * phi[j];
    return f;
}

/* Eq. 2.9: W <- W - eta r (v o phi'(W x)) x^T with r = f(x; W) - y, the gradient of
 * 1/2 r^2. The step is the rank-one matrix c x^T with c_j = eta r v_j phi'(w_j . x), so its
 * Frobenius norm is ||c|| ||x||: k multiplications, not k d. */
static inline __attribute__((always_inline)) double
step(int kp, int d, const ovs_activation *act, const double *restrict vp,
     const double *restrict x, double x_norm, double y, double eta, double *restrict wt,
     double *restrict scratch, double *step_norm)
{
    double *z = scratch, *phi = scratch + kp, *c = scratch + 2 * kp;
    double r = forward_one(kp, d, act, vp, wt, x, z, phi, c) - y;
    double er = eta * r, c2 = 0.0;
    for (int j = 0; j < kp; j++) {
        c[j] *= er * vp[j];
        c2 += c[j] * c[j];
    }
    double s = sqrt(c2) * x_norm;
    *step_norm = s;
    if (!isfinite(r) || !isfinite(s))
        return r; /* the caller stops; W keeps its last finite value */
    for (int l = 0; l < d; l++) {
        double *wt_l = wt + (size_t)l * (size_t)kp, x_l = x[l];
        for (int jb = 0; jb < kp; jb += OVS_VL)
            *(ovs_v8d *)(wt_l + jb) -= *(const ovs_v8d *)(c + jb) * x_l;
    }
    return r;
}

int ovs_sgd_step(int k, int d, const ovs_activation *act, const double *v, const double *x,
                 double y, double eta, double *w, double *residual, double *step_norm)
{
    if (k < 1 || d < 1 || !act)
        return OVS_EINVAL;
    sgd_buffers b;
    if (buffers_alloc(&b, k, d, v) != OVS_OK) {
        buffers_free(&b);
        return OVS_ENOMEM;
    }
    load_w(&b, w);
    double x2 = 0.0, s;
    for (int l = 0; l < d; l++)
        x2 += x[l] * x[l];
    double r = step(b.kp, d, act, b.vp, x, sqrt(x2), y, eta, b.wt, b.scratch, &s);
    store_w(&b, w);
    buffers_free(&b);
    if (residual)
        *residual = r;
    if (step_norm)
        *step_norm = s;
    return OVS_OK;
}

/* ||f(W) - y|| over all n samples. */
OVS_CLONES
static double residual_norm(const ovs_problem *p, const ovs_activation *act,
                            const sgd_buffers *b)
{
    const int kp = b->kp, d = p->d;
    double *sc = b->scratch, r2 = 0.0;
    for (int i = 0; i < p->n; i++) {
        double f = forward_one(kp, d, act, b->vp, b->wt, p->x + (size_t)i * (size_t)d, sc,
                               sc + kp, sc + 2 * kp);
        double r = f - p->y[i];
        r2 += r * r;
    }
    return sqrt(r2);
}

/* One epoch: n steps on uniformly drawn samples. Returns 0, or 1 at the first non-finite
 * residual or step (not applied; the epoch stops there). */
OVS_CLONES
static int epoch(const ovs_problem *p, const ovs_activation *act, double eta,
                 const double *x_norm, ovs_rng *rng, sgd_buffers *b, double *path_length)
{
    const int n = p->n, d = p->d, kp = b->kp;
    for (int s = 0; s < n; s++) {
        uint32_t g = ovs_rng_below(rng, (uint32_t)n);
        double sn, r = step(kp, d, act, b->vp, p->x + (size_t)g * (size_t)d, x_norm[g],
                            p->y[g], eta, b->wt, b->scratch, &sn);
        if (!isfinite(r) || !isfinite(sn))
            return 1;
        *path_length += sn;
    }
    return 0;
}

int ovs_sgd_run(const ovs_problem *p, const ovs_activation *act, double eta,
                const ovs_protocol *proto, uint64_t seed, int trial, ovs_result *res)
{
    if (!act || !(eta > 0) || proto->early_fail || ovs_protocol_check(proto, p) != OVS_OK)
        return OVS_EINVAL;
    const int n = p->n, k = p->k, d = p->d;
    sgd_buffers b;
    double *x_norm = malloc(sizeof(double) * (size_t)n);
    if (buffers_alloc(&b, k, d, p->v) != OVS_OK || !x_norm) {
        buffers_free(&b);
        free(x_norm);
        return OVS_ENOMEM;
    }
    load_w(&b, p->w0);
    for (int i = 0; i < n; i++) {
        const double *x = p->x + (size_t)i * (size_t)d;
        double x2 = 0.0;
        for (int l = 0; l < d; l++)
            x2 += x[l] * x[l];
        x_norm[i] = sqrt(x2);
    }
    ovs_result_start(res);
    ovs_rng rng;
    const int64_t coords[] = {n, k, d, trial};
    ovs_rng_for_tuple(&rng, seed, OVS_STREAM_SGD, coords, 4);

    int t = 0; /* complete epochs applied */
    double rel;
    for (;;) {
        /* The same rules as gd (no early_fail), counted in epochs. */
        if (ovs_protocol_stops(proto, residual_norm(p, act, &b), p->y_norm, t, res, NULL, &rel))
            break;
        if (epoch(p, act, eta, x_norm, &rng, &b, &res->path_length)) {
            /* Stopped inside epoch t + 1: report the error at the W it stopped with. */
            res->diverged = 1;
            rel = residual_norm(p, act, &b) / p->y_norm;
            break;
        }
        t++;
        if (ovs_protocol_polled_stop(proto, t, res))
            break;
    }
    res->iterations = t;
    res->final_rel_err = rel;
    double dist2 = 0.0;
    for (int j = 0; j < k; j++)
        for (int l = 0; l < d; l++) {
            double delta = b.wt[(size_t)l * (size_t)b.kp + (size_t)j] -
                           p->w0[(size_t)j * (size_t)d + (size_t)l];
            dist2 += delta * delta;
        }
    res->dist_from_init = sqrt(dist2);
    buffers_free(&b);
    free(x_norm);
    return OVS_OK;
}
