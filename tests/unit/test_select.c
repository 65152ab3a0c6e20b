/*  Choosing tests (docs/selection.md): the -k language (fo_kexpr: its
    grammar, precedence, quoting, every error with its message and the
    limits), the pattern rule (substring, or a glob over the whole id;
    ASCII case ignored), and the filter (fo_select: -k, --exclude, -L,
    --label-exclude, --lf-only's ids) pruning a suite tree: contexts left
    without tests go with their fixtures, a discovery still to come on an
    agent stays and its tests are chosen when they come. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_kexpr.h"
#include "fo_select.h"
#include "fo_suite.h"

/* ---- patterns ----------------------------------------------------------- */

static void
test_patterns (void **state)
{
    (void) state;
    /* substring, anywhere, either case */
    assert_true (fo_pattern_match ("insert", "db/insert_many"));
    assert_true (fo_pattern_match ("DB/Ins", "db/insert"));
    assert_true (fo_pattern_match ("/", "db/insert"));
    assert_false (fo_pattern_match ("select", "db/insert"));
    /* a glob is over the whole id; '*' crosses '/' */
    assert_true (fo_pattern_match ("db/*", "db/pg/insert"));
    assert_true (fo_pattern_match ("*insert", "db/pg/insert"));
    assert_false (fo_pattern_match ("insert*", "db/insert_many"));
    assert_true (fo_pattern_match ("db/insert*", "db/insert_many"));
    assert_false (fo_pattern_match ("*ins", "db/insert"));
    assert_true (fo_pattern_match ("t?", "t1"));
    assert_false (fo_pattern_match ("t?", "t12"));
    assert_true (fo_pattern_match ("t[0-3]", "T2"));            /* either case */
    assert_false (fo_pattern_match ("t[!0-3]", "t2"));
    assert_true (fo_pattern_match ("t[!0-3]", "t7"));
    assert_true (fo_pattern_match ("t[^a]", "tb"));
    assert_true (fo_pattern_match ("[A-C]x", "bX"));
    assert_true (fo_pattern_match ("a\\*b", "a*b"));           /* quoted '*' */
    assert_false (fo_pattern_match ("a\\*b", "axb"));
    assert_true (fo_pattern_match ("x[1", "x[1"));              /* '[' never closed */
    assert_true (fo_pattern_match ("[]]x", "]x"));              /* ']' first is a member */
    assert_true (fo_pattern_match ("gr??e", "gr\xc3\xb6\xc3\x9f" "e"));  /* ? is a character */
    assert_false (fo_pattern_match ("gr?e", "gr\xc3\xb6\xc3\x9f" "e"));
    assert_true (fo_pattern_match ("*", ""));
    assert_true (fo_pattern_match ("***", "abc"));
    /* case sensitive when asked (labels) */
    assert_false (fo_glob_match ("Fast*", "fast", false));
    assert_true (fo_glob_match ("fa*", "fast", false));
    /* A pattern that makes fnmatch(3) backtrack exponentially is quick
       here: this one would take fnmatch longer than the test's timeout. */
    char id[2001];
    memset (id, 'a', 2000);
    id[2000] = '\0';
    assert_false (fo_pattern_match ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b", id));
    assert_true (fo_pattern_match ("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a", id));
}

/* ---- the -k language ---------------------------------------------------- */

static bool
k (const char *expr, const char *id)
{
    char err[256] = "";
    fo_kexpr *e = fo_kexpr_parse (expr, strlen (expr), err, sizeof err);
    if (!e)
        fail_msg ("-k '%s' does not parse: %s", expr, err);
    bool m = fo_kexpr_match (e, id);
    fo_kexpr_destroy (&e);
    return m;
}

static void
expect_error (const char *expr, const char *want)
{
    char err[256] = "";
    fo_kexpr *e = fo_kexpr_parse (expr, strlen (expr), err, sizeof err);
    if (e) {
        fo_kexpr_destroy (&e);
        fail_msg ("-k '%s' parsed", expr);
    }
    assert_string_equal (err, want);
}

static void
test_expressions (void **state)
{
    (void) state;
    assert_true (k ("insert", "db/insert"));
    assert_true (k ("db and insert", "db/insert"));
    assert_false (k ("db and select", "db/insert"));
    assert_true (k ("select or insert", "db/insert"));
    assert_true (k ("not select", "db/insert"));
    assert_false (k ("not insert", "db/insert"));
    assert_true (k ("not not insert", "db/insert"));
    /* not binds tighter than and, and tighter than or */
    assert_true (k ("x or db and insert", "db/insert"));        /* x or (db and insert) */
    assert_false (k ("(x or db) and select", "db/insert"));
    assert_true (k ("not x and db", "db/insert"));              /* (not x) and db */
    assert_false (k ("not (db and insert)", "db/insert"));
    assert_true (k ("a or b or c or insert or d", "db/insert"));   /* n-ary */
    assert_false (k ("db and insert and x and db", "db/insert"));
    /* spaces, parentheses, keywords: quoted */
    /* a glob: [1 + 1] is a set of characters, and the id is longer */
    assert_false (k ("'test_it[1 + 1]'", "x.py::test_it[1 + 1]"));
    assert_true (k ("'*test_it\\[1 + 1]'", "x.py::test_it[1 + 1]"));
    assert_true (k ("\"(a)\"", "f(a)"));
    assert_true (k ("'and' and not 'or'", "band"));
    assert_true (k ("\"it's\"", "it's"));
    /* parentheses end a bare word, operators too */
    assert_true (k ("(db)and(insert)", "db/insert"));
    assert_false (k ("(db)and(select)", "db/insert"));
    /* tabs and newlines separate like spaces */
    assert_true (k ("\tdb\nand\tinsert ", "db/insert"));
    /* parentheses end a bare word */
    assert_true (k ("(db)", "db/insert"));
    assert_true (k ("not(select)", "db/insert"));
    /* case of the patterns does not matter, of the operators it does */
    assert_true (k ("DB and INSERT", "db/insert"));
    assert_true (k ("AND", "rAnd"));                             /* a pattern */
    assert_true (k ("*/insert", "db/insert"));
}

static void
test_expression_errors (void **state)
{
    (void) state;
    expect_error ("", "the expression is empty");
    expect_error ("  \t ", "the expression is empty");
    expect_error ("a and", "a pattern is missing at the end");
    expect_error ("and a", "expected a pattern, 'not' or '(' at column 1, found 'and'");
    expect_error ("a or or b", "expected a pattern, 'not' or '(' at column 6, found 'or'");
    expect_error ("a b", "expected 'and', 'or' or the end at column 3, found 'b'");
    expect_error ("(a or b", "the '(' at column 1 is never closed (found the end at column 8)");
    expect_error ("(a b)", "the '(' at column 1 is never closed (found 'b' at column 4)");
    expect_error ("a)", "unbalanced ')' at column 2");
    expect_error ("()", "expected a pattern, 'not' or '(' at column 2, found ')'");
    expect_error ("'abc", "the quote at column 1 is never closed");
    expect_error ("a and ''", "empty pattern at column 7 (it would match every test)");
    expect_error ("not", "a pattern is missing at the end");
    /* a control character of the text is shown escaped */
    expect_error ("a \x01", "expected 'and', 'or' or the end at column 3, found '\\x01'");
    char err[128];
    assert_null (fo_kexpr_parse ("a\0b", 3, err, sizeof err));
    assert_string_equal (err, "the expression must not contain a NUL byte");
}

static void
test_expression_limits (void **state)
{
    (void) state;
    /* FO_KEXPR_MAX_DEPTH nots and parentheses parse, one more does not */
    fo_buf e = { 0 };
    for (unsigned i = 0; i < FO_KEXPR_MAX_DEPTH / 2; i++)
        fo_buf_puts (&e, "not (");
    fo_buf_puts (&e, "x");
    for (unsigned i = 0; i < FO_KEXPR_MAX_DEPTH / 2; i++)
        fo_buf_puts (&e, ")");
    assert_true (k (e.data, "x"));
    fo_buf_reset (&e);
    for (unsigned i = 0; i <= FO_KEXPR_MAX_DEPTH; i++)
        fo_buf_puts (&e, "(");
    char err[256];
    assert_null (fo_kexpr_parse (e.data, e.len, err, sizeof err));
    char want[128];
    snprintf (want, sizeof want, "parentheses and 'not' nest deeper than %u at column %u",
              FO_KEXPR_MAX_DEPTH, FO_KEXPR_MAX_DEPTH + 1);
    assert_string_equal (err, want);
    /* a long chain is no deeper: 100,000 terms */
    fo_buf_reset (&e);
    for (int i = 0; i < 100000; i++)
        fo_buf_printf (&e, "%st%d", i ? " or " : "", i);
    assert_true (k (e.data, "t99999"));
    assert_false (k (e.data, "x"));
    fo_buf_free (&e);
    /* the text's length */
    char *big = fo_xmalloc (FO_KEXPR_MAX_TEXT + 2);
    memset (big, 'a', FO_KEXPR_MAX_TEXT + 1);
    big[FO_KEXPR_MAX_TEXT + 1] = '\0';
    assert_null (fo_kexpr_parse (big, FO_KEXPR_MAX_TEXT + 1, err, sizeof err));
    snprintf (want, sizeof want, "the expression is %u bytes long (at most %u)",
              FO_KEXPR_MAX_TEXT + 1, FO_KEXPR_MAX_TEXT);
    assert_string_equal (err, want);
    big[FO_KEXPR_MAX_TEXT] = '\0';
    fo_kexpr *ok = fo_kexpr_parse (big, FO_KEXPR_MAX_TEXT, err, sizeof err);
    assert_non_null (ok);
    fo_kexpr_destroy (&ok);
    free (big);
}

/* ---- the filter on a tree ------------------------------------------------- */

static fo_test *
add_test (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    fo_strv_push (&test->run.argv, "true");
    return test;
}

/*    smoke                        labels: fast
      db/          setup, split    labels: db
        insert                     labels: fast
        select
        pg/        setup
          vacuum                   labels: slow
      ui/          setup
        click
      gen/         discover_on: agent */
static fo_suite *
suite_new (void)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup ("/s/fanout.yml");
    suite->dir = fo_xstrdup ("/s");
    suite->root = fo_context_new (NULL, "");
    fo_test_add_label (add_test (suite->root, "smoke"), "fast");
    fo_context *db = fo_context_new (suite->root, "db");
    db->mode = FO_MODE_SPLIT;
    fo_strv_push (&db->setup.argv, "db-up");
    fo_context_add_label (db, "db");
    fo_test_add_label (add_test (db, "insert"), "fast");
    add_test (db, "select");
    fo_context *pg = fo_context_new (db, "pg");
    fo_strv_push (&pg->setup.argv, "pg-up");
    fo_test_add_label (add_test (pg, "vacuum"), "slow");
    fo_context *ui = fo_context_new (suite->root, "ui");
    fo_strv_push (&ui->setup.argv, "ui-up");
    add_test (ui, "click");
    fo_context *gen = fo_context_new (suite->root, "gen");
    fo_strv_push (&gen->discover.argv, "./list");
    gen->discover_on_agent = true;
    gen->run_template_shell = fo_xstrdup ("./t {name}");
    return suite;
}

