/*  fo_plan_grow — generated tests join the plan during the run
    (fo_plan.h: fo_plan_add_discovered, fo_plan_discovery_done).

    The same walk as fo_plan_build, entered at the context that gained
    tests: first the contexts above it are entered the way the full walk
    entered them (frames, wrapping split fixtures, the chain of shared
    fixtures - which exist already: a context that may gain tests counted
    as holding some when the plan was built), then the new tests are cut
    into tasks, or the unit that holds them is cut again. The cost is the
    depth of the context plus the new tests (or the unit's subtree), never
    the size of the suite.
*/
#include "fo_plan.h"
#include "fo_plan_walk.h"

#include <stdlib.h>
#include <string.h>

static size_t
shared_index (const fo_plan *plan, const fo_context *ctx)
{
    for (size_t i = 0; i < plan->nshared; i++)
        if (plan->shared[i].ctx == ctx)
            return i;
    return FO_NO_SHARED;
}

/* Enters the ancestors of ctx, root first, as plan_context did. Returns
   whether one of them is serial; *frame becomes the parent's frame (false
   when ctx is the root: no parent). */
static bool
enter_ancestors (fo_walker *w, const fo_context *ctx, fo_walk_frame *frame, bool *has_frame)
{
    size_t depth = 0;
    for (const fo_context *a = ctx->parent; a; a = a->parent)
        depth++;
    const fo_context **path = fo_xcalloc (depth ? depth : 1, sizeof *path);
    size_t k = depth;
    for (const fo_context *a = ctx->parent; a; a = a->parent)
        path[--k] = a;

    bool serial = false;
    *has_frame = false;
    for (size_t i = 0; i < depth; i++) {
        const fo_context *a = path[i];
        fo_walk_frame next;
        fo_walk_frame_enter (w, &next, a, *has_frame ? frame : NULL);
        if (*has_frame)
            fo_env_free (&frame->env);
        *frame = next;
        *has_frame = true;
        serial = serial || (a->mode & FO_MODE_SERIAL);
        if (!fo_context_has_fixtures (a))
            continue;
        if (a->mode & FO_MODE_SPLIT)
            fo_walk_wrap_push (w, a, frame);
        else if (a->mode & FO_MODE_SHARED) {
            size_t index = shared_index (w->plan, a);
            if (index != FO_NO_SHARED)
                fo_walk_chain_push (w, index);
        }
    }
    free (path);
    return serial;
}

/* Cuts the unit task again from what its subtree holds now. */
static void
rebuild_unit (fo_plan *plan, size_t task)
{
    fo_task *t = &plan->tasks[task];
    const fo_context *unit = t->unit;
    /* its old tests, read before task_end writes the new ones over them
       (a task of one test holds its test itself) */
    size_t one = t->ntests == 1 ? t->tests_in.one : 0;
    fo_walker w = {
        .suite = plan->suite, .plan = plan, .into = task,
        .reuse = t->ntests == 1 ? &one : t->tests_in.list, .nreuse = t->ntests,
    };
    fo_walk_frame parent;
    bool has_parent;
    bool serial = enter_ancestors (&w, unit, &parent, &has_parent);
    fo_walk_survey_tree (&w, unit);
    fo_walk_task_begin (&w);
    fo_walk_flatten (&w, unit, has_parent ? &parent : NULL);
    fo_walk_task_end (&w, serial || (unit->mode & FO_MODE_SERIAL) || w.survey[0].serial);
    if (has_parent)
        fo_env_free (&parent.env);
    fo_walk_free (&w);
}

/* Each of ctx's tests from first on its own task (ctx is no unit), inside
   the fixtures of ctx and its ancestors: a split context's wrapping steps,
   a shared fixture's chain. */
