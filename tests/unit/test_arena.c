/*  Tests for fo_arena (lib/base): the blocks behind the report's ids and
    the plan's per-task lists. What it hands out must never overlap, stay
    aligned, be zeroed, and survive later allocations (nothing moves); the
    sanitizer build checks that destroy frees every block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_arena.h"

static void
test_strings_kept (void **state)
{
    (void) state;
    fo_arena *a = fo_arena_new ();
    enum { N = 50000 };     /* several 64 KiB blocks */
    char **copies = calloc (N, sizeof *copies);
    char name[32];
    for (size_t i = 0; i < N; i++) {
        snprintf (name, sizeof name, "t%zu", i);
        copies[i] = fo_arena_strdup (a, name);
        assert_string_equal (copies[i], name);
    }
    for (size_t i = 0; i < N; i++) {
        snprintf (name, sizeof name, "t%zu", i);
        assert_string_equal (copies[i], name);     /* nothing moved or overlapped */
    }
    assert_null (fo_arena_strdup (a, NULL));
    assert_string_equal (fo_arena_strdup (a, ""), "");
    free (copies);
    fo_arena_destroy (&a);
    assert_null (a);
    fo_arena_destroy (&a);  /* NULL is fine */
}

static void
test_aligned_zeroed_large (void **state)
{
    (void) state;
    fo_arena *a = fo_arena_new ();
    fo_arena_strdup (a, "x");       /* the next one is unaligned unless padded */
    size_t *small = fo_arena_alloc (a, 3 * sizeof *small);
    assert_int_equal ((uintptr_t) small % _Alignof (uint64_t), 0);
    assert_int_equal ((uintptr_t) small % _Alignof (void *), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal (small[i], 0);
    small[0] = 1, small[2] = 3;
    /* larger than a block: its own, zeroed, and the block being filled
       keeps serving small requests */
    size_t big_n = 100000;
    unsigned char *big = fo_arena_alloc (a, big_n);
    for (size_t i = 0; i < big_n; i++)
        assert_int_equal (big[i], 0);
    memset (big, 0xff, big_n);
    size_t *after = fo_arena_alloc (a, sizeof *after);
    assert_int_equal (*after, 0);
    assert_true ((unsigned char *) after < big || (unsigned char *) after >= big + big_n);
    assert_int_equal (small[0], 1);
    assert_int_equal (small[2], 3);
    assert_non_null (fo_arena_alloc (a, 0));
    fo_arena_destroy (&a);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_strings_kept),
        cmocka_unit_test (test_aligned_zeroed_large),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
