/* settings.c - the settings table and the parsing and formatting of each kind of value; see
 * settings.h. */
#include "settings.h"

#include "jacobian.h"
#include "plan.h"
#include "status.h"
#include "train.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int worst_data(const ovs_config *c)
{
    return c->data.inputs == OVS_DATA_WORST;
}

static int adaptive_design(const ovs_config *c)
{
    return c->design == OVS_DESIGN_ADAPTIVE;
}

static int grid_design(const ovs_config *c)
{
    return c->design == OVS_DESIGN_GRID;
}

#define F(field) offsetof(ovs_config, field)
#define LIST(arr, count, max) .field = F(arr), .count_field = F(count), .max_count = (max)

/* The paper's protocol is the default of every setting (Sec. 4: n = 100, 200; k, d in 1..25;
 * 10 trials; 15000 updates; tol 2.5e-3; eta from the activation table). */
static const ovs_setting rows[] = {
    {.flag = "output", .short_flag = 'o', .metavar = "FILE", .kind = OVS_SET_PATH,
     .field = F(output), .dflt = "ovsweep.h5", .help = "output HDF5 file"},
    {.flag = "n", .metavar = "LIST", .kind = OVS_SET_INTS, LIST(n_values, n_count, OVS_MAX_N),
     .lo = 1, .hi = OVS_MAX_DIM, .dflt = "100,200", .help = "dataset sizes n",
     .attr = "n_values", .resume = OVS_RESUME_MATCH},
    {.flag = "act", .metavar = "LIST", .kind = OVS_SET_NAMES, LIST(acts, act_count, OVS_MAX_ACTS),
     .names = &ovs_activation_names, .dflt = "softplus,relu", .help = "activations",
     .attr = "activations", .resume = OVS_RESUME_MATCH},
    {.flag = "k", .metavar = "RANGE", .kind = OVS_SET_INTS, LIST(k_values, k_count, OVS_MAX_GRID),
     .lo = 1, .hi = OVS_MAX_DIM, .dflt = "1:25", .help = "hidden units k", .attr = "k_values",
     .resume = OVS_RESUME_MATCH},
    {.flag = "d", .metavar = "RANGE", .kind = OVS_SET_INTS, LIST(d_values, d_count, OVS_MAX_GRID),
     .lo = 1, .hi = OVS_MAX_DIM, .dflt = "1:25", .help = "input dimensions d",
     .attr = "d_values", .resume = OVS_RESUME_MATCH},
    {.flag = "trials", .metavar = "T", .kind = OVS_SET_INT, .field = F(trials), .lo = 1,
     .hi = OVS_MAX_TRIALS, .dflt = "10", .help = "trials per (k, d) cell", .attr = "trials",
     .resume = OVS_RESUME_NOT_FEWER},
    {.flag = "seed", .metavar = "S", .kind = OVS_SET_SEED, .field = F(seed), .dflt = "2019",
     .help = "master seed, 0..2^64-1", .attr = "seed", .resume = OVS_RESUME_MATCH},
    {.flag = "eta", .metavar = "ACT=VAL,...", .kind = OVS_SET_ETA, .field = F(eta), .lo = 0,
     .hi = INFINITY, .open = OVS_LO_OPEN | OVS_HI_OPEN,
     .help = "step sizes (gd and sgd) of activations in --act; a bare VAL sets all; VAL auto[:C] "
             "(gd): C / lambda_max(J(W0) J(W0)^T) per trial, C 1.8 unless given",
     .attr = "eta", .store = OVS_STORE_GROUP, .resume = OVS_RESUME_MATCH},
    {.flag = "lambda", .metavar = "NAME", .kind = OVS_SET_NAME, .field = F(lambda_method),
     .names = &ovs_lambda_method_names, .dflt = "lanczos",
     .help = "--eta auto: lambda_max by Lanczos (to a residual of 1e-10), or by the power "
             "iteration (to a change of 1e-9; the method of files without a lambda_method "
             "attribute, which --resume keeps)",
     .attr = "lambda_method", .absent = "power", .resume = OVS_RESUME_MATCH},
    {.flag = "max-iter", .metavar = "N", .kind = OVS_SET_INT, .field = F(max_iter), .lo = 1,
     .hi = INT_MAX - 1, .dflt = "15000", .help = "updates per trial (sgd: epochs)",
     .attr = "max_iter", .resume = OVS_RESUME_MATCH},
    {.flag = "tol", .metavar = "X", .kind = OVS_SET_REAL, .field = F(tol), .lo = 0, .hi = 1,
     .open = OVS_LO_OPEN | OVS_HI_OPEN, .dflt = "2.5e-3",
     .help = "success iff ||f(W)-y||/||y|| < X", .attr = "tol", .resume = OVS_RESUME_MATCH},
    {.flag = "method", .metavar = "LIST", .kind = OVS_SET_NAMES,
     LIST(methods, method_count, OVS_METHOD_COUNT), .names = &ovs_method_names, .dflt = "gd",
     .help = "training: full-batch GD, SGD (eq. 2.9; budget in epochs), random features "
             "(least squares on the output layer)",
     .attr = "method", .absent = "gd", .resume = OVS_RESUME_MATCH},
    {.flag = "data", .metavar = "NAME", .kind = OVS_SET_NAME, .field = F(data.inputs),
     .names = &ovs_data_names, .dflt = "sphere",
     .help = "inputs: unit sphere, N(0, I/d), near-duplicate pairs", .attr = "data",
     .absent = "sphere", .resume = OVS_RESUME_MATCH},
    {.flag = "delta", .metavar = "X", .kind = OVS_SET_REAL, .field = F(data.delta), .lo = 0,
     .hi = 2, .open = OVS_LO_OPEN, .dflt = "0.1",
     .help = "--data worst: distance of the near-duplicate pairs", .attr = "data_delta",
     .absent = "nan", .resume = OVS_RESUME_MATCH, .applies = worst_data,
     .needs = "--data worst"},
    {.flag = "labels", .metavar = "NAME", .kind = OVS_SET_NAME, .field = F(data.labels),
     .names = &ovs_labels_names, .dflt = "gaussian", .help = "labels: N(0, 1) or +-1",
     .attr = "labels", .absent = "gaussian", .resume = OVS_RESUME_MATCH},
    {.flag = "kd-band", .metavar = "LO:HI", .kind = OVS_SET_BAND, .field = F(kd_band),
     .dflt = "0:inf", .help = "run only the cells with LO <= kd/n <= HI (HI may be inf)",
     .attr = "kd_band", .absent = "0:inf", .resume = OVS_RESUME_MATCH},
    {.flag = "shard", .metavar = "I/N", .kind = OVS_SET_SHARD, .field = F(shard), .dflt = "1/1",
     .help = "run only part I of N of the cells (dealt out by cost; one per array task, "
             "joined by --merge)",
     .attr = "shard", .absent = "1/1", .resume = OVS_RESUME_PART, .applies = grid_design,
     .needs = "--design grid"},
    {.flag = "diagnostics", .kind = OVS_SET_FLAG, .field = F(diagnostics),
     .help = "store ||X||, sigma_min(X*X), lambda(X), sigma_min(J(W0)) per trial (costs time)",
     .attr = "diagnostics", .absent = "off", .resume = OVS_RESUME_MATCH},
    {.flag = "kernel", .metavar = "NAME", .kind = OVS_SET_NAME, .field = F(kernel),
     .names = &ovs_kernel_names, .dflt = "simd",
     .help = "matrix products: hand-written or OpenBLAS", .attr = "kernel",
     .resume = OVS_RESUME_MATCH},
    {.flag = "precision", .metavar = "P", .kind = OVS_SET_NAME, .field = F(precision),
     .names = &ovs_precision_names, .dflt = "double",
     .help = "arithmetic (float64; the opt-in float32 path was removed)",
     .attr = "precision", .absent = "double", .resume = OVS_RESUME_MATCH,
     .retired = "single", .retired_why = "float32 was removed (docs/BENCHMARKS.md); rerun "
     "the sweep in float64 to a new file"},
    {.flag = "early-fail", .kind = OVS_SET_FLAG, .field = F(early_fail),
     .help = "opt-in, not the paper's protocol: stop trials that cannot reach tol in time",
     .attr = "early_fail", .absent = "off", .resume = OVS_RESUME_MATCH},
    {.flag = "design", .metavar = "NAME", .kind = OVS_SET_NAME, .field = F(design),
     .names = &ovs_design_names, .dflt = "grid",
     .help = "which trials run: every trial of every cell, or rounds that locate each row's "
             "50% point (--trials: the most a cell gets)",
     .attr = "design", .absent = "grid", .resume = OVS_RESUME_MATCH},
    {.flag = "batch", .metavar = "B", .kind = OVS_SET_INT, .field = F(batch), .lo = 1,
     .hi = 1000000, .dflt = "128", .help = "--design adaptive: trainings per round",
     .attr = "batch", .absent = "128", .resume = OVS_RESUME_MATCH, .applies = adaptive_design,
     .needs = "--design adaptive"},
    {.flag = "target-ci", .metavar = "X", .kind = OVS_SET_REAL, .field = F(target_ci), .lo = 0,
     .hi = 10, .open = OVS_LO_OPEN, .dflt = "0.03",
     .help = "--design adaptive: a row stops when its 95% interval's half-width (kd/n) is <= X",
     .attr = "target_ci", .absent = "nan", .resume = OVS_RESUME_MATCH,
     .applies = adaptive_design, .needs = "--design adaptive"},
    {.flag = "max-trainings", .metavar = "N", .kind = OVS_SET_COUNT, .field = F(max_trainings),
     .lo = 1, .hi = 1e15, .help = "--design adaptive: trainings per group at most [no cap]",
     .attr = "max_trainings", .absent = "0", .resume = OVS_RESUME_MATCH,
     .applies = adaptive_design, .needs = "--design adaptive"},
    {.flag = "checkpoint-every", .metavar = "SEC", .kind = OVS_SET_REAL,
     .field = F(checkpoint_every), .lo = 0, .hi = 1e7, .open = OVS_LO_OPEN, .dflt = "60",
     .help = "rewrite the output file every SEC seconds"},
    {.flag = "lockstep", .metavar = "M", .kind = OVS_SET_INT, .field = F(lockstep), .lo = 1,
     .hi = OVS_LOCKSTEP_MAX, .dflt = "4",
     .help = "train up to M trials on one X in lockstep where X is read in panels "
             "(same results; 1: off)"},
    {.flag = "resume", .kind = OVS_SET_FLAG, .field = F(resume),
     .help = "continue the interrupted (or extend the finished) sweep in FILE"},
    {.flag = "force", .kind = OVS_SET_FLAG, .field = F(force), .help = "replace an existing FILE"},
    {.flag = "merge", .metavar = "FILES", .kind = OVS_SET_PATH, .field = F(merge),
     .help = "write the finished trials of FILES (the --shard parts of one sweep; a comma list, "
             "* and ? match) into FILE, with the first one's settings; trains nothing"},
    {.flag = "dry-run", .kind = OVS_SET_FLAG, .field = F(dry_run), .help = "print the plan and exit"},
    {.flag = "quiet", .kind = OVS_SET_FLAG, .field = F(quiet),
     .help = "no progress or summary output"},
    {.flag = "fail-after-trials", .metavar = "N", .kind = OVS_SET_COUNT,
     .field = F(fail_after_trials), .lo = 1, .hi = 1e15,
     .help = "testing only: a worker rank kills itself (SIGKILL) after N trials"},
    {.flag = "crash-after-saved", .metavar = "N", .kind = OVS_SET_COUNT,
     .field = F(crash_after_saved), .lo = 1, .hi = 1e15,
     .help = "testing only: all ranks die (SIGKILL) after the first checkpoint with >= N trials"},
    {.flag = "print-settings", .kind = OVS_SET_ACTION, .field = F(print_settings),
     .help = "print this option table as JSON (for tools) and exit"},
    {.flag = "help", .short_flag = 'h', .kind = OVS_SET_ACTION, .field = F(help),
     .help = "this help"},
    {.flag = "version", .short_flag = 'V', .kind = OVS_SET_ACTION, .field = F(version),
     .help = "version, commit, compiler, the kernels' build this CPU runs, the libraries"},
};
#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