static void
collect (const fo_context *ctx, fo_buf *out)
{
    for (size_t i = 0; i < ctx->ntests; i++)
        fo_buf_printf (out, "%s%s", out->len ? " " : "", ctx->tests[i]->id);
    for (size_t i = 0; i < ctx->ncontexts; i++)
        collect (ctx->contexts[i], out);
}

/* The tests left after filtering with sel, in tree order; and whether
   anything is left. */
static void
expect_kept (fo_select *sel, const char *want, bool live)
{
    fo_suite *suite = suite_new ();
    assert_int_equal (fo_suite_filter (suite, sel), live);
    fo_buf got = { 0 };
    fo_buf_puts (&got, "");
    collect (suite->root, &got);
    assert_string_equal (got.data, want);
    fo_buf_free (&got);
    fo_suite_destroy (&suite);
    fo_select_destroy (&sel);
}

static fo_select *
keyword (const char *expr)
{
    fo_select *sel = fo_select_new ();
    char err[256];
    if (fo_select_add_keyword (sel, expr, err, sizeof err) != 0)
        fail_msg ("%s", err);
    return sel;
}

static void
test_filter (void **state)
{
    (void) state;
    expect_kept (fo_select_new (), "smoke db/insert db/select db/pg/vacuum ui/click", true);
    expect_kept (keyword ("db and not pg"), "db/insert db/select", true);
    /* repeated -k: any of them */
    fo_select *sel = keyword ("smoke");
    char err[64];
    assert_int_equal (fo_select_add_keyword (sel, "click", err, sizeof err), 0);
    expect_kept (sel, "smoke ui/click", true);
    sel = fo_select_new ();
    assert_int_equal (fo_select_add_keyword (sel, "(", err, sizeof err) == -1, 1);
    fo_select_destroy (&sel);
    /* --exclude: none of them */
    sel = fo_select_new ();
    fo_select_add_exclude (sel, "db/");
    fo_select_add_exclude (sel, "*click");
    expect_kept (sel, "smoke", true);
    /* -L: every one, a context's too; glob over labels */
    sel = fo_select_new ();
    fo_select_add_label (sel, "fast");
    expect_kept (sel, "smoke db/insert", true);
    sel = fo_select_new ();
    fo_select_add_label (sel, "fast");
    fo_select_add_label (sel, "db");
    expect_kept (sel, "db/insert", true);
    sel = fo_select_new ();
    fo_select_add_label (sel, "s*");
    expect_kept (sel, "db/pg/vacuum", true);
    sel = fo_select_new ();
    fo_select_add_label (sel, "Fast");          /* labels are exact */
    expect_kept (sel, "", true);                /* gen's discovery is still to come */
    /* --label-exclude: none of them */
    sel = fo_select_new ();
    fo_select_add_label_exclude (sel, "db");
    expect_kept (sel, "smoke ui/click", true);
    /* --lf-only: the ids; the sets add up; an empty set chooses none */
    sel = fo_select_new ();
    const char *ids[] = { "ui/click", "db/select", "gone" };
    fo_select_only_ids (sel, ids, 2);
    fo_select_only_ids (sel, ids + 1, 2);
    expect_kept (sel, "db/select ui/click", true);
    sel = fo_select_new ();
    fo_select_only_ids (sel, NULL, 0);
    assert_true (fo_select_active (sel));
    expect_kept (sel, "", true);
    /* everything together */
    sel = keyword ("db or smoke or click");
    fo_select_add_exclude (sel, "select");
    fo_select_add_label_exclude (sel, "slow");
    expect_kept (sel, "smoke db/insert ui/click", true);
}

