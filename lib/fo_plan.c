/*  fo_plan — cuts a suite tree into tasks (rules in fo_plan.h and
    docs/fixtures.md).

    Two walks over the tree, both in preorder (a context, its own tests, then
    its child contexts, in file order):

    1. survey: for every context, how many tests its subtree holds and
       whether a serial context with tests lies inside it. The planner must
       know this about a subtree before it decides how to cut it (an empty
       subtree gets no fixture steps and no shared fixture; an unmarked unit
       with a serial descendant is serial), and asking the question again at
       every level would be quadratic in the depth.
    2. plan: cuts the tree into tasks, carrying down the wrapping split
       fixtures (outermost first) and the chain of enclosing shared fixtures.

    Both walks are linear in the size of the tree. The only per-task copies
    are the wrapping prefix and the shared chain, which a task must own.
    The effective env/cwd/timeout of a context is computed once, from its
    parent's, when the walk enters it, and handed to its tests and children:
    the same values as fo_test_effective_*() without re-walking the parents
    for every test.
*/
#include "fo_plan.h"
#include "fo_plan_steps.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    size_t ntests;      /* tests in the subtree */
    size_t size;        /* contexts in the subtree, itself included */
    bool serial;        /* a serial context with tests in the subtree */
} survey_t;

/* What a context hands down: its effective values. */
typedef struct {
    fo_env env;
    const char *cwd;
    uint32_t timeout_ms;
} frame_t;

/* A split context with fixtures wraps every task below it. */
typedef struct {
    fo_step setup;      /* argv empty when the context has no setup */
    fo_step teardown;   /* argv empty when the context has no teardown */
} wrap_t;

typedef struct {
    const fo_suite *suite;
    fo_plan *plan;
    size_t tasks_cap, shared_cap;

    survey_t *survey;
    size_t nsurvey, survey_cap;
    size_t cursor;      /* the plan walk's position in survey[] */

    wrap_t *wraps;
    size_t nwraps, wraps_cap;
    size_t *chain;      /* enclosing shared fixtures, outermost first */
    size_t nchain, chain_cap;

    /* The task being built. */
    fo_step *steps;
    size_t nsteps, steps_cap;
    size_t *tests;
    size_t ntests, tests_cap;
} planner_t;

static void *
grow (void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return items;
    size_t cap_new = *cap ? *cap : 8;
    while (cap_new < need)
        cap_new *= 2;
    *cap = cap_new;
    return fo_xrealloc (items, cap_new * size);
}

/* ---- walk 1: the survey ------------------------------------------------ */

static size_t
survey (planner_t *p, const fo_context *ctx)
{
    size_t idx = p->nsurvey++;
    p->survey = grow (p->survey, &p->survey_cap, p->nsurvey, sizeof *p->survey);
    size_t ntests = ctx->ntests;
    bool serial = false;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        size_t child = survey (p, ctx->contexts[i]);
        ntests += p->survey[child].ntests;
        serial = serial || p->survey[child].serial;
    }
    if ((ctx->mode & FO_MODE_SERIAL) && ntests > 0)
        serial = true;
    p->survey[idx] = (survey_t) { ntests, p->nsurvey - idx, serial };
    return idx;
}

/* ---- steps ------------------------------------------------------------- */

static void
fixture_step (fo_step *step, fo_step_kind kind, const fo_context *ctx, const fo_command *cmd,
              const frame_t *frame)
{
    fo_plan_step_fill (step, kind, ctx->id, &cmd->argv, frame->cwd, &frame->env, frame->timeout_ms);
}

static fo_step *
push_step (planner_t *p)
{
    p->steps = grow (p->steps, &p->steps_cap, p->nsteps + 1, sizeof *p->steps);
    fo_step *step = &p->steps[p->nsteps++];
    memset (step, 0, sizeof *step);
    return step;
}

static void
push_fixture (planner_t *p, fo_step_kind kind, const fo_context *ctx, const fo_command *cmd,
              const frame_t *frame)
{
    /* argv is never empty on the wire: an absent setup or teardown is no step */
    if (cmd->argv.len > 0)
        fixture_step (push_step (p), kind, ctx, cmd, frame);
}

/* Adds a test to plan->tests (file order) and a step running it to the
   task being built. */
static void
push_test (planner_t *p, const fo_test *test, const frame_t *ctx_frame)
{
    fo_plan *plan = p->plan;
    size_t index = plan->ntests++;
    plan->tests[index] = test;
    p->tests = grow (p->tests, &p->tests_cap, p->ntests + 1, sizeof *p->tests);
    p->tests[p->ntests++] = index;

    fo_plan_step_test (push_step (p), test->id, &test->run.argv,
                       test->cwd ? test->cwd : ctx_frame->cwd, &ctx_frame->env, &test->env,
                       test->timeout_ms ? test->timeout_ms : ctx_frame->timeout_ms);
}

