/* trial.c - one trial from scratch; see trial.h. */
#include "trial.h"

#include "diagnostics.h"
#include "forward.h"
#include "jacobian.h"
#include "method.h"
#include "problem.h"
#include "rng.h"
#include "simd.h"
#include "status.h"
#include "train.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A direct-mapped table: a slot holds the last (n, d, trial, ...) that hashed to it. */
#define DIAG_CACHE_SIZE 4096
typedef struct diag_entry {
    int valid, n, d, trial, inputs;
    uint64_t seed;
    double delta;
    const ovs_activation *act;
    double x_norm, kr_sigma_min, nn_lambda;
} diag_entry;

struct ovs_diag_cache {
    diag_entry slot[DIAG_CACHE_SIZE];
};

ovs_diag_cache *ovs_diag_cache_new(void)
{
    return calloc(1, sizeof(ovs_diag_cache));
}

void ovs_diag_cache_free(ovs_diag_cache *cache)
{
    free(cache);
}

static diag_entry *cache_slot(ovs_diag_cache *cache, const ovs_config *c,
                              const ovs_activation *act, const ovs_problem *prob, int trial)
{
    uint64_t h = ovs_mix64(c->seed ^ ovs_mix64(((uint64_t)prob->n << 40) ^
                                               ((uint64_t)prob->d << 20) ^ (uint64_t)trial));
    h = ovs_mix64(h ^ (uint64_t)(uintptr_t)act ^ (uint64_t)c->data.inputs);
    return &cache->slot[h % DIAG_CACHE_SIZE];
}

static int entry_matches(const diag_entry *e, const ovs_config *c, const ovs_activation *act,
                         const ovs_problem *prob, int trial)
{
    return e->valid && e->n == prob->n && e->d == prob->d && e->trial == trial &&
           e->seed == c->seed && e->inputs == c->data.inputs &&
           (e->delta == c->data.delta || (isnan(e->delta) && isnan(c->data.delta))) &&
           e->act == act;
}

/* --diagnostics: the theory quantities of this trial's data and initialisation. */
static int diagnose(const ovs_config *c, const ovs_activation *act, const ovs_problem *prob,
                    int trial, ovs_diag_cache *cache, ovs_record *rec)
{
    rec->x_norm = rec->kr_sigma_min = rec->nn_lambda = NAN;
    rec->jac_sigma_min = rec->initial_rel_err = NAN;
    if (!c->diagnostics)
        return OVS_OK;
    diag_entry *e = cache ? cache_slot(cache, c, act, prob, trial) : NULL;
    int known = e && entry_matches(e, c, act, prob, trial);
    ovs_diagnostics dg;
    int rc = known ? ovs_diagnostics_compute_init(prob, act, &dg)
                   : ovs_diagnostics_compute(prob, act, &dg);
    if (rc != OVS_OK)
        return rc;
    if (known) {
        dg.x_norm = e->x_norm;
        dg.kr_sigma_min = e->kr_sigma_min;
        dg.nn_lambda = e->nn_lambda;
    } else if (e) {
        *e = (diag_entry){1, prob->n, prob->d, trial, c->data.inputs, c->seed, c->data.delta,
                          act, dg.x_norm, dg.kr_sigma_min, dg.nn_lambda};
    }
    rec->x_norm = dg.x_norm;
    rec->kr_sigma_min = dg.kr_sigma_min;
    rec->nn_lambda = dg.nn_lambda;
    rec->jac_sigma_min = dg.jac_sigma_min;
    rec->initial_rel_err = dg.initial_rel_err;
    return OVS_OK;
}

/* The trial's step size: the group's fixed eta, or under --eta ACT=auto:C,
 * C / lambda_max(J(W0) J(W0)^T) (jacobian.h). lambda_max = 0 means J(W0) = 0: the gradient at
 * W0 is zero and the trial ends before its first update whatever eta is, so the activation's
 * stated eta stands in. */
static int step_size(const ovs_group *gr, const ovs_problem *prob, double *eta, double *lambda,
                     int32_t *products)
{
    int count = 0;
    *eta = gr->eta;
    *lambda = NAN;
    *products = 0;
    if (!(gr->eta_auto > 0) || gr->method != OVS_METHOD_GD) /* rf has no step; sgd refuses auto */
        return OVS_OK;
    int rc = ovs_jacobian_lambda_max(prob, gr->act, prob->w0, gr->lambda_method, lambda, &count);
    if (rc != OVS_OK)
        return rc;
    *products = count;
    *eta = *lambda > 0 && isfinite(*lambda) ? gr->eta_auto / *lambda : gr->act->default_eta;
    return OVS_OK;
}

static void fill_record(int64_t item, const ovs_result *r, ovs_record *rec)
{
    rec->item = item;
    rec->iterations = r->iterations;
    rec->success = (int8_t)r->success;
    rec->diverged = (int8_t)r->diverged;
    rec->early_stopped = (int8_t)r->early_stopped;
    rec->final_rel_err = r->final_rel_err;
    rec->dist_from_init = r->dist_from_init;
    rec->path_length = r->path_length;
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        rec->ladder_hit[j] = r->ladder_hit[j];
}

