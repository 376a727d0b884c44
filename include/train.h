/* train.h - full-batch gradient descent for one trial of f(x; W) = v^T phi(W x).
 *
 * Pure: no MPI, no HDF5, no output, no exit. All buffers are allocated once per workspace;
 * the iteration loop allocates nothing. Reentrant: all state is in the arguments.
 *
 * Protocol (paper Sec. 4, loss eq. 2.1): L(W) = 1/2 sum_i (v^T phi(W x_i) - y_i)^2,
 * W <- W - eta grad L(W) with constant eta. The relative error ||f(W) - y|| / ||y|| is
 * evaluated before every update and after the last one. The trial stops with success as soon
 * as it is < tol, as a failure after max_iter updates, and at once as a failure flagged
 * `diverged` when the residual (or the gradient) is not finite. `iterations` counts updates
 * applied, so a success at iterations = t means the error after t updates was < tol.
 *
 * early_fail (opt-in): from two thirds of the budget on, every 500 updates the
 * decrease of log(relative error) over the last window gives a per-update rate; if even four
 * times that rate, kept up for the whole remaining budget, cannot bring the error below tol,
 * and the rate is not growing (late take-offs accelerate), the trial stops as a failure
 * flagged early_stopped. A conservative heuristic: its effect on
 * the Figure-2 decisions is measured in docs/BENCHMARKS.md. */
#ifndef OVS_TRAIN_H
#define OVS_TRAIN_H

#include "activation.h"
#include "problem.h"

#define OVS_LADDER_MAX 16

/* Which code computes the two matrix products of a step (both in float64; they differ only
 * in rounding): the hand-written register-blocked kernels (smallmm.h, the default: several
 * times faster at these sizes) or CBLAS (OpenBLAS). */
enum { OVS_KERNEL_SIMD = 0, OVS_KERNEL_BLAS = 1 };
const char *ovs_train_kernel_name(int kernel);
int ovs_train_kernel_find(const char *name); /* -1 if unknown */

/* Arithmetic of a trial: float64 (the default, the paper's protocol) or the opt-in float32
 * path (--precision single; its agreement with float64 is measured in docs/BENCHMARKS.md). */
enum { OVS_PRECISION_DOUBLE = 0, OVS_PRECISION_SINGLE = 1 };
const char *ovs_train_precision_name(int precision);
int ovs_train_precision_find(const char *name); /* -1 if unknown */

typedef struct ovs_train_opts {
    const ovs_activation *act;
    int kernel;    /* OVS_KERNEL_* */
    int precision; /* OVS_PRECISION_* */
    /* Opt-in, not the paper's protocol: stop a failing trial early when its error curve cannot
     * reach tol in the remaining budget (see ovs_train_run). 0 = off (the default). */
    int early_fail;
    double eta;
    int max_iter;
    double tol;
    /* Tolerance ladder, strictly decreasing, last rung == tol (see ovs_train_ladder). */
    const double *ladder;
    int n_ladder;
    /* Optional hook called every poll_every updates (and never when poll is NULL). A
     * non-zero return abandons the trial (result.aborted = 1). Lets the caller service
     * messages or notice a signal without the kernel knowing about either. */
    int (*poll)(void *ctx);
    void *poll_ctx;
    int poll_every;
} ovs_train_opts;

typedef struct ovs_train_result {
    int success;          /* rel. error < tol within max_iter updates */
    int diverged;         /* non-finite residual or gradient: stopped at once */
    int aborted;          /* the poll hook asked to stop; the result is not valid */
    int early_stopped;    /* early_fail judged the trial hopeless and stopped it (a failure) */
    int iterations;       /* GD updates applied */
    double final_rel_err; /* ||f(W_T) - y|| / ||y|| when stopped */
    double dist_from_init; /* ||W_T - W_0||_F (Theorem 2.1 bounds it, eq. 2.5) */
    double path_length;   /* sum_t ||W_{t+1} - W_t||_F */
    int ladder_hit[OVS_LADDER_MAX]; /* first t with rel. error < ladder[j]; -1 if never */
} ovs_train_result;

/* Buffers of one trial, 64-byte aligned. Samples run along rows ("transposed" layout) padded
 * to np = n rounded up to the vector length; padding entries are kept at zero. */
typedef struct ovs_train_workspace {
    int n, k, d, np;
    double *xt;  /* d x np, X transposed */
    double *w;   /* k x d, current weights */
    double *zt;  /* k x np, pre-activations W x_i, then phi'(.) v_j r_i */
    double *phi; /* k x np, phi(W x_i) */
    double *r;   /* np, residuals f(x_i) - y_i (0 in the padding) */
    double *g;   /* k x d, gradient */
    double *yp;  /* np, y padded with zeros */
    double *scratch; /* the fused forward pass's (forward.h) */
} ovs_train_workspace;

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d);
void ovs_train_workspace_free(ovs_train_workspace *ws);

/* Train p from p->w0 with opts. ws must be allocated for p's (n, k, d).
 * Returns OVS_OK (the outcome is in *res) or OVS_EINVAL for inconsistent arguments. */
int ovs_train_run(const ovs_problem *p, const ovs_train_opts *opts, ovs_train_workspace *ws,
                  ovs_train_result *res);

/* Evaluate L(W) (eq. 2.1) and, if grad is not NULL, its gradient (k x d) at w.
 * For tests (finite differences) and diagnostics; not used in the GD loop. */
int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, int kernel,
                        const double *w, ovs_train_workspace *ws, double *loss, double *grad);

/* The fixed tolerance ladder 1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 5e-4, ...,
 * keeping the rungs > tol and appending tol itself. 5e-2 = sqrt(2.5e-3) is the threshold of
 * the squared reading of the paper's criterion. Returns the number of rungs written. */
int ovs_train_ladder(double tol, double *ladder, int max_rungs);

#endif
