/* report.c - plan, progress and heatmap text; see report.h. */
#include "report.h"

#include "h5schema.h"
#include "jacobian.h"
#include "method.h"
#include "trial.h"

#include <math.h>

void ovs_report_hms(double s, char *buf, size_t len)
{
    if (!isfinite(s) || s < 0) {
        snprintf(buf, len, "--:--:--");
        return;
    }
    if (s < 59.5) { /* "00:00:00" would hide a short run's estimate */
        snprintf(buf, len, "%.1f s", s);
        return;
    }
    long t = (long)(s + 0.5);
    snprintf(buf, len, "%02ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

/* "T on one rank", and ", T/ranks on N ranks" where the run has more than one (a dry run
 * outside mpirun has one: it says nothing of N then). */
static void print_times(FILE *out, double cost, double rate, int ranks)
{
    char a[32], b[32];
    ovs_report_hms(cost / rate, a, sizeof a);
    fprintf(out, "%s on one rank", a);
    if (ranks > 1) {
        ovs_report_hms(cost / rate / ranks, b, sizeof b);
        fprintf(out, ", %s on %d ranks", b, ranks);
    }
    fputc('\n', out);
}

/* The largest (sign 1) or smallest (sign -1) of the count values v: --k and --d keep the
 * order the user gave them (--d 640,320 stays so in the file), so the last need not be the
 * largest. */
static int extreme(const int *v, int count, int sign)
{
    int e = v[0];
    for (int i = 1; i < count; i++)
        e = sign * v[i] > sign * e ? v[i] : e;
    return e;
}

void ovs_report_plan(FILE *out, const ovs_plan *p, int64_t todo, double todo_cost, double rate,
                     int ranks)
{
    fprintf(out, "ovsweep plan: %d group(s) x %d k x %d d x %d trials = %lld trials, %lld to run\n",
            p->n_groups, p->K, p->D, p->T, (long long)p->n_items, (long long)todo);
    const ovs_config *c = p->cfg;
    if (p->n_planned < p->n_items && !p->cell_part)
        fprintf(out, "  --kd-band %g:%g: %lld of the grid's %lld trials are in the band (run)\n",
                c->kd_band[0], c->kd_band[1], (long long)p->n_planned, (long long)p->n_items);
    else if (p->cell_part)
        fprintf(out, "  --shard %d/%d: %lld of the grid's %lld trials are this part's (run); "
                "--merge joins the parts' files\n", c->shard[0], c->shard[1],
                (long long)p->n_planned, (long long)p->n_items);
    for (int g = 0; g < p->n_groups; g++) {
        const ovs_group *gr = &p->groups[g];
        fprintf(out, "  group %-20s n=%-6d activation=%-10s method=%-3s eta=", gr->name, gr->n,
                gr->act->name, ovs_method_names.name(gr->method));
        if (gr->eta_auto > 0)
            fprintf(out, "auto:%g (C / lambda_max per trial, by %s)\n", gr->eta_auto,
                    ovs_lambda_method_names.name(gr->lambda_method));
        else
            fprintf(out, "%g\n", gr->eta);
    }
    if (c->data.inputs != OVS_DATA_SPHERE || c->data.labels != OVS_LABELS_GAUSSIAN)
        fprintf(out, "  data=%s labels=%s\n", ovs_data_names.name(c->data.inputs),
                ovs_labels_names.name(c->data.labels));
    if (c->data.inputs == OVS_DATA_WORST)
        fprintf(out, "  worst-case pairs at distance delta=%g\n", c->data.delta);
    fprintf(out, "  max_iter=%d tol=%g seed=%llu k=%d..%d d=%d..%d\n", c->max_iter, c->tol,
            (unsigned long long)c->seed, extreme(c->k_values, p->K, -1),
            extreme(c->k_values, p->K, 1), extreme(c->d_values, p->D, -1),
            extreme(c->d_values, p->D, 1));
    if (rate > 0) {
        /* Every trial at its whole budget is usually well above a run's time, but the pace
         * is that of one short trial timed now: a loaded machine, more ranks than free
         * cores, or shapes slower per cost unit than the timed one run longer (2 ranks at a
         * load of 5 on 2 cores: 1.9x it). An estimate, then, and the line says so. */
        fprintf(out, "  cost estimate (every trial running its whole budget, at the pace timed "
                     "now; not a bound: a busier machine runs slower): ");
        print_times(out, todo_cost, rate, ranks);
    }
}

void ovs_report_adaptive_bound(FILE *out, const ovs_plan *p, double capped_cost, double rate,
                               int ranks)
{
    if (p->cfg->design != OVS_DESIGN_ADAPTIVE || !(rate > 0))
        return;
    if (p->cfg->max_trainings <= 0) {
        fprintf(out, "  adaptive design without --max-trainings: it stops when every row does, "
                     "after at most the trials above\n");
        return;
    }
    if (capped_cost < 0)
        return;
    fprintf(out, "  adaptive design: at most %ld trainings per group (--max-trainings), the "
                 "costliest of them: ",
            p->cfg->max_trainings);
    print_times(out, capped_cost, rate, ranks);
}

void ovs_report_design_ranks(FILE *out, const ovs_plan *p, int ranks, const char *lead)
{
    const ovs_config *c = p->cfg;
    if (c->design != OVS_DESIGN_ADAPTIVE || c->batch >= ranks)
        return;
    fprintf(out, "%s--design adaptive proposes %d training(s) a round (--batch) and waits for "
                 "all of them: at most %d of the %d ranks train at once; %d ranks give the same "
                 "results, a --batch of %d or more other trainings\n",
            lead, c->batch, c->batch, ranks, c->batch, ranks);
}

void ovs_report_progress(FILE *out, int64_t done, int64_t total, int64_t successes,
                         double elapsed, double eta_seconds, const char *extra)
{
    char e[32], r[32];
    ovs_report_hms(elapsed, e, sizeof e);
    ovs_report_hms(eta_seconds, r, sizeof r);
    fprintf(out, "ovsweep: %lld/%lld trials (%.1f%%), %lld succeeded, elapsed %s, ETA %s%s\n",
            (long long)done, (long long)total, total ? 100.0 * (double)done / (double)total : 100.0,
            (long long)successes, e, r, extra ? extra : "");
    fflush(out);
}

static char cell_char(int32_t succ, int32_t done)
{
    if (done == 0)
        return '.';
    if (succ == done)
        return '#';
    return (char)('0' + (int)(10.0 * succ / done));
}

void ovs_report_heatmap(FILE *out, const ovs_plan *p, int g, const int32_t *sc, const int32_t *td)
{
    const ovs_group *gr = &p->groups[g];
    const size_t base = (size_t)g * (size_t)p->K * (size_t)p->D;
    fprintf(out, "\n%s: success probability (tenths; # = 1, . = not run), rows k, columns d; "
                 "'|' marks kd = n\n", gr->name);
    for (int ki = p->K - 1; ki >= 0; ki--) {
        fprintf(out, "k=%4d ", p->cfg->k_values[ki]);
        int marked = 0;
        for (int di = 0; di < p->D; di++) {
            size_t c = base + (size_t)ki * (size_t)p->D + (size_t)di;
            int crossed = (long)p->cfg->k_values[ki] * p->cfg->d_values[di] >= gr->n;
            fputc(crossed && !marked ? '|' : ' ', out);
            marked |= crossed;
            fputc(cell_char(sc[c], td[c]), out);
        }
        fputc('\n', out);
    }
    fprintf(out, "   d = ");
    for (int di = 0; di < p->D; di++)
        fprintf(out, "%c%c", ' ', (char)('0' + p->cfg->d_values[di] % 10));
    fprintf(out, "  (last digit)\n");
}

static void print_bytes(FILE *out, double b)
{
    if (b >= 1024.0 * 1024.0 * 1024.0)
        fprintf(out, "%.1f GiB", b / (1024.0 * 1024.0 * 1024.0));
    else if (b >= 1024.0 * 1024.0)
        fprintf(out, "%.1f MiB", b / (1024.0 * 1024.0));
    else
        fprintf(out, "%.0f KiB", b / 1024.0);
}

void ovs_report_storage(FILE *out, double file_bytes, double free_bytes, double rank0_bytes,
                        int64_t loaded, double worker_bytes, int ranks)
{
    fprintf(out, "  output file: about ");
    print_bytes(out, file_bytes);
    fprintf(out, " (twice that while a checkpoint replaces it)");
    if (free_bytes >= 0) {
        fprintf(out, "; ");
        print_bytes(out, free_bytes);
        fprintf(out, " free there");
    }
    fprintf(out, "\n  rank 0 memory: about ");
    print_bytes(out, rank0_bytes);
    fprintf(out, " at its peak, the checkpoint's read-back included");
    if (loaded > 0)
        fprintf(out, " (with the %lld finished trials it loads to resume)", (long long)loaded);
    fprintf(out, "\n  each other rank: about ");
    print_bytes(out, worker_bytes);
    if (ranks > 1)
        fprintf(out, " at its peak (its share of the trials on %d ranks)\n", ranks);
    else
        fprintf(out, " at its peak on 2 ranks, less on more (its share of the trials)\n");
}

/* ---- rank 0's memory ---- */

/* A tiny run's peak (libraries, MPI, HDF5, OpenBLAS: /usr/bin/time -f %M of --k 1:2 --d 1:2
 * --trials 1, 24.7-28.6 MiB as a singleton and at 1-3 ranks). */
#define BASELINE_BYTES (28.0 * 1024 * 1024)

/* The checkpoint's read-back: rank 0 re-reads every new checkpoint in a forked child
 * (checkpoint.c's verify, through h5load.c), which shares rank 0's pages and adds its own: a
 * job's memory limit (a cgroup) counts both; /usr/bin/time's %M, the larger of the two
 * processes, reads up to the libraries' pages lower. The loader reads a block of cells at a
 * time (h5load.c: at most max(16 MiB, one cell) of records) and keeps no records: the block's
 * records, its done flags (1 byte a trial) and one dataset's values (8 bytes a trial for the
 * doubles, 4 a rung for the ladder: the larger), two counts a cell, and HDF5's chunk caches
 * (at most 1 MiB for each of the ~20 datasets a group has open, and no more than they hold). */
double ovs_report_readback_bytes(const ovs_plan *p)
{
    const double rec = (double)sizeof(ovs_record);
    const size_t cells = ovs_schema_block_cells((size_t)p->K, (size_t)p->D, (size_t)p->T, 1,
                                                sizeof(ovs_record), 16u << 20);
    const double items = (double)cells * p->T;
    const double values = 4.0 * p->n_ladder > 8.0 ? 4.0 * p->n_ladder : 8.0;
    /* the caches hold at most a group's stored values: about 40 bytes a trial and its rungs */
    const double group = (double)p->K * p->D * p->T * (40.0 + 4.0 * p->n_ladder);
    const double caches = group < 20.0 * 1024 * 1024 ? group : 20.0 * 1024 * 1024;
    return items * (rec + 1.0 + values) + 8.0 * p->K * p->D + caches;
}

/* How many trials of one X, (n, d), may train in lockstep at once (lockstep.c): gd, the k
 * of a shape that ovs_trial_lockstep_shape takes, both activations, at most --lockstep and as
 * many as fit OVS_LOCKSTEP_BYTES_MAX, the lead at trial bytes, each partner at partner bytes. */
static int lockstep_group(const ovs_config *c, int n, int d, double trial, double partner)
{
    int gd = 0, k_small = 0;
    for (int m = 0; m < c->method_count; m++)
        gd |= c->methods[m] == OVS_METHOD_GD;
    for (int i = 0; i < c->k_count; i++)
        k_small += ovs_trial_lockstep_shape(n, c->k_values[i], d);
    int g = gd ? k_small * c->act_count : 1; /* the trials of one X that may go together */
    g = g < c->lockstep ? g : c->lockstep;
    const int fit = trial > OVS_LOCKSTEP_BYTES_MAX /* lockstep.c's cap */
                        ? 1 : 1 + (int)((OVS_LOCKSTEP_BYTES_MAX - trial) / partner);
    g = g < fit ? g : fit;
    return g > 1 ? g : 1;
}

/* One trial at the largest shape (trial.h's ovs_trial_bytes: X twice, two n x k arrays, W
 * and its kin, vectors of n). Where trials there may train in lockstep (trial.h's
 * ovs_trial_lockstep_shape, gd), a group of up to --lockstep
 * of them (as many as share one X and fit OVS_LOCKSTEP_BYTES_MAX), the partners without X
 * (ovs_trial_partner_bytes), each trial with its rows of the group's stacked gradient
 * (ovs_trial_stack_bytes); at (6400, 5-12, 640) 98.6 MiB for rank 0 against 96.3-96.6 MiB
 * measured (docs/BENCHMARKS.md round 42). */
static double trial_bytes(const ovs_plan *p)
{
    const ovs_config *c = p->cfg;
    double trial = 0;
    for (int a = 0; a < c->n_count; a++) {
        const double n = c->n_values[a], k = extreme(c->k_values, p->K, 1),
                     d = extreme(c->d_values, p->D, 1);
        double b = ovs_trial_bytes(n, k, d, c->diagnostics, ovs_config_lambda_use(c));
        const double partner = ovs_trial_partner_bytes(n, k, d);
        const double lead = b + ovs_trial_stack_bytes(k, d);
        const int g = lockstep_group(c, (int)n, (int)d, lead, partner);
        if (g > 1)
            b = lead + (g - 1) * partner;
        trial = b > trial ? b : trial;
    }
    return trial;
}

double ovs_report_rank0_bytes(const ovs_plan *p, int64_t loaded, int ranks)
{
    const double trial = trial_bytes(p);
    const double rec = (double)sizeof(ovs_record), cells = (double)p->n_groups * p->K * p->D;
    /* the checkpoint's block of values (h5write.c: at most 4 MiB, a group's ladder at most) */
    const double ladder = 4.0 * p->n_ladder * p->K * p->D * p->T;
    const double block = ladder < 4.0 * 1024 * 1024 ? ladder : 4.0 * 1024 * 1024;
    /* The two peaks come at different times: a resume's load at the start (the records, taken
     * in from the reading child, which reads and sends them a block at a time), the read-back
     * of a checkpoint while rank 0 holds its share of the records. */
    const double load = loaded > 0 ? rec * (double)loaded + ovs_report_readback_bytes(p) : 0;
    const double run = rec * (double)p->n_planned / ranks + block + trial +
                       ovs_report_readback_bytes(p);
    return BASELINE_BYTES + 9.0 * (double)p->n_items + 16.0 * cells + (load > run ? load : run);
}

/* A rank but rank 0: its share of the records (the array grows by doubling, and is sorted
 * and gathered at each checkpoint: 1.7 times the records, fitted), the collective writes of
 * its points (h5write.c: batches of at most 65536 points a dataset, about 290 bytes a point
 * inside HDF5 and MPI-IO, fitted), one trial. Measured at 3 ranks, --n 4 --act relu --k 1:2
 * --d 1:40 --max-iter 3, T = 1, 500, 2000, 5000, 10000 trials a cell (/usr/bin/time %M): 28,
 * 50, 60, 81, 120 MiB; this gives 28, 50, 61, 82, 119. */
double ovs_report_worker_bytes(const ovs_plan *p, int ranks)
{
    const double share = (double)p->n_planned / (ranks > 1 ? ranks : 2);
    const double points = share * p->n_ladder, batch = points < 65536.0 ? points : 65536.0;
    return BASELINE_BYTES + 1.7 * (double)sizeof(ovs_record) * share + 290.0 * batch +
           trial_bytes(p);
}
