/*  test_proto_reject — the decoder's field-level strictness: "v" first
    (EVERSION), then "type", then every field of the type: missing, unknown,
    duplicate, wrong msgpack type, out of the C type's range, NUL in a str,
    bad enum names, bad env. Each case checks the return code, the one-line
    reason, the zeroed *msg, and (under ASan) that nothing leaked.
*/
#include "proto_samples.h"

static void
test_reject_version_and_type (void **state)
{
    (void) state;
    raw r;
    raw_init (&r, 2);
    raw_kv_uint (&r, "v", 9);
    raw_kv_str (&r, "type", "hello");   /* and none of hello's fields */
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EVERSION,
                   "protocol version 9 is not supported (this side speaks 8)");
    fo_buf_free (&r.buf);

    /* "v" is judged before "type", wherever it sits in the map */
    raw_init (&r, 3);
    raw_kv_str (&r, "type", "from-the-future");
    raw_str (&r, "new");
    msgpack_pack_array (&r.pk, 0);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION + 1);     /* a version from the future */
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EVERSION, "protocol version 9");
    fo_buf_free (&r.buf);

    raw_init (&r, 1);
    raw_kv_str (&r, "type", "hello");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "missing field 'v'");
    fo_buf_free (&r.buf);

    raw_init (&r, 2);
    raw_kv_str (&r, "v", "1");
    raw_kv_str (&r, "type", "hello");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "field 'v' must be an unsigned integer");
    fo_buf_free (&r.buf);

    raw_init (&r, 2);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "xyz");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "unknown message type 'xyz'");
    fo_buf_free (&r.buf);

    raw_init (&r, 1);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "missing field 'type'");
    fo_buf_free (&r.buf);

    raw_init (&r, 2);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_uint (&r, "type", 5);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "field 'type' must be a string");
    fo_buf_free (&r.buf);
}

static void
test_reject_map_shape (void **state)
{
    (void) state;
    raw r;
    /* duplicate key */
    raw_init (&r, 4);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "cancel");
    raw_kv_uint (&r, "lease", 1);
    raw_kv_uint (&r, "lease", 2);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "cancel: duplicate field 'lease'");
    fo_buf_free (&r.buf);

    /* duplicate "v" */
    raw_init (&r, 4);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "cancel");
    raw_kv_uint (&r, "lease", 1);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "duplicate field 'v'");
    fo_buf_free (&r.buf);

    /* missing field */
    raw_init (&r, 2);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "cancel");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "cancel: missing field 'lease'");
    fo_buf_free (&r.buf);

    /* unknown key */
    raw_init (&r, 3);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "heartbeat");
    raw_kv_uint (&r, "extra", 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "heartbeat: unknown field 'extra'");
    fo_buf_free (&r.buf);

    /* non-string key */
    raw_init (&r, 3);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "heartbeat");
    msgpack_pack_uint64 (&r.pk, 3);
    msgpack_pack_uint64 (&r.pk, 3);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "not a string");
    fo_buf_free (&r.buf);
}

/* ---- wrong values, by rewriting one field of a valid message ------- */

typedef enum { BAD_STR, BAD_NEG, BAD_U33, BAD_I33, BAD_FLOAT, BAD_BIN, BAD_NIL, BAD_MAP,
               BAD_STR_NUL, BAD_EMPTY_ARRAY, BAD_ARRAY_OF_INT, BAD_DROP, BAD_EXTRA } bad_kind;

static void
pack_bad (msgpack_packer *pk, bad_kind kind)
{
    switch (kind) {
    case BAD_STR: msgpack_pack_str_with_body (pk, "x", 1); break;
    case BAD_NEG: msgpack_pack_int64 (pk, -1); break;
    case BAD_U33: msgpack_pack_uint64 (pk, 1ull << 32); break;
    case BAD_I33: msgpack_pack_int64 (pk, -(1ll << 32)); break;
    case BAD_FLOAT: msgpack_pack_double (pk, 1.0); break;
    case BAD_BIN: msgpack_pack_bin_with_body (pk, "x", 1); break;
    case BAD_NIL: msgpack_pack_nil (pk); break;
    case BAD_MAP: msgpack_pack_map (pk, 0); break;
    case BAD_STR_NUL: msgpack_pack_str_with_body (pk, "a\0b", 3); break;
    case BAD_EMPTY_ARRAY: msgpack_pack_array (pk, 0); break;
    case BAD_ARRAY_OF_INT: msgpack_pack_array (pk, 1); msgpack_pack_uint64 (pk, 1); break;
    case BAD_DROP: case BAD_EXTRA: break;
    }
}

/* Re-packs map o, changing the value of `key` (drop or extra: the entry). */
static void
repack_map (msgpack_packer *pk, const msgpack_object *o, const char *key, bad_kind kind,
            const char *step_key)
{
    const msgpack_object_map *map = &o->via.map;
    size_t n = map->size + (kind == BAD_EXTRA && !step_key) - (kind == BAD_DROP && !step_key);
    msgpack_pack_map (pk, n);
    for (uint32_t i = 0; i < map->size; i++) {
        const msgpack_object_kv *kv = &map->ptr[i];
        bool hit = kv->key.via.str.size == strlen (key)
                   && memcmp (kv->key.via.str.ptr, key, strlen (key)) == 0;
        if (hit && step_key) {
            /* "steps": rewrite the field step_key of steps[0] */
            msgpack_pack_object (pk, kv->key);
            msgpack_pack_array (pk, kv->val.via.array.size);
            repack_map (pk, &kv->val.via.array.ptr[0], step_key, kind, NULL);
            for (uint32_t j = 1; j < kv->val.via.array.size; j++)
                msgpack_pack_object (pk, kv->val.via.array.ptr[j]);
            continue;
        }
        if (hit && kind == BAD_DROP)
            continue;
        msgpack_pack_object (pk, kv->key);
        if (hit && kind != BAD_EXTRA)
            pack_bad (pk, kind);
        else
            msgpack_pack_object (pk, kv->val);
        if (hit && kind == BAD_EXTRA) {
            msgpack_pack_str_with_body (pk, "zzz", 3);
            msgpack_pack_nil (pk);
        }
    }
}

