/* sweep.c - dispatch, training, checkpoints, signals and resume; see sweep.h.
 *
 * Protocol. Workers (ranks > 0) send a REQUEST carrying the outcome counts of their last
 * chunk; rank 0 answers with a chunk of item numbers (longest expected first) or with SYNC.
 * Rank 0 trains too, servicing requests from a hook the GD kernel calls every few updates.
 * SYNC means: every rank joins a collective checkpoint write and then an all-reduce that
 * decides whether to continue, stop (a signal was seen anywhere) or finish. Rank 0 answers
 * SYNC to every request once a checkpoint is due, a stop was requested or the queue is
 * empty, and starts the write once all workers are parked and its own trial is over. */
#include "sweep.h"

#include "checkpoint.h"
#include "design.h"
#include "timeleft.h"
#include "fatal.h"
#include "lockstep.h"
#include "outfile.h"
#include "plan.h"
#include "report.h"
#include "startup.h"
#include "status.h"
#include "stop.h"
#include "train.h"
#include "trial.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_REQUEST = 1, TAG_REPLY = 2 };
enum { CHUNK_MAX = 64, REPLY_SYNC = -1 };
/* A REQUEST: trials run, successes, stopped; then per trial of the chunk its success, updates
 * and nanoseconds (rank 0's ETA model learns from them, timeleft.h). */
enum { REQ_HEAD = 3, REQ_LEN = REQ_HEAD + 3 * CHUNK_MAX };
/* A chunk carries at most this much estimated work: cost units ~ flops, 5.5e10 of them per
 * core-second with the round-3 kernels, so ~0.3 s. (4e9 was 0.2-0.5 s for the first engine;
 * with the kernels 3x faster, rank 0 served 14900 requests in a 64-rank sweep, 0.97% of its
 * time by the simulator's model; with 1.6e10, 0.29%, at the same efficiency.) */
#define CHUNK_COST 1.6e10
#define PROGRESS_EVERY 10.0

/* Seconds between progress lines: PROGRESS_EVERY, or the testing hook
 * OVSWEEP_TEST_PROGRESS_EVERY (0: at every chance), so a suite sees lines without a long run. */
static double progress_every(void)
{
    const char *v = getenv("OVSWEEP_TEST_PROGRESS_EVERY");
    char *end;
    const double x = v ? strtod(v, &end) : -1;
    return v && end != v && *end == '\0' && x >= 0 ? x : PROGRESS_EVERY;
}

typedef struct sweep {
    MPI_Comm comm;
    int rank, size;
    const ovs_config *cfg;
    ovs_plan plan;
    ovs_outfile out; /* rank 0: the output, locked for the run */
    ovs_checkpointer ck;
    ovs_records mine;     /* this rank's finished trials (it writes them at every checkpoint) */
    ovs_diag_cache *diag; /* this rank's remembered data-only diagnostics */
    long trials_run;      /* by this rank in this run (for --fail-after-trials) */
    /* rank 0: the queue (work.queue from qpos on) and the dispatch state */
    ovs_work work;
    int64_t qpos;
    ovs_design *design; /* --design adaptive: the same on every rank; NULL for a grid */
    double *chunk_cost; /* per worker: cost of the chunk it holds */
    double *chunk_since; /* per worker: when it was handed the chunk it holds */
    double root_since;   /* rank 0: when its trial under way began; < 0 while it trains none */
    int64_t *chunk_items; /* per worker: the CHUNK_MAX items of the chunk it holds */
    ovs_timeleft *eta;    /* rank 0: the time-left model, fed every finished trial */
    double progress_every; /* rank 0: seconds between progress lines */
    double cost_left;
    int draining, parked, want_stop;
    int64_t done_total, success_total;
    int64_t lockstep_groups, lockstep_trials; /* rank 0: the groups it formed (lockstep.h) */
    double t_start, t_last_ckpt, t_last_progress;
} sweep;

static double now(void)
{
    return MPI_Wtime();
}

static void add_record(sweep *s, const ovs_record *r)
{
    if (ovs_records_add(&s->mine, r) != OVS_OK)
        OVS_DIE("out of memory for %lld result records", (long long)(2 * s->mine.cap));
}

