/*  fo_plan — turns a suite tree into tasks, by nose's multiprocess rules
    (docs/fixtures.md, the brief's table):

      no fixtures          each test is its own task
      fixtures, unmarked   the whole context (with its subtree) is ONE task
      split                one task per test, the context's fixtures around it
                           (nested split contexts: outermost setup first)
      shared               fixtures run once by the broker; one task per test
      serial               its tasks never run beside another task

    A task is a list of steps (fo_step, the wire form) with setups and
    teardowns nested properly. Deterministic: the same suite gives the same
    plan, in file order. Serial tasks come after all parallel ones.

    Steps of a task:
      test      name = test id, argv = its run command, the test's effective
                cwd (absolute) / env / timeout, tests = {test id}
      setup,    name = context id, the context's command and its effective
      teardown  cwd / env / timeout, tests empty
    An unmarked context with fixtures gives [setup] own tests, each child
    context flattened the same way (whatever the child's mode), [teardown].
    Split contexts wrap each task below them: their setups outermost first,
    their teardowns innermost first. Shared contexts give no steps: their
    fixtures are in plan->shared, run by the broker.
    argv is never empty on the wire, so a context with only a setup gets no
    teardown step and vice versa. Every fixture step carries its context's
    scope as a span of steps (fo_steps.h), computed here from the tree:
    what a failed setup skips, which teardown closes which setup and which
    steps a retry needs follow from the spans, never from the names.
    Contexts whose subtree holds no test give no steps, no task and no
    shared fixture. Tests are borrowed from the suite; each test's run argv
    must be non-empty (the loader checks it).

    Generated tests (`discover_on: agent`): such a context may gain tests
    during the run, so until its discovery has ended it counts as holding
    tests. Its discover command becomes a task of its own (one step of kind
    discover, plan->discoveries), planned before every other task. It needs
    no shared setup but holds the shared fixtures around its context open
    until it has ended, so that they are not torn down before the tests it
    finds have run. When the names come back, fo_plan_add_discovered plans
    them by the rules above: one task each (wrapped by the split contexts
    around, depending on the shared ones) - or, inside an unmarked unit, the
    unit's one task is rebuilt with them; a unit task is not leased while
    a discovery inside it has not ended (waits).
*/
#ifndef FO_PLAN_H
#define FO_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_arena.h"
#include "fo_proto.h"
#include "fo_suite.h"

#define FO_NO_SHARED ((size_t) -1)
#define FO_NO_TASK ((size_t) -1)
/* fo_task.discovery is 32 bits: compared with it or with a size_t it
   holds, (uint32_t) -1 is the same either way. */
#define FO_NO_DISCOVERY ((uint32_t) -1)
#define FO_NO_TEST_NUMBER ((size_t) -1)

/* One step of a task as the plan keeps it: what it runs, not its wire
   form. A million tests of one step each held some 350 bytes each as
   fo_steps (the struct, its copies of the id, argv, cwd and env); a
   reference is 16, and none at all for a task that runs one test alone.
   fo_plan_task_steps builds the wire steps when a lease needs them. */
typedef struct {
    const void *what;   /* the fo_test (test steps) or fo_context (the rest) */
    uint32_t span;      /* the fixture's scope (fo_step.span) */
    uint8_t kind;       /* fo_step_kind */
} fo_plan_ref;

typedef struct {
    /* What the steps run; NULL when the task is one test step alone (the
       test fo_task_tests (task)[0], span 0): most tasks. */
    fo_plan_ref *refs;
    /* The task's tests, indices into plan->tests in step order: read them
       with fo_task_tests. A task of one test (most of them) holds its
       index here itself: no list of its own (8 bytes a test and an
       allocation fewer at a million). */
    union {
        size_t *list;   /* ntests > 1 */
        size_t one;     /* ntests == 1 (unused when 0) */
    } tests_in;
    size_t *shared;     /* indices into plan->shared the task depends on,
                           outermost first: all must be set up before lease
                           (a discovery task only holds them open) */
    const fo_context *unit;     /* the unmarked context it runs whole, or NULL */
    /* Counts and the discovery in 32 bits (a task has at most a suite's
       tests: 2,000,000 from a file; a suite has fewer contexts than
       nodes): 56 bytes a task, not 72. The wire steps a plan built by
       fo_plan_build keeps are in a table of the plan's own
       (fo_plan_steps), not here: the broker's lean plan has none. */
    uint32_t discovery; /* FO_NO_DISCOVERY, or the discovery this task runs */
    uint32_t nsteps;
    uint32_t ntests;
    uint32_t nshared;
    uint32_t waits : 31;        /* discoveries inside this unit that have not ended */
    uint32_t serial : 1;
} fo_task;

_Static_assert (sizeof (void *) != 8 || sizeof (fo_task) == 56,
                "a task of the plan is 56 bytes on 64 bits: four pointers, the "
                "discovery, four counts and the serial bit; no wire steps");

/* The task's tests (ntests of them, indices into plan->tests). The
   pointer is into the task itself for a task of one test: valid until the
   plan's tasks move (a task added: fo_plan_add_discovered and the like). */
static inline const size_t *
fo_task_tests (const fo_task *task)
{
    return task->ntests <= 1 ? &task->tests_in.one : task->tests_in.list;
}

