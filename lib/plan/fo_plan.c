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

    The walk's pieces (fo_walk_*, fo_plan_walk.h) are shared with
    fo_plan_grow.c, which plans generated tests during the run.
*/
#include "fo_plan.h"
#include "fo_plan_steps.h"
#include "fo_plan_walk.h"

#include <stdlib.h>
#include <string.h>

/* fo_test.number: the planner writes it into the borrowed suite, as the
   one place that knows it (the suite is the caller's, const to keep the
   planner from changing what a test runs). */
void
fo_plan_number_test (const fo_test *test, size_t index)
{
    ((fo_test *) test)->number = index < UINT32_MAX ? (uint32_t) index : UINT32_MAX;
}

size_t
fo_plan_test_number (const fo_plan *plan, const char *id)
{
    const fo_test *test = plan->suite ? fo_suite_find_test (plan->suite, id) : NULL;
    if (!test || test->number >= plan->ntests || plan->tests[test->number] != test)
        return FO_NO_TEST_NUMBER;
    return test->number;
}

void *
fo_walk_grow (void *items, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return items;
    size_t cap_new = *cap ? *cap : 8;
    while (cap_new < need)
        cap_new *= 2;
    *cap = cap_new;
    return fo_xrealloc (items, cap_new * size);
}

bool
fo_walk_pending (const fo_context *ctx)
{
    return ctx->discover_on_agent && ctx->discover.argv.len > 0 && !ctx->discover_answered;
}

/* ---- walk 1: the survey ------------------------------------------------ */

size_t
fo_walk_survey_tree (fo_walker *w, const fo_context *ctx)
{
    size_t idx = w->nsurvey++;
    w->survey = fo_walk_grow (w->survey, &w->survey_cap, w->nsurvey, sizeof *w->survey);
    size_t ntests = ctx->ntests;
    bool live = ntests > 0 || fo_walk_pending (ctx);
    bool serial = false;
    for (size_t i = 0; i < ctx->ncontexts; i++) {
        size_t child = fo_walk_survey_tree (w, ctx->contexts[i]);
        ntests += w->survey[child].ntests;
        live = live || w->survey[child].live;
        serial = serial || w->survey[child].serial;
    }
    if ((ctx->mode & FO_MODE_SERIAL) && ntests > 0)
        serial = true;
    w->survey[idx] = (fo_walk_survey) { ntests, w->nsurvey - idx, live, serial };
    return idx;
}

/* ---- steps ------------------------------------------------------------- */

/* The reader of a context's step: its fixtures'; a discover step's says
   what its answer is: names, or (a CTest tree's) the listing whole
   (fo_proto.h: fo_discovered.listing). */
static fo_reader
step_reader (const fo_context *ctx, fo_step_kind kind)
{
    if (kind != FO_STEP_DISCOVER)
        return ctx->fixture_reader;
    return ctx->discovered_reader == FO_READER_CTEST ? FO_READER_CTEST : FO_READER_EXIT_STATUS;
}

static void
fixture_step (fo_step *step, fo_step_kind kind, const fo_context *ctx, const fo_command *cmd,
              const fo_walk_frame *frame)
{
    fo_plan_step_fill (step, kind, ctx->id, &cmd->argv, frame->cwd, &frame->env, frame->timeout_ms);
    step->reader = step_reader (ctx, kind);
}

static fo_plan_ref *
push_ref (fo_walker *w, fo_step_kind kind, const void *what)
{
    w->refs = fo_walk_grow (w->refs, &w->steps_cap, w->nsteps + 1, sizeof *w->refs);
    fo_plan_ref *ref = &w->refs[w->nsteps++];
    *ref = (fo_plan_ref) { .what = what, .kind = (uint8_t) kind };
    return ref;
}

/* True when a step was pushed: argv is never empty on the wire, so an
   absent setup or teardown is no step. */
