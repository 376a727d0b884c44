/* settings_text.c - settings as text: the command-line form of a value (help defaults, file
 * attributes, resume messages), the configuration as JSON and the table as JSON; see
 * settings_text.h. */
#include "settings_text.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const void *cfield_of(const ovs_setting *s, const ovs_config *c)
{
    return (const char *)c + s->field;
}

static int ccount_of(const ovs_setting *s, const ovs_config *c)
{
    return *(const int *)((const char *)c + s->count_field);
}

/* ---- formatting ---- */

/* The shortest "%.Ng" text that reads back as exactly x (0.15, not 0.14999999999999999). */
static const char *shortest(double x, char *buf, size_t len)
{
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, len, "%.*g", digits, x);
        if (strtod(buf, NULL) == x)
            break;
    }
    return buf;
}

void ovs_format_real(double x, ovs_strbuf *b)
{
    char buf[40];
    if (isnan(x))
        ovs_strbuf_printf(b, "nan");
    else if (isinf(x))
        ovs_strbuf_printf(b, "%sinf", x < 0 ? "-" : "");
    else
        ovs_strbuf_printf(b, "%s", shortest(x, buf, sizeof buf));
}

void ovs_format_eta(double eta, double c_auto, ovs_strbuf *b)
{
    if (c_auto > 0) {
        ovs_strbuf_printf(b, "auto:");
        ovs_format_real(c_auto, b);
    } else {
        ovs_format_real(eta, b);
    }
}

/* Runs of three or more evenly spaced values as a:b or a:b:step. */
void ovs_format_ints(const int *v, int n, ovs_strbuf *b)
{
    for (int i = 0; i < n;) {
        int j = i + 1;
        long step = j < n ? (long)v[j] - v[i] : 0;
        while (step > 0 && j + 1 < n && (long)v[j + 1] - v[j] == step)
            j++;
        ovs_strbuf_printf(b, "%s", i ? "," : "");
        if (step > 0 && j - i >= 2) {
            ovs_strbuf_printf(b, "%d:%d", v[i], v[j]);
            if (step > 1)
                ovs_strbuf_printf(b, ":%ld", step);
            i = j + 1;
        } else {
            ovs_strbuf_printf(b, "%d", v[i]);
            i++;
        }
    }
}

static void format_names(const ovs_setting *s, const int *list, int n, ovs_strbuf *b)
{
    for (int i = 0; i < n; i++)
        ovs_strbuf_printf(b, "%s%s", i ? "," : "", s->names->name(list[i]));
}

void ovs_setting_format(const ovs_setting *s, const ovs_config *c, ovs_strbuf *b)
{
    const void *f = cfield_of(s, c);
    if (s->applies && !s->applies(c)) {
        ovs_strbuf_printf(b, "%s", s->absent ? s->absent : "");
        return;
    }
    switch (s->kind) {
    case OVS_SET_PATH: ovs_strbuf_printf(b, "%s", (const char *)f); break;
    case OVS_SET_INTS: ovs_format_ints(f, ccount_of(s, c), b); break;
    case OVS_SET_NAMES: format_names(s, f, ccount_of(s, c), b); break;
    case OVS_SET_NAME: ovs_strbuf_printf(b, "%s", s->names->name(*(const int *)f)); break;
    case OVS_SET_INT: ovs_strbuf_printf(b, "%d", *(const int *)f); break;
    case OVS_SET_COUNT: ovs_strbuf_printf(b, "%ld", *(const long *)f); break;
    case OVS_SET_SEED:
        ovs_strbuf_printf(b, "%llu", (unsigned long long)*(const uint64_t *)f);
        break;
    case OVS_SET_REAL: ovs_format_real(*(const double *)f, b); break;
    case OVS_SET_BAND:
        ovs_format_real(((const double *)f)[0], b);
        ovs_strbuf_printf(b, ":");
        ovs_format_real(((const double *)f)[1], b);
        break;
    case OVS_SET_SHARD:
        ovs_strbuf_printf(b, "%d/%d", ((const int *)f)[0], ((const int *)f)[1]);
        break;
    case OVS_SET_ETA:
        for (int i = 0; i < c->act_count; i++) {
            ovs_strbuf_printf(b, "%s%s=", i ? "," : "", ovs_config_act(c, i)->name);
            ovs_format_eta(((const double *)f)[i], c->eta_auto[i], b);
        }
        break;
    case OVS_SET_FLAG:
    case OVS_SET_ACTION: ovs_strbuf_printf(b, "%s", *(const int *)f ? "on" : "off"); break;
    }
}

