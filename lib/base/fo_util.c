#include "fo_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern char **environ;

static void
out_of_memory (size_t size)
{
    fprintf (stderr, "fanout: out of memory (allocating %zu bytes)\n", size);
    abort ();
}

void *
fo_xmalloc (size_t size)
{
    void *p = malloc (size ? size : 1);
    if (!p)
        out_of_memory (size);
    return p;
}

void *
fo_xcalloc (size_t count, size_t size)
{
    void *p = calloc (count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory (count * size);
    return p;
}

void *
fo_xrealloc (void *ptr, size_t size)
{
    void *p = realloc (ptr, size ? size : 1);
    if (!p)
        out_of_memory (size);
    return p;
}

void *
fo_xgrow_to (void *items, size_t *cap, size_t index, size_t size, size_t first_cap)
{
    if (index < *cap)
        return items;
    size_t n = *cap ? *cap : first_cap;
    while (n <= index)
        n *= 2;
    items = fo_xrealloc (items, n * size);
    memset ((char *) items + *cap * size, 0, (n - *cap) * size);
    *cap = n;
    return items;
}

char *
fo_xstrdup (const char *s)
{
    return s ? fo_xstrndup (s, strlen (s)) : NULL;
}

char *
fo_xstrndup (const char *s, size_t n)
{
    char *p = fo_xmalloc (n + 1);
    memcpy (p, s, n);
    p[n] = '\0';
    return p;
}

int
fo_verr (char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (!err || !errlen)
        return -1;
    char raw[FO_ERR_MAX];
    vsnprintf (raw, sizeof raw, fmt, ap);
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *) raw; *p && o + 1 < errlen; p++) {
        if (*p >= 0x20 && *p != 0x7f)
            err[o++] = (char) *p;
        else if (o + 4 < errlen) {
            snprintf (err + o, 5, "\\x%02X", *p);
            o += 4;
        }
        else
            break;      /* no room for the whole escape: cut before it */
    }
    err[o] = '\0';
    return -1;
}

int
fo_err (char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    fo_verr (err, errlen, fmt, ap);
    va_end (ap);
    return -1;
}

/* n in decimal at the end of buf (20 bytes at least); returns its start. */
static char *
put_decimal (char *end, uint64_t n)
{
    char *p = end;
    do
        *--p = (char) ('0' + n % 10);
    while ((n /= 10) != 0);
    return p;
}

char *
fo_xstr_nums (const char *prefix, char sep1, uint64_t n1, char sep2, uint64_t n2)
{
    char tail[2 * 21], *end = tail + sizeof tail, *p = end;
    if (sep2) {
        p = put_decimal (p, n2);
        *--p = sep2;
    }
    p = put_decimal (p, n1);
    *--p = sep1;
    size_t head = strlen (prefix), rest = (size_t) (end - p);
    char *out = fo_xmalloc (head + rest + 1);
    memcpy (out, prefix, head);
    memcpy (out + head, p, rest);
    out[head + rest] = '\0';
    return out;
}

/* One formatting pass when the result fits a stack buffer (the tokens and
   keys the agent formats for every test do: measuring first and then
   formatting again was two vsnprintf calls each, five times a test); a
   second pass only for a longer result. */
char *
fo_xasprintf (const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (small, sizeof small, fmt, ap);
    va_end (ap);
    if (n < 0)
        n = 0, small[0] = '\0';
    char *out = fo_xmalloc ((size_t) n + 1);
    if ((size_t) n < sizeof small)
        memcpy (out, small, (size_t) n + 1);
    else {
        va_start (ap, fmt);
        vsnprintf (out, (size_t) n + 1, fmt, ap);
        va_end (ap);
    }
    return out;
}

