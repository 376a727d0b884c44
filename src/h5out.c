/* h5out.c - HDF5 checkpoint writing, probing and loading; see h5out.h and
 * docs/HDF5_LAYOUT.md. */
#include "h5out.h"

#include "status.h"
#include "version.h"

#include <fcntl.h>
#include <hdf5.h>
#include <hdf5_hl.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FORMAT_NAME "ovsweep-sweep"
#define FORMAT_VERSION 1

/* Record the first failure and jump to the function's cleanup. */
#define TRY(expr)                                                                          \
    do {                                                                                   \
        if ((expr) < 0) {                                                                  \
            snprintf(err, errlen, "HDF5 call failed: %s (%s:%d)", #expr, __FILE__, __LINE__); \
            goto fail;                                                                     \
        }                                                                                  \
    } while (0)

static int set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return OVS_EFORMAT;
}

const char *ovs_h5_library_version(void)
{
    static char buf[32];
    unsigned maj, min, rel;
    H5get_libversion(&maj, &min, &rel);
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}

void ovs_h5_temp_path(const char *path, char *out, size_t outlen)
{
    char *a = strdup(path), *b = strdup(path);
    if (!a || !b) {
        snprintf(out, outlen, "%s.ovsweep-tmp", path);
    } else {
        snprintf(out, outlen, "%s/.%s.ovsweep-tmp", dirname(a), basename(b));
    }
    free(a);
    free(b);
}

/* ---- attributes (collective in parallel files: every rank passes identical values) ---- */

static herr_t attr_write(hid_t loc, const char *name, hid_t type, hid_t space, const void *buf)
{
    hid_t a = H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0)
        return -1;
    herr_t rc = H5Awrite(a, type, buf);
    H5Aclose(a);
    return rc;
}

/* Variable-length UTF-8 strings: h5py and xarray read them as str, not bytes. */
static herr_t attr_str(hid_t loc, const char *name, const char *value)
{
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, H5T_VARIABLE);
    H5Tset_cset(type, H5T_CSET_UTF8);
    hid_t space = H5Screate(H5S_SCALAR);
    herr_t rc = attr_write(loc, name, type, space, &value);
    H5Sclose(space);
    H5Tclose(type);
    return rc;
}

static herr_t attr_array(hid_t loc, const char *name, hid_t type, const void *buf, hsize_t n)
{
    hid_t space = n == 0 ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, NULL);
    herr_t rc = attr_write(loc, name, type, space, buf);
    H5Sclose(space);
    return rc;
}

static herr_t attr_scalar(hid_t loc, const char *name, hid_t type, const void *buf)
{
    return attr_array(loc, name, type, buf, 0);
}

/* ---- config ---- */

static void join_acts(const ovs_config *c, char *out, size_t len)
{
    out[0] = '\0';
    for (int a = 0; a < c->act_count; a++) {
        strncat(out, a ? "," : "", len - strlen(out) - 1);
        strncat(out, c->acts[a]->name, len - strlen(out) - 1);
    }
}

static void join_methods(const ovs_config *c, char *out, size_t len)
{
    out[0] = '\0';
    for (int m = 0; m < c->method_count; m++) {
        strncat(out, m ? "," : "", len - strlen(out) - 1);
        strncat(out, ovs_method_name(c->methods[m]), len - strlen(out) - 1);
    }
}

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
    va_list ap;
    for (;;) {
        va_start(ap, fmt);
        int need = vsnprintf(*buf + *len, *cap - *len, fmt, ap);
        va_end(ap);
        if (need < 0)
            return;
        if (*len + (size_t)need < *cap) {
            *len += (size_t)need;
            return;
        }
        size_t ncap = (*cap + (size_t)need) * 2;
        char *nb = realloc(*buf, ncap);
        if (!nb)
            return;
        *buf = nb;
        *cap = ncap;
    }
}

static void append_ints(char **b, size_t *l, size_t *c, const char *key, const int *v, int n)
{
    append(b, l, c, "\"%s\": [", key);
    for (int i = 0; i < n; i++)
        append(b, l, c, "%s%d", i ? ", " : "", v[i]);
    append(b, l, c, "], ");
}

