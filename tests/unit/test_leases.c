/*  test_leases — the broker's lease table: ids count up from 1 and are
    never reused; the records of ended leases older than every active one
    are dropped (a run no longer keeps one record per lease it handed
    out), while an old lease still running keeps every record after it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fo_leases.h"

static void
test_ids_and_records (void **state)
{
    (void) state;
    fo_leases *ls = fo_leases_new ();
    assert_int_equal (fo_leases_next_id (ls), 1);
    assert_null (fo_leases_get (ls, 0));
    assert_null (fo_leases_get (ls, 1));
    assert_int_equal (fo_leases_add (ls, 10, 3, 1), 1);
    assert_int_equal (fo_leases_add (ls, 11, 4, 2), 2);
    assert_int_equal (fo_leases_count (ls), 2);
    assert_int_equal (fo_leases_oldest (ls), 1);
    fo_lease_rec *r = fo_leases_get (ls, 2);
    assert_non_null (r);
    assert_int_equal (r->task, 11);
    assert_int_equal (r->agent, 4);
    assert_int_equal (r->attempt, 2);
    assert_true (r->active);
    assert_true (r->started == FO_LEASES_NO_STEP);
    assert_non_null (fo_leases_current (ls, 4, 2));
    assert_null (fo_leases_current (ls, 3, 2));     /* another agent's */
    assert_null (fo_leases_get (ls, 3));
    r->active = false;
    assert_null (fo_leases_current (ls, 4, 2));     /* ended */
    assert_non_null (fo_leases_get (ls, 2));        /* kept: lease 1 still runs */
    fo_leases_destroy (&ls);
    assert_null (ls);
}

/* Each lease ends before the next: the table forgets the old ones (before,
   all 100,000 records stayed to the end of the run). */
static void
test_ended_dropped (void **state)
{
    (void) state;
    fo_leases *ls = fo_leases_new ();
    for (uint64_t i = 1; i <= 100000; i++) {
        uint64_t id = fo_leases_add (ls, (size_t) i, 1, 1);
        assert_int_equal (id, i);
        fo_lease_rec *r = fo_leases_get (ls, id);
        assert_int_equal (r->task, i);
        r->active = false;
    }
    assert_int_equal (fo_leases_count (ls), 100000);
    assert_int_equal (fo_leases_next_id (ls), 100001);
    assert_true (fo_leases_oldest (ls) > 99000);
    assert_null (fo_leases_get (ls, 1));
    assert_null (fo_leases_current (ls, 1, 1));
    /* Every id from the oldest on is still there, in order. */
    for (uint64_t id = fo_leases_oldest (ls); id <= fo_leases_count (ls); id++)
        assert_int_equal (fo_leases_get (ls, id)->task, id);
    fo_leases_destroy (&ls);
}

/* An old lease still active keeps itself and every later record, however
   many; once it ends they go too. */
static void
test_active_kept (void **state)
{
    (void) state;
    fo_leases *ls = fo_leases_new ();
    uint64_t slow = fo_leases_add (ls, 7, 2, 1);
    for (uint64_t i = 0; i < 5000; i++)
        fo_leases_get (ls, fo_leases_add (ls, 100, 1, 1))->active = false;
    assert_int_equal (fo_leases_oldest (ls), 1);
    assert_non_null (fo_leases_current (ls, 2, slow));
    assert_int_equal (fo_leases_get (ls, slow)->task, 7);
    for (uint64_t id = 2; id <= fo_leases_count (ls); id++)
        assert_false (fo_leases_get (ls, id)->active);
    fo_leases_get (ls, slow)->active = false;
    /* A second active one in the middle is kept with what follows it. */
    uint64_t mid = 0;
    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t id = fo_leases_add (ls, 200, 1, 1);
        if (i == 15000)
            mid = id;
        else
            fo_leases_get (ls, id)->active = false;
    }
    assert_true (fo_leases_oldest (ls) > slow);
    assert_true (fo_leases_oldest (ls) <= mid);
    assert_null (fo_leases_get (ls, slow));
    assert_non_null (fo_leases_current (ls, 1, mid));
    size_t active = 0;
    for (uint64_t id = fo_leases_oldest (ls); id <= fo_leases_count (ls); id++)
        active += fo_leases_get (ls, id)->active;
    assert_int_equal (active, 1);
    fo_leases_destroy (&ls);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_ids_and_records),
        cmocka_unit_test (test_ended_dropped),
        cmocka_unit_test (test_active_kept),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
