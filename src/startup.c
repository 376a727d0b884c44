/* startup.c - before the first trial: the output, a resumed file, the queue; --dry-run; see
 * startup.h. */
#include "startup.h"

#include "fatal.h"
#include "h5read.h"
#include "h5write.h"
#include "isolate.h"
#include "merge.h"
#include "method.h"
#include "report.h"
#include "status.h"
#include "stop.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the file, and for the next checkpoint beside it (two copies at once). */
static int check_space(const ovs_plan *p, const ovs_h5_info *info, char *err, size_t errlen)
{
    const int64_t free = ovs_outfile_free_bytes(p->cfg->output);
    const double need = 2.0 * ovs_h5_estimate_bytes(p), have = (double)free + info->bytes;
    if (free < 0 || have >= need || getenv("OVSWEEP_TEST_IGNORE_FREE_SPACE"))
        return OVS_OK;
    snprintf(err, errlen, "--output: %s has %.0f KiB free; the file needs about %.0f KiB, and "
             "twice that while a checkpoint replaces it", p->cfg->output, (double)free / 1024.0,
             need / 2048.0);
    return OVS_EIO;
}

/* The sink of a resume's records: the bytes the child sends back. */
static int append_records(void *out, const ovs_record *recs, size_t n)
{
    return ovs_bytes_add(out, recs, sizeof *recs * n) == 0 ? OVS_OK : OVS_ENOMEM;
}

/* What is at the output, against the command: nothing, a file to replace (--force) or to
 * continue (--resume, then loaded), or a refusal. */
static int examine(const ovs_plan *p, const ovs_h5_info *info, ovs_bytes *recs,
                   int64_t *nrecs, char *err, size_t errlen)
{
    const ovs_config *c = p->cfg;
    if (!info->exists) {
        if (!c->resume)
            return OVS_OK;
        snprintf(err, errlen, "--resume: '%s' does not exist", c->output);
        return OVS_EIO;
    }
    if (c->force)
        return OVS_OK;
    if (!c->resume && c->merge[0]) {
        snprintf(err, errlen, "%s exists: add --force to replace it with the merge", c->output);
        return OVS_EIO;
    }
    if (!c->resume) {
        if (info->is_ovsweep && !info->complete)
            snprintf(err, errlen, "%s holds an interrupted sweep (%lld/%lld trials done): add "
                     "--resume to continue it or --force to replace it", c->output,
                     (long long)info->trials_done, (long long)info->trials_total);
        else
            snprintf(err, errlen, "%s exists: add --force to replace it (or --resume to extend "
                     "a finished sweep with more trials)", c->output);
        return OVS_EIO;
    }
    const int rc = ovs_h5_intact(c->output, info, err, errlen);
    return rc != OVS_OK ? rc : ovs_h5_load(c->output, p, append_records, recs, nrecs, err, errlen);
}

/* What the child reading the output sends back, after the nrecs records: their count and the
 * verdict, marked (the records go down the pipe as they are read, so a child that fails or
 * runs out of memory leaves records without a head: the parent must not take the last bytes
 * of a record for one). */
#define READ_HEAD_MAGIC 0x6f7673776565706bULL
typedef struct read_head {
    uint64_t magic;
    int rc;
    int64_t nrecs;
    char err[OVS_ERR_MAX];
    int merged; /* --merge: how many files */
    ovs_h5_runs prior; /* what a resumed file (or the merged files) says of its runs */
} read_head;

/* In the child: probe the output, check the room for it, and check and load a resumed file
 * (or the files of --merge).
 * The records go straight into out, the head after them: the parent takes the bytes it
 * receives as its array of records, without a copy. */
static void read_output(void *arg, ovs_bytes *out)
{
    const ovs_plan *p = arg;
    read_head h = {.magic = READ_HEAD_MAGIC, .rc = OVS_OK};
    ovs_h5_info info;
    h.rc = ovs_h5_probe(p->cfg->output, &info, h.err, sizeof h.err);
    if (h.rc == OVS_OK)
        h.rc = check_space(p, &info, h.err, sizeof h.err);
    if (h.rc == OVS_OK)
        h.rc = examine(p, &info, out, &h.nrecs, h.err, sizeof h.err);
    if (h.rc == OVS_OK && p->cfg->resume)
        h.prior = info.runs;
    if (h.rc == OVS_OK && p->cfg->merge[0])
        h.rc = ovs_merge_load(p, append_records, out, &h.nrecs, &h.merged, &h.prior, h.err,
                              sizeof h.err);
    if (h.rc != OVS_OK)
        out->len = 0; /* a failed load's records: what is not sent yet is not */
    if (ovs_bytes_add(out, &h, sizeof h) != 0)
        out->len = 0; /* out of memory: the parent finds no head and says so */
}

