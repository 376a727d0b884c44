/* test_plan.c - item numbering, cost ordering, and the text heatmap. */
#include "cli.h"
#include "diagnostics.h"
#include "plan.h"
#include "report.h"
#include "status.h"
#include "trial.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

/* One diagnostics cache for the whole test, as a rank keeps one for its whole run. */
static ovs_diag_cache *cache;

static void make_plan(ovs_config *c, ovs_plan *p, int argc, const char **argv)
{
    char err[OVS_ERR_MAX];
    if (ovs_cli_parse(argc, (char **)argv, c, err, sizeof err) != OVS_OK)
        fprintf(stderr, "parse: %s\n", err);
    if (ovs_plan_build(c, p) != OVS_OK)
        CHECK_MSG(0, "ovs_plan_build failed");
}

static void free_plan(ovs_config *c, ovs_plan *p)
{
    ovs_plan_free(p);
    ovs_cli_free(c);
}

static void test_items(void)
{
    ovs_config c;
    ovs_plan p;
    const char *argv[] = {"ovsweep", "--n", "10,20", "--k", "1:3", "--d", "2,5", "--trials", "4"};
    make_plan(&c, &p, 9, argv);
    CHECK(p.n_groups == 4 && p.n_items == 4 * 3 * 2 * 4);
    CHECK(strcmp(p.groups[0].name, "n10_softplus") == 0 && strcmp(p.groups[3].name, "n20_relu") == 0);
    int ok = 1;
    for (int64_t i = 0; i < p.n_items; i++) {
        ovs_item it;
        ovs_plan_item(&p, i, &it);
        int64_t back = ((int64_t)(it.g * p.K + it.ki) * p.D + it.di) * p.T + it.t;
        ok &= back == i && it.k == c.k_values[it.ki] && it.d == c.d_values[it.di] &&
              it.n == p.groups[it.g].n;
    }
    CHECK(ok);
    /* Longest first, every item once, done items skipped. */
    int64_t *order = malloc(sizeof(int64_t) * (size_t)p.n_items);
    uint8_t *done = calloc((size_t)p.n_items, 1);
    done[5] = done[17] = 1;
    int64_t m = ovs_plan_order(&p, done, order);
    CHECK(m == p.n_items - 2);
    int sorted = 1, seen5 = 0;
    for (int64_t i = 1; i < m; i++)
        sorted &= ovs_plan_cost(&p, order[i - 1]) >= ovs_plan_cost(&p, order[i]);
    for (int64_t i = 0; i < m; i++)
        seen5 |= order[i] == 5 || order[i] == 17;
    CHECK(sorted && !seen5);
    ovs_item first;
    ovs_plan_item(&p, order[0], &first);
    CHECK(first.n == 20 && first.k == 3 && first.d == 5);
    free(order);
    free(done);
    free_plan(&c, &p);
}

static void test_run_item_matches_coordinates(void)
{
    /* The same trial coordinates in two different plans give the same record. */
    ovs_config c1, c2;
    ovs_plan p1, p2;
    const char *a1[] = {"ovsweep", "--n", "30", "--act", "relu", "--k", "4", "--d", "5",
                        "--trials", "3", "--max-iter", "500"};
    const char *a2[] = {"ovsweep", "--n", "20,30", "--act", "softplus,relu", "--k", "2:4",
                        "--d", "5:6", "--trials", "3", "--max-iter", "500"};
    make_plan(&c1, &p1, 13, a1);
    make_plan(&c2, &p2, 13, a2);
    ovs_record r1, r2;
    int ab1, ab2;
    /* item 2 of p1 is (n30 relu, k4, d5, t2); in p2 group 3, ki 2, di 0, t 2. */
    int64_t i2 = ((int64_t)(3 * p2.K + 2) * p2.D + 0) * p2.T + 2;
    CHECK(ovs_trial_run(&p1, 2, cache, NULL, NULL, &r1, &ab1) == OVS_OK);
    CHECK(ovs_trial_run(&p2, i2, cache, NULL, NULL, &r2, &ab2) == OVS_OK);
    r2.item = r1.item;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0 && !ab1 && !ab2);
    free_plan(&c1, &p1);
    free_plan(&c2, &p2);
}

