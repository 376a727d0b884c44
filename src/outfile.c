/* outfile.c - path checks, the writer's lock, the private checkpoint directory and the atomic
 * commit; see outfile.h. */
#include "outfile.h"

#include "status.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#define CKPT_NAME "checkpoint.h5"
#define TMPDIR_PREFIX ".ovsweep-"

/* dir and base name of path (copies; the inputs are not modified). */
static int split_path(const char *path, char *dir, char *base, size_t len)
{
    char *a = strdup(path), *b = strdup(path);
    int ok = a && b;
    if (ok) {
        snprintf(dir, len, "%s", dirname(a));
        snprintf(base, len, "%s", basename(b));
    }
    free(a);
    free(b);
    return ok ? OVS_OK : OVS_ENOMEM;
}

int ovs_outfile_check(const char *path, char *err, size_t errlen)
{
    struct stat st;
    char dir[OVS_OUTFILE_DIR_MAX], base[OVS_OUTFILE_DIR_MAX];
    const int exists = stat(path, &st) == 0, stat_errno = errno;
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--output: '%s' is a directory", path);
        return OVS_EIO;
    }
    /* A FIFO, device or socket: probing it for an ovsweep file would block on a FIFO until a
     * writer came (SIGTERM does not end that wait), and the first checkpoint would rename a
     * regular file over it (over /dev/null, as root). */
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--output: '%s' is not a regular file", path);
        return OVS_EIO;
    }
    /* A file made read-only (chmod a-w, to keep it as it is): each checkpoint is a rename
     * over the output, which the directory's permissions allow, so only this check keeps
     * --force and --resume from replacing it. The mode bits too: root may write anything. */
    if (exists && ((st.st_mode & 0222) == 0 || access(path, W_OK) != 0)) {
        snprintf(err, errlen,
                 "--output: '%s' is write-protected (mode %04o): make it writable (chmod u+w) "
                 "to continue or replace it",
                 path, (unsigned)(st.st_mode & 07777));
        return OVS_EIO;
    }
    if (split_path(path, dir, base, sizeof dir) != OVS_OK)
        return OVS_ENOMEM;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--output: directory '%s' does not exist", dir);
        return OVS_EIO;
    }
    /* Names no file can have, refused here and not at the first checkpoint's rename (exit 1,
     * after the start-up; --dry-run passed them): "NAME/" (after a regular file, or a name
     * that does not exist), and a name the file system refuses (ENAMETOOLONG). */
    size_t len = strlen(path);
    if (len > 0 && path[len - 1] == '/') {
        snprintf(err, errlen, "--output: '%s' ends in '/': name a file", path);
        return OVS_EIO;
    }
    if (!exists && stat_errno != ENOENT) {
        snprintf(err, errlen, "--output: '%s': %s", path, strerror(stat_errno));
        return OVS_EIO;
    }
    /* A probe directory, made and removed at once: whether this user can create here. */
    char probe[OVS_OUTFILE_DIR_MAX + 32];
    snprintf(probe, sizeof probe, "%s/" TMPDIR_PREFIX "XXXXXX", dir);
    if (!mkdtemp(probe)) {
        snprintf(err, errlen, "--output: directory '%s' is not writable", dir);
        return OVS_EIO;
    }
    rmdir(probe);
    return OVS_OK;
}

/* FNV-1a, for the lock name of an output whose name is too long to prefix. */
static unsigned long long name_hash(const char *s)
{
    unsigned long long h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* ".NAME.ovsweep-lock" beside the output, or a hashed name when NAME is too long for that.
 * Fits in len for every accepted output path (at most 4095 characters). */
static void lock_path(const char *dir, const char *base, char *out, size_t len)
{
    int n = strlen(base) + 16 <= NAME_MAX
                ? snprintf(out, len, "%s/.%s.ovsweep-lock", dir, base)
                : snprintf(out, len, "%s/.ovsweep-lock-%016llx", dir, name_hash(base));
    if (n < 0 || (size_t)n >= len)
        out[0] = '\0';
}

/* The holder recorded in a lock file: "pid P host H tmp T". */
static void read_holder(int fd, char *buf, size_t len)
{
    ssize_t n = pread(fd, buf, len - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
}

/* Remove the checkpoint directory a killed run recorded in the lock (we hold the lock now, so
 * that run is gone). Only a directory of ours by name, beside the output. */
static void remove_stale(const ovs_outfile *of, const char *holder)
{
    const char *t = strstr(holder, " tmp ");
    if (!t)
        return;
    t += 5;
    if (strncmp(t, TMPDIR_PREFIX, strlen(TMPDIR_PREFIX)) != 0 || strchr(t, '/'))
        return;
    char d[OVS_OUTFILE_DIR_MAX * 2], f[OVS_OUTFILE_DIR_MAX * 2 + 32];
    snprintf(d, sizeof d, "%s/%s", of->dir, t);
    snprintf(f, sizeof f, "%s/%s", d, CKPT_NAME);
    unlink(f);
    rmdir(d);
}

/* Lock of->lock: open without following links, lock, and make sure the file locked is still
 * the one at the path (another run may have removed it between open and lock). */
static int take_lock(ovs_outfile *of, char *holder, size_t hlen, char *err, size_t errlen)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(of->lock, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "%s: cannot open the lock file (%s)", of->lock, strerror(errno));
            return OVS_EIO;
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            if (errno != EACCES && errno != EAGAIN) {
                /* Not "held by another" (POSIX: EACCES, EAGAIN) but a file system that gives
                 * no record locks (NFS without lockd: ENOLCK; Lustre mounted noflock; some
                 * FUSE): refusing would stop every run there, so go on without the lock, as
                 * HDF5's best-effort locking does, and say so (no_lock) */
                of->no_lock = errno;
                close(fd);
                unlink(of->lock);
                holder[0] = '\0';
                return OVS_OK;
            }
            read_holder(fd, holder, hlen);
            close(fd);
            snprintf(err, errlen, "%s is being written by another ovsweep (%s)", of->path,
                     holder[0] ? holder : "holder unknown");
            char *t = strstr(err, " tmp ");
            if (t) /* the holder's directory is ours to know, not the user's */
                strcpy(t, ")");
            return OVS_EBUSY;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && lstat(of->lock, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            read_holder(fd, holder, hlen);
            of->lock_fd = fd;
            return OVS_OK;
        }
        close(fd); /* removed or replaced under us: try again */
    }
    snprintf(err, errlen, "%s: the lock file keeps changing", of->lock);
    return OVS_EIO;
}

