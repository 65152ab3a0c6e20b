/*  fo_report: one outcome per test, counts, exit statuses, the console
    progress and summary, and the JSON report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>
#include <unistd.h>

#include "fo_report.h"
#include "fo_report_dest.h"
#include "fo_reporter.h"

/*  Output capture: open_memstream gives a FILE* whose bytes we can compare. */
typedef struct {
    FILE *file;
    char *data;
    size_t len;
} capture;

static void
capture_open (capture *c)
{
    memset (c, 0, sizeof *c);
    c->file = open_memstream (&c->data, &c->len);
    assert_non_null (c->file);
}

/*  Closes the stream; the text stays in c->data (free it). */
static char *
capture_close (capture *c)
{
    fclose (c->file);
    return c->data;
}

static fo_test_result_view
result (fo_outcome outcome)
{
    fo_test_result_view r = { .outcome = outcome, .duration_us = 120000 };
    return r;
}

/*  A report of n tests named t0, t1, ... in context "ctx". */
static fo_report *
report_of (size_t n)
{
    fo_report *rep = fo_report_new (n);
    for (size_t i = 0; i < n; i++) {
        char id[32];
        snprintf (id, sizeof id, "t%zu", i);
        fo_report_set_test (rep, i, id, "ctx");
    }
    return rep;
}

static void
test_finish_once (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (2);
    fo_test_result_view r = result (FO_FAILED);
    r.message = "exit status 1";
    r.out = "first";
    r.out_len = 5;
    r.host = "hostA";
    r.worker = 3;
    r.attempt = 1;
    assert_true (fo_report_finish_test (rep, 0, &r));

    fo_test_result_view again = result (FO_PASSED);
    again.message = "second";
    again.out = "other";
    again.out_len = 5;
    again.host = "hostB";
    assert_false (fo_report_finish_test (rep, 0, &again));
    const fo_test_record *rec = fo_report_test (rep, 0);
    assert_true (rec->done);
    assert_int_equal (rec->outcome, FO_FAILED);
    assert_string_equal (rec->message, "exit status 1");
    assert_string_equal (rec->host, "hostA");
    assert_int_equal (rec->out_len, 5);
    assert_memory_equal (rec->out, "first", 5);
    assert_int_equal (rec->worker, 3);
    assert_string_equal (rec->id, "t0");
    assert_string_equal (rec->context, "ctx");

    /* Out of range: refused, nothing touched. */
    assert_false (fo_report_finish_test (rep, 2, &again));
    assert_false (fo_report_test (rep, 1)->done);

    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (rep, c);
    assert_int_equal (c[FO_FAILED], 1);
    assert_int_equal (c[FO_PASSED], 0);
    fo_report_destroy (&rep);
}

static void
test_counts (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (10);
    const fo_outcome outcomes[] = { FO_PASSED, FO_PASSED, FO_FAILED, FO_ERROR, FO_SKIPPED,
                                    FO_TIMEOUT, FO_CRASHED, FO_NOT_RUN, FO_PASSED };
    for (size_t i = 0; i < sizeof outcomes / sizeof outcomes[0]; i++) {
        fo_test_result_view r = result (outcomes[i]);
        assert_true (fo_report_finish_test (rep, i, &r));
    }
    /* test 9 never gets a result: it must count as not run, not as passed */
    size_t c[FO_OUTCOME_COUNT];
    fo_report_counts (rep, c);
    assert_int_equal (c[FO_PASSED], 3);
    assert_int_equal (c[FO_FAILED], 1);
    assert_int_equal (c[FO_ERROR], 1);
    assert_int_equal (c[FO_SKIPPED], 1);
    assert_int_equal (c[FO_TIMEOUT], 1);
    assert_int_equal (c[FO_CRASHED], 1);
    assert_int_equal (c[FO_NOT_RUN], 2);
    fo_report_destroy (&rep);
}

/*  The exit status of a report of two tests with these outcomes. */
static int
status_of (fo_outcome a, fo_outcome b, bool fixture_error)
{
    fo_report *rep;
    rep = report_of (2);
    fo_test_result_view ra = result (a), rb = result (b);
    fo_report_finish_test (rep, 0, &ra);
    fo_report_finish_test (rep, 1, &rb);
    if (fixture_error)
        fo_report_add_fixture_error (rep, "ctx", "teardown", "exit status 2", NULL, 0, NULL, 0,
                                     "broker");
    int status = fo_report_exit_status (rep);
    fo_report_destroy (&rep);
    return status;
}

