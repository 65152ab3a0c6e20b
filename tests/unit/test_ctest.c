/*  The CTest source without ctest: json-v1 read into fo_ctest_list (every
    property fanout uses, wrong types and limits refused), CTest's verdict
    rules (fo_ctest_judge) for each way a test ends, and the mapping onto
    the suite (fo_ctest_add: env and its modifications, cwd, timeout,
    fixtures as units, locks as the tests' own, `needs`, label filters and the fixtures
    they bring along). tests/integration/test_ctest.sh compares the same
    with ctest itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_ctest.h"
#include "fo_import_ctest.h"
#include "fo_read_ctest.h"
#include "fo_suite.h"

/* A json-v1 document around the given tests (a JSON array's items). */
static char *
doc (const char *tests)
{
    return fo_xasprintf ("{\"kind\": \"ctestInfo\", \"version\": {\"major\": 1, \"minor\": 0},"
                         " \"backtraceGraph\": {}, \"tests\": [%s]}", tests);
}

static int
parse (const char *tests, fo_ctest_list *list, char *err, size_t errlen)
{
    char *d = doc (tests);
    int rc = fo_ctest_parse (d, strlen (d), list, err, errlen);
    free (d);
    return rc;
}

static void
expect_refused (const char *tests, const char *why)
{
    fo_ctest_list list;
    char err[512] = "";
    if (parse (tests, &list, err, sizeof err) != -1) {
        print_error ("accepted, expected '%s'\n", why);
        fail ();
    }
    if (!strstr (err, why)) {
        print_error ("'%s' does not contain '%s'\n", err, why);
        fail ();
    }
    assert_int_equal (list.len, 0);
}

static void
test_parse_properties (void **state)
{
    (void) state;
    fo_ctest_list list;
    char err[512] = "";
    int rc = parse (
        "{\"name\": \"a\", \"command\": [\"/bin/true\", \"x y\"], \"properties\": ["
        " {\"name\": \"WORKING_DIRECTORY\", \"value\": \"/tmp\"},"
        " {\"name\": \"ENVIRONMENT\", \"value\": [\"A=1\", \"B=x=y\"]},"
        " {\"name\": \"ENVIRONMENT_MODIFICATION\", \"value\": [\"P=path_list_prepend:/x\"]},"
        " {\"name\": \"TIMEOUT\", \"value\": 2.5},"
        " {\"name\": \"WILL_FAIL\", \"value\": true},"
        " {\"name\": \"DISABLED\", \"value\": true},"
        " {\"name\": \"RUN_SERIAL\", \"value\": true},"
        " {\"name\": \"SKIP_RETURN_CODE\", \"value\": 4},"
        " {\"name\": \"PASS_REGULAR_EXPRESSION\", \"value\": [\"ok\", \"fine\"]},"
        " {\"name\": \"FAIL_REGULAR_EXPRESSION\", \"value\": [\"bad\"]},"
        " {\"name\": \"SKIP_REGULAR_EXPRESSION\", \"value\": [\"skip\"]},"
        " {\"name\": \"LABELS\", \"value\": [\"l1\", \"l2\"]},"
        " {\"name\": \"FIXTURES_SETUP\", \"value\": [\"f\"]},"
        " {\"name\": \"RESOURCE_LOCK\", \"value\": [\"gpu\"]},"
        " {\"name\": \"PROCESSORS\", \"value\": 3},"
        " {\"name\": \"COST\", \"value\": 1.5},"
        " {\"name\": \"ATTACHED_FILES\", \"value\": [\"ignored\"]}]},"
        "{\"name\": \"b\"}",
        &list, err, sizeof err);
    assert_int_equal (rc, 0);
    assert_int_equal (list.len, 2);
    const fo_ctest_test *a = &list.items[0];
    assert_string_equal (a->name, "a");
    assert_int_equal (a->command.len, 2);
    assert_string_equal (a->command.items[1], "x y");
    assert_string_equal (a->cwd, "/tmp");
    assert_int_equal (a->env.len, 2);
    assert_string_equal (a->env.items[1], "B=x=y");
    assert_string_equal (a->env_mod.items[0], "P=path_list_prepend:/x");
    assert_true (a->has_timeout);
    assert_true (a->timeout_s == 2.5);
    assert_true (a->will_fail && a->disabled && a->run_serial);
    assert_int_equal (a->skip_code, 4);
    assert_int_equal (a->pass.len, 2);
    assert_string_equal (a->fail.items[0], "bad");
    assert_string_equal (a->skip.items[0], "skip");
    assert_int_equal (a->labels.len, 2);
    assert_string_equal (a->fixtures_setup.items[0], "f");
    assert_string_equal (a->resource_lock.items[0], "gpu");
    assert_int_equal (a->processors, 3);
    assert_true (a->cost == 1.5);
    /* a test with nothing but a name: the defaults */
    const fo_ctest_test *b = &list.items[1];
    assert_int_equal (b->command.len, 0);
    assert_null (b->cwd);
    assert_false (b->has_timeout || b->will_fail || b->disabled || b->run_serial);
    assert_int_equal (b->skip_code, -1);
    assert_int_equal (b->processors, 1);
    assert_int_equal (fo_ctest_find (&list, "b"), 1);
    assert_int_equal (fo_ctest_find (&list, "c"), 2);
    fo_ctest_list_free (&list);
}

