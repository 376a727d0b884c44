/* test_design.c - the adaptive design driven by a synthetic Bernoulli oracle of known
 * midpoint and slope, without training anything: its 95% intervals cover the true midpoint,
 * it stops rows with no transition in range, it is deterministic, replays exactly, respects
 * the budget and the per-cell cap, and proposes the grid's trial numbers. */
#include "cli.h"
#include "design.h"
#include "design_oracle.h"
#include "rng.h"
#include "status.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct setup {
    ovs_config c;
    ovs_plan p;
} setup;

static int make(setup *s, int argc, const char **argv)
{
    char err[OVS_ERR_MAX];
    if (ovs_cli_parse(argc, (char **)argv, &s->c, err, sizeof err) != OVS_OK) {
        fprintf(stderr, "parse: %s\n", err);
        return 0;
    }
    return ovs_plan_build(&s->c, &s->p) == OVS_OK;
}

static void unmake(setup *s)
{
    ovs_plan_free(&s->p);
    ovs_cli_free(&s->c);
}

/* Run the design to its end with the oracle; counts [cells]; returns the rounds run. */
static int drive(ovs_design *d, const ovs_plan *p, oracle *o, int32_t *succ, int32_t *done,
                 uint8_t *bit_done, uint8_t *bit_succ)
{
    int64_t *items = malloc(sizeof *items * (size_t)p->n_items);
    int rounds = 0;
    for (; rounds < 10000; rounds++) {
        const int64_t m = ovs_design_propose(d, items, p->n_items);
        if (m == 0)
            break;
        oracle_answer(o, p, items, m, succ, done, bit_done, bit_succ);
        if (ovs_design_close_round(d, succ, done) != OVS_OK)
            break;
    }
    free(items);
    return rounds;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* 200 replications, truths drawn from inside the row's range: coverage >= 90%. */
static void test_coverage(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "100", "--act", "relu",
                          "--k", "1:40", "--d", "8", "--trials", "40", "--batch", "6"};
    setup s;
    CHECK(make(&s, 15, argv));
    const int reps = 200;
    int covered = 0, converged = 0, trainings[200];
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    for (int r = 0; r < reps; r++) {
        oracle o;
        const int64_t coords[] = {r};
        ovs_rng_for_tuple(&o.rng, 99, 7, coords, 1);
        /* kd/n in [0.08, 3.2] here: midpoints from 0.6 to 2.2, 10-90% widths in kd/n from
         * 0.04 to 0.7 (Figure 2's rows: about 0.1 to 0.4) */
        o.mu = log(0.6) + (log(2.2) - log(0.6)) * ovs_rng_uniform(&o.rng);
        o.s = exp(log(0.01) + (log(0.07) - log(0.01)) * ovs_rng_uniform(&o.rng));
        ovs_design *d = ovs_design_new(&s.p);
        int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
        drive(d, &s.p, &o, succ, done, NULL, NULL);
        ovs_row_summary row;
        ovs_design_row(d, 0, 0, &row);
        covered += row.ci_low <= exp(o.mu) && exp(o.mu) <= row.ci_high;
        converged += row.status == OVS_ROW_CONVERGED || row.status == OVS_ROW_BRACKETED;
        trainings[r] = row.trainings;
        ovs_design_free(d);
        free(succ);
        free(done);
    }
    qsort(trainings, (size_t)reps, sizeof trainings[0], cmp_int);
    printf("coverage %d/%d (%.1f%%), converged or bracketed %d, median trainings per row %d "
           "(quartiles %d, %d)\n", covered, reps, 100.0 * covered / reps, converged,
           trainings[reps / 2], trainings[reps / 4], trainings[3 * reps / 4]);
    CHECK(covered >= 0.90 * reps);
    CHECK(converged >= 0.8 * reps);
    unmake(&s);
}