/* Collective: count and write the file; the counts are then known on every rank. */
static int checkpoint(sweep *s)
{
    ovs_checkpoint_count(&s->ck, &s->mine);
    s->done_total = s->ck.total_done;
    return ovs_checkpoint_write(&s->ck, &s->mine, s->design);
}

/* Every rank: the trials planned so far (adaptive: proposed so far). */
static int64_t planned_so_far(const sweep *s)
{
    return s->design ? ovs_design_proposed(s->design) : s->plan.n_planned;
}

/* Collective, at the end of an adaptive round (every proposal done and counted): close it on
 * every rank and propose the next one; rank 0 queues it, longest first. */
static void next_round(sweep *s)
{
    if (ovs_design_close_round(s->design, s->ck.success_count, s->ck.trials_done) != OVS_OK)
        OVS_DIE("the adaptive design's round %d does not match the counts",
                ovs_design_round(s->design));
    s->work.qlen = ovs_design_propose(s->design, s->work.queue, s->plan.n_items);
    s->qpos = 0;
    ovs_plan_sort_by_cost(&s->plan, s->work.queue, s->work.qlen);
    s->cost_left = 0;
    for (int64_t i = 0; i < s->work.qlen; i++)
        s->cost_left += ovs_plan_cost(&s->plan, s->work.queue[i]);
}

/* Testing hook --crash-after-saved N: a checkpoint is due as soon as rank 0 knows of N
 * finished trials, and every rank dies right after writing it (sync_point). */
static int crash_due(const sweep *s)
{
    return s->cfg->crash_after_saved > 0 && s->done_total >= s->cfg->crash_after_saved;
}

/* ---- one trial ---- */

typedef struct poll_ctx {
    sweep *s;
    int serve; /* rank 0: service requests while training */
} poll_ctx;

static void serve_requests(sweep *s);
static void progress(sweep *s, int force);

static int poll_hook(void *ctx)
{
    poll_ctx *pc = ctx;
    if (pc->serve && pc->s->size > 1)
        serve_requests(pc->s); /* prints the progress line when due */
    else if (pc->serve)
        progress(pc->s, 0); /* alone, rank 0 has no requests to serve, yet owes the lines */
    return ovs_stop_requested();
}

/* Train items[0..count): one, or a group in lockstep (trial.h). Keeps the records of those
 * that finished and copies them to out, *finished of them in item order; returns 1 if all
 * finished, 0 if a stop abandoned any (they run again on resume). */