static void
test_exit_status (void **state)
{
    (void) state;
    assert_int_equal (status_of (FO_PASSED, FO_PASSED, false), FO_EXIT_OK);
    assert_int_equal (status_of (FO_PASSED, FO_SKIPPED, false), FO_EXIT_OK);
    assert_int_equal (status_of (FO_SKIPPED, FO_SKIPPED, false), FO_EXIT_OK);
    assert_int_equal (status_of (FO_PASSED, FO_FAILED, false), FO_EXIT_FAILED);
    assert_int_equal (status_of (FO_PASSED, FO_ERROR, false), FO_EXIT_FAILED);
    assert_int_equal (status_of (FO_TIMEOUT, FO_PASSED, false), FO_EXIT_FAILED);
    assert_int_equal (status_of (FO_CRASHED, FO_SKIPPED, false), FO_EXIT_FAILED);
    assert_int_equal (status_of (FO_PASSED, FO_PASSED, true), FO_EXIT_FAILED);
    assert_int_equal (status_of (FO_PASSED, FO_NOT_RUN, false), FO_EXIT_INFRA);
    /* infra wins over failed */
    assert_int_equal (status_of (FO_FAILED, FO_NOT_RUN, true), FO_EXIT_INFRA);

    /* a test without a result is not run */
    fo_report *rep;
    rep = report_of (2);
    fo_test_result_view r = result (FO_PASSED);
    fo_report_finish_test (rep, 0, &r);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_INFRA);
    fo_report_finish_test (rep, 1, &r);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_OK);
    fo_report_destroy (&rep);

    /* a disabled test's not_run (gtest's DISABLED_) is its own verdict:
       not the infrastructure's; another test's not_run still is */
    rep = report_of (2);
    fo_test_result_view off = result (FO_NOT_RUN);
    off.disabled = true;
    fo_report_finish_test (rep, 0, &off);
    fo_report_finish_test (rep, 1, &r);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_OK);
    fo_report_destroy (&rep);
    rep = report_of (2);
    fo_report_finish_test (rep, 0, &off);
    fo_test_result_view lost = result (FO_NOT_RUN);
    fo_report_finish_test (rep, 1, &lost);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_INFRA);
    fo_report_destroy (&rep);

    /* no tests at all: nothing failed */
    rep = report_of (0);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_OK);
    fo_report_destroy (&rep);
}

static char *
progress_text (fo_verbosity verbosity, fo_outcome outcome, const char *message)
{
    fo_test_record rec = { .id = (char *) "ctx/t1", .context = (char *) "ctx", .done = true,
                           .outcome = outcome, .duration_us = 123456,
                           .message = (char *) message, .host = (char *) "h" };
    capture c;
    capture_open (&c);
    fo_report_progress (c.file, verbosity, &rec);
    return capture_close (&c);
}

static void
test_progress_dots (void **state)
{
    (void) state;
    const char expected[FO_OUTCOME_COUNT] = { '.', 'F', 'E', 'S', 'T', 'C', 'N' };
    for (int o = 0; o < FO_OUTCOME_COUNT; o++) {
        char *text = progress_text (FO_VERBOSITY_DOTS, (fo_outcome) o, "why\nmore");
        assert_int_equal (strlen (text), 1);
        assert_int_equal (text[0], expected[o]);
        free (text);
        text = progress_text (FO_VERBOSITY_QUIET, (fo_outcome) o, "why");
        assert_string_equal (text, "");
        free (text);
    }
    /* a record that never got its outcome shows as not run */
    fo_test_record rec = { .id = (char *) "x", .outcome = FO_PASSED, .done = false };
    capture c;
    capture_open (&c);
    fo_report_progress (c.file, FO_VERBOSITY_DOTS, &rec);
    char *text = capture_close (&c);
    assert_string_equal (text, "N");
    free (text);
}

static void
test_progress_lines (void **state)
{
    (void) state;
    const char *expected[FO_OUTCOME_COUNT] = {
        "ctx/t1 ... ok (0.12s)\n",
        "ctx/t1 ... FAIL (0.12s)\n",
        "ctx/t1 ... ERROR (0.12s)\n",
        "ctx/t1 ... skipped: no network (0.12s)\n",
        "ctx/t1 ... TIMEOUT (0.12s)\n",
        "ctx/t1 ... CRASHED (0.12s)\n",
        "ctx/t1 ... not run: no network (0.12s)\n",
    };
    for (int o = 0; o < FO_OUTCOME_COUNT; o++) {
        char *text = progress_text (FO_VERBOSITY_LINES, (fo_outcome) o, "no network\nsecond line");
        assert_string_equal (text, expected[o]);
        free (text);
    }
    /* no message: just the word */
    char *text = progress_text (FO_VERBOSITY_LINES, FO_SKIPPED, NULL);
    assert_string_equal (text, "ctx/t1 ... skipped (0.12s)\n");
    free (text);
}

static char *
summary_text (const fo_report *rep, fo_verbosity verbosity)
{
    capture c;
    capture_open (&c);
    fo_report_print_summary (c.file, rep, verbosity);
    return capture_close (&c);
}

#define EQ70 "======================================================================\n"
#define DASH70 "----------------------------------------------------------------------\n"

