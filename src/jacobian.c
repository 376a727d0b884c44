/* jacobian.c - products with the Jacobian J(W) and the power iteration for its largest
 * eigenvalue; see jacobian.h. */
#include "jacobian.h"

#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POWER_MAX_ITERS 1000
#define POWER_RTOL 1e-9

/* What every product needs: X^T (d x n), and D (k x n) with D_ji = v_j phi'(w_j . x_i), so
 * that J x = (sum_j D_ji (x_j . x_i))_i and J^T s = (sum_i D_ji s_i x_i)_j. */
typedef struct jac {
    int n, k, d;
    double *xt, *dm, *tk; /* d x n, k x n, k x n (scratch) */
} jac;

static void jac_free(jac *J)
{
    free(J->xt);
    free(J->dm);
    free(J->tk);
}

static int jac_init(jac *J, const ovs_problem *p, const ovs_activation *act, const double *w)
{
    const int n = p->n, k = p->k, d = p->d;
    memset(J, 0, sizeof *J);
    if (!act || !w || n < 1 || k < 1 || d < 1)
        return OVS_EINVAL;
    J->n = n, J->k = k, J->d = d;
    J->xt = malloc(sizeof(double) * (size_t)d * (size_t)n);
    J->dm = malloc(sizeof(double) * (size_t)k * (size_t)n);
    J->tk = malloc(sizeof(double) * (size_t)k * (size_t)n);
    if (!J->xt || !J->dm || !J->tk) {
        jac_free(J);
        return OVS_ENOMEM;
    }
    for (int i = 0; i < n; i++)
        for (int l = 0; l < d; l++)
            J->xt[(size_t)l * n + i] = p->x[(size_t)i * d + l];
    ovs_linalg_preact(k, d, n, w, J->xt, J->dm); /* z_ji = w_j . x_i */
    for (int j = 0; j < k; j++)
        for (int i = 0; i < n; i++) {
            double *z = &J->dm[(size_t)j * n + i];
            *z = p->v[j] * act->dphi(*z);
        }
    return OVS_OK;
}

static void jac_mul(const jac *J, const double *x, double *y)
{
    const int n = J->n, k = J->k;
    ovs_linalg_preact(k, J->d, n, x, J->xt, J->tk); /* x_j . x_i */
    for (int i = 0; i < n; i++)
        y[i] = 0.0;
    for (int j = 0; j < k; j++)
        for (int i = 0; i < n; i++)
            y[i] += J->dm[(size_t)j * n + i] * J->tk[(size_t)j * n + i];
}

static void jac_mul_t(const jac *J, const double *s, double *g)
{
    const int n = J->n, k = J->k;
    for (int j = 0; j < k; j++)
        for (int i = 0; i < n; i++)
            J->tk[(size_t)j * n + i] = J->dm[(size_t)j * n + i] * s[i];
    ovs_linalg_grad(k, J->d, n, J->tk, J->xt, g);
}

/* One product with a fresh J: y = J x, or g = J^T s. */
static int apply_once(const ovs_problem *p, const ovs_activation *act, const double *w,
                      void (*mul)(const jac *, const double *, double *), const double *in,
                      double *out)
{
    jac J;
    int rc = jac_init(&J, p, act, w);
    if (rc == OVS_OK)
        mul(&J, in, out);
    jac_free(&J);
    return rc;
}

int ovs_jacobian_apply(const ovs_problem *p, const ovs_activation *act, const double *w,
                       const double *x, double *y)
{
    return apply_once(p, act, w, jac_mul, x, y);
}

int ovs_jacobian_apply_t(const ovs_problem *p, const ovs_activation *act, const double *w,
                         const double *s, double *g)
{
    return apply_once(p, act, w, jac_mul_t, s, g);
}

static double norm2(const double *a, size_t m)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
        s += a[i] * a[i];
    return sqrt(s);
}

/* Power iteration on J J^T: s <- J J^T s / ||.||, with the Rayleigh quotient
 * ||J^T s||^2 (s a unit vector) as the estimate; it never decreases for a PSD matrix, and
 * its error falls like (lambda_2 / lambda_1)^(2t). */
static int power_iterate(const jac *J, double *s, double *g, double *lambda, int *iters)
{
    const size_t n = (size_t)J->n, kd = (size_t)J->k * (size_t)J->d;
    double prev = -1.0, est = 0.0, ns = norm2(s, n);
    int t = 0;
    if (!(ns > 0) || !isfinite(ns))
        return OVS_EINVAL;
    for (size_t i = 0; i < n; i++)
        s[i] /= ns;
    for (t = 1; t <= POWER_MAX_ITERS; t++) {
        jac_mul_t(J, s, g);
        const double ng = norm2(g, kd);
        est = ng * ng;
        if (!(ng > 0) || fabs(est - prev) <= POWER_RTOL * est)
            break;
        prev = est;
        jac_mul(J, g, s);
        ns = norm2(s, n);
        if (!(ns > 0) || !isfinite(ns))
            break;
        for (size_t i = 0; i < n; i++)
            s[i] /= ns;
    }
    *lambda = isfinite(est) ? est : NAN;
    if (iters)
        *iters = t > POWER_MAX_ITERS ? POWER_MAX_ITERS : t;
    return OVS_OK;
}

int ovs_jacobian_lambda_max(const ovs_problem *p, const ovs_activation *act, const double *w,
                            double *lambda, int *iters)
{
    jac J;
    int rc = jac_init(&J, p, act, w);
    double *s = malloc(sizeof(double) * (size_t)p->n);
    double *g = malloc(sizeof(double) * (size_t)p->k * (size_t)p->d);
    if (rc == OVS_OK && (!s || !g))
        rc = OVS_ENOMEM;
    if (rc == OVS_OK) {
        memcpy(s, p->y, sizeof(double) * (size_t)p->n);
        rc = power_iterate(&J, s, g, lambda, iters);
    }
    free(s);
    free(g);
    jac_free(&J);
    return rc;
}
