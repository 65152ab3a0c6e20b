/*  fo_tap and the TAP readers (fo_read_tap.c): the parser's events for
    every kind of line, YAML diagnostics read with libyaml, limits, input
    cut anywhere; and the verdicts of the "tap", "cmocka" and "glib"
    readers for each way a TAP program can end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_reader.h"
#include "fo_tap.h"

/* ---- the parser -------------------------------------------------------- */

typedef struct {
    fo_buf log;     /* one line per event: "KIND depth fields" */
} events;

static void
on_event (void *arg, const fo_tap_event *ev)
{
    events *e = arg;
    static const char *const kinds[] = { "", "version", "plan", "point", "bail", "comment",
                                          "subtest", "pragma", "output", "error" };
    char line[512];
    switch (ev->kind) {
    case FO_TAP_POINT:
        snprintf (line, sizeof line, "point %u %s %s%llu [%s] %s [%s] yaml=%d msg=%s err=%s\n",
                  ev->depth, ev->ok ? "ok" : "not-ok", ev->has_number ? "#" : "",
                  (unsigned long long) ev->number, ev->description,
                  ev->directive == FO_TAP_SKIP ? "SKIP" : ev->directive == FO_TAP_TODO ? "TODO" : "-",
                  ev->reason, ev->has_yaml, ev->yaml_message ? ev->yaml_message : "-",
                  ev->yaml_error ? "yes" : "-");
        break;
    case FO_TAP_PLAN:
        snprintf (line, sizeof line, "plan %u %llu skip_all=%d [%s]\n", ev->depth,
                  (unsigned long long) ev->count, ev->skip_all, ev->reason);
        break;
    case FO_TAP_BAIL:
        snprintf (line, sizeof line, "bail %u [%s]\n", ev->depth, ev->reason);
        break;
    default:
        snprintf (line, sizeof line, "%s %u [%.100s]\n", kinds[ev->kind], ev->depth, ev->text);
        break;
    }
    fo_buf_puts (&e->log, line);
}

/* The events of text, fed in pieces of `step` bytes. */
static char *
parse (const char *text, size_t step)
{
    events e = { 0 };
    fo_buf_puts (&e.log, "");
    fo_tap *tap = fo_tap_new (on_event, &e);
    size_t len = strlen (text);
    for (size_t i = 0; i < len; i += step)
        fo_tap_feed (tap, text + i, len - i < step ? len - i : step);
    fo_tap_end (tap);
    fo_tap_end (tap);
    fo_tap_feed (tap, "ok 9\n", 5);         /* after the end: nothing */
    fo_tap_destroy (&tap);
    return fo_buf_steal (&e.log);
}

static const char STREAM[] =
    "TAP version 14\n"
    "1..6\n"
    "ok 1 - parses\n"
    "not ok 2 - rejects \\# bad # TODO later\n"
    "ok 3 # skip no db\n"
    "not ok 4 - checks\n"
    "  ---\n"
    "  message: 'expected 1, got 2'\n"
    "  at: {file: t.c, line: 3}\n"
    "  ...\n"
    "# Subtest: inner\n"
    "    1..1\n"
    "    ok 1 - deep\n"
    "ok 5 - inner\n"
    "okay this is output\n"
    "ok 6\r\n"
    "Bail out! no network\n";

static const char EVENTS[] =
    "version 0 [TAP version 14]\n"
    "plan 0 6 skip_all=0 []\n"
    "point 0 ok #1 [parses] - [] yaml=0 msg=- err=-\n"
    "point 0 not-ok #2 [rejects # bad] TODO [later] yaml=0 msg=- err=-\n"
    "point 0 ok #3 [] SKIP [no db] yaml=0 msg=- err=-\n"
    "point 0 not-ok #4 [checks] - [] yaml=1 msg=expected 1, got 2 err=-\n"
    "subtest 0 [inner]\n"
    "plan 1 1 skip_all=0 []\n"
    "point 1 ok #1 [deep] - [] yaml=0 msg=- err=-\n"
    "point 0 ok #5 [inner] - [] yaml=0 msg=- err=-\n"
    "output 0 []\n"
    "point 0 ok #6 [] - [] yaml=0 msg=- err=-\n"
    "bail 0 [no network]\n";

