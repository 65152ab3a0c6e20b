/*  test_proto — the wire protocol: every message round-trips with every
    field intact, the encoder refuses what a peer would reject, and the
    framing pre-scan rejects hostile sizes, depth, truncation and trailing
    bytes (test_proto_reject.c covers the field-level rules). Every
    rejection must leave *msg zeroed and nothing allocated (the ASan build
    checks the latter).

    With FO_WRITE_SEEDS=dir set, test_write_seeds writes the valid encoding
    of every message into dir: that is how tests/fuzz/corpus/ is made.
*/
#include "proto_samples.h"

/* ---- round trips --------------------------------------------------- */

static void
test_roundtrip_every_type (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    for (int t = FO_MSG_HELLO; t <= FO_MSG_LAST; t++) {
        fo_msg m = sample ((fo_msg_type) t), back;
        encode_ok (&m, &buf);
        char err[256] = "";
        int rc = fo_msg_decode (buf.data, buf.len, &back, err, sizeof err);
        if (rc != FO_PROTO_OK)
            fail_msg ("%s: %s", fo_msg_type_name (m.type), err);
        assert_msg_equal (&m, &back);
        fo_msg_free (&back);
        fo_msg_free (&m);
    }
    fo_buf_free (&buf);
}

static void
test_encode_appends (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "XY");
    fo_msg m = sample (FO_MSG_HEARTBEAT), back;
    assert_int_equal (fo_msg_encode (&m, &buf), 0);
    assert_memory_equal (buf.data, "XY", 2);
    assert_int_equal (fo_msg_decode (buf.data + 2, buf.len - 2, &back, NULL, 0), FO_PROTO_OK);
    assert_int_equal (back.type, FO_MSG_HEARTBEAT);
    fo_buf_free (&buf);
}

/* A NULL string is sent as "" so hand-built messages need not fill all. */
static void
test_encode_null_strings (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_msg m = { .type = FO_MSG_HELLO, .u.hello = { .slots = 1 } }, back;
    encode_ok (&m, &buf);
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, NULL, 0), FO_PROTO_OK);
    assert_string_equal (back.u.hello.agent_id, "");
    assert_string_equal (back.u.hello.host, "");
    fo_msg_free (&back);
    fo_buf_free (&buf);
}

/* The encoder refuses what the decoder would reject, and leaves out as it was. */
static void
test_encode_refuses (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, "keep");
    fo_msg bad = { .type = (fo_msg_type) 99 };
    assert_int_equal (fo_msg_encode (&bad, &buf), -1);

    fo_msg hello = { .type = FO_MSG_HELLO, .u.hello = { .slots = 0 } };
    assert_int_equal (fo_msg_encode (&hello, &buf), -1);

    fo_msg lease = sample (FO_MSG_LEASE);
    fo_strv_free (&lease.u.lease.steps[1].argv);
    assert_int_equal (fo_msg_encode (&lease, &buf), -1);
    fo_strv_push (&lease.u.lease.steps[1].argv, "true");
    lease.u.lease.steps[2].kind = (fo_step_kind) 7;
    assert_int_equal (fo_msg_encode (&lease, &buf), -1);
    lease.u.lease.steps[2].kind = FO_STEP_TEARDOWN;
    fo_env_set (&lease.u.lease.steps[2].env, "A=B", "x");
    assert_int_equal (fo_msg_encode (&lease, &buf), -1);
    fo_msg_free (&lease);

    fo_msg result = sample (FO_MSG_RESULT);
    result.u.result.outcome = FO_OUTCOME_COUNT;
    assert_int_equal (fo_msg_encode (&result, &buf), -1);
    result.u.result.outcome = FO_PASSED;
    free (result.u.result.test);
    result.u.result.test = fo_xmalloc (FO_PROTO_MAX_STRING + 2);
    memset (result.u.result.test, 'x', FO_PROTO_MAX_STRING + 1);
    result.u.result.test[FO_PROTO_MAX_STRING + 1] = '\0';
    assert_int_equal (fo_msg_encode (&result, &buf), -1);
    fo_msg_free (&result);

    assert_int_equal (buf.len, 4);
    assert_string_equal (buf.data, "keep");
    fo_buf_free (&buf);
}