/* field is "name" or "steps.name" (then steps[0] of a lease is changed). */
static void
expect_bad_field (fo_msg_type type, const char *field, bad_kind kind, int code, const char *want)
{
    fo_msg m = sample (type);
    fo_buf good = { 0 }, bad = { 0 };
    encode_ok (&m, &good);
    fo_msg_free (&m);
    msgpack_unpacked u;
    msgpack_unpacked_init (&u);
    size_t off = 0;
    assert_int_equal (msgpack_unpack_next (&u, good.data, good.len, &off), MSGPACK_UNPACK_SUCCESS);
    msgpack_packer pk;
    msgpack_packer_init (&pk, &bad, buf_write);
    const char *dot = strchr (field, '.');
    if (dot)
        repack_map (&pk, &u.data, "steps", kind, dot + 1);
    else
        repack_map (&pk, &u.data, field, kind, NULL);
    msgpack_unpacked_destroy (&u);
    assert_false (bad.len == good.len && memcmp (bad.data, good.data, bad.len) == 0);
    expect_reject (bad.data, bad.len, code, want);
    fo_buf_free (&good);
    fo_buf_free (&bad);
}

#define MALFORMED FO_PROTO_EMALFORMED

static void
test_reject_field_types (void **state)
{
    (void) state;
    /* unsigned fields: string, negative, float, nil, too big for 32 bits */
    expect_bad_field (FO_MSG_LEASE, "attempt", BAD_STR, MALFORMED,
                      "lease: field 'attempt' must be an unsigned integer");
    expect_bad_field (FO_MSG_LEASE, "attempt", BAD_NEG, MALFORMED,
                      "lease: field 'attempt' must be an unsigned integer");
    expect_bad_field (FO_MSG_LEASE, "attempt", BAD_U33, MALFORMED,
                      "lease: field 'attempt' is out of range");
    expect_bad_field (FO_MSG_LEASE, "lease", BAD_FLOAT, MALFORMED,
                      "lease: field 'lease' must be an unsigned integer");
    expect_bad_field (FO_MSG_REQUEST, "credit", BAD_NIL, MALFORMED,
                      "request: field 'credit' must be an unsigned integer");
    expect_bad_field (FO_MSG_REQUEST, "credit", BAD_U33, MALFORMED, "out of range");
    expect_bad_field (FO_MSG_HELLO, "slots", BAD_NEG, MALFORMED, "'slots' must be an unsigned");
    expect_bad_field (FO_MSG_WELCOME, "heartbeat_ms", BAD_STR, MALFORMED, "'heartbeat_ms'");
    expect_bad_field (FO_MSG_WELCOME, "liveness", BAD_U33, MALFORMED, "'liveness' is out of");
    expect_bad_field (FO_MSG_RESULT, "duration_us", BAD_NEG, MALFORMED, "'duration_us' must");
    expect_bad_field (FO_MSG_RESULT, "worker", BAD_U33, MALFORMED, "'worker' is out of range");
    expect_bad_field (FO_MSG_CANCEL, "lease", BAD_STR, MALFORMED, "cancel: field 'lease'");
    expect_bad_field (FO_MSG_RETURN, "lease", BAD_NEG, MALFORMED,
                      "return: field 'lease' must be an unsigned integer");
    expect_bad_field (FO_MSG_RETURN, "credit", BAD_U33, MALFORMED,
                      "return: field 'credit' is out of range");
    /* signed 32-bit fields */
    expect_bad_field (FO_MSG_DONE, "exit_status", BAD_I33, MALFORMED,
                      "done: field 'exit_status' is out of range");
    expect_bad_field (FO_MSG_DONE, "signal", BAD_U33, MALFORMED, "'signal' is out of range");
    expect_bad_field (FO_MSG_DONE, "signal", BAD_STR, MALFORMED, "'signal' must be an integer");
    expect_bad_field (FO_MSG_DONE, "credit", BAD_NEG, MALFORMED,
                      "done: field 'credit' must be an unsigned integer");
    expect_bad_field (FO_MSG_DONE, "credit", BAD_U33, MALFORMED, "'credit' is out of range");
    expect_bad_field (FO_MSG_DONE, "results", BAD_MAP, MALFORMED,
                      "done: field 'results' must be an array of maps");
    expect_bad_field (FO_MSG_DONE, "results", BAD_STR, MALFORMED, "'results' must be an array");
    expect_bad_field (FO_MSG_LEASE, "skip_code", BAD_FLOAT, MALFORMED, "'skip_code' must be");
    /* strings: int, bin, nil, NUL inside */
    expect_bad_field (FO_MSG_HELLO, "agent_id", BAD_NEG, MALFORMED,
                      "hello: field 'agent_id' must be a string");
    expect_bad_field (FO_MSG_HELLO, "host", BAD_BIN, MALFORMED, "'host' must be a string");
    expect_bad_field (FO_MSG_REFUSE, "reason", BAD_NIL, MALFORMED, "refuse: field 'reason'");
    expect_bad_field (FO_MSG_SHUTDOWN, "reason", BAD_MAP, MALFORMED, "shutdown: field 'reason'");
    expect_bad_field (FO_MSG_BYE, "reason", BAD_STR_NUL, MALFORMED,
                      "bye: field 'reason' must not contain NUL bytes");
    expect_bad_field (FO_MSG_RESULT, "message", BAD_STR_NUL, MALFORMED, "NUL bytes");
    /* bin fields want bin, not str */
    expect_bad_field (FO_MSG_RESULT, "out", BAD_STR, MALFORMED, "'out' must be binary");
    expect_bad_field (FO_MSG_RESULT, "err", BAD_NIL, MALFORMED, "'err' must be binary");
    /* enum names */
    expect_bad_field (FO_MSG_RESULT, "outcome", BAD_STR, MALFORMED,
                      "result: field 'outcome' has an unknown value 'x'");
    expect_bad_field (FO_MSG_RESULT, "outcome", BAD_NEG, MALFORMED, "'outcome' must be a string");
    expect_bad_field (FO_MSG_LEASE, "steps.kind", BAD_STR, MALFORMED,
                      "lease: field 'steps[0].kind' has an unknown value 'x'");
    expect_bad_field (FO_MSG_LEASE, "steps.reader", BAD_STR, MALFORMED,
                      "field 'steps[0].reader' has an unknown value");
    /* arrays and maps */
    expect_bad_field (FO_MSG_LEASE, "steps", BAD_MAP, MALFORMED, "'steps' must be an array");
    expect_bad_field (FO_MSG_LEASE, "steps.argv", BAD_EMPTY_ARRAY, MALFORMED,
                      "lease: field 'steps[0].argv' must not be empty");
    expect_bad_field (FO_MSG_LEASE, "steps.argv", BAD_ARRAY_OF_INT, MALFORMED,
                      "field 'steps[0].argv[0]' must be a string");
    expect_bad_field (FO_MSG_LEASE, "steps.tests", BAD_STR, MALFORMED,
                      "'steps[0].tests' must be an array of strings");
    expect_bad_field (FO_MSG_LEASE, "steps.env", BAD_EMPTY_ARRAY, MALFORMED,
                      "'steps[0].env' must be a map");
    expect_bad_field (FO_MSG_LEASE, "steps.secret", BAD_ARRAY_OF_INT, MALFORMED,
                      "'steps[0].secret' must be an array of strings");
    expect_bad_field (FO_MSG_LEASE, "env", BAD_EMPTY_ARRAY, MALFORMED,
                      "lease: field 'env' must be a map");
    expect_bad_field (FO_MSG_LEASE, "secret", BAD_ARRAY_OF_INT, MALFORMED,
                      "lease: field 'secret' must be an array of strings");
    expect_bad_field (FO_MSG_LEASE, "env", BAD_DROP, MALFORMED, "lease: missing field 'env'");
    expect_bad_field (FO_MSG_LEASE, "steps.timeout_ms", BAD_NEG, MALFORMED,
                      "'steps[0].timeout_ms' must be an unsigned integer");
    expect_bad_field (FO_MSG_LEASE, "steps.cwd", BAD_STR_NUL, MALFORMED, "NUL");
    /* missing and unknown fields, at the top and inside a step */
    expect_bad_field (FO_MSG_RESULT, "attempt", BAD_DROP, MALFORMED,
                      "result: missing field 'attempt'");
    expect_bad_field (FO_MSG_LEASE, "steps.cwd", BAD_DROP, MALFORMED,
                      "lease: missing field 'steps[0].cwd'");
    expect_bad_field (FO_MSG_WELCOME, "liveness", BAD_EXTRA, MALFORMED,
                      "welcome: unknown field 'zzz'");
    expect_bad_field (FO_MSG_LEASE, "steps.name", BAD_EXTRA, MALFORMED,
                      "unknown field 'steps[0].zzz'");
    /* the version check comes first even when fields are wrong too */
    expect_bad_field (FO_MSG_LEASE, "v", BAD_U33, FO_PROTO_EVERSION, "4294967296");
}