static void
test_parse_lines (void **state)
{
    (void) state;
    /* Whole, and cut at every size: the same events. */
    for (size_t step = 1; step <= sizeof STREAM; step++) {
        char *got = parse (STREAM, step);
        assert_string_equal (got, EVENTS);
        free (got);
    }
}

static void
test_parse_skip_all_and_yaml_errors (void **state)
{
    (void) state;
    char *got = parse ("1..0 # SKIP no database\n", 4096);
    assert_string_equal (got, "plan 0 0 skip_all=1 [no database]\n");
    free (got);
    /* A block that is not YAML, and one with no end: the point says why. */
    got = parse ("not ok 1\n  ---\n  a: [1, 2\n  ...\nnot ok 2\n  ---\n  a: b\n", 4096);
    assert_string_equal (got, "point 0 not-ok #1 [] - [] yaml=1 msg=- err=yes\n"
                              "point 0 not-ok #2 [] - [] yaml=1 msg=- err=yes\n");
    free (got);
    /* Aliases are never expanded; nesting past the limit is refused. */
    char *msg = NULL;
    char err[256];
    const char *aliased = "a: &x [1]\nb: *x\nmessage: hi\n";
    assert_true (fo_tap_yaml (aliased, strlen (aliased), &msg, err, sizeof err));
    assert_string_equal (msg, "hi");
    free (msg);
    fo_buf deep = { 0 };
    for (unsigned i = 0; i <= FO_TAP_YAML_DEPTH; i++)
        fo_buf_puts (&deep, "[");
    assert_false (fo_tap_yaml (deep.data, deep.len, &msg, err, sizeof err));
    assert_null (msg);
    assert_non_null (strstr (err, "deeper"));
    fo_buf_free (&deep);
}

static void
test_parse_limits (void **state)
{
    (void) state;
    /* A line past FO_TAP_MAX_LINE is output, cut: never a point. */
    size_t n = FO_TAP_MAX_LINE + 10;
    char *big = fo_xmalloc (n + 2);
    memcpy (big, "ok 1 ", 5);
    memset (big + 5, 'x', n - 5);
    big[n] = '\n';
    big[n + 1] = '\0';
    char *got = parse (big, 1000);
    assert_non_null (strstr (got, "output 0"));
    assert_null (strstr (got, "point"));
    free (got);
    free (big);
    /* Subtests deeper than FO_TAP_MAX_DEPTH: output, and one error. */
    fo_buf deep = { 0 };
    for (int k = 0; k < 2; k++) {
        for (unsigned i = 0; i < 4 * (FO_TAP_MAX_DEPTH + 1); i++)
            fo_buf_puts (&deep, " ");
        fo_buf_puts (&deep, "ok 1\n");
    }
    got = parse (deep.data, 4096);
    assert_non_null (strstr (got, "error 16"));
    assert_null (strstr (got, "point"));
    assert_null (strstr (strstr (got, "error") + 1, "error"));     /* said once */
    free (got);
    fo_buf_free (&deep);
    /* A YAML block past FO_TAP_MAX_YAML is not read. */
    fo_buf yaml = { 0 };
    fo_buf_puts (&yaml, "not ok 1\n  ---\n");
    while (yaml.len < FO_TAP_MAX_YAML + 4096)
        fo_buf_puts (&yaml, "  k: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n");
    fo_buf_puts (&yaml, "  ...\n");
    got = parse (yaml.data, 4096);
    assert_string_equal (got, "point 0 not-ok #1 [] - [] yaml=1 msg=- err=yes\n");
    free (got);
    fo_buf_free (&yaml);
}

/* ---- the readers -------------------------------------------------------- */

