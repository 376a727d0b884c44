/* h5read.c - probing, settings check and loading for resume; see h5read.h. */
#include "h5read.h"

#include "h5attr.h"
#include "h5load.h"
#include "h5schema.h"
#include "settings_text.h"
#include "status.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OVS_EFORMAT;
}

static hid_t open_serial(const char *path)
{
    hid_t f = -1;
    H5E_BEGIN_TRY
    {
        if (H5Fis_hdf5(path) > 0)
            f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    }
    H5E_END_TRY;
    return f;
}

/* String attribute name of f, held by b (NULL where absent, of another kind or unreadable). */
static const char *read_text(hid_t f, const char *name, ovs_strbuf *b)
{
    return ovs_h5_attr_count(f, name) == 1 && ovs_h5_attr_read_str(f, name, b) ? ovs_strbuf_str(b)
                                                                              : NULL;
}

/* The provenance a resume carries on: the lists cut to their room, the history trimmed to fit
 * ("" where absent or not a string). */
static void read_runs(hid_t f, ovs_h5_runs *runs)
{
    ovs_strbuf b[3] = {OVS_STRBUF_INIT, OVS_STRBUF_INIT, OVS_STRBUF_INIT};
    const char *builds = read_text(f, "kernel_builds", &b[0]);
    const char *cores = read_text(f, "openblas_cores", &b[1]);
    const char *history = read_text(f, "history", &b[2]);
    snprintf(runs->kernel_builds, sizeof runs->kernel_builds, "%s", builds ? builds : "");
    snprintf(runs->openblas_cores, sizeof runs->openblas_cores, "%s", cores ? cores : "");
    ovs_history_append(history ? history : "", "", runs->history, sizeof runs->history);
    for (int i = 0; i < 3; i++)
        ovs_strbuf_free(&b[i]);
}

int ovs_h5_probe(const char *path, ovs_h5_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    err[0] = '\0';
    if (access(path, F_OK) != 0)
        return OVS_OK;
    info->exists = 1;
    struct stat st;
    if (stat(path, &st) == 0)
        info->bytes = (double)st.st_size;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: exists but is not readable", path);
        return OVS_EIO;
    }
    hid_t f = open_serial(path);
    if (f < 0)
        return OVS_OK; /* not HDF5, or truncated/corrupt */
    info->is_hdf5 = 1;
    if (ovs_h5_attr_count(f, "ovsweep_format") == -2) {
        info->damaged = 1;
        H5Fclose(f);
        return OVS_OK;
    }
    ovs_strbuf fmt = OVS_STRBUF_INIT;
    if (ovs_h5_attr_read_str(f, "ovsweep_format", &fmt) && ovs_strbuf_str(&fmt) &&
        strcmp(ovs_strbuf_str(&fmt), OVS_FORMAT_NAME) == 0) {
        int32_t complete = 0;
        info->is_ovsweep =
            ovs_h5_attr_read(f, "complete", H5T_NATIVE_INT32, &complete, 1) &&
            ovs_h5_attr_read(f, "trials_done", H5T_NATIVE_INT64, &info->trials_done, 1) &&
            ovs_h5_attr_read(f, "trials_total", H5T_NATIVE_INT64, &info->trials_total, 1);
        info->complete = complete;
        read_runs(f, &info->runs);
    }
    ovs_strbuf_free(&fmt);
    H5Fclose(f);
    return OVS_OK;
}

int ovs_h5_intact(const char *path, const ovs_h5_info *info, char *err, size_t errlen)
{
    if (!info->is_hdf5)
        snprintf(err, errlen, "%s: not an HDF5 file (or truncated, or damaged); left untouched",
                 path);
    else if (info->damaged)
        snprintf(err, errlen, "%s: an HDF5 file whose metadata is damaged (its root attributes "
                 "cannot be read); left untouched", path);
    else if (!info->is_ovsweep)
        snprintf(err, errlen, "%s: an HDF5 file not written by ovsweep; left untouched", path);
    else
        return OVS_OK;
    return OVS_EFORMAT;
}

/* ---- the settings check ---- */

/* The stored value of setting s as command-line text (its `absent` text when the attribute
 * is missing). Returns 1, or 0 when the attribute is missing and required, or unreadable. */
