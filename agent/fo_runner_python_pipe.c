/*  fo_runner_python_pipe — the python runner's pipe to its worker
    (docs/python-workers.md, "The pipe protocol"): requests of steps,
    answers, and what the worker's fds 1 and 2 carry, split by the mark
    it writes after each step. State: internal/fo_runner_python_state.h. */
#include "fo_runner_python_state.h"

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_reaper.h"

/* ---- the bytes on the worker's fds 1 and 2 ---------------------------- */

/* Bytes of fd stream that belong to the step with sequence number raw[stream]. */
static void
give_raw (python_runner *self, int stream, const char *data, size_t len)
{
    if (!len)
        return;
    uint64_t seq = self->raw[stream];
    if (seq < self->base || seq - self->base >= self->nq)
        return;         /* between steps: nobody's */
    size_t i = (size_t) (seq - self->base);
    sent_step *s = &self->q[i];
    if (s->answered)
        return;
    fo_capture_append (stream == 2 ? &self->q[i].err : &self->q[i].out, data, len);
    if (self->on_output && self->active && i == self->cur)
        self->on_output (self->output_arg, stream, data, len);
}

/* What the worker wrote to its fds 1 and 2: each STEP_END there moves
   on to the next step's bytes. */
static void
split_raw (python_runner *self, int stream, const char *data, size_t len)
{
    while (len > 0) {
        if (self->ncarry[stream]) {
            /* the bytes held back: is this the rest of a STEP_END? */
            size_t have = self->ncarry[stream], need = STEP_END_LEN - have;
            size_t take = len < need ? len : need;
            if (memcmp (STEP_END + have, data, take) != 0) {
                self->ncarry[stream] = 0;
                give_raw (self, stream, self->carry[stream], have);
                continue;       /* data again, from its start */
            }
            memcpy (self->carry[stream] + have, data, take);
            self->ncarry[stream] += take;
            data += take;
            len -= take;
            if (self->ncarry[stream] == STEP_END_LEN) {
                self->ncarry[stream] = 0;
                self->raw[stream]++;
            }
            continue;
        }
        const char *hit = memmem (data, len, STEP_END, STEP_END_LEN);
        if (hit) {
            give_raw (self, stream, data, (size_t) (hit - data));
            self->raw[stream]++;
            len -= (size_t) (hit - data) + STEP_END_LEN;
            data = hit + STEP_END_LEN;
            continue;
        }
        /* A STEP_END's first bytes at the end: held back until the next read. */
        size_t keep = 0;
        for (size_t k = STEP_END_LEN - 1; k > 0 && !keep; k--)
            if (k <= len && !memcmp (data + len - k, STEP_END, k))
                keep = k;
        give_raw (self, stream, data, len - keep);
        memcpy (self->carry[stream], data + len - keep, keep);
        self->ncarry[stream] = keep;
        return;
    }
}

void
fo_pyrun_route_output (void *arg, int stream, const char *data, size_t len)
{
    python_runner *self = arg;
    if (stream != 1 && stream != 2)
        return;
    if (self->retiree) {
        /* Only the retiree runs now (the next worker waits for it): what
           it writes is no step's; its stderr says why a teardown failed. */
        if (stream == 2 && self->retired.len < 65536)
            fo_buf_append (&self->retired, data, len);
        return;
    }
    split_raw (self, stream, data, len);
}

/* ---- frames: a 4-byte big-endian length, then one msgpack map ---------- */

static void
put_str (msgpack_packer *pk, const char *s)
{
    size_t len = strlen (s);
    msgpack_pack_str (pk, len);
    msgpack_pack_str_body (pk, s, len);
}

static void
pack_step (msgpack_packer *pk, const fo_step *step, const char *token, size_t output_cap)
{
    msgpack_pack_map (pk, 5);
    put_str (pk, "argv");
    msgpack_pack_array (pk, step->argv.len - 2);
    for (size_t i = 2; i < step->argv.len; i++)
        put_str (pk, step->argv.items[i]);
    put_str (pk, "cwd");
    put_str (pk, step->cwd ? step->cwd : "");
    put_str (pk, "env");
    msgpack_pack_map (pk, step->env.len);
    for (size_t i = 0; i < step->env.len; i++) {
        put_str (pk, step->env.items[i].name);
        put_str (pk, step->env.items[i].value);
    }
    put_str (pk, "token");
    put_str (pk, token ? token : fo_reaper_base ());
    put_str (pk, "output_cap");
    msgpack_pack_unsigned_int (pk, (unsigned) output_cap);
}

/* The request for the step rs and the steps after it (rs->ahead) that go
   with it: Python steps of the same interpreter, at most
   FO_PYTHON_BATCH_STEPS and about FO_PYTHON_BATCH_BYTES. Each becomes a
   sent step, after those already sent when chained (the queue is empty
   otherwise). */
