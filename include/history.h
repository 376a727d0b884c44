/* history.h - the file's `history` attribute, the audit trail of the CF conventions the file
 * follows ("a line containing date, time of day, ... program name and command arguments" per
 * run): one line per run that wrote the file, oldest first. A resume keeps the file's lines and
 * adds its own, so a file computed across several runs (SLURM jobs, node sets, builds, after a
 * crash) says which computed it; the other provenance attributes describe the last run alone.
 *
 * Pure: fixed buffers, no allocation (the text travels through a pipe and a broadcast). */
#ifndef OVS_HISTORY_H
#define OVS_HISTORY_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the attribute kept, with its NUL: some 200 runs of a few hundred characters. Where
 * more would not fit, the oldest runs after the first give way to a line that counts them. */
#define OVS_HISTORY_MAX 65536
/* Bytes of one run's line, with its NUL (a longer line ends in "..."). */
#define OVS_HISTORY_LINE_MAX 2048

/* What one run's line says. NULL or "" strings are left out where they are optional. */
typedef struct ovs_history_run {
    const char *start_time;         /* ISO 8601 UTC */
    const char *version, *git;      /* of ovsweep */
    const char *compiler;           /* that built it */
    const char *kernel_builds;      /* this run's ranks' builds (simd.h) */
    int n_ranks;
    const char *hosts;              /* this run's distinct host names */
    const char *slurm_job;          /* SLURM_JOB_ID, optional */
    int resumed;                    /* 1: a --resume of a file holding `done` trials */
    int merged;                     /* > 0: a --merge of that many files holding them */
    int64_t done;
    const char *command_line;
} ovs_history_run;

/* The run's line into line (len bytes): control characters become spaces (one run, one line),
 * a list of hosts past 400 bytes is cut at a comma and counted ("node001,...,node044,...
 * (1000 hosts)"), and a line longer than len - 1 ends in "...". */
void ovs_history_line(const ovs_history_run *run, char *line, size_t len);

/* prior's lines (a file's history; "" for none), then line unless it is "" (lines end at
 * '\n'), into out (cap bytes, at least OVS_HISTORY_LINE_MAX + 64). What does not fit in cap - 1
 * bytes: the oldest lines after the first are left out and counted in the second line,
 * "(N earlier runs not kept)", whose count the next trim adds to; a first line that leaves no
 * room for line is left out too. */
void ovs_history_append(const char *prior, const char *line, char *out, size_t cap);

#endif
