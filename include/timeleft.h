/* timeleft.h - the time left of a sweep, calibrated from the trials that finished.
 *
 * The plan's cost (plan.h) counts every trial as a full-budget failure; a trial that succeeds
 * early costs a tenth of that, and the queue runs the large, mostly successful cells first, so
 * elapsed * cost_left / cost_done was 1.5x optimistic on the full Figure-2 grid. This model
 * predicts each trial left from two measured rates of its group, seconds per cost unit of the
 * successes and of the failures, mixed by the success fraction seen at the same kd/n (in
 * quarter-octave bins, pooled over n for each activation and method: the transition is a kd/n
 * effect, and the large-n groups reach small kd/n first). A bin not seen yet takes the
 * nearest one seen, or, below the smallest kd/n seen, counts as failing; before any failure,
 * a failure's rate is the successes' seconds per update times the full budget. The time left
 * is the sum over the trials left, divided by the core-seconds of training per second of this
 * run (how many cores train, in effect: the finished trials' seconds and those of the trials
 * under way).
 *
 * Pure, no MPI: fed the finished trials by rank 0 (sweep.c); bench/timeleft_replay.c replays a
 * finished file through it (bench/results/timeleft_replay.txt). */
#ifndef OVS_TIMELEFT_H
#define OVS_TIMELEFT_H

#include "plan.h"

#include <stdint.h>

typedef struct ovs_timeleft ovs_timeleft;

/* A model for the trials of plan (kept alive by the caller); NULL when out of memory. */
ovs_timeleft *ovs_timeleft_new(const ovs_plan *plan);
void ovs_timeleft_free(ovs_timeleft *eta);

/* One finished trial: item, success (0/1), its GD updates and its measured seconds. this_run
 * = 0 for one loaded from a resumed file (it calibrates the rates but not this run's pace).
 * Each item counts once. */
void ovs_timeleft_add(ovs_timeleft *eta, int64_t item, int success, int iterations,
                      double seconds, int this_run);

/* Seconds left to run the items of queue[0..n) not yet added, elapsed seconds into this run,
 * in_flight the seconds the ranks have spent so far on trials not yet added (running, or
 * finished in a chunk not yet reported): without them the pace counts only finished trials and
 * the time left came out 2-4x long while long trials ran; -1 before any trial of this run has
 * finished. */
double ovs_timeleft_seconds(const ovs_timeleft *eta, const int64_t *queue, int64_t n,
                            double elapsed, double in_flight);

/* The plan's own estimate, for comparison: elapsed * cost left / cost done (this run's
 * trials); -1 before any has finished. */
double ovs_timeleft_static(const ovs_timeleft *eta, const int64_t *queue, int64_t n,
                           double elapsed);

/* How long one checkpoint write may take before the watchdog calls it stuck (a rank failed
 * inside a collective): 20x the longest write so far, at least floor_seconds, and at least
 * the file's bytes at 4 MB/s (a slow network file system), since the first checkpoint has no
 * history and a resumed file of many trials is large from the first one: at 13 GB the
 * old fixed first limit, 120 s, needed 110 MB/s. */
double ovs_checkpoint_limit_seconds(double bytes, double longest_seconds, double floor_seconds);

#endif