/* Every finished trial passes the checks a file's records get (resume, and the read-back of
 * each checkpoint), also one whose W barely moves: there W_T - W_0 cancels, and its stored
 * distance exceeded its path length by 1.25e-12 of itself (n = 4 relu, k = 2, d = 1, trial
 * 14442 of --max-iter 3), which refused the checkpoint and ended a 1.2M-trial sweep. A path
 * really shorter than the distance is still refused. */
static void test_record_check_rounding(void)
{
    ovs_config c;
    ovs_plan p;
    const char *a[] = {"ovsweep", "--n", "4", "--act", "relu", "--k", "2", "--d", "1",
                       "--trials", "14443", "--max-iter", "3"};
    make_plan(&c, &p, 13, a);
    ovs_record r;
    int aborted = 0;
    char why[256] = "";
    CHECK(ovs_trial_run(&p, 14442, NULL, NULL, NULL, &r, &aborted) == OVS_OK && !aborted);
    CHECK_MSG(r.dist_from_init > 0 && r.path_length < r.dist_from_init * (1.0 - 1e-12),
              "the case no longer shows the rounding: dist %.17g, path %.17g", r.dist_from_init,
              r.path_length);
    CHECK_MSG(ovs_record_check(&p, &r, why, sizeof why) == OVS_OK, "refused: %s", why);
    r.path_length = 0.999 * r.dist_from_init;
    CHECK(ovs_record_check(&p, &r, why, sizeof why) == OVS_EFORMAT);
    free_plan(&c, &p);
}

/* Methods are a group coordinate; the kd band removes cells from the run but not from the
 * numbering; gd's records are the same with or without other methods beside it. */
static void test_methods_and_band(void)
{
    ovs_config c, c1;
    ovs_plan p, p1;
    const char *argv[] = {"ovsweep", "--n", "20", "--act", "relu", "--method", "gd,rf,sgd",
                          "--k", "1:5", "--d", "2,4,8", "--trials", "2", "--kd-band", "0.5:1.5",
                          "--max-iter", "50"};
    make_plan(&c, &p, 17, argv);
    CHECK(p.n_groups == 3 && strcmp(p.groups[0].name, "n20_relu") == 0 &&
          strcmp(p.groups[1].name, "n20_relu_rf") == 0 &&
          strcmp(p.groups[2].name, "n20_relu_sgd") == 0 && p.groups[1].method == OVS_METHOD_RF);
    /* kd in [10, 30]: (k,d) = (2,8)? 16 yes; count per group by hand. */
    int want = 0;
    for (int k = 1; k <= 5; k++)
        for (int di = 0; di < 3; di++) {
            int d = (int[]){2, 4, 8}[di];
            want += k * d >= 10 && k * d <= 30;
        }
    CHECK(p.n_items == 3 * 5 * 3 * 2 && p.n_planned == 3 * want * 2);
    int64_t *order = malloc(sizeof(int64_t) * (size_t)p.n_items);
    int64_t m = ovs_plan_order(&p, NULL, order);
    int all_in = 1;
    for (int64_t i = 0; i < m; i++) {
        ovs_item it;
        ovs_plan_item(&p, order[i], &it);
        all_in &= it.k * it.d >= 10 && it.k * it.d <= 30;
    }
    CHECK(m == p.n_planned && all_in);
    free(order);
    /* rf trials do no iterations; sgd counts epochs within the budget. */
    ovs_record r;
    int ab;
    int64_t rf_item = ((int64_t)(1 * p.K + 4) * p.D + 2) * p.T; /* k5 d8 */
    CHECK(ovs_trial_run(&p, rf_item, cache, NULL, NULL, &r, &ab) == OVS_OK && r.iterations == 0 &&
          r.dist_from_init == 0 && isnan(r.x_norm));
    int64_t sgd_item = ((int64_t)(2 * p.K + 4) * p.D + 2) * p.T;
    CHECK(ovs_trial_run(&p, sgd_item, cache, NULL, NULL, &r, &ab) == OVS_OK && r.iterations >= 1 &&
          r.iterations <= 50);
    /* gd alone and gd beside rf/sgd: identical record for the same coordinates. */
    const char *a1[] = {"ovsweep", "--n", "20", "--act", "relu", "--k", "1:5", "--d", "2,4,8",
                        "--trials", "2", "--max-iter", "50", "--diagnostics"};
    make_plan(&c1, &p1, 14, a1);
    ovs_record r0, r1;
    int64_t gd_item = ((int64_t)(0 * p.K + 4) * p.D + 2) * p.T + 1;
    CHECK(ovs_trial_run(&p, gd_item, cache, NULL, NULL, &r0, &ab) == OVS_OK);
    CHECK(ovs_trial_run(&p1, gd_item, cache, NULL, NULL, &r1, &ab) == OVS_OK);
    CHECK(r0.iterations == r1.iterations && r0.final_rel_err == r1.final_rel_err &&
          r0.dist_from_init == r1.dist_from_init);
    /* --diagnostics fills the theory fields (sigma_min(J) may be 0 here: with 4 active relu
     * units a sample is dead on all of them with probability 1/16). */
    CHECK(r1.x_norm > 0 && r1.kr_sigma_min >= 0 && r1.nn_lambda > 0 && r1.jac_sigma_min >= 0 &&
          r1.initial_rel_err > 0 && isnan(r0.x_norm));
    free_plan(&c, &p);
    free_plan(&c1, &p1);
}

