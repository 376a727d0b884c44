/* outfile.h - the output file's life on disk: the checks on its path, the lock that keeps a
 * second ovsweep from writing it, the private directory where checkpoints are written before
 * they replace it, and making each one durable and putting it in place.
 *
 * Pure POSIX (no MPI, no HDF5); rank 0 alone calls these. Returns OVS_OK or an OVS_E* code
 * with a one-line message in err.
 *
 * Safety in shared directories: nothing ovsweep writes beside the output follows a symbolic
 * link or can be planted by another user. The lock file is opened with O_NOFOLLOW and locked
 * with fcntl (released by the kernel when the process dies, so a killed run never blocks a
 * resume); checkpoints are written inside a directory created by mkdtemp (mode 0700) and
 * renamed over the output. If the output path is itself a symbolic link, the first checkpoint
 * replaces the link with a regular file; the link's target is never written. */
#ifndef OVS_OUTFILE_H
#define OVS_OUTFILE_H

#include <stddef.h>
#include <stdint.h>

/* Output paths are at most 4095 characters (config.h); the names made beside them add less
 * than 64, the checkpoint's inside its directory less than 64 more. */
#define OVS_OUTFILE_DIR_MAX 4096
#define OVS_OUTFILE_PATH_MAX (OVS_OUTFILE_DIR_MAX + 128)

/* The slowest file system the time limits on the output's writes and reads allow for (bytes a
 * second; a slow network file system): the checkpoint watchdog's (timeleft.h) and a stop's
 * grace for a read-back (stop.h). */
#define OVS_OUTFILE_SLOW_RATE 4e6

typedef struct ovs_outfile {
    char path[OVS_OUTFILE_DIR_MAX];    /* the output */
    char dir[OVS_OUTFILE_DIR_MAX];     /* its directory */
    char lock[OVS_OUTFILE_DIR_MAX + 64];   /* the lock file beside it */
    char tmpdir[OVS_OUTFILE_DIR_MAX + 64]; /* private directory of the checkpoints ("" until made) */
    char tmp[OVS_OUTFILE_PATH_MAX];    /* the checkpoint being written, inside tmpdir */
    int lock_fd;                     /* -1 when not locked */
    int no_lock;                     /* the errno of a file system without record locks
                                        (ENOLCK, ...): no lock held, none could be */
} ovs_outfile;

/* The output path can be written: not a directory, in an existing directory where files can
 * be created. Nothing is left behind. */
int ovs_outfile_check(const char *path, char *err, size_t errlen);

/* Check the path, take the lock (refused with OVS_EBUSY and "FILE is being written by another
 * ovsweep (pid P on host H)" while another run holds it; none, with no_lock set, where the
 * file system gives no locks), remove what a killed earlier run left (its checkpoint
 * directory), and make this run's checkpoint directory. */
int ovs_outfile_open(const char *path, ovs_outfile *of, char *err, size_t errlen);

/* Remove the checkpoint directory, then release and remove the lock. Async-signal-safe
 * (unlink, rmdir, close): the checkpoint watchdog's handler calls it. */
void ovs_outfile_close(ovs_outfile *of);

/* Make the checkpoint written at of->tmp durable (fsync), rename it over the output and sync
 * the directory. */
int ovs_outfile_commit(ovs_outfile *of, char *err, size_t errlen);

/* Remove the checkpoint of a failed write (if any). */
void ovs_outfile_discard(const ovs_outfile *of);

/* Bytes free for an unprivileged writer in the output's directory, or -1 if unknown. */
int64_t ovs_outfile_free_bytes(const char *path);

#endif