/* An env map of two entries and its secret array of up to two names
   (NULL-terminated). */
static void
raw_env (raw *r, const char *const env[4], const char *const secret[2])
{
    raw_str (r, "env");
    msgpack_pack_map (&r->pk, env ? 2 : 0);
    for (int i = 0; env && i < 4; i++)
        raw_str (r, env[i]);
    raw_str (r, "secret");
    size_t n = secret && secret[0] ? (secret[1] ? 2 : 1) : 0;
    msgpack_pack_array (&r->pk, n);
    for (size_t i = 0; i < n; i++)
        raw_str (r, secret[i]);
}

/* A lease (14 fields) with one test step of step_fields fields (10, or
   11 when the caller packs one more after it), reading with reader: the
   lease's env and secret, and the step's, as given (NULL: empty). */
static void
raw_lease_one_step (raw *r, const char *const lease_env[4], const char *const lease_secret[2],
                    const char *const step_env[4], const char *const step_secret[2],
                    const char *reader, uint32_t step_fields)
{
    raw_init (r, 14);
    raw_kv_uint (r, "v", FO_PROTO_VERSION);
    raw_kv_str (r, "type", "lease");
    raw_kv_uint (r, "lease", 1);
    raw_kv_uint (r, "attempt", 1);
    raw_kv_uint (r, "output_cap", 1);
    raw_kv_uint (r, "skip_code", 77);
    raw_env (r, lease_env, lease_secret);
    raw_kv_uint (r, "slow_ms", 0);
    raw_kv_uint (r, "task_timeout_ms", 0);
    raw_kv_str (r, "manifest", "");
    raw_kv_str (r, "root", "");
    raw_kv_uint (r, "outputs", 0);
    raw_str (r, "steps");
    msgpack_pack_array (&r->pk, 1);
    msgpack_pack_map (&r->pk, step_fields);
    raw_kv_str (r, "kind", "test");
    raw_kv_str (r, "name", "t");
    raw_str (r, "argv");
    msgpack_pack_array (&r->pk, 1);
    raw_str (r, "true");
    raw_kv_str (r, "cwd", "");
    raw_env (r, step_env, step_secret);
    raw_kv_uint (r, "timeout_ms", 0);
    raw_kv_str (r, "reader", reader);
    raw_str (r, "tests");
    msgpack_pack_array (&r->pk, 0);
    raw_kv_uint (r, "span", 0);
}

/* A lease with one step; the env (and secret) under test is the lease's
   (at_lease) or the step's, the other one empty. */
static void
raw_lease_with_env (raw *r, const char *const env[4], const char *const secret[2], bool at_lease)
{
    raw_lease_one_step (r, at_lease ? env : NULL, at_lease ? secret : NULL, at_lease ? NULL : env,
                        at_lease ? NULL : secret, "exit-status", 10);
}

/* A lease of one test step with reader and, when verdict is set, a
   "verdict" map: will_fail, then the rest well-formed. */
static void
raw_lease_with_verdict (raw *r, const char *reader, bool verdict, uint64_t will_fail)
{
    raw_lease_one_step (r, NULL, NULL, NULL, NULL, reader, verdict ? 11 : 10);
    if (!verdict)
        return;
    raw_str (r, "verdict");
    msgpack_pack_map (&r->pk, 7);
    raw_kv_uint (r, "will_fail", will_fail);
    raw_kv_uint (r, "disabled", 0);
    raw_str (r, "skip_code");
    msgpack_pack_int32 (&r->pk, -1);
    const char *lists[] = { "pass", "fail", "skip", "needs" };
    for (size_t i = 0; i < 4; i++) {
        raw_str (r, lists[i]);
        msgpack_pack_array (&r->pk, 0);
    }
}

/* "verdict" exactly when the reader is ctest, with its 7 fields. */
static void
test_reject_verdict (void **state)
{
    (void) state;
    raw r;
    fo_msg m;
    raw_lease_with_verdict (&r, "ctest", true, 1);
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, NULL, 0), FO_PROTO_OK);
    assert_true (m.u.lease.steps[0].verdict.will_fail);
    assert_int_equal (m.u.lease.steps[0].verdict.skip_code, -1);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);

    raw_lease_with_verdict (&r, "ctest", false, 0);
    expect_reject (r.buf.data, r.buf.len, MALFORMED,
                   "lease: missing field 'steps[0].verdict' (reader ctest)");
    fo_buf_free (&r.buf);
    raw_lease_with_verdict (&r, "exit-status", true, 0);
    expect_reject (r.buf.data, r.buf.len, MALFORMED,
                   "lease: field 'steps[0].verdict' is only for reader ctest");
    fo_buf_free (&r.buf);
    raw_lease_with_verdict (&r, "ctest", true, 2);
    expect_reject (r.buf.data, r.buf.len, MALFORMED,
                   "lease: field 'steps[0].verdict.will_fail' must be 0 or 1");
    fo_buf_free (&r.buf);
}

