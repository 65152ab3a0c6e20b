/*  suite_text.h — for the unit tests of the suite loader (lib/suite):
    a suite file's text written into a temporary directory (tmp_suite), and
    text loaded under a name that must load, or must fail with exactly
    "NAME:" + the expected message (fo_suite_load_buffer). Include after
    cmocka.h and fo_suite.h. */
#ifndef SUITE_TEXT_H
#define SUITE_TEXT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A temporary directory holding fanout.yml. */
typedef struct {
    char dir[64];
    char path[96];
} tmp_suite;

static inline void
tmp_write (tmp_suite *t, const char *text)
{
    strcpy (t->dir, "/tmp/fo-test-suite-XXXXXX");
    assert_non_null (mkdtemp (t->dir));
    snprintf (t->path, sizeof t->path, "%s/fanout.yml", t->dir);
    FILE *f = fopen (t->path, "w");
    assert_non_null (f);
    fputs (text, f);
    fclose (f);
}

static inline void
tmp_remove (tmp_suite *t)
{
    unlink (t->path);
    rmdir (t->dir);
}

static inline fo_suite *
text_load_ok (const char *name, const char *text)
{
    char err[1024] = "";
    fo_suite *suite = fo_suite_load_buffer (name, text, strlen (text), err, sizeof err);
    if (!suite)
        fail_msg ("%s", err);
    return suite;
}

static inline void
text_expect_error (const char *name, const char *text, const char *expected)
{
    char err[1024] = "", want[1024];
    fo_suite *suite = fo_suite_load_buffer (name, text, strlen (text), err, sizeof err);
    if (suite)
        fo_suite_destroy (&suite);
    assert_null (suite);
    snprintf (want, sizeof want, "%s:%s", name, expected);
    assert_string_equal (err, want);
}

#endif
