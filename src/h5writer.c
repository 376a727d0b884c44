/* h5writer.c - the primitives of a collective write; see h5writer.h. */
#include "h5writer.h"

#include "h5attr.h"
#include "h5schema.h"
#include "status.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

void ovs_writer_failed_at(ovs_writer *w, int status, const char *what, const char *file, int line)
{
    if (w->failed)
        return;
    w->failed = 1;
    w->status = status;
    snprintf(w->err, w->errlen, "HDF5 call failed: %s (%s:%d)", what, file, line);
}

/* Whether every rank is still fine. Collective until some rank has failed; then every rank
 * knows, and it returns 0 at once everywhere. */
int ovs_writer_agree(ovs_writer *w)
{
    if (w->stopped)
        return 0;
    int bad = w->failed, any = 1;
    if (MPI_Allreduce(&bad, &any, 1, MPI_INT, MPI_MAX, w->comm) != MPI_SUCCESS)
        any = 1;
    if (any && !w->failed) {
        w->failed = 1;
        w->status = OVS_EIO;
        snprintf(w->err, w->errlen, "writing the file failed on another rank");
    }
    w->stopped = any;
    return !any;
}

/* Chunk dimensions of a checksummed dataset: whole rows of the first dimension, cut down
 * (largest dimension first) until a chunk holds at most 1 MiB. */
void ovs_writer_chunk_dims(int rank, const hsize_t *dims, size_t elem, hsize_t *chunk)
{
    for (int i = 0; i < rank; i++)
        chunk[i] = dims[i] > 0 ? dims[i] : 1;
    chunk[0] = 1;
    for (;;) {
        double bytes = (double)elem;
        int big = 0;
        for (int i = 0; i < rank; i++) {
            bytes *= (double)chunk[i];
            big = chunk[i] > chunk[big] ? i : big;
        }
        if (bytes <= (double)(1u << 20) || chunk[big] == 1)
            break;
        chunk[big] = (chunk[big] + 1) / 2;
    }
    double row = (double)elem;
    for (int i = 1; i < rank; i++)
        row *= (double)chunk[i];
    const double rows = floor((double)(1u << 20) / row);
    chunk[0] = rows >= (double)dims[0] ? (dims[0] > 0 ? dims[0] : 1) : rows >= 1 ? (hsize_t)rows : 1;
}

/* A dataset allocated at creation (so that every rank's writes land in place), every value of
 * which the writer writes itself: HDF5 never writes fill values (fill, if given, is recorded
 * as the dataset's fill value property, for readers). With checksum, it is chunked with
 * HDF5's Fletcher32 filter, so that a damaged value is detected when read. -1 on failure. */
hid_t ovs_writer_dataset(ovs_writer *w, hid_t loc, const char *name, hid_t type, int rank,
                            const hsize_t *dims, const void *fill, int checksum)
{
    hid_t d = -1, space = -1, dcpl = -1;
    /* A float dataset whose "not run" marker is NaN (its _FillValue attribute, written by
     * ovs_writer_describe) records NaN as its fill-value property too: HDF5 and netCDF readers
     * take one or the other, and 0 there would read as a result (success_prob 0). */
    const ovs_dataset_doc *doc = ovs_schema_doc(name);
    const double nan = NAN;
    if (!fill && doc && doc->has_fill && H5Tget_class(type) == H5T_FLOAT &&
        H5Tget_size(type) == sizeof nan)
        fill = &nan;
    H5(w, space = H5Screate_simple(rank, dims, NULL));
    H5(w, dcpl = H5Pcreate(H5P_DATASET_CREATE));
    H5(w, H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_EARLY));
    if (checksum) {
        hsize_t chunk[4];
        ovs_writer_chunk_dims(rank, dims, H5Tget_size(type), chunk);
        H5(w, H5Pset_chunk(dcpl, rank, chunk));
        H5(w, H5Pset_fletcher32(dcpl));
    }
    if (fill)
        H5(w, H5Pset_fill_value(dcpl, type, fill));
    H5(w, H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER));
    H5C(w, d = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
    if (dcpl >= 0)
        H5(w, H5Pclose(dcpl));
    if (space >= 0)
        H5(w, H5Sclose(space));
    return w->failed ? -1 : d;
}

