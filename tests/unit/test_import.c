/*  fo_importer: the registry, fo_import_read (the one path from a listing
    command's output to a listing, which the broker and the agent share),
    the duplicate rule, and the discover importer adding a listing to a
    context of the suite model. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fo_importer.h"

/* A suite with one context "gen" (run template "t {name}") holding the
   tests named in `existing`. */
static fo_suite *
suite_with (const char *const *existing)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup ("s.yml");
    suite->dir = fo_xstrdup ("/");
    suite->root = fo_context_new (NULL, "");
    fo_context *gen = fo_context_new (suite->root, "gen");
    gen->run_template_shell = fo_xstrdup ("t {name}");
    for (size_t i = 0; existing && existing[i]; i++) {
        fo_test *t = fo_test_new (gen, existing[i]);
        t->line = (int) (10 + i);
    }
    return suite;
}

/* fo_import_read over a copy of text (it is modified in place). */
static int
read_text (const char *text, bool cut, fo_listing *out, char *err, size_t errlen)
{
    fo_buf buf = { 0 };
    fo_buf_puts (&buf, text);
    int rc = fo_import_read (fo_importer_find ("discover"), buf.data, buf.len, cut, 8u << 20, out,
                             err, errlen);
    fo_buf_free (&buf);
    return rc;
}

static void
test_registry (void **state)
{
    (void) state;
    const fo_importer *discover = fo_importer_find ("discover");
    assert_non_null (discover);
    assert_string_equal (discover->name, "discover");
    assert_null (fo_importer_find ("gtest"));
}

static void
test_read (void **state)
{
    (void) state;
    fo_listing l = { 0 };
    char err[256] = "";
    assert_int_equal (read_text ("  a \n\nb\r\n\tc", false, &l, err, sizeof err), 0);
    assert_int_equal (l.len, 3);
    assert_string_equal (l.items[0].name, "a");
    assert_int_equal (l.items[0].line, 1);
    assert_string_equal (l.items[1].name, "b");
    assert_int_equal (l.items[1].line, 3);
    assert_string_equal (l.items[2].name, "c");
    assert_int_equal (l.items[2].line, 4);
    fo_listing_free (&l);
    assert_int_equal (l.len, 0);

    /* a cut listing is refused whole, never half-used */
    assert_int_equal (read_text ("a\nb\n", true, &l, err, sizeof err), -1);
    assert_string_equal (err, "printed more than 8 MiB of names");
    assert_int_equal (l.len, 0);
    /* a bad name: the reader's message, and nothing listed */
    fo_buf nul = { 0 };
    fo_buf_append (&nul, "ok\nbad\0name\n", 12);
    assert_int_equal (fo_import_read (fo_importer_find ("discover"), nul.data, nul.len, false,
                                      1024, &l, err, sizeof err), -1);
    assert_non_null (strstr (err, "discover output line 2"));
    assert_int_equal (l.len, 0);
    fo_buf_free (&nul);
}

static void
test_check (void **state)
{
    (void) state;
    fo_suite *suite = suite_with ((const char *[]) { "x", "y", NULL });
    fo_context *gen = suite->root->contexts[0];
    fo_import_fault dup;

    assert_true (fo_import_check (gen, (const char *[]) { "a", "b" }, 2, &dup));
    assert_true (fo_import_check (gen, NULL, 0, &dup));

    /* the first name that repeats anything before it */
    assert_false (fo_import_check (gen, (const char *[]) { "a", "b", "a", "y" }, 4, &dup));
    assert_true (dup.repeated);
    assert_int_equal (dup.index, 2);
    assert_false (dup.in_suite);
    assert_int_equal (dup.earlier, 0);

    assert_false (fo_import_check (gen, (const char *[]) { "a", "y", "a" }, 3, &dup));
    assert_true (dup.repeated);
    assert_int_equal (dup.index, 1);
    assert_true (dup.in_suite);
    assert_string_equal (gen->tests[dup.earlier]->name, "y");

    /* the suite's rules: a name it refuses is no repeat, and says why */
    assert_false (fo_import_check (gen, (const char *[]) { "ok", "tab\there" }, 2, &dup));
    assert_false (dup.repeated);
    assert_int_equal (dup.index, 1);
    assert_non_null (strstr (dup.why, "control character"));
    fo_suite_destroy (&suite);
}

static void
test_add (void **state)
{
    (void) state;
    fo_suite *suite = suite_with ((const char *[]) { "x", NULL });
    fo_context *gen = suite->root->contexts[0];
    fo_listing l = { 0 };
    char err[256];
    assert_int_equal (read_text ("it's\nb\n", false, &l, err, sizeof err), 0);
    fo_importer_find ("discover")->add (gen, &l);
    fo_listing_free (&l);
    assert_int_equal (gen->ntests, 3);
    assert_string_equal (gen->tests[1]->id, "gen/it's");
    assert_int_equal (gen->tests[1]->run.argv.len, 3);
    assert_string_equal (gen->tests[1]->run.argv.items[2], "t 'it'\\''s'");
    assert_string_equal (gen->tests[2]->id, "gen/b");
    fo_suite_destroy (&suite);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_registry),
        cmocka_unit_test (test_read),
        cmocka_unit_test (test_check),
        cmocka_unit_test (test_add),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
