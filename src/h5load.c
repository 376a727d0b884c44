/* h5load.c - the finished trials of an ovsweep file, read for resume without trusting the
 * file: every dataset's shape and type is checked against the plan before it is read, every
 * record against what a finished trial can be, and the summaries against the records; see
 * h5load.h. */
#include "h5load.h"

#include "h5attr.h"
#include "h5schema.h"
#include "status.h"

#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct loader {
    hid_t f;
    const ovs_plan *p;
    const char *path;
    int T0; /* trials per cell in the file */
    char *err;
    size_t errlen;
} loader;

static int fail(const loader *l, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(l->err, l->errlen, "%s: %s", l->path, msg);
    return OVS_EFORMAT;
}

static const char *class_name(ovs_elem t)
{
    return t == OVS_ELEM_I8 ? "int8" : t == OVS_ELEM_I32 ? "int32" : "float64";
}

/* The dataset's type is the schema's: integer or float of the schema's size. */
static int type_ok(hid_t d, ovs_elem want)
{
    hid_t t = H5Dget_type(d);
    if (t < 0)
        return 0;
    H5T_class_t cls = H5Tget_class(t);
    size_t size = H5Tget_size(t);
    H5Tclose(t);
    return size == ovs_elem_size(want) && cls == (want == OVS_ELEM_F64 ? H5T_FLOAT : H5T_INTEGER);
}

static int shape_ok(hid_t d, int rank, const hsize_t *dims, char *got, size_t len)
{
    hid_t s = H5Dget_space(d);
    hsize_t have[8];
    int r = s >= 0 ? H5Sget_simple_extent_ndims(s) : -1;
    int ok = r == rank && r <= 8 && H5Sget_simple_extent_dims(s, have, NULL) == r;
    for (int i = 0; ok && i < rank; i++)
        ok = have[i] == dims[i];
    size_t used = 0;
    got[0] = '\0';
    for (int i = 0; r > 0 && r <= 8 && H5Sget_simple_extent_dims(s, have, NULL) == r && i < r; i++)
        used += (size_t)snprintf(got + used, used < len ? len - used : 0, "%s%llu", i ? "x" : "",
                                 (unsigned long long)have[i]);
    if (r <= 0)
        snprintf(got, len, "a scalar");
    if (s >= 0)
        H5Sclose(s);
    return ok;
}

static int has_checksum(hid_t d)
{
    hid_t dcpl = H5Dget_create_plist(d);
    unsigned flags = 0, cd[4];
    size_t ncd = 4;
    int yes = dcpl >= 0 && H5Pget_filter_by_id2(dcpl, H5Z_FILTER_FLETCHER32, &flags, &ncd, cd,
                                                0, NULL, NULL) >= 0;
    if (dcpl >= 0)
        H5Pclose(dcpl);
    return yes;
}

/* Read dataset name of group g, which must have the given shape and schema type, into buf.
 * OVS_OK; OVS_EFORMAT naming the dataset and what is wrong; *absent (when not NULL) set and
 * OVS_OK for a missing dataset the caller can do without. */
