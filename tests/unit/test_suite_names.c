/*  Tests for names and ids (fo_name.h, docs/suite-file.md "Names" and
    "Ids"): names as users have them ('/', '::', '[x]', spaces, UTF-8) are
    kept unaltered and joined by "/" into ids; a name with a control
    character is refused with its place; two paths that spell one id are
    refused with both places, in the file and through discovery; and
    --test selection (fo_suite_select) by exact id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_discover_names.h"
#include "fo_suite.h"
#include "fo_suite_discover.h"
#include "suite_text.h"

#define NAME "names.yml"

/* Text loaded under NAME (suite_text.h). */
#define load_ok(text) text_load_ok (NAME, (text))
#define expect_error(text, expected) text_expect_error (NAME, (text), (expected))

static const char *const USERS_NAMES =
    "tests:\n"
    "  - {name: /glib/gvariant/serialiser, run: x}\n"       /* a GLib path at the root */
    "contexts:\n"
    "  - name: Inst/Suite\n"
    "    tests:\n"
    "      - {name: Name/0, run: x}\n"                      /* GoogleTest, parameterised */
    "      - {name: Name/1, run: x}\n"
    "  - name: tests/test_x.py::TestCls\n"
    "    contexts:\n"
    "      - name: \"Größe (日本)\"\n"
    "        tests:\n"
    "          - {name: \"test_it[1 + 1 = 2]\", run: x}\n"   /* pytest */
    "          - {name: \"a.b::c d (e) {f} *g* ?h 'i' \\\"j\\\"\", run: x}\n";

static void
test_names_as_users_have_them (void **state)
{
    (void) state;
    fo_suite *suite = load_ok (USERS_NAMES);
    static const char *const ids[] = {
        "/glib/gvariant/serialiser",
        "Inst/Suite/Name/0",
        "Inst/Suite/Name/1",
        "tests/test_x.py::TestCls/Größe (日本)/test_it[1 + 1 = 2]",
        "tests/test_x.py::TestCls/Größe (日本)/a.b::c d (e) {f} *g* ?h 'i' \"j\"",
    };
    assert_int_equal (fo_suite_count_tests (suite), 5);
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        fo_test *test = fo_suite_find_test (suite, ids[i]);
        if (!test)
            fail_msg ("no test '%s'", ids[i]);
        assert_string_equal (test->id, ids[i]);
    }
    /* names are kept as written */
    fo_context *py = fo_suite_find_context (suite, "tests/test_x.py::TestCls/Größe (日本)");
    assert_non_null (py);
    assert_string_equal (py->name, "Größe (日本)");
    assert_string_equal (py->tests[0]->name, "test_it[1 + 1 = 2]");
    assert_ptr_equal (fo_suite_find_context (suite, "Inst/Suite"), suite->root->contexts[0]);
    /* exact ids only: no prefix, no pattern, no partial path */
    assert_null (fo_suite_find_test (suite, "Inst/Suite/Name"));
    assert_null (fo_suite_find_test (suite, "Name/0"));
    assert_null (fo_suite_find_context (suite, "Inst"));
    assert_null (fo_suite_find_test (suite, "/glib/gvariant/serialiser/"));
    fo_suite_destroy (&suite);
}

