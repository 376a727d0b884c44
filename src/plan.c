/* plan.c - items, costs and the run of one item; see plan.h. */
#include "plan.h"

#include "diagnostics.h"
#include "problem.h"
#include "rng.h"
#include "status.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ovs_plan_build(const ovs_config *cfg, ovs_plan *p)
{
    memset(p, 0, sizeof *p);
    for (int i = 0; i < cfg->n_count; i++)
        for (int a = 0; a < cfg->act_count; a++)
            for (int m = 0; m < cfg->method_count; m++) {
                ovs_group *g = &p->groups[p->n_groups++];
                g->n = cfg->n_values[i];
                g->act = cfg->acts[a];
                g->method = cfg->methods[m];
                g->eta = cfg->eta[a];
                if (g->method == OVS_METHOD_GD)
                    snprintf(g->name, sizeof g->name, "n%d_%s", g->n, g->act->name);
                else
                    snprintf(g->name, sizeof g->name, "n%d_%s_%s", g->n, g->act->name,
                             ovs_method_name(g->method));
            }
    p->K = cfg->k_count;
    p->D = cfg->d_count;
    p->T = cfg->trials;
    p->k = cfg->k_values;
    p->d = cfg->d_values;
    p->max_iter = cfg->max_iter;
    p->tol = cfg->tol;
    p->kernel = cfg->kernel;
    p->precision = cfg->precision;
    p->early_fail = cfg->early_fail;
    p->diagnostics = cfg->diagnostics;
    p->data = cfg->data;
    p->kd_band[0] = cfg->kd_band[0];
    p->kd_band[1] = cfg->kd_band[1];
    p->n_ladder = ovs_train_ladder(cfg->tol, p->ladder, OVS_LADDER_MAX);
    p->seed = cfg->seed;
    p->n_items = (int64_t)p->n_groups * p->K * p->D * p->T;
    for (int g = 0; g < p->n_groups; g++)
        for (int ki = 0; ki < p->K; ki++)
            for (int di = 0; di < p->D; di++)
                p->n_planned += ovs_plan_cell_planned(p, g, ki, di) ? p->T : 0;
}

int ovs_plan_cell_planned(const ovs_plan *p, int g, int ki, int di)
{
    return ovs_kd_in_band(p->kd_band, p->groups[g].n, p->k[ki], p->d[di]);
}

void ovs_plan_item(const ovs_plan *p, int64_t item, ovs_item *o)
{
    o->t = (int)(item % p->T);
    item /= p->T;
    o->di = (int)(item % p->D);
    item /= p->D;
    o->ki = (int)(item % p->K);
    o->g = (int)(item / p->K);
    o->n = p->groups[o->g].n;
    o->k = p->k[o->ki];
    o->d = p->d[o->di];
}

/* A failing trial runs the whole budget (method.h). */
double ovs_plan_cost(const ovs_plan *p, int64_t item)
{
    ovs_item it;
    ovs_plan_item(p, item, &it);
    return ovs_method_cost(p->groups[it.g].method, it.n, it.k, it.d, p->max_iter);
}

static const ovs_plan *sort_plan;
static int by_cost_desc(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    double cx = ovs_plan_cost(sort_plan, x), cy = ovs_plan_cost(sort_plan, y);
    if (cx != cy)
        return cx < cy ? 1 : -1;
    return (x > y) - (x < y);
}

int64_t ovs_plan_order(const ovs_plan *p, const uint8_t *done, int64_t *order)
{
    int64_t m = 0;
    for (int64_t i = 0; i < p->n_items; i++) {
        ovs_item it;
        ovs_plan_item(p, i, &it);
        if ((!done || !done[i]) && ovs_plan_cell_planned(p, it.g, it.ki, it.di))
            order[m++] = i;
    }
    sort_plan = p;
    qsort(order, (size_t)m, sizeof *order, by_cost_desc);
    sort_plan = NULL;
    return m;
}

ovs_train_opts ovs_plan_train_opts(const ovs_plan *p, int g)
{
    ovs_train_opts o = {0};
    o.act = p->groups[g].act;
    o.kernel = p->kernel;
    o.precision = p->precision;
    o.early_fail = p->early_fail;
    o.eta = p->groups[g].eta;
    o.max_iter = p->max_iter;
    o.tol = p->tol;
    o.ladder = p->ladder;
    o.n_ladder = p->n_ladder;
    return o;
}

/* The data-only diagnostics (||X||, sigma_min(X * X), lambda(X)) depend on X and the
 * activation, not on k: every k of an (n, d, trial) sees the same X (problem.h). lambda(X) by
 * quadrature costs as much as a whole softplus trial, so each process remembers them per
 * (seed, data model, n, d, trial, activation) in a small direct-mapped table. The values are
 * the same whether remembered or recomputed (a deterministic computation), so results do not
 * depend on which rank ran what. Process-wide state: ovsweep trains one trial at a time. */
