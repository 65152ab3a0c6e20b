/*  Tests for the suite file: loading (fo_suite_load), the tree it builds,
    inheritance, every error with its exact "file:line:column: message",
    and run-time discovery with real commands.

    Fixtures are in tests/data/suites; small variants are written to a
    temporary directory by the test itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_proc.h"
#include "fo_suite.h"
#include "fo_suite_discover.h"
#include "suite_text.h"

#define SUITES FO_TEST_DATA_DIR "/suites/"

/* ---- helpers ----------------------------------------------------------- */

static fo_suite *
load_ok (const char *path)
{
    char err[512] = "";
    fo_suite *suite = fo_suite_load (path, err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    return suite;
}

/* Loads a fixture that must fail; checks the whole message, whose path
   part is the path as given. */
static void
expect_error (const char *fixture, const char *expected)
{
    char path[512], err[512] = "", want[1024];
    snprintf (path, sizeof path, SUITES "%s", fixture);
    fo_suite *suite = fo_suite_load (path, err, sizeof err);
    if (suite)
        fo_suite_destroy (&suite);
    assert_null (suite);
    snprintf (want, sizeof want, "%s:%s", path, expected);
    assert_string_equal (err, want);
}

/* Loads text that must fail; returns the message after "path:". */
static void
expect_text_error (const char *text, const char *expected)
{
    tmp_suite t;
    char err[512] = "", want[1024];
    tmp_write (&t, text);
    fo_suite *suite = fo_suite_load (t.path, err, sizeof err);
    if (suite)
        fo_suite_destroy (&suite);
    snprintf (want, sizeof want, "%s:%s", t.path, expected);
    tmp_remove (&t);
    assert_null (suite);
    assert_string_equal (err, want);
}

static fo_context *
child (fo_context *ctx, const char *name)
{
    for (size_t i = 0; i < ctx->ncontexts; i++)
        if (!strcmp (ctx->contexts[i]->name, name))
            return ctx->contexts[i];
    fail_msg ("no context '%s' in '%s'", name, ctx->id);
    return NULL;
}

static void
assert_argv (const fo_strv *argv, const char *const *want)
{
    size_t n = 0;
    while (want[n])
        n++;
    assert_int_equal (argv->len, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal (argv->items[i], want[i]);
    assert_null (argv->items[n]);
}

#define ARGV(...) ((const char *const[]) { __VA_ARGS__, NULL })

/* ---- a valid file with every key --------------------------------------- */

static void
test_full_file (void **state)
{
    (void) state;
    fo_suite *suite = load_ok (SUITES "full.yml");
    char *dir = realpath (FO_TEST_DATA_DIR "/suites", NULL);
    char *work = fo_xasprintf ("%s/work", dir);

    assert_string_equal (suite->path, SUITES "full.yml");
    assert_string_equal (suite->dir, dir);
    assert_int_equal (suite->skip_code, 99);
    assert_int_equal (fo_suite_count_tests (suite), 5);

    fo_context *root = suite->root;
    assert_string_equal (root->id, "");
    assert_int_equal (root->timeout_ms, 30000);
    assert_string_equal (root->cwd, work);
    assert_string_equal (fo_env_get (&root->env, "GLOBAL"), "one");
    assert_string_equal (fo_env_get (&root->env, "COUNT"), "3");
    assert_string_equal (fo_env_get (&root->env, "FLAG"), "true");
    assert_int_equal (root->ntests, 2);
    assert_int_equal (root->ncontexts, 3);

    fo_test *hello = root->tests[0];
    assert_string_equal (hello->id, "hello");
    assert_int_equal (hello->line, 7);
    assert_int_equal (hello->column, 5);
    assert_argv (&hello->run.argv, ARGV ("/bin/sh", "-c", "echo hello"));
    assert_int_equal (hello->run.line, 8);
    assert_int_equal (hello->run.column, 10);
    assert_null (hello->cwd);
    assert_int_equal (hello->timeout_ms, 0);

    fo_test *argv = root->tests[1];
    assert_string_equal (argv->id, "argv");
    assert_argv (&argv->run.argv, ARGV ("printf", "%s\n", "two words"));
    assert_string_equal (argv->cwd, "/tmp");
    assert_int_equal (argv->timeout_ms, 500);
    assert_string_equal (fo_env_get (fo_test_env (argv), "LOCAL"), "x");

    fo_context *db = child (root, "db");
    assert_string_equal (db->id, "db");
    assert_ptr_equal (db->parent, root);
    assert_int_equal (db->line, 15);
    assert_int_equal (db->column, 5);
    assert_int_equal (db->mode, FO_MODE_SPLIT);
    assert_argv (&db->setup.argv, ARGV ("/bin/sh", "-c", "./db-up"));
    assert_int_equal (db->setup.line, 17);
    assert_int_equal (db->setup.column, 12);
    assert_argv (&db->teardown.argv, ARGV ("./db-down", "--force"));
    assert_int_equal (db->timeout_ms, 120000);
    assert_null (db->cwd);
    assert_true (fo_context_has_fixtures (db));
    assert_int_equal (db->ntests, 2);
    assert_string_equal (db->tests[0]->id, "db/insert");
    assert_int_equal (db->tests[0]->line, 24);
    assert_int_equal (db->tests[0]->column, 9);
    assert_string_equal (db->tests[1]->id, "db/select");
    assert_int_equal (db->tests[1]->timeout_ms, 2000);

    fo_context *slow = child (db, "slow");
    assert_string_equal (slow->id, "db/slow");
    assert_int_equal (slow->mode, FO_MODE_SERIAL | FO_MODE_SHARED);
    assert_string_equal (slow->cwd, dir);       /* "." is the suite's directory */
    assert_string_equal (slow->tests[0]->id, "db/slow/big");

    fo_context *gen = child (root, "gen");
    assert_int_equal (gen->ntests, 0);          /* discovery is not run by load */
    assert_argv (&gen->discover.argv, ARGV ("/bin/sh", "-c", "./list-tests"));
    assert_string_equal (gen->run_template_shell, "./t {name}");
    assert_int_equal (gen->run_template_argv.len, 0);
    assert_int_equal (gen->mode, 0);

    fo_context *gen2 = child (root, "gen2");
    assert_int_equal (gen2->mode, FO_MODE_SERIAL);
    assert_argv (&gen2->discover.argv, ARGV ("./t", "--list"));
    assert_null (gen2->run_template_shell);
    assert_argv (&gen2->run_template_argv, ARGV ("./t", "--only", "{name}"));
    assert_false (fo_context_has_fixtures (gen2));

    free (work);
    free (dir);
    fo_suite_destroy (&suite);
    assert_null (suite);
}

static void
test_inheritance (void **state)
{
    (void) state;
    fo_suite *suite = load_ok (SUITES "full.yml");
    char *dir = realpath (FO_TEST_DATA_DIR "/suites", NULL);
    char *work = fo_xasprintf ("%s/work", dir);
    fo_context *db = child (suite->root, "db");
    fo_test *hello = suite->root->tests[0], *argv = suite->root->tests[1];
    fo_test *select = db->tests[1], *big = child (db, "slow")->tests[0];

    /* cwd: the nearest setting, else the root's, else the file's dir */
    assert_string_equal (fo_test_effective_cwd (suite, hello), work);
    assert_string_equal (fo_test_effective_cwd (suite, argv), "/tmp");
    assert_string_equal (fo_test_effective_cwd (suite, db->tests[0]), work);
    assert_string_equal (fo_test_effective_cwd (suite, big), dir);

    /* timeout: the nearest setting */
    assert_int_equal (fo_test_effective_timeout (hello), 30000);
    assert_int_equal (fo_test_effective_timeout (argv), 500);
    assert_int_equal (fo_test_effective_timeout (select), 2000);
    assert_int_equal (fo_test_effective_timeout (big), 120000);

    /* env: merged from the root down, inner wins */
    fo_env env = { 0 };
    fo_test_effective_env (big, &env);
    assert_string_equal (fo_env_get (&env, "GLOBAL"), "two");
    assert_string_equal (fo_env_get (&env, "DB"), "pg");
    assert_string_equal (fo_env_get (&env, "COUNT"), "3");
    fo_env_free (&env);
    fo_test_effective_env (argv, &env);
    assert_string_equal (fo_env_get (&env, "GLOBAL"), "one");
    assert_string_equal (fo_env_get (&env, "LOCAL"), "x");
    assert_null (fo_env_get (&env, "DB"));
    fo_env_free (&env);

    free (work);
    free (dir);
    fo_suite_destroy (&suite);
}

static void
test_defaults (void **state)
{
    (void) state;
    tmp_suite t;
    tmp_write (&t, "tests:\n  - {name: a, run: [\"true\"]}\n");
    fo_suite *suite = load_ok (t.path);
    char *dir = realpath (t.dir, NULL);
    assert_int_equal (suite->skip_code, FO_DEFAULT_SKIP_CODE);
    assert_int_equal (fo_test_effective_timeout (suite->root->tests[0]), FO_DEFAULT_TIMEOUT_MS);
    assert_string_equal (fo_test_effective_cwd (suite, suite->root->tests[0]), dir);
    assert_string_equal (suite->root->tests[0]->id, "a");
    free (dir);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

static void
test_anchors (void **state)
{
    (void) state;
    fo_suite *suite = load_ok (SUITES "anchors.yml");
    fo_context *a = child (suite->root, "a"), *b = child (suite->root, "b");
    assert_string_equal (fo_env_get (&suite->root->env, "MODE"), "fast");
    assert_string_equal (fo_env_get (&a->env, "MODE"), "fast");
    assert_argv (&b->setup.argv, ARGV ("./up", "--quick"));
    assert_string_equal (a->tests[0]->id, "a/one");
    assert_string_equal (b->tests[0]->id, "b/one");
    assert_argv (&b->tests[0]->run.argv, ARGV ("/bin/sh", "-c", "./t one"));
    fo_suite_destroy (&suite);
}

static void
test_timeout_values (void **state)
{
    (void) state;
    tmp_suite t;
    tmp_write (&t, "timeout: 0.0001\ntests:\n  - {name: a, run: x, timeout: 1.25}\n");
    fo_suite *suite = load_ok (t.path);
    assert_int_equal (suite->root->timeout_ms, 1);     /* rounded up, never 0 */
    assert_int_equal (suite->root->tests[0]->timeout_ms, 1250);
    fo_suite_destroy (&suite);
    tmp_remove (&t);

    expect_text_error ("timeout: 0\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: abc\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: 1e3\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: [1]\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: 5000000\n", "1:10: 'timeout' must be at most 4294967 seconds");

    /* The command line's syntax (fo_parse_seconds), exactly: "5." and
       ".5", no binary rounding, the same largest value; 0 only there. */
    tmp_write (&t, "timeout: 4294967\ntests:\n  - {name: a, run: x, timeout: 2.007}\n"
               "  - {name: b, run: x, timeout: '.5'}\n  - {name: c, run: x, timeout: 5.}\n");
    suite = load_ok (t.path);
    assert_int_equal (suite->root->timeout_ms, 4294967000u);
    assert_int_equal (suite->root->tests[0]->timeout_ms, 2007);
    assert_int_equal (suite->root->tests[1]->timeout_ms, 500);
    assert_int_equal (suite->root->tests[2]->timeout_ms, 5000);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
    expect_text_error ("timeout: 4294967.001\n", "1:10: 'timeout' must be at most 4294967 seconds");
    expect_text_error ("timeout: 0.000\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: -1\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: 1.2.3\n", "1:10: 'timeout' must be a positive number of seconds");
    expect_text_error ("timeout: \"1\\0\"\n", "1:10: 'timeout' must be a positive number of seconds");
}

/* ---- errors, each at its exact place ----------------------------------- */

static void
test_error_fixtures (void **state)
{
    (void) state;
    expect_error ("err_unknown_key.yml",
                  "6:5: unknown key 'timout' in test (expected one of: name, run, env, cwd, timeout, "
                  "labels, locks, shared_locks, resources, requires)");
    expect_error ("err_timeout.yml", "3:14: 'timeout' must be a positive number of seconds");
    expect_error ("err_dup_test.yml", "17:9: duplicate test id 'db2/insert' (first defined at line 15)");
    expect_error ("err_dup_context.yml", "6:5: duplicate context name 'db' (first defined at line 2)");
    expect_error ("err_empty.yml",
                  "1:1: the suite file is empty (expected a map with 'tests' or 'contexts')");
    expect_error ("err_not_map.yml", "1:1: the top level must be a map (with 'tests' or 'contexts')");
    expect_error ("err_syntax.yml", "4:9: did not find expected ',' or ']' "
                  "(while parsing a flow sequence started at line 3, column 10)");
    expect_error ("err_type.yml", "2:8: 'tests' must be a list");
    expect_error ("err_no_run.yml", "4:5: test 'b' has no 'run'");
    expect_error ("err_no_name.yml", "4:9: test has no 'name'");
    expect_error ("err_name_control.yml",
                  "2:11: context name 'c\\x09d' must not contain the control character U+0009 (byte 2)");
    expect_error ("err_discover_no_run.yml",
                  "3:15: 'discover' needs a 'run' template containing {name}");
    expect_error ("err_template_no_name.yml", "4:10: the 'run' template must contain {name}");
    expect_error ("err_run_no_discover.yml",
                  "3:10: 'run' in a context is the template for discovered tests and needs 'discover'");
    expect_error ("err_split_shared.yml", "4:11: a context cannot be both split and shared");
    expect_error ("err_mode.yml", "3:20: unknown mode 'paralel' (expected split, shared or serial)");
    expect_error ("err_skip_code.yml", "1:12: 'skip_code' must be an integer from 1 to 255");
    expect_error ("err_env.yml", "3:6: env variable 'B' must be a string, number or boolean");
    expect_error ("err_dup_key.yml", "4:5: duplicate key 'name' (first at line 2)");
    expect_error ("err_two_docs.yml", "3:1: a suite file must hold a single YAML document");
}

static void
test_io_errors (void **state)
{
    (void) state;
    char err[512];
    assert_null (fo_suite_load (SUITES "no-such-file.yml", err, sizeof err));
    assert_string_equal (err, SUITES "no-such-file.yml: cannot open suite file: No such file or directory");
    assert_null (fo_suite_load (FO_TEST_DATA_DIR, err, sizeof err));
    assert_string_equal (err, FO_TEST_DATA_DIR ": cannot open suite file: Is a directory");
    /* a short buffer is truncated, still terminated */
    char tiny[8];
    assert_null (fo_suite_load (SUITES "err_mode.yml", tiny, sizeof tiny));
    assert_int_equal (strlen (tiny), 7);
}

static void
test_more_errors (void **state)
{
    (void) state;
    expect_text_error ("name: x\n", "1:1: unknown key 'name' at the top level "
                       "(expected one of: skip_code, env, timeout, cwd, tests, contexts, source, "
                       "locks, shared_locks, resources, requires, artifacts)");
    expect_text_error ("contexts:\n  - name: c\n    tset: []\n", "3:5: unknown key 'tset' in context "
                       "(expected one of: name, mode, setup, teardown, env, cwd, timeout, tests, "
                       "contexts, discover, discover_on, run, labels, source, locks, shared_locks, "
                       "resources, requires, artifacts)");
    expect_text_error ("tests:\n  - {name: \"\", run: x}\n", "2:12: test name must not be empty");
    expect_text_error ("tests:\n  - {name: \"a\\x01b\", run: x}\n",
                       "2:12: test name 'a\\x01b' must not contain the control character U+0001 (byte 2)");
    expect_text_error ("tests:\n  - {name: a, run: []}\n",
                       "2:20: 'run' must be a shell command string or a non-empty list of strings");
    expect_text_error ("tests:\n  - {name: a, run: \"\"}\n", "2:20: 'run' must not be empty");
    expect_text_error ("tests:\n  - {name: a, run: [x, [y]]}\n", "2:24: every argument must be a string");
    expect_text_error ("tests:\n  - {name: a, run: ~}\n",
                       "2:20: 'run' must be a shell command string or a non-empty list of strings");
    expect_text_error ("tests:\n  - just-a-name\n", "2:5: a test must be a map with 'name' and 'run'");
    expect_text_error ("contexts:\n  - {name: c, setup: {a: b}}\n",
                       "2:22: 'setup' must be a shell command string or a non-empty list of strings");
    expect_text_error ("contexts:\n  - {name: c, mode: 3}\n",
                       "2:21: unknown mode '3' (expected split, shared or serial)");
    expect_text_error ("contexts:\n  - {name: c, mode: shared}\n  - {name: d, mode: [split, split]}\n"
                       "  - {name: e, mode: split, contexts: [{name: f, mode: [split, shared]}]}\n",
                       "4:55: a context cannot be both split and shared");
    expect_text_error ("contexts:\n  - {name: c, contexts: {name: d}}\n", "2:25: 'contexts' must be a list");
    expect_text_error ("contexts:\n  - {name: c, discover: x, run: \"./t name\"}\n",
                       "2:33: the 'run' template must contain {name}");
    expect_text_error ("contexts:\n  - {name: c, discover: x, run: \"./t {name}\", discover_on: host}\n",
                       "2:60: 'discover_on' must be 'broker' or 'agent'");
    expect_text_error ("contexts:\n  - {name: c, discover_on: agent}\n",
                       "2:28: 'discover_on' says where 'discover' runs and needs it");
    expect_text_error ("contexts:\n  - {name: c, discover: x, run: \"./t {name}\", discover_on: [agent]}\n",
                       "2:60: 'discover_on' must be 'broker' or 'agent'");
    expect_text_error ("env: {A: ~}\n", "1:10: env variable 'A' has no value (write \"\" for an empty one)");
    expect_text_error ("env: {A=B: x}\n", "1:7: 'A=B' is not a valid env variable name");
    expect_text_error ("env: [A]\n", "1:6: 'env' must be a map of NAME: value");
    expect_text_error ("cwd: \"\"\n", "1:6: 'cwd' must not be empty");
    expect_text_error ("skip_code: 0\n", "1:12: 'skip_code' must be an integer from 1 to 255");
    expect_text_error ("skip_code: -1\n", "1:12: 'skip_code' must be an integer from 1 to 255");
    expect_text_error ("tests: *nowhere\n", "1:8: found undefined alias");
    expect_text_error ("{[a]: b}\n", "1:2: keys must be strings at the top level");
    expect_text_error ("tests: \xff\n", " invalid leading UTF-8 octet at byte 7");
    expect_text_error ("tests: []\n---\n- [a\n", "4:1: did not find expected ',' or ']' "
                       "(while parsing a flow sequence started at line 3, column 3)");
}

static void
test_empty_env_value_and_skip_code (void **state)
{
    (void) state;
    tmp_suite t;
    tmp_write (&t, "skip_code: 255\nenv: {EMPTY: \"\", NUM: 1.50}\ncwd: /abs/dir\n");
    fo_suite *suite = load_ok (t.path);
    assert_int_equal (suite->skip_code, 255);
    assert_string_equal (fo_env_get (&suite->root->env, "EMPTY"), "");
    assert_string_equal (fo_env_get (&suite->root->env, "NUM"), "1.50");
    assert_string_equal (suite->root->cwd, "/abs/dir");
    assert_int_equal (fo_suite_count_tests (suite), 0);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

/* ---- discovery --------------------------------------------------------- */

static fo_suite *
discover_text (tmp_suite *t, const char *text, char *err, size_t errlen)
{
    tmp_write (t, text);
    fo_suite *suite = load_ok (t->path);
    if (fo_suite_discover (suite, err, errlen) != 0)
        fo_suite_destroy (&suite);
    tmp_remove (t);
    return suite;
}

static void
test_discover_lines (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512] = "";
    fo_suite *suite = discover_text (&t,
        "contexts:\n"
        "  - name: gen\n"
        "    tests: [{name: static, run: x}]\n"
        "    discover: printf 'a\\nb\\n'\n"
        "    run: ./t --only {name}\n"
        "    contexts:\n"
        "      - name: inner\n"
        "        discover: [printf, '  spaced \\r\\n\\n\\tc\\n']\n"
        "        run: [./t, '--only={name}', '{name}']\n",
        err, sizeof err);
    assert_non_null (suite);
    fo_context *gen = child (suite->root, "gen");
    assert_int_equal (gen->ntests, 3);
    assert_string_equal (gen->tests[1]->id, "gen/a");
    assert_string_equal (gen->tests[2]->id, "gen/b");
    assert_argv (&gen->tests[1]->run.argv, ARGV ("/bin/sh", "-c", "./t --only 'a'"));
    assert_int_equal (gen->tests[1]->line, 4);
    assert_int_equal (gen->tests[1]->column, 15);

    fo_context *inner = child (gen, "inner");
    assert_int_equal (inner->ntests, 2);
    assert_string_equal (inner->tests[0]->id, "gen/inner/spaced");
    assert_string_equal (inner->tests[1]->id, "gen/inner/c");
    assert_argv (&inner->tests[0]->run.argv, ARGV ("./t", "--only=spaced", "spaced"));
    fo_suite_destroy (&suite);
}

/* A name with a space and a quote survives the shell intact. */
static void
test_discover_quoting (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512] = "";
    fo_suite *suite = discover_text (&t,
        "contexts:\n"
        "  - name: q\n"
        "    discover: [printf, '%s\\n', \"it's a test\"]\n"
        "    run: printf '[%s]' {name}\n"
        "  - name: v\n"
        "    discover: [printf, '%s\\n', \"it's a test\"]\n"
        "    run: [echo, \"{name}={name}\"]\n",
        err, sizeof err);
    assert_non_null (suite);
    fo_test *q = child (suite->root, "q")->tests[0];
    assert_string_equal (q->name, "it's a test");
    assert_argv (&q->run.argv, ARGV ("/bin/sh", "-c", "printf '[%s]' 'it'\\''s a test'"));
    fo_test *v = child (suite->root, "v")->tests[0];
    assert_argv (&v->run.argv, ARGV ("echo", "it's a test=it's a test"));

    /* and really run it: the shell sees one argument */
    fo_proc_spec spec = { .argv = &q->run.argv };
    fo_proc_status status;
    fo_buf out = { 0 }, errout = { 0 };
    char why[256];
    assert_int_equal (fo_proc_run_sync (&spec, &status, &out, &errout, why, sizeof why), 0);
    assert_true (status.exited);
    assert_int_equal (status.exit_code, 0);
    assert_string_equal (out.data, "[it's a test]");
    fo_buf_free (&out);
    fo_buf_free (&errout);
    fo_suite_destroy (&suite);
}

/* The command runs with the context's effective cwd and env. */
static void
test_discover_cwd_env (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512] = "";
    fo_suite *suite = discover_text (&t,
        "env: {PREFIX: outer, OTHER: o}\n"
        "cwd: /usr\n"
        "contexts:\n"
        "  - name: c\n"
        "    env: {PREFIX: inner}\n"
        "    discover: 'echo \"$PREFIX-$OTHER\"; basename \"$PWD\"'\n"
        "    run: ./t {name}\n",
        err, sizeof err);
    assert_non_null (suite);
    fo_context *c = child (suite->root, "c");
    assert_int_equal (c->ntests, 2);
    assert_string_equal (c->tests[0]->name, "inner-o");
    assert_string_equal (c->tests[1]->name, "usr");
    fo_suite_destroy (&suite);
}

static void
expect_discover_error (const char *text, const char *expected)
{
    tmp_suite t;
    char err[512] = "", want[1024];
    tmp_write (&t, text);
    fo_suite *suite = load_ok (t.path);
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), -1);
    snprintf (want, sizeof want, "%s:%s", t.path, expected);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
    assert_string_equal (err, want);
}

