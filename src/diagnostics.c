/* diagnostics.c - theory diagnostics for one trial; see diagnostics.h. */
#include "diagnostics.h"

#include "linalg.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PI 3.14159265358979323846 /* M_PI is not in C11 */

/* ---- E[h(g)], g ~ N(0, 1), for h with a sharp feature: sinh-mapped trapezoid rule ----
 * Gauss-Hermite with a fixed node count fails for phi'(a g) with a >~ 1: tanh' has poles at
 * g = +-i pi/(2a), and 64 nodes gave errors of 1e-7 at a = 1 and 4e-2 at a = 5. Instead
 * substitute g = c + eps sinh(s) and use the trapezoid rule in s with step TRAP_H: the nodes
 * crowd to spacing ~eps near the feature at c and spread out geometrically, and the
 * trapezoid rule is exponentially accurate for integrands analytic in a strip around the real
 * line that decay fast at both ends (both hold after the map, with eps ~ the feature's width).
 * Measured against a brute-force trapezoid reference (step 0.004) over norms 0.1-10 and
 * correlations -0.9..1 for softplus, tanh and gelu: max error 3e-15 (TRAP_H 0.08); 2e-11 at
 * TRAP_H 0.1, 5e-5 at 0.15. Nodes are cut at |g| > TRAP_L (tail mass 2e-17). */
#define TRAP_H 0.08
#define TRAP_KAPPA 1.0 /* eps = TRAP_KAPPA / (the scale multiplying g), at most 1 */
#define TRAP_L 8.5
#define TRAP_J 512     /* sinh(TRAP_J TRAP_H) ~ 1e17: enough for eps down to 1e-16 */
#define TRAP_MAX (2 * TRAP_J + 1)
#define INV_SQRT_2PI 0.39894228040143267794

static double trap_sinh[TRAP_J], trap_cosh[TRAP_J];
static int trap_ready;

static void trap_init(void)
{
    for (int j = 0; j < TRAP_J; j++) {
        trap_sinh[j] = sinh(j * TRAP_H);
        trap_cosh[j] = cosh(j * TRAP_H);
    }
    trap_ready = 1;
}

/* Nodes g[] and weights w[] (Gaussian density included) of the rule for a feature at
 * `center` of width 1/scale; returns their number. A wide feature (eps would exceed 1) or
 * one outside [-L, L] gets the map centred on the Gaussian itself, eps <= 1: centring on a
 * far-away point would leave the Gaussian's bulk under-resolved (errors ~1e-8 measured). */
static int trap_nodes(double center, double scale, double *g, double *w)
{
    double eps = scale > 0 ? TRAP_KAPPA / scale : 1.0;
    if (eps >= 1.0 || !(fabs(center) <= TRAP_L)) {
        center = 0.0;
        eps = fmin(eps, 1.0);
    }
    eps = fmax(eps, 1e-16);
    int m = 0;
    for (int dir = -1; dir <= 1; dir += 2)
        for (int j = dir < 0 ? 1 : 0; j < TRAP_J; j++) {
            double gj = center + dir * eps * trap_sinh[j];
            if (fabs(gj) > TRAP_L)
                break;
            g[m] = gj;
            w[m++] = TRAP_H * eps * trap_cosh[j] * exp(-0.5 * gj * gj) * INV_SQRT_2PI;
        }
    return m;
}

/* ---- E[phi'(u) phi'(v)] for (u, v) centred normal, sd a and b, correlation rho ---- */
/* phi' = s + (1 - s) 1(z > 0), s = phi'(-1) the negative slope (0 for relu, the table's slope
 * for leaky_relu). P(u > 0, v > 0) = (pi - theta) / (2 pi) (Sheppard), theta = arccos rho the
 * angle between x_i and x_j (row_angle), P(u > 0) = 1/2. */
static double step_pair(const ovs_activation *act, double theta)
{
    double s = act->dphi(-1.0), both = (PI - theta) / (2.0 * PI);
    return s * s + s * (1.0 - s) + (1.0 - s) * (1.0 - s) * both;
}

/* dp[i] = phi'(z[i]) for i < m through the activation's array kernel (vectorised for
 * softplus), falling back to the scalar phi' for a row without one. ph is scratch. */
static void eval_dphi(const ovs_activation *act, const double *z, double *ph, double *dp, int m)
{
    if (act->eval) {
        act->eval(z, ph, dp, (size_t)m);
        return;
    }
    for (int i = 0; i < m; i++)
        dp[i] = act->dphi(z[i]);
}