/* Rank 0: read the output in a child process (a file HDF5 crashes on is refused, not fatal),
 * and take back the verdict, the loaded records and (into w, unless NULL) what a resumed file
 * or the merged files say of their runs. A stop, also one during MPI_Init, abandons a read
 * that does not end soon after it (stop.h): the file system may never answer it. */
static int read_isolated(const ovs_plan *p, ovs_record **recs, int64_t *nrecs, ovs_work *w,
                         char *err, size_t errlen)
{
    ovs_bytes b = {0};
    ovs_stop_watch watch = ovs_stop_watch_start(0, OVS_STOP_GRACE_STARTUP);
    const int sig = ovs_isolate(read_output, (void *)p, &b, ovs_stop_waited, &watch);
    read_head h;
    int rc;
    if (sig == OVS_ISOLATE_STOPPED) {
        snprintf(err, errlen, "start-up interrupted by a signal while %s was read (a file "
                 "system that does not answer?); the file is untouched", p->cfg->output);
        rc = OVS_ESTOPPED;
    } else if (sig > 0) {
        snprintf(err, errlen, "%s: reading it crashed the HDF5 library (signal %d): the file is "
                 "damaged; left untouched", p->cfg->merge[0] ? "--merge: one of the files"
                                                              : p->cfg->output, sig);
        rc = OVS_EFORMAT;
    } else if (b.len < sizeof h ||
               (memcpy(&h, b.data + b.len - sizeof h, sizeof h), h.magic != READ_HEAD_MAGIC)) {
        snprintf(err, errlen, "%s: could not be read (out of memory?)", p->cfg->output);
        rc = OVS_ENOMEM;
    } else {
        b.len -= sizeof h;
        rc = h.rc;
        snprintf(err, errlen, "%s", h.err);
        if (w) {
            w->prior = h.prior;
            w->merged = h.merged;
        }
        *nrecs = rc == OVS_OK ? h.nrecs : 0;
        if (*nrecs > 0 && b.len == sizeof **recs * (size_t)*nrecs) {
            /* malloc'd, so aligned for records; shrunk to its length */
            unsigned char *fit = realloc(b.data, b.len);
            *recs = (ovs_record *)(fit ? fit : b.data);
            b = (ovs_bytes){0};
        } else if (*nrecs > 0) {
            snprintf(err, errlen, "%s: its records could not be taken in", p->cfg->output);
            rc = OVS_ENOMEM;
        }
    }
    ovs_bytes_free(&b);
    return rc;
}

/* Rank 0: lock the output, then check and load what is there. */
static int preflight(const ovs_plan *p, ovs_outfile *out, ovs_record **recs, int64_t *nrecs,
                     ovs_work *w, char *err, size_t errlen)
{
    int rc = ovs_outfile_open(p->cfg->output, out, err, errlen);
    if (rc == OVS_OK)
        rc = read_isolated(p, recs, nrecs, w, err, errlen);
    if (rc != OVS_OK)
        ovs_outfile_close(out);
    return rc;
}

/* Rank 0: the queue of the trials not yet done, longest first, and its cost. */
static void build_queue(const ovs_plan *p, const ovs_record *loaded, int64_t nloaded,
                        ovs_work *w)
{
    uint8_t *done = calloc((size_t)p->n_items, 1);
    w->queue = malloc(sizeof(int64_t) * (size_t)(p->n_items + 1));
    if (!done || !w->queue)
        OVS_DIE("out of memory for a queue of %lld trials", (long long)p->n_items);
    for (int64_t i = 0; i < nloaded; i++)
        done[loaded[i].item] = 1;
    w->qlen = ovs_plan_order(p, done, w->queue);
    if (w->qlen < 0)
        OVS_DIE("out of memory ordering %lld trials", (long long)p->n_items);
    for (int64_t i = 0; i < w->qlen; i++)
        w->cost_left += ovs_plan_cost(p, w->queue[i]);
    free(done);
}

