/* checkpoint.h - writing the sweep's file from every rank's finished trials: the global
 * counts, the provenance, the collective write to a temporary file and its atomic
 * replacement of the output.
 *
 * Collective on comm (every function below is called by every rank): it communicates
 * (MPI_Allreduce, MPI_Bcast, MPI_Allgather) to count, to share rank 0's clock and the host
 * names, and to agree on the outcome. */
#ifndef OVS_CHECKPOINT_H
#define OVS_CHECKPOINT_H

#include <mpi.h>
#include <stdint.h>

#include "design.h"
#include "h5write.h"
#include "outfile.h"
#include "plan.h"
#include "trial.h"

/* One rank's finished trials (kept sorted by item at every checkpoint). */
typedef struct ovs_records {
    ovs_record *recs;
    int64_t n, cap;
} ovs_records;

/* Append r; OVS_OK or OVS_ENOMEM. Not collective. */
int ovs_records_add(ovs_records *r, const ovs_record *rec);
void ovs_records_free(ovs_records *r);

typedef struct ovs_checkpointer {
    MPI_Comm comm;
    int rank, size;
    const ovs_plan *plan;
    ovs_outfile *out;                     /* rank 0: the output (locked); NULL elsewhere */
    char tmp[OVS_OUTFILE_PATH_MAX];       /* where every rank writes the checkpoint */
    double bytes;                         /* about how large the file is */
    /* A write failed inside HDF5: the library may hold a file it could not close, which it
     * would try to close again, collectively, in MPI_Finalize. The caller must then exit
     * without MPI_Finalize (every rank knows, as every rank agreed on the failure). */
    int unclean;
    ovs_provenance prov;
    int32_t *success_count, *trials_done; /* [groups][K][D] as of the last checkpoint */
    int64_t total_done;                   /* trials done as of the last checkpoint */
    int64_t saved; /* trials in the output as of the last checkpoint that replaced it; -1: none */
    int complete; /* the last checkpoint held every planned trial (adaptive: the design ended) */
    int n_written;                        /* checkpoints written, and their wall time */
    double seconds, max_seconds;
} ovs_checkpointer;

/* Collective. Gather the provenance (start time, hosts, libraries), share where checkpoints
 * are written (out: rank 0's opened output, NULL on the other ranks) and allocate the counts.
 * OVS_OK or OVS_ENOMEM (on every rank). */
int ovs_checkpoint_init(ovs_checkpointer *ck, MPI_Comm comm, const ovs_plan *plan,
                        ovs_outfile *out);
/* The file's kernel_builds become prior_builds (a resumed file's, "" for none), then this
 * run's builds not among them (none when the run trains nothing: a merge): the builds that
 * computed the file's trials, across resumes; likewise its openblas_cores with prior_cores.
 * Call on every rank with the same priors (the root attributes are written collectively). */
int ovs_checkpoint_merge_prior(ovs_checkpointer *ck, const char *prior_builds,
                               const char *prior_cores, int trains);
/* The file's history (history.h) becomes prior's lines (rank 0's: a resumed file's or the
 * merged files', "" for none) and this run's line (resumed: a --resume of a file holding done
 * trials; merged: a --merge of that many files holding them; the builds are this run's, so
 * call before ovs_checkpoint_merge_prior), on every rank. */
void ovs_checkpoint_add_history(ovs_checkpointer *ck, const char *prior, int resumed,
                                int merged, int64_t done, const char *command_line);
void ovs_checkpoint_free(ovs_checkpointer *ck);

/* Collective. The global per-cell counts (success_count, trials_done, total_done) of every
 * rank's records (mine, sorted here by item). */
void ovs_checkpoint_count(ovs_checkpointer *ck, ovs_records *mine);

/* Collective. Write the whole file (the counts of the last ovs_checkpoint_count, the records,
 * and the adaptive design's rows and history when design is not NULL: every rank holds the same
 * design) in the private checkpoint directory and rename it over the output. Returns OVS_OK, or an error on
 * every rank with its message printed by rank 0; the previous file is then untouched and the
 * new one removed (OVS_ESTOPPED: a stop signal abandoned rank 0's read-back, stop.h).
 * Refuses to start a write the file system has no room for ("full"); a write
 * that does not end within a generous limit (a rank stuck in a collective that another rank
 * left) ends the process with a message (watchdog). */
int ovs_checkpoint_write(ovs_checkpointer *ck, const ovs_records *mine,
                         const ovs_design *design);

#endif