/* A done with one result: its 13 fields, the first 12 (a version 5
   result: no "interrupt") or the first 9; its outcome valid or not; interrupt
   (13 fields) true, false, or bad (1: not a boolean). */
static void
raw_done_with_result_i (raw *r, uint32_t result_map_size, bool bad_outcome, int interrupt)
{
    raw_init (r, 7);
    raw_kv_uint (r, "v", FO_PROTO_VERSION);
    raw_kv_str (r, "type", "done");
    raw_kv_uint (r, "lease", 5);
    raw_kv_uint (r, "exit_status", 0);
    raw_kv_uint (r, "signal", 0);
    raw_kv_uint (r, "credit", 1);
    raw_str (r, "results");
    msgpack_pack_array (&r->pk, 1);
    msgpack_pack_map (&r->pk, result_map_size);
    raw_kv_uint (r, "step", 0);
    raw_kv_str (r, "test", "t");
    raw_kv_str (r, "outcome", bad_outcome ? "sort-of" : "passed");
    raw_kv_uint (r, "duration_us", 1);
    raw_str (r, "out");
    msgpack_pack_bin (&r->pk, 0);
    raw_str (r, "err");
    msgpack_pack_bin (&r->pk, 0);
    raw_kv_str (r, "message", "");
    raw_kv_str (r, "host", "h");
    raw_kv_uint (r, "worker", 1);
    if (result_map_size >= 12) {
        raw_kv_uint (r, "attempt", 1);
        raw_kv_str (r, "joined", "");
        raw_kv_str (r, "group", "");
    }
    if (result_map_size == 13) {
        raw_str (r, "interrupt");
        if (interrupt == 1)
            msgpack_pack_uint64 (&r->pk, 1);
        else if (interrupt)
            msgpack_pack_true (&r->pk);
        else
            msgpack_pack_false (&r->pk);
    }
}

static void
raw_done_with_result (raw *r, uint32_t result_map_size, bool bad_outcome)
{
    raw_done_with_result_i (r, result_map_size, bad_outcome, 0);
}

/* done's results are checked as strictly as a result message, and the
   error names the result. */
static void
test_reject_done_results (void **state)
{
    (void) state;
    raw r;
    raw_done_with_result (&r, 13, false);
    fo_msg m;
    char err[256];
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, err, sizeof err), 0);
    assert_int_equal (m.u.done.nresults, 1);
    assert_true (m.u.done.results[0].lease == 5);   /* the done's */
    assert_string_equal (m.u.done.results[0].test, "t");
    assert_false (m.u.done.results[0].interrupt);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);

    /* Version 6: interrupt, a boolean (a test that stops the run). */
    raw_done_with_result_i (&r, 13, false, 2);
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, err, sizeof err), 0);
    assert_true (m.u.done.results[0].interrupt);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);
    raw_done_with_result_i (&r, 13, false, 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "done: field 'results[0].interrupt' must be true or false");
    fo_buf_free (&r.buf);
    raw_done_with_result (&r, 12, false);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "done: missing field 'results[0].interrupt'");
    fo_buf_free (&r.buf);

    raw_done_with_result (&r, 9, false);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "done: missing field 'results[0].attempt'");
    fo_buf_free (&r.buf);

    raw_done_with_result (&r, 13, true);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "results[0].");
    fo_buf_free (&r.buf);
}

/* A joined test's names (protocol 5): within FO_PROTO_MAX_JOINED_NAME, a
   group only with a name, and the step's test it joins always named. */
static void
test_reject_joined (void **state)
{
    (void) state;
    fo_msg m = { .type = FO_MSG_RESULT };
    fo_result *r = &m.u.result;
    r->test = "prog/all";
    r->out = r->err = r->message = r->host = "";
    r->joined = "";
    r->group = "g";
    fo_buf buf = { 0 };
    encode_ok (&m, &buf);
    expect_reject (buf.data, buf.len, MALFORMED, "field 'group' is set but 'joined' is empty");
    fo_buf_free (&buf);

    char *long_name = fo_xmalloc (FO_PROTO_MAX_JOINED_NAME + 2);
    memset (long_name, 'n', FO_PROTO_MAX_JOINED_NAME + 1);
    long_name[FO_PROTO_MAX_JOINED_NAME + 1] = '\0';
    r->joined = long_name;
    r->group = "";
    encode_ok (&m, &buf);
    expect_reject (buf.data, buf.len, MALFORMED, "longer than 4096 bytes");
    fo_buf_free (&buf);
    long_name[FO_PROTO_MAX_JOINED_NAME] = '\0';   /* at the limit: taken */
    encode_ok (&m, &buf);
    fo_msg back;
    char err[256];
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, err, sizeof err), 0);
    assert_int_equal (strlen (back.u.result.joined), FO_PROTO_MAX_JOINED_NAME);
    fo_msg_free (&back);
    fo_buf_free (&buf);

    r->test = "";
    encode_ok (&m, &buf);
    expect_reject (buf.data, buf.len, MALFORMED, "must name the step's test it joins");
    fo_buf_free (&buf);
    free (long_name);
}

