/* test_rf.c - the random-features baseline (Theorem 3.2) and the min-norm least-squares
 * wrapper under it: known small systems, interpolation for k >= n, none for k < n / 2, and
 * the minimum-norm property of v*. */
#include "activation.h"
#include "linalg.h"
#include "problem.h"
#include "rf.h"
#include "status.h"
#include "testopts.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static double ladder[OVS_LADDER_MAX];

static topts rf_opts(const char *act)
{
    topts o = {0};
    o.act = ovs_activation_find(act);
    o.tol = 2.5e-3;
    o.ladder = ladder;
    o.n_ladder = ovs_protocol_ladder(o.tol, ladder, OVS_LADDER_MAX);
    return o;
}

static void test_lstsq_known(void)
{
    /* Overdetermined, consistent: the exact solution. */
    const double a[5 * 3] = {1, 2, 0, 0, 1, 1, 3, -1, 2, 1, 1, 1, -2, 0, 4};
    const double x_true[3] = {1, -2, 3};
    double b[5], x[3], a_copy[15];
    for (int i = 0; i < 5; i++)
        b[i] = a[3 * i] * x_true[0] + a[3 * i + 1] * x_true[1] + a[3 * i + 2] * x_true[2];
    memcpy(a_copy, a, sizeof a);
    int rank = 0;
    CHECK(ovs_linalg_lstsq_min_norm(5, 3, a, b, x, &rank) == OVS_OK);
    CHECK(rank == 3);
    for (int j = 0; j < 3; j++)
        CHECK_NEAR(x[j], x_true[j], 1e-13);
    CHECK(memcmp(a, a_copy, sizeof a) == 0); /* A is not modified */

    /* Overdetermined, inconsistent: the residual is orthogonal to every column, and it is
     * not zero (so the orthogonality is not trivial). */
    const double b2[5] = {1, 0, -1, 2, 0.5};
    CHECK(ovs_linalg_lstsq_min_norm(5, 3, a, b2, x, &rank) == OVS_OK);
    double r[5], r2 = 0;
    for (int i = 0; i < 5; i++) {
        r[i] = a[3 * i] * x[0] + a[3 * i + 1] * x[1] + a[3 * i + 2] * x[2] - b2[i];
        r2 += r[i] * r[i];
    }
    CHECK(r2 > 1e-2);
    for (int j = 0; j < 3; j++) {
        double dot = 0;
        for (int i = 0; i < 5; i++)
            dot += a[3 * i + j] * r[i];
        CHECK_NEAR(dot, 0.0, 1e-13);
    }

    /* Underdetermined: x = A^T (A A^T)^-1 b = (-1/2, 0, 1/2) by hand. */
    const double u[2 * 3] = {1, 2, 3, 4, 5, 6}, bu[2] = {1, 1};
    CHECK(ovs_linalg_lstsq_min_norm(2, 3, u, bu, x, &rank) == OVS_OK);
    CHECK(rank == 2);
    CHECK_NEAR(x[0], -0.5, 1e-14);
    CHECK_NEAR(x[1], 0.0, 1e-14);
    CHECK_NEAR(x[2], 0.5, 1e-14);

    /* Rank-deficient: two equal columns share the weight equally; rank 1. */
    const double dup[3 * 2] = {1, 1, 2, 2, 3, 3}, bd[3] = {2, 4, 6};
    CHECK(ovs_linalg_lstsq_min_norm(3, 2, dup, bd, x, &rank) == OVS_OK);
    CHECK(rank == 1);
    CHECK_NEAR(x[0], 1.0, 1e-14);
    CHECK_NEAR(x[1], 1.0, 1e-14);

    /* Bad sizes; non-finite input gives NaN, not an error. */
    CHECK(ovs_linalg_lstsq_min_norm(0, 3, a, b, x, &rank) == OVS_EINVAL);
    const double bn[2] = {1, NAN};
    CHECK(ovs_linalg_lstsq_min_norm(2, 3, u, bn, x, &rank) == OVS_OK);
    CHECK(rank == -1 && isnan(x[0]) && isnan(x[1]) && isnan(x[2]));
}