/* Weighted sum of phi'(m + sd g[q]) over the nodes: E[phi'(m + sd g)], g ~ N(0, 1). */
static double smoothed_dphi(const ovs_activation *act, double m, double sd, const double *g,
                            const double *w, int cnt, double *z, double *ph)
{
    double sum = 0.0;
    for (int q = 0; q < cnt; q++)
        z[q] = m + sd * g[q];
    eval_dphi(act, z, ph, z, cnt);
    for (int q = 0; q < cnt; q++)
        sum += w[q] * z[q];
    return sum;
}

/* u = a g1, v = b (rho g1 + sqrt(1 - rho^2) g2), g1, g2 independent N(0, 1): the outer
 * integral over g1 of phi'(a g1) E[phi'(v) | g1]; both factors have their feature at g1 = 0,
 * the inner one at g2 = -rho g1 / sqrt(1 - rho^2). When the inner feature is wide (sd <=
 * TRAP_KAPPA) its rule is centred on 0 for every g1, so it is built once. */
static double quadrature_pair(const ovs_activation *act, double a, double b, double rho)
{
    double c = sqrt(fmax(0.0, 1.0 - rho * rho)), sd = b * c, sum = 0.0;
    double g1[TRAP_MAX], w1[TRAP_MAX], d1[TRAP_MAX], g2[TRAP_MAX], w2[TRAP_MAX];
    double z[TRAP_MAX], ph[TRAP_MAX];
    int n1 = trap_nodes(0.0, fmax(a, b * fabs(rho)), g1, w1), n2 = 0;
    const int fixed = sd <= TRAP_KAPPA;
    z[0] = 0.0; /* n1 >= 1 always (the centre node); this tells the compiler */
    for (int p = 0; p < n1; p++)
        z[p] = a * g1[p];
    eval_dphi(act, z, ph, d1, n1);
    if (fixed && sd > 0)
        n2 = trap_nodes(0.0, sd, g2, w2);
    for (int p = 0; p < n1; p++) {
        double m = b * rho * g1[p], inner;
        if (sd == 0.0) {
            eval_dphi(act, &m, ph, &inner, 1);
        } else {
            if (!fixed)
                n2 = trap_nodes(-m / sd, sd, g2, w2);
            inner = smoothed_dphi(act, m, sd, g2, w2, n2, z, ph);
        }
        sum += w1[p] * d1[p] * inner;
    }
    return sum;
}

/* E[phi'(u) phi'(v)] with Var u = a^2, Var v = b^2, Cov(u, v) = a b rho; a, b > 0; for
 * the activations other than the step ones (those take the angle: step_pair). */
static double pair_expectation(const ovs_activation *act, int kind, double a, double b,
                               double rho)
{
    if (kind == OVS_SIGMA_IDENTITY)
        return a * b * rho; /* phi' = identity: E[u v] */
    return quadrature_pair(act, a, b, rho);
}

/* g (n x n) = X X^T. */
static void gram_rows(const double *x, int n, int d, double *g)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0.0;
            for (int l = 0; l < d; l++)
                s += x[(size_t)i * d + l] * x[(size_t)j * d + l];
            g[(size_t)i * n + j] = g[(size_t)j * n + i] = s;
        }
}

/* The correlation of u = w.x_i and v = w.x_j, w ~ N(0, I): g_ij / (|x_i| |x_j|), clamped to
 * [-1, 1] against rounding; exactly 1 on the diagonal (u = v), where g_ii / (sqrt(g_ii)
 * sqrt(g_ii)) rounds to 1 - 1 or 2 ulp. The step activations do not use it (row_angle): their
 * expectation has infinite slope in rho at 1. The others' is smooth in rho, its derivative
 * a b E[phi''(u) phi''(v)] bounded, so rho's error of a few eps moves Sigma_ij by a few eps
 * relative, at any angle (the quadrature's sqrt(1 - rho^2) then errs by ~eps / theta, but
 * E[phi'(m + sd g)] is even in sd, its slope in sd ~ sd: again ~eps; measured: rho moved by up
 * to 4 ulp at angles 1e-3..1e-7 from 0 or pi moves softplus', tanh's and gelu's expectation by
 * at most 3.3e-16); the quadratic's a b rho is g_ij to 2 ulp. */
static double correlation(double gij, double a, double b, int diagonal)
{
    return diagonal ? 1.0 : fmin(1.0, fmax(-1.0, gij / (a * b)));
}