static bool
push_fixture (fo_walker *w, fo_step_kind kind, const fo_context *ctx, const fo_command *cmd)
{
    if (cmd->argv.len == 0)
        return false;
    push_ref (w, kind, ctx);
    return true;
}

/* A context's scope in the task being built is steps[begin..] up to now:
   its setup (when pushed) is steps[begin] and covers the rest, its
   teardown (when pushed) is the last step and covers the rest before it
   (fo_steps.h). Called once the teardown was pushed, or would have been. */
static void
close_scope (fo_walker *w, size_t begin, bool has_setup, bool has_teardown)
{
    size_t end = w->nsteps;         /* one past the scope's last step */
    if (has_setup)
        w->refs[begin].span = (uint32_t) (end - begin - 1);
    if (has_teardown)
        w->refs[end - 1].span = (uint32_t) (end - 1 - begin);
}

/* Adds a test to plan->tests (file order; a unit being rebuilt keeps the
   numbers its tests had) and a step running it to the task being built. */
void
fo_walk_push_test (fo_walker *w, const fo_test *test, const fo_walk_frame *frame)
{
    fo_plan *plan = w->plan;
    size_t index;
    if (w->reused < w->nreuse && plan->tests[w->reuse[w->reused]] == test)
        index = w->reuse[w->reused++];
    else {
        plan->tests = fo_walk_grow (plan->tests, &plan->tests_cap, plan->ntests + 1,
                                    sizeof *plan->tests);
        index = plan->ntests++;
        plan->tests[index] = test;
    }
    fo_plan_number_test (test, index);
    w->tests = fo_walk_grow (w->tests, &w->tests_cap, w->ntests + 1, sizeof *w->tests);
    w->tests[w->ntests++] = index;

    (void) frame;       /* the step is built from the test when needed */
    push_ref (w, FO_STEP_TEST, test);
}

/* ---- tasks ------------------------------------------------------------- */

/* A plan of fo_plan_build keeps every task's wire steps, in a table of
   its own (most plans, the broker's, keep none: fo_task holds no room
   for them). Built once the plan is whole (plan_build: ordering the
   tasks would move them) and for each task added or rebuilt after. */
struct fo_plan_kept {
    fo_step *steps;
    size_t nsteps;
};

void
fo_plan_keep_steps (fo_plan *plan, size_t task)
{
    if (plan->lean || !plan->kept)
        return;
    if (task >= plan->kept_cap) {
        size_t cap = plan->kept_cap;
        plan->kept = fo_walk_grow (plan->kept, &plan->kept_cap, task + 1, sizeof *plan->kept);
        memset (plan->kept + cap, 0, (plan->kept_cap - cap) * sizeof *plan->kept);
    }
    struct fo_plan_kept *k = &plan->kept[task];
    fo_plan_steps_free (k->steps, k->steps ? k->nsteps : 0);   /* a unit rebuilt */
    k->steps = fo_plan_task_steps (plan, task, &k->nsteps);
}

const fo_step *
fo_plan_steps (const fo_plan *plan, size_t task)
{
    return plan->kept && task < plan->kept_cap ? plan->kept[task].steps : NULL;
}

static fo_task *
append_task (fo_plan *plan)
{
    plan->tasks = fo_walk_grow (plan->tasks, &plan->tasks_cap, plan->ntasks + 1,
                                sizeof *plan->tasks);
    fo_task *task = &plan->tasks[plan->ntasks++];
    memset (task, 0, sizeof *task);
    task->discovery = FO_NO_DISCOVERY;
    return task;
}

/* Opens a task: the wrapping split setups, outermost first. */
void
fo_walk_task_begin (fo_walker *w)
{
    w->nsteps = 0;
    w->ntests = 0;
    w->first_discovery = w->plan->ndiscoveries;
    for (size_t i = 0; i < w->nwraps; i++) {
        w->wraps[i].begin = w->nsteps;
        if (w->wraps[i].has_setup)
            push_ref (w, FO_STEP_SETUP, w->wraps[i].ctx);
    }
}

