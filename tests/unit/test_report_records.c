/*  test_report_records — what a report keeps of each test's name: its
    own copy (fo_report_set_test, fo_report_add_test), or the caller's
    string lent for the report's life (fo_report_set_test_borrowed: a
    suite's ids, not copied a million times), the context's copy shared by
    consecutive tests either way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_report.h"

static void
test_ids_lent_or_copied (void **state)
{
    (void) state;
    char a[] = "ctx/a", b[] = "ctx/b", ctx[] = "ctx";
    fo_report *r = fo_report_new (3);
    fo_report_set_test_borrowed (r, 0, a, ctx);
    fo_report_set_test_borrowed (r, 1, b, ctx);
    fo_report_set_test (r, 2, "ctx/c", ctx);
    /* past the end: ignored, as fo_report_set_test */
    fo_report_set_test_borrowed (r, 3, "x", ctx);
    const fo_test_record *r0 = fo_report_test (r, 0), *r1 = fo_report_test (r, 1);
    const fo_test_record *r2 = fo_report_test (r, 2);
    assert_ptr_equal (r0->id, a);
    assert_ptr_equal (r1->id, b);
    assert_string_equal (r2->id, "ctx/c");
    /* the context is the report's own copy, one for consecutive tests */
    assert_ptr_not_equal (r0->context, ctx);
    assert_ptr_equal (r0->context, r1->context);
    assert_ptr_equal (r1->context, r2->context);
    assert_string_equal (r2->context, "ctx");
    /* a test added during the run: copied */
    char d[] = "ctx/d";
    size_t i = fo_report_add_test (r, d, ctx);
    assert_int_equal (i, 3);
    assert_ptr_not_equal (fo_report_test (r, 3)->id, d);
    assert_string_equal (fo_report_test (r, 3)->id, "ctx/d");
    fo_report_set_test_borrowed (r, 1, NULL, NULL);
    assert_string_equal (fo_report_test (r, 1)->id, "");
    assert_string_equal (fo_report_test (r, 1)->context, "");
    fo_report_destroy (&r);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ids_lent_or_copied),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
