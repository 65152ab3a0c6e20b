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

    Chaining (fo_runner_chain). With the step on a lane of a lanes
    spawner (fo_runner_step.lanes: a thread per slot), the next lease's
    first step can be chained while the last step of a lease runs: its
    proc is queued on the same lane (fo_proc_start_lane), so the lane's
    thread spawns it as soon as the running child exits, without waiting
    for the loop to read the end, report it and start the next lease.
    That lease's first start then takes the proc begun. A lease that
    ends without starting it (cancelled while chained) stops it: never
    started if the last child still ran, else killed; its tests are
    reported as the cancel says, not from that run.
*/
#ifndef FO_RUNNER_PROCESS_H
#define FO_RUNNER_PROCESS_H

#include "fo_runner.h"

/* The most leases chained after the running step. */
#define FO_RUNNER_PROCESS_CHAIN_MAX 4u

fo_runner *fo_runner_process_new (void);

/* How many times runner (a process runner; else 0) has built a child's
   environment: once, and again whenever a step's overrides or the
   process environment differ from the last step's. */
unsigned fo_runner_process_env_builds (const fo_runner *runner);

/* Stops a chained step (see above) that will not be started: for a
   runner that wraps this one and starts another kind of step. */
void fo_runner_process_disarm (fo_runner *runner);

/* How many chained steps runner (a process runner; else 0) started by
   taking their proc begun early (the tests'). */
unsigned fo_runner_process_chained (const fo_runner *runner);

#endif
