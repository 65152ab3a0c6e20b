/*  fo_sched alone: no run, no fixture processes, no sockets. The test plans
    a suite built in C, queues its tasks, says what each shared fixture's
    state is (the fixture callback), plays agents asking for work, and
    checks every rule of fo_sched.h: plan order, discovery first, serial
    tasks alone and only when nothing is in flight, tasks parked until
    their shared fixture is up (or dropped when it failed), a retry on
    another agent while one is alive and on the same one when it is the
    only one, a lost lease back at the front, and stop draining every
    queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fo_deque.h"
#include "fo_plan.h"
#include "fo_sched.h"
#include "run_support.h"

#define NONE ((size_t) -1)

/* ---- the world: a plan, its scheduler, the fixtures' states ------------ */

typedef struct {
    fo_suite *suite;
    fo_plan *plan;
    fo_sched *sched;
    fo_sched_fixture fixture[2];    /* what the run would say, per fixture */
    size_t asked;                   /* questions about fixtures */
    size_t dropped[8];              /* tasks the run ended: fixture failed */
    size_t ndropped;
} world;

static fo_sched_fixture
fixture_state (void *arg, size_t task, size_t fixture)
{
    world *w = arg;
    w->asked++;
    assert_true (fixture < 2);
    if (w->fixture[fixture] == FO_SCHED_FIXTURE_GONE) {
        assert_true (w->ndropped < 8);
        w->dropped[w->ndropped++] = task;
    }
    return w->fixture[fixture];
}

static void
add_test (fo_context *ctx, const char *name)
{
    fo_test *test = fo_test_new (ctx, name);
    fo_strv_push (&test->run.argv, "true");
}

/*  The suite, and its plan (checked in world_new):
      task 0  gen       discover_on: agent (discovery tasks come first)
      task 1  a
      task 2  b
      task 3  db/x      shared context db: fixture 0
      task 4  db/y      shared context db
      task 5  ser/s1    serial (serial tasks come last)
      task 6  ser/s2    serial */
static void
world_new (world *w)
{
    memset (w, 0, sizeof *w);
    w->suite = hand_suite_new ("/suite");
    fo_context *root = w->suite->root;
    add_test (root, "a");
    add_test (root, "b");
    fo_context *db = fo_context_new (root, "db");
    db->mode = FO_MODE_SHARED;
    fo_strv_push (&db->setup.argv, "start-db");
    add_test (db, "x");
    add_test (db, "y");
    fo_context *ser = fo_context_new (root, "ser");
    ser->mode = FO_MODE_SERIAL;
    add_test (ser, "s1");
    add_test (ser, "s2");
    fo_context *gen = fo_context_new (root, "gen");
    fo_strv_push (&gen->discover.argv, "./list");
    gen->discover_on_agent = true;
    gen->run_template_shell = fo_xstrdup ("./t {name}");
    w->plan = fo_plan_build (w->suite);

    const fo_plan *p = w->plan;
    assert_int_equal (p->ntasks, 7);
    assert_int_equal (p->nshared, 1);
    assert_true (p->tasks[0].discovery != FO_NO_DISCOVERY);
    const char *names[] = { NULL, "a", "b", "db/x", "db/y", "ser/s1", "ser/s2" };
    for (size_t i = 1; i < 7; i++)
        assert_string_equal (p->tests[fo_task_tests (&p->tasks[i])[0]]->id, names[i]);
    assert_int_equal (p->tasks[3].nshared, 1);
    assert_int_equal (p->tasks[4].nshared, 1);
    assert_true (p->tasks[5].serial && p->tasks[6].serial);
    assert_false (p->tasks[4].serial);

    w->fixture[0] = FO_SCHED_FIXTURE_UP;
    w->sched = fo_sched_new (w->plan, fixture_state, w);
}

static void
world_free (world *w)
{
    fo_sched_destroy (&w->sched);
    fo_plan_destroy (&w->plan);
    fo_suite_destroy (&w->suite);
}

