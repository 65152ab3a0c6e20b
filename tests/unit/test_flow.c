/*  Tests for fo_flow: the credit an agent keeps with the broker. The
    invariant checked throughout: what the agent asked for (first request,
    more requests) minus what it kept back in dones is slots + prefetch +
    extra, and extra never passes fo_flow_max_extra. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fo_flow.h"

/* The cap of an agent of 4 slots and a prefetch of 1: FO_FLOW_MIN_EXTRA
   (4 a slot would be 16). */
#define CAP4 48

/* Credit the broker would hold for the agent if it had no lease now:
   the first request, what later requests asked, minus the dones' keeps. */
typedef struct {
    fo_flow flow;
    int64_t asked, kept;
} agent_side;

static void
start (agent_side *a, uint32_t slots, uint32_t prefetch)
{
    *a = (agent_side) { 0 };
    a->asked = fo_flow_init (&a->flow, slots, prefetch);
}

static void
waited (agent_side *a, uint64_t waited_us, uint64_t ran_us)
{
    a->asked += fo_flow_waited (&a->flow, waited_us, ran_us);
}

static void
ended (agent_side *a, uint64_t ran_us)
{
    a->kept += 1 - (int64_t) fo_flow_ended (&a->flow, ran_us);
}

static int64_t
credit (const agent_side *a)
{
    return a->asked - a->kept;
}

static void
test_first_request (void **state)
{
    (void) state;
    fo_flow f;
    assert_int_equal (fo_flow_init (&f, 4, 1), 5);
    assert_int_equal (f.extra, 0);
    assert_int_equal (fo_flow_max_extra (4, 1), CAP4);
    assert_int_equal (fo_flow_max_extra (8, 1), FO_FLOW_MIN_EXTRA);    /* 4 a slot: 32 */
    assert_int_equal (fo_flow_max_extra (14, 1), 56);
    assert_int_equal (fo_flow_max_extra (1, 1), FO_FLOW_MIN_EXTRA);
    assert_int_equal (fo_flow_max_extra (1000, 1), FO_FLOW_MAX_EXTRA);
    assert_int_equal (fo_flow_max_extra (0, 1), 0);
    assert_int_equal (fo_flow_max_extra (4, 0), 0);
}

/* Leases that run longer than the wait for them and are not short:
   nothing more is asked, and every done gives its credit back. */
static void
test_long_leases_ask_nothing (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 2, 1);
    for (int i = 0; i < 1000; i++) {
        waited (&a, 200, FO_FLOW_SHORT_US);     /* a 5 ms test, a 0.2 ms round trip */
        ended (&a, FO_FLOW_SHORT_US);
    }
    assert_int_equal (a.flow.extra, 0);
    assert_int_equal (credit (&a), 3);
}

/* Instant leases: the extra grows to its cap in a few round trips (every
   slot waited in each), then asks for nothing more. */
static void
test_short_leases_grow_to_cap (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    int rounds = 0;
    while (a.flow.extra < fo_flow_max_extra (4, 1)) {
        for (int s = 0; s < 4; s++)
            waited (&a, 500, 0);
        rounds++;
        assert_true (rounds < 10);
    }
    assert_true (rounds <= 3);
    assert_int_equal (credit (&a), 5 + CAP4);
    for (int s = 0; s < 100; s++) {
        waited (&a, 500, 0);
        ended (&a, 0);
    }
    assert_int_equal (a.flow.extra, CAP4);
    assert_int_equal (credit (&a), 5 + CAP4);
}

/* Short leases whose slots never wait (the queue feeds them): each done
   asks one more, up to the cap, so that a frame of held dones carries
   many; a lease of FO_FLOW_SHORT_US or more does not. */
static void
test_short_leases_deepen_the_queue (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 2, 1);
    ended (&a, FO_FLOW_SHORT_US);
    assert_int_equal (a.flow.extra, 0);
    start (&a, 2, 1);
    ended (&a, 1000);
    assert_int_equal (a.flow.extra, 1);
    assert_int_equal (credit (&a), 3 + 1);
    for (int i = 0; i < 100; i++)
        ended (&a, 1000);
    assert_int_equal (a.flow.extra, FO_FLOW_MIN_EXTRA);
    assert_int_equal (credit (&a), 3 + FO_FLOW_MIN_EXTRA);
}

/* One wait asks at once for what it calls for: slots * waited / ran
   leases queued in all, the prefetch among them (doubling alone took
   three round trips to the cap, which at 2,000 fake agents was half of
   each agent's tests in small frames). */
static void
test_wait_asks_what_it_calls_for (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    waited (&a, 500, 0);                /* instant leases: the cap at once */
    assert_int_equal (a.flow.extra, CAP4);
    assert_int_equal (credit (&a), 5 + CAP4);
    start (&a, 4, 1);
    waited (&a, 2500, 1000);            /* 3 leases a slot: 12, 1 is the prefetch */
    assert_int_equal (a.flow.extra, 11);
    assert_int_equal (credit (&a), 5 + 11);
    waited (&a, 2500, 1000);            /* as much again: doubling's rule */
    assert_int_equal (a.flow.extra, 11 + 1 + 11 / 4);
    start (&a, 4, 1);
    waited (&a, 1100, 1000);            /* 2 a slot: 8 - 1, more than doubling's 1 */
    assert_int_equal (a.flow.extra, 7);
    start (&a, 2, 1);
    waited (&a, 1000, 999);             /* 2 a slot: 4 - 1 */
    assert_int_equal (a.flow.extra, 3);
}

/* --prefetch 0: no lease beyond the free slots, however short. */
static void
test_no_prefetch_no_extra (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 0);
    for (int i = 0; i < 100; i++) {
        waited (&a, 500, 0);
        ended (&a, 0);
    }
    assert_int_equal (a.flow.extra, 0);
    assert_int_equal (credit (&a), 4);
}

