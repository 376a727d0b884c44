/* train32.c - gradient descent for one trial in float32; see train32.h and train.c, whose
 * loop this one follows step by step. */
#include "train32.h"

#include "activation32.h"
#include "simd.h"
#include "smallmm32.h"
#include "status.h"
#include "train_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef float ovs_v8f __attribute__((vector_size(32), aligned(4), may_alias));

/* One trial's buffers, carved from one 64-byte aligned block. Samples along rows padded to
 * np (a multiple of 16); padding entries of xt, xp, y, r stay zero, and so do the entries of
 * w and g past k d (padded to kdp). */
typedef struct buffers32 {
    int n, k, d, np, dp, kdp;
    float *xt;     /* d x np, X transposed */
    float *xp;     /* n x dp, X with rows padded */
    float *w;      /* kdp, current weights (k x d) */
    float *zt;     /* k x np: pre-activations, then phi', then the factors m_ji */
    float *phi;    /* k x np */
    float *r;      /* np, residuals */
    float *y;      /* np, labels */
    float *v;      /* k, output weights */
    float *g;      /* kdp, gradient */
    double *dz;    /* 2 k np, float64 scratch of the generic activation path (or NULL) */
    void *block;
} buffers32;

static size_t round64(size_t bytes)
{
    return (bytes + 63) / 64 * 64;
}

static int buffers_alloc(buffers32 *b, const ovs_problem *p, int generic)
{
    *b = (buffers32){.n = p->n, .k = p->k, .d = p->d, .np = ovs_padf(p->n),
                     .dp = ovs_padf(p->d), .kdp = ovs_padf(p->k * p->d)};
    const size_t n = (size_t)b->n, k = (size_t)b->k, d = (size_t)b->d, np = (size_t)b->np;
    const size_t fs = sizeof(float);
    size_t sizes[] = {d * np * fs, n * (size_t)b->dp * fs, (size_t)b->kdp * fs, k * np * fs,
                      k * np * fs, np * fs, np * fs, k * fs, (size_t)b->kdp * fs,
                      generic ? 2 * k * np * sizeof(double) : 0};
    enum { NBUF = sizeof sizes / sizeof sizes[0] };
    size_t total = 0;
    for (int i = 0; i < NBUF; i++)
        total += round64(sizes[i]);
    char *base = aligned_alloc(64, total);
    if (!base)
        return OVS_ENOMEM;
    memset(base, 0, total);
    b->block = base;
    void *ptr[NBUF];
    for (int i = 0; i < NBUF; i++) {
        ptr[i] = sizes[i] ? base : NULL;
        base += round64(sizes[i]);
    }
    b->xt = ptr[0];
    b->xp = ptr[1];
    b->w = ptr[2];
    b->zt = ptr[3];
    b->phi = ptr[4];
    b->r = ptr[5];
    b->y = ptr[6];
    b->v = ptr[7];
    b->g = ptr[8];
    b->dz = ptr[9];
    return OVS_OK;
}

/* Round the double inputs to float once. */
static void load_inputs(const ovs_problem *p, buffers32 *b)
{
    const size_t np = (size_t)b->np, d = (size_t)p->d, dp = (size_t)b->dp;
    for (size_t i = 0; i < (size_t)p->n; i++) {
        for (size_t l = 0; l < d; l++) {
            b->xt[l * np + i] = (float)p->x[i * d + l];
            b->xp[i * dp + l] = (float)p->x[i * d + l];
        }
        b->y[i] = (float)p->y[i];
    }
    for (int j = 0; j < p->k; j++)
        b->v[j] = (float)p->v[j];
    for (int i = 0; i < p->k * p->d; i++)
        b->w[i] = (float)p->w0[i];
}

/* sum a_i^2 in double over m floats (m a multiple of 16), in a fixed order. Each a_i^2 is
 * exact in double. */
OVS_CLONES
static double sumsq(const float *a, int m)
{
    ovs_v8d acc0 = {0}, acc1 = {0};
    for (int i = 0; i < m; i += OVS_VLF) {
        ovs_v8d x0 = __builtin_convertvector(*(const ovs_v8f *)(a + i), ovs_v8d);
        ovs_v8d x1 = __builtin_convertvector(*(const ovs_v8f *)(a + i + 8), ovs_v8d);
        acc0 += x0 * x0;
        acc1 += x1 * x1;
    }
    return ovs_hsum(acc0 + acc1);
}

/* r = phi^T v - y over all np columns (each f(x_i) sums the units j in order), then the
 * padding zeroed. Returns ||r||^2 accumulated in double. */
OVS_CLONES
static double residual(const buffers32 *b)
{
    const int k = b->k, np = b->np;
    for (int i = 0; i < np; i += OVS_VLF) {
        ovs_v16f acc = {0};
        for (int j = 0; j < k; j++)
            acc += b->v[j] * *(const ovs_v16f *)(b->phi + (size_t)j * (size_t)np + i);
        *(ovs_v16f *)(b->r + i) = acc - *(const ovs_v16f *)(b->y + i);
    }
    for (int i = b->n; i < np; i++)
        b->r[i] = 0.0f;
    return sumsq(b->r, np);
}

