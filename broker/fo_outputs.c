/*  fo_outputs — see fo_outputs.h. */
#include "fo_outputs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_log.h"

#define ROLE "broker"

struct fo_outputs {
    char *dir;
    uint32_t per_test;
    uint64_t max_total, total;
    bool said_total;
    char *last;         /* the path fo_outputs_write returned */
};

fo_outputs *
fo_outputs_new (const char *dir, uint32_t per_test, uint64_t max_total, char *err, size_t errlen)
{
    char *abs = realpath (dir, NULL);
    struct stat st;
    if (!abs || stat (abs, &st) != 0 || !S_ISDIR (st.st_mode)) {
        fo_err (err, errlen, "--output-dir %s: %s", dir, abs ? "not a directory" : strerror (errno));
        free (abs);
        return NULL;
    }
    fo_outputs *self = fo_xcalloc (1, sizeof *self);
    self->dir = abs;
    self->per_test = per_test;
    self->max_total = max_total;
    return self;
}

void
fo_outputs_destroy (fo_outputs **self_p)
{
    fo_outputs *self = *self_p;
    if (!self)
        return;
    free (self->dir);
    free (self->last);
    free (self);
    *self_p = NULL;
}

uint32_t
fo_outputs_per_test (const fo_outputs *self)
{
    return self->per_test;
}

uint64_t
fo_outputs_bytes (const fo_outputs *self)
{
    return self->total;
}

/* The test id as one path component. */
static void
component (fo_buf *out, const char *id)
{
    for (const char *p = id; *p; p++) {
        if (*p == '%')
            fo_buf_puts (out, "%25");
        else if (*p == '/')
            fo_buf_puts (out, "%2F");
        else if (*p == '.' && p == id)
            fo_buf_puts (out, "%2E");
        else
            fo_buf_append (out, p, 1);
    }
    if (!*id)
        fo_buf_puts (out, "%00");
}

/* mkdir -p of path's parents below self->dir (none of them a link: only
   this code makes them). */
static int
make_parents (const char *path, size_t from)
{
    char *copy = fo_xstrdup (path);
    for (char *p = copy + from; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        struct stat st;
        if (mkdir (copy, 0755) != 0
            && (errno != EEXIST || lstat (copy, &st) != 0 || !S_ISDIR (st.st_mode))) {
            free (copy);
            return -1;
        }
        *p = '/';
    }
    free (copy);
    return 0;
}

const char *
fo_outputs_write (fo_outputs *self, const char *test, const fo_output *piece, bool *dropped)
{
    *dropped = true;
    if (piece->size > self->per_test) {
        fo_log (FO_LOG_WARN, ROLE, "dropped output %s of '%s': %llu bytes, over the %u a test "
                "may send", piece->path, test, (unsigned long long) piece->size, self->per_test);
        return NULL;
    }
    if (self->total + piece->data_len > self->max_total) {
        if (!self->said_total)
            fo_log (FO_LOG_WARN, ROLE, "outputs of this run past %llu bytes are dropped "
                    "(--output-limit)", (unsigned long long) self->max_total);
        self->said_total = true;
        return NULL;
    }
    fo_buf path = { 0 };
    fo_buf_printf (&path, "%s/", self->dir);
    component (&path, test);
    fo_buf_printf (&path, "/%s", piece->path);
    int fd = -1;
    if (make_parents (path.data, strlen (self->dir) + 1) == 0)
        fd = open (path.data, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW
                   | (piece->offset == 0 ? O_TRUNC : 0), 0644);
    bool ok = fd >= 0;
    size_t done = 0;
    while (ok && done < piece->data_len) {
        ssize_t n = pwrite (fd, piece->data + done, piece->data_len - done,
                            (off_t) (piece->offset + done));
        if (n < 0 && errno == EINTR)
            continue;
        ok = n > 0;
        done += n > 0 ? (size_t) n : 0;
    }
    if (fd >= 0 && close (fd) != 0)
        ok = false;
    if (!ok) {
        fo_log (FO_LOG_WARN, ROLE, "cannot write output %s: %s", path.data, strerror (errno));
        fo_buf_free (&path);
        return NULL;
    }
    *dropped = false;
    self->total += piece->data_len;
    free (self->last);
    self->last = fo_buf_steal (&path);
    return piece->offset == 0 ? self->last : NULL;
}
