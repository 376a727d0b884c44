/* isolate.c - a function run in a child process; see isolate.h. */
#include "isolate.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int ovs_bytes_add(ovs_bytes *b, const void *p, size_t n)
{
    if (n == 0) /* p may be NULL then, and memcpy's arguments must not be */
        return 0;
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
    ovs_bytes out = {0};
    fn(arg, &out);
    for (size_t sent = 0; sent < out.len;) {
        ssize_t n = write(fd, out.data + sent, out.len - sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            _exit(3);
        sent += (size_t)n;
    }
    _exit(0);
}

int ovs_isolate(void (*fn)(void *arg, ovs_bytes *out), void *arg, ovs_bytes *result)
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
    unsigned char buf[65536];
    for (;;) { /* read to the end before waiting: the child blocks on a full pipe */
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0 || ovs_bytes_add(result, buf, (size_t)n) != 0)
            break;
    }
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (WIFSIGNALED(status))
        return WTERMSIG(status);
    /* a child that could not send its result counts as a crash (SIGPIPE-like) */
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 13;
}