/* ---- JSON ---- */

static void json_real(double x, ovs_strbuf *b)
{
    char buf[40];
    if (isfinite(x))
        ovs_strbuf_printf(b, "%s", shortest(x, buf, sizeof buf));
    else
        ovs_strbuf_printf(b, "null"); /* JSON has no NaN or inf */
}

static void json_string(const char *s, ovs_strbuf *b)
{
    ovs_strbuf_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            ovs_strbuf_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            ovs_strbuf_printf(b, "\\u%04x", ch);
        else
            ovs_strbuf_printf(b, "%c", ch);
    }
    ovs_strbuf_printf(b, "\"");
}

static void json_value(const ovs_setting *s, const ovs_config *c, ovs_strbuf *b)
{
    const void *f = cfield_of(s, c);
    if (s->applies && !s->applies(c)) {
        ovs_strbuf_printf(b, "null");
        return;
    }
    switch (s->kind) {
    case OVS_SET_INTS:
    case OVS_SET_NAMES:
        ovs_strbuf_printf(b, "[");
        for (int i = 0; i < ccount_of(s, c); i++) {
            ovs_strbuf_printf(b, "%s", i ? ", " : "");
            if (s->kind == OVS_SET_INTS)
                ovs_strbuf_printf(b, "%d", ((const int *)f)[i]);
            else
                json_string(s->names->name(((const int *)f)[i]), b);
        }
        ovs_strbuf_printf(b, "]");
        break;
    case OVS_SET_NAME: json_string(s->names->name(*(const int *)f), b); break;
    case OVS_SET_PATH: json_string(f, b); break;
    case OVS_SET_INT: ovs_strbuf_printf(b, "%d", *(const int *)f); break;
    case OVS_SET_COUNT: ovs_strbuf_printf(b, "%ld", *(const long *)f); break;
    case OVS_SET_SEED:
        ovs_strbuf_printf(b, "%llu", (unsigned long long)*(const uint64_t *)f);
        break;
    case OVS_SET_REAL: json_real(*(const double *)f, b); break;
    case OVS_SET_BAND:
        ovs_strbuf_printf(b, "[");
        json_real(((const double *)f)[0], b);
        ovs_strbuf_printf(b, ", ");
        json_real(((const double *)f)[1], b);
        ovs_strbuf_printf(b, "]");
        break;
    case OVS_SET_SHARD:
        ovs_strbuf_printf(b, "[%d, %d]", ((const int *)f)[0], ((const int *)f)[1]);
        break;
    case OVS_SET_ETA:
        ovs_strbuf_printf(b, "{");
        for (int i = 0; i < c->act_count; i++) {
            ovs_strbuf_printf(b, "%s", i ? ", " : "");
            json_string(ovs_config_act(c, i)->name, b);
            ovs_strbuf_printf(b, ": ");
            if (c->eta_auto[i] > 0) {
                ovs_strbuf eb = OVS_STRBUF_INIT;
                ovs_format_eta(NAN, c->eta_auto[i], &eb);
                json_string(ovs_strbuf_str(&eb) ? ovs_strbuf_str(&eb) : "auto", b);
                ovs_strbuf_free(&eb);
            } else {
                json_real(((const double *)f)[i], b);
            }
        }
        ovs_strbuf_printf(b, "}");
        break;
    case OVS_SET_FLAG:
    case OVS_SET_ACTION: ovs_strbuf_printf(b, "%s", *(const int *)f ? "true" : "false"); break;
    }
}

