/* resumeargs.h - `ovsweep --resume -o FILE` without the rest of the command line: the file's
 * stored settings become the defaults of the command (and --merge's: the first file's).
 *
 * Rank 0 reads the settings (h5read.h; in a child process, as every read of an existing
 * output: a damaged file cannot crash the run) and every rank parses the file's settings
 * followed by the command's own arguments, so that a flag given explicitly wins and is then
 * checked against the file as before (and refused when it differs; --trials may grow). */
#ifndef OVS_RESUMEARGS_H
#define OVS_RESUMEARGS_H

#include <mpi.h>
#include <stddef.h>

#include "config.h"

/* Collective on comm. cfg was parsed from argv and has resume set: parse it again with the
 * file's settings first. The command line kept for the file stays argv's. When the file
 * cannot be read, or its settings and the command's do not parse together, cfg is the
 * command's alone (the resume check then names the difference). OVS_OK, a parse error, or
 * OVS_ESTOPPED (on every rank) when a stop signal abandoned rank 0's read (stop.h). */
int ovs_resume_args(MPI_Comm comm, int argc, char **argv, ovs_config *cfg, char *err,
                    size_t errlen);

/* The same for --merge FILES: the settings of the first file (merge.h) but which part of the
 * sweep it holds, so that `--merge 'part*.h5' -o FILE` alone merges the parts of a sweep. */
int ovs_merge_args(MPI_Comm comm, int argc, char **argv, ovs_config *cfg, char *err,
                   size_t errlen);

#endif