static void
test_reject_values (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_msg m = { .type = FO_MSG_HELLO, .u.hello = { .slots = 1 } };
    encode_ok (&m, &buf);
    /* patch slots' value, 1, into 0 */
    char *slots = memmem (buf.data, buf.len, "\xa5slots\x01", 7);
    assert_non_null (slots);
    slots[6] = 0;
    expect_reject (buf.data, buf.len, MALFORMED, "hello: field 'slots' must be at least 1");

    fo_buf_free (&buf);

    /* env: the same name twice, bad names, a secret not in env or named
       twice; the same rules for a step's env and for the lease's exports */
    static const struct {
        const char *env[4];     /* name, value, name, value */
        const char *secret[2];
        const char *want;       /* for the step; the lease's lacks "steps[0]." */
    } cases[] = {
        { { "A", "1", "A", "2" }, { NULL }, "field 'steps[0].env' sets 'A' twice" },
        { { "A", "1", "", "2" }, { NULL }, "field 'steps[0].env' has an invalid variable name" },
        { { "A", "1", "B=C", "2" }, { NULL }, "field 'steps[0].env' has an invalid variable name" },
        { { "A", "1", "B", "2" }, { "NOPE" }, "field 'steps[0].secret' names 'NOPE', which is not in env" },
        { { "A", "1", "B", "2" }, { "B", "B" }, "field 'steps[0].secret' names 'B' twice" },
    };
    for (int at_lease = 0; at_lease <= 1; at_lease++)
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            char want[128];
            const char *at = strstr (cases[c].want, "steps[0].");
            snprintf (want, sizeof want, "lease: %.*s%s", (int) (at - cases[c].want), cases[c].want,
                      at_lease ? at + strlen ("steps[0].") : at);
            raw r;
            raw_lease_with_env (&r, cases[c].env, cases[c].secret, at_lease);
            expect_reject (r.buf.data, r.buf.len, MALFORMED, want);
            fo_buf_free (&r.buf);
        }
    /* the same shapes with good names decode, secret flags set */
    const char *env[4] = { "A", "1", "B", "2" }, *secret[2] = { "B", NULL };
    for (int at_lease = 0; at_lease <= 1; at_lease++) {
        raw r;
        raw_lease_with_env (&r, env, secret, at_lease);
        fo_msg back;
        char err[256] = "";
        assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &back, err, sizeof err), FO_PROTO_OK);
        const fo_env *got = at_lease ? &back.u.lease.env : &back.u.lease.steps[0].env;
        const fo_env *empty = at_lease ? &back.u.lease.steps[0].env : &back.u.lease.env;
        assert_int_equal (got->len, 2);
        assert_int_equal (empty->len, 0);
        assert_false (got->items[0].secret);
        assert_true (got->items[1].secret);
        fo_msg_free (&back);
        fo_buf_free (&r.buf);
    }
}

/* A discover step is alone in its lease and reports no tests; the names
   it sends back are non-empty (and may hold '/'), and none come with an
   error. */
static void
test_reject_discovery (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_msg m = sample (FO_MSG_LEASE);
    m.u.lease.steps[0].kind = FO_STEP_DISCOVER;
    assert_int_equal (fo_msg_encode (&m, &buf), -1);     /* the encoder refuses it too */
    fo_msg_free (&m);

    /* decoder: build the bad leases by hand (the encoder would refuse) */
    static const char *const kinds[][2] = { { "discover", "test" }, { "test", "discover" } };
    for (size_t k = 0; k < 2; k++) {
        raw r;
        raw_init (&r, 14);
        raw_kv_uint (&r, "v", FO_PROTO_VERSION);
        raw_kv_str (&r, "type", "lease");
        raw_kv_uint (&r, "lease", 1);
        raw_kv_uint (&r, "attempt", 1);
        raw_kv_uint (&r, "output_cap", 1);
        raw_kv_uint (&r, "skip_code", 77);
        raw_env (&r, NULL, NULL);
        raw_kv_uint (&r, "slow_ms", 0);
        raw_kv_uint (&r, "task_timeout_ms", 0);
        raw_kv_str (&r, "manifest", "");
        raw_kv_str (&r, "root", "");
        raw_kv_uint (&r, "outputs", 0);
        raw_str (&r, "steps");
        msgpack_pack_array (&r.pk, 2);
        for (size_t i = 0; i < 2; i++) {
            msgpack_pack_map (&r.pk, 10);
            raw_kv_str (&r, "kind", kinds[k][i]);
            raw_kv_str (&r, "name", "c");
            raw_str (&r, "argv");
            msgpack_pack_array (&r.pk, 1);
            raw_str (&r, "true");
            raw_kv_str (&r, "cwd", "");
            raw_env (&r, NULL, NULL);
            raw_kv_uint (&r, "timeout_ms", 0);
            raw_kv_str (&r, "reader", "exit-status");
            raw_str (&r, "tests");
            msgpack_pack_array (&r.pk, 0);
            raw_kv_uint (&r, "span", 0);
        }
        expect_reject (r.buf.data, r.buf.len, MALFORMED,
                       "lease: a discover step must be the only step of its lease");
        fo_buf_free (&r.buf);
    }

    /* discovered */
    expect_bad_field (FO_MSG_DISCOVERED, "names", BAD_ARRAY_OF_INT, MALFORMED,
                      "discovered: field 'names[0]' must be a string");
    expect_bad_field (FO_MSG_DISCOVERED, "names", BAD_MAP, MALFORMED,
                      "discovered: field 'names' must be an array of strings");
    expect_bad_field (FO_MSG_DISCOVERED, "error", BAD_NIL, MALFORMED, "field 'error' must be a string");
    expect_bad_field (FO_MSG_DISCOVERED, "err", BAD_STR, MALFORMED, "field 'err' must be binary");
    expect_bad_field (FO_MSG_DISCOVERED, "step", BAD_U33, MALFORMED, "field 'step' is out of range");
    expect_bad_field (FO_MSG_DISCOVERED, "duration_us", BAD_DROP, MALFORMED,
                      "discovered: missing field 'duration_us'");
    expect_bad_field (FO_MSG_DISCOVERED, "lease", BAD_EXTRA, MALFORMED, "unknown field 'zzz'");
    expect_bad_field (FO_MSG_DISCOVERED, "listing", BAD_STR, MALFORMED, "field 'listing' must be binary");
    expect_bad_field (FO_MSG_DISCOVERED, "listing", BAD_DROP, MALFORMED,
                      "discovered: missing field 'listing'");
    static const struct {
        const char *names[3];
        const char *error;
        const char *listing;
        const char *want;
    } cases[] = {
        { { "a", "", NULL }, "", "", "discovered: field 'names[1]' must not be empty" },
        { { "a", NULL }, "exit status 1", "", "discovered: a discovered message with an error carries no names" },
        { { "a", NULL }, "", "{}", "discovered: a discovered message with a listing carries no names and no error" },
        { { NULL }, "exit status 1", "{}", "discovered: a discovered message with a listing carries no names and no error" },
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        raw r;
        raw_init (&r, 9);
        raw_kv_uint (&r, "v", FO_PROTO_VERSION);
        raw_kv_str (&r, "type", "discovered");
        raw_kv_uint (&r, "lease", 1);
        raw_kv_uint (&r, "step", 0);
        raw_str (&r, "names");
        size_t n = 0;
        while (cases[c].names[n])
            n++;
        msgpack_pack_array (&r.pk, n);
        for (size_t i = 0; i < n; i++)
            raw_str (&r, cases[c].names[i]);
        raw_kv_str (&r, "error", cases[c].error);
        raw_str (&r, "err");
        msgpack_pack_bin_with_body (&r.pk, "", 0);
        raw_kv_uint (&r, "duration_us", 1);
        raw_str (&r, "listing");
        msgpack_pack_bin_with_body (&r.pk, cases[c].listing, strlen (cases[c].listing));
        expect_reject (r.buf.data, r.buf.len, MALFORMED, cases[c].want);
        fo_buf_free (&r.buf);
    }
    /* and the encoder refuses to make them */
    fo_msg d = sample (FO_MSG_DISCOVERED);
    fo_strv_push (&d.u.discovered.names, "");
    assert_int_equal (fo_msg_encode (&d, &buf), -1);
    fo_msg_free (&d);
    /* names as users have them go through both ways, '/' and all */
    d = sample (FO_MSG_DISCOVERED);
    fo_strv_push (&d.u.discovered.names, "/glib/a/b");
    fo_strv_push (&d.u.discovered.names, "Inst/Suite.Name/0");
    assert_int_equal (fo_msg_encode (&d, &buf), 0);
    fo_msg back;
    char err[256];
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, err, sizeof err), FO_PROTO_OK);
    size_t n = back.u.discovered.names.len;
    assert_true (n >= 2);
    assert_string_equal (back.u.discovered.names.items[n - 2], "/glib/a/b");
    assert_string_equal (back.u.discovered.names.items[n - 1], "Inst/Suite.Name/0");
    fo_msg_free (&back);
    fo_msg_free (&d);
    fo_buf_reset (&buf);
    d = sample (FO_MSG_DISCOVERED);
    free (d.u.discovered.error);
    d.u.discovered.error = fo_xstrdup ("exit status 1");
    assert_int_equal (fo_msg_encode (&d, &buf), -1);
    fo_msg_free (&d);
    /* a listing goes alone: no names beside it */
    d = sample (FO_MSG_DISCOVERED);
    d.u.discovered.listing = fo_xstrdup ("{}");
    d.u.discovered.listing_len = 2;
    assert_int_equal (fo_msg_encode (&d, &buf), -1);
    /* and alone it goes through, bytes as they are */
    fo_strv_free (&d.u.discovered.names);
    free (d.u.discovered.listing);
    d.u.discovered.listing = fo_xstrndup ("{\"tests\":[]}\0x", 15);
    d.u.discovered.listing_len = 15;
    fo_buf_reset (&buf);
    assert_int_equal (fo_msg_encode (&d, &buf), 0);
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, err, sizeof err), FO_PROTO_OK);
    assert_msg_equal (&d, &back);
    fo_msg_free (&back);
    fo_msg_free (&d);
    fo_buf_free (&buf);
}

