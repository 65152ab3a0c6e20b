/*  fo_proto_fields — the value readers behind fo_proto_decode; see
    fo_proto_fields.h. Strictness lives here: exact msgpack types, C ranges,
    no NUL in strings, no duplicate keys.
*/
#include "fo_proto_fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The full name of a field for errors: "attempt", "steps[3].argv". */
const char *
fo_dec_at (fo_decoder *d, const char *field)
{
    if (d->list)        /* the prefix, made only when an error needs it */
        snprintf (d->path, sizeof d->path, "%s[%zu].%s", d->list, d->index, field);
    else
        snprintf (d->path, sizeof d->path, "%s%s", d->prefix, field);
    return d->path;
}

/* Writes "<type>: <text>" into err; always returns FO_PROTO_EMALFORMED. */
int
fo_dec_fail (fo_decoder *d, const char *fmt, ...)
{
    if (!d->err || d->errlen == 0)
        return FO_PROTO_EMALFORMED;
    int n = d->type ? snprintf (d->err, d->errlen, "%s: ", d->type) : 0;
    if (n < 0 || (size_t) n >= d->errlen)
        return FO_PROTO_EMALFORMED;
    va_list ap;
    va_start (ap, fmt);
    vsnprintf (d->err + n, d->errlen - (size_t) n, fmt, ap);
    va_end (ap);
    return FO_PROTO_EMALFORMED;
}

/* A peer's string quoted into a one-line error: short, printable. */
const char *
fo_dec_quote (const msgpack_object_str *s, char *buf, size_t size)
{
    size_t n = 0;
    for (uint32_t i = 0; i < s->size && n + 4 < size; i++) {
        unsigned char c = (unsigned char) s->ptr[i];
        buf[n++] = (c >= 0x20 && c < 0x7f) ? (char) c : '?';
    }
    if (s->size > 0 && n < s->size)
        buf[n++] = '.', buf[n++] = '.', buf[n++] = '.';
    buf[n] = '\0';
    return buf;
}

bool
fo_dec_str_is (const msgpack_object_str *s, const char *text)
{
    size_t n = strlen (text);
    return s->size == n && (n == 0 || memcmp (s->ptr, text, n) == 0);
}

/* ---- values -------------------------------------------------------- */

int
fo_dec_u64 (fo_decoder *d, const char *field, const msgpack_object *o, uint64_t *out)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return fo_dec_fail (d, "field '%s' must be an unsigned integer", fo_dec_at (d, field));
    *out = o->via.u64;
    return 0;
}

int
fo_dec_u32 (fo_decoder *d, const char *field, const msgpack_object *o, uint32_t *out)
{
    uint64_t v = 0;     /* set whenever fo_dec_u64 succeeds; gcc -O2 cannot tell */
    if (fo_dec_u64 (d, field, o, &v) < 0)
        return FO_PROTO_EMALFORMED;
    if (v > UINT32_MAX)
        return fo_dec_fail (d, "field '%s' is out of range (%llu > %lu)", fo_dec_at (d, field),
                     (unsigned long long) v, (unsigned long) UINT32_MAX);
    *out = (uint32_t) v;
    return 0;
}

int
fo_dec_i32 (fo_decoder *d, const char *field, const msgpack_object *o, int32_t *out)
{
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER && o->via.u64 <= INT32_MAX)
        *out = (int32_t) o->via.u64;
    else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && o->via.i64 >= INT32_MIN)
        *out = (int32_t) o->via.i64;
    else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER
             || o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER)
        return fo_dec_fail (d, "field '%s' is out of range of a 32-bit integer",
                            fo_dec_at (d, field));
    else
        return fo_dec_fail (d, "field '%s' must be an integer", fo_dec_at (d, field));
    return 0;
}

int
fo_dec_bool (fo_decoder *d, const char *field, const msgpack_object *o, bool *out)
{
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return fo_dec_fail (d, "field '%s' must be true or false", fo_dec_at (d, field));
    *out = o->via.boolean;
    return 0;
}

/* A str without NUL bytes (they could not survive as a C string). The
   field is named `field`, or `field[item]` for an element of an array
   (item >= 0): the name is made only for an error, never on the way
   through (a lease's argv and tests, every message). */
static int
check_str (fo_decoder *d, const char *field, long item, const msgpack_object *o)
{
    bool str = o->type == MSGPACK_OBJECT_STR;
    if (str && (o->via.str.size == 0 || !memchr (o->via.str.ptr, '\0', o->via.str.size)))
        return 0;
    char name[48];
    if (item >= 0) {
        snprintf (name, sizeof name, "%s[%ld]", field, item);
        field = name;
    }
    if (!str)
        return fo_dec_fail (d, "field '%s' must be a string", fo_dec_at (d, field));
    return fo_dec_fail (d, "field '%s' must not contain NUL bytes", fo_dec_at (d, field));
}

