/* outfile.h - the output file's life on disk: where a checkpoint is written before it
 * replaces the file (a temporary name in the same directory, so that rename is atomic), the
 * checks on the output path before anything runs, and making a new checkpoint durable and
 * putting it in place.
 *
 * Pure POSIX (no MPI, no HDF5); called by one rank. Returns OVS_OK or an OVS_E* code with a
 * one-line message in err. */
#ifndef OVS_OUTFILE_H
#define OVS_OUTFILE_H

#include <stddef.h>

/* The temporary path used for checkpoints of path. */
void ovs_outfile_temp_path(const char *path, char *out, size_t outlen);

/* The output path can be written: not a directory, in an existing directory where a file
 * can be created (probed with the temporary name, removed at once). */
int ovs_outfile_check(const char *path, char *err, size_t errlen);

/* Make the new checkpoint at tmp durable (fsync), then atomically rename it over path and
 * sync the directory. */
int ovs_outfile_commit(const char *tmp, const char *path, char *err, size_t errlen);

/* Remove the temporary file of a failed checkpoint (if any). */
void ovs_outfile_discard(const char *tmp);

#endif
