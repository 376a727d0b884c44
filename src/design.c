/* design.c - the adaptive design: a grid posterior per row, Thompson-sampled proposals in
 * rounds, the stop rules; see design.h. */
#include "design.h"

#include "rng.h"
#include "status.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

OVS_NAMES_OF(ovs_row_status_names, "row status", "active", "converged", "bracketed",
             "all_succeed", "all_fail", "cells_full", "budget");

#define NG (OVS_DESIGN_MU * OVS_DESIGN_S)
#define S_MIN 0.002
#define S_MAX 1.0
#define MARGIN 0.4 /* mu may lie this far (in log kd/n) beyond the row's cells */

typedef struct row {
    int g, di, status;
    int ncell;           /* the row's planned cells, in order of k */
    int *ki;             /* their k index */
    double *x;           /* their log(k d / n) */
    int32_t *seen_n, *seen_s; /* counts already in the posterior */
    int32_t *proposed;   /* trainings proposed per cell (the next trial index) */
    double mu_lo, mu_step;
    double *lp;          /* log posterior, [mu][s] */
    int32_t trainings;
} row;

struct ovs_design {
    const ovs_plan *p;
    int nrows, round;
    int rule; /* OVS_PROPOSE_* */
    row *rows;
    double s_grid[OVS_DESIGN_S];
    int64_t *group_trainings; /* per group */
    int64_t pending;          /* proposals of the current round (-1: not proposed yet) */
    int64_t *round_items;     /* the current round's proposals */
    int64_t round_cap;
    /* history: per closed round, per group trainings and per row interval */
    int hist_cap;
    int32_t *hist_trainings; /* [round][groups] */
    double *hist_lo, *hist_hi; /* [round][rows] */
};

/* ---- the posterior ---- */

/* log sigma(z) without overflow. */
static double log_sigmoid(double z)
{
    return z >= 0 ? -log1p(exp(-z)) : z - log1p(exp(z));
}

static double mu_at(const row *r, int i)
{
    return r->mu_lo + r->mu_step * i;
}

/* Add n trials with s successes at x to the row's log posterior. */
static void add_counts(const ovs_design *d, row *r, double x, int n, int s)
{
    if (n <= 0)
        return;
    for (int i = 0; i < OVS_DESIGN_MU; i++) {
        const double mu = mu_at(r, i);
        double *lp = r->lp + (size_t)i * OVS_DESIGN_S;
        for (int j = 0; j < OVS_DESIGN_S; j++) {
            const double z = (x - mu) / d->s_grid[j];
            lp[j] += s * log_sigmoid(z) + (n - s) * log_sigmoid(-z);
        }
    }
}

/* Normalised weights of the grid points (into w, NG) and of the mu marginal (into m). */
static void weights(const row *r, double *w, double *m)
{
    double top = -INFINITY, sum = 0;
    for (int i = 0; i < NG; i++)
        top = r->lp[i] > top ? r->lp[i] : top;
    for (int i = 0; i < NG; i++)
        sum += w[i] = exp(r->lp[i] - top);
    for (int i = 0; i < OVS_DESIGN_MU; i++) {
        double mi = 0;
        for (int j = 0; j < OVS_DESIGN_S; j++)
            mi += w[i * OVS_DESIGN_S + j] /= sum;
        m[i] = mi;
    }
}

/* The q-quantile of mu from its marginal m (linear within a grid step). */
static double quantile(const row *r, const double *m, double q)
{
    double c = 0;
    for (int i = 0; i < OVS_DESIGN_MU; i++) {
        if (c + m[i] >= q)
            return mu_at(r, i) - 0.5 * r->mu_step + r->mu_step * (m[i] > 0 ? (q - c) / m[i] : 0);
        c += m[i];
    }
    return mu_at(r, OVS_DESIGN_MU - 1);
}

/* Posterior mass of mu in [a, b] (grid points whose mu lies there). */
static double mass(const row *r, const double *m, double a, double b)
{
    double c = 0;
    for (int i = 0; i < OVS_DESIGN_MU; i++)
        if (mu_at(r, i) >= a && mu_at(r, i) <= b)
            c += m[i];
    return c;
}

/* Whether any training of the row is in its posterior. Until one is, the posterior is the
 * prior (mu uniform over the row's range and margin), whose median and quantiles say where the
 * k range is, not where the boundary is: such a row reports no midpoint, interval or width. */
static int observed(const row *r)
{
    for (int c = 0; c < r->ncell; c++)
        if (r->seen_n[c] > 0)
            return 1;
    return 0;
}