static char *
copy_bytes (const char *p, size_t n)
{
    return fo_xstrndup (n ? p : "", n);
}

int
fo_dec_str (fo_decoder *d, const char *field, const msgpack_object *o, char **out)
{
    if (check_str (d, field, -1, o) < 0)
        return FO_PROTO_EMALFORMED;
    *out = copy_bytes (o->via.str.ptr, o->via.str.size);
    return 0;
}

int
fo_dec_str_ok (fo_decoder *d, const char *field, const msgpack_object *o)
{
    return check_str (d, field, -1, o);
}

int
fo_dec_bin_ok (fo_decoder *d, const char *field, const msgpack_object *o)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return fo_dec_fail (d, "field '%s' must be binary (msgpack bin)", fo_dec_at (d, field));
    return 0;
}

int
fo_dec_bin (fo_decoder *d, const char *field, const msgpack_object *o, char **out, size_t *len)
{
    if (fo_dec_bin_ok (d, field, o) < 0)
        return FO_PROTO_EMALFORMED;
    *out = copy_bytes (o->via.bin.ptr, o->via.bin.size);
    *len = o->via.bin.size;
    return 0;
}

int
fo_dec_strv (fo_decoder *d, const char *field, const msgpack_object *o, fo_strv *out)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field '%s' must be an array of strings", fo_dec_at (d, field));
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *item = &o->via.array.ptr[i];
        if (check_str (d, field, (long) i, item) < 0)
            return FO_PROTO_EMALFORMED;
        fo_strv_push_owned (out, copy_bytes (item->via.str.ptr, item->via.str.size));
    }
    return 0;
}

/* An enum sent by name: name_of(0), name_of(1), ... until NULL. */
int
fo_dec_enum (fo_decoder *d, const char *field, const msgpack_object *o,
          const char *(*name_of) (int), int *out)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return fo_dec_fail (d, "field '%s' must be a string", fo_dec_at (d, field));
    for (int i = 0; name_of (i); i++)
        if (fo_dec_str_is (&o->via.str, name_of (i))) {
            *out = i;
            return 0;
        }
    char q[48];
    return fo_dec_fail (d, "field '%s' has an unknown value '%s'", fo_dec_at (d, field),
                        fo_dec_quote (&o->via.str, q, sizeof q));
}

/* ---- maps ---------------------------------------------------------- */

/* What names the map in fo_dec_fields' errors: `what`, or with NULL the
   element of d->list being read ("field 'results[3]'"), made only then. */
static const char *
fields_what (const fo_decoder *d, const char *what, char *buf, size_t len)
{
    if (what)
        return what;
    snprintf (buf, len, "field '%s[%zu]'", d->list ? d->list : "?", d->index);
    return buf;
}

/* Matches the entries of map o against keys[0..n): vals[i] becomes the value
   of keys[i]. Every key must appear exactly once and no other may appear.
   `what` names o in the error when it is not a map. */
int
fo_dec_fields (fo_decoder *d, const char *what, const msgpack_object *o,
               const char *const *keys, size_t n, const msgpack_object **vals)
{
    char named[96];
    if (o->type != MSGPACK_OBJECT_MAP)
        return fo_dec_fail (d, "%s must be a map", fields_what (d, what, named, sizeof named));
    for (size_t k = 0; k < n; k++)
        vals[k] = NULL;
    char q[48];
    for (uint32_t i = 0; i < o->via.map.size; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        if (kv->key.type != MSGPACK_OBJECT_STR)
            return fo_dec_fail (d, "%s has a field name that is not a string",
                                fields_what (d, what, named, sizeof named));
        /* Encoders write the keys in their order: the i-th first. */
        size_t k;
        if (i < n && fo_dec_str_is (&kv->key.via.str, keys[i]))
            k = i;
        else
            for (k = 0; k < n && !fo_dec_str_is (&kv->key.via.str, keys[k]); k++)
                ;
        if (k == n)
            return fo_dec_fail (d, "unknown field '%s'",
                                fo_dec_at (d, fo_dec_quote (&kv->key.via.str, q, sizeof q)));
        if (vals[k])
            return fo_dec_fail (d, "duplicate field '%s'", fo_dec_at (d, keys[k]));
        vals[k] = &kv->val;
    }
    for (size_t k = 0; k < n; k++)
        if (!vals[k])
            return fo_dec_fail (d, "missing field '%s'", fo_dec_at (d, keys[k]));
    return 0;
}