/* The resolved configuration as one JSON object (for the `config` attribute). */
static char *config_json(const ovs_config *c, const ovs_plan *p)
{
    size_t len = 0, cap = 1024;
    char *b = malloc(cap);
    if (!b)
        return NULL;
    b[0] = '\0';
    append(&b, &len, &cap, "{\"protocol_version\": %d, \"method\": [", OVS_PROTOCOL_VERSION);
    for (int m = 0; m < c->method_count; m++)
        append(&b, &len, &cap, "%s\"%s\"", m ? ", " : "", ovs_method_name(c->methods[m]));
    append(&b, &len, &cap, "], \"kernel\": \"%s\", \"precision\": \"%s\", \"early_fail\": %s, "
           "\"diagnostics\": %s, ", ovs_train_kernel_name(c->kernel),
           ovs_train_precision_name(c->precision), c->early_fail ? "true" : "false",
           c->diagnostics ? "true" : "false");
    append(&b, &len, &cap, "\"data\": \"%s\", \"labels\": \"%s\", ",
           ovs_data_name(c->data.inputs), ovs_labels_name(c->data.labels));
    if (c->data.inputs == OVS_DATA_WORST)
        append(&b, &len, &cap, "\"data_delta\": %.17g, ", c->data.delta);
    append(&b, &len, &cap, "\"kd_band\": [%.17g, ", c->kd_band[0]);
    append(&b, &len, &cap, isinf(c->kd_band[1]) ? "null], " : "%.17g], ", c->kd_band[1]);
    append(&b, &len, &cap, "\"seed\": %llu, ", (unsigned long long)c->seed);
    append_ints(&b, &len, &cap, "n", c->n_values, c->n_count);
    append(&b, &len, &cap, "\"activations\": [");
    for (int a = 0; a < c->act_count; a++)
        append(&b, &len, &cap, "%s\"%s\"", a ? ", " : "", c->acts[a]->name);
    append(&b, &len, &cap, "], \"eta\": {");
    for (int a = 0; a < c->act_count; a++)
        append(&b, &len, &cap, "%s\"%s\": %.17g", a ? ", " : "", c->acts[a]->name, c->eta[a]);
    append(&b, &len, &cap, "}, ");
    append_ints(&b, &len, &cap, "k", c->k_values, c->k_count);
    append_ints(&b, &len, &cap, "d", c->d_values, c->d_count);
    append(&b, &len, &cap, "\"trials\": %d, \"max_iter\": %d, \"tol\": %.17g, \"tol_ladder\": [",
           c->trials, c->max_iter, c->tol);
    for (int j = 0; j < p->n_ladder; j++)
        append(&b, &len, &cap, "%s%.17g", j ? ", " : "", p->ladder[j]);
    append(&b, &len, &cap, "]}");
    return b;
}

static herr_t write_root_attrs(hid_t f, const ovs_config *c, const ovs_plan *p,
                               const ovs_provenance *prov, const ovs_h5_summary *s, char *err,
                               size_t errlen)
{
    const int32_t fv = FORMAT_VERSION, pv = OVS_PROTOCOL_VERSION;
    const int32_t trials = c->trials, max_iter = c->max_iter, nr = prov->n_ranks;
    const int32_t complete = s->complete;
    const int64_t total = p->n_planned;
    const uint64_t seed = c->seed;
    const int32_t diagnostics = c->diagnostics;
    const double delta = c->data.inputs == OVS_DATA_WORST ? c->data.delta : NAN;
    char acts[512], methods[64], groups[8192] = "";
    join_acts(c, acts, sizeof acts);
    join_methods(c, methods, sizeof methods);
    for (int g = 0; g < p->n_groups; g++) {
        strncat(groups, g ? "," : "", sizeof groups - strlen(groups) - 1);
        strncat(groups, p->groups[g].name, sizeof groups - strlen(groups) - 1);
    }
    char *json = config_json(c, p);
    if (!json) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    char version[64];
    snprintf(version, sizeof version, "%s", OVS_VERSION);
    TRY(attr_str(f, "ovsweep_format", FORMAT_NAME));
    TRY(attr_scalar(f, "format_version", H5T_NATIVE_INT32, &fv));
    TRY(attr_scalar(f, "protocol_version", H5T_NATIVE_INT32, &pv));
    TRY(attr_str(f, "ovsweep_version", version));
    TRY(attr_str(f, "git_commit", OVS_GIT));
    TRY(attr_str(f, "command_line", c->command_line ? c->command_line : ""));
    TRY(attr_str(f, "config", json));
    TRY(attr_scalar(f, "seed", H5T_NATIVE_UINT64, &seed));
    TRY(attr_array(f, "n_values", H5T_NATIVE_INT, c->n_values, (hsize_t)c->n_count));
    TRY(attr_str(f, "activations", acts));
    TRY(attr_array(f, "k_values", H5T_NATIVE_INT, c->k_values, (hsize_t)c->k_count));
    TRY(attr_array(f, "d_values", H5T_NATIVE_INT, c->d_values, (hsize_t)c->d_count));
    TRY(attr_scalar(f, "trials", H5T_NATIVE_INT32, &trials));
    TRY(attr_scalar(f, "max_iter", H5T_NATIVE_INT32, &max_iter));
    TRY(attr_scalar(f, "tol", H5T_NATIVE_DOUBLE, &c->tol));
    TRY(attr_array(f, "tol_ladder", H5T_NATIVE_DOUBLE, p->ladder, (hsize_t)p->n_ladder));
    TRY(attr_str(f, "method", methods));
    TRY(attr_str(f, "data", ovs_data_name(c->data.inputs)));
    TRY(attr_scalar(f, "data_delta", H5T_NATIVE_DOUBLE, &delta));
    TRY(attr_str(f, "labels", ovs_labels_name(c->data.labels)));
    TRY(attr_array(f, "kd_band", H5T_NATIVE_DOUBLE, c->kd_band, 2));
    TRY(attr_scalar(f, "diagnostics", H5T_NATIVE_INT32, &diagnostics));
    TRY(attr_str(f, "kernel", ovs_train_kernel_name(c->kernel)));
    TRY(attr_str(f, "precision", ovs_train_precision_name(c->precision)));
    const int32_t early_fail = c->early_fail;
    TRY(attr_scalar(f, "early_fail", H5T_NATIVE_INT32, &early_fail));
    TRY(attr_str(f, "groups", groups));
    TRY(attr_scalar(f, "n_ranks", H5T_NATIVE_INT32, &nr));
    TRY(attr_str(f, "start_time_utc", prov->start_time));
    TRY(attr_str(f, "checkpoint_time_utc", prov->checkpoint_time));
    TRY(attr_str(f, "finish_time_utc", prov->finish_time));
    TRY(attr_str(f, "hosts", prov->hosts));
    TRY(attr_str(f, "mpi_library", prov->mpi_library));
    TRY(attr_str(f, "hdf5_version", ovs_h5_library_version()));
    TRY(attr_str(f, "openblas_config", prov->openblas_config));
    TRY(attr_scalar(f, "complete", H5T_NATIVE_INT32, &complete));
    TRY(attr_scalar(f, "trials_done", H5T_NATIVE_INT64, &s->total_done));
    TRY(attr_scalar(f, "trials_total", H5T_NATIVE_INT64, &total));
    free(json);
    return 0;
fail:
    free(json);
    return -1;
}

