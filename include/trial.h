/* trial.h - one trial of a plan from scratch: draw its problem, compute its diagnostics,
 * train it with its group's method, and fill the record that is stored and exchanged.
 *
 * Pure. The data-only diagnostics (||X||, sigma_min(X * X), lambda(X)) depend on X and the
 * activation, not on k: every k of an (n, d, trial) sees the same X (problem.h), and
 * lambda(X) by quadrature costs as much as a whole softplus trial. A caller that runs many
 * trials keeps them in a diagnostics cache it owns; the values are the same whether
 * remembered or recomputed (a deterministic computation), so results never depend on which
 * rank ran what. */
#ifndef OVS_TRIAL_H
#define OVS_TRIAL_H

#include <stddef.h>
#include <stdint.h>

#include "plan.h"

/* The result of one finished trial, as stored and exchanged. */
typedef struct ovs_record {
    int64_t item;
    int32_t iterations;
    int8_t success, diverged, early_stopped;
    double final_rel_err, dist_from_init, path_length, wall_seconds;
    int32_t ladder_hit[OVS_LADDER_MAX];
    /* --diagnostics (diagnostics.h); NaN when off */
    double x_norm, kr_sigma_min, nn_lambda, jac_sigma_min, initial_rel_err;
    /* the step size used, and lambda_max(J(W0) J(W0)^T) under --eta ACT=auto (else NaN) with
     * the products with J J^T that found it (jacobian.h; 0 where not recorded: files written
     * before round 45) */
    double eta, lambda_max;
    int32_t lambda_products;
} ovs_record;

/* Where a reader of stored records puts them: called with a block of them, in item order;
 * returns OVS_OK, or OVS_ENOMEM to stop the reading. A reading that fails may have passed
 * some blocks already. */
typedef int (*ovs_record_sink)(void *ctx, const ovs_record *recs, size_t n);

/* Whether rec can be the record of a finished trial of plan (used on records read back from
 * a file): its cell is planned; flags are 0 or 1; 0 <= iterations <= max_iter (0 for rf);
 * success exactly when the last rung (tol) was hit, at the last iteration, with an error below
 * tol and no divergence; the first hits of the ladder's rungs in order; a finite error,
 * distance and path (path >= distance) unless diverged. Returns OVS_OK, or OVS_EFORMAT with
 * what is wrong in why. */
int ovs_record_check(const ovs_plan *plan, const ovs_record *rec, char *why, size_t len);

/* Remembered data-only diagnostics, keyed by (seed, data model, n, d, trial, activation). */
typedef struct ovs_diag_cache ovs_diag_cache;
ovs_diag_cache *ovs_diag_cache_new(void); /* NULL when out of memory */
void ovs_diag_cache_free(ovs_diag_cache *cache);

/* Run item of plan from scratch and fill rec (wall_seconds is left to the caller). cache may
 * be NULL (nothing remembered). poll/poll_ctx as in ovs_protocol (called every 16 updates,
 * sgd: every epoch). Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM; *aborted is set when the poll
 * hook abandoned the trial (rec is then not valid). */
int ovs_trial_run(const ovs_plan *plan, int64_t item, ovs_diag_cache *cache,
                  int (*poll)(void *), void *poll_ctx, ovs_record *rec, int *aborted);

/* The same for count items at once (1..OVS_LOCKSTEP_MAX of train.h): gd trials in lockstep
 * (method.h's ovs_method_run_lockstep), each record as ovs_trial_run fills it, bit for bit;
 * aborted[j] is set for each trial the poll hook abandoned (the others' records are valid).
 * Several items must all be gd in float64 (ovs_trial_lockstep_pays), else OVS_EINVAL. */
int ovs_trial_run_lockstep(const ovs_plan *plan, const int64_t *items, int count,
                           ovs_diag_cache *cache, int (*poll)(void *), void *poll_ctx,
                           ovs_record *recs, int *aborted);

/* Whether items a and b train on the same X (the same n, d and trial) by gd with the fused
 * kernel reading X in the same panels, where training them in lockstep pays (each panel read
 * once per update serves all their forward passes and one stacked gradient): both of a shape
 * that ovs_trial_lockstep_shape takes. */
int ovs_trial_lockstep_pays(const ovs_plan *plan, int64_t a, int64_t b);
/* Whether a trial of (n, k, d) has a shape where lockstep pays, by the shape alone (the CPU's
 * plan aside): X read in panels (forward.h's panel width), and k <= 64 where X has 20 MiB or
 * more (it streams from memory at every update), else k <= 24. docs/BENCHMARKS.md rounds
 * 41-42: with the stacked gradient 0.65-0.97 of the time alone from (800, 5-6, 80) (0.99) to
 * (6400, 40-48, 640) (0.86); at k = 40-64 with d <= 160, and below X of 20 MiB, 1.00-1.05. */
int ovs_trial_lockstep_shape(int n, int k, int d);
#define OVS_LOCKSTEP_X_BYTES (20.0 * 1024 * 1024)
#define OVS_LOCKSTEP_K_MAX 64
#define OVS_LOCKSTEP_K_MAX_CACHED 24
/* The most bytes a group's trials may hold together (the lead's ovs_trial_bytes and its
 * partners' ovs_trial_partner_bytes): a group never takes a rank past about 1 GiB for
 * lockstep's sake; where one trial alone needs more, it trains alone. */
#define OVS_LOCKSTEP_BYTES_MAX (1024.0 * 1024 * 1024)

/* Bytes one trial of (n, k, d) holds while it trains: X twice (the problem's and the
 * trainer's copy, its panels or X transposed: train_workspace.h; a third copy only where
 * the fused pass reads panels and the step X whole, which the plan allows only for X of at
 * most 2 L2: train_plan.c), two n x k arrays, W and its kin, vectors of n, and with
 * diagnostics the n x n matrices, with lambda_method >= 0 (ovs_config_lambda_use) the
 * arrays of lambda_max (jacobian.h; both made before the training, and freed). */
double ovs_trial_bytes(double n, double k, double d, int diagnostics, int lambda_method);
/* Bytes of a trial's rows in its lockstep group's stacked gradient (train.c): its lane sums
 * and its gradient, 9 k d doubles, which every trial of a group adds, the lead too. */
double ovs_trial_stack_bytes(double k, double d);
/* Bytes a trial adds to a lockstep group whose lead holds its X: ovs_trial_bytes without
 * either copy of X (it reads the lead's problem and panels) or the diagnostics' matrices
 * (made one trial at a time, before the group trains), with its rows of the stack. */
double ovs_trial_partner_bytes(double n, double k, double d);

#endif