static ovs_result rf_cell(const char *act, int n, int k, int d, int trial, double *v,
                                ovs_rf_extra *e)
{
    ovs_problem p;
    ovs_result r;
    memset(&r, 0xff, sizeof r);
    if (ovs_problem_alloc(&p, n, k, d) != OVS_OK)
        return r;
    ovs_problem_draw(&p, 9, trial);
    topts o = rf_opts(act);
    CHECK(run_rf(&p, &o, &r, v, e) == OVS_OK);
    ovs_problem_free(&p);
    return r;
}

static void test_interpolation(void)
{
    const char *acts[] = {"softplus", "relu"};
    const int ks[] = {60, 200}, ds[] = {5, 10, 25};
    topts o = rf_opts("relu");
    for (int a = 0; a < 2; a++)
        for (int ki = 0; ki < 2; ki++)
            for (int di = 0; di < 3; di++) {
                ovs_rf_extra e;
                ovs_result r = rf_cell(acts[a], 50, ks[ki], ds[di], di, NULL, &e);
                CHECK(r.success == 1 && r.diverged == 0 && r.final_rel_err < 1e-8);
                if (!(r.final_rel_err < 1e-8))
                    fprintf(stderr, "  %s k=%d d=%d rel=%g rank=%d\n", acts[a], ks[ki],
                            ds[di], r.final_rel_err, e.rank);
                CHECK(e.rank == 50 && e.v_norm > 0 && isfinite(e.v_norm));
                CHECK(r.iterations == 0 && r.dist_from_init == 0 && r.path_length == 0);
                CHECK(r.aborted == 0 && r.early_stopped == 0);
                for (int j = 0; j < OVS_LADDER_MAX; j++)
                    CHECK(r.ladder_hit[j] == (j < o.n_ladder ? 0 : -1));
            }
    /* k < n / 2: a least-squares fit, far from interpolation; rank k. */
    for (int a = 0; a < 2; a++) {
        ovs_rf_extra e;
        ovs_result r = rf_cell(acts[a], 50, 20, 10, 0, NULL, &e);
        CHECK(r.success == 0 && r.diverged == 0 && r.final_rel_err > 0.3);
        CHECK(r.final_rel_err < 1.0); /* least squares beats v = 0 */
        CHECK(e.rank == 20);
        CHECK(r.ladder_hit[0] == -1 && r.ladder_hit[o.n_ladder - 1] == -1);
    }
    /* d = 2, softplus: smooth features of points on a circle are numerically dependent
     * (lambda~(X) of Theorem 3.2 is tiny), so even k > n does not interpolate. */
    ovs_rf_extra e;
    ovs_result r = rf_cell("softplus", 50, 60, 2, 0, NULL, &e);
    CHECK(e.rank < 50 && r.success == 0 && isfinite(r.final_rel_err));
}

/* Solve the SPD system m a = b (n x n) by Cholesky, in place in a copy. */
static void cholesky_solve(int n, const double *m, const double *b, double *x)
{
    double *l = calloc((size_t)n * n, sizeof(double));
    for (int i = 0; i < n; i++)
        for (int j = 0; j <= i; j++) {
            double s = m[i * n + j];
            for (int q = 0; q < j; q++)
                s -= l[i * n + q] * l[j * n + q];
            l[i * n + j] = i == j ? sqrt(s) : s / l[j * n + j];
        }
    for (int i = 0; i < n; i++) { /* L z = b */
        double s = b[i];
        for (int q = 0; q < i; q++)
            s -= l[i * n + q] * x[q];
        x[i] = s / l[i * n + i];
    }
    for (int i = n - 1; i >= 0; i--) { /* L^T x = z */
        double s = x[i];
        for (int q = i + 1; q < n; q++)
            s -= l[q * n + i] * x[q];
        x[i] = s / l[i * n + i];
    }
    free(l);
}

