/* method.h - which training method a group runs, and running one trial with it.
 *
 * Pure. Three methods share ovs_train_opts and ovs_train_result:
 *   gd  full-batch gradient descent, the paper's Sec. 4 protocol (train.h); the default;
 *   sgd one uniformly drawn sample per step, eq. (2.9) (sgd.h); max_iter, iterations and the
 *       ladder count epochs of n steps;
 *   rf  random features, Sec. 3 / Theorem 3.2 (rf.h): W = W0 is kept and only the output
 *       layer is fitted, by minimum-norm least squares; iterations = 0.
 * A method is a third coordinate of a group beside n and the activation. */
#ifndef OVS_METHOD_H
#define OVS_METHOD_H

#include <stdint.h>

#include "problem.h"
#include "train.h"

enum { OVS_METHOD_GD = 0, OVS_METHOD_SGD = 1, OVS_METHOD_RF = 2, OVS_METHOD_COUNT = 3 };

const char *ovs_method_name(int method);           /* "gd", "sgd", "rf" */
int ovs_method_find(const char *name);             /* -1 if unknown */
const char *ovs_method_iteration_unit(int method); /* "update", "epoch", "none" */

/* Estimated cost of one trial that runs its whole budget (arbitrary units ~ flops), for
 * scheduling longest-first and the --dry-run estimate. */
double ovs_method_cost(int method, int n, int k, int d, int max_iter);

/* Train problem p (drawn for coordinates (seed, ..., trial)) with method. ws is used by gd
 * only and must then be allocated for p's (n, k, d); sgd seeds its sample stream from
 * (seed, n, k, d, trial). Returns OVS_OK (outcome in *res), OVS_EINVAL or OVS_ENOMEM. */
int ovs_method_run(int method, const ovs_problem *p, const ovs_train_opts *opts,
                   ovs_train_workspace *ws, uint64_t seed, int trial, ovs_train_result *res);

#endif
