/* checkpoint.c - counts, provenance, collective write and commit; see checkpoint.h. */
#include "checkpoint.h"

#include "compiler.h"
#include "fatal.h"
#include "h5read.h"
#include "history.h"
#include "isolate.h"
#include "linalg.h"
#include "outfile.h"
#include "simd.h"
#include "status.h"
#include "stop.h"
#include "strbuf.h"
#include "timeleft.h"
#include "version.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int ovs_records_add(ovs_records *r, const ovs_record *rec)
{
    if (r->n == r->cap) {
        int64_t cap = r->cap ? 2 * r->cap : 1024;
        ovs_record *n = realloc(r->recs, sizeof *n * (size_t)cap);
        if (!n)
            return OVS_ENOMEM;
        r->recs = n;
        r->cap = cap;
    }
    r->recs[r->n++] = *rec;
    return OVS_OK;
}

void ovs_records_free(ovs_records *r)
{
    free(r->recs);
    *r = (ovs_records){0};
}

static void utc_now(char *buf, size_t len)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Comma-separated distinct values of the ranks' `mine` (at most width - 1 characters each), in
 * rank order (caller frees); NULL without memory on some rank. Collective. */
static char *gather_distinct(MPI_Comm comm, int size, const char *mine, int width)
{
    char *own = calloc((size_t)width, 1), *all = malloc((size_t)width * (size_t)size);
    int ok = own && all, all_ok;
    OVS_MPI_CHECK(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm));
    if (!all_ok) {
        free(own);
        free(all);
        return NULL;
    }
    snprintf(own, (size_t)width, "%s", mine);
    OVS_MPI_CHECK(MPI_Allgather(own, width, MPI_CHAR, all, width, MPI_CHAR, comm));
    free(own);
    ovs_strbuf b = OVS_STRBUF_INIT;
    for (int r = 0; r < size; r++) {
        const char *h = all + (size_t)r * (size_t)width;
        int seen = 0;
        for (int q = 0; q < r; q++)
            seen |= strcmp(h, all + (size_t)q * (size_t)width) == 0;
        if (!seen)
            ovs_strbuf_printf(&b, "%s%s", b.len ? "," : "", h);
    }
    free(all);
    if (!ovs_strbuf_str(&b)) {
        ovs_strbuf_free(&b);
        return NULL;
    }
    return b.s ? b.s : calloc(1, 1);
}

/* The host names of the ranks, distinct, in rank order (caller frees). */
static char *gather_hosts(MPI_Comm comm, int size)
{
    char name[MPI_MAX_PROCESSOR_NAME] = "";
    int len = 0;
    OVS_MPI_CHECK(MPI_Get_processor_name(name, &len));
    return gather_distinct(comm, size, name, MPI_MAX_PROCESSOR_NAME);
}

int ovs_checkpoint_init(ovs_checkpointer *ck, MPI_Comm comm, const ovs_plan *plan,
                        ovs_outfile *out)
{
    memset(ck, 0, sizeof *ck);
    ck->saved = -1;
    ck->comm = comm;
    ck->plan = plan;
    ck->out = out;
    ck->bytes = ovs_h5_estimate_bytes(plan);
    if (out)
        snprintf(ck->tmp, sizeof ck->tmp, "%s", out->tmp);
    OVS_MPI_CHECK(MPI_Bcast(ck->tmp, sizeof ck->tmp, MPI_CHAR, 0, comm));
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &ck->rank));
    OVS_MPI_CHECK(MPI_Comm_size(comm, &ck->size));
    ovs_provenance *p = &ck->prov;
    p->n_ranks = ck->size;
    if (ck->rank == 0)
        utc_now(p->start_time, sizeof p->start_time);
    OVS_MPI_CHECK(MPI_Bcast(p->start_time, sizeof p->start_time, MPI_CHAR, 0, comm));
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    OVS_MPI_CHECK(MPI_Get_library_version(lib, &len));
    lib[strcspn(lib, "\n,")] = '\0';
    snprintf(p->mpi_library, sizeof p->mpi_library, "%s", lib);
    snprintf(p->openblas_config, sizeof p->openblas_config, "%s", ovs_linalg_config());
    const size_t cells = (size_t)plan->n_groups * (size_t)plan->K * (size_t)plan->D;
    p->hosts = gather_hosts(comm, ck->size);
    p->kernel_builds = gather_distinct(comm, ck->size, ovs_simd_isa_name(ovs_simd_isa()), 16);
    p->blas_cores = gather_distinct(comm, ck->size, ovs_linalg_core(), 64);
    snprintf(p->compiler, sizeof p->compiler, "%s", OVS_COMPILER);
    ck->success_count = calloc(cells, sizeof(int32_t));
    ck->trials_done = calloc(cells, sizeof(int32_t));
    int ok = p->hosts && p->kernel_builds && p->blas_cores && ck->success_count &&
             ck->trials_done, all_ok;
    OVS_MPI_CHECK(MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, comm));
    return all_ok ? OVS_OK : OVS_ENOMEM;
}

