/* test_lockstep.c - several trainings in lockstep (train.h's ovs_train_run_lockstep): each
 * result is, bit for bit, the one the training gets alone; those that share X and its panels
 * step together, the others alone; trainings that stop early drop out while the rest go on.
 * And the sweep's side (lockstep.h, trial.h): which queued trials form a group, and each
 * record of a group as the trial alone gives it. */
#include "activation.h"
#include "cli.h"
#include "lockstep.h"
#include "plan.h"
#include "problem.h"
#include "status.h"
#include "testopts.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static double ladder[OVS_LADDER_MAX];

static topts opts_for(const char *act, int max_iter)
{
    return topts_paper(act, max_iter, ladder);
}

/* Every field of two results, doubles by their bits. */
static int same_result(const ovs_result *a, const ovs_result *b)
{
    return a->success == b->success && a->diverged == b->diverged &&
           a->aborted == b->aborted && a->early_stopped == b->early_stopped &&
           a->iterations == b->iterations &&
           memcmp(&a->final_rel_err, &b->final_rel_err, sizeof(double)) == 0 &&
           memcmp(&a->dist_from_init, &b->dist_from_init, sizeof(double)) == 0 &&
           memcmp(&a->path_length, &b->path_length, sizeof(double)) == 0 &&
           memcmp(a->ladder_hit, b->ladder_hit, sizeof a->ladder_hit) == 0;
}

/* One member of a lockstep test: its shape, activation, budget, data trial, and whether its
 * workspace is told to go pass by pass (it then cannot share panels). */
typedef struct {
    int n, k, d;
    const char *act;
    int max_iter, trial, by_passes;
} member;

typedef struct {
    ovs_problem p;
    ovs_train_workspace ws;
    topts t;
    ovs_gd_opts o;
    ovs_protocol proto;
    ovs_result alone, together;
} slot;

static int prepare(slot *s, const member *m, int panel)
{
    if (ovs_problem_alloc(&s->p, m->n, m->k, m->d) != OVS_OK ||
        ovs_train_workspace_alloc(&s->ws, m->n, m->k, m->d) != OVS_OK)
        return 0;
    ovs_problem_draw(&s->p, 29, m->trial);
    s->t = opts_for(m->act, m->max_iter);
    s->o = (ovs_gd_opts){s->t.act, s->t.eta, s->t.kernel};
    s->proto = topts_protocol(&s->t);
    /* whatever this CPU's L2 would choose: panels of `panel` where asked, else none */
    s->ws.by_panels = !m->by_passes && panel > 0;
    s->ws.panel = panel;
    s->ws.fetch_next = 1;
    return 1;
}

/* Trains the members alone and in lockstep; 1 when every result is the same, bit for bit.
 * together[j]: member j's shared passes over X. */
static int copies_left[OVS_LOCKSTEP_MAX]; /* whether each workspace kept its panel copy */
static int run_members(const member *m, int count, int panel, int *together)
{
    slot s[OVS_LOCKSTEP_MAX];
    ovs_train_job jobs[OVS_LOCKSTEP_MAX];
    int ok = 1;
    for (int j = 0; j < count; j++) {
        ok &= prepare(&s[j], &m[j], panel);
        ok &= ovs_train_run(&s[j].p, &s[j].o, &s[j].proto, &s[j].ws, &s[j].alone) == OVS_OK;
        jobs[j] = (ovs_train_job){&s[j].p, &s[j].o, &s[j].proto, &s[j].ws, &s[j].together, -1};
    }
    ok &= ovs_train_run_lockstep(count, jobs) == OVS_OK;
    for (int j = 0; j < count; j++) {
        ok &= same_result(&s[j].alone, &s[j].together);
        together[j] = jobs[j].together;
        copies_left[j] = s[j].ws.xp != NULL;
        ovs_train_workspace_free(&s[j].ws);
        ovs_problem_free(&s[j].p);
    }
    return ok;
}

/* Four trainings of one (n, d, trial), both activations and three k, with budgets that end
 * them at different updates: all four step together until the first stops, then the rest;
 * each result as alone. At three shapes (padding samples and a narrow last panel; np < 8 d;
 * one with input groups) and panels of 192 and 96. */
