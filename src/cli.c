/* cli.c - the command line, read through the settings table; see cli.h. */
#include "cli.h"

#include "method.h"
#include "plan.h"
#include "settings_text.h"
#include "status.h"
#include "trial.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROWS 64

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OVS_EINVAL;
}

/* The text shown as a setting's default in --help, or "" for none. */
static void default_text(const ovs_setting *s, const ovs_config *dflt, ovs_strbuf *b)
{
    if (s->kind == OVS_SET_FLAG || s->kind == OVS_SET_ACTION || s->kind == OVS_SET_COUNT)
        return;
    if (s->dflt)
        ovs_strbuf_printf(b, "%s", s->dflt);
    else
        ovs_setting_format(s, dflt, b);
}

void ovs_cli_usage(FILE *out)
{
    ovs_config dflt;
    ovs_settings_defaults(&dflt);
    fprintf(out, "usage: mpirun -np N ovsweep [options]\n"
                 "Sweeps (n, activation, method, k, d, trial) trainings of\n"
                 "f(x) = v^T phi(W x) and writes success-probability heatmaps to one HDF5 file.\n"
                 "Defaults reproduce Figure 2 of Oymak & Soltanolkotabi.\n\noptions:\n");
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *s = ovs_setting_at(i);
        char left[64];
        int len = s->short_flag ? snprintf(left, sizeof left, "-%c, --%s", s->short_flag, s->flag)
                                : snprintf(left, sizeof left, "    --%s", s->flag);
        if (s->metavar)
            snprintf(left + len, sizeof left - (size_t)len, " %s", s->metavar);
        ovs_strbuf b = OVS_STRBUF_INIT;
        ovs_strbuf_printf(&b, "%s", s->help);
        if (s->names) {
            char known[256];
            ovs_names_join(s->names, known, sizeof known);
            ovs_strbuf_printf(&b, " (%s)", known);
        }
        ovs_strbuf d = OVS_STRBUF_INIT;
        default_text(s, &dflt, &d);
        const char *dt = ovs_strbuf_str(&d);
        if (dt && dt[0])
            ovs_strbuf_printf(&b, " [%s]", dt);
        fprintf(out, "  %-30s %s\n", left, ovs_strbuf_str(&b) ? ovs_strbuf_str(&b) : s->help);
        ovs_strbuf_free(&b);
        ovs_strbuf_free(&d);
    }
    fprintf(out, "\nLIST/RANGE: a:b (inclusive), a:b:step, comma lists, mixes: 1:5,10,20:25:5\n"
                 "A repeated option replaces the earlier value (job scripts append overrides).\n"
                 "Exit status: 0 done, 1 runtime error, 2 usage error, 75 interrupted "
                 "(resumable with --resume).\n");
}

/* Levenshtein distance of two short strings (at most 63 characters each, else large). */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int prev[64], cur[64];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            int del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, sizeof(int) * (lb + 1));
    }
    return prev[lb];
}

/* "--bogus: unknown option", with the closest flag when it is close; "--ma: ambiguous
 * option (--max-iter, --max-trainings)" for a prefix of several flags (getopt_long takes
 * a prefix of one flag as that flag, and refuses a prefix of several as it refuses a
 * misspelling: the flags it could be are the useful answer, not the nearest spelling). */
static int unknown_option(const char *arg, char *err, size_t errlen)
{
    char name[64];
    const char *eq = strchr(arg, '=');
    size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
    snprintf(name, sizeof name, "%.*s", (int)(len < sizeof name ? len : sizeof name - 1), arg);
    const char *bare = name + strspn(name, "-");
    if (strncmp(name, "--", 2) == 0 && bare[0]) {
        ovs_strbuf fits = OVS_STRBUF_INIT;
        int nfits = 0;
        for (int i = 0; i < ovs_settings_count(); i++)
            if (strncmp(ovs_setting_at(i)->flag, bare, strlen(bare)) == 0)
                ovs_strbuf_printf(&fits, "%s--%s", nfits++ ? ", " : "", ovs_setting_at(i)->flag);
        if (nfits > 1) {
            const char *list = ovs_strbuf_str(&fits);
            fail(err, errlen, "%s: ambiguous option (%s)", name, list ? list : "several flags");
            ovs_strbuf_free(&fits);
            return OVS_EINVAL;
        }
        ovs_strbuf_free(&fits);
    }
    const ovs_setting *best = NULL;
    int best_d = 3; /* suggest only within two edits */
    for (int i = 0; i < ovs_settings_count(); i++) {
        int dd = distance(bare, ovs_setting_at(i)->flag);
        if (dd < best_d) {
            best_d = dd;
            best = ovs_setting_at(i);
        }
    }
    if (best)
        return fail(err, errlen, "%s: unknown option (did you mean --%s?)", name, best->flag);
    return fail(err, errlen, "%s: unknown option", name);
}

