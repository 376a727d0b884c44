/* test_cli.c - good and bad command lines: defaults, list syntax, strict numbers, and one
 * error line naming the flag for every bad value. */
#include "cli.h"
#include "plan.h"
#include "settings_text.h"
#include "status.h"
#include "test.h"

#include <string.h>

static int parse(ovs_config *c, char *err, int argc, const char **argv)
{
    int rc = ovs_cli_parse(argc, (char **)argv, c, err, OVS_ERR_MAX);
    ovs_cli_free(c);
    return rc;
}

#define PARSE(c, err, ...)                                                                 \
    parse(c, err, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),     \
          (const char *[]){__VA_ARGS__})

static char err[OVS_ERR_MAX];

static void test_defaults(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK);
    CHECK(c.n_count == 2 && c.n_values[0] == 100 && c.n_values[1] == 200);
    CHECK(c.act_count == 2 && strcmp(ovs_config_act(&c, 0)->name, "softplus") == 0 &&
          strcmp(ovs_config_act(&c, 1)->name, "relu") == 0);
    CHECK(c.eta[0] == 0.15 && c.eta[1] == 0.1);
    CHECK(c.k_count == 25 && c.k_values[0] == 1 && c.k_values[24] == 25 && c.d_count == 25);
    CHECK(c.trials == 10 && c.max_iter == 15000 && c.tol == 2.5e-3);
    CHECK(strcmp(c.output, "ovsweep.h5") == 0 && !c.resume && !c.force && !c.dry_run);
}

static void test_lists(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep", "--k", "1:5,10,20:25:5") == OVS_OK);
    const int want[] = {1, 2, 3, 4, 5, 10, 20, 25};
    CHECK(c.k_count == 8 && memcmp(c.k_values, want, sizeof want) == 0);
    CHECK(PARSE(&c, err, "ovsweep", "--d", "7") == OVS_OK && c.d_count == 1 && c.d_values[0] == 7);
    CHECK(PARSE(&c, err, "ovsweep", "--d", "2:9:3") == OVS_OK && c.d_count == 3 &&
          c.d_values[2] == 8);
    CHECK(PARSE(&c, err, "ovsweep", "--act", "relu", "--eta", "relu=0.05") == OVS_OK &&
          c.act_count == 1 && c.eta[0] == 0.05);
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "0.01") == OVS_OK && c.eta[0] == 0.01 &&
          c.eta[1] == 0.01);
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "softplus=0.2") == OVS_OK && c.eta[0] == 0.2 &&
          c.eta[1] == 0.1);
    CHECK(PARSE(&c, err, "ovsweep", "--seed", "18446744073709551615") == OVS_OK &&
          c.seed == UINT64_MAX);
    CHECK(PARSE(&c, err, "ovsweep", "-o", "x.h5", "--resume", "--quiet") == OVS_OK &&
          c.resume && c.quiet && strcmp(c.output, "x.h5") == 0);
    CHECK(PARSE(&c, err, "ovsweep", "--tol", "1e-4", "--max-iter", "10") == OVS_OK &&
          c.tol == 1e-4 && c.max_iter == 10);
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.early_fail == 0 && c.kernel == 0);
    CHECK(PARSE(&c, err, "ovsweep", "--early-fail", "--kernel", "blas") == OVS_OK &&
          c.early_fail == 1 && c.kernel == 1);
}

