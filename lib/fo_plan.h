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
    teardown step and vice versa. Scope rule for the agent: a teardown closes
    the innermost open setup of the same name (context id). When a setup
    fails, every following step is skipped up to the teardown with the same
    name, or - when the context has no teardown - up to the first step whose
    name is neither the context id nor below it ("id/..."; the root's id ""
    covers everything), or the end of the task. Ids make this exact: every
    step inside a context's scope is named by an id under the context's id.
    Contexts whose subtree holds no test give no steps, no task and no
    shared fixture. Tests are borrowed from the suite; each test's run argv
    must be non-empty (the loader checks it).
*/
#ifndef FO_PLAN_H
#define FO_PLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fo_proto.h"
#include "fo_suite.h"

#define FO_NO_SHARED ((size_t) -1)

typedef struct {
    fo_step *steps;
    size_t nsteps;
    size_t *tests;      /* indices into plan->tests, in step order */
    size_t ntests;
    size_t *shared;     /* indices into plan->shared the task depends on,
                           outermost first: all must be set up before lease */
    size_t nshared;
    bool serial;
} fo_task;

typedef struct {
    const fo_context *ctx;
    fo_step setup;      /* kind FO_STEP_SETUP; argv empty when none */
    fo_step teardown;   /* kind FO_STEP_TEARDOWN; argv empty when none */
    size_t parent;      /* enclosing shared fixture, or FO_NO_SHARED */
    size_t ntasks;      /* tasks that depend on it (directly or nested) */
} fo_shared_fixture;

typedef struct {
    const fo_test **tests;  /* every test, in file order; index = test number */
    size_t ntests;
    fo_task *tasks;
    size_t ntasks;
    fo_shared_fixture *shared;
    size_t nshared;
} fo_plan;

/* Builds the plan. The suite must outlive the plan (tests are borrowed). */
fo_plan *fo_plan_build (const fo_suite *suite);
void fo_plan_destroy (fo_plan **self_p);

#endif