static void test_same_bits(void)
{
    const int shapes[3][2] = {{1001, 40}, {1000, 200}, {2800, 350}};
    const int widths[2] = {192, 96};
    int same = 1, shared = 1;
    for (int c = 0; c < 3; c++)
        for (int w = 0; w < 2; w++) {
            const int n = shapes[c][0], d = shapes[c][1];
            const member m[4] = {{n, 4, d, "relu", 30, 2, 0},
                                 {n, 7, d, "softplus", 50, 2, 0},
                                 {n, 4, d, "softplus", 20, 2, 0},
                                 {n, 13, d, "relu", 45, 2, 0}};
            int together[4];
            same &= run_members(m, 4, widths[w], together);
            /* each shares until it stops or only it is left: a pass per update and the
             * last evaluation (budget + 1), the longest 45 + 1 of its 50 + 1 */
            shared &= together[0] == 31 && together[1] == 46 && together[2] == 21 &&
                      together[3] == 46;
        }
    CHECK_MSG(same, "a training in lockstep differs from the same training alone");
    CHECK_MSG(shared, "trainings on one X did not step together while two were under way");
}

/* Who shares: another trial's X, another d, or a training told to go pass by pass steps
 * alone, while the two that share step together; every result as alone. */
static void test_who_shares(void)
{
    const member m[4] = {{1001, 5, 40, "relu", 25, 3, 0},
                         {1001, 6, 40, "relu", 25, 4, 0},   /* another trial's X */
                         {1001, 8, 40, "softplus", 25, 3, 1}, /* pass by pass */
                         {1001, 9, 40, "softplus", 25, 3, 0}};
    int together[4];
    CHECK_MSG(run_members(m, 4, 96, together), "a training in lockstep differs from alone");
    CHECK_MSG(together[0] == 26 && together[1] == 0 && together[2] == 0 && together[3] == 26,
              "shared passes %d %d %d %d, expected 26 0 0 26", together[0], together[1],
              together[2], together[3]);
    /* the one that read another's panels gave its copy up */
    CHECK(copies_left[0] && copies_left[1] && copies_left[2] && !copies_left[3]);
    const member two_d[2] = {{1001, 5, 40, "relu", 10, 3, 0}, {1001, 5, 48, "relu", 10, 3, 0}};
    CHECK(run_members(two_d, 2, 96, together) && together[0] == 0 && together[1] == 0);
}

static int abort_at_second(void *ctx)
{
    int *calls = ctx;
    return ++*calls >= 2;
}

/* A poll hook that asks to stop abandons the trainings at its call: each is aborted after as
 * many updates as the hook allowed it. */
static void test_poll_abort(void)
{
    slot s[2];
    ovs_train_job jobs[2];
    int calls[2] = {0, 0}, ok = 1;
    const member m[2] = {{1001, 5, 40, "relu", 200, 1, 0}, {1001, 9, 40, "softplus", 200, 1, 0}};
    for (int j = 0; j < 2; j++) {
        ok &= prepare(&s[j], &m[j], 96);
        s[j].proto.poll = abort_at_second;
        s[j].proto.poll_ctx = &calls[j];
        s[j].proto.poll_every = 8;
        jobs[j] = (ovs_train_job){&s[j].p, &s[j].o, &s[j].proto, &s[j].ws, &s[j].together, 0};
    }
    ok &= ovs_train_run_lockstep(2, jobs) == OVS_OK;
    for (int j = 0; j < 2; j++) {
        ok &= s[j].together.aborted == 1 && s[j].together.iterations == 16 && calls[j] == 2;
        ovs_train_workspace_free(&s[j].ws);
        ovs_problem_free(&s[j].p);
    }
    CHECK_MSG(ok, "the poll hook did not abandon both trainings at its second call");
}

/* No training, more than OVS_LOCKSTEP_MAX, or a job whose workspace has another shape:
 * OVS_EINVAL. */
static void test_bad_args(void)
{
    slot s;
    const member m = {200, 3, 5, "relu", 10, 0, 0};
    CHECK(prepare(&s, &m, 0));
    ovs_train_job jobs[OVS_LOCKSTEP_MAX + 1];
    for (int j = 0; j <= OVS_LOCKSTEP_MAX; j++)
        jobs[j] = (ovs_train_job){&s.p, &s.o, &s.proto, &s.ws, &s.together, 0};
    CHECK(ovs_train_run_lockstep(0, jobs) == OVS_EINVAL);
    CHECK(ovs_train_run_lockstep(OVS_LOCKSTEP_MAX + 1, jobs) == OVS_EINVAL);
    CHECK(ovs_train_run_lockstep(1, jobs) == OVS_OK && s.together.iterations == 10);
    ovs_train_workspace other;
    CHECK(ovs_train_workspace_alloc(&other, 200, 3, 6) == OVS_OK);
    jobs[1].ws = &other;
    CHECK(ovs_train_run_lockstep(2, jobs) == OVS_EINVAL);
    ovs_train_workspace_free(&other);
    ovs_train_workspace_free(&s.ws);
    ovs_problem_free(&s.p);
}

