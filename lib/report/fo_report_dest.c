/*  fo_report_dest — see fo_report_dest.h.

    Every descriptor the report needs is taken at the check, before the
    run: a run that ends out of descriptors (a test suite under a tight
    `ulimit -n`) can still write its report. A new or replaced file is an
    unnamed O_TMPFILE in the target's directory, linked under a temporary
    name and renamed over the path only when complete, so that nothing is
    left behind however fanout ends before that. Where the filesystem has
    no O_TMPFILE, the check makes and removes a named temporary file (the
    directory takes files) and the file written is made at the end. */
#include "fo_report_dest.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_util.h"

typedef enum {
    DEST_REPLACE,       /* a temporary file renamed over the path */
    DEST_IN_PLACE,      /* the path itself, opened for writing */
    DEST_STDIO,         /* one of our own standard descriptors */
} dest_kind;

struct fo_report_dest {
    char *path;
    dest_kind kind;
    /* REPLACE: the unnamed temporary file (O_TMPFILE), or -1 where there
       is none (made at the end, named); IN_PLACE: the path (-1 for a FIFO
       until written); STDIO: 1 or 2 (not ours to close). Once the stream
       is open, it owns this descriptor. */
    int fd;
    bool unnamed;       /* REPLACE: fd is an O_TMPFILE, linked at the commit */
    bool regular;       /* IN_PLACE: the target is a regular file (truncated
                           when written) */
    char *tmp;          /* REPLACE: the temporary file's name, once it has one */
    FILE *stream;
    bool owns_stream;   /* fclose it (not stdout or stderr) */
    bool committed;
};

static bool
same_file (const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/* 1 or 2 when `st` is the file our stdout or stderr writes to, else 0. */
static int
stdio_of (const struct stat *st)
{
    for (int fd = 1; fd <= 2; fd++) {
        struct stat own;
        if (fstat (fd, &own) == 0 && same_file (&own, st))
            return fd;
    }
    return 0;
}

static fo_report_dest *
dest_new (const char *path, dest_kind kind, int fd)
{
    fo_report_dest *self = fo_xcalloc (1, sizeof *self);
    self->path = fo_xstrdup (path);
    self->kind = kind;
    self->fd = fd;
    return self;
}

/* A temporary file next to `path` (0644: a report is for sharing), its
   name in *tmp; -1 with errno set when the directory does not take it. */
static int
make_temporary (const char *path, char **tmp)
{
    *tmp = fo_xasprintf ("%s.tmpXXXXXX", path);
    int fd = mkostemp (*tmp, O_CLOEXEC);
    if (fd < 0) {
        int error = errno;
        free (*tmp);
        *tmp = NULL;
        errno = error;
        return -1;
    }
    fchmod (fd, 0644);          /* mkstemp makes 0600 */
    return fd;
}

/* A file to be written next to `path` later: an unnamed temporary file in
   its directory, held from now on; or, where the filesystem has none, a
   named one made and removed at once (the directory takes files). */
static fo_report_dest *
open_replace (const char *path, const char *what, char *err, size_t errlen)
{
    char *copy = fo_xstrdup (path);
    char *dir = fo_xstrdup (dirname (copy));
    free (copy);
    struct stat st;
    fo_report_dest *self = NULL;
    if (stat (dir, &st) != 0)
        fo_err (err, errlen, "%s '%s': directory '%s' %s", what, path, dir,
                errno == ENOENT ? "does not exist" : strerror (errno));
    else if (!S_ISDIR (st.st_mode))
        fo_err (err, errlen, "%s '%s': '%s' is not a directory", what, path, dir);
    else {
        /* Linking an unnamed file needs /proc/self/fd (linkat through it
           works without privileges). */
        int fd = access ("/proc/self/fd", X_OK) == 0
            ? open (dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644) : -1;
        if (fd >= 0) {
            fchmod (fd, 0644);      /* whatever the umask: a report is for sharing */
            self = dest_new (path, DEST_REPLACE, fd);
            self->unnamed = true;
        }
        else if (fd < 0 && (errno == EACCES || errno == EROFS || errno == EDQUOT
                            || errno == ENOSPC || errno == EMFILE || errno == ENFILE))
            fo_err (err, errlen, "%s '%s': cannot create a file in '%s': %s", what, path, dir,
                    strerror (errno));
        else {
            char *tmp;
            fd = make_temporary (path, &tmp);
            if (fd < 0)
                fo_err (err, errlen, "%s '%s': cannot create a file in '%s': %s", what, path,
                        dir, strerror (errno));
            else {
                unlink (tmp);
                close (fd);
                free (tmp);
                self = dest_new (path, DEST_REPLACE, -1);
            }
        }
    }
    free (dir);
    return self;
}

fo_report_dest *
fo_report_dest_open (const char *path, const char *what, const char *suite, char *err,
                     size_t errlen)
{
    if (!path || !*path) {
        fo_err (err, errlen, "%s needs a file name (or - for standard output)", what);
        return NULL;
    }
    if (strcmp (path, "-") == 0)
        return dest_new (path, DEST_STDIO, STDOUT_FILENO);
    struct stat lst, st;
    if (lstat (path, &lst) != 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            fo_err (err, errlen, "%s '%s': %s", what, path, strerror (errno));
            return NULL;
        }
        return open_replace (path, what, err, errlen);
    }
    if (stat (path, &st) != 0) {
        fo_err (err, errlen, "%s '%s': %s", what, path,
                errno == ENOENT ? "a symbolic link to nothing" : strerror (errno));
        return NULL;
    }
    if (S_ISDIR (st.st_mode)) {
        fo_err (err, errlen, "%s '%s' is a directory", what, path);
        return NULL;
    }
    struct stat sst;
    if (suite && stat (suite, &sst) == 0 && same_file (&sst, &st)) {
        fo_err (err, errlen, "%s '%s' is the suite file: the report would replace it", what, path);
        return NULL;
    }
    int fd = stdio_of (&st);
    if (fd)
        return dest_new (path, DEST_STDIO, fd);
    if (S_ISREG (lst.st_mode))
        return open_replace (path, what, err, errlen);
    /* A symlink (to a file, a descriptor, a device) or a FIFO or device:
       the path stays what it is; the report goes into it. */
    if (S_ISFIFO (st.st_mode)) {
        if (access (path, W_OK) != 0) {
            fo_err (err, errlen, "%s '%s': %s", what, path, strerror (errno));
            return NULL;
        }
        return dest_new (path, DEST_IN_PLACE, -1);
    }
    fd = open (path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        fo_err (err, errlen, "%s '%s': %s", what, path, strerror (errno));
        return NULL;
    }
    fo_report_dest *self = dest_new (path, DEST_IN_PLACE, fd);
    self->regular = S_ISREG (st.st_mode);
    return self;
}