/* The rule itself, byte by byte. */
static void
test_name_rule (void **state)
{
    (void) state;
    char why[512];
    static const char *const good[] = {
        "a", "/", "a/b", "::", "[x]", "a b", "(p)", "größe", "日本", "\xF0\x9F\x98\x80",
        "a\xC2\xA0" "b",            /* a no-break space inside */
        "\xEF\xBF\xBF",             /* U+FFFF: a noncharacter, but printable in UTF-8 */
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!fo_name_check ("test", good[i], strlen (good[i]), why, sizeof why))
            fail_msg ("'%s' refused: %s", good[i], why);

    static const struct { const char *name; size_t len; const char *why; } bad[] = {
        { "", 0, "test name must not be empty" },
        { "a\0b", 3, "test name 'a\\x00b' must not contain the control character U+0000 (byte 2)" },
        { "a\tb", 3, "test name 'a\\x09b' must not contain the control character U+0009 (byte 2)" },
        { "a\nb", 3, "test name 'a\\x0Ab' must not contain the control character U+000A (byte 2)" },
        { "a\x7f", 2, "test name 'a\\x7F' must not contain the control character U+007F (byte 2)" },
        { "a\xC2\x85", 3, "test name 'a\\u0085' must not contain the control character U+0085 (byte 2)" },
        { "a\xE2\x80\xA8" "b", 5,
          "test name 'a\\u2028b' must not contain the control character U+2028 (byte 2)" },
        { "a\xff", 2, "test name 'a\\xFF' is not valid UTF-8 (byte 2)" },
        { "\xC0\xAF", 2, "test name '\\xC0\\xAF' is not valid UTF-8 (byte 1)" },          /* overlong '/' */
        { "\xED\xA0\x80", 3, "test name '\\xED\\xA0\\x80' is not valid UTF-8 (byte 1)" }, /* surrogate */
        { "\xF4\x90\x80\x80", 4, "test name '\\xF4\\x90\\x80\\x80' is not valid UTF-8 (byte 1)" },
        { "ab\xE6\x97", 4, "test name 'ab\\xE6\\x97' is not valid UTF-8 (byte 3)" },     /* cut short */
        { " a", 2, "test name ' a' must not begin with a space (U+0020)" },
        { "a ", 2, "test name 'a ' must not end with a space (U+0020)" },
        { "a\xC2\xA0", 3, "test name 'a\xC2\xA0' must not end with a space (U+00A0)" },
        { "\xE3\x80\x80" "a", 4, "test name '\xE3\x80\x80" "a' must not begin with a space (U+3000)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false (fo_name_check ("test", bad[i].name, bad[i].len, why, sizeof why));
        assert_string_equal (why, bad[i].why);
    }
}

/* In a file: the place of the name, and the character, escaped. */
static void
test_name_errors_in_file (void **state)
{
    (void) state;
    expect_error ("tests:\n  - {name: \"a\\tb\", run: x}\n",
                  "2:12: test name 'a\\x09b' must not contain the control character U+0009 (byte 2)");
    expect_error ("contexts:\n  - name: \"x\\u0085\"\n",
                  "2:11: context name 'x\\u0085' must not contain the control character U+0085 (byte 2)");
    expect_error ("contexts:\n  - name: c\n    tests:\n      - name: \"\\0\"\n        run: x\n",
                  "4:15: test name '\\x00' must not contain the control character U+0000 (byte 1)");
    expect_error ("tests:\n  - {name: \"a \", run: x}\n",
                  "2:12: test name 'a ' must not end with a space (U+0020)");
    expect_error ("tests:\n  - {name: [a], run: x}\n", "2:12: 'name' must be a string");
}

/* Two paths, one id: refused where the second is, naming the first. */
static void
test_id_collisions (void **state)
{
    (void) state;
    expect_error ("contexts:\n"
                  "  - name: a\n"
                  "    tests: [{name: b/c, run: x}]\n"
                  "  - name: a/b\n"
                  "    tests: [{name: c, run: x}]\n",
                  "5:13: duplicate test id 'a/b/c' (first defined at line 3)");
    expect_error ("tests: [{name: a/b, run: x}]\n"
                  "contexts:\n"
                  "  - name: a\n"
                  "    tests:\n"
                  "      - {name: b, run: x}\n",
                  "5:9: duplicate test id 'a/b' (first defined at line 1)");
    expect_error ("contexts:\n"
                  "  - name: a\n"
                  "    contexts: [{name: b}]\n"
                  "  - name: a/b\n",
                  "4:5: duplicate context id 'a/b' (first defined at line 3)");
    expect_error ("contexts:\n  - name: db\n  - name: db\n",
                  "3:5: duplicate context name 'db' (first defined at line 2)");
    /* a test and a context may share an id: they are different things,
       and --test takes both */
    fo_suite *suite = load_ok ("tests: [{name: a/b, run: x}]\n"
                               "contexts: [{name: a, contexts: [{name: b}]}]\n");
    assert_non_null (fo_suite_find_test (suite, "a/b"));
    assert_non_null (fo_suite_find_context (suite, "a/b"));
    fo_suite_destroy (&suite);
}

/* ---- discovery --------------------------------------------------------- */

typedef struct {
    const char *names[8];
    size_t n;
} names_seen;

static int
keep (void *arg, const char *name, size_t line)
{
    (void) line;
    names_seen *seen = arg;
    seen->names[seen->n++] = name;
    return 0;
}

/* Discover output follows the same rule as the file. */
static void
test_discover_names (void **state)
{
    (void) state;
    char out[] = "/glib/a\n  Inst/Suite.Name/0  \r\ntest_x[a b]\n\ngröße\n";
    names_seen seen = { 0 };
    char err[512] = "";
    assert_int_equal (fo_discover_names (out, strlen (out), keep, &seen, err, sizeof err), 0);
    assert_int_equal (seen.n, 4);
    assert_string_equal (seen.names[0], "/glib/a");
    assert_string_equal (seen.names[1], "Inst/Suite.Name/0");
    assert_string_equal (seen.names[2], "test_x[a b]");
    assert_string_equal (seen.names[3], "größe");

    char bad[] = "ok\nx\x1b[31my\n";
    seen.n = 0;
    assert_int_equal (fo_discover_names (bad, strlen (bad), keep, &seen, err, sizeof err), -1);
    assert_string_equal (err, "discover output line 2: test name 'x\\x1B[31my' must not contain "
                         "the control character U+001B (byte 2)");
    char notutf8[] = "caf\xe9\n";
    assert_int_equal (fo_discover_names (notutf8, strlen (notutf8), keep, &seen, err, sizeof err), -1);
    assert_string_equal (err, "discover output line 1: test name 'caf\\xE9' is not valid UTF-8 (byte 4)");
}

/* On the broker before planning: names with '/' become tests, and one
   that reaches another context's id is refused. */
static void
test_discover_ids (void **state)
{
    (void) state;
    char err[1024] = "";
    fo_suite *suite = load_ok ("contexts:\n"
                               "  - name: gen\n"
                               "    discover: printf '/a/b\\nS.N/0\\n'\n"
                               "    run: ./t {name}\n");
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), 0);
    assert_non_null (fo_suite_find_test (suite, "gen//a/b"));
    fo_test *t = fo_suite_find_test (suite, "gen/S.N/0");
    assert_non_null (t);
    assert_string_equal (t->name, "S.N/0");
    fo_suite_destroy (&suite);

    suite = load_ok ("contexts:\n"
                     "  - name: a\n"
                     "    discover: printf 'x\\nb/c\\n'\n"
                     "    run: ./t {name}\n"
                     "  - name: a/b\n"
                     "    tests:\n"
                     "      - {name: c, run: x}\n");
    assert_int_equal (fo_suite_discover (suite, err, sizeof err), -1);
    assert_string_equal (err, NAME ":3:15: discover output line 2: duplicate test id 'a/b/c' "
                         "(first defined at line 7)");
    assert_int_equal (fo_suite_count_tests (suite), 1);     /* all or nothing */
    fo_suite_destroy (&suite);
}

