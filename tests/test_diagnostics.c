/* test_diagnostics.c - the theory diagnostics against brute force: explicit Khatri-Rao and
 * Jacobian matrices with an independent (Jacobi) eigensolver, Monte Carlo over w for Sigma(X)
 * (Definition 6.1), closed forms through the quadrature path, and a direct f(W0). */
#include "diagnostics.h"
#include "activation.h"
#include "linalg.h"
#include "problem.h"
#include "rng.h"
#include "status.h"
#include "train.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* ---- brute-force helpers, independent of the module ---- */

/* Eigenvalues of the symmetric m x m matrix a (destroyed) by cyclic Jacobi rotations,
 * ascending in ev. Slow and simple: no LAPACK, so it checks the wrapper too. */
static void jacobi_eigvals(int m, double *a, double *ev)
{
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0, tot = 0.0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++) {
                tot += a[i * m + j] * a[i * m + j];
                off += i != j ? a[i * m + j] * a[i * m + j] : 0.0;
            }
        if (off <= 1e-32 * tot)
            break;
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++) {
                double apq = a[p * m + q];
                if (apq == 0.0)
                    continue;
                double theta = (a[q * m + q] - a[p * m + p]) / (2.0 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1.0 / sqrt(t * t + 1), s = t * c;
                for (int r = 0; r < m; r++) { /* columns p, q */
                    double arp = a[r * m + p], arq = a[r * m + q];
                    a[r * m + p] = c * arp - s * arq;
                    a[r * m + q] = s * arp + c * arq;
                }
                for (int r = 0; r < m; r++) { /* rows p, q */
                    double apr = a[p * m + r], aqr = a[q * m + r];
                    a[p * m + r] = c * apr - s * aqr;
                    a[q * m + r] = s * apr + c * aqr;
                }
            }
    }
    for (int i = 0; i < m; i++)
        ev[i] = a[i * m + i];
    for (int i = 1; i < m; i++) /* insertion sort */
        for (int j = i; j > 0 && ev[j - 1] > ev[j]; j--) {
            double t = ev[j];
            ev[j] = ev[j - 1];
            ev[j - 1] = t;
        }
}

/* c (r x r) = b b^T for b (r x cols). */
static void gram(const double *b, int r, int cols, double *c)
{
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++) {
            double s = 0.0;
            for (int l = 0; l < cols; l++)
                s += b[i * cols + l] * b[j * cols + l];
            c[i * r + j] = s;
        }
}

/* lambda_min of b b^T (b: r x cols) by Jacobi; *fro = ||b b^T||_F, the scale of its
 * rounding errors. */
static double gram_min_eig(const double *b, int r, int cols, double *fro)
{
    double *c = malloc(sizeof(double) * r * r), *ev = malloc(sizeof(double) * r);
    gram(b, r, cols, c);
    *fro = 0.0;
    for (int i = 0; i < r * r; i++)
        *fro += c[i] * c[i];
    *fro = sqrt(*fro);
    jacobi_eigvals(r, c, ev);
    double lm = ev[0];
    free(c);
    free(ev);
    return lm;
}

/* Whether a module's sigma_min s matches brute force lambda_min lm (scale fro): s^2 must
 * equal max(lm, 0) to rounding. Prints the case when it does not. */
static int sigma_min_matches(double s, double lm, double fro, const char *what)
{
    if (fabs(s * s - fmax(lm, 0.0)) <= 1e-12 * fro)
        return 1;
    fprintf(stderr, "%s: sigma_min %.17g, brute force lambda_min %.17g\n", what, s, lm);
    return 0;
}

/* Whether lambda_min is well above rounding (so that a comparison is a real test, not 0 vs
 * 0). */
static int well_conditioned(double lm, double fro)
{
    return lm > 1e-9 * fro;
}

/* The larger of a running worst difference and a new one; a NaN difference is the worst. */
static double worse(double worst, double diff)
{
    return isnan(diff) ? INFINITY : fmax(worst, diff);
}

static double dot(const double *a, const double *b, int d)
{
    double s = 0.0;
    for (int l = 0; l < d; l++)
        s += a[l] * b[l];
    return s;
}