static void
test_summary_blocks (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (4);
    fo_report_set_started_us (rep, 1000000);
    fo_report_set_finished_us (rep, 2500000);      /* 1.5 s, 4 tests: 2.67 tests/s -> 3 */

    fo_test_result_view r = result (FO_PASSED);
    fo_report_finish_test (rep, 0, &r);

    r = result (FO_FAILED);
    r.message = "exit status 1";
    r.host = "hostA";
    r.worker = 2;
    r.attempt = 1;
    r.out = "hello\n";
    r.out_len = 6;
    r.err = "oops\0!";              /* no final newline, a NUL inside */
    r.err_len = 6;
    fo_report_finish_test (rep, 1, &r);

    r = result (FO_TIMEOUT);
    r.message = "killed after 5s";
    r.host = "hostB";               /* worker unknown (0): left out */
    r.attempt = 2;
    fo_report_finish_test (rep, 2, &r);

    r = result (FO_NOT_RUN);
    r.message = "agent lost";
    r.attempt = 3;
    fo_report_finish_test (rep, 3, &r);

    fo_report_add_fixture_error (rep, "db", "setup", "exit status 4", "starting\n", 9, NULL, 0,
                                 "broker");

    const char expected[] =
        "\n"
        EQ70
        "FAIL: t1\n"
        DASH70
        "exit status 1 [on hostA worker 2, attempt 1]\n"
        "-------------------- >> begin captured stdout << ---------------------\n"
        "hello\n"
        "--------------------- >> end captured stdout << ----------------------\n"
        "-------------------- >> begin captured stderr << ---------------------\n"
        "oops\0!\n"
        "--------------------- >> end captured stderr << ----------------------\n"
        EQ70
        "TIMEOUT: t2\n"
        DASH70
        "killed after 5s [on hostB, attempt 2]\n"
        EQ70
        "ERROR: db (setup)\n"
        DASH70
        "exit status 4 [on broker]\n"
        "-------------------- >> begin captured stdout << ---------------------\n"
        "starting\n"
        "--------------------- >> end captured stdout << ----------------------\n"
        EQ70
        "NOT RUN: t3: agent lost\n"
        /* two hosts ran tests: their totals (issue 13, item 2) */
        EQ70
        "HOSTS\n"
        "  hostA: 1 test, 0.12s busy, 1 failure, 0 crashes, 0 lost leases\n"
        "  hostB: 1 test, 0.12s busy, 1 failure, 0 crashes, 0 lost leases\n"
        DASH70
        "Ran 3 tests in 1.500s (2 tests/s)\n"
        "\n"
        "FAILED (failures=1, errors=0, timeouts=1, not run=1, fixture errors=1)\n"
        "1 passed, 1 failed, 0 errors, 0 skipped, 1 timed out, 1 not run\n";

    capture c;
    capture_open (&c);
    fo_report_print_summary (c.file, rep, FO_VERBOSITY_DOTS);
    fclose (c.file);
    assert_int_equal (c.len, sizeof expected - 1);
    assert_memory_equal (c.data, expected, sizeof expected - 1);
    free (c.data);

    /* the rule lines are exactly 70 wide, as nose draws them */
    assert_int_equal (strlen ("-------------------- >> begin captured stdout << ---------------------"), 70);
    assert_int_equal (strlen ("--------------------- >> end captured stdout << ----------------------"), 70);

    /* quiet and -v: no newline first */
    char *text = summary_text (rep, FO_VERBOSITY_QUIET);
    assert_memory_equal (text, EQ70, 71);
    free (text);
    text = summary_text (rep, FO_VERBOSITY_LINES);
    assert_memory_equal (text, EQ70, 71);
    free (text);
    fo_report_destroy (&rep);
}

static void
test_summary_ok (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (3);
    fo_report_set_started_us (rep, 10);
    fo_report_set_finished_us (rep, 10 + 250000);  /* 0.25 s, 3 tests: 12 tests/s */
    fo_test_result_view r = result (FO_PASSED);
    for (size_t i = 0; i < 3; i++)
        fo_report_finish_test (rep, i, &r);
    char *text = summary_text (rep, FO_VERBOSITY_DOTS);
    assert_string_equal (text, "\n" DASH70 "Ran 3 tests in 0.250s (12 tests/s)\n\nOK\n"
                               "3 passed, 0 failed, 0 errors, 0 skipped\n");
    free (text);
    text = summary_text (rep, FO_VERBOSITY_QUIET);
    assert_string_equal (text, DASH70 "Ran 3 tests in 0.250s (12 tests/s)\n\nOK\n"
                               "3 passed, 0 failed, 0 errors, 0 skipped\n");
    free (text);
    fo_report_destroy (&rep);

    /* skipped tests keep it OK, and are named */
    rep = report_of (2);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 2000000);
    fo_report_finish_test (rep, 0, &r);
    r = result (FO_SKIPPED);
    r.message = "not on this platform";
    fo_report_finish_test (rep, 1, &r);
    text = summary_text (rep, FO_VERBOSITY_LINES);
    assert_string_equal (text, DASH70 "Ran 2 tests in 2.000s (1 tests/s)\n\nOK (skipped=1)\n"
                               "1 passed, 0 failed, 0 errors, 1 skipped\n");
    free (text);
    fo_report_destroy (&rep);

    /* nothing to run, and a zero-length run: no division by zero */
    rep = report_of (0);
    fo_report_set_started_us (rep, 5);
    fo_report_set_finished_us (rep, 5);
    text = summary_text (rep, FO_VERBOSITY_DOTS);
    assert_string_equal (text, DASH70 "Ran 0 tests in 0.000s (0 tests/s)\n\nOK\n"
                               "0 passed, 0 failed, 0 errors, 0 skipped\n");
    free (text);
    fo_report_destroy (&rep);
}