static void
enqueue_all (world *w)
{
    for (size_t i = 0; i < w->plan->ntasks; i++)
        assert_true (fo_sched_enqueue (w->sched, i, FO_SCHED_PLANNED));
}

/* Agent n runs on host "h<n>" unless a test joins it elsewhere. */
static const char *
host_name (uint32_t agent)
{
    static char names[8][8];
    snprintf (names[agent % 8], sizeof names[0], "h%u", agent);
    return names[agent % 8];
}

static void
join_on (world *w, uint32_t agent, const char *host)
{
    fo_sched_agent_joined (w->sched, &(fo_sched_agent) { .number = agent, .host = host, .slots = 1 });
}

static void
join (world *w, uint32_t agent)
{
    join_on (w, agent, host_name (agent));
}

/* The task agent `agent` gets now, or NONE. */
static size_t
pick (world *w, uint32_t agent)
{
    size_t task = NONE;
    const fo_sched_agent *joined = fo_sched_agent_of (w->sched, agent);
    fo_sched_agent who = { .number = agent, .host = joined ? joined->host : host_name (agent),
                           .slots = 1 };
    if (!fo_sched_pick (w->sched, &who, &task))
        return NONE;
    assert_true (task != NONE);
    return task;
}

/* The tasks that come out, in order, until none does. */
static void
expect_picks (world *w, uint32_t agent, const size_t *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        assert_int_equal (pick (w, agent), want[i]);
    assert_int_equal (pick (w, agent), NONE);
}

#define PICKS(w, agent, ...)                                                             \
    do {                                                                                 \
        const size_t want_[] = { __VA_ARGS__ };                                          \
        expect_picks ((w), (agent), want_, sizeof want_ / sizeof want_[0]);              \
    } while (0)

static void
end (world *w, size_t task)
{
    fo_sched_lease_ended (w->sched, task);
}

/* Task `task` is queued to run (`why`: planned or a retry). */
static void
enqueue (world *w, size_t task, fo_sched_reason why)
{
    assert_true (fo_sched_enqueue (w->sched, task, why));
}

/* Task `task` failed on agent `agent`, its lease ends, and it is queued
   to be tried again (as the run does with retries left). */
static void
fail_for_retry (world *w, size_t task, uint32_t agent)
{
    fo_sched_failed_on (w->sched, task, agent);
    end (w, task);
    enqueue (w, task, FO_SCHED_RETRY);
}

/* ---- the rules ------------------------------------------------------------ */

/* fo_sched_may_pick is the broker's cheap "could anyone get a task now?":
   false must mean that pick gives no agent anything, in each state of the
   plan-order run (nothing queued, serial tasks waiting for the parallel
   ones, a serial task running, held). */
static void
test_may_pick_agrees_with_pick (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    assert_false (fo_sched_may_pick (w.sched));     /* nothing queued */
    assert_int_equal (pick (&w, 0), NONE);
    enqueue_all (&w);
    assert_true (fo_sched_may_pick (w.sched));
    PICKS (&w, 0, 0, 1, 2, 3, 4);
    assert_false (fo_sched_may_pick (w.sched));     /* serial ones wait for those */
    assert_int_equal (pick (&w, 1), NONE);
    for (size_t t = 0; t < 5; t++)
        end (&w, t);
    assert_true (fo_sched_may_pick (w.sched));
    PICKS (&w, 1, 5);
    assert_false (fo_sched_may_pick (w.sched));     /* a serial task runs */
    assert_int_equal (pick (&w, 0), NONE);
    end (&w, 5);
    assert_true (fo_sched_may_pick (w.sched));
    fo_sched_hold (w.sched);
    assert_false (fo_sched_may_pick (w.sched));     /* held */
    assert_int_equal (pick (&w, 0), NONE);
    world_free (&w);
}