/* What one trial of item needs to be trained: its problem (drawn; holding the X of data, the
 * problem of trial data_t, where that is the same (n, d, trial): problem.h), its record's
 * diagnostics and step size, the method's spec and the protocol. Free prob with
 * ovs_problem_free (before data), also after an error. */
static int prepare(const ovs_plan *p, int64_t item, const ovs_problem *data, int data_t,
                   ovs_diag_cache *cache, ovs_problem *prob, ovs_record *rec,
                   ovs_method_spec *spec, ovs_protocol *proto)
{
    const ovs_config *c = p->cfg;
    ovs_item it;
    ovs_plan_item(p, item, &it);
    const ovs_group *gr = &p->groups[it.g];
    memset(rec, 0, sizeof *rec);
    const int same = data && data->n == it.n && data->d == it.d && data_t == it.t;
    int rc = same ? ovs_problem_alloc_sharing(prob, data, it.k)
                  : ovs_problem_alloc(prob, it.n, it.k, it.d);
    if (rc != OVS_OK)
        return rc;
    if (same)
        ovs_problem_draw_sharing(prob, data, c->seed, it.t);
    else
        ovs_problem_draw_model(prob, &c->data, c->seed, it.t);
    rc = diagnose(c, gr->act, prob, it.t, cache, rec);
    double eta = gr->eta;
    if (rc == OVS_OK)
        rc = step_size(gr, prob, &eta, &rec->lambda_max, &rec->lambda_products);
    rec->eta = eta;
    *proto = ovs_plan_protocol(p);
    proto->poll_every = gr->method == OVS_METHOD_SGD ? 1 : 16;
    *spec = (ovs_method_spec){.method = gr->method, .precision = c->precision,
                              .kernel = c->kernel, .act = gr->act, .eta = eta,
                              .seed = c->seed, .trial = it.t};
    return rc;
}

int ovs_trial_run_lockstep(const ovs_plan *p, const int64_t *items, int count,
                           ovs_diag_cache *cache, int (*poll)(void *), void *poll_ctx,
                           ovs_record *recs, int *aborted)
{
    if (count < 1 || count > OVS_LOCKSTEP_MAX)
        return OVS_EINVAL;
    ovs_problem prob[OVS_LOCKSTEP_MAX] = {0};
    ovs_method_spec spec[OVS_LOCKSTEP_MAX] = {0};
    ovs_protocol proto[OVS_LOCKSTEP_MAX] = {0};
    ovs_result r[OVS_LOCKSTEP_MAX];
    int rc = OVS_OK, made = 0;
    ovs_item first;
    ovs_plan_item(p, items[0], &first);
    /* a group's trials share (n, d, trial): X is drawn and held once, as for one trial, and
     * the trainer finds the panels shared without comparing them (train.c) */
    for (; made < count && rc == OVS_OK; made++) {
        rc = prepare(p, items[made], made ? &prob[0] : NULL, first.t, cache, &prob[made],
                     &recs[made], &spec[made], &proto[made]);
        proto[made].poll = poll;
        proto[made].poll_ctx = poll_ctx;
    }
    if (rc == OVS_OK)
        rc = ovs_method_run_lockstep(count, spec, prob, proto, r);
    for (int j = made - 1; j >= 0; j--) /* prob[0], whose X the others may hold, last */
        ovs_problem_free(&prob[j]);
    for (int j = 0; j < count && rc == OVS_OK; j++) {
        fill_record(items[j], &r[j], &recs[j]);
        aborted[j] = r[j].aborted;
    }
    return rc;
}

int ovs_trial_run(const ovs_plan *p, int64_t item, ovs_diag_cache *cache,
                  int (*poll)(void *), void *poll_ctx, ovs_record *rec, int *aborted)
{
    return ovs_trial_run_lockstep(p, &item, 1, cache, poll, poll_ctx, rec, aborted);
}


/* A gd trial in float64 with the fused simd kernel that reads X in panels. */
static int reads_panels(const ovs_plan *p, const ovs_item *it, ovs_step_plan *sp)
{
    const ovs_group *gr = &p->groups[it->g];
    *sp = ovs_train_step_plan(it->k, it->d, ovs_pad(it->n));
    return gr->method == OVS_METHOD_GD && p->cfg->precision == OVS_PRECISION_DOUBLE &&
           p->cfg->kernel == OVS_KERNEL_SIMD && ovs_forward_takes(gr->act->vector_kernel) &&
           sp->by_panels;
}

double ovs_trial_stack_bytes(double k, double d)
{
    return 72.0 * k * d;
}

/* A trial's own arrays: two n x k, W and its kin, vectors of n. */
static double own_bytes(double n, double k, double d)
{
    return 8.0 * (2 * n * k + 4 * k * d + 2 * n);
}

double ovs_trial_partner_bytes(double n, double k, double d)
{
    return own_bytes(n, k, d) + ovs_trial_stack_bytes(k, d);
}