uint64_t
fo_now_us (void)
{
    struct timespec ts;
    clock_gettime (CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

uint64_t
fo_now_ms (void)
{
    return fo_now_us () / 1000u;
}

uint64_t
fo_deadline_ms (uint64_t at_us)
{
    return at_us == UINT64_MAX ? UINT64_MAX : at_us / 1000u + (at_us % 1000u != 0);
}

static void
buf_reserve (fo_buf *self, size_t extra)
{
    size_t need = self->len + extra + 1;
    if (need <= self->cap)
        return;
    size_t cap = self->cap ? self->cap : 64;
    while (cap < need)
        cap *= 2;
    self->data = fo_xrealloc (self->data, cap);
    self->cap = cap;
}

void
fo_buf_append (fo_buf *self, const void *data, size_t len)
{
    buf_reserve (self, len);
    if (len)
        memcpy (self->data + self->len, data, len);
    self->len += len;
    self->data[self->len] = '\0';
}

void
fo_buf_puts (fo_buf *self, const char *s)
{
    fo_buf_append (self, s, strlen (s));
}

void
fo_buf_printf (fo_buf *self, const char *fmt, ...)
{
    va_list ap;
    va_start (ap, fmt);
    int n = vsnprintf (NULL, 0, fmt, ap);
    va_end (ap);
    if (n <= 0)
        return;
    buf_reserve (self, (size_t) n);
    va_start (ap, fmt);
    vsnprintf (self->data + self->len, (size_t) n + 1, fmt, ap);
    va_end (ap);
    self->len += (size_t) n;
}

void
fo_buf_reset (fo_buf *self)
{
    self->len = 0;
    if (self->data)
        self->data[0] = '\0';
}

char *
fo_buf_steal (fo_buf *self)
{
    if (!self->data)
        return fo_xstrdup ("");
    char *p = self->data;
    self->data = NULL;
    self->len = self->cap = 0;
    return p;
}

void
fo_buf_free (fo_buf *self)
{
    free (self->data);
    self->data = NULL;
    self->len = self->cap = 0;
}

void
fo_strv_push_owned (fo_strv *self, char *s)
{
    if (self->len + 2 > self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->items = fo_xrealloc (self->items, self->cap * sizeof (char *));
    }
    self->items[self->len++] = s;
    self->items[self->len] = NULL;
}

void
fo_strv_push (fo_strv *self, const char *s)
{
    fo_strv_push_owned (self, fo_xstrdup (s));
}

bool
fo_strv_contains (const fo_strv *self, const char *s)
{
    for (size_t i = 0; i < self->len; i++)
        if (strcmp (self->items[i], s) == 0)
            return true;
    return false;
}

void
fo_strv_copy (fo_strv *dst, const fo_strv *src)
{
    for (size_t i = 0; i < src->len; i++)
        fo_strv_push (dst, src->items[i]);
}

void
fo_strv_free (fo_strv *self)
{
    for (size_t i = 0; i < self->len; i++)
        free (self->items[i]);
    free (self->items);
    self->items = NULL;
    self->len = self->cap = 0;
}

static fo_kv *
env_find (const fo_env *self, const char *name)
{
    for (size_t i = 0; i < self->len; i++)
        if (strcmp (self->items[i].name, name) == 0)
            return &self->items[i];
    return NULL;
}

void
fo_env_set (fo_env *self, const char *name, const char *value)
{
    fo_kv *kv = env_find (self, name);
    if (kv) {
        free (kv->value);
        kv->value = fo_xstrdup (value);
        return;
    }
    if (self->len == self->cap) {
        self->cap = self->cap ? self->cap * 2 : 8;
        self->items = fo_xrealloc (self->items, self->cap * sizeof (fo_kv));
    }
    self->items[self->len++] = (fo_kv) { fo_xstrdup (name), fo_xstrdup (value), false };
}

const char *
fo_env_get (const fo_env *self, const char *name)
{
    fo_kv *kv = env_find (self, name);
    return kv ? kv->value : NULL;
}

void
fo_env_merge (fo_env *dst, const fo_env *src)
{
    for (size_t i = 0; i < src->len; i++) {
        fo_env_set (dst, src->items[i].name, src->items[i].value);
        if (src->items[i].secret)
            env_find (dst, src->items[i].name)->secret = true;
    }
}

void
fo_env_copy (fo_env *dst, const fo_env *src)
{
    fo_env_merge (dst, src);
}

void
fo_env_free (fo_env *self)
{
    for (size_t i = 0; i < self->len; i++) {
        free (self->items[i].name);
        free (self->items[i].value);
    }
    free (self->items);
    self->items = NULL;
    self->len = self->cap = 0;
}

void
fo_env_build_envp (const fo_env *overrides, fo_strv *envp)
{
    for (char **e = environ; *e; e++) {
        const char *eq = strchr (*e, '=');
        size_t n = eq ? (size_t) (eq - *e) : strlen (*e);
        bool overridden = false;
        for (size_t i = 0; overrides && i < overrides->len; i++)
            if (strlen (overrides->items[i].name) == n
                && strncmp (overrides->items[i].name, *e, n) == 0) {
                overridden = true;
                break;
            }
        if (!overridden)
            fo_strv_push (envp, *e);
    }
    for (size_t i = 0; overrides && i < overrides->len; i++)
        fo_strv_push_owned (envp, fo_xasprintf ("%s=%s", overrides->items[i].name,
                                                overrides->items[i].value));
}
