/* resumeargs.c - a resume's settings from its file; see resumeargs.h. */
#include "resumeargs.h"

#include "cli.h"
#include "fatal.h"
#include "h5read.h"
#include "isolate.h"
#include "merge.h"
#include "status.h"
#include "stop.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* What the child reading a file's settings is given. */
typedef struct args_source {
    const char *path;
    int whole_sweep; /* leave out which part (--shard) the file holds: a merge */
} args_source;

static void read_args(void *arg, ovs_bytes *out)
{
    const args_source *src = arg;
    ovs_h5_settings_args(src->path, src->whole_sweep, out);
}

/* Every rank: rank 0's bytes of the file's arguments (none when its read crashed); OVS_OK, or
 * OVS_ESTOPPED when a stop signal abandoned the read (stop.h). */
static int file_args(MPI_Comm comm, const char *path, int whole_sweep, ovs_bytes *b)
{
    int rank;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    int64_t len = 0;
    /* Only a regular file is read: opening a FIFO would block until a writer came (the
     * preflight then refuses anything else at the output with one line). */
    struct stat st;
    if (rank == 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        ovs_stop_watch watch = ovs_stop_watch_start(0, OVS_STOP_GRACE_STARTUP);
        args_source src = {path, whole_sweep};
        const int sig = ovs_isolate(read_args, &src, b, ovs_stop_waited, &watch);
        len = sig == OVS_ISOLATE_STOPPED ? -1 : sig == 0 ? (int64_t)b->len : 0;
    }
    OVS_MPI_CHECK(MPI_Bcast(&len, 1, MPI_INT64_T, 0, comm));
    if (len < 0) {
        ovs_bytes_free(b);
        return OVS_ESTOPPED;
    }
    if (rank != 0 && len > 0) {
        b->data = malloc((size_t)len);
        b->len = b->cap = (size_t)len;
        if (!b->data)
            OVS_DIE("out of memory for the settings of %s", path);
    }
    b->len = (size_t)len; /* rank 0: nothing when its read crashed */
    if (len > 0)
        OVS_MPI_CHECK(MPI_Bcast(b->data, (int)len, MPI_BYTE, 0, comm));
    return OVS_OK;
}

/* Parse cfg again with the settings of the file at path (rank 0's) before argv's. */
static int with_file_args(MPI_Comm comm, const char *path, int whole_sweep, int argc,
                          char **argv, ovs_config *cfg, char *err, size_t errlen)
{
    ovs_bytes b = {0};
    if (file_args(comm, path, whole_sweep, &b) != OVS_OK) {
        snprintf(err, errlen, "start-up interrupted by a signal while %s was read (a file "
                 "system that does not answer?); the file is untouched", path);
        return OVS_ESTOPPED;
    }
    int n = 0;
    for (size_t i = 0; i < b.len; i++)
        n += b.data[i] == '\0';
    if (n == 0 || b.data[b.len - 1] != '\0') {
        ovs_bytes_free(&b);
        return OVS_OK;
    }
    char **av = malloc(sizeof *av * (size_t)(argc + n + 1));
    char *line = strdup(cfg->command_line ? cfg->command_line : "");
    if (!av || !line)
        OVS_DIE("out of memory");
    av[0] = argv[0];
    char *p = (char *)b.data;
    for (int i = 0; i < n; i++, p += strlen(p) + 1)
        av[1 + i] = p;
    for (int i = 1; i < argc; i++)
        av[n + i] = argv[i];
    av[argc + n] = NULL;
    ovs_cli_free(cfg);
    int rc = ovs_cli_parse(argc + n, av, cfg, err, errlen);
    if (rc != OVS_OK) {
        /* The command's options do not combine with the file's (--design grid on an adaptive
         * file: its --batch applies no more): the command alone, as parsed before, is then
         * checked against the file, which names the first difference. */
        ovs_cli_free(cfg);
        rc = ovs_cli_parse(argc, argv, cfg, err, errlen);
    }
    if (rc == OVS_OK) {
        free(cfg->command_line);
        cfg->command_line = line;
    } else {
        free(line);
    }
    free(av);
    ovs_bytes_free(&b);
    return rc;
}

int ovs_resume_args(MPI_Comm comm, int argc, char **argv, ovs_config *cfg, char *err, size_t errlen)
{
    char path[OVS_PATH_MAX];
    snprintf(path, sizeof path, "%s", cfg->output);
    return with_file_args(comm, path, 0, argc, argv, cfg, err, errlen);
}

int ovs_merge_args(MPI_Comm comm, int argc, char **argv, ovs_config *cfg, char *err,
                   size_t errlen)
{
    int rank;
    OVS_MPI_CHECK(MPI_Comm_rank(comm, &rank));
    char first[OVS_PATH_MAX] = "";
    if (rank == 0) /* only rank 0 reads it; the others parse what it sends */
        ovs_merge_first(cfg->merge, first, sizeof first);
    return with_file_args(comm, first, 1, argc, argv, cfg, err, errlen);
}