/* Plan order; serial tasks only once nothing is in flight, one at a time. */
static void
test_plan_order_then_serial_alone (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    enqueue_all (&w);
    PICKS (&w, 0, 0, 1, 2, 3, 4);           /* the serial ones wait */
    assert_int_equal (fo_sched_in_flight (w.sched), 5);
    for (size_t t = 0; t < 4; t++)
        end (&w, t);
    assert_int_equal (pick (&w, 0), NONE);  /* db/y is still in flight */
    end (&w, 4);
    PICKS (&w, 1, 5);                       /* alone: nothing beside it */
    PICKS (&w, 0);
    end (&w, 5);
    PICKS (&w, 0, 6);
    end (&w, 6);
    assert_int_equal (fo_sched_in_flight (w.sched), 0);
    world_free (&w);
}

/* Nothing is leased beside a serial task, not even a task that comes back
   (lost); that one goes first once the serial task has ended, and the next
   serial task waits for it. */
static void
test_nothing_beside_a_serial_task (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    enqueue (&w, 1, FO_SCHED_PLANNED);
    enqueue (&w, 5, FO_SCHED_PLANNED);
    enqueue (&w, 6, FO_SCHED_PLANNED);
    PICKS (&w, 0, 1);
    end (&w, 1);
    PICKS (&w, 0, 5);
    enqueue (&w, 1, FO_SCHED_LOST);
    PICKS (&w, 1);
    end (&w, 5);
    PICKS (&w, 1, 1);                       /* the parallel one first */
    end (&w, 1);
    PICKS (&w, 0, 6);
    world_free (&w);
}

/* Discovery tasks go first, whenever they are queued; a lost one too. */
static void
test_discovery_first (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    for (size_t i = w.plan->ntasks; i-- > 0;)     /* queued last */
        enqueue (&w, i, FO_SCHED_PLANNED);
    assert_int_equal (pick (&w, 0), 0);
    assert_int_equal (pick (&w, 0), 4);     /* then the others, as queued */
    /* a retry is queued, then the discovery comes back lost: it goes
       before the retry and before the ready tasks */
    fail_for_retry (&w, 4, 0);
    end (&w, 0);
    enqueue (&w, 0, FO_SCHED_LOST);
    assert_int_equal (pick (&w, 1), 0);
    assert_int_equal (pick (&w, 1), 4);
    assert_int_equal (pick (&w, 1), 3);
    world_free (&w);
}

/* A task of a shared context waits (parked) while its fixture is not up;
   the others flow. Once up, the parked tasks go first, in their order. */
static void
test_parked_until_the_fixture_is_up (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    w.fixture[0] = FO_SCHED_FIXTURE_WAIT;
    enqueue_all (&w);
    PICKS (&w, 0, 0, 1, 2);                 /* db/x, db/y parked */
    assert_int_equal (w.asked, 2);
    end (&w, 1);
    end (&w, 2);
    enqueue (&w, 2, FO_SCHED_LOST);
    w.fixture[0] = FO_SCHED_FIXTURE_UP;
    fo_sched_fixture_up (w.sched, 0);
    PICKS (&w, 1, 3, 4, 2);                 /* parked first, in order */
    size_t t;
    assert_false (fo_sched_take_parked (w.sched, 0, &t));
    world_free (&w);
}

/* A fixture that failed: its parked tasks are handed back to be ended, and
   a task asked about it later is dropped (the run ended it) while the
   next one goes. */
static void
test_failed_fixture (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    w.fixture[0] = FO_SCHED_FIXTURE_WAIT;
    enqueue (&w, 3, FO_SCHED_PLANNED);
    enqueue (&w, 4, FO_SCHED_PLANNED);
    PICKS (&w, 0);
    w.fixture[0] = FO_SCHED_FIXTURE_GONE;
    size_t t;
    assert_true (fo_sched_take_parked (w.sched, 0, &t));
    assert_int_equal (t, 3);
    assert_true (fo_sched_take_parked (w.sched, 0, &t));
    assert_int_equal (t, 4);
    assert_false (fo_sched_take_parked (w.sched, 0, &t));
    enqueue (&w, 4, FO_SCHED_PLANNED);
    enqueue (&w, 1, FO_SCHED_PLANNED);
    PICKS (&w, 0, 1);
    assert_int_equal (w.ndropped, 1);
    assert_int_equal (w.dropped[0], 4);
    assert_int_equal (fo_sched_in_flight (w.sched), 1);
    world_free (&w);
}