/* The same, for a message whose middle varies (a duration). */
static void
expect_discover_error_around (const char *text, const char *head, const char *tail)
{
    tmp_suite t;
    char err[512] = "", want[1024];
    tmp_write (&t, text);
    fo_suite *suite = load_ok (t.path);
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), -1);
    snprintf (want, sizeof want, "%s:%s", t.path, head);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
    assert_int_equal (strncmp (err, want, strlen (want)), 0);
    assert_true (strlen (err) > strlen (want) + strlen (tail));
    assert_string_equal (err + strlen (err) - strlen (tail), tail);
}

static void
test_discover_errors (void **state)
{
    (void) state;
    expect_discover_error ("contexts:\n  - name: c\n"
                           "    discover: echo boom >&2; echo more >&2; exit 3\n    run: ./t {name}\n",
                           "3:15: discover command failed (exit status 3): boom");
    expect_discover_error ("contexts:\n  - name: c\n    discover: exit 4\n    run: ./t {name}\n",
                           "3:15: discover command failed (exit status 4)");
    expect_discover_error ("contexts:\n  - name: c\n    discover: kill -9 $$\n    run: ./t {name}\n",
                           "3:15: discover command failed (killed by SIGKILL)");
    expect_discover_error_around ("contexts:\n  - name: c\n    timeout: 0.2\n"
                                  "    discover: exec sleep 5\n    run: ./t {name}\n",
                                  "4:15: discover command failed (timed out after ",
                                  "s (limit 0.2s))");
    expect_discover_error ("contexts:\n  - name: c\n"
                           "    discover: [/no/such/program]\n    run: ./t {name}\n",
                           "3:15: cannot run discover command: cannot run '/no/such/program': "
                           "No such file or directory");
    expect_discover_error ("contexts:\n  - name: c\n    discover: printf 'a\\nb\\na\\n'\n"
                           "    run: ./t {name}\n",
                           "3:15: discover output line 3: duplicate test id 'c/a' "
                           "(first printed on output line 1)");
    expect_discover_error ("tests: [{name: x, run: y}]\n"
                           "contexts:\n  - name: c\n    tests:\n      - {name: b, run: y}\n"
                           "    discover: printf 'a\\n\\nb\\n'\n    run: ./t {name}\n",
                           "6:15: discover output line 3: duplicate test id 'c/b' "
                           "(first defined at line 5)");
    expect_discover_error ("contexts:\n  - name: c\n    discover: printf 'a\\nx\\033y\\n'\n"
                           "    run: ./t {name}\n",
                           "3:15: discover output line 2: test name 'x\\x1By' must not contain "
                           "the control character U+001B (byte 2)");
}