void
fo_pyrun_frame_request (python_runner *self, const fo_runner_step *rs, bool chained)
{
    size_t first = self->nq;
    size_t cap = rs->output_cap ? rs->output_cap : FO_DEFAULT_OUTPUT_CAP;
    msgpack_sbuffer body;
    msgpack_sbuffer_init (&body);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &body, msgpack_sbuffer_write);
    fo_buf token = { 0 };
    const fo_step *step = rs->step;
    const char *tok = rs->token ? rs->token : fo_reaper_base ();
    for (size_t k = 0; step; k++) {
        pack_step (&pk, step, tok, cap);
        if (self->nq == self->qcap) {
            self->qcap = self->qcap ? 2 * self->qcap : 16;
            self->q = fo_xrealloc (self->q, self->qcap * sizeof *self->q);
        }
        sent_step *s = &self->q[self->nq++];
        memset (s, 0, sizeof *s);
        s->step = step;
        s->token = fo_xstrdup (tok);
        s->timeout_ms = step->timeout_ms;
        fo_capture_init (&s->out, cap);
        fo_capture_init (&s->err, cap);
        if (!rs->ahead || self->nq - first >= FO_PYTHON_BATCH_STEPS
            || body.size >= FO_PYTHON_BATCH_BYTES)
            break;
        fo_buf_reset (&token);
        step = rs->ahead (rs->ahead_arg, k, &token);
        if (step && (!fo_pyrun_is_python (self, step) || strcmp (step->argv.items[0], self->interpreter)))
            step = NULL;
        tok = token.len ? token.data : fo_reaper_base ();
    }
    fo_buf_free (&token);

    msgpack_sbuffer head;
    msgpack_sbuffer_init (&head);
    msgpack_packer_init (&pk, &head, msgpack_sbuffer_write);
    msgpack_pack_map (&pk, chained ? 4 : 3);
    put_str (&pk, "v");
    msgpack_pack_unsigned_int (&pk, FO_PYTHON_WORKER_PROTOCOL);
    put_str (&pk, "type");
    put_str (&pk, "steps");
    if (chained) {
        put_str (&pk, "chained");
        msgpack_pack_true (&pk);
    }
    put_str (&pk, "steps");
    msgpack_pack_array (&pk, (uint32_t) (self->nq - first));
    size_t size = head.size + body.size;
    unsigned char len[4] = { (unsigned char) (size >> 24), (unsigned char) (size >> 16),
                             (unsigned char) (size >> 8), (unsigned char) size };
    fo_buf_append (&self->pending, len, 4);
    fo_buf_append (&self->pending, head.data, head.size);
    fo_buf_append (&self->pending, body.data, body.size);
    msgpack_sbuffer_destroy (&head);
    msgpack_sbuffer_destroy (&body);
    if (!chained) {
        self->stopped = false;
        self->q[0].began_us = fo_now_us ();     /* the worker is idle: it begins now */
    }
    else if (fo_pyrun_running (self) == &self->q[first])
        self->q[first].began_us = fo_now_us ();     /* it ended the request before */
}

void
fo_pyrun_flush_request (python_runner *self)
{
    /* No worker yet (it waits for the retiree): the FIFO is the one the
       retiree reads, and it is drained when the retiree goes. */
    if (!self->worker)
        return;
    while (self->pending.len > 0) {
        ssize_t n = write (self->req_fd, self->pending.data, self->pending.len);
        if (n <= 0)
            return;     /* full: the worker reads it as it goes */
        memmove (self->pending.data, self->pending.data + n, self->pending.len - (size_t) n);
        self->pending.len -= (size_t) n;
    }
}

static const msgpack_object *
member (const msgpack_object *map, const char *key)
{
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object_kv *kv = &map->via.map.ptr[i];
        if (kv->key.type == MSGPACK_OBJECT_STR && kv->key.via.str.size == strlen (key)
            && !memcmp (kv->key.via.str.ptr, key, kv->key.via.str.size))
            return &kv->val;
    }
    return NULL;
}

static void
append_bytes (fo_capture *cap, const msgpack_object *o)
{
    if (o && (o->type == MSGPACK_OBJECT_BIN || o->type == MSGPACK_OBJECT_STR))
        fo_capture_append (cap, o->via.bin.ptr, o->via.bin.size);
}

static uint64_t
uint_member (const msgpack_object *map, const char *key, uint64_t otherwise)
{
    const msgpack_object *o = member (map, key);
    return o && o->type == MSGPACK_OBJECT_POSITIVE_INTEGER ? o->via.u64 : otherwise;
}

/* The worker's answer for the step it ran: that step has ended; the next
   one of the request begins now. */
