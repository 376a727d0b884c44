/* merge.c - the files of --merge, checked and read; see merge.h. */
#include "merge.h"

#include "status.h"
#include "strbuf.h"

#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

__attribute__((format(printf, 3, 4))) static int set_err(char *err, size_t errlen,
                                                         const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OVS_EINVAL;
}

/* Append the matches of one pattern (sorted) to *paths. */
static int add_matches(const char *pattern, char ***paths, int *count, char *err, size_t errlen)
{
    glob_t g;
    const int found = glob(pattern, GLOB_ERR, NULL, &g);
    if (found == GLOB_NOMATCH || (found == 0 && g.gl_pathc == 0)) {
        globfree(&g);
        return set_err(err, errlen, "--merge: no file matches '%s'", pattern);
    }
    if (found != 0) {
        globfree(&g);
        return set_err(err, errlen, "--merge: '%s' cannot be searched (%s)", pattern,
                       found == GLOB_NOSPACE ? "out of memory" : "a directory is unreadable");
    }
    char **grown = realloc(*paths, sizeof **paths * ((size_t)*count + g.gl_pathc));
    if (!grown) {
        globfree(&g);
        return set_err(err, errlen, "--merge: out of memory");
    }
    *paths = grown;
    int rc = OVS_OK;
    for (size_t i = 0; i < g.gl_pathc && rc == OVS_OK; i++) {
        char *copy = strdup(g.gl_pathv[i]);
        if (copy)
            (*paths)[(*count)++] = copy;
        else
            rc = set_err(err, errlen, "--merge: out of memory");
    }
    globfree(&g);
    return rc;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* Each file a regular file, none named twice, none the output. */
static int check_files(char **paths, int count, const char *output, char *err, size_t errlen)
{
    struct stat out, *st = malloc(sizeof *st * (size_t)(count > 0 ? count : 1));
    if (!st)
        return set_err(err, errlen, "--merge: out of memory");
    const int have_out = stat(output, &out) == 0;
    int rc = OVS_OK;
    for (int i = 0; i < count && rc == OVS_OK; i++) {
        if (stat(paths[i], &st[i]) != 0 || !S_ISREG(st[i].st_mode))
            rc = set_err(err, errlen, "--merge: %s is not a regular file", paths[i]);
        else if (have_out && same_file(&st[i], &out))
            rc = set_err(err, errlen, "--merge: %s is the output (-o %s): merge into a new file",
                         paths[i], output);
        for (int j = 0; j < i && rc == OVS_OK; j++)
            if (same_file(&st[i], &st[j]))
                rc = set_err(err, errlen, "--merge: %s is named twice (also as %s)", paths[i],
                             paths[j]);
    }
    free(st);
    return rc;
}

static void free_files(char **paths, int count)
{
    for (int i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}

/* The files of spec, in order: *paths (count of them) each malloc'd, free with free_files.
 * OVS_OK, or OVS_EINVAL with "--merge: ..." in err (a pattern that matches nothing, a file
 * that is not a regular file or is named twice, the output among them). */
static int list_files(const char *spec, const char *output, char ***paths, int *count,
                      char *err, size_t errlen)
{
    *paths = NULL;
    *count = 0;
    char *copy = strdup(spec);
    if (!copy)
        return set_err(err, errlen, "--merge: out of memory");
    int rc = OVS_OK;
    char *save = NULL;
    for (char *pat = strtok_r(copy, ",", &save); pat && rc == OVS_OK;
         pat = strtok_r(NULL, ",", &save))
        rc = add_matches(pat, paths, count, err, errlen);
    free(copy);
    if (rc == OVS_OK && *count == 0)
        rc = set_err(err, errlen, "--merge: '%s' names no file", spec);
    if (rc == OVS_OK)
        rc = check_files(*paths, *count, output, err, errlen);
    if (rc != OVS_OK) {
        free_files(*paths, *count);
        *paths = NULL;
        *count = 0;
    }
    return rc;
}

void ovs_merge_first(const char *spec, char *path, size_t len)
{
    char **paths, err[OVS_ERR_MAX];
    int count;
    path[0] = '\0';
    if (list_files(spec, "", &paths, &count, err, sizeof err) == OVS_OK && count > 0)
        snprintf(path, len, "%s", paths[0]);
    free_files(paths, count);
}

/* ---- the records ---- */

/* The sink between the loader and the caller's: each trial once over all the files. */
typedef struct once {
    const ovs_plan *plan;
    uint8_t *seen; /* a bit per item */
    const char *path;
    char overlap[OVS_ERR_MAX]; /* "" or the message of a trial in two files */
    ovs_record_sink sink;
    void *ctx;
} once;

static int take_once(void *arg, const ovs_record *recs, size_t n)
{
    once *o = arg;
    for (size_t i = 0; i < n; i++) {
        const int64_t it = recs[i].item;
        if (o->seen[it / 8] & (1u << (it % 8))) {
            ovs_item c;
            ovs_plan_item(o->plan, it, &c);
            snprintf(o->overlap, sizeof o->overlap, "--merge: %s holds trial %d of (k, d) = "
                     "(%d, %d) in %s, which an earlier file holds too: the files overlap (merge "
                     "the parts of one sweep, each once)", o->path, c.t, c.k, c.d,
                     o->plan->groups[c.g].name);
            return OVS_EINVAL;
        }
        o->seen[it / 8] |= (uint8_t)(1u << (it % 8));
    }
    return o->sink ? o->sink(o->ctx, recs, n) : OVS_OK;
}

/* The names of list b not in list a (comma lists) added to a, unless that overflows cap
 * bytes (a hostile list: the names beyond the room are left out). */
static void add_names(char *a, const char *b, size_t cap)
{
    ovs_strbuf u = OVS_STRBUF_INIT;
    ovs_strbuf_printf(&u, "%s", a);
    ovs_strbuf_add_names(&u, b);
    const char *all = ovs_strbuf_str(&u);
    if (all && strlen(all) < cap)
        memcpy(a, all, strlen(all) + 1);
    ovs_strbuf_free(&u);
}

/* The file's histories one after the other, trimmed as one (history.h). */
static void join_history(char *all, size_t *len, const char *history, ovs_h5_runs *runs)
{
    const size_t n = strlen(history);
    if (n == 0)
        return;
    if (*len > 0)
        all[(*len)++] = '\n';
    memcpy(all + *len, history, n + 1);
    *len += n;
    ovs_history_append(all, "", runs->history, sizeof runs->history);
    *len = strlen(runs->history);
    memcpy(all, runs->history, *len + 1);
}

/* What is at path, refused unless an intact ovsweep file. */
static int probe_input(const char *path, ovs_h5_info *info, char *err, size_t errlen)
{
    int rc = ovs_h5_probe(path, info, err, errlen);
    if (rc == OVS_OK && !info->exists)
        rc = set_err(err, errlen, "--merge: %s does not exist", path);
    else if (rc == OVS_OK)
        rc = ovs_h5_intact(path, info, err, errlen);
    return rc;
}

int ovs_merge_load(const ovs_plan *p, ovs_record_sink sink, void *ctx, int64_t *nrecs,
                   int *nfiles, ovs_h5_runs *runs, char *err, size_t errlen)
{
    char **paths;
    int count;
    *nrecs = 0;
    *nfiles = 0;
    memset(runs, 0, sizeof *runs);
    int rc = list_files(p->cfg->merge, p->cfg->output, &paths, &count, err, errlen);
    if (rc != OVS_OK)
        return rc;
    once o = {.plan = p, .seen = calloc((size_t)(p->n_items / 8 + 1), 1), .sink = sink,
              .ctx = ctx};
    char *all = malloc(2 * sizeof runs->history + 2);
    size_t all_len = 0;
    if (!o.seen || !all)
        rc = set_err(err, errlen, "--merge: out of memory");
    else
        all[0] = '\0';
    for (int i = 0; i < count && rc == OVS_OK; i++) {
        ovs_h5_info info;
        int64_t n = 0;
        o.path = paths[i];
        rc = probe_input(paths[i], &info, err, errlen);
        if (rc == OVS_OK)
            rc = ovs_h5_load(paths[i], p, take_once, &o, &n, err, errlen);
        if (rc != OVS_OK && o.overlap[0])
            snprintf(err, errlen, "%s", o.overlap);
        if (rc != OVS_OK)
            break;
        *nrecs += n;
        add_names(runs->kernel_builds, info.runs.kernel_builds, sizeof runs->kernel_builds);
        add_names(runs->openblas_cores, info.runs.openblas_cores, sizeof runs->openblas_cores);
        join_history(all, &all_len, info.runs.history, runs);
    }
    *nfiles = count;
    free(all);
    free(o.seen);
    free_files(paths, count);
    return rc;
}