typedef struct {
    fo_outcome outcome;
    char *message;
    size_t n;                   /* results of the program's own test */
    fo_buf joined;              /* "group/name outcome: message\n" per joined test */
    size_t njoined;
    bool late;                  /* a joined result after the program's own */
} verdict;

static void
collect (void *arg, const fo_read_result *r)
{
    verdict *v = arg;
    if (r->joined) {
        assert_string_equal (r->test, "prog/all");
        v->late = v->late || v->n > 0;
        v->njoined++;
        if (v->joined.len < 8192)
            fo_buf_printf (&v->joined, "%s%s%s %s: %s\n", r->group ? r->group : "",
                           r->group && *r->group ? "/" : "", r->joined,
                           fo_outcome_name (r->outcome), r->message);
        return;
    }
    v->n++;
    v->outcome = r->outcome;
    free (v->message);
    v->message = fo_xstrdup (r->message);
}

/* The verdict of reader on a program that printed out and ended as st;
   fed in pieces of 7 bytes, as it would arrive. */
static verdict
judge (fo_reader reader, const char *out, const fo_proc_status *st, const char *last_arg)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = reader, .timeout_ms = 1000 };
    fo_strv_push (&step.tests, "prog/all");
    fo_strv_push (&step.argv, "prog");
    if (last_arg)
        fo_strv_push (&step.argv, last_arg);
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    verdict v = { 0 };
    fo_read *read = fo_read_new (&rs, collect, &v);
    assert_non_null (read);
    size_t len = strlen (out);
    for (size_t i = 0; i < len; i += 7)
        fo_read_feed (read, 1, out + i, len - i < 7 ? len - i : 7);
    fo_step_ending end = { .status = st, .out = out, .out_len = len, .err = "", .err_len = 0 };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_strv_free (&step.tests);
    fo_strv_free (&step.argv);
    assert_int_equal (v.n, 1);
    assert_false (v.late);
    fo_buf_puts (&v.joined, "");
    return v;
}

static const fo_proc_status EXIT0 = { .exited = true, .exit_code = 0 };
static const fo_proc_status EXIT1 = { .exited = true, .exit_code = 1 };

#define EXPECT(reader, out, st, arg, want, text)                               \
    do {                                                                        \
        verdict v_ = judge (reader, out, st, arg);                             \
        assert_int_equal (v_.outcome, want);                                   \
        if (!strstr (v_.message, text))                                        \
            fail_msg ("message '%s' lacks '%s'", v_.message, text);            \
        free (v_.message);                                                     \
        fo_buf_free (&v_.joined);                                              \
    } while (0)

/* The joined tests (one line each, in order) a program's output gives. */
#define EXPECT_POINTS(reader, out, st, want)                                   \
    do {                                                                        \
        verdict v_ = judge (reader, out, st, NULL);                            \
        if (strcmp (v_.joined.data, want) != 0)                                \
            fail_msg ("joined tests:\n%swanted:\n%s", v_.joined.data, want);   \
        free (v_.message);                                                     \
        fo_buf_free (&v_.joined);                                              \
    } while (0)

