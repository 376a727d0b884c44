/* config.h - the resolved configuration of one ovsweep run: what the command line (or, on
 * resume, the file) asked for, with every default applied.
 *
 * Pure. Every field is one row of the settings table (settings.h), which gives its flag,
 * default, bounds, help, file attribute and resume rule; the plan (plan.h) points to a config
 * instead of copying it. Lists hold at most the capacities below, checked when parsed. */
#ifndef OVS_CONFIG_H
#define OVS_CONFIG_H

#include <stdint.h>

#include "activation.h"
#include "method.h"
#include "problem.h"

#define OVS_MAX_GRID 1024 /* most values in --k or --d */
#define OVS_MAX_N 64      /* most values in --n */
#define OVS_MAX_ACTS 16   /* most values in --act (more than there are activations) */
#define OVS_MAX_TRIALS 100000
#define OVS_PATH_MAX 4096
#define OVS_ERR_MAX (2 * OVS_PATH_MAX + 512)
/* The largest n, k, d accepted; with the memory checks of the command line. */
#define OVS_MAX_DIM 100000

typedef struct ovs_config {
    char output[OVS_PATH_MAX];
    int n_values[OVS_MAX_N];
    int n_count;
    int acts[OVS_MAX_ACTS]; /* indices into the activation table (activation.h) */
    int act_count;
    double eta[OVS_MAX_ACTS]; /* eta of acts[i]; NaN under the auto rule */
    /* --eta ACT=auto[:C]: C > 0 gives acts[i] the step eta = C / lambda_max(J(W0) J(W0)^T)
     * per trial (jacobian.h); 0 keeps the fixed eta[i]. */
    double eta_auto[OVS_MAX_ACTS];
    int lambda_method; /* --lambda: how the auto rule finds lambda_max (OVS_LAMBDA_*, jacobian.h) */
    int k_values[OVS_MAX_GRID];
    int k_count;
    int d_values[OVS_MAX_GRID];
    int d_count;
    int methods[OVS_METHOD_COUNT]; /* OVS_METHOD_* (method.h), in the order given */
    int method_count;
    ovs_data_model data; /* --data, --delta (NaN unless --data worst), --labels */
    int diagnostics;     /* store theory diagnostics per trial (diagnostics.h) */
    double kd_band[2];   /* run only cells with kd_band[0] <= kd/n <= kd_band[1] */
    int shard[2];        /* --shard I/N: run only the I-th of N parts of the cells (1/1: all) */
    int trials;
    uint64_t seed;
    int max_iter;
    double tol;
    int kernel;     /* OVS_KERNEL_* (train.h) */
    int precision;  /* OVS_PRECISION_* (method.h) */
    int early_fail; /* opt-in early stop of hopeless trials (protocol.h) */
    int design;     /* OVS_DESIGN_* (plan.h): which trials the sweep runs */
    int batch;      /* adaptive: trainings per round */
    double target_ci;   /* adaptive: a row stops when its 95% interval's half-width <= this */
    long max_trainings; /* adaptive: trainings per group at most; 0 = no cap */
    double checkpoint_every; /* seconds between checkpoints */
    int lockstep; /* trials that share X trained at once, at most (train.h); 1: one at a time */
    int resume, force, dry_run, quiet, help, version, print_settings;
    char merge[OVS_PATH_MAX]; /* --merge: the files (comma list of glob patterns); "" = none */
    long fail_after_trials; /* testing hook: a worker kills itself after N trials; 0 = off */
    long crash_after_saved; /* testing hook: every rank dies after the first checkpoint that
                             * holds >= N trials, leaving that file; 0 = off */
    char *command_line;     /* argv joined, owned; free with ovs_cli_free */
} ovs_config;

/* Activation i of the sweep (0 <= i < act_count). */
static inline const ovs_activation *ovs_config_act(const ovs_config *c, int i)
{
    return ovs_activation_at(c->acts[i]);
}

/* How the sweep's trials find lambda_max (OVS_LAMBDA_*, jacobian.h) where an activation takes
 * the step rule --eta ACT=auto, else -1: none does. */
static inline int ovs_config_lambda_use(const ovs_config *c)
{
    for (int i = 0; i < c->act_count; i++)
        if (c->eta_auto[i] > 0)
            return c->lambda_method;
    return -1;
}

/* Whether cell (k, d) of group size n lies in the kd/n band (--kd-band). */
static inline int ovs_kd_in_band(const double band[2], int n, int k, int d)
{
    double r = (double)k * (double)d / (double)n;
    return r >= band[0] && r <= band[1];
}

#endif