static void
test_summary_failed_variants (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (6);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 1000000);
    const fo_outcome outcomes[] = { FO_PASSED, FO_ERROR, FO_SKIPPED, FO_CRASHED, FO_CRASHED,
                                    FO_ERROR };
    for (size_t i = 0; i < 6; i++) {
        fo_test_result_view r = result (outcomes[i]);
        fo_report_finish_test (rep, i, &r);
    }
    fo_report_set_interrupted (rep, true);
    char *text = summary_text (rep, FO_VERBOSITY_QUIET);
    const char *tail = DASH70 "Ran 6 tests in 1.000s (6 tests/s)\n\n"
                       "FAILED (failures=0, errors=2, skipped=1, crashed=2)\n"
                       "INTERRUPTED\n"
                       "1 passed, 0 failed, 2 errors, 1 skipped, 2 crashed\n";
    assert_true (strlen (text) > strlen (tail));
    assert_string_equal (text + strlen (text) - strlen (tail), tail);
    /* blocks: in test order, ERROR and CRASHED titles, no message line */
    const char *e1 = strstr (text, "ERROR: t1\n" DASH70 EQ70 "CRASHED: t3\n");
    assert_non_null (e1);
    assert_non_null (strstr (text, "CRASHED: t4\n" DASH70 EQ70 "ERROR: t5\n" DASH70 DASH70 "Ran"));
    assert_null (strstr (text, "t0"));
    assert_null (strstr (text, "t2"));
    free (text);
    fo_report_destroy (&rep);

    /* a fixture error alone fails the run; failures and errors still shown */
    rep = report_of (1);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 1000000);
    fo_test_result_view r = result (FO_PASSED);
    fo_report_finish_test (rep, 0, &r);
    fo_report_add_fixture_error (rep, "", "teardown", NULL, NULL, 0, NULL, 0, NULL);
    text = summary_text (rep, FO_VERBOSITY_QUIET);
    assert_string_equal (text, EQ70 "ERROR: <root> (teardown)\n" DASH70 DASH70
                               "Ran 1 test in 1.000s (1 tests/s)\n\n"
                               "FAILED (failures=0, errors=0, fixture errors=1)\n"
                               "1 passed, 0 failed, 0 errors, 0 skipped\n");
    free (text);
    fo_report_destroy (&rep);
}

static json_t *
object_at (json_t *array, size_t i)
{
    json_t *v = json_array_get (array, i);
    assert_true (json_is_object (v));
    return v;
}

static void
assert_json_string (json_t *obj, const char *key, const char *expected)
{
    json_t *v = json_object_get (obj, key);
    assert_true (json_is_string (v));
    assert_string_equal (json_string_value (v), expected);
}

static void
assert_json_int (json_t *obj, const char *key, json_int_t expected)
{
    json_t *v = json_object_get (obj, key);
    assert_true (json_is_integer (v));
    assert_int_equal (json_integer_value (v), expected);
}

static size_t
count_dir_entries (const char *dir)
{
    DIR *d = opendir (dir);
    assert_non_null (d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir (d)))
        if (strcmp (e->d_name, ".") && strcmp (e->d_name, ".."))
            n++;
    closedir (d);
    return n;
}

static void
test_json (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-test-report-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *path = fo_xasprintf ("%s/report.json", dir);

    fo_report *rep;
    rep = report_of (3);
    fo_report_set_suite (rep, "suite.yaml");
    fo_report_set_jobs (rep, 4);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 2500000);

    fo_test_result_view r = result (FO_PASSED);
    r.host = "hostA";
    r.worker = 1;
    r.attempt = 1;
    r.serial = true;
    /* invalid UTF-8 (a lone 0xFF, a cut-off 3-byte sequence, a surrogate),
       a NUL, and valid multi-byte text */
    static const char out[] = "a\xff" "b\xe2\x82" "c\0d\xed\xa0\x80" "\xc3\xa9";
    r.out = out;
    r.out_len = sizeof out - 1;
    r.err = "e";
    r.err_len = 1;
    fo_report_finish_test (rep, 0, &r);
    r = result (FO_FAILED);
    r.message = "exit status 1";
    fo_report_finish_test (rep, 1, &r);
    /* test 2 never finishes */
    fo_report_add_fixture_error (rep, "db", "setup", "boom", "x", 1, NULL, 0, "broker");

    char err[256] = "";
    assert_int_equal (fo_report_write_json (rep, path, err, sizeof err), 0);
    assert_int_equal (count_dir_entries (dir), 1);     /* no temporary left */

    json_error_t jerr;
    json_t *root = json_load_file (path, JSON_ALLOW_NUL, &jerr);
    assert_non_null (root);
    assert_json_int (root, "fanout_report", 1);
    assert_json_string (root, "suite", "suite.yaml");
    assert_true (json_is_false (json_object_get (root, "interrupted")));
    assert_true (json_is_real (json_object_get (root, "duration_s")));
    assert_true (json_real_value (json_object_get (root, "duration_s")) == 2.5);
    assert_json_int (root, "jobs", 4);
    assert_json_int (root, "exit_status", FO_EXIT_INFRA);

    json_t *totals = json_object_get (root, "totals");
    assert_json_int (totals, "tests", 3);
    assert_json_int (totals, "passed", 1);
    assert_json_int (totals, "failed", 1);
    assert_json_int (totals, "error", 0);
    assert_json_int (totals, "skipped", 0);
    assert_json_int (totals, "timeout", 0);
    assert_json_int (totals, "crashed", 0);
    assert_json_int (totals, "not_run", 1);
    assert_json_int (totals, "fixture_errors", 1);

    json_t *tests = json_object_get (root, "tests");
    assert_int_equal (json_array_size (tests), 3);
    json_t *t0 = object_at (tests, 0);
    assert_json_string (t0, "id", "t0");
    assert_json_string (t0, "context", "ctx");
    assert_json_string (t0, "outcome", "passed");
    assert_true (json_real_value (json_object_get (t0, "duration_s")) == 0.12);
    assert_json_string (t0, "host", "hostA");
    assert_json_int (t0, "worker", 1);
    assert_json_int (t0, "attempt", 1);
    assert_true (json_is_true (json_object_get (t0, "serial")));
    assert_true (json_is_null (json_object_get (t0, "message")));
    json_t *sout = json_object_get (t0, "stdout");
    static const char want[] = "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\0d\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                               "\xc3\xa9";
    assert_int_equal (json_string_length (sout), sizeof want - 1);
    assert_memory_equal (json_string_value (sout), want, sizeof want - 1);
    assert_json_string (t0, "stderr", "e");

    json_t *t1 = object_at (tests, 1);
    assert_json_string (t1, "outcome", "failed");
    assert_json_string (t1, "message", "exit status 1");
    assert_true (json_is_null (json_object_get (t1, "host")));
    assert_json_string (t1, "stdout", "");
    assert_true (json_is_false (json_object_get (t1, "serial")));

    json_t *t2 = object_at (tests, 2);
    assert_json_string (t2, "outcome", "not_run");
    assert_true (json_is_string (json_object_get (t2, "message")));

    json_t *fes = json_object_get (root, "fixture_errors");
    assert_int_equal (json_array_size (fes), 1);
    json_t *fe = object_at (fes, 0);
    assert_json_string (fe, "context", "db");
    assert_json_string (fe, "phase", "setup");
    assert_json_string (fe, "message", "boom");
    assert_json_string (fe, "host", "broker");
    assert_json_string (fe, "stdout", "x");
    assert_json_string (fe, "stderr", "");
    json_decref (root);

    /* the NUL is written as \u0000 in the file itself */
    FILE *f = fopen (path, "r");
    assert_non_null (f);
    char text[8192];
    size_t n = fread (text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose (f);
    assert_non_null (strstr (text, "c\\u0000d"));

    /* a second write replaces the file */
    fo_report_set_interrupted (rep, true);
    assert_int_equal (fo_report_write_json (rep, path, err, sizeof err), 0);
    root = json_load_file (path, JSON_ALLOW_NUL, &jerr);
    assert_non_null (root);
    assert_true (json_is_true (json_object_get (root, "interrupted")));
    json_decref (root);
    assert_int_equal (count_dir_entries (dir), 1);

    unlink (path);
    rmdir (dir);
    free (path);
    fo_report_destroy (&rep);
}