static int stored_text(hid_t f, const ovs_setting *s, ovs_strbuf *out)
{
    long n = ovs_h5_attr_count(f, s->attr);
    if (n == -2)
        return 0;
    if (n < 0) {
        if (!s->absent)
            return 0;
        ovs_strbuf_printf(out, "%s", s->absent);
        return 1;
    }
    switch (s->kind) {
    case OVS_SET_INTS: {
        int *v = malloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
        int ok = v && ovs_h5_attr_read(f, s->attr, H5T_NATIVE_INT, v, (size_t)n) == n;
        if (ok)
            ovs_format_ints(v, (int)n, out);
        free(v);
        return ok;
    }
    case OVS_SET_NAMES:
    case OVS_SET_NAME:
    case OVS_SET_PATH: return ovs_h5_attr_read_str(f, s->attr, out);
    case OVS_SET_INT:
    case OVS_SET_FLAG: {
        int32_t v;
        if (!ovs_h5_attr_read(f, s->attr, H5T_NATIVE_INT32, &v, 1))
            return 0;
        if (s->kind == OVS_SET_FLAG)
            ovs_strbuf_printf(out, "%s", v ? "on" : "off");
        else
            ovs_strbuf_printf(out, "%d", (int)v);
        return 1;
    }
    case OVS_SET_COUNT: {
        int64_t v;
        if (!ovs_h5_attr_read(f, s->attr, H5T_NATIVE_INT64, &v, 1))
            return 0;
        ovs_strbuf_printf(out, "%lld", (long long)v);
        return 1;
    }
    case OVS_SET_SEED: {
        uint64_t v;
        if (!ovs_h5_attr_read(f, s->attr, H5T_NATIVE_UINT64, &v, 1))
            return 0;
        ovs_strbuf_printf(out, "%llu", (unsigned long long)v);
        return 1;
    }
    case OVS_SET_REAL: {
        double v;
        if (!ovs_h5_attr_read(f, s->attr, H5T_NATIVE_DOUBLE, &v, 1))
            return 0;
        ovs_format_real(v, out);
        return 1;
    }
    case OVS_SET_BAND: {
        double v[2];
        if (ovs_h5_attr_read(f, s->attr, H5T_NATIVE_DOUBLE, v, 2) != 2)
            return 0;
        ovs_format_real(v[0], out);
        ovs_strbuf_printf(out, ":");
        ovs_format_real(v[1], out);
        return 1;
    }
    case OVS_SET_SHARD: {
        int32_t v[2];
        if (ovs_h5_attr_read(f, s->attr, H5T_NATIVE_INT32, v, 2) != 2)
            return 0;
        ovs_strbuf_printf(out, "%d/%d", (int)v[0], (int)v[1]);
        return 1;
    }
    default: return 0;
    }
}

/* A group's step size as --eta takes it: its `attr` (eta), or auto:C when it has the
 * attribute eta_auto (an unreadable one gives "auto:damaged", which differs from any
 * command). 1, or 0 when eta cannot be read. */
static int group_eta_text(hid_t grp, const char *attr, ovs_strbuf *out)
{
    double v = NAN, c_auto = 0.0;
    if (!ovs_h5_attr_read(grp, attr, H5T_NATIVE_DOUBLE, &v, 1))
        return 0;
    if (H5Aexists(grp, OVS_ETA_AUTO_ATTR) > 0 &&
        !ovs_h5_attr_read(grp, OVS_ETA_AUTO_ATTR, H5T_NATIVE_DOUBLE, &c_auto, 1))
        ovs_strbuf_printf(out, "auto:damaged");
    else
        ovs_format_eta(v, c_auto, out);
    return 1;
}

/* ",act=value" (no comma before the first) of the per-group setting attr in group `name`.
 * 1, or 0 when the group or its attribute cannot be read. */
static int group_setting_text(hid_t f, const char *name, const char *act, int act_len,
                              int first, const char *attr, ovs_strbuf *out)
{
    hid_t grp = -1;
    H5E_BEGIN_TRY { grp = H5Gopen2(f, name, H5P_DEFAULT); }
    H5E_END_TRY;
    ovs_strbuf_printf(out, "%s%.*s=", first ? "" : ",", act_len, act);
    int ok = grp >= 0 && group_eta_text(grp, attr, out);
    if (grp >= 0)
        H5Gclose(grp);
    return ok;
}

/* Per-group settings (eta): "act=value" for each activation, from its first group. */
static int stored_group_text(hid_t f, const ovs_plan *p, const ovs_setting *s, ovs_strbuf *out,
                             char *err, size_t errlen, const char *path)
{
    const ovs_config *c = p->cfg;
    for (int a = 0; a < c->act_count; a++) {
        const ovs_group *gr = NULL;
        for (int g = 0; g < p->n_groups && !gr; g++)
            if (p->groups[g].act == ovs_config_act(c, a))
                gr = &p->groups[g];
        if (!group_setting_text(f, gr->name, gr->act->name, (int)strlen(gr->act->name), a == 0,
                                s->attr, out))
            return set_err(err, errlen, "%s: group %s is missing (or lacks '%s')", path,
                           gr->name, s->attr);
    }
    return OVS_OK;
}

