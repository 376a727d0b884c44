/* rf.h - the random-features baseline of Section 3 (Theorem 3.2): keep the hidden weights
 * at their random initialisation W = W0 and fit only the output layer.
 *
 * Pure: no MPI, no HDF5, no output, no exit. Allocates per call. Reentrant.
 *
 * With Phi = phi(X W0^T) (n x k, row i = the features of sample i), v* is the minimum-norm
 * minimiser of ||Phi v - y|| (eq. 3.1), computed by LAPACK's SVD-based dgelsd (see
 * ovs_linalg_lstsq_min_norm for the rank cutoff). Theorem 3.2: for k >~ n / lambda~(X),
 * Phi has full row rank and v* interpolates. p->v (the fixed output weights of GD/SGD) is
 * not used. The result is filled as an ovs_result so that it sits beside GD and SGD:
 *   success        = final_rel_err < tol;
 *   iterations     = 0 (a direct solve, no updates);
 *   final_rel_err  = ||Phi v* - y|| / ||y||, recomputed from Phi and v*;
 *   diverged       = final_rel_err is not finite (a non-finite feature, or an SVD that did
 *                    not converge);
 *   dist_from_init = path_length = 0 (W never moves); aborted = early_stopped = 0;
 *   ladder_hit[j]  = 0 if final_rel_err < ladder[j], else -1.
 * Of the protocol only tol and the ladder apply (a single solve has no budget, no early stop
 * and nothing to poll). */
#ifndef OVS_RF_H
#define OVS_RF_H

#include "problem.h"
#include "activation.h"
#include "protocol.h"

/* Extras of a fit: the numerical rank of Phi (ovs_linalg_lstsq_min_norm's cutoff; -1 when
 * the solve failed) and ||v*||. */
typedef struct ovs_rf_extra {
    int rank;
    double v_norm;
} ovs_rf_extra;

/* Fit the output layer of p at W0 with activation act. Returns OVS_OK (the outcome in *res),
 * OVS_EINVAL for inconsistent arguments or OVS_ENOMEM. */
int ovs_rf_run(const ovs_problem *p, const ovs_activation *act, const ovs_protocol *proto,
               ovs_result *res);

/* ovs_rf_run, also returning v* in v (k doubles; may be NULL) and the extras (may be NULL). */
int ovs_rf_fit(const ovs_problem *p, const ovs_activation *act, const ovs_protocol *proto,
               ovs_result *res, double *v, ovs_rf_extra *extra);

/* The features Phi = phi(X W0^T), n x k row-major, into phi (n k doubles); scratch holds
 * n k doubles (phi'). For tests and diagnostics. */
void ovs_rf_features(const ovs_problem *p, const ovs_activation *act, double *phi,
                     double *scratch);

#endif