/* ---- construction ---- */

static int row_init(ovs_design *d, row *r, int g, int di)
{
    const ovs_plan *p = d->p;
    const ovs_config *c = p->cfg;
    r->g = g;
    r->di = di;
    r->ki = calloc((size_t)p->K, sizeof *r->ki);
    r->x = calloc((size_t)p->K, sizeof *r->x);
    r->seen_n = calloc((size_t)p->K, sizeof *r->seen_n);
    r->seen_s = calloc((size_t)p->K, sizeof *r->seen_s);
    r->proposed = calloc((size_t)p->K, sizeof *r->proposed);
    r->lp = calloc(NG, sizeof *r->lp);
    if (!r->ki || !r->x || !r->seen_n || !r->seen_s || !r->proposed || !r->lp)
        return OVS_ENOMEM;
    for (int ki = 0; ki < p->K; ki++)
        if (ovs_plan_cell_planned(p, g, ki, di)) {
            r->ki[r->ncell] = ki;
            r->x[r->ncell++] = log((double)c->k_values[ki] * c->d_values[di] / p->groups[g].n);
        }
    /* cells in order of x (k lists may be given in any order) */
    for (int a = 1; a < r->ncell; a++)
        for (int b = a; b > 0 && r->x[b] < r->x[b - 1]; b--) {
            double tx = r->x[b];
            int tk = r->ki[b];
            r->x[b] = r->x[b - 1];
            r->ki[b] = r->ki[b - 1];
            r->x[b - 1] = tx;
            r->ki[b - 1] = tk;
        }
    r->status = r->ncell >= 2 ? OVS_ROW_ACTIVE : OVS_ROW_CELLS_FULL;
    const double lo = r->ncell ? r->x[0] : 0, hi = r->ncell ? r->x[r->ncell - 1] : 0;
    r->mu_lo = lo - MARGIN;
    r->mu_step = (hi - lo + 2 * MARGIN) / (OVS_DESIGN_MU - 1);
    return OVS_OK;
}

static void row_free(row *r)
{
    free(r->ki);
    free(r->x);
    free(r->seen_n);
    free(r->seen_s);
    free(r->proposed);
    free(r->lp);
}

ovs_design *ovs_design_new(const ovs_plan *p)
{
    ovs_design *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    d->p = p;
    d->nrows = p->n_groups * p->D;
    d->pending = -1;
    d->rows = calloc((size_t)d->nrows, sizeof *d->rows);
    d->group_trainings = calloc((size_t)p->n_groups, sizeof *d->group_trainings);
    d->round_cap = p->cfg->batch > 0 ? p->cfg->batch : 1;
    d->round_items = malloc(sizeof *d->round_items * (size_t)d->round_cap);
    int ok = d->rows && d->group_trainings && d->round_items;
    for (int j = 0; j < OVS_DESIGN_S; j++) /* log-uniform */
        d->s_grid[j] = S_MIN * pow(S_MAX / S_MIN, (double)j / (OVS_DESIGN_S - 1));
    for (int i = 0; ok && i < d->nrows; i++)
        ok = row_init(d, &d->rows[i], i / p->D, i % p->D) == OVS_OK;
    if (!ok) {
        ovs_design_free(d);
        return NULL;
    }
    return d;
}

void ovs_design_free(ovs_design *d)
{
    if (!d)
        return;
    for (int i = 0; d->rows && i < d->nrows; i++)
        row_free(&d->rows[i]);
    free(d->rows);
    free(d->group_trainings);
    free(d->round_items);
    free(d->hist_trainings);
    free(d->hist_lo);
    free(d->hist_hi);
    free(d);
}

/* ---- proposals ---- */

/* The nearest cell to mu with a free trial slot (ties: the smaller x); -1 when none. */
static int nearest_free(const ovs_design *d, const row *r, double mu)
{
    int best = -1;
    for (int c = 0; c < r->ncell; c++)
        if (r->proposed[c] < d->p->T &&
            (best < 0 || fabs(r->x[c] - mu) < fabs(r->x[best] - mu)))
            best = c;
    return best;
}

/* Draw one training for row r: a grid point from the posterior, mu jittered within its step,
 * the nearest free cell. Returns the cell, or -1 when the row has none near. */
