/*  fo_exports — see fo_exports.h. */
#include "fo_exports.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
valid_name (const char *s, size_t n)
{
    if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
              || c == '_'))
            return false;
    }
    return true;
}

/* A name for an error message: printable, at most 40 characters. */
static void
quote (const char *s, size_t n, char *out, size_t size)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 4 < size && i < 40; i++)
        out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    if (n > 40 && k + 4 < size)
        out[k++] = '.', out[k++] = '.', out[k++] = '.';
    out[k] = '\0';
}

/* One line (without its '\n'). */
static int
parse_line (const char *p, size_t n, size_t line, fo_env *out, char *err, size_t errlen)
{
    if (n > 0 && p[n - 1] == '\r')
        n--;
    size_t blank = 0;
    while (blank < n && (p[blank] == ' ' || p[blank] == '\t'))
        blank++;
    if (blank == n || p[blank] == '#')
        return 0;
    if (memchr (p, '\0', n))
        return fo_err (err, errlen, "line %zu: contains a NUL byte", line);
    bool secret = false;
    if (n > 7 && memcmp (p, "secret ", 7) == 0) {
        secret = true;
        p += 7;
        n -= 7;
    }
    const char *eq = memchr (p, '=', n);
    if (!eq)
        return fo_err (err, errlen, "line %zu: expected NAME=VALUE%s", line,
                     secret ? " after 'secret'" : " or secret NAME=VALUE");
    size_t name_len = (size_t) (eq - p);
    char q[64];
    quote (p, name_len, q, sizeof q);
    if (!valid_name (p, name_len))
        return fo_err (err, errlen, "line %zu: '%s' is not a variable name (letters, digits and "
                     "'_', not starting with a digit)", line, q);
    if (name_len >= 7 && memcmp (p, "FANOUT_", 7) == 0)
        return fo_err (err, errlen, "line %zu: '%s': names starting with FANOUT_ are fanout's own",
                     line, q);
    char *name = fo_xstrndup (p, name_len);
    if (fo_env_get (out, name)) {
        free (name);
        return fo_err (err, errlen, "line %zu: '%s' is exported twice", line, q);
    }
    char *value = fo_xstrndup (eq + 1, n - name_len - 1);
    fo_env_set (out, name, value);
    out->items[out->len - 1].secret = secret;
    free (name);
    free (value);
    return 0;
}

int
fo_exports_parse (const char *data, size_t len, fo_env *out, char *err, size_t errlen)
{
    if (len > FO_EXPORT_MAX_BYTES)
        return fo_err (err, errlen, "%zu bytes, more than the limit of %u", len,
                     FO_EXPORT_MAX_BYTES);
    const char *p = data, *end = data + len;
    for (size_t line = 1; p < end; line++) {
        const char *eol = memchr (p, '\n', (size_t) (end - p));
        size_t n = eol ? (size_t) (eol - p) : (size_t) (end - p);
        if (parse_line (p, n, line, out, err, errlen) != 0) {
            fo_env_free (out);
            return -1;
        }
        p = eol ? eol + 1 : end;
    }
    return 0;
}

int
fo_exports_read (const char *path, fo_env *out, char *err, size_t errlen)
{
    /* O_NONBLOCK: a setup that replaced the file with a FIFO must not
       block the broker; anything but a regular file is refused below. */
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return fo_err (err, errlen, "cannot open %s: %s", path, strerror (errno));
    struct stat st;
    if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode)) {
        close (fd);
        return fo_err (err, errlen, "%s is not a regular file", path);
    }
    if (st.st_size > (off_t) FO_EXPORT_MAX_BYTES) {
        close (fd);
        return fo_err (err, errlen, "%lld bytes, more than the limit of %u",
                     (long long) st.st_size, FO_EXPORT_MAX_BYTES);
    }
    /* Read one byte past the limit: the file may have grown since fstat. */
    char *data = fo_xmalloc (FO_EXPORT_MAX_BYTES + 1);
    size_t len = 0;
    for (;;) {
        ssize_t n = read (fd, data + len, FO_EXPORT_MAX_BYTES + 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            free (data);
            close (fd);
            return fo_err (err, errlen, "cannot read %s: %s", path, strerror (e));
        }
        if (n == 0 || (len += (size_t) n) > FO_EXPORT_MAX_BYTES)
            break;
    }
    close (fd);
    int rc = len > FO_EXPORT_MAX_BYTES
        ? fo_err (err, errlen, "more than the limit of %u bytes", FO_EXPORT_MAX_BYTES)
        : fo_exports_parse (data, len, out, err, errlen);
    free (data);
    return rc;
}

size_t
fo_exports_size (const fo_env *env)
{
    size_t n = 0;
    for (size_t i = 0; i < env->len; i++)
        n += strlen (env->items[i].name) + strlen (env->items[i].value);
    return n;
}

char *
fo_exports_describe (const fo_env *env)
{
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "");
    for (size_t i = 0; i < env->len; i++)
        fo_buf_printf (&buf, "%s%s%s", i ? ", " : "", env->items[i].name,
                       env->items[i].secret ? " (secret)" : "");
    return fo_buf_steal (&buf);
}