static int run_items(sweep *s, const int64_t *items, int count, ovs_record *out, int *finished)
{
    poll_ctx pc = {s, s->rank == 0};
    ovs_record rec[OVS_LOCKSTEP_MAX];
    int aborted[OVS_LOCKSTEP_MAX] = {0};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ovs_trial_run_lockstep(&s->plan, items, count, s->diag, poll_hook, &pc, rec,
                               aborted) != OVS_OK)
        OVS_DIE("out of memory training item %lld", (long long)items[0]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    ovs_lockstep_share_wall(&s->plan, rec, count, (double)(t1.tv_sec - t0.tv_sec) +
                                                      1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    *finished = 0;
    for (int j = 0; j < count; j++)
        if (!aborted[j]) {
            add_record(s, &rec[j]);
            out[(*finished)++] = rec[j];
            s->trials_run++;
        }
    if (s->cfg->fail_after_trials > 0 && s->trials_run >= s->cfg->fail_after_trials &&
        (s->rank > 0 || s->size == 1))
        raise(SIGKILL); /* testing hook: die like a crashed node would */
    return *finished == count;
}

/* Behind queue[qpos - 1]: the items that train in lockstep with it (lockstep.h). */
static int gather_partners(sweep *s, double cost, double bound)
{
    const int found = ovs_lockstep_gather(&s->plan, s->work.queue, s->qpos, s->work.qlen,
                                          s->cfg->lockstep, cost, bound);
    s->lockstep_groups += found > 0;
    s->lockstep_trials += found > 0 ? found + 1 : 0;
    return found;
}

/* ---- rank 0: dispatch ---- */

/* " for round R, rows stopped: n100_softplus 3/25, n100_relu 10/25" (per group up to four
 * groups, else the total). It follows the ETA, which covers only the round under way (the
 * rounds after it are not proposed yet): without "for round R" it read as the sweep's. */
static void design_progress(const sweep *s, char *out, size_t len)
{
    const int G = s->plan.n_groups, D = s->plan.D;
    const int r = ovs_design_round(s->design);
    size_t at = ovs_design_finished(s->design)
                    ? (size_t)snprintf(out, len, ", %d rounds, rows stopped:", r)
                    : (size_t)snprintf(out, len, " for round %d, rows stopped:", r + 1);
    int stopped = 0;
    for (int g = 0; g < G; g++)
        stopped += D - ovs_design_rows_active(s->design, g);
    if (G > 4) {
        snprintf(out + at, len - at, " %d/%d", stopped, G * D);
        return;
    }
    for (int g = 0; g < G && at < len; g++)
        at += (size_t)snprintf(out + at, len - at, "%s %s %d/%d", g ? "," : "",
                               s->plan.groups[g].name, D - ovs_design_rows_active(s->design, g), D);
}

static void progress(sweep *s, int force)
{
    double t = now();
    if (s->cfg->quiet || (!force && t - s->t_last_progress < s->progress_every))
        return;
    s->t_last_progress = t;
    double el = t - s->t_start;
    /* the seconds spent on trials the model has not seen yet: a worker reports its chunk only
     * when the chunk is over, and rank 0 its trial */
    double in_flight = s->root_since >= 0 ? t - s->root_since : 0;
    for (int w = 1; w < s->size; w++)
        in_flight += s->chunk_cost[w] > 0 ? t - s->chunk_since[w] : 0;
    double eta = ovs_timeleft_seconds(s->eta, s->work.queue, s->work.qlen, el, in_flight);
    char extra[320] = "";
    if (s->design) /* the ETA is the round's, and says so; the rows left say the rest */
        design_progress(s, extra, sizeof extra);
    ovs_report_progress(stderr, s->done_total, planned_so_far(s), s->success_total, el, eta,
                        extra);
}

static void account(sweep *s, int64_t done, int64_t succ, double cost)
{
    s->done_total += done;
    s->success_total += succ;
    s->cost_left -= cost;
}

/* What worker w reported of the chunk it held, trial by trial, to the ETA model (in chunk
 * order: the first req[0] of its items). */
static void learn(sweep *s, int w, const int64_t *req)
{
    if (req[2])
        return; /* stopped: the finished trials of a group need not be the chunk's first ones,
                   and the sweep ends here anyway */
    for (int64_t i = 0; i < req[0] && i < CHUNK_MAX; i++)
        ovs_timeleft_add(s->eta, s->chunk_items[(size_t)w * CHUNK_MAX + i],
                         (int)req[REQ_HEAD + 3 * i], (int)req[REQ_HEAD + 3 * i + 1],
                         1e-9 * (double)req[REQ_HEAD + 3 * i + 2], 1);
}

/* Next chunk: items in queue order while the chunk's estimated cost stays under a bound
 * that shrinks with the work left (guided self-scheduling keeps the tail balanced); or an
 * item that may train in lockstep with the ones gather_partners finds for it, alone. */
static int take_chunk(sweep *s, int64_t *items, double *cost)
{
    const double guided = s->cost_left / (2.0 * s->size);
    const double bound = guided < CHUNK_COST ? guided : CHUNK_COST;
    int m = 0;
    *cost = 0;
    while (m < CHUNK_MAX && s->qpos < s->work.qlen) {
        const int64_t next = s->work.queue[s->qpos];
        const double c = ovs_plan_cost(&s->plan, next);
        /* an item that may train in lockstep takes a chunk of its own with its partners, so
         * that the worker finds exactly the groups rank 0 formed (and counted) */
        const int lockstep = ovs_trial_lockstep_pays(&s->plan, next, next);
        if (m > 0 && (*cost + c > bound || lockstep))
            break;
        items[m++] = next;
        s->qpos++;
        *cost += c;
        if (!lockstep)
            continue;
        const int partners = gather_partners(s, c, guided);
        for (int j = 0; j < partners; j++) {
            items[m++] = s->work.queue[s->qpos++];
            *cost += ovs_plan_cost(&s->plan, items[m - 1]);
        }
        break;
    }
    return m;
}

static void serve_requests(sweep *s)
{
    int flag = 1;
    MPI_Status st;
    while (MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &flag, &st) == MPI_SUCCESS && flag) {
        int64_t req[REQ_LEN], reply[1 + CHUNK_MAX];
        int w = st.MPI_SOURCE;
        OVS_MPI_CHECK(MPI_Recv(req, REQ_LEN, MPI_INT64_T, w, TAG_REQUEST, s->comm,
                               MPI_STATUS_IGNORE));
        learn(s, w, req);
        account(s, req[0], req[1], req[2] ? 0 : s->chunk_cost[w]);
        s->chunk_cost[w] = 0;
        if (req[2])
            s->want_stop = 1;
        if (s->want_stop || s->qpos == s->work.qlen || crash_due(s))
            s->draining = 1;
        int m = 0;
        if (!s->draining)
            m = take_chunk(s, reply + 1, &s->chunk_cost[w]);
        s->chunk_since[w] = now();
        reply[0] = m > 0 ? m : REPLY_SYNC;
        memcpy(s->chunk_items + (size_t)w * CHUNK_MAX, reply + 1, sizeof(int64_t) * (size_t)m);
        s->parked += m == 0;
        OVS_MPI_CHECK(MPI_Send(reply, 1 + m, MPI_INT64_T, w, TAG_REPLY, s->comm));
    }
    progress(s, 0);
}

