/*  fo_sched's placement rules (fo_placement.h) alone: no run, no sockets.
    A suite with locks, resources and labels is loaded from text, its
    tasks queued, and agents with resources and labels ask for work:
    an exclusive lock never held twice nor beside readers, readers side
    by side, all locks or none, a task held back never holding back the
    ones behind it, resource slots counted per agent with the instances
    named, labels required, a lost lease freeing its locks, a reused
    agent number starting with all its slots free, and tasks no agent
    could ever take found with why. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_history.h"
#include "fo_plan.h"
#include "fo_sched.h"

#define NONE ((size_t) -1)

typedef struct {
    fo_suite *suite;
    fo_plan *plan;
    fo_sched *sched;
} world;

static fo_sched_fixture
fixture_up (void *arg, size_t task, size_t fixture)
{
    (void) arg, (void) task, (void) fixture;
    return FO_SCHED_FIXTURE_UP;
}

/* Tests t0, t1, ... in this order are tasks 0, 1, ... (no fixtures). */
static void
world_new (world *w, const char *yaml)
{
    char err[512] = "";
    w->suite = fo_suite_load_buffer ("/tmp/placement.yml", yaml, strlen (yaml), err, sizeof err);
    if (!w->suite)
        fail_msg ("%s", err);
    w->plan = fo_plan_build (w->suite);
    w->sched = fo_sched_new (w->plan, fixture_up, w);
    for (size_t i = 0; i < w->plan->ntasks; i++)
        assert_true (fo_sched_enqueue (w->sched, i, FO_SCHED_PLANNED));
}

static void
world_free (world *w)
{
    fo_sched_destroy (&w->sched);
    fo_plan_destroy (&w->plan);
    fo_suite_destroy (&w->suite);
}

/* Agent n on host "h<n>" with `gpus` instances of gpu (ids "0"..) and
   the labels given (NULL-terminated). */
static void
join (world *w, uint32_t n, unsigned gpus, const char *const *labels)
{
    fo_resource res[4];
    char ids[4][12];
    for (unsigned i = 0; i < gpus; i++) {
        snprintf (ids[i], sizeof ids[i], "%u", i);
        res[i] = (fo_resource) { "gpu", ids[i], 1 };
    }
    fo_strv l = { 0 };
    for (size_t i = 0; labels && labels[i]; i++)
        fo_strv_push (&l, labels[i]);
    char host[8];
    snprintf (host, sizeof host, "h%u", n);
    fo_sched_agent_joined (w->sched, &(fo_sched_agent) {
        .number = n, .host = host, .slots = 4, .resources = res, .nresources = gpus,
        .labels = &l });
    fo_strv_free (&l);
}

static size_t
pick (world *w, uint32_t agent)
{
    size_t task = NONE;
    fo_sched_agent who = { .number = agent, .slots = 4 };
    if (!fo_sched_pick (w->sched, &who, &task))
        return NONE;
    return task;
}

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

static const char *
gpu_of (world *w, size_t task)
{
    const fo_env *env = fo_sched_lease_env (w->sched, task);
    return env ? fo_env_get (env, "FANOUT_RESOURCE_GPU") : NULL;
}

/* CTest's PROCESSORS (fo_needs.processors): a test of 2 takes both slots
   of a 2-slot agent, so nothing goes beside it there; one of 4 is clamped
   to the agent's 2 (never NOT_HERE); once a test of the suite asks for
   more than one, every task takes one, so two plain tasks still go side
   by side and a wide one waits for both to end. */