static void
test_tap_verdicts (void **state)
{
    (void) state;
    const fo_reader T = FO_READER_TAP;
    EXPECT (T, "1..2\nok 1\nok 2\n", &EXIT0, NULL, FO_PASSED, "");
    EXPECT (T, "ok 1\nok 2\n1..2\n", &EXIT0, NULL, FO_PASSED, "");         /* trailing plan */
    /* SKIP is never a pass. */
    EXPECT (T, "1..2\nok 1 # SKIP a\nok 2 # skip b\n", &EXIT0, NULL, FO_SKIPPED, "SKIP: 1: a");
    EXPECT (T, "1..0 # SKIP no db\n", &EXIT0, NULL, FO_SKIPPED, "no db");
    /* The program's text in a message is escaped (found by fuzz_tap). */
    EXPECT (T, "1..0 # SKIP a\x1b[2Jb\n", &EXIT0, NULL, FO_SKIPPED, "a\\x1B[2Jb");
    EXPECT (T, "1..2\nok 1\nok 2 # SKIP b\n", &EXIT0, NULL, FO_PASSED, "");
    /* TODO: a failure expected, not a failure; a pass says so. */
    EXPECT (T, "1..2\nok 1\nnot ok 2 # TODO later\n", &EXIT0, NULL, FO_PASSED, "");
    EXPECT (T, "1..1\nnot ok 1 # TODO later\n", &EXIT0, NULL, FO_SKIPPED, "TODO: 1: later");
    EXPECT (T, "1..1\nok 1 - x # TODO later\n", &EXIT0, NULL, FO_PASSED,
            "TODO passed unexpectedly: 1 - x");
    /* Failures, with their YAML message or the comments after them. */
    EXPECT (T, "1..2\nok 1\nnot ok 2 - b\n  ---\n  message: boom\n  ...\n", &EXIT1, NULL,
            FO_FAILED, "1 of 2 failed: not ok 2 - b: boom");
    EXPECT (T, "1..1\nnot ok 1 - b\n#   Failed test 'b'\n#   at t.t line 3.\n", &EXIT1, NULL,
            FO_FAILED, "not ok 1 - b: Failed test 'b' at t.t line 3.");
    /* The stream itself. */
    EXPECT (T, "ok 1\n", &EXIT0, NULL, FO_FAILED, "no plan");
    EXPECT (T, "1..3\nok 1\nok 2\n", &EXIT0, NULL, FO_FAILED, "planned 3 tests but 2 ran");
    EXPECT (T, "1..2\nok 1\nok 3\n", &EXIT0, NULL, FO_FAILED, "test 3 where 2 was expected");
    EXPECT (T, "1..1\nok 1\n1..1\n", &EXIT0, NULL, FO_FAILED, "a second plan");
    EXPECT (T, "1..3\nok 1\nBail out! no network\nok 2\nok 3\n", &EXIT0, NULL, FO_FAILED,
            "Bail out! no network");
    EXPECT (T, "1..1\nok 1\n", &EXIT1, NULL, FO_FAILED, "exit status 1");
    /* Subtests are judged through their parent point. */
    EXPECT (T, "1..1\n# Subtest: s\n    1..1\n    not ok 1\nnot ok 1 - s\n", &EXIT1, NULL,
            FO_FAILED, "not ok 1 - s");
    EXPECT (T, "1..1\n    1..1\n    not ok 1 # TODO x\nok 1 - s\n", &EXIT0, NULL, FO_PASSED, "");
    /* How it ended beats what it printed. */
    fo_proc_status killed = { .signal = SIGSEGV };
    EXPECT (T, "1..2\nok 1\n", &killed, NULL, FO_CRASHED, "SIGSEGV");
    fo_proc_status late = { .timed_out = true, .signal = SIGTERM };
    EXPECT (T, "1..2\nok 1\n", &late, NULL, FO_TIMEOUT, "timed out");
    /* A stream that prints nothing at all. */
    EXPECT (T, "", &EXIT0, NULL, FO_FAILED, "no plan");
}

static void
test_cmocka_verdicts (void **state)
{
    (void) state;
    const fo_reader C = FO_READER_CMOCKA;
    /* cmocka 1.1's own TAP: a plan per group, skip as "not ok # SKIP". */
    EXPECT (C, "1..2\nok 1 - t_pass\nnot ok 2 # SKIP t_skip\n# ok - alpha\n"
               "1..1\nok 1 - t_pass\n# ok - beta\n", &EXIT0, NULL, FO_PASSED, "");
    EXPECT (C, "1..2\nok 1 - a\nnot ok 2 - t_fail\n# 0x1 != 0x2\n# t.c:8: error: Failure!\n"
               "# not ok - beta\n", &EXIT1, NULL, FO_FAILED,
            "not ok 2 - t_fail: 0x1 != 0x2 t.c:8: error: Failure!");
    EXPECT (C, "1..1\nnot ok 1 # SKIP t_skip\n# ok - g\n", &EXIT0, NULL, FO_SKIPPED, "t_skip");
    /* A crash part-way: the group's plan is not met, and it crashed. */
    fo_proc_status abrt = { .signal = SIGABRT };
    EXPECT (C, "1..3\nok 1 - a\n", &abrt, NULL, FO_CRASHED, "planned 3 tests but 1 ran");
    /* The plain TAP reader refuses a second plan; this one does not. */
    EXPECT (FO_READER_TAP, "1..1\nok 1\n1..1\nok 1\n", &EXIT0, NULL, FO_FAILED, "second plan");
}