/* Cross-setting rules: eta defaults from the activation table and --eta on top of them,
 * settings that apply only with another one, --resume against --force. */
static int apply_rules(ovs_config *c, const int *given, const char *eta_arg, char *err,
                       size_t errlen)
{
    for (int i = 0; i < c->act_count; i++) {
        c->eta[i] = ovs_config_act(c, i)->default_eta;
        c->eta_auto[i] = 0.0;
    }
    if (eta_arg) {
        int rc = ovs_setting_parse(ovs_setting_find("eta"), eta_arg, c, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    for (int i = 0; i < c->act_count; i++)
        for (int m = 0; m < c->method_count; m++)
            if (c->eta_auto[i] > 0 && c->methods[m] == OVS_METHOD_SGD)
                return fail(err, errlen, "--eta: %s=auto is for gd (its lambda_max bounds a "
                            "full-batch step), not sgd", ovs_config_act(c, i)->name);
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *s = ovs_setting_at(i);
        if (!s->applies || s->applies(c))
            continue;
        if (given[i])
            return fail(err, errlen, "--%s: only meaningful with %s", s->flag, s->needs);
        if (s->kind == OVS_SET_REAL)
            *(double *)((char *)c + s->field) = NAN; /* stored as "does not apply" */
    }
    if (c->resume && c->force)
        return fail(err, errlen, "--resume: cannot be combined with --force");
    if (c->merge[0] && c->resume)
        return fail(err, errlen, "--merge: writes a new file (--force replaces one); --resume "
                                 "then runs the trials the files lack");
    if (c->merge[0] && c->design != OVS_DESIGN_GRID)
        return fail(err, errlen, "--merge: joins the parts (--shard) of a grid sweep; an "
                                 "adaptive sweep has none");
    if (c->merge[0] && c->shard[1] > 1)
        return fail(err, errlen, "--shard: --merge writes the whole sweep, not a part");
    return OVS_OK;
}

/* A trial holds O(n k + n d + k d) doubles (trial.h); refuse what cannot fit in 16 GiB. */
static int check_memory(const ovs_config *c, char *err, size_t errlen)
{
    double bytes_max = 0;
    for (int a = 0; a < c->n_count; a++)
        for (int i = 0; i < c->k_count; i++)
            for (int j = 0; j < c->d_count; j++) {
                double b = ovs_trial_bytes(c->n_values[a], c->k_values[i], c->d_values[j],
                                           c->diagnostics, ovs_config_lambda_use(c));
                bytes_max = b > bytes_max ? b : bytes_max;
            }
    if (bytes_max > 16.0 * (1ull << 30))
        return fail(err, errlen, "--n/--k/--d: one trial would need %.1f GiB of memory "
                                 "(limit 16 GiB)", bytes_max / (1ull << 30));
    return OVS_OK;
}

/* Limits stated and checked before anything runs. */
static int check_limits(const ovs_config *c, char *err, size_t errlen)
{
    int rc = check_memory(c, err, errlen);
    if (rc != OVS_OK)
        return rc;
    /* Every rank holds the per-cell counts of the whole grid at each checkpoint. */
    double cells = (double)c->n_count * c->act_count * c->method_count * c->k_count *
                   c->d_count;
    if (cells > 1e7)
        return fail(err, errlen, "--n/--act/--method/--k/--d: %.3g (n, activation, method, k, "
                                 "d) cells is too many (limit 1e7)", cells);
    long in_band = 0;
    for (int a = 0; a < c->n_count; a++)
        for (int i = 0; i < c->k_count; i++)
            for (int j = 0; j < c->d_count; j++)
                in_band += ovs_kd_in_band(c->kd_band, c->n_values[a], c->k_values[i],
                                          c->d_values[j]);
    if (in_band == 0)
        return fail(err, errlen, "--kd-band: no (n, k, d) cell of the grid has %g <= kd/n <= %g",
                    c->kd_band[0], c->kd_band[1]);
    const double run_cells = (double)in_band * c->act_count * c->method_count;
    if (c->shard[1] > run_cells)
        return fail(err, errlen, "--shard: %d parts of %.0f cells would leave parts empty "
                    "(at most one part per cell)", c->shard[1], run_cells);
    if (cells * c->trials > 2e8)
        return fail(err, errlen, "--trials: %.3g trials in all is too many (limit 2e8)",
                    cells * c->trials);
    return OVS_OK;
}

static char *join_argv(int argc, char **argv)
{
    ovs_strbuf b = OVS_STRBUF_INIT;
    for (int i = 0; i < argc; i++) {
        int quote = strchr(argv[i], ' ') != NULL || argv[i][0] == '\0';
        ovs_strbuf_printf(&b, "%s%s%s%s", i ? " " : "", quote ? "'" : "", argv[i],
                          quote ? "'" : "");
    }
    if (!ovs_strbuf_str(&b)) {
        ovs_strbuf_free(&b);
        return NULL;
    }
    char *s = b.s ? b.s : calloc(1, 1);
    return s;
}

/* getopt_long's table from the settings rows; val = row index + 256, or the short flag. */
static int option_table(struct option *longopts, char *shortopts, size_t shortlen)
{
    int n = ovs_settings_count();
    if (n + 1 > MAX_ROWS)
        return OVS_EINVAL;
    size_t used = 0;
    shortopts[used++] = ':';
    for (int i = 0; i < n; i++) {
        const ovs_setting *s = ovs_setting_at(i);
        int has_arg = s->metavar ? required_argument : no_argument;
        longopts[i] = (struct option){s->flag, has_arg, NULL, 256 + i};
        if (s->short_flag && used + 3 < shortlen) {
            shortopts[used++] = (char)s->short_flag;
            if (has_arg)
                shortopts[used++] = ':';
        }
    }
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    shortopts[used] = '\0';
    return OVS_OK;
}

/* The row of getopt's return value (a row index + 256, or a short flag). */
static int row_of(int opt)
{
    if (opt >= 256)
        return opt - 256;
    for (int i = 0; i < ovs_settings_count(); i++)
        if (ovs_setting_at(i)->short_flag == opt)
            return i;
    return -1;
}

/* -h/--help, -V/--version or --print-settings anywhere on the line (spelt in full, before a
 * "--"): it is answered whatever else the line holds, as a user who adds --help to a command
 * that failed wants the help, not the same error again. The first one given wins. */
static int info_request(int argc, char **argv, ovs_config *c)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
        int *flag = !strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")       ? &c->help
                    : !strcmp(argv[i], "-V") || !strcmp(argv[i], "--version") ? &c->version
                    : !strcmp(argv[i], "--print-settings")                    ? &c->print_settings
                                                                              : NULL;
        if (flag) {
            *flag = 1;
            return 1;
        }
    }
    return 0;
}

