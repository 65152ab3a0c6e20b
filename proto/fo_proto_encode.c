/*  fo_proto_encode — fo_msg to msgpack.

    Every message is one map: "v", "type", then the fields of its type under
    their C field names. Enums travel as names (see fo_proto_names.c). The
    encoder refuses what the strict decoder on the other side would reject
    (unknown enum values, an empty argv, strings over the limit, ...) so that
    a bad message is an error where it is made, not a dropped frame far away.
*/
#include "fo_proto.h"
#include "fo_proto_fields.h"

#include <msgpack.h>
#include <string.h>

typedef struct {
    msgpack_packer pk;
    bool bad;           /* set by any helper that met something unencodable */
} encoder;

/* msgpack_packer's sink: append to the fo_buf. The packer writes every
   header and body on its own (about 60 writes for a lease), so the common
   case copies in place without fo_buf_append's call and NUL; the buffer's
   NUL is written once at the end (fo_msg_encode). Room is left for it:
   len stays below cap. */
static int
buf_write (void *data, const char *buf, size_t len)
{
    fo_buf *b = data;
    if (b->len + len < b->cap) {
        if (len == 1)
            b->data[b->len] = buf[0];
        else
            memcpy (b->data + b->len, buf, len);
        b->len += len;
        return 0;
    }
    fo_buf_append (b, buf, len);
    return 0;
}

/* The helpers that take a key are always inlined, so that a key's length
   is known when compiling (strlen of a literal), not counted per message. */
#define INLINE static inline __attribute__ ((always_inline))

INLINE void
put_raw_str (encoder *e, const char *s, size_t len)
{
    if (len > FO_PROTO_MAX_STRING) {
        e->bad = true;
        return;
    }
    if (len < 32) {
        /* A fixstr (every key, most values): its one header byte
           (msgpack's 0xa0 | length, what msgpack_pack_str writes) and its
           bytes in one write rather than two. */
        char one[32];
        one[0] = (char) (0xa0u | len);
        memcpy (one + 1, s, len);
        e->pk.callback (e->pk.data, one, len + 1);
        return;
    }
    msgpack_pack_str_with_body (&e->pk, s, len);
}

/* A NULL string goes out as "" (the decoder never produces NULL). */
INLINE void
put_str (encoder *e, const char *s)
{
    put_raw_str (e, s ? s : "", s ? strlen (s) : 0);
}

INLINE void
put_key (encoder *e, const char *key)
{
    put_str (e, key);
}

static void
put_bin (encoder *e, const char *data, size_t len)
{
    if (len > FO_PROTO_MAX_STRING || (len > 0 && !data)) {
        e->bad = true;
        return;
    }
    msgpack_pack_bin_with_body (&e->pk, data ? data : "", len);
}

static void
put_strv (encoder *e, const fo_strv *v)
{
    msgpack_pack_array (&e->pk, v->len);
    for (size_t i = 0; i < v->len; i++)
        put_str (e, v->items[i]);
}

/* A name from one of the *_name() helpers; NULL means "not a valid value". */
static void
put_name (encoder *e, const char *name)
{
    if (!name)
        e->bad = true;
    else
        put_str (e, name);
}

INLINE void
put_u64 (encoder *e, const char *key, uint64_t value)
{
    put_key (e, key);
    msgpack_pack_uint64 (&e->pk, value);
}

INLINE void
put_i32 (encoder *e, const char *key, int32_t value)
{
    put_key (e, key);
    msgpack_pack_int32 (&e->pk, value);
}

INLINE void
put_str_field (encoder *e, const char *key, const char *value)
{
    put_key (e, key);
    put_str (e, value);
}

/* env travels as a map name -> value plus an array "secret" naming the
   secret entries, so the flag survives without changing the map's shape. */
static void
put_env (encoder *e, const fo_env *env)
{
    put_key (e, "env");
    msgpack_pack_map (&e->pk, env->len);
    size_t nsecret = 0;
    for (size_t i = 0; i < env->len; i++) {
        const char *name = env->items[i].name;
        if (!name || !*name || strchr (name, '='))
            e->bad = true;      /* the decoder rejects these */
        put_str (e, name);
        put_str (e, env->items[i].value);
        nsecret += env->items[i].secret;
    }
    put_key (e, "secret");
    msgpack_pack_array (&e->pk, nsecret);
    for (size_t i = 0; i < env->len; i++)
        if (env->items[i].secret)
            put_str (e, env->items[i].name);
}

