/* sweep.h - the MPI layer: rank 0 hands out trials longest-first, every rank trains, all
 * ranks write checkpoints collectively; signals and resume.
 *
 * Collective on comm. The only module that communicates. */
#ifndef OVS_SWEEP_H
#define OVS_SWEEP_H

#include <mpi.h>

#include "cli.h"

/* Run the sweep of cfg (already parsed and identical on every rank). Prints progress and
 * the final heatmaps on rank 0 (unless cfg->quiet) and errors on rank 0.
 * Returns the process exit status: OVS_EXIT_OK (complete), OVS_EXIT_INTERRUPTED (a signal
 * stopped it; resumable), OVS_EXIT_USAGE (output file problem found before any training),
 * OVS_EXIT_FAILURE (I/O failure while running). */
int ovs_sweep_run(MPI_Comm comm, const ovs_config *cfg);

#endif