/* Every rank gets rank 0's loaded records a block at a time, so that no rank but rank 0
 * (whose queue needs them all) holds them all: 168 bytes a trial, 33.6 GB per rank for a
 * resume at the 2e8-trial cap. Each keeps its share in mine, counts the successes, and, for
 * the adaptive design's replay, marks each item done and successful (2 bytes an item). */
enum { SHARE_BLOCK = 100000 }; /* records per message: bounded message sizes */
static void share(MPI_Comm comm, int rank, int size, ovs_record *loaded, int64_t nloaded,
                  ovs_records *mine, ovs_work *w, uint8_t *done, uint8_t *success)
{
    ovs_record *buf = NULL;
    if (rank != 0 && nloaded > 0 &&
        !(buf = malloc(sizeof *buf * (size_t)(nloaded < SHARE_BLOCK ? nloaded : SHARE_BLOCK))))
        OVS_DIE("out of memory for a block of the loaded trials");
    for (int64_t off = 0; off < nloaded; off += SHARE_BLOCK) {
        const int64_t m = nloaded - off < SHARE_BLOCK ? nloaded - off : SHARE_BLOCK;
        ovs_record *b = rank == 0 ? loaded + off : buf;
        OVS_MPI_CHECK(MPI_Bcast(b, (int)(m * (int64_t)sizeof *b), MPI_BYTE, 0, comm));
        for (int64_t i = 0; i < m; i++) {
            w->successes += b[i].success;
            if (done) {
                done[b[i].item] = 1;
                success[b[i].item] = (uint8_t)b[i].success;
            }
            if (b[i].item % size == rank && ovs_records_add(mine, &b[i]) != OVS_OK)
                OVS_DIE("out of memory for the loaded trials");
        }
    }
    free(buf);
}

/* Every rank: replay the adaptive design over the loaded trials (their done and success
 * flags, per item); the current round's undone trainings are the queue (rank 0 keeps it,
 * longest first). */
static void replay(const ovs_plan *p, ovs_design *design, const uint8_t *done,
                   const uint8_t *success, int rank, ovs_work *w)
{
    w->queue = malloc(sizeof(int64_t) * (size_t)(p->n_items + 1));
    if (!w->queue)
        OVS_DIE("out of memory replaying the adaptive design");
    w->qlen = ovs_design_replay(design, done, success, w->queue);
    if (w->qlen < 0)
        OVS_DIE("the file's trials do not replay the adaptive design");
    if (ovs_plan_sort_by_cost(p, w->queue, w->qlen) != OVS_OK)
        OVS_DIE("out of memory");
    for (int64_t i = 0; rank == 0 && i < w->qlen; i++)
        w->cost_left += ovs_plan_cost(p, w->queue[i]);
}

