/* history.c - the file's history attribute, one line per run; see history.h. */
#include "history.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

/* The hosts of a run, a long list (a job of many nodes) cut at a comma after HOSTS_SHOWN
 * bytes and counted, so that the command after it stays on the line. */
enum { HOSTS_SHOWN = 400 };
static void hosts_text(const char *hosts, char *out, size_t len)
{
    const size_t n = strlen(hosts);
    if (n <= HOSTS_SHOWN) {
        snprintf(out, len, "%s", hosts);
        return;
    }
    long count = 1;
    for (const char *c = hosts; *c; c++)
        count += *c == ',';
    size_t cut = HOSTS_SHOWN;
    while (cut > 0 && hosts[cut] != ',')
        cut--;
    snprintf(out, len, "%.*s,... (%ld hosts)", (int)cut, hosts, count);
}

void ovs_history_line(const ovs_history_run *r, char *line, size_t len)
{
    if (len == 0)
        return;
    char job[96] = "", resumed[64] = "", hosts[HOSTS_SHOWN + 40];
    hosts_text(or_empty(r->hosts), hosts, sizeof hosts);
    if (r->slurm_job && r->slurm_job[0])
        snprintf(job, sizeof job, ", SLURM job %.64s", r->slurm_job);
    if (r->resumed)
        snprintf(resumed, sizeof resumed, ", resuming with %lld trials done", (long long)r->done);
    else if (r->merged > 0)
        snprintf(resumed, sizeof resumed, ", merging %d file%s with %lld trials", r->merged,
                 r->merged == 1 ? "" : "s", (long long)r->done);
    const int n = snprintf(line, len, "%s ovsweep %s (git %s; %s; kernels %s) on %d rank%s of %s%s%s: %s",
                           or_empty(r->start_time), or_empty(r->version), or_empty(r->git),
                           or_empty(r->compiler), or_empty(r->kernel_builds), r->n_ranks,
                           r->n_ranks == 1 ? "" : "s", hosts, job,
                           resumed[0] ? resumed : ", a new file", or_empty(r->command_line));
    if (n >= 0 && (size_t)n >= len && len > 3)
        memcpy(line + len - 4, "...", 4);
    for (char *c = line; *c; c++) /* one run, one line: no newline or other control byte */
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = ' ';
}

/* A span of text: one line or several, without the '\n' after the last. */
typedef struct span {
    const char *s;
    size_t len;
} span;

/* The first line of t, and in rest what follows its '\n' (empty when none). */
static span first_line(span t, span *rest)
{
    const char *nl = memchr(t.s, '\n', t.len);
    const size_t n = nl ? (size_t)(nl - t.s) : t.len;
    *rest = nl ? (span){nl + 1, t.len - n - 1} : (span){t.s + t.len, 0};
    return (span){t.s, n};
}

#define NOT_KEPT "(%lld earlier runs not kept)"

/* The count of a "(N earlier runs not kept)" line, or -1 when l is not one. */
static long long not_kept_count(span l)
{
    char text[64], again[64];
    if (l.len == 0 || l.len >= sizeof text || l.s[0] != '(')
        return -1;
    memcpy(text, l.s, l.len);
    text[l.len] = '\0';
    char *end;
    const long long n = strtoll(text + 1, &end, 10);
    if (end == text + 1 || n < 0 || n == LLONG_MAX)
        return -1;
    snprintf(again, sizeof again, NOT_KEPT, n);
    return strcmp(again, text) == 0 ? n : -1;
}

/* Bytes of first, the count line, rest and line, each after the one before and a '\n'. */
static size_t joined_len(span first, long long dropped, span rest, size_t line_len)
{
    size_t n = first.len;
    if (dropped > 0)
        n += (size_t)snprintf(NULL, 0, NOT_KEPT, dropped) + (n > 0);
    if (rest.len > 0)
        n += rest.len + (n > 0);
    if (line_len > 0)
        n += line_len + (n > 0);
    return n;
}

static char *put(char *o, span piece)
{
    memcpy(o, piece.s, piece.len);
    return o + piece.len;
}

void ovs_history_append(const char *prior, const char *line, char *out, size_t cap)
{
    span all = {or_empty(prior), strlen(or_empty(prior))};
    while (all.len > 0 && all.s[all.len - 1] == '\n')
        all.len--;
    span rest, first = first_line(all, &rest), second_rest;
    const span second = first_line(rest, &second_rest);
    long long dropped = rest.len > 0 ? not_kept_count(second) : -1;
    if (dropped >= 0)
        rest = second_rest; /* rebuilt below, with its count */
    else
        dropped = 0;
    size_t line_len = strlen(or_empty(line));
    if (line_len > cap - 49) /* room for the count line beside it (history.h asks more) */
        line_len = cap - 49;
    while (joined_len(first, dropped, rest, line_len) > cap - 1 && rest.len > 0) {
        first_line(rest, &rest); /* the oldest run after the first gives way */
        dropped += dropped < LLONG_MAX - 1;
    }
    if (joined_len(first, dropped, rest, line_len) > cap - 1) {
        first.len = 0; /* a first line that leaves no room */
        dropped += dropped < LLONG_MAX - 1;
    }
    char *o = out;
    o = put(o, first);
    if (dropped > 0)
        o += sprintf(o, "%s" NOT_KEPT, o > out ? "\n" : "", dropped);
    if (rest.len > 0)
        o = put(o > out ? put(o, (span){"\n", 1}) : o, rest);
    if (line_len > 0)
        o = put(o > out ? put(o, (span){"\n", 1}) : o, (span){line, line_len});
    *o = '\0';
}
