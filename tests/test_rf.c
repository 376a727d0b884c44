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
    CHECK_ALL_NEAR(x, x_true, 3, 1e-13);
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
    double dots[3] = {0, 0, 0};
    const double zeros[3] = {0, 0, 0};
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 5; i++)
            dots[j] += a[3 * i + j] * r[i];
    CHECK_ALL_NEAR(dots, zeros, 3, 1e-13);

    /* Underdetermined: x = A^T (A A^T)^-1 b = (-1/2, 0, 1/2) by hand. */
    const double u[2 * 3] = {1, 2, 3, 4, 5, 6}, bu[2] = {1, 1};
    CHECK(ovs_linalg_lstsq_min_norm(2, 3, u, bu, x, &rank) == OVS_OK);
    CHECK(rank == 2);
    const double x_under[3] = {-0.5, 0.0, 0.5};
    CHECK_ALL_NEAR(x, x_under, 3, 1e-14);

    /* Rank-deficient: two equal columns share the weight equally; rank 1. */
    const double dup[3 * 2] = {1, 1, 2, 2, 3, 3}, bd[3] = {2, 4, 6};
    CHECK(ovs_linalg_lstsq_min_norm(3, 2, dup, bd, x, &rank) == OVS_OK);
    CHECK(rank == 1);
    const double x_dup[2] = {1.0, 1.0};
    CHECK_ALL_NEAR(x, x_dup, 2, 1e-14);

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
    if (run_rf(&p, &o, &r, v, e) != OVS_OK) { /* fails every check on it */
        r.success = r.diverged = r.aborted = -1;
        r.final_rel_err = NAN;
    }
    ovs_problem_free(&p);
    return r;
}

static void test_interpolation(void)
{
    const char *acts[] = {"softplus", "relu"};
    const int ks[] = {60, 200}, ds[] = {5, 10, 25};
    topts o = rf_opts("relu");
    int hits[OVS_LADDER_MAX]; /* every rung passed at once (no updates), none beyond */
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        hits[j] = j < o.n_ladder ? 0 : -1;
    int fits = 1, ranks = 1, no_updates = 1, flags = 1, ladders = 1;
    for (int a = 0; a < 2; a++)
        for (int ki = 0; ki < 2; ki++)
            for (int di = 0; di < 3; di++) {
                ovs_rf_extra e;
                ovs_result r = rf_cell(acts[a], 50, ks[ki], ds[di], di, NULL, &e);
                int fit = r.success == 1 && r.diverged == 0 && r.final_rel_err < 1e-8;
                if (!fit)
                    fprintf(stderr, "  %s k=%d d=%d rel=%g rank=%d\n", acts[a], ks[ki],
                            ds[di], r.final_rel_err, e.rank);
                fits &= fit;
                ranks &= e.rank == 50 && e.v_norm > 0 && isfinite(e.v_norm);
                no_updates &= r.iterations == 0 && r.dist_from_init == 0 && r.path_length == 0;
                flags &= r.aborted == 0 && r.early_stopped == 0;
                ladders &= memcmp(r.ladder_hit, hits, sizeof hits) == 0;
            }
    CHECK_MSG(fits, "rf does not interpolate (rel. error < 1e-8) with k >= n");
    CHECK(ranks);
    CHECK(no_updates);
    CHECK(flags);
    CHECK(ladders);
    /* k < n / 2: a least-squares fit, far from interpolation (but better than v = 0); rank
     * k; no rung passed. */
    int far = 1, rank_k = 1, no_rung = 1;
    for (int a = 0; a < 2; a++) {
        ovs_rf_extra e;
        ovs_result r = rf_cell(acts[a], 50, 20, 10, 0, NULL, &e);
        far &= r.success == 0 && r.diverged == 0 && r.final_rel_err > 0.3 &&
               r.final_rel_err < 1.0;
        rank_k &= e.rank == 20;
        no_rung &= r.ladder_hit[0] == -1 && r.ladder_hit[o.n_ladder - 1] == -1;
    }
    CHECK(far);
    CHECK(rank_k);
    CHECK(no_rung);
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
    int fitted = 1, least = 1, v_norm = 1, alt_ok = 1, longer = 1;
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
        fitted &= run_rf(&p, &o, &r, v, &e) == OVS_OK && r.success == 1;
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
        least &= sqrt(diff2 / ref2) < 1e-8;
        v_norm &= fabs(e.v_norm - sqrt(v2)) <= 1e-12 * sqrt(v2);
        /* The other interpolant: solve Phi[:, :n] u = y (through the same wrapper, square). */
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                sq[i * n + j] = phi[i * k + j];
        int rank;
        alt_ok &= ovs_linalg_lstsq_min_norm(n, n, sq, p.y, v_alt, &rank) == OVS_OK && rank == n;
        double alt2 = 0, res2 = 0;
        for (int q = 0; q < n; q++)
            alt2 += v_alt[q] * v_alt[q];
        for (int i = 0; i < n; i++) {
            double f = 0;
            for (int q = 0; q < k; q++)
                f += phi[i * k + q] * v_alt[q];
            res2 += (f - p.y[i]) * (f - p.y[i]);
        }
        alt_ok &= sqrt(res2) < 1e-8 * p.y_norm; /* it does interpolate */
        longer &= alt2 > 1.5 * v2;              /* and is clearly longer */
        free(v);
        free(phi);
        free(sc);
        free(gram);
        free(alpha);
        free(v_alt);
        free(sq);
        ovs_problem_free(&p);
    }
    CHECK_MSG(fitted, "rf with k = 10 n does not interpolate");
    CHECK_MSG(least, "v* != Phi^T (Phi Phi^T)^-1 y, the least-norm interpolant");
    CHECK_MSG(v_norm, "the reported ||v*|| is not the norm of v*");
    CHECK_MSG(alt_ok, "the test's other interpolant does not interpolate"); /* a precondition */
    CHECK_MSG(longer, "another interpolant is not longer than v*");
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