/* ---- datasets ---- */

/* A per-trial (or per-cell) field: name, HDF5 type, fill value, and where it sits in a
 * record. offset < 0 marks fields computed elsewhere. */
typedef struct field {
    const char *name;
    hid_t type; /* native type, resolved at run time */
    size_t size;
    size_t offset;
    double fill;
} field;

/* The per-trial fields of a plan: the training outcome, and the theory diagnostics when the
 * sweep computes them. */
static void trial_fields(const ovs_plan *p, field *f, int *nf)
{
    const double nan = NAN;
    field t[] = {
        {"success", H5T_NATIVE_INT8, 1, offsetof(ovs_record, success), 0},
        {"diverged", H5T_NATIVE_INT8, 1, offsetof(ovs_record, diverged), 0},
        {"early_stopped", H5T_NATIVE_INT8, 1, offsetof(ovs_record, early_stopped), 0},
        {"iterations", H5T_NATIVE_INT32, 4, offsetof(ovs_record, iterations), -1},
        {"final_rel_err", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, final_rel_err), nan},
        {"dist_from_init", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, dist_from_init), nan},
        {"path_length", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, path_length), nan},
        {"wall_seconds", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, wall_seconds), nan},
        {"x_norm", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, x_norm), nan},
        {"kr_sigma_min", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, kr_sigma_min), nan},
        {"nn_lambda", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, nn_lambda), nan},
        {"jac_sigma_min", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, jac_sigma_min), nan},
        {"initial_rel_err", H5T_NATIVE_DOUBLE, 8, offsetof(ovs_record, initial_rel_err), nan},
    };
    const int n_diagnostics = 5;
    *nf = (int)(sizeof t / sizeof t[0]) - (p->diagnostics ? 0 : n_diagnostics);
    memcpy(f, t, sizeof t);
}

/* Fill value of the right type for field fd. */
static void fill_bytes(const field *fd, void *out)
{
    if (fd->size == 1)
        *(int8_t *)out = (int8_t)fd->fill;
    else if (fd->size == 4)
        *(int32_t *)out = (int32_t)fd->fill;
    else
        *(double *)out = fd->fill;
}

static hid_t create_dataset(hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const void *fill)
{
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY);
    if (fill) {
        H5Pset_fill_value(dcpl, type, fill);
        H5Pset_fill_time(dcpl, H5D_FILL_TIME_ALLOC);
    }
    hid_t d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    H5Pclose(dcpl);
    H5Sclose(space);
    return d;
}

/* Collective write in which only rank 0 contributes (the whole dataset). */
static herr_t write_by_root(hid_t dset, hid_t type, const void *buf, int rank, hid_t dxpl)
{
    hid_t fspace = H5Dget_space(dset);
    hid_t mspace = H5Scopy(fspace);
    if (rank != 0) {
        H5Sselect_none(fspace);
        H5Sselect_none(mspace);
    }
    herr_t rc = H5Dwrite(dset, type, mspace, fspace, dxpl, buf);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc;
}

/* Collective write of m elements at the given coordinates (m may be 0 on some ranks). */
static herr_t write_points(hid_t dset, hid_t type, const void *buf, const hsize_t *coords,
                           size_t m, hid_t dxpl)
{
    hid_t fspace = H5Dget_space(dset);
    hsize_t mdim = m > 0 ? m : 1;
    hid_t mspace = H5Screate_simple(1, &mdim, NULL);
    if (m > 0) {
        H5Sselect_elements(fspace, H5S_SELECT_SET, m, coords);
    } else {
        H5Sselect_none(fspace);
        H5Sselect_none(mspace);
    }
    herr_t rc = H5Dwrite(dset, type, mspace, fspace, dxpl, buf);
    H5Sclose(mspace);
    H5Sclose(fspace);
    return rc;
}

typedef struct scales {
    hid_t k, d, trial, ladder;
} scales;

