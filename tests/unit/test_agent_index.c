/*  test_agent_index — the broker's routing id -> agent number table:
    put, get, replace, delete, tombstones reused, growth past many keys,
    keys that differ in one byte or in length, and the key size limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fo_agent_index.h"

/* A 5-byte id as ZeroMQ makes them: a zero byte, then a 32-bit counter. */
static size_t
zmq_id (unsigned char id[5], uint32_t n)
{
    id[0] = 0;
    memcpy (id + 1, &n, 4);
    return 5;
}

static void
test_put_get_del (void **state)
{
    (void) state;
    fo_agent_index *ix = fo_agent_index_new ();
    uint32_t number = 0;
    assert_false (fo_agent_index_get (ix, "a", 1, &number));
    assert_true (fo_agent_index_put (ix, "a", 1, 7));
    assert_true (fo_agent_index_put (ix, "ab", 2, 8));
    assert_true (fo_agent_index_get (ix, "a", 1, &number));
    assert_int_equal (number, 7);
    assert_true (fo_agent_index_get (ix, "ab", 2, &number));
    assert_int_equal (number, 8);
    assert_false (fo_agent_index_get (ix, "b", 1, &number));
    assert_false (fo_agent_index_get (ix, "abc", 3, &number));
    /* replace */
    assert_true (fo_agent_index_put (ix, "a", 1, 9));
    assert_int_equal (fo_agent_index_size (ix), 2);
    assert_true (fo_agent_index_get (ix, "a", 1, &number));
    assert_int_equal (number, 9);
    /* delete */
    assert_true (fo_agent_index_del (ix, "a", 1));
    assert_false (fo_agent_index_del (ix, "a", 1));
    assert_false (fo_agent_index_get (ix, "a", 1, &number));
    assert_true (fo_agent_index_get (ix, "ab", 2, &number));
    assert_int_equal (fo_agent_index_size (ix), 1);
    fo_agent_index_destroy (&ix);
    assert_null (ix);
    fo_agent_index_destroy (&ix);   /* twice is harmless */
}

static void
test_limits (void **state)
{
    (void) state;
    fo_agent_index *ix = fo_agent_index_new ();
    unsigned char big[FO_AGENT_INDEX_MAX_KEY + 1];
    memset (big, 'x', sizeof big);
    uint32_t number;
    assert_false (fo_agent_index_put (ix, "", 0, 1));
    assert_false (fo_agent_index_put (ix, big, sizeof big, 1));
    assert_true (fo_agent_index_put (ix, big, FO_AGENT_INDEX_MAX_KEY, 2));
    assert_true (fo_agent_index_get (ix, big, FO_AGENT_INDEX_MAX_KEY, &number));
    assert_int_equal (number, 2);
    assert_false (fo_agent_index_get (ix, big, sizeof big, &number));
    assert_int_equal (fo_agent_index_size (ix), 1);
    fo_agent_index_destroy (&ix);
}

/* Thousands of agents joining and leaving, as at farm scale: every live
   key is found with its number, every gone one is not, and the table does
   not fill up with tombstones (it would loop or fail to insert). */
static void
test_many_churn (void **state)
{
    (void) state;
    enum { N = 5000, ROUNDS = 20 };
    fo_agent_index *ix = fo_agent_index_new ();
    unsigned char id[5];
    uint32_t next = 0;
    static uint32_t live[N];
    for (uint32_t i = 0; i < N; i++) {
        live[i] = next++;
        assert_true (fo_agent_index_put (ix, id, zmq_id (id, live[i]), i));
    }
    for (int r = 0; r < ROUNDS; r++) {
        /* half of them leave, new ids come in their place */
        for (uint32_t i = (uint32_t) r % 2; i < N; i += 2) {
            assert_true (fo_agent_index_del (ix, id, zmq_id (id, live[i])));
            live[i] = next++;
            assert_true (fo_agent_index_put (ix, id, zmq_id (id, live[i]), i));
        }
        assert_int_equal (fo_agent_index_size (ix), N);
    }
    uint32_t number;
    for (uint32_t i = 0; i < N; i++) {
        assert_true (fo_agent_index_get (ix, id, zmq_id (id, live[i]), &number));
        assert_int_equal (number, i);
    }
    for (uint32_t gone = 0; gone < 1000; gone++) {
        bool is_live = false;
        for (uint32_t i = 0; i < N && !is_live; i++)
            is_live = live[i] == gone;
        if (!is_live)
            assert_false (fo_agent_index_get (ix, id, zmq_id (id, gone), &number));
    }
    fo_agent_index_destroy (&ix);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_put_get_del),
        cmocka_unit_test (test_limits),
        cmocka_unit_test (test_many_churn),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
