/* startup.h - everything before the first trial: rank 0 locks and checks the output, probes
 * what is there and loads a file being resumed (checked against the command, record by
 * record); every rank gets its share of the finished trials and rank 0 the queue of the rest.
 * And --dry-run, which states what such a run would do and need.
 *
 * Collective on comm: the verdict and the loaded trials are broadcast from rank 0. */
#ifndef OVS_STARTUP_H
#define OVS_STARTUP_H

#include <mpi.h>
#include <stdint.h>

#include "checkpoint.h"
#include "design.h"
#include "h5read.h"
#include "outfile.h"
#include "plan.h"

/* The work left. */
typedef struct ovs_work {
    int64_t *queue, qlen; /* rank 0: the trials to run, longest expected first */
    double cost_left;     /* rank 0: their estimated cost */
    int64_t done, successes; /* trials (and successes) already finished (loaded) */
    ovs_h5_runs prior; /* what a resumed file (or the merged files) says of its runs ("" for
                          a new file): its kernel_builds and openblas_cores on every rank, its
                          history on rank 0 */
    int merged;        /* rank 0: --merge: how many files */
} ovs_work;

/* Collective. On OVS_OK rank 0 holds the output (locked) in out, every rank its share of the
 * loaded records in mine (item % size == rank), rank 0 the queue in work. With an adaptive
 * design (NULL for a grid; every rank passes its own, new), every rank replays it over the
 * loaded trials, and the queue is the current round's undone trainings. Otherwise the error
 * (printed by rank 0) on every rank, nothing touched: OVS_ESTOPPED when a stop signal
 * abandoned rank 0's read of the output. */
int ovs_startup(MPI_Comm comm, const ovs_plan *plan, ovs_outfile *out, ovs_records *mine,
                ovs_work *work, ovs_design *design);
void ovs_work_free(ovs_work *work);

/* Collective. --dry-run: rank 0 checks the output path as a run would (and, with --resume,
 * reads the file), then prints the plan, the work left and its estimated time, the file's
 * size and the free space, and rank 0's memory. Returns the exit status (OVS_EXIT_OK,
 * OVS_EXIT_USAGE when the run would be refused, OVS_EXIT_INTERRUPTED when a stop signal
 * abandoned the read). */
int ovs_dry_run(MPI_Comm comm, const ovs_plan *plan);

#endif