/* A retry goes to an agent its task has not failed on while one is alive
   (the others' work flows meanwhile), and to the same agent when that is
   the only one left. */
static void
test_retry_on_another_agent (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    enqueue (&w, 1, FO_SCHED_PLANNED);
    enqueue (&w, 2, FO_SCHED_PLANNED);
    assert_int_equal (pick (&w, 0), 1);
    fail_for_retry (&w, 1, 0);
    PICKS (&w, 0, 2);                       /* not the retry */
    PICKS (&w, 1, 1);                       /* the other agent takes it */

    /* it fails there too; agent 1 leaves: agent 0 is the only one */
    fail_for_retry (&w, 1, 1);
    join (&w, 2);
    PICKS (&w, 0);                          /* agent 2 has not tried it */
    fo_sched_agent_lost (w.sched, 2);
    fo_sched_agent_lost (w.sched, 1);
    PICKS (&w, 0, 1);
    world_free (&w);
}

/* A retry waits only for agents that are alive: a number reused by a new
   agent counts as alive again. */
static void
test_retry_and_reused_agent_numbers (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    enqueue (&w, 1, FO_SCHED_PLANNED);
    assert_int_equal (pick (&w, 1), 1);
    fo_sched_failed_on (w.sched, 1, 1);
    end (&w, 1);
    fo_sched_agent_lost (w.sched, 0);
    enqueue (&w, 1, FO_SCHED_RETRY);
    join (&w, 0);                           /* a new agent, number 0 again */
    PICKS (&w, 1);
    PICKS (&w, 0, 1);
    world_free (&w);
}

/* Hosts, not agent numbers, are told apart: two agents on one host are
   one host to a retry, and an agent that names no host is a host of its
   own. */
static void
test_retry_on_another_host (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join_on (&w, 0, "same");
    join_on (&w, 1, "same");
    join_on (&w, 2, "other");
    enqueue (&w, 1, FO_SCHED_PLANNED);
    assert_int_equal (pick (&w, 0), 1);
    fail_for_retry (&w, 1, 0);
    PICKS (&w, 1);                          /* the same host: not while "other" is there */
    PICKS (&w, 2, 1);
    /* it failed on "other" too; "other" leaves: "same" may take it again */
    fail_for_retry (&w, 1, 2);
    join_on (&w, 3, NULL);                  /* no host: its own */
    PICKS (&w, 1);
    PICKS (&w, 3, 1);
    fail_for_retry (&w, 1, 3);
    fo_sched_agent_lost (w.sched, 2);
    fo_sched_agent_lost (w.sched, 3);
    PICKS (&w, 1, 1);
    world_free (&w);
}

/* Retries keep the order their tries failed in, around those an agent
   passes over (tasks it failed on), taken from either half of the queue. */
static void
test_retry_order_kept (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    join (&w, 2);
    for (size_t t = 1; t <= 4; t++)
        enqueue (&w, t, FO_SCHED_PLANNED);
    PICKS (&w, 0, 1, 2, 3, 4);
    fail_for_retry (&w, 1, 0);
    fail_for_retry (&w, 3, 1);
    fail_for_retry (&w, 2, 0);
    fail_for_retry (&w, 4, 1);              /* retries: 1 3 2 4 */
    PICKS (&w, 0, 3, 4);                    /* not 1 nor 2: it failed them */
    PICKS (&w, 2, 1, 2);
    world_free (&w);
}

/* fo_deque_remove_at keeps the order of the rest, whichever side it
   moves, across the ring's wrap. */
