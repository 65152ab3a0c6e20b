/*  A GoogleTest suite in one process (lib/import): gtest's result stream
    (fo_gtest_stream.h: events split anywhere, URL-decoding, a pass, a
    failure, a GTEST_SKIP, the test running at a crash, the limits) and
    which steps the agent joins into one --gtest_filter (fo_gtest_join.h).
    The whole, on a real gtest program that segfaults part-way, is
    tests/integration/test_gtest.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fo_gtest_join.h"
#include "fo_gtest_json.h"
#include "fo_gtest_stream.h"

static const char STREAM[] =
    "gtest_streaming_protocol_version=1.0\n"
    "event=TestProgramStart\n"
    "event=TestIterationStart&iteration=0\n"
    "event=TestCaseStart&name=Mid\n"
    "event=TestStart&name=First\n"
    "event=TestEnd&passed=1&elapsed_time=12ms\n"
    "event=TestStart&name=Skipped\n"
    "event=TestPartResult&file=s.cc&line=28&message=\n"
    "event=TestEnd&passed=0&elapsed_time=0ms\n"
    "event=TestStart&name=Fails\n"
    "event=TestPartResult&file=s.cc&line=29&message=Expected%20equality%0A%3D%26%25\n"
    "event=TestEnd&passed=0&elapsed_time=1ms\n"
    "event=TestStart&name=Segv\n";

static void
test_stream_events (void **state)
{
    (void) state;
    /* Fed one byte at a time, and whole: the same. */
    for (int whole = 0; whole < 2; whole++) {
        fo_gtest_stream *s = fo_gtest_stream_new ();
        if (whole)
            fo_gtest_stream_feed (s, STREAM, strlen (STREAM));
        else
            for (size_t i = 0; STREAM[i]; i++)
                fo_gtest_stream_feed (s, STREAM + i, 1);
        const fo_gtest_stream_test *t = fo_gtest_stream_find (s, "Mid.First");
        assert_non_null (t);
        assert_true (t->ended);
        assert_int_equal (t->outcome, FO_PASSED);
        assert_int_equal (t->duration_us, 12000);
        t = fo_gtest_stream_find (s, "Mid.Skipped");
        assert_true (t->ended);
        assert_int_equal (t->outcome, FO_SKIPPED);
        t = fo_gtest_stream_find (s, "Mid.Fails");
        assert_true (t->ended);
        assert_int_equal (t->outcome, FO_FAILED);
        assert_string_equal (t->message, "s.cc:29\nExpected equality\n=&%");
        t = fo_gtest_stream_find (s, "Mid.Segv");
        assert_non_null (t);
        assert_false (t->ended);
        assert_null (fo_gtest_stream_find (s, "Mid.After"));
        assert_null (fo_gtest_stream_find (s, "First"));
        fo_gtest_stream_destroy (&s);
        assert_null (s);
    }
}

static void
test_stream_hostile (void **state)
{
    (void) state;
    fo_gtest_stream *s = fo_gtest_stream_new ();
    /* No suite started: a test is not kept. Events without a running test
       judge nothing. */
    const char *orphan = "event=TestStart&name=A\nevent=TestEnd&passed=1\n"
                         "event=TestPartResult&message=x\nevent=\nnonsense\n%%%\n";
    fo_gtest_stream_feed (s, orphan, strlen (orphan));
    assert_null (fo_gtest_stream_find (s, ".A"));
    /* A line past the limit is dropped whole; the next is read. */
    const char *start = "event=TestCaseStart&name=S\nevent=TestStart&name=T\n"
                        "event=TestPartResult&file=f&line=1&message=";
    fo_gtest_stream_feed (s, start, strlen (start));
    char *big = malloc (FO_GTEST_STREAM_MAX_LINE);
    memset (big, 'x', FO_GTEST_STREAM_MAX_LINE);
    fo_gtest_stream_feed (s, big, FO_GTEST_STREAM_MAX_LINE);
    fo_gtest_stream_feed (s, "\n", 1);
    /* Messages past FO_GTEST_MAX_MESSAGE are cut there. */
    for (int i = 0; i < 3; i++) {
        const char *head = "event=TestPartResult&file=&line=0&message=";
        fo_gtest_stream_feed (s, head, strlen (head));
        fo_gtest_stream_feed (s, big, FO_GTEST_MAX_MESSAGE / 2);
        fo_gtest_stream_feed (s, "\n", 1);
    }
    free (big);
    const char *endl = "event=TestEnd&passed=0&elapsed_time=99999999999999999999ms\n";
    fo_gtest_stream_feed (s, endl, strlen (endl));
    const fo_gtest_stream_test *t = fo_gtest_stream_find (s, "S.T");
    assert_non_null (t);
    assert_true (t->ended);
    assert_int_equal (t->outcome, FO_FAILED);
    assert_true (strlen (t->message) <= FO_GTEST_MAX_MESSAGE);
    assert_true (strlen (t->message) > FO_GTEST_MAX_MESSAGE / 2);
    fo_gtest_stream_destroy (&s);
}

