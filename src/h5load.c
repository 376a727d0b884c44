/* h5load.c - the finished trials of an ovsweep file, read for resume without trusting the
 * file: every dataset's shape and type is checked against the plan before it is read, every
 * record against what a finished trial can be, and the summaries against the records; see
 * h5load.h. The per-trial datasets are read in blocks of cells, so that reading a file back
 * takes memory for one block, not for the file. */
#include "h5load.h"

#include "h5attr.h"
#include "h5schema.h"
#include "status.h"

#include <hdf5.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The records of one block: at most max(this, one cell's records). */
#define BLOCK_BYTES (16u << 20)

typedef struct loader {
    hid_t f;
    const ovs_plan *p;
    const char *path;
    int T0; /* trials per cell in the file */
    ovs_record_sink sink;
    void *ctx;
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

/* Open dataset name of group g, which must have the given shape and schema type, into *d.
 * OVS_OK; OVS_EFORMAT naming the dataset and what is wrong; *absent (when not NULL) set and
 * OVS_OK, *d = -1, for a dataset the caller can do without that is not there at all (older
 * files): a name that is there but no dataset (a dangling link, a group) is refused. */
static int open_checked(const loader *l, hid_t grp, int g, const char *name, ovs_elem type,
                        int rank, const hsize_t *dims, hid_t *d, int *absent)
{
    const char *gname = l->p->groups[g].name;
    int rc = OVS_OK;
    char got[128], want[128];
    *d = -1;
    H5E_BEGIN_TRY
    {
        const htri_t there = H5Lexists(grp, name, H5P_DEFAULT);
        if (there > 0)
            *d = H5Dopen2(grp, name, H5P_DEFAULT);
        if (*d < 0 && absent && there == 0)
            *absent = 1;
        else if (*d < 0)
            rc = fail(l, "dataset %s/%s is missing or unreadable", gname, name);
        else if (!shape_ok(*d, rank, dims, got, sizeof got)) {
            size_t used = 0;
            for (int i = 0; i < rank; i++)
                used += (size_t)snprintf(want + used, sizeof want - used, "%s%llu",
                                         i ? "x" : "", (unsigned long long)dims[i]);
            rc = fail(l, "dataset %s/%s has shape %s; the settings give %s", gname, name, got,
                      want);
        } else if (!type_ok(*d, type))
            rc = fail(l, "dataset %s/%s is not of type %s", gname, name, class_name(type));
    }
    H5E_END_TRY;
    if (rc != OVS_OK && *d >= 0) {
        H5Dclose(*d);
        *d = -1;
    }
    return rc;
}

/* Read the selection fsel of the open dataset d (of group g) into buf, a block of the given
 * rank and dims (the selection's shape: HDF5 maps a selection onto chunks element by element
 * where the memory space's shape differs from the file's). */
static int read_part(const loader *l, hid_t d, int g, const char *name, ovs_elem type,
                     hid_t fsel, int rank, const hsize_t *dims, void *buf)
{
    herr_t st = -1;
    H5E_BEGIN_TRY
    {
        hid_t mspace = H5Screate_simple(rank, dims, NULL);
        if (mspace >= 0)
            st = H5Dread(d, ovs_h5_type(type), mspace, fsel, H5P_DEFAULT, buf);
        if (mspace >= 0)
            H5Sclose(mspace);
    }
    H5E_END_TRY;
    if (st >= 0)
        return OVS_OK;
    const char *gname = l->p->groups[g].name;
    return has_checksum(d) ? fail(l, "dataset %s/%s is damaged (its checksum does not match)",
                                  gname, name)
                           : fail(l, "dataset %s/%s cannot be read", gname, name);
}

/* Read the whole of dataset name of group g (shape and type checked) into buf. */
static int read_checked(const loader *l, hid_t grp, int g, const char *name, ovs_elem type,
                        int rank, const hsize_t *dims, void *buf)
{
    hid_t d;
    int rc = open_checked(l, grp, g, name, type, rank, dims, &d, NULL);
    if (rc == OVS_OK)
        rc = read_part(l, d, g, name, type, H5S_ALL, rank, dims, buf);
    if (d >= 0)
        H5Dclose(d);
    return rc;
}

/* The k and d dimension scales hold the plan's values. */
static int check_scales(const loader *l, hid_t grp, int g)
{
    const ovs_config *c = l->p->cfg;
    const struct {
        const char *name;
        const int *values;
        int n;
    } sc[] = {{"k", c->k_values, c->k_count}, {"d", c->d_values, c->d_count}};
    for (int i = 0; i < 2; i++) {
        hsize_t n = (hsize_t)sc[i].n;
        int *buf = malloc(sizeof(int) * n + 1);
        int rc = buf ? read_checked(l, grp, g, sc[i].name, OVS_ELEM_I32, 1, &n, buf)
                     : fail(l, "out of memory");
        if (rc == OVS_OK && memcmp(buf, sc[i].values, sizeof(int) * n) != 0)
            rc = fail(l, "dataset %s/%s does not hold the --%s values", l->p->groups[g].name,
                      sc[i].name, sc[i].name);
        free(buf);
        if (rc != OVS_OK)
            return rc;
    }
    return OVS_OK;
}

/* One group's per-trial datasets, open and checked, and the buffers of one block. */
typedef struct group_reader {
    int g;
    size_t cells, K, D, L, block; /* block: cells a block */
    hid_t done, ladder, *field;   /* field[i] < 0: not stored, or absent in an older file */
    int8_t *done_buf;
    unsigned char *vals; /* one block of any one dataset */
    ovs_record *recs;    /* one block's records */
    int32_t *count;      /* [2][cells]: successes and trials found, cell by cell */
} group_reader;

static void reader_close(group_reader *r, int nf)
{
    for (int i = 0; r->field && i < nf; i++)
        if (r->field[i] >= 0)
            H5Dclose(r->field[i]);
    if (r->done >= 0)
        H5Dclose(r->done);
    if (r->ladder >= 0)
        H5Dclose(r->ladder);
    free(r->field);
    free(r->done_buf);
    free(r->vals);
    free(r->recs);
    free(r->count);
}

/* Open every per-trial dataset of group g the sweep stores, check their shapes and types,
 * and allocate one block's buffers. */
static int reader_open(const loader *l, hid_t grp, int g, group_reader *r)
{
    const ovs_plan *p = l->p;
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    const size_t T0 = (size_t)l->T0;
    *r = (group_reader){.g = g, .cells = (size_t)p->K * p->D, .K = (size_t)p->K,
                        .D = (size_t)p->D, .L = (size_t)p->n_ladder, .done = -1, .ladder = -1};
    r->block = ovs_schema_block_cells(r->K, r->D, T0, 1, sizeof(ovs_record), BLOCK_BYTES);
    const size_t items = r->block * T0, per = 4 * r->L > 8 ? 4 * r->L : 8;
    r->field = malloc(sizeof(hid_t) * (size_t)nf);
    r->done_buf = malloc(items);
    r->vals = malloc(items * per);
    r->recs = malloc(sizeof(ovs_record) * items);
    r->count = calloc(2 * r->cells, sizeof(int32_t));
    /* none open before any buffer can fail: reader_close closes what is not -1 */
    for (int i = 0; r->field && i < nf; i++)
        r->field[i] = -1;
    if (!r->field || !r->done_buf || !r->vals || !r->recs || !r->count)
        return fail(l, "out of memory");
    const hsize_t dims[4] = {r->K, r->D, T0, r->L};
    int rc = open_checked(l, grp, g, OVS_DONE_NAME, OVS_ELEM_I8, 3, dims, &r->done, NULL);
    for (int i = 0; rc == OVS_OK && i < nf; i++) {
        int absent = 0; /* an optional field absent in an older file reads as 0 */
        if (ovs_schema_field_stored(&fields[i], p->cfg))
            rc = open_checked(l, grp, g, fields[i].name, fields[i].type, 3, dims, &r->field[i],
                              fields[i].optional ? &absent : NULL);
    }
    if (rc == OVS_OK)
        rc = open_checked(l, grp, g, OVS_LADDER_NAME, OVS_ELEM_I32, 4, dims, &r->ladder, NULL);
    return rc;
}

/* Read cells [c0, c0 + n) of dataset d ([K][D][T0], or [K][D][T0][L] for rank 4) into buf:
 * whole rows of k, or part of one row (ovs_schema_block_cells). */
static int read_cells(const loader *l, const group_reader *r, hid_t d, const char *name,
                      ovs_elem type, int rank, size_t c0, size_t n, void *buf)
{
    const size_t per = rank == 4 ? r->L : 1;
    const hsize_t start[4] = {c0 / r->D, c0 % r->D, 0, 0};
    const hsize_t count[4] = {n >= r->D ? n / r->D : 1, n >= r->D ? r->D : n,
                              (hsize_t)l->T0, per};
    hid_t fspace = H5Dget_space(d);
    int rc = fspace < 0 ? fail(l, "dataset %s/%s cannot be read", l->p->groups[r->g].name, name)
                        : OVS_OK;
    if (rc == OVS_OK && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
        rc = fail(l, "dataset %s/%s cannot be read", l->p->groups[r->g].name, name);
    if (rc == OVS_OK)
        rc = read_part(l, d, r->g, name, type, fspace, rank, count, buf);
    if (fspace >= 0)
        H5Sclose(fspace);
    return rc;
}

/* One record per done trial of cells [c0, c0 + n), numbered in the plan (T0 trials per
 * cell stored); *m: how many. */
static int make_records(const loader *l, group_reader *r, size_t c0, size_t n, size_t *m)
{
    const size_t T0 = (size_t)l->T0;
    *m = 0;
    for (size_t i = 0; i < n * T0; i++) {
        const int8_t done = r->done_buf[i];
        if (done != 0 && done != 1)
            return fail(l, "dataset %s/%s holds %d (not 0 or 1)", l->p->groups[r->g].name,
                        OVS_DONE_NAME, done);
        if (done) {
            const size_t cell = c0 + i / T0, t = i % T0;
            ovs_record *rec = &r->recs[(*m)++];
            memset(rec, 0, sizeof *rec);
            rec->item = ((int64_t)r->g * (int64_t)r->cells + (int64_t)cell) * l->p->T +
                        (int64_t)t;
        }
    }
    return OVS_OK;
}

/* Every stored field of the block's done trials, and their ladder, into its records. */
static int load_fields(const loader *l, group_reader *r, size_t c0, size_t n)
{
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    const size_t items = n * (size_t)l->T0;
    for (int fi = 0; fi < nf; fi++) {
        const ovs_field *fd = &fields[fi];
        const size_t size = ovs_elem_size(fd->type);
        if (!ovs_schema_field_stored(fd, l->p->cfg))
            continue;
        if (r->field[fi] < 0)
            memset(r->vals, 0, items * size); /* absent in older files: 0 */
        else {
            int rc = read_cells(l, r, r->field[fi], fd->name, fd->type, 3, c0, n, r->vals);
            if (rc != OVS_OK)
                return rc;
        }
        for (size_t i = 0, q = 0; i < items; i++)
            if (r->done_buf[i])
                memcpy((char *)&r->recs[q++] + fd->offset, r->vals + i * size, size);
    }
    int rc = read_cells(l, r, r->ladder, OVS_LADDER_NAME, OVS_ELEM_I32, 4, c0, n, r->vals);
    const int32_t *hits = (const int32_t *)r->vals;
    for (size_t i = 0, q = 0; rc == OVS_OK && i < items; i++)
        if (r->done_buf[i]) {
            for (size_t j = 0; j < OVS_LADDER_MAX; j++)
                r->recs[q].ladder_hit[j] = j < r->L ? hits[i * r->L + j] : -1;
            q++;
        }
    return rc;
}

/* Each record of the block is one a finished trial can be; count them cell by cell. */
static int check_records(const loader *l, group_reader *r, size_t m)
{
    const ovs_plan *p = l->p;
    char why[256];
    for (size_t i = 0; i < m; i++) {
        ovs_item it;
        ovs_plan_item(p, r->recs[i].item, &it);
        if (ovs_record_check(p, &r->recs[i], why, sizeof why) != OVS_OK)
            return fail(l, "group %s, k=%d d=%d trial %d: %s; the file is damaged",
                        p->groups[r->g].name, it.k, it.d, it.t, why);
        r->count[(size_t)it.ki * p->D + it.di] += r->recs[i].success;
        r->count[r->cells + (size_t)it.ki * p->D + it.di] += 1;
    }
    return OVS_OK;
}

/* The stored counts of the group are the records'. */
static int check_counts(const loader *l, hid_t grp, group_reader *r)
{
    const hsize_t dims[2] = {r->K, r->D};
    const char *names[2] = {"success_count", "trials_done"};
    int32_t *stored = malloc(sizeof(int32_t) * r->cells + 1);
    int rc = stored ? OVS_OK : fail(l, "out of memory");
    for (int s = 0; rc == OVS_OK && s < 2; s++) {
        rc = read_checked(l, grp, r->g, names[s], OVS_ELEM_I32, 2, dims, stored);
        if (rc == OVS_OK && memcmp(stored, r->count + s * r->cells,
                                   sizeof(int32_t) * r->cells) != 0)
            rc = fail(l, "dataset %s/%s disagrees with the trials' records; the file is "
                         "damaged", l->p->groups[r->g].name, names[s]);
    }
    free(stored);
    return rc;
}

/* Pass the done trials of group g to the sink, a block of cells at a time. */
static int load_group(const loader *l, int g, int64_t *nrecs)
{
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    group_reader r = {.done = -1, .ladder = -1};
    hid_t grp = -1;
    H5E_BEGIN_TRY { grp = H5Gopen2(l->f, l->p->groups[g].name, H5P_DEFAULT); }
    H5E_END_TRY;
    int rc = grp < 0 ? fail(l, "group %s is missing or damaged", l->p->groups[g].name) : OVS_OK;
    if (rc == OVS_OK)
        rc = check_scales(l, grp, g);
    if (rc == OVS_OK)
        rc = reader_open(l, grp, g, &r);
    for (size_t c0 = 0, n = 0; rc == OVS_OK && c0 < r.cells; c0 += n) {
        /* cells [c0, c0 + n): whole rows, or part of the row of c0 */
        const size_t row_end = (c0 / r.D + 1) * r.D;
        n = r.block >= r.D ? (r.block < r.cells - c0 ? r.block : r.cells - c0)
                           : (r.block < row_end - c0 ? r.block : row_end - c0);
        size_t m = 0;
        rc = read_cells(l, &r, r.done, OVS_DONE_NAME, OVS_ELEM_I8, 3, c0, n, r.done_buf);
        if (rc == OVS_OK)
            rc = make_records(l, &r, c0, n, &m);
        if (rc == OVS_OK)
            rc = load_fields(l, &r, c0, n);
        if (rc == OVS_OK)
            rc = check_records(l, &r, m);
        if (rc == OVS_OK && m > 0 && l->sink && l->sink(l->ctx, r.recs, m) != OVS_OK)
            rc = fail(l, "out of memory");
        *nrecs += (int64_t)m;
    }
    if (rc == OVS_OK)
        rc = check_counts(l, grp, &r);
    reader_close(&r, nf);
    if (grp >= 0)
        H5Gclose(grp);
    return rc;
}

int ovs_h5_load_each(hid_t f, const char *path, const ovs_plan *p, ovs_record_sink sink,
                     void *ctx, int64_t *nrecs, char *err, size_t errlen)
{
    loader l = {.f = f, .p = p, .path = path, .sink = sink, .ctx = ctx, .err = err,
                .errlen = errlen};
    int32_t T0 = 0;
    *nrecs = 0;
    if (!ovs_h5_attr_read(f, "trials", H5T_NATIVE_INT32, &T0, 1) || T0 < 1 || T0 > p->T)
        return fail(&l, "attribute 'trials' is missing or not in 1..%d", p->T);
    l.T0 = T0;
    int rc = OVS_OK;
    for (int g = 0; rc == OVS_OK && g < p->n_groups; g++)
        rc = load_group(&l, g, nrecs);
    if (rc != OVS_OK)
        *nrecs = 0;
    return rc;
}
