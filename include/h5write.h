/* h5write.h - writing one complete ovsweep file collectively through parallel HDF5 (MPI-IO).
 * Layout: docs/HDF5_LAYOUT.md; schema: h5schema.h; settings attributes: settings.h.
 *
 * Collective on comm: every rank calls ovs_h5_write with identical metadata arguments (plan,
 * provenance, summary) and its own records. Besides HDF5's own collective I/O it communicates
 * only to agree on the outcome (MPI_Allreduce) after each step: an error on any rank stops
 * every rank at the same step, so no rank is ever left waiting in a collective another rank
 * has abandoned. Where the file goes (temporary name, rename) is the caller's business
 * (outfile.h). */
#ifndef OVS_H5WRITE_H
#define OVS_H5WRITE_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "design.h"
#include "history.h"
#include "plan.h"
#include "trial.h"

typedef struct ovs_provenance {
    char start_time[32];      /* ISO 8601 UTC of this run's start */
    char checkpoint_time[32]; /* ISO 8601 UTC of this write */
    char finish_time[32];     /* empty until complete */
    char *hosts;              /* comma-separated distinct host names (owned by the caller) */
    char *kernel_builds;      /* the ranks' distinct builds of the kernels (simd.h; owned) */
    char *blas_cores;         /* the ranks' distinct OpenBLAS kernels (linalg.h; owned) */
    char compiler[128];       /* the compiler that built ovsweep */
    int n_ranks;
    char mpi_library[512];
    char openblas_config[256];
    char history[OVS_HISTORY_MAX]; /* the runs that wrote the file, this one last (history.h) */
} ovs_provenance;

/* Everything a checkpoint writes that is not per-rank. */
typedef struct ovs_h5_summary {
    const int32_t *success_count; /* [groups][K][D], global */
    const int32_t *trials_done;   /* [groups][K][D], global */
    int64_t total_done;
    int complete;
    const ovs_design *design; /* adaptive: its rows and history (the same on every rank) */
} ovs_h5_summary;

/* Collective on comm. Create (truncate) the file at path and write the whole sweep: root
 * attributes, and per group the summaries and the records each rank holds (recs, sorted by
 * item). Returns OVS_OK on every rank, or the same error on every rank (OVS_EIO, OVS_ENOMEM)
 * with a one-line message in err (naming the failed call on the rank where it failed,
 * "failed on another rank" on the others). */
int ovs_h5_write(MPI_Comm comm, const char *path, const ovs_plan *plan,
                 const ovs_provenance *prov, const ovs_h5_summary *sum, const ovs_record *recs,
                 int64_t nrecs, char *err, size_t errlen);

/* About how many bytes the file of plan takes (data, plus the metadata measured on real
 * files), for the free-space checks and --dry-run. */
double ovs_h5_estimate_bytes(const ovs_plan *plan);

/* "1.10.8" etc. */
const char *ovs_h5_library_version(void);

#endif
