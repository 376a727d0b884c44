/* fatal.h - last-resort exit for the MPI layer: a rank that cannot continue and cannot tell
 * the others (e.g. an allocation failure in the middle of the dispatch loop).
 *
 * Prints "ovsweep: rank R: file:line: message" and calls MPI_Abort(MPI_COMM_WORLD, 1), or
 * _Exit(1) when MPI is not initialised. Everything else returns status codes. */
#ifndef OVS_FATAL_H
#define OVS_FATAL_H

__attribute__((noreturn, format(printf, 3, 4))) void ovs_die_at(const char *file, int line,
                                                                const char *fmt, ...);
#define OVS_DIE(...) ovs_die_at(__FILE__, __LINE__, __VA_ARGS__)
#define OVS_MPI_CHECK(call)                                                                \
    do {                                                                                   \
        int ovs_rc_ = (call);                                                              \
        if (ovs_rc_ != MPI_SUCCESS)                                                        \
            OVS_DIE("%s failed (MPI error %d)", #call, ovs_rc_);                           \
    } while (0)

#endif