/* `discover_on: agent` leaves the command to the run: the broker does not
   run it (a command that would fail here is not even started). */
static void
test_discover_on_agent (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512];
    tmp_write (&t, "contexts:\n"
                   "  - name: remote\n"
                   "    discover: exit 3\n"
                   "    discover_on: agent\n"
                   "    run: ./t {name}\n"
                   "  - name: local\n"
                   "    discover: printf 'a\\n'\n"
                   "    discover_on: broker\n"
                   "    run: [./t, '{name}']\n");
    fo_suite *suite = load_ok (t.path);
    fo_context *remote = suite->root->contexts[0], *local = suite->root->contexts[1];
    assert_true (remote->discover_on_agent);
    assert_false (local->discover_on_agent);
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), 0);
    assert_int_equal (remote->ntests, 0);
    assert_int_equal (local->ntests, 1);
    /* what the broker does with the names an agent sends back */
    fo_test *test = fo_context_add_discovered (remote, "it's");
    assert_string_equal (test->id, "remote/it's");
    assert_argv (&test->run.argv, ARGV ("/bin/sh", "-c", "./t 'it'\\''s'"));
    assert_int_equal (test->line, remote->discover.line);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

/* A failure leaves no half-added tests behind. */
static void
test_discover_all_or_nothing (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512];
    tmp_write (&t, "contexts:\n  - name: c\n    discover: printf 'a\\nb\\nb\\n'\n    run: ./t {name}\n");
    fo_suite *suite = load_ok (t.path);
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), -1);
    assert_int_equal (fo_suite_count_tests (suite), 0);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

