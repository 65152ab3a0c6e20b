/*  The gtest source (lib/import): the --gtest_list_tests reader (suites,
    typed and value-parameterised names, gtest's comments, one spanning
    lines, what comes before the listing, what it refuses), the JSON result
    reader (every outcome, its limits, what is not gtest's JSON), the gtest
    step reader run against real GoogleTest programs (tests/gtest, each
    test alone as fanout runs it: its verdict, a failure a main hides, a
    crash; its output file gone afterwards), and the import of a program's
    tests into contexts. The real programs' part skips where GoogleTest is
    not installed (FO_GTEST_DIR ""). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_gtest_json.h"
#include "fo_gtest_list.h"
#include "fo_source.h"
#include "fo_proc.h"
#include "fo_reader.h"

/* ---- the listing --------------------------------------------------------- */

static int
print_listed (void *arg, const char *suite, const char *test, size_t line)
{
    fo_buf_printf (arg, "%zu:%s.%s\n", line, suite, test);
    return 0;
}

static int
listing (const char *text, fo_buf *out, char *err, size_t errlen)
{
    fo_buf_reset (out);
    fo_buf_puts (out, "");
    return fo_gtest_list_read (text, strlen (text), print_listed, out, err, errlen);
}

static void
test_listing (void **state)
{
    (void) state;
    fo_buf out = { 0 };
    char err[256] = "";
    const char *text = "Running main() from gtest_main.cc\n"
                       "Basic.\n"
                       "  Pass\n"
                       "  DISABLED_Off\n"
                       "Typed/0.  # TypeParam = int\n"
                       "  Size\n"
                       "Nums/Param.\n"
                       "  Even/0  # GetParam() = 2\n"
                       "Printed/Multi.\n"
                       "  Positive/0  # GetParam() = first line 1\n"
                       "second line\n"
                       "  Positive/1  # GetParam() = first line 2\n"
                       "second line\n"
                       "Last.\n"
                       "  T";          /* no final newline */
    assert_int_equal (listing (text, &out, err, sizeof err), 0);
    assert_string_equal (out.data, "3:Basic.Pass\n"
                                   "4:Basic.DISABLED_Off\n"
                                   "6:Typed/0.Size\n"
                                   "8:Nums/Param.Even/0\n"
                                   "10:Printed/Multi.Positive/0\n"
                                   "12:Printed/Multi.Positive/1\n"
                                   "15:Last.T\n");
    /* Nothing listed is nothing. */
    assert_int_equal (listing ("", &out, err, sizeof err), 0);
    assert_string_equal (out.data, "");
    fo_buf_free (&out);
}

static void
test_listing_refused (void **state)
{
    (void) state;
    fo_buf out = { 0 };
    char err[256] = "";
    assert_int_equal (listing ("  Orphan\n", &out, err, sizeof err), -1);
    assert_string_equal (err, "gtest listing line 1: a test before any test suite");
    /* After a suite, a line that is neither (and follows no comment). */
    assert_int_equal (listing ("S.\n  A\nnot a listing line\n", &out, err, sizeof err), -1);
    assert_string_equal (err, "gtest listing line 3: neither a test suite (\"Name.\") nor a test "
                              "(\"  Name\")");
    assert_int_equal (listing ("S.\n  A junk\n", &out, err, sizeof err), -1);
    assert_int_equal (listing ("S.x.\n  A\n", &out, err, sizeof err), -1);
    /* A NUL byte in a name (found by fuzz_gtest). */
    const char nul[] = "S.\n  a\0b\n";
    fo_buf_reset (&out);
    assert_int_equal (fo_gtest_list_read (nul, sizeof nul - 1, print_listed, &out, err,
                                          sizeof err),
                      -1);
    assert_string_equal (err, "gtest listing line 2: a NUL byte in a test name");
    const char nul_suite[] = "S\0.\n  a\n";
    assert_int_equal (fo_gtest_list_read (nul_suite, sizeof nul_suite - 1, print_listed, &out,
                                          err, sizeof err),
                      -1);
    assert_string_equal (err, "gtest listing line 1: a NUL byte in a test suite name");
    /* A name past FO_GTEST_MAX_NAME. */
    fo_buf text = { 0 };
    fo_buf_puts (&text, "S.\n  ");
    for (unsigned i = 0; i <= FO_GTEST_MAX_NAME; i++)
        fo_buf_puts (&text, "a");
    assert_int_equal (listing (text.data, &out, err, sizeof err), -1);
    assert_string_equal (err, "gtest listing line 2: a test name longer than 1024 bytes");
    text.len -= 1;      /* exactly the limit */
    text.data[text.len] = '\0';
    assert_int_equal (listing (text.data, &out, err, sizeof err), 0);
    fo_buf_free (&text);
    fo_buf_free (&out);
}

