/*  The python source's C side (lib/import): fo_python_tree, the helper's
    discovery JSON into contexts and tests (names, modes, fixture and test
    commands, import failures), refusing hostile output within its limits;
    and the "python" reader (fo_read_python.c): the helper's result line,
    the last one winning, and what a step without one becomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_python_tree.h"
#include "fo_reader.h"
#include "fo_source.h"
#include "fo_suite.h"

#define MARK "\x1e" "fanout-python-result "

static const fo_python_cmd cmd = { .interpreter = "/usr/bin/python3", .helper = "/h/fanout_nose" };

/* Reads json into a new suite under the item "tests"; returns the
   suite (NULL when refused, with why in err). */
static fo_suite *
read_tree (const char *json, char *err, size_t errlen)
{
    char why[256];
    fo_suite *suite = fo_suite_load_buffer ("/tmp/python.yml", "{}", 2, why, sizeof why);
    assert_non_null (suite);
    fo_source_spec spec = { .kind = "python", .line = 0 };
    fo_source_item at = { .suite = suite, .parent = suite->root, .spec = &spec, .item = "tests" };
    if (fo_python_tree_read (&at, &cmd, json, strlen (json), err, errlen) != 0) {
        fo_suite_destroy (&suite);
        return NULL;
    }
    return suite;
}

static void
expect_refused (const char *json, const char *why)
{
    char err[512] = "";
    fo_suite *suite = read_tree (json, err, sizeof err);
    if (suite)
        fail_msg ("accepted: %s", json);
    if (!strstr (err, why))
        fail_msg ("'%s' lacks '%s'", err, why);
    assert_null (strchr (err, '\n'));
}

static void
expect_argv (const fo_strv *argv, const char *const *want)
{
    size_t n = 0;
    for (; want[n]; n++) {
        assert_true (n < argv->len);
        assert_string_equal (argv->items[n], want[n]);
    }
    assert_int_equal (argv->len, n);
}

static const char tree[] =
    "{\"format\": 1, \"errors\": [],"
    " \"tests\": [{\"name\": \"test_bad\", \"root\": \"/r\", \"address\": \"test_bad\","
    "             \"import_error\": true}],"
    " \"contexts\": [{\"kind\": \"package\", \"name\": \"pkg\", \"root\": \"/r\","
    "   \"address\": \"pkg\", \"mode\": \"shared\", \"setup\": true, \"teardown\": false,"
    "   \"tests\": [],"
    "   \"contexts\": [{\"kind\": \"module\", \"name\": \"test_m\", \"root\": \"/r\","
    "     \"address\": \"pkg.test_m\", \"mode\": \"split\", \"setup\": true, \"teardown\": true,"
    "     \"tests\": [{\"name\": \"test_f\", \"root\": \"/r\", \"address\": \"pkg.test_m:test_f\"}],"
    "     \"contexts\": [{\"kind\": \"generator\", \"name\": \"test_g\", \"root\": \"/r\","
    "       \"address\": \"pkg.test_m:test_g\", \"mode\": \"\", \"setup\": false,"
    "       \"teardown\": false, \"contexts\": [], \"tests\": []},"
    "      {\"kind\": \"class\", \"name\": \"TestC\", \"root\": \"/r\","
    "       \"address\": \"pkg.test_m:TestC\", \"mode\": \"shared serial\", \"setup\": false,"
    "       \"teardown\": false, \"contexts\": [],"
    "       \"tests\": [{\"name\": \"test_x\", \"root\": \"/r\","
    "                   \"address\": \"pkg.test_m:TestC.test_x\"}]}]}]},"
    "  {\"kind\": \"module\", \"name\": \"test_plain\", \"root\": \"/r\","
    "   \"address\": \"test_plain\", \"mode\": \"\", \"setup\": false, \"teardown\": false,"
    "   \"tests\": [{\"name\": \"test_1\", \"root\": \"/r\", \"address\": \"test_plain:test_1\"}]}]}";

