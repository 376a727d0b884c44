/* h5out.h - the ovsweep HDF5 file: collective checkpoint writes, probing, and loading for
 * resume. The only module that includes hdf5.h. Layout: docs/HDF5_LAYOUT.md.
 *
 * Functions marked "Collective on comm" must be called by every rank with identical
 * metadata arguments (config, plan, provenance, counts); "One rank" functions use the serial
 * driver and are called by rank 0 alone. All return OVS_OK or an OVS_E* code with a one-line
 * message in err. */
#ifndef OVS_H5OUT_H
#define OVS_H5OUT_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "plan.h"

typedef struct ovs_provenance {
    char start_time[32];      /* ISO 8601 UTC of this run's start */
    char checkpoint_time[32]; /* ISO 8601 UTC of this write */
    char finish_time[32];     /* empty until complete */
    char hosts[4096];         /* comma-separated distinct host names */
    int n_ranks;
    char mpi_library[512];
    char openblas_config[256];
} ovs_provenance;

/* Everything a checkpoint writes that is not per-rank. */
typedef struct ovs_h5_summary {
    const int32_t *success_count; /* [groups][K][D], global */
    const int32_t *trials_done;   /* [groups][K][D], global */
    int64_t total_done;
    int complete;
} ovs_h5_summary;

/* Collective on comm. Write a complete file for the records each rank holds (recs, sorted by
 * item) to a temporary file beside path, then atomically rename it over path, so that path
 * is at every instant either the previous complete file or the new one. */
int ovs_h5_write(MPI_Comm comm, const char *path, const ovs_config *cfg, const ovs_plan *plan,
                 const ovs_provenance *prov, const ovs_h5_summary *sum, const ovs_record *recs,
                 int64_t nrecs, char *err, size_t errlen);

typedef struct ovs_h5_info {
    int exists, is_hdf5, is_ovsweep, complete;
    int64_t trials_done, trials_total;
} ovs_h5_info;

/* One rank. What is at path: nothing, a non-HDF5 file, a foreign HDF5 file, an ovsweep file
 * (and then whether it is complete). Never modifies the file. */
int ovs_h5_probe(const char *path, ovs_h5_info *info, char *err, size_t errlen);

/* One rank. Check that the ovsweep file at path was written with the configuration cfg (the
 * first differing setting is named in err; a file with fewer trials per cell is accepted),
 * then return its finished trials as records numbered in plan (malloc'd, caller frees). */
int ovs_h5_load(const char *path, const ovs_config *cfg, const ovs_plan *plan,
                ovs_record **recs, int64_t *nrecs, char *err, size_t errlen);

/* "1.10.8" etc. */
const char *ovs_h5_library_version(void);

/* The temporary path used for checkpoints of path (same directory, so rename is atomic). */
void ovs_h5_temp_path(const char *path, char *out, size_t outlen);

#endif
