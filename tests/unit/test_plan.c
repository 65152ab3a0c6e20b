/*  Tests for fo_plan: nose's multiprocess rules, one behaviour per test.

    Trees are built in C. Most checks compare a task's shape, rendered as a
    short string: "+id" is a setup, "-id" a teardown, a bare id a test step;
    " {0,1}" lists the task's shared fixtures and " !" marks it serial. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fo_plan.h"

/* ---- building trees ---------------------------------------------------- */

static fo_suite *
suite_new (void)
{
    fo_suite *suite = fo_xcalloc (1, sizeof *suite);
    suite->path = fo_xstrdup ("/suite/fanout.yaml");
    suite->dir = fo_xstrdup ("/suite");
    suite->root = fo_context_new (NULL, "");
    suite->skip_code = FO_DEFAULT_SKIP_CODE;
    return suite;
}

static void
command_set (fo_command *cmd, const char *what, const char *id)
{
    fo_strv_push (&cmd->argv, what);
    fo_strv_push (&cmd->argv, id);
}

/* fixtures: "" none, "s" setup only, "t" teardown only, "st" both */
static fo_context *
ctx_add (fo_context *parent, const char *name, unsigned mode, const char *fixtures)
{
    fo_context *ctx = fo_context_new (parent, name);
    ctx->mode = mode;
    if (strchr (fixtures, 's'))
        command_set (&ctx->setup, "setup", ctx->id);
    if (strchr (fixtures, 't'))
        command_set (&ctx->teardown, "teardown", ctx->id);
    return ctx;
}

static fo_test *
test_add (fo_context *parent, const char *name)
{
    fo_test *test = fo_test_new (parent, name);
    command_set (&test->run, "run", test->id);
    return test;
}

/* ---- rendering plans --------------------------------------------------- */

static char *
task_render (const fo_plan *plan, size_t t)
{
    const fo_task *task = &plan->tasks[t];
    fo_buf buf = { 0 };
    for (size_t i = 0; i < task->nsteps; i++) {
        const fo_step *step = &fo_plan_steps (plan, t)[i];
        if (i > 0)
            fo_buf_puts (&buf, " ");
        fo_buf_printf (&buf, "%s%s", step->kind == FO_STEP_SETUP ? "+"
                                     : step->kind == FO_STEP_TEARDOWN ? "-"
                                     : step->kind == FO_STEP_DISCOVER ? "?" : "",
                       step->name);
    }
    if (task->nshared > 0) {
        fo_buf_puts (&buf, " {");
        for (size_t i = 0; i < task->nshared; i++)
            fo_buf_printf (&buf, "%s%zu", i ? "," : "", task->shared[i]);
        fo_buf_puts (&buf, "}");
    }
    if (task->serial)
        fo_buf_puts (&buf, " !");
    if (task->waits)
        fo_buf_printf (&buf, " (waits %zu)", (size_t) task->waits);
    return fo_buf_steal (&buf);
}

/* Compares the plan's tasks with a NULL-terminated list of renderings. */
static void
expect_tasks (const fo_plan *plan, const char *const *expected)
{
    size_t n = 0;
    while (expected[n])
        n++;
    for (size_t i = 0; i < plan->ntasks && i < n; i++) {
        char *got = task_render (plan, i);
        assert_string_equal (got, expected[i]);
        free (got);
    }
    assert_int_equal (plan->ntasks, n);
}

#define EXPECT_TASKS(plan, ...) expect_tasks ((plan), (const char *const[]) { __VA_ARGS__, NULL })

static void
env_equal (const fo_env *a, const fo_env *b)
{
    assert_int_equal (a->len, b->len);
    for (size_t i = 0; i < a->len; i++) {
        assert_string_equal (a->items[i].name, b->items[i].name);
        assert_string_equal (a->items[i].value, b->items[i].value);
    }
}

/* A step carries its test's or context's effective env, cwd and timeout. */
static void
check_effective (const fo_suite *suite, const fo_step *step, const fo_test *test,
                 const fo_context *ctx)
{
    fo_env env = { 0 };
    if (test) {
        fo_test_effective_env (test, &env);
        assert_string_equal (step->cwd, fo_test_effective_cwd (suite, test));
        assert_int_equal (step->timeout_ms, fo_test_effective_timeout (test));
    } else {
        fo_context_effective_env (ctx, &env);
        assert_string_equal (step->cwd, fo_context_effective_cwd (suite, ctx));
        assert_int_equal (step->timeout_ms, fo_context_effective_timeout (ctx));
    }
    env_equal (&step->env, &env);
    fo_env_free (&env);
}

static const fo_context *
context_by_id (const fo_context *ctx, const char *id)
{
    if (strcmp (ctx->id, id) == 0)
        return ctx;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        const fo_context *found = context_by_id (ctx->contexts[i], id);
        if (found)
            return found;
    }
    return NULL;
}

/* Every step is well-formed, carries the effective values, and task->tests
   matches the test steps. */
static void
check_invariants (const fo_suite *suite, const fo_plan *plan)
{
    size_t *seen = fo_xcalloc (plan->ntests + 1, sizeof *seen);
    for (size_t t = 0; t < plan->ntasks; t++) {
        const fo_task *task = &plan->tasks[t];
        size_t k = 0;
        for (size_t i = 0; i < task->nsteps; i++) {
            const fo_step *step = &fo_plan_steps (plan, t)[i];
            assert_true (step->argv.len > 0);
            assert_non_null (step->cwd);
            if (step->kind != FO_STEP_TEST) {
                assert_int_equal (step->tests.len, 0);
                const fo_context *ctx = context_by_id (suite->root, step->name);
                assert_non_null (ctx);
                /* a CTest listing is sent whole, not read as names */
                assert_int_equal (step->reader, step->kind == FO_STEP_DISCOVER
                                                && ctx->discovered_reader == FO_READER_CTEST
                                                ? FO_READER_CTEST : FO_READER_EXIT_STATUS);
                const fo_command *cmd = step->kind == FO_STEP_SETUP ? &ctx->setup
                                        : step->kind == FO_STEP_DISCOVER ? &ctx->discover
                                        : &ctx->teardown;
                if (step->kind == FO_STEP_DISCOVER) {
                    /* alone in its task, which knows its discovery */
                    assert_int_equal (task->nsteps, 1);
                    assert_true (task->discovery < plan->ndiscoveries);
                    assert_ptr_equal (plan->discoveries[task->discovery].ctx, ctx);
                    assert_int_equal (plan->discoveries[task->discovery].task, t);
                }
                assert_int_equal (step->argv.len, cmd->argv.len);
                assert_string_equal (step->argv.items[1], cmd->argv.items[1]);
                check_effective (suite, step, NULL, ctx);
                continue;
            }
            assert_int_equal (step->reader, FO_READER_EXIT_STATUS);
            assert_true (k < task->ntests);
            size_t index = fo_task_tests (task)[k++];
            assert_true (index < plan->ntests);
            seen[index]++;
            assert_int_equal (step->tests.len, 1);
            assert_string_equal (step->tests.items[0], plan->tests[index]->id);
            assert_string_equal (step->name, plan->tests[index]->id);
            assert_string_equal (step->argv.items[1], plan->tests[index]->run.argv.items[1]);
            check_effective (suite, step, plan->tests[index], NULL);
        }
        assert_int_equal (k, task->ntests);
        for (size_t i = 0; i < task->nshared; i++) {
            assert_true (task->shared[i] < plan->nshared);
            if (i > 0)      /* outermost first: each is the next one's parent */
                assert_int_equal (plan->shared[task->shared[i]].parent, task->shared[i - 1]);
        }
    }
    for (size_t i = 0; i < plan->ntests; i++)
        assert_int_equal (seen[i], 1);     /* every test runs exactly once */
    free (seen);
}