static void
test_names (void **state)
{
    (void) state;
    assert_string_equal (fo_msg_type_name (FO_MSG_HELLO), "hello");
    assert_string_equal (fo_msg_type_name (FO_MSG_BYE), "bye");
    assert_string_equal (fo_msg_type_name (FO_MSG_SLOW), "slow");
    assert_string_equal (fo_msg_type_name (FO_MSG_RETURN), "return");
    assert_null (fo_msg_type_name ((fo_msg_type) 0));
    assert_string_equal (fo_msg_type_name (FO_MSG_DISCOVERED), "discovered");
    assert_null (fo_msg_type_name ((fo_msg_type) (FO_MSG_LAST + 1)));
    assert_string_equal (fo_step_kind_name (FO_STEP_TEARDOWN), "teardown");
    assert_string_equal (fo_step_kind_name (FO_STEP_DISCOVER), "discover");
    assert_null (fo_step_kind_name ((fo_step_kind) 4));
    assert_string_equal (fo_reader_name (FO_READER_EXIT_STATUS), "exit-status");
    assert_string_equal (fo_reader_name (FO_READER_TAP), "tap");
    assert_string_equal (fo_reader_name (FO_READER_CMOCKA), "cmocka");
    assert_string_equal (fo_reader_name (FO_READER_GLIB), "glib");
    assert_string_equal (fo_reader_name (FO_READER_GTEST), "gtest");
    assert_string_equal (fo_reader_name (FO_READER_CTEST), "ctest");
    assert_string_equal (fo_reader_name (FO_READER_PYTHON), "python");
    assert_null (fo_reader_name ((fo_reader) 7));
}

static void
test_step_copy (void **state)
{
    (void) state;
    fo_msg m = sample (FO_MSG_LEASE);
    fo_step copy;
    fo_step_copy (&copy, &m.u.lease.steps[0]);
    assert_step_equal (&m.u.lease.steps[0], &copy);
    assert_ptr_not_equal (copy.name, m.u.lease.steps[0].name);
    fo_step_free (&copy);
    assert_null (copy.name);
    fo_msg_free (&m);
    assert_int_equal (m.type, 0);
}

/* The agent folds the lease's exports into every step: they win over the
   step's own values and keep their secret flag. */
static void
test_lease_apply_env (void **state)
{
    (void) state;
    fo_msg m = sample (FO_MSG_LEASE);
    fo_lease *l = &m.u.lease;
    fo_env_set (&l->steps[1].env, "SERVER", "from-the-suite-file");
    fo_lease_apply_env (l);
    assert_int_equal (l->env.len, 0);
    for (size_t i = 0; i < l->nsteps; i++) {
        assert_string_equal (fo_env_get (&l->steps[i].env, "SERVER"), "10.0.0.5:8080");
        assert_string_equal (fo_env_get (&l->steps[i].env, "TOKEN"), "s3cr3t");
        for (size_t k = 0; k < l->steps[i].env.len; k++)
            if (!strcmp (l->steps[i].env.items[k].name, "TOKEN"))
                assert_true (l->steps[i].env.items[k].secret);
    }
    /* the step's own variables stay */
    assert_string_equal (fo_env_get (&l->steps[0].env, "DB_URL"), "postgres://x");
    assert_string_equal (fo_env_get (&l->steps[1].env, "EMPTY"), "");
    fo_lease_apply_env (l);     /* nothing left to apply */
    fo_msg_free (&m);
}

/* A discovery lease: one step of kind discover, reporting no tests. */
static void
test_roundtrip_discover_lease (void **state)
{
    (void) state;
    fo_msg m = { .type = FO_MSG_LEASE }, back;
    m.u.lease.lease = 3;
    m.u.lease.attempt = 1;
    add_step (&m.u.lease, FO_STEP_DISCOVER, "unit/gen");
    fo_buf buf = { 0 };
    encode_ok (&m, &buf);
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, NULL, 0), FO_PROTO_OK);
    assert_msg_equal (&m, &back);
    assert_int_equal (back.u.lease.steps[0].kind, FO_STEP_DISCOVER);
    fo_msg_free (&back);
    fo_msg_free (&m);
    fo_buf_free (&buf);
}

