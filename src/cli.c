/* cli.c - option table, defaults and strict parsing; see cli.h. */
#include "cli.h"

#include "status.h"
#include "train.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_N = 256, OPT_ACT, OPT_K, OPT_D, OPT_TRIALS, OPT_SEED, OPT_ETA, OPT_MAX_ITER, OPT_TOL,
    OPT_CHECKPOINT, OPT_KERNEL, OPT_PRECISION, OPT_METHOD, OPT_DATA, OPT_DELTA, OPT_LABELS, OPT_DIAG, OPT_BAND, OPT_EARLY_FAIL, OPT_RESUME, OPT_FORCE, OPT_DRY_RUN, OPT_QUIET, OPT_FAIL_AFTER
};

/* One table drives getopt_long and --help, so the two cannot drift apart. */
typedef struct option_row {
    struct option opt;
    const char *metavar;
    const char *help;
} option_row;

static const option_row rows[] = {
    {{"output", required_argument, NULL, 'o'}, "FILE", "output HDF5 file [ovsweep.h5]"},
    {{"n", required_argument, NULL, OPT_N}, "LIST", "dataset sizes n [100,200]"},
    {{"act", required_argument, NULL, OPT_ACT}, "LIST",
     "activations: softplus relu tanh quadratic leaky_relu gelu [softplus,relu]"},
    {{"k", required_argument, NULL, OPT_K}, "RANGE", "hidden units k [1:25]"},
    {{"d", required_argument, NULL, OPT_D}, "RANGE", "input dimensions d [1:25]"},
    {{"trials", required_argument, NULL, OPT_TRIALS}, "T", "trials per (k, d) cell [10]"},
    {{"seed", required_argument, NULL, OPT_SEED}, "S", "master seed, 0..2^64-1 [2019]"},
    {{"eta", required_argument, NULL, OPT_ETA}, "ACT=VAL,...",
     "step sizes (gd and sgd); a bare VAL sets all [softplus=0.15,relu=0.1]"},
    {{"max-iter", required_argument, NULL, OPT_MAX_ITER}, "N", "updates per trial (sgd: epochs) [15000]"},
    {{"tol", required_argument, NULL, OPT_TOL}, "X",
     "success iff ||f(W)-y||/||y|| < X, 0 < X < 1 [2.5e-3]"},
    {{"method", required_argument, NULL, OPT_METHOD}, "LIST",
     "training: gd (full-batch GD), sgd (eq. 2.9; budget in epochs), rf (random features, "
     "least squares on the output layer) [gd]"},
    {{"data", required_argument, NULL, OPT_DATA}, "NAME",
     "inputs: sphere, gaussian (N(0, I/d)), worst (near-duplicate pairs) [sphere]"},
    {{"delta", required_argument, NULL, OPT_DELTA}, "X",
     "--data worst: distance of the near-duplicate pairs, 0 < X <= 2 [0.1]"},
    {{"labels", required_argument, NULL, OPT_LABELS}, "NAME", "labels: gaussian or sign [gaussian]"},
    {{"kd-band", required_argument, NULL, OPT_BAND}, "LO:HI",
     "run only the cells with LO <= kd/n <= HI (HI may be inf) [all]"},
    {{"diagnostics", no_argument, NULL, OPT_DIAG}, NULL,
     "store ||X||, sigma_min(X*X), lambda(X), sigma_min(J(W0)) per trial (costs time)"},
    {{"kernel", required_argument, NULL, OPT_KERNEL}, "NAME",
     "matrix products: simd (hand-written) or blas (OpenBLAS) [simd]"},
    {{"precision", required_argument, NULL, OPT_PRECISION}, "P",
     "gd arithmetic: double, or opt-in single (float32; not the paper's protocol) [double]"},
    {{"early-fail", no_argument, NULL, OPT_EARLY_FAIL}, NULL,
     "opt-in, not the paper's protocol: stop trials that cannot reach tol in time"},
    {{"checkpoint-every", required_argument, NULL, OPT_CHECKPOINT}, "SEC",
     "rewrite the output file every SEC seconds [60]"},
    {{"resume", no_argument, NULL, OPT_RESUME}, NULL,
     "continue the interrupted (or extend the finished) sweep in FILE"},
    {{"force", no_argument, NULL, OPT_FORCE}, NULL, "replace an existing FILE"},
    {{"dry-run", no_argument, NULL, OPT_DRY_RUN}, NULL, "print the plan and exit"},
    {{"quiet", no_argument, NULL, OPT_QUIET}, NULL, "no progress or summary output"},
    {{"fail-after-trials", required_argument, NULL, OPT_FAIL_AFTER}, "N",
     "testing only: a worker rank kills itself (SIGKILL) after N trials"},
    {{"help", no_argument, NULL, 'h'}, NULL, "this help"},
    {{"version", no_argument, NULL, 'V'}, NULL, "version and git commit"},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

void ovs_cli_usage(FILE *out)
{
    fprintf(out, "usage: mpirun -np N ovsweep [options]\n"
                 "Sweeps (n, activation, method, k, d, trial) trainings of\n"
                 "f(x) = v^T phi(W x) and writes success-probability heatmaps to one HDF5 file.\n"
                 "Defaults reproduce Figure 2 of Oymak & Soltanolkotabi.\n\noptions:\n");
    for (size_t i = 0; i < N_ROWS; i++) {
        char left[64];
        const struct option *o = &rows[i].opt;
        int len = o->val < 256 ? snprintf(left, sizeof left, "-%c, --%s", o->val, o->name)
                               : snprintf(left, sizeof left, "    --%s", o->name);
        if (rows[i].metavar)
            snprintf(left + len, sizeof left - (size_t)len, " %s", rows[i].metavar);
        fprintf(out, "  %-30s %s\n", left, rows[i].help);
    }
    fprintf(out, "\nLIST/RANGE: a:b (inclusive), a:b:step, comma lists, mixes: 1:5,10,20:25:5\n"
                 "Exit status: 0 done, 1 runtime error, 2 usage error, 75 interrupted "
                 "(resumable with --resume).\n");
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OVS_EINVAL;
}

/* Strict integer: the whole string, base 10, within [lo, hi]. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        return OVS_EINVAL;
    *out = v;
    return OVS_OK;
}

static int parse_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (s[0] == '\0' || *end != '\0' || errno == ERANGE || !isfinite(v))
        return OVS_EINVAL;
    *out = v;
    return OVS_OK;
}

static int add_value(int v, int *out, int max_count, int *count, const char *s, char *err,
                     size_t errlen)
{
    for (int i = 0; i < *count; i++)
        if (out[i] == v)
            return fail(err, errlen, "'%s' lists %d twice", s, v);
    if (*count >= max_count)
        return fail(err, errlen, "'%s' has more than %d values", s, max_count);
    out[(*count)++] = v;
    return OVS_OK;
}

/* One comma-separated item: "a", "a:b" or "a:b:step". */
static int parse_item(const char *item, const char *whole, int max_value, int *out,
                      int max_count, int *count, char *err, size_t errlen)
{
    char buf[64];
    if (strlen(item) >= sizeof buf || item[0] == '\0')
        return fail(err, errlen, "'%s' has an empty or overlong item", whole);
    strcpy(buf, item);
    char *parts[3] = {buf, NULL, NULL};
    int nparts = 1;
    for (char *c = buf; *c; c++)
        if (*c == ':') {
            if (nparts == 3)
                return fail(err, errlen, "'%s': '%s' has too many ':'", whole, item);
            *c = '\0';
            parts[nparts++] = c + 1;
        }
    long v[3] = {0, 0, 1};
    for (int i = 0; i < nparts; i++)
        if (parse_long(parts[i], 1, max_value, &v[i]) != OVS_OK)
            return fail(err, errlen, "'%s': '%s' is not an integer in 1..%d", whole, parts[i],
                        max_value);
    if (nparts == 1)
        v[1] = v[0];
    if (v[0] > v[1])
        return fail(err, errlen, "'%s': range '%s' is empty (start > end)", whole, item);
    for (long x = v[0]; x <= v[1]; x += v[2]) {
        int rc = add_value((int)x, out, max_count, count, whole, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    return OVS_OK;
}

int ovs_cli_parse_int_list(const char *s, int max_value, int *out, int max_count, int *count,
                           char *err, size_t errlen)
{
    *count = 0;
    size_t len = strlen(s);
    if (len == 0)
        return fail(err, errlen, "empty list");
    char *copy = malloc(len + 1);
    if (!copy)
        return fail(err, errlen, "out of memory");
    memcpy(copy, s, len + 1);
    int rc = OVS_OK;
    char *item = copy;
    for (;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        rc = parse_item(item, s, max_value, out, max_count, count, err, errlen);
        if (rc != OVS_OK || !comma)
            break;
        item = comma + 1;
    }
    free(copy);
    return rc;
}

static int parse_acts(const char *s, ovs_config *c, char *err, size_t errlen)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return fail(err, errlen, "--act: list too long");
    strcpy(buf, s);
    c->act_count = 0;
    char *save = NULL;
    if (buf[0] == '\0' || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
        return fail(err, errlen, "--act: '%s' has an empty item", s);
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        const ovs_activation *a = ovs_activation_find(tok);
        if (!a) {
            char known[256] = "";
            for (int i = 0; i < ovs_activation_count(); i++) {
                strncat(known, i ? "," : "", sizeof known - strlen(known) - 1);
                strncat(known, ovs_activation_at(i)->name, sizeof known - strlen(known) - 1);
            }
            return fail(err, errlen, "--act: unknown activation '%s' (known: %s)", tok, known);
        }
        for (int i = 0; i < c->act_count; i++)
            if (c->acts[i] == a)
                return fail(err, errlen, "--act: '%s' lists %s twice", s, tok);
        if (c->act_count == OVS_MAX_ACTS)
            return fail(err, errlen, "--act: too many activations");
        c->acts[c->act_count++] = a;
    }
    return OVS_OK;
}

static int parse_methods(const char *s, ovs_config *c, char *err, size_t errlen)
{
    char buf[128];
    if (strlen(s) >= sizeof buf)
        return fail(err, errlen, "--method: list too long");
    strcpy(buf, s);
    if (buf[0] == '\0' || buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
        return fail(err, errlen, "--method: '%s' has an empty item", s);
    c->method_count = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int m = ovs_method_find(tok);
        if (m < 0)
            return fail(err, errlen, "--method: unknown method '%s' (known: gd,sgd,rf)", tok);
        for (int i = 0; i < c->method_count; i++)
            if (c->methods[i] == m)
                return fail(err, errlen, "--method: '%s' lists %s twice", s, tok);
        c->methods[c->method_count++] = m;
    }
    return OVS_OK;
}

/* "LO:HI" with 0 <= LO <= HI; HI may be "inf". */
static int parse_band(const char *s, double band[2], char *err, size_t errlen)
{
    char buf[128];
    const char *colon = strchr(s, ':');
    if (strlen(s) >= sizeof buf || !colon)
        return fail(err, errlen, "--kd-band: '%s' is not LO:HI", s);
    memcpy(buf, s, (size_t)(colon - s));
    buf[colon - s] = '\0';
    double lo, hi;
    if (parse_double(buf, &lo) != OVS_OK || lo < 0)
        return fail(err, errlen, "--kd-band: '%s' is not a number >= 0", buf);
    if (strcmp(colon + 1, "inf") == 0)
        hi = INFINITY;
    else if (parse_double(colon + 1, &hi) != OVS_OK)
        return fail(err, errlen, "--kd-band: '%s' is not a number or inf", colon + 1);
    if (!(hi >= lo))
        return fail(err, errlen, "--kd-band: '%s' is empty (LO > HI)", s);
    band[0] = lo;
    band[1] = hi;
    return OVS_OK;
}

/* Paper Sec. 4: eta = 0.15 for softplus, 0.1 for ReLU; 0.1 for the others (not in the
 * paper: choose with --eta). */
static double default_eta(const ovs_activation *a)
{
    return strcmp(a->name, "softplus") == 0 ? 0.15 : 0.1;
}

/* "--eta softplus=0.2,relu=0.05" or a bare "--eta 0.1" for every activation. Applied after
 * --act is known; etas for activations not in --act are checked but unused. */
static int apply_etas(const char *s, ovs_config *c, char *err, size_t errlen)
{
    char buf[512];
    if (strlen(s) >= sizeof buf)
        return fail(err, errlen, "--eta: value too long");
    strcpy(buf, s);
    if (buf[0] == '\0' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,"))
        return fail(err, errlen, "--eta: '%s' has an empty item", s);
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(tok, '=');
        const char *val = eq ? eq + 1 : tok;
        double eta;
        if (parse_double(val, &eta) != OVS_OK || !(eta > 0))
            return fail(err, errlen, "--eta: '%s' is not a positive number", val);
        if (eq)
            *eq = '\0';
        const ovs_activation *a = eq ? ovs_activation_find(tok) : NULL;
        if (eq && !a)
            return fail(err, errlen, "--eta: unknown activation '%s'", tok);
        for (int i = 0; i < c->act_count; i++)
            if (!eq || c->acts[i] == a)
                c->eta[i] = eta;
    }
    return OVS_OK;
}

static void set_defaults(ovs_config *c)
{
    memset(c, 0, sizeof *c);
    strcpy(c->output, "ovsweep.h5");
    c->n_values[0] = 100;
    c->n_values[1] = 200;
    c->n_count = 2;
    c->acts[0] = ovs_activation_find("softplus");
    c->acts[1] = ovs_activation_find("relu");
    c->act_count = 2;
    for (int i = 0; i < 25; i++)
        c->k_values[i] = c->d_values[i] = i + 1;
    c->k_count = c->d_count = 25;
    c->trials = 10;
    c->seed = 2019;
    c->max_iter = 15000;
    c->tol = 2.5e-3;
    c->kernel = OVS_KERNEL_SIMD;
    c->checkpoint_every = 60;
    c->methods[0] = OVS_METHOD_GD;
    c->method_count = 1;
    c->data = OVS_DATA_MODEL_DEFAULT;
    c->kd_band[0] = 0.0;
    c->kd_band[1] = INFINITY;
}

static char *join_argv(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 3;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        int quote = strchr(argv[i], ' ') != NULL || argv[i][0] == '\0';
        strcat(s, i ? " " : "");
        strcat(s, quote ? "'" : "");
        strcat(s, argv[i]);
        strcat(s, quote ? "'" : "");
    }
    return s;
}

static const char *flag_name(int val)
{
    for (size_t i = 0; i < N_ROWS; i++)
        if (rows[i].opt.val == val)
            return rows[i].opt.name;
    return "?";
}

/* Handle one option; list and number errors name the flag. */
static int handle(int opt, const char *arg, ovs_config *c, const char **eta_arg, char *err,
                  size_t errlen)
{
    char sub[OVS_ERR_MAX];
    long v;
    double x;
    int rc = OVS_OK;
    switch (opt) {
    case 'o':
        if (arg[0] == '\0' || strlen(arg) >= OVS_PATH_MAX)
            return fail(err, errlen, "--output: empty or overlong path");
        strcpy(c->output, arg);
        break;
    case OPT_N:
        rc = ovs_cli_parse_int_list(arg, OVS_MAX_DIM, c->n_values, OVS_MAX_N, &c->n_count, sub,
                                    sizeof sub);
        break;
    case OPT_K:
        rc = ovs_cli_parse_int_list(arg, OVS_MAX_DIM, c->k_values, OVS_MAX_GRID, &c->k_count,
                                    sub, sizeof sub);
        break;
    case OPT_D:
        rc = ovs_cli_parse_int_list(arg, OVS_MAX_DIM, c->d_values, OVS_MAX_GRID, &c->d_count,
                                    sub, sizeof sub);
        break;
    case OPT_ACT:
        return parse_acts(arg, c, err, errlen);
    case OPT_ETA:
        *eta_arg = arg;
        break;
    case OPT_TRIALS:
        if (parse_long(arg, 1, OVS_MAX_TRIALS, &v) != OVS_OK)
            return fail(err, errlen, "--trials: '%s' is not an integer in 1..%d", arg,
                        OVS_MAX_TRIALS);
        c->trials = (int)v;
        break;
    case OPT_SEED: {
        char *end;
        errno = 0;
        unsigned long long s = strtoull(arg, &end, 10);
        if (arg[0] == '\0' || arg[0] == '-' || arg[0] == '+' || *end != '\0' || errno == ERANGE)
            return fail(err, errlen, "--seed: '%s' is not an integer in 0..2^64-1", arg);
        c->seed = (uint64_t)s;
        break;
    }
    case OPT_MAX_ITER:
        if (parse_long(arg, 1, INT_MAX - 1, &v) != OVS_OK)
            return fail(err, errlen, "--max-iter: '%s' is not an integer in 1..%d", arg,
                        INT_MAX - 1);
        c->max_iter = (int)v;
        break;
    case OPT_TOL:
        if (parse_double(arg, &x) != OVS_OK || !(x > 0 && x < 1))
            return fail(err, errlen, "--tol: '%s' is not a number in (0, 1)", arg);
        c->tol = x;
        break;
    case OPT_CHECKPOINT:
        if (parse_double(arg, &x) != OVS_OK || !(x > 0 && x <= 1e7))
            return fail(err, errlen, "--checkpoint-every: '%s' is not a number of seconds "
                                     "in (0, 1e7]", arg);
        c->checkpoint_every = x;
        break;
    case OPT_KERNEL:
        if (ovs_train_kernel_find(arg) < 0)
            return fail(err, errlen, "--kernel: unknown kernel '%s' (known: simd,blas)", arg);
        c->kernel = ovs_train_kernel_find(arg);
        break;
    case OPT_PRECISION:
        if (ovs_train_precision_find(arg) < 0)
            return fail(err, errlen, "--precision: unknown precision '%s' (known: double,single)",
                        arg);
        c->precision = ovs_train_precision_find(arg);
        break;
    case OPT_METHOD:
        return parse_methods(arg, c, err, errlen);
    case OPT_DATA:
        if (ovs_data_find(arg) < 0)
            return fail(err, errlen, "--data: unknown data model '%s' (known: sphere,gaussian,"
                                     "worst)", arg);
        c->data.inputs = ovs_data_find(arg);
        break;
    case OPT_DELTA:
        if (parse_double(arg, &x) != OVS_OK || !(x > 0 && x <= 2))
            return fail(err, errlen, "--delta: '%s' is not a number in (0, 2]", arg);
        c->data.delta = x;
        break;
    case OPT_LABELS:
        if (ovs_labels_find(arg) < 0)
            return fail(err, errlen, "--labels: unknown labels '%s' (known: gaussian,sign)", arg);
        c->data.labels = ovs_labels_find(arg);
        break;
    case OPT_BAND:
        return parse_band(arg, c->kd_band, err, errlen);
    case OPT_DIAG: c->diagnostics = 1; break;
    case OPT_FAIL_AFTER:
        if (parse_long(arg, 1, LONG_MAX, &v) != OVS_OK)
            return fail(err, errlen, "--fail-after-trials: '%s' is not a positive integer", arg);
        c->fail_after_trials = v;
        break;
    case OPT_EARLY_FAIL: c->early_fail = 1; break;
    case OPT_RESUME: c->resume = 1; break;
    case OPT_FORCE: c->force = 1; break;
    case OPT_DRY_RUN: c->dry_run = 1; break;
    case OPT_QUIET: c->quiet = 1; break;
    case 'h': c->help = 1; break;
    case 'V': c->version = 1; break;
    default: return fail(err, errlen, "internal error: unhandled option %d", opt);
    }
    if (rc != OVS_OK)
        return fail(err, errlen, "--%s: %s", flag_name(opt), sub);
    return OVS_OK;
}

/* Workspaces are O(n k + n d + k d) doubles per trial; refuse what cannot fit in 16 GiB. */
static int check_limits(const ovs_config *c, char *err, size_t errlen)
{
    double bytes_max = 0;
    for (int a = 0; a < c->n_count; a++)
        for (int i = 0; i < c->k_count; i++)
            for (int j = 0; j < c->d_count; j++) {
                double n = c->n_values[a], k = c->k_values[i], d = c->d_values[j];
                double b = 8.0 * (2 * n * k + n * d + 4 * k * d + 2 * n);
                if (c->diagnostics) /* n x n covariance and Gram matrices */
                    b += 8.0 * 4 * n * n;
                bytes_max = b > bytes_max ? b : bytes_max;
            }
    if (bytes_max > 16.0 * (1ull << 30))
        return fail(err, errlen, "--n/--k/--d: one trial would need %.1f GiB of memory "
                                 "(limit 16 GiB)", bytes_max / (1ull << 30));
    /* Every rank holds the per-cell counts of the whole grid at each checkpoint. */
    double cells = (double)c->n_count * c->act_count * c->method_count * c->k_count *
                   c->d_count;
    if (cells > 1e7)
        return fail(err, errlen, "--n/--act/--k/--d: %.3g (n, activation, k, d) cells is too "
                                 "many (limit 1e7)", cells);
    long in_band = 0;
    for (int a = 0; a < c->n_count; a++)
        for (int i = 0; i < c->k_count; i++)
            for (int j = 0; j < c->d_count; j++)
                in_band += ovs_kd_in_band(c->kd_band, c->n_values[a], c->k_values[i],
                                          c->d_values[j]);
    if (in_band == 0)
        return fail(err, errlen, "--kd-band: no (n, k, d) cell of the grid has %g <= kd/n <= %g",
                    c->kd_band[0], c->kd_band[1]);
    double total = cells * c->trials;
    if (total > 2e8)
        return fail(err, errlen, "--trials: %.3g trials in all is too many (limit 2e8)", total);
    return OVS_OK;
}

int ovs_cli_parse(int argc, char **argv, ovs_config *c, char *err, size_t errlen)
{
    struct option longopts[N_ROWS + 1];
    for (size_t i = 0; i < N_ROWS; i++)
        longopts[i] = rows[i].opt;
    memset(&longopts[N_ROWS], 0, sizeof longopts[N_ROWS]);
    set_defaults(c);
    err[0] = '\0';
    const char *eta_arg = NULL;
    optind = 1; /* allow repeated calls (tests) */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":o:hV", longopts, NULL)) != -1) {
        if (opt == '?') {
            if (optopt && optopt < 256)
                return fail(err, errlen, "-%c: unknown option", optopt);
            return fail(err, errlen, "%s: unknown option", argv[optind - 1]);
        }
        if (opt == ':')
            return fail(err, errlen, "%s: missing value", argv[optind - 1]);
        int rc = handle(opt, optarg, c, &eta_arg, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    if (optind < argc)
        return fail(err, errlen, "%s: unexpected argument (options start with --)", argv[optind]);
    for (int i = 0; i < c->act_count; i++)
        c->eta[i] = default_eta(c->acts[i]);
    if (eta_arg) {
        int rc = apply_etas(eta_arg, c, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    if (c->data.delta > 0 && c->data.inputs != OVS_DATA_WORST)
        return fail(err, errlen, "--delta: only meaningful with --data worst");
    if (c->data.inputs == OVS_DATA_WORST && c->data.delta == 0)
        c->data.delta = 0.1;
    if (c->resume && c->force)
        return fail(err, errlen, "--resume: cannot be combined with --force");
    int rc = check_limits(c, err, errlen);
    if (rc != OVS_OK)
        return rc;
    c->command_line = join_argv(argc, argv);
    return c->command_line ? OVS_OK : fail(err, errlen, "out of memory");
}

void ovs_cli_free(ovs_config *c)
{
    free(c->command_line);
    c->command_line = NULL;
}
