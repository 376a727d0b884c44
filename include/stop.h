/* stop.h - the stop signals. SIGUSR1, SIGTERM and SIGINT ask the run to stop cleanly: every
 * rank stops taking work, a checkpoint is written and the ranks exit OVS_EXIT_INTERRUPTED
 * (sweep.h). They are counted, so that a read begun after a stop can tell a later one.
 *
 * Pure POSIX (sigaction, clock_gettime); not collective. */
#ifndef OVS_STOP_H
#define OVS_STOP_H

/* Catch SIGUSR1, SIGTERM and SIGINT from here on. Call before MPI_Init (main.c does, from a
 * constructor), so that a signal that arrives early interrupts cleanly instead of killing the
 * rank. */
void ovs_stop_catch_signals(void);

/* Whether a stop signal has been caught. */
int ovs_stop_requested(void);

/* Rank 0's reads of the output in a child process (isolate.h) give way to a stop: one still
 * under way grace seconds after a stop signal is abandoned (a file system that never answers,
 * an NFS hard mount, would otherwise hold the stop until the job is killed), while a healthy
 * read ends first. later_only: only a signal caught after ovs_stop_watch_start counts (a
 * checkpoint's read-back: the stop that asked for the checkpoint must not abandon it);
 * otherwise any, also one caught before. ovs_stop_waited is ovs_isolate's abandon, with the
 * watch as its ctx. */
typedef struct ovs_stop_watch {
    int since;    /* the signals that do not count */
    double grace; /* seconds a read may go on after a stop that counts */
    double seen;  /* when one that counts was first seen (monotonic seconds); < 0: not yet */
} ovs_stop_watch;
ovs_stop_watch ovs_stop_watch_start(int later_only, double grace);
int ovs_stop_waited(void *watch);

/* The grace of a start-up's reads (nothing trained yet: nothing is lost by giving up). */
#define OVS_STOP_GRACE_STARTUP 1.0

/* The grace of a checkpoint's read-back of a file of the given bytes: 1 s, or the file at
 * 4 MB/s where that is longer. Abandoning a healthy read-back discards its checkpoint (the
 * trials since the previous one are lost), and a SIGUSR1 (SLURM's --signal) leaves time. */
double ovs_stop_grace_readback(double bytes);

#endif
