/* isolate.c - a function run in a child process; see isolate.h. */
#include "isolate.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* How often the parent asks whether to abandon a silent child. (The stop signals' handler
 * restarts read(), so the wait is a poll with a timeout, which no signal restarts.) */
enum { POLL_MS = 100 };

/* The child's buffer is sent once it would pass this. */
enum { DRAIN_BYTES = 1 << 20 };

/* Write all n bytes of p to fd; 0, or -1 (the parent gone). */
static int send_all(int fd, const void *p, size_t n)
{
    for (size_t sent = 0; sent < n;) {
        ssize_t m = write(fd, (const unsigned char *)p + sent, n - sent);
        if (m < 0 && errno == EINTR)
            continue;
        if (m <= 0)
            return -1;
        sent += (size_t)m;
    }
    return 0;
}

int ovs_bytes_add(ovs_bytes *b, const void *p, size_t n)
{
    if (n == 0) /* p may be NULL then, and memcpy's arguments must not be */
        return 0;
    if (b->drain && b->len + n > DRAIN_BYTES) {
        if (send_all(b->drain - 1, b->data, b->len) != 0)
            return -1;
        b->len = 0;
        if (n > DRAIN_BYTES)
            return send_all(b->drain - 1, p, n);
    }
    if (b->len + n > b->cap) {
        size_t cap = 2 * (b->len + n) + 256;
        unsigned char *d = realloc(b->data, cap);
        if (!d)
            return -1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

void ovs_bytes_free(ovs_bytes *b)
{
    free(b->data);
    *b = (ovs_bytes){0};
}

/* The child: run, send everything, leave without running the parent's exit handlers. */
static void child(void (*fn)(void *, ovs_bytes *), void *arg, int fd)
{
    /* a crash ends the child quietly: no inherited handler (Open MPI's prints a backtrace) */
    const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        signal(fatal[i], SIG_DFL);
    ovs_bytes out = {.drain = fd + 1};
    fn(arg, &out);
    _exit(send_all(fd, out.data, out.len) == 0 ? 0 : 3);
}

/* The parent: read the child's result to its end; 0, OVS_ISOLATE_STOPPED when abandon said
 * so first, or OVS_ISOLATE_NOMEM when the result found no room here. */
static int collect(int fd, ovs_bytes *result, int (*abandon)(void *), void *ctx)
{
    unsigned char buf[65536];
    for (;;) {
        if (abandon && abandon(ctx))
            return OVS_ISOLATE_STOPPED;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        const int ready = poll(&pfd, 1, abandon ? POLL_MS : -1);
        if (ready == 0 || (ready < 0 && errno == EINTR))
            continue;
        /* (a failed poll falls through to read, which then says what is wrong) */
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return 0;
        if (ovs_bytes_add(result, buf, (size_t)n) != 0)
            return OVS_ISOLATE_NOMEM;
    }
}

/* End a child the parent no longer reads: SIGKILL, reaped if it goes within 0.2 s. A child
 * stuck in the file system (an NFS hard mount, a FUSE server that never answers) sleeps
 * uninterruptibly: SIGKILL ends it only when the I/O returns, and a blocking waitpid would hang
 * the stop it was killed for; it is left (init reaps it after this process ends). A child
 * still sending when this process ran out of memory would otherwise die of SIGPIPE, which
 * reads as a crash: a damaged file. */
static void give_up(pid_t pid)
{
    int status;
    kill(pid, SIGKILL);
    for (int i = 0; i < 20 && waitpid(pid, &status, WNOHANG) == 0; i++)
        nanosleep(&(struct timespec){0, 10000000}, NULL);
}

int ovs_isolate(void (*fn)(void *arg, ovs_bytes *out), void *arg, ovs_bytes *result,
                int (*abandon)(void *ctx), void *ctx)
{
    int fds[2];
    if (pipe(fds) != 0) {
        fn(arg, result);
        return -1;
    }
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        fn(arg, result);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        child(fn, arg, fds[1]);
    }
    close(fds[1]);
    /* read to the end before waiting: the child blocks on a full pipe */
    const int stopped = collect(fds[0], result, abandon, ctx);
    close(fds[0]);
    int status = 0;
    if (stopped == OVS_ISOLATE_NOMEM)
        result->len = 0; /* a partial result is of no use */
    if (stopped) {
        give_up(pid);
        return stopped;
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    /* a child that could not send its result counts as a crash (SIGPIPE-like) */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 13;
}