/* *list becomes prior's names, then those of *list not among them. */
static int merge_list(char **list, const char *prior)
{
    ovs_strbuf b = OVS_STRBUF_INIT;
    ovs_strbuf_printf(&b, "%s", prior);
    ovs_strbuf_add_names(&b, *list ? *list : "");
    if (!ovs_strbuf_str(&b)) {
        ovs_strbuf_free(&b);
        return OVS_ENOMEM;
    }
    free(*list);
    *list = b.s ? b.s : calloc(1, 1);
    return *list ? OVS_OK : OVS_ENOMEM;
}

int ovs_checkpoint_merge_prior(ovs_checkpointer *ck, const char *prior_builds,
                               const char *prior_cores, int trains)
{
    if (!trains) { /* a merge: the files' builds computed every trial, this run's none */
        free(ck->prov.kernel_builds);
        free(ck->prov.blas_cores);
        ck->prov.kernel_builds = ck->prov.blas_cores = NULL;
    }
    const int rc = merge_list(&ck->prov.kernel_builds, prior_builds);
    return rc != OVS_OK ? rc : merge_list(&ck->prov.blas_cores, prior_cores);
}

void ovs_checkpoint_add_history(ovs_checkpointer *ck, const char *prior, int resumed,
                                int merged, int64_t done, const char *command_line)
{
    ovs_provenance *p = &ck->prov;
    if (ck->rank == 0) { /* rank 0's environment names the SLURM job */
        const ovs_history_run run = {
            .start_time = p->start_time, .version = OVS_VERSION, .git = OVS_GIT,
            .compiler = p->compiler, .kernel_builds = p->kernel_builds, .n_ranks = ck->size,
            .hosts = p->hosts, .slurm_job = getenv("SLURM_JOB_ID"), .resumed = resumed,
            .merged = merged, .done = done, .command_line = command_line};
        char line[OVS_HISTORY_LINE_MAX];
        ovs_history_line(&run, line, sizeof line);
        ovs_history_append(prior, line, p->history, sizeof p->history);
    }
    OVS_MPI_CHECK(MPI_Bcast(p->history, sizeof p->history, MPI_CHAR, 0, ck->comm));
}

void ovs_checkpoint_free(ovs_checkpointer *ck)
{
    free(ck->prov.hosts);
    free(ck->prov.kernel_builds);
    free(ck->prov.blas_cores);
    free(ck->success_count);
    free(ck->trials_done);
    ck->prov.hosts = ck->prov.kernel_builds = ck->prov.blas_cores = NULL;
    ck->success_count = ck->trials_done = NULL;
}

static int cmp_item(const void *a, const void *b)
{
    int64_t x = ((const ovs_record *)a)->item, y = ((const ovs_record *)b)->item;
    return (x > y) - (x < y);
}

void ovs_checkpoint_count(ovs_checkpointer *ck, ovs_records *mine)
{
    const ovs_plan *p = ck->plan;
    const size_t cells = (size_t)p->n_groups * (size_t)p->K * (size_t)p->D;
    int32_t *local = calloc(2 * cells, sizeof(int32_t));
    if (!local)
        OVS_DIE("out of memory counting %zu cells", cells);
    if (mine->n > 0) /* recs is NULL before the first record, and qsort must not see NULL */
        qsort(mine->recs, (size_t)mine->n, sizeof *mine->recs, cmp_item);
    for (int64_t i = 0; i < mine->n; i++) {
        size_t cell = (size_t)(mine->recs[i].item / p->T);
        local[cell] += mine->recs[i].success;
        local[cells + cell] += 1;
    }
    OVS_MPI_CHECK(MPI_Allreduce(local, ck->success_count, (int)cells, MPI_INT32_T, MPI_SUM,
                                ck->comm));
    OVS_MPI_CHECK(MPI_Allreduce(local + cells, ck->trials_done, (int)cells, MPI_INT32_T,
                                MPI_SUM, ck->comm));
    free(local);
    ck->total_done = 0;
    for (size_t c = 0; c < cells; c++)
        ck->total_done += ck->trials_done[c];
}