/* A row whose transition lies below (above) its cells stops as all succeed (all fail). */
static void test_no_transition(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "100", "--act", "relu",
                          "--k", "5:40:5", "--d", "8", "--trials", "20", "--batch", "4"};
    setup s;
    CHECK(make(&s, 15, argv));
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    const double mus[2] = {log(0.1), log(9.0)}; /* the cells span kd/n 0.4 .. 3.2 */
    const int want[2] = {OVS_ROW_ALL_SUCCEED, OVS_ROW_ALL_FAIL};
    for (int c = 0; c < 2; c++) {
        oracle o = {.mu = mus[c], .s = 0.05};
        const int64_t coords[] = {c};
        ovs_rng_for_tuple(&o.rng, 5, 7, coords, 1);
        ovs_design *d = ovs_design_new(&s.p);
        int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
        drive(d, &s.p, &o, succ, done, NULL, NULL);
        ovs_row_summary row;
        ovs_design_row(d, 0, 0, &row);
        CHECK(row.status == want[c] && ovs_design_finished(d) && row.trainings < 40);
        /* a finished design proposes nothing, and closing its (empty) round adds no round:
         * a resumed complete file must not grow a round */
        const int rounds = ovs_design_round(d);
        int64_t none[1];
        CHECK(ovs_design_propose(d, none, 1) == 0 &&
              ovs_design_close_round(d, succ, done) == OVS_OK && ovs_design_round(d) == rounds);
        ovs_design_free(d);
        free(succ);
        free(done);
    }
    unmake(&s);
}

/* A row at small kd/n (n = 200, d = 1: kd/n <= 0.125) that only fails stops as all_fail,
 * although its posterior, pressed into the prior's margin, is narrower than --target-ci in
 * kd/n there: it must not be called converged with a midpoint outside the row. */
static void test_small_row_all_fail(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "200", "--act", "relu",
                          "--k", "1:25", "--d", "1", "--batch", "32"};
    setup s;
    CHECK(make(&s, 13, argv));
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    oracle o = {.mu = log(1.4), .s = 0.05};
    const int64_t coords[] = {3};
    ovs_rng_for_tuple(&o.rng, 5, 7, coords, 1);
    ovs_design *d = ovs_design_new(&s.p);
    int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
    drive(d, &s.p, &o, succ, done, NULL, NULL);
    ovs_row_summary row;
    ovs_design_row(d, 0, 0, &row);
    CHECK(row.status == OVS_ROW_ALL_FAIL && isnan(row.midpoint) && isinf(row.ci_high));
    ovs_design_free(d);
    free(succ);
    free(done);
    unmake(&s);
}

/* The same seed gives the same proposals; a replay of the results reaches the same state,
 * and continues with the same proposals as the uninterrupted design. */
static void test_replay(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "60", "--act", "relu",
                          "--k", "1:30", "--d", "4,6", "--trials", "30", "--batch", "7",
                          "--seed", "31"};
    setup s;
    CHECK(make(&s, 17, argv));
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
    uint8_t *bd = calloc((size_t)s.p.n_items, 1), *bs = calloc((size_t)s.p.n_items, 1);
    int64_t *a = malloc(sizeof *a * (size_t)s.p.n_items), *b = malloc(sizeof *b * (size_t)s.p.n_items);
    oracle o = {.mu = log(1.3), .s = 0.05};
    const int64_t coords[] = {1};
    ovs_rng_for_tuple(&o.rng, 5, 7, coords, 1);
    /* run 6 rounds, then propose the 7th and remember it */
    ovs_design *d1 = ovs_design_new(&s.p);
    int64_t *items = malloc(sizeof *items * (size_t)s.p.n_items);
    for (int r = 0; r < 6; r++) {
        int64_t m = ovs_design_propose(d1, items, s.p.n_items);
        oracle_answer(&o, &s.p, items, m, succ, done, bd, bs);
        ovs_design_close_round(d1, succ, done);
    }
    const int64_t na = ovs_design_propose(d1, a, s.p.n_items);
    /* half of round 7 done: the replay stops there and queues the other half */
    for (int64_t i = 0; i < na / 2; i++)
        bd[a[i]] = 1;
    ovs_design *d2 = ovs_design_new(&s.p);
    const int64_t nb = ovs_design_replay(d2, bd, bs, b);
    CHECK(ovs_design_round(d2) == 6 && nb == na - na / 2 && memcmp(b, a + na / 2, sizeof *a * (size_t)nb) == 0);
    ovs_row_summary r1, r2;
    ovs_design_row(d1, 0, 1, &r1);
    ovs_design_row(d2, 0, 1, &r2);
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0);
    /* trial numbers: the t-th training of a cell is trial t */
    int ok = 1;
    for (size_t c = 0; c < cells; c++)
        for (int t = 0; t < s.p.T; t++)
            ok &= bd[c * s.p.T + t] == (t < done[c]) || (t >= done[c] && bd[c * s.p.T + t]);
    CHECK(ok);
    free(items);
    free(a);
    free(b);
    free(bd);
    free(bs);
    free(succ);
    free(done);
    ovs_design_free(d1);
    ovs_design_free(d2);
    unmake(&s);
}

