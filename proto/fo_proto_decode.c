/*  fo_proto_decode — strict msgpack to fo_msg.

    The order of checks is part of the protocol: the pre-scan bounds what
    msgpack-c may allocate; then "v" is checked before anything else, so that
    a peer of another version always learns that (FO_PROTO_EVERSION) rather
    than tripping over whatever field changed; then "type"; then every field
    of that type: each key must appear exactly once, nothing else may appear,
    and each value must have the exact msgpack type and fit its C type.

    Values are copied out of the msgpack zone, which is freed before
    returning, and the message is built in a local struct that is released
    with fo_msg_free on the first error, so a failed decode owns nothing.
*/
#include "fo_proto_fields.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Enum names for fo_dec_enum. */
static const char *kind_name (int i) { return fo_step_kind_name ((fo_step_kind) i); }
static const char *reader_name (int i) { return fo_reader_name ((fo_reader) i); }
static const char *
outcome_name (int i)
{
    return i >= 0 && i < FO_OUTCOME_COUNT ? fo_outcome_name ((fo_outcome) i) : NULL;
}

/* ---- messages ------------------------------------------------------ */

/* A ctest step's verdict (fo_verdict): a map of 7 fields. */
static int
get_verdict (fo_decoder *d, size_t index, const msgpack_object *o, fo_verdict *verdict)
{
    static const char *const keys[] = {
        "will_fail", "disabled", "skip_code", "pass", "fail", "skip", "needs",
    };
    const msgpack_object *v[7];
    char what[48];
    snprintf (d->prefix, sizeof d->prefix, "steps[%zu].verdict.", index);
    snprintf (what, sizeof what, "field 'steps[%zu].verdict'", index);
    uint32_t will_fail = 0, disabled = 0;
    if (fo_dec_fields (d, what, o, keys, 7, v) < 0
        || fo_dec_u32 (d, "will_fail", v[0], &will_fail) < 0
        || fo_dec_u32 (d, "disabled", v[1], &disabled) < 0
        || fo_dec_i32 (d, "skip_code", v[2], &verdict->skip_code) < 0
        || fo_dec_strv (d, "pass", v[3], &verdict->pass) < 0
        || fo_dec_strv (d, "fail", v[4], &verdict->fail) < 0
        || fo_dec_strv (d, "skip", v[5], &verdict->skip) < 0
        || fo_dec_strv (d, "needs", v[6], &verdict->needs) < 0)
        return FO_PROTO_EMALFORMED;
    if (will_fail > 1 || disabled > 1)
        return fo_dec_fail (d, "field '%s' must be 0 or 1",
                            fo_dec_at (d, will_fail > 1 ? "will_fail" : "disabled"));
    verdict->will_fail = will_fail;
    verdict->disabled = disabled;
    return 0;
}

static int
get_step (fo_decoder *d, size_t index, const msgpack_object *o, fo_step *step)
{
    /* "verdict" is there exactly when the reader is "ctest" (checked
       below, once the reader is known). */
    static const char *const keys[] = {
        "kind", "name", "argv", "cwd", "env", "secret", "timeout_ms", "reader", "tests", "span",
        "verdict",
    };
    const msgpack_object *v[11];
    d->list = "steps";
    d->index = index;
    int kind = 0, reader = 0;
    size_t nkeys = o->type == MSGPACK_OBJECT_MAP && o->via.map.size == 11 ? 11 : 10;
    if (fo_dec_fields (d, NULL, o, keys, nkeys, v) < 0
        || fo_dec_enum (d, "kind", v[0], kind_name, &kind) < 0
        || fo_dec_str (d, "name", v[1], &step->name) < 0
        || fo_dec_strv (d, "argv", v[2], &step->argv) < 0
        || fo_dec_str (d, "cwd", v[3], &step->cwd) < 0
        || fo_dec_env (d, v[4], v[5], &step->env) < 0
        || fo_dec_u32 (d, "timeout_ms", v[6], &step->timeout_ms) < 0
        || fo_dec_enum (d, "reader", v[7], reader_name, &reader) < 0
        || fo_dec_strv (d, "tests", v[8], &step->tests) < 0
        || fo_dec_u32 (d, "span", v[9], &step->span) < 0)
        return FO_PROTO_EMALFORMED;
    if (step->argv.len == 0)
        return fo_dec_fail (d, "field '%s' must not be empty", fo_dec_at (d, "argv"));
    bool ctest = reader == FO_READER_CTEST;
    if (ctest && nkeys == 10)
        return fo_dec_fail (d, "missing field '%s' (reader ctest)", fo_dec_at (d, "verdict"));
    if (!ctest && nkeys == 11)
        return fo_dec_fail (d, "field '%s' is only for reader ctest", fo_dec_at (d, "verdict"));
    if (ctest) {
        d->list = NULL;         /* the verdict's prefix is written out */
        if (get_verdict (d, index, v[10], &step->verdict) < 0)
            return FO_PROTO_EMALFORMED;
    }
    step->kind = (fo_step_kind) kind;
    step->reader = (fo_reader) reader;
    d->prefix[0] = '\0';
    d->list = NULL;
    return 0;
}