/* A ctest step carries its verdict (and only a ctest step has one). */
static void
test_roundtrip_ctest_step (void **state)
{
    (void) state;
    fo_msg m = { .type = FO_MSG_LEASE }, back;
    m.u.lease.lease = 4;
    m.u.lease.attempt = 1;
    add_step (&m.u.lease, FO_STEP_TEST, "tree/t");
    fo_step *s = &m.u.lease.steps[0];
    fo_strv_push (&s->tests, "tree/t");
    s->reader = FO_READER_CTEST;
    s->verdict.will_fail = true;
    s->verdict.disabled = true;
    s->verdict.skip_code = -1;
    fo_strv_push (&s->verdict.pass, "ok [0-9]+");
    fo_strv_push (&s->verdict.fail, "ERROR");
    fo_strv_push (&s->verdict.fail, "FATAL");
    fo_strv_push (&s->verdict.skip, "^SKIP");
    fo_strv_push (&s->verdict.needs, "tree/db/setup");
    fo_buf buf = { 0 };
    encode_ok (&m, &buf);
    char err[256] = "";
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, err, sizeof err), FO_PROTO_OK);
    assert_msg_equal (&m, &back);
    /* a copy keeps it too */
    fo_step copy;
    fo_step_copy (&copy, s);
    assert_step_equal (s, &copy);
    fo_step_free (&copy);
    fo_msg_free (&back);
    fo_buf_free (&buf);

    /* the same step with another reader: no verdict goes out */
    s->reader = FO_READER_EXIT_STATUS;
    encode_ok (&m, &buf);
    assert_int_equal (fo_msg_decode (buf.data, buf.len, &back, err, sizeof err), FO_PROTO_OK);
    assert_int_equal (back.u.lease.steps[0].verdict.pass.len, 0);
    assert_false (back.u.lease.steps[0].verdict.will_fail);
    fo_msg_free (&back);
    fo_msg_free (&m);
    fo_buf_free (&buf);
}

static void
test_reject_framing (void **state)
{
    (void) state;
    expect_reject ("", 0, FO_PROTO_EMALFORMED, "empty message");
    expect_reject (NULL, 0, FO_PROTO_EMALFORMED, "empty message");
    /* non-map top level: an array, a string, an int */
    expect_reject ("\x91\x01", 2, FO_PROTO_EMALFORMED, "must be a msgpack map");
    expect_reject ("\xa3" "abc", 4, FO_PROTO_EMALFORMED, "must be a msgpack map");
    expect_reject ("\x05", 1, FO_PROTO_EMALFORMED, "must be a msgpack map");
    expect_reject ("\xc1", 1, FO_PROTO_EMALFORMED, "0xc1");

    /* 7 nested arrays: one level too deep (6 is the limit) */
    const unsigned char deep[] = { 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0x91, 0xc0 };
    expect_reject (deep, sizeof deep, FO_PROTO_EMALFORMED, "nesting deeper than 6");
    assert_int_equal (fo_proto_prescan (deep + 1, sizeof deep - 1, NULL, 0), 0);
    const unsigned char deep_empty[] = { 0x81, 0xa1, 'v', 0x91, 0x91, 0x91, 0x91, 0x91, 0x90 };
    expect_reject (deep_empty, sizeof deep_empty, FO_PROTO_EMALFORMED, "nesting deeper");

    /* str32 announcing 100 MB with 3 bytes present */
    const unsigned char big_str[] = { 0xdb, 0x06, 0x40, 0x00, 0x00, 'a', 'b', 'c' };
    expect_reject (big_str, sizeof big_str, FO_PROTO_EMALFORMED, "exceeds the limit");
    const unsigned char big_bin[] = { 0x81, 0xa1, 'v', 0xc6, 0x06, 0x40, 0x00, 0x00, 0 };
    expect_reject (big_bin, sizeof big_bin, FO_PROTO_EMALFORMED, "bin of 104857600 bytes");
    /* within the limit but longer than what is left */
    const unsigned char short_str[] = { 0xdb, 0x00, 0x10, 0x00, 0x00, 'a' };
    expect_reject (short_str, sizeof short_str, FO_PROTO_EMALFORMED, "truncated");
    const unsigned char big_ext[] = { 0xc9, 0x7f, 0xff, 0xff, 0xff, 1, 2 };
    expect_reject (big_ext, sizeof big_ext, FO_PROTO_EMALFORMED, "ext of");

    /* array32 / map32 announcing 2^32-1 elements with 5 bytes present */
    const unsigned char big_array[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5 };
    expect_reject (big_array, sizeof big_array, FO_PROTO_EMALFORMED,
                   "announces 4294967295 elements");
    const unsigned char big_map[] = { 0xdf, 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5 };
    expect_reject (big_map, sizeof big_map, FO_PROTO_EMALFORMED,
                   "announces 4294967295 elements");
    /* a map needs two bytes per entry: 3 entries cannot fit in 5 bytes */
    const unsigned char tight_map[] = { 0x83, 1, 2, 3, 4, 5 };
    expect_reject (tight_map, sizeof tight_map, FO_PROTO_EMALFORMED, "announces 3 elements");
    /* nested: the outer array's other elements still need their bytes */
    const unsigned char nested[] = { 0x93, 0x93, 1, 2, 3 };
    expect_reject (nested, sizeof nested, FO_PROTO_EMALFORMED, "announces 3 elements");
    /* a header cut inside its length field */
    expect_reject ("\xdd\x00", 2, FO_PROTO_EMALFORMED, "truncated");
}