static void
test_processors (void **state)
{
    (void) state;
    world w;
    char err[512] = "";
    const char *yaml = "tests:\n"
                       "  - {name: t0, run: x}\n"
                       "  - {name: t1, run: x}\n"
                       "  - {name: t2, run: x}\n"
                       "  - {name: t3, run: x}\n"
                       "  - {name: t4, run: x}\n";
    w.suite = fo_suite_load_buffer ("/tmp/placement.yml", yaml, strlen (yaml), err, sizeof err);
    assert_non_null (w.suite);
    uint32_t procs[] = { 2, 2, 0, 0, 4 };
    for (size_t i = 0; i < 5; i++)
        if (procs[i]) {
            w.suite->root->tests[i]->needs = fo_needs_new ();
            w.suite->root->tests[i]->needs->processors = procs[i];
        }
    w.plan = fo_plan_build (w.suite);
    w.sched = fo_sched_new (w.plan, fixture_up, &w);
    for (size_t i = 0; i < w.plan->ntasks; i++)
        assert_true (fo_sched_enqueue (w.sched, i, FO_SCHED_PLANNED));
    fo_sched_agent two = { .number = 0, .host = "h0", .slots = 2 };
    fo_sched_agent_joined (w.sched, &two);
    size_t task = NONE;
    assert_true (fo_sched_pick (w.sched, &two, &task));
    assert_int_equal (task, 0);                 /* t0 takes both slots */
    assert_false (fo_sched_pick (w.sched, &two, &task));
    fo_sched_lease_ended (w.sched, 0);
    assert_true (fo_sched_pick (w.sched, &two, &task));
    assert_int_equal (task, 1);                 /* t1 likewise, after t0 */
    assert_false (fo_sched_pick (w.sched, &two, &task));
    fo_sched_lease_ended (w.sched, 1);
    assert_true (fo_sched_pick (w.sched, &two, &task));
    assert_int_equal (task, 2);
    assert_true (fo_sched_pick (w.sched, &two, &task));
    assert_int_equal (task, 3);                 /* two plain ones side by side */
    assert_false (fo_sched_pick (w.sched, &two, &task));    /* t4 waits */
    fo_sched_lease_ended (w.sched, 2);
    assert_false (fo_sched_pick (w.sched, &two, &task));    /* for both */
    fo_sched_lease_ended (w.sched, 3);
    assert_true (fo_sched_pick (w.sched, &two, &task));
    assert_int_equal (task, 4);                 /* 4 clamped to 2 */
    fo_sched_lease_ended (w.sched, 4);
    assert_int_equal (fo_sched_in_flight (w.sched), 0);
    world_free (&w);
}

/* An exclusive lock: never two holders, on one agent or two; a task
   waiting for it never holds back the tasks behind it. */
static void
test_exclusive_lock (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, locks: [db]}\n"
               "  - {name: t1, run: x, locks: [db]}\n"
               "  - {name: t2, run: x}\n"
               "  - {name: t3, run: x, locks: [other]}\n");
    join (&w, 0, 0, NULL);
    join (&w, 1, 0, NULL);
    PICKS (&w, 0, 0, 3, 2);       /* t1 waits for db; what follows goes */
    PICKS (&w, 1);                 /* nor on another agent */
    fo_sched_lease_ended (w.sched, 0);
    PICKS (&w, 1, 1);
    fo_sched_lease_ended (w.sched, 1);
    fo_sched_lease_ended (w.sched, 2);
    fo_sched_lease_ended (w.sched, 3);
    assert_int_equal (fo_sched_in_flight (w.sched), 0);
    world_free (&w);
}

/* Readers side by side; a writer neither beside them nor they beside it. */
static void
test_shared_lock (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, shared_locks: [db]}\n"
               "  - {name: t1, run: x, shared_locks: [db]}\n"
               "  - {name: t2, run: x, locks: [db]}\n"
               "  - {name: t3, run: x, shared_locks: [db]}\n");
    join (&w, 0, 0, NULL);
    PICKS (&w, 0, 0, 1, 3);        /* the writer waits for the readers */
    fo_sched_lease_ended (w.sched, 0);
    fo_sched_lease_ended (w.sched, 1);
    PICKS (&w, 0);                 /* t3 still reads */
    fo_sched_lease_ended (w.sched, 3);
    PICKS (&w, 0, 2);
    world_free (&w);

    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, locks: [db]}\n"
               "  - {name: t1, run: x, shared_locks: [db]}\n");
    join (&w, 0, 0, NULL);
    PICKS (&w, 0, 0);              /* no reader beside the writer */
    fo_sched_lease_ended (w.sched, 0);
    PICKS (&w, 0, 1);
    world_free (&w);
}

/* All locks or none: a task that cannot have all of them takes none, so
   no task ever waits holding one (no deadlock). */
static void
test_all_or_nothing (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, locks: [x]}\n"
               "  - {name: t1, run: x, locks: [x, y]}\n"
               "  - {name: t2, run: x, locks: [y]}\n"
               "  - {name: t3, run: x, locks: [y, x]}\n");
    join (&w, 0, 0, NULL);
    PICKS (&w, 0, 0, 2);           /* t1 took neither x nor y */
    fo_sched_lease_ended (w.sched, 0);
    PICKS (&w, 0);                 /* y is t2's */
    fo_sched_lease_ended (w.sched, 2);
    PICKS (&w, 0, 1);
    fo_sched_lease_ended (w.sched, 1);
    PICKS (&w, 0, 3);
    world_free (&w);
}

