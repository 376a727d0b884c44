/* merge.h - --merge FILES: the finished trials of the files of one sweep's parts (--shard,
 * one per array task) gathered into one new file, as if one job had run them all.
 *
 * The files are named by a comma list of glob patterns, each matching at least one file,
 * taken in the order given (each pattern's matches sorted). Each must be an intact ovsweep
 * file with the merge's settings but its part, and no trial may be in two of them: a trial's
 * result depends only on its coordinates (problem.h), so the parts of one sweep never
 * overlap, and files that do are not the parts of one sweep (or one was given twice).
 *
 * Rank 0 alone: files and HDF5, no communication. */
#ifndef OVS_MERGE_H
#define OVS_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "h5read.h"
#include "plan.h"
#include "trial.h"

/* The first file of spec into path ("" when none matches). */
void ovs_merge_first(const char *spec, char *path, size_t len);

/* Check every file of plan's --merge against plan (merge.h's rules) and pass their records to
 * sink (NULL: check and count only); *nrecs: how many, *nfiles: how many files. runs gets
 * what the files say of their runs: each one's history in turn, their kernel builds and
 * OpenBLAS kernels each listed once. OVS_OK or an OVS_E* code with one line in err. */
int ovs_merge_load(const ovs_plan *plan, ovs_record_sink sink, void *ctx, int64_t *nrecs,
                   int *nfiles, ovs_h5_runs *runs, char *err, size_t errlen);

#endif