/* Every bad value: OVS_EINVAL and a message that names the flag. */
/* Issue 7's options: methods, data models, labels, diagnostics, kd band. */
static void test_beyond_figure2(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.method_count == 1 &&
          c.methods[0] == OVS_METHOD_GD && c.data.inputs == OVS_DATA_SPHERE &&
          c.data.labels == OVS_LABELS_GAUSSIAN && !c.diagnostics && c.kd_band[0] == 0 &&
          isinf(c.kd_band[1]));
    CHECK(PARSE(&c, err, "ovsweep", "--method", "rf,gd,sgd") == OVS_OK && c.method_count == 3 &&
          c.methods[0] == OVS_METHOD_RF && c.methods[1] == OVS_METHOD_GD &&
          c.methods[2] == OVS_METHOD_SGD);
    CHECK(PARSE(&c, err, "ovsweep", "--data", "worst") == OVS_OK &&
          c.data.inputs == OVS_DATA_WORST && c.data.delta == 0.1);
    CHECK(PARSE(&c, err, "ovsweep", "--data", "worst", "--delta", "0.02") == OVS_OK &&
          c.data.delta == 0.02);
    CHECK(PARSE(&c, err, "ovsweep", "--data", "gaussian", "--labels", "sign") == OVS_OK &&
          c.data.inputs == OVS_DATA_GAUSSIAN && c.data.labels == OVS_LABELS_SIGN);
    CHECK(PARSE(&c, err, "ovsweep", "--kd-band", "0.5:3", "--diagnostics") == OVS_OK &&
          c.kd_band[0] == 0.5 && c.kd_band[1] == 3 && c.diagnostics);
    CHECK(PARSE(&c, err, "ovsweep", "--kd-band", "1:inf") == OVS_OK && isinf(c.kd_band[1]));
    CHECK(ovs_kd_in_band(c.kd_band, 100, 10, 10) && !ovs_kd_in_band(c.kd_band, 100, 9, 11));
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.precision == OVS_PRECISION_DOUBLE);
    /* float32 was removed: the name is refused, and the message says what is known. */
    CHECK(PARSE(&c, err, "ovsweep", "--precision", "single") == OVS_EINVAL &&
          strstr(err, "--precision") && strstr(err, "known: double"));
}

static void test_bad_values(void)
{
    static const struct {
        const char *flag, *value;
    } bad[] = {
        {"--n", "0"},          {"--n", "-5"},        {"--n", "abc"},      {"--n", ""},
        {"--n", "100,100"},    {"--n", "1e2"},       {"--n", "200000"},   {"--k", "5:1"},
        {"--k", "1:"},         {"--k", ":3"},        {"--k", "1:5:0"},    {"--k", "1,,2"},
        {"--k", "1:2:3:4"},    {"--k", "3,1:4"},     {"--k", "99999999999"}, {"--d", "x"},
        {"--d", "0:3"},        {"--trials", "0"},    {"--trials", "-1"},  {"--trials", "2.5"},
        {"--trials", "1000000"}, {"--seed", "-1"},   {"--seed", "1x"},    {"--seed", "99999999999999999999"},
        {"--eta", "0"},        {"--eta", "-0.1"},    {"--eta", "relu=abc"}, {"--eta", "sigmoid=0.1"},
        {"--eta", "relu="},    {"--eta", ""},        {"--max-iter", "0"}, {"--max-iter", "ten"},
        {"--tol", "0"},        {"--tol", "1"},       {"--tol", "1.5"},    {"--tol", "-1e-3"},
        {"--tol", "nan"},      {"--act", "sigmoid"}, {"--act", ""},       {"--act", "relu,relu"},
        {"--act", "relu,"},    {"--checkpoint-every", "0"}, {"--checkpoint-every", "x"},
        {"--output", ""},      {"--fail-after-trials", "0"}, {"--kernel", "cuda"},
        {"--method", "adam"},  {"--method", "gd,gd"}, {"--method", ""},    {"--method", "gd,"},
        {"--data", "cube"},    {"--labels", "binary"}, {"--delta", "0"},   {"--delta", "2.5"},
        {"--delta", "x"},      {"--kd-band", "3"},   {"--kd-band", "3:1"}, {"--kd-band", "-1:2"},
        {"--precision", "half"}, {"--kd-band", "a:b"},  {"--kd-band", "1:x"}, {"--kd-band", "100:200"},
        {"--trials", " 5"},    {"--tol", " 1e-3"},   {"--seed", " 7"},    {"--k", " 3"},
        {"--design", "random"}, {"--eta", "tanh=0.1"}, {"--max-iter", "+-5"},
        {"--crash-after-saved", "0"}, {"--crash-after-saved", "-3"}, {"--crash-after-saved", "x"},
        {"--shard", "3"},      {"--shard", "0/3"},   {"--shard", "4/3"},  {"--shard", "1/0"},
        {"--shard", "1/100001"}, {"--shard", "a/b"}, {"--shard", "1/3/4"}, {"--shard", " 1/3"},
        {"--shard", "1/2501"},  {"--merge", ""},
    };
    int refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ovs_config c;
        int rc = PARSE(&c, err, "ovsweep", bad[i].flag, bad[i].value);
        int named = strstr(err, bad[i].flag) != NULL && strchr(err, '\n') == NULL;
        refused += rc == OVS_EINVAL && named;
        if (rc != OVS_EINVAL || !named)
            fprintf(stderr, "  %s '%s' -> rc %d, err '%s'\n", bad[i].flag, bad[i].value, rc, err);
    }
    CHECK_MSG(refused == (int)(sizeof bad / sizeof bad[0]),
              "%d of %d bad values refused with one line naming the flag", refused,
              (int)(sizeof bad / sizeof bad[0]));
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep", "--bogus") == OVS_EINVAL && strstr(err, "--bogus"));
    CHECK(PARSE(&c, err, "ovsweep", "--k") == OVS_EINVAL && strstr(err, "--k"));
    CHECK(PARSE(&c, err, "ovsweep", "stray") == OVS_EINVAL && strstr(err, "stray"));
    CHECK(PARSE(&c, err, "ovsweep", "--resume", "--force") == OVS_EINVAL && strstr(err, "--resume"));
    /* --delta belongs to the worst-case data model only. */
    CHECK(PARSE(&c, err, "ovsweep", "--delta", "0.5") == OVS_EINVAL && strstr(err, "--delta"));
    /* Too large for memory: one (n, k, d) workspace beyond the limit. */
    CHECK(PARSE(&c, err, "ovsweep", "--n", "100000", "--k", "100000", "--d", "1") == OVS_EINVAL &&
          strstr(err, "memory"));
    CHECK(PARSE(&c, err, "ovsweep", "--k", "1:1000", "--d", "1:1000", "--trials", "100") ==
              OVS_EINVAL && strstr(err, "--trials"));
    CHECK(PARSE(&c, err, "ovsweep", "--n", "1:64", "--k", "1:400", "--d", "1:400",
                "--trials", "1") == OVS_EINVAL && strstr(err, "cells"));
}

