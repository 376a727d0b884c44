/* h5write.c - one complete ovsweep file, written collectively; see h5write.h. */
#include "h5write.h"

#include "h5attr.h"
#include "h5design.h"
#include "h5writer.h"
#include "h5schema.h"
#include "method.h"
#include "settings_text.h"
#include "status.h"
#include "version.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ovs_h5_library_version(void)
{
    static char buf[32];
    unsigned maj = 0, min = 0, rel = 0;
    if (H5get_libversion(&maj, &min, &rel) < 0)
        return "unknown";
    snprintf(buf, sizeof buf, "%u.%u.%u", maj, min, rel);
    return buf;
}

/* ---- the size estimate ---- */

/* What the file takes beyond its values, measured with h5stat on files of every shape (1 to
 * 12 groups, 18 to 28 datasets a group, T = 2 to 5000; HDF5 1.10):
 * - EST_FILE: the superblock, the root group and its attributes (the settings, their JSON,
 *   the provenance): 8.2-11.8 KiB;
 * - EST_DATASET: a dataset's object header (its attributes: long_name, units, flags, the
 *   dimension scales' references), its entry in the group's symbol table and heap, and its
 *   share of the global heap (DIMENSION_LIST): 670-1010 bytes, the group's own header and
 *   symbol table included. */
enum { EST_FILE = 12 * 1024, EST_DATASET = 1024 };

/* A version-1 B-tree node of the chunk index of a rank-r dataset (the 1.8 format; the
 * default K = 32 of H5Pset_istore_k, so 64 children): a 24-byte header, 2K + 1 keys (chunk
 * size, filter mask, r + 1 offsets) and 2K child addresses. 3136 bytes at rank 3, whatever
 * the chunk count up to 64 (h5stat's "Chunked datasets: Index" matches it to the byte). */
static double btree_node_bytes(int rank)
{
    const double key = 4.0 + 4.0 + 8.0 * (rank + 1);
    return 24.0 + 65.0 * key + 64.0 * 8.0;
}

/* One dataset as ovs_writer_dataset stores it: contiguous (the scales), or chunked with
 * Fletcher32 (everything else), where every chunk is stored whole, edge chunks included,
 * with its 4-byte checksum, and the chunk index takes one B-tree node up to 64 chunks (more
 * chunks: leaves at least half full, and the nodes above them). */
static double dataset_bytes(int rank, const hsize_t *dims, ovs_elem type, int chunked)
{
    const size_t elem = ovs_elem_size(type);
    double values = (double)elem;
    for (int i = 0; i < rank; i++)
        values *= (double)dims[i];
    if (!chunked)
        return EST_DATASET + values;
    hsize_t chunk[4];
    ovs_writer_chunk_dims(rank, dims, elem, chunk);
    double chunks = 1.0, per = (double)elem;
    for (int i = 0; i < rank; i++) {
        chunks *= ceil((double)dims[i] / (double)chunk[i]);
        per *= (double)chunk[i];
    }
    const double nodes = chunks <= 64.0 ? 1.0 : ceil(chunks / 32.0) + ceil(chunks / 1024.0);
    return EST_DATASET + chunks * (per + 4.0) + nodes * btree_node_bytes(rank);
}

/* Rounds the adaptive design's history is counted at: as many as its trainings fill at
 * --batch a round (a design that stops early writes fewer; one whose last rounds are not
 * full, a few more). */
static double history_rounds(const ovs_plan *p)
{
    const ovs_config *c = p->cfg;
    double trainings = (double)p->n_planned;
    if (c->max_trainings > 0 && (double)c->max_trainings * p->n_groups < trainings)
        trainings = (double)c->max_trainings * p->n_groups;
    return ceil(trainings / (c->batch > 0 ? c->batch : 1));
}

/* The adaptive design's datasets in a group: six per row [D], and the history's round
 * scale [R], trainings [R] and intervals [R][D]. */
static double design_bytes(const ovs_plan *p)
{
    const hsize_t D = (hsize_t)p->D, R = (hsize_t)history_rounds(p), RD[2] = {R, D};
    return 4 * dataset_bytes(1, &D, OVS_ELEM_F64, 1) + dataset_bytes(1, &D, OVS_ELEM_I32, 1) +
           dataset_bytes(1, &D, OVS_ELEM_I8, 1) + dataset_bytes(1, &R, OVS_ELEM_I32, 0) +
           dataset_bytes(1, &R, OVS_ELEM_I32, 1) + 2 * dataset_bytes(2, RD, OVS_ELEM_F64, 1);
}

