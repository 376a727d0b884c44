/* method.h - the training methods and the one place that picks the code for a trial from
 * (method, precision).
 *
 * Pure. Three methods share the protocol (protocol.h) and its result:
 *   gd  full-batch gradient descent, the paper's Sec. 4 protocol (train.h); the default;
 *   sgd one uniformly drawn sample per step, eq. (2.9) (sgd.h); max_iter, iterations and the
 *       ladder count epochs of n steps; always float64, no early_fail;
 *   rf  random features, Sec. 3 / Theorem 3.2 (rf.h): W = W0 is kept and only the output
 *       layer is fitted, by minimum-norm least squares; iterations = 0.
 * A method is a third coordinate of a group beside n and the activation. */
#ifndef OVS_METHOD_H
#define OVS_METHOD_H

#include <stdint.h>

#include "activation.h"
#include "names.h"
#include "problem.h"
#include "protocol.h"

enum { OVS_METHOD_GD = 0, OVS_METHOD_SGD = 1, OVS_METHOD_RF = 2, OVS_METHOD_COUNT = 3 };
extern const ovs_names ovs_method_names; /* "gd", "sgd", "rf" */

/* Arithmetic of a trial: float64, the only one. The opt-in float32 gd loop (--precision
 * single) was removed once the float64 kernels outran it (docs/BENCHMARKS.md); the setting
 * stays so that a file written with it is refused on resume instead of being continued in
 * another precision. */
enum { OVS_PRECISION_DOUBLE = 0 };
extern const ovs_names ovs_precision_names; /* "double" */

const char *ovs_method_iteration_unit(int method); /* "update", "epoch", "none" */

/* Estimated cost of one trial that runs its whole budget (arbitrary units ~ flops), for
 * scheduling longest-first and the --dry-run estimate. */
double ovs_method_cost(int method, int n, int k, int d, int max_iter);

/* Everything that picks and configures the code of one trial. */
typedef struct ovs_method_spec {
    int method;    /* OVS_METHOD_* */
    int precision; /* OVS_PRECISION_* */
    int kernel;    /* OVS_KERNEL_* (train.h): gd float64 only */
    const ovs_activation *act;
    double eta;    /* gd, sgd */
    uint64_t seed; /* sgd: its sample stream is seeded from (seed, n, k, d, trial) */
    int trial;
} ovs_method_spec;

/* Train problem p (drawn for the spec's coordinates) under the protocol; early_fail is
 * applied to gd only. Returns OVS_OK (outcome in *res), OVS_EINVAL or OVS_ENOMEM. */
int ovs_method_run(const ovs_method_spec *m, const ovs_problem *p, const ovs_protocol *proto,
                   ovs_result *res);

/* count (1..OVS_LOCKSTEP_MAX) trials at once, each as ovs_method_run would train it (the same
 * results, bit for bit): gd trials in lockstep (train.h's ovs_train_run_lockstep: those on the
 * same X read it once per update), one trial of another method alone. Returns OVS_OK,
 * OVS_EINVAL (a count out of range, or several trials not all gd in float64) or OVS_ENOMEM. */
int ovs_method_run_lockstep(int count, const ovs_method_spec *m, const ovs_problem *p,
                            const ovs_protocol *proto, ovs_result *res);

#endif