/* Each point a joined test of its own, with exactly one outcome, and the
   points a plan promised but the program never printed as errors. */
static void
test_tap_points (void **state)
{
    (void) state;
    const fo_reader T = FO_READER_TAP;
    EXPECT_POINTS (T, "TAP version 14\n1..6\nok 1 - a\nok 2 - b # SKIP not here\n"
                      "not ok 3 - c # TODO later\nok 4 - d # TODO soon\nnot ok 5 - e\n"
                      "  ---\n  message: expected 1, got 2\n  ...\nnot ok 6 - f\n# why\n#  more\n",
                   &EXIT1,
                   "a passed: \n"
                   "b skipped: not here\n"
                   "c skipped: TODO: an expected failure: later\n"
                   "d passed: TODO passed unexpectedly: soon\n"
                   "e failed: expected 1, got 2\n"
                   "f failed: why more\n");
    /* No description: "test N"; a repeated one, or the program's own
       test's name, gets a counter. */
    EXPECT_POINTS (T, "1..4\nok 1\nok 2 - x\nok 3 - x\nok 4 - all\n", &EXIT0,
                   "test 1 passed: \nx passed: \nx (2) passed: \nall (2) passed: \n");
    /* A failed point with nothing said. */
    EXPECT_POINTS (T, "1..1\nnot ok 1 - z\n", &EXIT1, "z failed: not ok\n");
    /* Hostile names: control characters escaped, whitespace trimmed, the
       length bounded. */
    EXPECT_POINTS (T, "1..2\nok 1 - \x1b[2Jx\x7f \nok 2 -    \n", &EXIT0,
                   "\\x1B[2Jx\\x7F passed: \ntest 2 passed: \n");
    fo_buf big = { 0 };
    fo_buf_puts (&big, "1..1\nok 1 - ");
    for (int i = 0; i < 1000; i++)
        fo_buf_puts (&big, "0123456789");
    fo_buf_puts (&big, "\n");
    verdict v = judge (T, big.data, &EXIT0, NULL);
    assert_int_equal (v.njoined, 1);
    assert_true (strlen (v.joined.data) < FO_READ_JOINED_NAME + 40);
    assert_non_null (strstr (v.joined.data, "..."));
    free (v.message);
    fo_buf_free (&v.joined);
    fo_buf_free (&big);
    /* A plan not met: the missing points are errors; so after Bail out!
       and a crash, saying why. */
    EXPECT_POINTS (T, "1..3\nok 1 - a\n", &EXIT0,
                   "a passed: \ntest 2 error: planned 3 tests but 1 ran\n"
                   "test 3 error: planned 3 tests but 1 ran\n");
    EXPECT_POINTS (T, "1..3\nok 1 - a\nBail out! no network\nok 2 - b\n", &EXIT0,
                   "a passed: \ntest 2 error: Bail out! no network\n"
                   "test 3 error: Bail out! no network\n");
    fo_proc_status killed = { .signal = SIGSEGV };
    EXPECT_POINTS (T, "1..2\nok 1 - a\n", &killed,
                   "a passed: \ntest 2 error: no result: the program ended first (killed by "
                   "SIGSEGV)\n");
    /* Nothing printed, a skip-all plan: no points (the program's test says). */
    EXPECT_POINTS (T, "", &EXIT0, "");
    EXPECT_POINTS (T, "1..0 # SKIP no db\n", &EXIT0, "");
    /* Subtests: judged by the point that closes them. */
    EXPECT_POINTS (T, "1..1\n# Subtest: s\n    1..1\n    not ok 1 - in\nnot ok 1 - s\n", &EXIT1,
                   "s failed: not ok\n");
    /* A plan of a billion: the errors stop at the limit, which the
       program's own test then says. */
    verdict huge = judge (T, "1..1000000000\nok 1\n", &EXIT0, NULL);
    assert_int_equal (huge.njoined, FO_READ_MAX_JOINED);
    assert_int_equal (huge.outcome, FO_ERROR);
    assert_non_null (strstr (huge.message, "the program reported 1000000000 tests of its own: "
                                           "only the first 50000 are in the report"));
    assert_non_null (strstr (huge.message, "planned 1000000000 tests but 1 ran"));
    free (huge.message);
    fo_buf_free (&huge.joined);
}