/* The file's size, counted dataset by dataset as write_group lays each group out: measured
 * within a few percent from 3 x 3 x 2 trials to the Figure-2 grid and 400k trials
 * (tests/estimate_test.sh checks it against real runs). */
double ovs_h5_estimate_bytes(const ovs_plan *p)
{
    const hsize_t K = (hsize_t)p->K, D = (hsize_t)p->D, T = (hsize_t)p->T;
    const hsize_t L = (hsize_t)p->n_ladder, kd[2] = {K, D}, kdt[4] = {K, D, T, L};
    /* the scales k, d, trial, tol_ladder (contiguous) */
    double group = dataset_bytes(1, &K, OVS_ELEM_I32, 0) + dataset_bytes(1, &D, OVS_ELEM_I32, 0) +
                   dataset_bytes(1, &T, OVS_ELEM_I32, 0) + dataset_bytes(1, &L, OVS_ELEM_F64, 0);
    const ovs_cell_field *cells;
    const int nc = ovs_schema_cell_fields(&cells);
    for (int i = 0; i < nc; i++)
        group += dataset_bytes(2, kd, cells[i].type, 1);
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    group += dataset_bytes(3, kdt, OVS_ELEM_I8, 1); /* done */
    for (int f = 0; f < nf; f++)
        if (ovs_schema_field_stored(&fields[f], p->cfg))
            group += dataset_bytes(3, kdt, fields[f].type, 1);
    group += dataset_bytes(4, kdt, OVS_ELEM_I32, 1); /* the ladder's first hits */
    if (p->cfg->design == OVS_DESIGN_ADAPTIVE)
        group += design_bytes(p);
    return EST_FILE + p->n_groups * group;
}

/* ---- root attributes ---- */

/* A setting as the attribute of its row: a typed value the reader compares as text. */
static void write_setting(ovs_writer *w, hid_t loc, const ovs_setting *s, const ovs_config *c)
{
    const void *f = (const char *)c + s->field;
    const int applies = !s->applies || s->applies(c);
    const int count = s->count_field ? *(const int *)((const char *)c + s->count_field) : 0;
    int32_t i32;
    switch (s->kind) {
    case OVS_SET_INTS: H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_INT, f, (size_t)count)); break;
    case OVS_SET_NAMES:
    case OVS_SET_NAME:
    case OVS_SET_PATH: {
        ovs_strbuf b = OVS_STRBUF_INIT;
        ovs_setting_format(s, c, &b);
        if (!ovs_strbuf_str(&b))
            OVS_WRITER_NO_MEMORY(w);
        else
            H5C(w, ovs_h5_attr_write_str(loc, s->attr, ovs_strbuf_str(&b)));
        ovs_strbuf_free(&b);
        break;
    }
    case OVS_SET_INT:
    case OVS_SET_FLAG:
        i32 = *(const int *)f;
        H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_INT32, &i32, 0));
        break;
    case OVS_SET_SEED: H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_UINT64, f, 0)); break;
    case OVS_SET_REAL: {
        const double x = applies ? *(const double *)f : NAN;
        H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_DOUBLE, &x, 0));
        break;
    }
    case OVS_SET_BAND: H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_DOUBLE, f, 2)); break;
    case OVS_SET_SHARD: {
        const int32_t part[2] = {((const int *)f)[0], ((const int *)f)[1]};
        H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_INT32, part, 2));
        break;
    }
    case OVS_SET_COUNT: {
        const int64_t v = *(const long *)f;
        H5C(w, ovs_h5_attr_write(loc, s->attr, H5T_NATIVE_INT64, &v, 0));
        break;
    }
    case OVS_SET_ETA:
    case OVS_SET_ACTION: break; /* not root attributes */
    }
}

static void write_str(ovs_writer *w, const char *name, const char *value)
{
    H5C(w, ovs_h5_attr_write_str(w->file, name, value));
}

static void write_i32(ovs_writer *w, const char *name, int32_t v)
{
    H5C(w, ovs_h5_attr_write(w->file, name, H5T_NATIVE_INT32, &v, 0));
}

