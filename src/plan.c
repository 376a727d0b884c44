/* plan.c - groups, items, costs and order; see plan.h. */
#include "plan.h"

#include "method.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

OVS_NAMES_OF(ovs_design_names, "design", "grid", "adaptive");

static int deal_parts(ovs_plan *p);

int ovs_plan_build(const ovs_config *cfg, ovs_plan *p)
{
    memset(p, 0, sizeof *p);
    p->cfg = cfg;
    const int n_groups = cfg->n_count * cfg->act_count * cfg->method_count;
    p->groups = calloc((size_t)(n_groups > 0 ? n_groups : 1), sizeof *p->groups);
    if (!p->groups)
        return OVS_ENOMEM;
    for (int i = 0; i < cfg->n_count; i++)
        for (int a = 0; a < cfg->act_count; a++)
            for (int m = 0; m < cfg->method_count; m++) {
                ovs_group *g = &p->groups[p->n_groups++];
                g->n = cfg->n_values[i];
                g->act = ovs_config_act(cfg, a);
                g->method = cfg->methods[m];
                g->eta = cfg->eta[a];
                g->eta_auto = cfg->eta_auto[a];
                g->lambda_method = cfg->lambda_method;
                if (g->method == OVS_METHOD_GD)
                    snprintf(g->name, sizeof g->name, "n%d_%s", g->n, g->act->name);
                else
                    snprintf(g->name, sizeof g->name, "n%d_%s_%s", g->n, g->act->name,
                             ovs_method_names.name(g->method));
            }
    p->K = cfg->k_count;
    p->D = cfg->d_count;
    p->T = cfg->trials;
    p->n_ladder = ovs_protocol_ladder(cfg->tol, p->ladder, OVS_LADDER_MAX);
    p->n_items = (int64_t)p->n_groups * p->K * p->D * p->T;
    if (cfg->shard[1] > 1 && deal_parts(p) != OVS_OK) {
        ovs_plan_free(p);
        return OVS_ENOMEM;
    }
    for (int g = 0; g < p->n_groups; g++)
        for (int ki = 0; ki < p->K; ki++)
            for (int di = 0; di < p->D; di++)
                p->n_planned += ovs_plan_cell_planned(p, g, ki, di) ? p->T : 0;
    return OVS_OK;
}

void ovs_plan_free(ovs_plan *p)
{
    free(p->groups);
    free(p->cell_part);
    p->groups = NULL;
    p->cell_part = NULL;
    p->n_groups = 0;
}

double ovs_plan_capped_cost(const ovs_plan *p, const int64_t *items, int64_t n, long cap)
{
    long *taken = calloc((size_t)p->n_groups, sizeof *taken);
    double cost = 0.0;
    if (!taken)
        return -1.0;
    for (int64_t i = 0; i < n; i++) {
        ovs_item it;
        ovs_plan_item(p, items[i], &it);
        if (taken[it.g] < cap) {
            taken[it.g]++;
            cost += ovs_plan_cost(p, items[i]);
        }
    }
    free(taken);
    return cost;
}

static int in_band(const ovs_plan *p, int g, int ki, int di)
{
    return ovs_kd_in_band(p->cfg->kd_band, p->groups[g].n, p->cfg->k_values[ki],
                          p->cfg->d_values[di]);
}

int ovs_plan_cell_planned(const ovs_plan *p, int g, int ki, int di)
{
    const int64_t cell = ((int64_t)g * p->K + ki) * p->D + di;
    return in_band(p, g, ki, di) && (!p->cell_part || p->cell_part[cell] == p->cfg->shard[0]);
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
    o->k = p->cfg->k_values[o->ki];
    o->d = p->cfg->d_values[o->di];
}

/* A failing trial runs the whole budget (method.h). */
double ovs_plan_cost(const ovs_plan *p, int64_t item)
{
    ovs_item it;
    ovs_plan_item(p, item, &it);
    return ovs_method_cost(p->groups[it.g].method, it.n, it.k, it.d, p->cfg->max_iter);
}

typedef struct costed {
    double cost;
    int64_t item;
} costed;

