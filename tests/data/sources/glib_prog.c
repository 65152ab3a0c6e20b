/* A GLib test program for the `glib` source's tests (test_source_glib.sh):
   nested paths (/a and /a/b and /a/b/c share prefixes), a skip, an
   incomplete test, a failure and a crash, chosen by the environment so
   one program shows every verdict. Each test appends its path to
   $GLIB_PROG_LOG, so the test can check that each ran exactly once, and
   each run of the program (but for -l) appends "start" to
   $GLIB_PROG_STARTS, so it can count the processes. With GLIB_PROG_FAIL
   the failure and the crash come part-way: /late and /bad/after run after
   them (GLib runs a suite's cases, then its suites: /late before /a/b).
   With GLIB_PROG_TMP, /tmp/one and /tmp/two check that g_get_tmp_dir ()
   is $G_TEST_TMPDIR, append "PATH DIR ENTRIES" (what the directory held
   when the test began) to $GLIB_PROG_TMP, and leave a file and a
   read-only directory holding one there, for fanout to remove. */
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static void
log_run (void)
{
    const char *log = g_getenv ("GLIB_PROG_LOG");
    if (!log)
        return;
    FILE *f = fopen (log, "a");
    if (f) {
        fprintf (f, "%s\n", g_test_get_path ());
        fclose (f);
    }
}

static void pass (void) { log_run (); g_assert_cmpint (1, ==, 1); }
static void skip (void) { log_run (); g_test_skip ("no network here"); }
static void incomplete (void) { log_run (); g_test_incomplete ("not written yet"); }
static void fail (void) { log_run (); g_assert_cmpint (1, ==, 2); }
static void crash (void) { log_run (); abort (); }

static void
tmp_check (void)
{
    const char *dir = g_get_tmp_dir ();
    g_assert_cmpstr (dir, ==, g_getenv ("G_TEST_TMPDIR"));
    int entries = 0;
    GDir *d = g_dir_open (dir, 0, NULL);
    g_assert_nonnull (d);
    while (g_dir_read_name (d))
        entries++;
    g_dir_close (d);
    FILE *f = fopen (g_getenv ("GLIB_PROG_TMP"), "a");
    g_assert_nonnull (f);
    fprintf (f, "%s %s %d\n", g_test_get_path (), dir, entries);
    fclose (f);
    char *name = g_path_get_basename (g_test_get_path ());
    char *file = g_build_filename (dir, name, NULL);
    char *sub = g_strdup_printf ("%s/ro-%s", dir, name);
    char *inner = g_build_filename (sub, "inside", NULL);
    g_assert_true (g_file_set_contents (file, "x", 1, NULL));
    g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
    g_assert_true (g_file_set_contents (inner, "x", 1, NULL));
    g_assert_cmpint (g_chmod (sub, 0500), ==, 0);
    g_free (inner);
    g_free (sub);
    g_free (file);
    g_free (name);
}

static void
log_start (int argc, char **argv)
{
    const char *log = g_getenv ("GLIB_PROG_STARTS");
    for (int i = 1; i < argc; i++)
        if (!g_strcmp0 (argv[i], "-l"))
            return;
    FILE *f = log ? fopen (log, "a") : NULL;
    if (f) {
        fprintf (f, "start\n");
        fclose (f);
    }
}

int
main (int argc, char **argv)
{
    log_start (argc, argv);
    g_test_init (&argc, &argv, NULL);
    g_test_add_func ("/a", pass);
    g_test_add_func ("/a/b", pass);
    g_test_add_func ("/a/b/c", pass);
    g_test_add_func ("/a/bc", pass);
    g_test_add_func ("/skip/me", skip);
    g_test_add_func ("/incomplete", incomplete);
    if (g_getenv ("GLIB_PROG_FAIL")) {
        g_test_add_func ("/bad/fail", fail);
        g_test_add_func ("/bad/crash", crash);
        g_test_add_func ("/bad/after", pass);
        g_test_add_func ("/late", pass);
    }
    if (g_getenv ("GLIB_PROG_TMP")) {
        g_test_add_func ("/tmp/one", tmp_check);
        g_test_add_func ("/tmp/two", tmp_check);
    }
    return g_test_run ();
}