static int
get_lease (fo_decoder *d, const msgpack_object **v, fo_lease *l)
{
    if (fo_dec_u64 (d, "lease", v[0], &l->lease) < 0
        || fo_dec_u32 (d, "attempt", v[1], &l->attempt) < 0
        || fo_dec_u32 (d, "output_cap", v[2], &l->output_cap) < 0
        || fo_dec_i32 (d, "skip_code", v[3], &l->skip_code) < 0
        || fo_dec_env (d, v[4], v[5], &l->env) < 0
        || fo_dec_u32 (d, "slow_ms", v[6], &l->slow_ms) < 0
        || fo_dec_u32 (d, "task_timeout_ms", v[7], &l->task_timeout_ms) < 0
        || fo_dec_str (d, "manifest", v[8], &l->manifest) < 0
        || fo_dec_str (d, "root", v[9], &l->root) < 0
        || fo_dec_u32 (d, "outputs", v[10], &l->outputs) < 0)
        return FO_PROTO_EMALFORMED;
    if (l->manifest[0] && !fo_blob_id_ok (l->manifest))
        return fo_dec_fail (d, "field 'manifest' must be \"\" or a blob id (%u lowercase hex "
                            "digits)", FO_PROTO_BLOB_ID);
    if (l->manifest[0] ? l->root[0] != '/' || strlen (l->root) > FO_PROTO_MAX_ROOT : l->root[0])
        return fo_dec_fail (d, "field 'root' must be an absolute path of at most %u bytes with "
                            "a manifest, and \"\" without", FO_PROTO_MAX_ROOT);
    const msgpack_object *steps = v[11];
    if (steps->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field 'steps' must be an array of maps");
    l->nsteps = steps->via.array.size;
    l->steps = fo_xcalloc (l->nsteps, sizeof *l->steps);    /* all freeable */
    for (size_t i = 0; i < l->nsteps; i++)
        if (get_step (d, i, &steps->via.array.ptr[i], &l->steps[i]) < 0)
            return FO_PROTO_EMALFORMED;
    /* A scope must stay inside the lease: the agent walks it blindly. */
    for (size_t i = 0; i < l->nsteps; i++) {
        const fo_step *s = &l->steps[i];
        bool ok = s->kind == FO_STEP_SETUP ? s->span <= l->nsteps - 1 - i
                : s->kind == FO_STEP_TEARDOWN ? s->span <= i
                : s->span == 0;
        if (!ok)
            return fo_dec_fail (d, "field 'steps[%zu].span' (%u) reaches outside the lease's "
                                "%zu steps", i, s->span, l->nsteps);
    }
    for (size_t i = 0; i < l->nsteps; i++)
        if (l->steps[i].kind == FO_STEP_DISCOVER) {
            if (l->nsteps != 1)
                return fo_dec_fail (d, "a discover step must be the only step of its lease");
            if (l->steps[i].tests.len > 0)
                return fo_dec_fail (d, "field 'steps[%zu].tests' must be empty for a discover step", i);
        }
    return 0;
}

/* names: what a discover command printed, already trimmed by the agent. */
static int
get_discovered (fo_decoder *d, const msgpack_object **v, fo_discovered *r)
{
    if (fo_dec_u64 (d, "lease", v[0], &r->lease) < 0
        || fo_dec_u32 (d, "step", v[1], &r->step) < 0
        || fo_dec_strv (d, "names", v[2], &r->names) < 0
        || fo_dec_str (d, "error", v[3], &r->error) < 0
        || fo_dec_bin (d, "err", v[4], &r->err, &r->err_len) < 0
        || fo_dec_u64 (d, "duration_us", v[5], &r->duration_us) < 0
        || fo_dec_bin (d, "listing", v[6], &r->listing, &r->listing_len) < 0)
        return FO_PROTO_EMALFORMED;
    for (size_t i = 0; i < r->names.len; i++) {
        const char *name = r->names.items[i];
        if (!name[0])
            return fo_dec_fail (d, "field 'names[%zu]' must not be empty", i);
    }
    if (r->error[0] && r->names.len > 0)
        return fo_dec_fail (d, "a discovered message with an error carries no names");
    if (r->listing_len > 0 && (r->error[0] || r->names.len > 0))
        return fo_dec_fail (d, "a discovered message with a listing carries no names and no error");
    return 0;
}

/* A result's fields after its lease (v[0] = "step"): a result message's,
   or one of done's results. */
/* A str's or bin's bytes (checked already) into *at, NUL after them. */
static char *
put_bytes (char **at, const msgpack_object *o)
{
    const char *p = o->type == MSGPACK_OBJECT_STR ? o->via.str.ptr : o->via.bin.ptr;
    uint32_t n = o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
    char *s = *at;
    if (n)
        memcpy (s, p, n);
    s[n] = '\0';
    *at = s + n + 1;
    return s;
}

static uint32_t
bytes_of (const msgpack_object *o)
{
    return o->type == MSGPACK_OBJECT_STR ? o->via.str.size : o->via.bin.size;
}

static int
get_result_body (fo_decoder *d, const msgpack_object **v, fo_result *r)
{
    int outcome = 0;
    /* Every field checked in the protocol's order first, then the seven
       strings copied into one block (fo_result.one_block): a result is
       one malloc and one free, not seven (most of them ""). */
    if (fo_dec_u32 (d, "step", v[0], &r->step) < 0
        || fo_dec_str_ok (d, "test", v[1]) < 0
        || fo_dec_enum (d, "outcome", v[2], outcome_name, &outcome) < 0
        || fo_dec_u64 (d, "duration_us", v[3], &r->duration_us) < 0
        || fo_dec_bin_ok (d, "out", v[4]) < 0
        || fo_dec_bin_ok (d, "err", v[5]) < 0
        || fo_dec_str_ok (d, "message", v[6]) < 0
        || fo_dec_str_ok (d, "host", v[7]) < 0
        || fo_dec_u32 (d, "worker", v[8], &r->worker) < 0
        || fo_dec_u32 (d, "attempt", v[9], &r->attempt) < 0
        || fo_dec_str_ok (d, "joined", v[10]) < 0
        || fo_dec_str_ok (d, "group", v[11]) < 0
        || fo_dec_bool (d, "interrupt", v[12], &r->interrupt) < 0)
        return FO_PROTO_EMALFORMED;
    /* Each at most the message's size (the pre-scan and ZMQ_MAXMSGSIZE):
       the sum cannot wrap. */
    size_t total = 7;
    const int strings[] = { 1, 4, 5, 6, 7, 10, 11 };
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        total += bytes_of (v[strings[i]]);
    char *at = fo_xmalloc (total);
    r->test = put_bytes (&at, v[1]);    /* first: the block's start */
    r->one_block = true;
    r->out = put_bytes (&at, v[4]);
    r->out_len = bytes_of (v[4]);
    r->err = put_bytes (&at, v[5]);
    r->err_len = bytes_of (v[5]);
    r->message = put_bytes (&at, v[6]);
    r->host = put_bytes (&at, v[7]);
    r->joined = put_bytes (&at, v[10]);
    r->group = put_bytes (&at, v[11]);
    r->outcome = (fo_outcome) outcome;
    if (strlen (r->joined) > FO_PROTO_MAX_JOINED_NAME || strlen (r->group) > FO_PROTO_MAX_JOINED_NAME)
        return fo_dec_fail (d, "field 'joined' or 'group' is longer than %u bytes",
                            FO_PROTO_MAX_JOINED_NAME);
    if (!r->joined[0] && r->group[0])
        return fo_dec_fail (d, "field 'group' is set but 'joined' is empty");
    if (r->joined[0] && !r->test[0])
        return fo_dec_fail (d, "a joined test's result must name the step's test it joins");
    return 0;
}

static int
get_result (fo_decoder *d, const msgpack_object **v, fo_result *r)
{
    if (fo_dec_u64 (d, "lease", v[0], &r->lease) < 0)
        return FO_PROTO_EMALFORMED;
    return get_result_body (d, v + 1, r);
}

/* done: the lease's results not sent before ride along (version 4), each a
   map of a result's fields without "lease" (it is the done's). */
static int
get_done (fo_decoder *d, const msgpack_object **v, fo_done *done)
{
    static const char *const keys[] = {
        "step", "test", "outcome", "duration_us", "out", "err", "message", "host", "worker",
        "attempt", "joined", "group", "interrupt",
    };
    if (fo_dec_u64 (d, "lease", v[0], &done->lease) < 0
        || fo_dec_i32 (d, "exit_status", v[1], &done->exit_status) < 0
        || fo_dec_i32 (d, "signal", v[2], &done->signal) < 0
        || fo_dec_u32 (d, "credit", v[3], &done->credit) < 0)
        return FO_PROTO_EMALFORMED;
    const msgpack_object *results = v[4];
    if (results->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field 'results' must be an array of maps");
    /* Every one a map before anything is allocated: an array of a million
       nils fits in a message, a million results' records would not. */
    for (size_t i = 0; i < results->via.array.size; i++)
        if (results->via.array.ptr[i].type != MSGPACK_OBJECT_MAP)
            return fo_dec_fail (d, "field 'results' must be an array of maps");
    done->nresults = results->via.array.size;
    done->results = fo_xcalloc (done->nresults ? done->nresults : 1, sizeof *done->results);
    for (size_t i = 0; i < done->nresults; i++) {
        const msgpack_object *f[13];
        d->list = "results";
        d->index = i;
        if (fo_dec_fields (d, NULL, &results->via.array.ptr[i], keys, 13, f) < 0
            || get_result_body (d, f, &done->results[i]) < 0)
            return FO_PROTO_EMALFORMED;
        done->results[i].lease = done->lease;
    }
    d->list = NULL;
    return 0;
}

/* A hello's resources (an array of maps {name, id, slots}) and labels (an
   array of strings), within the limits of fo_proto.h: the counts are
   checked before anything is copied. */
static int
get_offer (fo_decoder *d, const msgpack_object *res, const msgpack_object *labels, fo_hello *h)
{
    if (res->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field 'resources' must be an array of maps");
    if (res->via.array.size > FO_PROTO_MAX_RESOURCES)
        return fo_dec_fail (d, "field 'resources' has %u instances (at most %u)",
                            res->via.array.size, FO_PROTO_MAX_RESOURCES);
    if (labels->type == MSGPACK_OBJECT_ARRAY && labels->via.array.size > FO_PROTO_MAX_LABELS)
        return fo_dec_fail (d, "field 'labels' has %u labels (at most %u)",
                            labels->via.array.size, FO_PROTO_MAX_LABELS);
    if (res->via.array.size > 0)
        h->resources = fo_xcalloc (res->via.array.size, sizeof *h->resources);
    static const char *const keys[] = { "name", "id", "slots" };
    for (uint32_t i = 0; i < res->via.array.size; i++) {
        const msgpack_object *f[3];
        char what[48];
        snprintf (what, sizeof what, "field 'resources[%u]'", i);
        snprintf (d->prefix, sizeof d->prefix, "resources[%u].", i);
        fo_resource *r = &h->resources[h->nresources++];
        if (fo_dec_fields (d, what, &res->via.array.ptr[i], keys, 3, f) < 0
            || fo_dec_str (d, "name", f[0], &r->name) < 0
            || fo_dec_str (d, "id", f[1], &r->id) < 0
            || fo_dec_u32 (d, "slots", f[2], &r->slots) < 0)
            return FO_PROTO_EMALFORMED;
    }
    d->prefix[0] = '\0';
    if (fo_dec_strv (d, "labels", labels, &h->labels) < 0)
        return FO_PROTO_EMALFORMED;
    char why[200];
    if (fo_hello_offer_check (h, why, sizeof why) < 0)
        return fo_dec_fail (d, "%s", why);
    return 0;
}

/* A chunk: the data within FO_PROTO_MAX_CHUNK, none with an error. */
static int
get_chunk (fo_decoder *d, const msgpack_object **v, fo_chunk *c)
{
    if (fo_dec_str (d, "blob", v[0], &c->blob) < 0
        || fo_dec_u64 (d, "offset", v[1], &c->offset) < 0
        || fo_dec_u64 (d, "size", v[2], &c->size) < 0)
        return FO_PROTO_EMALFORMED;
    if (!fo_blob_id_ok (c->blob))
        return fo_dec_fail (d, "field 'blob' must be a blob id (%u lowercase hex digits)",
                            FO_PROTO_BLOB_ID);
    if (v[3]->type == MSGPACK_OBJECT_BIN && v[3]->via.bin.size > FO_PROTO_MAX_CHUNK)
        return fo_dec_fail (d, "field 'data' holds %u bytes (at most %u)", v[3]->via.bin.size,
                            FO_PROTO_MAX_CHUNK);
    if (fo_dec_bin (d, "data", v[3], &c->data, &c->data_len) < 0
        || fo_dec_str (d, "error", v[4], &c->error) < 0)
        return FO_PROTO_EMALFORMED;
    if (c->error[0] && c->data_len > 0)
        return fo_dec_fail (d, "a chunk with an error carries no data");
    if (c->offset > c->size || c->data_len > c->size - c->offset)
        return fo_dec_fail (d, "field 'data' reaches past the blob's size");
    return 0;
}

/* An output: a path that stays under the output directory, the data
   within FO_PROTO_MAX_CHUNK and within the file's size. */
static int
get_output (fo_decoder *d, const msgpack_object **v, fo_output *o)
{
    if (fo_dec_u64 (d, "lease", v[0], &o->lease) < 0
        || fo_dec_u32 (d, "step", v[1], &o->step) < 0
        || fo_dec_str (d, "path", v[2], &o->path) < 0
        || fo_dec_u64 (d, "offset", v[3], &o->offset) < 0
        || fo_dec_u64 (d, "size", v[4], &o->size) < 0)
        return FO_PROTO_EMALFORMED;
    if (!fo_relative_path_ok (o->path))
        return fo_dec_fail (d, "field 'path' must be a relative path of at most %u bytes "
                            "without '.' or '..' components", FO_PROTO_MAX_ROOT);
    if (v[5]->type == MSGPACK_OBJECT_BIN && v[5]->via.bin.size > FO_PROTO_MAX_CHUNK)
        return fo_dec_fail (d, "field 'data' holds %u bytes (at most %u)", v[5]->via.bin.size,
                            FO_PROTO_MAX_CHUNK);
    if (fo_dec_bin (d, "data", v[5], &o->data, &o->data_len) < 0)
        return FO_PROTO_EMALFORMED;
    if (o->offset > o->size || o->data_len > o->size - o->offset)
        return fo_dec_fail (d, "field 'data' reaches past the file's size");
    return 0;
}

/* fo_proto.h: zones kept from one frame to the next. */
struct fo_msg_scratch {
    msgpack_zone frame;         /* a frame's object tree */
    msgpack_zone batch;         /* each message of a batch in turn */
};

fo_msg_scratch *
fo_msg_scratch_new (void)
{
    fo_msg_scratch *self = fo_xcalloc (1, sizeof *self);
    if (!msgpack_zone_init (&self->frame, MSGPACK_ZONE_CHUNK_SIZE)
        || !msgpack_zone_init (&self->batch, MSGPACK_ZONE_CHUNK_SIZE)) {
        fprintf (stderr, "fanout: out of memory (a decoder's zones)\n");
        abort ();
    }
    return self;
}

void
fo_msg_scratch_destroy (fo_msg_scratch **self_p)
{
    fo_msg_scratch *self = *self_p;
    if (!self)
        return;
    msgpack_zone_destroy (&self->frame);
    msgpack_zone_destroy (&self->batch);
    free (self);
    *self_p = NULL;
}

/* A batch (version 6): an array of 1 to FO_PROTO_MAX_BATCH bins, each
   one whole message decoded as its own frame would be (every limit of
   fo_msg_decode applies to it), none a batch. The count and every
   element's type are checked before anything is allocated. */
static int decode (const void *data, size_t len, fo_msg *msg, char *err, size_t errlen,
                   msgpack_zone *in_batch, fo_msg_scratch *scratch);

static int
get_batch (fo_decoder *d, const msgpack_object *msgs, fo_batch *b)
{
    fo_msg_scratch *scratch = d->scratch;
    if (msgs->type != MSGPACK_OBJECT_ARRAY)
        return fo_dec_fail (d, "field 'msgs' must be an array of bins");
    uint32_t n = msgs->via.array.size;
    if (n == 0 || n > FO_PROTO_MAX_BATCH)
        return fo_dec_fail (d, "field 'msgs' holds %u messages (1 to %u)", n, FO_PROTO_MAX_BATCH);
    for (uint32_t i = 0; i < n; i++)
        if (msgs->via.array.ptr[i].type != MSGPACK_OBJECT_BIN)
            return fo_dec_fail (d, "field 'msgs' must be an array of bins");
    b->msgs = fo_xcalloc (n, sizeof *b->msgs);
    /* One zone for the batch's messages, emptied after each (whose values
       are copied out by then): a zone is two mallocs and frees, and a
       batch of five dones made six of them. */
    msgpack_zone own, *zone = scratch ? &scratch->batch : &own;
    if (!scratch && !msgpack_zone_init (&own, MSGPACK_ZONE_CHUNK_SIZE))
        return fo_dec_fail (d, "out of memory");
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        const msgpack_object_bin *bin = &msgs->via.array.ptr[i].via.bin;
        char why[200];
        if (decode (bin->ptr, bin->size, &b->msgs[i], why, sizeof why, zone, NULL)
            != FO_PROTO_OK)
            rc = fo_dec_fail (d, "msgs[%u]: %s", i, why);
        else
            b->nmsgs = i + 1;   /* what fo_msg_free frees */
        msgpack_zone_clear (zone);
    }
    if (zone == &own)
        msgpack_zone_destroy (&own);
    return rc;
}

/* The fields of each type, after "v" and "type" (keys[0] and keys[1]). */
#define MAX_FIELDS 16
static const char *const type_keys[][MAX_FIELDS] = {
    [FO_MSG_HELLO] = { "v", "type", "agent_id", "host", "slots", "resources", "labels" },
    [FO_MSG_WELCOME] = { "v", "type", "broker_id", "heartbeat_ms", "liveness" },
    [FO_MSG_REFUSE] = { "v", "type", "reason" },
    [FO_MSG_REQUEST] = { "v", "type", "credit" },
    [FO_MSG_LEASE] = { "v", "type", "lease", "attempt", "output_cap", "skip_code", "env",
                       "secret", "slow_ms", "task_timeout_ms", "manifest", "root", "outputs", "steps" },
    [FO_MSG_RESULT] = { "v", "type", "lease", "step", "test", "outcome", "duration_us",
                        "out", "err", "message", "host", "worker", "attempt", "joined", "group",
                        "interrupt" },
    [FO_MSG_DONE] = { "v", "type", "lease", "exit_status", "signal", "credit", "results" },
    [FO_MSG_HEARTBEAT] = { "v", "type" },
    [FO_MSG_CANCEL] = { "v", "type", "lease", "reason" },
    [FO_MSG_SHUTDOWN] = { "v", "type", "reason" },
    [FO_MSG_BYE] = { "v", "type", "reason" },
    [FO_MSG_DISCOVERED] = { "v", "type", "lease", "step", "names", "error", "err", "duration_us",
                            "listing" },
    [FO_MSG_SLOW] = { "v", "type", "lease", "step", "elapsed_ms" },
    [FO_MSG_FETCH] = { "v", "type", "blob", "offset", "length" },
    [FO_MSG_CHUNK] = { "v", "type", "blob", "offset", "size", "data", "error" },
    [FO_MSG_OUTPUT] = { "v", "type", "lease", "step", "path", "offset", "size", "data" },
    [FO_MSG_BATCH] = { "v", "type", "msgs" },
    [FO_MSG_RETURN] = { "v", "type", "lease", "credit" },
};

static int
get_fields (fo_decoder *d, const msgpack_object *o, fo_msg *m)
{
    const char *const *keys = type_keys[m->type];
    size_t n = 0;
    while (n < MAX_FIELDS && keys[n])
        n++;
    const msgpack_object *all[MAX_FIELDS];
    if (fo_dec_fields (d, "the message", o, keys, n, all) < 0)
        return FO_PROTO_EMALFORMED;
    const msgpack_object **v = all + 2;
    switch (m->type) {
    case FO_MSG_HELLO:
        if (fo_dec_str (d, "agent_id", v[0], &m->u.hello.agent_id) < 0
            || fo_dec_str (d, "host", v[1], &m->u.hello.host) < 0
            || fo_dec_u32 (d, "slots", v[2], &m->u.hello.slots) < 0)
            return FO_PROTO_EMALFORMED;
        if (m->u.hello.slots == 0)
            return fo_dec_fail (d, "field 'slots' must be at least 1");
        return get_offer (d, v[3], v[4], &m->u.hello);
    case FO_MSG_WELCOME:
        if (fo_dec_str (d, "broker_id", v[0], &m->u.welcome.broker_id) < 0
            || fo_dec_u32 (d, "heartbeat_ms", v[1], &m->u.welcome.heartbeat_ms) < 0
            || fo_dec_u32 (d, "liveness", v[2], &m->u.welcome.liveness) < 0)
            return FO_PROTO_EMALFORMED;
        return 0;
    case FO_MSG_REFUSE:
        return fo_dec_str (d, "reason", v[0], &m->u.refuse.reason);
    case FO_MSG_SHUTDOWN:
        return fo_dec_str (d, "reason", v[0], &m->u.shutdown.reason);
    case FO_MSG_BYE:
        return fo_dec_str (d, "reason", v[0], &m->u.bye.reason);
    case FO_MSG_REQUEST:
        return fo_dec_u32 (d, "credit", v[0], &m->u.request.credit);
    case FO_MSG_LEASE:
        return get_lease (d, v, &m->u.lease);
    case FO_MSG_RESULT:
        return get_result (d, v, &m->u.result);
    case FO_MSG_DONE:
        return get_done (d, v, &m->u.done);
    case FO_MSG_CANCEL:
        if (fo_dec_u64 (d, "lease", v[0], &m->u.cancel.lease) < 0
            || fo_dec_str (d, "reason", v[1], &m->u.cancel.reason) < 0)
            return FO_PROTO_EMALFORMED;
        return 0;
    case FO_MSG_RETURN:
        if (fo_dec_u64 (d, "lease", v[0], &m->u.ret.lease) < 0
            || fo_dec_u32 (d, "credit", v[1], &m->u.ret.credit) < 0)
            return FO_PROTO_EMALFORMED;
        return 0;
    case FO_MSG_HEARTBEAT:
        return 0;
    case FO_MSG_DISCOVERED:
        return get_discovered (d, v, &m->u.discovered);
    case FO_MSG_SLOW:
        if (fo_dec_u64 (d, "lease", v[0], &m->u.slow.lease) < 0
            || fo_dec_u32 (d, "step", v[1], &m->u.slow.step) < 0
            || fo_dec_u64 (d, "elapsed_ms", v[2], &m->u.slow.elapsed_ms) < 0)
            return FO_PROTO_EMALFORMED;
        return 0;
    case FO_MSG_FETCH:
        if (fo_dec_str (d, "blob", v[0], &m->u.fetch.blob) < 0
            || fo_dec_u64 (d, "offset", v[1], &m->u.fetch.offset) < 0
            || fo_dec_u32 (d, "length", v[2], &m->u.fetch.length) < 0)
            return FO_PROTO_EMALFORMED;
        if (!fo_blob_id_ok (m->u.fetch.blob))
            return fo_dec_fail (d, "field 'blob' must be a blob id (%u lowercase hex digits)",
                                FO_PROTO_BLOB_ID);
        if (m->u.fetch.length == 0 || m->u.fetch.length > FO_PROTO_MAX_CHUNK)
            return fo_dec_fail (d, "field 'length' must be 1 to %u", FO_PROTO_MAX_CHUNK);
        return 0;
    case FO_MSG_CHUNK:
        return get_chunk (d, v, &m->u.chunk);
    case FO_MSG_OUTPUT:
        return get_output (d, v, &m->u.output);
    case FO_MSG_BATCH:
        return get_batch (d, v[0], &m->u.batch);
    }
    return fo_dec_fail (d, "internal error: no fields for this type");
}

/* The first value under a string key `name`, or NULL. */
static const msgpack_object *
find_key (const msgpack_object *map, const char *name)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && fo_dec_str_is (&kv->key.via.str, name))
            return &kv->val;
    }
    return NULL;
}

