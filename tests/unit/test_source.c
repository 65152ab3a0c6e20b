/*  fo_source: the kinds list, a suite file's `source:` entries as loaded,
    and what fo_suite_import builds from them (contexts, tests, commands,
    readers, modes), with every error and its place. The GLib kind lists a
    real program: a shell script that prints what `-l` prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "fo_source.h"
#include "fo_suite.h"

static char dir[64];
static char path[128];

static int
setup (void **state)
{
    (void) state;
    strcpy (dir, "/tmp/fo-test-source-XXXXXX");
    if (!mkdtemp (dir))
        return -1;
    snprintf (path, sizeof path, "%s/fanout.yml", dir);
    return 0;
}

static int
teardown (void **state)
{
    (void) state;
    char cmd[128];
    snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system (cmd) == 0 ? 0 : -1;
}

static fo_suite *
load (const char *text, char *err, size_t errlen)
{
    return fo_suite_load_buffer (path, text, strlen (text), err, errlen);
}

/* Loads and imports text, which must succeed. */
static fo_suite *
import_ok (const char *text)
{
    char err[1024] = "";
    fo_suite *suite = load (text, err, sizeof err);
    if (!suite)
        fail_msg ("load: %s", err);
    if (fo_suite_import (suite, err, sizeof err) != 0)
        fail_msg ("import: %s", err);
    return suite;
}

/* Loads text (which must load) and checks that importing fails with
   "<path>:" + expected, or expected alone when it starts with "--". */
static void
import_fails (const char *text, const char *expected)
{
    char err[1024] = "", want[1200];
    fo_suite *suite = load (text, err, sizeof err);
    if (!suite)
        fail_msg ("load: %s", err);
    assert_int_equal (fo_suite_import (suite, err, sizeof err), -1);
    if (!strncmp (expected, "--", 2))
        snprintf (want, sizeof want, "%s", expected);
    else
        snprintf (want, sizeof want, "%s:%s", path, expected);
    assert_string_equal (err, want);
    fo_suite_destroy (&suite);
}

static void
test_kinds (void **state)
{
    (void) state;
    size_t n = 0;
    for (; fo_source_kinds[n]; n++) {
        const fo_source_kind *k = fo_source_kinds[n];
        assert_non_null (k->import);
        assert_true (*k->arg_name && *k->help);
        assert_ptr_equal (fo_source_kind_find (k->name), k);
        for (size_t m = 0; m < n; m++)
            assert_string_not_equal (fo_source_kinds[m]->name, k->name);
    }
    assert_true (n >= 3);
    assert_non_null (fo_source_kind_find ("tap"));
    assert_non_null (fo_source_kind_find ("cmocka"));
    assert_non_null (fo_source_kind_find ("glib"));
    assert_null (fo_source_kind_find ("TAP"));
    assert_null (fo_source_kind_find (""));
}

