/*  A GoogleTest suite in one process (lib/import): gtest's result stream
    (fo_gtest_stream.h: events split anywhere, URL-decoding, a pass, a
    failure, a GTEST_SKIP, the test running at a crash, the limits) and
    which steps the agent joins into one --gtest_filter (fo_gtest_join.h),
    and the gtest reader of a joined step without gtest's output file: the
    stream written to the loopback port it names (GTEST_STREAM_RESULT_TO),
    then how the process ended: which test is blamed for a crash, a
    timeout or a stop, which keep the stream's verdicts, which are left to
    run again.
    The whole, on a real gtest program that segfaults part-way, is
    tests/integration/test_gtest.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fo_gtest_join.h"
#include "fo_gtest_json.h"
#include "fo_gtest_stream.h"
#include "fo_reader.h"

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

/* ---- the reader of a joined step, without an output file ----------------- */

typedef struct {
    char outcome[4][16];
    char message[4][256];
    bool got[4];
} collected;

static void
collect (void *arg, const fo_read_result *r)
{
    collected *c = arg;
    int i = r->test[strlen (r->test) - 1] - 'a';   /* p/S.a .. p/S.d */
    assert_true (i >= 0 && i < 4);
    assert_false (c->got[i]);
    c->got[i] = true;
    snprintf (c->outcome[i], sizeof c->outcome[i], "%s", fo_outcome_name (r->outcome));
    snprintf (c->message[i], sizeof c->message[i], "%s", r->message);
}

/* Runs the gtest reader on S.a..S.d joined, as if the program streamed
   `stream` to the port it was given and then ended with st (and, when
   stop is set, fanout had stopped it). */
static void
read_joined (const char *stream, fo_proc_status st, const char *stop, collected *c)
{
    memset (c, 0, sizeof *c);
    fo_step parts[4];
    const fo_step *pp[4];
    const char *names[] = { "S.a", "S.b", "S.c", "S.d" };
    for (int i = 0; i < 4; i++) {
        gtest_step (&parts[i], "./p", names[i], 1000);
        pp[i] = &parts[i];
    }
    fo_step joined;
    fo_gtest_join (pp, 4, &joined);
    fo_read_step rs = { .step = &joined, .skip_code = 77, .parts = pp, .nparts = 4 };
    fo_read *read = fo_read_new (&rs, collect, c);
    assert_non_null (read);
    const fo_env *env = fo_read_env (read);
    assert_non_null (env);
    const char *to = fo_env_get (env, "GTEST_STREAM_RESULT_TO");
    assert_non_null (to);
    assert_true (strncmp (to, "127.0.0.1:", 10) == 0);
    int fds[FO_READ_MAX_FDS];
    assert_int_equal (fo_read_pollfds (read, fds), 1);      /* listening */
    if (stream) {
        int s = socket (AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons ((uint16_t) atoi (to + 10)),
                                 .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
        assert_int_equal (connect (s, (struct sockaddr *) &a, sizeof a), 0);
        fo_read_service (read);
        assert_int_equal (fo_read_pollfds (read, fds), 2);  /* and the connection */
        assert_int_equal (write (s, stream, strlen (stream)), (ssize_t) strlen (stream));
        close (s);
    }
    fo_step_ending e = { .status = &st, .out = "", .err = "", .stop_message = stop,
                         .stop_outcome = FO_NOT_RUN };
    fo_read_end (read, &e);
    fo_read_destroy (&read);
    fo_step_free (&joined);
    for (int i = 0; i < 4; i++)
        fo_step_free (&parts[i]);
}

#define RUN_A_B_C \
    "event=TestCaseStart&name=S\nevent=TestStart&name=a\nevent=TestEnd&passed=1&elapsed_time=3ms\n" \
    "event=TestStart&name=b\nevent=TestPartResult&file=f.cc&line=9&message=Failed\n"            \
    "event=TestEnd&passed=0&elapsed_time=0ms\nevent=TestStart&name=c\n"

static void
test_joined_crash (void **state)
{
    (void) state;
    collected c;
    /* A crash in S.c: it alone is crashed; a and b keep the stream's
       verdicts; d never started: no result (the agent runs it again). */
    fo_proc_status segv = { .signal = 11 };
    read_joined (RUN_A_B_C, segv, NULL, &c);
    assert_string_equal (c.outcome[0], "passed");
    assert_string_equal (c.outcome[1], "failed");
    assert_string_equal (c.message[1], "f.cc:9 Failed");
    assert_string_equal (c.outcome[2], "crashed");
    assert_non_null (strstr (c.message[2], "SIGSEGV"));
    assert_false (c.got[3]);

    /* Past the time limit: the running test is timeout. */
    fo_proc_status late = { .signal = 15, .timed_out = true };
    read_joined (RUN_A_B_C, late, NULL, &c);
    assert_string_equal (c.outcome[2], "timeout");
    assert_false (c.got[3]);

    /* Stopped by fanout: the running test gets the stop's outcome. */
    fo_proc_status killed = { .signal = 15 };
    read_joined (RUN_A_B_C, killed, "cancelled", &c);
    assert_string_equal (c.outcome[0], "passed");
    assert_string_equal (c.outcome[2], "not_run");
    assert_string_equal (c.message[2], "cancelled");
    assert_false (c.got[3]);

    /* An exit part-way, not a crash: the running test is an error. */
    fo_proc_status exit3 = { .exited = true, .exit_code = 3 };
    read_joined (RUN_A_B_C, exit3, NULL, &c);
    assert_string_equal (c.outcome[2], "error");
    assert_non_null (strstr (c.message[2], "exit status 3"));
    assert_false (c.got[3]);
}

static void
test_joined_no_test_running (void **state)
{
    (void) state;
    collected c;
    fo_proc_status abrt = { .signal = 6 };
    /* Nothing started (a crash in the suite's setup), or no stream at
       all: the first test is blamed, the rest run again. */
    read_joined ("event=TestCaseStart&name=S\n", abrt, NULL, &c);
    assert_string_equal (c.outcome[0], "crashed");
    assert_false (c.got[1] || c.got[2] || c.got[3]);
    read_joined (NULL, abrt, NULL, &c);
    assert_string_equal (c.outcome[0], "crashed");
    assert_false (c.got[1] || c.got[2] || c.got[3]);

    /* Every started test ended, then the crash: outside any test. The
       passes are "then the program ended badly", a GTEST_SKIP without
       text is skipped, the tests not started run again. */
    const char *ended = "event=TestCaseStart&name=S\n"
                        "event=TestStart&name=a\nevent=TestEnd&passed=1&elapsed_time=0ms\n"
                        "event=TestStart&name=b\nevent=TestPartResult&file=f.cc&line=2&message=\n"
                        "event=TestEnd&passed=0&elapsed_time=0ms\n";
    read_joined (ended, abrt, NULL, &c);
    assert_string_equal (c.outcome[0], "crashed");
    assert_non_null (strstr (c.message[0], "then the program ended badly"));
    assert_string_equal (c.outcome[1], "skipped");
    assert_false (c.got[2] || c.got[3]);

    /* Exit 0 without gtest's file: nothing to run again, each an error
       (as a test alone). */
    fo_proc_status ok = { .exited = true };
    read_joined (RUN_A_B_C, ok, NULL, &c);
    for (int i = 0; i < 4; i++)
        assert_string_equal (c.outcome[i], "error");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_stream_events),
        cmocka_unit_test (test_stream_hostile),
        cmocka_unit_test (test_join),
        cmocka_unit_test (test_joined_crash),
        cmocka_unit_test (test_joined_no_test_running),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
