/* isolate.h - running a function in a child process, so that a crash inside it (the HDF5
 * library reading a hostile or damaged file can crash: its global heap, where variable-length
 * strings live, carries no checksum) ends the child, not the sweep. The child's result comes
 * back as bytes through a pipe.
 *
 * The caller's predicate can abandon the child (ovsweep's: a stop signal left waiting): a
 * child reading a file system that never answers must not keep a run from stopping
 * (docs/RELIABILITY.md).
 *
 * Pure POSIX (fork, pipe, poll, kill, waitpid); the child calls no MPI function and leaves
 * with _exit. */
#ifndef OVS_ISOLATE_H
#define OVS_ISOLATE_H

#include <stddef.h>

/* A growable byte buffer. In the isolated child (ovs_isolate) it sends what it holds down
 * the pipe once it passes 1 MiB, so that a child's result takes no more of its memory than
 * that, whatever its size: what is sent cannot be taken back (a result that ends in an error
 * must say so at its end). */
typedef struct ovs_bytes {
    unsigned char *data;
    size_t len, cap;
    int drain; /* the child's pipe + 1; 0: keep everything */
} ovs_bytes;

/* Append n bytes; 0, or -1 when out of memory. */
int ovs_bytes_add(ovs_bytes *b, const void *p, size_t n);
void ovs_bytes_free(ovs_bytes *b);

enum { OVS_ISOLATE_STOPPED = -2, OVS_ISOLATE_NOMEM = -3 };

/* Run fn(arg, out) in a child process and collect what it appended to out into result.
 * abandon(ctx) (abandon NULL: never) is asked every 100 ms while the child runs; once it
 * returns nonzero the child is abandoned: killed (SIGKILL), reaped if it goes within 0.2 s and
 * otherwise left (a child in uninterruptible sleep in a stuck file system cannot be reaped
 * until its I/O returns), result then partial. Returns 0 when the child ran to the end, the
 * number of the signal that ended it, OVS_ISOLATE_STOPPED, OVS_ISOLATE_NOMEM when result
 * could not grow to hold what the child sent (the child killed, result->len 0), or -1 when
 * no child could be made (fn then runs here, abandon unheeded). */
int ovs_isolate(void (*fn)(void *arg, ovs_bytes *out), void *arg, ovs_bytes *result,
                int (*abandon)(void *ctx), void *ctx);

#endif