/* Collective after SYNC: count; at the end of an adaptive round, the next one; write; then
 * agree on continue (0), finished (1) or stopped (2). */
static int sync_point(sweep *s, int *status)
{
    int local[2] = {ovs_stop_requested() || s->want_stop, s->rank == 0 && s->qpos == s->work.qlen};
    int global[2];
    OVS_MPI_CHECK(MPI_Allreduce(local, global, 2, MPI_INT, MPI_MAX, s->comm));
    ovs_checkpoint_count(&s->ck, &s->mine);
    s->done_total = s->ck.total_done;
    if (s->design && global[1] && !global[0]) /* a stopped round is closed on resume */
        next_round(s);
    const int rc = ovs_checkpoint_write(&s->ck, &s->mine, s->design);
    if (rc != OVS_OK) {
        *status = rc == OVS_ESTOPPED ? OVS_EXIT_INTERRUPTED : OVS_EXIT_FAILURE;
        return 1;
    }
    if (s->cfg->crash_after_saved > 0 && s->ck.total_done >= s->cfg->crash_after_saved)
        raise(SIGKILL); /* testing hook: die like a killed job, leaving this checkpoint */
    if (s->ck.complete) {
        *status = OVS_EXIT_OK;
        return 1;
    }
    if (global[1] && !global[0] && (!s->design || s->work.qlen == 0)) {
        /* every trial was handed out and has finished, yet the file is not complete: a
         * finished trial was lost (a resume that dropped a record?). Going on would rewrite
         * the file forever; stop and say so, leaving what finished. */
        if (s->rank == 0)
            fprintf(stderr, "ovsweep: internal error: no trial is left to run, yet %lld of "
                    "%lld are missing from %s (it holds every finished trial)\n",
                    (long long)(planned_so_far(s) - s->done_total),
                    (long long)planned_so_far(s), s->cfg->output);
        *status = OVS_EXIT_FAILURE;
        return 1;
    }
    int stop = ovs_stop_requested() || s->want_stop;
    OVS_MPI_CHECK(MPI_Allreduce(MPI_IN_PLACE, &stop, 1, MPI_INT, MPI_MAX, s->comm));
    if (stop) {
        *status = OVS_EXIT_INTERRUPTED;
        return 1;
    }
    return 0;
}