static void
test_json_write_error (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_of (1);
    char err[256] = "";
    assert_int_equal (fo_report_write_json (rep, "/nonexistent-dir-fo/r.json", err, sizeof err), -1);
    assert_string_equal (err, "--json '/nonexistent-dir-fo/r.json': directory '/nonexistent-dir-fo' "
                              "does not exist");
    fo_report_destroy (&rep);
}

/* ---- retries, flaky tests and early stops ------------------------------- */

/*  t0: failed, then passed on another host (flaky); t1: failed twice (its
    retry never came: the run stopped); t2: not run. */
static fo_report *
report_with_tries (void)
{
    fo_report *rep = report_of (3);
    fo_test_result_view r = result (FO_FAILED);
    r.message = "exit status 1";
    r.host = "h1";
    r.worker = 2;
    r.attempt = 1;
    r.out = "first try\n";
    r.out_len = 10;
    assert_true (fo_report_retry_test (rep, 0, &r));
    assert_true (fo_report_retry_test (rep, 1, &r));
    r.attempt = 2;
    r.out = "again\n";
    r.out_len = 6;
    assert_true (fo_report_retry_test (rep, 1, &r));
    fo_test_result_view p = result (FO_PASSED);
    p.host = "h2";
    p.worker = 1;
    p.attempt = 2;
    assert_true (fo_report_finish_test (rep, 0, &p));
    assert_false (fo_report_retry_test (rep, 0, &r));     /* done: no more tries */
    assert_true (fo_report_finish_last_try (rep, 1));
    assert_false (fo_report_finish_last_try (rep, 1));
    assert_false (fo_report_finish_last_try (rep, 2));    /* no try at all */
    fo_test_result_view n = result (FO_NOT_RUN);
    n.message = "not run (interrupted)";
    n.attempt = 1;          /* leased, cancelled before it ran: no try */
    assert_true (fo_report_finish_test (rep, 2, &n));
    return rep;
}

/* A test tried once keeps no array of tries: its one try is the record's
   own fields (a run of 200,000 tests kept 72 B more a test before), and
   every try still reads back as it was given, the final one last. */
static void
test_one_try_no_array (void **state)
{
    (void) state;
    fo_report *rep = report_of (2);
    fo_test_result_view f = result (FO_FAILED);
    f.message = "exit status 1";
    f.host = "h1";
    f.worker = 3;
    f.attempt = 1;
    f.duration_us = 1500;
    f.out = "out\n";
    f.out_len = 4;
    assert_true (fo_report_finish_test (rep, 0, &f));
    const fo_test_record *t0 = fo_report_test (rep, 0);
    assert_int_equal (t0->nattempts, 1);
    assert_null (t0->extra);         /* nor anything out of line */
    fo_attempt a = fo_report_try (t0, 0);
    assert_int_equal (a.attempt, 1);
    assert_int_equal (a.outcome, FO_FAILED);
    assert_int_equal (a.duration_us, 1500);
    assert_string_equal (a.message, "exit status 1");
    assert_string_equal (a.host, "h1");
    assert_int_equal (a.worker, 3);
    assert_null (a.out);                        /* the final try's is the record's */
    assert_memory_equal (t0->out, "out\n", 4);
    /* A retried try, then the final one: the array holds the first only. */
    f.out = "first\n";
    f.out_len = 6;
    assert_true (fo_report_retry_test (rep, 1, &f));
    fo_test_result_view p = result (FO_PASSED);
    p.host = "h2";
    p.worker = 1;
    p.attempt = 2;
    assert_true (fo_report_finish_test (rep, 1, &p));
    const fo_test_record *t1 = fo_report_test (rep, 1);
    assert_int_equal (t1->nattempts, 2);
    assert_true (t1->flaky);
    assert_int_equal (fo_report_try (t1, 0).outcome, FO_FAILED);
    assert_int_equal (fo_report_try (t1, 0).out_len, 6);
    assert_int_equal (fo_report_try (t1, 1).outcome, FO_PASSED);
    assert_int_equal (fo_report_try (t1, 1).attempt, 2);
    assert_string_equal (fo_report_try (t1, 1).host, "h2");
    fo_report_destroy (&rep);
}