static int make_plan(ovs_config *c, ovs_plan *p, int argc, const char **argv)
{
    char err[OVS_ERR_MAX];
    if (ovs_cli_parse(argc, (char **)argv, c, err, sizeof err) != OVS_OK) {
        fprintf(stderr, "parse: %s\n", err);
        return 0;
    }
    return ovs_plan_build(c, p) == OVS_OK;
}

/* Which items pay to train together: the same (n, d, trial), both activations, where this CPU
 * reads X in panels, and k up to 64 where X has 20 MiB or more (6400 x 480: 23.4 MiB), up to
 * 24 below (d = 320: 15.6 MiB); not k = 100, another trial, or with --kernel blas. The
 * shapes by themselves: X in panels (none at the grid's sizes) and k. */
static void test_pays(void)
{
    CHECK(ovs_trial_lockstep_shape(6400, 64, 480) && !ovs_trial_lockstep_shape(6400, 65, 480));
    CHECK(ovs_trial_lockstep_shape(6400, 24, 320) && !ovs_trial_lockstep_shape(6400, 25, 320));
    CHECK(ovs_trial_lockstep_shape(800, 5, 80) && !ovs_trial_lockstep_shape(200, 5, 25));
    ovs_config c;
    ovs_plan p;
    const char *argv[] = {"ovsweep", "--n", "6400", "--k", "5,6,100", "--d", "480,320",
                          "--trials", "2", "--kd-band", "0:100"};
    CHECK(make_plan(&c, &p, 11, argv));
    const int panels = ovs_train_step_plan(5, 480, 6400).by_panels;
    const int panels320 = ovs_train_step_plan(5, 320, 6400).by_panels;
    /* item = ((g K + ki) D + di) T + t; groups: softplus, relu */
    const int64_t K = p.K, D = p.D, T = p.T;
#define ITEM(g, ki, di, t) ((((g) * K + (ki)) * D + (di)) * T + (t))
    CHECK(ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 1), ITEM(1, 1, 0, 1)) == panels);
    CHECK(ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 1), ITEM(0, 0, 0, 1)) == panels);
    CHECK(!ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 1), ITEM(0, 1, 0, 0))); /* trial */
    CHECK(ovs_trial_lockstep_pays(&p, ITEM(0, 0, 1, 1), ITEM(1, 1, 1, 1)) == panels320);
    CHECK(!ovs_trial_lockstep_pays(&p, ITEM(0, 0, 1, 1), ITEM(1, 2, 1, 1))); /* k 100, d 320 */
    CHECK(!ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 1), ITEM(0, 2, 0, 1))); /* k = 100 */
    CHECK(!ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 0), ITEM(1, 0, 1, 0))); /* d */
    c.kernel = OVS_KERNEL_BLAS;
    CHECK(!ovs_trial_lockstep_pays(&p, ITEM(0, 0, 0, 1), ITEM(1, 1, 0, 1)));
    c.kernel = OVS_KERNEL_SIMD;

    /* The queue in item order: behind item (0, 0, 0, 0) the other trials of its X (d = 480,
     * trial 0) with k <= 64 are (0, 1, 0, 0), (1, 0, 0, 0) and (1, 1, 0, 0), in that order. */
    const int64_t n = p.n_items;
    int64_t *q = malloc(sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++)
        q[i] = i;
    const int got = ovs_lockstep_gather(&p, q, 1, n, 4, ovs_plan_cost(&p, 0), 1e300);
    int kept_order = 1, perm = 1;
    for (int64_t i = 1 + got + 1; i < n; i++)
        kept_order &= q[i - 1] < q[i];
    int64_t sum = 0;
    for (int64_t i = 0; i < n; i++)
        sum += q[i];
    perm = sum == n * (n - 1) / 2;
    if (panels) {
        CHECK_MSG(got == 3 && q[1] == ITEM(0, 1, 0, 0) && q[2] == ITEM(1, 0, 0, 0) &&
                      q[3] == ITEM(1, 1, 0, 0),
                  "gathered %d: %lld %lld %lld", got, (long long)q[1], (long long)q[2],
                  (long long)q[3]);
        CHECK(ovs_lockstep_group(&p, q, (int)n, 4) == 4 && ovs_lockstep_group(&p, q, 3, 4) == 3);
        CHECK(ovs_lockstep_group(&p, q, (int)n, 2) == 2 && ovs_lockstep_group(&p, q + 4, 1, 4) == 1);
    } else
        CHECK(got == 0);
    CHECK_MSG(kept_order && perm, "the items not gathered lost their order, or items were lost");
    /* a bound that leaves no room, a limit of 1, an item that pays with nothing: none */
    for (int64_t i = 0; i < n; i++)
        q[i] = i;
    CHECK(ovs_lockstep_gather(&p, q, 1, n, 4, ovs_plan_cost(&p, 0), ovs_plan_cost(&p, 0)) == 0);
    CHECK(ovs_lockstep_gather(&p, q, 1, n, 1, 0, 1e300) == 0);
    CHECK(ovs_lockstep_gather(&p, q, ITEM(0, 2, 1, 0) + 1, n, 4, 0, 1e300) == 0);
    for (int64_t i = 0; i < n; i++)
        kept_order &= q[i] == i;
    CHECK(kept_order);