/* Collective write in which only rank 0 contributes (the whole dataset). */
void ovs_writer_by_root(ovs_writer *w, hid_t dset, hid_t type, const void *buf)
{
    hid_t fspace = -1, mspace = -1;
    H5(w, fspace = H5Dget_space(dset));
    H5(w, mspace = H5Scopy(fspace));
    if (w->rank != 0) {
        H5(w, H5Sselect_none(fspace));
        H5(w, H5Sselect_none(mspace));
    }
    H5C(w, H5Dwrite(dset, type, mspace, fspace, w->dxpl, buf));
    if (mspace >= 0)
        H5(w, H5Sclose(mspace));
    if (fspace >= 0)
        H5(w, H5Sclose(fspace));
}

/* Collective write of m elements at the given coordinates (m may be 0 on some ranks). */
void ovs_writer_points(ovs_writer *w, hid_t dset, hid_t type, const void *buf,
                         const hsize_t *coords, size_t m)
{
    hid_t fspace = -1, mspace = -1;
    hsize_t mdim = m > 0 ? m : 1;
    H5(w, fspace = H5Dget_space(dset));
    H5(w, mspace = H5Screate_simple(1, &mdim, NULL));
    if (m > 0) {
        H5(w, H5Sselect_elements(fspace, H5S_SELECT_SET, m, coords));
    } else {
        H5(w, H5Sselect_none(fspace));
        H5(w, H5Sselect_none(mspace));
    }
    H5C(w, H5Dwrite(dset, type, mspace, fspace, w->dxpl, buf));
    if (mspace >= 0)
        H5(w, H5Sclose(mspace));
    if (fspace >= 0)
        H5(w, H5Sclose(fspace));
}

hid_t ovs_writer_scale(ovs_writer *w, hid_t g, const char *name, hid_t type, hsize_t n,
                        const void *buf)
{
    hid_t s = ovs_writer_dataset(w, g, name, type, 1, &n, NULL, 0);
    if (s >= 0) {
        ovs_writer_by_root(w, s, type, buf);
        H5C(w, H5DSset_scale(s, name));
    }
    return s;
}

void ovs_writer_attach(ovs_writer *w, hid_t dset, const ovs_scales *sc, int rank, int first)
{
    const hid_t order[] = {sc->k, sc->d, sc->trial, sc->ladder};
    for (int i = 0; i < rank; i++)
        H5C(w, H5DSattach_scale(dset, order[first + i], (unsigned)i));
}

void ovs_writer_describe(ovs_writer *w, hid_t ds, const char *name, hid_t type)
{
    const ovs_dataset_doc *doc = ovs_schema_doc(name);
    if (!doc || ds < 0)
        return;
    H5C(w, ovs_h5_attr_write_str(ds, "long_name", doc->long_name));
    H5C(w, ovs_h5_attr_write_str(ds, "units", doc->units));
    if (doc->flag_meanings) {
        int8_t values[16];
        size_t n = 1;
        for (const char *c = doc->flag_meanings; *c && n < sizeof values; c++)
            n += *c == ' ';
        for (size_t i = 0; i < n; i++)
            values[i] = (int8_t)i;
        H5C(w, ovs_h5_attr_write(ds, "flag_values", H5T_NATIVE_INT8, values, n));
        H5C(w, ovs_h5_attr_write_str(ds, "flag_meanings", doc->flag_meanings));
    }
    if (doc->has_fill) { /* the "not run" marker, in the dataset's own type */
        const double nan = NAN;
        const int32_t minus_one = -1;
        const int8_t minus_one8 = -1; /* netCDF wants the dataset's own type (int8 success) */
        const int real = H5Tget_class(type) == H5T_FLOAT, byte = H5Tget_size(type) == 1;
        H5C(w, ovs_h5_attr_write(ds, "_FillValue",
                                 real ? H5T_NATIVE_DOUBLE : byte ? H5T_NATIVE_INT8 : H5T_NATIVE_INT32,
                                 real   ? (const void *)&nan
                                 : byte ? (const void *)&minus_one8
                                        : (const void *)&minus_one,
                                 0));
    }
}

void ovs_writer_close(ovs_writer *w, hid_t d)
{
    if (d >= 0)
        H5C(w, H5Dclose(d));
}