static fo_plan *
plan_checked (const fo_suite *suite)
{
    fo_plan *plan = fo_plan_build (suite);
    assert_non_null (plan);
    assert_int_equal (plan->ntests, fo_suite_count_tests (suite));
    check_invariants (suite, plan);
    return plan;
}

/* ---- the rules --------------------------------------------------------- */

static void
test_no_fixtures (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    test_add (suite->root, "t1");
    fo_context *a = ctx_add (suite->root, "a", 0, "");
    test_add (a, "t2");
    test_add (a, "t3");
    /* split/shared without fixtures are just contexts */
    test_add (ctx_add (a, "b", FO_MODE_SPLIT, ""), "t4");
    test_add (ctx_add (a, "c", FO_MODE_SHARED, ""), "t5");
    test_add (suite->root, "t0");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "t1", "t0", "a/t2", "a/t3", "a/b/t4", "a/c/t5");
    assert_int_equal (plan->nshared, 0);
    fo_plan_destroy (&plan);
    assert_null (plan);
    fo_suite_destroy (&suite);
}

static void
test_unmarked_is_one_task (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    test_add (suite->root, "t0");
    fo_context *a = ctx_add (suite->root, "a", 0, "st");
    test_add (a, "t1");
    fo_context *b = ctx_add (a, "b", 0, "s");          /* setup only */
    test_add (b, "t3");
    test_add (ctx_add (b, "deep", 0, "t"), "t4");      /* teardown only */
    test_add (ctx_add (a, "c", 0, ""), "t5");
    test_add (ctx_add (a, "d", FO_MODE_SPLIT, "st"), "t6");
    test_add (ctx_add (a, "e", FO_MODE_SHARED, "st"), "t7");
    ctx_add (a, "empty", 0, "st");                     /* no tests: no steps */
    test_add (a, "t2");                                /* own tests come first */

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "t0",
                  "+a a/t1 a/t2 +a/b a/b/t3 a/b/deep/t4 -a/b/deep a/c/t5 "
                  "+a/d a/d/t6 -a/d +a/e a/e/t7 -a/e -a");
    assert_int_equal (plan->nshared, 0);   /* the shared child runs in the unit */

    /* fixture steps carry the context's command */
    const fo_step *setup = &fo_plan_steps (plan, 1)[0];
    assert_int_equal (setup->kind, FO_STEP_SETUP);
    assert_int_equal (setup->argv.len, 2);
    assert_string_equal (setup->argv.items[0], "setup");
    assert_string_equal (setup->argv.items[1], "a");
    const fo_step *last = &fo_plan_steps (plan, 1)[plan->tasks[1].nsteps - 1];
    assert_int_equal (last->kind, FO_STEP_TEARDOWN);
    assert_string_equal (last->argv.items[0], "teardown");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_unmarked_root_with_fixtures (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    command_set (&suite->root->setup, "setup", "root");
    test_add (suite->root, "t1");
    test_add (ctx_add (suite->root, "a", FO_MODE_SPLIT, "st"), "t2");
    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "+ t1 +a a/t2 -a");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_split (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *s = ctx_add (suite->root, "s", FO_MODE_SPLIT, "st");
    test_add (s, "t1");
    test_add (s, "t2");
    fo_context *s2 = ctx_add (s, "s2", FO_MODE_SPLIT, "st");
    test_add (s2, "t3");
    test_add (ctx_add (s2, "s3", FO_MODE_SPLIT, "s"), "t4");
    fo_context *u = ctx_add (s, "u", 0, "st");
    test_add (u, "t5");
    test_add (u, "t6");
    test_add (ctx_add (s, "n", 0, ""), "t7");
    test_add (ctx_add (suite->root, "x", FO_MODE_SPLIT, "t"), "t8");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan,
                  "+s s/t1 -s",
                  "+s s/t2 -s",
                  "+s +s/s2 s/s2/t3 -s/s2 -s",
                  "+s +s/s2 +s/s2/s3 s/s2/s3/t4 -s/s2 -s",
                  "+s +s/u s/u/t5 s/u/t6 -s/u -s",
                  "+s s/n/t7 -s",
                  "x/t8 -x");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A task's fixture steps with their spans (fo_steps.h): "+id:N" / "-id:N";
   tests render as "." (their names do not matter here). */
static char *
spans_render (const fo_plan *plan, size_t t)
{
    const fo_task *task = &plan->tasks[t];
    fo_buf buf = { 0 };
    for (size_t i = 0; i < task->nsteps; i++) {
        const fo_step *step = &fo_plan_steps (plan, t)[i];
        if (i > 0)
            fo_buf_puts (&buf, " ");
        if (step->kind == FO_STEP_TEST) {
            assert_int_equal (step->span, 0);
            fo_buf_puts (&buf, ".");
        }
        else
            fo_buf_printf (&buf, "%s%s:%u", step->kind == FO_STEP_SETUP ? "+" : "-", step->name,
                           step->span);
    }
    char *s = fo_xstrdup (buf.data ? buf.data : "");
    fo_buf_free (&buf);
    return s;
}

static void
expect_spans (const fo_plan *plan, size_t task, const char *want)
{
    char *got = spans_render (plan, task);
    assert_string_equal (got, want);
    free (got);
}

