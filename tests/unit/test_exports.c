/*  Tests for fo_exports (the export file a shared setup writes) and
    fo_mask (secret values kept out of what fanout shows). */
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

#include "fo_exports.h"
#include "fo_mask.h"

static bool
is_secret (const fo_env *env, const char *name)
{
    for (size_t i = 0; i < env->len; i++)
        if (!strcmp (env->items[i].name, name))
            return env->items[i].secret;
    fail_msg ("no variable %s", name);
    return false;
}

static void
test_parse (void **state)
{
    (void) state;
    const char text[] = "# the server\n"
                        "\n"
                        "ADDR=10.0.0.5:8080\n"
                        "   \t\n"
                        "secret TOKEN=abc=def ghi\r\n"
                        "EMPTY=\n"
                        "_x9= spaced value \n"
                        "secret=plain\n"
                        "LAST=no newline";
    fo_env env = { 0 };
    char err[256] = "";
    assert_int_equal (fo_exports_parse (text, strlen (text), &env, err, sizeof err), 0);
    assert_int_equal (env.len, 6);
    assert_string_equal (fo_env_get (&env, "ADDR"), "10.0.0.5:8080");
    assert_string_equal (fo_env_get (&env, "TOKEN"), "abc=def ghi");      /* \r dropped */
    assert_string_equal (fo_env_get (&env, "EMPTY"), "");
    assert_string_equal (fo_env_get (&env, "_x9"), " spaced value ");     /* as written */
    assert_string_equal (fo_env_get (&env, "secret"), "plain");
    assert_string_equal (fo_env_get (&env, "LAST"), "no newline");
    assert_true (is_secret (&env, "TOKEN"));
    assert_false (is_secret (&env, "ADDR"));
    assert_false (is_secret (&env, "secret"));
    assert_int_equal (fo_exports_size (&env), strlen ("ADDR10.0.0.5:8080TOKENabc=def ghiEMPTY"
                                                      "_x9 spaced value secretplainLASTno newline"));
    char *names = fo_exports_describe (&env);
    assert_string_equal (names, "ADDR, TOKEN (secret), EMPTY, _x9, secret, LAST");
    free (names);
    fo_env_free (&env);

    assert_int_equal (fo_exports_parse ("", 0, &env, err, sizeof err), 0);
    assert_int_equal (env.len, 0);
    names = fo_exports_describe (&env);
    assert_string_equal (names, "");
    free (names);
}

static void
expect_error (const char *text, size_t len, const char *want)
{
    fo_env env = { 0 };
    char err[256] = "";
    assert_int_equal (fo_exports_parse (text, len, &env, err, sizeof err), -1);
    if (!strstr (err, want))
        fail_msg ("error '%s' lacks '%s'", err, want);
    assert_int_equal (env.len, 0);      /* nothing half-parsed is left */
    assert_null (env.items);
}

#define EXPECT_ERROR(text, want) expect_error ((text), sizeof (text) - 1, (want))

static void
test_parse_errors (void **state)
{
    (void) state;
    EXPECT_ERROR ("A=1\njust words\n", "line 2: expected NAME=VALUE or secret NAME=VALUE");
    EXPECT_ERROR ("secret TOKEN\n", "line 1: expected NAME=VALUE after 'secret'");
    EXPECT_ERROR ("1X=a\n", "line 1: '1X' is not a variable name");
    EXPECT_ERROR ("A-B=a\n", "'A-B' is not a variable name");
    EXPECT_ERROR ("=a\n", "line 1: '' is not a variable name");
    EXPECT_ERROR ("A =a\n", "'A ' is not a variable name");
    EXPECT_ERROR ("export A=a\n", "'export A' is not a variable name");
    EXPECT_ERROR ("A=1\nFANOUT_EXPORT=x\n", "line 2: 'FANOUT_EXPORT': names starting with FANOUT_");
    EXPECT_ERROR ("A=1\nB=2\nsecret A=3\n", "line 3: 'A' is exported twice");
    EXPECT_ERROR ("A=x\0y\n", "line 1: contains a NUL byte");

    char *big = fo_xmalloc (FO_EXPORT_MAX_BYTES + 2);
    memset (big, 'x', FO_EXPORT_MAX_BYTES + 1);
    memcpy (big, "A=", 2);
    expect_error (big, FO_EXPORT_MAX_BYTES + 1, "more than the limit of 65536");
    free (big);
}

