/* h5load.h - the finished trials of an ovsweep file, for resume, read without trusting the
 * file: each dataset's shape and type is checked against the plan before it is read (the
 * message names the dataset), each record against what a finished trial can be
 * (ovs_record_check), the stored counts against the records, and checksummed datasets are
 * verified by HDF5 as they are read.
 *
 * One rank: serial HDF5, no communication; called by h5read.c once the settings matched. */
#ifndef OVS_H5LOAD_H
#define OVS_H5LOAD_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "plan.h"
#include "trial.h"

/* The records of every finished trial of plan in the open file f (malloc'd, caller frees).
 * OVS_OK, or OVS_EFORMAT with "PATH: what is damaged or does not fit" in err. */
int ovs_h5_load_records(hid_t f, const char *path, const ovs_plan *plan, ovs_record **recs,
                        int64_t *nrecs, char *err, size_t errlen);

#endif
