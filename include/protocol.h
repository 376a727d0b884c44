/* protocol.h - the training protocol every method shares: the tolerance ladder, the checks
 * on options and problem, the start of a result, and the stop rules, stated once for gd
 * (float64 and float32), sgd and rf.
 *
 * Pure, reentrant.
 *
 * Protocol (paper Sec. 4): the relative error ||f(W) - y|| / ||y|| is evaluated before every
 * update (sgd: epoch) and after the last one. A trial stops with success as soon as it is
 * < tol, as a failure after max_iter updates, and at once as a failure flagged `diverged`
 * when the residual (or the gradient) is not finite. `iterations` counts updates applied, so
 * a success at iterations = t means the error after t updates was < tol.
 *
 * early_fail (opt-in, gd only; not the paper's protocol): from two thirds of the budget on,
 * every 500 updates the decrease of log(relative error) over the last window gives a
 * per-update rate; if even four times that rate, kept up for the whole remaining budget,
 * cannot bring the error below tol, and the rate is not growing (late take-offs
 * accelerate), the trial stops as a failure flagged early_stopped. Its effect on the
 * Figure-2 decisions is measured in docs/BENCHMARKS.md. */
#ifndef OVS_PROTOCOL_H
#define OVS_PROTOCOL_H

#include "problem.h"

#define OVS_LADDER_MAX 16

/* What every method is told about when to stop, and how to be interrupted. */
typedef struct ovs_protocol {
    int max_iter; /* budget: updates (gd), epochs (sgd); unused by rf */
    double tol;
    /* Tolerance ladder, strictly decreasing, last rung == tol (see ovs_protocol_ladder). */
    const double *ladder;
    int n_ladder;
    int early_fail; /* opt-in early stop of hopeless trials; gd only (0 for the others) */
    /* Optional hook called every poll_every updates (never when poll is NULL). A non-zero
     * return abandons the trial (result.aborted = 1). Lets the caller service messages or
     * notice a signal without the kernel knowing about either. */
    int (*poll)(void *ctx);
    void *poll_ctx;
    int poll_every;
} ovs_protocol;

/* The outcome of one trial of any method. */
typedef struct ovs_result {
    int success;           /* rel. error < tol within max_iter updates */
    int diverged;          /* non-finite residual or gradient: stopped at once */
    int aborted;           /* the poll hook asked to stop; the result is not valid */
    int early_stopped;     /* early_fail judged the trial hopeless and stopped it (a failure) */
    int iterations;        /* updates (sgd: epochs) applied */
    double final_rel_err;  /* ||f(W_T) - y|| / ||y|| when stopped */
    double dist_from_init; /* ||W_T - W_0||_F (Theorem 2.1 bounds it, eq. 2.5) */
    double path_length;    /* sum_t ||W_{t+1} - W_t||_F */
    int ladder_hit[OVS_LADDER_MAX]; /* first t with rel. error < ladder[j]; -1 if never */
} ovs_result;

/* The fixed tolerance ladder 1e-1, 5e-2, 3e-2, 2e-2, 1e-2, 5e-3, 2.5e-3, 1e-3, 5e-4, ...,
 * keeping the rungs > tol and appending tol itself. 5e-2 = sqrt(2.5e-3) is the threshold of
 * the squared reading of the paper's criterion. Returns the number of rungs written. */
int ovs_protocol_ladder(double tol, double *ladder, int max_rungs);

/* Protocol and problem valid for a run: OVS_OK or OVS_EINVAL. */
int ovs_protocol_check(const ovs_protocol *o, const ovs_problem *p);

/* A result before the first update: all zero, no rung hit. */
void ovs_result_start(ovs_result *res);

/* res->ladder_hit[j] = t for the rungs first passed at update t. */
void ovs_protocol_record_ladder(const ovs_protocol *o, double rel, int t, ovs_result *res);

/* Early-fail state; start it with OVS_EARLY_FAIL_START. */
#define OVS_EARLY_FAIL_WINDOW 500
typedef struct ovs_early_fail_state {
    double prev_log, prev_rate; /* NAN until known */
} ovs_early_fail_state;
#define OVS_EARLY_FAIL_INIT ((ovs_early_fail_state){(double)NAN, (double)NAN})

/* Called with the relative error every OVS_EARLY_FAIL_WINDOW updates (t > 0); returns 1 if
 * the trial cannot reach tol in time. */
int ovs_protocol_hopeless(double rel, int t, const ovs_protocol *o, ovs_early_fail_state *st);

/* The checks on the error before update t + 1: a non-finite residual norm stops the trial as
 * diverged; the ladder is recorded; rel < tol stops it as a success; t == max_iter ends it;
 * with o->early_fail (and ef not NULL) a hopeless trial stops as early_stopped. *rel gets
 * rnorm / y_norm. Returns 1 if the trial stops here. */
int ovs_protocol_stops(const ovs_protocol *o, double rnorm, double y_norm, int t,
                       ovs_result *res, ovs_early_fail_state *ef, double *rel);

/* The checks on the gradient norm before an update: a non-finite one stops the trial as
 * diverged; an exactly zero one (k = 1, whose only output weight is 0, or every ReLU unit
 * dead) is a fixed point where every remaining update would leave W unchanged, so the trial
 * ends at once as the full loop would, with *t = max_iter. Returns 1 if it stops. */
int ovs_protocol_gradient_stops(const ovs_protocol *o, double gnorm, int *t, ovs_result *res);

/* After update t: call the poll hook every poll_every updates; returns 1 (res->aborted set)
 * if it asks to abandon the trial. */
int ovs_protocol_polled_stop(const ovs_protocol *o, int t, ovs_result *res);

#endif
