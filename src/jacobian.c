/* jacobian.c - products with the Jacobian J(W), and the Lanczos method and the power iteration
 * for the largest eigenvalue of J J^T; see jacobian.h. */
#include "jacobian.h"

#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define POWER_MAX_ITERS 1000
#define POWER_RTOL 1e-9
#define LANCZOS_BASIS 64
#define LANCZOS_RTOL 1e-10
#define LANCZOS_MAX_PRODUCTS 1000

OVS_NAMES_OF(ovs_lambda_method_names, "lambda_max method", "lanczos", "power");

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

/* Power iteration on J J^T from s (unit): s <- J J^T s / ||.||, with the Rayleigh quotient
 * ||J^T s||^2 (s a unit vector) as the estimate; it never decreases for a PSD matrix, and
 * its error falls like (lambda_2 / lambda_1)^(2t). */
static int power_iterate(const jac *J, double *s, double *g, double *lambda, int *iters)
{
    const size_t n = (size_t)J->n, kd = (size_t)J->k * (size_t)J->d;
    double prev = -1.0, est = 0.0, ns;
    int t = 0;
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

static double dot(const double *a, const double *b, size_t m)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++)
        s += a[i] * b[i];
    return s;
}

/* The Lanczos state: an orthonormal basis q_0.. of the Krylov space of J J^T (basis vectors
 * of n, plus one for the next), and the tridiagonal T = Q^T J J^T Q it builds. */
typedef struct lanczos {
    size_t n;
    int basis;
    double *q, *alpha, *beta, *z, *g;
} lanczos;

static void lanczos_free(lanczos *L)
{
    free(L->q), free(L->alpha), free(L->beta), free(L->z), free(L->g);
}

static int lanczos_init(lanczos *L, const jac *J, int basis)
{
    const size_t m = (size_t)basis;
    L->n = (size_t)J->n;
    L->basis = basis;
    L->q = malloc(sizeof(double) * (m + 1) * L->n);
    L->alpha = malloc(sizeof(double) * m);
    L->beta = malloc(sizeof(double) * m);
    L->z = malloc(sizeof(double) * m);
    L->g = malloc(sizeof(double) * (size_t)J->k * (size_t)J->d);
    if (L->q && L->alpha && L->beta && L->z && L->g)
        return OVS_OK;
    lanczos_free(L);
    return OVS_ENOMEM;
}

/* w minus its components along q_0..q_m, twice: one pass of Gram-Schmidt leaves components of
 * the size of the rounding error times the ones removed, the second removes those ("twice is
 * enough"), so the basis stays orthonormal to working precision and no eigenvalue of J J^T
 * reappears in T as a spurious copy. On the tests' problems one pass gives the dense value as
 * well (a mutant with one survived, round 45); the second is insurance against the
 * cancellation of a nearly exhausted Krylov space, at a cost far below a product's. */
static void reorthogonalise(const lanczos *L, int m, double *w)
{
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i <= m; i++) {
            const double *qi = &L->q[(size_t)i * L->n];
            const double c = dot(qi, w, L->n);
            for (size_t t = 0; t < L->n; t++)
                w[t] -= c * qi[t];
        }
}

/* One Lanczos step from the basis q_0..q_m: alpha_m = q_m^T J J^T q_m = ||J^T q_m||^2, and
 * into q_{m+1} the part of J J^T q_m orthogonal to the basis, of norm beta_m (left
 * unnormalised). */
static void lanczos_step(const jac *J, lanczos *L, int m)
{
    const double *qm = &L->q[(size_t)m * L->n];
    double *w = &L->q[(size_t)(m + 1) * L->n];
    jac_mul_t(J, qm, L->g);
    const double ng = norm2(L->g, (size_t)J->k * (size_t)J->d);
    L->alpha[m] = ng * ng;
    jac_mul(J, L->g, w);
    reorthogonalise(L, m, w);
    L->beta[m] = norm2(w, L->n);
}

/* The restart vector: the top Ritz vector Q z of the basis q_0..q_m, normalised, into q_0. */
static void lanczos_restart(lanczos *L, int m)
{
    double *u = &L->q[(size_t)(m + 1) * L->n]; /* the next vector's slot is free */
    for (size_t t = 0; t < L->n; t++)
        u[t] = 0.0;
    for (int i = 0; i <= m; i++)
        for (size_t t = 0; t < L->n; t++)
            u[t] += L->z[i] * L->q[(size_t)i * L->n + t];
    const double nu = norm2(u, L->n);
    for (size_t t = 0; t < L->n; t++)
        L->q[t] = u[t] / nu;
}

