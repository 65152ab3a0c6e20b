/*  fo_test_tmpdir: a test process's fresh temporary directory, where it
    is made (the step's TMPDIR first) and its removal: everything in it,
    read-only directories included, and nothing a symbolic link in it
    points to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fo_test_tmpdir.h"

static void
touch (const char *path)
{
    FILE *f = fopen (path, "w");
    assert_non_null (f);
    fclose (f);
}

static void
test_make_and_remove (void **state)
{
    (void) state;
    char base[] = "/tmp/fo-tmpdir-test-XXXXXX";
    assert_non_null (mkdtemp (base));
    char outside[300];
    snprintf (outside, sizeof outside, "%s/outside", base);
    assert_int_equal (mkdir (outside, 0700), 0);
    char keep[400];
    snprintf (keep, sizeof keep, "%s/keep", outside);
    touch (keep);

    fo_env env = { 0 };
    fo_env_set (&env, "TMPDIR", base);
    char err[256] = "";
    char *dir = fo_test_tmpdir_make (&env, "glib", err, sizeof err);
    assert_non_null (dir);
    assert_true (strncmp (dir, base, strlen (base)) == 0);
    assert_non_null (strstr (dir, "/fanout-glib-"));
    struct stat sb;
    assert_int_equal (stat (dir, &sb), 0);
    assert_int_equal (sb.st_mode & 0777, 0700);

    /* What a test leaves: files, a read-only directory holding one, an
       unreadable empty one, links to the outside. */
    char path[600];
    snprintf (path, sizeof path, "%s/file", dir);
    touch (path);
    snprintf (path, sizeof path, "%s/ro", dir);
    assert_int_equal (mkdir (path, 0700), 0);
    snprintf (path, sizeof path, "%s/ro/inner", dir);
    touch (path);
    snprintf (path, sizeof path, "%s/ro", dir);
    assert_int_equal (chmod (path, 0500), 0);
    snprintf (path, sizeof path, "%s/none", dir);
    assert_int_equal (mkdir (path, 0), 0);
    snprintf (path, sizeof path, "%s/link-dir", dir);
    assert_int_equal (symlink (outside, path), 0);
    snprintf (path, sizeof path, "%s/link-file", dir);
    assert_int_equal (symlink (keep, path), 0);

    fo_test_tmpdir_remove (dir);
    assert_int_not_equal (lstat (dir, &sb), 0);
    assert_int_equal (stat (keep, &sb), 0);        /* the links' targets stay */
    free (dir);
    fo_test_tmpdir_remove (NULL);
    fo_test_tmpdir_remove ("/nonexistent/fanout-glib-x");

    /* Not a directory: left alone. */
    fo_test_tmpdir_remove (keep);
    assert_int_equal (stat (keep, &sb), 0);

    /* No usable TMPDIR in the step: the agent's, or /tmp. */
    fo_env_set (&env, "TMPDIR", "relative");
    dir = fo_test_tmpdir_make (&env, "x", err, sizeof err);
    assert_non_null (dir);
    assert_true (dir[0] == '/');
    fo_test_tmpdir_remove (dir);
    free (dir);
    /* One that cannot be made: why. */
    fo_env_set (&env, "TMPDIR", "/nonexistent/dir");
    assert_null (fo_test_tmpdir_make (&env, "x", err, sizeof err));
    assert_non_null (strstr (err, "/nonexistent/dir"));
    fo_env_free (&env);

    unlink (keep);
    rmdir (outside);
    rmdir (base);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_make_and_remove),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
