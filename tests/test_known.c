/* test_known.c - known answers for the engine: trials whose results were computed once and
 * stored in tests/known_answers.txt, so that a change of seeding, step size, default, stop
 * rule or success test fails a named item instead of going unnoticed.
 *
 *   build/test_known [FILE]          check every item of FILE (tests/known_answers.txt)
 *   build/test_known --write FILE    recompute the expected values of every item (rarely:
 *                                    a change of results is a finding, never a side effect)
 *
 * An item is a command line of one group and one cell (options as bin/ovsweep takes them,
 * through the same parser, settings table and plan) and a trial index. Three checks per item:
 * - draws: the first three values of X, y and W0 and v[0], exactly. They come from integer
 *   PCG arithmetic and plain -O2 C (no contraction: ISO C mode) in rng.c and problem.c,
 *   with glibc's sqrt (exact) and log;
 * - outcome: success, diverged, early_stopped, iterations and the tolerance ladder's first
 *   hits, exactly;
 * - floats: final_rel_err, dist_from_init and path_length, exactly where the kernels' FMA
 *   clones run (simd.h: x86-64 with AVX2 and FMA; the AVX2 and AVX-512 clones agree bit for
 *   bit, as the golden dumps written on AVX-512 and checked on AVX2 show), and otherwise to
 *   a relative REL_TOL or an absolute ABS_TOL: the sanitizer build runs the baseline clone,
 *   which rounds each multiply-add twice. rf items (LAPACK) and --kernel blas items
 *   (OpenBLAS picks its kernels per CPU at run time) are always compared to the tolerance.
 * The outcome and the draws of every item were the same in the baseline clone. */
#include "inproc.h"
#include "problem.h"
#include "test.h"
#include "train.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The largest difference accepted where floats are not compared exactly (the golden test's
 * bounds for LAPACK-dependent fields). Measured: the baseline clone's floats differed from
 * the FMA clones' by at most 5.8e-14 relative, except rf's interpolation residual near
 * zero (4.3e-15 against 7.6e-15: 3.3e-15 absolute). */
#define REL_TOL 1e-9
#define ABS_TOL 1e-12
#define MAX_LINE 2048
#define MAX_ARGS 64
#define N_DRAWS 10

typedef struct answer {
    int success, diverged, early_stopped, iterations;
    int n_ladder, ladder[OVS_LADDER_MAX];
    double err, dist, path;
    double draws[N_DRAWS]; /* x[0..2], y[0..2], w0[0..2], v[0] */
} answer;