/* A wait longer than a round trip can be is a queue that ran dry. */
static void
test_dry_queue_asks_nothing (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    waited (&a, FO_FLOW_DRY_US + 1, 0);
    assert_int_equal (a.flow.extra, 0);
    waited (&a, FO_FLOW_DRY_US, 0);
    assert_true (a.flow.extra > 0);
}

/* A long lease halves the extra: the next dones give no credit back until
   it is returned; short leases again take back what is still kept. */
static void
test_long_lease_gives_back_half (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    for (int i = 0; i < 20; i++)
        waited (&a, 500, 0);
    assert_int_equal (a.flow.extra, CAP4);
    ended (&a, FO_FLOW_LONG_US + 1);    /* keeps one back at once */
    assert_int_equal (a.flow.extra, CAP4 / 2);
    assert_int_equal (credit (&a), 5 + CAP4 - 1);
    for (int i = 0; i < CAP4 / 2 - 1; i++)
        ended (&a, 100);
    assert_int_equal (credit (&a), 5 + CAP4 / 2);
    assert_int_equal (a.flow.withhold, 0);
    /* All returned: credit back again (a lease that is not short: one
       that is would deepen the queue again). */
    ended (&a, FO_FLOW_SHORT_US);
    assert_int_equal (credit (&a), 5 + CAP4 / 2);
    /* Long leases only: down to slots + prefetch, never below. */
    for (int i = 0; i < 100; i++)
        ended (&a, FO_FLOW_LONG_US * 10);
    assert_int_equal (a.flow.extra, 0);
    assert_int_equal (credit (&a), 5);
}

/* A lease that ran long among short ones (a /bin/true that waited for a
   core on a busy machine) keeps the extra: the average of the leases'
   runs decides, not one. A lease long enough to move the average past
   FO_FLOW_LONG_US halves it. */
static void
test_one_slow_lease_keeps_the_extra (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    for (int i = 0; i < 20; i++)
        waited (&a, 500, 0);
    for (int i = 0; i < 20; i++)
        ended (&a, 500);
    assert_int_equal (a.flow.extra, CAP4);
    ended (&a, FO_FLOW_LONG_US + 10000);
    assert_int_equal (a.flow.extra, CAP4);
    assert_int_equal (credit (&a), 5 + CAP4);
    ended (&a, 1000000);               /* a second: the suite turned long */
    assert_int_equal (a.flow.extra, CAP4 / 2);
    assert_int_equal (credit (&a), 5 + CAP4 - 1);
}

/* Leases given back (lease return) after a long lease halved the extra:
   the credit they held is first what the dones were to keep back, then
   the extra, then the prefetch's. The agent keeps credit for its slots:
   with the dones keeping back credit that had gone with the returns, it
   ended with none and took no lease again. */
static void
test_returned_leases_take_their_credit (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 2, 1);
    for (int i = 0; i < 100; i++)
        ended (&a, 100);
    assert_int_equal (a.flow.extra, FO_FLOW_MIN_EXTRA);
    ended (&a, 1000000);                /* long: half the extra withheld */
    assert_int_equal (a.flow.withhold, FO_FLOW_MIN_EXTRA / 2 - 1);
    /* 2 slots run, 1 + 48 - 1 queued: all but the prefetch go back */
    uint32_t back = FO_FLOW_MIN_EXTRA - 1;
    fo_flow_returned (&a.flow, back);
    a.kept += back;                     /* leases that gave no credit back */
    assert_int_equal (a.flow.withhold, 0);
    assert_int_equal (a.flow.extra, 0);
    assert_int_equal (credit (&a), 3);  /* the slots and the prefetch */
    fo_flow_returned (&a.flow, 1);      /* the prefetch's too */
    a.kept += 1;
    assert_int_equal (credit (&a), 2);
    for (int i = 0; i < 10; i++)
        ended (&a, 1000000);
    assert_int_equal (credit (&a), 2);  /* never below the slots */
}

static void
test_short_again_while_giving_back (void **state)
{
    (void) state;
    agent_side a;
    start (&a, 4, 1);
    for (int i = 0; i < 20; i++)
        waited (&a, 500, 0);
    ended (&a, FO_FLOW_LONG_US + 1);
    assert_int_equal (a.flow.withhold, CAP4 / 2 - 1);
    waited (&a, 500, 0);               /* keeps one the dones would have returned */
    assert_int_equal (a.flow.withhold, CAP4 / 2 - 2);
    assert_int_equal (a.flow.extra, CAP4 / 2 + 1);
    for (int i = 0; i < CAP4 / 2 - 2; i++)
        ended (&a, 0);
    assert_int_equal (credit (&a), 5 + CAP4 / 2 + 1);
    /* Short again and given back: the queue deepens to the cap again. */
    for (int i = 0; i < 100; i++)
        ended (&a, 0);
    assert_int_equal (a.flow.extra, CAP4);
    assert_int_equal (credit (&a), 5 + CAP4);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_first_request),
        cmocka_unit_test (test_long_leases_ask_nothing),
        cmocka_unit_test (test_short_leases_grow_to_cap),
        cmocka_unit_test (test_short_leases_deepen_the_queue),
        cmocka_unit_test (test_wait_asks_what_it_calls_for),
        cmocka_unit_test (test_no_prefetch_no_extra),
        cmocka_unit_test (test_dry_queue_asks_nothing),
        cmocka_unit_test (test_long_lease_gives_back_half),
        cmocka_unit_test (test_one_slow_lease_keeps_the_extra),
        cmocka_unit_test (test_returned_leases_take_their_credit),
        cmocka_unit_test (test_short_again_while_giving_back),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