static void
test_deque_remove_at (void **state)
{
    (void) state;
    for (size_t len = 1; len <= 9; len++)
        for (size_t at = 0; at < len; at++)
            for (size_t shift = 0; shift < 64; shift += 21) {
                fo_deque q = { 0 };
                size_t v;
                for (size_t i = 0; i < shift; i++)      /* move the head round the ring */
                    fo_deque_push_back (&q, 99);
                for (size_t i = 0; i < shift; i++)
                    assert_true (fo_deque_pop_front (&q, &v));
                for (size_t i = 0; i < len; i++)
                    fo_deque_push_back (&q, i);
                fo_deque_remove_at (&q, at);
                assert_int_equal (q.len, len - 1);
                for (size_t i = 0, want = 0; i < q.len; i++, want++) {
                    if (want == at)
                        want++;
                    assert_int_equal (fo_deque_at (&q, i), want);
                }
                fo_deque_free (&q);
            }
}

static int
cmp_down (const void *a, const void *b, void *arg)
{
    (void) arg;
    size_t x = *(const size_t *) a, y = *(const size_t *) b;
    return (x < y) - (x > y);
}

/* fo_deque_sort sorts front to back, whether or not the ring wraps. */
static void
test_deque_sort (void **state)
{
    (void) state;
    for (size_t shift = 0; shift < 64; shift += 7) {
        fo_deque q = { 0 };
        size_t v;
        for (size_t i = 0; i < shift; i++)
            fo_deque_push_back (&q, 99);
        for (size_t i = 0; i < shift; i++)
            assert_true (fo_deque_pop_front (&q, &v));
        for (size_t i = 0; i < 40; i++)
            fo_deque_push_back (&q, (i * 17) % 40);
        fo_deque_push_front (&q, 40);
        fo_deque_sort (&q, cmp_down, NULL);
        assert_int_equal (q.len, 41);
        for (size_t i = 0; i < q.len; i++)
            assert_int_equal (fo_deque_at (&q, i), 40 - i);
        fo_deque_free (&q);
    }
}

/* A lease lost with its agent comes back at the front of its queue. */
static void
test_lost_lease_to_the_front (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    enqueue_all (&w);
    assert_int_equal (pick (&w, 0), 0);
    assert_int_equal (pick (&w, 0), 1);
    assert_int_equal (pick (&w, 0), 2);
    end (&w, 1);
    end (&w, 2);
    enqueue (&w, 2, FO_SCHED_LOST);
    enqueue (&w, 1, FO_SCHED_LOST);
    PICKS (&w, 0, 1, 2, 3, 4);
    world_free (&w);
}

/* Hold: no more picks, queues kept. Stop: no more enqueues either, and
   drain hands back every queued or parked task: retries, discoveries,
   ready, serial, parked. */
static void
test_hold_and_stop_drain (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    join (&w, 0);
    join (&w, 1);
    w.fixture[0] = FO_SCHED_FIXTURE_WAIT;
    enqueue_all (&w);
    PICKS (&w, 0, 0, 1, 2);                 /* db/x and db/y parked */
    fail_for_retry (&w, 1, 0);
    end (&w, 0);
    enqueue (&w, 0, FO_SCHED_LOST);

    fo_sched_hold (w.sched);
    PICKS (&w, 1);
    enqueue (&w, 2, FO_SCHED_LOST);   /* still queued */
    fo_sched_stop (w.sched);
    assert_false (fo_sched_enqueue (w.sched, 2, FO_SCHED_PLANNED));
    PICKS (&w, 1);
    const size_t want[] = { 1, 0, 2, 5, 6, 3, 4 };
    size_t t;
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_true (fo_sched_drain (w.sched, &t));
        assert_int_equal (t, want[i]);
    }
    assert_false (fo_sched_drain (w.sched, &t));
    world_free (&w);
}

/* ---- longest first, from history ------------------------------------------ */

/* A history in memory (never saved): what these tests recorded. */
static fo_history *
history_new (void)
{
    char warn[256];
    fo_history *h = fo_history_load ("/nonexistent/fanout-history.json", warn, sizeof warn);
    assert_string_equal (warn, "");
    return h;
}

/* Longest expected work first: a task's cost is its tests' durations plus
   the setup of the shared context it waits for; a test the history does
   not know counts as the typical known one. Discovery still comes first,
   serial tasks still last. */
