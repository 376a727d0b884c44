/* design_oracle.h - a synthetic Bernoulli oracle for the adaptive design, shared by
 * tests/test_design.c and bench/bench_design.c: P(success) = 1 / (1 + exp(-(log(kd/n) - mu)
 * / s)) in every row, so the truth is known and nothing is trained. */
#ifndef OVS_DESIGN_ORACLE_H
#define OVS_DESIGN_ORACLE_H

#include <math.h>
#include <stdint.h>

#include "plan.h"
#include "rng.h"

typedef struct oracle {
    double mu, s; /* the truth, in log(kd/n) */
    ovs_rng rng;  /* the outcomes' stream */
} oracle;

/* Answer m proposed trainings: add them to the per-cell counts done / succ, and, when bit_done
 * is not NULL, mark each item done and record its outcome. */
static inline void oracle_answer(oracle *o, const ovs_plan *p, const int64_t *items, int64_t m,
                                 int32_t *succ, int32_t *done, uint8_t *bit_done,
                                 uint8_t *bit_succ)
{
    for (int64_t i = 0; i < m; i++) {
        ovs_item it;
        ovs_plan_item(p, items[i], &it);
        const double x = log((double)it.k * it.d / it.n);
        const int hit = ovs_rng_uniform(&o->rng) < 1.0 / (1.0 + exp(-(x - o->mu) / o->s));
        done[items[i] / p->T]++;
        succ[items[i] / p->T] += hit;
        if (bit_done) {
            bit_done[items[i]] = 1;
            bit_succ[items[i]] = (uint8_t)hit;
        }
    }
}

#endif