static int thompson(const ovs_design *d, const row *r, const double *w, ovs_rng *rng)
{
    double u = ovs_rng_uniform(rng), c = 0;
    int i = NG - 1;
    for (int q = 0; q < NG; q++) {
        c += w[q];
        if (c > u) {
            i = q;
            break;
        }
    }
    const double mu = mu_at(r, i / OVS_DESIGN_S) + (ovs_rng_uniform(rng) - 0.5) * r->mu_step;
    return nearest_free(d, r, mu);
}

/* The alternatives the oracle benchmark measures Thompson sampling against: every training
 * at the free cell nearest the posterior median (greedy), or at a free cell drawn uniformly
 * from the row (a random grid). */
static int uniform_free(const ovs_design *d, const row *r, ovs_rng *rng)
{
    int nfree = 0;
    for (int c = 0; c < r->ncell; c++)
        nfree += r->proposed[c] < d->p->T;
    if (nfree == 0)
        return -1;
    int pick = (int)(ovs_rng_uniform(rng) * nfree);
    for (int c = 0; c < r->ncell; c++)
        if (r->proposed[c] < d->p->T && pick-- == 0)
            return c;
    return -1;
}

static int propose_one(const ovs_design *d, const row *r, const double *w, const double *m,
                       ovs_rng *rng)
{
    switch (d->rule) {
    case OVS_PROPOSE_MEDIAN:
        return nearest_free(d, r, quantile(r, m, 0.5));
    case OVS_PROPOSE_UNIFORM:
        return uniform_free(d, r, rng);
    default:
        return thompson(d, r, w, rng);
    }
}

void ovs_design_set_rule(ovs_design *d, int rule)
{
    d->rule = rule;
}

/* How many of the batch each active row gets this round: equal shares, the remainder to the
 * rows next in turn (the turn moves on every round). */
static int share_of(const ovs_design *d, int pos, int nactive, int64_t batch)
{
    const int64_t base = batch / nactive, extra = batch % nactive;
    const int turn = (int)(((int64_t)d->round * extra) % nactive);
    return (int)base + (((pos - turn + nactive) % nactive) < extra ? 1 : 0);
}

int64_t ovs_design_propose(ovs_design *d, int64_t *items, int64_t cap)
{
    const ovs_plan *p = d->p;
    if (d->pending < 0) {
        int nactive = 0;
        for (int i = 0; i < d->nrows; i++)
            nactive += d->rows[i].status == OVS_ROW_ACTIVE;
        double *w = malloc(sizeof *w * NG), *m = malloc(sizeof *m * OVS_DESIGN_MU);
        int64_t n = 0;
        for (int i = 0, pos = 0; w && m && i < d->nrows; i++) {
            row *r = &d->rows[i];
            if (r->status != OVS_ROW_ACTIVE)
                continue;
            int want = share_of(d, pos++, nactive, d->round_cap);
            const int64_t left = p->cfg->max_trainings > 0
                                     ? p->cfg->max_trainings - d->group_trainings[r->g]
                                     : INT64_MAX;
            want = want < left ? want : (int)(left > 0 ? left : 0);
            weights(r, w, m);
            for (int k = 0; k < want && n < d->round_cap; k++) {
                ovs_rng rng;
                const int64_t coords[] = {d->round, r->g, r->di, k};
                ovs_rng_for_tuple(&rng, p->cfg->seed, OVS_STREAM_DESIGN, coords, 4);
                const int c = propose_one(d, r, w, m, &rng);
                if (c < 0)
                    break;
                const int64_t cell = ((int64_t)r->g * p->K + r->ki[c]) * p->D + r->di;
                d->round_items[n++] = cell * p->T + r->proposed[c]++;
                r->trainings++;
                d->group_trainings[r->g]++;
            }
        }
        free(w);
        free(m);
        d->pending = n;
    }
    const int64_t n = d->pending < cap ? d->pending : cap;
    memcpy(items, d->round_items, sizeof *items * (size_t)n);
    return n;
}

/* ---- closing a round ---- */

/* The row's stop rules, once its posterior holds the round's results. */
/* A row without a transition inside --k: the posterior's tail there is the prior's margin,
 * not data, so its interval says only on which side of the row the 50% point lies. Returns
 * whether the row is such a row (and then sets lo, hi). */
static int one_sided(const row *r, double *lo, double *hi)
{
    if (r->status != OVS_ROW_ALL_FAIL && r->status != OVS_ROW_ALL_SUCCEED)
        return 0;
    const int fail = r->status == OVS_ROW_ALL_FAIL;
    *lo = fail ? exp(r->x[r->ncell - 1]) : 0.0;
    *hi = fail ? INFINITY : exp(r->x[0]);
    return 1;
}