/* Lanczos on J J^T from q_0 (unit), restarted from its top Ritz vector every L->basis steps.
 * The top Ritz value theta of T never exceeds lambda_max and rises towards it; J J^T has an
 * eigenvalue within the residual ||J J^T u - theta u|| = beta_m |z_m| of theta (u the
 * Ritz vector; Parlett, The Symmetric Eigenvalue Problem, Sec. 13.1), and theta's error falls
 * like the residual squared over the gap to the next eigenvalue. Stop when the residual is
 * <= LANCZOS_RTOL theta, J J^T's Krylov space is exhausted (beta_m = 0: theta is exact) or
 * after LANCZOS_MAX_PRODUCTS products with J J^T. */
static int lanczos_top(const jac *J, lanczos *L, double *lambda, int *products)
{
    double theta = 0.0;
    int done = 0, count = 0;
    while (!done) {
        int m = 0;
        for (;; m++) {
            lanczos_step(J, L, m);
            count++;
            int rc = ovs_linalg_tridiag_top(m + 1, L->alpha, L->beta, &theta, L->z);
            if (rc != OVS_OK)
                return rc;
            const double resid = L->beta[m] * fabs(L->z[m]);
            done = !(L->beta[m] > 0) || !(theta > 0) || !isfinite(theta) ||
                   resid <= LANCZOS_RTOL * theta || count >= LANCZOS_MAX_PRODUCTS;
            if (done || m + 1 == L->basis)
                break;
            double *next = &L->q[(size_t)(m + 1) * L->n];
            for (size_t t = 0; t < L->n; t++)
                next[t] /= L->beta[m];
        }
        if (!done)
            lanczos_restart(L, m);
    }
    *lambda = isfinite(theta) ? theta : NAN;
    *products = count;
    return OVS_OK;
}

static int unit_start(const double *y, double *s, size_t n)
{
    const double ny = norm2(y, n);
    if (!(ny > 0) || !isfinite(ny))
        return OVS_EINVAL;
    for (size_t i = 0; i < n; i++)
        s[i] = y[i] / ny;
    return OVS_OK;
}

static int lambda_lanczos(const jac *J, const double *y, int basis, double *lambda,
                          int *products)
{
    lanczos L;
    int rc = lanczos_init(&L, J, basis);
    if (rc == OVS_OK)
        rc = unit_start(y, L.q, L.n);
    if (rc == OVS_OK)
        rc = lanczos_top(J, &L, lambda, products);
    lanczos_free(&L);
    return rc;
}

static int lambda_power(const jac *J, const double *y, double *lambda, int *iters)
{
    double *s = malloc(sizeof(double) * (size_t)J->n);
    double *g = malloc(sizeof(double) * (size_t)J->k * (size_t)J->d);
    int rc = s && g ? OVS_OK : OVS_ENOMEM;
    if (rc == OVS_OK)
        rc = unit_start(y, s, (size_t)J->n);
    if (rc == OVS_OK)
        rc = power_iterate(J, s, g, lambda, iters);
    free(s);
    free(g);
    return rc;
}

/* lambda_max by method, Lanczos with a basis of `basis` vectors. */
static int lambda_by(const ovs_problem *p, const ovs_activation *act, const double *w,
                     ovs_lambda_method method, int basis, double *lambda, int *products)
{
    jac J;
    int count = 0, rc = jac_init(&J, p, act, w);
    if (rc == OVS_OK && method == OVS_LAMBDA_POWER)
        rc = lambda_power(&J, p->y, lambda, &count);
    else if (rc == OVS_OK && method == OVS_LAMBDA_LANCZOS)
        rc = lambda_lanczos(&J, p->y, basis, lambda, &count);
    else if (rc == OVS_OK)
        rc = OVS_EINVAL;
    if (products)
        *products = count;
    jac_free(&J);
    return rc;
}

int ovs_jacobian_lambda_max(const ovs_problem *p, const ovs_activation *act, const double *w,
                            ovs_lambda_method method, double *lambda, int *products)
{
    return lambda_by(p, act, w, method, LANCZOS_BASIS, lambda, products);
}

double ovs_jacobian_lambda_bytes(double n, double k, double d, ovs_lambda_method method)
{
    const double vectors = method == OVS_LAMBDA_LANCZOS ? LANCZOS_BASIS + 1 : 1;
    return 8.0 * (d * n + 2 * k * n + k * d + vectors * n + 4.0 * LANCZOS_BASIS);
}

int ovs_jacobian_lanczos(const ovs_problem *p, const ovs_activation *act, const double *w,
                         int basis, double *lambda, int *products)
{
    if (basis < 2)
        return OVS_EINVAL;
    return lambda_by(p, act, w, OVS_LAMBDA_LANCZOS, basis, lambda, products);
}
