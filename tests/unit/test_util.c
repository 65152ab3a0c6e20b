/*  Tests for fo_util (lib/base): the arrays indexed by a growing number
    (fo_xgrow_to), which the scheduler, placement and retries keep per
    agent, task and test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

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

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_grow_to),
        cmocka_unit_test (test_strv_contains),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