static int stop_rule(const ovs_design *d, const row *r, const double *m)
{
    const ovs_config *c = d->p->cfg;
    const double lo = exp(quantile(r, m, 0.025)), hi = exp(quantile(r, m, 0.975));
    /* no transition inside --k first: a posterior pressed into the prior's margin beyond the
     * row can be narrow in kd/n (at small kd/n) without saying anything about a midpoint */
    if (mass(r, m, -INFINITY, r->x[0]) >= 0.95)
        return OVS_ROW_ALL_SUCCEED;
    if (mass(r, m, r->x[r->ncell - 1], INFINITY) >= 0.95)
        return OVS_ROW_ALL_FAIL;
    if (0.5 * (hi - lo) <= c->target_ci)
        return OVS_ROW_CONVERGED;
    for (int a = 0; a + 1 < r->ncell; a++)
        if (r->seen_n[a] >= OVS_DESIGN_BRACKET_TRIALS &&
            r->seen_n[a + 1] >= OVS_DESIGN_BRACKET_TRIALS &&
            mass(r, m, r->x[a], r->x[a + 1]) >= 0.95)
            return OVS_ROW_BRACKETED;
    /* the cells on both sides of the median hold --trials trials: nothing left to learn there */
    const double med = quantile(r, m, 0.5);
    int a = 0;
    while (a + 1 < r->ncell - 1 && r->x[a + 1] < med)
        a++;
    if (r->proposed[a] >= d->p->T && r->proposed[a + 1] >= d->p->T)
        return OVS_ROW_CELLS_FULL;
    int full = 1; /* no slot left anywhere: the row could propose nothing more */
    for (int j = 0; j < r->ncell; j++)
        full &= r->proposed[j] >= d->p->T;
    return full ? OVS_ROW_CELLS_FULL : OVS_ROW_ACTIVE;
}

static int grow_history(ovs_design *d)
{
    if (d->round < d->hist_cap)
        return OVS_OK;
    int cap = d->hist_cap ? 2 * d->hist_cap : 32;
    int32_t *t = realloc(d->hist_trainings, sizeof *t * (size_t)cap * (size_t)d->p->n_groups);
    if (t)
        d->hist_trainings = t;
    double *lo = realloc(d->hist_lo, sizeof *lo * (size_t)cap * (size_t)d->nrows);
    if (lo)
        d->hist_lo = lo;
    double *hi = realloc(d->hist_hi, sizeof *hi * (size_t)cap * (size_t)d->nrows);
    if (hi)
        d->hist_hi = hi;
    if (!t || !lo || !hi)
        return OVS_ENOMEM;
    d->hist_cap = cap;
    return OVS_OK;
}

int ovs_design_close_round(ovs_design *d, const int32_t *succ, const int32_t *done)
{
    const ovs_plan *p = d->p;
    if (d->pending == 0 && ovs_design_finished(d))
        return OVS_OK; /* nothing was proposed: a finished design has no more rounds */
    if (d->pending < 0 || grow_history(d) != OVS_OK)
        return OVS_EINVAL;
    double *w = malloc(sizeof *w * NG), *m = malloc(sizeof *m * OVS_DESIGN_MU);
    int rc = w && m ? OVS_OK : OVS_ENOMEM;
    for (int i = 0; rc == OVS_OK && i < d->nrows; i++) {
        row *r = &d->rows[i];
        for (int c = 0; c < r->ncell; c++) {
            const size_t cell = ((size_t)r->g * p->K + r->ki[c]) * p->D + r->di;
            if (done[cell] < r->proposed[c] || succ[cell] < r->seen_s[c]) {
                rc = OVS_EINVAL; /* the round's trainings are not all counted */
                break;
            }
            add_counts(d, r, r->x[c], done[cell] - r->seen_n[c], succ[cell] - r->seen_s[c]);
            r->seen_n[c] = done[cell];
            r->seen_s[c] = succ[cell];
        }
        weights(r, w, m);
        if (r->status == OVS_ROW_ACTIVE)
            r->status = stop_rule(d, r, m);
        if (r->status == OVS_ROW_ACTIVE && p->cfg->max_trainings > 0 &&
            d->group_trainings[r->g] >= p->cfg->max_trainings)
            r->status = OVS_ROW_BUDGET;
        double lo = observed(r) ? exp(quantile(r, m, 0.025)) : NAN;
        double hi = observed(r) ? exp(quantile(r, m, 0.975)) : NAN;
        one_sided(r, &lo, &hi);
        d->hist_lo[(size_t)d->round * d->nrows + i] = lo;
        d->hist_hi[(size_t)d->round * d->nrows + i] = hi;
    }
    for (int g = 0; rc == OVS_OK && g < p->n_groups; g++)
        d->hist_trainings[(size_t)d->round * p->n_groups + g] = (int32_t)d->group_trainings[g];
    free(w);
    free(m);
    if (rc == OVS_OK) {
        d->round++;
        d->pending = -1;
    }
    return rc;
}