/* "v" first, then "type"; sets m->version and m->type. */
static int
get_header (fo_decoder *d, const msgpack_object *o, fo_msg *m)
{
    if (o->type != MSGPACK_OBJECT_MAP)
        return fo_dec_fail (d, "a message must be a msgpack map");
    const msgpack_object *v = find_key (o, "v");
    if (!v)
        return fo_dec_fail (d, "missing field 'v' (protocol version)");
    if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return fo_dec_fail (d, "field 'v' must be an unsigned integer");
    if (v->via.u64 != FO_PROTO_VERSION) {
        if (d->err && d->errlen)
            snprintf (d->err, d->errlen, "protocol version %llu is not supported"
                      " (this side speaks %u)", (unsigned long long) v->via.u64,
                      FO_PROTO_VERSION);
        return FO_PROTO_EVERSION;
    }
    m->version = FO_PROTO_VERSION;
    const msgpack_object *t = find_key (o, "type");
    if (!t)
        return fo_dec_fail (d, "missing field 'type'");
    if (t->type != MSGPACK_OBJECT_STR)
        return fo_dec_fail (d, "field 'type' must be a string");
    for (int i = FO_MSG_HELLO; i <= FO_MSG_LAST; i++)
        if (fo_dec_str_is (&t->via.str, fo_msg_type_name ((fo_msg_type) i))) {
            m->type = (fo_msg_type) i;
            d->type = fo_msg_type_name (m->type);
            return 0;
        }
    char q[48];
    return fo_dec_fail (d, "unknown message type '%s'", fo_dec_quote (&t->via.str, q, sizeof q));
}