/* ---- the JSON output file ------------------------------------------------ */

static const char sample_json[] =
    "{\"tests\": 6, \"testsuites\": [\n"
    " {\"name\": \"Basic\", \"testsuite\": [\n"
    "  {\"name\": \"Pass\", \"status\": \"RUN\", \"result\": \"COMPLETED\", \"time\": \"0.012s\"},\n"
    "  {\"name\": \"Fail\", \"status\": \"RUN\", \"result\": \"COMPLETED\", \"time\": \"0s\",\n"
    "   \"failures\": [{\"failure\": \"a.cc:4\\nExpected 1\", \"type\": \"\"},\n"
    "                {\"failure\": \"a.cc:5\\nsecond\", \"type\": \"\"}]},\n"
    "  {\"name\": \"Skip\", \"status\": \"RUN\", \"result\": \"SKIPPED\", \"time\": \"0s\"},\n"
    "  {\"name\": \"DISABLED_Off\", \"status\": \"NOTRUN\", \"result\": \"SUPPRESSED\"}\n"
    " ]},\n"
    " {\"name\": \"Nums/Param\", \"testsuite\": [\n"
    "  {\"name\": \"Even/1\", \"value_param\": \"3\", \"status\": \"RUN\", \"result\": \"COMPLETED\",\n"
    "   \"time\": \"1.5s\"},\n"
    "  {\"name\": \"Odd\", \"status\": \"RUN\", \"result\": \"SOMETHING\", \"time\": \"-1s\"}\n"
    " ]}]}\n";

static void
test_json (void **state)
{
    (void) state;
    fo_gtest_results res;
    char err[256] = "";
    assert_int_equal (fo_gtest_json_read (sample_json, strlen (sample_json), &res, err, sizeof err),
                      0);
    assert_int_equal (res.len, 6);
    const fo_gtest_result *r = fo_gtest_results_find (&res, "Basic.Pass");
    assert_non_null (r);
    assert_int_equal (r->outcome, FO_PASSED);
    assert_string_equal (r->message, "");
    assert_int_equal (r->duration_us, 12000);
    r = fo_gtest_results_find (&res, "Basic.Fail");
    assert_int_equal (r->outcome, FO_FAILED);
    assert_string_equal (r->message, "a.cc:4\nExpected 1\na.cc:5\nsecond");
    r = fo_gtest_results_find (&res, "Basic.Skip");
    assert_int_equal (r->outcome, FO_SKIPPED);
    r = fo_gtest_results_find (&res, "Basic.DISABLED_Off");
    assert_int_equal (r->outcome, FO_NOT_RUN);
    assert_string_equal (r->message, "disabled");
    r = fo_gtest_results_find (&res, "Nums/Param.Even/1");
    assert_int_equal (r->outcome, FO_PASSED);
    assert_int_equal (r->duration_us, 1500000);
    r = fo_gtest_results_find (&res, "Nums/Param.Odd");
    assert_int_equal (r->outcome, FO_ERROR);
    assert_string_equal (r->message, "gtest reported status 'RUN', result 'SOMETHING'");
    assert_int_equal (r->duration_us, 0);
    assert_null (fo_gtest_results_find (&res, "Basic.Nope"));
    fo_gtest_results_free (&res);
}

static void
expect_refused (const char *text, const char *why)
{
    fo_gtest_results res;
    char err[256] = "";
    assert_int_equal (fo_gtest_json_read (text, strlen (text), &res, err, sizeof err), -1);
    assert_int_equal (res.len, 0);
    assert_null (res.items);
    if (strncmp (err, why, strlen (why)) != 0)
        fail_msg ("'%s' does not start with '%s'", err, why);
}