static void
test_longest_first (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    fo_history *h = history_new ();
    fo_history_record (h, "a", FO_PASSED, 1000000);
    fo_history_record (h, "b", FO_PASSED, 5000000);
    fo_history_record (h, "db/x", FO_PASSED, 2000000);     /* + setup 1 s = 3 s */
    fo_history_record_setup (h, "db", 1000000);
    fo_history_record (h, "ser/s1", FO_PASSED, 1000);
    fo_history_record (h, "ser/s2", FO_PASSED, 9000000);   /* serial: still alone, last */
    /* db/y unknown: typical (1 + 5 + 2 + 0.001 + 9) / 5 = 3.4002 s, + setup */
    fo_sched_set_history (w.sched, h, false);
    enqueue_all (&w);
    PICKS (&w, 0, 0, 2, 4, 3, 1);
    for (size_t t = 0; t < 5; t++)
        end (&w, t);
    PICKS (&w, 0, 5);
    end (&w, 5);
    PICKS (&w, 0, 6);
    end (&w, 6);
    world_free (&w);
    fo_history_destroy (&h);
}

/* Among equal costs, tasks holding tests the history does not know go
   first, then plan order; a lost lease still comes back at the front. */
static void
test_unknown_first_among_equals (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    fo_history *h = history_new ();
    fo_history_record (h, "a", FO_PASSED, 2000000);     /* the typical test: 2 s */
    fo_sched_set_history (w.sched, h, false);
    enqueue_all (&w);
    assert_int_equal (pick (&w, 0), 0);
    assert_int_equal (pick (&w, 0), 2);     /* b, db/x, db/y: unknown, 2 s each */
    fo_sched_enqueue (w.sched, 2, FO_SCHED_LOST);
    PICKS (&w, 0, 2, 3, 4, 1);
    world_free (&w);
    fo_history_destroy (&h);
}

/* Tasks queued in order (plan order, or costs that do not grow) are taken
   from the front of a sorted array; one queued later that must go before
   the others (a discovered test the history knows as long) makes it a
   heap again, after some were taken: the order stays longest first. */
static void
test_order_after_picks (void **state)
{
    (void) state;
    for (int with_history = 0; with_history < 2; with_history++) {
        world w;
        world_new (&w);
        fo_history *h = history_new ();
        if (with_history) {
            fo_history_record (h, "a", FO_PASSED, 5000000);
            fo_history_record (h, "b", FO_PASSED, 4000000);
            fo_history_record (h, "db/x", FO_PASSED, 8000000);
            fo_history_record (h, "db/y", FO_PASSED, 1000000);
            fo_sched_set_history (w.sched, h, false);
        }
        for (size_t t = 0; t < 3; t++)      /* gen, a, b: in order either way */
            enqueue (&w, t, FO_SCHED_PLANNED);
        assert_int_equal (pick (&w, 0), 0);
        assert_int_equal (pick (&w, 0), 1);
        assert_int_equal (fo_sched_queued (w.sched), 1);
        enqueue (&w, 3, FO_SCHED_DISCOVERED);
        enqueue (&w, 4, FO_SCHED_DISCOVERED);
        assert_int_equal (fo_sched_queued (w.sched), 3);
        if (with_history)
            PICKS (&w, 0, 3, 2, 4);         /* db/x 8 s before b 4 s */
        else
            PICKS (&w, 0, 2, 3, 4);         /* plan order */
        world_free (&w);
        fo_history_destroy (&h);
    }
}

/* An importer's hint (CTest's COST, fo_test.cost_ms) stands in for a
   test the history does not know: with no history the highest hint goes
   first, then the tests without one in plan order; a test the history
   knows costs what the history says, whatever its hint. */
