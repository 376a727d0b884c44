/* bench_lockstep.c - trainings that share X in lockstep (train.h's ovs_train_run_lockstep)
 * against the same trainings one after the other (ovs_train_run), taking turns in one process
 * (this machine's speed drifts: only paired ratios say anything about a few percent).
 *
 *   build/bench_lockstep SECONDS N D K:ACT[,K:ACT...] [N D K:ACT[,K:ACT...]]...
 *
 * Each case trains its trainings (trial 0 of seed 2019, every k and activation on the same X)
 * for U updates each (U for about 0.4 s per training, at least 200, so that loading X into
 * the workspaces weighs little), with a tolerance no training
 * reaches. Each turn times them alone and in lockstep (order alternating); printed: us per
 * update of each side (best turn; alone: the sum over the trainings), and of lockstep / alone
 * the median and 10th-90th percentiles of the turns' ratios; whether every result was the
 * same bits; the passes shared. */
#include "activation.h"
#include "problem.h"
#include "status.h"
#include "train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TURNS_MAX = 1000 };

typedef struct {
    int m, n, d, k[OVS_LOCKSTEP_MAX];
    const ovs_activation *act[OVS_LOCKSTEP_MAX];
    ovs_problem p[OVS_LOCKSTEP_MAX];
    ovs_train_workspace ws[OVS_LOCKSTEP_MAX];
    ovs_gd_opts o[OVS_LOCKSTEP_MAX];
    ovs_protocol proto;
    double ladder[OVS_LADDER_MAX];
} bench_case;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int parse_members(bench_case *c, char *list)
{
    c->m = 0;
    for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
        char *colon = strchr(tok, ':');
        if (!colon || c->m == OVS_LOCKSTEP_MAX)
            return 0;
        *colon = '\0';
        c->k[c->m] = atoi(tok);
        c->act[c->m] = ovs_activation_find(colon + 1);
        if (c->k[c->m] < 1 || !c->act[c->m])
            return 0;
        c->m++;
    }
    return c->m > 0;
}

static int setup(bench_case *c)
{
    c->proto = (ovs_protocol){.max_iter = 1, .tol = 1e-300, .ladder = c->ladder};
    c->proto.n_ladder = ovs_protocol_ladder(c->proto.tol, c->ladder, OVS_LADDER_MAX);
    for (int j = 0; j < c->m; j++) {
        if (ovs_problem_alloc(&c->p[j], c->n, c->k[j], c->d) != OVS_OK ||
            ovs_train_workspace_alloc(&c->ws[j], c->n, c->k[j], c->d) != OVS_OK)
            return 0;
        ovs_problem_draw(&c->p[j], 2019, 0);
        const int relu = strcmp(c->act[j]->name, "relu") == 0;
        c->o[j] = (ovs_gd_opts){c->act[j], relu ? 0.1 : 0.15, OVS_KERNEL_SIMD};
    }
    return 1;
}

/* Seconds for the trainings alone (one after the other) or in lockstep; results into res. */
static double timed(bench_case *c, int together, ovs_result *res, int *shared)
{
    ovs_train_job jobs[OVS_LOCKSTEP_MAX];
    const double t0 = now();
    if (together) {
        for (int j = 0; j < c->m; j++)
            jobs[j] = (ovs_train_job){&c->p[j], &c->o[j], &c->proto, &c->ws[j], &res[j], 0};
        if (ovs_train_run_lockstep(c->m, jobs) != OVS_OK)
            exit(1);
        for (int j = 0; j < c->m; j++)
            shared[j] = jobs[j].together;
    } else
        for (int j = 0; j < c->m; j++)
            if (ovs_train_run(&c->p[j], &c->o[j], &c->proto, &c->ws[j], &res[j]) != OVS_OK)
                exit(1);
    return now() - t0;
}

static int same_bits(const ovs_result *a, const ovs_result *b, int m)
{
    int same = 1;
    for (int j = 0; j < m; j++)
        same &= a[j].iterations == b[j].iterations &&
                memcmp(&a[j].final_rel_err, &b[j].final_rel_err, sizeof(double)) == 0 &&
                memcmp(&a[j].path_length, &b[j].path_length, sizeof(double)) == 0 &&
                memcmp(&a[j].dist_from_init, &b[j].dist_from_init, sizeof(double)) == 0;
    return same;
}

static void run_case(bench_case *c, double seconds, const char *members)
{
    ovs_result alone[OVS_LOCKSTEP_MAX], both[OVS_LOCKSTEP_MAX];
    int shared[OVS_LOCKSTEP_MAX], same = 1;
    c->proto.max_iter = 4;
    const double probe = timed(c, 0, alone, shared) / (4.0 * c->m);
    int u = (int)(0.4 / (probe > 1e-9 ? probe : 1e-9));
    c->proto.max_iter = u < 200 ? 200 : u > 100000 ? 100000 : u; /* loads amortised */
    double ratio[TURNS_MAX], best_a = 1e30, best_b = 1e30;
    int turns = 0;
    const double end = now() + seconds;
    while (turns < TURNS_MAX && (turns < 4 || now() < end)) {
        double ta, tb;
        if (turns % 2) {
            tb = timed(c, 1, both, shared);
            ta = timed(c, 0, alone, shared);
        } else {
            ta = timed(c, 0, alone, shared);
            tb = timed(c, 1, both, shared);
        }
        same &= same_bits(alone, both, c->m);
        ratio[turns++] = tb / ta;
        best_a = ta < best_a ? ta : best_a;
        best_b = tb < best_b ? tb : best_b;
    }
    qsort(ratio, (size_t)turns, sizeof(double), cmp_double);
    const double per = 1e6 / c->proto.max_iter;
    printf("%5d %4d %-28s %9.1f %9.1f %7.3f %7.3f %7.3f %7.3f  %s, shared %d of %d\n", c->n,
           c->d, members, best_a * per, best_b * per, best_b / best_a, ratio[turns / 2],
           ratio[turns / 10], ratio[turns - 1 - turns / 10], same ? "bit-identical" : "DIFFER",
           shared[0], c->proto.max_iter + 1);
    fflush(stdout);
}

int main(int argc, char **argv)
{
    if (argc < 5 || (argc - 2) % 3 != 0) {
        fprintf(stderr, "usage: bench_lockstep SECONDS N D K:ACT[,K:ACT...] [N D ...]...\n");
        return 2;
    }
    const double seconds = atof(argv[1]);
    printf("    n    d members                      alone us   lock us  best r  median     p10"
           "     p90\n");
    for (int a = 2; a + 2 < argc; a += 3) {
        bench_case c;
        memset(&c, 0, sizeof c);
        c.n = atoi(argv[a]);
        c.d = atoi(argv[a + 1]);
        char list[256];
        snprintf(list, sizeof list, "%s", argv[a + 2]);
        if (c.n < 1 || c.d < 1 || !parse_members(&c, list) || !setup(&c)) {
            fprintf(stderr, "bench_lockstep: bad case %s %s %s\n", argv[a], argv[a + 1],
                    argv[a + 2]);
            return 2;
        }
        run_case(&c, seconds, argv[a + 2]);
        for (int j = 0; j < c.m; j++) {
            ovs_train_workspace_free(&c.ws[j]);
            ovs_problem_free(&c.p[j]);
        }
    }
    return 0;
}