static void
test_parse_refused (void **state)
{
    (void) state;
    fo_ctest_list list;
    char err[512];
    const char *not_json = "{\"kind\": ";
    assert_int_equal (fo_ctest_parse (not_json, strlen (not_json), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest json-v1: line 1"));
    /* jansson quotes the input near an error: its newline stays out of the
       one-line message (fuzz_ctest_json found it). */
    const char *escape = "{\"kind\": \"rm \\\n x\"}";
    assert_int_equal (fo_ctest_parse (escape, strlen (escape), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "invalid escape"));
    assert_null (strchr (err, '\n'));
    const char *other = "{\"kind\": \"codemodel\", \"version\": {\"major\": 1}, \"tests\": []}";
    assert_int_equal (fo_ctest_parse (other, strlen (other), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "not a ctestInfo object"));
    const char *v2 = "{\"kind\": \"ctestInfo\", \"version\": {\"major\": 2}, \"tests\": []}";
    assert_int_equal (fo_ctest_parse (v2, strlen (v2), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "version.major must be 1"));
    const char *dup = "{\"kind\": \"ctestInfo\", \"kind\": \"ctestInfo\"}";
    assert_int_equal (fo_ctest_parse (dup, strlen (dup), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "duplicate"));

    expect_refused ("{\"command\": []}", "tests[0]: name must be a string");
    expect_refused ("{\"name\": \"a\", \"command\": \"sh\"}", "command must be a list");
    expect_refused ("{\"name\": \"a\", \"command\": [1]}", "command must be a string");
    expect_refused ("{\"name\": \"a\", \"properties\": {}}", "properties must be a list");
    expect_refused ("{\"name\": \"a\", \"properties\": [{\"name\": \"X\"}]}",
                    "properties[0] must be {\"name\"");
    expect_refused ("{\"name\": \"a\", \"properties\": [{\"name\": \"TIMEOUT\", \"value\": \"1\"}]}",
                    "TIMEOUT must be a number");
    expect_refused ("{\"name\": \"a\", \"properties\": [{\"name\": \"TIMEOUT\", \"value\": -1}]}",
                    "TIMEOUT is out of range");
    expect_refused ("{\"name\": \"a\", \"properties\": [{\"name\": \"WILL_FAIL\", \"value\": 1}]}",
                    "WILL_FAIL must be true or false");
    expect_refused ("{\"name\": \"a\", \"properties\": "
                    "[{\"name\": \"SKIP_RETURN_CODE\", \"value\": 256}]}",
                    "SKIP_RETURN_CODE is out of range");
    expect_refused ("{\"name\": \"a\", \"properties\": [{\"name\": \"LABELS\", \"value\": [1]}]}",
                    "LABELS must be a string");
    expect_refused ("{\"name\": \"a\"}, {\"name\": \"b\"}, {\"name\": \"a\"}",
                    "tests[2]: the name of tests[0] again ('a')");
    /* a NUL inside a string could not be a C string: jansson refuses it */
    expect_refused ("{\"name\": \"a\\u0000b\"}", "line 1");
}

#define GPU_CRYPTO "{\"requirements\": [{\".type\": \"gpus\", \"slots\": 1}, " \
                   "{\".type\": \"crypto\", \"slots\": 2}]}"
#define GROUP_PROP(v) "{\"name\": \"g\", \"properties\": [{\"name\": \"RESOURCE_GROUPS\", " \
                      "\"value\": " v "}]}"

/* RESOURCE_GROUPS as json-v1 lists it ("2,gpus:1,crypto:2;gpus:2": a
   counted group is listed once per count), and what is refused: each
   error names the test and the property. */
static void
test_parse_groups (void **state)
{
    (void) state;
    fo_ctest_list list;
    char err[512] = "";
    assert_int_equal (parse (GROUP_PROP (
        "[" GPU_CRYPTO ", " GPU_CRYPTO ","
        " {\"requirements\": [{\".type\": \"gpus\", \"slots\": 2}]}, {\"requirements\": []}]"),
                             &list, err, sizeof err), 0);
    const fo_ctest_test *t = &list.items[0];
    assert_int_equal (t->ngroups, 4);
    assert_int_equal (t->nreqs, 5);
    assert_string_equal (t->reqs[1].type, "crypto");
    assert_int_equal (t->reqs[1].slots, 2);
    assert_int_equal (t->reqs[1].group, 0);
    assert_int_equal (t->reqs[3].group, 1);
    assert_string_equal (t->reqs[4].type, "gpus");
    assert_int_equal (t->reqs[4].slots, 2);
    assert_int_equal (t->reqs[4].group, 2);
    fo_ctest_list_free (&list);

    expect_refused (GROUP_PROP ("\"gpus:1\""),
                    "tests[0] ('g'): RESOURCE_GROUPS must be a list of groups");
    expect_refused (GROUP_PROP ("[{\"requirements\": []}, [1]]"),
                    "tests[0] ('g'): RESOURCE_GROUPS: group 1 must be {\"requirements\": [...]}");
    expect_refused (GROUP_PROP ("[{\"requirements\": {}}]"), "group 0 must be {\"requirements\"");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"gpus\"}]}]"),
                    "RESOURCE_GROUPS: group 0, requirement 0 must be "
                    "{\".type\": NAME, \"slots\": N}");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"gpus\", \"slots\": 1.5}]}]"),
                    "requirement 0 must be {\".type\"");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": 1, \"slots\": 1}]}]"),
                    "requirement 0 must be {\".type\"");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"GPUs\", \"slots\": 1}]}]"),
                    "tests[0] ('g'): RESOURCE_GROUPS: group 0: 'GPUs' is not a resource name");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"\", \"slots\": 1}]}]"),
                    "'' is not a resource name");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"gpus\", \"slots\": 0}]}]"),
                    "group 0: the slots of 'gpus' must be an integer from 1 to 1000000");
    expect_refused (GROUP_PROP ("[{\"requirements\": [{\".type\": \"gpus\", "
                                "\"slots\": 1000001}]}]"),
                    "the slots of 'gpus' must be an integer from 1 to 1000000");
    expect_refused ("{\"name\": \"g\", \"properties\": [{\"name\": \"RESOURCE_GROUPS\", \"value\": "
                    "[{\"requirements\": []}]}, {\"name\": \"RESOURCE_GROUPS\", \"value\": []}]}",
                    "tests[0] ('g'): RESOURCE_GROUPS twice");
    /* bounded: 256 groups and requirements together */
    fo_buf big = { 0 };
    fo_buf_puts (&big, "[");
    for (int i = 0; i < 128; i++)
        fo_buf_printf (&big, "%s{\"requirements\": [{\".type\": \"gpus\", \"slots\": 1}]}",
                       i ? ", " : "");
    fo_buf_puts (&big, "]");
    char *ok = fo_xasprintf (GROUP_PROP ("%s"), big.data);
    assert_int_equal (parse (ok, &list, err, sizeof err), 0);
    assert_int_equal (list.items[0].ngroups, 128);
    fo_ctest_list_free (&list);
    free (ok);
    big.data[big.len - 1] = '\0';
    big.len--;
    fo_buf_puts (&big, ", {\"requirements\": []}]");
    char *over = fo_xasprintf (GROUP_PROP ("%s"), big.data);
    expect_refused (over, "tests[0] ('g'): RESOURCE_GROUPS: more than 256 groups and requirements");
    free (over);
    fo_buf_free (&big);
}