static void
test_json_refused (void **state)
{
    (void) state;
    expect_refused ("", "gtest output file is not JSON");
    expect_refused ("{\"testsuites\": [", "gtest output file is not JSON");
    expect_refused ("[]", "gtest output file has no \"testsuites\" list");
    expect_refused ("{\"testsuites\": {}}", "gtest output file has no \"testsuites\" list");
    expect_refused ("{\"testsuites\": [{\"testsuite\": []}]}",
                    "gtest output file: test suite 1 has no name");
    expect_refused ("{\"testsuites\": [{\"name\": \"S\", \"testsuite\": [{\"name\": \"a\", "
                    "\"status\": \"RUN\"}, {\"name\": \"b\"}]}]}",
                    "gtest output file: test 2 of suite 'S' has no name or status");
    expect_refused ("{\"testsuites\": [], \"testsuites\": []}", "gtest output file is not JSON");
    /* A file larger than the limit is refused before it is parsed. */
    fo_gtest_results res;
    char err[256];
    assert_int_equal (fo_gtest_json_read ("{}", (size_t) FO_GTEST_MAX_FILE + 1, &res, err,
                                          sizeof err),
                      -1);
    assert_string_equal (err, "gtest output file larger than 64 MiB");
}

static void
test_json_message_limit (void **state)
{
    (void) state;
    fo_buf text = { 0 };
    fo_buf_puts (&text, "{\"testsuites\": [{\"name\": \"S\", \"testsuite\": [{\"name\": \"T\", "
                        "\"status\": \"RUN\", \"failures\": [");
    for (int i = 0; i < 40; i++) {
        fo_buf_puts (&text, i ? ", {\"failure\": \"" : "{\"failure\": \"");
        for (int k = 0; k < 4096; k++)
            fo_buf_puts (&text, "x");
        fo_buf_puts (&text, "\"}");
    }
    fo_buf_puts (&text, "]}]}]}");
    fo_gtest_results res;
    char err[256] = "";
    assert_int_equal (fo_gtest_json_read (text.data, text.len, &res, err, sizeof err), 0);
    assert_int_equal (res.items[0].outcome, FO_FAILED);
    assert_int_equal (strlen (res.items[0].message), FO_GTEST_MAX_MESSAGE + 3);
    fo_gtest_results_free (&res);
    fo_buf_free (&text);
}

/* ---- the step reader, on real programs ------------------------------------ */

typedef struct {
    char test[256];
    fo_outcome outcome;
    char message[1024];
    size_t n;
} one_result;

static void
keep (void *arg, const fo_read_result *r)
{
    one_result *got = arg;
    got->n++;
    snprintf (got->test, sizeof got->test, "%s", r->test);
    got->outcome = r->outcome;
    snprintf (got->message, sizeof got->message, "%s", r->message);
}

static bool
have_gtest (void)
{
    return FO_GTEST_DIR[0] != '\0';
}

/* Runs `program --gtest_filter=name` as an agent does (the reader's env
   over the step's), read by the gtest reader. */
static one_result
run_alone (const char *program, const char *name)
{
    char *path = fo_xasprintf ("%s/%s", FO_GTEST_DIR, program);
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_GTEST, .cwd = (char *) "" };
    fo_strv_push (&step.argv, path);
    fo_strv_push_owned (&step.argv, fo_xasprintf ("--gtest_filter=%s", name));
    fo_strv_push (&step.tests, "the-test");
    one_result got = { .n = 0 };
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    fo_read *read = fo_read_new (&rs, keep, &got);
    assert_non_null (read);
    const fo_env *env = fo_read_env (read);
    assert_non_null (env);
    const char *output = fo_env_get (env, "GTEST_OUTPUT");
    assert_non_null (output);
    assert_memory_equal (output, "json:", 5);
    char *dir = fo_xstrdup (output + 5);
    *strrchr (dir, '/') = '\0';
    struct stat sb;
    assert_int_equal (stat (dir, &sb), 0);
    assert_int_equal (sb.st_mode & 0777, 0700);     /* private */

    fo_proc_spec spec = { .argv = &step.argv, .env = env, .output_cap = 1 << 20 };
    fo_proc_status st = { 0 };
    fo_buf out = { 0 }, err = { 0 };
    char why[256];
    assert_int_equal (fo_proc_run_sync (&spec, &st, &out, &err, why, sizeof why), 0);
    fo_step_ending end = { .status = &st, .out = out.data ? out.data : "", .out_len = out.len,
                           .err = err.data ? err.data : "", .err_len = err.len };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    assert_int_equal (got.n, 1);
    assert_string_equal (got.test, "the-test");
    assert_int_equal (stat (dir, &sb), -1);         /* file and directory removed */
    free (dir);
    fo_buf_free (&out);
    fo_buf_free (&err);
    fo_strv_free (&step.argv);
    fo_strv_free (&step.tests);
    free (path);
    return got;
}