/* A stored name (list) of a NAME/NAMES setting names known choices (what the file says may
 * be damaged). */
static int names_ok(const ovs_setting *s, const char *text)
{
    if (s->kind != OVS_SET_NAME && s->kind != OVS_SET_NAMES)
        return 1;
    char buf[512];
    if (strlen(text) >= sizeof buf || text[0] == '\0')
        return 0;
    strcpy(buf, text);
    for (char *tok = buf, *comma; tok; tok = comma ? comma + 1 : NULL) {
        comma = strchr(tok, ',');
        if (comma)
            *comma = '\0';
        if (ovs_names_find(s->names, tok) < 0 || (s->kind == OVS_SET_NAME && comma))
            return 0;
    }
    return 1;
}

/* Compare one stored setting with the command's under its resume rule. */
static int check_setting(hid_t f, const ovs_plan *p, const ovs_setting *s, const char *path,
                         char *err, size_t errlen)
{
    ovs_strbuf have = OVS_STRBUF_INIT, want = OVS_STRBUF_INIT;
    int rc = OVS_OK;
    if (s->store == OVS_STORE_GROUP)
        rc = stored_group_text(f, p, s, &have, err, errlen, path);
    else if (!stored_text(f, s, &have))
        rc = set_err(err, errlen, "%s: attribute '%s' is missing or cannot be read (damaged "
                     "metadata?)", path, s->attr);
    ovs_setting_format(s, p->cfg, &want);
    const char *h = ovs_strbuf_str(&have), *w = ovs_strbuf_str(&want);
    if (rc == OVS_OK && (!h || !w))
        rc = set_err(err, errlen, "out of memory");
    else if (rc == OVS_OK && s->retired && strcmp(h, s->retired) == 0)
        rc = set_err(err, errlen, "%s: --%s differs (file %s, command %s): %s", path, s->flag,
                     h, w, s->retired_why);
    else if (rc == OVS_OK && !names_ok(s, h))
        rc = set_err(err, errlen, "%s: attribute '%s' holds '%s', which names no %s (damaged?)",
                     path, s->attr, h, s->names->what);
    if (rc == OVS_OK && s->resume == OVS_RESUME_NOT_FEWER) {
        if (atol(h) > atol(w))
            rc = set_err(err, errlen, "%s: --%s %s is fewer than the file's %s", path, s->flag,
                         w, h);
    } else if (rc == OVS_OK && strcmp(h, w) != 0) {
        rc = set_err(err, errlen, "%s: --%s differs (file %s, command %s)", path, s->flag, h, w);
    }
    ovs_strbuf_free(&have);
    ovs_strbuf_free(&want);
    return rc;
}

/* The file's format and protocol, then every stored setting in table order. */
static int check_config(hid_t f, const char *path, const ovs_plan *p, char *err, size_t errlen)
{
    int32_t fv = 0, pv = 0;
    if (!ovs_h5_attr_read(f, "format_version", H5T_NATIVE_INT32, &fv, 1) || fv != OVS_FORMAT_VERSION)
        return set_err(err, errlen, "%s: unsupported ovsweep format version %d", path, fv);
    if (!ovs_h5_attr_read(f, "protocol_version", H5T_NATIVE_INT32, &pv, 1) ||
        pv != OVS_PROTOCOL_VERSION)
        return set_err(err, errlen, "%s: protocol version %d differs from this ovsweep's %d",
                       path, pv, OVS_PROTOCOL_VERSION);
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *s = ovs_setting_at(i);
        /* a merge takes the files of every part (--shard) of the sweep */
        const int part_of_merge = s->resume == OVS_RESUME_PART && p->cfg->merge[0];
        if (s->attr && s->resume != OVS_RESUME_IGNORE && !part_of_merge) {
            int rc = check_setting(f, p, s, path, err, errlen);
            if (rc != OVS_OK)
                return rc;
        }
    }
    double ladder[OVS_LADDER_MAX];
    int n = ovs_h5_attr_read(f, "tol_ladder", H5T_NATIVE_DOUBLE, ladder, OVS_LADDER_MAX);
    if (n != p->n_ladder || memcmp(ladder, p->ladder, sizeof(double) * (size_t)n) != 0)
        return set_err(err, errlen, "%s: the tolerance ladder differs", path);
    return OVS_OK;
}

