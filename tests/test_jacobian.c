/* test_jacobian.c - products with J(W) and lambda_max(J J^T) against independent evidence:
 * central finite differences of the network's outputs (J x), the adjoint identity
 * s . (J x) = (J^T s) . x, and the largest eigenvalue of the explicit J J^T (built entry by
 * entry from its closed form, not from the module) by LAPACK's dsyevd, for both methods
 * (Lanczos, also with bases small enough to restart, and the power iteration). */
#include "activation.h"
#include "jacobian.h"
#include "linalg.h"
#include "problem.h"
#include "rng.h"
#include "status.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* f(x_i) = sum_j v_j phi(w_j . x_i), directly. */
static void outputs(const ovs_problem *p, const ovs_activation *act, const double *w, double *f)
{
    for (int i = 0; i < p->n; i++) {
        double s = 0.0;
        for (int j = 0; j < p->k; j++) {
            double z = 0.0;
            for (int l = 0; l < p->d; l++)
                z += w[j * p->d + l] * p->x[i * p->d + l];
            s += p->v[j] * act->phi(z);
        }
        f[i] = s;
    }
}

static double dot(const double *a, const double *b, int m)
{
    double s = 0.0;
    for (int i = 0; i < m; i++)
        s += a[i] * b[i];
    return s;
}

/* A deterministic direction with entries in [-1, 1). */
static void direction(double *x, int m, uint64_t key)
{
    for (int i = 0; i < m; i++)
        x[i] = (double)(ovs_mix64(key + (uint64_t)i) >> 11) * 0x1.0p-52 - 1.0;
}

/* J x by central differences (softplus: smooth) against the module, relative to ||J x||. */
static void check_finite_differences(int n, int k, int d)
{
    const ovs_activation *act = ovs_activation_find("softplus");
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK);
    ovs_problem_draw(&p, 7, 3);
    const int kd = k * d;
    double *x = malloc(sizeof(double) * kd), *wp = malloc(sizeof(double) * kd),
           *wm = malloc(sizeof(double) * kd), *jx = malloc(sizeof(double) * n),
           *fp = malloc(sizeof(double) * n), *fm = malloc(sizeof(double) * n);
    direction(x, kd, 11);
    const double h = 1e-5;
    for (int i = 0; i < kd; i++) {
        wp[i] = p.w0[i] + h * x[i];
        wm[i] = p.w0[i] - h * x[i];
    }
    outputs(&p, act, wp, fp);
    outputs(&p, act, wm, fm);
    CHECK(ovs_jacobian_apply(&p, act, p.w0, x, jx) == OVS_OK);
    double err = 0.0, scale = sqrt(dot(jx, jx, n));
    for (int i = 0; i < n; i++) {
        double fd = (fp[i] - fm[i]) / (2 * h);
        err = fmax(err, fabs(fd - jx[i]));
    }
    CHECK_MSG(err <= 1e-7 * scale, "(n %d, k %d, d %d): J x differs from finite differences "
              "by %.3g (||J x|| %.3g)", n, k, d, err, scale);
    free(x), free(wp), free(wm), free(jx), free(fp), free(fm);
    ovs_problem_free(&p);
}

/* s . (J x) = (J^T s) . x for both activations. */
static void check_adjoint(const char *name, int n, int k, int d)
{
    const ovs_activation *act = ovs_activation_find(name);
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK);
    ovs_problem_draw(&p, 5, 1);
    const int kd = k * d;
    double *x = malloc(sizeof(double) * kd), *g = malloc(sizeof(double) * kd),
           *s = malloc(sizeof(double) * n), *jx = malloc(sizeof(double) * n);
    direction(x, kd, 21);
    direction(s, n, 31);
    CHECK(ovs_jacobian_apply(&p, act, p.w0, x, jx) == OVS_OK);
    CHECK(ovs_jacobian_apply_t(&p, act, p.w0, s, g) == OVS_OK);
    double a = dot(s, jx, n), b = dot(g, x, kd);
    CHECK_MSG(fabs(a - b) <= 1e-12 * (fabs(a) + fabs(b) + 1), "%s: s.(Jx) %.17g, (J^T s).x %.17g",
              name, a, b);
    free(x), free(g), free(s), free(jx);
    ovs_problem_free(&p);
}

/* The explicit J J^T: (J J^T)_ab = (x_a . x_b) sum_j v_j^2 phi'(w_j . x_a) phi'(w_j . x_b). */
static double dense_lambda_max(const ovs_problem *p, const ovs_activation *act)
{
    const int n = p->n, k = p->k, d = p->d;
    double *dp = malloc(sizeof(double) * n * k), *m = malloc(sizeof(double) * n * n),
           *ev = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++)
            dp[i * k + j] = p->v[j] * act->dphi(dot(&p->w0[j * d], &p->x[i * d], d));
    for (int a = 0; a < n; a++)
        for (int b = 0; b < n; b++)
            m[a * n + b] = dot(&p->x[a * d], &p->x[b * d], d) * dot(&dp[a * k], &dp[b * k], k);
    double top = NAN;
    if (ovs_linalg_sym_eig(n, m, ev, 0) == OVS_OK)
        top = ev[n - 1];
    free(dp), free(m), free(ev);
    return top;
}

/* Both methods against the dense eigenvalue: Lanczos to rounding (its residual bound is
 * 1e-10 and the value's error about its square over the gap), the power iteration to its
 * looser stopping rule; each reproducible to the bit. */