/* Rank 0's clock for this checkpoint (and the finish time once complete), on every rank. */
static void stamp(ovs_checkpointer *ck)
{
    ovs_provenance *p = &ck->prov;
    if (ck->rank == 0) {
        utc_now(p->checkpoint_time, sizeof p->checkpoint_time);
        if (ck->complete)
            memcpy(p->finish_time, p->checkpoint_time, sizeof p->finish_time);
        else
            p->finish_time[0] = '\0';
    }
    OVS_MPI_CHECK(MPI_Bcast(p->checkpoint_time, sizeof p->checkpoint_time, MPI_CHAR, 0, ck->comm));
    OVS_MPI_CHECK(MPI_Bcast(p->finish_time, sizeof p->finish_time, MPI_CHAR, 0, ck->comm));
}

/* ---- the watchdog ---- */

/* What the SIGALRM handler needs, set before each write (async-signal-safe use only). */
static char watchdog_msg[256];
static ovs_outfile *watchdog_out; /* rank 0's output: its checkpoint, their directory, the lock */

static void watchdog_fired(int sig)
{
    (void)sig;
    if (watchdog_out) /* unlink, rmdir and close only: safe in a handler */
        ovs_outfile_close(watchdog_out);
    (void)!write(STDERR_FILENO, watchdog_msg, strlen(watchdog_msg));
    _exit(OVS_EXIT_FAILURE);
}

/* Arm (seconds > 0) or disarm the limit on one checkpoint write. */
static void watchdog(const ovs_checkpointer *ck, unsigned seconds)
{
    if (seconds == 0) {
        alarm(0);
        return;
    }
    /* Before the run's first checkpoint a new run's output is as it was: absent, or the file
     * that --force would have replaced. */
    const int nothing_saved = ck->saved < 0 && !ck->plan->cfg->resume;
    snprintf(watchdog_msg, sizeof watchdog_msg,
             "ovsweep: rank %d: a checkpoint did not finish in %u s (a rank failed inside a "
             "collective write); %s\n", ck->rank, seconds,
             nothing_saved ? "no checkpoint was saved; the output is as it was"
                           : "the previous checkpoint of the output is intact");
    watchdog_out = ck->rank == 0 ? ck->out : NULL;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = watchdog_fired;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    alarm(seconds);
}

/* Testing hook: the N of OVSWEEP_TEST_STALL_CHECKPOINT=N (0: unset). */
static int stall_at(void)
{
    const char *v = getenv("OVSWEEP_TEST_STALL_CHECKPOINT");
    return v ? atoi(v) : 0;
}

/* The limit on this checkpoint's write (timeleft.h). Testing hook: OVSWEEP_TEST_WATCHDOG_LIMIT
 * sets the limit of the checkpoint that OVSWEEP_TEST_STALL_CHECKPOINT stalls, so that a suite
 * sees the watchdog fire in seconds; the checkpoints before it keep the real limit (on a
 * loaded machine they may take longer than a test's few seconds, and 20x their time would
 * then set the stalled one's limit). */
static unsigned watchdog_seconds(const ovs_checkpointer *ck)
{
    const char *v = getenv("OVSWEEP_TEST_WATCHDOG_LIMIT");
    if (v && atoi(v) > 0 && stall_at() == ck->n_written + 1)
        return (unsigned)atoi(v);
    const double limit = ovs_checkpoint_limit_seconds(ck->bytes, ck->max_seconds, 120.0);
    return limit < 4e9 ? (unsigned)ceil(limit) : 4000000000u;
}

/* Testing hook: OVSWEEP_TEST_STALL_CHECKPOINT=N stops the last rank for good before the
 * collective write of the run's N-th checkpoint (a rank stuck inside a collective), so
 * that the watchdog of the others ends the run (tests/reliability_test.sh). */
static void stall_for_test(const ovs_checkpointer *ck)
{
    if (ck->size > 1 && ck->rank == ck->size - 1 && stall_at() == ck->n_written + 1) {
        alarm(0);
        for (;;)
            pause();
    }
}

/* Rank 0: whether the file system has room for the new checkpoint (the old file stays until
 * the new one replaces it). */
static int room_for(const ovs_checkpointer *ck, char *err, size_t errlen)
{
    /* Testing hook: let the write itself meet the full disk (tests/reliability_test.sh). */
    if (getenv("OVSWEEP_TEST_IGNORE_FREE_SPACE"))
        return OVS_OK;
    const int64_t free = ovs_outfile_free_bytes(ck->plan->cfg->output);
    if (free < 0 || (double)free >= ck->bytes + 65536.0)
        return OVS_OK;
    snprintf(err, errlen, "%s: the file system is full: %.0f KiB free, a checkpoint needs "
             "about %.0f KiB; the previous checkpoint is intact", ck->plan->cfg->output,
             (double)free / 1024.0, ck->bytes / 1024.0);
    return OVS_EIO;
}

/* What the child that reads a new checkpoint back sends: the verdict and the trials found. */
typedef struct verdict {
    int rc;
    int64_t trials;
    char err[OVS_ERR_MAX];
} verdict;