/* --shard I/N: every planned cell in exactly one part, whatever N; the parts' costs within a
 * cell's cost of each other (LPT); the same cells for any --trials (a resume that adds trials
 * keeps each part's cells); the band's cells only. */
static void test_parts(void)
{
    const int N[] = {1, 2, 3, 7, 64};
    for (size_t t = 0; t < sizeof N / sizeof N[0]; t++) {
        char part[32];
        int seen_ok = 1, trials_ok = 1;
        double cost[64] = {0}, biggest = 0;
        int64_t planned = 0;
        ovs_config whole, c, c20;
        ovs_plan pw, p, p20;
        const char *aw[] = {"ovsweep", "--n", "50,90", "--method", "gd,sgd", "--k", "1:12",
                            "--d", "1:9", "--kd-band", "0.2:1.5"};
        make_plan(&whole, &pw, 11, aw);
        int *count = calloc((size_t)(pw.n_groups * pw.K * pw.D), sizeof *count);
        for (int i = 1; i <= N[t]; i++) {
            snprintf(part, sizeof part, "%d/%d", i, N[t]);
            const char *a[] = {"ovsweep", "--n", "50,90", "--method", "gd,sgd", "--k", "1:12",
                               "--d", "1:9", "--kd-band", "0.2:1.5", "--shard", part, "--trials",
                               "10"};
            const char *a20[] = {"ovsweep", "--n", "50,90", "--method", "gd,sgd", "--k", "1:12",
                                 "--d", "1:9", "--kd-band", "0.2:1.5", "--shard", part,
                                 "--trials", "20"};
            make_plan(&c, &p, 15, a);
            make_plan(&c20, &p20, 15, a20);
            planned += p.n_planned;
            for (int g = 0; g < p.n_groups; g++)
                for (int ki = 0; ki < p.K; ki++)
                    for (int di = 0; di < p.D; di++) {
                        const int in = ovs_plan_cell_planned(&p, g, ki, di);
                        trials_ok &= in == ovs_plan_cell_planned(&p20, g, ki, di);
                        seen_ok &= !in || ovs_plan_cell_planned(&pw, g, ki, di);
                        count[(g * p.K + ki) * p.D + di] += in;
                        if (in) {
                            const double c1 = ovs_plan_cost(&p, ((int64_t)(g * p.K + ki) * p.D + di) * p.T);
                            cost[i - 1] += c1;
                            biggest = c1 > biggest ? c1 : biggest;
                        }
                    }
            free_plan(&c, &p);
            free_plan(&c20, &p20);
        }
        for (int g = 0; g < pw.n_groups; g++)
            for (int ki = 0; ki < pw.K; ki++)
                for (int di = 0; di < pw.D; di++)
                    seen_ok &= count[(g * pw.K + ki) * pw.D + di] ==
                               ovs_plan_cell_planned(&pw, g, ki, di);
        double lo = cost[0], hi = cost[0];
        for (int i = 1; i < N[t]; i++) {
            lo = cost[i] < lo ? cost[i] : lo;
            hi = cost[i] > hi ? cost[i] : hi;
        }
        CHECK_MSG(seen_ok && planned == pw.n_planned, "%d parts: each band cell in one part", N[t]);
        CHECK_MSG(trials_ok, "%d parts: the same cells with 10 and 20 trials", N[t]);
        CHECK_MSG(hi - lo <= biggest, "%d parts: costs %.4g..%.4g differ by more than the "
                  "largest cell's %.4g", N[t], lo, hi, biggest);
        free(count);
        free_plan(&whole, &pw);
    }
}

