/*  fo_glib_join and fo_reader_glib_join: which GLib steps share a process,
    the joined command (each path once, in order), and how the joined
    reader judges the paths: each by its point, the one running when the
    process died by how it died, the rest left without a result for the
    agent to run again, and none left when the program ended well. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "fo_glib_join.h"
#include "fo_reader.h"

/* A one-path GLib step as fo_source_glib.c plans it: "./g --tap -s ... -p PATH". */
static fo_step
glib_step (const char *path, const char *skips)
{
    fo_step s = { .kind = FO_STEP_TEST, .reader = FO_READER_GLIB, .timeout_ms = 1000 };
    s.name = fo_xasprintf ("./g/%s", path);
    s.cwd = fo_xstrdup ("");
    fo_strv_push (&s.argv, "./g");
    fo_strv_push (&s.argv, "--tap");
    for (const char *p = skips; p && *p;) {
        size_t n = strcspn (p, " ");
        char *one = fo_xstrndup (p, n);
        fo_strv_push (&s.argv, "-s");
        fo_strv_push (&s.argv, one);
        free (one);
        p += n + (p[n] == ' ');
    }
    fo_strv_push (&s.argv, "-p");
    fo_strv_push (&s.argv, path);
    fo_strv_push (&s.tests, s.name);
    return s;
}

static char *
argv_text (const fo_step *s)
{
    fo_buf b = { 0 };
    for (size_t i = 0; i < s->argv.len; i++) {
        if (i)
            fo_buf_puts (&b, " ");
        fo_buf_puts (&b, s->argv.items[i]);
    }
    fo_buf_puts (&b, "");
    return fo_buf_steal (&b);
}

static void
test_joins (void **state)
{
    (void) state;
    fo_step a = glib_step ("/a", "/a/b /a/b/c"), i = glib_step ("/incomplete", NULL),
            ab = glib_step ("/a/b", "/a/b/c"), abc = glib_step ("/a/b/c", NULL),
            z = glib_step ("/z", NULL);
    const fo_step *group[4] = { &a, &i };
    assert_string_equal (fo_glib_path (&a), "/a");
    assert_true (fo_glib_joins (group, 1, &i));
    /* -p /a would run /a/b too: a child starts the next group ... */
    assert_false (fo_glib_joins (group, 2, &ab));
    /* ... and so does a parent, and the same path twice */
    const fo_step *child_first[1] = { &ab };
    assert_false (fo_glib_joins (child_first, 1, &a));
    assert_false (fo_glib_joins (group, 2, &a));
    /* a grandchild may join: -p /a runs one level down only */
    assert_true (fo_glib_joins (group, 2, &abc));

    /* another program, cwd or environment: never */
    fo_step other = glib_step ("/z", NULL);
    free (other.argv.items[0]);
    other.argv.items[0] = fo_xstrdup ("./h");
    assert_false (fo_glib_joins (group, 2, &other));
    fo_env_set (&z.env, "X", "1");
    assert_false (fo_glib_joins (group, 2, &z));
    fo_step exit_status = glib_step ("/y", NULL);
    exit_status.reader = FO_READER_EXIT_STATUS;
    assert_null (fo_glib_path (&exit_status));
    assert_false (fo_glib_joins (group, 2, &exit_status));

    /* /a's skipped descendants stay skipped but for /a/b/c, which runs */
    group[2] = &abc;
    fo_step joined;
    fo_glib_join (group, 3, &joined);
    char *text = argv_text (&joined);
    assert_string_equal (text, "./g --tap -s /a/b -p /a -p /incomplete -p /a/b/c");
    free (text);
    assert_int_equal (joined.tests.len, 3);
    assert_string_equal (joined.tests.items[2], "./g//a/b/c");
    assert_int_equal (joined.timeout_ms, 3000);
    assert_int_equal (joined.reader, FO_READER_GLIB);
    fo_step_free (&joined);
    i.timeout_ms = 0;
    fo_glib_join (group, 3, &joined);
    assert_int_equal (joined.timeout_ms, 0);    /* one without a limit: none */
    fo_step_free (&joined);

    fo_step *all[] = { &a, &i, &ab, &abc, &z, &other, &exit_status };
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        fo_step_free (all[k]);
}

/* ---- the joined reader ------------------------------------------------- */

typedef struct {
    char *test[8];
    fo_outcome outcome[8];
    char *message[8];
    size_t out_len[8];
    size_t n;
} sink;

static void
collect (void *arg, const fo_read_result *r)
{
    sink *s = arg;
    assert_true (s->n < 8);
    s->test[s->n] = fo_xstrdup (r->test);
    s->outcome[s->n] = r->outcome;
    s->message[s->n] = fo_xstrdup (r->message);
    s->out_len[s->n] = r->out_len;
    s->n++;
}

static void
sink_free (sink *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free (s->test[i]);
        free (s->message[i]);
    }
    s->n = 0;
}

/* The result of test, or -1. */
static int
index_of (const sink *s, const char *test)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp (s->test[i], test))
            return (int) i;
    return -1;
}