int ovs_startup(MPI_Comm comm, const ovs_plan *p, ovs_outfile *out, ovs_records *mine,
                ovs_work *w, ovs_design *design)
{
    int rank, size;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    OVS_MPI_CHECK(MPI_Comm_size(comm, &size));
    char err[OVS_ERR_MAX] = "";
    ovs_record *loaded = NULL;
    int64_t nloaded = 0;
    int rc = rank == 0 ? preflight(p, out, &loaded, &nloaded, w, err, sizeof err) : OVS_OK;
    OVS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
    if (rc != OVS_OK) {
        if (rank == 0)
            fprintf(stderr, "ovsweep: %s\n", err);
        free(loaded);
        return rc;
    }
    if (rank == 0 && out->no_lock) /* even with --quiet: the one guard that is missing */
        fprintf(stderr,
                "ovsweep: warning: %s: its file system gives no locks (%s); nothing stops a "
                "second ovsweep from writing the same file\n",
                p->cfg->output, strerror(out->no_lock));
    OVS_MPI_CHECK(MPI_Bcast(&nloaded, 1, MPI_INT64_T, 0, comm));
    OVS_MPI_CHECK(MPI_Bcast(w->prior.kernel_builds, OVS_BUILDS_MAX, MPI_CHAR, 0, comm));
    OVS_MPI_CHECK(MPI_Bcast(w->prior.openblas_cores, OVS_BUILDS_MAX, MPI_CHAR, 0, comm));
    uint8_t *done = NULL, *success = NULL;
    if (design && (!(done = calloc((size_t)p->n_items, 1)) ||
                   !(success = calloc((size_t)p->n_items, 1))))
        OVS_DIE("out of memory replaying the adaptive design");
    w->done = nloaded;
    share(comm, rank, size, loaded, nloaded, mine, w, done, success);
    if (design)
        replay(p, design, done, success, rank, w);
    free(done);
    free(success);
    if (rank == 0) {
        if (!design)
            build_queue(p, loaded, nloaded, w);
        if (p->cfg->merge[0]) { /* a merge trains nothing: what the files lack waits for a
                                   --resume of the merged file */
            w->qlen = 0;
            w->cost_left = 0;
        }
        if (!p->cfg->quiet && p->cfg->merge[0])
            fprintf(stderr, "ovsweep: merging %d files into %s: %lld of %lld trials\n",
                    w->merged, p->cfg->output, (long long)nloaded, (long long)p->n_planned);
        else if (!p->cfg->quiet && nloaded > 0)
            fprintf(stderr, "ovsweep: resuming %s: %lld of %lld trials already done\n",
                    p->cfg->output, (long long)nloaded, (long long)p->n_planned);
        if (!p->cfg->quiet && !p->cfg->merge[0] && !(design && ovs_design_finished(design)))
            ovs_report_design_ranks(stderr, p, size, "ovsweep: note: ");
    }
    free(loaded);
    return OVS_OK;
}

void ovs_work_free(ovs_work *w)
{
    free(w->queue);
    w->queue = NULL;
    w->qlen = 0;
}

/* ---- --dry-run ---- */

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
    double t0 = MPI_Wtime();
    int rc = ovs_trial_run(&p, 0, NULL, NULL, NULL, &r, &aborted);
    double t = MPI_Wtime() - t0, rate = rc == OVS_OK && t > 0 ? ovs_plan_cost(&p, 0) / t : 0;
    ovs_plan_free(&p);
    return rate;
}

/* Rank 0: the run's checks on the output, without the lock; with --resume, the file read. */
static int dry_check(const ovs_plan *p, ovs_record **recs, int64_t *loaded, char *err,
                     size_t errlen)
{
    int rc = ovs_outfile_check(p->cfg->output, err, errlen);
    if (rc == OVS_OK)
        rc = read_isolated(p, recs, loaded, NULL, err, errlen);
    return rc;
}

int ovs_dry_run(MPI_Comm comm, const ovs_plan *p)
{
    int rank, size;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    OVS_MPI_CHECK(MPI_Comm_size(comm, &size));
    char err[OVS_ERR_MAX] = "";
    int64_t loaded = 0;
    ovs_record *recs = NULL;
    int rc = rank == 0 ? dry_check(p, &recs, &loaded, err, sizeof err) : OVS_OK;
    OVS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
    const int refused = rc == OVS_ESTOPPED ? OVS_EXIT_INTERRUPTED : OVS_EXIT_USAGE;
    if (rank != 0)
        return rc == OVS_OK ? OVS_EXIT_OK : refused;
    if (rc != OVS_OK) {
        fprintf(stderr, "ovsweep: %s\n", err);
        free(recs);
        return refused;
    }
    ovs_work w = {0};
    build_queue(p, recs, loaded, &w); /* what a resumed run would still do */
    free(recs);
    const double rate = measure_rate(p->cfg);
    ovs_report_plan(stdout, p, w.qlen, w.cost_left, rate, size);
    const long cap = p->cfg->max_trainings;
    ovs_report_adaptive_bound(stdout, p, cap > 0 ? ovs_plan_capped_cost(p, w.queue, w.qlen, cap)
                                                 : -1.0, rate, size);
    ovs_report_design_ranks(stdout, p, size, "  ");
    ovs_report_storage(stdout, ovs_h5_estimate_bytes(p),
                       (double)ovs_outfile_free_bytes(p->cfg->output),
                       ovs_report_rank0_bytes(p, loaded, size), loaded,
                       ovs_report_worker_bytes(p, size), size);
    ovs_work_free(&w);
    return OVS_EXIT_OK;
}