double ovs_trial_bytes(double n, double k, double d, int diagnostics, int lambda_method)
{
    return own_bytes(n, k, d) + 16.0 * n * d + (diagnostics ? 32.0 * n * n : 0) +
           (lambda_method >= 0 ? ovs_jacobian_lambda_bytes(n, k, d, lambda_method) : 0);
}

int ovs_trial_lockstep_shape(int n, int k, int d)
{
    const int np = ovs_pad(n);
    const int k_max = 8.0 * d * np >= OVS_LOCKSTEP_X_BYTES ? OVS_LOCKSTEP_K_MAX
                                                           : OVS_LOCKSTEP_K_MAX_CACHED;
    return k <= k_max && ovs_forward_panel_width(k, d, np) > 0;
}

int ovs_trial_lockstep_pays(const ovs_plan *p, int64_t a, int64_t b)
{
    ovs_item x, y;
    ovs_step_plan sx, sy;
    ovs_plan_item(p, a, &x);
    ovs_plan_item(p, b, &y);
    if (x.n != y.n || x.d != y.d || x.t != y.t || !ovs_trial_lockstep_shape(x.n, x.k, x.d) ||
        !ovs_trial_lockstep_shape(y.n, y.k, y.d))
        return 0; /* before the step plans: cpuid traps in a VM, and most items stop here */
    return reads_panels(p, &x, &sx) && reads_panels(p, &y, &sy) && sx.panel == sy.panel;
}

static int bad(char *why, size_t len, const char *what)
{
    snprintf(why, len, "%s", what);
    return OVS_EFORMAT;
}

/* The ladder's first hits: within [-1, iterations], and a looser rung hit no later. */
static int ladder_ok(const ovs_plan *p, const ovs_record *r)
{
    for (int j = 0; j < p->n_ladder; j++) {
        const int32_t h = r->ladder_hit[j];
        if (h < -1 || h > r->iterations)
            return 0;
        if (j > 0 && h >= 0 && (r->ladder_hit[j - 1] < 0 || r->ladder_hit[j - 1] > h))
            return 0;
    }
    return 1;
}

/* How far a stored path length may fall below the stored distance. path >= dist holds for
 * exact iterates, but the stored values carry rounding that grows with the updates and the
 * size of W, not with the distance: where W barely moves, W_T - W_0 cancels (n = 4 relu,
 * k = 2, d = 1, trial 14442 of --max-iter 3: dist 2.3562319670306e-05, path 1.25e-12 of it
 * below). Each update rounds W's entries by eps/2 of their size, so the error of either is at
 * most about eps (updates + 1) ||W||; ||W|| <= ||W_0|| + path, and ||W_0|| <= 6 sqrt(kd) for
 * N(0, 1) entries but for odds below 1e-8. Twice that, plus 1e-12 of the distance (the sums). */
static double path_slack(const ovs_item *it, int method, const ovs_record *r)
{
    const double updates = (double)r->iterations * (method == OVS_METHOD_SGD ? it->n : 1) + 1.0;
    const double w = 6.0 * sqrt((double)it->k * (double)it->d) + r->path_length;
    return 1e-12 * r->dist_from_init + 2.0 * DBL_EPSILON * updates * w;
}

int ovs_record_check(const ovs_plan *p, const ovs_record *r, char *why, size_t len)
{
    ovs_item it;
    if (r->item < 0 || r->item >= p->n_items)
        return bad(why, len, "a trial outside the plan");
    ovs_plan_item(p, r->item, &it);
    const int method = p->groups[it.g].method, max_it = method == OVS_METHOD_RF ? 0 : p->cfg->max_iter;
    const int hit_tol = r->ladder_hit[p->n_ladder - 1] >= 0;
    if (!ovs_plan_cell_planned(p, it.g, it.ki, it.di))
        return bad(why, len, "a finished trial in a cell outside the sweep (--kd-band, --shard)");
    if ((r->success | r->diverged | r->early_stopped) & ~1)
        return bad(why, len, "a flag that is neither 0 nor 1");
    if (r->iterations < 0 || r->iterations > max_it)
        return bad(why, len, "an iteration count outside 0..max_iter");
    if (!ladder_ok(p, r))
        return bad(why, len, "first hits of the tolerance ladder out of order");
    if (r->success != hit_tol || (r->success && (r->diverged || r->early_stopped)))
        return bad(why, len, "a success that disagrees with its ladder or flags");
    if (r->success && !(r->final_rel_err < p->cfg->tol && r->ladder_hit[p->n_ladder - 1] ==
                                                                 r->iterations))
        return bad(why, len, "a success whose error or iteration does not meet tol");
    if (!r->diverged && !(r->final_rel_err >= 0 && isfinite(r->final_rel_err) &&
                          r->dist_from_init >= 0 && isfinite(r->path_length) &&
                          r->path_length >= r->dist_from_init - path_slack(&it, method, r)))
        return bad(why, len, "an error, distance or path length that cannot be");
    return OVS_OK;
}