/* the loader's threshold for parsing on a thread (fo_yaml_pump.h) */
extern size_t fo_yaml_pump_thread_min;

/* Tests of the common shape keep their commands in the suite's pool:
   an argument the same as the last test's shares its string, a command
   the same in full shares its list. Tests read by the general path keep
   their own; removing some of either (--test) and freeing the suite
   frees each block once (the sanitizer build checks it). */
static void
test_commands_shared (void **state)
{
    (void) state;
    tmp_suite t;
    tmp_write (&t, "tests:\n"
               "  - {name: a, run: [./prog, --case, one]}\n"
               "  - {name: b, run: [./prog, --case, one]}\n"
               "  - {name: c, run: [./prog, --case, two]}\n"
               "  - {name: d, run: [./prog, --case, two], timeout: 5}\n"
               "  - {name: e, run: echo hi}\n"
               "  - {name: f, run: echo hi}\n");
    fo_suite *suite = load_ok (t.path);
    fo_test **tt = suite->root->tests;
    assert_int_equal (suite->root->ntests, 6);
    assert_ptr_equal (tt[0]->run.argv.items, tt[1]->run.argv.items);
    assert_ptr_not_equal (tt[1]->run.argv.items, tt[2]->run.argv.items);
    assert_ptr_equal (tt[1]->run.argv.items[0], tt[2]->run.argv.items[0]);
    assert_ptr_equal (tt[1]->run.argv.items[1], tt[2]->run.argv.items[1]);
    assert_string_equal (tt[1]->run.argv.items[2], "one");
    assert_string_equal (tt[2]->run.argv.items[2], "two");
    assert_null (tt[2]->run.argv.items[3]);
    assert_int_equal (tt[2]->run.argv.len, 3);
    /* d has a timeout: the general path's, a list of its own */
    assert_false (tt[3]->argv_pooled);
    assert_ptr_not_equal (tt[2]->run.argv.items, tt[3]->run.argv.items);
    assert_string_equal (tt[3]->run.argv.items[2], "two");
    assert_ptr_equal (tt[4]->run.argv.items, tt[5]->run.argv.items);
    assert_string_equal (tt[5]->run.argv.items[0], "/bin/sh");
    assert_string_equal (tt[5]->run.argv.items[2], "echo hi");
    assert_true (tt[0]->argv_pooled && tt[5]->argv_pooled);
    char err[256];
    const char *keep[] = { "b", "d", "f" };
    assert_int_equal (fo_suite_select (suite, keep, 3, err, sizeof err), 0);
    assert_int_equal (suite->root->ntests, 3);
    assert_string_equal (suite->root->tests[0]->run.argv.items[2], "one");
    assert_string_equal (suite->root->tests[2]->run.argv.items[2], "echo hi");
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_full_file),
        cmocka_unit_test (test_inheritance),
        cmocka_unit_test (test_defaults),
        cmocka_unit_test (test_anchors),
        cmocka_unit_test (test_timeout_values),
        cmocka_unit_test (test_error_fixtures),
        cmocka_unit_test (test_io_errors),
        cmocka_unit_test (test_more_errors),
        cmocka_unit_test (test_empty_env_value_and_skip_code),
        cmocka_unit_test (test_discover_lines),
        cmocka_unit_test (test_discover_quoting),
        cmocka_unit_test (test_discover_cwd_env),
        cmocka_unit_test (test_discover_errors),
        cmocka_unit_test (test_discover_all_or_nothing),
        cmocka_unit_test (test_discover_on_agent),
        cmocka_unit_test (test_commands_shared),
    };
    int failed = cmocka_run_group_tests_name ("parsed in the loader's thread", tests, NULL, NULL);
    /* every file again, parsed on a thread of its own as a large one is */
    fo_yaml_pump_thread_min = 0;
    failed += cmocka_run_group_tests_name ("parsed on a thread", tests, NULL, NULL);
    return failed;
}