static void
test_tries_and_flaky (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_with_tries ();
    const fo_test_record *t0 = fo_report_test (rep, 0), *t1 = fo_report_test (rep, 1), *t2 = fo_report_test (rep, 2);
    assert_true (t0->flaky);
    assert_int_equal (t0->outcome, FO_PASSED);
    assert_int_equal (t0->nattempts, 2);
    assert_string_equal (fo_report_retried (t0)[0].host, "h1");
    assert_int_equal (fo_report_retried (t0)[0].out_len, 10);
    assert_string_equal (fo_report_try (t0, 1).host, "h2");
    assert_false (t1->flaky);
    assert_int_equal (t1->outcome, FO_FAILED);
    assert_int_equal (t1->attempt, 2);
    assert_int_equal (t1->out_len, 6);          /* the last try's output moved */
    assert_memory_equal (t1->out, "again\n", 6);
    assert_null (fo_report_retried (t1)[1].out);
    assert_int_equal (t1->nattempts, 2);
    assert_int_equal (t2->nattempts, 0);        /* never ran: no attempt */
    assert_int_equal (t2->attempt, 1);
    assert_int_equal (fo_report_flaky_count (rep), 1);

    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_INFRA);
    fo_report_set_stop (rep, "stopped after 1 failure", true);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_FAILED);
    fo_report_set_interrupted (rep, true);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_INTERRUPTED);
    fo_report_destroy (&rep);

    /* flaky alone: passes, unless --fail-on-flaky */
    rep = report_of (1);
    fo_test_result_view r = result (FO_TIMEOUT);
    r.attempt = 1;
    assert_true (fo_report_retry_test (rep, 0, &r));
    r = result (FO_PASSED);
    r.attempt = 2;
    assert_true (fo_report_finish_test (rep, 0, &r));
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_OK);
    fo_report_set_fail_on_flaky (rep, true);
    assert_int_equal (fo_report_exit_status (rep), FO_EXIT_FAILED);
    fo_report_destroy (&rep);
}

static void
test_tries_on_the_console (void **state)
{
    (void) state;
    fo_report *rep;
    rep = report_with_tries ();
    capture c;
    capture_open (&c);
    fo_report_progress_retry (c.file, FO_VERBOSITY_DOTS, "t0", &fo_report_retried (fo_report_test (rep, 0))[0], 3);
    fo_report_progress_retry (c.file, FO_VERBOSITY_LINES, "t0", &fo_report_retried (fo_report_test (rep, 0))[0], 3);
    fo_report_progress (c.file, FO_VERBOSITY_LINES, fo_report_test (rep, 0));
    fo_report_progress_slow (c.file, FO_VERBOSITY_DOTS, true, NULL, "t3", 61500, 1500000, "h1");
    fo_report_progress_slow (c.file, FO_VERBOSITY_LINES, false, "setup of", "db", 2000, 0, NULL);
    fo_report_progress_slow (c.file, FO_VERBOSITY_QUIET, false, NULL, "t3", 2000, 0, NULL);
    char *text = capture_close (&c);
    assert_string_equal (text,
                         "R"
                         "t0 ... FAIL (attempt 1 of 3, retrying) (0.12s)\n"
                         "t0 ... FLAKY (passed on attempt 2) (0.12s)\n"
                         "\nSLOW: t3 has run 61.5s (timeout 1500.0s) [on h1]\n"
                         "SLOW: setup of db has run 2.0s\n");
    free (text);

    capture_open (&c);
    fo_report_set_finished_us (rep, fo_report_started_us (rep));
    fo_report_set_stop (rep, "stopped after 1 failure", true);
    fo_report_print_summary (c.file, rep, FO_VERBOSITY_QUIET);
    text = capture_close (&c);
    assert_non_null (strstr (text, "FLAKY: t0\n"));
    assert_non_null (strstr (text, "passed on attempt 2 [on h2 worker 1]\n"));
    assert_non_null (strstr (text, "attempt 1: FAIL: exit status 1 [on h1 worker 2]\n"));
    assert_non_null (strstr (text, "first try\n"));       /* the failed try's output */
    assert_non_null (strstr (text, "FAIL: t1\n"));
    assert_non_null (strstr (text, "STOPPED (stopped after 1 failure)\n"));
    assert_non_null (strstr (text, "flaky=1)\n"));
    assert_non_null (strstr (text, "1 passed, 1 failed, 0 errors, 0 skipped, 1 not run (1 flaky)\n"));
    free (text);
    fo_report_destroy (&rep);
}