static hid_t make_scale(hid_t g, const char *name, hid_t type, hsize_t n, const void *buf,
                        int rank, hid_t dxpl)
{
    hid_t s = create_dataset(g, name, type, 1, &n, NULL);
    if (s < 0 || write_by_root(s, type, buf, rank, dxpl) < 0 || H5DSset_scale(s, name) < 0)
        return -1;
    return s;
}

static herr_t attach(hid_t dset, const scales *sc, int rank)
{
    const hid_t order[] = {sc->k, sc->d, sc->trial, sc->ladder};
    for (int i = 0; i < rank; i++)
        if (H5DSattach_scale(dset, order[i], (unsigned)i) < 0)
            return -1;
    return 0;
}

static herr_t group_attrs(hid_t loc, const ovs_plan *p, const ovs_group *gr)
{
    const int32_t n = gr->n, max_iter = p->max_iter;
    if (attr_scalar(loc, "n", H5T_NATIVE_INT32, &n) < 0 ||
        attr_str(loc, "activation", gr->act->name) < 0 ||
        attr_str(loc, "method", ovs_method_name(gr->method)) < 0 ||
        attr_str(loc, "iteration_unit", ovs_method_iteration_unit(gr->method)) < 0 ||
        attr_scalar(loc, "eta", H5T_NATIVE_DOUBLE, &gr->eta) < 0 ||
        attr_scalar(loc, "max_iter", H5T_NATIVE_INT32, &max_iter) < 0 ||
        attr_scalar(loc, "tol", H5T_NATIVE_DOUBLE, &p->tol) < 0)
        return -1;
    return 0;
}

/* Cell summaries [K][D] of group g: success probability (NaN where no trial is done) and
 * the two counts; only rank 0 contributes data. */
static int write_summaries(hid_t grp, const ovs_plan *p, int g, const ovs_h5_summary *s,
                           const scales *sc, int rank, hid_t dxpl, char *err, size_t errlen)
{
    const size_t kd = (size_t)p->K * (size_t)p->D;
    const int32_t *cnt = s->success_count + (size_t)g * kd, *done = s->trials_done + (size_t)g * kd;
    double *prob = malloc(sizeof(double) * kd);
    int8_t *planned = malloc(kd);
    if (!prob || !planned) {
        free(prob);
        free(planned);
        snprintf(err, errlen, "out of memory");
        return OVS_ENOMEM;
    }
    for (size_t i = 0; i < kd; i++) {
        prob[i] = done[i] > 0 ? (double)cnt[i] / done[i] : NAN;
        planned[i] = (int8_t)ovs_plan_cell_planned(p, g, (int)(i / (size_t)p->D),
                                                   (int)(i % (size_t)p->D));
    }
    const struct {
        const char *name;
        hid_t type;
        const void *buf;
    } sets[] = {{"success_prob", H5T_NATIVE_DOUBLE, prob},
                {"success_count", H5T_NATIVE_INT32, cnt},
                {"trials_done", H5T_NATIVE_INT32, done},
                {"planned", H5T_NATIVE_INT8, planned}};
    hsize_t dims[2] = {(hsize_t)p->K, (hsize_t)p->D};
    hid_t ds = -1;
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
        TRY(ds = create_dataset(grp, sets[i].name, sets[i].type, 2, dims, NULL));
        TRY(write_by_root(ds, sets[i].type, sets[i].buf, rank, dxpl));
        TRY(attach(ds, sc, 2));
        if (i == 0)
            TRY(group_attrs(ds, p, &p->groups[g]));
        H5Dclose(ds);
        ds = -1;
    }
    free(prob);
    free(planned);
    return OVS_OK;
fail:
    if (ds >= 0)
        H5Dclose(ds);
    free(prob);
    free(planned);
    return OVS_EIO;
}

/* Per-trial datasets of group g: this rank writes its records recs[0..m) (all in group g)
 * at their (k, d, trial) coordinates; every rank joins every collective write. */