/* Resource slots per agent, each lease told which instances it holds. */
static void
test_resources (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, resources: {gpu: 1}}\n"
               "  - {name: t1, run: x, resources: {gpu: 1}}\n"
               "  - {name: t2, run: x, resources: {gpu: 1}}\n"
               "  - {name: t3, run: x, resources: {gpu: 2}}\n"
               "  - {name: t4, run: x}\n");
    join (&w, 0, 2, NULL);
    join (&w, 1, 0, NULL);
    PICKS (&w, 1, 4);              /* no gpu here: only the plain task */
    PICKS (&w, 0, 0, 1);
    assert_string_equal (gpu_of (&w, 0), "0");
    assert_string_equal (gpu_of (&w, 1), "1");
    assert_null (gpu_of (&w, 4));
    fo_sched_lease_ended (w.sched, 0);
    PICKS (&w, 0, 2);
    assert_string_equal (gpu_of (&w, 2), "0");
    fo_sched_lease_ended (w.sched, 1);
    fo_sched_lease_ended (w.sched, 2);
    assert_null (gpu_of (&w, 2));
    PICKS (&w, 0, 3);
    assert_string_equal (gpu_of (&w, 3), "0,1");
    world_free (&w);
}

/* requires: only agents with every label. */
static void
test_requires (void **state)
{
    (void) state;
    world w;
    world_new (&w, "contexts:\n"
               "  - name: c\n"
               "    requires: [docker]\n"
               "    tests:\n"
               "      - {name: t0, run: x}\n"
               "      - {name: t1, run: x, requires: [arch=arm64]}\n"
               "tests:\n"
               "  - {name: t2, run: x}\n");
    /* the top level's tests are planned first: t2, c/t0, c/t1 */
    assert_string_equal (w.plan->tests[fo_task_tests (&w.plan->tasks[1])[0]]->id, "c/t0");
    join (&w, 0, 0, NULL);
    join (&w, 1, 0, (const char *[]) { "docker", NULL });
    join (&w, 2, 0, (const char *[]) { "arch=arm64", "docker", NULL });
    PICKS (&w, 0, 0);
    PICKS (&w, 1, 1);
    PICKS (&w, 2, 2);
    world_free (&w);
}

/* Placed tasks go longest first too (their own order, after a history
   or CTest's COST reordered them), lost leases back at their front, and
   stay there when a task queued later is sorted in. */
static void
test_longest_first_placed (void **state)
{
    (void) state;
    world w = { 0 };
    const char *yaml = "tests:\n"
                       "  - {name: t0, run: x, requires: [docker]}\n"
                       "  - {name: t1, run: x, requires: [docker]}\n"
                       "  - {name: t2, run: x, requires: [docker]}\n"
                       "  - {name: t3, run: x, requires: [docker]}\n"
                       "  - {name: t4, run: x, requires: [docker]}\n";
    char err[512] = "", warn[256] = "";
    w.suite = fo_suite_load_buffer ("/tmp/placement.yml", yaml, strlen (yaml), err, sizeof err);
    assert_non_null (w.suite);
    w.plan = fo_plan_build (w.suite);
    w.sched = fo_sched_new (w.plan, fixture_up, &w);
    fo_history *h = fo_history_load ("/nonexistent/fanout-history.json", warn, sizeof warn);
    fo_history_record (h, "t0", FO_PASSED, 1000000);
    fo_history_record (h, "t1", FO_PASSED, 5000000);
    fo_history_record (h, "t2", FO_PASSED, 3000000);
    fo_history_record (h, "t3", FO_PASSED, 4000000);
    fo_history_record (h, "t4", FO_PASSED, 9000000);
    fo_sched_set_history (w.sched, h, false);
    for (size_t i = 0; i < 4; i++)          /* t4 later */
        assert_true (fo_sched_enqueue (w.sched, i, FO_SCHED_PLANNED));
    join (&w, 0, 0, (const char *[]) { "docker", NULL });
    assert_int_equal (pick (&w, 0), 1);
    assert_int_equal (pick (&w, 0), 3);
    assert_int_equal (pick (&w, 0), 2);
    /* lost: 3, then 2; the last one lost goes first, before the longer 0 */
    for (size_t t = 3; t >= 2; t--) {
        fo_sched_lease_ended (w.sched, t);
        assert_true (fo_sched_enqueue (w.sched, t, FO_SCHED_LOST));
    }
    /* a task queued now, longer than all, out of order: it is sorted
       among the others, and the lost ones stay at the front */
    assert_true (fo_sched_enqueue (w.sched, 4, FO_SCHED_PLANNED));
    PICKS (&w, 0, 2, 3, 4, 0);
    world_free (&w);
    fo_history_destroy (&h);
}