/* k > n: v* = Phi^T (Phi Phi^T)^-1 y, the interpolant of least norm; another interpolant
 * (the square system on the first n features, the rest zero) is longer. */
static void test_min_norm(void)
{
    const char *acts[] = {"softplus", "relu"};
    const int n = 20, k = 200, d = 10;
    for (int a = 0; a < 2; a++) {
        const ovs_activation *act = ovs_activation_find(acts[a]);
        ovs_problem p;
        ovs_problem_alloc(&p, n, k, d);
        ovs_problem_draw(&p, 9, 4);
        topts o = rf_opts(acts[a]);
        ovs_result r;
        ovs_rf_extra e;
        double *v = malloc(sizeof(double) * k), *phi = malloc(sizeof(double) * n * k);
        double *sc = malloc(sizeof(double) * n * k), *gram = malloc(sizeof(double) * n * n);
        double *alpha = malloc(sizeof(double) * n), *v_alt = calloc(k, sizeof(double));
        double *sq = malloc(sizeof(double) * n * n);
        CHECK(run_rf(&p, &o, &r, v, &e) == OVS_OK);
        CHECK(r.success == 1);
        ovs_rf_features(&p, act, phi, sc);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int q = 0; q < k; q++)
                    s += phi[i * k + q] * phi[j * k + q];
                gram[i * n + j] = s;
            }
        cholesky_solve(n, gram, p.y, alpha);
        double diff2 = 0, ref2 = 0, v2 = 0;
        for (int q = 0; q < k; q++) {
            double ref = 0;
            for (int i = 0; i < n; i++)
                ref += phi[i * k + q] * alpha[i];
            diff2 += (v[q] - ref) * (v[q] - ref);
            ref2 += ref * ref;
            v2 += v[q] * v[q];
        }
        CHECK(sqrt(diff2 / ref2) < 1e-8);
        CHECK_NEAR(e.v_norm, sqrt(v2), 1e-12 * sqrt(v2));
        /* The other interpolant: solve Phi[:, :n] u = y (through the same wrapper, square). */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                sq[i * n + j] = phi[i * k + j];
        int rank;
        CHECK(ovs_linalg_lstsq_min_norm(n, n, sq, p.y, v_alt, &rank) == OVS_OK && rank == n);
        double alt2 = 0, res2 = 0;
        for (int q = 0; q < n; q++)
            alt2 += v_alt[q] * v_alt[q];
        for (int i = 0; i < n; i++) {
            double f = 0;
            for (int q = 0; q < k; q++)
                f += phi[i * k + q] * v_alt[q];
            res2 += (f - p.y[i]) * (f - p.y[i]);
        }
        CHECK(sqrt(res2) < 1e-8 * p.y_norm); /* it does interpolate */
        CHECK(alt2 > 1.5 * v2);              /* and is clearly longer */
        free(v);
        free(phi);
        free(sc);
        free(gram);
        free(alpha);
        free(v_alt);
        free(sq);
        ovs_problem_free(&p);
    }
}

static void test_bad_args(void)
{
    ovs_problem p;
    ovs_result r;
    ovs_problem_alloc(&p, 10, 3, 2);
    ovs_problem_draw(&p, 1, 0);
    topts o = rf_opts("relu");
    o.tol = 1e-3; /* the ladder's last rung must be tol */
    CHECK(run_rf(&p, &o, &r, NULL, NULL) == OVS_EINVAL);
    o = rf_opts("relu");
    o.act = NULL;
    CHECK(run_rf(&p, &o, &r, NULL, NULL) == OVS_EINVAL);
    o = rf_opts("relu");
    CHECK(run_rf(&p, &o, &r, NULL, NULL) == OVS_OK && r.success == 0 && r.final_rel_err < 1.0);
    ovs_problem_free(&p);
}

int main(void)
{
    test_lstsq_known();
    test_interpolation();
    test_min_norm();
    test_bad_args();
    TEST_DONE();
}