FILE *
fo_report_dest_stream (fo_report_dest *self, char *err, size_t errlen)
{
    if (self->stream)
        return self->stream;
    if (self->kind == DEST_STDIO) {
        /* Console output may be buffered in the stream: the report goes
           after it, through the same stream (no descriptor needed). */
        self->stream = self->fd == STDOUT_FILENO ? stdout : stderr;
        return self->stream;
    }
    if (self->kind == DEST_IN_PLACE && self->fd < 0)
        self->fd = open (self->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (self->kind == DEST_REPLACE && self->fd < 0)
        self->fd = make_temporary (self->path, &self->tmp);
    if (self->fd >= 0 && self->kind == DEST_IN_PLACE && self->regular
        && ftruncate (self->fd, 0) != 0) {
        close (self->fd);
        self->fd = -1;
    }
    if (self->fd >= 0)
        self->stream = fdopen (self->fd, "w");
    if (!self->stream) {
        fo_err (err, errlen, "cannot write report '%s': %s", self->path, strerror (errno));
        return NULL;
    }
    self->owns_stream = true;
    self->fd = -1;              /* the stream's now */
    return self->stream;
}

/* Gives the unnamed temporary file behind `stream` a name next to the
   path (a new one each time: linkat does not replace). */
static int
link_unnamed (fo_report_dest *self, FILE *stream)
{
    char proc[64];
    snprintf (proc, sizeof proc, "/proc/self/fd/%d", fileno (stream));
    static uint32_t counter;
    for (int tries = 0; tries < 100; tries++) {
        uint64_t n = fo_now_us () ^ ((uint64_t) getpid () << 20) ^ ++counter;
        char *tmp = fo_xasprintf ("%s.tmp%06llx", self->path, (unsigned long long) (n & 0xffffff));
        if (linkat (AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0) {
            self->tmp = tmp;
            return 0;
        }
        int error = errno;
        free (tmp);
        if (error != EEXIST) {
            errno = error;
            return -1;
        }
    }
    errno = EEXIST;
    return -1;
}

int
fo_report_dest_commit (fo_report_dest *self, char *err, size_t errlen)
{
    if (!self->stream) {
        fo_err (err, errlen, "cannot write report '%s': nothing was written", self->path);
        return -1;
    }
    int error = 0;
    errno = 0;
    if (fflush (self->stream) != 0 || ferror (self->stream))
        error = errno ? errno : EIO;
    if (!error && self->kind == DEST_REPLACE && fsync (fileno (self->stream)) != 0)
        error = errno;
    if (!error && self->unnamed && link_unnamed (self, self->stream) != 0)
        error = errno;
    if (self->owns_stream && fclose (self->stream) != 0 && !error)
        error = errno ? errno : EIO;
    self->stream = NULL;
    if (!error && self->kind == DEST_REPLACE && rename (self->tmp, self->path) != 0)
        error = errno;
    if (error) {
        fo_err (err, errlen, "cannot write report '%s': %s", self->path, strerror (error));
        return -1;
    }
    self->committed = true;
    return 0;
}

bool
fo_report_dest_is_stdout (const fo_report_dest *self)
{
    return self->kind == DEST_STDIO && self->fd == STDOUT_FILENO;
}

const char *
fo_report_dest_path (const fo_report_dest *self)
{
    return self->path;
}

void
fo_report_dest_destroy (fo_report_dest **self_p)
{
    fo_report_dest *self = *self_p;
    if (!self)
        return;
    if (self->stream && self->owns_stream)
        fclose (self->stream);
    else if (self->kind != DEST_STDIO && self->fd >= 0)
        close (self->fd);
    if (self->kind == DEST_REPLACE && !self->committed && self->tmp)
        unlink (self->tmp);
    free (self->tmp);
    free (self->path);
    free (self);
    *self_p = NULL;
}