void ovs_settings_json(const ovs_config *c, int protocol_version, const double *ladder,
                       int n_ladder, ovs_strbuf *b)
{
    ovs_strbuf_printf(b, "{\"protocol_version\": %d", protocol_version);
    for (int i = 0; i < ovs_settings_count(); i++)
        if ((*ovs_setting_at(i)).attr) {
            ovs_strbuf_printf(b, ", \"%s\": ", (*ovs_setting_at(i)).attr);
            json_value(&(*ovs_setting_at(i)), c, b);
        }
    ovs_strbuf_printf(b, ", \"tol_ladder\": [");
    for (int j = 0; j < n_ladder; j++) {
        ovs_strbuf_printf(b, "%s", j ? ", " : "");
        json_real(ladder[j], b);
    }
    ovs_strbuf_printf(b, "]}");
}

static const char *kind_name(ovs_setting_kind k)
{
    static const char *const names[] = {"path", "ints", "names", "name", "int", "count",
                                        "seed", "real", "band", "shard", "eta", "flag", "action"};
    return names[k];
}

static const char *resume_name(ovs_resume_rule r)
{
    return r == OVS_RESUME_MATCH       ? "match"
           : r == OVS_RESUME_NOT_FEWER ? "not_fewer"
           : r == OVS_RESUME_PART      ? "part"
                                       : "ignore";
}

static void json_opt_string(const char *s, ovs_strbuf *b)
{
    if (s)
        json_string(s, b);
    else
        ovs_strbuf_printf(b, "null");
}

void ovs_settings_print_table(FILE *out)
{
    ovs_config dflt;
    ovs_settings_defaults(&dflt);
    ovs_strbuf b = OVS_STRBUF_INIT;
    ovs_strbuf_printf(&b, "[\n");
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *s = &(*ovs_setting_at(i));
        ovs_strbuf_printf(&b, "  {\"flag\": \"%s\", \"short\": ", s->flag);
        if (s->short_flag)
            ovs_strbuf_printf(&b, "\"%c\"", s->short_flag);
        else
            ovs_strbuf_printf(&b, "null");
        ovs_strbuf_printf(&b, ", \"kind\": \"%s\", \"metavar\": ", kind_name(s->kind));
        json_opt_string(s->metavar, &b);
        ovs_strbuf_printf(&b, ", \"default\": ");
        if (s->kind == OVS_SET_ACTION || (s->kind == OVS_SET_FLAG && !s->attr)) {
            ovs_strbuf_printf(&b, "null");
        } else if (s->dflt) {
            json_string(s->dflt, &b);
        } else {
            ovs_strbuf tmp = OVS_STRBUF_INIT;
            ovs_setting_format(s, &dflt, &tmp);
            json_opt_string(ovs_strbuf_str(&tmp), &b);
            ovs_strbuf_free(&tmp);
        }
        ovs_strbuf_printf(&b, ", \"help\": ");
        json_string(s->help, &b);
        ovs_strbuf_printf(&b, ", \"names\": ");
        if (s->names) {
            ovs_strbuf_printf(&b, "[");
            for (int j = 0; j < s->names->count(); j++) {
                ovs_strbuf_printf(&b, "%s", j ? ", " : "");
                json_string(s->names->name(j), &b);
            }
            ovs_strbuf_printf(&b, "]");
        } else {
            ovs_strbuf_printf(&b, "null");
        }
        ovs_strbuf_printf(&b, ", \"attribute\": ");
        json_opt_string(s->attr, &b);
        ovs_strbuf_printf(&b, ", \"stored_in\": \"%s\", \"absent\": ",
                          s->store == OVS_STORE_GROUP ? "group" : "root");
        json_opt_string(s->absent, &b);
        ovs_strbuf_printf(&b, ", \"resume\": \"%s\"}%s\n", resume_name(s->resume),
                          i + 1 < ovs_settings_count() ? "," : "");
    }
    ovs_strbuf_printf(&b, "]\n");
    const char *text = ovs_strbuf_str(&b);
    fputs(text ? text : "[]\n", out);
    ovs_strbuf_free(&b);
}