/* A hello's offer (resources, labels): the encoder refuses what breaks a
   rule, and the decoder refuses it from a peer that sends it anyway (a
   raw map built here, past the encoder). */
static void
raw_hello (fo_buf *buf, const char *name, const char *id, uint64_t slots, uint32_t ninst,
           const char *label, uint32_t nlabels)
{
    raw r;
    raw_init (&r, 7);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "hello");
    raw_kv_str (&r, "agent_id", "a");
    raw_kv_str (&r, "host", "h");
    raw_kv_uint (&r, "slots", 1);
    raw_str (&r, "resources");
    msgpack_pack_array (&r.pk, ninst);
    for (uint32_t i = 0; i < ninst; i++) {
        msgpack_pack_map (&r.pk, 3);
        raw_kv_str (&r, "name", name);
        char idn[32];      /* past 2, distinct ids: only the count is wrong */
        if (ninst > 2)
            snprintf (idn, sizeof idn, "i%u", i);
        else
            snprintf (idn, sizeof idn, "%s", id);
        raw_kv_str (&r, "id", idn);
        raw_kv_uint (&r, "slots", slots);
    }
    raw_str (&r, "labels");
    msgpack_pack_array (&r.pk, nlabels);
    for (uint32_t i = 0; i < nlabels; i++) {
        char l[32];
        if (nlabels > 2)
            snprintf (l, sizeof l, "l%u", i);
        else
            snprintf (l, sizeof l, "%s", label);
        raw_str (&r, l);
    }
    fo_buf_free (buf);
    *buf = r.buf;
}

static void
test_reject_offer (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    raw_hello (&buf, "gpu", "0", 2, 1, "docker", 1);
    fo_msg m;
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &m, NULL, 0), FO_PROTO_OK);
    assert_int_equal (m.u.hello.nresources, 1);
    assert_int_equal (m.u.hello.resources[0].slots, 2);
    fo_msg_free (&m);

    raw_hello (&buf, "GPU", "0", 1, 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "hello: resources[0]: a resource name is");
    raw_hello (&buf, "9gpu", "0", 1, 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "a resource name is");
    raw_hello (&buf, "gpu", "0,1", 1, 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "resources[0]: an instance id is");
    raw_hello (&buf, "gpu", "0", 0, 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "resources[0]: slots must be 1 to 1000000");
    raw_hello (&buf, "gpu", "0", FO_PROTO_MAX_RESOURCE_SLOTS + 1, 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "slots must be 1 to");
    raw_hello (&buf, "gpu", "0", 1, 2, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "resources[1]: instance '0' of 'gpu' twice");
    raw_hello (&buf, "gpu", "0", 1, FO_PROTO_MAX_RESOURCES + 1, "docker", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "field 'resources' has 1025 instances (at most 1024)");
    raw_hello (&buf, "gpu", "0", 1, 1, "a b", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "labels[0]: a label is");
    raw_hello (&buf, "gpu", "0", 1, 1, "docker", 2);
    expect_reject (buf.data, buf.len, MALFORMED, "labels[1]: label 'docker' twice");
    raw_hello (&buf, "gpu", "0", 1, 1, "x", FO_PROTO_MAX_LABELS + 1);
    expect_reject (buf.data, buf.len, MALFORMED, "field 'labels' has 257 labels (at most 256)");
    raw_hello (&buf, "gpu", "0", 1, 1, "", 1);
    expect_reject (buf.data, buf.len, MALFORMED, "labels[0]: a label is");

    /* the encoder applies the same rules */
    fo_msg hello = sample (FO_MSG_HELLO);
    fo_buf out = { 0 };
    free (hello.u.hello.resources[1].id);
    hello.u.hello.resources[1].id = fo_xstrdup ("0");
    assert_int_equal (fo_msg_encode (&hello, &out), -1);
    free (hello.u.hello.resources[1].id);
    hello.u.hello.resources[1].id = fo_xstrdup ("1");
    fo_strv_push (&hello.u.hello.labels, "has space");
    assert_int_equal (fo_msg_encode (&hello, &out), -1);
    assert_int_equal (out.len, 0);
    fo_msg_free (&hello);
    fo_buf_free (&out);
    fo_buf_free (&buf);
}

