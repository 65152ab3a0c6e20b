/*  fo_plan_steps — private to the planner (fo_plan.c): builds the steps of
    a plan.

    A plan of 100,000 tests holds hundreds of thousands of steps, each owning
    its strings (a task travels to an agent on its own). The general
    containers of fo_util grow in chunks of 8; here every array is allocated
    at its exact size, which more than halves the planner's memory and time.
    The results are ordinary steps: fo_step_free frees them and fo_util's
    functions may still grow them.
*/
#ifndef FO_PLAN_STEPS_H
#define FO_PLAN_STEPS_H

#include "fo_proto.h"

/* Fills a zeroed step; copies everything. cwd NULL means "" (the agent's
   own cwd). The reader is the exit status; tests is left empty. */
void fo_plan_step_fill (fo_step *step, fo_step_kind kind, const char *name, const fo_strv *argv,
                        const char *cwd, const fo_env *env, uint32_t timeout_ms);

/* A test's step: its run argv, env = ctx_env with the test's own on top,
   cwd and timeout given (already resolved), tests = {test id}. */
void fo_plan_step_test (fo_step *step, const char *id, const fo_strv *argv, const char *cwd,
                        const fo_env *ctx_env, const fo_env *test_env, uint32_t timeout_ms);

/* Deep copy into a zeroed dst, exact sizes. */
void fo_plan_step_copy (fo_step *dst, const fo_step *src);

#endif