/* The per-group budget and the per-cell cap hold. */
static void test_budget_and_cap(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "100", "--act", "relu",
                          "--k", "1:40", "--d", "8,9", "--trials", "3", "--batch", "5",
                          "--max-trainings", "23", "--target-ci", "0.001"};
    setup s;
    CHECK(make(&s, 19, argv));
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
    oracle o = {.mu = log(1.5), .s = 0.05};
    const int64_t coords[] = {2};
    ovs_rng_for_tuple(&o.rng, 5, 7, coords, 1);
    ovs_design *d = ovs_design_new(&s.p);
    drive(d, &s.p, &o, succ, done, NULL, NULL);
    int32_t most = 0;
    for (size_t c = 0; c < cells; c++)
        most = done[c] > most ? done[c] : most;
    ovs_row_summary a, b;
    ovs_design_row(d, 0, 0, &a);
    ovs_design_row(d, 0, 1, &b);
    CHECK(ovs_design_finished(d) && ovs_design_proposed(d) <= 23 && most <= 3);
    CHECK(a.status == OVS_ROW_BUDGET || a.status == OVS_ROW_CELLS_FULL);
    CHECK(b.status == OVS_ROW_BUDGET || b.status == OVS_ROW_CELLS_FULL);
    ovs_design_free(d);
    free(succ);
    free(done);
    unmake(&s);
}

/* A row that never got a training (its group's budget spent by the rows before it; a
 * --kd-band that leaves it one cell) has nothing but the prior in its posterior: it reports no
 * midpoint, interval or width, now or in the history, rather than the middle of its k range. */
static void test_untrained_rows(void)
{
    const char *argv[] = {"ovsweep", "--design", "adaptive", "--n", "100", "--act", "relu",
                          "--k", "1:40", "--d", "8,9", "--batch", "4", "--max-trainings", "2"};
    setup s;
    CHECK(make(&s, 15, argv));
    const size_t cells = (size_t)s.p.n_groups * s.p.K * s.p.D;
    int32_t *succ = calloc(cells, sizeof *succ), *done = calloc(cells, sizeof *done);
    oracle o = {.mu = log(1.5), .s = 0.05};
    const int64_t coords[] = {4};
    ovs_rng_for_tuple(&o.rng, 5, 7, coords, 1);
    ovs_design *d = ovs_design_new(&s.p);
    drive(d, &s.p, &o, succ, done, NULL, NULL);
    ovs_row_summary a, b;
    ovs_design_row(d, 0, 0, &a);
    ovs_design_row(d, 0, 1, &b);
    double lo, hi;
    ovs_design_history_ci(d, 0, 0, 1, &lo, &hi);
    CHECK(ovs_design_finished(d) && a.trainings == 2 && isfinite(a.midpoint));
    CHECK(b.trainings == 0 && isnan(b.midpoint) && isnan(b.ci_low) && isnan(b.ci_high) &&
          isnan(b.width) && isnan(lo) && isnan(hi));
    ovs_design_free(d);
    unmake(&s);
    /* kd/n in [3.9, 4.1] at n = 16: one cell in the d = 4 row (k = 16), none at d = 6 */
    const char *band[] = {"ovsweep", "--design", "adaptive", "--n", "16", "--act", "relu",
                          "--k", "2:16", "--d", "4,6", "--kd-band", "3.9:4.1"};
    CHECK(make(&s, 13, band));
    d = ovs_design_new(&s.p);
    memset(succ, 0, cells * sizeof *succ);
    memset(done, 0, cells * sizeof *done);
    drive(d, &s.p, &o, succ, done, NULL, NULL);
    ovs_design_row(d, 0, 0, &a);
    ovs_design_row(d, 0, 1, &b);
    CHECK(ovs_design_finished(d) && a.trainings == 0 && isnan(a.midpoint) &&
          isnan(a.ci_low) && isnan(a.ci_high) && isnan(a.width) && isnan(b.midpoint));
    ovs_design_free(d);
    free(succ);
    free(done);
    unmake(&s);
}

int main(void)
{
    test_untrained_rows();
    test_no_transition();
    test_replay();
    test_small_row_all_fail();
    test_budget_and_cap();
    test_coverage();
    TEST_DONE();
}