/* Scopes come from the tree, never from the names: a context named "a/b"
   beside "a" is not inside it, and a unit, split wrappers, setup-only and
   teardown-only contexts each cover exactly their own steps. */
static void
test_spans (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *u = ctx_add (suite->root, "u", 0, "st");
    test_add (u, "x");
    fo_context *c = ctx_add (u, "c", 0, "s");          /* setup only */
    test_add (c, "y");
    test_add (c, "z");
    test_add (ctx_add (u, "d", 0, "t"), "w");          /* teardown only */
    fo_context *s = ctx_add (suite->root, "a", FO_MODE_SPLIT, "st");
    test_add (ctx_add (s, "s2", FO_MODE_SPLIT, "s"), "t");
    fo_context *slash = ctx_add (suite->root, "a/b", 0, "st");   /* not under "a" */
    test_add (slash, "t");
    test_add (slash, "u/x");

    fo_plan *plan = plan_checked (suite);
    assert_int_equal (plan->ntasks, 3);
    /* +u covers everything after it, -u everything before it; +c its two
       tests; -d its one test. */
    expect_spans (plan, 0, "+u:7 . +u/c:2 . . . -u/d:1 -u:7");
    expect_spans (plan, 1, "+a:3 +a/s2:1 . -a:3");
    expect_spans (plan, 2, "+a/b:3 . . -a/b:3");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_shared (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *sh = ctx_add (suite->root, "sh", FO_MODE_SHARED, "st");
    test_add (sh, "t1");
    fo_context *sh2 = ctx_add (sh, "sh2", FO_MODE_SHARED, "s");
    test_add (sh2, "t2");
    test_add (sh2, "t3");
    test_add (ctx_add (sh, "n", FO_MODE_SHARED, ""), "t4");   /* no fixtures: no entry */
    fo_context *u = ctx_add (sh, "u", 0, "st");
    test_add (u, "t5");
    test_add (u, "t6");
    ctx_add (sh, "void", FO_MODE_SHARED, "st");              /* no tests: no entry */
    test_add (suite->root, "t0");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan,
                  "t0",
                  "sh/t1 {0}",
                  "sh/sh2/t2 {0,1}",
                  "sh/sh2/t3 {0,1}",
                  "sh/n/t4 {0}",
                  "+sh/u sh/u/t5 sh/u/t6 -sh/u {0}");
    assert_int_equal (plan->nshared, 2);
    const fo_shared_fixture *f0 = &plan->shared[0], *f1 = &plan->shared[1];
    assert_ptr_equal (f0->ctx, sh);
    assert_int_equal (f0->parent, FO_NO_SHARED);
    assert_int_equal (f0->ntasks, 5);
    assert_int_equal (f0->setup.kind, FO_STEP_SETUP);
    assert_string_equal (f0->setup.name, "sh");
    assert_string_equal (f0->setup.argv.items[0], "setup");
    assert_int_equal (f0->teardown.kind, FO_STEP_TEARDOWN);
    assert_string_equal (f0->teardown.argv.items[0], "teardown");
    assert_string_equal (f0->setup.cwd, "/suite");
    assert_int_equal (f0->setup.timeout_ms, FO_DEFAULT_TIMEOUT_MS);
    assert_int_equal (f0->setup.tests.len, 0);
    assert_ptr_equal (f1->ctx, sh2);
    assert_int_equal (f1->parent, 0);
    assert_int_equal (f1->ntasks, 2);
    assert_string_equal (f1->setup.name, "sh/sh2");
    assert_int_equal (f1->teardown.argv.len, 0);             /* none */
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_shared_and_split_nesting (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    /* split wraps the tasks of a nested shared context ... */
    fo_context *p = ctx_add (suite->root, "p", FO_MODE_SPLIT, "st");
    fo_context *sh = ctx_add (p, "sh", FO_MODE_SHARED, "st");
    test_add (sh, "t1");
    test_add (ctx_add (sh, "sp", FO_MODE_SPLIT, "st"), "t2");
    /* ... and a split context inside a shared one is wrapped per task */
    fo_context *q = ctx_add (suite->root, "q", FO_MODE_SHARED, "s");
    test_add (ctx_add (q, "sp", FO_MODE_SPLIT, "st"), "t3");
    fo_context *q2 = ctx_add (q, "q2", FO_MODE_SHARED, "t");
    test_add (ctx_add (q2, "n", 0, ""), "t4");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan,
                  "+p p/sh/t1 -p {0}",
                  "+p +p/sh/sp p/sh/sp/t2 -p/sh/sp -p {0}",
                  "+q/sp q/sp/t3 -q/sp {1}",
                  "q/q2/n/t4 {1,2}");
    assert_int_equal (plan->nshared, 3);
    assert_int_equal (plan->shared[0].ntasks, 2);
    assert_int_equal (plan->shared[1].ntasks, 2);
    assert_int_equal (plan->shared[1].parent, FO_NO_SHARED);
    assert_int_equal (plan->shared[2].ntasks, 1);
    assert_int_equal (plan->shared[2].parent, 1);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_unmarked_parent_shared_child (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *u = ctx_add (suite->root, "u", 0, "st");
    fo_context *sh = ctx_add (u, "sh", FO_MODE_SHARED, "st");
    test_add (sh, "t1");
    test_add (sh, "t2");
    fo_context *sp = ctx_add (sh, "sp", FO_MODE_SPLIT | FO_MODE_SERIAL, "st");
    test_add (sp, "t3");
    test_add (sp, "t4");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "+u +u/sh u/sh/t1 u/sh/t2 +u/sh/sp u/sh/sp/t3 u/sh/sp/t4 -u/sh/sp -u/sh -u !");
    assert_int_equal (plan->nshared, 0);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_serial (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *a = ctx_add (suite->root, "a", FO_MODE_SERIAL, "");
    test_add (a, "t1");
    test_add (ctx_add (a, "in", 0, ""), "t2");        /* inherits serial */
    test_add (ctx_add (suite->root, "b", 0, ""), "t3");
    fo_context *c = ctx_add (suite->root, "c", FO_MODE_SERIAL | FO_MODE_SPLIT, "st");
    test_add (c, "t4");
    test_add (c, "t5");
    test_add (ctx_add (suite->root, "d", FO_MODE_SERIAL | FO_MODE_SHARED, "st"), "t6");
    fo_context *e = ctx_add (suite->root, "e", FO_MODE_SERIAL, "st");   /* serial alone: unmarked */
    test_add (e, "t7");
    test_add (e, "t8");
    test_add (suite->root, "t0");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan,
                  "t0",
                  "b/t3",
                  "a/t1 !",
                  "a/in/t2 !",
                  "+c c/t4 -c !",
                  "+c c/t5 -c !",
                  "d/t6 {0} !",
                  "+e e/t7 e/t8 -e !");
    assert_int_equal (plan->shared[0].ntasks, 1);
    /* plan->tests stays in file order whatever the task order */
    assert_string_equal (plan->tests[0]->id, "t0");
    assert_string_equal (plan->tests[1]->id, "a/t1");
    assert_int_equal (fo_task_tests (&plan->tasks[2])[0], 1);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_unit_with_serial_descendant (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *u = ctx_add (suite->root, "u", 0, "st");
    test_add (u, "t1");
    test_add (ctx_add (ctx_add (u, "n", 0, ""), "s", FO_MODE_SERIAL, ""), "t2");
    fo_context *v = ctx_add (suite->root, "v", 0, "st");
    test_add (v, "t3");
    ctx_add (v, "s", FO_MODE_SERIAL, "st");           /* serial but empty: no effect */
    test_add (ctx_add (suite->root, "w", 0, ""), "t4");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "+v v/t3 -v", "w/t4", "+u u/t1 u/n/s/t2 -u !");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
test_env_cwd_timeout (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_env_set (&suite->root->env, "A", "root");
    fo_env_set (&suite->root->env, "B", "root");
    fo_context *x = ctx_add (suite->root, "x", FO_MODE_SPLIT, "st");
    fo_env_set (&x->env, "B", "x");
    x->cwd = fo_xstrdup ("/x");
    x->timeout_ms = 5000;
    fo_test *t1 = test_add (x, "t1");
    fo_env_set (fo_test_env_own (t1), "C", "t1");
    fo_env_set (fo_test_env_own (t1), "A", "t1");
    fo_test *t2 = test_add (x, "t2");
    t2->cwd = fo_xstrdup ("/t2");
    t2->timeout_ms = 7;
    fo_test *t3 = test_add (suite->root, "t3");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "t3", "+x x/t1 -x", "+x x/t2 -x");
    const fo_test *tests[] = { t3, t1, t2 };
    for (size_t i = 0; i < 3; i++) {
        const fo_step *step = &fo_plan_steps (plan, i)[i == 0 ? 0 : 1];
        fo_env env = { 0 };
        fo_test_effective_env (tests[i], &env);
        assert_int_equal (step->env.len, env.len);
        for (size_t k = 0; k < env.len; k++) {
            assert_string_equal (step->env.items[k].name, env.items[k].name);
            assert_string_equal (step->env.items[k].value, env.items[k].value);
        }
        fo_env_free (&env);
        assert_string_equal (step->cwd, fo_test_effective_cwd (suite, tests[i]));
        assert_int_equal (step->timeout_ms, fo_test_effective_timeout (tests[i]));
        assert_string_equal (step->argv.items[0], "run");
        assert_string_equal (step->argv.items[1], tests[i]->id);
    }
    const fo_step *s1 = &fo_plan_steps (plan, 1)[1];
    assert_string_equal (fo_env_get (&s1->env, "A"), "t1");
    assert_string_equal (fo_env_get (&s1->env, "B"), "x");
    assert_string_equal (fo_env_get (&s1->env, "C"), "t1");
    assert_string_equal (s1->cwd, "/x");
    assert_int_equal (s1->timeout_ms, 5000);
    const fo_step *s2 = &fo_plan_steps (plan, 2)[1];
    assert_string_equal (s2->cwd, "/t2");
    assert_int_equal (s2->timeout_ms, 7);
    assert_null (fo_env_get (&s2->env, "C"));
    const fo_step *s3 = &fo_plan_steps (plan, 0)[0];
    assert_string_equal (s3->cwd, "/suite");
    assert_int_equal (s3->timeout_ms, FO_DEFAULT_TIMEOUT_MS);
    assert_string_equal (fo_env_get (&s3->env, "B"), "root");

    /* fixtures: the context's values, not the test's */
    const fo_step *setup = &fo_plan_steps (plan, 2)[0], *teardown = &fo_plan_steps (plan, 2)[2];
    for (const fo_step *f = setup; f; f = f == setup ? teardown : NULL) {
        assert_string_equal (f->name, "x");
        assert_string_equal (f->cwd, "/x");
        assert_int_equal (f->timeout_ms, 5000);
        assert_string_equal (fo_env_get (&f->env, "A"), "root");
        assert_string_equal (fo_env_get (&f->env, "B"), "x");
        assert_null (fo_env_get (&f->env, "C"));
    }
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A tree exercising every rule at once. */
static fo_suite *
suite_mixed (void)
{
    fo_suite *suite = suite_new ();
    fo_env_set (&suite->root->env, "R", "1");
    test_add (suite->root, "t0");
    fo_context *s = ctx_add (suite->root, "s", FO_MODE_SPLIT, "st");
    s->timeout_ms = 100;
    test_add (s, "t1");
    fo_context *sh = ctx_add (s, "sh", FO_MODE_SHARED, "st");
    fo_env_set (&sh->env, "S", "2");
    test_add (sh, "t2");
    fo_context *u = ctx_add (sh, "u", FO_MODE_SERIAL, "s");
    u->cwd = fo_xstrdup ("/u");
    fo_env_set (&u->env, "R", "u");
    u->timeout_ms = 300;
    test_add (u, "t3");
    fo_context *in = ctx_add (u, "in", FO_MODE_SPLIT, "t");
    fo_env_set (&in->env, "S", "in");
    fo_env_set (&in->env, "I", "in");
    fo_test *t4 = test_add (in, "t4");
    fo_env_set (fo_test_env_own (t4), "R", "t4");
    t4->cwd = fo_xstrdup ("/t4");
    test_add (ctx_add (suite->root, "z", FO_MODE_SERIAL, ""), "t5");
    test_add (ctx_add (suite->root, "n", 0, ""), "t6");
    return suite;
}

static void
test_plan_tests_order (void **state)
{
    (void) state;
    fo_suite *suite = suite_mixed ();
    fo_plan *plan = plan_checked (suite);
    const char *order[] = { "t0", "s/t1", "s/sh/t2", "s/sh/u/t3", "s/sh/u/in/t4", "z/t5", "n/t6" };
    assert_int_equal (plan->ntests, 7);
    for (size_t i = 0; i < 7; i++)
        assert_string_equal (plan->tests[i]->id, order[i]);
    EXPECT_TASKS (plan,
                  "t0",
                  "+s s/t1 -s",
                  "+s s/sh/t2 -s {0}",
                  "n/t6",
                  "+s +s/sh/u s/sh/u/t3 s/sh/u/in/t4 -s/sh/u/in -s {0} !",
                  "z/t5 !");
    size_t expect[][2] = { { 0, 1 }, { 1, 1 }, { 2, 1 }, { 6, 1 }, { 3, 2 }, { 5, 1 } };
    for (size_t i = 0; i < plan->ntasks; i++) {
        assert_int_equal (fo_task_tests (&plan->tasks[i])[0], expect[i][0]);
        assert_int_equal (plan->tasks[i].ntests, expect[i][1]);
    }
    assert_int_equal (fo_task_tests (&plan->tasks[4])[1], 4);
    assert_int_equal (plan->shared[0].ntasks, 2);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

static void
steps_equal (const fo_step *a, const fo_step *b)
{
    assert_int_equal (a->kind, b->kind);
    assert_string_equal (a->name, b->name);
    assert_int_equal (a->argv.len, b->argv.len);
    for (size_t i = 0; i < a->argv.len; i++)
        assert_string_equal (a->argv.items[i], b->argv.items[i]);
    assert_string_equal (a->cwd, b->cwd);
    assert_int_equal (a->env.len, b->env.len);
    for (size_t i = 0; i < a->env.len; i++) {
        assert_string_equal (a->env.items[i].name, b->env.items[i].name);
        assert_string_equal (a->env.items[i].value, b->env.items[i].value);
    }
    assert_int_equal (a->timeout_ms, b->timeout_ms);
    assert_int_equal (a->reader, b->reader);
    assert_int_equal (a->span, b->span);
    assert_int_equal (a->tests.len, b->tests.len);
    for (size_t i = 0; i < a->tests.len; i++)
        assert_string_equal (a->tests.items[i], b->tests.items[i]);
}

static void
test_deterministic (void **state)
{
    (void) state;
    fo_suite *suite = suite_mixed ();
    fo_plan *a = plan_checked (suite);
    fo_plan *b = plan_checked (suite);
    assert_int_equal (a->ntests, b->ntests);
    for (size_t i = 0; i < a->ntests; i++)
        assert_ptr_equal (a->tests[i], b->tests[i]);
    assert_int_equal (a->ntasks, b->ntasks);
    for (size_t i = 0; i < a->ntasks; i++) {
        const fo_task *x = &a->tasks[i], *y = &b->tasks[i];
        assert_int_equal (x->nsteps, y->nsteps);
        for (size_t k = 0; k < x->nsteps; k++)
            steps_equal (&fo_plan_steps (a, i)[k], &fo_plan_steps (b, i)[k]);
        assert_int_equal (x->ntests, y->ntests);
        assert_memory_equal (fo_task_tests (x), fo_task_tests (y), x->ntests * sizeof (size_t));
        assert_int_equal (x->nshared, y->nshared);
        if (x->nshared)
            assert_memory_equal (x->shared, y->shared, x->nshared * sizeof *x->shared);
        assert_int_equal (x->serial, y->serial);
    }
    assert_int_equal (a->nshared, b->nshared);
    for (size_t i = 0; i < a->nshared; i++) {
        assert_ptr_equal (a->shared[i].ctx, b->shared[i].ctx);
        steps_equal (&a->shared[i].setup, &b->shared[i].setup);
        steps_equal (&a->shared[i].teardown, &b->shared[i].teardown);
        assert_int_equal (a->shared[i].parent, b->shared[i].parent);
        assert_int_equal (a->shared[i].ntasks, b->shared[i].ntasks);
    }
    fo_plan_destroy (&a);
    fo_plan_destroy (&b);
    fo_suite_destroy (&suite);
}

/* The broker's plan keeps no wire steps (fo_plan_build_lean): each lease
   builds them, and they must be exactly the steps the full plan keeps. A
   task of one test alone keeps no refs either. */
static void
test_lean_same_steps (void **state)
{
    (void) state;
    fo_suite *suite = suite_mixed ();
    fo_context *unit = ctx_add (suite->root, "unit", 0, "st");
    test_add (unit, "x");
    test_add (ctx_add (unit, "in", FO_MODE_SPLIT, "st"), "y");
    fo_plan *full = plan_checked (suite);
    fo_plan *lean = fo_plan_build_lean (suite);
    assert_true (lean->lean);
    assert_int_equal (full->ntasks, lean->ntasks);
    size_t plain = 0;
    for (size_t i = 0; i < lean->ntasks; i++) {
        const fo_task *x = &full->tasks[i], *y = &lean->tasks[i];
        assert_null (fo_plan_steps (lean, i));
        const fo_step *kept = fo_plan_steps (full, i);
        assert_int_equal (x->nsteps, y->nsteps);
        size_t n = 0;
        fo_step *built = fo_plan_task_steps (lean, i, &n);
        assert_int_equal (n, x->nsteps);
        for (size_t k = 0; k < n; k++)
            steps_equal (&kept[k], &built[k]);
        fo_plan_steps_free (built, n);
        /* the broker's: borrowing the suite's strings, the same steps */
        fo_step *borrowed = fo_plan_task_steps_borrowed (lean, i, &n);
        assert_int_equal (n, x->nsteps);
        for (size_t k = 0; k < n; k++)
            steps_equal (&kept[k], &borrowed[k]);
        fo_plan_steps_release (borrowed, n);
        assert_int_equal (x->ntests, y->ntests);
        assert_memory_equal (fo_task_tests (x), fo_task_tests (y), x->ntests * sizeof (size_t));
        if (!y->refs) {
            plain++;
            assert_int_equal (y->nsteps, 1);
            assert_int_equal (y->ntests, 1);
            assert_int_equal (kept[0].kind, FO_STEP_TEST);
            assert_int_equal (kept[0].span, 0);
        }
    }
    assert_true (plain >= 2);       /* t0 and n/t6 run alone */
    fo_plan_destroy (&lean);
    fo_plan_destroy (&full);
    fo_suite_destroy (&suite);
}

static void
test_empty (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_plan *plan = plan_checked (suite);
    assert_int_equal (plan->ntasks, 0);
    assert_int_equal (plan->ntests, 0);
    fo_plan_destroy (&plan);

    /* contexts of every kind, none with a test */
    ctx_add (suite->root, "a", 0, "st");
    ctx_add (ctx_add (suite->root, "b", FO_MODE_SHARED, "st"), "c", FO_MODE_SPLIT, "st");
    ctx_add (suite->root, "d", FO_MODE_SERIAL, "");
    plan = plan_checked (suite);
    assert_int_equal (plan->ntasks, 0);
    assert_int_equal (plan->nshared, 0);
    fo_plan_destroy (&plan);
    fo_plan_destroy (&plan);   /* NULL is fine */
    fo_suite_destroy (&suite);

    fo_suite bare = { 0 };
    plan = fo_plan_build (&bare);
    assert_int_equal (plan->ntasks, 0);
    fo_plan_destroy (&plan);
}

static void
test_large_flat_suite (void **state)
{
    (void) state;
    enum { N = 100000 };
    fo_suite *suite = suite_new ();
    fo_context *root = suite->root;
    /* Built by hand: fo_test_new grows the array one slot at a time, which
       is quadratic under ASan's realloc (it always copies). */
    root->tests = fo_xcalloc (N, sizeof *root->tests);
    for (size_t i = 0; i < N; i++) {
        fo_test *test = fo_xcalloc (1, sizeof *test);
        test->id = fo_xasprintf ("t%zu", i);
        test->name = test->id;      /* the id's end (fo_suite.h) */
        test->parent = root;
        fo_strv_push (&test->run.argv, "true");
        root->tests[root->ntests++] = test;
    }
    fo_plan *plan = fo_plan_build (suite);
    assert_int_equal (plan->ntests, N);
    assert_int_equal (plan->ntasks, N);
    assert_string_equal (fo_plan_steps (plan, N - 1)[0].name, "t99999");
    assert_int_equal (fo_task_tests (&plan->tasks[N - 1])[0], N - 1);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* ---- generated tests (discover_on: agent) ------------------------------ */

/* A context whose discover command runs on an agent; its template is
   "run <id>/{name}", so a generated test's argv[1] is its id, as the
   invariants above expect. */
static fo_context *
ctx_discovering (fo_context *parent, const char *name, unsigned mode, const char *fixtures)
{
    fo_context *ctx = ctx_add (parent, name, mode, fixtures);
    command_set (&ctx->discover, "list", ctx->id);
    ctx->discover_on_agent = true;
    fo_strv_push (&ctx->run_template_argv, "run");
    fo_strv_push_owned (&ctx->run_template_argv,
                        ctx->id[0] ? fo_xasprintf ("%s/{name}", ctx->id) : fo_xstrdup ("{name}"));
    return ctx;
}

static size_t
discovery_of (const fo_plan *plan, const fo_context *ctx)
{
    for (size_t d = 0; d < plan->ndiscoveries; d++)
        if (plan->discoveries[d].ctx == ctx)
            return d;
    fail_msg ("no discovery for '%s'", ctx->id);
    return 0;
}

/* What the broker does with an agent's answer: the names join the
   context, the plan grows, the discovery ends. Returns the tasks added;
   *unit is the unit task that stopped waiting, or FO_NO_TASK. */
static size_t
answer (fo_plan *plan, fo_suite *suite, fo_context *ctx, const char *const *names, size_t *unit)
{
    size_t d = discovery_of (plan, ctx), first = ctx->ntests;
    for (size_t i = 0; names[i]; i++)
        fo_context_add_discovered (ctx, names[i]);
    size_t added = fo_plan_add_discovered (plan, d, first);
    ctx->discover_answered = true;
    *unit = fo_plan_discovery_done (plan, d);
    assert_int_equal (plan->ntests, fo_suite_count_tests (suite));
    check_invariants (suite, plan);
    return added;
}

#define NAMES(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NO_NAMES ((const char *const[]) { NULL })

static void
test_discovery_plan (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *plain = ctx_discovering (suite->root, "plain", 0, "");
    test_add (plain, "t1");
    fo_context *sh = ctx_discovering (suite->root, "sh", FO_MODE_SHARED, "st");   /* no tests yet */
    fo_context *u = ctx_add (suite->root, "u", 0, "st");
    test_add (u, "f");
    fo_context *gen = ctx_discovering (u, "gen", 0, "");
    fo_context *sp = ctx_discovering (suite->root, "sp", FO_MODE_SPLIT, "st");
    fo_context *u2 = ctx_add (suite->root, "u2", 0, "st");
    fo_context *gen2 = ctx_discovering (u2, "gen2", 0, "s");
    ctx_add (suite->root, "dead", 0, "st");                 /* no tests, no discovery */

    fo_plan *plan = plan_checked (suite);
    /* discoveries first; a live context gets its fixtures and its unit
       even with no test yet; units wait for the discoveries inside */
    EXPECT_TASKS (plan, "?plain", "?sh {0}", "?u/gen", "?sp", "?u2/gen2",
                  "plain/t1",
                  "+u u/f -u (waits 1)",
                  "+u2 +u2/gen2 -u2 (waits 1)");
    assert_int_equal (plan->ndiscoveries, 5);
    assert_int_equal (plan->discoveries[discovery_of (plan, plain)].unit, FO_NO_TASK);
    assert_int_equal (plan->discoveries[discovery_of (plan, gen)].unit, 6);
    assert_int_equal (plan->discoveries[discovery_of (plan, gen2)].unit, 7);
    assert_ptr_equal (plan->tasks[6].unit, u);
    assert_int_equal (plan->nshared, 1);
    assert_int_equal (plan->shared[0].ntasks, 1);           /* its discovery holds it */
    const fo_step *list = &fo_plan_steps (plan, 0)[0];
    assert_int_equal (list->kind, FO_STEP_DISCOVER);
    assert_string_equal (list->argv.items[0], "list");
    assert_int_equal (list->tests.len, 0);
    assert_string_equal (list->cwd, "/suite");

    /* outside a unit: one task per new test, by the context's mode */
    size_t unit;
    assert_int_equal (answer (plan, suite, plain, NAMES ("a", "b"), &unit), 2);
    assert_int_equal (unit, FO_NO_TASK);
    assert_int_equal (answer (plan, suite, sh, NAMES ("x"), &unit), 1);
    assert_int_equal (answer (plan, suite, sp, NAMES ("s1", "s2"), &unit), 2);
    assert_int_equal (plan->shared[0].ntasks, 2);
    /* inside a unit: the unit is rebuilt, its old tests keep their numbers */
    size_t f_index = fo_task_tests (&plan->tasks[6])[0];
    assert_int_equal (answer (plan, suite, gen, NAMES ("g1", "g2"), &unit), 0);
    assert_int_equal (unit, 6);
    assert_int_equal (fo_task_tests (&plan->tasks[6])[0], f_index);
    /* a discovery that found nothing: its setup has nothing to prepare */
    assert_int_equal (answer (plan, suite, gen2, NO_NAMES, &unit), 0);
    assert_int_equal (unit, 7);
    EXPECT_TASKS (plan, "?plain", "?sh {0}", "?u/gen", "?sp", "?u2/gen2",
                  "plain/t1",
                  "+u u/f u/gen/g1 u/gen/g2 -u",
                  "",
                  "plain/a", "plain/b",
                  "sh/x {0}",
                  "+sp sp/s1 -sp", "+sp sp/s2 -sp");
    assert_int_equal (plan->tasks[7].ntests, 0);
    const char *order[] = { "plain/t1", "u/f", "plain/a", "plain/b", "sh/x", "sp/s1", "sp/s2",
                            "u/gen/g1", "u/gen/g2" };
    assert_int_equal (plan->ntests, 9);
    for (size_t i = 0; i < 9; i++)
        assert_string_equal (plan->tests[i]->id, order[i]);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A discovery whose importer adds contexts (a CTest tree's fixture
   groups, each a unit): each new context is one task holding its whole
   subtree, inside the shared fixtures around the discovering context; a
   CTest discovery's step says its output is a listing (reader ctest). */
static void
test_discovery_units (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *sh = ctx_add (suite->root, "sh", FO_MODE_SHARED, "st");
    fo_context *tree = ctx_discovering (sh, "tree", 0, "");
    tree->discovered_reader = FO_READER_CTEST;
    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?sh/tree {0}");
    assert_int_equal (fo_plan_steps (plan, 0)[0].reader, FO_READER_CTEST);

    size_t d = discovery_of (plan, tree), first = tree->ntests, cfirst = tree->ncontexts;
    test_add (tree, "a");
    fo_context *grp = ctx_add (tree, "grp", FO_MODE_UNIT, "");
    test_add (grp, "setup");
    test_add (grp, "user");
    fo_context *ser = ctx_add (tree, "ser", FO_MODE_UNIT | FO_MODE_SERIAL, "");
    test_add (ser, "only");
    assert_int_equal (fo_plan_add_discovered (plan, d, first), 1);
    assert_int_equal (fo_plan_add_discovered_units (plan, d, cfirst), 2);
    tree->discover_answered = true;
    assert_int_equal (fo_plan_discovery_done (plan, d), FO_NO_TASK);
    assert_int_equal (plan->ntests, fo_suite_count_tests (suite));
    check_invariants (suite, plan);
    EXPECT_TASKS (plan, "?sh/tree {0}", "sh/tree/a {0}", "sh/tree/grp/setup sh/tree/grp/user {0}",
                  "sh/tree/ser/only {0} !");
    assert_ptr_equal (plan->tasks[2].unit, grp);
    assert_int_equal (plan->shared[0].ntasks, 4);
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A discovery whose importer adds groups in CTest's shared and split
   modes (docs/sources.md, "Listing on an agent"): planned as the full
   walk plans them, each test its own task; a split group's tests inside
   its setup and teardown steps (serial when the group is), a shared
   group's (no setup of its own) bare; a unit beside them stays one task.
   The same suite planned whole gives the same tasks. */
static void
test_discovery_spread (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *tree = ctx_discovering (suite->root, "tree", 0, "");
    tree->discovered_reader = FO_READER_CTEST;
    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?tree");

    size_t d = discovery_of (plan, tree), first = tree->ntests, cfirst = tree->ncontexts;
    test_add (tree, "sp_setup");
    fo_context *sh = ctx_add (tree, "sh", FO_MODE_SHARED, "");
    test_add (sh, "sh_setup");
    test_add (sh, "sh_a");
    fo_context *sp = ctx_add (tree, "sp", FO_MODE_SPLIT | FO_MODE_SERIAL, "st");
    test_add (sp, "sp_a");
    test_add (sp, "sp_b");
    fo_context *unit = ctx_add (tree, "u", FO_MODE_UNIT, "");
    test_add (unit, "u_a");
    test_add (unit, "u_b");
    assert_int_equal (fo_plan_add_discovered (plan, d, first), 1);
    assert_int_equal (fo_plan_add_discovered_units (plan, d, cfirst), 5);
    tree->discover_answered = true;
    assert_int_equal (fo_plan_discovery_done (plan, d), FO_NO_TASK);
    assert_int_equal (plan->ntests, fo_suite_count_tests (suite));
    check_invariants (suite, plan);
    EXPECT_TASKS (plan, "?tree", "tree/sp_setup", "tree/sh/sh_setup", "tree/sh/sh_a",
                  "+tree/sp tree/sp/sp_a -tree/sp !", "+tree/sp tree/sp/sp_b -tree/sp !",
                  "tree/u/u_a tree/u/u_b");
    assert_ptr_equal (plan->tasks[6].unit, unit);
    assert_null (plan->tasks[2].unit);
    fo_plan_destroy (&plan);

    /* planned whole, as when the broker lists the tree: the same tasks
       (in another order, which the scheduler makes its own) */
    fo_strv_free (&tree->discover.argv);
    tree->discover_on_agent = false;
    plan = plan_checked (suite);
    EXPECT_TASKS (plan, "tree/sp_setup", "tree/sh/sh_setup", "tree/sh/sh_a",
                  "tree/u/u_a tree/u/u_b", "+tree/sp tree/sp/sp_a -tree/sp !",
                  "+tree/sp tree/sp/sp_b -tree/sp !");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* Generated tests inherit what the walk carries down: serial, split
   wrappers, nested shared chains and their counts, env and cwd. */
static void
test_discovery_nesting (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *outer = ctx_add (suite->root, "o", FO_MODE_SPLIT | FO_MODE_SERIAL, "st");
    fo_env_set (&outer->env, "O", "1");
    fo_context *sh = ctx_add (outer, "sh", FO_MODE_SHARED, "s");
    test_add (sh, "t");
    fo_context *inner = ctx_discovering (sh, "in", FO_MODE_SHARED, "t");
    inner->cwd = fo_xstrdup ("/in");
    fo_context *root_gen = ctx_discovering (suite->root, "r", FO_MODE_SERIAL, "");

    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?o/sh/in {0,1}", "?r", "+o o/sh/t -o {0} !");
    assert_int_equal (plan->shared[0].ntasks, 2);
    assert_int_equal (plan->shared[1].ntasks, 1);
    assert_false (plan->tasks[0].serial);                   /* listing runs beside anything */

    size_t unit;
    assert_int_equal (answer (plan, suite, inner, NAMES ("n1", "n2"), &unit), 2);
    assert_int_equal (answer (plan, suite, root_gen, NAMES ("z"), &unit), 1);
    EXPECT_TASKS (plan, "?o/sh/in {0,1}", "?r", "+o o/sh/t -o {0} !",
                  "+o o/sh/in/n1 -o {0,1} !", "+o o/sh/in/n2 -o {0,1} !", "r/z !");
    assert_int_equal (plan->shared[0].ntasks, 4);
    assert_int_equal (plan->shared[1].ntasks, 3);
    const fo_step *step = &fo_plan_steps (plan, 3)[1];
    assert_string_equal (step->cwd, "/in");
    assert_string_equal (fo_env_get (&step->env, "O"), "1");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A unit holding two discoveries waits for both; it is rebuilt with each
   answer. The root context itself may discover. */
static void
test_discovery_unit_waits_for_all (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    fo_context *u = ctx_add (suite->root, "u", FO_MODE_SERIAL, "s");
    fo_context *a = ctx_discovering (u, "a", 0, "");
    fo_context *b = ctx_discovering (u, "b", FO_MODE_SHARED, "st");
    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?u/a", "?u/b", "+u +u/b -u/b ! (waits 2)");
    size_t unit;
    answer (plan, suite, b, NAMES ("y"), &unit);
    assert_int_equal (unit, FO_NO_TASK);
    answer (plan, suite, a, NAMES ("x"), &unit);
    assert_int_equal (unit, 2);
    EXPECT_TASKS (plan, "?u/a", "?u/b", "+u u/a/x +u/b u/b/y -u/b !");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);

    suite = suite_new ();
    fo_context *root = suite->root;
    command_set (&root->discover, "list", "root");
    root->discover_on_agent = true;
    fo_strv_push (&root->run_template_argv, "run");
    fo_strv_push (&root->run_template_argv, "{name}");
    plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?");
    assert_int_equal (answer (plan, suite, root, NAMES ("top"), &unit), 1);
    EXPECT_TASKS (plan, "?", "top");
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

/* A task of one test holds the test's index itself, no list (fo_task:
   8 bytes and an allocation fewer a test); a task of more tests has its
   list. A unit of one test rebuilt with what its discovery found keeps
   its test's number, and the plan keeps the rebuilt task's wire steps; a
   lean plan keeps none. */
static void
test_task_tests_inline (void **state)
{
    (void) state;
    fo_suite *suite = suite_new ();
    test_add (suite->root, "a");
    fo_context *u = ctx_add (suite->root, "u", 0, "s");
    test_add (u, "x");
    fo_context *d = ctx_discovering (u, "d", 0, "");
    fo_context *v = ctx_add (suite->root, "v", 0, "t");
    test_add (v, "y");
    test_add (v, "z");
    fo_plan *plan = plan_checked (suite);
    EXPECT_TASKS (plan, "?u/d", "a", "+u u/x (waits 1)", "v/y v/z -v");
    /* the discovery: no tests */
    assert_int_equal (plan->tasks[0].ntests, 0);
    assert_non_null (fo_task_tests (&plan->tasks[0]));
    /* one test: its index in the task itself */
    for (size_t t = 1; t <= 2; t++) {
        assert_int_equal (plan->tasks[t].ntests, 1);
        assert_ptr_equal (fo_task_tests (&plan->tasks[t]), &plan->tasks[t].tests_in.one);
    }
    assert_string_equal (plan->tests[fo_task_tests (&plan->tasks[1])[0]]->id, "a");
    assert_string_equal (plan->tests[fo_task_tests (&plan->tasks[2])[0]]->id, "u/x");
    size_t x = fo_task_tests (&plan->tasks[2])[0];
    /* two: a list */
    assert_int_equal (plan->tasks[3].ntests, 2);
    assert_ptr_equal (fo_task_tests (&plan->tasks[3]), plan->tasks[3].tests_in.list);
    assert_string_equal (plan->tests[fo_task_tests (&plan->tasks[3])[1]]->id, "v/z");

    size_t unit;
    answer (plan, suite, d, NAMES ("p", "q"), &unit);
    assert_int_equal (unit, 2);
    EXPECT_TASKS (plan, "?u/d", "a", "+u u/x u/d/p u/d/q", "v/y v/z -v");
    assert_int_equal (plan->tasks[2].ntests, 3);
    assert_ptr_equal (fo_task_tests (&plan->tasks[2]), plan->tasks[2].tests_in.list);
    assert_int_equal (fo_task_tests (&plan->tasks[2])[0], x);
    assert_string_equal (plan->tests[fo_task_tests (&plan->tasks[2])[2]]->id, "u/d/q");
    assert_string_equal (fo_plan_steps (plan, 2)[3].name, "u/d/q");
    fo_plan_destroy (&plan);

    plan = fo_plan_build_lean (suite);
    assert_int_equal (plan->ntasks, 3);     /* the discovery has ended */
    for (size_t t = 0; t < plan->ntasks; t++)
        assert_null (fo_plan_steps (plan, t));
    fo_plan_destroy (&plan);
    fo_suite_destroy (&suite);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_no_fixtures),
        cmocka_unit_test (test_unmarked_is_one_task),
        cmocka_unit_test (test_unmarked_root_with_fixtures),
        cmocka_unit_test (test_split),
        cmocka_unit_test (test_spans),
        cmocka_unit_test (test_shared),
        cmocka_unit_test (test_shared_and_split_nesting),
        cmocka_unit_test (test_unmarked_parent_shared_child),
        cmocka_unit_test (test_serial),
        cmocka_unit_test (test_unit_with_serial_descendant),
        cmocka_unit_test (test_env_cwd_timeout),
        cmocka_unit_test (test_plan_tests_order),
        cmocka_unit_test (test_deterministic),
        cmocka_unit_test (test_lean_same_steps),
        cmocka_unit_test (test_empty),
        cmocka_unit_test (test_large_flat_suite),
        cmocka_unit_test (test_discovery_plan),
        cmocka_unit_test (test_discovery_nesting),
        cmocka_unit_test (test_discovery_units),
        cmocka_unit_test (test_discovery_spread),
        cmocka_unit_test (test_discovery_unit_waits_for_all),
        cmocka_unit_test (test_task_tests_inline),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