static void write_i64(ovs_writer *w, const char *name, int64_t v)
{
    H5C(w, ovs_h5_attr_write(w->file, name, H5T_NATIVE_INT64, &v, 0));
}

/* Format, configuration (the settings rows, and their JSON), provenance and progress. */
static void write_root_attrs(ovs_writer *w, const ovs_provenance *prov, const ovs_h5_summary *s)
{
    const ovs_plan *p = w->plan;
    const ovs_config *c = p->cfg;
    write_str(w, "ovsweep_format", OVS_FORMAT_NAME);
    write_str(w, "Conventions", OVS_CONVENTIONS);
    write_i32(w, "format_version", OVS_FORMAT_VERSION);
    write_i32(w, "protocol_version", OVS_PROTOCOL_VERSION);
    write_str(w, "ovsweep_version", OVS_VERSION);
    write_str(w, "git_commit", OVS_GIT);
    write_str(w, "command_line", c->command_line ? c->command_line : "");
    ovs_strbuf json = OVS_STRBUF_INIT, groups = OVS_STRBUF_INIT;
    ovs_settings_json(c, OVS_PROTOCOL_VERSION, p->ladder, p->n_ladder, &json);
    for (int g = 0; g < p->n_groups; g++)
        ovs_strbuf_printf(&groups, "%s%s", g ? "," : "", p->groups[g].name);
    if (!ovs_strbuf_str(&json) || !ovs_strbuf_str(&groups))
        OVS_WRITER_NO_MEMORY(w);
    else {
        write_str(w, "config", ovs_strbuf_str(&json));
        write_str(w, "groups", ovs_strbuf_str(&groups));
    }
    ovs_strbuf_free(&json);
    ovs_strbuf_free(&groups);
    for (int i = 0; i < ovs_settings_count(); i++) {
        const ovs_setting *st = ovs_setting_at(i);
        if (st->attr && st->store == OVS_STORE_ROOT)
            write_setting(w, w->file, st, c);
    }
    H5C(w, ovs_h5_attr_write(w->file, "tol_ladder", H5T_NATIVE_DOUBLE, p->ladder,
                            (size_t)p->n_ladder));
    write_i32(w, "n_ranks", prov->n_ranks);
    write_str(w, "start_time_utc", prov->start_time);
    write_str(w, "checkpoint_time_utc", prov->checkpoint_time);
    write_str(w, "finish_time_utc", prov->finish_time);
    write_str(w, "hosts", prov->hosts ? prov->hosts : "");
    write_str(w, "kernel_builds", prov->kernel_builds ? prov->kernel_builds : "");
    write_str(w, "compiler", prov->compiler);
    write_str(w, "mpi_library", prov->mpi_library);
    write_str(w, "hdf5_version", ovs_h5_library_version());
    write_str(w, "openblas_config", prov->openblas_config);
    write_str(w, "openblas_cores", prov->blas_cores ? prov->blas_cores : "");
    write_str(w, "history", prov->history);
    write_i32(w, "complete", s->complete);
    write_i64(w, "trials_done", s->total_done);
    write_i64(w, "trials_total", s->design ? ovs_design_proposed(s->design) : p->n_planned);
}

/* ---- datasets ---- */

static void group_attrs(ovs_writer *w, hid_t loc, const ovs_group *gr)
{
    const ovs_plan *p = w->plan;
    const int32_t n = gr->n, max_iter = p->cfg->max_iter;
    const ovs_setting *eta = ovs_setting_find("eta");
    H5C(w, ovs_h5_attr_write(loc, "n", H5T_NATIVE_INT32, &n, 0));
    H5C(w, ovs_h5_attr_write_str(loc, "activation", gr->act->name));
    H5C(w, ovs_h5_attr_write_str(loc, "method", ovs_method_names.name(gr->method)));
    H5C(w, ovs_h5_attr_write_str(loc, "iteration_unit", ovs_method_iteration_unit(gr->method)));
    H5C(w, ovs_h5_attr_write(loc, eta->attr, H5T_NATIVE_DOUBLE, &gr->eta, 0));
    if (gr->eta_auto > 0) /* eta is then NaN, and each trial's is in the dataset eta */
        H5C(w, ovs_h5_attr_write(loc, OVS_ETA_AUTO_ATTR, H5T_NATIVE_DOUBLE, &gr->eta_auto, 0));
    H5C(w, ovs_h5_attr_write(loc, "max_iter", H5T_NATIVE_INT32, &max_iter, 0));
    H5C(w, ovs_h5_attr_write(loc, "tol", H5T_NATIVE_DOUBLE, &p->cfg->tol, 0));
}

