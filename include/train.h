/* train.h - full-batch gradient descent in float64 for one trial of f(x; W) = v^T phi(W x),
 * the paper's method (Sec. 4, loss eq. 2.1).
 *
 * Pure: no MPI, no HDF5, no output, no exit. All buffers are allocated once per workspace;
 * the iteration loop allocates nothing. Reentrant: all state is in the arguments.
 *
 * L(W) = 1/2 sum_i (v^T phi(W x_i) - y_i)^2, W <- W - eta grad L(W) with constant eta; when
 * to stop, and what is recorded, is the shared protocol (protocol.h), early_fail included. */
#ifndef OVS_TRAIN_H
#define OVS_TRAIN_H

#include "activation.h"
#include "names.h"
#include "problem.h"
#include "protocol.h"
#include "train_plan.h"

/* Which code computes the two matrix products of a step (both in float64; they differ only
 * in rounding): the hand-written register-blocked kernels (smallmm.h, the default: several
 * times faster at these sizes) or CBLAS (OpenBLAS). */
enum { OVS_KERNEL_SIMD = 0, OVS_KERNEL_BLAS = 1 };
extern const ovs_names ovs_kernel_names; /* "simd", "blas" */

/* What gd is told beyond the protocol. */
typedef struct ovs_gd_opts {
    const ovs_activation *act;
    double eta;
    int kernel; /* OVS_KERNEL_* */
} ovs_gd_opts;

/* Buffers of one trial, 64-byte aligned. Samples run along rows ("transposed" layout) padded
 * to np = n rounded up to the vector length; padding entries are kept at zero. */
typedef struct ovs_train_workspace {
    int n, k, d, np;
    double *xt;  /* d x np, X transposed, allocated by the first run that reads X whole;
                    NULL while the step goes panel by panel (it reads xp only) */
    double *w;   /* k x d, current weights */
    double *w_next; /* k x d, the next update's (ovs_train_run swaps it with w) */
    double *zt;  /* k x np, pre-activations W x_i, then phi'(.) v_j r_i */
    double *phi; /* k x np, phi(W x_i) */
    double *r;   /* np, residuals f(x_i) - y_i (0 in the padding) */
    double *g;   /* k x d, gradient; its padding up to ovs_pad(k d) stays 0 (never written) */
    double *yp;  /* np, y padded with zeros */
    double *scratch; /* the fused forward pass's (forward.h) */
    double *xp;  /* X in the fused pass's panels of `panel` samples (forward.h), allocated
                    by the first run that reads them; NULL: the fused pass reads xt (or,
                    in lockstep, another training's xp) */
    int panel;   /* the panel width at this size (ovs_train_panel_plan), 0: none */
    int by_panels; /* 1: with the fused pass, forward pass and gradient run panel by panel
                      (train.c's step_by_panels), set where that pays on this CPU; the same
                      bits either way (tests set it both ways) */
    int fetch_next; /* 1: step_by_panels fetches the next panel into L2 (fetch.h) while it
                       computes one (ovs_train_panel_plan); the same bits either way */
    int fetch_each_step; /* 1: that fetch takes a line at every step of the gradient's loops
                            (ovs_train_fetch_each_step_k), 0: every second; the same bits */
    int fetch_forward_each_step; /* the same in the forward pass's loops
                                    (ovs_train_fetch_forward_each_step_k); the same bits */
    int grad_group_bytes; /* the simd gradient's input groups (smallmm.h's group_bytes):
                             ovs_train_grad_group_bytes of this CPU; the same bits either way */
    int grad_chunk; /* samples per chunk of the simd gradient where it runs on its own (not
                       by panels): > 0 as ovs_train_grad_chunk chose for this CPU's L1, 0 the
                       kernel's own chunks (smallmm.h); the same bits either way */
} ovs_train_workspace;

int ovs_train_workspace_alloc(ovs_train_workspace *ws, int n, int k, int d);
void ovs_train_workspace_free(ovs_train_workspace *ws);

/* Train p from p->w0 with opts under the protocol. ws must be allocated for p's (n, k, d).
 * Returns OVS_OK (the outcome is in *res), OVS_EINVAL for inconsistent arguments or
 * OVS_ENOMEM when the panel copy of X (allocated on first use) does not fit. */
int ovs_train_run(const ovs_problem *p, const ovs_gd_opts *opts, const ovs_protocol *proto,
                  ovs_train_workspace *ws, ovs_result *res);

/* Several trainings at once, each as ovs_train_run trains it alone (the same result, bit for
 * bit): one job per training, each with its own problem, options, protocol, workspace and
 * result. Those that share X (every k and activation of one (n, d, trial): problem.h) and go
 * by panels with the same panel width update in lockstep: each panel of X, read from memory
 * once per update, serves all their forward passes and gradients (where X streams from
 * memory, the stream is then shared; trial.h's ovs_trial_lockstep_pays says where that pays).
 * The others update in turn. A training that stops drops out; the rest go on. The workspaces
 * of trainings that read another's panels are left without their own panel copy (xp, d np
 * doubles; made again on their next use). Returns
 * OVS_OK, or the first job's OVS_EINVAL / OVS_ENOMEM (then no result is valid). */
#define OVS_LOCKSTEP_MAX 4
typedef struct ovs_train_job {
    const ovs_problem *p;
    const ovs_gd_opts *o;
    const ovs_protocol *proto;
    ovs_train_workspace *ws;
    ovs_result *res;
    int together; /* out: its passes over X shared with another training (one per update
                     and the last evaluation) */
} ovs_train_job;
int ovs_train_run_lockstep(int m, ovs_train_job *jobs);

/* Evaluate L(W) (eq. 2.1) and, if grad is not NULL, its gradient (k x d) at w.
 * For tests (finite differences) and diagnostics; not used in the GD loop. */
int ovs_train_loss_grad(const ovs_problem *p, const ovs_activation *act, int kernel,
                        const double *w, ovs_train_workspace *ws, double *loss, double *grad);

#endif
