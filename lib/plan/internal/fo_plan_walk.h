/*  fo_plan_walk — the planner's walk over the suite tree, private to
    lib/fo_plan*.c. fo_plan.c builds the whole plan with it; fo_plan_grow.c
    walks part of the tree again at run time, when an agent's discovery
    adds tests, so that they are planned by exactly the same code.

    The walk goes in preorder (a context, its own tests, then its child
    contexts, in file order) and carries down what a task below must know:
    the effective env/cwd/timeout (a frame), the split contexts that wrap
    every task (outermost first) and the chain of enclosing shared
    fixtures.
*/
#ifndef FO_PLAN_WALK_H
#define FO_PLAN_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_plan.h"

/* What the planner must know about a subtree before cutting it. */
typedef struct {
    size_t ntests;      /* tests in the subtree */
    size_t size;        /* contexts in the subtree, itself included */
    bool live;          /* it has tests, or an agent discovery may add some */
    bool serial;        /* a serial context with tests in the subtree */
} fo_walk_survey;

/* What a context hands down: its effective values. */
typedef struct {
    fo_env env;
    const char *cwd;
    uint32_t timeout_ms;
} fo_walk_frame;

/* A split context with fixtures wraps every task below it. */
typedef struct {
    const fo_context *ctx;
    bool has_setup, has_teardown;
    size_t begin;       /* where its scope begins in the task being built */
} fo_walk_wrap;

typedef struct {
    const fo_suite *suite;
    fo_plan *plan;

    fo_walk_survey *survey;
    size_t nsurvey, survey_cap;
    size_t cursor;      /* the walk's position in survey[] */

    fo_walk_wrap *wraps;
    size_t nwraps, wraps_cap;
    size_t *chain;      /* enclosing shared fixtures, outermost first */
    size_t nchain, chain_cap;

    /* The task being built. */
    fo_plan_ref *refs;
    size_t nsteps, steps_cap;
    size_t *tests;
    size_t ntests, tests_cap;
    size_t first_discovery;     /* discoveries met since the task began */

    /* Rebuilding a unit task at run time: task_end fills this task instead
       of appending one, no discovery is recorded again, and its tests keep
       the indices they had (reuse: its old tests, in walk order). */
    size_t into;                /* FO_NO_TASK when building new tasks */
    const size_t *reuse;
    size_t nreuse, reused;
} fo_walker;

/* A plan of fo_plan_build keeps the task's wire steps (fo_plan_steps),
   built again now (the task added or rebuilt); nothing in a lean plan. */
void fo_plan_keep_steps (fo_plan *plan, size_t task);

/* Writes the test's number in the plan into it (fo_test.number). */
void fo_plan_number_test (const fo_test *test, size_t index);

void *fo_walk_grow (void *items, size_t *cap, size_t need, size_t size);

/* A `discover_on: agent` context whose discovery has not ended. */
bool fo_walk_pending (const fo_context *ctx);

/* Surveys ctx's subtree into w->survey (preorder); returns ctx's entry. */
size_t fo_walk_survey_tree (fo_walker *w, const fo_context *ctx);

/* ctx's frame from its parent's (NULL: computed through every ancestor). */
void fo_walk_frame_enter (fo_walker *w, fo_walk_frame *frame, const fo_context *ctx,
                          const fo_walk_frame *parent);

/* A task: wrapping setups, then what is pushed, then wrapping teardowns.
   task_end returns the task's index. */
void fo_walk_task_begin (fo_walker *w);
size_t fo_walk_task_end (fo_walker *w, bool serial);
void fo_walk_push_test (fo_walker *w, const fo_test *test, const fo_walk_frame *frame);

/* A whole subtree into the task being built (an unmarked unit). */
void fo_walk_flatten (fo_walker *w, const fo_context *ctx, const fo_walk_frame *parent);

void fo_walk_wrap_push (fo_walker *w, const fo_context *ctx, const fo_walk_frame *frame);
void fo_walk_wrap_pop (fo_walker *w);
void fo_walk_chain_push (fo_walker *w, size_t shared);

/* Records ctx's agent discovery and appends the task that runs it. unit:
   FO_NO_TASK, or FO_WALK_THIS_UNIT for the unit task being built. */
#define FO_WALK_THIS_UNIT ((size_t) -2)
void fo_walk_discovery (fo_walker *w, const fo_context *ctx, const fo_walk_frame *frame,
                        size_t unit);

/* Frees the walker's scratch (wraps still pushed included). */
void fo_walk_free (fo_walker *w);

#endif