/* A context whose discover command runs on an agent during the run. */
typedef struct {
    const fo_context *ctx;
    size_t task;        /* the task running the command */
    size_t unit;        /* the unit task holding ctx, or FO_NO_TASK when its
                           tests get tasks of their own */
} fo_discovery;

typedef struct {
    const fo_context *ctx;
    fo_step setup;      /* kind FO_STEP_SETUP; argv empty when none */
    fo_step teardown;   /* kind FO_STEP_TEARDOWN; argv empty when none */
    size_t parent;      /* enclosing shared fixture, or FO_NO_SHARED */
    size_t ntasks;      /* tasks that depend on it (directly or nested) */
} fo_shared_fixture;

typedef struct {
    const fo_test **tests;  /* every test, in file order (generated ones
                               appended as they come); index = test number */
    size_t ntests, tests_cap;
    fo_task *tasks;         /* discovery tasks first, serial tasks last */
    size_t ntasks, tasks_cap;
    fo_shared_fixture *shared;
    size_t nshared;
    fo_discovery *discoveries;
    size_t ndiscoveries;
    const fo_suite *suite;  /* the suite it was built from (borrowed) */
    bool lean;              /* tasks keep no wire steps (fo_plan_build_lean) */
    /* A plan of fo_plan_build: each task's wire steps (fo_plan_steps),
       kept for its whole life; NULL in a lean plan. */
    struct fo_plan_kept *kept;
    size_t kept_cap;
    /* The tasks' refs, tests and shared lists: a million tasks of one
       test are not two million mallocs to make and free. A unit rebuilt
       leaves its old lists here until the plan goes. */
    fo_arena *arena;
} fo_plan;

/* Builds the plan. The suite must outlive the plan (tests are borrowed).
   Every task's wire steps are built too (fo_plan_steps). */
fo_plan *fo_plan_build (const fo_suite *suite);
/* The same plan without the wire steps (fo_plan_steps NULL, also for
   tasks added later): what a run of a million tests can afford. Each lease
   builds its task's steps (fo_plan_task_steps). */
fo_plan *fo_plan_build_lean (const fo_suite *suite);
void fo_plan_destroy (fo_plan **self_p);

/* The number of the test with this id in plan->tests (the suite's index
   and fo_test.number: no index of the plan's own), or FO_NO_TEST_NUMBER.
   O(1). Of two plans built from one suite, the later one's numbers are
   in the tests: ask the later. */
size_t fo_plan_test_number (const fo_plan *plan, const char *id);

/* The wire steps the plan keeps for the task (task->nsteps of them), or
   NULL in a lean plan. Valid until the task is rebuilt (a unit whose
   discovery ended) or the plan goes. */
const fo_step *fo_plan_steps (const fo_plan *plan, size_t task);

/* The task's wire steps, built now from the suite (the same steps
   fo_plan_build keeps): a new array the caller frees with
   fo_plan_steps_free. O(steps x depth of the tree). */
fo_step *fo_plan_task_steps (const fo_plan *plan, size_t task, size_t *nsteps);
void fo_plan_steps_free (fo_step *steps, size_t nsteps);

/* The same steps, but borrowing the suite's strings and lists (name,
   argv, cwd, a CTest verdict's lists): only each step's env and list of
   tests are its own. Valid while the suite is; never change them in
   place (fo_step_copy makes a step of one's own). Free with
   fo_plan_steps_release, never fo_step_free. What a lease needs, built
   cheaply (the broker's fo_tasks). */
fo_step *fo_plan_task_steps_borrowed (const fo_plan *plan, size_t task, size_t *nsteps);
void fo_plan_steps_release (fo_step *steps, size_t nsteps);

/* ---- generated tests (fo_plan_grow.c) ----------------------------------
   The caller (the broker's run) owns the suite and adds the discovered
   tests to the context itself (fo_context_add_discovered) before asking
   the plan to take them. */

/* The tests ctx->tests[first..] that discovery d found join the plan:
   appended to plan->tests; outside a unit, one new task each, appended to
   plan->tasks (their shared fixtures' ntasks count them). Inside a unit,
   the unit's task is rebuilt. Returns the number of new tasks. */
size_t fo_plan_add_discovered (fo_plan *plan, size_t d, size_t first);

/* The contexts ctx->contexts[first..] that discovery d's importer added
   under its context (a CTest tree's fixture groups) join the plan as the
   full walk plans them: a unit one new task holding its whole subtree;
   any other (a group in CTest's shared or split mode, holding no
   contexts) one new task per test, inside its split wrapping; inside a
   unit, the unit's task is rebuilt. Call it after fo_plan_add_discovered for the same
   discovery. Returns the number of new tasks. */
size_t fo_plan_add_discovered_units (fo_plan *plan, size_t d, size_t first);

/* Discovery d has ended (its context's discover_answered is set). Returns
   the unit task that waited for it when it no longer waits for any (its
   steps rebuilt from what its subtree now holds), else FO_NO_TASK. */
size_t fo_plan_discovery_done (fo_plan *plan, size_t d);

/* A joined test (fo_test.joined: a test a running program named) joins
   plan->tests, in no task: it has its result already. Returns its index. */
size_t fo_plan_add_joined (fo_plan *plan, const fo_test *test);

#endif
