/* status.h - status codes shared by every ovsweep module.
 *
 * Pure: functions return one of these; only main.c prints and exits. */
#ifndef OVS_STATUS_H
#define OVS_STATUS_H

#include "ieee.h" /* every module includes this header: the build's arithmetic is checked once */

enum {
    OVS_OK = 0,
    OVS_EINVAL = 1, /* invalid argument or configuration */
    OVS_ENOMEM = 2, /* allocation failed */
    OVS_EIO = 3,    /* file or I/O error */
    OVS_EFORMAT = 4, /* a file that is not (this kind of) ovsweep file, or a damaged one */
    OVS_EBUSY = 5,   /* the output is being written by another ovsweep */
    OVS_ESTOPPED = 6 /* a stop signal abandoned a read of the output (isolate.h) */
};

/* Process exit statuses (sysexits-style where one fits). */
enum {
    OVS_EXIT_OK = 0,
    OVS_EXIT_FAILURE = 1,
    OVS_EXIT_USAGE = 2,
    OVS_EXIT_INTERRUPTED = 75 /* EX_TEMPFAIL: interrupted, resumable with --resume */
};

#endif