static void
put_step (encoder *e, const fo_step *step)
{
    if (step->argv.len == 0)
        e->bad = true;
    bool ctest = step->reader == FO_READER_CTEST;
    msgpack_pack_map (&e->pk, ctest ? 11 : 10);
    put_key (e, "kind");
    put_name (e, fo_step_kind_name (step->kind));
    put_str_field (e, "name", step->name);
    put_key (e, "argv");
    put_strv (e, &step->argv);
    put_str_field (e, "cwd", step->cwd);
    put_env (e, &step->env);        /* "env" and "secret" */
    put_u64 (e, "timeout_ms", step->timeout_ms);
    put_key (e, "reader");
    put_name (e, fo_reader_name (step->reader));
    put_key (e, "tests");
    put_strv (e, &step->tests);
    put_u64 (e, "span", step->span);
    if (ctest) {
        const fo_verdict *v = &step->verdict;
        put_key (e, "verdict");
        msgpack_pack_map (&e->pk, 7);
        put_u64 (e, "will_fail", v->will_fail);
        put_u64 (e, "disabled", v->disabled);
        put_i32 (e, "skip_code", v->skip_code);
        put_key (e, "pass");
        put_strv (e, &v->pass);
        put_key (e, "fail");
        put_strv (e, &v->fail);
        put_key (e, "skip");
        put_strv (e, &v->skip);
        put_key (e, "needs");
        put_strv (e, &v->needs);
    }
}

static void
put_lease (encoder *e, const fo_lease *l)
{
    put_u64 (e, "lease", l->lease);
    put_u64 (e, "attempt", l->attempt);
    put_u64 (e, "output_cap", l->output_cap);
    put_i32 (e, "skip_code", l->skip_code);
    put_env (e, &l->env);           /* "env" and "secret" */
    put_u64 (e, "slow_ms", l->slow_ms);
    put_u64 (e, "task_timeout_ms", l->task_timeout_ms);
    /* The decoder's rules: no manifest and no root, or a blob id and an
       absolute root. */
    bool shipped = l->manifest && l->manifest[0];
    if (shipped ? !fo_blob_id_ok (l->manifest) || !l->root || l->root[0] != '/'
                    || strlen (l->root) > FO_PROTO_MAX_ROOT
                : l->root && l->root[0])
        e->bad = true;
    put_str_field (e, "manifest", l->manifest);
    put_str_field (e, "root", l->root);
    put_u64 (e, "outputs", l->outputs);
    put_key (e, "steps");
    if (l->nsteps > 0 && !l->steps) {
        e->bad = true;
        return;
    }
    msgpack_pack_array (&e->pk, l->nsteps);
    for (size_t i = 0; i < l->nsteps && !e->bad; i++) {
        if (l->steps[i].kind == FO_STEP_DISCOVER && (l->nsteps != 1 || l->steps[i].tests.len))
            e->bad = true;
        put_step (e, &l->steps[i]);
    }
}

/* A result's fields but its lease: a result message puts that first, a
   done's results have their done's. */
static void
put_result_body (encoder *e, const fo_result *r)
{
    put_u64 (e, "step", r->step);
    put_str_field (e, "test", r->test);
    put_key (e, "outcome");
    put_name (e, (unsigned) r->outcome < FO_OUTCOME_COUNT ? fo_outcome_name (r->outcome) : NULL);
    put_u64 (e, "duration_us", r->duration_us);
    put_key (e, "out");
    put_bin (e, r->out, r->out_len);
    put_key (e, "err");
    put_bin (e, r->err, r->err_len);
    put_str_field (e, "message", r->message);
    put_str_field (e, "host", r->host);
    put_u64 (e, "worker", r->worker);
    put_u64 (e, "attempt", r->attempt);
    put_str_field (e, "joined", r->joined ? r->joined : "");
    put_str_field (e, "group", r->group ? r->group : "");
    put_key (e, "interrupt");
    if (r->interrupt)
        msgpack_pack_true (&e->pk);
    else
        msgpack_pack_false (&e->pk);
}

static void
put_result (encoder *e, const fo_result *r)
{
    put_u64 (e, "lease", r->lease);
    put_result_body (e, r);
}

/* done: its results are maps of a result's fields without "lease". */
static void
put_done (encoder *e, const fo_done *d)
{
    put_u64 (e, "lease", d->lease);
    put_i32 (e, "exit_status", d->exit_status);
    put_i32 (e, "signal", d->signal);
    put_u64 (e, "credit", d->credit);
    put_key (e, "results");
    if (d->nresults > 0 && !d->results) {
        e->bad = true;
        return;
    }
    msgpack_pack_array (&e->pk, d->nresults);
    for (size_t i = 0; i < d->nresults && !e->bad; i++) {
        if (d->results[i].lease != d->lease)
            e->bad = true;      /* it would be read as this lease's */
        msgpack_pack_map (&e->pk, 13);
        put_result_body (e, &d->results[i]);
    }
}