/* What the broker asks of names an agent sends back. */
static void
test_can_add_test (void **state)
{
    (void) state;
    char why[512];
    fo_suite *suite = load_ok ("contexts:\n"
                               "  - name: a\n"
                               "    discover: x\n"
                               "    discover_on: agent\n"
                               "    run: ./t {name}\n"
                               "  - name: a/b\n"
                               "    tests: [{name: c, run: x}]\n"
                               "  - name: big\n"
                               "    discover: x\n"
                               "    discover_on: agent\n"
                               "    run: [t, \"X{name}\"]\n");
    fo_context *a = suite->root->contexts[0], *big = suite->root->contexts[2];
    assert_true (fo_context_can_add_test (a, "b/d", why, sizeof why));
    assert_false (fo_context_can_add_test (a, "b/c", why, sizeof why));
    assert_string_equal (why, "duplicate test id 'a/b/c' (first defined at line 7)");
    assert_false (fo_context_can_add_test (a, "x\ty", why, sizeof why));
    assert_string_equal (why, "test name 'x\\x09y' must not contain the control character U+0009 (byte 2)");
    /* adding what was refused adds nothing: ids stay unique */
    assert_null (fo_context_add_discovered (a, "b/c"));
    assert_int_equal (a->ntests, 0);
    fo_test *t = fo_context_add_discovered (a, "b/d");
    assert_non_null (t);
    assert_ptr_equal (fo_suite_find_test (suite, "a/b/d"), t);
    assert_false (fo_context_can_add_test (a, "b/d", why, sizeof why));

    /* a step too large to send: a template that repeats {name} ~1100 times */
    free (big->run_template_argv.items[1]);
    fo_buf tpl = { 0 };
    for (int i = 0; i < 1100; i++)
        fo_buf_puts (&tpl, "{name}");
    big->run_template_argv.items[1] = fo_buf_steal (&tpl);
    char name[4097];
    memset (name, 'n', 4096);
    name[4096] = '\0';
    assert_true (fo_context_can_add_test (big, "short", why, sizeof why));
    assert_false (fo_context_can_add_test (big, name, why, sizeof why));
    assert_non_null (strstr (why, "' takes "));
    assert_non_null (strstr (why, " bytes to send (its id twice, command, env with what it "
                             "inherits, cwd); the limit is 4 MiB"));
    fo_suite_destroy (&suite);
}