static void
test_parse_limits (void **state)
{
    (void) state;
    fo_ctest_list list;
    char err[512];
    /* Past the size limit: refused before a byte is parsed. */
    assert_int_equal (fo_ctest_parse ("{}", (size_t) FO_CTEST_MAX_JSON + 1, &list, err,
                                      sizeof err), -1);
    assert_non_null (strstr (err, "more than the 32 MiB allowed"));
    /* One test more than allowed. */
    fo_buf tests = { 0 };
    for (unsigned i = 0; i <= FO_CTEST_MAX_TESTS; i++)
        fo_buf_printf (&tests, "%s{\"name\": \"t%u\"}", i ? "," : "", i);
    char *d = doc (tests.data);
    assert_int_equal (fo_ctest_parse (d, strlen (d), &list, err, sizeof err), -1);
    assert_non_null (strstr (err, "100001 tests, more than the 100000 allowed"));
    free (d);
    fo_buf_free (&tests);
    /* A string past FO_CTEST_MAX_STRING. */
    char *big = fo_xmalloc (FO_CTEST_MAX_STRING + 2);
    memset (big, 'x', FO_CTEST_MAX_STRING + 1);
    big[FO_CTEST_MAX_STRING + 1] = '\0';
    char *t = fo_xasprintf ("{\"name\": \"%s\"}", big);
    expect_refused (t, "name is longer than 1048576 bytes");
    free (t);
    free (big);
}