/* ---- tasks ------------------------------------------------------------- */

/* Opens a task: the wrapping split setups, outermost first. */
static void
task_begin (planner_t *p)
{
    p->nsteps = 0;
    p->ntests = 0;
    for (size_t i = 0; i < p->nwraps; i++)
        if (p->wraps[i].setup.argv.len > 0)
            fo_plan_step_copy (push_step (p), &p->wraps[i].setup);
}

/* Closes the task (wrapping teardowns, innermost first) and appends it. */
static void
task_end (planner_t *p, bool serial)
{
    for (size_t i = p->nwraps; i-- > 0;)
        if (p->wraps[i].teardown.argv.len > 0)
            fo_plan_step_copy (push_step (p), &p->wraps[i].teardown);

    fo_plan *plan = p->plan;
    plan->tasks = grow (plan->tasks, &p->tasks_cap, plan->ntasks + 1, sizeof *plan->tasks);
    fo_task *task = &plan->tasks[plan->ntasks++];
    memset (task, 0, sizeof *task);
    task->steps = fo_xmalloc (p->nsteps * sizeof *task->steps);
    memcpy (task->steps, p->steps, p->nsteps * sizeof *task->steps);
    task->nsteps = p->nsteps;
    task->tests = fo_xmalloc (p->ntests * sizeof *task->tests);
    memcpy (task->tests, p->tests, p->ntests * sizeof *task->tests);
    task->ntests = p->ntests;
    if (p->nchain > 0) {
        task->shared = fo_xmalloc (p->nchain * sizeof *task->shared);
        memcpy (task->shared, p->chain, p->nchain * sizeof *task->shared);
        task->nshared = p->nchain;
        /* direct count; fo_plan_build adds nested counts to the parents */
        plan->shared[p->chain[p->nchain - 1]].ntasks++;
    }
    task->serial = serial;
    p->nsteps = 0;
    p->ntests = 0;
}

/* ---- walk 2: the plan -------------------------------------------------- */

/* A context's effective values from its parent's: the same result as
   fo_context_effective_*(), without walking up to the root again. */
static void
frame_enter (planner_t *p, frame_t *frame, const fo_context *ctx, const frame_t *parent)
{
    memset (frame, 0, sizeof *frame);
    if (!parent) {
        fo_context_effective_env (ctx, &frame->env);
        frame->cwd = fo_context_effective_cwd (p->suite, ctx);
        frame->timeout_ms = fo_context_effective_timeout (ctx);
        return;
    }
    fo_env_copy (&frame->env, &parent->env);
    fo_env_merge (&frame->env, &ctx->env);
    frame->cwd = ctx->cwd ? ctx->cwd : parent->cwd;
    frame->timeout_ms = ctx->timeout_ms ? ctx->timeout_ms : parent->timeout_ms;
}

/* Emits a whole subtree into the task being built: the context's setup, its
   own tests, each child flattened the same way (whatever the child's mode:
   the unit's fixtures already tie it to one worker), its teardown. */
static void
flatten (planner_t *p, const fo_context *ctx, const frame_t *parent)
{
    const survey_t *sv = &p->survey[p->cursor];
    if (sv->ntests == 0) {
        p->cursor += sv->size;      /* nothing to run: no fixture steps either */
        return;
    }
    p->cursor++;
    frame_t frame;
    frame_enter (p, &frame, ctx, parent);
    push_fixture (p, FO_STEP_SETUP, ctx, &ctx->setup, &frame);
    for (size_t i = 0; i < ctx->ntests; i++)
        push_test (p, ctx->tests[i], &frame);
    for (size_t i = 0; i < ctx->ncontexts; i++)
        flatten (p, ctx->contexts[i], &frame);
    push_fixture (p, FO_STEP_TEARDOWN, ctx, &ctx->teardown, &frame);
    fo_env_free (&frame.env);
}

static void
wrap_push (planner_t *p, const fo_context *ctx, const frame_t *frame)
{
    p->wraps = grow (p->wraps, &p->wraps_cap, p->nwraps + 1, sizeof *p->wraps);
    wrap_t *wrap = &p->wraps[p->nwraps++];
    fixture_step (&wrap->setup, FO_STEP_SETUP, ctx, &ctx->setup, frame);
    fixture_step (&wrap->teardown, FO_STEP_TEARDOWN, ctx, &ctx->teardown, frame);
}

static void
wrap_pop (planner_t *p)
{
    wrap_t *wrap = &p->wraps[--p->nwraps];
    fo_step_free (&wrap->setup);
    fo_step_free (&wrap->teardown);
}