int ovs_settings_count(void)
{
    return N_ROWS;
}

const ovs_setting *ovs_setting_at(int i)
{
    return i >= 0 && i < N_ROWS ? &rows[i] : NULL;
}

const ovs_setting *ovs_setting_find(const char *flag)
{
    for (int i = 0; i < N_ROWS; i++)
        if (strcmp(rows[i].flag, flag) == 0)
            return &rows[i];
    return NULL;
}

const ovs_setting *ovs_setting_by_attr(const char *attr)
{
    for (int i = 0; i < N_ROWS; i++)
        if (rows[i].attr && strcmp(rows[i].attr, attr) == 0)
            return &rows[i];
    return NULL;
}

/* ---- field access ---- */

static void *field_of(const ovs_setting *s, ovs_config *c)
{
    return (char *)c + s->field;
}

static int *count_of(const ovs_setting *s, ovs_config *c)
{
    return (int *)((char *)c + s->count_field);
}

/* ---- parsing ---- */

static int fail(const ovs_setting *s, char *err, size_t errlen, const char *fmt, ...)
{
    char msg[OVS_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "--%s: %s", s->flag, msg);
    return OVS_EINVAL;
}

/* Strict numbers: the whole string, no leading blanks (strto* would skip them). */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return OVS_EINVAL;
    long v = strtol(s, &end, 10);
    if (*end != '\0' || errno == ERANGE || v < lo || v > hi)
        return OVS_EINVAL;
    *out = v;
    return OVS_OK;
}