/* A problem with Gaussian X, y, W0 and v = +-vscale (v_l = 0 for l >= k_nonzero). */
static void random_problem(ovs_problem *p, int n, int k, int d, int k_nonzero, double vscale,
                           uint64_t seed)
{
    ovs_rng rng;
    const int64_t c[] = {n, k, d};
    ovs_rng_for_tuple(&rng, seed, 99, c, 3);
    ovs_problem_alloc(p, n, k, d);
    for (int i = 0; i < n * d; i++)
        p->x[i] = ovs_rng_normal(&rng);
    double y2 = 0.0;
    for (int i = 0; i < n; i++) {
        p->y[i] = ovs_rng_normal(&rng);
        y2 += p->y[i] * p->y[i];
    }
    p->y_norm = sqrt(y2);
    for (int l = 0; l < k; l++)
        p->v[l] = l >= k_nonzero ? 0.0 : (l % 2 ? -vscale : vscale);
    for (int i = 0; i < k * d; i++)
        p->w0[i] = ovs_rng_normal(&rng);
}

/* ---- the LAPACK wrapper ---- */

static void test_sym_eig(void)
{
    enum { M = 7 };
    double a[M * M], a0[M * M], aj[M * M], ev[M], evj[M];
    ovs_rng rng;
    const int64_t c[] = {M};
    ovs_rng_for_tuple(&rng, 5, 98, c, 1);
    for (int i = 0; i < M; i++)
        for (int j = 0; j <= i; j++)
            a[i * M + j] = a[j * M + i] = ovs_rng_normal(&rng);
    memcpy(a0, a, sizeof a);
    memcpy(aj, a, sizeof a);
    CHECK(ovs_linalg_sym_eig(M, a, ev, 1) == OVS_OK);
    jacobi_eigvals(M, aj, evj);
    CHECK_ALL_NEAR(ev, evj, M, 1e-12);
    /* row i of a is a unit eigenvector: A v = lambda v; ascending eigenvalues */
    double res = 0.0, nrm_err = 0.0;
    int ascending = 1;
    for (int i = 0; i < M; i++) {
        for (int r = 0; r < M; r++) {
            double av = dot(a0 + r * M, a + i * M, M);
            res = fmax(res, fabs(av - ev[i] * a[i * M + r]));
        }
        nrm_err = fmax(nrm_err, fabs(dot(a + i * M, a + i * M, M) - 1.0));
        ascending &= i == 0 || ev[i] >= ev[i - 1];
    }
    CHECK_MSG(res <= 1e-12, "|A v - lambda v| = %g for a row of the eigenvectors", res);
    CHECK_MSG(nrm_err <= 1e-13, "an eigenvector's norm is off 1 by %g", nrm_err);
    CHECK(ascending);
    memcpy(a, a0, sizeof a);
    CHECK(ovs_linalg_sym_eig(M, a, ev, 0) == OVS_OK);
    CHECK_NEAR(ev[0], evj[0], 1e-12);
    CHECK(ovs_linalg_sym_eig(0, a, ev, 0) == OVS_EINVAL);
}

/* ---- ||X|| ---- */

static double power_norm(const double *x, int n, int d)
{
    double v[64], u[64], s = 0.0;
    for (int l = 0; l < d; l++)
        v[l] = 1.0 + 0.1 * l;
    for (int it = 0; it < 5000; it++) {
        for (int i = 0; i < n; i++)
            u[i] = dot(x + i * d, v, d);
        for (int l = 0; l < d; l++) {
            v[l] = 0.0;
            for (int i = 0; i < n; i++)
                v[l] += x[i * d + l] * u[i];
        }
        s = sqrt(dot(v, v, d));
        for (int l = 0; l < d; l++)
            v[l] /= s;
    }
    return sqrt(s);
}