static void
expect_alone (const char *program, const char *name, fo_outcome outcome, const char *message)
{
    one_result got = run_alone (program, name);
    if (got.outcome != outcome)
        fail_msg ("%s: %s, expected %s (%s)", name, fo_outcome_name (got.outcome),
                  fo_outcome_name (outcome), got.message);
    if (message && strstr (got.message, message) == NULL)
        fail_msg ("%s: message '%s' lacks '%s'", name, got.message, message);
}

static void
test_reader_real_programs (void **state)
{
    (void) state;
    if (!have_gtest ())
        skip ();
    expect_alone ("gt_outcomes", "Basic.Pass", FO_PASSED, NULL);
    expect_alone ("gt_outcomes", "Basic.Fail", FO_FAILED, "one is not two");
    expect_alone ("gt_outcomes", "Basic.Skip", FO_SKIPPED, "GTEST_SKIP");
    expect_alone ("gt_outcomes", "Basic.DISABLED_Off", FO_NOT_RUN, "disabled");
    expect_alone ("gt_outcomes", "DISABLED_Whole.A", FO_NOT_RUN, "disabled");
    expect_alone ("gt_outcomes", "Typed/0.Size", FO_PASSED, NULL);
    expect_alone ("gt_outcomes", "Typed/1.FailsForChar", FO_FAILED, "a char");
    expect_alone ("gt_outcomes", "Nums/Param.Even/0", FO_PASSED, NULL);
    expect_alone ("gt_outcomes", "Nums/Param.Even/1", FO_FAILED, "GetParam () % 2");
    expect_alone ("gt_outcomes", "Printed/Multi.Positive/1", FO_PASSED, NULL);
    /* main exits 0: the failure is still the test's */
    expect_alone ("gt_hidden", "Hidden.Fail", FO_FAILED, "hidden by main");
    expect_alone ("gt_hidden", "Hidden.Pass", FO_PASSED, NULL);
    /* no output file: how the process ended */
    expect_alone ("gt_crash", "Crash.Boom", FO_CRASHED, "SIGABRT");
    expect_alone ("gt_crash", "Crash.After", FO_PASSED, NULL);
    /* a name gtest does not know: it runs nothing, and says nothing of it */
    expect_alone ("gt_outcomes", "Basic.Nope", FO_ERROR, "the test is not in it");
}

/* ---- the step reader, for every way a step ends --------------------------- */

static one_result
read_ending (const fo_proc_status *st, const char *stop_message, fo_outcome stop_outcome,
             const char *argv1)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_GTEST, .timeout_ms = 1000 };
    fo_strv_push (&step.argv, "prog");
    fo_strv_push (&step.argv, argv1);
    fo_strv_push (&step.tests, "t");
    one_result got = { .n = 0 };
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    fo_read *read = fo_read_new (&rs, keep, &got);
    fo_step_ending end = { .status = st, .out = "", .err = "", .stop_message = stop_message,
                           .stop_outcome = stop_outcome };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_strv_free (&step.argv);
    fo_strv_free (&step.tests);
    assert_int_equal (got.n, 1);
    return got;
}