/* ---- verdicts ---------------------------------------------------------- */

static fo_outcome
judge (const fo_verdict *v, int code, int sig, bool timed_out, const char *out, const char *err,
       char **message)
{
    fo_proc_status st = { .exited = !sig && !timed_out, .exit_code = code, .signal = sig,
                          .timed_out = timed_out };
    fo_outcome o;
    fo_ctest_judge (v, &st, 1000, out, err, &o, message);
    return o;
}

static fo_outcome
judge1 (const fo_verdict *v, int code, const char *out)
{
    char *m;
    fo_outcome o = judge (v, code, 0, false, out, "", &m);
    free (m);
    return o;
}

static void
test_judge (void **state)
{
    (void) state;
    fo_verdict v = { .skip_code = -1 };
    char *m;
    /* plain: exit status; 77 is nothing special to CTest */
    assert_int_equal (judge1 (&v, 0, ""), FO_PASSED);
    assert_int_equal (judge (&v, 3, 0, false, "", "", &m), FO_FAILED);
    assert_string_equal (m, "exit status 3");
    free (m);
    assert_int_equal (judge1 (&v, 77, ""), FO_FAILED);
    /* signals and timeouts, whatever WILL_FAIL or the expressions say */
    v.will_fail = true;
    fo_strv_push (&v.pass, "x");
    assert_int_equal (judge (&v, 0, 11, false, "x", "", &m), FO_CRASHED);
    free (m);
    assert_int_equal (judge (&v, 0, 0, true, "x", "", &m), FO_TIMEOUT);
    free (m);
    fo_verdict_free (&v);

    /* WILL_FAIL swaps */
    v = (fo_verdict) { .skip_code = -1, .will_fail = true };
    assert_int_equal (judge1 (&v, 1, ""), FO_PASSED);
    assert_int_equal (judge (&v, 0, 0, false, "", "", &m), FO_FAILED);
    assert_non_null (strstr (m, "WILL_FAIL"));
    free (m);

    /* SKIP_RETURN_CODE wins over WILL_FAIL */
    v.skip_code = 4;
    assert_int_equal (judge (&v, 4, 0, false, "", "", &m), FO_SKIPPED);
    assert_string_equal (m, "SKIP_RETURN_CODE=4");
    free (m);
    fo_verdict_free (&v);

    /* SKIP_REGULAR_EXPRESSION: in stdout or stderr, over a failure */
    v = (fo_verdict) { .skip_code = -1 };
    fo_strv_push (&v.skip, "^SKIP+ED");
    fo_strv_push (&v.fail, "ERROR");
    assert_int_equal (judge (&v, 1, 0, false, "SKIPPED ERROR", "", &m), FO_SKIPPED);
    assert_string_equal (m, "SKIP_REGULAR_EXPRESSION_MATCHED");
    free (m);
    assert_int_equal (judge1 (&v, 0, "no SKIPPED at the start"), FO_PASSED);
    assert_int_equal (judge (&v, 0, 0, false, "", "SKIPED", &m), FO_SKIPPED);
    free (m);
    /* FAIL_REGULAR_EXPRESSION */
    assert_int_equal (judge (&v, 0, 0, false, "an ERROR", "", &m), FO_FAILED);
    assert_non_null (strstr (m, "error regular expression found"));
    free (m);
    fo_verdict_free (&v);

    /* PASS_REGULAR_EXPRESSION: any one found, the exit status ignored */
    v = (fo_verdict) { .skip_code = -1 };
    fo_strv_push (&v.pass, "all go+d");
    fo_strv_push (&v.pass, "ok [0-9]+");
    assert_int_equal (judge1 (&v, 2, "all good"), FO_PASSED);
    assert_int_equal (judge1 (&v, 0, "ok 7"), FO_PASSED);
    assert_int_equal (judge (&v, 0, 0, false, "nothing", "", &m), FO_FAILED);
    assert_non_null (strstr (m, "required regular expression not found"));
    free (m);
    /* ... but a failure expression found beats it */
    fo_strv_push (&v.fail, "FATAL");
    assert_int_equal (judge1 (&v, 0, "all good\nFATAL"), FO_FAILED);
    /* ... and WILL_FAIL turns not-found into a pass */
    v.will_fail = true;
    assert_int_equal (judge1 (&v, 0, "nope"), FO_PASSED);
    fo_verdict_free (&v);

    /* Text past a NUL byte is not searched (as CTest's C strings) */
    v = (fo_verdict) { .skip_code = -1 };
    fo_strv_push (&v.fail, "hidden");
    assert_int_equal (judge1 (&v, 0, "seen\0hidden"), FO_PASSED);
    fo_verdict_free (&v);

    /* An expression that does not compile: an error, never a guess */
    v = (fo_verdict) { .skip_code = -1 };
    fo_strv_push (&v.pass, "(");
    assert_int_equal (judge (&v, 0, 0, false, "", "", &m), FO_ERROR);
    assert_non_null (strstr (m, "invalid regular expression '('"));
    free (m);
    fo_verdict_free (&v);
    char why[200];
    assert_false (fo_ctest_regex_valid ("a[", why, sizeof why));
    assert_true (fo_ctest_regex_valid ("a|b", why, sizeof why));
}