/* The decoder's rules: names non-empty, none with an error. (Names may
   hold '/': the broker checks each against the suite's name rule and ids,
   fo_context_can_add_test.) */
static void
put_discovered (encoder *e, const fo_discovered *d)
{
    for (size_t i = 0; i < d->names.len; i++)
        if (!d->names.items[i][0])
            e->bad = true;
    if (d->error && d->error[0] && d->names.len > 0)
        e->bad = true;
    if (d->listing_len > 0 && (d->names.len > 0 || (d->error && d->error[0])))
        e->bad = true;
    put_u64 (e, "lease", d->lease);
    put_u64 (e, "step", d->step);
    put_key (e, "names");
    put_strv (e, &d->names);
    put_str_field (e, "error", d->error);
    put_key (e, "err");
    put_bin (e, d->err, d->err_len);
    put_u64 (e, "duration_us", d->duration_us);
    put_key (e, "listing");
    put_bin (e, d->listing, d->listing_len);
}

/* A hello's resources and labels, by the rules the decoder applies. */
static void
put_offer (encoder *e, const fo_hello *h)
{
    char why[200];
    if (fo_hello_offer_check (h, why, sizeof why) < 0) {
        e->bad = true;
        return;
    }
    put_key (e, "resources");
    msgpack_pack_array (&e->pk, h->nresources);
    for (size_t i = 0; i < h->nresources; i++) {
        msgpack_pack_map (&e->pk, 3);
        put_str_field (e, "name", h->resources[i].name);
        put_str_field (e, "id", h->resources[i].id);
        put_u64 (e, "slots", h->resources[i].slots);
    }
    put_key (e, "labels");
    put_strv (e, &h->labels);
}

/* A batch's messages, each encoded whole into a bin: 1 to
   FO_PROTO_MAX_BATCH of them, none a batch. */
static void
put_batch (encoder *e, const fo_batch *b)
{
    if (b->nmsgs == 0 || b->nmsgs > FO_PROTO_MAX_BATCH || !b->msgs) {
        e->bad = true;
        return;
    }
    put_key (e, "msgs");
    msgpack_pack_array (&e->pk, b->nmsgs);
    fo_buf one = { 0 };
    for (size_t i = 0; i < b->nmsgs && !e->bad; i++) {
        fo_buf_reset (&one);
        if (b->msgs[i].type == FO_MSG_BATCH || fo_msg_encode (&b->msgs[i], &one) != 0) {
            e->bad = true;
            break;
        }
        put_bin (e, one.data, one.len);
    }
    fo_buf_free (&one);
}

/* Fields after "v" and "type", per message type. */
static size_t
field_count (fo_msg_type type)
{
    switch (type) {
    case FO_MSG_HELLO: case FO_MSG_DONE: return 5;
    case FO_MSG_WELCOME: return 3;
    case FO_MSG_REFUSE: case FO_MSG_SHUTDOWN: case FO_MSG_BYE: return 1;
    case FO_MSG_REQUEST: return 1;
    case FO_MSG_CANCEL: case FO_MSG_RETURN: return 2;
    case FO_MSG_DISCOVERED: return 7;
    case FO_MSG_LEASE: return 12;
    case FO_MSG_OUTPUT: return 6;
    case FO_MSG_FETCH: return 3;
    case FO_MSG_CHUNK: return 5;
    case FO_MSG_SLOW: return 3;
    case FO_MSG_RESULT: return 14;
    case FO_MSG_HEARTBEAT: return 0;
    case FO_MSG_BATCH: return 1;
    }
    return 0;
}

