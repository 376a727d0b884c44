/* h5read.c - probing, settings check and loading for resume; see h5read.h. */
#include "h5read.h"

#include "h5attr.h"
#include "h5schema.h"
#include "settings_text.h"
#include "status.h"

#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

int ovs_h5_probe(const char *path, ovs_h5_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    err[0] = '\0';
    if (access(path, F_OK) != 0)
        return OVS_OK;
    info->exists = 1;
    if (access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: exists but is not readable", path);
        return OVS_EIO;
    }
    hid_t f = open_serial(path);
    if (f < 0)
        return OVS_OK; /* not HDF5, or truncated/corrupt */
    info->is_hdf5 = 1;
    ovs_strbuf fmt = OVS_STRBUF_INIT;
    if (ovs_h5_attr_read_str(f, "ovsweep_format", &fmt) && ovs_strbuf_str(&fmt) &&
        strcmp(ovs_strbuf_str(&fmt), OVS_FORMAT_NAME) == 0) {
        int32_t complete = 0;
        info->is_ovsweep =
            ovs_h5_attr_read(f, "complete", H5T_NATIVE_INT32, &complete, 1) &&
            ovs_h5_attr_read(f, "trials_done", H5T_NATIVE_INT64, &info->trials_done, 1) &&
            ovs_h5_attr_read(f, "trials_total", H5T_NATIVE_INT64, &info->trials_total, 1);
        info->complete = complete;
    }
    ovs_strbuf_free(&fmt);
    H5Fclose(f);
    return OVS_OK;
}

/* ---- the settings check ---- */

/* The stored value of setting s as command-line text (its `absent` text when the attribute
 * is missing). Returns 1, or 0 when the attribute is missing and required, or unreadable. */
