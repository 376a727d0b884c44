/* diagnostics.h - the theory's quantities for one trial: the data spectra and the network
 * eigenvalue that the paper's bounds are stated in, and the Jacobian at initialisation.
 *
 * Pure: no MPI, no HDF5, no output, no exit; allocates its own scratch per call and frees it.
 * Reentrant except for the quadrature's table of sinh/cosh values, filled once on first use
 * (deterministically, same values every time) and read-only afterwards; not thread-safe on
 * that first call.
 *
 * Notation (paper Sec. 2 and 6): X (n x d) has the inputs x_i as rows, W (k x d) the hidden
 * weights, f(x; W) = v^T phi(W x), and o is the Hadamard (entrywise) product. */
#ifndef OVS_DIAGNOSTICS_H
#define OVS_DIAGNOSTICS_H

#include "activation.h"
#include "problem.h"

typedef struct ovs_diagnostics {
    double x_norm;          /* ||X||, spectral norm of the n x d data matrix */
    double kr_sigma_min;    /* sigma_min(X * X): X * X is the n x d^2 row-wise Khatri-Rao product,
                               = sqrt(lambda_min((X X^T) o (X X^T))), the n-th singular value
                               (exactly 0 when n > d(d+1)/2, its largest possible rank) */
    double nn_lambda;       /* lambda(X) = lambda_min(Sigma(X)), Definition 6.1 */
    double jac_sigma_min;   /* n-th singular value of the Jacobian J(W0) (n x kd) of f(x_i; W)
                               w.r.t. W at W0: J J^T = (D diag(v^2) D^T) o (X X^T) with
                               D_il = phi'(w0_l . x_i); exactly 0 when k' d < n, k' the number of
                               non-zero v_l (the other units' columns of J are zero), and for
                               quadratic when n > d(d+1)/2 - (d-r)(d-r+1)/2, r = min(k', d) */
    double initial_rel_err; /* ||f(W0) - y|| / ||y|| */
} ovs_diagnostics;

/* Compute all diagnostics of problem p (x, y, v, w0 filled; n, k, d set) for activation act.
 * Eigenvalues that rounding makes slightly negative are clamped to 0 before square roots.
 * Returns OVS_OK, OVS_ENOMEM, or OVS_EINVAL (bad arguments, y = 0, or a LAPACK failure). */
int ovs_diagnostics_compute(const ovs_problem *p, const ovs_activation *act,
                            ovs_diagnostics *out);

/* Only the two fields that depend on W0 and v (jac_sigma_min, initial_rel_err); the others
 * are left as they are. x_norm, kr_sigma_min and nn_lambda depend on X and the activation
 * alone, so a caller that sees the same X again (every k of a sweep shares the data of an
 * (n, d, trial)) can keep them and skip the expensive part (lambda(X) by quadrature). */
int ovs_diagnostics_compute_init(const ovs_problem *p, const ovs_activation *act,
                                 ovs_diagnostics *out);

/* sigma (n x n, row-major) = Sigma(X) of Definition 6.1 for x (n x d, row-major, any row norms):
 * Sigma_ij = E_w[phi'(<w, x_i>) phi'(<w, x_j>)] <x_i, x_j>, w ~ N(0, I_d). Closed forms for
 * relu, leaky_relu and quadratic; for every other activation (its dphi only), a 2-D
 * quadrature accurate to ~1e-14 absolute for activations whose phi' is analytic near the real
 * line and varies on a scale ~1 (softplus, tanh, gelu), at any row norms (measured 0.1-10).
 * A zero row gives a zero row and column. Returns OVS_OK, OVS_EINVAL or OVS_ENOMEM. */
int ovs_diagnostics_nn_covariance(const double *x, int n, int d, const ovs_activation *act,
                                  double *sigma);

#endif