/* Artifacts (version 5): a fetch, a chunk, a lease's manifest and root
   within their rules; the encoder refuses the same. */
#define BLOB "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

static void
raw_fetch (raw *r, const char *blob, uint64_t length)
{
    raw_init (r, 5);
    raw_kv_uint (r, "v", FO_PROTO_VERSION);
    raw_kv_str (r, "type", "fetch");
    raw_kv_str (r, "blob", blob);
    raw_kv_uint (r, "offset", 0);
    raw_kv_uint (r, "length", length);
}

static void
raw_chunk (raw *r, uint64_t offset, uint64_t size, size_t data_len, const char *error)
{
    raw_init (r, 7);
    raw_kv_uint (r, "v", FO_PROTO_VERSION);
    raw_kv_str (r, "type", "chunk");
    raw_kv_str (r, "blob", BLOB);
    raw_kv_uint (r, "offset", offset);
    raw_kv_uint (r, "size", size);
    raw_str (r, "data");
    char *data = fo_xcalloc (1, data_len + 1);
    msgpack_pack_bin_with_body (&r->pk, data, data_len);
    free (data);
    raw_kv_str (r, "error", error);
}

static void
test_reject_artifacts (void **state)
{
    (void) state;
    raw r;
    raw_fetch (&r, BLOB, FO_PROTO_MAX_CHUNK);
    fo_msg m;
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, NULL, 0), FO_PROTO_OK);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);
    raw_fetch (&r, "00112233", 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "fetch: field 'blob' must be a blob id (64 lowercase hex digits)");
    fo_buf_free (&r.buf);
    raw_fetch (&r, "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff", 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "must be a blob id");
    fo_buf_free (&r.buf);
    raw_fetch (&r, BLOB, 0);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "fetch: field 'length' must be 1 to 1048576");
    fo_buf_free (&r.buf);
    raw_fetch (&r, BLOB, FO_PROTO_MAX_CHUNK + 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "field 'length' must be 1 to");
    fo_buf_free (&r.buf);

    raw_chunk (&r, 10, 10 + FO_PROTO_MAX_CHUNK, FO_PROTO_MAX_CHUNK, "");
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, NULL, 0), FO_PROTO_OK);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);
    raw_chunk (&r, 0, 2 * FO_PROTO_MAX_CHUNK, FO_PROTO_MAX_CHUNK + 1, "");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "chunk: field 'data' holds 1048577 bytes (at most 1048576)");
    fo_buf_free (&r.buf);
    raw_chunk (&r, 8, 10, 3, "");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "chunk: field 'data' reaches past the blob's size");
    fo_buf_free (&r.buf);
    raw_chunk (&r, 11, 10, 0, "");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "reaches past the blob's size");
    fo_buf_free (&r.buf);
    raw_chunk (&r, 0, 10, 1, "unknown blob");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "chunk: a chunk with an error carries no data");
    fo_buf_free (&r.buf);

    /* The encoder refuses what the decoder would reject. */
    fo_buf out = { 0 };
    fo_msg fetch = sample (FO_MSG_FETCH);
    fetch.u.fetch.length = 0;
    assert_int_equal (fo_msg_encode (&fetch, &out), -1);
    fetch.u.fetch.length = 1;
    fetch.u.fetch.blob[0] = 'X';
    assert_int_equal (fo_msg_encode (&fetch, &out), -1);
    fo_msg_free (&fetch);
    fo_msg chunk = sample (FO_MSG_CHUNK);
    chunk.u.chunk.size = 1027;      /* offset 1024 + 5 bytes */
    assert_int_equal (fo_msg_encode (&chunk, &out), -1);
    fo_msg_free (&chunk);
    fo_msg lease = sample (FO_MSG_LEASE);
    lease.u.lease.root[0] = 'r';    /* relative */
    assert_int_equal (fo_msg_encode (&lease, &out), -1);
    free (lease.u.lease.manifest);
    lease.u.lease.manifest = fo_xstrdup ("");   /* a root without a manifest */
    assert_int_equal (fo_msg_encode (&lease, &out), -1);
    free (lease.u.lease.root);
    lease.u.lease.root = NULL;
    assert_int_equal (fo_msg_encode (&lease, &out), 0);
    fo_msg_free (&lease);

    /* An output's path stays under the output directory, its data within
       the file. */
    const char *bad_paths[] = { "/etc/passwd", "a/../../b", "..", "a//b", "" };
    for (size_t i = 0; i < sizeof bad_paths / sizeof bad_paths[0]; i++) {
        raw_init (&r, 8);
        raw_kv_uint (&r, "v", FO_PROTO_VERSION);
        raw_kv_str (&r, "type", "output");
        raw_kv_uint (&r, "lease", 1);
        raw_kv_uint (&r, "step", 0);
        raw_kv_str (&r, "path", bad_paths[i]);
        raw_kv_uint (&r, "offset", 0);
        raw_kv_uint (&r, "size", 1);
        raw_str (&r, "data");
        msgpack_pack_bin_with_body (&r.pk, "x", 1);
        expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                       "output: field 'path' must be a relative path");
        fo_buf_free (&r.buf);
    }
    raw_init (&r, 8);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "output");
    raw_kv_uint (&r, "lease", 1);
    raw_kv_uint (&r, "step", 0);
    raw_kv_str (&r, "path", "log.txt");
    raw_kv_uint (&r, "offset", 1);
    raw_kv_uint (&r, "size", 2);
    raw_str (&r, "data");
    msgpack_pack_bin_with_body (&r.pk, "xy", 2);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "output: field 'data' reaches past the file's size");
    fo_buf_free (&r.buf);
    fo_msg output = sample (FO_MSG_OUTPUT);
    output.u.output.size = 5;       /* offset 2 + 4 bytes */
    assert_int_equal (fo_msg_encode (&output, &out), -1);
    fo_msg_free (&output);

    /* The decoder: a lease's manifest and root by hand. */
    const char *cases[][3] = {
        { "abc", "/x", "lease: field 'manifest' must be \"\" or a blob id" },
        { BLOB, "x", "lease: field 'root' must be an absolute path of at most 4096 bytes" },
        { BLOB, "", "lease: field 'root' must be an absolute path" },
        { "", "/x", "lease: field 'root' must be an absolute path" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        raw_init (&r, 14);
        raw_kv_uint (&r, "v", FO_PROTO_VERSION);
        raw_kv_str (&r, "type", "lease");
        raw_kv_uint (&r, "lease", 1);
        raw_kv_uint (&r, "attempt", 1);
        raw_kv_uint (&r, "output_cap", 1);
        raw_kv_uint (&r, "skip_code", 77);
        raw_env (&r, NULL, NULL);
        raw_kv_uint (&r, "slow_ms", 0);
        raw_kv_uint (&r, "task_timeout_ms", 0);
        raw_kv_str (&r, "manifest", cases[i][0]);
        raw_kv_str (&r, "root", cases[i][1]);
        raw_kv_uint (&r, "outputs", 0);
        raw_str (&r, "steps");
        msgpack_pack_array (&r.pk, 0);
        expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, cases[i][2]);
        fo_buf_free (&r.buf);
    }
    fo_buf_free (&out);
}