#define DIAG_MEMO_SIZE 4096
typedef struct diag_memo {
    int valid, n, d, trial, inputs;
    uint64_t seed;
    double delta;
    const ovs_activation *act;
    double x_norm, kr_sigma_min, nn_lambda;
} diag_memo;
static diag_memo memo[DIAG_MEMO_SIZE];

static diag_memo *memo_slot(const ovs_plan *p, int g, const ovs_problem *prob, int trial)
{
    uint64_t h = ovs_mix64(p->seed ^ ovs_mix64(((uint64_t)prob->n << 40) ^
                                               ((uint64_t)prob->d << 20) ^ (uint64_t)trial));
    h = ovs_mix64(h ^ (uint64_t)(uintptr_t)p->groups[g].act ^ (uint64_t)p->data.inputs);
    return &memo[h % DIAG_MEMO_SIZE];
}

static int memo_matches(const diag_memo *m, const ovs_plan *p, int g, const ovs_problem *prob,
                        int trial)
{
    return m->valid && m->n == prob->n && m->d == prob->d && m->trial == trial &&
           m->seed == p->seed && m->inputs == p->data.inputs && m->delta == p->data.delta &&
           m->act == p->groups[g].act;
}

/* --diagnostics: the theory quantities of this trial's data and initialisation. */
static int diagnose(const ovs_plan *p, int g, const ovs_problem *prob, int trial,
                    ovs_record *rec)
{
    rec->x_norm = rec->kr_sigma_min = rec->nn_lambda = NAN;
    rec->jac_sigma_min = rec->initial_rel_err = NAN;
    if (!p->diagnostics)
        return OVS_OK;
    const ovs_activation *act = p->groups[g].act;
    diag_memo *m = memo_slot(p, g, prob, trial);
    ovs_diagnostics dg;
    int known = memo_matches(m, p, g, prob, trial);
    int rc = known ? ovs_diagnostics_compute_init(prob, act, &dg)
                   : ovs_diagnostics_compute(prob, act, &dg);
    if (rc != OVS_OK)
        return rc;
    if (!known)
        *m = (diag_memo){1, prob->n, prob->d, trial, p->data.inputs, p->seed, p->data.delta,
                         act, dg.x_norm, dg.kr_sigma_min, dg.nn_lambda};
    rec->x_norm = m->x_norm;
    rec->kr_sigma_min = m->kr_sigma_min;
    rec->nn_lambda = m->nn_lambda;
    rec->jac_sigma_min = dg.jac_sigma_min;
    rec->initial_rel_err = dg.initial_rel_err;
    return OVS_OK;
}

int ovs_plan_run_item(const ovs_plan *p, int64_t item, int (*poll)(void *), void *poll_ctx,
                      ovs_record *rec, int *aborted)
{
    ovs_item it;
    ovs_plan_item(p, item, &it);
    ovs_problem prob;
    ovs_train_workspace ws;
    const int method = p->groups[it.g].method;
    memset(&ws, 0, sizeof ws);
    int rc = ovs_problem_alloc(&prob, it.n, it.k, it.d);
    if (rc == OVS_OK && method == OVS_METHOD_GD)
        rc = ovs_train_workspace_alloc(&ws, it.n, it.k, it.d);
    if (rc != OVS_OK) {
        ovs_problem_free(&prob);
        return rc;
    }
    ovs_problem_draw_model(&prob, &p->data, p->seed, it.t);
    memset(rec, 0, sizeof *rec);
    rc = diagnose(p, it.g, &prob, it.t, rec);
    ovs_train_opts o = ovs_plan_train_opts(p, it.g);
    o.poll = poll;
    o.poll_ctx = poll_ctx;
    o.poll_every = method == OVS_METHOD_SGD ? 1 : 16;
    ovs_train_result r;
    if (rc == OVS_OK)
        rc = ovs_method_run(method, &prob, &o, &ws, p->seed, it.t, &r);
    ovs_problem_free(&prob);
    ovs_train_workspace_free(&ws);
    if (rc != OVS_OK)
        return rc;
    rec->item = item;
    rec->iterations = r.iterations;
    rec->success = (int8_t)r.success;
    rec->diverged = (int8_t)r.diverged;
    rec->early_stopped = (int8_t)r.early_stopped;
    rec->final_rel_err = r.final_rel_err;
    rec->dist_from_init = r.dist_from_init;
    rec->path_length = r.path_length;
    for (int j = 0; j < OVS_LADDER_MAX; j++)
        rec->ladder_hit[j] = r.ladder_hit[j];
    *aborted = r.aborted;
    return OVS_OK;
}
