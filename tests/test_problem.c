/* test_problem.c - data, output weights and initial weights of a trial. */
#include "problem.h"
#include "status.h"
#include "test.h"

#include <string.h>

static void test_output_weights(void)
{
    double v[7];
    ovs_problem_output_weights(v, 6, 0.5);
    const double even[6] = {0.5, 0.5, 0.5, -0.5, -0.5, -0.5};
    CHECK(memcmp(v, even, sizeof even) == 0);
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
    double worst = 0;
    for (int i = 0; i < p.n; i++) {
        double s = 0;
        for (int j = 0; j < p.d; j++)
            s += p.x[i * p.d + j] * p.x[i * p.d + j];
        worst = isnan(s) ? INFINITY : fmax(worst, fabs(s - 1.0));
    }
    CHECK_MSG(worst <= 1e-12, "a row of X is off unit norm by %g", worst);
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

/* A problem that holds another's X (a lockstep group, trial.c): under every data model, the
 * same y, ||y||, v and W0 as its own full draw, X by pointer; freeing it leaves the other's X
 * (ASan would report a double free). */
static void test_sharing(void)
{
    const ovs_data_model models[] = {OVS_DATA_MODEL_DEFAULT,
                                     {OVS_DATA_GAUSSIAN, 0.0, OVS_LABELS_SIGN},
                                     {OVS_DATA_WORST, 0.3, OVS_LABELS_GAUSSIAN}};
    for (int m = 0; m < 3; m++) {
        ovs_problem data, own, shared;
        CHECK(ovs_problem_alloc(&data, 37, 4, 9) == OVS_OK);
        CHECK(ovs_problem_alloc(&own, 37, 7, 9) == OVS_OK);
        ovs_problem_draw_model(&data, &models[m], 11, 3);
        ovs_problem_draw_model(&own, &models[m], 11, 3);
        CHECK(ovs_problem_alloc_sharing(&shared, &data, 7) == OVS_OK);
        ovs_problem_draw_sharing(&shared, &data, 11, 3);
        CHECK(shared.x == data.x && shared.n == 37 && shared.k == 7 && shared.d == 9);
        CHECK(memcmp(shared.x, own.x, sizeof(double) * 37 * 9) == 0);
        CHECK(memcmp(shared.y, own.y, sizeof(double) * 37) == 0 && shared.y_norm == own.y_norm);
        CHECK(memcmp(shared.v, own.v, sizeof(double) * 7) == 0);
        CHECK(memcmp(shared.w0, own.w0, sizeof(double) * 7 * 9) == 0);
        ovs_problem_free(&shared);
        CHECK(shared.x == NULL && data.x[0] == own.x[0]);
        ovs_problem_free(&own);
        ovs_problem_free(&data);
    }
    ovs_problem data = {0}, p;
    CHECK(ovs_problem_alloc_sharing(&p, &data, 3) == OVS_EINVAL); /* no X to share */
    ovs_problem_free(&p);
}

/* --data gaussian / worst and --labels sign: the defining properties of each model. */
static void test_data_models(void)
{
    ovs_problem a, b;
    CHECK(ovs_problem_alloc(&a, 41, 3, 5) == OVS_OK && ovs_problem_alloc(&b, 41, 3, 5) == OVS_OK);
    ovs_problem_draw(&a, 7, 2);
    ovs_data_model m = OVS_DATA_MODEL_DEFAULT;
    ovs_problem_draw_model(&b, &m, 7, 2);
    CHECK(memcmp(a.x, b.x, sizeof(double) * 41 * 5) == 0 &&
          memcmp(a.y, b.y, sizeof(double) * 41) == 0 && memcmp(a.w0, b.w0, sizeof(double) * 15) == 0);
    /* gaussian: the sphere's directions with chi radii / sqrt(d). */
    m.inputs = OVS_DATA_GAUSSIAN;
    ovs_problem_draw_model(&b, &m, 7, 2);
    int parallel = 1, unit = 0;
    for (int i = 0; i < 41; i++) {
        double nb = 0, dot = 0;
        for (int j = 0; j < 5; j++) {
            nb += b.x[i * 5 + j] * b.x[i * 5 + j];
            dot += a.x[i * 5 + j] * b.x[i * 5 + j];
        }
        parallel &= fabs(dot - sqrt(nb)) < 1e-12;
        unit += fabs(nb - 1) < 1e-9;
    }
    CHECK(parallel && unit < 3 && memcmp(a.y, b.y, sizeof(double) * 41) == 0);
    /* worst: rows 2i+1 on the sphere at distance exactly delta from rows 2i; last row alone. */
    m.inputs = OVS_DATA_WORST;
    m.delta = 0.05;
    ovs_problem_draw_model(&b, &m, 7, 2);
    int twins = 1;
    for (int i = 0; i + 1 < 41; i += 2) {
        double d2 = 0, n1 = 0, n2 = 0;
        for (int j = 0; j < 5; j++) {
            double u = b.x[i * 5 + j], v = b.x[(i + 1) * 5 + j];
            d2 += (u - v) * (u - v);
            n1 += u * u;
            n2 += v * v;
        }
        twins &= fabs(sqrt(d2) - 0.05) < 1e-12 && fabs(n1 - 1) < 1e-12 && fabs(n2 - 1) < 1e-12;
    }
    CHECK(twins);
    /* sign labels: +-1, both present, ||y|| = sqrt(n). */
    m.labels = OVS_LABELS_SIGN;
    ovs_problem_draw_model(&b, &m, 7, 2);
    int pm = 1, pos = 0;
    for (int i = 0; i < 41; i++) {
        pm &= b.y[i] == 1.0 || b.y[i] == -1.0;
        pos += b.y[i] > 0;
    }
    CHECK(pm && pos > 5 && pos < 36 && fabs(b.y_norm - sqrt(41.0)) < 1e-12);
    CHECK(ovs_names_find(&ovs_data_names, "worst") == OVS_DATA_WORST &&
          ovs_names_find(&ovs_data_names, "cube") == -1 &&
          ovs_names_find(&ovs_labels_names, "sign") == OVS_LABELS_SIGN &&
          strcmp(ovs_data_names.name(OVS_DATA_GAUSSIAN), "gaussian") == 0);
    ovs_problem_free(&a);
    ovs_problem_free(&b);
    /* d = 1: the twin is a duplicate (no other point of S^0 is within delta < 2). */
    CHECK(ovs_problem_alloc(&a, 4, 1, 1) == OVS_OK);
    m.inputs = OVS_DATA_WORST;
    ovs_problem_draw_model(&a, &m, 3, 0);
    CHECK(a.x[0] == a.x[1] && fabs(fabs(a.x[0]) - 1) < 1e-15);
    ovs_problem_free(&a);
}

int main(void)
{
    test_data_models();
    test_output_weights();
    test_draws();
    test_moments();
    test_seeding_rule();
    test_sharing();
    TEST_DONE();
}