static int write_trials(hid_t grp, const ovs_plan *p, const ovs_record *recs, size_t m,
                        const scales *sc, hid_t dxpl, char *err, size_t errlen)
{
    const int L = p->n_ladder;
    hsize_t *coords = malloc(sizeof(hsize_t) * 4 * (m * (size_t)L + 1));
    unsigned char *buf = malloc(8 * (m * (size_t)L + 1));
    hid_t ds = -1;
    if (!coords || !buf) {
        free(coords);
        free(buf);
        snprintf(err, errlen, "out of memory");
        return OVS_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        ovs_item it;
        ovs_plan_item(p, recs[i].item, &it);
        coords[3 * i] = (hsize_t)it.ki;
        coords[3 * i + 1] = (hsize_t)it.di;
        coords[3 * i + 2] = (hsize_t)it.t;
    }
    hsize_t dims[4] = {(hsize_t)p->K, (hsize_t)p->D, (hsize_t)p->T, (hsize_t)L};
    field fields[16];
    int nf;
    trial_fields(p, fields, &nf);
    const int8_t zero = 0, one = 1;
    TRY(ds = create_dataset(grp, "done", H5T_NATIVE_INT8, 3, dims, &zero));
    memset(buf, one, m);
    TRY(write_points(ds, H5T_NATIVE_INT8, buf, coords, m, dxpl));
    TRY(attach(ds, sc, 3));
    H5Dclose(ds);
    for (int f = 0; f < nf; f++) {
        unsigned char fill[8];
        fill_bytes(&fields[f], fill);
        for (size_t i = 0; i < m; i++)
            memcpy(buf + i * fields[f].size, (const char *)&recs[i] + fields[f].offset,
                   fields[f].size);
        TRY(ds = create_dataset(grp, fields[f].name, fields[f].type, 3, dims, fill));
        TRY(write_points(ds, fields[f].type, buf, coords, m, dxpl));
        TRY(attach(ds, sc, 3));
        H5Dclose(ds);
    }
    /* ladder_hit_iter [K][D][T][L]: L points per record. */
    for (size_t i = m; i-- > 0;)
        for (int j = L - 1; j >= 0; j--) {
            size_t q = i * (size_t)L + (size_t)j;
            coords[4 * q] = coords[3 * i];
            coords[4 * q + 1] = coords[3 * i + 1];
            coords[4 * q + 2] = coords[3 * i + 2];
            coords[4 * q + 3] = (hsize_t)j;
        }
    int32_t *hits = (int32_t *)buf;
    for (size_t i = 0; i < m; i++)
        for (int j = 0; j < L; j++)
            hits[i * (size_t)L + (size_t)j] = recs[i].ladder_hit[j];
    const int32_t minus1 = -1;
    TRY(ds = create_dataset(grp, "ladder_hit_iter", H5T_NATIVE_INT32, 4, dims, &minus1));
    TRY(write_points(ds, H5T_NATIVE_INT32, hits, coords, m * (size_t)L, dxpl));
    TRY(attach(ds, sc, 4));
    H5Dclose(ds);
    free(coords);
    free(buf);
    return OVS_OK;
fail:
    if (ds >= 0)
        H5Dclose(ds);
    free(coords);
    free(buf);
    return OVS_EIO;
}

static int write_group(hid_t f, const ovs_plan *p, int g, const ovs_h5_summary *s,
                       const ovs_record *recs, size_t m, int rank, hid_t dxpl, char *err,
                       size_t errlen)
{
    scales sc = {-1, -1, -1, -1};
    int rc = OVS_EIO;
    int32_t *trial_ids = malloc(sizeof(int32_t) * (size_t)p->T);
    hid_t grp = H5Gcreate2(f, p->groups[g].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (!trial_ids || grp < 0) {
        snprintf(err, errlen, "cannot create group %s", p->groups[g].name);
        goto fail;
    }
    for (int t = 0; t < p->T; t++)
        trial_ids[t] = t;
    TRY(group_attrs(grp, p, &p->groups[g]));
    TRY(sc.k = make_scale(grp, "k", H5T_NATIVE_INT, (hsize_t)p->K, p->k, rank, dxpl));
    TRY(sc.d = make_scale(grp, "d", H5T_NATIVE_INT, (hsize_t)p->D, p->d, rank, dxpl));
    TRY(sc.trial = make_scale(grp, "trial", H5T_NATIVE_INT32, (hsize_t)p->T, trial_ids, rank,
                              dxpl));
    TRY(sc.ladder = make_scale(grp, "tol_ladder", H5T_NATIVE_DOUBLE, (hsize_t)p->n_ladder,
                               p->ladder, rank, dxpl));
    rc = write_summaries(grp, p, g, s, &sc, rank, dxpl, err, errlen);
    if (rc == OVS_OK)
        rc = write_trials(grp, p, recs, m, &sc, dxpl, err, errlen);
fail:
    if (sc.k >= 0)
        H5Dclose(sc.k);
    if (sc.d >= 0)
        H5Dclose(sc.d);
    if (sc.trial >= 0)
        H5Dclose(sc.trial);
    if (sc.ladder >= 0)
        H5Dclose(sc.ladder);
    if (grp >= 0)
        H5Gclose(grp);
    free(trial_ids);
    return rc;
}

/* Make the new file durable, then atomically replace path with it (rank 0 only). */
static int commit_file(const char *tmp, const char *path, char *err, size_t errlen)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "%s: cannot sync the new checkpoint", tmp);
        return OVS_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename the checkpoint into place", path);
        return OVS_EIO;
    }
    char *copy = strdup(path);
    if (copy) {
        int dfd = open(dirname(copy), O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        free(copy);
    }
    return OVS_OK;
}

int ovs_h5_write(MPI_Comm comm, const char *path, const ovs_config *cfg, const ovs_plan *p,
                 const ovs_provenance *prov, const ovs_h5_summary *s, const ovs_record *recs,
                 int64_t nrecs, char *err, size_t errlen)
{
    int rank, rc = OVS_EIO;
    MPI_Comm_rank(comm, &rank);
    char tmp[OVS_PATH_MAX + 32];
    ovs_h5_temp_path(path, tmp, sizeof tmp);
    err[0] = '\0';
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS), dxpl = H5Pcreate(H5P_DATASET_XFER), f = -1;
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_coll_metadata_write(fapl, 1);
    H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE);
    H5E_BEGIN_TRY { f = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl); }
    H5E_END_TRY;
    if (f < 0) {
        snprintf(err, errlen, "%s: cannot create the checkpoint file", tmp);
        goto done;
    }
    if (write_root_attrs(f, cfg, p, prov, s, err, errlen) < 0)
        goto done;
    const int64_t per_group = (int64_t)p->K * p->D * p->T;
    int64_t lo = 0;
    for (int g = 0; g < p->n_groups; g++) {
        int64_t hi = lo;
        while (hi < nrecs && recs[hi].item < (g + 1) * per_group)
            hi++;
        rc = write_group(f, p, g, s, recs + lo, (size_t)(hi - lo), rank, dxpl, err, errlen);
        if (rc != OVS_OK)
            goto done;
        lo = hi;
    }
    rc = OVS_OK;
