/* lockstep.c - groups of trials that train in lockstep; see lockstep.h. */
#include "lockstep.h"

#include "train.h"

#include <string.h>

/* The bytes of item's trial in a group: as its lead, with its rows of the group's stack, or
 * as a partner reading the lead's X. */
static double item_bytes(const ovs_plan *plan, int64_t item, int lead)
{
    ovs_item it;
    ovs_plan_item(plan, item, &it);
    return lead ? ovs_trial_bytes(it.n, it.k, it.d, plan->cfg->diagnostics,
                                  ovs_config_lambda_use(plan->cfg)) +
                      ovs_trial_stack_bytes(it.k, it.d)
                : ovs_trial_partner_bytes(it.n, it.k, it.d);
}

int ovs_lockstep_gather(const ovs_plan *plan, int64_t *queue, int64_t at, int64_t qlen,
                        int limit, double cost, double bound)
{
    const int64_t lead = queue[at - 1];
    int found = 0;
    if (limit < 2 || !ovs_trial_lockstep_pays(plan, lead, lead))
        return 0;
    double bytes = item_bytes(plan, lead, 1);
    for (int64_t i = at; i < qlen && i < at + OVS_LOCKSTEP_LOOKAHEAD && found < limit - 1; i++) {
        const int64_t item = queue[i];
        const double c = ovs_plan_cost(plan, item), b = item_bytes(plan, item, 0);
        if (cost + c > bound || bytes + b > OVS_LOCKSTEP_BYTES_MAX ||
            !ovs_trial_lockstep_pays(plan, lead, item))
            continue;
        bytes += b;
        const int64_t to = at + found;
        memmove(queue + to + 1, queue + to, sizeof(int64_t) * (size_t)(i - to));
        queue[to] = item;
        cost += c;
        found++;
    }
    return found;
}

int ovs_lockstep_group(const ovs_plan *plan, const int64_t *items, int count, int limit)
{
    int g = 1;
    while (g < count && g < limit && ovs_trial_lockstep_pays(plan, items[0], items[g]))
        g++;
    return g;
}

void ovs_lockstep_share_wall(const ovs_plan *plan, ovs_record *rec, int count, double wall)
{
    double work[OVS_LOCKSTEP_MAX], total = 0;
    for (int j = 0; j < count && j < OVS_LOCKSTEP_MAX; j++) {
        const double per = ovs_plan_cost(plan, rec[j].item) / (plan->cfg->max_iter + 1.0);
        total += work[j] = per * (rec[j].iterations + 1.0);
    }
    for (int j = 0; j < count && j < OVS_LOCKSTEP_MAX; j++)
        rec[j].wall_seconds = count == 1 || !(total > 0) ? wall : wall * work[j] / total;
}