/* Issue 18/19's parsing rules: an option given twice takes its last value (documented in
 * --help: job scripts append overrides);
 * a misspelt flag gets the closest real one; the list of activations in --eta is --act's. */
static void test_parse_rules(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep", "--k", "1:3", "--k", "4") == OVS_OK && c.k_count == 1 &&
          c.k_values[0] == 4);
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "0.3", "--eta", "relu=0.2") == OVS_OK &&
          c.eta[0] == 0.15 && c.eta[1] == 0.2);
    CHECK(PARSE(&c, err, "ovsweep", "--max-iters", "10") == OVS_EINVAL &&
          strstr(err, "--max-iters") && strstr(err, "did you mean --max-iter?"));
    CHECK(PARSE(&c, err, "ovsweep", "--trails", "3") == OVS_EINVAL &&
          strstr(err, "did you mean --trials?"));
    CHECK(PARSE(&c, err, "ovsweep", "--zzzzzzzz") == OVS_EINVAL && !strstr(err, "did you mean"));
    CHECK(PARSE(&c, err, "ovsweep", "--act", "relu", "--eta", "softplus=0.2") == OVS_EINVAL &&
          strstr(err, "--eta") && strstr(err, "softplus"));
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "relu=0.05", "--act", "tanh,relu") == OVS_OK &&
          c.eta[0] == 0.1 && c.eta[1] == 0.05);
    /* The grid design is the default and the only one so far. */
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.design == OVS_DESIGN_GRID);
    CHECK(PARSE(&c, err, "ovsweep", "--design", "grid") == OVS_OK && c.design == OVS_DESIGN_GRID);
    /* --delta applies only to --data worst and is stored as NaN otherwise. */
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && isnan(c.data.delta));
    /* Every group combination is allocated to size: the widest accepted command. */
    CHECK(PARSE(&c, err, "ovsweep", "--n", "1:64", "--act",
                "softplus,relu,tanh,quadratic,leaky_relu,gelu", "--method", "gd,sgd,rf",
                "--dry-run") == OVS_OK &&
          c.n_count * c.act_count * c.method_count == 64 * 6 * 3);
}

/* A value given to a flag that takes none ("--resume=FILE") is said to be that, not "unknown
 * option (did you mean <the same flag>?)". */