static void
test_reader_endings (void **state)
{
    (void) state;
    one_result r;
    r = read_ending (&(fo_proc_status) { .exited = true, .exit_code = 1 }, NULL, 0,
                     "--gtest_filter=S.t");
    assert_int_equal (r.outcome, FO_ERROR);
    assert_string_equal (r.message, "no result in gtest's output file (gtest wrote no output "
                                    "file; exit status 1)");
    r = read_ending (&(fo_proc_status) { .timed_out = true, .signal = 9, .duration_us = 1500000 },
                     NULL, 0, "--gtest_filter=S.t");
    assert_int_equal (r.outcome, FO_TIMEOUT);
    r = read_ending (&(fo_proc_status) { .signal = 15 }, "not run (cancelled)", FO_NOT_RUN,
                     "--gtest_filter=S.t");
    assert_int_equal (r.outcome, FO_NOT_RUN);
    assert_string_equal (r.message, "not run (cancelled)");
    /* a filter that does not name the step's tests one for one */
    r = read_ending (&(fo_proc_status) { .exited = true }, NULL, 0, "--gtest_filter=S.a:S.b");
    assert_int_equal (r.outcome, FO_ERROR);
    assert_string_equal (r.message, "no result in gtest's output file (the step's --gtest_filter "
                                    "names 2 tests, not 1; exit status 0)");
}

/* The reader with its output file holding json (as gtest would have
   written it) and the process ending as st. */
static one_result
read_file (const char *json, const fo_proc_status *st)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_GTEST, .timeout_ms = 1000 };
    fo_strv_push (&step.argv, "prog");
    fo_strv_push (&step.argv, "--gtest_filter=S.t");
    fo_strv_push (&step.tests, "p/S/t");
    one_result got = { .n = 0 };
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    fo_read *read = fo_read_new (&rs, keep, &got);
    const char *path = fo_env_get (fo_read_env (read), "GTEST_OUTPUT") + strlen ("json:");
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fputs (json, f);
    fclose (f);
    fo_step_ending end = { .status = st, .out = "", .err = "" };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_strv_free (&step.argv);
    fo_strv_free (&step.tests);
    assert_int_equal (got.n, 1);
    return got;
}

static void
test_reader_file_and_status (void **state)
{
    (void) state;
    const char *passed = "{\"testsuites\": [{\"name\": \"S\", \"testsuite\": [{\"name\": "
                         "\"t\", \"status\": \"RUN\", \"result\": \"COMPLETED\"}]}]}";
    const char *failed = "{\"testsuites\": [{\"name\": \"S\", \"testsuite\": [{\"name\": "
                         "\"t\", \"status\": \"RUN\", \"failures\": [{\"failure\": "
                         "\"a.cc:1\\nExpected\\tx\"}]}]}]}";
    one_result r = read_file (passed, &(fo_proc_status) { .exited = true });
    assert_int_equal (r.outcome, FO_PASSED);
    /* passed by gtest, then the program ended badly: the program has the last word */
    r = read_file (passed, &(fo_proc_status) { .exited = true, .exit_code = 3 });
    assert_int_equal (r.outcome, FO_FAILED);
    assert_string_equal (r.message, "gtest reported it passed, then the program ended badly: "
                                    "exit status 3");
    r = read_file (passed, &(fo_proc_status) { .signal = 11 });
    assert_int_equal (r.outcome, FO_CRASHED);
    /* a failure with exit 0 (a main that hides it); the message on one line */
    r = read_file (failed, &(fo_proc_status) { .exited = true });
    assert_int_equal (r.outcome, FO_FAILED);
    assert_string_equal (r.message, "a.cc:1 Expected x");
    /* a file that is not gtest's */
    r = read_file ("{\"testsuites\": 3}", &(fo_proc_status) { .exited = true });
    assert_int_equal (r.outcome, FO_ERROR);
    assert_string_equal (r.message, "no result in gtest's output file (gtest output file has no "
                                    "\"testsuites\" list; exit status 0)");
    r = read_file ("", &(fo_proc_status) { .exited = true, .exit_code = 1 });
    assert_int_equal (r.outcome, FO_ERROR);
    assert_non_null (strstr (r.message, "gtest output file is not JSON"));
}

/* ---- importing a program ------------------------------------------------- */

/* A suite holding `--gtest program` (as the command line makes it). */
static fo_suite *
imported (const char *program, int *rc, char *err, size_t errlen)
{
    fo_suite *suite = fo_suite_load_buffer ("(command line)", "{}", 2, err, errlen);
    assert_non_null (suite);
    fo_source_spec *spec = fo_context_add_source (suite->root, "gtest", 0, 0);
    fo_strv_push (&spec->from, program);
    *rc = fo_suite_import (suite, err, errlen);
    return suite;
}

