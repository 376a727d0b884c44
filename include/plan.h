/* plan.h - the sweep as a list of trials ("items"), their cost and their order.
 *
 * Pure, and free of hidden state: everything is in the plan, which points to the
 * configuration it was built from (keep the config alive). A sweep has groups
 * (n, activation, method) x cells (k, d) x trials. Items are numbered group-major:
 * item = ((g * K + ki) * D + di) * T + t, so a trial's number, and hence its place in the
 * file, depends only on its coordinates. Which rank runs an item never changes its result
 * (seeding depends on coordinates only; see problem.h). */
#ifndef OVS_PLAN_H
#define OVS_PLAN_H

#include <stdint.h>

#include "config.h"
#include "names.h"
#include "protocol.h"

#define OVS_PROTOCOL_VERSION 1

/* Which trials a sweep runs (--design): every trial of every planned cell, or the rounds of
 * the adaptive design (design.h). */
enum { OVS_DESIGN_GRID = 0, OVS_DESIGN_ADAPTIVE = 1 };
extern const ovs_names ovs_design_names; /* "grid", "adaptive" */

typedef struct ovs_group {
    int n;
    const ovs_activation *act;
    int method;    /* OVS_METHOD_* (method.h) */
    double eta;      /* NaN under the auto rule */
    double eta_auto; /* C of --eta ACT=auto:C, or 0 for the fixed eta */
    int lambda_method; /* how the auto rule finds lambda_max (OVS_LAMBDA_*, jacobian.h) */
    char name[64]; /* "n100_softplus" for gd, "n100_softplus_rf" for the other methods */
} ovs_group;

typedef struct ovs_plan {
    const ovs_config *cfg;
    int n_groups;
    ovs_group *groups; /* n_groups, allocated to size */
    int K, D, T;       /* cfg's k_count, d_count, trials */
    double ladder[OVS_LADDER_MAX];
    int n_ladder;
    int64_t n_items;   /* every (group, k, d, trial) of the grid: numbers items */
    int64_t n_planned; /* those in the kd band (and the part): the trials the sweep runs */
    int *cell_part; /* --shard I/N, N > 1: each cell's part 1..N, at (g * K + ki) * D + di;
                       NULL for a whole sweep */
} ovs_plan;

typedef struct ovs_item {
    int g, ki, di, t; /* indices */
    int n, k, d;      /* values */
} ovs_item;

/* Build the plan of cfg. Returns OVS_OK or OVS_ENOMEM; free with ovs_plan_free. */
int ovs_plan_build(const ovs_config *cfg, ovs_plan *plan);
void ovs_plan_free(ovs_plan *plan);

void ovs_plan_item(const ovs_plan *plan, int64_t item, ovs_item *out);

/* Whether cell (ki, di) of group g is run (inside the kd band, and in the part of --shard:
 * the cells of the band, longest expected first, each to the part with the least cost so far,
 * so that each part's cost is about 1/N of the sweep's, and which part a cell falls in
 * depends on the plan alone, never on the run). */
int ovs_plan_cell_planned(const ovs_plan *plan, int g, int ki, int di);

/* Estimated cost of an item (arbitrary units ~ flops of a full-budget trial). */
double ovs_plan_cost(const ovs_plan *plan, int64_t item);

/* Planned items not yet done (done[item] == 0; done may be NULL), longest expected first, ties in
 * item order. Writes them to order (capacity plan->n_items) and returns how many, or -1 when
 * out of memory. */
int64_t ovs_plan_order(const ovs_plan *plan, const uint8_t *done, int64_t *order);

/* The summed cost of at most cap items of each group among items[0..n), taken in the
 * order given (longest first in a queue): --max-trainings' upper bound on an adaptive run. */
double ovs_plan_capped_cost(const ovs_plan *plan, const int64_t *items, int64_t n, long cap);

/* Sort items[0..n) longest expected first, ties in item order (the queue's order). OVS_OK or
 * OVS_ENOMEM (items unchanged). */
int ovs_plan_sort_by_cost(const ovs_plan *plan, int64_t *items, int64_t n);

/* The protocol of the plan's trials (no poll hook; the ladder points into plan). */
ovs_protocol ovs_plan_protocol(const ovs_plan *plan);

#endif
