/*  fo_test_tmpdir — see fo_test_tmpdir.h. */
#include "fo_test_tmpdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper than this is left (a path that long is a test's mischief). */
#define MAX_DEPTH 256

static const char *
base_dir (const fo_env *step_env)
{
    const char *tmp = step_env ? fo_env_get (step_env, "TMPDIR") : NULL;
    if (!tmp || tmp[0] != '/' || strlen (tmp) > 1024)
        tmp = getenv ("TMPDIR");
    if (!tmp || tmp[0] != '/' || strlen (tmp) > 1024)
        tmp = "/tmp";
    return tmp;
}

char *
fo_test_tmpdir_make (const fo_env *step_env, const char *prefix, char *err, size_t errlen)
{
    const char *tmp = base_dir (step_env);
    char *dir = fo_xasprintf ("%s/fanout-%s-XXXXXX", tmp, prefix);
    if (mkdtemp (dir))
        return dir;
    fo_err (err, errlen, "cannot make a temporary directory in %s: %s", tmp, strerror (errno));
    free (dir);
    return NULL;
}

/* Removes the directory name in parent (or, not a directory, the entry),
   on file system dev only. */
static void
remove_at (int parent, const char *name, dev_t dev, int depth)
{
    struct stat sb;
    if (fstatat (parent, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
        return;
    if (!S_ISDIR (sb.st_mode)) {
        unlinkat (parent, name, 0);
        return;
    }
    if (sb.st_dev != dev || depth > MAX_DEPTH)
        return;     /* a mount point: nothing of another file system */
    /* A directory the test made unreadable or read-only: ours to open. */
    if ((sb.st_mode & S_IRWXU) != S_IRWXU
        && fchmodat (parent, name, (sb.st_mode & 07777) | S_IRWXU, 0) != 0)
        return;     /* not ours to open: left (best effort) */
    int fd = openat (parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return;
    DIR *d = fdopendir (fd);
    if (!d) {
        close (fd);
        return;
    }
    struct dirent *ent;
    while ((ent = readdir (d)) != NULL)
        if (strcmp (ent->d_name, ".") != 0 && strcmp (ent->d_name, "..") != 0)
            remove_at (dirfd (d), ent->d_name, dev, depth + 1);
    closedir (d);
    unlinkat (parent, name, AT_REMOVEDIR);
}

void
fo_test_tmpdir_remove (const char *dir)
{
    struct stat sb;
    if (!dir || lstat (dir, &sb) != 0 || !S_ISDIR (sb.st_mode))
        return;
    remove_at (AT_FDCWD, dir, sb.st_dev, 0);
}
