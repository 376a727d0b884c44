/* h5read.h - reading an existing ovsweep file for resume: what is at a path, whether its
 * settings are the command's, and its finished trials.
 *
 * One rank: serial HDF5 driver, called by rank 0 alone; no communication. Never modifies the
 * file. All functions return OVS_OK or an OVS_E* code with a one-line message in err. */
#ifndef OVS_H5READ_H
#define OVS_H5READ_H

#include <stddef.h>
#include <stdint.h>

#include "history.h"
#include "isolate.h"
#include "plan.h"
#include "trial.h"

/* Room for a file's kernel_builds and openblas_cores (h5write.h's provenance): comma lists of
 * at most the three build names of simd.h (29 characters), and of the few OpenBLAS kernels the
 * nodes of a job pick (a longer, hostile list is cut here). */
#define OVS_BUILDS_MAX 128

/* What a file says of the runs that computed it, carried on by a resume ("" where absent). */
typedef struct ovs_h5_runs {
    char kernel_builds[OVS_BUILDS_MAX];  /* its kernel_builds (absent before round 32) */
    char openblas_cores[OVS_BUILDS_MAX]; /* its openblas_cores */
    char history[OVS_HISTORY_MAX];       /* its history, trimmed to fit (history.h) */
} ovs_h5_runs;

typedef struct ovs_h5_info {
    int exists, is_hdf5, is_ovsweep, complete;
    int damaged; /* HDF5, but its root attributes cannot be read */
    int64_t trials_done, trials_total;
    double bytes; /* the file's size (0 when absent) */
    ovs_h5_runs runs;
} ovs_h5_info;

/* What is at path: nothing, a non-HDF5 file, a foreign HDF5 file, an ovsweep file (and then
 * whether it is complete). */
int ovs_h5_probe(const char *path, ovs_h5_info *info, char *err, size_t errlen);

/* OVS_OK when info (of the existing file at path) is an ovsweep file HDF5 can read, else
 * OVS_EFORMAT and "PATH: not an HDF5 file ...", "... metadata is damaged ..." or "... not
 * written by ovsweep ..." in err: the verdict of a resume on its file and of a merge on each. */
int ovs_h5_intact(const char *path, const ovs_h5_info *info, char *err, size_t errlen);

/* Check that the ovsweep file at path was written with the settings of plan's configuration
 * (each stored setting compared under its resume rule; the first difference is named in
 * err), then pass its finished trials, as records numbered in plan, to sink a block at a time
 * (NULL: check and count only); *nrecs: how many. */
int ovs_h5_load(const char *path, const ovs_plan *plan, ovs_record_sink sink, void *ctx,
                int64_t *nrecs, char *err, size_t errlen);

/* The settings stored in the ovsweep file at path as command-line arguments ("--seed", "7",
 * ...: NUL-terminated strings appended to out), those under a resume rule and not at their
 * default (whole_sweep: nor which part of the sweep it holds, --shard); nothing when the file
 * cannot be read as an ovsweep file. A resume puts them before its own arguments
 * (resumeargs.h), so that `--resume -o FILE` alone continues FILE; a merge, its first file's. */
void ovs_h5_settings_args(const char *path, int whole_sweep, ovs_bytes *out);

#endif