static void
shared_push (planner_t *p, const fo_context *ctx, const frame_t *frame)
{
    fo_plan *plan = p->plan;
    plan->shared = grow (plan->shared, &p->shared_cap, plan->nshared + 1, sizeof *plan->shared);
    size_t index = plan->nshared++;
    fo_shared_fixture *fixture = &plan->shared[index];
    memset (fixture, 0, sizeof *fixture);
    fixture->ctx = ctx;
    fixture_step (&fixture->setup, FO_STEP_SETUP, ctx, &ctx->setup, frame);
    fixture_step (&fixture->teardown, FO_STEP_TEARDOWN, ctx, &ctx->teardown, frame);
    fixture->parent = p->nchain > 0 ? p->chain[p->nchain - 1] : FO_NO_SHARED;
    p->chain = grow (p->chain, &p->chain_cap, p->nchain + 1, sizeof *p->chain);
    p->chain[p->nchain++] = index;
}

static void
plan_context (planner_t *p, const fo_context *ctx, const frame_t *parent, bool serial)
{
    const survey_t sv = p->survey[p->cursor];
    if (sv.ntests == 0) {
        p->cursor += sv.size;
        return;
    }
    serial = serial || (ctx->mode & FO_MODE_SERIAL);
    bool fixtures = fo_context_has_fixtures (ctx);

    if (fixtures && !(ctx->mode & (FO_MODE_SPLIT | FO_MODE_SHARED))) {
        /* Unmarked with fixtures: the whole subtree is one task. */
        task_begin (p);
        flatten (p, ctx, parent);
        task_end (p, serial || sv.serial);
        return;
    }

    p->cursor++;
    frame_t frame;
    frame_enter (p, &frame, ctx, parent);
    bool split = fixtures && (ctx->mode & FO_MODE_SPLIT);
    bool shared = fixtures && (ctx->mode & FO_MODE_SHARED);
    if (split)
        wrap_push (p, ctx, &frame);
    else if (shared)
        shared_push (p, ctx, &frame);

    for (size_t i = 0; i < ctx->ntests; i++) {
        task_begin (p);
        push_test (p, ctx->tests[i], &frame);
        task_end (p, serial);
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        plan_context (p, ctx->contexts[i], &frame, serial);

    if (split)
        wrap_pop (p);
    else if (shared)
        p->nchain--;
    fo_env_free (&frame.env);
}

/* Serial tasks go after every parallel one; both keep their file order. */
static void
order_serial_last (fo_plan *plan)
{
    if (plan->ntasks == 0)
        return;
    fo_task *ordered = fo_xmalloc (plan->ntasks * sizeof *ordered);
    size_t n = 0;
    for (size_t i = 0; i < plan->ntasks; i++)
        if (!plan->tasks[i].serial)
            ordered[n++] = plan->tasks[i];
    for (size_t i = 0; i < plan->ntasks; i++)
        if (plan->tasks[i].serial)
            ordered[n++] = plan->tasks[i];
    free (plan->tasks);
    plan->tasks = ordered;
}

fo_plan *
fo_plan_build (const fo_suite *suite)
{
    fo_plan *plan = fo_xcalloc (1, sizeof *plan);
    if (!suite || !suite->root)
        return plan;

    planner_t p = { .suite = suite, .plan = plan };
    survey (&p, suite->root);
    if (p.survey[0].ntests > 0) {
        plan->tests = fo_xmalloc (p.survey[0].ntests * sizeof *plan->tests);
        plan_context (&p, suite->root, NULL, false);
    }
    /* Nested shared fixtures come after their parents: one backward pass
       adds each fixture's count to its parent's. */
    for (size_t i = plan->nshared; i-- > 0;)
        if (plan->shared[i].parent != FO_NO_SHARED)
            plan->shared[plan->shared[i].parent].ntasks += plan->shared[i].ntasks;
    order_serial_last (plan);

    free (p.survey);
    free (p.wraps);
    free (p.chain);
    free (p.steps);
    free (p.tests);
    return plan;
}

void
fo_plan_destroy (fo_plan **self_p)
{
    fo_plan *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->ntasks; i++) {
        fo_task *task = &self->tasks[i];
        for (size_t j = 0; j < task->nsteps; j++)
            fo_step_free (&task->steps[j]);
        free (task->steps);
        free (task->tests);
        free (task->shared);
    }
    for (size_t i = 0; i < self->nshared; i++) {
        fo_step_free (&self->shared[i].setup);
        fo_step_free (&self->shared[i].teardown);
    }
    free (self->tasks);
    free (self->shared);
    free (self->tests);
    free (self);
    *self_p = NULL;
}