static void check_lambda_methods(const char *name, int n, int k, int d, uint64_t seed)
{
    const ovs_activation *act = ovs_activation_find(name);
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK);
    ovs_problem_draw(&p, seed, 0);
    const double ref = dense_lambda_max(&p, act);
    const double tol[2] = {[OVS_LAMBDA_LANCZOS] = 1e-12, [OVS_LAMBDA_POWER] = 1e-6};
    for (int m = 0; m < 2; m++) {
        double lam = NAN, again = NAN;
        int count = -1;
        CHECK(ovs_jacobian_lambda_max(&p, act, p.w0, m, &lam, &count) == OVS_OK);
        CHECK(ovs_jacobian_lambda_max(&p, act, p.w0, m, &again, NULL) == OVS_OK);
        CHECK_MSG(fabs(lam - ref) <= tol[m] * ref, "%s (n %d, k %d, d %d): %s %.17g, dense "
                  "%.17g, after %d products", name, n, k, d,
                  ovs_lambda_method_names.name(m), lam, ref, count);
        CHECK_MSG(count >= 1 && count <= 1000, "%s: %d products", name, count);
        CHECK_MSG(memcmp(&lam, &again, sizeof lam) == 0, "%s: %s not reproducible", name,
                  ovs_lambda_method_names.name(m));
    }
    ovs_problem_free(&p);
}

/* Small bases force restarts from the top Ritz vector: still the dense value. */
static void check_lanczos_restarts(const char *name, int n, int k, int d, int basis)
{
    const ovs_activation *act = ovs_activation_find(name);
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, n, k, d) == OVS_OK);
    ovs_problem_draw(&p, 7, 1);
    const double ref = dense_lambda_max(&p, act);
    double lam = NAN;
    int count = -1;
    CHECK(ovs_jacobian_lanczos(&p, act, p.w0, basis, &lam, &count) == OVS_OK);
    CHECK_MSG(count > basis, "basis %d: converged in %d products, without a restart", basis,
              count);
    CHECK_MSG(fabs(lam - ref) <= 1e-11 * ref, "%s, basis %d: Lanczos %.17g, dense %.17g "
              "after %d products", name, basis, lam, ref, count);
    CHECK(ovs_jacobian_lanczos(&p, act, p.w0, 1, &lam, &count) == OVS_EINVAL);
    CHECK(ovs_jacobian_lambda_max(&p, act, p.w0, 2, &lam, &count) == OVS_EINVAL);
    ovs_problem_free(&p);
}

/* The tridiagonal (-1, 2, -1) of order m: eigenvalues 2 - 2 cos(j pi / (m + 1)), the largest
 * at j = m, with eigenvector entries proportional to sin(i m pi / (m + 1)) (i = 1..m). */
static void check_tridiag_known(int m)
{
    double diag[40], off[40], vec[40], top = NAN;
    for (int i = 0; i < m; i++)
        diag[i] = 2.0, off[i] = -1.0;
    CHECK(ovs_linalg_tridiag_top(m, diag, off, &top, vec) == OVS_OK);
    const double theta = acos(-1.0) * m / (m + 1), want = 2.0 - 2.0 * cos(theta);
    CHECK_MSG(fabs(top - want) <= 1e-14 * want, "order %d: top %.17g, not %.17g", m, top, want);
    double norm = 0.0, err = 0.0;
    for (int i = 0; i < m; i++)
        norm += sin((i + 1) * theta) * sin((i + 1) * theta);
    const double sign = vec[0] * sin(theta) > 0 ? 1.0 : -1.0;
    for (int i = 0; i < m; i++)
        err = fmax(err, fabs(sign * vec[i] - sin((i + 1) * theta) / sqrt(norm)));
    CHECK_MSG(err <= 1e-12, "order %d: eigenvector off by %.3g", m, err);
    CHECK(ovs_linalg_tridiag_top(0, diag, off, &top, vec) == OVS_EINVAL);
}

/* Every ReLU unit dead (all pre-activations negative): J = 0, lambda_max = 0. */
static void check_dead_relu(void)
{
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, 20, 3, 2) == OVS_OK);
    ovs_problem_draw(&p, 1, 0);
    for (int i = 0; i < p.n; i++) /* inputs in the positive quadrant, weights negative */
        p.x[i * 2] = fabs(p.x[i * 2]), p.x[i * 2 + 1] = fabs(p.x[i * 2 + 1]);
    for (int i = 0; i < 6; i++)
        p.w0[i] = -1.0 - i;
    for (int m = 0; m < 2; m++) {
        double lam = NAN;
        CHECK(ovs_jacobian_lambda_max(&p, ovs_activation_find("relu"), p.w0, m, &lam, NULL) ==
              OVS_OK);
        CHECK_MSG(lam == 0.0, "dead ReLU units, %s: lambda_max %.17g, not 0",
                  ovs_lambda_method_names.name(m), lam);
    }
    ovs_problem_free(&p);
}

int main(void)
{
    ovs_linalg_single_thread();
    check_finite_differences(30, 4, 5);
    check_finite_differences(17, 7, 3);
    check_adjoint("softplus", 40, 5, 6);
    check_adjoint("relu", 40, 5, 6);
    /* Figure-2 sizes and larger, both activations, including k d < n and k d > n. */
    check_lambda_methods("softplus", 100, 10, 5, 2019);
    check_lambda_methods("relu", 100, 10, 5, 2019);
    check_lambda_methods("softplus", 200, 3, 25, 4);
    check_lambda_methods("relu", 200, 25, 20, 4);
    check_lambda_methods("softplus", 400, 40, 10, 9);
    check_lambda_methods("relu", 400, 40, 10, 9);
    check_lambda_methods("softplus", 30, 10, 10, 3); /* k d > n: J J^T has full rank n */
    check_lanczos_restarts("softplus", 200, 10, 20, 4);
    check_lanczos_restarts("relu", 200, 10, 20, 8);
    check_dead_relu();
    check_tridiag_known(1);
    check_tridiag_known(2);
    check_tridiag_known(37);
    TEST_DONE();
}