/* Contexts left without tests are gone, with their fixtures; a discovery
   on an agent stays, and what it finds is chosen as it comes. */
static void
test_filter_prunes (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_select *sel = keyword ("vacuum or gen/");
    assert_true (fo_suite_filter (suite, sel));
    assert_null (fo_suite_find_context (suite, "ui"));
    assert_null (fo_suite_find_test (suite, "smoke"));
    fo_context *db = fo_suite_find_context (suite, "db");
    assert_non_null (db);
    assert_int_equal (db->ntests, 0);
    assert_int_equal (db->ncontexts, 1);
    assert_non_null (fo_suite_find_context (suite, "db/pg"));
    fo_context *gen = fo_suite_find_context (suite, "gen");
    assert_non_null (gen);
    assert_true (gen->discover_on_agent);
    /* the agent found four tests: those the filter chooses stay */
    const char *names[] = { "a", "b", "c", "d" };
    for (size_t i = 0; i < 4; i++)
        fo_context_add_discovered (gen, names[i]);
    fo_context_add_discovered (gen, "e");
    assert_int_equal (fo_context_filter_from (gen, 0, sel), 5);   /* "gen/" matches them all */
    fo_select_destroy (&sel);
    sel = keyword ("gen/b or gen/d");
    assert_int_equal (fo_context_filter_from (gen, 1, sel), 2);    /* from b on: b, d */
    assert_int_equal (gen->ntests, 3);
    assert_string_equal (gen->tests[0]->id, "gen/a");
    assert_string_equal (gen->tests[1]->id, "gen/b");
    assert_string_equal (gen->tests[2]->id, "gen/d");
    assert_null (fo_suite_find_test (suite, "gen/c"));     /* out of the index too */
    assert_int_equal (fo_context_filter_from (gen, 3, sel), 0);
    assert_int_equal (fo_context_filter_from (gen, 0, NULL), 3);
    fo_select_destroy (&sel);
    fo_suite_destroy (&suite);

    /* nothing left, nothing to come */
    suite = suite_new ();
    fo_suite_find_context (suite, "gen")->discover_on_agent = false;
    sel = keyword ("nothing-matches");
    assert_false (fo_suite_filter (suite, sel));
    assert_int_equal (fo_suite_count_tests (suite), 0);
    assert_int_equal (suite->root->ncontexts, 0);
    fo_select_destroy (&sel);
    fo_suite_destroy (&suite);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_patterns),
        cmocka_unit_test (test_expressions),
        cmocka_unit_test (test_expression_errors),
        cmocka_unit_test (test_expression_limits),
        cmocka_unit_test (test_filter),
        cmocka_unit_test (test_filter_prunes),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