/* Rank 0's turn to train: the next item of the queue, with those that train in lockstep
 * with it (gather_partners). */
static void root_trains(sweep *s)
{
    int64_t items[OVS_LOCKSTEP_MAX];
    items[0] = s->work.queue[s->qpos++];
    double cost = ovs_plan_cost(&s->plan, items[0]);
    const int count = 1 + gather_partners(s, cost, s->cost_left / (2.0 * s->size));
    for (int j = 1; j < count; j++)
        items[j] = s->work.queue[s->qpos++];
    ovs_record r[OVS_LOCKSTEP_MAX];
    int finished;
    s->root_since = now();
    const int all = run_items(s, items, count, r, &finished);
    s->root_since = -1;
    for (int j = 0; j < finished; j++) {
        account(s, 1, r[j].success, all ? ovs_plan_cost(&s->plan, r[j].item) : 0);
        ovs_timeleft_add(s->eta, r[j].item, r[j].success, r[j].iterations, r[j].wall_seconds, 1);
    }
    if (!all)
        s->want_stop = 1;
}

static int run_root(sweep *s)
{
    int status = OVS_EXIT_OK;
    for (;;) {
        if (s->size > 1)
            serve_requests(s);
        else
            progress(s, 0); /* between trials too: a trial may end before the hook runs */
        if (ovs_stop_requested())
            s->want_stop = 1;
        if (s->want_stop || s->qpos == s->work.qlen || crash_due(s) ||
            now() - s->t_last_ckpt >= s->cfg->checkpoint_every)
            s->draining = 1;
        if (!s->draining) {
            root_trains(s);
            continue;
        }
        if (s->parked == s->size - 1) {
            if (sync_point(s, &status))
                break;
            s->draining = 0;
            s->parked = 0;
            s->t_last_ckpt = now();
            continue;
        }
        struct timespec pause = {0, 200000}; /* waiting for workers: don't spin a core */
        nanosleep(&pause, NULL);
    }
    progress(s, 1);
    return status;
}

/* ---- workers ---- */

static int run_worker(sweep *s)
{
    int64_t report[REQ_LEN] = {0}, reply[1 + CHUNK_MAX];
    int status = OVS_EXIT_OK;
    for (;;) {
        OVS_MPI_CHECK(MPI_Send(report, REQ_LEN, MPI_INT64_T, 0, TAG_REQUEST, s->comm));
        OVS_MPI_CHECK(MPI_Recv(reply, 1 + CHUNK_MAX, MPI_INT64_T, 0, TAG_REPLY, s->comm,
                               MPI_STATUS_IGNORE));
        memset(report, 0, sizeof report);
        if (reply[0] == REPLY_SYNC) {
            if (sync_point(s, &status))
                return status;
            continue;
        }
        for (int i = 0; i < (int)reply[0];) {
            ovs_record r[OVS_LOCKSTEP_MAX];
            const int count =
                ovs_lockstep_group(&s->plan, reply + 1 + i, (int)reply[0] - i, s->cfg->lockstep);
            int finished = 0;
            const int all = !ovs_stop_requested() &&
                            run_items(s, reply + 1 + i, count, r, &finished);
            for (int j = 0; j < finished; j++, report[0]++) {
                report[REQ_HEAD + 3 * report[0]] = r[j].success;
                report[REQ_HEAD + 3 * report[0] + 1] = r[j].iterations;
                report[REQ_HEAD + 3 * report[0] + 2] = (int64_t)(r[j].wall_seconds * 1e9);
                report[1] += r[j].success;
            }
            if (!all) {
                report[2] = 1; /* interrupted: the rest of the chunk reruns on resume */
                break;
            }
            i += count;
        }
    }
}