/* ---- replay ---- */

int64_t ovs_design_replay(ovs_design *d, const uint8_t *done, const uint8_t *success,
                          int64_t *queue)
{
    const ovs_plan *p = d->p;
    const size_t cells = (size_t)p->n_groups * p->K * p->D;
    int32_t *sc = calloc(cells, sizeof *sc), *td = calloc(cells, sizeof *td);
    int64_t n = 0;
    if (!sc || !td) {
        free(sc);
        free(td);
        return -1;
    }
    for (;;) {
        const int64_t m = ovs_design_propose(d, queue, d->round_cap);
        int all = 1;
        for (int64_t i = 0; i < m; i++)
            all &= done[queue[i]] != 0;
        if (m == 0 || !all) {
            for (int64_t i = 0; i < m; i++)
                if (!done[queue[i]])
                    queue[n++] = queue[i];
            break;
        }
        for (int64_t i = 0; i < m; i++) { /* the round's results, as the counts of its end */
            td[queue[i] / p->T]++;
            sc[queue[i] / p->T] += success[queue[i]];
        }
        if (ovs_design_close_round(d, sc, td) != OVS_OK) {
            n = -1;
            break;
        }
    }
    free(sc);
    free(td);
    return n;
}

/* ---- reading the state ---- */

int ovs_design_round(const ovs_design *d)
{
    return d->round;
}

int ovs_design_finished(const ovs_design *d)
{
    for (int i = 0; i < d->nrows; i++)
        if (d->rows[i].status == OVS_ROW_ACTIVE)
            return 0;
    return 1;
}

int ovs_design_rows_active(const ovs_design *d, int g)
{
    int n = 0;
    for (int di = 0; di < d->p->D; di++)
        n += d->rows[g * d->p->D + di].status == OVS_ROW_ACTIVE;
    return n;
}

int64_t ovs_design_proposed(const ovs_design *d)
{
    int64_t n = 0;
    for (int g = 0; g < d->p->n_groups; g++)
        n += d->group_trainings[g];
    return n;
}

void ovs_design_row(const ovs_design *d, int g, int di, ovs_row_summary *out)
{
    const row *r = &d->rows[g * d->p->D + di];
    *out = (ovs_row_summary){NAN, NAN, NAN, NAN, r->trainings, r->status};
    double *w = malloc(sizeof *w * NG), *m = malloc(sizeof *m * OVS_DESIGN_MU);
    if (w && m && observed(r)) {
        weights(r, w, m);
        out->midpoint = exp(quantile(r, m, 0.5));
        out->ci_low = exp(quantile(r, m, 0.025));
        out->ci_high = exp(quantile(r, m, 0.975));
        double mu = 0, s = 0;
        for (int i = 0; i < NG; i++) {
            mu += w[i] * mu_at(r, i / OVS_DESIGN_S);
            s += w[i] * d->s_grid[i % OVS_DESIGN_S];
        }
        out->width = exp(mu + s * log(9.0)) - exp(mu - s * log(9.0));
    }
    if (one_sided(r, &out->ci_low, &out->ci_high))
        out->midpoint = out->width = NAN;
    free(w);
    free(m);
}

int ovs_design_cell_visited(const ovs_design *d, int g, int ki, int di)
{
    const row *r = &d->rows[g * d->p->D + di];
    for (int c = 0; c < r->ncell; c++)
        if (r->ki[c] == ki)
            return r->proposed[c] > 0;
    return 0;
}

int32_t ovs_design_history_trainings(const ovs_design *d, int g, int r)
{
    return d->hist_trainings[(size_t)r * d->p->n_groups + g];
}

void ovs_design_history_ci(const ovs_design *d, int g, int r, int di, double *lo, double *hi)
{
    const size_t at = (size_t)r * d->nrows + (size_t)g * d->p->D + di;
    *lo = d->hist_lo[at];
    *hi = d->hist_hi[at];
}
