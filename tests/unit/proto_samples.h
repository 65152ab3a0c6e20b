/*  proto_samples — shared helpers of the protocol tests (test_proto.c,
    test_proto_reject.c): one sample message of each type with every field
    set, deep comparison, an expect_reject() that checks code, reason and the
    zeroed output, and a tiny raw msgpack map builder for hand-made input.
    Functions are static inline so each test program uses what it needs.
*/
#ifndef PROTO_SAMPLES_H
#define PROTO_SAMPLES_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_proto.h"

/* ---- messages to send ---------------------------------------------- */

static inline void
add_step (fo_lease *l, fo_step_kind kind, const char *name)
{
    l->steps = fo_xrealloc (l->steps, (l->nsteps + 1) * sizeof *l->steps);
    fo_step *s = &l->steps[l->nsteps++];
    memset (s, 0, sizeof *s);
    s->kind = kind;
    s->name = fo_xstrdup (name);
    fo_strv_push (&s->argv, "/bin/sh");
    fo_strv_push (&s->argv, "-c");
    fo_strv_push (&s->argv, "exit 0");
    s->cwd = fo_xstrdup (kind == FO_STEP_TEST ? "/tmp" : "");
    s->reader = FO_READER_EXIT_STATUS;
}

/* One message of each type, every field set to something non-default. */
static inline fo_msg
sample (fo_msg_type type)
{
    fo_msg m = { .type = type };
    switch (type) {
    case FO_MSG_HELLO:
        m.u.hello = (fo_hello) { .agent_id = fo_xstrdup ("box:42:abc"),
                                 .host = fo_xstrdup ("box"), .slots = 8 };
        m.u.hello.resources = fo_xcalloc (2, sizeof *m.u.hello.resources);
        m.u.hello.resources[0] = (fo_resource) { fo_xstrdup ("gpu"), fo_xstrdup ("0"), 1 };
        m.u.hello.resources[1] = (fo_resource) { fo_xstrdup ("gpu"), fo_xstrdup ("card-1.b"), 4 };
        m.u.hello.nresources = 2;
        fo_strv_push (&m.u.hello.labels, "docker");
        fo_strv_push (&m.u.hello.labels, "arch=arm64");
        break;
    case FO_MSG_WELCOME:
        m.u.welcome = (fo_welcome) { fo_xstrdup ("broker-1"), 1000, 5 };
        break;
    case FO_MSG_REFUSE:
        m.u.refuse.reason = fo_xstrdup ("protocol version 2 is not supported");
        break;
    case FO_MSG_SHUTDOWN:
        m.u.shutdown.reason = fo_xstrdup ("run complete");
        break;
    case FO_MSG_BYE:
        m.u.bye.reason = fo_xstrdup ("");
        break;
    case FO_MSG_REQUEST:
        m.u.request.credit = UINT32_MAX;
        break;
    case FO_MSG_LEASE: {
        fo_lease *l = &m.u.lease;
        l->lease = UINT64_MAX;
        l->attempt = 2;
        l->output_cap = 65536;
        l->skip_code = -77;
        l->slow_ms = 60000;
        l->task_timeout_ms = UINT32_MAX;
        l->manifest = fo_xstrdup ("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        l->root = fo_xstrdup ("/home/ci/build");
        l->outputs = 16u << 20;
        add_step (l, FO_STEP_SETUP, "pkg.db");
        fo_env_set (&l->steps[0].env, "DB_URL", "postgres://x");
        fo_env_set (&l->steps[0].env, "DB_PASSWORD", "hunter2");
        l->steps[0].env.items[1].secret = true;
        add_step (l, FO_STEP_TEST, "pkg.db.test_a");
        l->steps[1].timeout_ms = 30000;
        fo_strv_push (&l->steps[1].tests, "pkg.db.test_a");
        fo_strv_push (&l->steps[1].tests, "pkg.db.test_b");
        fo_env_set (&l->steps[1].env, "EMPTY", "");
        add_step (l, FO_STEP_TEARDOWN, "pkg.db");
        /* exports of the task's shared contexts */
        fo_env_set (&l->env, "SERVER", "10.0.0.5:8080");
        fo_env_set (&l->env, "TOKEN", "s3cr3t");
        l->env.items[1].secret = true;
        break;
    }
    case FO_MSG_RESULT: {
        fo_result *r = &m.u.result;
        r->lease = 1ull << 40;
        r->step = 3;
        r->test = fo_xstrdup ("pkg.mod.test_x");
        r->outcome = FO_CRASHED;
        r->duration_us = 123456789;
        r->out = fo_xstrndup ("a\0b\xff", 4);     /* bin keeps NULs and any byte */
        r->out_len = 4;
        r->err = fo_xstrdup ("");
        r->err_len = 0;
        r->message = fo_xstrdup ("killed by SIGSEGV");
        r->host = fo_xstrdup ("box");
        r->worker = 4;
        r->attempt = 1;
        /* a joined test (protocol 5): a TAP point of test_x's program */
        r->joined = fo_xstrdup ("parses input");
        r->group = fo_xstrdup ("group one");
        r->interrupt = true;    /* protocol 6: the test stops the run */
        break;
    }
    case FO_MSG_DONE: {
        /* Two results ride along (protocol 4), one with bytes of every kind. */
        m.u.done = (fo_done) { .lease = 99, .exit_status = -1, .signal = 9, .credit = 2,
                               .results = fo_xcalloc (2, sizeof (fo_result)), .nresults = 2 };
        for (size_t i = 0; i < 2; i++) {
            fo_result *r = &m.u.done.results[i];
            r->lease = 99;
            r->step = (uint32_t) i;
            r->test = fo_xstrdup (i ? "pkg.mod.test_b" : "pkg.mod.test_a");
            r->outcome = i ? FO_FAILED : FO_PASSED;
            r->duration_us = 1000 + i;
            r->out = i ? fo_xstrndup ("x\0y\xfe", 4) : fo_xstrdup ("");
            r->out_len = i ? 4 : 0;
            r->err = fo_xstrdup ("e");
            r->err_len = 1;
            r->message = fo_xstrdup (i ? "assert 1 == 2" : "");
            r->host = fo_xstrdup ("box");
            r->worker = 2;
            r->attempt = 1;
            r->joined = fo_xstrdup (i ? "point (2)" : "");
            r->group = fo_xstrdup ("");
        }
        break;
    }
    case FO_MSG_CANCEL:
        m.u.cancel.lease = 7;
        m.u.cancel.reason = fo_xstrdup ("interrupted");
        break;
    case FO_MSG_RETURN:
        m.u.ret.lease = UINT64_C (0x1000000007);
        m.u.ret.credit = 3;
        break;
    case FO_MSG_HEARTBEAT:
        break;
    case FO_MSG_DISCOVERED: {
        fo_discovered *d = &m.u.discovered;
        d->lease = 12;
        d->step = 0;
        fo_strv_push (&d->names, "parse_empty");
        fo_strv_push (&d->names, "it's a test");
        fo_strv_push (&d->names, "\xc3\xa9t\xc3\xa9");
        d->error = fo_xstrdup ("");
        d->err = fo_xstrndup ("warn\0ing", 8);
        d->err_len = 8;
        d->duration_us = 4242;
        break;
    }
    case FO_MSG_SLOW:
        m.u.slow = (fo_slow) { UINT64_MAX, 2, 61234 };
        break;
    case FO_MSG_FETCH:
        m.u.fetch.blob = fo_xstrdup ("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
        m.u.fetch.offset = (uint64_t) 5 << 32;
        m.u.fetch.length = FO_PROTO_MAX_CHUNK;
        break;
    case FO_MSG_OUTPUT:
        m.u.output.lease = 3;
        m.u.output.step = 1;
        m.u.output.path = fo_xstrdup ("logs/core.txt");
        m.u.output.offset = 2;
        m.u.output.size = 9;
        m.u.output.data = fo_xstrdup ("a\tb\xff");
        m.u.output.data_len = 4;
        break;
    case FO_MSG_CHUNK:
        m.u.chunk.blob = fo_xstrdup ("ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100");
        m.u.chunk.offset = 1024;
        m.u.chunk.size = 1030;
        m.u.chunk.data = fo_xmalloc (6);
        memcpy (m.u.chunk.data, "a\0b\xff\n", 6);
        m.u.chunk.data_len = 5;
        m.u.chunk.error = fo_xstrdup ("");
        break;
    case FO_MSG_BATCH:
        /* What each side batches: leases one way, dones the other. */
        m.u.batch.nmsgs = 3;
        m.u.batch.msgs = fo_xcalloc (3, sizeof *m.u.batch.msgs);
        m.u.batch.msgs[0] = sample (FO_MSG_LEASE);
        m.u.batch.msgs[1] = sample (FO_MSG_DONE);
        m.u.batch.msgs[2] = sample (FO_MSG_HEARTBEAT);
        break;
    }
    return m;
}

static inline void
encode_ok (const fo_msg *m, fo_buf *out)
{
    fo_buf_reset (out);
    assert_int_equal (fo_msg_encode (m, out), 0);
    assert_true (out->len > 0);
}

/* ---- comparing ----------------------------------------------------- */

static inline void
assert_strv_equal (const fo_strv *a, const fo_strv *b)
{
    assert_int_equal (a->len, b->len);
    for (size_t i = 0; i < a->len; i++)
        assert_string_equal (a->items[i], b->items[i]);
}

static inline void
assert_env_equal (const fo_env *a, const fo_env *b)
{
    assert_int_equal (a->len, b->len);
    for (size_t i = 0; i < a->len; i++) {
        assert_string_equal (a->items[i].name, b->items[i].name);
        assert_string_equal (a->items[i].value, b->items[i].value);
        assert_int_equal (a->items[i].secret, b->items[i].secret);
    }
}

static inline void
assert_step_equal (const fo_step *a, const fo_step *b)
{
    assert_int_equal (a->kind, b->kind);
    assert_string_equal (a->name, b->name);
    assert_strv_equal (&a->argv, &b->argv);
    assert_string_equal (a->cwd, b->cwd);
    assert_env_equal (&a->env, &b->env);
    assert_int_equal (a->timeout_ms, b->timeout_ms);
    assert_int_equal (a->reader, b->reader);
    assert_strv_equal (&a->tests, &b->tests);
    assert_int_equal (a->verdict.will_fail, b->verdict.will_fail);
    assert_int_equal (a->verdict.disabled, b->verdict.disabled);
    assert_int_equal (a->verdict.skip_code, b->verdict.skip_code);
    assert_strv_equal (&a->verdict.pass, &b->verdict.pass);
    assert_strv_equal (&a->verdict.fail, &b->verdict.fail);
    assert_strv_equal (&a->verdict.skip, &b->verdict.skip);
    assert_strv_equal (&a->verdict.needs, &b->verdict.needs);
}

static inline void
assert_bytes_equal (const char *a, size_t alen, const char *b, size_t blen)
{
    assert_int_equal (alen, blen);
    assert_memory_equal (a, b, alen);
    assert_int_equal (b[blen], '\0');       /* decoded copies are terminated */
}

static inline void
assert_result_equal (const fo_result *x, const fo_result *y)
{
    assert_true (x->lease == y->lease);
    assert_int_equal (x->step, y->step);
    assert_string_equal (x->test, y->test);
    assert_int_equal (x->outcome, y->outcome);
    assert_true (x->duration_us == y->duration_us);
    assert_bytes_equal (x->out, x->out_len, y->out, y->out_len);
    assert_bytes_equal (x->err, x->err_len, y->err, y->err_len);
    assert_string_equal (x->message, y->message);
    assert_string_equal (x->host, y->host);
    assert_int_equal (x->worker, y->worker);
    assert_int_equal (x->attempt, y->attempt);
    assert_string_equal (x->joined ? x->joined : "", y->joined ? y->joined : "");
    assert_int_equal (x->interrupt, y->interrupt);
    assert_string_equal (x->group ? x->group : "", y->group ? y->group : "");
}

static inline void
assert_msg_equal (const fo_msg *a, const fo_msg *b)
{
    assert_int_equal (a->type, b->type);
    assert_int_equal (b->version, FO_PROTO_VERSION);
    switch (a->type) {
    case FO_MSG_HELLO:
        assert_string_equal (a->u.hello.agent_id, b->u.hello.agent_id);
        assert_string_equal (a->u.hello.host, b->u.hello.host);
        assert_int_equal (a->u.hello.slots, b->u.hello.slots);
        assert_int_equal (a->u.hello.nresources, b->u.hello.nresources);
        for (size_t i = 0; i < a->u.hello.nresources; i++) {
            assert_string_equal (a->u.hello.resources[i].name, b->u.hello.resources[i].name);
            assert_string_equal (a->u.hello.resources[i].id, b->u.hello.resources[i].id);
            assert_int_equal (a->u.hello.resources[i].slots, b->u.hello.resources[i].slots);
        }
        assert_int_equal (a->u.hello.labels.len, b->u.hello.labels.len);
        for (size_t i = 0; i < a->u.hello.labels.len; i++)
            assert_string_equal (a->u.hello.labels.items[i], b->u.hello.labels.items[i]);
        break;
    case FO_MSG_WELCOME:
        assert_string_equal (a->u.welcome.broker_id, b->u.welcome.broker_id);
        assert_int_equal (a->u.welcome.heartbeat_ms, b->u.welcome.heartbeat_ms);
        assert_int_equal (a->u.welcome.liveness, b->u.welcome.liveness);
        break;
    case FO_MSG_REFUSE: case FO_MSG_SHUTDOWN: case FO_MSG_BYE:
        /* the three share one struct */
        assert_string_equal (a->u.refuse.reason, b->u.refuse.reason);
        break;
    case FO_MSG_REQUEST:
        assert_int_equal (a->u.request.credit, b->u.request.credit);
        break;
    case FO_MSG_LEASE:
        assert_true (a->u.lease.lease == b->u.lease.lease);
        assert_int_equal (a->u.lease.attempt, b->u.lease.attempt);
        assert_int_equal (a->u.lease.output_cap, b->u.lease.output_cap);
        assert_int_equal (a->u.lease.skip_code, b->u.lease.skip_code);
        assert_env_equal (&a->u.lease.env, &b->u.lease.env);
        assert_int_equal (a->u.lease.slow_ms, b->u.lease.slow_ms);
        assert_int_equal (a->u.lease.task_timeout_ms, b->u.lease.task_timeout_ms);
        assert_string_equal (a->u.lease.manifest ? a->u.lease.manifest : "", b->u.lease.manifest);
        assert_string_equal (a->u.lease.root ? a->u.lease.root : "", b->u.lease.root);
        assert_int_equal (a->u.lease.outputs, b->u.lease.outputs);
        assert_int_equal (a->u.lease.nsteps, b->u.lease.nsteps);
        for (size_t i = 0; i < a->u.lease.nsteps; i++)
            assert_step_equal (&a->u.lease.steps[i], &b->u.lease.steps[i]);
        break;
    case FO_MSG_RESULT:
        assert_result_equal (&a->u.result, &b->u.result);
        break;
    case FO_MSG_DONE:
        assert_true (a->u.done.lease == b->u.done.lease);
        assert_int_equal (a->u.done.exit_status, b->u.done.exit_status);
        assert_int_equal (a->u.done.signal, b->u.done.signal);
        assert_int_equal (a->u.done.credit, b->u.done.credit);
        assert_int_equal (a->u.done.nresults, b->u.done.nresults);
        for (size_t i = 0; i < a->u.done.nresults; i++)
            assert_result_equal (&a->u.done.results[i], &b->u.done.results[i]);
        break;
    case FO_MSG_CANCEL:
        assert_true (a->u.cancel.lease == b->u.cancel.lease);
        assert_string_equal (a->u.cancel.reason, b->u.cancel.reason);
        break;
    case FO_MSG_RETURN:
        assert_true (a->u.ret.lease == b->u.ret.lease);
        assert_int_equal (a->u.ret.credit, b->u.ret.credit);
        break;
    case FO_MSG_HEARTBEAT:
        break;
    case FO_MSG_DISCOVERED: {
        const fo_discovered *x = &a->u.discovered, *y = &b->u.discovered;
        assert_true (x->lease == y->lease);
        assert_int_equal (x->step, y->step);
        assert_strv_equal (&x->names, &y->names);
        assert_string_equal (x->error, y->error);
        assert_bytes_equal (x->err, x->err_len, y->err, y->err_len);
        assert_true (x->duration_us == y->duration_us);
        assert_bytes_equal (x->listing, x->listing_len, y->listing, y->listing_len);
        break;
    }
    case FO_MSG_SLOW:
        assert_true (a->u.slow.lease == b->u.slow.lease);
        assert_int_equal (a->u.slow.step, b->u.slow.step);
        assert_true (a->u.slow.elapsed_ms == b->u.slow.elapsed_ms);
        break;
    case FO_MSG_FETCH:
        assert_string_equal (a->u.fetch.blob, b->u.fetch.blob);
        assert_true (a->u.fetch.offset == b->u.fetch.offset);
        assert_int_equal (a->u.fetch.length, b->u.fetch.length);
        break;
    case FO_MSG_OUTPUT:
        assert_true (a->u.output.lease == b->u.output.lease);
        assert_int_equal (a->u.output.step, b->u.output.step);
        assert_string_equal (a->u.output.path, b->u.output.path);
        assert_true (a->u.output.offset == b->u.output.offset);
        assert_true (a->u.output.size == b->u.output.size);
        assert_bytes_equal (a->u.output.data, a->u.output.data_len, b->u.output.data,
                            b->u.output.data_len);
        break;
    case FO_MSG_CHUNK:
        assert_string_equal (a->u.chunk.blob, b->u.chunk.blob);
        assert_true (a->u.chunk.offset == b->u.chunk.offset);
        assert_true (a->u.chunk.size == b->u.chunk.size);
        assert_bytes_equal (a->u.chunk.data, a->u.chunk.data_len, b->u.chunk.data,
                            b->u.chunk.data_len);
        assert_string_equal (a->u.chunk.error, b->u.chunk.error);
        break;
    case FO_MSG_BATCH:
        assert_int_equal (a->u.batch.nmsgs, b->u.batch.nmsgs);
        for (size_t i = 0; i < a->u.batch.nmsgs; i++)
            assert_msg_equal (&a->u.batch.msgs[i], &b->u.batch.msgs[i]);
        break;
    }
}

/* ---- rejecting ----------------------------------------------------- */

/* Decodes data expecting failure `code` with `want` inside the reason, and
   checks *msg comes back all zero. */
static inline void
expect_reject (const void *data, size_t len, int code, const char *want)
{
    fo_msg m;
    memset (&m, 0xAA, sizeof m);
    char err[256] = "";
    int rc = fo_msg_decode (data, len, &m, err, sizeof err);
    if (rc != code)
        fail_msg ("decode returned %d, expected %d (reason: '%s', expected '%s')",
                  rc, code, err, want);
    if (!strstr (err, want))
        fail_msg ("reason '%s' does not contain '%s'", err, want);
    assert_null (strchr (err, '\n'));
    fo_msg zero;
    memset (&zero, 0, sizeof zero);
    assert_memory_equal (&m, &zero, sizeof m);
}

/* ---- hand-built maps ----------------------------------------------- */

static inline int
buf_write (void *data, const char *p, size_t len)
{
    fo_buf_append (data, p, len);
    return 0;
}

typedef struct {
    fo_buf buf;
    msgpack_packer pk;
} raw;

static inline void
raw_init (raw *r, size_t nfields)
{
    memset (r, 0, sizeof *r);
    msgpack_packer_init (&r->pk, &r->buf, buf_write);
    msgpack_pack_map (&r->pk, nfields);
}

static inline void
raw_str (raw *r, const char *s)
{
    msgpack_pack_str_with_body (&r->pk, s, strlen (s));
}

static inline void
raw_kv_str (raw *r, const char *k, const char *v)
{
    raw_str (r, k);
    raw_str (r, v);
}

static inline void
raw_kv_uint (raw *r, const char *k, uint64_t v)
{
    raw_str (r, k);
    msgpack_pack_uint64 (&r->pk, v);
}

#endif
