/*  Labels in the suite model and the suite file (docs/suite-file.md,
    "Labels"): a test's own and its contexts' (inherited, each once, from
    the root down), one label or a list, discovered tests inherit their
    context's, and every mistake with its "file:line:column: message". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_suite.h"
#include "suite_text.h"

static fo_suite *
load_text (tmp_suite *t, const char *text, char *err, size_t errlen)
{
    tmp_write (t, text);
    return fo_suite_load (t->path, err, errlen);
}

/* text must fail with exactly "path:" + expected. */
static void
expect_error (const char *text, const char *expected)
{
    tmp_suite t;
    char err[1024] = "", want[1200];
    fo_suite *suite = load_text (&t, text, err, sizeof err);
    if (suite)
        fo_suite_destroy (&suite);
    assert_null (suite);
    snprintf (want, sizeof want, "%s:%s", t.path, expected);
    assert_string_equal (err, want);
    tmp_remove (&t);
}

static char *
joined (const fo_strv *v)
{
    fo_buf b = { 0 };
    fo_buf_puts (&b, "");
    for (size_t i = 0; i < v->len; i++)
        fo_buf_printf (&b, "%s%s", i ? "," : "", v->items[i]);
    return fo_buf_steal (&b);
}

static void
expect_labels (const fo_suite *suite, const char *id, const char *want)
{
    const fo_test *test = fo_suite_find_test (suite, id);
    assert_non_null (test);
    fo_strv all = { 0 };
    fo_test_effective_labels (test, &all);
    char *got = joined (&all);
    assert_string_equal (got, want);
    free (got);
    fo_strv_free (&all);
}

