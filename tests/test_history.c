/* test_history.c - the file's history attribute (history.h): one run's line, and the lines of
 * several runs kept within the cap, the first run and the newest always, the runs left out
 * counted. */
#include "history.h"
#include "rng.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

static const ovs_history_run RUN = {
    .start_time = "2026-12-06T13:05:00Z", .version = "1.2.3", .git = "abc1234",
    .compiler = "gcc 12.2.0", .kernel_builds = "x86-64-v4", .n_ranks = 64,
    .hosts = "node01,node02", .slurm_job = "4242", .command_line = "ovsweep -o fig2.h5"};

static void test_line(void)
{
    char line[OVS_HISTORY_LINE_MAX];
    ovs_history_line(&RUN, line, sizeof line);
    const char *want = "2026-12-06T13:05:00Z ovsweep 1.2.3 (git abc1234; gcc 12.2.0; kernels "
                       "x86-64-v4) on 64 ranks of node01,node02, SLURM job 4242, a new file: "
                       "ovsweep -o fig2.h5";
    CHECK_MSG(strcmp(line, want) == 0, "new file: '%s'", line);
    ovs_history_run r = RUN;
    r.resumed = 1;
    r.done = 1234;
    r.slurm_job = NULL;
    r.n_ranks = 1;
    r.command_line = "ovsweep --resume\n-o\tx.h5";
    ovs_history_line(&r, line, sizeof line);
    want = "2026-12-06T13:05:00Z ovsweep 1.2.3 (git abc1234; gcc 12.2.0; kernels x86-64-v4) on "
           "1 rank of node01,node02, resuming with 1234 trials done: ovsweep --resume -o x.h5";
    CHECK_MSG(strcmp(line, want) == 0, "resume, no SLURM, a newline and a tab: '%s'", line);
    r.resumed = 0;
    r.merged = 8;
    r.command_line = "ovsweep --merge p*.h5 -o all.h5";
    ovs_history_line(&r, line, sizeof line);
    CHECK_MSG(strstr(line, "on 1 rank of node01,node02, merging 8 files with 1234 trials: "
                           "ovsweep --merge p*.h5 -o all.h5") != NULL, "merge: '%s'", line);
    r.merged = 0;
    r.resumed = 1;
    char hosts[9000] = "";
    for (int h = 0; h < 1000; h++)
        sprintf(hosts + strlen(hosts), "%snode%04d", h ? "," : "", h);
    r.hosts = hosts;
    r.command_line = "ovsweep -o big.h5";
    ovs_history_line(&r, line, sizeof line);
    CHECK_MSG(strstr(line, " of node0000,node0001,") && strstr(line, "node0043,... (1000 hosts), "
              "resuming with 1234 trials done: ovsweep -o big.h5") && !strstr(line, "node0044"),
              "1000 hosts: '%s'", line);
    r.hosts = "node01,node02";
    char big[5000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    r.command_line = big;
    ovs_history_line(&r, line, sizeof line);
    CHECK_MSG(strlen(line) == sizeof line - 1 && strcmp(line + sizeof line - 4, "...") == 0,
              "a long command line: %zu bytes, ends '%s'", strlen(line), line + strlen(line) - 3);
}

static void test_append(void)
{
    char out[OVS_HISTORY_MAX];
    ovs_history_append("", "one", out, sizeof out);
    CHECK_MSG(strcmp(out, "one") == 0, "no prior: '%s'", out);
    ovs_history_append("one\ntwo\n\n", "three", out, sizeof out);
    CHECK_MSG(strcmp(out, "one\ntwo\nthree") == 0, "prior's last newlines: '%s'", out);
    ovs_history_append("one\ntwo", "", out, sizeof out);
    CHECK_MSG(strcmp(out, "one\ntwo") == 0, "no new line: '%s'", out);
    /* A cap that holds the first line, the count, two of the five and the new one. */
    const char *prior = "first\n22222222\n33333333\n44444444\n55555555\n66666666";
    const size_t cap = strlen("first\n(3 earlier runs not kept)\n55555555\n66666666\nnew") + 1;
    char small[128];
    ovs_history_append(prior, "new", small, cap);
    CHECK_MSG(strcmp(small, "first\n(3 earlier runs not kept)\n55555555\n66666666\nnew") == 0,
              "trimmed: '%s'", small);
    char again[128];
    ovs_history_append(small, "newer", again, cap);
    CHECK_MSG(strcmp(again, "first\n(4 earlier runs not kept)\n66666666\nnew\nnewer") == 0,
              "trimmed twice, the counts added: '%s'", again);
    ovs_history_append("first\n(3 earlier runs not kept) here\nlast", "new", small, sizeof small);
    CHECK_MSG(strcmp(small, "first\n(3 earlier runs not kept) here\nlast\nnew") == 0,
              "a line like the count is a run's: '%s'", small);
    char huge[200];
    memset(huge, 'h', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    ovs_history_append(huge, "new", small, sizeof small);
    CHECK_MSG(strcmp(small, "(1 earlier runs not kept)\nnew") == 0,
              "a first line longer than the cap: '%s'", small);
}

/* Random histories and caps (each holding the first line beside the count and the new one):
 * the result fits, holds the first line,
 * ends with the new line, and its kept runs plus the counted ones are the prior's runs. */
static void test_random(void)
{
    ovs_pcg32 rng;
    ovs_pcg32_seed(&rng, 7u, 11u);
    static char prior[8192], out[4096];
    int bad = -1;
    for (int c = 0; c < 2000 && bad < 0; c++) {
        const int lines = 1 + (int)(ovs_pcg32_next(&rng) % 60);
        size_t len = 0;
        for (int l = 0; l < lines; l++) {
            const size_t w = 1 + ovs_pcg32_next(&rng) % 120;
            memset(prior + len, 'a' + l % 26, w);
            len += w;
            prior[len++] = '\n';
        }
        prior[len - 1] = '\0';
        const size_t cap = 200 + ovs_pcg32_next(&rng) % 3800;
        ovs_history_append(prior, "NEW", out, cap);
        const size_t first = strcspn(prior, "\n");
        int kept = 0;
        long long counted = 0;
        for (const char *p = out; *p; p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n'))
            if (sscanf(p, "(%lld earlier runs not kept)", &counted) != 1)
                kept++;
        const int first_kept = strncmp(out, prior, first) == 0 && out[first] == '\n';
        const size_t olen = strlen(out);
        if (olen >= cap || strcmp(out + olen - 3, "NEW") != 0 ||
            kept - 1 + counted != lines || !first_kept)
            bad = c;
    }
    CHECK_MSG(bad < 0, "random history %d", bad);
}

int main(void)
{
    test_line();
    test_append();
    test_random();
    TEST_DONE();
}