static void final_report(const sweep *s, int status)
{
    if (s->rank != 0 || s->cfg->quiet)
        return;
    if (status == OVS_EXIT_OK || status == OVS_EXIT_INTERRUPTED)
        for (int g = 0; g < s->plan.n_groups; g++)
            ovs_report_heatmap(stdout, &s->plan, g, s->ck.success_count, s->ck.trials_done);
    printf("\novsweep: %d checkpoint(s) written, %.3f s on average, %.3f s at most\n",
           s->ck.n_written, s->ck.n_written ? s->ck.seconds / s->ck.n_written : 0.0,
           s->ck.max_seconds);
    if (s->lockstep_groups > 0)
        printf("ovsweep: %lld trials trained in lockstep, in %lld groups (--lockstep %d)\n",
               (long long)s->lockstep_trials, (long long)s->lockstep_groups, s->cfg->lockstep);
    if (status == OVS_EXIT_OK)
        printf("ovsweep: complete: %s\n", s->cfg->output);
    else if (status == OVS_EXIT_INTERRUPTED && s->cfg->merge[0] && s->ck.saved >= 0)
        printf("ovsweep: merged %d files into %s: %lld of %lld trials; none of the files holds "
               "the other %lld: run them with ovsweep --resume -o %s\n", s->work.merged,
               s->cfg->output, (long long)s->ck.saved, (long long)planned_so_far(s),
               (long long)(planned_so_far(s) - s->ck.saved), s->cfg->output);
    else if (status == OVS_EXIT_INTERRUPTED && s->ck.saved < 0 && !s->cfg->resume)
        printf("ovsweep: interrupted before the first checkpoint; %s is as it was\n",
               s->cfg->output);
    else if (status == OVS_EXIT_INTERRUPTED) /* the last checkpoint may have been abandoned */
        printf("ovsweep: interrupted; %lld/%lld trials saved in %s; continue with --resume\n",
               (long long)(s->ck.saved >= 0 ? s->ck.saved : s->work.done),
               (long long)planned_so_far(s), s->cfg->output);
    fflush(stdout);
}

/* Rank 0: a warning where the baseline kernels (a CPU without FMA, or a sanitizer build) and
 * an FMA build (simd.h) compute the file's trials, on this run's ranks or with the runs before
 * a resume: their multiply-adds round differently, so a trial's last bits (and, rarely, its
 * decision) would depend on the rank and the run that trained it. */
static void warn_mixed_builds(const sweep *s)
{
    const char *b = s->ck.prov.kernel_builds;
    if (s->rank == 0 && b && s->cfg->kernel == OVS_KERNEL_SIMD && strstr(b, "baseline") &&
        strstr(b, "x86-64-v"))
        fprintf(stderr, "ovsweep: warning: kernels that round differently compute this file's "
                        "trials (%s; a resumed file's earlier runs included): a trial's results "
                        "then depend on the rank and run that train it; use nodes of one kind "
                        "(with FMA, or all without)\n", b);
}

/* Whether OpenBLAS computes any part of a trial's results: the products with --kernel blas,
 * random features' least squares, the diagnostics' eigenvalues, the automatic step size's
 * lambda_max. */
static int results_use_openblas(const ovs_config *c)
{
    int uses = c->kernel == OVS_KERNEL_BLAS || c->diagnostics;
    for (int m = 0; m < c->method_count; m++)
        uses |= c->methods[m] == OVS_METHOD_RF;
    return uses || ovs_config_lambda_use(c) >= 0;
}

/* Rank 0: the same warning where OpenBLAS picked different kernels (a DYNAMIC_ARCH build on
 * CPUs of different kinds), on this run's ranks or the runs before a resume, and it computes
 * part of the results. */
static void warn_mixed_blas(const sweep *s)
{
    const char *c = s->ck.prov.blas_cores;
    if (s->rank == 0 && c && strchr(c, ',') && results_use_openblas(s->cfg))
        fprintf(stderr, "ovsweep: warning: OpenBLAS runs different kernels for this file's "
                        "trials (%s; a resumed file's earlier runs included), and this sweep's "
                        "results use it (--kernel blas, --method rf, --diagnostics or --eta "
                        "auto): a trial's results then depend on the rank and run that train "
                        "it; use nodes of one kind\n", c);
}