/* One [K][D] dataset written by rank 0; the first carries the group attributes. */
static void write_cell_dataset(ovs_writer *w, hid_t grp, const ovs_cell_field *f, const void *buf,
                               const ovs_scales *sc, const ovs_group *gr, int with_attrs)
{
    const ovs_plan *p = w->plan;
    hsize_t dims[2] = {(hsize_t)p->K, (hsize_t)p->D};
    hid_t ds = ovs_writer_dataset(w, grp, f->name, ovs_h5_type(f->type), 2, dims, NULL, 1);
    if (ds >= 0) {
        ovs_writer_by_root(w, ds, ovs_h5_type(f->type), buf);
        ovs_writer_attach(w, ds, sc, 2, OVS_SCALE_K);
        ovs_writer_describe(w, ds, f->name, ovs_h5_type(f->type));
        if (with_attrs)
            group_attrs(w, ds, gr);
    }
    ovs_writer_close(w, ds);
}

/* Cell summaries [K][D] of group g: success probability (NaN where no trial is done), the
 * two counts and the planned mask; only rank 0 contributes data. */
static void write_summaries(ovs_writer *w, hid_t grp, int g, const ovs_h5_summary *s,
                            const ovs_scales *sc)
{
    const ovs_plan *p = w->plan;
    const size_t kd = (size_t)p->K * (size_t)p->D;
    const int32_t *cnt = s->success_count + (size_t)g * kd, *done = s->trials_done + (size_t)g * kd;
    double *prob = malloc(sizeof(double) * kd);
    int8_t *planned = malloc(kd);
    if (!prob || !planned)
        OVS_WRITER_NO_MEMORY(w);
    for (size_t i = 0; !w->failed && i < kd; i++) {
        prob[i] = done[i] > 0 ? (double)cnt[i] / done[i] : NAN;
        const int ki = (int)(i / (size_t)p->D), di = (int)(i % (size_t)p->D);
        planned[i] = (int8_t)(ovs_plan_cell_planned(p, g, ki, di) &&
                              (!s->design || ovs_design_cell_visited(s->design, g, ki, di)));
    }
    const ovs_cell_field *fields;
    const int nf = ovs_schema_cell_fields(&fields);
    const void *bufs[] = {prob, cnt, done, planned};
    for (int i = 0; i < nf && ovs_writer_agree(w); i++)
        write_cell_dataset(w, grp, &fields[i], bufs[i], sc, &p->groups[g], i == 0);
    free(prob);
    free(planned);
}

/* A per-trial dataset: [K][D][T], or [K][D][T][L] for the ladder (per = L values a record). */
typedef struct trial_set {
    const char *name;
    ovs_elem type;
    int per;             /* values per record: 1, or L */
    unsigned char fill[8];
    const ovs_field *field; /* the schema field, or NULL for done / the ladder */
} trial_set;

/* Value j of record r in set ts, into out (ovs_elem_size bytes). */
static void value_of(const trial_set *ts, const ovs_record *r, int j, unsigned char *out)
{
    if (ts->field)
        memcpy(out, (const char *)r + ts->field->offset, ovs_elem_size(ts->type));
    else if (ts->per > 1)
        memcpy(out, &r->ladder_hit[j], sizeof(int32_t));
    else
        *(int8_t *)out = 1; /* done */
}

/* Rank 0 writes the whole dataset, fill values and its own records, in blocks of at most
 * about 4 MiB (h5schema.h: whole rows of k, or part of one row where a row is larger: at
 * --d 1024 --trials 100000 a row of the ladder is 6.1 GiB); the other ranks join each
 * collective write with nothing selected. Writing every value ourselves, instead of HDF5's
 * fill at creation, keeps an I/O error on one rank from leaving another waiting in HDF5's
 * barrier after its fill (HDF5 1.10). */
