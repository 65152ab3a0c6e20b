/*  fo_proto_fields — the value readers behind fo_proto_decode (internal to
    proto/, not part of the protocol's API).

    Each reader checks one msgpack value against the exact type a field must
    have and copies it out of the msgpack zone. On error it writes a one-line
    reason naming the field ("lease: field 'steps[2].argv' must not be
    empty") and returns FO_PROTO_EMALFORMED; whatever it already copied is
    in the output and freed by the caller's fo_msg_free.
*/
#ifndef FO_PROTO_FIELDS_H
#define FO_PROTO_FIELDS_H

#include <msgpack.h>
#include <stdbool.h>

#include "fo_proto.h"

typedef struct {
    const char *type;   /* message type name for errors, NULL before known */
    char *err;
    size_t errlen;
    char prefix[48];    /* "steps[3].verdict." while decoding a verdict, else "" */
    const char *list;   /* "results" while decoding results[index] (the prefix is
                           then "results[index].", written only for an error) */
    size_t index;
    char path[96];      /* scratch for fo_dec_at() */
    struct fo_msg_scratch *scratch;     /* NULL, or the zones a batch's messages use */
} fo_decoder;

/* Error reporting. fo_dec_fail writes "<type>: <text>" and returns
   FO_PROTO_EMALFORMED; fo_dec_at names a field with the current prefix;
   fo_dec_quote makes a peer's string safe to put in a one-line error. */
int fo_dec_fail (fo_decoder *d, const char *fmt, ...) __attribute__ ((format (printf, 2, 3)));
const char *fo_dec_at (fo_decoder *d, const char *field);
const char *fo_dec_quote (const msgpack_object_str *s, char *buf, size_t size);
bool fo_dec_str_is (const msgpack_object_str *s, const char *text);

/* Scalars: exact msgpack type, and in range of the C type. */
int fo_dec_u64 (fo_decoder *d, const char *field, const msgpack_object *o, uint64_t *out);
int fo_dec_u32 (fo_decoder *d, const char *field, const msgpack_object *o, uint32_t *out);
int fo_dec_i32 (fo_decoder *d, const char *field, const msgpack_object *o, int32_t *out);
/* str without NUL bytes, copied NUL-terminated. */
int fo_dec_bool (fo_decoder *d, const char *field, const msgpack_object *o, bool *out);
int fo_dec_str (fo_decoder *d, const char *field, const msgpack_object *o, char **out);
/* The checks of fo_dec_str and fo_dec_bin alone, nothing copied: for a
   caller that copies the values itself (a result's strings, in one block). */
int fo_dec_str_ok (fo_decoder *d, const char *field, const msgpack_object *o);
int fo_dec_bin_ok (fo_decoder *d, const char *field, const msgpack_object *o);
/* bin, copied with a NUL after it. */
int fo_dec_bin (fo_decoder *d, const char *field, const msgpack_object *o, char **out, size_t *len);
/* array of str. */
int fo_dec_strv (fo_decoder *d, const char *field, const msgpack_object *o, fo_strv *out);
/* str that is one of name_of(0), name_of(1), ... (until NULL). */
int fo_dec_enum (fo_decoder *d, const char *field, const msgpack_object *o,
                 const char *(*name_of) (int), int *out);
/* A map whose keys are exactly keys[0..n), each once: vals[i] = value of
   keys[i]. what names the map in errors; NULL: d->list's element. */
int fo_dec_fields (fo_decoder *d, const char *what, const msgpack_object *o,
                   const char *const *keys, size_t n, const msgpack_object **vals);
/* A step's "env" map of str -> str plus its "secret" array of names in env. */
int fo_dec_env (fo_decoder *d, const msgpack_object *o, const msgpack_object *secret, fo_env *env);

/* The rules of a hello's resources and labels (fo_proto_resources.c):
   0, or -1 with why ("resources[2]: ..."). */
int fo_hello_offer_check (const fo_hello *h, char *why, size_t whylen);

#endif
