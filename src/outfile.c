/* outfile.c - temporary name, path checks and atomic commit; see outfile.h. */
#include "outfile.h"

#include "status.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void ovs_outfile_temp_path(const char *path, char *out, size_t outlen)
{
    char *a = strdup(path), *b = strdup(path);
    if (!a || !b)
        snprintf(out, outlen, "%s.ovsweep-tmp", path);
    else
        snprintf(out, outlen, "%s/.%s.ovsweep-tmp", dirname(a), basename(b));
    free(a);
    free(b);
}

int ovs_outfile_check(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--output: '%s' is a directory", path);
        return OVS_EIO;
    }
    char *copy = strdup(path);
    if (!copy)
        return OVS_ENOMEM;
    const char *dir = dirname(copy);
    int rc = OVS_OK;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "--output: directory '%s' does not exist", dir);
        rc = OVS_EIO;
    } else {
        char tmp[4096 + 64];
        ovs_outfile_temp_path(path, tmp, sizeof tmp);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd < 0) {
            snprintf(err, errlen, "--output: directory '%s' is not writable", dir);
            rc = OVS_EIO;
        } else {
            close(fd);
            unlink(tmp);
        }
    }
    free(copy);
    return rc;
}

int ovs_outfile_commit(const char *tmp, const char *path, char *err, size_t errlen)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "%s: cannot sync the new checkpoint", tmp);
        return OVS_EIO;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, "%s: cannot rename the checkpoint into place", path);
        return OVS_EIO;
    }
    char *copy = strdup(path);
    if (copy) {
        int dfd = open(dirname(copy), O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd); /* the rename's durability; best effort on file systems without it */
            close(dfd);
        }
        free(copy);
    }
    return OVS_OK;
}

void ovs_outfile_discard(const char *tmp)
{
    unlink(tmp);
}