static void write_root_part(ovs_writer *w, hid_t ds, const trial_set *ts, const ovs_record *recs,
                            size_t m)
{
    const ovs_plan *p = w->plan;
    const size_t size = ovs_elem_size(ts->type), D = (size_t)p->D;
    const size_t cell = (size_t)p->T * (size_t)ts->per, cells = (size_t)p->K * D;
    const size_t per_block = ovs_schema_block_cells((size_t)p->K, D, (size_t)p->T,
                                                    (size_t)ts->per, size, 4u << 20);
    const hid_t type = ovs_h5_type(ts->type);
    unsigned char *buf = w->rank == 0 ? malloc(per_block * cell * size) : NULL;
    if (w->rank == 0 && !buf)
        OVS_WRITER_NO_MEMORY(w);
    size_t r = 0, c1 = 0; /* next record of rank 0; end of the block */
    for (size_t c0 = 0; c0 < cells; c0 = c1) {
        /* cells [c0, c1): whole rows, or part of the row of c0 */
        const size_t row_end = (c0 / D + 1) * D;
        c1 = per_block >= D ? (c0 + per_block < cells ? c0 + per_block : cells)
                                         : (c0 + per_block < row_end ? c0 + per_block : row_end);
        const size_t n_cells = c1 - c0;
        hid_t fspace = -1, mspace = -1;
        hsize_t start[4] = {c0 / D, c0 % D, 0, 0};
        hsize_t count[4] = {n_cells >= D ? n_cells / D : 1, n_cells >= D ? D : n_cells,
                            (hsize_t)p->T, (hsize_t)ts->per};
        hsize_t mdim = n_cells * cell;
        for (size_t i = 0; buf && !w->failed && i < mdim; i++)
            memcpy(buf + i * size, ts->fill, size);
        for (; buf && r < m; r++) {
            ovs_item it;
            ovs_plan_item(p, recs[r].item, &it);
            const size_t c = (size_t)it.ki * D + (size_t)it.di;
            if (c >= c1)
                break;
            size_t at = (c - c0) * (size_t)p->T + (size_t)it.t;
            for (int j = 0; j < ts->per; j++)
                value_of(ts, &recs[r], j, buf + (at * ts->per + j) * size);
        }
        H5(w, fspace = H5Dget_space(ds));
        H5(w, mspace = H5Screate_simple(1, &mdim, NULL));
        if (w->rank == 0) {
            H5(w, H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
        } else {
            H5(w, H5Sselect_none(fspace));
            H5(w, H5Sselect_none(mspace));
        }
        H5C(w, H5Dwrite(ds, type, mspace, fspace, w->dxpl, buf));
        if (mspace >= 0)
            H5(w, H5Sclose(mspace));
        if (fspace >= 0)
            H5(w, H5Sclose(fspace));
    }
    free(buf);
}

/* Points per collective write of the other ranks' records. HDF5 keeps a node for each point
 * of a selection and MPI-IO a flattened list of offsets: a worker holding 400k records took
 * 0.6 GB in one write of the ladder (1.2M trials on 3 ranks, --max-iter 3), which grows with
 * the records a rank holds (about 3M a rank at the 2e8-trial cap on 64 ranks). In batches of
 * this many points the memory is bounded; the values and places written are the same. */
#ifndef POINTS_PER_WRITE
#define POINTS_PER_WRITE 65536
#endif

/* The other ranks write their records' values at their coordinates (rank 0: nothing), in
 * collective writes of at most POINTS_PER_WRITE points, as many on every rank (the rank with
 * the most batches sets the count; the others join with nothing selected). Called only while
 * every rank is fine (write_trial_set), so the count's reduction reaches every rank. */
static void write_rank_part(ovs_writer *w, hid_t ds, const trial_set *ts, const ovs_record *recs,
                            size_t m)
{
    const ovs_plan *p = w->plan;
    const size_t size = ovs_elem_size(ts->type), n = w->rank == 0 ? 0 : m * (size_t)ts->per;
    const size_t batch = n < POINTS_PER_WRITE ? n : POINTS_PER_WRITE;
    const int dims = ts->per > 1 ? 4 : 3;
    unsigned long long mine = (n + POINTS_PER_WRITE - 1) / POINTS_PER_WRITE, most = mine;
    if (MPI_Allreduce(&mine, &most, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, w->comm) != MPI_SUCCESS)
        most = mine; /* the writes below then disagree and fail: MPI reports it there */
    hsize_t *coords = malloc(sizeof(hsize_t) * (size_t)dims * (batch + 1));
    unsigned char *buf = malloc(size * (batch + 1));
    if (!coords || !buf)
        OVS_WRITER_NO_MEMORY(w);
    for (unsigned long long b = 0; b < most; b++) {
        const size_t lo = (size_t)b * POINTS_PER_WRITE, hi = lo + batch < n ? lo + batch : n;
        const size_t count = lo < n ? hi - lo : 0;
        for (size_t i = 0; !w->failed && i < count; i++) {
            const ovs_record *r = &recs[(lo + i) / (size_t)ts->per];
            const int j = (int)((lo + i) % (size_t)ts->per);
            ovs_item it;
            ovs_plan_item(p, r->item, &it);
            const hsize_t c[4] = {(hsize_t)it.ki, (hsize_t)it.di, (hsize_t)it.t, (hsize_t)j};
            memcpy(coords + i * (size_t)dims, c, sizeof(hsize_t) * (size_t)dims);
            value_of(ts, r, j, buf + i * size);
        }
        ovs_writer_points(w, ds, ovs_h5_type(ts->type), buf, coords, w->failed ? 0 : count);
    }
    free(coords);
    free(buf);
}

static void write_trial_set(ovs_writer *w, hid_t grp, const trial_set *ts, const ovs_record *recs,
                            size_t m, const ovs_scales *sc)
{
    const ovs_plan *p = w->plan;
    hsize_t dims[4] = {(hsize_t)p->K, (hsize_t)p->D, (hsize_t)p->T, (hsize_t)ts->per};
    const int rank = ts->per > 1 ? 4 : 3;
    hid_t ds = ovs_writer_dataset(w, grp, ts->name, ovs_h5_type(ts->type), rank, dims, ts->fill, 1);
    if (ovs_writer_agree(w))
        write_root_part(w, ds, ts, recs, m);
    if (ovs_writer_agree(w))
        write_rank_part(w, ds, ts, recs, m);
    if (ovs_writer_agree(w))
        ovs_writer_attach(w, ds, sc, rank, OVS_SCALE_K);
    if (ovs_writer_agree(w))
        ovs_writer_describe(w, ds, ts->name, ovs_h5_type(ts->type));
    ovs_writer_close(w, ds);
}

static trial_set field_set(const ovs_field *f)
{
    trial_set ts = {.name = f->name, .type = f->type, .per = 1, .field = f};
    if (f->type == OVS_ELEM_I8)
        *(int8_t *)ts.fill = (int8_t)f->fill;
    else if (f->type == OVS_ELEM_I32)
        *(int32_t *)ts.fill = (int32_t)f->fill;
    else
        memcpy(ts.fill, &f->fill, sizeof(double));
    return ts;
}

/* Per-trial datasets of a group: done, the schema's fields, the ladder. */
static void write_trials(ovs_writer *w, hid_t grp, const ovs_record *recs, size_t m,
                         const ovs_scales *sc)
{
    const ovs_plan *p = w->plan;
    trial_set done = {.name = OVS_DONE_NAME, .type = OVS_ELEM_I8, .per = 1};
    trial_set ladder = {.name = OVS_LADDER_NAME, .type = OVS_ELEM_I32, .per = p->n_ladder};
    const int32_t minus1 = -1;
    memcpy(ladder.fill, &minus1, sizeof minus1);
    if (ovs_writer_agree(w))
        write_trial_set(w, grp, &done, recs, m, sc);
    const ovs_field *fields;
    const int nf = ovs_schema_trial_fields(&fields);
    for (int f = 0; f < nf; f++) {
        const trial_set ts = field_set(&fields[f]);
        if (ovs_schema_field_stored(&fields[f], p->cfg) && ovs_writer_agree(w))
            write_trial_set(w, grp, &ts, recs, m, sc);
    }
    if (ovs_writer_agree(w))
        write_trial_set(w, grp, &ladder, recs, m, sc);
}

static void write_group(ovs_writer *w, int g, const ovs_h5_summary *s, const ovs_record *recs,
                        size_t m)
{
    const ovs_plan *p = w->plan;
    const ovs_config *c = p->cfg;
    ovs_scales sc = {-1, -1, -1, -1};
    hid_t grp = -1;
    int32_t *trial_ids = malloc(sizeof(int32_t) * (size_t)p->T);
    if (!trial_ids)
        OVS_WRITER_NO_MEMORY(w);
    for (int t = 0; !w->failed && t < p->T; t++)
        trial_ids[t] = t;
    H5C(w, grp = H5Gcreate2(w->file, p->groups[g].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    if (ovs_writer_agree(w)) {
        group_attrs(w, grp, &p->groups[g]);
        sc.k = ovs_writer_scale(w, grp, "k", H5T_NATIVE_INT, (hsize_t)p->K, c->k_values);
        sc.d = ovs_writer_scale(w, grp, "d", H5T_NATIVE_INT, (hsize_t)p->D, c->d_values);
        sc.trial = ovs_writer_scale(w, grp, "trial", H5T_NATIVE_INT32, (hsize_t)p->T, trial_ids);
        sc.ladder = ovs_writer_scale(w, grp, "tol_ladder", H5T_NATIVE_DOUBLE, (hsize_t)p->n_ladder,
                               p->ladder);
    }
    if (ovs_writer_agree(w))
        write_summaries(w, grp, g, s, &sc);
    if (ovs_writer_agree(w))
        write_trials(w, grp, recs, m, &sc);
    if (s->design && ovs_writer_agree(w))
        ovs_h5_write_design(w, grp, g, s->design, &sc);
    const hid_t ids[] = {sc.k, sc.d, sc.trial, sc.ladder};
    for (int i = 0; i < 4; i++)
        ovs_writer_close(w, ids[i]);
    if (grp >= 0)
        H5C(w, H5Gclose(grp));
    free(trial_ids);
}

/* Open path for collective writing (truncating it). */
static void create_file(ovs_writer *w, const char *path)
{
    hid_t fapl = -1;
    H5(w, fapl = H5Pcreate(H5P_FILE_ACCESS));
    H5(w, H5Pset_fapl_mpio(fapl, w->comm, MPI_INFO_NULL));
    H5(w, H5Pset_coll_metadata_write(fapl, 1));
    /* The 1.8 file format on: every metadata object carries a checksum (and files stay
     * readable by any HDF5 from 1.8, h5py and netCDF-4 included). */
    H5(w, H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_LATEST));
    H5(w, w->dxpl = H5Pcreate(H5P_DATASET_XFER));
    H5(w, H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_COLLECTIVE));
    if (ovs_writer_agree(w)) {
        H5E_BEGIN_TRY { w->file = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl); }
        H5E_END_TRY;
        if (w->file < 0) {
            w->failed = 1;
            w->status = OVS_EIO;
            snprintf(w->err, w->errlen, "%s: cannot create the file", path);
        }
    }
    if (fapl >= 0)
        H5Pclose(fapl);
}

