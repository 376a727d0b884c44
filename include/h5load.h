/* h5load.h - the finished trials of an ovsweep file, for resume, read without trusting the
 * file: each dataset's shape and type is checked against the plan before it is read (the
 * message names the dataset), each record against what a finished trial can be
 * (ovs_record_check), the stored counts against the records, and checksummed datasets are
 * verified by HDF5 as they are read. The per-trial datasets are read a block of cells at a
 * time, the records handed on block by block: a checkpoint's read-back keeps none of them.
 *
 * One rank: serial HDF5, no communication; called by h5read.c once the settings matched. */
#ifndef OVS_H5LOAD_H
#define OVS_H5LOAD_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "trial.h"

/* Pass the record of every finished trial of plan in the open file f to sink (NULL: only
 * count and check them), a block of cells at a time; *nrecs: how many. Memory: one block
 * (at most max(16 MiB, one cell) of records) and a count per cell, whatever the file's size.
 * OVS_OK, or OVS_EFORMAT with "PATH: what is damaged or does not fit" in err. */
int ovs_h5_load_each(hid_t f, const char *path, const ovs_plan *plan, ovs_record_sink sink,
                     void *ctx, int64_t *nrecs, char *err, size_t errlen);

#endif