static void
take_done (python_runner *self, sent_step *s, const msgpack_object *obj, int status)
{
    /* What the step wrote to fd 1 and 2 itself is in the pipes by now,
       before its STEP_END: collect it first. */
    fo_proc_service (self->worker);
    append_bytes (&s->out, member (obj, "out"));
    append_bytes (&s->err, member (obj, "err"));
    s->status.exited = true;
    s->status.exit_code = status;
    uint64_t now = fo_now_us ();
    /* The worker's own time for it: the agent may read answers late. */
    s->status.duration_us = uint_member (obj, "us", now - s->began_us);
    s->answered = true;
    self->rss_kb = uint_member (obj, "rss_kb", self->rss_kb);
    self->kept = uint_member (obj, "kept", 0);
    self->answers++;
    const msgpack_object *stop = member (obj, "stop");
    if (status != 0 || uint_member (obj, "dropped", 0)
        || (stop && stop->type == MSGPACK_OBJECT_BOOLEAN && stop->via.boolean)) {
        /* The request stops here: the worker runs neither the rest of it
           (dropped) nor a chained request after it. */
        size_t at = (size_t) (s - self->q);
        for (size_t i = at + 1; i < self->nq; i++)
            fo_pyrun_free_sent (&self->q[i]);
        self->nq = at + 1;
        if (self->chain_at > at)
            self->chain_at = 0;
        self->stopped = true;
    }
    sent_step *next = fo_pyrun_running (self);
    if (next)
        next->began_us = now;
}

/* One answer. false: not an answer of the protocol (the worker is
   broken: it is killed). */
static bool
take_answer (python_runner *self, const char *data, size_t len)
{
    char why[256];
    if (fo_proto_prescan (data, len, why, sizeof why) != 0)
        return false;
    msgpack_zone zone;
    if (!msgpack_zone_init (&zone, 4096)) {
        /* as fo_xmalloc: without memory the agent cannot go on */
        fputs ("fanout: out of memory (reading a Python worker's answer)\n", stderr);
        abort ();
    }
    msgpack_object obj;
    bool ok = msgpack_unpack (data, len, NULL, &zone, &obj) == MSGPACK_UNPACK_SUCCESS
              && obj.type == MSGPACK_OBJECT_MAP;
    const msgpack_object *v = ok ? member (&obj, "v") : NULL;
    const msgpack_object *type = ok ? member (&obj, "type") : NULL;
    ok = ok && v && v->type == MSGPACK_OBJECT_POSITIVE_INTEGER && v->via.u64 == FO_PYTHON_WORKER_PROTOCOL && type
         && type->type == MSGPACK_OBJECT_STR;
    if (ok && type->via.str.size == 5 && !memcmp (type->via.str.ptr, "hello", 5)) {
        self->hello = true;
        self->start_deaths = 0;
    }
    else if (ok && type->via.str.size == 4 && !memcmp (type->via.str.ptr, "done", 4)) {
        sent_step *s = fo_pyrun_running (self);
        uint64_t status = uint_member (&obj, "status", 256);
        uint64_t dropped = uint_member (&obj, "dropped", 0);
        /* dropped: the request's steps after it that the worker does not
           run (it interrupted the run), all of them */
        size_t at = s ? (size_t) (s - self->q) : 0;
        size_t end = self->chain_at > at ? self->chain_at : self->nq;    /* of its request */
        ok = s && status < 256 && (!dropped || at + 1 + dropped == end);
        if (ok)
            take_done (self, s, &obj, (int) status);
    }
    else
        ok = false;
    msgpack_zone_destroy (&zone);
    return ok;
}

/* Reads what the worker said; false when it broke the protocol. */
bool
fo_pyrun_read_answers (python_runner *self)
{
    char buf[65536];
    ssize_t n;
    while ((n = read (self->rep_fd, buf, sizeof buf)) > 0)
        fo_buf_append (&self->in, buf, (size_t) n);
    size_t at = 0;
    bool ok = true;
    while (ok && self->worker && self->in.len - at >= 4) {
        const unsigned char *p = (const unsigned char *) self->in.data + at;
        size_t len = (size_t) p[0] << 24 | (size_t) p[1] << 16 | (size_t) p[2] << 8 | p[3];
        if (len > FO_PYTHON_MAX_FRAME) {
            ok = false;
            break;
        }
        if (self->in.len - at - 4 < len)
            break;
        ok = take_answer (self, self->in.data + at + 4, len);
        at += 4 + len;
    }
    if (at > 0 && at <= self->in.len) {
        memmove (self->in.data, self->in.data + at, self->in.len - at);
        self->in.len -= at;
        self->in.data[self->in.len] = '\0';
    }
    return ok;
}

