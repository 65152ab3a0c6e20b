/*  fo_after (broker/fo_after.h) alone: the order between tasks built from
    the tests' fo_needs.after and verdict needs. A suite of plain tests
    (each its own task) gets the order a shared CTest fixture has: t1 and
    t2 after t0 (t2 through its verdict's needs), t3 after t1 and t2;
    t4 waits for nothing; an id that is not in the plan orders nothing;
    each task is let go once, when the last task it waits for ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_after.h"

static void
after (fo_test *t, const char *id)
{
    if (!t->needs)
        t->needs = fo_needs_new ();
    fo_strv_push (&t->needs->after, id);
}

static void
test_order (void **state)
{
    (void) state;
    const char *yaml = "tests:\n"
                       "  - {name: t0, run: x}\n"
                       "  - {name: t1, run: x}\n"
                       "  - {name: t2, run: x}\n"
                       "  - {name: t3, run: x}\n"
                       "  - {name: t4, run: x}\n";
    char err[512] = "";
    fo_suite *suite = fo_suite_load_buffer ("/tmp/after.yml", yaml, strlen (yaml), err, sizeof err);
    assert_non_null (suite);
    fo_test **t = suite->root->tests;
    after (t[1], "t0");
    t[2]->verdict = fo_xcalloc (1, sizeof *t[2]->verdict);   /* freed with the suite */
    fo_strv_push (&t[2]->verdict->needs, "t0");
    after (t[3], "t1");
    after (t[3], "t2");
    after (t[3], "t1");             /* twice: one edge */
    after (t[4], "not/in/the/plan");
    fo_plan *plan = fo_plan_build (suite);
    assert_int_equal (plan->ntasks, 5);
    fo_tasks *tasks = fo_tasks_new (plan);
    fo_after *a = fo_after_new (plan, tasks);
    assert_non_null (a);
    bool waits[5] = { false, true, true, true, false };
    for (size_t i = 0; i < 5; i++)
        assert_int_equal (fo_after_waits (a, i), waits[i]);
    size_t *ready;
    assert_int_equal (fo_after_task_ended (a, 4, &ready), 0);
    free (ready);
    assert_int_equal (fo_after_task_ended (a, 0, &ready), 2);
    assert_int_equal (ready[0], 1);
    assert_int_equal (ready[1], 2);
    free (ready);
    assert_int_equal (fo_after_task_ended (a, 0, &ready), 0);     /* once */
    free (ready);
    assert_int_equal (fo_after_task_ended (a, 1, &ready), 0);     /* t3 waits for t2 */
    free (ready);
    assert_true (fo_after_waits (a, 3));
    assert_int_equal (fo_after_task_ended (a, 2, &ready), 1);
    assert_int_equal (ready[0], 3);
    free (ready);
    assert_false (fo_after_waits (a, 3));
    fo_after_destroy (&a);
    assert_null (a);
    fo_tasks_destroy (&tasks);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A plan where no test asks for an order has none (NULL: no cost). */
static void
test_none (void **state)
{
    (void) state;
    const char *yaml = "tests:\n  - {name: t0, run: x}\n";
    char err[512] = "";
    fo_suite *suite = fo_suite_load_buffer ("/tmp/after.yml", yaml, strlen (yaml), err, sizeof err);
    assert_non_null (suite);
    fo_plan *plan = fo_plan_build (suite);
    fo_tasks *tasks = fo_tasks_new (plan);
    fo_after *a = fo_after_new (plan, tasks);
    assert_null (a);
    assert_false (fo_after_waits (a, 0));
    size_t *ready;
    assert_int_equal (fo_after_task_ended (a, 0, &ready), 0);
    fo_tasks_destroy (&tasks);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* The plan grows during the run (a CTest tree listed on an agent): the
   new tasks wait for one another as a plan's would (g/u after g/s, g/v
   through its verdict's needs), a new test naming a test of the plan
   before (p0) waits for nothing, the plan's own order stays; a plan that
   had no order gets one when its new tasks ask. */
static void
test_grow (void **state)
{
    (void) state;
    for (int had = 0; had < 2; had++) {
        const char *yaml = "tests:\n  - {name: p0, run: x}\n  - {name: p1, run: x}\n";
        char err[512] = "";
        fo_suite *suite = fo_suite_load_buffer ("/tmp/after.yml", yaml, strlen (yaml), err,
                                                sizeof err);
        assert_non_null (suite);
        if (had)
            after (suite->root->tests[1], "p0");
        fo_context *g = fo_context_new (suite->root, "g");
        fo_strv_push (&g->discover.argv, "list");
        g->discover_on_agent = true;
        fo_strv_push (&g->run_template_argv, "run");
        fo_strv_push (&g->run_template_argv, "{name}");
        fo_plan *plan = fo_plan_build (suite);
        assert_int_equal (plan->ntasks, 3);     /* the discovery, p0, p1 */
        assert_int_equal (plan->ndiscoveries, 1);
        fo_tasks *tasks = fo_tasks_new (plan);
        fo_after *a = fo_after_new (plan, tasks);
        assert_int_equal (a != NULL, had);
        size_t old_ntests = plan->ntests, old_ntasks = plan->ntasks;
        fo_after_grow (&a, plan, tasks, old_ntests, old_ntasks);   /* nothing new */
        assert_int_equal (a != NULL, had);

        fo_test *s = fo_context_add_discovered (g, "s");
        fo_test *u = fo_context_add_discovered (g, "u");
        fo_test *v = fo_context_add_discovered (g, "v");
        fo_test *w = fo_context_add_discovered (g, "w");
        assert_true (s && u && v && w);
        after (u, "g/s");
        v->verdict = fo_xcalloc (1, sizeof *v->verdict);    /* freed with the suite */
        fo_strv_push (&v->verdict->needs, "g/s");
        after (w, "p0");
        assert_int_equal (fo_plan_add_discovered (plan, 0, 0), 4);
        fo_tasks_grow (tasks, old_ntests);
        fo_after_grow (&a, plan, tasks, old_ntests, old_ntasks);
        assert_non_null (a);
        assert_int_equal (plan->ntasks, 7);
        bool waits[7] = { false, false, had, false, true, true, false };
        for (size_t i = 0; i < 7; i++)
            assert_int_equal (fo_after_waits (a, i), waits[i]);
        size_t *ready;
        assert_int_equal (fo_after_task_ended (a, 1, &ready), had);   /* p0: p1, if it waits */
        free (ready);
        assert_int_equal (fo_after_task_ended (a, 3, &ready), 2);     /* g/s: g/u and g/v */
        assert_int_equal (ready[0], 4);
        assert_int_equal (ready[1], 5);
        free (ready);
        fo_after_destroy (&a);
        fo_tasks_destroy (&tasks);
        fo_plan_destroy (&plan);
        fo_suite_destroy (&suite);
    }
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_order),
        cmocka_unit_test (test_none),
        cmocka_unit_test (test_grow),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