/* ---- env ----------------------------------------------------------- */

/* Names are sorted to find duplicates and look up "secret" entries in
   O(n log n): a hostile message may carry a million variables. */
typedef struct {
    const char *ptr;
    uint32_t size;
    size_t index;       /* into the env */
} name_ref;

static int
name_cmp (const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    uint32_t n = x->size < y->size ? x->size : y->size;
    int c = n ? memcmp (x->ptr, y->ptr, n) : 0;
    return c ? c : (x->size > y->size) - (x->size < y->size);
}

static int
get_secrets (fo_decoder *d, const msgpack_object *o, fo_env *env, name_ref *names)
{
    /* The field's name (fo_dec_at) is made only for an error. */
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field '%s' must be an array of strings", fo_dec_at (d, "secret"));
    for (uint32_t i = 0; i < o->via.array.size; i++) {
        const msgpack_object *item = &o->via.array.ptr[i];
        const char *field = "secret";
        if (item->type != MSGPACK_OBJECT_STR)
            return fo_dec_fail (d, "field '%s' must be an array of strings",
                                fo_dec_at (d, field));
        name_ref key = { item->via.str.ptr, item->via.str.size, 0 };
        name_ref *hit = env->len ? bsearch (&key, names, env->len, sizeof *names, name_cmp)
                                : NULL;
        char q[48];
        if (!hit)
            return fo_dec_fail (d, "field '%s' names '%s', which is not in env",
                                fo_dec_at (d, field), fo_dec_quote (&item->via.str, q, sizeof q));
        if (env->items[hit->index].secret)
            return fo_dec_fail (d, "field '%s' names '%s' twice", fo_dec_at (d, field),
                                fo_dec_quote (&item->via.str, q, sizeof q));
        env->items[hit->index].secret = true;
    }
    return 0;
}

/* One env entry: a non-empty name without '=' or NUL, a value without NUL. */
static int
check_env_entry (fo_decoder *d, const msgpack_object_kv *kv)
{
    /* The field's name (fo_dec_at) is made only for an error. */
    if (kv->key.type != MSGPACK_OBJECT_STR || kv->val.type != MSGPACK_OBJECT_STR)
        return fo_dec_fail (d, "field '%s' must be a map of strings", fo_dec_at (d, "env"));
    const msgpack_object_str *name = &kv->key.via.str, *value = &kv->val.via.str;
    if (name->size == 0 || memchr (name->ptr, '=', name->size)
        || memchr (name->ptr, '\0', name->size))
        return fo_dec_fail (d, "field '%s' has an invalid variable name", fo_dec_at (d, "env"));
    if (value->size > 0 && memchr (value->ptr, '\0', value->size))
        return fo_dec_fail (d, "field '%s' must not contain NUL bytes", fo_dec_at (d, "env"));
    return 0;
}

/* env is a map name -> value; secret an array of names in env. */
int
fo_dec_env (fo_decoder *d, const msgpack_object *o, const msgpack_object *secret, fo_env *env)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fo_dec_fail (d, "field '%s' must be a map of strings", fo_dec_at (d, "env"));
    uint32_t n = o->via.map.size;
    if (n == 0)
        return get_secrets (d, secret, env, NULL);
    name_ref *names = fo_xcalloc (n, sizeof *names);
    env->items = fo_xcalloc (n, sizeof *env->items);
    env->cap = n;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const msgpack_object_kv *kv = &o->via.map.ptr[i];
        rc = check_env_entry (d, kv);
        if (rc != 0)
            break;
        const msgpack_object_str *name = &kv->key.via.str, *value = &kv->val.via.str;
        env->items[env->len++] = (fo_kv) { copy_bytes (name->ptr, name->size),
                                           copy_bytes (value->ptr, value->size), false };
        names[i] = (name_ref) { name->ptr, name->size, i };
    }
    if (rc == 0) {
        qsort (names, n, sizeof *names, name_cmp);
        for (uint32_t i = 1; i < n && rc == 0; i++)
            if (name_cmp (&names[i - 1], &names[i]) == 0) {
                msgpack_object_str s = { names[i].size, names[i].ptr };
                char q[48];
                rc = fo_dec_fail (d, "field '%s' sets '%s' twice", fo_dec_at (d, "env"),
                                  fo_dec_quote (&s, q, sizeof q));
            }
    }
    if (rc == 0)
        rc = get_secrets (d, secret, env, names);
    free (names);
    return rc;
}
