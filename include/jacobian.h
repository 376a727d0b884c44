/* jacobian.h - the largest eigenvalue of J(W0) J(W0)^T, for the step-size rule
 * --eta ACT=auto:C (eta = C / lambda_max).
 *
 * Pure. J is the n x kd Jacobian of the outputs f(x_i) = sum_j v_j phi(w_j . x_i) with respect
 * to W (row i: (v_j phi'(w_j . x_i) x_i^T)_j, Sec. 6 of the paper), so J^T J is the
 * Gauss-Newton part of the loss's Hessian (eq. 2.1) and GD with a constant step is stable
 * near W0 only for eta < 2 / lambda_max. lambda_max is found by power iteration on J J^T
 * through products with J and J^T (2 n k d multiply-adds each; no n x n matrix), from the
 * labels y as the start vector, until the Rayleigh quotient changes by less than 1e-9 of
 * itself or after 1000 iterations. Deterministic: the result depends only on the problem. */
#ifndef OVS_JACOBIAN_H
#define OVS_JACOBIAN_H

#include "activation.h"
#include "problem.h"

/* lambda_max(J(W) J(W)^T) at W = w (k x d row-major; pass p->w0 for the initialisation) in
 * *lambda, and the iterations used in *iters (may be NULL). Returns OVS_OK, OVS_EINVAL or
 * OVS_ENOMEM. A problem whose J is zero (k = 1 with v = 0, every ReLU unit dead) gives 0. */
int ovs_jacobian_lambda_max(const ovs_problem *p, const ovs_activation *act, const double *w,
                            double *lambda, int *iters);

/* y (n) = J x for x (k x d), and g (k x d) = J^T s for s (n), at W = w: for tests (finite
 * differences) and the power iteration. Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_jacobian_apply(const ovs_problem *p, const ovs_activation *act, const double *w,
                       const double *x, double *y);
int ovs_jacobian_apply_t(const ovs_problem *p, const ovs_activation *act, const double *w,
                         const double *s, double *g);

#endif
