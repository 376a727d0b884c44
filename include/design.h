/* design.h - the adaptive design (--design adaptive): instead of every trial of every cell,
 * rounds of trainings chosen to locate, for every row (a group and one d), the 50% point of the
 * success probability along k.
 *
 * Pure and deterministic: the proposals of a round depend only on the master seed, the round
 * number and the results of the rounds before it, so every rank can hold the same design (it
 * is fed the same global counts) and a resumed run replays the rounds exactly.
 *
 * Model. Along a row, x = log(k d / n) (the scale of `analysis boundary`) and
 *     P(success | x) = 1 / (1 + exp(-(x - mu) / s)),
 * with mu, the midpoint, uniform over the row's range of x widened by 0.4 on each side, and
 * s log-uniform on [0.002, 1]. The posterior over (mu, s) lives on a grid (OVS_DESIGN_MU x
 * OVS_DESIGN_S points per row) and is updated with the binomial counts of each round. The
 * midpoint in kd/n is exp(mu); its 95% interval is the 2.5% and 97.5% quantiles of mu's
 * marginal posterior, mapped the same way; the 10-90% width in kd/n is
 * exp(mu + s ln 9) - exp(mu - s ln 9) at the posterior mean.
 *
 * Proposals (Thompson sampling). A round's batch is shared out across the active rows in
 * turn; each training of a row draws (mu, s) from the row's posterior (a seeded stream of the
 * round, group, d and draw) and goes to the k whose x is nearest the drawn mu (the nearest
 * cell that still has a trial slot: a cell holds at most --trials trials). The t-th training of
 * a cell is trial t of the cell, the trial a grid sweep runs as trial t (same seeding), so an
 * adaptive file and a grid file can be compared trial by trial.
 *
 * A row stops when (in this order):
 *   all succeed / all fail
 *                 95% of mu's mass lies below the smallest (above the largest) x of the row:
 *                 no transition inside --k;
 *   converged     its 95% interval has half-width <= --target-ci (in kd/n);
 *   bracketed     95% of mu's mass lies between two adjacent k of the row, and each of those
 *                 two cells has at least OVS_DESIGN_BRACKET_TRIALS trials: the transition sits
 *                 between them, finer than the k grid can say;
 *   cells full    the cells around the transition hold --trials trials each;
 *   budget        its group has run --max-trainings trainings.
 * The design is finished when every row has stopped. */
#ifndef OVS_DESIGN_H
#define OVS_DESIGN_H

#include <stdint.h>

#include "names.h"
#include "plan.h"

#define OVS_DESIGN_MU 512
#define OVS_DESIGN_S 32
#define OVS_DESIGN_BRACKET_TRIALS 6

enum {
    OVS_ROW_ACTIVE = 0,
    OVS_ROW_CONVERGED,
    OVS_ROW_BRACKETED,
    OVS_ROW_ALL_SUCCEED,
    OVS_ROW_ALL_FAIL,
    OVS_ROW_CELLS_FULL,
    OVS_ROW_BUDGET,
    OVS_ROW_STATUS_COUNT
};
extern const ovs_names ovs_row_status_names; /* "active", "converged", ... */

/* What a row says now. A row without a transition inside --k (all fail / all succeed) has no
 * midpoint or width (NaN) and a one-sided interval: [largest kd/n of the row, inf] when all
 * fail, [0, smallest kd/n] when all succeed. A row with no training in its posterior yet has
 * none of them (all NaN): the prior alone says nothing about the boundary. */
typedef struct ovs_row_summary {
    double midpoint, ci_low, ci_high; /* in kd/n */
    double width;                     /* 10-90% width, in kd/n */
    int32_t trainings;
    int status; /* OVS_ROW_* */
} ovs_row_summary;

typedef struct ovs_design ovs_design;

/* A design for plan (whose configuration's design is adaptive): every row active, no
 * observations, round 0. NULL when out of memory. */
ovs_design *ovs_design_new(const ovs_plan *plan);
void ovs_design_free(ovs_design *d);

/* The trainings of the current round, as plan items (at most cap; the batch is at most the
 * configuration's --batch). Returns how many; 0 when the design is finished. Calling it again
 * before ovs_design_close_round gives the same items. */
int64_t ovs_design_propose(ovs_design *d, int64_t *items, int64_t cap);

/* End the current round: every proposed training is done, and success_count / trials_done
 * (per cell, [groups][K][D], global) count them. Updates the posteriors with what is new, then
 * applies the stop rules and the budget. Returns OVS_OK, or OVS_EINVAL when the counts do not
 * cover the round's proposals. */
int ovs_design_close_round(ovs_design *d, const int32_t *success_count,
                           const int32_t *trials_done);

/* Replay a resumed file: done[item] and success[item] for every item of the plan. Rounds whose
 * proposals are all done are closed; the first round that is not stops the replay, and its
 * undone trainings are written to queue (capacity plan->n_items). Returns how many (0: the
 * design is finished or its next round is not proposed yet). */
int64_t ovs_design_replay(ovs_design *d, const uint8_t *done, const uint8_t *success,
                          int64_t *queue);

/* The proposal rule: Thompson sampling (the default, the only one the sweep uses), or, for
 * the oracle benchmark (bench/bench_design.c), the greedy posterior median or uniform draws
 * over the row's free cells. Set it before the first proposal. */
enum { OVS_PROPOSE_THOMPSON = 0, OVS_PROPOSE_MEDIAN, OVS_PROPOSE_UNIFORM };
void ovs_design_set_rule(ovs_design *d, int rule);

int ovs_design_round(const ovs_design *d);      /* rounds closed so far */
int ovs_design_finished(const ovs_design *d);   /* every row has stopped */
int ovs_design_rows_active(const ovs_design *d, int g); /* rows of group g still active */
int64_t ovs_design_proposed(const ovs_design *d); /* trainings proposed so far, all groups */
void ovs_design_row(const ovs_design *d, int g, int di, ovs_row_summary *out);

/* Whether a training has been proposed in cell (ki, di) of group g so far. */
int ovs_design_cell_visited(const ovs_design *d, int g, int ki, int di);

/* The history, one entry per closed round r: the group's trainings so far and each row's
 * interval after it (ci arrays [rounds][D], row-major). */
int32_t ovs_design_history_trainings(const ovs_design *d, int g, int r);
void ovs_design_history_ci(const ovs_design *d, int g, int r, int di, double *lo, double *hi);

#endif
