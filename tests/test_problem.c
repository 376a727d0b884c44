/* test_problem.c - data, output weights and initial weights of a trial. */
#include "problem.h"
#include "status.h"
#include "test.h"

#include <string.h>

static void test_output_weights(void)
{
    double v[7];
    ovs_problem_output_weights(v, 6, 0.5);
    for (int j = 0; j < 3; j++)
        CHECK(v[j] == 0.5 && v[j + 3] == -0.5);
    ovs_problem_output_weights(v, 7, 0.25);
    int pos = 0, neg = 0, zero = 0;
    for (int j = 0; j < 7; j++) {
        pos += v[j] == 0.25;
        neg += v[j] == -0.25;
        zero += v[j] == 0.0;
    }
    CHECK(pos == 3 && neg == 3 && zero == 1);
    ovs_problem_output_weights(v, 1, 1.0);
    CHECK(v[0] == 0.0);
}

static void test_draws(void)
{
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, 200, 5, 8) == OVS_OK);
    ovs_problem_draw(&p, 2024, 3);
    for (int i = 0; i < p.n; i++) {
        double s = 0;
        for (int j = 0; j < p.d; j++)
            s += p.x[i * p.d + j] * p.x[i * p.d + j];
        if (fabs(s - 1.0) > 1e-12)
            CHECK(!"row of X without unit norm");
    }
    CHECK(1);
    double y2 = 0;
    for (int i = 0; i < p.n; i++)
        y2 += p.y[i] * p.y[i];
    CHECK_NEAR(p.y_norm, sqrt(y2), 1e-12);
    /* |v_l| = ||y|| / sqrt(kn); odd k = 5: 2 positive, 2 negative, 1 zero. */
    double c = p.y_norm / sqrt(5.0 * 200.0);
    CHECK_NEAR(p.v[0], c, 1e-15);
    CHECK_NEAR(p.v[1], c, 1e-15);
    CHECK_NEAR(p.v[2], -c, 1e-15);
    CHECK_NEAR(p.v[3], -c, 1e-15);
    CHECK(p.v[4] == 0.0);
    ovs_problem_free(&p);
}

/* Sample moments of y and W0 over many draws (fixed seed): mean 0, variance 1. */
static void test_moments(void)
{
    ovs_problem p;
    CHECK(ovs_problem_alloc(&p, 100, 10, 10) == OVS_OK);
    double ys = 0, ys2 = 0, ws = 0, ws2 = 0;
    int my = 0, mw = 0;
    for (int t = 0; t < 50; t++) {
        ovs_problem_draw(&p, 99, t);
        for (int i = 0; i < p.n; i++, my++) {
            ys += p.y[i];
            ys2 += p.y[i] * p.y[i];
        }
        for (int i = 0; i < p.k * p.d; i++, mw++) {
            ws += p.w0[i];
            ws2 += p.w0[i] * p.w0[i];
        }
    }
    CHECK_NEAR(ys / my, 0.0, 5 / sqrt(my));
    CHECK_NEAR(ys2 / my, 1.0, 5 * sqrt(2.0 / my));
    CHECK_NEAR(ws / mw, 0.0, 5 / sqrt(mw));
    CHECK_NEAR(ws2 / mw, 1.0, 5 * sqrt(2.0 / mw));
    /* Sphere: E[x_j^2] = 1/d for every coordinate. */
    ovs_problem_draw(&p, 99, 0);
    double x0 = 0;
    for (int i = 0; i < p.n; i++)
        x0 += p.x[i * p.d] * p.x[i * p.d];
    CHECK(x0 / p.n > 0.05 && x0 / p.n < 0.2);
    ovs_problem_free(&p);
}

/* Paired design: the same (n, d, trial) gives the same data whatever k; W0 follows k. */
static void test_seeding_rule(void)
{
    ovs_problem a, b;
    CHECK(ovs_problem_alloc(&a, 50, 3, 6) == OVS_OK);
    CHECK(ovs_problem_alloc(&b, 50, 7, 6) == OVS_OK);
    ovs_problem_draw(&a, 1, 4);
    ovs_problem_draw(&b, 1, 4);
    CHECK(memcmp(a.x, b.x, sizeof(double) * 50 * 6) == 0);
    CHECK(memcmp(a.y, b.y, sizeof(double) * 50) == 0);
    CHECK(memcmp(a.w0, b.w0, sizeof(double) * 3 * 6) != 0);
    ovs_problem_draw(&b, 1, 5);
    CHECK(memcmp(a.x, b.x, sizeof(double) * 50 * 6) != 0);
    CHECK(memcmp(a.y, b.y, sizeof(double) * 50) != 0);
    ovs_problem_draw(&b, 2, 4);
    CHECK(memcmp(a.y, b.y, sizeof(double) * 50) != 0);
    /* Repeatable bit for bit. */
    double y0 = a.y[7], w0 = a.w0[5];
    ovs_problem_draw(&a, 1, 4);
    CHECK(a.y[7] == y0 && a.w0[5] == w0);
    ovs_problem_free(&a);
    ovs_problem_free(&b);
    CHECK(ovs_problem_alloc(&a, 0, 3, 6) == OVS_EINVAL);
}

int main(void)
{
    test_output_weights();
    test_draws();
    test_moments();
    test_seeding_rule();
    TEST_DONE();
}