/* cmocka: a context per group, named by the group's summary comment. */
static void
test_cmocka_points (void **state)
{
    (void) state;
    const fo_reader C = FO_READER_CMOCKA;
    EXPECT_POINTS (C, "1..2\nok 1 - t_pass\nnot ok 2 # SKIP t_skip\n# ok - alpha\n"
                      "1..2\nok 1 - t_pass\nnot ok 2 - t_fail\n# 0x1 != 0x2\n"
                      "# not ok - beta\n", &EXIT1,
                   "alpha/t_pass passed: \nalpha/t_skip skipped: skipped\n"
                   "beta/t_pass passed: \nbeta/t_fail failed: 0x1 != 0x2\n");
    /* A crash part-way: the group has no name, its missing tests are errors. */
    fo_proc_status abrt = { .signal = SIGABRT };
    EXPECT_POINTS (C, "1..1\nok 1 - a\n# ok - g\n1..3\nok 1 - b\n", &abrt,
                   "g/a passed: \ngroup 2/b passed: \n"
                   "group 2/test 2 error: no result: the program ended first (killed by SIGABRT)\n"
                   "group 2/test 3 error: no result: the program ended first (killed by SIGABRT)\n");
}

static void
test_glib_verdicts (void **state)
{
    (void) state;
    const fo_reader G = FO_READER_GLIB;
    /* Only the point of the path counts: the children -s skipped do not. */
    EXPECT (G, "ok 1 /a\n# Start of a tests\nok 2 /a/b # SKIP by request (-s option)\n1..2\n",
            &EXIT0, "/a", FO_PASSED, "");
    EXPECT (G, "ok 1 /a/b # SKIP by request (-s option)\nok 2 /a # SKIP no network\n1..2\n",
            &EXIT0, "/a", FO_SKIPPED, "no network");
    EXPECT (G, "not ok 1 /incomplete # TODO not written yet\n1..1\n", &EXIT0, "/incomplete",
            FO_SKIPPED, "TODO: 1 - /incomplete: not written yet");
    /* A g_assert: Bail out! and SIGABRT is a failure with its message. */
    fo_proc_status abrt = { .signal = SIGABRT };
    EXPECT (G, "# Start of bad tests\nBail out! ERROR:t.c:26:fail: assertion failed (1 == 2)\n",
            &abrt, "/bad/fail", FO_FAILED, "assertion failed (1 == 2)");
    /* abort() with no Bail out!: a crash. */
    EXPECT (G, "# Start of bad tests\n", &abrt, "/bad/crash", FO_CRASHED, "SIGABRT");
    /* Exit 0 with no point for the path: an error of the stream. */
    EXPECT (G, "ok 1 /other\n1..1\n", &EXIT0, "/a", FO_FAILED, "no result for /a");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_lines),
        cmocka_unit_test (test_parse_skip_all_and_yaml_errors),
        cmocka_unit_test (test_parse_limits),
        cmocka_unit_test (test_tap_verdicts),
        cmocka_unit_test (test_cmocka_verdicts),
        cmocka_unit_test (test_tap_points),
        cmocka_unit_test (test_cmocka_points),
        cmocka_unit_test (test_glib_verdicts),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