/* u (n x d): the unit rows x_i / |x_i| (a is sqrt(g_ii)); a zero row stays zero. */
static void unit_rows(const double *x, const double *g, int n, int d, double *u)
{
    for (int i = 0; i < n; i++) {
        double a = sqrt(g[(size_t)i * n + i]);
        for (int l = 0; l < d; l++)
            u[(size_t)i * d + l] = a > 0 ? x[(size_t)i * d + l] / a : 0.0;
    }
}

/* The angle between unit rows p and q by Kahan's formula 2 atan2(|p - q|, |p + q|): good to
 * a few eps absolute at every angle, 0 exactly for duplicates (and on the diagonal).
 * acos(rho) is not: rho's rounding error of ~eps moves it by ~eps / theta, and Sheppard's
 * formula passes that on to Sigma_ij, whose near-duplicate pair's eigenvalue is itself only
 * ~theta / (2 pi) |x|^2: nn_lambda was off by ~eps / theta^2 relative (--data worst, n = 20,
 * d = 2, 5, 8: 1.6e-6 at --delta 1e-5, 2.9e-4 at 1e-6, 3.4e-2 at 1e-7; 1.3e-13 at the default
 * 0.1; sphere data, d = 2, n = 30: 1.1e-11, rows within 4e-3 rad of each other). */
static double row_angle(const double *p, const double *q, int d)
{
    double dif = 0.0, sum = 0.0;
    for (int l = 0; l < d; l++) {
        dif += (p[l] - q[l]) * (p[l] - q[l]);
        sum += (p[l] + q[l]) * (p[l] + q[l]);
    }
    return 2.0 * atan2(sqrt(dif), sqrt(sum));
}

/* Sigma(X) from the Gram matrix g = X X^T (Definition 6.1) and, for the step activations,
 * the unit rows u (unit_rows; NULL for the others). */
static void covariance_from_gram(const double *g, const double *u, int n, int d,
                                 const ovs_activation *act, double *sigma)
{
    int kind = act->sigma_kind;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double a = sqrt(g[(size_t)i * n + i]), b = sqrt(g[(size_t)j * n + j]);
            double gij = g[(size_t)i * n + j], e = 0.0;
            if (a > 0 && b > 0) /* a zero row: <x_i, x_j> = 0 for every j */
                e = kind == OVS_SIGMA_STEP
                        ? step_pair(act, row_angle(u + (size_t)i * d, u + (size_t)j * d, d))
                        : pair_expectation(act, kind, a, b, correlation(gij, a, b, i == j));
            sigma[(size_t)i * n + j] = sigma[(size_t)j * n + i] = e * gij;
        }
}

/* Sigma(X) (covariance_from_gram) with its unit rows where the activation needs them. */
static int covariance(const double *x, const double *g, int n, int d, const ovs_activation *act,
                      double *sigma)
{
    double *u = NULL;
    if (act->sigma_kind == OVS_SIGMA_STEP) {
        u = malloc(sizeof(double) * (size_t)n * d);
        if (!u)
            return OVS_ENOMEM;
        unit_rows(x, g, n, d, u);
    }
    covariance_from_gram(g, u, n, d, act, sigma);
    free(u);
    return OVS_OK;
}

int ovs_diagnostics_nn_covariance(const double *x, int n, int d, const ovs_activation *act,
                                  double *sigma)
{
    if (!x || !act || !sigma || n < 1 || d < 1)
        return OVS_EINVAL;
    if (!trap_ready)
        trap_init();
    double *g = malloc(sizeof(double) * (size_t)n * n);
    if (!g)
        return OVS_ENOMEM;
    gram_rows(x, n, d, g);
    int rc = covariance(x, g, n, d, act, sigma);
    free(g);
    return rc;
}

/* ---- the diagnostics ---- */

/* lambda_min (max_eig = 0) or lambda_max (max_eig = 1) of the symmetric m x m matrix a,
 * using tmp (m x m) and eig (m) as scratch; a is left intact. */
static int extreme_eig(const double *a, int m, double *tmp, double *eig, int max_eig,
                       double *lambda)
{
    memcpy(tmp, a, sizeof(double) * (size_t)m * m);
    int rc = ovs_linalg_sym_eig(m, tmp, eig, 0);
    *lambda = max_eig ? eig[m - 1] : eig[0];
    return rc;
}

static double sqrt_clamped(double lambda)
{
    return sqrt(fmax(0.0, lambda)); /* rounding can make a zero eigenvalue slightly negative */
}