static void
put_fields (encoder *e, const fo_msg *msg)
{
    const char *reason = NULL;
    switch (msg->type) {
    case FO_MSG_HELLO:
        if (msg->u.hello.slots == 0)
            e->bad = true;
        put_str_field (e, "agent_id", msg->u.hello.agent_id);
        put_str_field (e, "host", msg->u.hello.host);
        put_u64 (e, "slots", msg->u.hello.slots);
        put_offer (e, &msg->u.hello);
        return;
    case FO_MSG_WELCOME:
        put_str_field (e, "broker_id", msg->u.welcome.broker_id);
        put_u64 (e, "heartbeat_ms", msg->u.welcome.heartbeat_ms);
        put_u64 (e, "liveness", msg->u.welcome.liveness);
        return;
    case FO_MSG_REFUSE: reason = msg->u.refuse.reason; break;
    case FO_MSG_SHUTDOWN: reason = msg->u.shutdown.reason; break;
    case FO_MSG_BYE: reason = msg->u.bye.reason; break;
    case FO_MSG_REQUEST:
        put_u64 (e, "credit", msg->u.request.credit);
        return;
    case FO_MSG_LEASE:
        put_lease (e, &msg->u.lease);
        return;
    case FO_MSG_RESULT:
        put_result (e, &msg->u.result);
        return;
    case FO_MSG_DONE:
        put_done (e, &msg->u.done);
        return;
    case FO_MSG_CANCEL:
        put_u64 (e, "lease", msg->u.cancel.lease);
        put_str_field (e, "reason", msg->u.cancel.reason);
        return;
    case FO_MSG_RETURN:
        put_u64 (e, "lease", msg->u.ret.lease);
        put_u64 (e, "credit", msg->u.ret.credit);
        return;
    case FO_MSG_HEARTBEAT:
        return;
    case FO_MSG_DISCOVERED:
        put_discovered (e, &msg->u.discovered);
        return;
    case FO_MSG_SLOW:
        put_u64 (e, "lease", msg->u.slow.lease);
        put_u64 (e, "step", msg->u.slow.step);
        put_u64 (e, "elapsed_ms", msg->u.slow.elapsed_ms);
        return;
    case FO_MSG_FETCH:
        if (!fo_blob_id_ok (msg->u.fetch.blob) || msg->u.fetch.length == 0
            || msg->u.fetch.length > FO_PROTO_MAX_CHUNK)
            e->bad = true;
        put_str_field (e, "blob", msg->u.fetch.blob);
        put_u64 (e, "offset", msg->u.fetch.offset);
        put_u64 (e, "length", msg->u.fetch.length);
        return;
    case FO_MSG_OUTPUT: {
        const fo_output *o = &msg->u.output;
        if (!fo_relative_path_ok (o->path) || o->data_len > FO_PROTO_MAX_CHUNK
            || o->offset > o->size || o->data_len > o->size - o->offset)
            e->bad = true;
        put_u64 (e, "lease", o->lease);
        put_u64 (e, "step", o->step);
        put_str_field (e, "path", o->path);
        put_u64 (e, "offset", o->offset);
        put_u64 (e, "size", o->size);
        put_key (e, "data");
        put_bin (e, o->data, o->data_len);
        return;
    }
    case FO_MSG_CHUNK: {
        const fo_chunk *c = &msg->u.chunk;
        if (!fo_blob_id_ok (c->blob) || c->data_len > FO_PROTO_MAX_CHUNK
            || (c->error && c->error[0] && c->data_len > 0) || c->offset > c->size
            || c->data_len > c->size - c->offset)
            e->bad = true;
        put_str_field (e, "blob", c->blob);
        put_u64 (e, "offset", c->offset);
        put_u64 (e, "size", c->size);
        put_key (e, "data");
        put_bin (e, c->data, c->data_len);
        put_str_field (e, "error", c->error);
        return;
    }
    case FO_MSG_BATCH:
        put_batch (e, &msg->u.batch);
        return;
    }
    put_str_field (e, "reason", reason);
}

static void
put_message (encoder *e, const fo_msg *msg, const char *type)
{
    msgpack_pack_map (&e->pk, 2 + field_count (msg->type));
    put_u64 (e, "v", FO_PROTO_VERSION);
    put_str_field (e, "type", type);
    put_fields (e, msg);
}

int
fo_msg_encode (const fo_msg *msg, fo_buf *out)
{
    const char *type = msg ? fo_msg_type_name (msg->type) : NULL;
    if (!type || !out)
        return -1;
    size_t start = out->len;
    encoder e = { .bad = false };
    msgpack_packer_init (&e.pk, out, buf_write);
    put_message (&e, msg, type);
    if (e.bad || out->len - start > FO_PROTO_MAX_MESSAGE) {
        out->len = start;       /* leave out as it was */
        out->data[start] = '\0';
        return -1;
    }
    out->data[out->len] = '\0';  /* buf_write leaves it out */
    return 0;
}

/* msgpack_packer's sink for fo_msg_encoded_size: count, keep nothing. */
static int
count_write (void *data, const char *buf, size_t len)
{
    (void) buf;
    *(size_t *) data += len;
    return 0;
}

size_t
fo_msg_encoded_size (const fo_msg *msg)
{
    const char *type = msg ? fo_msg_type_name (msg->type) : NULL;
    if (!type)
        return 0;
    size_t size = 0;
    encoder e = { .bad = false };
    msgpack_packer_init (&e.pk, &size, count_write);
    put_message (&e, msg, type);
    return e.bad ? 0 : size;
}