static void
gtest_step (fo_step *s, const char *prog, const char *filter, uint32_t timeout_ms)
{
    memset (s, 0, sizeof *s);
    s->kind = FO_STEP_TEST;
    s->reader = FO_READER_GTEST;
    s->name = fo_xstrdup (filter);
    s->cwd = fo_xstrdup ("/tmp");
    s->timeout_ms = timeout_ms;
    fo_strv_push (&s->argv, prog);
    fo_strv_push_owned (&s->argv, fo_xasprintf ("--gtest_filter=%s", filter));
    fo_strv_push_owned (&s->tests, fo_xasprintf ("p/%s", filter));
}

static void
test_join (void **state)
{
    (void) state;
    fo_step a, b, c, other, pattern, two;
    gtest_step (&a, "./p", "S.a", 1000);
    gtest_step (&b, "./p", "S.b", 2000);
    gtest_step (&c, "./p", "S.c", 0);
    gtest_step (&other, "./q", "S.d", 1000);
    gtest_step (&pattern, "./p", "S.*", 1000);
    gtest_step (&two, "./p", "S.a:S.b", 1000);
    assert_string_equal (fo_gtest_step_name (&a), "S.a");
    assert_null (fo_gtest_step_name (&pattern));
    assert_null (fo_gtest_step_name (&two));
    const fo_step *group[3] = { &a, &b, &c };
    assert_true (fo_gtest_joins (group, 1, &b));
    assert_false (fo_gtest_joins (group, 1, &other));      /* another program */
    assert_false (fo_gtest_joins (group, 1, &pattern));
    fo_env_set (&b.env, "X", "1");
    assert_false (fo_gtest_joins (group, 1, &b));           /* another env */
    fo_env_free (&b.env);

    fo_step joined;
    fo_gtest_join (group, 2, &joined);
    assert_int_equal (joined.argv.len, 2);
    assert_string_equal (joined.argv.items[1], "--gtest_filter=S.a:S.b");
    assert_int_equal (joined.tests.len, 2);
    assert_string_equal (joined.tests.items[1], "p/S.b");
    assert_int_equal (joined.timeout_ms, 3000);
    fo_step_free (&joined);
    fo_gtest_join (group, 3, &joined);
    assert_int_equal (joined.timeout_ms, 0);                /* one has no limit */
    fo_step_free (&joined);

    /* The joined filter stays within FO_GTEST_JOIN_MAX_FILTER. */
    char *longname = malloc (FO_GTEST_JOIN_MAX_FILTER / 2);
    memset (longname, 'n', FO_GTEST_JOIN_MAX_FILTER / 2 - 1);
    longname[FO_GTEST_JOIN_MAX_FILTER / 2 - 1] = '\0';
    char *filter = fo_xasprintf ("S.%s", longname);
    fo_step big1, big2;
    gtest_step (&big1, "./p", filter, 0);
    filter[2] = 'm';
    gtest_step (&big2, "./p", filter, 0);
    const fo_step *bigs[1] = { &big1 };
    assert_true (fo_gtest_joins (group, 1, &big1));
    assert_false (fo_gtest_joins (bigs, 1, &big2));
    free (longname);
    free (filter);
    fo_step *all[] = { &a, &b, &c, &other, &pattern, &two, &big1, &big2 };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        fo_step_free (all[i]);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_stream_events),
        cmocka_unit_test (test_stream_hostile),
        cmocka_unit_test (test_join),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