static void
test_cost_hints (void **state)
{
    (void) state;
    for (int with_history = 0; with_history < 2; with_history++) {
        world w;
        world_new (&w);
        ((fo_test *) w.plan->tests[fo_task_tests (&w.plan->tasks[2])[0]])->cost_ms = 2000;  /* b */
        ((fo_test *) w.plan->tests[fo_task_tests (&w.plan->tasks[4])[0]])->cost_ms = 1000;  /* db/y */
        fo_sched_destroy (&w.sched);
        w.sched = fo_sched_new (w.plan, fixture_state, &w);
        fo_history *h = history_new ();
        if (with_history) {
            fo_history_record (h, "b", FO_PASSED, 500000);     /* known: 0.5 s */
            fo_sched_set_history (w.sched, h, false);
        }
        enqueue_all (&w);
        if (with_history)
            PICKS (&w, 0, 0, 4, 1, 3, 2);   /* db/y 1 s; a, db/x typical 0.5 s, unknown */
        else
            PICKS (&w, 0, 0, 2, 4, 1, 3);
        world_free (&w);
        fo_history_destroy (&h);
    }
}

/* --last-failed: a task with a test that failed last time goes before
   every longer one; without failed_first the failure changes nothing. */
static void
test_failed_first (void **state)
{
    (void) state;
    for (int failed_first = 0; failed_first < 2; failed_first++) {
        world w;
        world_new (&w);
        fo_history *h = history_new ();
        fo_history_record (h, "a", FO_PASSED, 4000000);
        fo_history_record (h, "b", FO_PASSED, 3000000);
        fo_history_record (h, "db/x", FO_FAILED, 1000);
        fo_history_record (h, "db/y", FO_PASSED, 2000000);
        fo_sched_set_history (w.sched, h, failed_first);
        enqueue_all (&w);
        if (failed_first)
            PICKS (&w, 0, 0, 3, 1, 2, 4);
        else
            PICKS (&w, 0, 0, 1, 2, 4, 3);
        world_free (&w);
        fo_history_destroy (&h);
    }
}

/* --quarantine-hosts: no leases to a quarantined host while another is
   alive; a retry no longer counts it; the last host left takes work again. */
static void
test_quarantine (void **state)
{
    (void) state;
    world w;
    world_new (&w);
    assert_false (fo_sched_quarantine (w.sched, "h1"));     /* unknown host */
    join (&w, 1);
    assert_false (fo_sched_quarantine (w.sched, "h1"));     /* the only one */
    join (&w, 2);
    enqueue_all (&w);
    assert_true (fo_sched_quarantine (w.sched, "h1"));
    assert_true (fo_sched_quarantine (w.sched, "h1"));      /* once is enough */
    assert_int_equal (pick (&w, 1), NONE);
    assert_int_equal (pick (&w, 2), 0);
    /* A retry of a test that failed on h2 would wait for another host; h1
       does not count: it goes to h2 again. */
    fo_sched_failed_on (w.sched, 0, 2);
    end (&w, 0);
    fo_sched_enqueue (w.sched, 0, FO_SCHED_RETRY);
    assert_int_equal (pick (&w, 2), 0);
    end (&w, 0);
    /* h2 is lost: h1 is all there is, and takes the rest. */
    fo_sched_agent_lost (w.sched, 2);
    PICKS (&w, 1, 1, 2, 3, 4);
    world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_plan_order_then_serial_alone),
        cmocka_unit_test (test_nothing_beside_a_serial_task),
        cmocka_unit_test (test_discovery_first),
        cmocka_unit_test (test_parked_until_the_fixture_is_up),
        cmocka_unit_test (test_failed_fixture),
        cmocka_unit_test (test_retry_on_another_agent),
        cmocka_unit_test (test_retry_and_reused_agent_numbers),
        cmocka_unit_test (test_retry_on_another_host),
        cmocka_unit_test (test_retry_order_kept),
        cmocka_unit_test (test_deque_remove_at),
        cmocka_unit_test (test_deque_sort),
        cmocka_unit_test (test_lost_lease_to_the_front),
        cmocka_unit_test (test_hold_and_stop_drain),
        cmocka_unit_test (test_longest_first),
        cmocka_unit_test (test_unknown_first_among_equals),
        cmocka_unit_test (test_order_after_picks),
        cmocka_unit_test (test_cost_hints),
        cmocka_unit_test (test_failed_first),
        cmocka_unit_test (test_quarantine),
        cmocka_unit_test (test_may_pick_agrees_with_pick),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