static void test_x_norm(void)
{
    const int shapes[][2] = {{5, 3}, {3, 5}, {9, 9}};
    double worst = 0.0;
    for (int t = 0; t < 3; t++) {
        ovs_problem p;
        ovs_diagnostics dg;
        random_problem(&p, shapes[t][0], 2, shapes[t][1], 2, 1.0, 11 + t);
        double ref = power_norm(p.x, p.n, p.d);
        int rc = ovs_diagnostics_compute(&p, ovs_activation_find("relu"), &dg);
        worst = worse(worst, rc == OVS_OK ? fabs(dg.x_norm - ref) / ref : INFINITY);
        ovs_problem_free(&p);
    }
    CHECK_MSG(worst <= 1e-11, "||X|| vs power iteration: relative error %g", worst);
    /* Known answer: orthonormal rows (a rotation of the first 3 of 5 axes) -> ||X|| = 1. */
    ovs_problem p;
    ovs_diagnostics dg;
    random_problem(&p, 3, 2, 5, 2, 1.0, 21);
    const double cs = cos(0.7), sn = sin(0.7);
    const double q[15] = {cs, sn, 0, 0, 0, -sn * 0.6, cs * 0.6, 0.8, 0, 0,
                          sn * 0.8, -cs * 0.8, 0.6, 0, 0};
    memcpy(p.x, q, sizeof q);
    CHECK(ovs_diagnostics_compute(&p, ovs_activation_find("softplus"), &dg) == OVS_OK);
    CHECK_NEAR(dg.x_norm, 1.0, 1e-14);
    ovs_problem_free(&p);
}

/* ---- sigma_min of the Khatri-Rao product ---- */

static void khatri_rao_explicit(const double *x, int n, int d, double *kr)
{
    for (int i = 0; i < n; i++)
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++)
                kr[i * d * d + a * d + b] = x[i * d + a] * x[i * d + b]; /* kron(x_i, x_i) */
}

static void test_khatri_rao(void)
{
    const int shapes[][2] = {{5, 3}, {6, 3}, {7, 3}, {10, 4}, {12, 4}};
    int zero_ok = 1, match_ok = 1, n_zero = 0, n_match = 0;
    for (int t = 0; t < 5; t++) {
        int n = shapes[t][0], d = shapes[t][1];
        ovs_problem p;
        ovs_diagnostics dg;
        random_problem(&p, n, 3, d, 2, 1.0, 31 + t);
        int rc = ovs_diagnostics_compute(&p, ovs_activation_find("tanh"), &dg);
        double *kr = malloc(sizeof(double) * n * d * d), fro;
        khatri_rao_explicit(p.x, n, d, kr);
        double lm = gram_min_eig(kr, n, d * d, &fro);
        if (2 * n > d * (d + 1)) { /* rank <= d(d+1)/2 < n: exactly 0 */
            n_zero++;
            zero_ok &= rc == OVS_OK && dg.kr_sigma_min == 0.0;
        } else {
            n_match++;
            match_ok &= rc == OVS_OK && well_conditioned(lm, fro) &&
                        sigma_min_matches(dg.kr_sigma_min, lm, fro, "Khatri-Rao");
        }
        free(kr);
        ovs_problem_free(&p);
    }
    CHECK_MSG(n_zero == 2 && zero_ok, "sigma_min(X * X) is not exactly 0 where rank < n");
    CHECK_MSG(n_match == 3 && match_ok, "sigma_min(X * X)^2 != brute-force lambda_min");
}

/* ---- Sigma(X) against Monte Carlo over w ~ N(0, I_d) ---- */

#define N6 6
#define D3 3

/* Rows of assorted norms (0.4 .. 2.2) and angles, not unit: the Gaussian data model. */
static void small_x(double *x)
{
    ovs_rng rng;
    const int64_t c[] = {N6, D3};
    ovs_rng_for_tuple(&rng, 77, 97, c, 2);
    for (int i = 0; i < N6; i++) {
        double s = 0.4 + 0.36 * i, nrm;
        for (int l = 0; l < D3; l++)
            x[i * D3 + l] = ovs_rng_normal(&rng);
        nrm = sqrt(dot(x + i * D3, x + i * D3, D3));
        for (int l = 0; l < D3; l++)
            x[i * D3 + l] *= s / nrm;
    }
}

