/* train_impl.h - pieces of the GD protocol shared by the float64 loop (train.c) and the
 * float32 loop (train32.c), so that both stop, record and judge a trial by the same rules.
 * Internal: not part of the train.h API. Pure. */
#ifndef OVS_TRAIN_IMPL_H
#define OVS_TRAIN_IMPL_H

#include "train.h"

/* Options and problem valid for ovs_train_run (shapes of a workspace not included):
 * OVS_OK or OVS_EINVAL. */
int ovs_train_check_opts(const ovs_problem *p, const ovs_train_opts *o);

/* res->ladder_hit[j] = t for the rungs first passed at update t. */
void ovs_train_record_ladder(const ovs_train_opts *o, double rel, int t, ovs_train_result *res);

/* Early-fail (see train.h): called with the relative error every OVS_EARLY_FAIL_WINDOW
 * updates (t > 0); returns 1 if the trial cannot reach tol in time. */
#define OVS_EARLY_FAIL_WINDOW 500
typedef struct ovs_early_fail_state {
    double prev_log, prev_rate; /* NAN until known */
} ovs_early_fail_state;
int ovs_train_hopeless(double rel, int t, const ovs_train_opts *o, ovs_early_fail_state *st);

/* The protocol's checks on the error before update t + 1, shared by every loop (gd float64,
 * gd float32, sgd in epochs): a non-finite residual norm stops the trial as diverged; the
 * ladder is recorded; rel < tol stops it as a success; t == max_iter ends it; with
 * o->early_fail (and ef not NULL) a hopeless trial stops as early_stopped. *rel gets
 * rnorm / y_norm. Returns 1 if the trial stops here. */
int ovs_train_stops(const ovs_train_opts *o, double rnorm, double y_norm, int t,
                    ovs_train_result *res, ovs_early_fail_state *ef, double *rel);

/* The protocol's checks on the gradient norm before an update: a non-finite one stops the
 * trial as diverged; an exactly zero one (k = 1, whose only output weight is 0, or every ReLU
 * unit dead) is a fixed point where every remaining update would leave W unchanged, so the
 * trial ends at once as the full loop would, with *t = max_iter. Returns 1 if it stops. */
int ovs_train_gradient_stops(const ovs_train_opts *o, double gnorm, int *t,
                             ovs_train_result *res);

/* After update t: call the poll hook every poll_every updates; returns 1 (res->aborted set)
 * if it asks to abandon the trial. */
int ovs_train_polled_stop(const ovs_train_opts *o, int t, ovs_train_result *res);

#endif