static int parse_real(const char *s, double *out)
{
    char *end;
    errno = 0;
    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return OVS_EINVAL;
    double v = strtod(s, &end);
    if (*end != '\0' || errno == ERANGE || !isfinite(v))
        return OVS_EINVAL;
    *out = v;
    return OVS_OK;
}

static int in_bounds(const ovs_setting *s, double x)
{
    int lo_ok = (s->open & OVS_LO_OPEN) ? x > s->lo : x >= s->lo;
    int hi_ok = (s->open & OVS_HI_OPEN) ? x < s->hi : x <= s->hi;
    return lo_ok && hi_ok;
}

/* "(0, 1)", "(0, 2]", "positive" for (0, inf). */
static void bounds_text(const ovs_setting *s, char *buf, size_t len)
{
    if (isinf(s->hi) && s->lo == 0 && (s->open & OVS_LO_OPEN))
        snprintf(buf, len, "a positive number");
    else
        snprintf(buf, len, "a number in %c%g, %g%c", (s->open & OVS_LO_OPEN) ? '(' : '[', s->lo,
                 s->hi, (s->open & OVS_HI_OPEN) ? ')' : ']');
}

/* Add v to the list unless present or full. */
static int add_value(const ovs_setting *s, int v, int *out, int *count, const char *whole,
                     char *err, size_t errlen)
{
    for (int i = 0; i < *count; i++)
        if (out[i] == v)
            return fail(s, err, errlen, "'%s' lists %d twice", whole, v);
    if (*count >= s->max_count)
        return fail(s, err, errlen, "'%s' has more than %d values", whole, s->max_count);
    out[(*count)++] = v;
    return OVS_OK;
}