done:
    if (f >= 0 && H5Fclose(f) < 0 && rc == OVS_OK) {
        snprintf(err, errlen, "%s: closing the checkpoint file failed", tmp);
        rc = OVS_EIO;
    }
    H5Pclose(fapl);
    H5Pclose(dxpl);
    /* Agree on the outcome before rank 0 replaces the old file. */
    int worst = rc;
    MPI_Allreduce(&rc, &worst, 1, MPI_INT, MPI_MAX, comm);
    if (worst == OVS_OK && rank == 0)
        worst = commit_file(tmp, path, err, errlen);
    MPI_Bcast(&worst, 1, MPI_INT, 0, comm);
    if (worst != OVS_OK && err[0] == '\0')
        snprintf(err, errlen, "%s: writing the checkpoint failed on another rank", path);
    return worst;
}

/* ---- probing and loading (one rank, serial driver) ---- */

static int read_attr(hid_t loc, const char *name, hid_t type, void *buf, size_t max_elems)
{
    hid_t a = -1, space = -1;
    int ok = 0;
    H5E_BEGIN_TRY
    {
        if (H5Aexists(loc, name) > 0 && (a = H5Aopen(loc, name, H5P_DEFAULT)) >= 0) {
            space = H5Aget_space(a);
            hssize_t n = H5Sget_simple_extent_npoints(space);
            if (n >= 0 && (size_t)n <= max_elems && H5Aread(a, type, buf) >= 0)
                ok = (int)(n > 0 ? n : 1);
        }
    }
    H5E_END_TRY;
    if (space >= 0)
        H5Sclose(space);
    if (a >= 0)
        H5Aclose(a);
    return ok; /* number of elements read, 0 on failure */
}

static int read_attr_str(hid_t loc, const char *name, char *out, size_t outlen)
{
    hid_t a = -1, type = -1, mem = -1;
    int ok = 0;
    out[0] = '\0';
    H5E_BEGIN_TRY
    {
        if (H5Aexists(loc, name) > 0 && (a = H5Aopen(loc, name, H5P_DEFAULT)) >= 0) {
            type = H5Aget_type(a);
            if (H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0) {
                char *value = NULL;
                mem = H5Tcopy(H5T_C_S1);
                H5Tset_size(mem, H5T_VARIABLE);
                H5Tset_cset(mem, H5Tget_cset(type));
                if (H5Aread(a, mem, &value) >= 0 && value) {
                    ok = strlen(value) < outlen;
                    if (ok)
                        strcpy(out, value);
                    H5free_memory(value);
                }
            }
        }
    }
    H5E_END_TRY;
    if (mem >= 0)
        H5Tclose(mem);
    if (type >= 0)
        H5Tclose(type);
    if (a >= 0)
        H5Aclose(a);
    return ok;
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
    char fmt[64];
    if (read_attr_str(f, "ovsweep_format", fmt, sizeof fmt) && strcmp(fmt, FORMAT_NAME) == 0) {
        int32_t complete = 0;
        info->is_ovsweep = read_attr(f, "complete", H5T_NATIVE_INT32, &complete, 1) &&
                           read_attr(f, "trials_done", H5T_NATIVE_INT64, &info->trials_done, 1) &&
                           read_attr(f, "trials_total", H5T_NATIVE_INT64, &info->trials_total, 1);
        info->complete = complete;
    }
    H5Fclose(f);
    return OVS_OK;
}

static int same_ints(const int *a, int na, const int *b, int nb)
{
    return na == nb && memcmp(a, b, sizeof(int) * (size_t)na) == 0;
}

/* A string attribute that files from before it existed lack: read it or take the default. */
static void read_attr_str_or(hid_t f, const char *name, const char *dflt, char *out, size_t len)
{
    if (!read_attr_str(f, name, out, len))
        snprintf(out, len, "%s", dflt);
}

/* The settings added after format 1's first files (--method, --precision, --data, --delta,
 * --labels, --kd-band, --diagnostics); absent attributes mean the paper's defaults. */
