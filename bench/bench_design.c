/* bench_design.c - the adaptive design's proposal rule measured against alternatives, with a
 * synthetic Bernoulli oracle instead of trainings (so it runs in seconds and the truth is
 * known): Thompson sampling (the sweep's rule), every training at the posterior median's
 * nearest cell (greedy), and uniform draws over the row's cells (a random grid).
 *
 * Each replication draws a row's true midpoint and 10-90% width, runs the design to its
 * stop rules, and records whether the 95% interval covers the truth, the trainings it took,
 * the interval's half-width at the end, and the stop reason. Usage:
 *     build/bench_design [REPLICATIONS] [BATCH]           (defaults 200, 6)
 * Prints one line per rule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "design.h"
#include "../tests/design_oracle.h"
#include "plan.h"
#include "rng.h"
#include "status.h"

typedef struct outcome {
    int covered, located; /* located: converged or bracketed */
    int trainings;
    double half_width, abs_error; /* in kd/n */
} outcome;

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One replication: the design against an oracle of midpoint mu and scale s (in log kd/n). */
static outcome replicate(const ovs_plan *p, int rule, oracle *o)
{
    const size_t cells = (size_t)p->n_groups * p->K * p->D;
    int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
    int64_t *items = malloc(sizeof *items * (size_t)p->n_items);
    ovs_design *d = ovs_design_new(p);
    ovs_design_set_rule(d, rule);
    for (int round = 0; round < 100000; round++) {
        const int64_t m = ovs_design_propose(d, items, p->n_items);
        if (m == 0)
            break;
        oracle_answer(o, p, items, m, succ, done, NULL, NULL);
        if (ovs_design_close_round(d, succ, done) != OVS_OK)
            break;
    }
    ovs_row_summary row;
    ovs_design_row(d, 0, 0, &row);
    const double truth = exp(o->mu);
    outcome out = {.covered = row.ci_low <= truth && truth <= row.ci_high,
                 .located = row.status == OVS_ROW_CONVERGED || row.status == OVS_ROW_BRACKETED,
                 .trainings = row.trainings,
                 .half_width = 0.5 * (row.ci_high - row.ci_low),
                 .abs_error = fabs(row.midpoint - truth)};
    ovs_design_free(d);
    free(items);
    free(succ);
    free(done);
    return out;
}

int main(int argc, char **argv)
{
    const int reps = argc > 1 ? atoi(argv[1]) : 200;
    const char *batch = argc > 2 ? argv[2] : "6";
    const char *args[] = {"ovsweep", "--design", "adaptive", "--n", "100", "--act", "relu",
                          "--k", "1:40", "--d", "8", "--trials", "40", "--batch", batch};
    ovs_config c;
    ovs_plan p;
    char err[OVS_ERR_MAX];
    if (reps < 1 || ovs_cli_parse(15, (char **)args, &c, err, sizeof err) != OVS_OK ||
        ovs_plan_build(&c, &p) != OVS_OK) {
        fprintf(stderr, "bench_design: bad arguments (%s)\n", err);
        return 2;
    }
    const char *names[] = {"thompson", "median (greedy)", "uniform (random grid)"};
    double *tr = malloc(sizeof *tr * (size_t)reps), *hw = malloc(sizeof *hw * (size_t)reps),
           *ae = malloc(sizeof *ae * (size_t)reps);
    printf("oracle: n 100, d 8, k 1..40 (kd/n 0.08..3.2), midpoint 0.6..2.2, 10-90%% width "
           "0.04..0.7 in kd/n; --batch %s, --target-ci %.3g, %d replications\n",
           batch, c.target_ci, reps);
    printf("%-22s %9s %8s %18s %15s %15s\n", "rule", "coverage", "located",
           "trainings (q1/med/q3)", "median half-w", "median |error|");
    for (int rule = OVS_PROPOSE_THOMPSON; rule <= OVS_PROPOSE_UNIFORM; rule++) {
        int covered = 0, located = 0;
        for (int r = 0; r < reps; r++) {
            oracle orc; /* the same truths and the same oracle stream for every rule */
            const int64_t coords[] = {r};
            ovs_rng_for_tuple(&orc.rng, 99, 7, coords, 1);
            orc.mu = log(0.6) + (log(2.2) - log(0.6)) * ovs_rng_uniform(&orc.rng);
            orc.s = exp(log(0.01) + (log(0.07) - log(0.01)) * ovs_rng_uniform(&orc.rng));
            const outcome o = replicate(&p, rule, &orc);
            covered += o.covered;
            located += o.located;
            tr[r] = o.trainings;
            hw[r] = o.half_width;
            ae[r] = o.abs_error;
        }
        qsort(tr, (size_t)reps, sizeof *tr, cmp_double);
        qsort(hw, (size_t)reps, sizeof *hw, cmp_double);
        qsort(ae, (size_t)reps, sizeof *ae, cmp_double);
        printf("%-22s %8.1f%% %7.1f%% %6.0f/%4.0f/%4.0f %17.4f %15.4f\n", names[rule],
               100.0 * covered / reps, 100.0 * located / reps, tr[reps / 4], tr[reps / 2],
               tr[3 * reps / 4], hw[reps / 2], ae[reps / 2]);
    }
    free(tr);
    free(hw);
    free(ae);
    ovs_plan_free(&p);
    ovs_cli_free(&c);
    return 0;
}
