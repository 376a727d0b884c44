/* cli.h - command line -> ovs_config: the option table, defaults, strict parsing, --help.
 *
 * Pure: no MPI, no HDF5. Errors are reported as one line written into a caller's buffer;
 * main.c prints it (on rank 0) and exits with status 2 on every rank. */
#ifndef OVS_CLI_H
#define OVS_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "activation.h"
#include "method.h"
#include "problem.h"

#define OVS_MAX_GRID 1024  /* most values in --k or --d */
#define OVS_MAX_N 64       /* most values in --n */
#define OVS_MAX_ACTS 16    /* most values in --act */
#define OVS_MAX_TRIALS 100000
#define OVS_PATH_MAX 4096
#define OVS_ERR_MAX (2 * OVS_PATH_MAX + 512)
/* The largest n, k, d accepted; with the memory checks in ovs_cli_check_limits. */
#define OVS_MAX_DIM 100000

typedef struct ovs_config {
    char output[OVS_PATH_MAX];
    int n_values[OVS_MAX_N];
    int n_count;
    const ovs_activation *acts[OVS_MAX_ACTS];
    double eta[OVS_MAX_ACTS]; /* eta of acts[i] */
    int act_count;
    int k_values[OVS_MAX_GRID];
    int k_count;
    int d_values[OVS_MAX_GRID];
    int d_count;
    int methods[OVS_METHOD_COUNT]; /* OVS_METHOD_* (method.h), in the order given */
    int method_count;
    ovs_data_model data;     /* --data, --delta, --labels (problem.h) */
    int diagnostics;         /* store theory diagnostics per trial (diagnostics.h) */
    double kd_band[2];       /* run only cells with kd_band[0] <= kd/n <= kd_band[1] */
    int trials;
    uint64_t seed;
    int max_iter;
    double tol;
    int kernel;              /* OVS_KERNEL_* (train.h) */
    int precision;           /* OVS_PRECISION_* (train.h): opt-in float32 */
    int early_fail;          /* opt-in early stop of hopeless trials (train.h) */
    double checkpoint_every; /* seconds between checkpoints */
    int resume, force, dry_run, quiet, help, version;
    long fail_after_trials; /* testing hook: a worker kills itself after N trials; 0 = off */
    char *command_line;     /* argv joined, owned; free with ovs_cli_free */
} ovs_config;

/* Whether cell (k, d) of group size n lies in the kd/n band (--kd-band). */
static inline int ovs_kd_in_band(const double band[2], int n, int k, int d)
{
    double r = (double)k * (double)d / (double)n;
    return r >= band[0] && r <= band[1];
}

/* Parse argv into cfg (defaults = the paper's protocol). Returns OVS_OK, or OVS_EINVAL with
 * a one-line message "--flag: problem" in err. Safe to call repeatedly (resets getopt). */
int ovs_cli_parse(int argc, char **argv, ovs_config *cfg, char *err, size_t errlen);
void ovs_cli_free(ovs_config *cfg);

/* Write the --help text (generated from the option table) to out. */
void ovs_cli_usage(FILE *out);

/* Parse a list/range "a:b", "a:b:step", "x,y,z" or mixes like "1:5,10,20:25:5" of positive
 * integers <= max_value into out (at most max_count values, no duplicates, not empty). */
int ovs_cli_parse_int_list(const char *s, int max_value, int *out, int max_count, int *count,
                           char *err, size_t errlen);

#endif
