/* test_h5schema.c - the blocks in which rank 0 writes a per-trial dataset
 * (ovs_schema_block_cells): bounded at the settings' caps, rectangular, and as large as the
 * budget allows. */
#include "config.h"
#include "h5schema.h"
#include "protocol.h"
#include "test.h"

#include <stdio.h>

#define BUDGET ((size_t)4 << 20)

/* Cases: (K, D, T, per, elem), from Figure 2 to the caps of --k, --d, --trials and the ladder. */
static const size_t cases[][5] = {
    {25, 25, 10, 1, 1},
    {25, 25, 10, 7, 4},
    {1024, 1024, 10, 1, 8},
    {1024, 1024, 190, 15, 4},
    {1, OVS_MAX_GRID, OVS_MAX_TRIALS, 1, 1},
    {1, OVS_MAX_GRID, OVS_MAX_TRIALS, 1, 8},
    {1, OVS_MAX_GRID, OVS_MAX_TRIALS, OVS_LADDER_MAX, 4},
    {3, 7, 5000, 15, 8},
    {2, 1000, 1, 1, 1},
};
#define N_CASES (sizeof cases / sizeof cases[0])

/* A block holds at most max(budget, one cell): at --d 1024 --trials 100000 a whole row of the
 * ladder is 6.1 GiB, which rank 0 once allocated and wrote in one call. */
static void test_bounded(void)
{
    int bad = -1;
    size_t got = 0, limit = 0;
    for (size_t i = 0; i < N_CASES && bad < 0; i++) {
        const size_t *c = cases[i], cell = c[2] * c[3] * c[4];
        const size_t b = ovs_schema_block_cells(c[0], c[1], c[2], c[3], c[4], BUDGET);
        limit = cell > BUDGET ? cell : BUDGET;
        got = b * cell;
        if (b == 0 || got > limit)
            bad = (int)i;
    }
    CHECK_MSG(bad < 0, "case %d: a block of %zu bytes, limit %zu", bad, got, limit);
}

/* A block is one hyperslab: whole rows (a multiple of D, at most K of them) or part of a row. */
static void test_rectangular(void)
{
    int bad = -1;
    for (size_t i = 0; i < N_CASES && bad < 0; i++) {
        const size_t *c = cases[i];
        const size_t b = ovs_schema_block_cells(c[0], c[1], c[2], c[3], c[4], BUDGET);
        if (!(b < c[1] || (b % c[1] == 0 && b / c[1] <= c[0])))
            bad = (int)i;
    }
    CHECK_MSG(bad < 0, "case %d: the block is neither whole rows nor part of one row", bad);
}

/* As large as the budget allows: Figure 2's datasets in one write, whole rows where a row fits,
 * and a row split into as many cells as fit. */
static void test_uses_budget(void)
{
    CHECK(ovs_schema_block_cells(25, 25, 10, 7, 4, BUDGET) == 25 * 25);
    CHECK(ovs_schema_block_cells(1024, 1024, 10, 1, 8, BUDGET) == 51 * 1024);
    CHECK(ovs_schema_block_cells(1, 1024, 100000, 1, 8, BUDGET) == 5);
    CHECK(ovs_schema_block_cells(1, 1024, 100000, 16, 4, BUDGET) == 1);
}

int main(void)
{
    test_bounded();
    test_rectangular();
    test_uses_budget();
    TEST_DONE();
}