int ovs_h5_write(MPI_Comm comm, const char *path, const ovs_plan *p,
                 const ovs_provenance *prov, const ovs_h5_summary *s, const ovs_record *recs,
                 int64_t nrecs, char *err, size_t errlen)
{
    ovs_writer w = {.comm = comm, .file = -1, .dxpl = -1, .plan = p, .err = err, .errlen = errlen};
    err[0] = '\0';
    MPI_Comm_rank(comm, &w.rank);
    create_file(&w, path);
    write_root_attrs(&w, prov, s);
    const int64_t per_group = (int64_t)p->K * p->D * p->T;
    int64_t lo = 0;
    for (int g = 0; g < p->n_groups && ovs_writer_agree(&w); g++) {
        int64_t hi = lo;
        while (hi < nrecs && recs[hi].item < (g + 1) * per_group)
            hi++;
        write_group(&w, g, s, recs + lo, (size_t)(hi - lo));
        lo = hi;
    }
    /* Closing flushes the metadata: the last chance for a full disk to show. After a failure
     * the file stays open (the caller then leaves without MPI_Finalize: checkpoint.h). */
    if (ovs_writer_agree(&w) && H5Fclose(w.file) < 0) {
        w.failed = 1;
        w.status = OVS_EIO;
        snprintf(err, errlen, "%s: closing the file failed", path);
    }
    if (w.dxpl >= 0)
        H5Pclose(w.dxpl);
    ovs_writer_agree(&w);
    return w.failed ? w.status : OVS_OK;
}