/* ---- batches (version 6) ------------------------------------------- */

/* A batch header announcing n messages; the caller packs them. */
static void
raw_batch (raw *r, uint32_t n)
{
    raw_init (r, 3);
    raw_kv_uint (r, "v", FO_PROTO_VERSION);
    raw_kv_str (r, "type", "batch");
    raw_str (r, "msgs");
    msgpack_pack_array (&r->pk, n);
}

/* One message's encoding packed as a bin element. */
static void
raw_bin_msg (raw *r, const fo_msg *m)
{
    fo_buf one = { 0 };
    assert_int_equal (fo_msg_encode (m, &one), 0);
    msgpack_pack_bin_with_body (&r->pk, one.data, one.len);
    fo_buf_free (&one);
}

/* Every list from the network is bounded: a batch holds 1 to
   FO_PROTO_MAX_BATCH bins, each a whole message of this version that is
   no batch; one bad message rejects the whole frame, naming it. */
static void
test_reject_batch (void **state)
{
    (void) state;
    raw r;
    fo_msg hb = { .type = FO_MSG_HEARTBEAT };

    raw_batch (&r, 0);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: field 'msgs' holds 0 messages (1 to 256)");
    fo_buf_free (&r.buf);

    /* one over the limit: counted before anything is decoded */
    raw_batch (&r, FO_PROTO_MAX_BATCH + 1);
    for (uint32_t i = 0; i <= FO_PROTO_MAX_BATCH; i++)
        raw_bin_msg (&r, &hb);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: field 'msgs' holds 257 messages (1 to 256)");
    fo_buf_free (&r.buf);

    /* at the limit: accepted */
    raw_batch (&r, FO_PROTO_MAX_BATCH);
    for (uint32_t i = 0; i < FO_PROTO_MAX_BATCH; i++)
        raw_bin_msg (&r, &hb);
    fo_msg m;
    char err[256];
    assert_int_equal (fo_msg_decode (r.buf.data, r.buf.len, &m, err, sizeof err), FO_PROTO_OK);
    assert_int_equal (m.u.batch.nmsgs, FO_PROTO_MAX_BATCH);
    fo_msg_free (&m);
    fo_buf_free (&r.buf);

    /* a map where a bin is expected (the message not wrapped) */
    raw_batch (&r, 2);
    raw_bin_msg (&r, &hb);
    msgpack_pack_map (&r.pk, 2);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "heartbeat");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: field 'msgs' must be an array of bins");
    fo_buf_free (&r.buf);

    raw_init (&r, 3);
    raw_kv_uint (&r, "v", FO_PROTO_VERSION);
    raw_kv_str (&r, "type", "batch");
    raw_kv_str (&r, "msgs", "x");
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: field 'msgs' must be an array of bins");
    fo_buf_free (&r.buf);

    /* a batch inside a batch: refused before its fields are read */
    fo_msg inner = sample (FO_MSG_BATCH);
    raw_batch (&r, 2);
    raw_bin_msg (&r, &hb);
    raw_bin_msg (&r, &inner);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: msgs[1]: a batch inside a batch");
    fo_buf_free (&r.buf);
    fo_msg_free (&inner);

    /* a bad message in it: the whole frame goes, its reason named */
    raw bad;
    raw_done_with_result (&bad, 13, true);
    fo_msg lease = sample (FO_MSG_LEASE);
    raw_batch (&r, 3);
    raw_bin_msg (&r, &lease);
    raw_bin_msg (&r, &hb);
    msgpack_pack_bin_with_body (&r.pk, bad.buf.data, bad.buf.len);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "batch: msgs[2]: done: field "
                   "'results[0].outcome'");
    fo_buf_free (&r.buf);
    fo_buf_free (&bad.buf);
    fo_msg_free (&lease);

    /* another version inside ours: malformed, with the reason */
    raw_batch (&r, 1);
    raw old;
    raw_init (&old, 2);
    raw_kv_uint (&old, "v", 5);
    raw_kv_str (&old, "type", "heartbeat");
    msgpack_pack_bin_with_body (&r.pk, old.buf.data, old.buf.len);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED,
                   "batch: msgs[0]: protocol version 5 is not supported");
    fo_buf_free (&r.buf);
    fo_buf_free (&old.buf);

    /* garbage bytes in a bin */
    raw_batch (&r, 1);
    msgpack_pack_bin_with_body (&r.pk, "\xc1", 1);
    expect_reject (r.buf.data, r.buf.len, FO_PROTO_EMALFORMED, "batch: msgs[0]: ");
    fo_buf_free (&r.buf);

    /* the encoder refuses what the decoder would */
    fo_buf out = { 0 };
    fo_msg empty = { .type = FO_MSG_BATCH };
    assert_int_equal (fo_msg_encode (&empty, &out), -1);
    fo_msg nested = { .type = FO_MSG_BATCH };
    nested.u.batch.nmsgs = 1;
    nested.u.batch.msgs = fo_xcalloc (1, sizeof *nested.u.batch.msgs);
    nested.u.batch.msgs[0] = sample (FO_MSG_BATCH);
    assert_int_equal (fo_msg_encode (&nested, &out), -1);
    assert_int_equal (out.len, 0);
    fo_msg_free (&nested);
    fo_buf_free (&out);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_reject_version_and_type),
        cmocka_unit_test (test_reject_map_shape),
        cmocka_unit_test (test_reject_field_types),
        cmocka_unit_test (test_reject_values),
        cmocka_unit_test (test_reject_verdict),
        cmocka_unit_test (test_reject_done_results),
        cmocka_unit_test (test_reject_joined),
        cmocka_unit_test (test_reject_discovery),
        cmocka_unit_test (test_reject_offer),
        cmocka_unit_test (test_reject_artifacts),
        cmocka_unit_test (test_reject_batch),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