/* ---- the mapping ------------------------------------------------------- */

typedef struct {
    fo_suite *suite;
    fo_ctest_list list;
} mapped;

static int
map (mapped *m, const char *tests, const fo_ctest_filter *filter, char *err, size_t errlen)
{
    char perr[512];
    assert_int_equal (parse (tests, &m->list, perr, sizeof perr), 0);
    static const char empty[] = "{}";
    m->suite = fo_suite_load_buffer ("/tmp/fanout-test-ctest.yml", empty, 2, perr, sizeof perr);
    assert_non_null (m->suite);
    return fo_ctest_add (m->suite->root, &m->list, filter, "/build", err, errlen);
}

static void
unmap (mapped *m)
{
    fo_ctest_list_free (&m->list);
    fo_suite_destroy (&m->suite);
}

static void
test_map_test (void **state)
{
    (void) state;
    setenv ("FO_CTEST_PATH", "/a:/b", 1);
    setenv ("FO_CTEST_GONE", "x", 1);
    unsetenv ("FO_CTEST_NEW");
    mapped m;
    char err[512] = "";
    int rc = map (&m,
        "{\"name\": \"t\", \"command\": [\"prog\", \"arg\"], \"properties\": ["
        " {\"name\": \"ENVIRONMENT\", \"value\": [\"E=1\", \"F=keep\"]},"
        " {\"name\": \"ENVIRONMENT_MODIFICATION\", \"value\": ["
        "   \"FO_CTEST_PATH=path_list_prepend:/c\", \"FO_CTEST_NEW=path_list_append:/n\","
        "   \"E=string_append:2\", \"E=string_prepend:0\", \"L=cmake_list_append:x\","
        "   \"L=cmake_list_append:y\", \"FO_CTEST_GONE=unset:\", \"F=set:v\", \"F=reset:\"]},"
        " {\"name\": \"TIMEOUT\", \"value\": 1.5},"
        " {\"name\": \"WILL_FAIL\", \"value\": true},"
        " {\"name\": \"RUN_SERIAL\", \"value\": true},"
        " {\"name\": \"SKIP_RETURN_CODE\", \"value\": 4},"
        " {\"name\": \"PASS_REGULAR_EXPRESSION\", \"value\": [\"ok\"]}]},"
        "{\"name\": \"no timeout\", \"properties\": [{\"name\": \"TIMEOUT\", \"value\": 0},"
        " {\"name\": \"WORKING_DIRECTORY\", \"value\": \"/wd\"}]}",
        NULL, err, sizeof err);
    assert_int_equal (rc, 0);
    fo_test *t = fo_suite_find_test (m.suite, "t");
    assert_non_null (t);
    /* unset: through env -u, then the command as CTest lists it */
    assert_int_equal (t->run.argv.len, 5);
    assert_string_equal (t->run.argv.items[0], "env");
    assert_string_equal (t->run.argv.items[1], "-u");
    assert_string_equal (t->run.argv.items[2], "FO_CTEST_GONE");
    assert_string_equal (t->run.argv.items[3], "prog");
    assert_string_equal (fo_env_get (fo_test_env (t), "FO_CTEST_PATH"), "/c:/a:/b");
    assert_string_equal (fo_env_get (fo_test_env (t), "FO_CTEST_NEW"), "/n");
    assert_string_equal (fo_env_get (fo_test_env (t), "E"), "012");
    assert_string_equal (fo_env_get (fo_test_env (t), "L"), "x;y");
    assert_string_equal (fo_env_get (fo_test_env (t), "F"), "keep");
    assert_string_equal (t->cwd, "/build");
    assert_int_equal (t->timeout_ms, 1500);
    assert_int_equal (t->reader, FO_READER_CTEST);
    assert_true (t->serial);
    assert_true (t->verdict->will_fail);
    assert_int_equal (t->verdict->skip_code, 4);
    assert_string_equal (t->verdict->pass.items[0], "ok");
    fo_test *n = fo_suite_find_test (m.suite, "no timeout");
    assert_non_null (n);
    assert_int_equal (n->timeout_ms, FO_TIMEOUT_NONE);
    assert_string_equal (n->cwd, "/wd");
    assert_int_equal (n->verdict->skip_code, -1);
    /* no command listed: a test that says why and fails */
    assert_string_equal (n->run.argv.items[0], "/bin/sh");
    assert_non_null (strstr (n->run.argv.items[2], "ctest lists no command"));
    unmap (&m);
}