/* One message; in a batch (in_batch: the batch's zone, which this one
   uses), one that is not a batch itself (checked from its type, before its
   fields: batches never nest, so decoding never recurses deeper than one
   batch). */
static int
decode (const void *data, size_t len, fo_msg *msg, char *err, size_t errlen,
        msgpack_zone *in_batch, fo_msg_scratch *scratch)
{
    fo_decoder d = { .type = NULL, .err = err, .errlen = errlen, .scratch = scratch };
    memset (msg, 0, sizeof *msg);
    if (err && errlen)
        err[0] = '\0';
    if (len > FO_PROTO_MAX_MESSAGE)
        return fo_dec_fail (&d, "message of %zu bytes exceeds the limit of %u", len,
                            FO_PROTO_MAX_MESSAGE);
    if (fo_proto_prescan (data, len, err, errlen) < 0)
        return FO_PROTO_EMALFORMED;

    /* A frame's zone on the stack (one malloc, its chunk), a batch's
       message in the batch's. msgpack_unpack fills an object in a given
       zone; it answers SUCCESS only for exactly one object filling data
       (EXTRA_BYTES past it, CONTINUE when cut short). msgpack-c's header
       calls it obsolete but exports and keeps it; its successor,
       msgpack_unpack_next, allocates a zone of its own for every message,
       which a batch of hundreds would pay hundreds of times. */
    msgpack_zone own;
    msgpack_zone *zone = in_batch ? in_batch : scratch ? &scratch->frame : NULL;
    if (!zone) {
        if (!msgpack_zone_init (&own, MSGPACK_ZONE_CHUNK_SIZE))
            return fo_dec_fail (&d, "out of memory");
        zone = &own;
    }
    msgpack_object obj;
    size_t off = 0;
    msgpack_unpack_return ur = msgpack_unpack (data, len, &off, zone, &obj);
    fo_msg m = { 0 };
    int rc;
    if (ur != MSGPACK_UNPACK_SUCCESS || off != len)
        rc = fo_dec_fail (&d, "not a valid msgpack object");
    else {
        rc = get_header (&d, &obj, &m);
        if (rc == 0 && in_batch && m.type == FO_MSG_BATCH) {
            d.type = NULL;
            rc = fo_dec_fail (&d, "a batch inside a batch");
            m.type = 0;         /* nothing of it allocated yet */
        }
        if (rc == 0)
            rc = get_fields (&d, &obj, &m);
    }
    if (zone == &own)
        msgpack_zone_destroy (&own);
    else if (!in_batch)
        msgpack_zone_clear (zone);      /* the scratch's: its first chunk stays */
    if (rc != 0) {
        fo_msg_free (&m);   /* leaves it zeroed; *msg is zeroed already */
        return rc;
    }
    *msg = m;
    return FO_PROTO_OK;
}

int
fo_msg_decode (const void *data, size_t len, fo_msg *msg, char *err, size_t errlen)
{
    return decode (data, len, msg, err, errlen, NULL, NULL);
}

int
fo_msg_decode_in (fo_msg_scratch *scratch, const void *data, size_t len, fo_msg *msg, char *err,
                  size_t errlen)
{
    return decode (data, len, msg, err, errlen, NULL, scratch);
}
