/*  fo_util — the small containers every layer shares.

    fo_buf   a growable byte buffer (always NUL-terminated for convenience)
    fo_strv  a growable string vector, always NULL-terminated (usable as argv)
    fo_env   an ordered list of NAME=VALUE overrides; set() replaces a name

    Allocation failure aborts the process: fanout cannot do anything useful
    without memory, and checking every small allocation would hide the logic.
    Limits on untrusted sizes are enforced before allocating (see proto/).
*/
#ifndef FO_UTIL_H
#define FO_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *fo_xmalloc (size_t size);
void *fo_xcalloc (size_t count, size_t size);
void *fo_xrealloc (void *ptr, size_t size);
char *fo_xstrdup (const char *s);                  /* NULL -> NULL */
/* An array indexed by a number that grows (agents, tasks, tests): makes
   room for items[index], doubling from first_cap, the new items zeroed;
   *cap is updated. Returns the array (moved or not). */
void *fo_xgrow_to (void *items, size_t *cap, size_t index, size_t size, size_t first_cap);
char *fo_xstrndup (const char *s, size_t n);
/* Writes a one-line error into err (when err is not NULL and errlen > 0;
   truncated to fit) and returns -1, so that checks read
   "return fo_err (err, errlen, ...)". One line whatever the arguments
   hold: a control character in them (a name from a hostile file, "a\nb")
   is written as \xNN. At most FO_ERR_MAX bytes are formatted. */
int fo_err (char *err, size_t errlen, const char *fmt, ...) __attribute__ ((format (printf, 3, 4)));
int fo_verr (char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__ ((format (printf, 3, 0)));
#define FO_ERR_MAX 2048u
char *fo_xasprintf (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));
/* prefix, sep1 and n1 in decimal, then sep2 and n2 unless sep2 is '\0'
   ("AGENT/3.17", "AGENT/3.17/0"): the agent's tokens, made several times
   a test, without printf's cost. */
char *fo_xstr_nums (const char *prefix, char sep1, uint64_t n1, char sep2, uint64_t n2);

/* Monotonic clock in microseconds / milliseconds. */
uint64_t fo_now_us (void);
uint64_t fo_now_ms (void);
/* An instant in fo_now_us () time as a deadline in fo_now_ms () time,
   rounded up: a poll timeout computed from it (deadline - fo_now_ms ())
   never wakes before the instant, so a limit never fires early.
   UINT64_MAX stays UINT64_MAX (no deadline). */
uint64_t fo_deadline_ms (uint64_t at_us);

typedef struct {
    char *data;                 /* NUL-terminated; may contain NULs inside */
    size_t len;
    size_t cap;
} fo_buf;

void fo_buf_append (fo_buf *self, const void *data, size_t len);
void fo_buf_puts (fo_buf *self, const char *s);
void fo_buf_printf (fo_buf *self, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
void fo_buf_reset (fo_buf *self);                  /* len = 0, keeps memory */
char *fo_buf_steal (fo_buf *self);                 /* returns data, buffer becomes empty */
void fo_buf_free (fo_buf *self);

typedef struct {
    char **items;               /* items[len] == NULL always (when items != NULL) */
    size_t len;
    size_t cap;
} fo_strv;

void fo_strv_push (fo_strv *self, const char *s);  /* copies s */
void fo_strv_push_owned (fo_strv *self, char *s);  /* takes ownership */
void fo_strv_copy (fo_strv *dst, const fo_strv *src);   /* dst must be empty */
/* Does it hold s? A scan: for the short lists of labels, locks, fixtures. */
bool fo_strv_contains (const fo_strv *self, const char *s);
void fo_strv_free (fo_strv *self);

typedef struct {
    char *name;
    char *value;
    bool secret;                /* never echoed in logs or reports */
} fo_kv;

typedef struct {
    fo_kv *items;
    size_t len;
    size_t cap;
} fo_env;

void fo_env_set (fo_env *self, const char *name, const char *value);
const char *fo_env_get (const fo_env *self, const char *name);
void fo_env_merge (fo_env *dst, const fo_env *src);    /* src overrides dst */
void fo_env_copy (fo_env *dst, const fo_env *src);     /* dst must be empty */
void fo_env_free (fo_env *self);

/* Builds a NULL-terminated envp: the current process environment with the
   overrides applied. Free with fo_strv_free. */
void fo_env_build_envp (const fo_env *overrides, fo_strv *envp);

#endif