/* mt_ji <- phi'(w_j . x_i) v_j r_i in place; padding columns become 0 (r is 0 there). */
OVS_CLONES
static void scale_factors(const buffers32 *b)
{
    const int np = b->np;
    for (int j = 0; j < b->k; j++) {
        float *m_j = b->zt + (size_t)j * (size_t)np, vj = b->v[j];
        for (int i = 0; i < np; i += OVS_VLF)
            *(ovs_v16f *)(m_j + i) *= vj * *(const ovs_v16f *)(b->r + i);
    }
}

/* w -= eta g over the padded length (the padding of g is 0). */
OVS_CLONES
static void update(float *w, const float *g, float eta, int kdp)
{
    for (int i = 0; i < kdp; i += OVS_VLF)
        *(ovs_v16f *)(w + i) -= eta * *(const ovs_v16f *)(g + i);
}

static void eval_generic(const ovs_activation *act, buffers32 *b)
{
    const size_t m = (size_t)b->k * (size_t)b->np;
    double *z = b->dz, *ph = b->dz + m;
    for (size_t i = 0; i < m; i++)
        z[i] = b->zt[i];
    act->eval(z, ph, z, m);
    for (size_t i = 0; i < m; i++) {
        b->phi[i] = (float)ph[i];
        b->zt[i] = (float)z[i];
    }
}

/* Forward pass at b->w: zt = W X^T, phi = phi(zt), zt <- phi'(zt), r = f - y. Returns ||r||. */
static double forward(const ovs_activation *act, ovs_eval32_fn eval, buffers32 *b)
{
    ovs_smallmm32_preact(b->k, b->d, b->np, b->w, b->xt, b->zt);
    if (eval)
        eval(b->zt, b->phi, b->zt, (size_t)b->k * (size_t)b->np);
    else
        eval_generic(act, b);
    return sqrt(residual(b));
}

/* Gradient after forward(): g = M X, M_ji = phi'(w_j . x_i) v_j r_i. Returns ||g||_F. */
static double gradient(buffers32 *b)
{
    scale_factors(b);
    ovs_smallmm32_grad(b->n, b->k, b->d, b->np, b->zt, b->xp, b->g);
    return sqrt(sumsq(b->g, b->kdp));
}

int ovs_train32_run(const ovs_problem *p, const ovs_train_opts *o, ovs_train_result *res)
{
    int rc = ovs_train_check_opts(p, o);
    if (rc != OVS_OK)
        return rc;
    ovs_eval32_fn eval = ovs_activation32_kernel(o->act);
    buffers32 b;
    rc = buffers_alloc(&b, p, eval == NULL);
    if (rc != OVS_OK)
        return rc;
    memset(res, 0, sizeof *res);
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        res->ladder_hit[j] = -1;
    load_inputs(p, &b);
    const double y_norm = sqrt(sumsq(b.y, b.np)); /* of the labels as rounded */
    if (!(y_norm > 0)) {
        free(b.block);
        return OVS_EINVAL;
    }
    const float eta = (float)o->eta;

    int t = 0;
    double rel;
    ovs_early_fail_state ef = {NAN, NAN};
    for (;;) {
        if (ovs_train_stops(o, forward(o->act, eval, &b), y_norm, t, res, &ef, &rel))
            break;
        double gnorm = gradient(&b);
        if (ovs_train_gradient_stops(o, gnorm, &t, res))
            break;
        update(b.w, b.g, eta, b.kdp);
        res->path_length += o->eta * gnorm;
        t++;
        if (ovs_train_polled_stop(o, t, res))
            break;
    }
    res->iterations = t;
    res->final_rel_err = rel;
    double dist2 = 0.0;
    for (int i = 0; i < p->k * p->d; i++) {
        double delta = (double)b.w[i] - (double)(float)p->w0[i];
        dist2 += delta * delta;
    }
    res->dist_from_init = sqrt(dist2);
    free(b.block);
    return OVS_OK;
}

int ovs_train32_loss_grad(const ovs_problem *p, const ovs_activation *act, const double *w,
                          double *loss, double *grad)
{
    if (!act || p->n < 1 || p->k < 1 || p->d < 1)
        return OVS_EINVAL;
    ovs_eval32_fn eval = ovs_activation32_kernel(act);
    buffers32 b;
    int rc = buffers_alloc(&b, p, eval == NULL);
    if (rc != OVS_OK)
        return rc;
    load_inputs(p, &b);
    const int kd = p->k * p->d;
    for (int i = 0; i < kd; i++)
        b.w[i] = (float)w[i];
    double rnorm = forward(act, eval, &b);
    *loss = 0.5 * rnorm * rnorm;
    if (grad) {
        gradient(&b);
        for (int i = 0; i < kd; i++)
            grad[i] = b.g[i];
    }
    free(b.block);
    return OVS_OK;
}