/* mean (n x n) and its standard error of phi'(<w,x_i>) phi'(<w,x_j>) <x_i,x_j> over draws. */
static void sigma_monte_carlo(const double *x, const ovs_activation *act, int draws,
                              double *mean, double *se)
{
    double s1[N6 * N6] = {0}, s2[N6 * N6] = {0}, g[N6 * N6], w[D3], dp[N6];
    gram(x, N6, D3, g);
    ovs_rng rng;
    const int64_t c[] = {draws};
    ovs_rng_for_tuple(&rng, 2718, 96, c, 1);
    for (int t = 0; t < draws; t++) {
        for (int l = 0; l < D3; l++)
            w[l] = ovs_rng_normal(&rng);
        for (int i = 0; i < N6; i++)
            dp[i] = act->dphi(dot(w, x + i * D3, D3));
        for (int i = 0; i < N6 * N6; i++) {
            double v = dp[i / N6] * dp[i % N6] * g[i];
            s1[i] += v;
            s2[i] += v * v;
        }
    }
    for (int i = 0; i < N6 * N6; i++) {
        mean[i] = s1[i] / draws;
        se[i] = sqrt(fmax(s2[i] / draws - mean[i] * mean[i], 0.0) / draws);
    }
}

static void test_sigma_vs_monte_carlo(void)
{
    static const char *names[] = {"relu", "softplus", "tanh", "quadratic", "gelu", "leaky_relu"};
    double x[N6 * D3], sigma[N6 * N6], mean[N6 * N6], se[N6 * N6];
    small_x(x);
    int all_bad = 0;
    for (int a = 0; a < 6; a++) {
        const ovs_activation *act = ovs_activation_find(names[a]);
        int bad = ovs_diagnostics_nn_covariance(x, N6, D3, act, sigma) != OVS_OK;
        sigma_monte_carlo(x, act, 200000, mean, se);
        for (int i = 0; i < N6 * N6; i++) {
            bad += !(fabs(sigma[i] - mean[i]) <= 4.5 * se[i] + 1e-12);
            bad += sigma[i] != sigma[(i % N6) * N6 + i / N6]; /* symmetric */
        }
        if (bad)
            fprintf(stderr, "Sigma vs Monte Carlo: %d entries off for %s\n", bad, names[a]);
        all_bad += bad;
    }
    CHECK(all_bad == 0);
}

/* A wrong closed form would still pass a loose test; these are exact. relu: Sigma_ii =
 * ||x_i||^2 / 2, x_j = -x_i gives 0, orthogonal rows give 0; leaky_relu at x_j = -x_i:
 * E[phi'(u) phi'(-u)] = s (the slope) -> Sigma_ij = -s ||x||^2. */
static void test_step_known_answers(void)
{
    double x[4 * 2] = {1.5, 0.0, -1.5, 0.0, 0.0, 0.7, 0.0, 0.0}, sg[16];
    const ovs_activation *relu = ovs_activation_find("relu");
    const ovs_activation *leaky = ovs_activation_find("leaky_relu");
    CHECK(ovs_diagnostics_nn_covariance(x, 4, 2, relu, sg) == OVS_OK);
    CHECK_NEAR(sg[0], 1.125, 1e-15);
    CHECK_NEAR(sg[1], 0.0, 1e-15);
    CHECK_NEAR(sg[2], 0.0, 1e-15);
    CHECK_NEAR(sg[2 * 4 + 2], 0.245, 1e-15);
    int zero_row = 1;
    for (int j = 0; j < 4; j++) /* the zero row */
        zero_row &= sg[3 * 4 + j] == 0.0 && sg[j * 4 + 3] == 0.0;
    CHECK(zero_row);
    CHECK(ovs_diagnostics_nn_covariance(x, 4, 2, leaky, sg) == OVS_OK);
    double s = leaky->dphi(-1.0);
    CHECK(s > 0 && s < 1);
    CHECK_NEAR(sg[1], -s * 2.25, 1e-15);
    CHECK_NEAR(sg[0], (1 + s * s) / 2 * 2.25, 1e-15);
}