/* ---- selection --------------------------------------------------------- */

static const char *const SELECT_SUITE =
    "tests: [{name: top, run: x}]\n"
    "contexts:\n"
    "  - name: Inst/Suite\n"
    "    setup: ./up\n"
    "    tests:\n"
    "      - {name: Name/0, run: x}\n"
    "      - {name: Name/1, run: x}\n"
    "  - name: py\n"
    "    contexts:\n"
    "      - name: \"Größe\"\n"
    "        setup: ./up\n"
    "        tests: [{name: \"t[1]\", run: x}, {name: \"t[2]\", run: x}]\n"
    "      - name: farm\n"
    "        discover: ./list\n"
    "        discover_on: agent\n"
    "        run: ./t {name}\n"
    "        tests: [{name: static, run: x}]\n";

static fo_suite *
select_ok (const char *const *ids, size_t n)
{
    fo_suite *suite = load_ok (SELECT_SUITE);
    char err[512] = "";
    if (fo_suite_select (suite, ids, n, err, sizeof err) != 0)
        fail_msg ("%s", err);
    return suite;
}

static void
test_select_tests (void **state)
{
    (void) state;
    /* one test: its contexts stay (their setup runs for it), nothing else */
    const char *one[] = { "Inst/Suite/Name/1" };
    fo_suite *suite = select_ok (one, 1);
    assert_int_equal (fo_suite_count_tests (suite), 1);
    assert_int_equal (suite->root->ntests, 0);
    assert_int_equal (suite->root->ncontexts, 1);
    fo_context *inst = suite->root->contexts[0];
    assert_string_equal (inst->tests[0]->id, "Inst/Suite/Name/1");
    assert_int_equal (inst->setup.argv.len, 3);
    /* what was removed is gone from the index too */
    assert_null (fo_suite_find_test (suite, "Inst/Suite/Name/0"));
    assert_null (fo_suite_find_context (suite, "py"));
    assert_null (fo_suite_find_test (suite, "top"));
    fo_suite_destroy (&suite);

    /* tests in two places; a test chosen twice counts once */
    const char *two[] = { "py/Größe/t[2]", "top", "py/Größe/t[2]" };
    suite = select_ok (two, 3);
    assert_int_equal (fo_suite_count_tests (suite), 2);
    assert_string_equal (suite->root->tests[0]->id, "top");
    fo_context *py = fo_suite_find_context (suite, "py");
    assert_int_equal (py->ncontexts, 1);        /* farm is gone, with its discovery */
    assert_string_equal (py->contexts[0]->tests[0]->id, "py/Größe/t[2]");
    assert_null (fo_suite_find_context (suite, "py/farm"));
    fo_suite_destroy (&suite);
}

