/* test_lockstep.c - several trainings in lockstep (train.h's ovs_train_run_lockstep): each
 * result is, bit for bit, the one the training gets alone; those that share X and its panels
 * step together, the others alone; trainings that stop early drop out while the rest go on. */
#include "activation.h"
#include "problem.h"
#include "status.h"
#include "testopts.h"
#include "test.h"

#include <string.h>

static double ladder[OVS_LADDER_MAX];

static topts opts_for(const char *act, int max_iter)
{
    topts o = {0};
    o.act = ovs_activation_find(act);
    o.eta = strcmp(act, "relu") == 0 ? 0.1 : 0.15;
    o.max_iter = max_iter;
    o.tol = 2.5e-3;
    o.ladder = ladder;
    o.n_ladder = ovs_protocol_ladder(o.tol, ladder, OVS_LADDER_MAX);
    return o;
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

int main(void)
{
    test_same_bits();
    test_who_shares();
    test_poll_abort();
    test_bad_args();
    TEST_DONE();
}