static void test_no_value_flags(void)
{
    ovs_config c;
    static const char *const no_value[] = {"--resume=run.h5", "--force=yes", "--help=1",
                                           "--dry-run=no", "--res=run.h5"};
    for (size_t i = 0; i < sizeof no_value / sizeof no_value[0]; i++) {
        int rc = PARSE(&c, err, "ovsweep", no_value[i]);
        CHECK_MSG(rc == OVS_EINVAL && strstr(err, "takes no value") && !strstr(err, "unknown"),
                  "%s -> '%s'", no_value[i], err);
    }
    CHECK(PARSE(&c, err, "ovsweep", "--res=run.h5") == OVS_EINVAL && strstr(err, "--resume"));
}

/* --help, --version and --print-settings answer whatever else the line holds, before or
 * after them (a bad value, a rule broken, a stray argument): they had given that error. */
static void test_info_wins(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep", "--help", "--k", "0") == OVS_OK && c.help && !c.version);
    CHECK(PARSE(&c, err, "ovsweep", "--batch", "3", "stray", "-h") == OVS_OK && c.help);
    CHECK(PARSE(&c, err, "ovsweep", "--bogus", "--version") == OVS_OK && c.version && !c.help);
    CHECK(PARSE(&c, err, "ovsweep", "--tol", "2", "--print-settings") == OVS_OK &&
          c.print_settings);
    CHECK(PARSE(&c, err, "ovsweep", "--k", "0", "--", "--help") == OVS_EINVAL && !c.help);
}

/* A prefix of several flags lists them, rather than "unknown option" with an unrelated
 * suggestion ("--ma: ... did you mean --n?"). */
static void test_ambiguous_prefix(void)
{
    ovs_config c;
    CHECK_MSG(PARSE(&c, err, "ovsweep", "--ma", "3") == OVS_EINVAL && strstr(err, "--ma:") &&
                  strstr(err, "ambiguous") && strstr(err, "--max-iter") &&
                  strstr(err, "--max-trainings") && !strstr(err, "did you mean"),
              "--ma -> '%s'", err);
    CHECK_MSG(PARSE(&c, err, "ovsweep", "--t", "3") == OVS_EINVAL && strstr(err, "ambiguous") &&
                  strstr(err, "--trials") && strstr(err, "--tol") && strstr(err, "--target-ci"),
              "--t -> '%s'", err);
    /* A unique prefix is still the flag (getopt_long), and an exact name beats a prefix. */
    CHECK(PARSE(&c, err, "ovsweep", "--tri", "3") == OVS_OK && c.trials == 3);
    CHECK(PARSE(&c, err, "ovsweep", "--d", "3") == OVS_OK && c.d_count == 1);
}

/* An --eta value that sets one activation twice is refused, as a repeated --n or --act value
 * is, not silently reduced to its last item. */
static void test_eta_once(void)
{
    ovs_config c;
    static const char *const twice[] = {"relu=0.1,relu=0.2", "0.1,0.2", "relu=0.2,0.1",
                                        "softplus=auto,relu=0.1,softplus=0.2"};
    for (size_t i = 0; i < sizeof twice / sizeof twice[0]; i++) {
        int rc = PARSE(&c, err, "ovsweep", "--eta", twice[i]);
        CHECK_MSG(rc == OVS_EINVAL && strstr(err, "--eta") && strstr(err, "twice"),
                  "--eta %s -> rc %d '%s'", twice[i], rc, err);
    }
    /* A bare value first, then the exceptions: every activation set once. */
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "0.3,relu=0.2") == OVS_OK && c.eta[0] == 0.3 &&
          c.eta[1] == 0.2);
}

/* Every value a setting prints (help defaults, file attributes, resume messages) parses back
 * to the same value. */