int ovs_cli_parse(int argc, char **argv, ovs_config *c, char *err, size_t errlen)
{
    struct option longopts[MAX_ROWS];
    char shortopts[2 * MAX_ROWS + 2];
    ovs_settings_defaults(c);
    err[0] = '\0';
    if (option_table(longopts, shortopts, sizeof shortopts) != OVS_OK)
        return fail(err, errlen, "internal error: too many settings");
    if (info_request(argc, argv, c)) {
        c->command_line = join_argv(argc, argv);
        return c->command_line ? OVS_OK : fail(err, errlen, "out of memory");
    }
    int given[MAX_ROWS] = {0};
    const char *eta_arg = NULL;
    optind = 1; /* allow repeated calls (tests) */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (opt == '?') {
            if (optopt && optopt < 256)
                return fail(err, errlen, "-%c: unknown option", optopt);
            /* A known long flag with "=VALUE" that takes none: getopt_long reports the row
             * in optopt (unknown and ambiguous names leave it 0). */
            if (optopt >= 256 && row_of(optopt) >= 0)
                return fail(err, errlen, "--%s: takes no value ('%s')",
                            ovs_setting_at(row_of(optopt))->flag, argv[optind - 1]);
            return unknown_option(argv[optind - 1], err, errlen);
        }
        if (opt == ':')
            return fail(err, errlen, "%s: missing value", argv[optind - 1]);
        int r = row_of(opt);
        if (r < 0)
            return fail(err, errlen, "internal error: unhandled option %d", opt);
        const ovs_setting *s = ovs_setting_at(r);
        given[r] = 1; /* a repeated option replaces the earlier value (job scripts override) */
        if (s->kind == OVS_SET_ETA) {
            eta_arg = optarg; /* needs --act, which may come later */
            continue;
        }
        int rc = ovs_setting_parse(s, s->metavar ? optarg : "", c, err, errlen);
        if (rc != OVS_OK)
            return rc;
    }
    if (optind < argc)
        return fail(err, errlen, "%s: unexpected argument (options start with --)", argv[optind]);
    int rc = apply_rules(c, given, eta_arg, err, errlen);
    if (rc == OVS_OK && !c->help && !c->version && !c->print_settings)
        rc = check_limits(c, err, errlen);
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