/* One comma-separated item of an integer list: "a", "a:b" or "a:b:step". */
static int parse_range(const ovs_setting *s, const char *item, const char *whole, int *out,
                       int *count, char *err, size_t errlen)
{
    char buf[64];
    if (strlen(item) >= sizeof buf || item[0] == '\0')
        return fail(s, err, errlen, "'%s' has an empty or overlong item", whole);
    strcpy(buf, item);
    char *parts[3] = {buf, NULL, NULL};
    int nparts = 1;
    for (char *c = buf; *c; c++)
        if (*c == ':') {
            if (nparts == 3)
                return fail(s, err, errlen, "'%s': '%s' has too many ':'", whole, item);
            *c = '\0';
            parts[nparts++] = c + 1;
        }
    long v[3] = {0, 0, 1};
    for (int i = 0; i < nparts; i++)
        if (parse_long(parts[i], (long)s->lo, (long)s->hi, &v[i]) != OVS_OK)
            return fail(s, err, errlen, "'%s': '%s' is not an integer in %ld..%ld", whole,
                        parts[i], (long)s->lo, (long)s->hi);
    if (nparts == 1)
        v[1] = v[0];
    if (v[0] > v[1])
        return fail(s, err, errlen, "'%s': range '%s' is empty (start > end)", whole, item);
    for (long x = v[0]; x <= v[1]; x += v[2]) {
        int rc = add_value(s, (int)x, out, count, whole, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    return OVS_OK;
}

/* Split arg at commas (no empty items) and call item() on each piece. */
typedef int (*item_fn)(const ovs_setting *s, const char *item, const char *whole,
                       ovs_config *c, char *err, size_t errlen);
static int each_item(const ovs_setting *s, const char *arg, ovs_config *c, item_fn item,
                     char *err, size_t errlen)
{
    size_t len = strlen(arg);
    if (len == 0 || arg[0] == ',' || arg[len - 1] == ',' || strstr(arg, ",,"))
        return fail(s, err, errlen, "'%s' has an empty item", arg);
    char *copy = malloc(len + 1);
    if (!copy)
        return fail(s, err, errlen, "out of memory");
    memcpy(copy, arg, len + 1);
    int rc = OVS_OK;
    for (char *tok = copy, *comma; rc == OVS_OK && tok; tok = comma ? comma + 1 : NULL) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        rc = item(s, tok, arg, c, err, errlen);
    }
    free(copy);
    return rc;
}

static int ints_item(const ovs_setting *s, const char *item, const char *whole, ovs_config *c,
                     char *err, size_t errlen)
{
    return parse_range(s, item, whole, field_of(s, c), count_of(s, c), err, errlen);
}

static int unknown_name(const ovs_setting *s, const char *name, char *err, size_t errlen)
{
    char known[512];
    ovs_names_join(s->names, known, sizeof known);
    return fail(s, err, errlen, "unknown %s '%s' (known: %s)", s->names->what, name, known);
}

static int names_item(const ovs_setting *s, const char *item, const char *whole, ovs_config *c,
                      char *err, size_t errlen)
{
    int i = ovs_names_find(s->names, item);
    if (i < 0)
        return unknown_name(s, item, err, errlen);
    int *list = field_of(s, c), *count = count_of(s, c);
    for (int j = 0; j < *count; j++)
        if (list[j] == i)
            return fail(s, err, errlen, "'%s' lists %s twice", whole, item);
    if (*count >= s->max_count)
        return fail(s, err, errlen, "'%s' has more than %d names", whole, s->max_count);
    list[(*count)++] = i;
    return OVS_OK;
}

/* A step size: a number within s's bounds, or "auto" / "auto:C" (0 < C <= OVS_ETA_AUTO_C_MAX)
 * for eta = C / lambda_max per trial; *eta is NaN and *c_auto = C for the latter, else 0. */
static int eta_value(const ovs_setting *s, const char *val, double *eta, double *c_auto,
                     char *err, size_t errlen)
{
    char bounds[64];
    *c_auto = 0.0;
    if (strncmp(val, "auto", 4) == 0 && (val[4] == '\0' || val[4] == ':')) {
        *eta = NAN;
        *c_auto = OVS_ETA_AUTO_C;
        if (val[4] == ':' && (parse_real(val + 5, c_auto) != OVS_OK || !(*c_auto > 0) ||
                              *c_auto > OVS_ETA_AUTO_C_MAX))
            return fail(s, err, errlen, "'%s': C in auto:C must be in (0, %g]", val,
                        OVS_ETA_AUTO_C_MAX);
        return OVS_OK;
    }
    bounds_text(s, bounds, sizeof bounds);
    if (parse_real(val, eta) != OVS_OK || !in_bounds(s, *eta))
        return fail(s, err, errlen, "'%s' is not %s, auto or auto:C", val, bounds);
    return OVS_OK;
}

/* "ACT=VAL" (ACT must be in --act) or a bare "VAL" for every activation; VAL may be auto[:C]. */
static int eta_item(const ovs_setting *s, const char *item, const char *whole, ovs_config *c,
                    char *err, size_t errlen)
{
    (void)whole;
    const char *eq = strchr(item, '='), *val = eq ? eq + 1 : item;
    double eta, c_auto;
    int rc = eta_value(s, val, &eta, &c_auto, err, errlen);
    if (rc != OVS_OK)
        return rc;
    int act = -1;
    if (eq) {
        char name[64];
        size_t len = (size_t)(eq - item);
        if (len >= sizeof name)
            return fail(s, err, errlen, "unknown activation in '%s'", item);
        memcpy(name, item, len);
        name[len] = '\0';
        act = ovs_names_find(&ovs_activation_names, name);
        if (act < 0)
            return fail(s, err, errlen, "unknown activation '%s'", name);
        int listed = 0;
        for (int i = 0; i < c->act_count; i++)
            listed |= c->acts[i] == act;
        if (!listed)
            return fail(s, err, errlen, "%s is not one of --act's activations", name);
    }
    for (int i = 0; i < c->act_count; i++)
        if (act < 0 || c->acts[i] == act) {
            c->eta[i] = eta;
            c->eta_auto[i] = c_auto;
        }
    return OVS_OK;
}

/* Each activation is set once in an --eta value, as --n and --act refuse a repeated value:
 * an ACT=VAL given twice, two bare VALs, or a bare VAL after an ACT=VAL (which it would
 * silently replace) is refused. A bare VAL first, then the exceptions, is the intended form.
 * Called once the items have parsed, so every ACT named is a known activation. */
static int eta_once(const ovs_setting *s, const char *arg, char *err, size_t errlen)
{
    char *copy = malloc(strlen(arg) + 1);
    if (!copy)
        return fail(s, err, errlen, "out of memory");
    strcpy(copy, arg);
    unsigned char seen[64] = {0};
    int rc = OVS_OK, bare = 0, keyed = 0;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); rc == OVS_OK && tok;
         tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        if (!eq) {
            if (bare || keyed)
                rc = fail(s, err, errlen, "'%s' sets %s twice (a bare VAL sets all: give it "
                          "first, then ACT=VAL)", arg, keyed ? "an activation" : "every activation");
            bare = 1;
            continue;
        }
        *eq = '\0';
        int act = ovs_names_find(&ovs_activation_names, tok);
        if (act >= 0 && act < (int)sizeof seen && seen[act]++)
            rc = fail(s, err, errlen, "'%s' sets %s twice", arg, tok);
        keyed = 1;
    }
    free(copy);
    return rc;
}