static void test_format_round_trip(void)
{
    ovs_config a, b;
    CHECK(PARSE(&a, err, "ovsweep", "--n", "7,100:400:100", "--k", "1:5,9,11,13,20:30:5",
                "--d", "3", "--eta", "0.15", "--tol", "0.0031", "--kd-band", "0.5:inf",
                "--data", "worst", "--delta", "0.3", "--method", "rf,gd", "--merge",
                "part*.h5,b.h5") == OVS_OK);
    int same = 1;
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *s = ovs_setting_at(i);
        /* switches and actions have no value; COUNT's 0 means off, not a value */
        if (s->kind == OVS_SET_ACTION || s->kind == OVS_SET_FLAG || s->kind == OVS_SET_COUNT)
            continue;
        if (s->applies && !s->applies(&a)) /* stored as its `absent` text, never parsed */
            continue;
        ovs_strbuf t = OVS_STRBUF_INIT, u = OVS_STRBUF_INIT;
        ovs_setting_format(s, &a, &t);
        b = a;
        b.command_line = NULL;
        int rc = ovs_setting_parse(s, ovs_strbuf_str(&t), &b, err, sizeof err);
        ovs_setting_format(s, &b, &u);
        if (rc != OVS_OK || strcmp(ovs_strbuf_str(&t), ovs_strbuf_str(&u)) != 0) {
            same = 0;
            fprintf(stderr, "  --%s: '%s' -> '%s' (%s)\n", s->flag, ovs_strbuf_str(&t),
                    ovs_strbuf_str(&u), err);
        }
        ovs_strbuf_free(&t);
        ovs_strbuf_free(&u);
    }
    CHECK(same);
    ovs_strbuf t = OVS_STRBUF_INIT;
    ovs_setting_format(ovs_setting_find("k"), &a, &t);
    CHECK(strcmp(ovs_strbuf_str(&t), "1:5,9:13:2,20:30:5") == 0);
    ovs_strbuf_free(&t);
    ovs_setting_format(ovs_setting_find("eta"), &a, &t);
    CHECK(strcmp(ovs_strbuf_str(&t), "softplus=0.15,relu=0.15") == 0);
    ovs_strbuf_free(&t);
}

/* Issue 17's step-size rule: --eta ACT=auto[:C] gives C (default OVS_ETA_AUTO_C) and a NaN
 * fixed eta, per activation; a later fixed value replaces it; bad C, and sgd, are refused; it
 * formats as auto:C and parses back. */
static void test_eta_auto(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "softplus=auto") == OVS_OK &&
          c.eta_auto[0] == OVS_ETA_AUTO_C && isnan(c.eta[0]) && c.eta_auto[1] == 0 &&
          c.eta[1] == 0.1);
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "auto:1.5") == OVS_OK && c.eta_auto[0] == 1.5 &&
          c.eta_auto[1] == 1.5);
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "auto:1.5,relu=0.05") == OVS_OK &&
          c.eta_auto[0] == 1.5 && c.eta_auto[1] == 0 && c.eta[1] == 0.05);
    const char *bad[] = {"auto:0", "auto:-1", "auto:5", "auto:", "auto:x", "autox", "relu=auto:"};
    int refused = 1;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (PARSE(&c, err, "ovsweep", "--eta", bad[i]) != OVS_EINVAL || !strstr(err, "--eta")) {
            refused = 0;
            fprintf(stderr, "--eta %s was not refused: %s\n", bad[i], err);
        }
    CHECK(refused);
    CHECK(PARSE(&c, err, "ovsweep", "--method", "gd,sgd", "--eta", "relu=auto") == OVS_EINVAL &&
          strstr(err, "sgd"));
    ovs_strbuf t = OVS_STRBUF_INIT;
    CHECK(PARSE(&c, err, "ovsweep", "--eta", "relu=auto:1.95") == OVS_OK);
    ovs_setting_format(ovs_setting_find("eta"), &c, &t);
    CHECK_MSG(strcmp(ovs_strbuf_str(&t), "softplus=0.15,relu=auto:1.95") == 0, "%s",
              ovs_strbuf_str(&t));
    ovs_config back;
    CHECK(PARSE(&back, err, "ovsweep", "--eta", ovs_strbuf_str(&t)) == OVS_OK &&
          back.eta_auto[1] == 1.95 && back.eta[0] == 0.15);
    ovs_strbuf_free(&t);
}

static void test_usage_lists_every_option(void)
{
    char buf[16384] = "";
    FILE *f = fmemopen(buf, sizeof buf - 1, "w");
    ovs_cli_usage(f);
    fclose(f);
    const char *opts[] = {"--output", "--n ", "--act", "--k ", "--d ", "--trials", "--seed",
                          "--eta", "--max-iter", "--tol", "--checkpoint-every", "--resume",
                          "--force", "--dry-run", "--quiet", "--help", "--version",
                          "--method", "--data", "--delta", "--labels", "--kd-band",
                          "--diagnostics", "--precision", "--design", "--print-settings",
                          "--fail-after-trials", "--crash-after-saved", "--shard", "--merge"};
    const char *missing = NULL;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0] && !missing; i++)
        if (!strstr(buf, opts[i]))
            missing = opts[i];
    CHECK_MSG(!missing, "--help lacks %s", missing);
}