static void
test_labels_inherited (void **state)
{
    (void) state;
    tmp_suite t;
    char err[512] = "";
    fo_suite *suite = load_text (&t,
        "tests:\n"
        "  - {name: plain, run: 'true'}\n"
        "  - {name: one, run: 'true', labels: fast}\n"
        "contexts:\n"
        "  - name: db\n"
        "    labels: [db, slow]\n"
        "    tests:\n"
        "      - {name: insert, run: 'true', labels: [fast, db]}\n"
        "    contexts:\n"
        "      - name: pg\n"
        "        labels: [pg]\n"
        "        tests:\n"
        "          - {name: select, run: 'true'}\n"
        "  - name: '2'\n"
        "    labels: [7, true]\n"
        "    tests: [{name: x, run: 'true'}]\n",
        err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    expect_labels (suite, "plain", "");
    expect_labels (suite, "one", "fast");
    /* Contexts' from the root down, then its own; each once. */
    expect_labels (suite, "db/insert", "db,slow,fast");
    expect_labels (suite, "db/pg/select", "db,slow,pg");
    /* Numbers and booleans are labels as written. */
    expect_labels (suite, "2/x", "7,true");

    const fo_test *insert = fo_suite_find_test (suite, "db/insert");
    assert_true (fo_test_has_label (insert, "slow"));     /* its context's */
    assert_true (fo_test_has_label (insert, "fast"));     /* its own */
    assert_false (fo_test_has_label (insert, "pg"));      /* a child context's: no */
    assert_false (fo_test_has_label (insert, "Fast"));    /* exact */
    assert_int_equal (fo_test_labels (insert)->len, 2);             /* its own only */
    assert_int_equal (fo_suite_find_context (suite, "db")->labels.len, 2);
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

/* Tests built in C (an importer) and discovered ones: adding a label
   twice keeps one; a test added to a context has the context's. */
static void
test_labels_built (void **state)
{
    (void) state;
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup ("/x/fanout.yml");
    suite->dir = fo_xstrdup ("/x");
    suite->root = fo_context_new (NULL, "");
    fo_context *ctx = fo_context_new (suite->root, "gen");
    fo_context_add_label (ctx, "gpu");
    fo_context_add_label (ctx, "gpu");
    assert_int_equal (ctx->labels.len, 1);
    ctx->run_template_shell = fo_xstrdup ("./t {name}");
    fo_test *found = fo_context_add_discovered (ctx, "case1");
    assert_non_null (found);
    assert_true (fo_test_has_label (found, "gpu"));
    fo_test_add_label (found, "nightly");
    fo_test_add_label (found, "gpu");       /* its context's already: still its own once */
    fo_test_add_label (found, "nightly");
    assert_int_equal (fo_test_labels (found)->len, 2);
    expect_labels (suite, "gen/case1", "gpu,nightly");
    fo_suite_destroy (&suite);
}

static void
test_label_errors (void **state)
{
    (void) state;
    expect_error ("tests:\n  - {name: a, run: 'true', labels: [x, x]}\n",
                  "2:40: duplicate label 'x'");
    expect_error ("tests:\n  - {name: a, run: 'true', labels: [x, '']}\n",
                  "2:40: label name must not be empty");
    expect_error ("tests:\n  - {name: a, run: 'true', labels: [' x']}\n",
                  "2:37: label name ' x' must not begin with a space (U+0020)");
    expect_error ("tests:\n  - {name: a, run: 'true', labels: {a: b}}\n",
                  "2:36: a label must be a string");
    expect_error ("tests:\n  - {name: a, run: 'true', labels: [[x]]}\n",
                  "2:37: a label must be a string");
    expect_error ("tests:\n  - {name: a, run: 'true', labels: ~}\n",
                  "2:36: a label must be a string");
    expect_error ("labels: [x]\ntests: [{name: a, run: 'true'}]\n",
                  "1:1: unknown key 'labels' at the top level (expected one of: skip_code, env, "
                  "timeout, cwd, tests, contexts, source, locks, shared_locks, resources, requires, artifacts)");
    expect_error ("contexts:\n  - name: c\n    labels: [\"a\\tb\"]\n",
                  "3:14: label name 'a\\x09b' must not contain the control character U+0009 "
                  "(byte 2)");
}

/* The limits: FO_SUITE_MAX_LABELS per test or context, FO_SUITE_MAX_LABEL
   bytes each; at the limit loads, one past it does not. */
static void
test_label_limits (void **state)
{
    (void) state;
    fo_buf text = { 0 };
    fo_buf_puts (&text, "tests:\n  - name: a\n    run: 'true'\n    labels: [");
    for (unsigned i = 0; i < FO_SUITE_MAX_LABELS; i++)
        fo_buf_printf (&text, "%sl%u", i ? ", " : "", i);
    fo_buf_puts (&text, "]\n");
    tmp_suite t;
    char err[512] = "";
    fo_suite *suite = load_text (&t, text.data, err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    assert_int_equal (fo_test_labels (fo_suite_find_test (suite, "a"))->len, FO_SUITE_MAX_LABELS);
    fo_suite_destroy (&suite);
    tmp_remove (&t);

    text.len--;                          /* the newline */
    text.len--;                          /* the ']' */
    fo_buf_puts (&text, ", one-more]\n");
    char want[128];
    snprintf (want, sizeof want, "4:%zu: test 'a' has more than %u labels",
              strlen ("    labels: [") + (size_t) (strstr (text.data, "one-more") -
                                                 strstr (text.data, "[l0")), FO_SUITE_MAX_LABELS);
    expect_error (text.data, want);
    fo_buf_free (&text);

    char *label = fo_xmalloc (FO_SUITE_MAX_LABEL + 2);
    memset (label, 'y', FO_SUITE_MAX_LABEL + 1);
    label[FO_SUITE_MAX_LABEL + 1] = '\0';
    char *big = fo_xasprintf ("contexts:\n  - name: c\n    labels: %s\n", label);
    snprintf (want, sizeof want, "3:13: a label of context 'c' is %u bytes long (at most %u)",
              FO_SUITE_MAX_LABEL + 1, FO_SUITE_MAX_LABEL);
    expect_error (big, want);
    free (big);
    label[FO_SUITE_MAX_LABEL] = '\0';      /* exactly the limit */
    big = fo_xasprintf ("contexts:\n  - name: c\n    labels: %s\n    tests: [{name: t, run: x}]\n",
                        label);
    suite = load_text (&t, big, err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    assert_true (fo_test_has_label (fo_suite_find_test (suite, "c/t"), label));
    fo_suite_destroy (&suite);
    tmp_remove (&t);
    free (big);
    free (label);
}

/* A test's own env and labels are out of its record (fo_test.more),
   made only for a test that has one of them: the loader's plain test (a
   name and a command, most of a large suite) has none, and reads as
   empty. */
static void
test_env_labels_out_of_line (void **state)
{
    (void) state;
    tmp_suite t;
    char err[1024] = "";
    fo_suite *suite = load_text (&t, "env: {A: root}\n"
                                     "contexts:\n"
                                     "  - name: c\n"
                                     "    labels: [all]\n"
                                     "    tests:\n"
                                     "      - {name: plain, run: x}\n"
                                     "      - {name: envd, run: x, env: {B: b}}\n"
                                     "      - {name: labelled, run: x, labels: [gpu]}\n",
                                 err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    const fo_test *plain = fo_suite_find_test (suite, "c/plain");
    const fo_test *envd = fo_suite_find_test (suite, "c/envd");
    const fo_test *labelled = fo_suite_find_test (suite, "c/labelled");
    assert_null (plain->more);
    assert_int_equal (fo_test_env (plain)->len, 0);
    assert_int_equal (fo_test_labels (plain)->len, 0);
    assert_true (fo_test_has_label (plain, "all"));        /* its context's */
    fo_env env = { 0 };
    fo_test_effective_env (plain, &env);
    assert_string_equal (fo_env_get (&env, "A"), "root");
    fo_env_free (&env);

    assert_non_null (envd->more);
    assert_string_equal (fo_env_get (fo_test_env (envd), "B"), "b");
    assert_int_equal (fo_test_labels (envd)->len, 0);
    fo_test_effective_env (envd, &env);
    assert_string_equal (fo_env_get (&env, "A"), "root");
    assert_string_equal (fo_env_get (&env, "B"), "b");
    fo_env_free (&env);

    assert_non_null (labelled->more);
    assert_int_equal (fo_test_env (labelled)->len, 0);
    assert_int_equal (fo_test_labels (labelled)->len, 1);
    assert_true (fo_test_has_label (labelled, "gpu"));
    assert_false (fo_test_has_label (plain, "gpu"));

    fo_test_add_label ((fo_test *) plain, "late");         /* made when first set */
    assert_non_null (plain->more);
    assert_true (fo_test_has_label (plain, "late"));
    fo_suite_destroy (&suite);
    tmp_remove (&t);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_labels_inherited),
        cmocka_unit_test (test_labels_built),
        cmocka_unit_test (test_label_errors),
        cmocka_unit_test (test_label_limits),
        cmocka_unit_test (test_env_labels_out_of_line),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