/* "LO:HI" with 0 <= LO <= HI; HI may be "inf". */
static int parse_band(const ovs_setting *s, const char *arg, double band[2], char *err,
                      size_t errlen)
{
    char lo_text[128];
    const char *colon = strchr(arg, ':');
    if (!colon || (size_t)(colon - arg) >= sizeof lo_text)
        return fail(s, err, errlen, "'%s' is not LO:HI", arg);
    memcpy(lo_text, arg, (size_t)(colon - arg));
    lo_text[colon - arg] = '\0';
    double lo, hi;
    if (parse_real(lo_text, &lo) != OVS_OK || lo < 0)
        return fail(s, err, errlen, "'%s' is not a number >= 0", lo_text);
    if (strcmp(colon + 1, "inf") == 0)
        hi = INFINITY;
    else if (parse_real(colon + 1, &hi) != OVS_OK)
        return fail(s, err, errlen, "'%s' is not a number or inf", colon + 1);
    if (!(hi >= lo))
        return fail(s, err, errlen, "'%s' is empty (LO > HI)", arg);
    band[0] = lo;
    band[1] = hi;
    return OVS_OK;
}

/* "I/N" with 1 <= I <= N <= OVS_MAX_SHARDS. */
static int parse_shard(const ovs_setting *s, const char *arg, int shard[2], char *err,
                       size_t errlen)
{
    char i_text[32];
    const char *slash = strchr(arg, '/');
    long i, n;
    if (!slash || (size_t)(slash - arg) >= sizeof i_text)
        return fail(s, err, errlen, "'%s' is not I/N", arg);
    memcpy(i_text, arg, (size_t)(slash - arg));
    i_text[slash - arg] = '\0';
    if (parse_long(slash + 1, 1, OVS_MAX_SHARDS, &n) != OVS_OK)
        return fail(s, err, errlen, "'%s': N is not an integer in 1..%d", arg, OVS_MAX_SHARDS);
    if (parse_long(i_text, 1, n, &i) != OVS_OK)
        return fail(s, err, errlen, "'%s': I is not an integer in 1..%ld", arg, n);
    shard[0] = (int)i;
    shard[1] = (int)n;
    return OVS_OK;
}