static int check_extensions(hid_t f, const char *path, const ovs_config *c, char *err,
                            size_t errlen)
{
    char have[64], want[64];
    join_methods(c, want, sizeof want);
    read_attr_str_or(f, "method", "gd", have, sizeof have);
    if (strcmp(have, want) != 0)
        return set_err(err, errlen, "%s: --method differs (file %s, command %s)", path, have,
                       want);
    read_attr_str_or(f, "precision", "double", have, sizeof have);
    if (strcmp(have, ovs_train_precision_name(c->precision)) != 0)
        return set_err(err, errlen, "%s: --precision differs (file %s, command %s)", path, have,
                       ovs_train_precision_name(c->precision));
    read_attr_str_or(f, "data", "sphere", have, sizeof have);
    if (strcmp(have, ovs_data_name(c->data.inputs)) != 0)
        return set_err(err, errlen, "%s: --data differs (file %s, command %s)", path, have,
                       ovs_data_name(c->data.inputs));
    double delta = NAN, want_delta = c->data.inputs == OVS_DATA_WORST ? c->data.delta : NAN;
    read_attr(f, "data_delta", H5T_NATIVE_DOUBLE, &delta, 1);
    if (!(delta == want_delta || (isnan(delta) && isnan(want_delta))))
        return set_err(err, errlen, "%s: --delta differs (file %.17g, command %.17g)", path,
                       delta, want_delta);
    read_attr_str_or(f, "labels", "gaussian", have, sizeof have);
    if (strcmp(have, ovs_labels_name(c->data.labels)) != 0)
        return set_err(err, errlen, "%s: --labels differs (file %s, command %s)", path, have,
                       ovs_labels_name(c->data.labels));
    double band[2] = {0.0, INFINITY};
    read_attr(f, "kd_band", H5T_NATIVE_DOUBLE, band, 2);
    if (band[0] != c->kd_band[0] || band[1] != c->kd_band[1])
        return set_err(err, errlen, "%s: --kd-band differs (file %g:%g, command %g:%g)", path,
                       band[0], band[1], c->kd_band[0], c->kd_band[1]);
    int32_t diagnostics = 0;
    read_attr(f, "diagnostics", H5T_NATIVE_INT32, &diagnostics, 1);
    if (diagnostics != c->diagnostics)
        return set_err(err, errlen, "%s: --diagnostics differs (file %s, command %s)", path,
                       diagnostics ? "on" : "off", c->diagnostics ? "on" : "off");
    return OVS_OK;
}

/* Compare the stored configuration with cfg; name the first difference. */
static int check_config(hid_t f, const char *path, const ovs_config *c, const ovs_plan *p,
                        char *err, size_t errlen)
{
    int32_t fv = 0, pv = 0, trials = 0, max_iter = 0;
    uint64_t seed = 0;
    double tol = 0, ladder[OVS_LADDER_MAX];
    int ints[OVS_MAX_GRID];
    char acts[512], want_acts[512];
    int n, rc;
    if (!read_attr(f, "format_version", H5T_NATIVE_INT32, &fv, 1) || fv != FORMAT_VERSION)
        return set_err(err, errlen, "%s: unsupported ovsweep format version %d", path, fv);
    if (!read_attr(f, "protocol_version", H5T_NATIVE_INT32, &pv, 1) || pv != OVS_PROTOCOL_VERSION)
        return set_err(err, errlen, "%s: protocol version %d differs from this ovsweep's %d",
                       path, pv, OVS_PROTOCOL_VERSION);
    if (!read_attr(f, "seed", H5T_NATIVE_UINT64, &seed, 1) || seed != c->seed)
        return set_err(err, errlen, "%s: --seed differs (file %llu, command %llu)", path,
                       (unsigned long long)seed, (unsigned long long)c->seed);
    n = read_attr(f, "n_values", H5T_NATIVE_INT, ints, OVS_MAX_GRID);
    if (!same_ints(ints, n, c->n_values, c->n_count))
        return set_err(err, errlen, "%s: --n differs from the file's", path);
    join_acts(c, want_acts, sizeof want_acts);
    if (!read_attr_str(f, "activations", acts, sizeof acts) || strcmp(acts, want_acts) != 0)
        return set_err(err, errlen, "%s: --act differs (file %s, command %s)", path, acts,
                       want_acts);
    n = read_attr(f, "k_values", H5T_NATIVE_INT, ints, OVS_MAX_GRID);
    if (!same_ints(ints, n, c->k_values, c->k_count))
        return set_err(err, errlen, "%s: --k differs from the file's", path);
    n = read_attr(f, "d_values", H5T_NATIVE_INT, ints, OVS_MAX_GRID);
    if (!same_ints(ints, n, c->d_values, c->d_count))
        return set_err(err, errlen, "%s: --d differs from the file's", path);
    if (!read_attr(f, "max_iter", H5T_NATIVE_INT32, &max_iter, 1) || max_iter != c->max_iter)
        return set_err(err, errlen, "%s: --max-iter differs (file %d, command %d)", path,
                       max_iter, c->max_iter);
    if (!read_attr(f, "tol", H5T_NATIVE_DOUBLE, &tol, 1) || tol != c->tol)
        return set_err(err, errlen, "%s: --tol differs (file %.17g, command %.17g)", path, tol,
                       c->tol);
    char kernel[32];
    if (!read_attr_str(f, "kernel", kernel, sizeof kernel) ||
        strcmp(kernel, ovs_train_kernel_name(c->kernel)) != 0)
        return set_err(err, errlen, "%s: --kernel differs (file %s, command %s)", path, kernel,
                       ovs_train_kernel_name(c->kernel));
    int32_t early_fail = 0; /* files from before --early-fail existed: off */
    read_attr(f, "early_fail", H5T_NATIVE_INT32, &early_fail, 1);
    if (early_fail != c->early_fail)
        return set_err(err, errlen, "%s: --early-fail differs (file %s, command %s)", path,
                       early_fail == 1 ? "on" : "off", c->early_fail ? "on" : "off");
    rc = check_extensions(f, path, c, err, errlen);
    if (rc != OVS_OK)
        return rc;
    n = read_attr(f, "tol_ladder", H5T_NATIVE_DOUBLE, ladder, OVS_LADDER_MAX);
    if (n != p->n_ladder || memcmp(ladder, p->ladder, sizeof(double) * (size_t)n) != 0)
        return set_err(err, errlen, "%s: the tolerance ladder differs", path);
    for (int g = 0; g < p->n_groups; g++) {
        double eta = 0;
        hid_t grp = -1;
        H5E_BEGIN_TRY { grp = H5Gopen2(f, p->groups[g].name, H5P_DEFAULT); }
        H5E_END_TRY;
        int ok = grp >= 0 && read_attr(grp, "eta", H5T_NATIVE_DOUBLE, &eta, 1);
        if (grp >= 0)
            H5Gclose(grp);
        if (!ok)
            return set_err(err, errlen, "%s: group %s is missing", path, p->groups[g].name);
        if (eta != p->groups[g].eta)
            return set_err(err, errlen, "%s: --eta for %s differs (file %.17g, command %.17g)",
                           path, p->groups[g].act->name, eta, p->groups[g].eta);
    }
    if (!read_attr(f, "trials", H5T_NATIVE_INT32, &trials, 1) || trials > c->trials)
        return set_err(err, errlen, "%s: --trials %d is fewer than the file's %d", path,
                       c->trials, trials);
    return OVS_OK;
}

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

