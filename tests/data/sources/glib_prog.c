/* A GLib test program for the `glib` source's tests (test_source_glib.sh):
   nested paths (/a and /a/b and /a/b/c share prefixes), a skip, an
   incomplete test, a failure and a crash, chosen by the environment so
   one program shows every verdict. Each test appends its path to
   $GLIB_PROG_LOG, so the test can check that each ran exactly once, and
   each run of the program (but for -l) appends "start" to
   $GLIB_PROG_STARTS, so it can count the processes. With GLIB_PROG_FAIL
   the failure and the crash come part-way: /late and /bad/after run after
   them (GLib runs a suite's cases, then its suites: /late before /a/b). */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

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
    return g_test_run ();
}