/* The data-only diagnostics are remembered across k (the caller's cache): a trial's record is
 * the same whether its (n, d, trial) was seen before or not, and equals a direct computation. */
static void test_diagnostics_memo(void)
{
    ovs_config c;
    ovs_plan p;
    const char *argv[] = {"ovsweep", "--n", "12", "--act", "softplus", "--k", "3,8", "--d", "4",
                          "--trials", "2", "--max-iter", "20", "--diagnostics", "--seed", "77"};
    make_plan(&c, &p, 16, argv);
    ovs_record a1, b1, a2;
    int ab;
    /* items: (k3,d4,t0)=0, (k3,d4,t1)=1, (k8,d4,t0)=2. k8 after k3 hits the memo of t0. */
    CHECK(ovs_trial_run(&p, 0, cache, NULL, NULL, &a1, &ab) == OVS_OK);
    CHECK(ovs_trial_run(&p, 2, cache, NULL, NULL, &b1, &ab) == OVS_OK);
    CHECK(a1.x_norm == b1.x_norm && a1.kr_sigma_min == b1.kr_sigma_min &&
          a1.nn_lambda == b1.nn_lambda && a1.jac_sigma_min != b1.jac_sigma_min);
    ovs_problem prob;
    ovs_diagnostics dg;
    CHECK(ovs_problem_alloc(&prob, 12, 8, 4) == OVS_OK);
    ovs_problem_draw(&prob, 77, 0);
    CHECK(ovs_diagnostics_compute(&prob, p.groups[0].act, &dg) == OVS_OK);
    CHECK(dg.x_norm == b1.x_norm && dg.kr_sigma_min == b1.kr_sigma_min &&
          dg.nn_lambda == b1.nn_lambda && dg.jac_sigma_min == b1.jac_sigma_min &&
          dg.initial_rel_err == b1.initial_rel_err);
    ovs_problem_free(&prob);
    /* Another trial, then the first again: the same record as the first time. */
    CHECK(ovs_trial_run(&p, 1, cache, NULL, NULL, &a2, &ab) == OVS_OK && a2.nn_lambda != a1.nn_lambda);
    CHECK(ovs_trial_run(&p, 0, cache, NULL, NULL, &a2, &ab) == OVS_OK);
    CHECK(memcmp(&a1, &a2, sizeof a1) == 0);
    /* Without a cache (NULL) the same record: remembering changes nothing. */
    CHECK(ovs_trial_run(&p, 2, NULL, NULL, NULL, &a2, &ab) == OVS_OK);
    CHECK(memcmp(&b1, &a2, sizeof b1) == 0);
    free_plan(&c, &p);
}

static void test_heatmap_text(void)
{
    ovs_config c;
    ovs_plan p;
    const char *argv[] = {"ovsweep", "--n", "6", "--act", "relu", "--k", "1:3", "--d", "1:3",
                          "--trials", "2"};
    make_plan(&c, &p, 11, argv);
    int32_t sc[9] = {0, 0, 1, 0, 1, 2, 0, 2, 2}, td[9] = {2, 2, 2, 2, 2, 2, 0, 2, 2};
    char buf[2048] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ovs_report_heatmap(f, &p, 0, sc, td);
    fclose(f);
    /* rows top-down k = 3, 2, 1; kd >= 6 first at (3, 2) and (2, 3); k = 1 never. */
    CHECK(strstr(buf, "k=   3  .|# #\n") != NULL);
    CHECK(strstr(buf, "k=   2  0 5|#\n") != NULL);
    CHECK(strstr(buf, "k=   1  0 0 5\n") != NULL);
    if (!strstr(buf, "k=   3  .|# #\n"))
        fprintf(stderr, "%s", buf);
    free_plan(&c, &p);
}

int main(void)
{
    test_parts();
    cache = ovs_diag_cache_new();
    CHECK(cache != NULL);
    test_methods_and_band();
    test_diagnostics_memo();
    test_items();
    test_run_item_matches_coordinates();
    test_heatmap_text();
    test_record_check_rounding();
    ovs_diag_cache_free(cache);
    TEST_DONE();
}