static void
test_import_program (void **state)
{
    (void) state;
    if (!have_gtest ())
        skip ();
    char err[1024] = "";
    char *bin = fo_xasprintf ("%s/gt_outcomes", FO_GTEST_DIR);
    int rc;
    fo_suite *suite = imported (bin, &rc, err, sizeof err);
    if (rc != 0)
        fail_msg ("%s", err);
    fo_context *root = suite->root;
    assert_int_equal (root->ncontexts, 1);
    fo_context *prog = root->contexts[0];
    assert_string_equal (prog->id, bin);
    /* one context per gtest suite, in listing order */
    const char *suites[] = { "Basic", "DISABLED_Whole", "Typed/0", "Typed/1", "Nums/Param",
                             "Printed/Multi" };
    assert_int_equal (prog->ncontexts, 6);
    for (size_t i = 0; i < 6; i++)
        assert_string_equal (prog->contexts[i]->name, suites[i]);
    fo_context *typed = prog->contexts[2];
    assert_int_equal (typed->ntests, 2);
    fo_test *t = typed->tests[0];
    assert_string_equal (t->name, "Size");
    char *id = fo_xasprintf ("%s/Typed/0/Size", bin);
    assert_string_equal (t->id, id);
    assert_ptr_equal (fo_suite_find_test (suite, id), t);
    free (id);
    assert_int_equal (t->reader, FO_READER_GTEST);
    assert_int_equal (t->run.argv.len, 2);
    assert_string_equal (t->run.argv.items[0], bin);
    assert_string_equal (t->run.argv.items[1], "--gtest_filter=Typed/0.Size");
    fo_context *multi = prog->contexts[5];
    assert_int_equal (multi->ntests, 2);
    assert_string_equal (multi->tests[1]->name, "Positive/1");
    assert_string_equal (prog->contexts[0]->tests[3]->name, "DISABLED_Off");
    assert_int_equal (fo_suite_count_tests (suite), 13);
    fo_suite_destroy (&suite);

    /* the same program twice: refused */
    suite = fo_suite_load_buffer ("(command line)", "{}", 2, err, sizeof err);
    fo_source_spec *spec = fo_context_add_source (suite->root, "gtest", 0, 0);
    fo_strv_push (&spec->from, bin);
    fo_strv_push (&spec->from, bin);
    assert_int_equal (fo_suite_import (suite, err, sizeof err), -1);
    assert_non_null (strstr (err, "duplicate context id"));
    fo_suite_destroy (&suite);
    /* not a gtest program */
    suite = imported ("false", &rc, err, sizeof err);
    assert_int_equal (rc, -1);
    assert_string_equal (err, "--gtest 'false': 'false' failed (exit status 1)");
    fo_suite_destroy (&suite);
    /* a program whose listing is not gtest's */
    char script[] = "/tmp/fo-test-gtest-XXXXXX";
    int fd = mkstemp (script);
    assert_true (fd >= 0);
    const char *body = "#!/bin/sh\nprintf 'S.\\n  A\\nnot a listing line\\n'\n";
    assert_int_equal (write (fd, body, strlen (body)), (ssize_t) strlen (body));
    close (fd);
    assert_int_equal (chmod (script, 0700), 0);
    suite = imported (script, &rc, err, sizeof err);
    assert_int_equal (rc, -1);
    char *want = fo_xasprintf ("--gtest '%s': gtest listing line 3: neither a test suite "
                               "(\"Name.\") nor a test (\"  Name\")", script);
    assert_string_equal (err, want);
    free (want);
    fo_suite_destroy (&suite);
    unlink (script);
    free (bin);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_listing),
        cmocka_unit_test (test_listing_refused),
        cmocka_unit_test (test_json),
        cmocka_unit_test (test_json_refused),
        cmocka_unit_test (test_json_message_limit),
        cmocka_unit_test (test_reader_real_programs),
        cmocka_unit_test (test_reader_endings),
        cmocka_unit_test (test_reader_file_and_status),
        cmocka_unit_test (test_import_program),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