static void
test_tries_in_json (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-test-report-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *path = fo_xasprintf ("%s/report.json", dir);
    fo_report *rep;
    rep = report_with_tries ();
    fo_report_set_stop (rep, "stopped after 1 failure", true);
    char err[256];
    assert_int_equal (fo_report_write_json (rep, path, err, sizeof err), 0);
    json_error_t jerr;
    json_t *root = json_load_file (path, 0, &jerr);
    assert_non_null (root);
    assert_json_string (root, "stop_reason", "stopped after 1 failure");
    assert_json_int (root, "exit_status", FO_EXIT_FAILED);
    assert_json_int (json_object_get (root, "totals"), "flaky", 1);
    json_t *tests = json_object_get (root, "tests");
    json_t *t0 = json_array_get (tests, 0);
    assert_true (json_is_true (json_object_get (t0, "flaky")));
    json_t *tries = json_object_get (t0, "attempts");
    assert_int_equal (json_array_size (tries), 2);
    json_t *a0 = json_array_get (tries, 0), *a1 = json_array_get (tries, 1);
    assert_json_int (a0, "attempt", 1);
    assert_json_string (a0, "outcome", "failed");
    assert_json_string (a0, "host", "h1");
    assert_json_int (a0, "worker", 2);
    assert_json_string (a0, "message", "exit status 1");
    assert_json_string (a0, "stdout", "first try\n");
    assert_json_string (a1, "outcome", "passed");
    assert_json_string (a1, "host", "h2");
    assert_true (json_is_null (json_object_get (a1, "message")));
    assert_null (json_object_get (a1, "stdout"));      /* it is the test's own */
    json_t *t2 = json_array_get (tests, 2);
    assert_true (json_is_false (json_object_get (t2, "flaky")));
    assert_int_equal (json_array_size (json_object_get (t2, "attempts")), 0);
    json_decref (root);
    unlink (path);
    rmdir (dir);
    free (path);
    fo_report_destroy (&rep);
}

/* ---- the reporters -------------------------------------------------------- */

static void
send (fo_reporters *list, fo_event ev, const fo_report *rep)
{
    ev.report = rep;
    fo_reporters_emit (list, &ev);
}

/*  The console reporter prints what the rendering functions print, when the
    events come: a dot per finished test, R per held try, a SLOW notice on a
    line of its own (after a newline when dots came before it), and the
    summary when the run has ended - only when it could be served. */
static void
test_console_reporter (void **state)
{
    (void) state;
    fo_report *rep = report_with_tries ();
    fo_report_set_finished_us (rep, fo_report_started_us (rep));
    for (int verbosity = FO_VERBOSITY_QUIET; verbosity <= FO_VERBOSITY_LINES; verbosity++) {
        capture got, want;
        capture_open (&got);
        capture_open (&want);
        fo_reporters *list = fo_reporters_new ();
        fo_reporters_add (list, fo_reporter_console_new (got.file, (fo_verbosity) verbosity));
        const fo_test_record *t0 = fo_report_test (rep, 0), *t1 = fo_report_test (rep, 1);
        send (list, (fo_event) { .type = FO_EVENT_RUN_STARTED, .u.run_started = { 3, 3 } }, rep);
        send (list, (fo_event) { .type = FO_EVENT_TRY_HELD,
                                 .u.try_held = { 0, t0, &fo_report_retried (t0)[0], 2 } }, rep);
        fo_report_progress_retry (want.file, (fo_verbosity) verbosity, "t0", &fo_report_retried (t0)[0], 2);
        send (list, (fo_event) { .type = FO_EVENT_TEST_FINISHED, .u.test_finished = { 0, t0 } },
              rep);
        fo_report_progress (want.file, (fo_verbosity) verbosity, t0);
        send (list, (fo_event) { .type = FO_EVENT_SLOW,
                                 .u.slow = { NULL, "t3", 61500, 0, "h1", 3, 0 } }, rep);
        fo_report_progress_slow (want.file, (fo_verbosity) verbosity,
                                 verbosity == FO_VERBOSITY_DOTS, NULL, "t3", 61500, 0, "h1");
        send (list, (fo_event) { .type = FO_EVENT_SLOW,
                                 .u.slow = { "setup of", "db", 2000, 0, NULL, 3, 0 } }, rep);
        fo_report_progress_slow (want.file, (fo_verbosity) verbosity, false, "setup of", "db",
                                 2000, 0, NULL);
        send (list, (fo_event) { .type = FO_EVENT_TESTS_DISCOVERED,
                                 .u.discovered = { "gen", 2, "h1", 5 } }, rep);
        if (verbosity == FO_VERBOSITY_LINES)
            fputs ("gen: discovered 2 tests on h1 (5 tests in all)\n", want.file);
        send (list, (fo_event) { .type = FO_EVENT_TEST_FINISHED, .u.test_finished = { 1, t1 } },
              rep);
        fo_report_progress (want.file, (fo_verbosity) verbosity, t1);
        assert_int_equal (fo_reporters_end (list, rep, true, NULL, NULL), 0);
        fo_report_print_summary (want.file, rep, (fo_verbosity) verbosity);
        char *g = capture_close (&got), *w = capture_close (&want);
        assert_string_equal (g, w);
        free (g);
        free (w);
        fo_reporters_destroy (&list);

        /* a run that could not be served: no summary */
        capture_open (&got);
        list = fo_reporters_new ();
        fo_reporters_add (list, fo_reporter_console_new (got.file, (fo_verbosity) verbosity));
        assert_int_equal (fo_reporters_end (list, rep, false, NULL, NULL), 0);
        g = capture_close (&got);
        assert_string_equal (g, "");
        free (g);
        fo_reporters_destroy (&list);
    }
    fo_report_destroy (&rep);
}

