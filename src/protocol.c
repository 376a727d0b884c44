/* protocol.c - the stop rules and result bookkeeping of every method; see protocol.h. */
#include "protocol.h"

#include "status.h"

#include <math.h>
#include <string.h>

int ovs_protocol_ladder(double tol, double *ladder, int max_rungs)
{
    static const double fixed[] = {1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3, 1e-3,
                                   5e-4, 2.5e-4, 1e-4, 5e-5, 1e-5, 1e-6};
    int m = 0;
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0] && m < max_rungs - 1; i++)
        if (fixed[i] > tol)
            ladder[m++] = fixed[i];
    ladder[m++] = tol;
    return m;
}

int ovs_protocol_check(const ovs_protocol *o, const ovs_problem *p)
{
    if (o->max_iter < 0 || !(o->tol > 0) || !o->ladder || o->n_ladder < 1 ||
        o->n_ladder > OVS_LADDER_MAX || o->ladder[o->n_ladder - 1] != o->tol)
        return OVS_EINVAL;
    if (p->n < 1 || p->k < 1 || p->d < 1 || !(p->y_norm > 0))
        return OVS_EINVAL;
    return OVS_OK;
}

void ovs_result_start(ovs_result *res)
{
    memset(res, 0, sizeof *res);
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        res->ladder_hit[j] = -1;
}

void ovs_protocol_record_ladder(const ovs_protocol *o, double rel, int t, ovs_result *res)
{
    for (int j = 0; j < o->n_ladder; j++)
        if (res->ladder_hit[j] < 0 && rel < o->ladder[j])
            res->ladder_hit[j] = t;
}

/* Early-fail parameters (see protocol.h): windows of 500 updates from two thirds of the
 * budget on. Earlier starts each cut late take-offs on the Figure-2 grid: from update 3000,
 * 4 of them; from half the budget, 1 (still at 0.03 at update 7500, a success at 13581);
 * from two thirds, none (docs/BENCHMARKS.md). A trial is hopeless when 4x its current
 * log-error decrease rate cannot reach tol in time AND the rate is not growing: trials that
 * take off late (a slow phase, then geometric convergence; seen near the boundary)
 * accelerate and are left alone. */
#define EARLY_FAIL_SAFETY 4.0
#define EARLY_FAIL_START(max_iter) (2 * ((max_iter) / 3))

int ovs_protocol_hopeless(double rel, int t, const ovs_protocol *o, ovs_early_fail_state *st)
{
    double now_log = log(rel), prev = st->prev_log;
    double rate = (prev - now_log) / OVS_EARLY_FAIL_WINDOW; /* per-update log decrease */
    double prev_rate = st->prev_rate;
    st->prev_log = now_log;
    st->prev_rate = isnan(prev) ? NAN : rate;
    if (t < EARLY_FAIL_START(o->max_iter) || isnan(prev) || isnan(prev_rate) || rate > prev_rate)
        return 0;
    double reachable = EARLY_FAIL_SAFETY * (rate > 0 ? rate : 0) * (double)(o->max_iter - t);
    return reachable < now_log - log(o->tol);
}

int ovs_protocol_stops(const ovs_protocol *o, double rnorm, double y_norm, int t,
                       ovs_result *res, ovs_early_fail_state *ef, double *rel)
{
    *rel = rnorm / y_norm;
    /* isfinite on the norm: any NaN/Inf residual entry makes it non-finite. */
    if (!isfinite(rnorm)) {
        res->diverged = 1;
        return 1;
    }
    ovs_protocol_record_ladder(o, *rel, t, res);
    if (*rel < o->tol) {
        res->success = 1;
        return 1;
    }
    if (t == o->max_iter)
        return 1;
    if (ef && o->early_fail && t > 0 && t % OVS_EARLY_FAIL_WINDOW == 0 &&
        ovs_protocol_hopeless(*rel, t, o, ef)) {
        res->early_stopped = 1;
        return 1;
    }
    return 0;
}

int ovs_protocol_gradient_stops(const ovs_protocol *o, double gnorm, int *t, ovs_result *res)
{
    if (!isfinite(gnorm)) {
        res->diverged = 1;
        return 1;
    }
    if (gnorm == 0.0) {
        *t = o->max_iter; /* the exact fixed-point shortcut: see protocol.h */
        return 1;
    }
    return 0;
}

int ovs_protocol_polled_stop(const ovs_protocol *o, int t, ovs_result *res)
{
    if (o->poll && o->poll_every > 0 && t % o->poll_every == 0 && o->poll(o->poll_ctx)) {
        res->aborted = 1;
        return 1;
    }
    return 0;
}