static size_t
plan_tests (fo_plan *plan, const fo_context *ctx, size_t first)
{
    fo_walker w = { .suite = plan->suite, .plan = plan, .into = FO_NO_TASK };
    fo_walk_frame parent, frame;
    bool has_parent;
    bool serial = enter_ancestors (&w, ctx, &parent, &has_parent);
    fo_walk_frame_enter (&w, &frame, ctx, has_parent ? &parent : NULL);
    serial = serial || (ctx->mode & FO_MODE_SERIAL);
    if (fo_context_has_fixtures (ctx) && (ctx->mode & FO_MODE_SPLIT))
        fo_walk_wrap_push (&w, ctx, &frame);
    else if (fo_context_has_fixtures (ctx) && (ctx->mode & FO_MODE_SHARED)) {
        size_t index = shared_index (plan, ctx);
        if (index != FO_NO_SHARED)
            fo_walk_chain_push (&w, index);
    }
    size_t before = plan->ntasks;
    for (size_t i = first; i < ctx->ntests; i++) {
        fo_walk_task_begin (&w);
        fo_walk_push_test (&w, ctx->tests[i], &frame);
        fo_walk_task_end (&w, serial || ctx->tests[i]->serial);
        /* task_end counted it for the innermost fixture; the build adds
           nested counts to the parents afterwards, here it is done now */
        for (size_t k = 0; k + 1 < w.nchain; k++)
            plan->shared[w.chain[k]].ntasks++;
    }
    fo_env_free (&frame.env);
    if (has_parent)
        fo_env_free (&parent.env);
    fo_walk_free (&w);
    return plan->ntasks - before;
}

size_t
fo_plan_add_discovered (fo_plan *plan, size_t d, size_t first)
{
    const fo_discovery *disc = &plan->discoveries[d];
    if (disc->unit != FO_NO_TASK) {
        rebuild_unit (plan, disc->unit);
        return 0;
    }
    /* Not a unit (that case is above): its tests each their own task. */
    return plan_tests (plan, disc->ctx, first);
}

size_t
fo_plan_add_discovered_units (fo_plan *plan, size_t d, size_t first)
{
    const fo_discovery *disc = &plan->discoveries[d];
    if (disc->unit != FO_NO_TASK) {
        rebuild_unit (plan, disc->unit);
        return 0;
    }
    size_t before = plan->ntasks;
    for (size_t c = first; c < disc->ctx->ncontexts; c++) {
        const fo_context *unit = disc->ctx->contexts[c];
        if (!(unit->mode & FO_MODE_UNIT)) {
            /* A CTest fixture group in the shared or split mode: its
               tests each their own task, as the full walk plans it (the
               importer gives such a group no contexts inside). */
            plan_tests (plan, unit, 0);
            continue;
        }
        /* As plan_context cuts a unit: its whole subtree one task. */
        fo_walker w = { .suite = plan->suite, .plan = plan, .into = FO_NO_TASK };
        fo_walk_frame parent;
        bool has_parent;
        bool serial = enter_ancestors (&w, unit, &parent, &has_parent);
        size_t root = fo_walk_survey_tree (&w, unit);
        if (w.survey[root].live) {
            fo_walk_task_begin (&w);
            fo_walk_flatten (&w, unit, has_parent ? &parent : NULL);
            size_t task = fo_walk_task_end (&w, serial || (unit->mode & FO_MODE_SERIAL)
                                                    || w.survey[root].serial);
            plan->tasks[task].unit = unit;
            for (size_t k = 0; k + 1 < w.nchain; k++)
                plan->shared[w.chain[k]].ntasks++;
        }
        if (has_parent)
            fo_env_free (&parent.env);
        fo_walk_free (&w);
    }
    return plan->ntasks - before;
}

size_t
fo_plan_discovery_done (fo_plan *plan, size_t d)
{
    size_t unit = plan->discoveries[d].unit;
    if (unit == FO_NO_TASK)
        return FO_NO_TASK;
    fo_task *t = &plan->tasks[unit];
    if (t->waits > 0)
        t->waits--;
    /* A discovery that ended without tests leaves nothing to set up. */
    rebuild_unit (plan, unit);
    return t->waits == 0 ? unit : FO_NO_TASK;
}

size_t
fo_plan_add_joined (fo_plan *plan, const fo_test *test)
{
    plan->tests = fo_walk_grow (plan->tests, &plan->tests_cap, plan->ntests + 1,
                                sizeof *plan->tests);
    plan->tests[plan->ntests] = test;
    fo_plan_number_test (test, plan->ntests);
    return plan->ntests++;
}