/* Load the done trials of group g (stored with T0 trials per cell) into recs. */
static int load_group(hid_t f, const ovs_plan *p, int g, int T0, ovs_record *recs,
                      int64_t *nrecs, char *err, size_t errlen)
{
    const size_t cells = (size_t)p->K * p->D, n = cells * (size_t)T0, L = (size_t)p->n_ladder;
    int8_t *done = malloc(n);
    unsigned char *buf = malloc(8 * n * L + 8);
    hid_t grp = -1;
    int rc = OVS_EFORMAT;
    field fields[16];
    int nf;
    trial_fields(p, fields, &nf);
    H5E_BEGIN_TRY { grp = H5Gopen2(f, p->groups[g].name, H5P_DEFAULT); }
    H5E_END_TRY;
    if (!done || !buf || grp < 0 || !read_dataset(grp, "done", H5T_NATIVE_INT8, done)) {
        set_err(err, errlen, "group %s: cannot read 'done'", p->groups[g].name);
        goto out;
    }
    int64_t first = *nrecs;
    for (size_t i = 0; i < n; i++)
        if (done[i]) {
            size_t cell = i / (size_t)T0, t = i % (size_t)T0;
            ovs_record *r = &recs[(*nrecs)++];
            memset(r, 0, sizeof *r);
            r->item = ((int64_t)g * (int64_t)cells + (int64_t)cell) * p->T + (int64_t)t;
        }
    for (int fi = 0; fi < nf; fi++) {
        if (strcmp(fields[fi].name, "early_stopped") == 0 &&
            !read_dataset(grp, fields[fi].name, fields[fi].type, buf)) {
            memset(buf, 0, n); /* written since --early-fail exists; absent means 0 */
            continue;
        }
        if (!read_dataset(grp, fields[fi].name, fields[fi].type, buf)) {
            set_err(err, errlen, "group %s: cannot read '%s'", p->groups[g].name, fields[fi].name);
            goto out;
        }
        int64_t q = first;
        for (size_t i = 0; i < n; i++)
            if (done[i])
                memcpy((char *)&recs[q++] + fields[fi].offset, buf + i * fields[fi].size,
                       fields[fi].size);
    }
    if (!read_dataset(grp, "ladder_hit_iter", H5T_NATIVE_INT32, buf)) {
        set_err(err, errlen, "group %s: cannot read 'ladder_hit_iter'", p->groups[g].name);
        goto out;
    }
    int64_t q = first;
    for (size_t i = 0; i < n; i++)
        if (done[i]) {
            for (size_t j = 0; j < OVS_LADDER_MAX; j++)
                recs[q].ladder_hit[j] = j < L ? ((int32_t *)buf)[i * L + j] : -1;
            q++;
        }
    rc = OVS_OK;
out:
    if (grp >= 0)
        H5Gclose(grp);
    free(done);
    free(buf);
    return rc;
}

int ovs_h5_load(const char *path, const ovs_config *cfg, const ovs_plan *p, ovs_record **recs,
                int64_t *nrecs, char *err, size_t errlen)
{
    *recs = NULL;
    *nrecs = 0;
    hid_t f = open_serial(path);
    if (f < 0)
        return set_err(err, errlen, "%s: not an HDF5 file (or truncated)", path);
    int32_t T0 = 0;
    int rc = check_config(f, path, cfg, p, err, errlen);
    if (rc == OVS_OK && !read_attr(f, "trials", H5T_NATIVE_INT32, &T0, 1))
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