/* Whether the kernels' FMA clones run in this binary (simd.h's OVS_CLONES). */
static int fma_clones(void)
{
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) &&                         \
    !defined(__SANITIZE_ADDRESS__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

/* Split options (modified in place) into argv after "ovsweep"; returns argc or -1. */
static int split_args(char *opts, char **argv)
{
    int argc = 0;
    argv[argc++] = "ovsweep";
    for (char *tok = strtok(opts, " \t"); tok; tok = strtok(NULL, " \t")) {
        if (argc == MAX_ARGS)
            return -1;
        argv[argc++] = tok;
    }
    return argc;
}

/* The first values of the trial's draws. */
static int draws(const inproc *r, int t, double *out)
{
    const int n = r->plan.groups[0].n, k = r->cfg.k_values[0], d = r->cfg.d_values[0];
    ovs_problem p;
    int rc = ovs_problem_alloc(&p, n, k, d);
    if (rc == OVS_OK) {
        ovs_problem_draw_model(&p, &r->cfg.data, r->cfg.seed, t);
        for (int i = 0; i < 3; i++) {
            out[i] = i < n * d ? p.x[i] : 0.0;
            out[3 + i] = i < n ? p.y[i] : 0.0;
            out[6 + i] = i < k * d ? p.w0[i] : 0.0;
        }
        out[9] = p.v[0];
    }
    ovs_problem_free(&p);
    return rc;
}

/* Run trial t of the command line opts; *exact: whether its floats are compared exactly. */
static int compute(const char *opts, int t, answer *a, int *exact, char *err, size_t errlen)
{
    char buf[MAX_LINE], *argv[MAX_ARGS];
    snprintf(buf, sizeof buf, "%s", opts);
    int argc = split_args(buf, argv);
    inproc r;
    if (argc < 0) {
        snprintf(err, errlen, "too many options");
        return OVS_EINVAL;
    }
    if (inproc_open(&r, argc, argv, err, errlen) != OVS_OK) {
        inproc_close(&r);
        return OVS_EINVAL;
    }
    int rc = OVS_EINVAL;
    ovs_record rec;
    if (r.plan.n_groups != 1 || r.plan.K != 1 || r.plan.D != 1 || t < 0 || t >= r.plan.T)
        snprintf(err, errlen, "an item needs one group, one cell and trial < --trials");
    else if ((rc = inproc_run(&r, inproc_item(&r, 0, t), &rec)) != OVS_OK)
        snprintf(err, errlen, "the trial failed (status %d)", rc);
    if (rc == OVS_OK) {
        *a = (answer){rec.success, rec.diverged, rec.early_stopped, rec.iterations,
                      r.plan.n_ladder, {0}, rec.final_rel_err, rec.dist_from_init,
                      rec.path_length, {0}};
        memcpy(a->ladder, rec.ladder_hit, sizeof a->ladder);
        rc = draws(&r, t, a->draws);
        *exact = fma_clones() && r.plan.groups[0].method != OVS_METHOD_RF &&
                 r.cfg.kernel == OVS_KERNEL_SIMD;
    }
    inproc_close(&r);
    return rc;
}

/* ---- the table's text: OPTIONS | TRIAL | OUTCOME | FLOATS | DRAWS ---- */

static void format_answer(FILE *out, const char *opts, int t, const answer *a)
{
    fprintf(out, "%s | %d | %d %d %d %d ", opts, t, a->success, a->diverged, a->early_stopped,
            a->iterations);
    for (int j = 0; j < a->n_ladder; j++)
        fprintf(out, "%s%d", j ? "," : "", a->ladder[j]);
    fprintf(out, " | %a %a %a |", a->err, a->dist, a->path);
    for (int i = 0; i < N_DRAWS; i++)
        fprintf(out, " %a", a->draws[i]);
    fputc('\n', out);
}

static int parse_doubles(char *s, double *out, int m)
{
    for (int i = 0; i < m; i++) {
        char *end;
        errno = 0;
        out[i] = strtod(s, &end);
        if (end == s || errno == ERANGE)
            return 0;
        s = end;
    }
    return 1;
}

static int parse_answer(char *outcome, char *floats, char *drw, answer *a)
{
    char ladder[256];
    if (sscanf(outcome, "%d %d %d %d %255s", &a->success, &a->diverged, &a->early_stopped,
               &a->iterations, ladder) != 5)
        return 0;
    a->n_ladder = 0;
    for (char *tok = strtok(ladder, ","); tok && a->n_ladder < OVS_LADDER_MAX;
         tok = strtok(NULL, ","))
        a->ladder[a->n_ladder++] = atoi(tok);
    double f[3];
    if (!parse_doubles(floats, f, 3) || !parse_doubles(drw, a->draws, N_DRAWS))
        return 0;
    a->err = f[0];
    a->dist = f[1];
    a->path = f[2];
    return 1;
}

/* Split a table line at '|' into up to 5 trimmed sections; returns how many. */
static int sections(char *line, char **sec)
{
    int m = 0;
    for (char *p = line; m < 5; m++) {
        sec[m] = p;
        char *bar = strchr(p, '|');
        if (!bar) {
            m++;
            break;
        }
        *bar = '\0';
        p = bar + 1;
    }
    for (int i = 0; i < m; i++) {
        while (*sec[i] == ' ')
            sec[i]++;
        char *e = sec[i] + strlen(sec[i]);
        while (e > sec[i] && (e[-1] == ' ' || e[-1] == '\n'))
            *--e = '\0';
    }
    return m;
}

/* ---- checking ---- */

static int same_float(double want, double have, int exact)
{
    if (isnan(want) || isnan(have))
        return isnan(want) && isnan(have);
    if (exact)
        return want == have;
    const double diff = fabs(want - have);
    return diff <= REL_TOL * fmax(fabs(want), fabs(have)) || diff <= ABS_TOL;
}

static void check_item(int lineno, const char *opts, int t, const answer *want)
{
    answer have;
    int exact = 0;
    char err[OVS_ERR_MAX] = "";
    if (compute(opts, t, &have, &exact, err, sizeof err) != OVS_OK) {
        CHECK_MSG(0, "line %d (%s, trial %d): %s", lineno, opts, t, err);
        return;
    }
    int draws_ok = memcmp(want->draws, have.draws, sizeof have.draws) == 0;
    CHECK_MSG(draws_ok, "line %d (%s, trial %d): first values of X, y, W0, v differ "
              "(x[0] %a != %a, y[0] %a != %a, w0[0] %a != %a)", lineno, opts, t,
              have.draws[0], want->draws[0], have.draws[3], want->draws[3], have.draws[6],
              want->draws[6]);
    int outcome_ok = have.success == want->success && have.diverged == want->diverged &&
                     have.early_stopped == want->early_stopped &&
                     have.iterations == want->iterations && have.n_ladder == want->n_ladder &&
                     memcmp(have.ladder, want->ladder, sizeof(int) * (size_t)have.n_ladder) == 0;
    CHECK_MSG(outcome_ok, "line %d (%s, trial %d): outcome success %d diverged %d early %d "
              "iterations %d, expected %d %d %d %d (or the ladder's hits differ)", lineno,
              opts, t, have.success, have.diverged, have.early_stopped, have.iterations,
              want->success, want->diverged, want->early_stopped, want->iterations);
    int floats_ok = same_float(want->err, have.err, exact) &&
                    same_float(want->dist, have.dist, exact) &&
                    same_float(want->path, have.path, exact);
    CHECK_MSG(floats_ok, "line %d (%s, trial %d): final_rel_err %a dist %a path %a, expected "
              "%a %a %a (%s)", lineno, opts, t, have.err, have.dist, have.path, want->err,
              want->dist, want->path, exact ? "exactly" : "to 1e-9 relative or 1e-12 absolute");
}

/* Read path; check every item, or (out != NULL) write the table with recomputed answers. */
static int run_table(const char *path, FILE *out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "test_known: cannot open %s (run from the repository root)\n", path);
        return 0;
    }
    char line[MAX_LINE];
    int lineno = 0, items = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] == '#' || line[strspn(line, " \n")] == '\0') {
            if (out)
                fputs(line, out);
            continue;
        }
        char *sec[5];
        int m = sections(line, sec), t = m >= 2 ? atoi(sec[1]) : -1;
        answer want;
        items++;
        if (out) {
            char err[OVS_ERR_MAX];
            int exact;
            if (m < 2 || compute(sec[0], t, &want, &exact, err, sizeof err) != OVS_OK) {
                fprintf(stderr, "test_known: line %d: %s\n", lineno, m < 2 ? "no trial" : err);
                fclose(f);
                return 0;
            }
            format_answer(out, sec[0], t, &want);
        } else {
            if (m == 5 && parse_answer(sec[2], sec[3], sec[4], &want))
                check_item(lineno, sec[0], t, &want);
            else
                CHECK_MSG(0, "%s:%d: not OPTIONS | TRIAL | OUTCOME | FLOATS | DRAWS", path,
                          lineno);
        }
    }
    fclose(f);
    if (!out)
        CHECK_MSG(items >= 10, "%s holds %d items (expected at least 10)", path, items);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        char tmp[4096];
        snprintf(tmp, sizeof tmp, "%s.new", argv[2]);
        FILE *out = fopen(tmp, "w");
        int ok = out && run_table(argv[2], out);
        if (out)
            fclose(out);
        if (!ok || rename(tmp, argv[2]) != 0) {
            fprintf(stderr, "test_known: %s not rewritten\n", argv[2]);
            return 1;
        }
        printf("test_known: %s rewritten\n", argv[2]);
        return 0;
    }
    const char *path = argc == 2 ? argv[1] : "tests/known_answers.txt";
    printf("test_known: floats compared %s\n",
           fma_clones() ? "exactly (FMA clones)" : "to a tolerance (no FMA clones)");
    if (!run_table(path, NULL))
        CHECK_MSG(0, "%s unreadable", path);
    TEST_DONE();
}