/* Closes the task (wrapping teardowns, innermost first) and appends it, or
   fills w->into when rebuilding. */
size_t
fo_walk_task_end (fo_walker *w, bool serial)
{
    for (size_t i = w->nwraps; i-- > 0;) {
        bool has_teardown = w->wraps[i].has_teardown;
        if (has_teardown)
            push_ref (w, FO_STEP_TEARDOWN, w->wraps[i].ctx);
        close_scope (w, w->wraps[i].begin, w->wraps[i].has_setup, has_teardown);
    }

    fo_plan *plan = w->plan;
    fo_task *task;
    if (w->into != FO_NO_TASK) {
        task = &plan->tasks[w->into];
        task->refs = NULL;      /* the old lists stay in the arena */
    }
    else {
        task = append_task (plan);
        if (w->nchain > 0) {
            task->shared = fo_arena_alloc (plan->arena, w->nchain * sizeof *task->shared);
            memcpy (task->shared, w->chain, w->nchain * sizeof *task->shared);
            task->nshared = (uint32_t) w->nchain;
            /* direct count; fo_plan_build adds nested counts to the parents */
            plan->shared[w->chain[w->nchain - 1]].ntasks++;
        }
    }
    size_t index = (size_t) (task - plan->tasks);
    /* A unit rebuilt after its discoveries found nothing may be empty. A
       task of one test step alone keeps no refs (fo_task.refs). */
    bool plain = w->nsteps == 1 && w->ntests == 1 && w->refs[0].kind == FO_STEP_TEST
                 && w->refs[0].span == 0 && w->refs[0].what == plan->tests[w->tests[0]];
    if (!plain) {
        task->refs = fo_arena_alloc (plan->arena, w->nsteps * sizeof *task->refs);
        if (w->nsteps)
            memcpy (task->refs, w->refs, w->nsteps * sizeof *task->refs);
    }
    task->nsteps = (uint32_t) w->nsteps;
    if (w->ntests == 1)
        task->tests_in.one = w->tests[0];
    else {
        task->tests_in.list = fo_arena_alloc (plan->arena, w->ntests * sizeof *w->tests);
        if (w->ntests)
            memcpy (task->tests_in.list, w->tests, w->ntests * sizeof *w->tests);
    }
    task->ntests = (uint32_t) w->ntests;
    task->serial = serial;
    fo_plan_keep_steps (plan, index);
    /* A unit waits for the discoveries met while it was built. */
    for (size_t d = w->first_discovery; d < plan->ndiscoveries; d++)
        if (plan->discoveries[d].unit == FO_WALK_THIS_UNIT) {
            plan->discoveries[d].unit = index;
            task->waits++;
        }
    w->nsteps = 0;
    w->ntests = 0;
    return index;
}

void
fo_walk_discovery (fo_walker *w, const fo_context *ctx, const fo_walk_frame *frame, size_t unit)
{
    if (w->into != FO_NO_TASK)
        return;         /* rebuilding: the discovery exists already */
    fo_plan *plan = w->plan;
    if (plan->ndiscoveries >= FO_NO_DISCOVERY)
        abort ();       /* a suite has fewer contexts (fo_task.discovery) */
    size_t d = plan->ndiscoveries++;
    plan->discoveries = fo_xrealloc (plan->discoveries,
                                     plan->ndiscoveries * sizeof *plan->discoveries);
    fo_task *task = append_task (plan);
    task->discovery = (uint32_t) d;
    task->refs = fo_arena_alloc (plan->arena, sizeof *task->refs);
    task->refs[0] = (fo_plan_ref) { .what = ctx, .kind = FO_STEP_DISCOVER };
    task->nsteps = 1;
    (void) frame;
    if (w->nchain > 0) {
        /* not a dependency: the fixtures stay up until it has ended */
        task->shared = fo_arena_alloc (plan->arena, w->nchain * sizeof *task->shared);
        memcpy (task->shared, w->chain, w->nchain * sizeof *task->shared);
        task->nshared = (uint32_t) w->nchain;
        plan->shared[w->chain[w->nchain - 1]].ntasks++;
    }
    plan->discoveries[d] = (fo_discovery) { ctx, plan->ntasks - 1, unit };
    fo_plan_keep_steps (plan, plan->ntasks - 1);
}

