/*  Tests for fo_util (lib/base): the arrays indexed by a growing number
    (fo_xgrow_to), which the scheduler, placement and retries keep per
    agent, task and test; fo_xasprintf on both sides of its stack buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_util.h"

static void
test_grow_to (void **state)
{
    (void) state;
    int *items = NULL;
    size_t cap = 0;
    items = fo_xgrow_to (items, &cap, 0, sizeof *items, 8);
    assert_int_equal (cap, 8);
    for (size_t i = 0; i < cap; i++)
        assert_int_equal (items[i], 0);
    items[7] = 42;
    int *same = fo_xgrow_to (items, &cap, 7, sizeof *items, 8);
    assert_ptr_equal (same, items);         /* room already: untouched */
    assert_int_equal (cap, 8);
    items = fo_xgrow_to (items, &cap, 8, sizeof *items, 8);
    assert_int_equal (cap, 16);             /* doubled */
    assert_int_equal (items[7], 42);        /* kept */
    for (size_t i = 8; i < cap; i++)
        assert_int_equal (items[i], 0);     /* the new ones zeroed */
    items = fo_xgrow_to (items, &cap, 1000, sizeof *items, 8);
    assert_int_equal (cap, 1024);           /* doubled until it holds 1000 */
    assert_int_equal (items[7], 42);
    assert_int_equal (items[1000], 0);
    free (items);
}

static void
test_strv_contains (void **state)
{
    (void) state;
    fo_strv v = { 0 };
    assert_false (fo_strv_contains (&v, "a"));
    fo_strv_push (&v, "db");
    fo_strv_push (&v, "gpu");
    assert_true (fo_strv_contains (&v, "gpu"));
    assert_false (fo_strv_contains (&v, "gp"));     /* whole strings only */
    fo_strv_free (&v);
}

/* fo_err writes one line whatever its arguments hold: control characters
   (a name from a hostile file) as \xNN, cut before an escape that does not
   fit, always NUL-terminated, -1 returned. */
static void
test_err_one_line (void **state)
{
    (void) state;
    char err[64];
    assert_int_equal (fo_err (err, sizeof err, "test '%s': %d", "a\nb\x01" "c\x7f", 7), -1);
    assert_string_equal (err, "test 'a\\x0Ab\\x01c\\x7F': 7");
    char small[8];
    fo_err (small, sizeof small, "abcd\nef");   /* "abcd" + 4 of escape: no room */
    assert_string_equal (small, "abcd");
    fo_err (small, sizeof small, "%s", "abcdefghij");
    assert_string_equal (small, "abcdefg");
    assert_int_equal (fo_err (NULL, 0, "x"), -1);
    char one[1] = { 'z' };
    fo_err (one, sizeof one, "x");
    assert_int_equal (one[0], '\0');
}

/* fo_xasprintf formats once into a stack buffer of 256 bytes and again
   only for a longer result: lengths around that edge and far past it come
   out whole. */
static void
test_xasprintf (void **state)
{
    (void) state;
    char *s = fo_xasprintf ("%s/%zu", "tok", (size_t) 7);
    assert_string_equal (s, "tok/7");
    free (s);
    s = fo_xasprintf ("%s", "");
    assert_string_equal (s, "");
    free (s);
    char long_arg[5000];
    for (size_t len = 250; len < sizeof long_arg; len = len < 260 ? len + 1 : len * 2) {
        memset (long_arg, 'a' + (int) (len % 26), len);
        long_arg[len] = '\0';
        s = fo_xasprintf ("<%s>", long_arg);
        assert_int_equal (strlen (s), len + 2);
        assert_int_equal (s[0], '<');
        assert_int_equal (s[len + 1], '>');
        assert_memory_equal (s + 1, long_arg, len);
        free (s);
    }
}

/* fo_xstr_nums writes what printf's "%s%c%llu%c%llu" would: zero, the
   largest numbers, one number or two, an empty prefix and a long one. */
static void
test_xstr_nums (void **state)
{
    (void) state;
    char *s = fo_xstr_nums ("tok", '/', 7, '\0', 99);
    assert_string_equal (s, "tok/7");
    free (s);
    s = fo_xstr_nums ("a/agent-0000beef", '/', 0, '.', 0);
    assert_string_equal (s, "a/agent-0000beef/0.0");
    free (s);
    s = fo_xstr_nums ("", '/', UINT64_MAX, '.', UINT64_MAX);
    assert_string_equal (s, "/18446744073709551615.18446744073709551615");
    free (s);
    uint64_t nums[] = { 1, 9, 10, 99, 100, 4294967295u, 4294967296u, 1234567890123ull };
    char want[64];
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        snprintf (want, sizeof want, "p/%llu.%llu", (unsigned long long) nums[i],
                  (unsigned long long) nums[sizeof nums / sizeof nums[0] - 1 - i]);
        s = fo_xstr_nums ("p", '/', nums[i], '.', nums[sizeof nums / sizeof nums[0] - 1 - i]);
        assert_string_equal (s, want);
        free (s);
    }
    char long_prefix[3000];
    memset (long_prefix, 'x', sizeof long_prefix - 1);
    long_prefix[sizeof long_prefix - 1] = '\0';
    s = fo_xstr_nums (long_prefix, '/', 42, '\0', 0);
    assert_int_equal (strlen (s), sizeof long_prefix - 1 + 3);
    assert_string_equal (s + sizeof long_prefix - 1, "/42");
    free (s);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_grow_to),
        cmocka_unit_test (test_strv_contains),
        cmocka_unit_test (test_err_one_line),
        cmocka_unit_test (test_xasprintf),
        cmocka_unit_test (test_xstr_nums),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