/* Train and checkpoint until done, interrupted or failed: the exit status. */
static int run(sweep *s, int *unclean)
{
    const int rc = ovs_startup(s->comm, &s->plan, &s->out, &s->mine, &s->work, s->design);
    if (rc != OVS_OK)
        return rc == OVS_ESTOPPED ? OVS_EXIT_INTERRUPTED : OVS_EXIT_USAGE;
    s->done_total = s->work.done;
    s->success_total = s->work.successes;
    s->cost_left = s->work.cost_left;
    for (int64_t i = 0; s->rank == 0 && i < s->mine.n; i++) /* a resumed file's trials calibrate */
        ovs_timeleft_add(s->eta, s->mine.recs[i].item, s->mine.recs[i].success,
                         s->mine.recs[i].iterations, s->mine.recs[i].wall_seconds, 0);
    if (ovs_checkpoint_init(&s->ck, s->comm, &s->plan, s->rank == 0 ? &s->out : NULL) != OVS_OK)
        OVS_DIE("out of memory");
    const ovs_h5_runs *prior = &s->work.prior;
    ovs_checkpoint_add_history(&s->ck, prior->history, s->cfg->resume, s->work.merged,
                               s->work.done, s->cfg->command_line);
    if (ovs_checkpoint_merge_prior(&s->ck, prior->kernel_builds, prior->openblas_cores,
                                   !s->cfg->merge[0]) != OVS_OK)
        OVS_DIE("out of memory");
    warn_mixed_builds(s);
    warn_mixed_blas(s);
    s->t_start = s->t_last_ckpt = s->t_last_progress = now();
    /* A first checkpoint before any training: proves the output path works and leaves an
     * openable file (complete = 0) from the first second on. */
    int status, ck_rc = checkpoint(s);
    if (ck_rc != OVS_OK)
        status = ck_rc == OVS_ESTOPPED ? OVS_EXIT_INTERRUPTED : OVS_EXIT_FAILURE;
    else if (s->cfg->merge[0]) /* that checkpoint is the merge; what it lacks, --resume runs */
        status = s->ck.complete ? OVS_EXIT_OK : OVS_EXIT_INTERRUPTED;
    else
        status = s->rank == 0 ? run_root(s) : run_worker(s);
    final_report(s, status);
    if (s->rank == 0)
        ovs_outfile_close(&s->out);
    *unclean = s->ck.unclean;
    ovs_checkpoint_free(&s->ck);
    return status;
}

int ovs_sweep_run(MPI_Comm comm, const ovs_config *cfg, int *unclean)
{
    sweep s;
    memset(&s, 0, sizeof s);
    s.out.lock_fd = -1;
    *unclean = 0;
    s.comm = comm;
    s.cfg = cfg;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &s.rank));
    OVS_MPI_CHECK(MPI_Comm_size(comm, &s.size));
    if (ovs_plan_build(cfg, &s.plan) != OVS_OK)
        OVS_DIE("out of memory");
    int status = OVS_EXIT_OK;
    if (cfg->dry_run) {
        status = ovs_dry_run(comm, &s.plan);
    } else {
        s.chunk_cost = calloc((size_t)s.size, sizeof(double));
        s.chunk_since = calloc((size_t)s.size, sizeof(double));
        s.root_since = -1;
        s.chunk_items = calloc((size_t)s.size * CHUNK_MAX, sizeof(int64_t));
        s.eta = s.rank == 0 ? ovs_timeleft_new(&s.plan) : NULL;
        s.progress_every = progress_every();
        s.diag = ovs_diag_cache_new();
        if (cfg->design == OVS_DESIGN_ADAPTIVE && !(s.design = ovs_design_new(&s.plan)))
            OVS_DIE("out of memory for the adaptive design");
        if (!s.chunk_cost || !s.chunk_since || !s.chunk_items || (s.rank == 0 && !s.eta) || !s.diag)
            OVS_DIE("out of memory");
        status = run(&s, unclean);
    }
    ovs_records_free(&s.mine);
    ovs_diag_cache_free(s.diag);
    ovs_design_free(s.design);
    ovs_work_free(&s.work);
    free(s.chunk_cost);
    free(s.chunk_since);
    free(s.chunk_items);
    ovs_timeleft_free(s.eta);
    ovs_plan_free(&s.plan);
    return status;
}