static void
test_map_refused (void **state)
{
    (void) state;
    mapped m;
    char err[512] = "";
    assert_int_equal (map (&m, "{\"name\": \"t\", \"properties\": [{\"name\": "
                          "\"FAIL_REGULAR_EXPRESSION\", \"value\": [\"a(\"]}]}",
                          NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest test 't': FAIL_REGULAR_EXPRESSION 'a(' is not a valid"));
    unmap (&m);
    assert_int_equal (map (&m, "{\"name\": \"t\", \"properties\": [{\"name\": "
                          "\"ENVIRONMENT_MODIFICATION\", \"value\": [\"A=frob:1\"]}]}",
                          NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "unknown operation 'frob'"));
    unmap (&m);
    assert_int_equal (map (&m, "{\"name\": \"t\", \"properties\": [{\"name\": "
                          "\"ENVIRONMENT\", \"value\": [\"=1\"]}]}", NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ENVIRONMENT '=1' is not NAME=value"));
    unmap (&m);
    /* a name the suite refuses */
    assert_int_equal (map (&m, "{\"name\": \" t\"}", NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "must not begin with a space"));
    unmap (&m);
    /* a step too large to send: 5 x 1 MiB of arguments */
    fo_buf big = { 0 };
    fo_buf_puts (&big, "{\"name\": \"t\", \"command\": [");
    for (int i = 0; i < 5; i++) {
        fo_buf_puts (&big, i ? ", \"" : "\"");
        for (int k = 0; k < 1024 * 1024 - 1; k++)
            fo_buf_append (&big, "x", 1);
        fo_buf_puts (&big, "\"");
    }
    fo_buf_puts (&big, "]}");
    assert_int_equal (map (&m, big.data, NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest test 't' takes 5242"));
    assert_non_null (strstr (err, "bytes to send (at most 4 MiB)"));
    fo_buf_free (&big);
    unmap (&m);
    /* fixtures "a" and "b" together, and one called "a+b" */
    assert_int_equal (map (&m, "{\"name\": \"s\", \"properties\": [{\"name\": "
                          "\"FIXTURES_SETUP\", \"value\": [\"a\", \"b\"]}]},"
                          "{\"name\": \"u\", \"properties\": [{\"name\": "
                          "\"FIXTURES_REQUIRED\", \"value\": [\"a\"]}]},"
                          "{\"name\": \"s2\", \"properties\": [{\"name\": "
                          "\"FIXTURES_SETUP\", \"value\": [\"a+b\"]}]},"
                          "{\"name\": \"u2\", \"properties\": [{\"name\": "
                          "\"FIXTURES_REQUIRED\", \"value\": [\"a+b\"]}]}",
                          NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest fixture group 'a+b' twice"));
    unmap (&m);
    /* RESOURCE_LOCK: a name the broker refuses, and more locks than a
       test may hold */
    assert_int_equal (map (&m, "{\"name\": \"t\", \"properties\": [{\"name\": "
                          "\"RESOURCE_LOCK\", \"value\": [\"ok\", \"a\\u0001\"]}]}",
                          NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest test 't': RESOURCE_LOCK 'a\\x01' is not a lock name "
                             "(1 to 256 bytes, no control character)"));
    unmap (&m);
    /* A refusal is one line, whatever control character the names it
       quotes hold (the fuzzer's find: a test named "...\nzero") */
    assert_int_equal (map (&m, "{\"name\": \"a\\nb\"}", NULL, err, sizeof err), -1);
    assert_null (strchr (err, '\n'));
    assert_non_null (strstr (err, "ctest test: test name 'a\\x0Ab' must not contain the control "
                             "character U+000A"));
    unmap (&m);
    fo_buf many = { 0 };
    fo_buf_puts (&many, "{\"name\": \"t\", \"properties\": [{\"name\": \"RESOURCE_LOCK\", "
                 "\"value\": [\"l0\"");
    for (int i = 1; i < 65; i++)
        fo_buf_printf (&many, ", \"l%d\", \"l%d\"", i, i);      /* each twice: counted once */
    fo_buf_puts (&many, "]}]}");
    assert_int_equal (map (&m, many.data, NULL, err, sizeof err), -1);
    assert_non_null (strstr (err, "ctest test 't' asks for 65 locks and resources"));
    fo_buf_free (&many);
    unmap (&m);
    fo_ctest_filter bad = { "(", NULL, NULL };
    assert_int_equal (map (&m, "{\"name\": \"t\"}", &bad, err, sizeof err), -1);
    assert_non_null (strstr (err, "labels '(' is not a valid extended regular expression"));
    unmap (&m);
}

/* RESOURCE_GROUPS: the slots each type asks in all groups together are
   the test's resources; the groups are kept (in order) for the variables
   the test is told; totals past what a test may ask are refused. */
static void
test_map_groups (void **state)
{
    (void) state;
    mapped m;
    char err[512] = "";
    assert_int_equal (map (&m, GROUP_PROP (
        "[" GPU_CRYPTO ", " GPU_CRYPTO ","
        " {\"requirements\": [{\".type\": \"gpus\", \"slots\": 2}]}]"), NULL, err, sizeof err), 0);
    const fo_needs *n = m.suite->root->tests[0]->needs;
    assert_non_null (n);
    assert_int_equal (n->nresources, 2);
    assert_string_equal (n->resources[0].name, "gpus");
    assert_int_equal (n->resources[0].count, 4);
    assert_string_equal (n->resources[1].name, "crypto");
    assert_int_equal (n->resources[1].count, 4);
    assert_int_equal (n->locks.len, 0);
    assert_int_equal (n->ngroups, 3);
    assert_int_equal (n->ngroup_needs, 5);
    assert_string_equal (n->groups[3].name, "crypto");
    assert_int_equal (n->groups[3].group, 1);
    assert_int_equal (n->groups[4].count, 2);
    assert_int_equal (n->groups[4].group, 2);
    unmap (&m);
    assert_int_equal (map (&m, GROUP_PROP (
        "[{\"requirements\": [{\".type\": \"gpus\", \"slots\": 1000000}]},"
        " {\"requirements\": [{\".type\": \"gpus\", \"slots\": 1}]}]"), NULL, err, sizeof err), -1);
    assert_string_equal (err, "ctest test 'g': RESOURCE_GROUPS asks for more than 1000000 slots "
                              "of 'gpus' in all");
    unmap (&m);
}

#define FIXTURE_TESTS \
    "{\"name\": \"user\", \"properties\": [" \
    "  {\"name\": \"FIXTURES_REQUIRED\", \"value\": [\"db\"]}," \
    "  {\"name\": \"DEPENDS\", \"value\": [\"setup\"]}," \
    "  {\"name\": \"LABELS\", \"value\": [\"app\"]}]}," \
    "{\"name\": \"cleanup\", \"properties\": [{\"name\": \"FIXTURES_CLEANUP\", \"value\": [\"db\"]}," \
    "  {\"name\": \"DEPENDS\", \"value\": [\"user\", \"setup\"]}]}," \
    "{\"name\": \"setup\", \"properties\": [{\"name\": \"FIXTURES_SETUP\", \"value\": [\"db\"]}," \
    "  {\"name\": \"DEPENDS\", \"value\": [\"net up\", \"not in the unit\"]}," \
    "  {\"name\": \"FIXTURES_REQUIRED\", \"value\": [\"net\"]}]}," \
    "{\"name\": \"net up\", \"properties\": [{\"name\": \"FIXTURES_SETUP\", \"value\": [\"net\"]}]}," \
    "{\"name\": \"lock1\", \"properties\": [{\"name\": \"RESOURCE_LOCK\", \"value\": [\"gpu\"]}," \
    "  {\"name\": \"RUN_SERIAL\", \"value\": true}]}," \
    "{\"name\": \"lone\", \"properties\": [{\"name\": \"LABELS\", \"value\": [\"app\"]}]}," \
    "{\"name\": \"lock2\", \"properties\": [{\"name\": \"RESOURCE_LOCK\", \"value\": [\"gpu\"]}]}"

static void
test_map_fixtures (void **state)
{
    (void) state;
    mapped m;
    char err[512] = "";
    assert_int_equal (map (&m, FIXTURE_TESTS, NULL, err, sizeof err), 0);
    fo_context *root = m.suite->root;
    /* one unit per group, at the place of its first test */
    assert_int_equal (root->ntests, 3);
    assert_string_equal (root->tests[0]->name, "lock1");
    assert_string_equal (root->tests[1]->name, "lone");
    assert_string_equal (root->tests[2]->name, "lock2");
    assert_int_equal (root->ncontexts, 1);
    fo_context *db = root->contexts[0];
    assert_string_equal (db->name, "db+net");
    assert_int_equal (db->mode, FO_MODE_UNIT);
    /* after what each DEPENDS on (CTest lists a fixture's edges), setups
       before the others, cleanups last, then in CTest's order */
    assert_int_equal (db->ntests, 4);
    assert_string_equal (db->tests[0]->name, "net up");
    assert_string_equal (db->tests[1]->name, "setup");
    assert_string_equal (db->tests[2]->name, "user");
    assert_string_equal (db->tests[3]->name, "cleanup");
    /* a test needs the setups of the fixtures it requires */
    const fo_verdict *user = db->tests[2]->verdict;
    assert_int_equal (user->needs.len, 1);
    assert_string_equal (user->needs.items[0], "db+net/setup");
    assert_string_equal (db->tests[1]->verdict->needs.items[0], "db+net/net up");
    assert_int_equal (db->tests[3]->verdict->needs.len, 0);
    /* a lock's holders: tests of their own, each holding the lock
       exclusively (the broker keeps them apart on every host); RUN_SERIAL
       stays the test's own */
    for (size_t i = 0; i < 3; i += 2) {
        const fo_test *lock = root->tests[i];
        assert_non_null (lock->needs);
        assert_int_equal (lock->needs->locks.len, 1);
        assert_string_equal (lock->needs->locks.items[0], "gpu");
        assert_int_equal (fo_needs_count (lock->needs), 1);
        assert_int_equal (lock->serial, i == 0);
    }
    assert_null (root->tests[1]->needs);
    assert_null (db->tests[0]->needs);
    unmap (&m);
}

static void
test_map_labels (void **state)
{
    (void) state;
    mapped m;
    char err[512] = "";
    /* -L app: "user" and "lone", and the fixtures "user" requires, all
       the way down (db's setup requires net) */
    fo_ctest_filter app = { "^ap+$", NULL, NULL };
    assert_int_equal (map (&m, FIXTURE_TESTS, &app, err, sizeof err), 0);
    assert_int_equal (fo_suite_count_tests (m.suite), 5);
    assert_non_null (fo_suite_find_test (m.suite, "db+net/net up"));
    assert_null (fo_suite_find_test (m.suite, "lock1"));
    unmap (&m);
    /* -LE app: no "user", no "lone"; a test without labels stays */
    fo_ctest_filter not_app = { NULL, "app", NULL };
    assert_int_equal (map (&m, FIXTURE_TESTS, &not_app, err, sizeof err), 0);
    assert_int_equal (fo_suite_count_tests (m.suite), 5);
    assert_null (fo_suite_find_test (m.suite, "db+net/user"));
    assert_null (fo_suite_find_test (m.suite, "lone"));
    unmap (&m);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse_properties),
        cmocka_unit_test (test_parse_refused),
        cmocka_unit_test (test_parse_groups),
        cmocka_unit_test (test_parse_limits),
        cmocka_unit_test (test_judge),
        cmocka_unit_test (test_map_test),
        cmocka_unit_test (test_map_refused),
        cmocka_unit_test (test_map_fixtures),
        cmocka_unit_test (test_map_groups),
        cmocka_unit_test (test_map_labels),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