/* ||X|| = sqrt(lambda_max(X^T X)) from the smaller Gram matrix (both share the spectrum). */
static int data_norm(const ovs_problem *p, const double *g, double *tmp, double *eig,
                     double *out)
{
    const int n = p->n, d = p->d;
    double lambda;
    int rc;
    if (n <= d) {
        rc = extreme_eig(g, n, tmp, eig, 1, &lambda);
    } else {
        for (int a = 0; a < d; a++)
            for (int b = 0; b < d; b++) {
                double s = 0.0;
                for (int i = 0; i < n; i++)
                    s += p->x[(size_t)i * d + a] * p->x[(size_t)i * d + b];
                tmp[(size_t)a * d + b] = s;
            }
        rc = ovs_linalg_sym_eig(d, tmp, eig, 0);
        lambda = eig[d - 1];
    }
    *out = sqrt_clamped(lambda);
    return rc;
}

/* sigma_min(X * X): (X * X)(X * X)^T = (X X^T) o (X X^T) since <x_i (x) x_i, x_j (x) x_j> =
 * <x_i, x_j>^2. Its rows lie in the d(d+1)/2-dimensional space of symmetric d x d matrices. */
static int khatri_rao_min(const ovs_problem *p, const double *g, double *h, double *tmp,
                          double *eig, double *out)
{
    const size_t nn = (size_t)p->n * p->n;
    for (size_t i = 0; i < nn; i++)
        h[i] = g[i] * g[i];
    double lambda;
    int rc = extreme_eig(h, p->n, tmp, eig, 0, &lambda);
    *out = 2L * p->n > (long)p->d * (p->d + 1) ? 0.0 : sqrt_clamped(lambda);
    return rc;
}

/* D (n x k), D_il = phi'(w0_l . x_i), and fw (n) = f(x_i; W0) = sum_l v_l phi(w0_l . x_i). */
static void forward_at_init(const ovs_problem *p, const ovs_activation *act, double *dm,
                            double *fw)
{
    const int n = p->n, k = p->k, d = p->d;
    for (int i = 0; i < n; i++) {
        double f = 0.0;
        for (int l = 0; l < k; l++) {
            double z = 0.0;
            for (int c = 0; c < d; c++)
                z += p->w0[(size_t)l * d + c] * p->x[(size_t)i * d + c];
            dm[(size_t)i * k + l] = act->dphi(z);
            f += p->v[l] * act->phi(z);
        }
        fw[i] = f;
    }
}

/* An upper bound on rank J(W0): units with v_l = 0 add zero columns, so rank <= k' d (k' the
 * non-zero v_l). For phi = z^2/2, row i is vec(V W x_i x_i^T) (V = diag(v)), linear in the
 * symmetric x_i x_i^T, whose image misses the symmetric S with V W S = 0: rank <=
 * d(d+1)/2 - (d-r)(d-r+1)/2 with r = min(k', d) >= rank(V W). */
static long jacobian_rank_bound(const ovs_problem *p, const ovs_activation *act)
{
    long k_eff = 0, d = p->d;
    for (int l = 0; l < p->k; l++)
        k_eff += p->v[l] != 0.0;
    if (act->sigma_kind != OVS_SIGMA_IDENTITY)
        return k_eff * d;
    long r = k_eff < d ? k_eff : d;
    return d * (d + 1) / 2 - (d - r) * (d - r + 1) / 2;
}

/* sigma_min(J(W0)): J's row i is (v_l phi'(w0_l . x_i) x_i^T)_l, so J J^T =
 * (D diag(v^2) D^T) o (X X^T) (the Jacobian of Sec. 6 at W0); exactly 0 when rank J < n. */
static int jacobian_min(const ovs_problem *p, const ovs_activation *act, const double *dm,
                        const double *g, double *m, double *tmp, double *eig, double *out)
{
    const int n = p->n, k = p->k;
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = 0.0;
            for (int l = 0; l < k; l++)
                s += dm[(size_t)i * k + l] * p->v[l] * p->v[l] * dm[(size_t)j * k + l];
            m[(size_t)i * n + j] = m[(size_t)j * n + i] = s * g[(size_t)i * n + j];
        }
    double lambda;
    int rc = extreme_eig(m, n, tmp, eig, 0, &lambda);
    *out = jacobian_rank_bound(p, act) < n ? 0.0 : sqrt_clamped(lambda);
    return rc;
}

static int relative_error(const ovs_problem *p, const double *fw, double *out)
{
    double r2 = 0.0, y2 = 0.0;
    for (int i = 0; i < p->n; i++) {
        r2 += (fw[i] - p->y[i]) * (fw[i] - p->y[i]);
        y2 += p->y[i] * p->y[i];
    }
    if (!(y2 > 0))
        return OVS_EINVAL;
    *out = sqrt(r2 / y2);
    return OVS_OK;
}