static int stored_text(hid_t f, const ovs_setting *s, ovs_strbuf *out)
{
    long n = ovs_h5_attr_count(f, s->attr);
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
    default: return 0;
    }
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
        hid_t grp = -1;
        H5E_BEGIN_TRY { grp = H5Gopen2(f, gr->name, H5P_DEFAULT); }
        H5E_END_TRY;
        double v = NAN;
        int ok = grp >= 0 && ovs_h5_attr_read(grp, s->attr, H5T_NATIVE_DOUBLE, &v, 1);
        if (grp >= 0)
            H5Gclose(grp);
        if (!ok)
            return set_err(err, errlen, "%s: group %s is missing (or lacks '%s')", path,
                           gr->name, s->attr);
        ovs_strbuf_printf(out, "%s%s=", a ? "," : "", gr->act->name);
        ovs_format_real(v, out);
    }
    return OVS_OK;
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
        rc = set_err(err, errlen, "%s: attribute '%s' is missing or unreadable", path, s->attr);
    ovs_setting_format(s, p->cfg, &want);
    const char *h = ovs_strbuf_str(&have), *w = ovs_strbuf_str(&want);
    if (rc == OVS_OK && (!h || !w))
        rc = set_err(err, errlen, "out of memory");
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
        if (s->attr && s->resume != OVS_RESUME_IGNORE) {
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

/* ---- loading ---- */

static int read_dataset(hid_t grp, const char *name, hid_t type, void *buf)
{
    hid_t d = -1;
    int ok = 0;
    H5E_BEGIN_TRY
    {
        d = H5Dopen2(grp, name, H5P_DEFAULT);
        ok = d >= 0 && H5Dread(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    }
    H5E_END_TRY;
    if (d >= 0)
        H5Dclose(d);
    return ok;
}

/* Copy field fi of the done trials (in file order) into recs[first..]. */
static void scatter(const ovs_field *fd, const unsigned char *buf, const int8_t *done, size_t n,
                    ovs_record *recs)
{
    const size_t size = ovs_elem_size(fd->type);
    int64_t q = 0;
    for (size_t i = 0; i < n; i++)
        if (done[i])
            memcpy((char *)&recs[q++] + fd->offset, buf + i * size, size);
}

static int load_fields(hid_t grp, const ovs_plan *p, int g, size_t n, const int8_t *done,
                       unsigned char *buf, ovs_record *recs, char *err, size_t errlen)
{
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    for (int fi = 0; fi < nf; fi++) {
        const ovs_field *fd = &fields[fi];
        if (fd->diagnostics && !p->cfg->diagnostics)
            continue;
        if (!read_dataset(grp, fd->name, ovs_h5_type(fd->type), buf)) {
            if (!fd->optional)
                return set_err(err, errlen, "group %s: cannot read '%s'", p->groups[g].name,
                               fd->name);
            memset(buf, 0, n * ovs_elem_size(fd->type)); /* absent in older files: 0 */
        }
        scatter(fd, buf, done, n, recs);
    }
    if (!read_dataset(grp, OVS_LADDER_NAME, H5T_NATIVE_INT32, buf))
        return set_err(err, errlen, "group %s: cannot read '%s'", p->groups[g].name,
                       OVS_LADDER_NAME);
    const size_t L = (size_t)p->n_ladder;
    int64_t q = 0;
    for (size_t i = 0; i < n; i++)
        if (done[i]) {
            for (size_t j = 0; j < OVS_LADDER_MAX; j++)
                recs[q].ladder_hit[j] = j < L ? ((int32_t *)buf)[i * L + j] : -1;
            q++;
        }
    return OVS_OK;
}

/* Load the done trials of group g (stored with T0 trials per cell) into recs. */
static int load_group(hid_t f, const ovs_plan *p, int g, int T0, ovs_record *recs,
                      int64_t *nrecs, char *err, size_t errlen)
{
    const size_t cells = (size_t)p->K * p->D, n = cells * (size_t)T0, L = (size_t)p->n_ladder;
    int8_t *done = malloc(n + 1);
    unsigned char *buf = malloc(8 * n * L + 8);
    hid_t grp = -1;
    int rc = OVS_EFORMAT;
    H5E_BEGIN_TRY { grp = H5Gopen2(f, p->groups[g].name, H5P_DEFAULT); }
    H5E_END_TRY;
    if (!done || !buf || grp < 0 || !read_dataset(grp, OVS_DONE_NAME, H5T_NATIVE_INT8, done)) {
        set_err(err, errlen, "group %s: cannot read '%s'", p->groups[g].name, OVS_DONE_NAME);
        goto out;
    }
    ovs_record *first = recs + *nrecs;
    for (size_t i = 0; i < n; i++)
        if (done[i]) {
            size_t cell = i / (size_t)T0, t = i % (size_t)T0;
            ovs_record *r = &recs[(*nrecs)++];
            memset(r, 0, sizeof *r);
            r->item = ((int64_t)g * (int64_t)cells + (int64_t)cell) * p->T + (int64_t)t;
        }
    rc = load_fields(grp, p, g, n, done, buf, first, err, errlen);
out:
    if (grp >= 0)
        H5Gclose(grp);
    free(done);
    free(buf);
    return rc;
}

int ovs_h5_load(const char *path, const ovs_plan *p, ovs_record **recs, int64_t *nrecs,
                char *err, size_t errlen)
{
    *recs = NULL;
    *nrecs = 0;
    hid_t f = open_serial(path);
    if (f < 0)
        return set_err(err, errlen, "%s: not an HDF5 file (or truncated)", path);
    int32_t T0 = 0;
    int rc = check_config(f, path, p, err, errlen);
    if (rc == OVS_OK && !ovs_h5_attr_read(f, "trials", H5T_NATIVE_INT32, &T0, 1))
        rc = set_err(err, errlen, "%s: no 'trials' attribute", path);
    if (rc == OVS_OK) {
        *recs = malloc(sizeof(ovs_record) * (size_t)(p->n_items > 0 ? p->n_items : 1));
        if (!*recs)
            rc = set_err(err, errlen, "out of memory");
    }
    for (int g = 0; rc == OVS_OK && g < p->n_groups; g++)
        rc = load_group(f, p, g, T0, *recs, nrecs, err, errlen);
    H5Fclose(f);
    if (rc != OVS_OK) {
        free(*recs);
        *recs = NULL;
        *nrecs = 0;
    }
    return rc;
}
