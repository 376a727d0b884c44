/* h5writer.h - the primitives of a collective write through parallel HDF5, shared by the
 * modules that write parts of the file (h5write.c: the sweep; h5design.c: the adaptive
 * design's rows and history).
 *
 * Collective on comm: every rank makes the same calls in the same order. Calls that stay on a
 * rank go through H5(), calls every rank makes together through H5C(), which first has the
 * ranks agree that none has failed (MPI_Allreduce), so that no rank enters a collective another
 * rank has left; after a failure anywhere no rank makes any more collective calls. */
#ifndef OVS_H5WRITER_H
#define OVS_H5WRITER_H

#include <hdf5.h>
#include <mpi.h>
#include <stddef.h>

#include "plan.h"

/* The state of one write: the first failure on this rank is kept (its message names the
 * call); agree() tells every rank whether any has failed. */
typedef struct ovs_writer {
    MPI_Comm comm;
    int rank;
    hid_t file, dxpl;
    const ovs_plan *plan;
    int failed;  /* this rank failed */
    int stopped; /* every rank knows that some rank failed: no more collective calls */
    int status;  /* OVS_EIO or OVS_ENOMEM once failed */
    char *err;
    size_t errlen;
} ovs_writer;

void ovs_writer_failed_at(ovs_writer *w, int status, const char *what, const char *file,
                          int line);

/* A call that stays on this rank (dataspaces, property lists): run it unless this rank has
 * already failed, and record its failure. */
#define H5(w, expr)                                                                        \
    do {                                                                                   \
        if (!(w)->failed && (expr) < 0)                                                    \
            ovs_writer_failed_at((w), OVS_EIO, #expr, __FILE__, __LINE__);                 \
    } while (0)

/* A call every rank makes together (creating, writing, closing objects). */
#define H5C(w, expr)                                                                       \
    do {                                                                                   \
        if (ovs_writer_agree(w) && (expr) < 0)                                             \
            ovs_writer_failed_at((w), OVS_EIO, #expr, __FILE__, __LINE__);                 \
    } while (0)

#define OVS_WRITER_NO_MEMORY(w)                                                            \
    ovs_writer_failed_at((w), OVS_ENOMEM, "out of memory", __FILE__, __LINE__)

/* Collective until some rank has failed: whether every rank is still fine; then 0 at once
 * everywhere. */
int ovs_writer_agree(ovs_writer *w);

/* A dataset allocated at creation, every value of which the writer writes itself (fill, if
 * given, is only recorded as the fill-value property); with checksum, chunked with Fletcher32.
 * -1 on failure. */
hid_t ovs_writer_dataset(ovs_writer *w, hid_t loc, const char *name, hid_t type, int rank,
                         const hsize_t *dims, const void *fill, int checksum);

/* The chunk dimensions ovs_writer_dataset gives a checksummed dataset of these dims and
 * element size (whole rows of dimension 0, at most 1 MiB a chunk); also for the file-size
 * estimate (h5write.c). Not collective. */
void ovs_writer_chunk_dims(int rank, const hsize_t *dims, size_t elem, hsize_t *chunk);

/* Collective write in which only rank 0 contributes (the whole dataset). */
void ovs_writer_by_root(ovs_writer *w, hid_t dset, hid_t type, const void *buf);

/* Collective write of m elements at the given coordinates (m may be 0 on some ranks). */
void ovs_writer_points(ovs_writer *w, hid_t dset, hid_t type, const void *buf,
                       const hsize_t *coords, size_t m);

/* A group's dimension scales: k, d, trial, tol_ladder. */
typedef struct ovs_scales {
    hid_t k, d, trial, ladder;
} ovs_scales;

hid_t ovs_writer_scale(ovs_writer *w, hid_t g, const char *name, hid_t type, hsize_t n,
                       const void *buf);

/* Attach the scales to the first rank dimensions of dset, in the order k, d, trial, ladder;
 * `first` names the scale of dimension 0 when it is not k (OVS_SCALE_D: a per-row dataset). */
enum { OVS_SCALE_K = 0, OVS_SCALE_D = 1 };
void ovs_writer_attach(ovs_writer *w, hid_t dset, const ovs_scales *sc, int rank, int first);

/* The dataset's CF attributes from the schema's doc for name (h5schema.h): long_name, units,
 * flag_values/flag_meanings, _FillValue of dset's element type (mem type `type`). Nothing for
 * a name without a doc. */
void ovs_writer_describe(ovs_writer *w, hid_t dset, const char *name, hid_t type);

void ovs_writer_close(ovs_writer *w, hid_t dset);

#endif