/* Record this run in the lock file: "pid P host H tmp T". */
static void write_holder(const ovs_outfile *of)
{
    char host[256] = "?", line[OVS_OUTFILE_PATH_MAX + 512];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = '\0';
    const char *t = strrchr(of->tmpdir, '/');
    int n = snprintf(line, sizeof line, "pid %ld on host %s tmp %s\n", (long)getpid(), host,
                     t ? t + 1 : "");
    if (of->lock_fd >= 0 && ftruncate(of->lock_fd, 0) == 0 && n > 0)
        (void)!pwrite(of->lock_fd, line, (size_t)n, 0);
}

int ovs_outfile_open(const char *path, ovs_outfile *of, char *err, size_t errlen)
{
    memset(of, 0, sizeof *of);
    of->lock_fd = -1;
    char base[OVS_OUTFILE_DIR_MAX], holder[OVS_OUTFILE_PATH_MAX + 512];
    int rc = ovs_outfile_check(path, err, errlen);
    if (rc != OVS_OK)
        return rc;
    if (strlen(path) >= sizeof of->path || split_path(path, of->dir, base, sizeof base) != OVS_OK)
        return OVS_ENOMEM;
    snprintf(of->path, sizeof of->path, "%s", path);
    lock_path(of->dir, base, of->lock, sizeof of->lock);
    rc = take_lock(of, holder, sizeof holder, err, errlen);
    if (rc != OVS_OK)
        return rc;
    remove_stale(of, holder);
    snprintf(of->tmpdir, sizeof of->tmpdir, "%s/" TMPDIR_PREFIX "XXXXXX", of->dir);
    if (!mkdtemp(of->tmpdir)) {
        snprintf(err, errlen, "--output: cannot create a directory in '%s' (%s)", of->dir,
                 strerror(errno));
        of->tmpdir[0] = '\0';
        ovs_outfile_close(of);
        return OVS_EIO;
    }
    snprintf(of->tmp, sizeof of->tmp, "%s/" CKPT_NAME, of->tmpdir);
    write_holder(of);
    return OVS_OK;
}

void ovs_outfile_close(ovs_outfile *of)
{
    if (of->tmpdir[0]) {
        unlink(of->tmp);
        rmdir(of->tmpdir);
        of->tmpdir[0] = '\0';
    }
    if (of->lock_fd >= 0) {
        unlink(of->lock); /* while still holding it: see take_lock's check */
        close(of->lock_fd);
        of->lock_fd = -1;
    }
}

int ovs_outfile_commit(ovs_outfile *of, char *err, size_t errlen)
{
    int fd = open(of->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    /* The output's permission bits carry over to the checkpoint that replaces it: a chmod
     * (g+r for a group's readers, say) was lost at the next checkpoint, whose new file has
     * 0666 less the umask. Read at each commit, so a chmod during the run holds too. */
    struct stat st;
    if (fd >= 0 && stat(of->path, &st) == 0 && S_ISREG(st.st_mode))
        (void)!fchmod(fd, st.st_mode & 0777);
    if (fd < 0 || fsync(fd) != 0) {
        snprintf(err, errlen, "%s: cannot sync the new checkpoint (%s)", of->path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return OVS_EIO;
    }
    close(fd);
    if (rename(of->tmp, of->path) != 0) {
        snprintf(err, errlen, "%s: cannot rename the checkpoint into place (%s)", of->path,
                 strerror(errno));
        return OVS_EIO;
    }
    int dfd = open(of->dir, O_RDONLY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* the rename's durability; best effort where directories cannot sync */
        close(dfd);
    }
    return OVS_OK;
}

void ovs_outfile_discard(const ovs_outfile *of)
{
    if (of->tmp[0])
        unlink(of->tmp);
}

int64_t ovs_outfile_free_bytes(const char *path)
{
    char dir[OVS_OUTFILE_DIR_MAX], base[OVS_OUTFILE_DIR_MAX];
    struct statvfs sv;
    if (split_path(path, dir, base, sizeof dir) != OVS_OK || statvfs(dir, &sv) != 0)
        return -1;
    return (int64_t)sv.f_bavail * (int64_t)sv.f_frsize;
}
