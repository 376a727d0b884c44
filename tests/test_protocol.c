/* test_protocol.c - the training protocol's stop rules at their boundaries (protocol.h):
 * success is rel. error < tol, strictly (Sec. 4), so an error equal to tol is not one; a rung
 * of the ladder is passed below it, not at it; the budget ends the trial at t = max_iter, not
 * before; a non-finite residual or gradient stops it as diverged; a zero gradient ends it at
 * once as the full loop would. Values chosen so that the divisions are exact. */
#include "protocol.h"
#include "test.h"

#include <string.h>

static const double ladder[] = {1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3};

static ovs_protocol proto(void)
{
    return (ovs_protocol){.max_iter = 100, .tol = 2.5e-3, .ladder = ladder, .n_ladder = 7};
}

/* ovs_protocol_stops on a fresh result; returns whether it stopped. */
static int stops(double rnorm, double y_norm, int t, ovs_result *res)
{
    const ovs_protocol o = proto();
    double rel;
    ovs_result_start(res);
    return ovs_protocol_stops(&o, rnorm, y_norm, t, res, NULL, &rel);
}

static void test_success_is_strict(void)
{
    ovs_result at, below;
    /* 0.01 / 4 is 2.5e-3 exactly as a double (a power-of-two scaling). */
    int s_at = stops(0.01, 4.0, 10, &at);
    int s_below = stops(nextafter(0.01, 0.0), 4.0, 10, &below);
    CHECK_MSG(!s_at && !at.success && s_below && below.success && !below.diverged,
              "rel == tol must not succeed, rel < tol must (stops %d/%d, success %d/%d)", s_at,
              s_below, at.success, below.success);
}

static void test_ladder_rungs(void)
{
    ovs_result at, below;
    stops(0.04, 2.0, 7, &at);                      /* rel = 2e-2: rung 3 not passed */
    stops(nextafter(0.04, 0.0), 2.0, 7, &below); /* just below it: rungs 0..3 at t = 7 */
    const int want_at[7] = {7, 7, 7, -1, -1, -1, -1}, want_below[7] = {7, 7, 7, 7, -1, -1, -1};
    CHECK_MSG(memcmp(at.ladder_hit, want_at, sizeof want_at) == 0 &&
                  memcmp(below.ladder_hit, want_below, sizeof want_below) == 0,
              "ladder hits at rel = 2e-2: %d %d %d %d, just below: %d %d %d %d",
              at.ladder_hit[0], at.ladder_hit[1], at.ladder_hit[2], at.ladder_hit[3],
              below.ladder_hit[0], below.ladder_hit[1], below.ladder_hit[2],
              below.ladder_hit[3]);
    double lad[OVS_LADDER_MAX];
    int m = ovs_protocol_ladder(2.5e-3, lad, OVS_LADDER_MAX);
    CHECK_MSG(m == 7 && memcmp(lad, ladder, sizeof ladder) == 0,
              "the ladder for tol 2.5e-3 has %d rungs", m);
}

static void test_budget(void)
{
    ovs_result before, at;
    int s_before = stops(1.0, 2.0, 99, &before), s_at = stops(1.0, 2.0, 100, &at);
    CHECK_MSG(!s_before && s_at && !at.success && !at.diverged,
              "a failing trial stops at t = max_iter and not before (%d, %d)", s_before, s_at);
}

static void test_divergence(void)
{
    ovs_result inf, nan_;
    int s_inf = stops(INFINITY, 2.0, 3, &inf), s_nan = stops(NAN, 2.0, 3, &nan_);
    CHECK(s_inf && inf.diverged && !inf.success && s_nan && nan_.diverged && !nan_.success);
    const ovs_protocol o = proto();
    ovs_result g;
    ovs_result_start(&g);
    int t = 5, s = ovs_protocol_gradient_stops(&o, NAN, &t, &g);
    CHECK(s && g.diverged && t == 5);
}

/* A zero gradient: every remaining update would leave W unchanged, so the trial ends with
 * iterations = max_iter, as a failure; a tiny non-zero one goes on. */
static void test_zero_gradient(void)
{
    const ovs_protocol o = proto();
    ovs_result r0, r1;
    ovs_result_start(&r0);
    ovs_result_start(&r1);
    int t0 = 5, t1 = 5;
    int s0 = ovs_protocol_gradient_stops(&o, 0.0, &t0, &r0);
    int s1 = ovs_protocol_gradient_stops(&o, 0x1p-1074, &t1, &r1);
    CHECK_MSG(s0 && t0 == 100 && !r0.diverged && !r0.success && !s1 && t1 == 5,
              "zero gradient: stop %d at t = %d; subnormal gradient: stop %d", s0, t0, s1);
}

static int polls;
static int poll_third(void *ctx)
{
    (void)ctx;
    return ++polls == 3;
}

/* The poll hook runs every poll_every updates and abandons the trial when it says so. */
static void test_poll(void)
{
    ovs_protocol o = proto();
    o.poll = poll_third;
    o.poll_every = 4;
    ovs_result r;
    ovs_result_start(&r);
    int stopped_at = -1;
    for (int t = 1; t <= 20 && stopped_at < 0; t++)
        if (ovs_protocol_polled_stop(&o, t, &r))
            stopped_at = t;
    CHECK_MSG(stopped_at == 12 && r.aborted && polls == 3,
              "the hook stopped the trial at t = %d after %d calls", stopped_at, polls);
}

int main(void)
{
    test_success_is_strict();
    test_ladder_rungs();
    test_budget();
    test_divergence();
    test_zero_gradient();
    test_poll();
    TEST_DONE();
}
