/* sweep.h - the MPI layer: rank 0 hands out trials longest-first, every rank trains, all
 * ranks write checkpoints collectively; signals and resume.
 *
 * Collective on comm. It communicates to hand out work (point-to-point messages with rank 0)
 * and to decide together whether to go on; the checkpoints communicate in checkpoint.h and
 * h5write.h. */
#ifndef OVS_SWEEP_H
#define OVS_SWEEP_H

#include <mpi.h>

#include "config.h"

/* Run the sweep of cfg (already parsed and identical on every rank). Prints progress and
 * the final heatmaps on rank 0 (unless cfg->quiet) and errors on rank 0.
 * Returns the process exit status: OVS_EXIT_OK (complete), OVS_EXIT_INTERRUPTED (a signal
 * stopped it; resumable), OVS_EXIT_USAGE (output file problem found before any training),
 * OVS_EXIT_FAILURE (I/O failure while running). *unclean is set (on every rank) when a write
 * failed inside HDF5: the process must then end without MPI_Finalize (checkpoint.h). */
int ovs_sweep_run(MPI_Comm comm, const ovs_config *cfg, int *unclean);

#endif