/* Near-duplicate rows: Sheppard's P(u > 0, v > 0) = (pi - theta) / (2 pi) needs the angle
 * theta between the rows to a few eps absolute; acos(<x_i, x_j> / (|x_i| |x_j|)) errs by
 * ~eps / theta (Sigma_ij by ~1e-10 g_ij at theta = 1e-7). x1 on an axis, so that the true
 * angles of the stored rows come from atan2 of one row's components: x2 at theta = 1e-7 from
 * it (another norm), x3 = -1.1 x2 at pi - theta; x5 an exact duplicate of x4 (a row with
 * g / (sqrt(g) sqrt(g)) = 1 - 1 ulp): Sigma_45 = Sigma_44 exactly, as for u = v. */
static void test_step_near_duplicates(void)
{
    const double th = 1e-7, two_pi = 2 * 3.14159265358979323846;
    double x[5 * 2] = {1.3, 0.0, 0.8 * cos(th), 0.8 * sin(th), 0, 0, 1.3, 0.2, 1.3, 0.2};
    double sg[25];
    x[4] = -1.1 * x[2];
    x[5] = -1.1 * x[3];
    const double t2 = atan2(x[3], x[2]), t3 = atan2(-x[5], -x[4]); /* x3: pi - t3 from x1 */
    const double g12 = 1.3 * x[2], g13 = 1.3 * x[4];
    const char *names[] = {"relu", "leaky_relu"};
    for (int a = 0; a < 2; a++) {
        const ovs_activation *act = ovs_activation_find(names[a]);
        double s = act->dphi(-1.0), base = s * s + s * (1 - s), w = (1 - s) * (1 - s);
        CHECK(ovs_diagnostics_nn_covariance(x, 5, 2, act, sg) == OVS_OK);
        CHECK_MSG(fabs(sg[1] - (base + w * (0.5 - t2 / two_pi)) * g12) <= 1e-15 * fabs(g12),
                  "%s: Sigma_12 %.17g, want %.17g", names[a], sg[1],
                  (base + w * (0.5 - t2 / two_pi)) * g12);
        CHECK_MSG(fabs(sg[2] - (base + w * t3 / two_pi) * g13) <= 1e-15 * fabs(g13),
                  "%s: Sigma_13 %.17g, want %.17g", names[a], sg[2],
                  (base + w * t3 / two_pi) * g13);
        CHECK_MSG(sg[3 * 5 + 4] == sg[3 * 5 + 3], "%s: duplicate rows: Sigma_45 %.17g, "
                  "Sigma_44 %.17g", names[a], sg[3 * 5 + 4], sg[3 * 5 + 3]);
    }
}

/* ---- the quadrature path, with activations that have closed-form answers ---- */

static double dphi_square(double z) { return z * z; }
static double dphi_probit(double z) { return 0.5 * erfc(-z / sqrt(2.0)); } /* Phi(z) */
static double phi_unused(double z) { return z; }

/* Max relative error of the quadrature Sigma on rows small_x() * scale, for closed form t. */
static double quadrature_error(const ovs_activation *act, int t, double scale)
{
    double x[N6 * D3], g[N6 * N6], sg[N6 * N6], err = 0.0, big = 0.0;
    small_x(x);
    for (int i = 0; i < N6 * D3; i++)
        x[i] *= scale;
    gram(x, N6, D3, g);
    if (ovs_diagnostics_nn_covariance(x, N6, D3, act, sg) != OVS_OK)
        return INFINITY;
    for (int i = 0; i < N6; i++)
        for (int j = 0; j < N6; j++) {
            double a2 = g[i * N6 + i], b2 = g[j * N6 + j], c = g[i * N6 + j], e;
            if (t == 0) /* E[u v] */
                e = c;
            else if (t == 1) /* Isserlis: E[u^2 v^2] = a^2 b^2 + 2 c^2 */
                e = a2 * b2 + 2 * c * c;
            else if (t == 2) /* E[cos u cos v] = (E cos(u - v) + E cos(u + v)) / 2 */
                e = 0.5 * (exp(-0.5 * (a2 + b2 - 2 * c)) + exp(-0.5 * (a2 + b2 + 2 * c)));
            else { /* E[Phi(u) Phi(v)] = P(Z1 < u, Z2 < v), an orthant probability (Sheppard) */
                double r = c / sqrt((1 + a2) * (1 + b2));
                e = 0.25 + asin(r) / (2 * 3.14159265358979323846);
            }
            err = fmax(err, fabs(sg[i * N6 + j] - e * c));
            big = fmax(big, fabs(e * c));
        }
    return err / big;
}

