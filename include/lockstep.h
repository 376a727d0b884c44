/* lockstep.h - which trials of the sweep's queue train together in lockstep (train.h's
 * ovs_train_run_lockstep: trials on the same X read it once per update where it streams from
 * memory), and how such a group's wall time is told apart.
 *
 * Pure. The MPI layer (sweep.c) forms the groups on rank 0 and finds them again on the rank
 * that trains a chunk. Grouping changes which rank trains what and when, never a result. */
#ifndef OVS_LOCKSTEP_H
#define OVS_LOCKSTEP_H

#include <stdint.h>

#include "plan.h"
#include "trial.h"

/* Behind queue[at - 1], the item just taken: the items that train in lockstep with it
 * (trial.h's ovs_trial_lockstep_pays), up to limit - 1 of them from queue[at..qlen) within
 * the next OVS_LOCKSTEP_LOOKAHEAD, moved up to queue[at..) in their order, the other items
 * keeping theirs; only while the group's estimated cost (cost: the first item's; the plan's
 * costs) stays within bound: a group runs on one rank, so where the work left is short its
 * trials are better spread over idle ranks; and while its trials' memory (trial.h: the
 * lead's ovs_trial_bytes, the partners' ovs_trial_partner_bytes) stays within
 * OVS_LOCKSTEP_BYTES_MAX. Returns how many were moved up. */
#define OVS_LOCKSTEP_LOOKAHEAD 4096
int ovs_lockstep_gather(const ovs_plan *plan, int64_t *queue, int64_t at, int64_t qlen,
                        int limit, double cost, double bound);

/* How many of items[0..count) from the first on train in lockstep with it (a group that
 * ovs_lockstep_gather made), at most limit (>= 1). */
int ovs_lockstep_group(const ovs_plan *plan, const int64_t *items, int count, int limit);

/* The wall_seconds of count records trained together in wall seconds: shares in proportion
 * to each one's estimated work (the plan's cost of an update at its size times its passes
 * over X, iterations + 1); one record gets all of it. */
void ovs_lockstep_share_wall(const ovs_plan *plan, ovs_record *rec, int count, double wall);

#endif