/* Reads tap as the output of /one /two /three /four joined, ended by st. */
static void
read_joined (const char *tap, const fo_proc_status *st, sink *s, const char *stop_message)
{
    fo_step steps[4] = { glib_step ("/one", NULL), glib_step ("/two", NULL),
                         glib_step ("/three", NULL), glib_step ("/four", NULL) };
    const fo_step *parts[4] = { &steps[0], &steps[1], &steps[2], &steps[3] };
    fo_step joined;
    fo_glib_join (parts, 4, &joined);
    fo_read_step rs = { .step = &joined, .skip_code = 77, .parts = parts, .nparts = 4 };
    fo_read *read = fo_read_new_with (&fo_reader_glib_join, &rs, collect, s);
    /* cut anywhere: in two pieces, the second mid-line */
    size_t half = strlen (tap) / 2;
    fo_read_feed (read, 1, tap, half);
    fo_read_feed (read, 1, tap + half, strlen (tap) - half);
    fo_step_ending end = { .status = st, .out = tap, .out_len = strlen (tap), .err = "",
                           .stop_message = stop_message, .stop_outcome = FO_NOT_RUN };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_step_free (&joined);
    for (size_t i = 0; i < 4; i++)
        fo_step_free (&steps[i]);
}

static void
test_reader_all_points (void **state)
{
    (void) state;
    sink s = { 0 };
    fo_proc_status st = { .exited = true, .exit_code = 1 };
    read_joined ("# random seed: R02S\n1..4\nok 1 /one\n1..1\nnot ok 2 /two # TODO later\n"
                 "ok 3 /three # SKIP by request (-s option)\nok 4 /three # SKIP no net\n"
                 "ok 9 /elsewhere\nnot ok 5 /four\n",
                 &st, &s, NULL);
    assert_int_equal (s.n, 4);
    assert_int_equal (s.outcome[index_of (&s, "./g//one")], FO_PASSED);
    int two = index_of (&s, "./g//two");
    assert_int_equal (s.outcome[two], FO_SKIPPED);
    assert_non_null (strstr (s.message[two], "TODO: 2 - /two: later"));
    /* the first point of a path counts */
    int three = index_of (&s, "./g//three");
    assert_int_equal (s.outcome[three], FO_SKIPPED);
    assert_non_null (strstr (s.message[three], "by request"));
    int four = index_of (&s, "./g//four");
    assert_int_equal (s.outcome[four], FO_FAILED);
    assert_string_equal (s.message[four], "not ok 5 - /four");
    assert_true (s.out_len[four] > 0);      /* a failure carries the output */
    assert_int_equal (s.out_len[index_of (&s, "./g//one")], 0);
    sink_free (&s);

    /* ended well, a path without a point: failed, as the glib reader says */
    fo_proc_status ok = { .exited = true };
    read_joined ("ok 1 /one\nok 2 /two\n", &ok, &s, NULL);
    assert_int_equal (s.n, 4);
    int t3 = index_of (&s, "./g//three");
    assert_int_equal (s.outcome[t3], FO_FAILED);
    assert_string_equal (s.message[t3], "no result for /three in its TAP output");
    assert_int_equal (s.outcome[index_of (&s, "./g//four")], FO_FAILED);
    sink_free (&s);
}

static void
test_reader_died (void **state)
{
    (void) state;
    sink s = { 0 };
    /* a failed g_assert: the running path fails with GLib's message; the
       two after it get nothing (the agent runs them again) */
    fo_proc_status abrt = { .signal = SIGABRT };
    read_joined ("ok 1 /one\nBail out! ERROR:x.c:3:two: assertion failed\nok 3 /three\n", &abrt,
                 &s, NULL);
    assert_int_equal (s.n, 2);
    int two = index_of (&s, "./g//two");
    assert_int_equal (s.outcome[two], FO_FAILED);
    assert_non_null (strstr (s.message[two], "Bail out! ERROR:x.c:3:two: assertion failed"));
    assert_non_null (strstr (s.message[two], "SIGABRT"));
    assert_int_equal (index_of (&s, "./g//three"), -1);
    sink_free (&s);

    /* a crash with no word: crashed */
    fo_proc_status segv = { .signal = SIGSEGV };
    read_joined ("ok 1 /one\nok 2 /two\n", &segv, &s, NULL);
    assert_int_equal (s.n, 3);
    assert_int_equal (s.outcome[index_of (&s, "./g//three")], FO_CRASHED);
    assert_int_equal (index_of (&s, "./g//four"), -1);
    sink_free (&s);

    /* its time limit: the running path timed out */
    fo_proc_status late = { .signal = SIGKILL, .timed_out = true };
    read_joined ("", &late, &s, NULL);
    assert_int_equal (s.n, 1);
    assert_int_equal (s.outcome[index_of (&s, "./g//one")], FO_TIMEOUT);
    sink_free (&s);

    /* stopped by fanout: the running path gets the stop's outcome */
    fo_proc_status killed = { .signal = SIGTERM };
    read_joined ("ok 1 /one\n", &killed, &s, "not run (cancelled)");
    assert_int_equal (s.n, 2);
    int two_stopped = index_of (&s, "./g//two");
    assert_int_equal (s.outcome[two_stopped], FO_NOT_RUN);
    assert_string_equal (s.message[two_stopped], "not run (cancelled)");
    sink_free (&s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_joins),
        cmocka_unit_test (test_reader_all_points),
        cmocka_unit_test (test_reader_died),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