static void test_quadrature_closed_forms(void)
{
    /* Not in the table, so Sigma goes through the generic quadrature. */
    const ovs_activation lin = {.name = "test_linear", .phi = phi_unused, .dphi = phi_unused};
    const ovs_activation sq = {.name = "test_square", .phi = phi_unused, .dphi = dphi_square};
    const ovs_activation cs = {.name = "test_cos", .phi = phi_unused, .dphi = cos};
    const ovs_activation pr = {.name = "test_probit", .phi = phi_unused, .dphi = dphi_probit};
    CHECK_NEAR(quadrature_error(&lin, 0, 1.0), 0.0, 1e-14);
    CHECK_NEAR(quadrature_error(&sq, 1, 1.0), 0.0, 1e-14);
    CHECK_NEAR(quadrature_error(&cs, 2, 1.0), 0.0, 1e-13);
    /* A sigmoid-shaped phi' like softplus's, at row norms 0.04 .. 22 (features 1/22 wide). */
    CHECK_NEAR(quadrature_error(&pr, 3, 0.1), 0.0, 1e-13);
    CHECK_NEAR(quadrature_error(&pr, 3, 1.0), 0.0, 1e-13);
    CHECK_NEAR(quadrature_error(&pr, 3, 10.0), 0.0, 1e-13);
}

/* ---- Sigma = (1/k) E_W0[J J^T] for |v_l| = 1 (Definition 6.1) ---- */

/* J (n x kd), J_{i, l d + c} = v_l phi'(w_l . x_i) x_ic, built entry by entry. */
static void jacobian_explicit(const ovs_problem *p, const ovs_activation *act, double *j)
{
    const int n = p->n, k = p->k, d = p->d;
    for (int i = 0; i < n; i++)
        for (int l = 0; l < k; l++) {
            double z = dot(p->w0 + l * d, p->x + i * d, d);
            for (int c = 0; c < d; c++)
                j[(size_t)i * k * d + l * d + c] = p->v[l] * act->dphi(z) * p->x[i * d + c];
        }
}

static void test_jacobian_expectation(void)
{
    enum { K = 4000 };
    static const char *names[] = {"relu", "softplus"};
    int bad = 0, weyl = 1;
    for (int a = 0; a < 2; a++) {
        const ovs_activation *act = ovs_activation_find(names[a]);
        ovs_problem p;
        ovs_diagnostics dg;
        random_problem(&p, N6, K, D3, K, 1.0, 41 + a);
        small_x(p.x);
        double *j = malloc(sizeof(double) * N6 * K * D3), jj[N6 * N6], sg[N6 * N6];
        jacobian_explicit(&p, act, j);
        gram(j, N6, K * D3, jj);
        bad += ovs_diagnostics_nn_covariance(p.x, N6, D3, act, sg) != OVS_OK;
        bad += ovs_diagnostics_compute(&p, act, &dg) != OVS_OK;
        /* Per entry: the K units are i.i.d. draws of w; 4.5 standard errors. */
        double fro = 0.0;
        for (int e = 0; e < N6 * N6; e++) {
            int i = e / N6, jx = e % N6;
            double s1 = 0, s2 = 0, gij = dot(p.x + i * D3, p.x + jx * D3, D3);
            for (int l = 0; l < K; l++) {
                double v = act->dphi(dot(p.w0 + l * D3, p.x + i * D3, D3)) *
                           act->dphi(dot(p.w0 + l * D3, p.x + jx * D3, D3)) * gij;
                s1 += v;
                s2 += v * v;
            }
            double se = sqrt(fmax(s2 / K - (s1 / K) * (s1 / K), 0) / K);
            bad += !(fabs(jj[e] / K - sg[e]) <= 4.5 * se + 1e-12);
            fro += (jj[e] / K - sg[e]) * (jj[e] / K - sg[e]);
        }
        /* Weyl: |lambda_min(JJ^T/k) - lambda_min(Sigma)| <= ||JJ^T/k - Sigma||_F. */
        weyl &= dg.nn_lambda > 0 &&
                fabs(dg.jac_sigma_min * dg.jac_sigma_min / K - dg.nn_lambda) <= sqrt(fro) + 1e-12;
        free(j);
        ovs_problem_free(&p);
    }
    CHECK_MSG(bad == 0, "Sigma != E[J J^T]/k within 4.5 standard errors at %d entries", bad);
    CHECK_MSG(weyl, "sigma_min(J)^2/k and lambda(X) differ by more than Weyl's bound");
}