static int read_checked(const loader *l, hid_t grp, int g, const char *name, ovs_elem type,
                        int rank, const hsize_t *dims, void *buf, int *absent)
{
    const char *gname = l->p->groups[g].name;
    hid_t d = -1;
    int rc = OVS_OK;
    char got[128], want[128];
    H5E_BEGIN_TRY
    {
        if (H5Lexists(grp, name, H5P_DEFAULT) > 0)
            d = H5Dopen2(grp, name, H5P_DEFAULT);
        if (d < 0 && absent)
            *absent = 1;
        else if (d < 0)
            rc = fail(l, "dataset %s/%s is missing or unreadable", gname, name);
        else if (!shape_ok(d, rank, dims, got, sizeof got)) {
            size_t used = 0;
            for (int i = 0; i < rank; i++)
                used += (size_t)snprintf(want + used, sizeof want - used, "%s%llu",
                                         i ? "x" : "", (unsigned long long)dims[i]);
            rc = fail(l, "dataset %s/%s has shape %s; the settings give %s", gname, name, got,
                      want);
        } else if (!type_ok(d, type))
            rc = fail(l, "dataset %s/%s is not of type %s", gname, name, class_name(type));
        else if (H5Dread(d, ovs_h5_type(type), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
            rc = has_checksum(d) ? fail(l, "dataset %s/%s is damaged (its checksum does not "
                                           "match)", gname, name)
                                 : fail(l, "dataset %s/%s cannot be read", gname, name);
    }
    H5E_END_TRY;
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* The k and d dimension scales hold the plan's values. */
static int check_scales(const loader *l, hid_t grp, int g, int *buf)
{
    const ovs_config *c = l->p->cfg;
    const struct {
        const char *name;
        const int *values;
        int n;
    } sc[] = {{"k", c->k_values, c->k_count}, {"d", c->d_values, c->d_count}};
    for (int i = 0; i < 2; i++) {
        hsize_t n = (hsize_t)sc[i].n;
        int rc = read_checked(l, grp, g, sc[i].name, OVS_ELEM_I32, 1, &n, buf, NULL);
        if (rc != OVS_OK)
            return rc;
        if (memcmp(buf, sc[i].values, sizeof(int) * n) != 0)
            return fail(l, "dataset %s/%s does not hold the --%s values", l->p->groups[g].name,
                        sc[i].name, sc[i].name);
    }
    return OVS_OK;
}

/* One record per done trial of group g, numbered in the plan (T0 trials per cell stored). */
static int make_records(const loader *l, int g, const int8_t *done, size_t n, ovs_record *recs,
                        int64_t *nrecs)
{
    const size_t cells = (size_t)l->p->K * l->p->D;
    for (size_t i = 0; i < n; i++) {
        if (done[i] != 0 && done[i] != 1)
            return fail(l, "dataset %s/%s holds %d (not 0 or 1)", l->p->groups[g].name,
                        OVS_DONE_NAME, done[i]);
        if (done[i]) {
            size_t cell = i / (size_t)l->T0, t = i % (size_t)l->T0;
            ovs_record *r = &recs[(*nrecs)++];
            memset(r, 0, sizeof *r);
            r->item = ((int64_t)g * (int64_t)cells + (int64_t)cell) * l->p->T + (int64_t)t;
        }
    }
    return OVS_OK;
}

/* Every schema field of the done trials, and their ladder, into recs. */
static int load_fields(const loader *l, hid_t grp, int g, const int8_t *done, size_t n,
                       unsigned char *buf, ovs_record *recs)
{
    const ovs_plan *p = l->p;
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    const hsize_t dims[4] = {(hsize_t)p->K, (hsize_t)p->D, (hsize_t)l->T0, (hsize_t)p->n_ladder};
    for (int fi = 0; fi < nf; fi++) {
        const ovs_field *fd = &fields[fi];
        const size_t size = ovs_elem_size(fd->type);
        int absent = 0;
        if (!ovs_schema_field_stored(fd, p->cfg))
            continue;
        int rc = read_checked(l, grp, g, fd->name, fd->type, 3, dims, buf,
                              fd->optional ? &absent : NULL);
        if (rc != OVS_OK)
            return rc;
        if (absent)
            memset(buf, 0, n * size); /* absent in older files: 0 */
        for (size_t i = 0, q = 0; i < n; i++)
            if (done[i])
                memcpy((char *)&recs[q++] + fd->offset, buf + i * size, size);
    }
    int rc = read_checked(l, grp, g, OVS_LADDER_NAME, OVS_ELEM_I32, 4, dims, buf, NULL);
    const size_t L = (size_t)p->n_ladder;
    for (size_t i = 0, q = 0; rc == OVS_OK && i < n; i++)
        if (done[i]) {
            for (size_t j = 0; j < OVS_LADDER_MAX; j++)
                recs[q].ladder_hit[j] = j < L ? ((int32_t *)buf)[i * L + j] : -1;
            q++;
        }
    return rc;
}

/* Each record is one a finished trial can be, and the stored counts are the records'. */
static int check_records(const loader *l, hid_t grp, int g, const ovs_record *recs, int64_t m,
                         int32_t *buf)
{
    const ovs_plan *p = l->p;
    const size_t cells = (size_t)p->K * p->D;
    char why[256];
    int32_t *count = calloc(2 * cells, sizeof(int32_t));
    if (!count)
        return fail(l, "out of memory");
    int rc = OVS_OK;
    for (int64_t i = 0; rc == OVS_OK && i < m; i++) {
        ovs_item it;
        ovs_plan_item(p, recs[i].item, &it);
        if (ovs_record_check(p, &recs[i], why, sizeof why) != OVS_OK)
            rc = fail(l, "group %s, k=%d d=%d trial %d: %s; the file is damaged",
                      p->groups[g].name, it.k, it.d, it.t, why);
        count[(size_t)it.ki * p->D + it.di] += recs[i].success;
        count[cells + (size_t)it.ki * p->D + it.di] += 1;
    }
    const hsize_t dims[2] = {(hsize_t)p->K, (hsize_t)p->D};
    const char *names[2] = {"success_count", "trials_done"};
    for (int s = 0; rc == OVS_OK && s < 2; s++) {
        rc = read_checked(l, grp, g, names[s], OVS_ELEM_I32, 2, dims, buf, NULL);
        if (rc == OVS_OK && memcmp(buf, count + s * cells, sizeof(int32_t) * cells) != 0)
            rc = fail(l, "dataset %s/%s disagrees with the trials' records; the file is "
                         "damaged", p->groups[g].name, names[s]);
    }
    free(count);
    return rc;
}

/* Load the done trials of group g into recs[*nrecs..]. */
static int load_group(const loader *l, int g, ovs_record *recs, int64_t *nrecs)
{
    const ovs_plan *p = l->p;
    const size_t cells = (size_t)p->K * p->D, n = cells * (size_t)l->T0;
    const size_t L = (size_t)p->n_ladder, K = (size_t)p->K, D = (size_t)p->D;
    int8_t *done = malloc(n + 1);
    unsigned char *buf = malloc(8 * (n * L + K + D + cells) + 8);
    hid_t grp = -1;
    int rc = OVS_OK;
    H5E_BEGIN_TRY { grp = H5Gopen2(l->f, p->groups[g].name, H5P_DEFAULT); }
    H5E_END_TRY;
    if (!done || !buf)
        rc = fail(l, "out of memory");
    else if (grp < 0)
        rc = fail(l, "group %s is missing or damaged", p->groups[g].name);
    const hsize_t dims[3] = {(hsize_t)K, (hsize_t)D, (hsize_t)l->T0};
    int64_t first = *nrecs;
    if (rc == OVS_OK)
        rc = check_scales(l, grp, g, (int *)buf);
    if (rc == OVS_OK)
        rc = read_checked(l, grp, g, OVS_DONE_NAME, OVS_ELEM_I8, 3, dims, done, NULL);
    if (rc == OVS_OK)
        rc = make_records(l, g, done, n, recs, nrecs);
    if (rc == OVS_OK)
        rc = load_fields(l, grp, g, done, n, buf, recs + first);
    if (rc == OVS_OK)
        rc = check_records(l, grp, g, recs + first, *nrecs - first, (int32_t *)buf);
    if (grp >= 0)
        H5Gclose(grp);
    free(done);
    free(buf);
    return rc;
}

int ovs_h5_load_records(hid_t f, const char *path, const ovs_plan *p, ovs_record **recs,
                        int64_t *nrecs, char *err, size_t errlen)
{
    loader l = {.f = f, .p = p, .path = path, .err = err, .errlen = errlen};
    int32_t T0 = 0;
    *recs = NULL;
    *nrecs = 0;
    if (!ovs_h5_attr_read(f, "trials", H5T_NATIVE_INT32, &T0, 1) || T0 < 1 || T0 > p->T)
        return fail(&l, "attribute 'trials' is missing or not in 1..%d", p->T);
    l.T0 = T0;
    *recs = malloc(sizeof(ovs_record) * (size_t)(p->n_items > 0 ? p->n_items : 1));
    if (!*recs)
        return fail(&l, "out of memory");
    int rc = OVS_OK;
    for (int g = 0; rc == OVS_OK && g < p->n_groups; g++)
        rc = load_group(&l, g, *recs, nrecs);
    if (rc != OVS_OK) {
        free(*recs);
        *recs = NULL;
        *nrecs = 0;
    }
    return rc;
}