int ovs_h5_load(const char *path, const ovs_plan *p, ovs_record_sink sink, void *ctx,
                int64_t *nrecs, char *err, size_t errlen)
{
    *nrecs = 0;
    hid_t f = open_serial(path);
    if (f < 0)
        return set_err(err, errlen, "%s: not an HDF5 file (or truncated)", path);
    int rc = check_config(f, path, p, err, errlen);
    if (rc == OVS_OK)
        rc = ovs_h5_load_each(f, path, p, sink, ctx, nrecs, err, errlen);
    H5Fclose(f);
    return rc;
}

/* ---- the settings of a file, for a resume without them on the command line ---- */

/* "act=eta,..." for the file's activations, each from the first group of that activation
 * (group names are n<N>_<act>[_<method>]). 1, or 0 when a group or its eta cannot be read. */
static int stored_eta_text(hid_t f, const char *acts, ovs_strbuf *out)
{
    ovs_strbuf groups = OVS_STRBUF_INIT;
    int ok = ovs_h5_attr_read_str(f, "groups", &groups) && ovs_strbuf_str(&groups);
    const char *gl = ok ? ovs_strbuf_str(&groups) : "";
    for (const char *a = acts; ok && *a; a += strcspn(a, ",") + (a[strcspn(a, ",")] != '\0')) {
        const size_t alen = strcspn(a, ",");
        int found = 0;
        for (const char *g = gl; *g && !found; g += strcspn(g, ",") + (g[strcspn(g, ",")] != '\0')) {
            const size_t glen = strcspn(g, ","), skip = strcspn(g, "_") + 1;
            if (skip + alen > glen || strncmp(g + skip, a, alen) != 0 ||
                (skip + alen < glen && g[skip + alen] != '_'))
                continue;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(glen < 127 ? glen : 127), g);
            found = group_setting_text(f, name, a, (int)alen, a == acts, "eta", out);
        }
        ok = found;
    }
    ovs_strbuf_free(&groups);
    return ok;
}

/* One stored setting as arguments, unless it holds its default, its not-applicable value (the
 * absent text of a setting that applies only sometimes) or a retired value (which the resume
 * check then refuses with its reason). An older file's value of a setting that always applies
 * but whose default changed since (--lambda: power) is passed on, so that the file resumes as
 * it was written. */
static void setting_args(hid_t f, const ovs_setting *s, const ovs_config *dflt,
                         const char *acts, ovs_bytes *out)
{
    ovs_strbuf have = OVS_STRBUF_INIT, def = OVS_STRBUF_INIT;
    int ok = s->store == OVS_STORE_GROUP ? acts && stored_eta_text(f, acts, &have)
                                         : stored_text(f, s, &have);
    ovs_setting_format(s, dflt, &def);
    const char *h = ovs_strbuf_str(&have), *d = ovs_strbuf_str(&def);
    const int not_applicable = s->applies && s->absent && h && strcmp(h, s->absent) == 0;
    if (ok && h && !(d && strcmp(h, d) == 0) && !not_applicable &&
        !(s->retired && strcmp(h, s->retired) == 0)) {
        char flag[80];
        snprintf(flag, sizeof flag, "--%s", s->flag);
        if (s->kind == OVS_SET_FLAG) {
            if (strcmp(h, "on") == 0)
                ovs_bytes_add(out, flag, strlen(flag) + 1);
        } else {
            ovs_bytes_add(out, flag, strlen(flag) + 1);
            ovs_bytes_add(out, h, strlen(h) + 1);
        }
    }
    ovs_strbuf_free(&have);
    ovs_strbuf_free(&def);
}

void ovs_h5_settings_args(const char *path, int whole_sweep, ovs_bytes *out)
{
    hid_t f = open_serial(path);
    if (f < 0)
        return;
    ovs_strbuf fmt = OVS_STRBUF_INIT, acts = OVS_STRBUF_INIT;
    if (ovs_h5_attr_read_str(f, "ovsweep_format", &fmt) && ovs_strbuf_str(&fmt) &&
        strcmp(ovs_strbuf_str(&fmt), OVS_FORMAT_NAME) == 0) {
        ovs_config dflt;
        ovs_settings_defaults(&dflt);
        const ovs_setting *act = ovs_setting_find("act");
        const char *a = act && act->attr && ovs_h5_attr_read_str(f, act->attr, &acts)
                            ? ovs_strbuf_str(&acts) : NULL;
        for (int i = 0; i < ovs_settings_count(); i++) {
            const ovs_setting *s = ovs_setting_at(i);
            if (s->attr && s->resume != OVS_RESUME_IGNORE &&
                !(whole_sweep && s->resume == OVS_RESUME_PART))
                setting_args(f, s, &dflt, a, out);
        }
    }
    ovs_strbuf_free(&fmt);
    ovs_strbuf_free(&acts);
    H5Fclose(f);
}