/* ---- walk 2: the plan -------------------------------------------------- */

/* A context's effective values from its parent's: the same result as
   fo_context_effective_*(), without walking up to the root again. */
void
fo_walk_frame_enter (fo_walker *w, fo_walk_frame *frame, const fo_context *ctx,
                     const fo_walk_frame *parent)
{
    memset (frame, 0, sizeof *frame);
    if (!parent) {
        fo_context_effective_env (ctx, &frame->env);
        frame->cwd = fo_context_effective_cwd (w->suite, ctx);
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
void
fo_walk_flatten (fo_walker *w, const fo_context *ctx, const fo_walk_frame *parent)
{
    const fo_walk_survey *sv = &w->survey[w->cursor];
    if (!sv->live) {
        w->cursor += sv->size;      /* nothing to run: no fixture steps either */
        return;
    }
    w->cursor++;
    fo_walk_frame frame;
    fo_walk_frame_enter (w, &frame, ctx, parent);
    if (fo_walk_pending (ctx))
        fo_walk_discovery (w, ctx, &frame, FO_WALK_THIS_UNIT);
    size_t begin = w->nsteps;
    bool has_setup = push_fixture (w, FO_STEP_SETUP, ctx, &ctx->setup);
    for (size_t i = 0; i < ctx->ntests; i++)
        fo_walk_push_test (w, ctx->tests[i], &frame);
    for (size_t i = 0; i < ctx->ncontexts; i++)
        fo_walk_flatten (w, ctx->contexts[i], &frame);
    bool has_teardown = push_fixture (w, FO_STEP_TEARDOWN, ctx, &ctx->teardown);
    close_scope (w, begin, has_setup, has_teardown);
    fo_env_free (&frame.env);
}

void
fo_walk_wrap_push (fo_walker *w, const fo_context *ctx, const fo_walk_frame *frame)
{
    w->wraps = fo_walk_grow (w->wraps, &w->wraps_cap, w->nwraps + 1, sizeof *w->wraps);
    fo_walk_wrap *wrap = &w->wraps[w->nwraps++];
    (void) frame;
    *wrap = (fo_walk_wrap) { .ctx = ctx, .has_setup = ctx->setup.argv.len > 0,
                             .has_teardown = ctx->teardown.argv.len > 0 };
}

void
fo_walk_wrap_pop (fo_walker *w)
{
    w->nwraps--;
}

void
fo_walk_chain_push (fo_walker *w, size_t shared)
{
    w->chain = fo_walk_grow (w->chain, &w->chain_cap, w->nchain + 1, sizeof *w->chain);
    w->chain[w->nchain++] = shared;
}

static void
shared_push (fo_walker *w, const fo_context *ctx, const fo_walk_frame *frame, size_t *shared_cap)
{
    fo_plan *plan = w->plan;
    plan->shared = fo_walk_grow (plan->shared, shared_cap, plan->nshared + 1, sizeof *plan->shared);
    size_t index = plan->nshared++;
    fo_shared_fixture *fixture = &plan->shared[index];
    memset (fixture, 0, sizeof *fixture);
    fixture->ctx = ctx;
    fixture_step (&fixture->setup, FO_STEP_SETUP, ctx, &ctx->setup, frame);
    fixture_step (&fixture->teardown, FO_STEP_TEARDOWN, ctx, &ctx->teardown, frame);
    fixture->parent = w->nchain > 0 ? w->chain[w->nchain - 1] : FO_NO_SHARED;
    fo_walk_chain_push (w, index);
}

static void
plan_context (fo_walker *w, const fo_context *ctx, const fo_walk_frame *parent, bool serial,
              size_t *shared_cap)
{
    const fo_walk_survey sv = w->survey[w->cursor];
    if (!sv.live) {
        w->cursor += sv.size;
        return;
    }
    serial = serial || (ctx->mode & FO_MODE_SERIAL);
    bool fixtures = fo_context_has_fixtures (ctx);

    if ((fixtures || (ctx->mode & FO_MODE_UNIT)) && !(ctx->mode & (FO_MODE_SPLIT | FO_MODE_SHARED))) {
        /* Unmarked with fixtures (or an importer's unit): the whole
           subtree is one task. */
        fo_walk_task_begin (w);
        fo_walk_flatten (w, ctx, parent);
        size_t task = fo_walk_task_end (w, serial || sv.serial);
        w->plan->tasks[task].unit = ctx;
        return;
    }

    w->cursor++;
    fo_walk_frame frame;
    fo_walk_frame_enter (w, &frame, ctx, parent);
    bool split = fixtures && (ctx->mode & FO_MODE_SPLIT);
    bool shared = fixtures && (ctx->mode & FO_MODE_SHARED);
    if (split)
        fo_walk_wrap_push (w, ctx, &frame);
    else if (shared)
        shared_push (w, ctx, &frame, shared_cap);
    if (fo_walk_pending (ctx))
        fo_walk_discovery (w, ctx, &frame, FO_NO_TASK);

    for (size_t i = 0; i < ctx->ntests; i++) {
        fo_walk_task_begin (w);
        fo_walk_push_test (w, ctx->tests[i], &frame);
        fo_walk_task_end (w, serial || ctx->tests[i]->serial);
    }
    for (size_t i = 0; i < ctx->ncontexts; i++)
        plan_context (w, ctx->contexts[i], &frame, serial, shared_cap);

    if (split)
        fo_walk_wrap_pop (w);
    else if (shared)
        w->nchain--;
    fo_env_free (&frame.env);
}

/* Discovery tasks first (the sooner their names come back, the sooner
   their tests can spread), then the parallel tasks, serial tasks last;
   each group keeps its file order. */
static void
order_tasks (fo_plan *plan)
{
    if (plan->ntasks == 0)
        return;
    /* Most plans are in order already (no discovery, no serial task):
       a million tasks are not copied for nothing. */
    int last = 0;
    bool in_order = true;
    for (size_t i = 0; i < plan->ntasks && in_order; i++) {
        const fo_task *t = &plan->tasks[i];
        int group = t->discovery != FO_NO_DISCOVERY ? 0 : t->serial ? 2 : 1;
        in_order = group >= last;
        last = group;
    }
    if (in_order)
        return;
    fo_task *ordered = fo_xmalloc (plan->ntasks * sizeof *ordered);
    size_t *moved_to = fo_xmalloc (plan->ntasks * sizeof *moved_to);
    size_t n = 0;
    for (int pass = 0; pass < 3; pass++)
        for (size_t i = 0; i < plan->ntasks; i++) {
            const fo_task *t = &plan->tasks[i];
            int group = t->discovery != FO_NO_DISCOVERY ? 0 : t->serial ? 2 : 1;
            if (group == pass) {
                moved_to[i] = n;
                ordered[n++] = *t;
            }
        }
    for (size_t d = 0; d < plan->ndiscoveries; d++) {
        fo_discovery *disc = &plan->discoveries[d];
        disc->task = moved_to[disc->task];
        if (disc->unit != FO_NO_TASK)
            disc->unit = moved_to[disc->unit];
    }
    free (moved_to);
    free (plan->tasks);
    plan->tasks = ordered;
    plan->tasks_cap = plan->ntasks;
}

void
fo_walk_free (fo_walker *w)
{
    while (w->nwraps > 0)
        fo_walk_wrap_pop (w);
    free (w->survey);
    free (w->wraps);
    free (w->chain);
    free (w->refs);
    free (w->tests);
    memset (w, 0, sizeof *w);
}

static fo_plan *
plan_build (const fo_suite *suite, bool lean)
{
    fo_plan *plan = fo_xcalloc (1, sizeof *plan);
    plan->suite = suite;
    plan->lean = lean;
    plan->arena = fo_arena_new ();
    if (!suite || !suite->root)
        return plan;

    fo_walker w = { .suite = suite, .plan = plan, .into = FO_NO_TASK };
    size_t shared_cap = 0;
    fo_walk_survey_tree (&w, suite->root);
    if (w.survey[0].live) {
        plan->tests_cap = w.survey[0].ntests;
        plan->tests = fo_xmalloc ((plan->tests_cap ? plan->tests_cap : 1) * sizeof *plan->tests);
        plan_context (&w, suite->root, NULL, false, &shared_cap);
    }
    /* Nested shared fixtures come after their parents: one backward pass
       adds each fixture's count to its parent's. */
    for (size_t i = plan->nshared; i-- > 0;)
        if (plan->shared[i].parent != FO_NO_SHARED)
            plan->shared[plan->shared[i].parent].ntasks += plan->shared[i].ntasks;
    order_tasks (plan);
    /* exact size: doubling leaves up to half a million tasks' room unused */
    if (plan->ntasks > 0 && plan->tasks_cap > plan->ntasks) {
        plan->tasks = fo_xrealloc (plan->tasks, plan->ntasks * sizeof *plan->tasks);
        plan->tasks_cap = plan->ntasks;
    }
    if (!lean) {
        /* the tasks are in their final order now */
        plan->kept_cap = plan->ntasks ? plan->ntasks : 1;
        plan->kept = fo_xcalloc (plan->kept_cap, sizeof *plan->kept);
        for (size_t i = 0; i < plan->ntasks; i++)
            fo_plan_keep_steps (plan, i);
    }
    fo_walk_free (&w);
    return plan;
}

void
fo_plan_destroy (fo_plan **self_p)
{
    fo_plan *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; self->kept && i < self->kept_cap; i++)
        fo_plan_steps_free (self->kept[i].steps, self->kept[i].steps ? self->kept[i].nsteps : 0);
    free (self->kept);
    for (size_t i = 0; i < self->nshared; i++) {
        fo_step_free (&self->shared[i].setup);
        fo_step_free (&self->shared[i].teardown);
    }
    fo_arena_destroy (&self->arena);   /* every task's refs, tests, shared */
    free (self->tasks);
    free (self->shared);
    free (self->tests);
    free (self->discoveries);
    free (self);
    *self_p = NULL;
}

fo_plan *
fo_plan_build (const fo_suite *suite)
{
    return plan_build (suite, false);
}

fo_plan *
fo_plan_build_lean (const fo_suite *suite)
{
    return plan_build (suite, true);
}

/* ---- wire steps, built when needed ---------------------------------------
   The values the walk handed down in frames, computed again from the tree:
   fo_walk_frame_enter gives the same as fo_context_effective_* (the env
   merged from the root down, the nearest cwd and timeout). */

static void
context_step (fo_step *step, const fo_plan *plan, fo_step_kind kind, const fo_context *ctx)
{
    const fo_command *cmd = kind == FO_STEP_SETUP ? &ctx->setup
                          : kind == FO_STEP_TEARDOWN ? &ctx->teardown : &ctx->discover;
    fo_env env = { 0 };
    fo_context_effective_env (ctx, &env);
    fo_plan_step_fill (step, kind, ctx->id, &cmd->argv, fo_context_effective_cwd (plan->suite, ctx),
                       &env, fo_context_effective_timeout (ctx));
    fo_env_free (&env);
    step->reader = step_reader (ctx, kind);
}

static void
test_step (fo_step *step, const fo_plan *plan, const fo_test *test)
{
    fo_env env = { 0 };
    fo_context_effective_env (test->parent, &env);
    fo_plan_step_test (step, test->id, &test->run.argv, fo_test_effective_cwd (plan->suite, test),
                       &env, fo_test_env (test), fo_test_effective_timeout (test));
    fo_env_free (&env);
    step->reader = test->reader;
    if (test->reader == FO_READER_CTEST && test->verdict)
        fo_verdict_copy (&step->verdict, test->verdict);
}

fo_step *
fo_plan_task_steps (const fo_plan *plan, size_t task, size_t *nsteps)
{
    const fo_task *t = &plan->tasks[task];
    fo_step *steps = fo_xcalloc (t->nsteps ? t->nsteps : 1, sizeof *steps);
    for (size_t i = 0; i < t->nsteps; i++) {
        fo_plan_ref ref = t->refs ? t->refs[i]
                        : (fo_plan_ref) { .what = plan->tests[fo_task_tests (t)[0]], .kind = FO_STEP_TEST };
        if (ref.kind == FO_STEP_TEST)
            test_step (&steps[i], plan, ref.what);
        else
            context_step (&steps[i], plan, (fo_step_kind) ref.kind, ref.what);
        steps[i].span = ref.span;
    }
    *nsteps = t->nsteps;
    return steps;
}

void
fo_plan_steps_free (fo_step *steps, size_t nsteps)
{
    for (size_t i = 0; i < nsteps; i++)
        fo_step_free (&steps[i]);
    free (steps);
}

/* ---- steps that borrow the suite's strings -------------------------------
   What a lease needs, built at each lease of a million: copying every
   string (the id twice, the argv, the cwd) cost the broker about 3 us a
   test; here only the env (merged from the contexts) and each test step's
   list of one id are the steps' own. */

static void
borrow_step (fo_step *step, const fo_plan *plan, const fo_plan_ref *ref)
{
    memset (step, 0, sizeof *step);
    step->kind = (fo_step_kind) ref->kind;
    step->span = ref->span;
    if (ref->kind == FO_STEP_TEST) {
        const fo_test *test = ref->what;
        step->name = test->id;
        step->argv = test->run.argv;
        step->cwd = (char *) fo_test_effective_cwd (plan->suite, test);
        fo_test_effective_env (test, &step->env);
        step->timeout_ms = fo_test_effective_timeout (test);
        step->reader = test->reader;
        if (test->reader == FO_READER_CTEST && test->verdict)
            step->verdict = *test->verdict;
        step->tests.items = fo_xmalloc (2 * sizeof *step->tests.items);
        step->tests.items[0] = test->id;
        step->tests.items[1] = NULL;
        step->tests.len = 1;
        step->tests.cap = 2;
        return;
    }
    const fo_context *ctx = ref->what;
    const fo_command *cmd = ref->kind == FO_STEP_SETUP ? &ctx->setup
                          : ref->kind == FO_STEP_TEARDOWN ? &ctx->teardown : &ctx->discover;
    step->name = ctx->id;
    step->argv = cmd->argv;
    step->cwd = (char *) fo_context_effective_cwd (plan->suite, ctx);
    fo_context_effective_env (ctx, &step->env);
    step->timeout_ms = fo_context_effective_timeout (ctx);
    step->reader = step_reader (ctx, ref->kind);
}

fo_step *
fo_plan_task_steps_borrowed (const fo_plan *plan, size_t task, size_t *nsteps)
{
    const fo_task *t = &plan->tasks[task];
    fo_step *steps = fo_xmalloc ((t->nsteps ? t->nsteps : 1) * sizeof *steps);
    for (size_t i = 0; i < t->nsteps; i++) {
        fo_plan_ref ref = t->refs ? t->refs[i]
                        : (fo_plan_ref) { .what = plan->tests[fo_task_tests (t)[0]], .kind = FO_STEP_TEST };
        borrow_step (&steps[i], plan, &ref);
    }
    *nsteps = t->nsteps;
    return steps;
}

void
fo_plan_steps_release (fo_step *steps, size_t nsteps)
{
    for (size_t i = 0; i < nsteps; i++) {
        fo_env_free (&steps[i].env);
        free (steps[i].tests.items);
    }
    free (steps);
}