static int parse_seed(const ovs_setting *s, const char *arg, uint64_t *out, char *err,
                      size_t errlen)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)arg[0]))
        return fail(s, err, errlen, "'%s' is not an integer in 0..2^64-1", arg);
    unsigned long long v = strtoull(arg, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return fail(s, err, errlen, "'%s' is not an integer in 0..2^64-1", arg);
    *out = (uint64_t)v;
    return OVS_OK;
}

int ovs_setting_parse(const ovs_setting *s, const char *arg, ovs_config *c, char *err,
                      size_t errlen)
{
    long v;
    double x;
    char bounds[64];
    switch (s->kind) {
    case OVS_SET_PATH:
        if (arg[0] == '\0' || strlen(arg) >= OVS_PATH_MAX)
            return fail(s, err, errlen, "empty or overlong path");
        strcpy(field_of(s, c), arg);
        return OVS_OK;
    case OVS_SET_INTS:
        *count_of(s, c) = 0;
        return each_item(s, arg, c, ints_item, err, errlen);
    case OVS_SET_NAMES:
        *count_of(s, c) = 0;
        return each_item(s, arg, c, names_item, err, errlen);
    case OVS_SET_NAME: {
        int i = ovs_names_find(s->names, arg);
        if (i < 0)
            return unknown_name(s, arg, err, errlen);
        *(int *)field_of(s, c) = i;
        return OVS_OK;
    }
    case OVS_SET_INT:
    case OVS_SET_COUNT:
        if (parse_long(arg, (long)s->lo, (long)s->hi, &v) != OVS_OK)
            return fail(s, err, errlen, "'%s' is not an integer in %ld..%ld", arg, (long)s->lo,
                        (long)s->hi);
        if (s->kind == OVS_SET_INT)
            *(int *)field_of(s, c) = (int)v;
        else
            *(long *)field_of(s, c) = v;
        return OVS_OK;
    case OVS_SET_SEED:
        return parse_seed(s, arg, field_of(s, c), err, errlen);
    case OVS_SET_REAL:
        bounds_text(s, bounds, sizeof bounds);
        if (parse_real(arg, &x) != OVS_OK || !in_bounds(s, x))
            return fail(s, err, errlen, "'%s' is not %s", arg, bounds);
        *(double *)field_of(s, c) = x;
        return OVS_OK;
    case OVS_SET_BAND:
        return parse_band(s, arg, field_of(s, c), err, errlen);
    case OVS_SET_SHARD:
        return parse_shard(s, arg, field_of(s, c), err, errlen);
    case OVS_SET_ETA: {
        int rc = each_item(s, arg, c, eta_item, err, errlen);
        return rc == OVS_OK ? eta_once(s, arg, err, errlen) : rc;
    }
    case OVS_SET_FLAG:
    case OVS_SET_ACTION:
        *(int *)field_of(s, c) = 1;
        return OVS_OK;
    }
    return fail(s, err, errlen, "internal error: unknown kind %d", (int)s->kind);
}

void ovs_settings_defaults(ovs_config *c)
{
    memset(c, 0, sizeof *c);
    char err[OVS_ERR_MAX];
    for (int i = 0; i < N_ROWS; i++)
        if (rows[i].dflt && ovs_setting_parse(&rows[i], rows[i].dflt, c, err, sizeof err) != OVS_OK)
            abort(); /* a default the table's own parser refuses: a bug in the table */
    for (int i = 0; i < c->act_count; i++) {
        c->eta[i] = ovs_config_act(c, i)->default_eta;
        c->eta_auto[i] = 0.0;
    }
}