static void
collect_error (void *arg, const char *reporter, const char *err)
{
    snprintf (arg, 512, "%s: %s", reporter, err);
}

/*  The JSON reporter writes the report once the run has ended (served or
    not), and says why when it cannot. */
static void
test_json_reporter (void **state)
{
    (void) state;
    char dir[] = "/tmp/fo-test-report-XXXXXX";
    assert_non_null (mkdtemp (dir));
    char *path = fo_xasprintf ("%s/report.json", dir);
    fo_report *rep = report_with_tries ();
    fo_reporters *list = fo_reporters_new ();
    char err[512] = "";
    fo_reporters_add (list, fo_reporter_json_new (fo_report_dest_open (path, "--json", NULL,
                                                                       err, sizeof err)));
    send (list, (fo_event) { .type = FO_EVENT_RUN_STARTED }, rep);
    assert_int_equal (access (path, F_OK), -1);            /* nothing before the end */
    assert_int_equal (fo_reporters_end (list, rep, false, collect_error, err), 0);
    json_error_t jerr;
    json_t *root = json_load_file (path, 0, &jerr);
    assert_non_null (root);
    assert_json_int (json_object_get (root, "totals"), "tests", 3);
    json_decref (root);
    fo_reporters_destroy (&list);

    list = fo_reporters_new ();
    fo_reporters_add (list, fo_reporter_json_new (fo_report_dest_open ("/dev/full", "--json",
                                                                       NULL, err, sizeof err)));
    assert_int_equal (fo_reporters_end (list, rep, true, collect_error, err), 1);
    assert_string_equal (err, "json: cannot write report '/dev/full': No space left on device");
    fo_reporters_destroy (&list);
    unlink (path);
    rmdir (dir);
    free (path);
    fo_report_destroy (&rep);
}

/*  Tests that never ran are summed up by reason, one line each, in the
    order the reasons first appear; "Ran" counts only the tests that ran. */
static void
test_summary_not_run_by_reason (void **state)
{
    (void) state;
    fo_report *rep = report_of (7);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 1000000);
    fo_test_result_view r = result (FO_PASSED);
    fo_report_finish_test (rep, 0, &r);
    r = result (FO_NOT_RUN);
    r.message = "not run (interrupted)";
    fo_report_finish_test (rep, 1, &r);
    fo_report_finish_test (rep, 3, &r);
    fo_report_finish_test (rep, 5, &r);
    r.message = "not run (interrupted; host h was lost: gone)";
    fo_report_finish_test (rep, 2, &r);
    r = result (FO_FAILED);
    fo_report_finish_test (rep, 4, &r);
    /* t6 never got a result */
    fo_report_set_interrupted (rep, true);
    char *text = summary_text (rep, FO_VERBOSITY_QUIET);
    const char *want = EQ70 "NOT RUN: 3 tests: not run (interrupted)\n"
                       "NOT RUN: t2: not run (interrupted; host h was lost: gone)\n"
                       "NOT RUN: t6: no result was recorded for this test\n"
                       DASH70 "Ran 2 tests in 1.000s (2 tests/s)\n";
    assert_non_null (strstr (text, want));
    assert_null (strstr (text, "NOT RUN: t1"));
    free (text);
    fo_report_destroy (&rep);
}

/*  More reasons than the one-pass grouping keeps (16): the same lines, in
    the same order (where each reason first appears), from the sort. */
static void
test_summary_not_run_many_reasons (void **state)
{
    (void) state;
    enum { N = 40 };
    fo_report *rep = report_of (N);
    fo_report_set_started_us (rep, 0);
    fo_report_set_finished_us (rep, 1000000);
    char msg[64];
    /* tests 0..19 each a reason of its own, given from the last to the
       first; tests 20..39 repeat reasons 0..19 */
    for (size_t k = 0; k < N; k++) {
        size_t i = N - 1 - k;
        snprintf (msg, sizeof msg, "reason %zu", i % 20);
        fo_test_result_view r = result (FO_NOT_RUN);
        r.message = msg;
        fo_report_finish_test (rep, i, &r);
    }
    char *text = summary_text (rep, FO_VERBOSITY_QUIET);
    const char *at = text;
    for (size_t i = 0; i < 20; i++) {
        snprintf (msg, sizeof msg, "NOT RUN: 2 tests: reason %zu\n", i);
        const char *line = strstr (at, msg);
        assert_non_null (line);
        at = line + strlen (msg);
    }
    free (text);
    fo_report_destroy (&rep);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_finish_once),
        cmocka_unit_test (test_counts),
        cmocka_unit_test (test_exit_status),
        cmocka_unit_test (test_progress_dots),
        cmocka_unit_test (test_progress_lines),
        cmocka_unit_test (test_summary_blocks),
        cmocka_unit_test (test_summary_ok),
        cmocka_unit_test (test_summary_failed_variants),
        cmocka_unit_test (test_summary_not_run_by_reason),
        cmocka_unit_test (test_summary_not_run_many_reasons),
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_json_write_error),
        cmocka_unit_test (test_tries_and_flaky),
        cmocka_unit_test (test_one_try_no_array),
        cmocka_unit_test (test_tries_on_the_console),
        cmocka_unit_test (test_tries_in_json),
        cmocka_unit_test (test_console_reporter),
        cmocka_unit_test (test_json_reporter),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