/* A lease that ends lost frees its locks; an agent number reused starts
   with every slot free, and the old lease's end gives nothing back to
   the new agent. */
static void
test_lost_and_reused (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, locks: [db], resources: {gpu: 1}}\n"
               "  - {name: t1, run: x, locks: [db2], resources: {gpu: 1}}\n"
               "  - {name: t2, run: x, locks: [db], resources: {gpu: 1}}\n");
    join (&w, 0, 1, NULL);
    PICKS (&w, 0, 0);
    fo_sched_agent_lost (w.sched, 0);
    join (&w, 0, 1, NULL);          /* a new agent under the same number */
    PICKS (&w, 0, 1);               /* its gpu is free; db is still t0's */
    fo_sched_lease_ended (w.sched, 0);     /* lost: db is free again */
    PICKS (&w, 0);                  /* but the new agent's one gpu is t1's */
    join (&w, 1, 1, NULL);
    PICKS (&w, 1, 2);
    world_free (&w);
}

/* A serial task is placed too. */
static void
test_serial_placed (void **state)
{
    (void) state;
    world w;
    world_new (&w, "contexts:\n"
               "  - name: s\n"
               "    mode: serial\n"
               "    tests:\n"
               "      - {name: t0, run: x, requires: [docker]}\n"
               "      - {name: t1, run: x}\n");
    join (&w, 0, 0, NULL);
    join (&w, 1, 0, (const char *[]) { "docker", NULL });
    PICKS (&w, 0, 1);
    fo_sched_lease_ended (w.sched, 1);
    PICKS (&w, 1, 0);
    world_free (&w);
}

/* A retry goes to another host, unless no other host could ever take it:
   then it stays on the one it failed on rather than wait for ever. */
static void
test_retry_where_it_fits (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, resources: {gpu: 1}}\n"
               "  - {name: t1, run: x}\n");
    join (&w, 0, 1, NULL);
    join (&w, 1, 0, NULL);
    PICKS (&w, 0, 0, 1);
    fo_sched_lease_ended (w.sched, 0);
    fo_sched_lease_ended (w.sched, 1);
    fo_sched_failed_on (w.sched, 0, 0);
    fo_sched_failed_on (w.sched, 1, 0);
    assert_true (fo_sched_enqueue (w.sched, 0, FO_SCHED_RETRY));
    assert_true (fo_sched_enqueue (w.sched, 1, FO_SCHED_RETRY));
    PICKS (&w, 0, 0);              /* t1 waits for h1; t0 cannot go there */
    PICKS (&w, 1, 1);
    world_free (&w);
}

/* Tasks no alive agent could ever take, with why; none while no agent
   is alive (the broker waits for agents itself). */
static void
test_impossible (void **state)
{
    (void) state;
    world w;
    world_new (&w, "tests:\n"
               "  - {name: t0, run: x, resources: {gpu: 3}}\n"
               "  - {name: t1, run: x, resources: {gpu: 2}}\n"
               "  - {name: t2, run: x, requires: [docker]}\n"
               "  - {name: t3, run: x, requires: [docker], resources: {gpu: 1}}\n"
               "  - {name: t4, run: x}\n");
    size_t task;
    char why[256];
    assert_false (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    join (&w, 0, 2, NULL);
    join (&w, 1, 1, (const char *[]) { "docker", NULL });
    assert_true (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    assert_int_equal (task, 0);
    assert_string_equal (why, "it needs 3 of resource 'gpu' and the most an agent offers is 2");
    assert_false (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    fo_sched_agent_lost (w.sched, 1);
    assert_true (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    assert_int_equal (task, 2);
    assert_string_equal (why, "it requires the label 'docker' and no agent has it");
    assert_true (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    assert_int_equal (task, 3);
    assert_false (fo_sched_take_impossible (w.sched, &task, why, sizeof why));
    PICKS (&w, 0, 1, 4);
    world_free (&w);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_exclusive_lock),
        cmocka_unit_test (test_shared_lock),
        cmocka_unit_test (test_all_or_nothing),
        cmocka_unit_test (test_resources),
        cmocka_unit_test (test_requires),
        cmocka_unit_test (test_longest_first_placed),
        cmocka_unit_test (test_lost_and_reused),
        cmocka_unit_test (test_serial_placed),
        cmocka_unit_test (test_retry_where_it_fits),
        cmocka_unit_test (test_impossible),
        cmocka_unit_test (test_processors),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