static int by_cost_desc(const void *a, const void *b)
{
    const costed *x = a, *y = b;
    if (x->cost != y->cost)
        return x->cost < y->cost ? 1 : -1;
    return (x->item > y->item) - (x->item < y->item);
}

int ovs_plan_sort_by_cost(const ovs_plan *p, int64_t *items, int64_t n)
{
    costed *c = malloc(sizeof *c * (size_t)(n > 0 ? n : 1));
    if (!c)
        return OVS_ENOMEM;
    for (int64_t i = 0; i < n; i++)
        c[i] = (costed){ovs_plan_cost(p, items[i]), items[i]};
    qsort(c, (size_t)n, sizeof *c, by_cost_desc);
    for (int64_t i = 0; i < n; i++)
        items[i] = c[i].item;
    free(c);
    return OVS_OK;
}

/* A min-heap of the parts by load, ties to the lower part: LPT's next part. */
typedef struct part_heap {
    double *load;
    int *part; /* heap order */
    int n;
} part_heap;

static int lighter(const part_heap *h, int a, int b)
{
    const double la = h->load[h->part[a]], lb = h->load[h->part[b]];
    return la < lb || (la == lb && h->part[a] < h->part[b]);
}

/* Add cost to the lightest part (the root) and restore the heap; returns that part. */
static int give_lightest(part_heap *h, double cost)
{
    const int chosen = h->part[0];
    h->load[chosen] += cost;
    for (int i = 0;;) {
        int min = i;
        const int l = 2 * i + 1, r = l + 1;
        if (l < h->n && lighter(h, l, min))
            min = l;
        if (r < h->n && lighter(h, r, min))
            min = r;
        if (min == i)
            break;
        const int t = h->part[i];
        h->part[i] = h->part[min];
        h->part[min] = t;
        i = min;
    }
    return chosen;
}

/* --shard: the cells of the band, longest expected first, each to the part with the least
 * cost so far (LPT: the parts' costs within 4/3 of the best split's makespan, and within a
 * cell's cost of each other). A trial's cost is the same for every trial of a cell and does
 * not depend on --trials, so a part keeps its cells when a resume adds trials. Cells outside
 * the band get part 0. */
static int deal_parts(ovs_plan *p)
{
    const int64_t cells = (int64_t)p->n_groups * p->K * p->D;
    const int n = p->cfg->shard[1];
    p->cell_part = calloc((size_t)(cells > 0 ? cells : 1), sizeof *p->cell_part);
    int64_t *first = malloc(sizeof *first * (size_t)(cells > 0 ? cells : 1)), m = 0;
    part_heap h = {calloc((size_t)n, sizeof *h.load), malloc(sizeof *h.part * (size_t)n), n};
    int rc = p->cell_part && first && h.load && h.part ? OVS_OK : OVS_ENOMEM;
    for (int i = 0; rc == OVS_OK && i < n; i++)
        h.part[i] = i; /* all loads 0: in heap order already */
    for (int64_t c = 0; rc == OVS_OK && c < cells; c++)
        if (in_band(p, (int)(c / ((int64_t)p->K * p->D)), (int)(c / p->D % p->K), (int)(c % p->D)))
            first[m++] = c * p->T; /* the cell's first trial */
    if (rc == OVS_OK)
        rc = ovs_plan_sort_by_cost(p, first, m);
    for (int64_t i = 0; rc == OVS_OK && i < m; i++)
        p->cell_part[first[i] / p->T] = 1 + give_lightest(&h, ovs_plan_cost(p, first[i]));
    free(first);
    free(h.load);
    free(h.part);
    return rc;
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
    return ovs_plan_sort_by_cost(p, order, m) == OVS_OK ? m : -1;
}

ovs_protocol ovs_plan_protocol(const ovs_plan *p)
{
    return (ovs_protocol){.max_iter = p->cfg->max_iter, .tol = p->cfg->tol,
                          .ladder = p->ladder, .n_ladder = p->n_ladder,
                          .early_fail = p->cfg->early_fail};
}
