/* sgd.h - stochastic gradient descent (paper Sec. 2.3, eq. 2.9) for one trial of
 * f(x; W) = v^T phi(W x), the alternative to the full-batch GD of train.h.
 *
 * Pure: no MPI, no HDF5, no output, no exit. ovs_sgd_run allocates its buffers once per call;
 * the step loop allocates nothing. Reentrant: all state is in the arguments.
 *
 * Protocol. Each step draws one sample index g uniformly from {0, ..., n-1} and applies
 *     W <- W + eta (y_g - f(x_g; W)) grad_W f(x_g; W),  grad_W f(x; W) = (v o phi'(W x)) x^T,
 * i.e. a gradient step of eta on 1/2 (f(x_g; W) - y_g)^2 (eq. 2.9; v stays fixed).
 * Everything else is the shared protocol (protocol.h), with the budget counted in EPOCHS of
 * n steps:
 *   - the relative error ||f(W) - y|| / ||y|| over all n samples is evaluated before the first
 *     epoch and after every epoch; the trial stops with success as soon as it is < tol;
 *   - `iterations` = complete epochs applied (at most max_iter), so success at
 *     iterations = t means the error after t epochs (t n steps) was < tol; ladder_hit[j]
 *     is counted in epochs too;
 *   - diverged: a per-step residual f(x_g) - y_g, a step, or an epoch's error that is not
 *     finite stops the trial at once, mid-epoch if need be (a non-finite step is not
 *     applied; final_rel_err is then re-evaluated at the W reached, and may be finite but
 *     huge when only the step overflowed);
 *   - poll is called every poll_every EPOCHS (when non-NULL); non-zero sets aborted;
 *   - dist_from_init = ||W_T - W_0||_F; path_length = sum over steps of ||W_{t+1} - W_t||_F;
 *   - sgd always runs in float64, and early_fail does not apply (proto->early_fail must be 0;
 *     early_stopped is always 0).
 * With the same eta, one epoch moves W about as far as one GD update (the GD loss sums the
 * n per-sample losses), so epoch budgets compare with GD iteration budgets.
 *
 * Sample stream: the indices come from ovs_rng_for_tuple(seed, OVS_STREAM_SGD,
 * {n, k, d, trial}) and ovs_rng_below(n), so a trial's path depends only on its coordinates,
 * never on which rank runs it or in what order. */
#ifndef OVS_SGD_H
#define OVS_SGD_H

#include "activation.h"
#include "problem.h"
#include "protocol.h"

#include <stdint.h>

/* Run SGD on p from p->w0 with activation act and step size eta under the protocol
 * (max_iter in epochs, tol, ladder, poll), the sample stream seeded by (seed, trial). Returns
 * OVS_OK (the outcome is in *res), OVS_EINVAL for inconsistent arguments or OVS_ENOMEM. */
int ovs_sgd_run(const ovs_problem *p, const ovs_activation *act, double eta,
                const ovs_protocol *proto, uint64_t seed, int trial, ovs_result *res);

/* One step of eq. 2.9 on the sample (x (d), y) with output weights v (k) and step size eta,
 * through the same code as ovs_sgd_run: w (k x d row-major) is updated in place; *residual
 * (if not NULL) gets f(x; W) - y at the old W and *step_norm (if not NULL)
 * ||W_new - W_old||_F. If the residual or the step is not finite, w is left unchanged.
 * Allocates (it is for tests). Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_sgd_step(int k, int d, const ovs_activation *act, const double *v, const double *x,
                 double y, double eta, double *w, double *residual, double *step_norm);

#endif