static void
test_entries_loaded (void **state)
{
    (void) state;
    char err[1024] = "";
    fo_suite *suite = load ("source:\n"
                            "  - {kind: tap, from: ./t.sh}\n"
                            "contexts:\n"
                            "  - name: c\n"
                            "    source:\n"
                            "      - kind: anything\n"
                            "        from: [a, 'b c']\n"
                            "        mode: [split, serial]\n"
                            "        options: {k: v, n: 3}\n", err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    const fo_context *root = suite->root;
    assert_int_equal (root->nsources, 1);
    assert_string_equal (root->sources[0].kind, "tap");
    assert_int_equal (root->sources[0].from.len, 1);
    assert_string_equal (root->sources[0].from.items[0], "./t.sh");
    assert_int_equal (root->sources[0].line, 2);
    assert_int_equal (root->sources[0].column, 5);
    const fo_source_spec *c = &root->contexts[0]->sources[0];
    assert_string_equal (c->kind, "anything");      /* kinds are checked on import */
    assert_int_equal (c->from.len, 2);
    assert_string_equal (c->from.items[1], "b c");
    assert_int_equal (c->mode, FO_MODE_SPLIT | FO_MODE_SERIAL);
    assert_string_equal (fo_env_get (&c->options, "k"), "v");
    assert_string_equal (fo_env_get (&c->options, "n"), "3");
    fo_suite_destroy (&suite);

    /* Shapes the loader refuses. */
    const struct { const char *text, *error; } bad[] = {
        { "source: x\n", ":1:9: 'source' must be a list of sources" },
        { "source: [x]\n", ":1:10: a source must be a map with 'kind' and 'from'" },
        { "source: [{from: x}]\n", ":1:10: source has no 'kind' (docs/sources.md lists them)" },
        { "source: [{kind: tap}]\n", ":1:10: source has no 'from' (what it imports)" },
        { "source: [{kind: tap, from: ''}]\n", ":1:28: an item of 'from' is empty" },
        { "source: [{kind: tap, from: [a, [b]]}]\n", ":1:32: an item of 'from' must be a string" },
        { "source: [{kind: tap, from: a, mode: bad}]\n", NULL },
        { "source: [{kind: tap, from: a, options: [x]}]\n",
          ":1:40: 'options' must be a map of KEY: value" },
        { "source: [{kind: tap, from: a, options: {k: 1, k: 2}}]\n", NULL },
        { "source: [{kind: tap, from: a, name: x}]\n", NULL },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        suite = load (bad[i].text, err, sizeof err);
        if (suite)
            fail_msg ("loaded: %s", bad[i].text);
        assert_int_equal (strncmp (err, path, strlen (path)), 0);
        if (bad[i].error)
            assert_string_equal (err + strlen (path), bad[i].error);
    }
}

static void
test_program_kinds (void **state)
{
    (void) state;
    fo_suite *suite = import_ok ("contexts:\n"
                                 "  - name: c\n"
                                 "    source:\n"
                                 "      - {kind: tap, from: [./t.sh, 'perl t/a.t'], mode: split}\n"
                                 "      - {kind: cmocka, from: ./unit}\n");
    const fo_test *t = fo_suite_find_test (suite, "c/./t.sh/all");
    assert_non_null (t);
    assert_int_equal (t->reader, FO_READER_TAP);
    assert_int_equal (t->run.argv.len, 1);
    assert_string_equal (t->run.argv.items[0], "./t.sh");
    assert_int_equal (t->parent->mode, FO_MODE_SPLIT);
    assert_int_equal (t->parent->line, 4);
    t = fo_suite_find_test (suite, "c/perl t/a.t/all");
    assert_non_null (t);
    assert_int_equal (t->run.argv.len, 3);              /* a shell command */
    assert_string_equal (t->run.argv.items[0], "/bin/sh");
    assert_string_equal (t->run.argv.items[2], "perl t/a.t");
    t = fo_suite_find_test (suite, "c/./unit/all");
    assert_non_null (t);
    assert_int_equal (t->reader, FO_READER_CMOCKA);
    assert_string_equal (fo_env_get (fo_test_env (t), "CMOCKA_MESSAGE_OUTPUT"), "TAP");
    assert_int_equal (t->parent->mode, 0);
    assert_int_equal (fo_suite_count_tests (suite), 3);
    fo_suite_destroy (&suite);
}

static void
test_import_errors (void **state)
{
    (void) state;
    /* The list of kinds grows: compare what is certain. */
    char err[1024];
    fo_suite *suite = load ("source: [{kind: nose, from: x}]\n", err, sizeof err);
    assert_non_null (suite);
    assert_int_equal (fo_suite_import (suite, err, sizeof err), -1);
    assert_non_null (strstr (err, ":1:10: unknown source kind 'nose' (kinds: tap, cmocka, glib"));
    fo_suite_destroy (&suite);
    suite = load ("source: [{kind: tap, from: x, options: {k: v}}]\n", err, sizeof err);
    assert_non_null (suite);
    assert_int_equal (fo_suite_import (suite, err, sizeof err), -1);
    assert_non_null (strstr (err, ":1:10: source kind 'tap' has no option 'k'"));
    fo_suite_destroy (&suite);
    import_fails ("source: [{kind: tap, from: [x, x]}]\n",
                  "1:10: 'x': duplicate context id 'x' (first at line 1)");
    import_fails ("contexts: [{name: x, tests: [{name: a, run: 'true'}]}]\n"
                  "source: [{kind: tap, from: x}]\n",
                  "2:10: duplicate context id 'x' (first at line 1)");
    import_fails ("source: [{kind: tap, from: ' x'}]\n",
                  "1:10: context name ' x' must not begin with a space (U+0020)");

    /* An option's entry (line 0) is named by its option. */
    suite = load ("{}", err, sizeof err);
    assert_non_null (suite);
    fo_source_spec *spec = fo_context_add_source (suite->root, "tap", 0, 0);
    fo_strv_push (&spec->from, "x");
    spec = fo_context_add_source (suite->root, "tap", 0, 0);
    fo_strv_push (&spec->from, "x");
    assert_int_equal (fo_suite_import (suite, err, sizeof err), -1);
    assert_string_equal (err, "--tap 'x': duplicate context id 'x' (imported twice)");
    fo_suite_destroy (&suite);
}

/* A GLib program that lists these paths. */
static void
fake_glib (const char *name, const char *listing, int status)
{
    char file[256];
    snprintf (file, sizeof file, "%s/%s", dir, name);
    FILE *f = fopen (file, "w");
    assert_non_null (f);
    fprintf (f, "#!/bin/sh\n[ \"$1\" = -l ] || exit 99\nprintf '%s'\nexit %d\n", listing, status);
    fclose (f);
    assert_int_equal (chmod (file, 0755), 0);
}

/* argv joined by spaces. */
static char *
joined (const fo_test *t)
{
    fo_buf b = { 0 };
    for (size_t i = 0; i < t->run.argv.len; i++) {
        fo_buf_puts (&b, i ? " " : "");
        fo_buf_puts (&b, t->run.argv.items[i]);
    }
    return fo_buf_steal (&b);
}

static void
test_glib (void **state)
{
    (void) state;
    fake_glib ("g", "# random seed: R02S\\n1..5\\n/a\\n# Start of a tests\\n/a/b\\n/a/bc\\n"
                    "/a/b/c\\n/z\\n", 0);
    fo_suite *suite = import_ok ("source: [{kind: glib, from: ./g}]\n");
    assert_int_equal (fo_suite_count_tests (suite), 5);
    const struct { const char *id, *argv; } want[] = {
        { "./g//a", "./g --tap -s /a/b -s /a/bc -s /a/b/c -p /a" },
        { "./g//a/b", "./g --tap -s /a/b/c -p /a/b" },
        { "./g//a/bc", "./g --tap -p /a/bc" },
        { "./g//a/b/c", "./g --tap -p /a/b/c" },
        { "./g//z", "./g --tap -p /z" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const fo_test *t = fo_suite_find_test (suite, want[i].id);
        if (!t)
            fail_msg ("no test %s", want[i].id);
        assert_int_equal (t->reader, FO_READER_GLIB);
        char *argv = joined (t);
        assert_string_equal (argv, want[i].argv);
        free (argv);
    }
    fo_suite_destroy (&suite);

    fake_glib ("bad", "/a\\nnot a path\\n", 0);
    import_fails ("source: [{kind: glib, from: ./bad}]\n",
                  "1:10: '-l' output line 2 is no test path: 'not a path'");
    fake_glib ("dup", "/a\\n/a\\n", 0);
    import_fails ("source: [{kind: glib, from: ./dup}]\n",
                  "1:10: duplicate test id './dup//a' (first defined at line 1)");
    fake_glib ("fails", "", 3);
    import_fails ("source: [{kind: glib, from: ./fails}]\n",
                  "1:10: './fails' failed (exit status 3)");
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_kinds),
        cmocka_unit_test (test_entries_loaded),
        cmocka_unit_test (test_program_kinds),
        cmocka_unit_test (test_import_errors),
        cmocka_unit_test (test_glib),
    };
    return cmocka_run_group_tests (tests, setup, teardown);
}