static void
test_reject_truncated_and_trailing (void **state)
{
    (void) state;
    fo_buf buf = { 0 };
    fo_msg m = sample (FO_MSG_LEASE);
    encode_ok (&m, &buf);
    fo_msg_free (&m);
    /* every proper prefix of a valid message is truncated */
    for (size_t n = 1; n < buf.len; n++)
        expect_reject (buf.data, n, FO_PROTO_EMALFORMED, "truncated");
    fo_buf_append (&buf, "\xc0", 1);
    expect_reject (buf.data, buf.len, FO_PROTO_EMALFORMED, "1 trailing bytes");
    fo_buf_free (&buf);
}

/* ---- batches of encoded messages (fo_batch_buf) ------------------- */

/* One message alone goes as itself; several go as one batch that decodes
   to them, in order; the buffer says when the next would not fit. */
static void
test_batch_buf (void **state)
{
    (void) state;
    fo_batch_buf b = { 0 };
    size_t len;
    assert_null (fo_batch_buf_frame (&b, &len));

    fo_msg lease = sample (FO_MSG_LEASE), done = sample (FO_MSG_DONE), back;
    fo_buf one = { 0 }, two = { 0 };
    encode_ok (&lease, &one);
    encode_ok (&done, &two);
    assert_true (fo_batch_buf_fits (&b, one.len));
    fo_batch_buf_add (&b, one.data, one.len);
    const void *frame = fo_batch_buf_frame (&b, &len);
    assert_int_equal (len, one.len);
    assert_memory_equal (frame, one.data, one.len);

    fo_batch_buf_add (&b, two.data, two.len);
    fo_batch_buf_add (&b, one.data, one.len);
    frame = fo_batch_buf_frame (&b, &len);
    char err[256] = "";
    if (fo_msg_decode (frame, len, &back, err, sizeof err) != FO_PROTO_OK)
        fail_msg ("%s", err);
    assert_int_equal (back.type, FO_MSG_BATCH);
    assert_int_equal (back.u.batch.nmsgs, 3);
    assert_msg_equal (&lease, &back.u.batch.msgs[0]);
    assert_msg_equal (&done, &back.u.batch.msgs[1]);
    assert_msg_equal (&lease, &back.u.batch.msgs[2]);
    fo_msg_free (&back);

    /* reset keeps nothing: the next frame is the next message alone */
    fo_batch_buf_reset (&b);
    fo_batch_buf_add (&b, two.data, two.len);
    frame = fo_batch_buf_frame (&b, &len);
    assert_int_equal (len, two.len);
    assert_memory_equal (frame, two.data, two.len);

    /* at FO_PROTO_MAX_BATCH messages, or past the size limits, no more */
    fo_batch_buf_reset (&b);
    for (uint32_t i = 0; i < FO_PROTO_MAX_BATCH; i++) {
        assert_true (fo_batch_buf_fits (&b, one.len));
        fo_batch_buf_add (&b, one.data, one.len);
    }
    assert_false (fo_batch_buf_fits (&b, one.len));
    frame = fo_batch_buf_frame (&b, &len);
    assert_int_equal (fo_msg_decode (frame, len, &back, err, sizeof err), FO_PROTO_OK);
    assert_int_equal (back.u.batch.nmsgs, FO_PROTO_MAX_BATCH);
    fo_msg_free (&back);
    fo_batch_buf_reset (&b);
    assert_false (fo_batch_buf_fits (&b, FO_PROTO_MAX_STRING + 1));
    assert_true (fo_batch_buf_fits (&b, FO_PROTO_MAX_STRING));
    fo_batch_buf_add (&b, one.data, one.len);
    assert_true (fo_batch_buf_fits (&b, FO_PROTO_MAX_STRING));
    fo_batch_buf_add (&b, one.data, one.len);
    /* two messages of 8 MiB and their headers pass the 16 MiB frame */
    assert_true (fo_batch_buf_fits (&b, FO_PROTO_MAX_MESSAGE / 2 - 2 * one.len - 64));
    assert_false (fo_batch_buf_fits (&b, FO_PROTO_MAX_MESSAGE - one.len));

    fo_batch_buf_free (&b);
    fo_buf_free (&one);
    fo_buf_free (&two);
    fo_msg_free (&lease);
    fo_msg_free (&done);
}