/* ---- sigma_min(J(W0)) against the explicit Jacobian ---- */

/* Expected rank bound (see diagnostics.h): k' d, and for the quadratic also the symmetric
 * matrices' count d(d+1)/2 less those killed by V W. */
static int jacobian_must_vanish(int n, int k_eff, int d, int quadratic)
{
    int r = k_eff < d ? k_eff : d;
    return k_eff * d < n || (quadratic && n > d * (d + 1) / 2 - (d - r) * (d - r + 1) / 2);
}

static void test_jacobian_sigma_min(void)
{
    /* n, k, d, non-zero v's: full rank; k'd < n <= kd; kd < n; quadratic-only deficits. */
    const int cases[][4] = {{8, 4, 4, 4}, {8, 3, 4, 2}, {12, 5, 3, 5}, {10, 2, 4, 2},
                            {7, 3, 3, 2}, {30, 6, 5, 6}, {11, 2, 5, 2}};
    static const char *names[] = {"relu", "softplus", "tanh", "gelu", "quadratic"};
    int conditioned = 0, total = 0, zero_ok = 1, match_ok = 1;
    for (int t = 0; t < 7; t++)
        for (int a = 0; a < 5; a++) {
            const int n = cases[t][0], k = cases[t][1], d = cases[t][2];
            const ovs_activation *act = ovs_activation_find(names[a]);
            ovs_problem p;
            ovs_diagnostics dg;
            random_problem(&p, n, k, d, cases[t][3], 0.7, 51 + t);
            double *j = malloc(sizeof(double) * n * k * d), fro;
            jacobian_explicit(&p, act, j);
            double lm = gram_min_eig(j, n, k * d, &fro);
            int rc = ovs_diagnostics_compute(&p, act, &dg);
            if (jacobian_must_vanish(n, cases[t][3], d, a == 4)) {
                zero_ok &= rc == OVS_OK && dg.jac_sigma_min == 0.0;
            } else {
                total++;
                match_ok &= rc == OVS_OK && sigma_min_matches(dg.jac_sigma_min, lm, fro, names[a]);
                conditioned += well_conditioned(lm, fro);
            }
            free(j);
            ovs_problem_free(&p);
        }
    CHECK_MSG(zero_ok, "sigma_min(J) is not exactly 0 where the rank bound says it must be");
    CHECK_MSG(match_ok, "sigma_min(J)^2 != brute-force lambda_min of J J^T");
    /* 3 relu cases have a sample dead on every unit (a zero row of J, sigma_min = 0). */
    CHECK(total == 17 && conditioned == 14);
}

/* ---- ||f(W0) - y|| / ||y|| ---- */