/* --shard I/N and --merge FILES: values as given, the whole sweep by default; what does not
 * combine is refused with one line naming the flag. */
static void test_parts(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.shard[0] == 1 && c.shard[1] == 1 &&
          c.merge[0] == '\0');
    CHECK(PARSE(&c, err, "ovsweep", "--shard", "3/8") == OVS_OK && c.shard[0] == 3 &&
          c.shard[1] == 8);
    CHECK(PARSE(&c, err, "ovsweep", "--shard", "625/625") == OVS_OK); /* one cell a part */
    CHECK(PARSE(&c, err, "ovsweep", "--merge", "a*.h5") == OVS_OK && !strcmp(c.merge, "a*.h5"));
    CHECK(PARSE(&c, err, "ovsweep", "--merge", "a.h5", "--resume") == OVS_EINVAL &&
          strstr(err, "--merge"));
    CHECK(PARSE(&c, err, "ovsweep", "--merge", "a.h5", "--shard", "1/2") == OVS_EINVAL &&
          strstr(err, "--shard"));
    CHECK(PARSE(&c, err, "ovsweep", "--merge", "a.h5", "--design", "adaptive") == OVS_EINVAL &&
          strstr(err, "--merge"));
    CHECK(PARSE(&c, err, "ovsweep", "--shard", "1/2", "--design", "adaptive") == OVS_EINVAL &&
          strstr(err, "--shard"));
    /* the parts of a kd band: its cells only */
    CHECK(PARSE(&c, err, "ovsweep", "--n", "100", "--act", "relu", "--kd-band", "0:0.02",
                "--shard", "3/3") == OVS_OK);
    CHECK(PARSE(&c, err, "ovsweep", "--n", "100", "--act", "relu", "--kd-band", "0:0.02",
                "--shard", "1/4") == OVS_EINVAL && strstr(err, "4 parts of 3 cells"));
    const ovs_setting *s = ovs_setting_find("shard"), *m = ovs_setting_find("merge");
    CHECK(s && s->attr && !strcmp(s->attr, "shard") && s->resume == OVS_RESUME_PART);
    CHECK(m && !m->attr && m->resume == OVS_RESUME_IGNORE);
}

/* The testing hooks: off by default; values as given; never stored in the file (no
 * attribute) nor compared on resume. */
static void test_testing_hooks(void)
{
    ovs_config c;
    CHECK(PARSE(&c, err, "ovsweep") == OVS_OK && c.crash_after_saved == 0 &&
          c.fail_after_trials == 0);
    CHECK(PARSE(&c, err, "ovsweep", "--crash-after-saved", "7", "--fail-after-trials", "40") ==
              OVS_OK &&
          c.crash_after_saved == 7 && c.fail_after_trials == 40);
    const ovs_setting *s = ovs_setting_find("crash-after-saved");
    CHECK(s && s->kind == OVS_SET_COUNT && !s->attr && s->resume == OVS_RESUME_IGNORE);
}

/* The union of comma lists (a file's kernel builds across resumes and merges): first come
 * first, each name once, a name that is a prefix of another kept apart. */
static void test_names_union(void)
{
    ovs_strbuf b = OVS_STRBUF_INIT;
    ovs_strbuf_add_names(&b, "x86-64-v4,baseline");
    ovs_strbuf_add_names(&b, "baseline,x86-64-v3,x86-64-v4,,x86-64");
    ovs_strbuf_add_names(&b, "");
    CHECK_MSG(strcmp(ovs_strbuf_str(&b), "x86-64-v4,baseline,x86-64-v3,x86-64") == 0, "'%s'",
              ovs_strbuf_str(&b));
    ovs_strbuf_free(&b);
}

int main(void)
{
    test_names_union();
    test_defaults();
    test_lists();
    test_beyond_figure2();
    test_bad_values();
    test_parse_rules();
    test_no_value_flags();
    test_info_wins();
    test_ambiguous_prefix();
    test_eta_once();
    test_format_round_trip();
    test_eta_auto();
    test_usage_lists_every_option();
    test_testing_hooks();
    test_parts();
    TEST_DONE();
}