/* ---- one decoder's zones kept across messages (fo_msg_decode_in) ---- */

/*  Every type, a batch, a message far larger than a zone's first chunk
    (its extra chunks go when it is done), a rejected one, and every type
    again: each decodes with the kept zones exactly as it does alone, and
    a rejection leaves nothing behind for the next (the ASan build checks
    that nothing leaks). */
static void
test_decode_with_kept_zones (void **state)
{
    (void) state;
    fo_msg_scratch *scratch = fo_msg_scratch_new ();
    fo_buf buf = { 0 };
    char err[256] = "";
    for (int round = 0; round < 2; round++) {
        for (int t = FO_MSG_HELLO; t <= FO_MSG_LAST; t++) {
            fo_msg m = sample ((fo_msg_type) t), back;
            encode_ok (&m, &buf);
            if (fo_msg_decode_in (scratch, buf.data, buf.len, &back, err, sizeof err)
                != FO_PROTO_OK)
                fail_msg ("%s: %s", fo_msg_type_name (m.type), err);
            assert_msg_equal (&m, &back);
            fo_msg_free (&back);
            fo_msg_free (&m);
        }
        if (round == 1)
            break;
        /* a batch of three, through the same zones */
        fo_batch_buf b = { 0 };
        fo_msg lease = sample (FO_MSG_LEASE), done = sample (FO_MSG_DONE), back;
        fo_buf one = { 0 }, two = { 0 };
        encode_ok (&lease, &one);
        encode_ok (&done, &two);
        fo_batch_buf_add (&b, one.data, one.len);
        fo_batch_buf_add (&b, two.data, two.len);
        fo_batch_buf_add (&b, one.data, one.len);
        size_t len;
        const void *frame = fo_batch_buf_frame (&b, &len);
        assert_int_equal (fo_msg_decode_in (scratch, frame, len, &back, err, sizeof err),
                          FO_PROTO_OK);
        assert_int_equal (back.u.batch.nmsgs, 3);
        assert_msg_equal (&lease, &back.u.batch.msgs[0]);
        assert_msg_equal (&done, &back.u.batch.msgs[1]);
        assert_msg_equal (&lease, &back.u.batch.msgs[2]);
        fo_msg_free (&back);
        /* a lease of 2,000 steps: its object tree needs many chunks */
        fo_lease *l = &lease.u.lease;
        while (l->nsteps < 2000)
            add_step (l, FO_STEP_TEST, "many");
        encode_ok (&lease, &buf);
        assert_true (buf.len > 64 * 1024);
        assert_int_equal (fo_msg_decode_in (scratch, buf.data, buf.len, &back, err, sizeof err),
                          FO_PROTO_OK);
        assert_msg_equal (&lease, &back);
        fo_msg_free (&back);
        /* cut short: rejected, as fo_msg_decode rejects it */
        char alone[256] = "";
        assert_int_equal (fo_msg_decode_in (scratch, buf.data, buf.len - 1, &back, err,
                                            sizeof err), FO_PROTO_EMALFORMED);
        assert_int_equal (fo_msg_decode (buf.data, buf.len - 1, &back, alone, sizeof alone),
                          FO_PROTO_EMALFORMED);
        assert_string_equal (err, alone);
        fo_batch_buf_free (&b);
        fo_buf_free (&one);
        fo_buf_free (&two);
        fo_msg_free (&lease);
        fo_msg_free (&done);
    }
    fo_buf_free (&buf);
    fo_msg_scratch_destroy (&scratch);
    assert_null (scratch);
    fo_msg_scratch_destroy (&scratch);          /* NULL: nothing */
}

