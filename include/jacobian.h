/* jacobian.h - the largest eigenvalue of J(W0) J(W0)^T, for the step-size rule
 * --eta ACT=auto:C (eta = C / lambda_max).
 *
 * Pure. J is the n x kd Jacobian of the outputs f(x_i) = sum_j v_j phi(w_j . x_i) with respect
 * to W (row i: (v_j phi'(w_j . x_i) x_i^T)_j, Sec. 6 of the paper), so J^T J is the
 * Gauss-Newton part of the loss's Hessian (eq. 2.1) and GD with a constant step is stable
 * near W0 only for eta < 2 / lambda_max. lambda_max is found through products with J and J^T
 * (2 n k d multiply-adds each; no n x n matrix), from the labels y as the start vector, by
 * one of two methods:
 * - Lanczos (the default since round 45): a basis of up to 64 vectors of n, fully
 *   reorthogonalised and restarted from its top Ritz vector, until the Ritz pair's residual is
 *   <= 1e-10 of lambda (an eigenvalue of J J^T lies within it; the value's own error is about
 *   its square over the gap), or after 1000 products with J J^T;
 * - power iteration (every file written before round 45): until the Rayleigh quotient changes
 *   by less than 1e-9 of itself, or after 1000 iterations. Where the top of the spectrum is
 *   crowded it needs several hundred iterations and can stop short of lambda_max.
 * Deterministic: the result depends only on the problem, the method and the BLAS kernels. */
#ifndef OVS_JACOBIAN_H
#define OVS_JACOBIAN_H

#include "activation.h"
#include "names.h"
#include "problem.h"

typedef enum { OVS_LAMBDA_LANCZOS = 0, OVS_LAMBDA_POWER = 1 } ovs_lambda_method;
extern const ovs_names ovs_lambda_method_names; /* "lanczos", "power" */

/* lambda_max(J(W) J(W)^T) at W = w (k x d row-major; pass p->w0 for the initialisation) in
 * *lambda by method, and the products with J J^T it took in *products (may be NULL). Returns
 * OVS_OK, OVS_EINVAL or OVS_ENOMEM. A problem whose J is zero (k = 1 with v = 0, every ReLU
 * unit dead) gives 0. */
int ovs_jacobian_lambda_max(const ovs_problem *p, const ovs_activation *act, const double *w,
                            ovs_lambda_method method, double *lambda, int *products);

/* The most bytes ovs_jacobian_lambda_max holds at (n, k, d) by method: X transposed, two
 * k x n arrays, a vector of k d, and Lanczos's basis of 65 vectors of n (the power
 * iteration: one). */
double ovs_jacobian_lambda_bytes(double n, double k, double d, ovs_lambda_method method);

/* The Lanczos method alone with a basis of `basis` vectors (>= 2; ovs_jacobian_lambda_max
 * uses 64): for tests, which make it restart on small problems. */
int ovs_jacobian_lanczos(const ovs_problem *p, const ovs_activation *act, const double *w,
                         int basis, double *lambda, int *products);

/* y (n) = J x for x (k x d), and g (k x d) = J^T s for s (n), at W = w: for tests (finite
 * differences) and the eigenvalue methods. Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_jacobian_apply(const ovs_problem *p, const ovs_activation *act, const double *w,
                       const double *x, double *y);
int ovs_jacobian_apply_t(const ovs_problem *p, const ovs_activation *act, const double *w,
                         const double *s, double *g);

#endif
