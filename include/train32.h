/* train32.h - the opt-in float32 GD path (--precision single).
 *
 * Pure, reentrant. The protocol and result semantics of ovs_train_run (train.h): the same
 * iteration convention, ladder, success (< tol), divergence (non-finite residual or gradient
 * norm), exact zero-gradient shortcut, early_fail, and poll hook. Differences:
 *   - W, X, the pre-activations, phi, phi', the residuals and both matrix products are float32
 *     (16-lane vectors, smallmm32.h, activation32.h); the inputs drawn in double (x, y, v, W0)
 *     are rounded to float once at the start;
 *   - the norms (||r||, ||g||, ||W_T - W_0||, the path length) are accumulated in double, and
 *     the relative error is ||r|| / ||y_f|| with y_f the rounded labels (so a trial that never
 *     moves reports exactly 1, as in float64);
 *   - o->kernel is validated but not used: there is no BLAS float path;
 *   - activations other than softplus and relu run the table's float64 kernel, rounded.
 * It allocates once per call (one block) and never inside the loop. */
#ifndef OVS_TRAIN32_H
#define OVS_TRAIN32_H

#include "problem.h"
#include "train.h"

/* Returns OVS_OK (the outcome in *res), OVS_EINVAL or OVS_ENOMEM. */
int ovs_train32_run(const ovs_problem *p, const ovs_train_opts *o, ovs_train_result *res);

/* L(W) (eq. 2.1) and, if grad is not NULL, its gradient (k x d) at w, through the float32
 * kernels of the loop (w and the data rounded to float; results widened to double). For tests
 * against ovs_train_loss_grad. Allocates per call. OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_train32_loss_grad(const ovs_problem *p, const ovs_activation *act, const double *w,
                          double *loss, double *grad);

#endif
