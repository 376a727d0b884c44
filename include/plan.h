/* plan.h - the sweep as a list of trials ("items"), their cost, and their result records.
 *
 * Pure. A sweep has groups (n, activation) x cells (k, d) x trials. Items are numbered
 * group-major: item = ((g * K + ki) * D + di) * T + t, so a trial's number, and hence its
 * place in the file, depends only on its coordinates. Which rank runs an item never changes
 * its result (seeding depends on coordinates only; see problem.h). */
#ifndef OVS_PLAN_H
#define OVS_PLAN_H

#include <stdint.h>

#include "cli.h"
#include "method.h"
#include "train.h"

#define OVS_PROTOCOL_VERSION 1

typedef struct ovs_group {
    int n;
    const ovs_activation *act;
    int method;    /* OVS_METHOD_* (method.h) */
    double eta;
    char name[64]; /* "n100_softplus" for gd, "n100_softplus_rf" for the other methods */
} ovs_group;

typedef struct ovs_plan {
    int n_groups;
    ovs_group groups[OVS_MAX_N * OVS_MAX_ACTS];
    int K, D, T;
    const int *k, *d; /* the config's arrays */
    int max_iter;
    double tol;
    int kernel;
    int precision;
    int early_fail;
    int diagnostics;
    ovs_data_model data;
    double kd_band[2];
    double ladder[OVS_LADDER_MAX];
    int n_ladder;
    uint64_t seed;
    int64_t n_items;   /* every (group, k, d, trial) of the grid: numbers items */
    int64_t n_planned; /* those in the kd band: the trials the sweep runs */
} ovs_plan;

typedef struct ovs_item {
    int g, ki, di, t; /* indices */
    int n, k, d;      /* values */
} ovs_item;

/* The result of one finished trial, as stored and exchanged. */
typedef struct ovs_record {
    int64_t item;
    int32_t iterations;
    int8_t success, diverged, early_stopped;
    double final_rel_err, dist_from_init, path_length, wall_seconds;
    int32_t ladder_hit[OVS_LADDER_MAX];
    /* --diagnostics (diagnostics.h); NaN when off */
    double x_norm, kr_sigma_min, nn_lambda, jac_sigma_min, initial_rel_err;
} ovs_record;

/* Build the plan of cfg. The plan points into cfg (k, d arrays): keep cfg alive. */
void ovs_plan_build(const ovs_config *cfg, ovs_plan *plan);

void ovs_plan_item(const ovs_plan *plan, int64_t item, ovs_item *out);

/* Whether cell (ki, di) of group g is run (inside the kd band). */
int ovs_plan_cell_planned(const ovs_plan *plan, int g, int ki, int di);

/* Estimated cost of an item (arbitrary units ~ flops of a full-budget trial). */
double ovs_plan_cost(const ovs_plan *plan, int64_t item);

/* Planned items not yet done (done[item] == 0; done may be NULL), longest expected first, ties in
 * item order. Writes them to order (capacity plan->n_items) and returns how many. */
int64_t ovs_plan_order(const ovs_plan *plan, const uint8_t *done, int64_t *order);

/* Training options for group g (ladder points into plan). */
ovs_train_opts ovs_plan_train_opts(const ovs_plan *plan, int g);

/* Run one item from scratch: draw its problem, train, fill rec (wall_seconds is left to the
 * caller). poll/poll_ctx as in ovs_train_opts. Returns OVS_OK, OVS_ENOMEM; *aborted is set
 * when the poll hook abandoned the trial (rec is then not valid). */
int ovs_plan_run_item(const ovs_plan *plan, int64_t item, int (*poll)(void *), void *poll_ctx,
                      ovs_record *rec, int *aborted);

#endif