typedef struct verify_job {
    const char *path;
    const ovs_plan *plan;
} verify_job;

static void read_back(void *arg, ovs_bytes *out)
{
    const verify_job *job = arg;
    verdict v = {0};
    /* checked and counted a block at a time, kept nowhere: the read-back of a checkpoint takes
     * one block's memory, not a second copy of the records */
    v.rc = ovs_h5_load(job->path, job->plan, NULL, NULL, &v.trials, v.err, sizeof v.err);
    if (ovs_bytes_add(out, &v, sizeof v) != 0)
        out->len = 0;
}

/* Rank 0: read the new checkpoint back (in a child process: a damaged file may crash HDF5)
 * with the resume's checks, checksums included, before it replaces the previous one. MPI-IO
 * can lose a write error inside a collective (Open MPI's OMPIO on a full disk at 3 ranks:
 * "fbtl_pwritev failed", yet every H5Dwrite returned success). */
static int verify(const ovs_checkpointer *ck, char *err, size_t errlen)
{
    verify_job job = {ck->tmp, ck->plan};
    ovs_bytes b = {0};
    verdict v;
    /* a stop that asked for this checkpoint does not abandon it; one that comes meanwhile and
     * is left waiting does (a file system that stopped answering, stop.h) */
    ovs_stop_watch watch = ovs_stop_watch_start(1, ovs_stop_grace_readback(ck->bytes));
    int sig = ovs_isolate(read_back, &job, &b, ovs_stop_waited, &watch), rc = OVS_EIO;
    if (sig == OVS_ISOLATE_STOPPED) {
        snprintf(err, errlen, "interrupted by a signal while the new checkpoint was read back (a "
                 "file system that does not answer?); it is discarded, %s is as before it",
                 ck->plan->cfg->output);
        rc = OVS_ESTOPPED;
    } else if (sig > 0)
        snprintf(err, errlen, "the new checkpoint crashed HDF5 when read back (signal %d)", sig);
    else if (b.len != sizeof v)
        snprintf(err, errlen, "the new checkpoint could not be read back");
    else if (memcpy(&v, b.data, sizeof v), v.rc != OVS_OK)
        snprintf(err, errlen, "the new checkpoint is damaged: %.4000s", v.err);
    else if (v.trials != ck->total_done)
        snprintf(err, errlen, "the new checkpoint holds %lld trials, not %lld",
                 (long long)v.trials, (long long)ck->total_done);
    else
        rc = OVS_OK;
    ovs_bytes_free(&b);
    return rc;
}

int ovs_checkpoint_write(ovs_checkpointer *ck, const ovs_records *mine,
                         const ovs_design *design)
{
    const ovs_plan *p = ck->plan;
    ck->complete = design ? ovs_design_finished(design) : ck->total_done == p->n_planned;
    stamp(ck);
    char err[OVS_ERR_MAX] = "";
    int rc = ck->rank == 0 ? room_for(ck, err, sizeof err) : OVS_OK;
    OVS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, ck->comm));
    const ovs_h5_summary sum = {ck->success_count, ck->trials_done, ck->total_done, ck->complete,
                                design};
    double t0 = MPI_Wtime();
    if (rc == OVS_OK) {
        watchdog(ck, watchdog_seconds(ck));
        stall_for_test(ck);
        rc = ovs_h5_write(ck->comm, ck->tmp, p, &ck->prov, &sum, mine->recs, mine->n, err,
                          sizeof err);
        watchdog(ck, 0);
        ck->unclean = rc != OVS_OK;
        /* Every rank knows the write's outcome; rank 0 alone checks it and puts it in place. */
        if (rc == OVS_OK && ck->rank == 0)
            rc = verify(ck, err, sizeof err);
        if (rc == OVS_OK && ck->rank == 0)
            rc = ovs_outfile_commit(ck->out, err, sizeof err);
        if (rc != OVS_OK && ck->rank == 0)
            ovs_outfile_discard(ck->out);
        OVS_MPI_CHECK(MPI_Bcast(&rc, 1, MPI_INT, 0, ck->comm));
        if (rc == OVS_OK)
            ck->saved = ck->total_done;
    }
    double dt = MPI_Wtime() - t0;
    ck->n_written++;
    ck->seconds += dt;
    ck->max_seconds = dt > ck->max_seconds ? dt : ck->max_seconds;
    if (rc != OVS_OK && ck->rank == 0) {
        char full[OVS_ERR_MAX] = "";
        if (rc != OVS_ESTOPPED && !strstr(err, "file system is full") &&
            room_for(ck, full, sizeof full) != OVS_OK)
            fprintf(stderr, "ovsweep: %s (%s)\n", full, err); /* why it failed, first */
        else
            fprintf(stderr, "ovsweep: %s\n", err);
    }
    return rc;
}