#undef ITEM
    free(q);
    ovs_plan_free(&p);
    ovs_cli_free(&c);
    /* At (25600, 57-60, 2300) the lead holds 0.98 GB (X, 471 MB, twice, and its rows of the
     * stacked gradient) and each partner 38 MB (without X): the lead and two partners fit the
     * 1 GiB of OVS_LOCKSTEP_BYTES_MAX, not a third (k = 60), though it shares the lead's X */
    const char *big[] = {"ovsweep", "--n", "25600", "--k", "57:60", "--d", "2300", "--act",
                         "relu", "--trials", "1", "--kd-band", "0:100"};
    CHECK(make_plan(&c, &p, 13, big));
    const double three = ovs_trial_bytes(25600, 57, 2300, 0, -1) + ovs_trial_stack_bytes(57, 2300) +
                         ovs_trial_partner_bytes(25600, 58, 2300) +
                         ovs_trial_partner_bytes(25600, 59, 2300);
    CHECK(three <= OVS_LOCKSTEP_BYTES_MAX &&
          three + ovs_trial_partner_bytes(25600, 60, 2300) > OVS_LOCKSTEP_BYTES_MAX);
    int64_t order[4] = {0, 1, 2, 3};
    const int partners = ovs_lockstep_gather(&p, order, 1, 4, 4, 0, 1e300);
    CHECK_MSG(partners == (ovs_train_step_plan(57, 2300, 25600).by_panels ? 2 : 0),
              "a group of %d at (25600, 57-60, 2300)", partners + 1);
    ovs_plan_free(&p);
    ovs_cli_free(&c);
}

/* A group's records are the records of its trials alone (ovs_trial_run), whatever the
 * grouping (ovs_trial_run_lockstep trains any gd trials together; only where X is shared do
 * they step together); the wall time is shared by estimated work and adds up. */
static void test_trial_records(void)
{
    ovs_config c;
    ovs_plan p;
    const char *argv[] = {"ovsweep", "--n", "300", "--k", "4,7", "--d", "12", "--trials", "2",
                          "--max-iter", "60", "--diagnostics"};
    CHECK(make_plan(&c, &p, 12, argv));
    const int64_t items[4] = {0, 2, p.n_items - 1, 1};
    ovs_record alone[4], group[4];
    int aborted[4] = {1, 1, 1, 1}, ab = 0, same = 1;
    for (int j = 0; j < 4; j++)
        CHECK(ovs_trial_run(&p, items[j], NULL, NULL, NULL, &alone[j], &ab) == OVS_OK && !ab);
    CHECK(ovs_trial_run_lockstep(&p, items, 4, NULL, NULL, NULL, group, aborted) == OVS_OK);
    for (int j = 0; j < 4; j++)
        same &= memcmp(&alone[j], &group[j], sizeof(ovs_record)) == 0 && aborted[j] == 0;
    CHECK_MSG(same, "a record of a group differs from the trial's alone");
    CHECK(ovs_trial_run_lockstep(&p, items, 0, NULL, NULL, NULL, group, aborted) == OVS_EINVAL);
    ovs_lockstep_share_wall(&p, group, 4, 10.0);
    double total = 0;
    for (int j = 0; j < 4; j++)
        total += group[j].wall_seconds;
    /* items 0 and 2 have k = 4, 1 and the last k = 7: more work per update */
    CHECK(total > 10.0 - 1e-9 && total < 10.0 + 1e-9 &&
          group[1].wall_seconds > group[0].wall_seconds * (group[0].iterations + 1.0) /
                                      (group[1].iterations + 1.0));
    ovs_lockstep_share_wall(&p, group, 1, 3.0);
    CHECK(group[0].wall_seconds == 3.0);
    ovs_plan_free(&p);
    ovs_cli_free(&c);
}

int main(void)
{
    test_pays();
    test_trial_records();
    test_same_bits();
    test_who_shares();
    test_poll_abort();
    test_bad_args();
    TEST_DONE();
}
