/* test_plan.c - item numbering, cost ordering, and the text heatmap. */
#include "cli.h"
#include "plan.h"
#include "report.h"
#include "status.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static void make_plan(ovs_config *c, ovs_plan *p, int argc, const char **argv)
{
    char err[OVS_ERR_MAX];
    if (ovs_cli_parse(argc, (char **)argv, c, err, sizeof err) != OVS_OK)
        fprintf(stderr, "parse: %s\n", err);
    ovs_plan_build(c, p);
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
    ovs_cli_free(&c);
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
    CHECK(ovs_plan_run_item(&p1, 2, NULL, NULL, &r1, &ab1) == OVS_OK);
    CHECK(ovs_plan_run_item(&p2, i2, NULL, NULL, &r2, &ab2) == OVS_OK);
    r2.item = r1.item;
    CHECK(memcmp(&r1, &r2, sizeof r1) == 0 && !ab1 && !ab2);
    ovs_cli_free(&c1);
    ovs_cli_free(&c2);
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
    ovs_cli_free(&c);
}

int main(void)
{
    test_items();
    test_run_item_matches_coordinates();
    test_heatmap_text();
    TEST_DONE();
}