static void
test_select_contexts (void **state)
{
    (void) state;
    /* a context: all under it, its discovery on an agent included */
    const char *py[] = { "py" };
    fo_suite *suite = select_ok (py, 1);
    assert_int_equal (fo_suite_count_tests (suite), 3);
    fo_context *farm = fo_suite_find_context (suite, "py/farm");
    assert_non_null (farm);
    assert_true (farm->discover_on_agent);
    assert_int_equal (farm->discover.argv.len, 3);
    assert_null (fo_suite_find_context (suite, "Inst/Suite"));
    fo_suite_destroy (&suite);

    /* a static test of a context that discovers on an agent: the names to
       come were not chosen, so the discovery does not run */
    const char *st[] = { "py/farm/static" };
    suite = select_ok (st, 1);
    farm = fo_suite_find_context (suite, "py/farm");
    assert_int_equal (farm->ntests, 1);
    assert_false (farm->discover_on_agent);
    assert_int_equal (farm->discover.argv.len, 0);
    fo_suite_destroy (&suite);

    /* a context with a name holding '/': by its whole id */
    const char *inst[] = { "Inst/Suite" };
    suite = select_ok (inst, 1);
    assert_int_equal (fo_suite_count_tests (suite), 2);
    fo_suite_destroy (&suite);

    /* no ids: everything stays */
    suite = select_ok (NULL, 0);
    assert_int_equal (fo_suite_count_tests (suite), 6);
    fo_suite_destroy (&suite);
}

static void
test_select_errors (void **state)
{
    (void) state;
    fo_suite *suite = load_ok (SELECT_SUITE);
    char err[512];
    static const char *const misses[] = {
        "Inst", "Inst/Suite/Name", "Name/0", "py/Größe/t[*]", "py/", "", "py/farm/discovered",
    };
    for (size_t i = 0; i < sizeof misses / sizeof misses[0]; i++) {
        const char *ids[] = { "top", misses[i] };
        assert_int_equal (fo_suite_select (suite, ids, 2, err, sizeof err), -1);
        char want[256];
        snprintf (want, sizeof want, "--test '%s' matches no test or context", misses[i]);
        assert_string_equal (err, want);
    }
    /* nothing was removed */
    assert_int_equal (fo_suite_count_tests (suite), 6);
    const char *ctl[] = { "a\x1b[2Jb" };
    assert_int_equal (fo_suite_select (suite, ctl, 1, err, sizeof err), -1);
    assert_string_equal (err, "--test 'a\\x1B[2Jb' matches no test or context");
    fo_suite_destroy (&suite);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_names_as_users_have_them),
        cmocka_unit_test (test_name_rule),
        cmocka_unit_test (test_name_errors_in_file),
        cmocka_unit_test (test_id_collisions),
        cmocka_unit_test (test_discover_names),
        cmocka_unit_test (test_discover_ids),
        cmocka_unit_test (test_can_add_test),
        cmocka_unit_test (test_select_tests),
        cmocka_unit_test (test_select_contexts),
        cmocka_unit_test (test_select_errors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