static void
test_read (void **state)
{
    (void) state;
    char path[] = "/tmp/fo-test-exports-XXXXXX";
    int fd = mkstemp (path);
    assert_true (fd >= 0);
    const char text[] = "A=1\nsecret B=2\n";
    assert_int_equal (write (fd, text, strlen (text)), (ssize_t) strlen (text));
    fo_env env = { 0 };
    char err[256] = "";
    assert_int_equal (fo_exports_read (path, &env, err, sizeof err), 0);
    assert_int_equal (env.len, 2);
    assert_true (is_secret (&env, "B"));
    fo_env_free (&env);

    /* one byte over the limit */
    assert_int_equal (ftruncate (fd, FO_EXPORT_MAX_BYTES + 1), 0);
    assert_int_equal (fo_exports_read (path, &env, err, sizeof err), -1);
    assert_non_null (strstr (err, "65537 bytes, more than the limit of 65536"));
    /* exactly at the limit is fine (a NUL-free file of one long comment) */
    char *full = fo_xmalloc (FO_EXPORT_MAX_BYTES);
    memset (full, '#', FO_EXPORT_MAX_BYTES);
    assert_int_equal (pwrite (fd, full, FO_EXPORT_MAX_BYTES, 0), FO_EXPORT_MAX_BYTES);
    assert_int_equal (ftruncate (fd, FO_EXPORT_MAX_BYTES), 0);
    assert_int_equal (fo_exports_read (path, &env, err, sizeof err), 0);
    assert_int_equal (env.len, 0);
    free (full);
    close (fd);
    unlink (path);

    assert_int_equal (fo_exports_read (path, &env, err, sizeof err), -1);
    assert_non_null (strstr (err, "No such file or directory"));
    assert_int_equal (fo_exports_read ("/tmp", &env, err, sizeof err), -1);
    assert_non_null (strstr (err, "is not a regular file"));
    /* a FIFO with no writer: refused at once, not waited on */
    char fifo[] = "/tmp/fo-test-exports-fifo-XXXXXX";
    int tmp = mkstemp (fifo);
    assert_true (tmp >= 0);
    close (tmp);
    unlink (fifo);
    assert_int_equal (mkfifo (fifo, 0600), 0);
    assert_int_equal (fo_exports_read (fifo, &env, err, sizeof err), -1);
    assert_non_null (strstr (err, "is not a regular file"));
    unlink (fifo);
}

static void
test_mask (void **state)
{
    (void) state;
    fo_env env = { 0 };
    fo_env_set (&env, "PLAIN", "visible-value");
    fo_env_set (&env, "TOKEN", "s3cr3t");
    fo_env_set (&env, "LONG", "s3cr3t-and-more");
    fo_env_set (&env, "SHORT", "abc");            /* below FO_MASK_MIN_LEN */
    for (size_t i = 1; i < env.len; i++)
        env.items[i].secret = true;
    assert_true (fo_mask_needed (&env));

    fo_buf out = { 0 };
    const char text[] = "token=s3cr3t; long=s3cr3t-and-more; abc; visible-value; s3cr3ts3cr3t";
    assert_true (fo_mask_secrets (&env, text, strlen (text), &out));
    assert_string_equal (out.data, "token=" FO_MASK_TEXT "; long=" FO_MASK_TEXT "; abc; "
                                   "visible-value; " FO_MASK_TEXT FO_MASK_TEXT);
    /* bytes after a NUL are masked too */
    const char bin[] = "a\0s3cr3t\0b";
    assert_true (fo_mask_secrets (&env, bin, sizeof bin - 1, &out));
    assert_int_equal (out.len, 4 + strlen (FO_MASK_TEXT));
    assert_memory_equal (out.data, "a\0" FO_MASK_TEXT "\0b", out.len);
    /* nothing to mask: a plain copy */
    assert_false (fo_mask_secrets (&env, "nothing here", 12, &out));
    assert_string_equal (out.data, "nothing here");
    assert_false (fo_mask_secrets (&env, NULL, 0, &out));
    assert_string_equal (out.data, "");

    /* no secrets long enough: nothing is needed */
    fo_env short_only = { 0 };
    fo_env_set (&short_only, "S", "abc");
    short_only.items[0].secret = true;
    assert_false (fo_mask_needed (&short_only));
    assert_false (fo_mask_needed (NULL));
    assert_false (fo_mask_secrets (&short_only, "abc", 3, &out));
    assert_string_equal (out.data, "abc");
    fo_env_free (&short_only);
    fo_buf_free (&out);
    fo_env_free (&env);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_parse),
        cmocka_unit_test (test_parse_errors),
        cmocka_unit_test (test_read),
        cmocka_unit_test (test_mask),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
