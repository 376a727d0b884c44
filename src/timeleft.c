/* timeleft.c - the time left of a sweep, calibrated from the finished trials; see timeleft.h. */
#include "timeleft.h"

#include "outfile.h"

#include <math.h>
#include <stdlib.h>

/* kd/n bins: 4 per octave, kd/n from 2^-32 to 2^32. */
enum { BINS_PER_OCTAVE = 4, NBIN = 256, MIN_SEEN = 5 };

typedef struct tally {
    double seconds, cost, work; /* work: cost * iterations / max_iter, the updates run */
    int64_t count;
} tally;

typedef struct seen {
    int64_t trials, successes;
} seen;

struct ovs_timeleft {
    const ovs_plan *p;
    uint8_t *done; /* per item: added */
    int *cls; /* per group: its class, the first group of the same activation and method */
    tally *succ, *fail; /* per group */
    seen *bins; /* per group (only class leaders used) x NBIN */
    double run_seconds, run_cost; /* this run's finished trials */
};

ovs_timeleft *ovs_timeleft_new(const ovs_plan *p)
{
    ovs_timeleft *e = calloc(1, sizeof *e);
    const size_t G = (size_t)p->n_groups;
    if (!e)
        return NULL;
    e->p = p;
    e->done = calloc((size_t)p->n_items + 1, 1);
    e->cls = malloc(sizeof *e->cls * G);
    e->succ = calloc(G, sizeof *e->succ);
    e->fail = calloc(G, sizeof *e->fail);
    e->bins = calloc(G * NBIN, sizeof *e->bins);
    if (!e->done || !e->cls || !e->succ || !e->fail || !e->bins) {
        ovs_timeleft_free(e);
        return NULL;
    }
    for (int g = 0; g < p->n_groups; g++) {
        e->cls[g] = g;
        for (int h = 0; h < g; h++)
            if (p->groups[h].act == p->groups[g].act &&
                p->groups[h].method == p->groups[g].method) {
                e->cls[g] = h;
                break;
            }
    }
    return e;
}

void ovs_timeleft_free(ovs_timeleft *e)
{
    if (!e)
        return;
    free(e->done);
    free(e->cls);
    free(e->succ);
    free(e->fail);
    free(e->bins);
    free(e);
}

static int bin_of(const ovs_item *it)
{
    const double x = (double)it->k * it->d / it->n;
    const int b = (int)floor(BINS_PER_OCTAVE * log2(x)) + NBIN / 2;
    return b < 0 ? 0 : b >= NBIN ? NBIN - 1 : b;
}

void ovs_timeleft_add(ovs_timeleft *e, int64_t item, int success, int iterations,
                      double seconds, int this_run)
{
    if (item < 0 || item >= e->p->n_items || e->done[item] || !(seconds >= 0))
        return;
    e->done[item] = 1;
    ovs_item it;
    ovs_plan_item(e->p, item, &it);
    const double cost = ovs_plan_cost(e->p, item);
    tally *t = success ? &e->succ[it.g] : &e->fail[it.g];
    t->seconds += seconds;
    t->cost += cost;
    t->work += cost * (iterations > 0 ? iterations : 1) /
               (e->p->cfg->max_iter > 0 ? e->p->cfg->max_iter : 1);
    t->count++;
    seen *b = &e->bins[(size_t)e->cls[it.g] * NBIN + (size_t)bin_of(&it)];
    b->trials++;
    b->successes += success != 0;
    if (this_run) {
        e->run_seconds += seconds;
        e->run_cost += cost;
    }
}

/* Seconds per cost unit of group g's successes (or failures): the group's own once it has
 * MIN_SEEN, else its class's, else every group's; fallback when none has. */
static double rate(const ovs_timeleft *e, const tally *t, int g, double fallback)
{
    tally cls = {0, 0, 0, 0}, all = {0, 0, 0, 0};
    for (int h = 0; h < e->p->n_groups; h++) {
        if (e->cls[h] == e->cls[g]) {
            cls.seconds += t[h].seconds;
            cls.cost += t[h].cost;
            cls.count += t[h].count;
        }
        all.seconds += t[h].seconds;
        all.cost += t[h].cost;
        all.count += t[h].count;
    }
    const tally *use = t[g].count >= MIN_SEEN  ? &t[g]
                       : cls.count >= MIN_SEEN ? &cls
                       : all.count >= MIN_SEEN ? &all
                                               : NULL;
    return use && use->cost > 0 ? use->seconds / use->cost : fallback;
}