/* lambda(X) = lambda_min(Sigma(X)) (Definition 6.1). For phi = z^2/2, Sigma = (X X^T) o (X X^T)
 * (Lemma 6.4's reduction), rank-limited like the Khatri-Rao product. */
static int nn_eigenvalue(const ovs_problem *p, const ovs_activation *act, const double *g,
                         double *sigma, double *tmp, double *eig, double *out)
{
    int rc = covariance(p->x, g, p->n, p->d, act, sigma);
    if (rc != OVS_OK)
        return rc;
    rc = extreme_eig(sigma, p->n, tmp, eig, 0, out);
    *out = fmax(0.0, *out);
    if (act->sigma_kind == OVS_SIGMA_IDENTITY && 2L * p->n > (long)p->d * (p->d + 1))
        *out = 0.0;
    return rc;
}

static int check_problem(const ovs_problem *p, const ovs_activation *act,
                         const ovs_diagnostics *out)
{
    if (!p || !act || !out || p->n < 1 || p->k < 1 || p->d < 1)
        return OVS_EINVAL;
    return !p->x || !p->y || !p->v || !p->w0 ? OVS_EINVAL : OVS_OK;
}

/* Scratch of one computation: the Gram matrix X X^T, two n x n work matrices (or d x d when
 * d > n), eigenvalues, phi'(W0 x_i) v_l, and f(x_i; W0). */
typedef struct scratch {
    double *g, *h, *tmp, *eig, *dm, *fw;
} scratch;

static int scratch_alloc(scratch *s, const ovs_problem *p)
{
    const size_t n = (size_t)p->n, k = (size_t)p->k, d = (size_t)p->d;
    const size_t m = n > d ? n : d;
    s->g = malloc(sizeof(double) * n * n);
    s->h = malloc(sizeof(double) * n * n);
    s->tmp = malloc(sizeof(double) * m * m);
    s->eig = malloc(sizeof(double) * m);
    s->dm = malloc(sizeof(double) * n * k);
    s->fw = malloc(sizeof(double) * n);
    if (!s->g || !s->h || !s->tmp || !s->eig || !s->dm || !s->fw)
        return OVS_ENOMEM;
    gram_rows(p->x, p->n, p->d, s->g);
    return OVS_OK;
}

static void scratch_free(scratch *s)
{
    free(s->g);
    free(s->h);
    free(s->tmp);
    free(s->eig);
    free(s->dm);
    free(s->fw);
}

/* The quantities of X alone (and of the activation): ||X||, sigma_min(X * X), lambda(X). */
static int data_part(const ovs_problem *p, const ovs_activation *act, scratch *s,
                     ovs_diagnostics *out)
{
    int rc = data_norm(p, s->g, s->tmp, s->eig, &out->x_norm);
    if (rc == OVS_OK)
        rc = khatri_rao_min(p, s->g, s->h, s->tmp, s->eig, &out->kr_sigma_min);
    if (rc == OVS_OK)
        rc = nn_eigenvalue(p, act, s->g, s->h, s->tmp, s->eig, &out->nn_lambda);
    return rc;
}

/* The quantities of the initialisation: f(W0)'s error and sigma_min(J(W0)). */
static int init_part(const ovs_problem *p, const ovs_activation *act, scratch *s,
                     ovs_diagnostics *out)
{
    forward_at_init(p, act, s->dm, s->fw);
    int rc = relative_error(p, s->fw, &out->initial_rel_err);
    if (rc == OVS_OK)
        rc = jacobian_min(p, act, s->dm, s->g, s->h, s->tmp, s->eig, &out->jac_sigma_min);
    return rc;
}

static int compute(const ovs_problem *p, const ovs_activation *act, int with_data,
                   ovs_diagnostics *out)
{
    int rc = check_problem(p, act, out);
    if (rc != OVS_OK)
        return rc;
    if (!trap_ready)
        trap_init();
    scratch s;
    rc = scratch_alloc(&s, p);
    if (rc == OVS_OK)
        rc = init_part(p, act, &s, out);
    if (rc == OVS_OK && with_data)
        rc = data_part(p, act, &s, out);
    scratch_free(&s);
    return rc;
}

int ovs_diagnostics_compute(const ovs_problem *p, const ovs_activation *act,
                            ovs_diagnostics *out)
{
    return compute(p, act, 1, out);
}

int ovs_diagnostics_compute_init(const ovs_problem *p, const ovs_activation *act,
                                 ovs_diagnostics *out)
{
    return compute(p, act, 0, out);
}