static void test_initial_error(void)
{
    static const char *names[] = {"relu", "softplus", "tanh", "quadratic"};
    double direct = 0.0, via_loss = 0.0; /* worst differences */
    for (int a = 0; a < 4; a++) {
        const ovs_activation *act = ovs_activation_find(names[a]);
        ovs_problem p;
        ovs_diagnostics dg;
        if (ovs_problem_alloc(&p, 20, 7, 5) != OVS_OK)
            direct = INFINITY;
        ovs_problem_draw(&p, 2019, a);
        double r2 = 0, y2 = 0;
        for (int i = 0; i < p.n; i++) {
            double f = 0;
            for (int l = 0; l < p.k; l++)
                f += p.v[l] * act->phi(dot(p.w0 + l * p.d, p.x + i * p.d, p.d));
            r2 += (f - p.y[i]) * (f - p.y[i]);
            y2 += p.y[i] * p.y[i];
        }
        if (ovs_diagnostics_compute(&p, act, &dg) != OVS_OK)
            dg.initial_rel_err = NAN;
        direct = worse(direct, fabs(dg.initial_rel_err - sqrt(r2 / y2)));
        /* and against the training module's loss, L = ||f - y||^2 / 2 (eq. 2.1) */
        ovs_train_workspace ws;
        double loss = NAN;
        if (ovs_train_workspace_alloc(&ws, p.n, p.k, p.d) != OVS_OK ||
            ovs_train_loss_grad(&p, act, OVS_KERNEL_BLAS, p.w0, &ws, &loss, NULL) != OVS_OK)
            loss = NAN;
        via_loss = worse(via_loss, fabs(dg.initial_rel_err - sqrt(2 * loss) / p.y_norm));
        ovs_train_workspace_free(&ws);
        ovs_problem_free(&p);
    }
    CHECK_MSG(direct <= 1e-13, "initial_rel_err vs a direct f(W0): %g", direct);
    CHECK_MSG(via_loss <= 1e-12, "initial_rel_err vs the training loss: %g", via_loss);
}

/* ---- consistency, edge cases, errors ---- */

static void test_quadratic_and_errors(void)
{
    const ovs_activation *quad = ovs_activation_find("quadratic");
    ovs_problem p;
    ovs_diagnostics dg;
    /* phi = z^2/2: Sigma = (X X^T) o (X X^T), so lambda(X) = sigma_min(X * X)^2 (Lemma 6.4) */
    random_problem(&p, 9, 3, 4, 3, 1.0, 61);
    CHECK(ovs_diagnostics_compute(&p, quad, &dg) == OVS_OK);
    CHECK(dg.kr_sigma_min > 0);
    CHECK_NEAR(dg.nn_lambda, dg.kr_sigma_min * dg.kr_sigma_min, 1e-10 * dg.nn_lambda);
    ovs_problem_free(&p);
    random_problem(&p, 11, 3, 4, 3, 1.0, 62); /* 11 > 4*5/2 */
    CHECK(ovs_diagnostics_compute(&p, quad, &dg) == OVS_OK);
    CHECK(dg.nn_lambda == 0.0 && dg.kr_sigma_min == 0.0);
    CHECK(ovs_diagnostics_compute(NULL, quad, &dg) == OVS_EINVAL);
    CHECK(ovs_diagnostics_compute(&p, NULL, &dg) == OVS_EINVAL);
    memset(p.y, 0, sizeof(double) * 11); /* relative error undefined */
    CHECK(ovs_diagnostics_compute(&p, quad, &dg) == OVS_EINVAL);
    ovs_problem_free(&p);
    double x[2] = {1, 2}, sg[1];
    CHECK(ovs_diagnostics_nn_covariance(x, 0, 2, quad, sg) == OVS_EINVAL);
    CHECK(ovs_diagnostics_nn_covariance(x, 1, 2, NULL, sg) == OVS_EINVAL);
    /* A zero row: its row and column of Sigma are 0, never NaN, for every activation. */
    double xz[3 * 2] = {0.3, 1.1, 0, 0, -2.0, 0.5}, sz[9];
    const char *wrong = NULL;
    for (int a = 0; a < ovs_activation_count() && !wrong; a++)
        if (ovs_diagnostics_nn_covariance(xz, 3, 2, ovs_activation_at(a), sz) != OVS_OK ||
            !(sz[1] == 0 && sz[3] == 0 && sz[4] == 0 && sz[5] == 0 && sz[7] == 0) ||
            !(sz[0] > 0 && sz[8] > 0 && isfinite(sz[2])))
            wrong = ovs_activation_at(a)->name;
    CHECK_MSG(!wrong, "%s: a zero row of X does not give a zero row and column of Sigma", wrong);
}

int main(void)
{
    test_sym_eig();
    test_x_norm();
    test_khatri_rao();
    test_sigma_vs_monte_carlo();
    test_step_known_answers();
    test_step_near_duplicates();
    test_quadrature_closed_forms();
    test_jacobian_expectation();
    test_jacobian_sigma_min();
    test_initial_error();
    test_quadratic_and_errors();
    TEST_DONE();
}