/* ---- seeds for the fuzzer ------------------------------------------ */

static void
test_write_seeds (void **state)
{
    (void) state;
    const char *dir = getenv ("FO_WRITE_SEEDS");
    if (!dir)
        skip ();
    fo_buf buf = { 0 };
    for (int t = FO_MSG_HELLO; t <= FO_MSG_LAST; t++) {
        fo_msg m = sample ((fo_msg_type) t);
        encode_ok (&m, &buf);
        fo_msg_free (&m);
        char *path = fo_xasprintf ("%s/%s.msgpack", dir, fo_msg_type_name ((fo_msg_type) t));
        FILE *f = fopen (path, "wb");
        assert_non_null (f);
        assert_int_equal (fwrite (buf.data, 1, buf.len, f), buf.len);
        assert_int_equal (fclose (f), 0);
        free (path);
    }
    fo_buf_free (&buf);
}

/* fo_result_copy: every string and byte its own, in one block that
   fo_result_free frees; NULL strings become "", bytes keep their NULs. */
static void
test_result_copy (void **state)
{
    (void) state;
    char out[] = { 'a', '\0', 'b' };
    fo_result src = {
        .lease = 7, .step = 1, .test = (char *) "t1", .outcome = FO_FAILED, .duration_us = 42,
        .out = out, .out_len = sizeof out, .err = (char *) "", .err_len = 0,
        .message = (char *) "exit status 1", .host = NULL, .worker = 2, .attempt = 3,
        .joined = (char *) "j", .group = NULL,
    };
    fo_result r;
    fo_result_copy (&r, &src);
    assert_true (r.one_block);
    assert_int_equal (r.lease, 7);
    assert_int_equal (r.outcome, FO_FAILED);
    assert_int_equal (r.attempt, 3);
    assert_true (r.test != src.test);
    assert_string_equal (r.test, "t1");
    assert_int_equal (r.out_len, 3);
    assert_memory_equal (r.out, out, 3);
    assert_int_equal (r.out[3], '\0');
    assert_string_equal (r.err, "");
    assert_string_equal (r.message, "exit status 1");
    assert_string_equal (r.host, "");
    assert_string_equal (r.joined, "j");
    assert_string_equal (r.group, "");
    fo_result_free (&r);
    assert_null (r.test);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_roundtrip_every_type),
        cmocka_unit_test (test_batch_buf),
        cmocka_unit_test (test_decode_with_kept_zones),
        cmocka_unit_test (test_encode_appends),
        cmocka_unit_test (test_encode_null_strings),
        cmocka_unit_test (test_encode_refuses),
        cmocka_unit_test (test_names),
        cmocka_unit_test (test_step_copy),
        cmocka_unit_test (test_result_copy),
        cmocka_unit_test (test_lease_apply_env),
        cmocka_unit_test (test_roundtrip_discover_lease),
        cmocka_unit_test (test_roundtrip_ctest_step),
        cmocka_unit_test (test_reject_framing),
        cmocka_unit_test (test_reject_truncated_and_trailing),
        cmocka_unit_test (test_write_seeds),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
