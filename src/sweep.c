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
#include "fatal.h"
#include "h5read.h"
#include "method.h"
#include "outfile.h"
#include "plan.h"
#include "report.h"
#include "status.h"
#include "trial.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_REQUEST = 1, TAG_REPLY = 2 };
enum { CHUNK_MAX = 64, REPLY_SYNC = -1 };
/* A chunk carries at most this much estimated work: cost units ~ flops, 5.5e10 of them per
 * core-second with the round-3 kernels, so ~0.3 s. (4e9 was 0.2-0.5 s for the first engine;
 * with the kernels 3x faster, rank 0 served 14900 requests in a 64-rank sweep, 0.97% of its
 * time by the simulator's model; with 1.6e10, 0.29%, at the same efficiency.) */
#define CHUNK_COST 1.6e10
#define PROGRESS_EVERY 10.0

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    (void)sig;
    stop_signal = 1;
}

static void install_signal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

typedef struct sweep {
    MPI_Comm comm;
    int rank, size;
    const ovs_config *cfg;
    ovs_plan plan;
    ovs_checkpointer ck;
    ovs_records mine;     /* this rank's finished trials (written by this rank at every checkpoint) */
    ovs_diag_cache *diag; /* this rank's remembered data-only diagnostics */
    long trials_run;      /* by this rank in this run (for --fail-after-trials) */
    /* rank 0: the queue and the dispatch state */
    int64_t *queue, qpos, qlen;
    double *chunk_cost; /* per worker: cost of the chunk it holds */
    double cost_left, cost_done;
    int draining, parked, want_stop;
    int64_t done_total, success_total;
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

/* Collective: write the file; the counts of the last checkpoint are known on every rank. */
static int checkpoint(sweep *s)
{
    int rc = ovs_checkpoint_write(&s->ck, &s->mine);
    s->done_total = s->ck.total_done;
    return rc;
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

static int poll_hook(void *ctx)
{
    poll_ctx *pc = ctx;
    if (pc->serve)
        serve_requests(pc->s);
    return stop_signal != 0;
}

/* Train item; returns 1 if it finished (record kept), 0 if a stop abandoned it. */
static int run_item(sweep *s, int64_t item, int *success)
{
    poll_ctx pc = {s, s->rank == 0 && s->size > 1};
    ovs_record rec;
    int aborted = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (ovs_trial_run(&s->plan, item, s->diag, poll_hook, &pc, &rec, &aborted) != OVS_OK)
        OVS_DIE("out of memory training item %lld", (long long)item);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (aborted)
        return 0;
    rec.wall_seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    add_record(s, &rec);
    *success = rec.success;
    s->trials_run++;
    if (s->cfg->fail_after_trials > 0 && s->trials_run >= s->cfg->fail_after_trials &&
        (s->rank > 0 || s->size == 1))
        raise(SIGKILL); /* testing hook: die like a crashed node would */
    return 1;
}

/* ---- rank 0: dispatch ---- */

static void progress(sweep *s, int force)
{
    double t = now();
    if (s->cfg->quiet || (!force && t - s->t_last_progress < PROGRESS_EVERY))
        return;
    s->t_last_progress = t;
    double el = t - s->t_start;
    double eta = s->cost_done > 0 ? el * s->cost_left / s->cost_done : -1;
    ovs_report_progress(stderr, s->done_total, s->plan.n_planned, s->success_total, el, eta);
}

static void account(sweep *s, int64_t done, int64_t succ, double cost)
{
    s->done_total += done;
    s->success_total += succ;
    s->cost_done += cost;
    s->cost_left -= cost;
}

/* Next chunk: items in queue order while the chunk's estimated cost stays under a bound
 * that shrinks with the work left (guided self-scheduling keeps the tail balanced). */
static int take_chunk(sweep *s, int64_t *items, double *cost)
{
    double bound = s->cost_left / (2.0 * s->size);
    bound = bound < CHUNK_COST ? bound : CHUNK_COST;
    int m = 0;
    *cost = 0;
    while (m < CHUNK_MAX && s->qpos < s->qlen) {
        double c = ovs_plan_cost(&s->plan, s->queue[s->qpos]);
        if (m > 0 && *cost + c > bound)
            break;
        items[m++] = s->queue[s->qpos++];
        *cost += c;
    }
    return m;
}

static void serve_requests(sweep *s)
{
    int flag = 1;
    MPI_Status st;
    while (MPI_Iprobe(MPI_ANY_SOURCE, TAG_REQUEST, s->comm, &flag, &st) == MPI_SUCCESS && flag) {
        int64_t req[3], reply[1 + CHUNK_MAX];
        int w = st.MPI_SOURCE;
        OVS_MPI_CHECK(MPI_Recv(req, 3, MPI_INT64_T, w, TAG_REQUEST, s->comm, MPI_STATUS_IGNORE));
        account(s, req[0], req[1], req[2] ? 0 : s->chunk_cost[w]);
        s->chunk_cost[w] = 0;
        if (req[2])
            s->want_stop = 1;
        if (s->want_stop || s->qpos == s->qlen || crash_due(s))
            s->draining = 1;
        int m = 0;
        if (!s->draining)
            m = take_chunk(s, reply + 1, &s->chunk_cost[w]);
        reply[0] = m > 0 ? m : REPLY_SYNC;
        s->parked += m == 0;
        OVS_MPI_CHECK(MPI_Send(reply, 1 + m, MPI_INT64_T, w, TAG_REPLY, s->comm));
    }
    progress(s, 0);
}

/* Collective after SYNC: write, then agree on continue (0), finished (1) or stopped (2). */
static int sync_point(sweep *s, int *status)
{
    int rc = checkpoint(s);
    if (rc == OVS_OK && s->cfg->crash_after_saved > 0 &&
        s->ck.total_done >= s->cfg->crash_after_saved)
        raise(SIGKILL); /* testing hook: die like a killed job, leaving this checkpoint */
    int local[3] = {rc != OVS_OK, stop_signal != 0 || s->want_stop, 0}, global[3];
    if (s->rank == 0)
        local[2] = s->qpos == s->qlen;
    OVS_MPI_CHECK(MPI_Allreduce(local, global, 3, MPI_INT, MPI_MAX, s->comm));
    if (global[0]) {
        *status = OVS_EXIT_FAILURE;
        return 1;
    }
    if (s->done_total == s->plan.n_planned) {
        *status = OVS_EXIT_OK;
        return 1;
    }
    if (global[1]) {
        *status = OVS_EXIT_INTERRUPTED;
        return 1;
    }
    return 0;
}

static int run_root(sweep *s)
{
    int status = OVS_EXIT_OK;
    for (;;) {
        if (s->size > 1)
            serve_requests(s);
        if (stop_signal)
            s->want_stop = 1;
        if (s->want_stop || s->qpos == s->qlen || crash_due(s) ||
            now() - s->t_last_ckpt >= s->cfg->checkpoint_every)
            s->draining = 1;
        if (!s->draining) {
            int64_t item = s->queue[s->qpos++];
            double c = ovs_plan_cost(&s->plan, item);
            int succ = 0;
            if (run_item(s, item, &succ))
                account(s, 1, succ, c);
            else
                s->want_stop = 1;
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
    int64_t report[3] = {0, 0, 0}, reply[1 + CHUNK_MAX];
    int status = OVS_EXIT_OK;
    for (;;) {
        OVS_MPI_CHECK(MPI_Send(report, 3, MPI_INT64_T, 0, TAG_REQUEST, s->comm));
        OVS_MPI_CHECK(MPI_Recv(reply, 1 + CHUNK_MAX, MPI_INT64_T, 0, TAG_REPLY, s->comm,
                               MPI_STATUS_IGNORE));
        memset(report, 0, sizeof report);
        if (reply[0] == REPLY_SYNC) {
            if (sync_point(s, &status))
                return status;
            continue;
        }
        for (int64_t i = 0; i < reply[0]; i++) {
            int succ = 0;
            if (stop_signal || !run_item(s, reply[1 + i], &succ)) {
                report[2] = 1; /* interrupted: the rest of the chunk reruns on resume */
                break;
            }
            report[0]++;
            report[1] += succ;
        }
    }
}

/* ---- start-up: output checks and resume (rank 0), then shared with every rank ---- */

static int preflight(const ovs_plan *p, ovs_record **recs, int64_t *nrecs, char *err,
                     size_t errlen)
{
    const ovs_config *c = p->cfg;
    int rc = ovs_outfile_check(c->output, err, errlen);
    ovs_h5_info info;
    if (rc == OVS_OK)
        rc = ovs_h5_probe(c->output, &info, err, errlen);
    if (rc != OVS_OK)
        return rc;
    if (!info.exists) {
        if (c->resume) {
            snprintf(err, errlen, "--resume: '%s' does not exist", c->output);
            return OVS_EIO;
        }
        return OVS_OK;
    }
    if (c->force)
        return OVS_OK;
    if (!c->resume) {
        if (info.is_ovsweep && !info.complete)
            snprintf(err, errlen, "%s holds an interrupted sweep (%lld/%lld trials done): add "
                     "--resume to continue it or --force to replace it", c->output,
                     (long long)info.trials_done, (long long)info.trials_total);
        else
            snprintf(err, errlen, "%s exists: add --force to replace it (or --resume to extend "
                     "a finished sweep with more trials)", c->output);
        return OVS_EIO;
    }
    if (!info.is_hdf5) {
        snprintf(err, errlen, "%s: not an HDF5 file (or truncated); left untouched", c->output);
        return OVS_EFORMAT;
    }
    if (!info.is_ovsweep) {
        snprintf(err, errlen, "%s: an HDF5 file not written by ovsweep; left untouched",
                 c->output);
        return OVS_EFORMAT;
    }
    return ovs_h5_load(c->output, p, recs, nrecs, err, errlen);
}

/* Rank 0: the queue of the trials not yet done, longest first, and its cost. */
static void build_queue(sweep *s, const ovs_record *loaded, int64_t nloaded)
{
    uint8_t *done = calloc((size_t)s->plan.n_items, 1);
    s->queue = malloc(sizeof(int64_t) * (size_t)(s->plan.n_items + 1));
    if (!done || !s->queue)
        OVS_DIE("out of memory");
    for (int64_t i = 0; i < nloaded; i++) {
        done[loaded[i].item] = 1;
        s->success_total += loaded[i].success;
    }
    s->qlen = ovs_plan_order(&s->plan, done, s->queue);
    if (s->qlen < 0)
        OVS_DIE("out of memory");
    for (int64_t i = 0; i < s->qlen; i++)
        s->cost_left += ovs_plan_cost(&s->plan, s->queue[i]);
    s->done_total = nloaded;
    free(done);
}

/* Rank 0 checks and loads; every rank gets the verdict and keeps its share of the loaded
 * records (item % size == rank); rank 0 builds the queue of the rest. */
static int start(sweep *s)
{
    char err[OVS_ERR_MAX] = "";
    ovs_record *loaded = NULL;
    int64_t nloaded = 0;
    int rc = OVS_OK;
    if (s->rank == 0)
        rc = preflight(&s->plan, &loaded, &nloaded, err, sizeof err);
    OVS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, s->comm));
    if (rc != OVS_OK) {
        if (s->rank == 0)
            fprintf(stderr, "ovsweep: %s\n", err);
        free(loaded);
        return rc;
    }
    OVS_MPI_CHECK(MPI_Bcast(&nloaded, 1, MPI_INT64_T, 0, s->comm));
    if (s->rank != 0 && nloaded > 0 && !(loaded = malloc(sizeof *loaded * (size_t)nloaded)))
        OVS_DIE("out of memory");
    for (int64_t off = 0; off < nloaded; off += 100000) { /* bounded message sizes */
        int64_t m = nloaded - off < 100000 ? nloaded - off : 100000;
        OVS_MPI_CHECK(MPI_Bcast(loaded + off, (int)(m * (int64_t)sizeof *loaded), MPI_BYTE, 0,
                                s->comm));
    }
    for (int64_t i = 0; i < nloaded; i++)
        if (loaded[i].item % s->size == s->rank)
            add_record(s, &loaded[i]);
    if (s->rank == 0) {
        build_queue(s, loaded, nloaded);
        if (!s->cfg->quiet && nloaded > 0)
            fprintf(stderr, "ovsweep: resuming %s: %lld of %lld trials already done\n",
                    s->cfg->output, (long long)nloaded, (long long)s->plan.n_planned);
    }
    free(loaded);
    return OVS_OK;
}

/* Measure the cost-unit rate of this machine on a short (n, k, d) = (200, 25, 25) run. */
static double measure_rate(const ovs_config *cfg)
{
    ovs_config c = *cfg;
    c.n_values[0] = 200;
    c.n_count = 1;
    c.k_values[0] = c.d_values[0] = 25;
    c.k_count = c.d_count = 1;
    c.trials = 1;
    c.max_iter = 300;
    c.tol = 1e-12;
    c.methods[0] = OVS_METHOD_GD; /* the cost units are calibrated on gd */
    c.method_count = 1;
    c.diagnostics = 0;
    c.kd_band[0] = 0.0;
    c.kd_band[1] = INFINITY;
    ovs_plan p;
    if (ovs_plan_build(&c, &p) != OVS_OK)
        return 0;
    ovs_record r;
    int aborted;
    double t0 = now();
    int rc = ovs_trial_run(&p, 0, NULL, NULL, NULL, &r, &aborted);
    double t = now() - t0, rate = rc == OVS_OK && t > 0 ? ovs_plan_cost(&p, 0) / t : 0;
    ovs_plan_free(&p);
    return rate;
}

static void dry_run(const sweep *s)
{
    if (s->rank != 0)
        return;
    double cost = 0;
    for (int64_t i = 0; i < s->plan.n_items; i++) {
        ovs_item it;
        ovs_plan_item(&s->plan, i, &it);
        if (ovs_plan_cell_planned(&s->plan, it.g, it.ki, it.di))
            cost += ovs_plan_cost(&s->plan, i);
    }
    ovs_report_plan(stdout, &s->plan, s->plan.n_planned, cost, measure_rate(s->cfg), s->size);
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
    if (status == OVS_EXIT_OK)
        printf("ovsweep: complete: %s\n", s->cfg->output);
    else if (status == OVS_EXIT_INTERRUPTED)
        printf("ovsweep: interrupted; %lld/%lld trials saved in %s; continue with --resume\n",
               (long long)s->done_total, (long long)s->plan.n_planned, s->cfg->output);
    fflush(stdout);
}

/* Train and checkpoint until done, interrupted or failed: the exit status. */
static int run(sweep *s)
{
    if (start(s) != OVS_OK)
        return OVS_EXIT_USAGE;
    if (ovs_checkpoint_init(&s->ck, s->comm, &s->plan) != OVS_OK)
        OVS_DIE("out of memory");
    s->t_start = s->t_last_ckpt = s->t_last_progress = now();
    /* A first checkpoint before any training: proves the output path works and leaves an
     * openable file (complete = 0) from the first second on. */
    int status;
    if (checkpoint(s) != OVS_OK)
        status = OVS_EXIT_FAILURE;
    else
        status = s->rank == 0 ? run_root(s) : run_worker(s);
    final_report(s, status);
    ovs_checkpoint_free(&s->ck);
    return status;
}

int ovs_sweep_run(MPI_Comm comm, const ovs_config *cfg)
{
    sweep s;
    memset(&s, 0, sizeof s);
    s.comm = comm;
    s.cfg = cfg;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &s.rank));
    OVS_MPI_CHECK(MPI_Comm_size(comm, &s.size));
    if (ovs_plan_build(cfg, &s.plan) != OVS_OK)
        OVS_DIE("out of memory");
    int status = OVS_EXIT_OK;
    if (cfg->dry_run) {
        dry_run(&s);
    } else {
        install_signal_handlers();
        s.chunk_cost = calloc((size_t)s.size, sizeof(double));
        s.diag = ovs_diag_cache_new();
        if (!s.chunk_cost || !s.diag)
            OVS_DIE("out of memory");
        status = run(&s);
    }
    ovs_records_free(&s.mine);
    ovs_diag_cache_free(s.diag);
    free(s.queue);
    free(s.chunk_cost);
    ovs_plan_free(&s.plan);
    return status;
}
