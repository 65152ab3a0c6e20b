/*  fo_runner_process — the default runner: one new process per step.

    Each step is spawned by fo_proc in its own process group (on the
    step's spawner's threads when it names one: fo_proc_start_on), with
    the step's FANOUT_STEP_TOKEN, stdout and stderr on pipes (capped), a
    pidfd for its exit; its limit and fo_runner_kill signal the group
    (SIGTERM, SIGKILL after the grace). When the step's main process exits,
    the rest of its group is killed. See fo_runner.h for the contract and
    fo_proc.h for the details.
*/
#ifndef FO_RUNNER_PROCESS_H
#define FO_RUNNER_PROCESS_H

#include "fo_runner.h"

fo_runner *fo_runner_process_new (void);

#endif
