/* timeleft_replay.c - replays a finished sweep's measured trial times through the ETA models
 * (timeleft.h): the trials in the queue's order (plan.h, longest first), on RANKS identical
 * ranks that each take the next trial when free, and at every tenth of the trials done the
 * time shown against the time truly left, for the calibrated model and the plan's static one.
 *
 *   /usr/bin/python3 bench/timeleft_dump.py grid.h5 >trials.txt
 *   build/timeleft_replay trials.txt 2 [ovsweep flags: the file's settings, or a subset of its
 *   groups, e.g. --n 100]
 *
 * Exits 1 when the calibrated model is off by more than 25% at 10% done or later. */
#include "cli.h"
#include "timeleft.h"
#include "plan.h"
#include "status.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct trial {
    int success, iterations;
    double seconds;
} trial;

static trial *read_trials(const char *path, const ovs_plan *p)
{
    FILE *f = fopen(path, "r");
    trial *t = calloc((size_t)p->n_items, sizeof *t);
    char name[64];
    int ki, di, tr, s, its;
    double sec;
    if (!f || !t) {
        fprintf(stderr, "timeleft_replay: cannot read %s\n", path);
        exit(2);
    }
    for (int64_t i = 0; i < p->n_items; i++)
        t[i].seconds = -1;
    while (fscanf(f, "%63s %d %d %d %d %d %lf", name, &ki, &di, &tr, &s, &its, &sec) == 7)
        for (int g = 0; g < p->n_groups; g++) /* the plan's groups may be a subset */
            if (strcmp(p->groups[g].name, name) == 0 && ki < p->K && di < p->D && tr < p->T)
                t[((int64_t)(g * p->K + ki) * p->D + di) * p->T + tr] = (trial){s, its, sec};
    fclose(f);
    return t;
}

/* The ranks take the queue in order, each the next trial when free: finish[i] for queue[i]. */
static double *schedule(const int64_t *queue, int64_t n, const trial *t, int ranks)
{
    double *finish = malloc(sizeof *finish * (size_t)n),
           *busy = calloc((size_t)ranks, sizeof *busy);
    for (int64_t i = 0; i < n; i++) {
        int r = 0;
        for (int j = 1; j < ranks; j++)
            r = busy[j] < busy[r] ? j : r;
        busy[r] += t[queue[i]].seconds;
        finish[i] = busy[r];
    }
    free(busy);
    return finish;
}

static int64_t *order_of_finish;
static const double *finish_of;
static int by_finish(const void *a, const void *b)
{
    double x = finish_of[*(const int64_t *)a], y = finish_of[*(const int64_t *)b];
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: timeleft_replay TRIALS.txt RANKS [ovsweep flags]\n");
        return 2;
    }
    const int ranks = atoi(argv[2]);
    char err[OVS_ERR_MAX];
    ovs_config c;
    ovs_plan p;
    argv[2] = argv[0];
    if (ranks < 1 || ovs_cli_parse(argc - 2, argv + 2, &c, err, sizeof err) != OVS_OK ||
        ovs_plan_build(&c, &p) != OVS_OK) {
        fprintf(stderr, "timeleft_replay: bad arguments (%s)\n", err);
        return 2;
    }
    trial *t = read_trials(argv[1], &p);
    int64_t *queue = malloc(sizeof *queue * (size_t)p.n_items);
    const int64_t n = ovs_plan_order(&p, NULL, queue);
    for (int64_t i = 0; i < n; i++)
        if (t[queue[i]].seconds < 0) {
            fprintf(stderr, "timeleft_replay: item %lld has no time\n", (long long)queue[i]);
            return 2;
        }
    double *finish = schedule(queue, n, t, ranks);
    order_of_finish = malloc(sizeof *order_of_finish * (size_t)n);
    for (int64_t i = 0; i < n; i++)
        order_of_finish[i] = i;
    finish_of = finish;
    qsort(order_of_finish, (size_t)n, sizeof *order_of_finish, by_finish);
    const double end = finish[order_of_finish[n - 1]];
    ovs_timeleft *e = ovs_timeleft_new(&p);
    int bad = 0;
    printf("%d ranks, %lld trials, %.1f s\n done   elapsed  true left  calibrated (ratio)  static "
           "(ratio)\n",
           ranks, (long long)n, end);
    int64_t added = 0;
    for (int dec = 1; dec <= 9; dec++) {
        const int64_t m = n * dec / 10;
        for (; added < m; added++) {
            const int64_t q = order_of_finish[added];
            const trial *x = &t[queue[q]];
            ovs_timeleft_add(e, queue[q], x->success, x->iterations, x->seconds, 1);
        }
        const double now = finish[order_of_finish[m - 1]], truth = end - now;
        double in_flight = 0; /* the other ranks' trials under way, as sweep.c counts them */
        for (int64_t j = m; j < n; j++) {
            const int64_t q = order_of_finish[j];
            const double since = now - (finish[q] - t[queue[q]].seconds);
            in_flight += since > 0 ? since : 0;
        }
        const double cal = ovs_timeleft_seconds(e, queue, n, now, in_flight),
                     st = ovs_timeleft_static(e, queue, n, now);
        bad |= fabs(cal / truth - 1) > 0.25;
        printf("  %d0%%  %8.1f  %9.1f  %9.1f (%.2f)    %9.1f (%.2f)\n", dec, now, truth, cal,
               cal / truth, st, st / truth);
    }
    ovs_timeleft_free(e);
    free(finish);
    free(order_of_finish);
    free(queue);
    free(t);
    ovs_plan_free(&p);
    ovs_cli_free(&c);
    printf("%s\n", bad ? "calibrated ETA off by more than 25% somewhere"
                       : "calibrated ETA within 25% from 10% on");
    return bad;
}
