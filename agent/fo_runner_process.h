/*  fo_runner_process — the default runner: one new process per step.

    Each step is spawned by fo_proc in its own process group (on the
    step's spawner's threads when it names one: fo_proc_start_on), with
    the step's FANOUT_STEP_TOKEN, stdout and stderr on pipes (capped), a
    pidfd for its exit; its limit and fo_runner_kill signal the group
    (SIGTERM, SIGKILL after the grace). When the step's main process exits,
    the rest of its group is killed. The child's environment is built
    once and reused by the steps after while their overrides and the
    process environment stay the same (fo_proc_env.h). See fo_runner.h
    for the contract and fo_proc.h for the details.
*/
#ifndef FO_RUNNER_PROCESS_H
#define FO_RUNNER_PROCESS_H

#include "fo_runner.h"

fo_runner *fo_runner_process_new (void);

/* How many times runner (a process runner; else 0) has built a child's
   environment: once, and again whenever a step's overrides or the
   process environment differ from the last step's. */
unsigned fo_runner_process_env_builds (const fo_runner *runner);

#endif
