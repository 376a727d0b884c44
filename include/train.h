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
#include "train_workspace.h"

/* What gd is told beyond the protocol. */
typedef struct ovs_gd_opts {
    const ovs_activation *act;
    double eta;
    int kernel; /* OVS_KERNEL_* */
} ovs_gd_opts;

/* Train p from p->w0 with opts under the protocol. ws must be allocated for p's (n, k, d).
 * Returns OVS_OK (the outcome is in *res), OVS_EINVAL for inconsistent arguments or
 * OVS_ENOMEM when the panel copy of X (allocated on first use) does not fit. */
int ovs_train_run(const ovs_problem *p, const ovs_gd_opts *opts, const ovs_protocol *proto,
                  ovs_train_workspace *ws, ovs_result *res);

/* Several trainings at once, each as ovs_train_run trains it alone (the same result, bit for
 * bit): one job per training, each with its own problem, options, protocol, workspace and
 * result. Those that share X (every k and activation of one (n, d, trial): problem.h) and go
 * by panels with the same panel width update in lockstep: each panel of X, read from memory
 * once per update, serves all their forward passes and one gradient of all their units, their
 * factors stacked (where X streams from memory, the stream is then shared, and each panel is
 * read from L2 once for all the gradients; trial.h's ovs_trial_lockstep_pays says where that
 * pays).
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
