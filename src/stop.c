/* stop.c - the stop signals; see stop.h. */
#include "stop.h"

#include "outfile.h"

#include <signal.h>
#include <string.h>
#include <time.h>

/* The stop signals caught so far. */
static volatile sig_atomic_t stops;

static void on_signal(int sig)
{
    (void)sig;
    stops++; /* the other stop signals are blocked meanwhile (sa_mask) */
}

void ovs_stop_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    sigaddset(&sa.sa_mask, SIGTERM);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

int ovs_stop_requested(void)
{
    return stops != 0;
}

ovs_stop_watch ovs_stop_watch_start(int later_only, double grace)
{
    return (ovs_stop_watch){later_only ? stops : 0, grace, -1.0};
}

double ovs_stop_grace_readback(double bytes)
{
    const double slow_fs = OVS_OUTFILE_SLOW_RATE;
    return bytes / slow_fs > OVS_STOP_GRACE_STARTUP ? bytes / slow_fs : OVS_STOP_GRACE_STARTUP;
}

int ovs_stop_waited(void *watch)
{
    ovs_stop_watch *w = watch;
    if (stops <= w->since)
        return 0;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    const double now = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    if (w->seen < 0)
        w->seen = now;
    return now - w->seen >= w->grace;
}