/* Seconds per cost unit of group g's failures before its class has any: its class's
 * successes' seconds per update run, times the full budget a failure runs. */
static double fail_rate(const ovs_timeleft *e, int g, double fallback)
{
    double sec = 0, work = 0;
    int64_t fails = 0;
    for (int h = 0; h < e->p->n_groups; h++)
        if (e->cls[h] == e->cls[g]) {
            fails += e->fail[h].count;
            sec += e->succ[h].seconds;
            work += e->succ[h].work;
        }
    if (fails > 0 || !(work > 0))
        return rate(e, e->fail, g, fallback);
    return sec / work;
}

/* Success fraction of every bin of class c: the bin's own once it holds MIN_SEEN trials, else
 * the nearest such bin's; 0 below the smallest kd/n seen (success needs kd of order n, so
 * below what was seen the budget is assumed to run out) and when the class has none. */
static void fill_fractions(const ovs_timeleft *e, int c, double *frac)
{
    const seen *b = &e->bins[(size_t)c * NBIN];
    int lowest = 0;
    while (lowest < NBIN && b[lowest].trials < MIN_SEEN)
        lowest++;
    for (int i = 0; i < lowest && i < NBIN; i++)
        frac[i] = 0;
    for (int i = lowest; i < NBIN; i++) {
        frac[i] = 0;
        for (int dist = 0; dist < NBIN; dist++) {
            const int lo = i - dist, hi = i + dist;
            const seen *s = lo >= 0 && b[lo].trials >= MIN_SEEN     ? &b[lo]
                            : hi < NBIN && b[hi].trials >= MIN_SEEN ? &b[hi]
                                                                    : NULL;
            if (s) {
                frac[i] = (double)s->successes / (double)s->trials;
                break;
            }
            if (lo < 0 && hi >= NBIN)
                break;
        }
    }
}

double ovs_timeleft_seconds(const ovs_timeleft *e, const int64_t *queue, int64_t n,
                            double elapsed, double in_flight)
{
    if (!(e->run_seconds > 0) || !(elapsed > 0))
        return -1;
    const int G = e->p->n_groups;
    double *rs = malloc(sizeof *rs * (size_t)G * 2),
           *frac = malloc(sizeof *frac * (size_t)G * NBIN);
    if (!rs || !frac) {
        free(rs);
        free(frac);
        return -1;
    }
    double fallback = 0, fb_cost = 0;
    for (int g = 0; g < G; g++) {
        fallback += e->succ[g].seconds + e->fail[g].seconds;
        fb_cost += e->succ[g].cost + e->fail[g].cost;
    }
    fallback = fb_cost > 0 ? fallback / fb_cost : 0;
    for (int g = 0; g < G; g++) {
        rs[2 * g] = rate(e, e->succ, g, fallback);
        rs[2 * g + 1] = fail_rate(e, g, fallback);
        if (e->cls[g] == g)
            fill_fractions(e, g, frac + (size_t)g * NBIN);
    }
    double left = 0;
    for (int64_t i = 0; i < n; i++) {
        if (e->done[queue[i]])
            continue;
        ovs_item it;
        ovs_plan_item(e->p, queue[i], &it);
        const double f = frac[(size_t)e->cls[it.g] * NBIN + (size_t)bin_of(&it)];
        left += ovs_plan_cost(e->p, queue[i]) * (f * rs[2 * it.g] + (1 - f) * rs[2 * it.g + 1]);
    }
    free(rs);
    free(frac);
    /* core-seconds at this run's pace: the ranks' seconds of training so far per second */
    return left * elapsed / (e->run_seconds + (in_flight > 0 ? in_flight : 0));
}

double ovs_timeleft_static(const ovs_timeleft *e, const int64_t *queue, int64_t n,
                           double elapsed)
{
    if (!(e->run_cost > 0) || !(elapsed > 0))
        return -1;
    double left = 0;
    for (int64_t i = 0; i < n; i++)
        if (!e->done[queue[i]])
            left += ovs_plan_cost(e->p, queue[i]);
    return elapsed * left / e->run_cost;
}

double ovs_checkpoint_limit_seconds(double bytes, double longest_seconds, double floor_seconds)
{
    const double slow_fs = OVS_OUTFILE_SLOW_RATE;
    double limit = floor_seconds;
    if (20.0 * longest_seconds > limit)
        limit = 20.0 * longest_seconds;
    if (bytes / slow_fs > limit)
        limit = bytes / slow_fs;
    return limit;
}