static void
test_tree (void **state)
{
    (void) state;
    char err[512] = "";
    fo_suite *suite = read_tree (tree, err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    assert_int_equal (fo_suite_count_tests (suite), 4);

    fo_context *item = fo_suite_find_context (suite, "tests");
    assert_non_null (item);
    assert_int_equal (item->mode, 0);
    assert_int_equal (item->setup.argv.len, 0);

    fo_context *pkg = fo_suite_find_context (suite, "tests/pkg");
    assert_non_null (pkg);
    assert_int_equal (pkg->mode, FO_MODE_SHARED);
    assert_int_equal (pkg->fixture_reader, FO_READER_PYTHON);
    expect_argv (&pkg->setup.argv, (const char *[]) { "/usr/bin/python3", "/h/fanout_nose",
                                                      "setup", "--root", "/r", "pkg", NULL });
    assert_int_equal (pkg->teardown.argv.len, 0);

    fo_context *mod = fo_suite_find_context (suite, "tests/pkg/test_m");
    assert_non_null (mod);
    assert_int_equal (mod->mode, FO_MODE_SPLIT);
    expect_argv (&mod->teardown.argv,
                 (const char *[]) { "/usr/bin/python3", "/h/fanout_nose", "teardown", "--root",
                                    "/r", "pkg.test_m", NULL });
    assert_int_equal (fo_suite_find_context (suite, "tests/pkg/test_m/TestC")->mode,
                      FO_MODE_SHARED | FO_MODE_SERIAL);
    assert_int_equal (fo_suite_find_context (suite, "tests/test_plain")->mode, 0);

    fo_test *f = fo_suite_find_test (suite, "tests/pkg/test_m/test_f");
    assert_non_null (f);
    assert_int_equal (f->reader, FO_READER_PYTHON);
    expect_argv (&f->run.argv, (const char *[]) { "/usr/bin/python3", "/h/fanout_nose", "test",
                                                  "--root", "/r", "pkg.test_m:test_f", NULL });
    /* a generator: its tests are listed by an agent during the run */
    fo_context *gen = fo_suite_find_context (suite, "tests/pkg/test_m/test_g");
    assert_non_null (gen);
    assert_int_equal (gen->ntests, 0);
    assert_true (gen->discover_on_agent);
    expect_argv (&gen->discover.argv, (const char *[]) { "/usr/bin/python3", "/h/fanout_nose",
                                                         "generate", "--root", "/r",
                                                         "pkg.test_m:test_g", NULL });
    fo_test *g = fo_context_add_discovered (gen, "test_g(1,)");
    assert_non_null (g);
    assert_int_equal (g->reader, FO_READER_PYTHON);
    expect_argv (&g->run.argv, (const char *[]) { "/usr/bin/python3", "/h/fanout_nose", "test",
                                                  "--root", "/r", "pkg.test_m:test_g",
                                                  "test_g(1,)", NULL });
    /* a module that failed to import: one test of its parent, named as it */
    fo_test *bad = fo_suite_find_test (suite, "tests/test_bad");
    assert_non_null (bad);
    assert_string_equal (bad->run.argv.items[5], "test_bad");
    assert_non_null (fo_suite_find_test (suite, "tests/pkg/test_m/TestC/test_x"));
    fo_suite_destroy (&suite);
}

static void
test_tree_refused (void **state)
{
    (void) state;
    expect_refused ("", "discovery output is no JSON");
    expect_refused ("{\"format\": 1,", "discovery output is no JSON");
    expect_refused ("[1]", "not format 1");
    expect_refused ("{\"format\": 2}", "not format 1");
    expect_refused ("{\"format\": 1, \"format\": 1}", "no JSON");    /* duplicate key */
    /* what the helper refuses, named as it names it */
    expect_refused ("{\"format\": 1, \"errors\": [\"module m sets both "
                    "_multiprocess_can_split_ and _multiprocess_shared_\"]}",
                    "module m sets both _multiprocess_can_split_ and _multiprocess_shared_");
    expect_refused ("{\"format\": 1, \"errors\": 3}", "a bad 'errors'");
    expect_refused ("{\"format\": 1, \"tests\": {}}", "must be lists");
    expect_refused ("{\"format\": 1, \"tests\": [7]}", "lacks a name, root or address");
    expect_refused ("{\"format\": 1, \"tests\": [{\"name\": \"t\", \"root\": \"/r\"}]}",
                    "lacks a name, root or address");
    /* a NUL inside a string: jansson refuses it */
    expect_refused ("{\"format\": 1, \"tests\": [{\"name\": \"a\\u0000b\", \"root\": \"/r\","
                    " \"address\": \"m:t\"}]}", "no JSON");
    /* names follow the suite's rules: no control characters, no duplicates */
    expect_refused ("{\"format\": 1, \"tests\": [{\"name\": \"a\\nb\", \"root\": \"/r\","
                    " \"address\": \"m:t\"}]}", "discovery output: ");
    expect_refused ("{\"format\": 1, \"tests\": [{\"name\": \"t\", \"root\": \"/r\","
                    " \"address\": \"m:t\"}, {\"name\": \"t\", \"root\": \"/r\","
                    " \"address\": \"m:t\"}]}", "duplicate");
    expect_refused ("{\"format\": 1, \"contexts\": [{\"kind\": \"module\"}]}",
                    "a context needs");
    expect_refused ("{\"format\": 1, \"contexts\": [{\"kind\": \"script\", \"name\": \"m\","
                    " \"root\": \"/r\", \"address\": \"m\", \"mode\": \"\", \"setup\": false,"
                    " \"teardown\": false}]}", "a context needs");
    expect_refused ("{\"format\": 1, \"contexts\": [{\"kind\": \"module\", \"name\": \"m\","
                    " \"root\": \"/r\", \"address\": \"m\", \"mode\": \"serial split\","
                    " \"setup\": false, \"teardown\": false}]}", "a context needs");
    expect_refused ("{\"format\": 1, \"contexts\": [{\"kind\": \"module\", \"name\": \"m\","
                    " \"root\": \"/r\", \"address\": \"m\", \"mode\": \"\", \"setup\": 1,"
                    " \"teardown\": false}]}", "a context needs");
}

static void
test_tree_limits (void **state)
{
    (void) state;
    /* an address one byte past the limit, and one at it */
    char *addr = malloc (FO_PYTHON_MAX_ADDRESS + 2);
    memset (addr, 'a', FO_PYTHON_MAX_ADDRESS + 1);
    addr[FO_PYTHON_MAX_ADDRESS + 1] = '\0';
    char *json = fo_xasprintf ("{\"format\": 1, \"tests\": [{\"name\": \"t\", \"root\": \"/r\","
                               " \"address\": \"%s\"}]}", addr);
    expect_refused (json, "lacks a name, root or address");
    free (json);
    addr[FO_PYTHON_MAX_ADDRESS] = '\0';
    json = fo_xasprintf ("{\"format\": 1, \"tests\": [{\"name\": \"t\", \"root\": \"/r\","
                         " \"address\": \"%s\"}]}", addr);
    char err[512] = "";
    fo_suite *suite = read_tree (json, err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    fo_suite_destroy (&suite);
    free (json);
    free (addr);

    /* contexts nested FO_PYTHON_MAX_DEPTH + 1 deep, then at the limit */
    for (unsigned depth = FO_PYTHON_MAX_DEPTH + 1; depth >= FO_PYTHON_MAX_DEPTH; depth--) {
        fo_buf b = { 0 };
        fo_buf_puts (&b, "{\"format\": 1, \"contexts\": [");
        for (unsigned i = 0; i < depth; i++)
            fo_buf_printf (&b, "{\"kind\": \"class\", \"name\": \"c%u\", \"root\": \"/r\","
                           " \"address\": \"m:C\", \"mode\": \"\", \"setup\": false,"
                           " \"teardown\": false, \"contexts\": [", i);
        for (unsigned i = 0; i < depth; i++)
            fo_buf_puts (&b, "]}");
        fo_buf_puts (&b, "]}");
        suite = read_tree (b.data, err, sizeof err);
        if (depth > FO_PYTHON_MAX_DEPTH) {
            assert_null (suite);
            assert_non_null (strstr (err, "nested deeper than"));
        }
        else {
            if (!suite)
                fail_msg ("%s", err);
            fo_suite_destroy (&suite);
        }
        fo_buf_free (&b);
    }
}

/* ---- the reader --------------------------------------------------------- */

typedef struct {
    size_t n;
    fo_outcome outcome;
    bool interrupt;
    char *message, *out, *err;
} got;

static void
collect (void *arg, const fo_read_result *r)
{
    got *g = arg;
    g->n++;
    g->outcome = r->outcome;
    g->interrupt = r->interrupt;
    g->message = fo_xstrdup (r->message);
    g->out = fo_xstrndup (r->out, r->out_len);
    g->err = fo_xstrndup (r->err, r->err_len);
}

static got
read_python (const char *out, const char *err, const fo_proc_status *st)
{
    fo_step step = { .kind = FO_STEP_TEST, .reader = FO_READER_PYTHON, .timeout_ms = 1000 };
    fo_strv_push (&step.tests, "t");
    fo_read_step rs = { .step = &step, .skip_code = 77 };
    got g = { 0 };
    fo_read *read = fo_read_new (&rs, collect, &g);
    assert_non_null (read);
    fo_step_ending end = { .status = st, .out = out, .out_len = strlen (out), .err = err,
                           .err_len = strlen (err) };
    fo_read_end (read, &end);
    fo_read_destroy (&read);
    fo_strv_free (&step.tests);
    assert_int_equal (g.n, 1);
    return g;
}

static void
got_free (got *g)
{
    free (g->message);
    free (g->out);
    free (g->err);
}

static void
test_reader (void **state)
{
    (void) state;
    fo_proc_status ok = { .exited = true };
    got g = read_python ("hello\n\n" MARK "{\"outcome\": \"failed\", \"message\": "
                         "\"AssertionError: 1\\nmore\", \"traceback\": \"Traceback...\\n\"}\n",
                         "err\n", &ok);
    assert_int_equal (g.outcome, FO_FAILED);
    assert_string_equal (g.message, "AssertionError: 1 more");
    assert_string_equal (g.out, "hello\n");
    assert_string_equal (g.err, "err\nTraceback...\n");
    assert_false (g.interrupt);
    got_free (&g);

    /* KeyboardInterrupt: "interrupt": true asks to stop the run; anything
       but true does not */
    g = read_python (MARK "{\"outcome\": \"not_run\", \"interrupt\": true}\n", "", &ok);
    assert_int_equal (g.outcome, FO_NOT_RUN);
    assert_true (g.interrupt);
    got_free (&g);
    g = read_python (MARK "{\"outcome\": \"not_run\", \"interrupt\": 1}\n", "", &ok);
    assert_false (g.interrupt);
    got_free (&g);

    /* the last line wins; a mark inside a line is no line */
    g = read_python (MARK "{\"outcome\": \"failed\"}\nx" MARK "{\"outcome\": \"error\"}\n"
                     MARK "{\"outcome\": \"skipped\", \"message\": \"why\"}", "", &ok);
    assert_int_equal (g.outcome, FO_SKIPPED);
    assert_string_equal (g.message, "why");
    got_free (&g);

    /* no line (or a bad one): how the step ended */
    g = read_python ("", "", &ok);
    assert_int_equal (g.outcome, FO_ERROR);
    assert_string_equal (g.message, "no result from the Python helper (exit status 0)");
    got_free (&g);
    g = read_python (MARK "{\"outcome\": \"fine\"}\n", "", &ok);
    assert_int_equal (g.outcome, FO_ERROR);
    got_free (&g);
    g = read_python (MARK "{\"outcome\": \n", "", &ok);
    assert_int_equal (g.outcome, FO_ERROR);
    got_free (&g);
    fo_proc_status crashed = { .signal = SIGSEGV };
    g = read_python ("partial", "", &crashed);
    assert_int_equal (g.outcome, FO_CRASHED);
    assert_string_equal (g.message, "killed by SIGSEGV");
    assert_string_equal (g.out, "partial");
    got_free (&g);
    fo_proc_status timed_out = { .signal = SIGTERM, .timed_out = true, .duration_us = 1000000 };
    g = read_python ("", "", &timed_out);
    assert_int_equal (g.outcome, FO_TIMEOUT);
    got_free (&g);
    fo_proc_status exit3 = { .exited = true, .exit_code = 3 };
    g = read_python ("", "", &exit3);
    assert_int_equal (g.outcome, FO_ERROR);
    assert_string_equal (g.message, "no result from the Python helper (exit status 3)");
    got_free (&g);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_tree),
        cmocka_unit_test (test_tree_refused),
        cmocka_unit_test (test_tree_limits),
        cmocka_unit_test (test_reader),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
