/*  fo_execution — one lease running in one worker slot of an agent.

    Runs the lease's steps in order, one at a time, through a runner
    (fo_runner.h: a process per step by default, or a persistent worker),
    and reads each test step's results with its reader (today: the exit
    status). Nothing here assumes one process per step. Setup and
    teardown steps are scopes (fo_steps.h): when a setup fails, every step
    of its scope is skipped (its own teardown included), each test in it is
    reported as an error carrying the setup's output, and that teardown does
    not run (its setup never completed). A failing setup or teardown is also
    reported once as a fixture error (a result whose test id is ""). A
    discover step (alone in its lease) is answered with the names it printed
    (fo_discover_step.h).

    Consecutive one-path GLib test steps of one program run in one process
    (fo_glib_join.h), and so do consecutive one-test gtest steps of one
    program (fo_gtest_join.h, read by the gtest reader, whose result
    stream socket is polled with the step's output): one joined step, each
    test reported with its own step's index. When the process dies
    part-way, the running path has its verdict and the steps still without
    results are chosen again, joined again, in a new process (each run
    judges at least one, so at most as many runs as steps); steps that got
    their results are done and never chosen again. The slot's token, slow
    notices and sweeping are the first step's.

    Never blocks: the agent polls fo_execution_pollfds() with its socket and
    calls fo_execution_service() when something is ready or a deadline passed.

    Hostile steps (docs/timeouts-and-failures.md):
    - a step past its timeout_ms is killed by its runner (a process per
      step: its process group) and its tests are `timeout`; the next step
      runs;
    - with a sweeper (fo_execution_set_scope) every step's processes carry
      the token "<scope>/<step index>"; what a test step left behind is
      swept when it ends, what setups started (servers the tests use) when
      the whole lease ends;
    - lease.slow_ms: fo_slow_fn is called when a step has run that long, and
      at every multiple;
    - lease.task_timeout_ms: past it the running step is killed (its tests
      are `timeout`), the tests not started are not_run, and the teardowns
      of completed setups still run;
    - cancel: the running step is killed, tests not finished are not_run,
      and teardowns of completed setups still run;
    - abort: as cancel, but a running teardown is killed too and no other
      teardown runs;
    - a step that cannot start for lack of resources (no descriptors,
      processes, memory) waits for them (fo_execution_set_capacity); its
      tests are never errors for it.
*/
#ifndef FO_EXECUTION_H
#define FO_EXECUTION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "fo_proto.h"
#include "fo_reader.h"
#include "fo_runner.h"

/* The most fds fo_execution_pollfds returns. */
#define FO_EXECUTION_MAX_FDS (FO_RUNNER_MAX_FDS + FO_READ_MAX_FDS)

typedef struct fo_execution fo_execution;

/* Called once per test (and per fixture error) as soon as it is known. */
typedef void (fo_result_fn) (void *arg, const fo_result *result);

/* Called with the answer of a discover step (a lease of that one step),
   with the arg of fo_execution_new. */
typedef void (fo_discovered_fn) (void *arg, const fo_discovered *discovered);

/* Called when a step runs long (see lease.slow_ms), with the same arg. */
typedef void (fo_slow_fn) (void *arg, const fo_slow *slow);

/* Takes ownership of lease's contents (the caller's struct is zeroed). */
fo_execution *fo_execution_new (fo_lease *lease, uint32_t worker, const char *host,
                                fo_result_fn *on_result, void *arg);

/* Where the answers of discover steps go; without it they are dropped. */
void fo_execution_on_discovered (fo_execution *self, fo_discovered_fn *fn);

/* Optional, before the first service: marks every process of this lease
   with FANOUT_STEP_TOKEN "<token>/<step index>" and sweeps what steps leave
   behind with `sweeper` (which must outlive the execution). */
struct fo_sweeper;
void fo_execution_set_scope (fo_execution *self, struct fo_sweeper *sweeper, const char *token);
/* Optional: slow-step notices (lease.slow_ms), called with the on_result arg. */
void fo_execution_on_slow (fo_execution *self, fo_slow_fn *on_slow);

/* Optional, before the first service: the runner that runs the steps (the
   agent's runner of this worker slot; it must outlive the execution, and
   it is idle again when the execution is destroyed). Without it, each
   step runs in a new process (fo_runner_process). */
void fo_execution_set_runner (fo_execution *self, fo_runner *runner);

/* Optional, before the first service: the agent's capacity (which must
   outlive the execution). A step that cannot start for lack of resources
   then waits and is tried again, until the capacity gives up
   (fo_capacity.h). Without it, such a step gives up at once. Either way
   its tests are never blamed: they end not_run, "the agent could not
   start it: ...", and the rest of the lease is cancelled with that
   reason. */
struct fo_capacity;
void fo_execution_set_capacity (fo_execution *self, struct fo_capacity *capacity);

/* Process steps are spawned on spawner's threads (fo_spawner.h), so that
   the caller's loop does not wait for each child to exec. A spawn that
   fails there ends the step as one that could not start (the same
   outcome, words and resource handling as without a spawner). NULL:
   spawned in the caller's thread. The spawner outlives the execution. */
struct fo_spawner;
void fo_execution_set_spawner (fo_execution *self, struct fo_spawner *spawner);

/* Optional, before the first service: process steps are spawned on this
   lane of a lanes spawner (fo_proc_start_lane), whose thread waits for
   each step's exit and starts a lease chained after it right then
   (fo_execution_chain). The spawner outlives the execution. */
void fo_execution_set_lane (fo_execution *self, struct fo_spawner *lanes, unsigned lane);

/* Chaining (fo_runner_chain): while the last steps of a lease run in a
   persistent worker, the first steps of the lease the slot takes next
   can be handed to it already, so that the worker goes from one lease to
   the next without waiting for the agent.
   fo_execution_sent_to_end: is every step of this lease left with the
   runner (the running one, and those sent ahead with it), nothing
   stopping it? Then the next lease may be chained.
   fo_execution_chain: before the first service of the slot's next lease,
   with the slot's runner set (fo_execution_set_runner): hands its first
   steps to the runner. 0 when the runner took them: this execution must
   be the slot's next, serviced after the running one ended; its task
   clock starts at its first service. -1: nothing changed. */
bool fo_execution_sent_to_end (const fo_execution *self);
/* Could a lease with these steps be chained (fo_execution_chain), as
   far as its first step says? Asked before an execution is made for it:
   a gtest or GLib step (joined with the next ones when it starts) or a
   discover step never is. */
bool fo_execution_chainable (const fo_lease *lease);
/* Is this execution chained (fo_execution_chain) with all its steps,
   i.e. one step, not a Python worker's? Then another lease may be
   chained after it. */
bool fo_execution_chained_whole (const fo_execution *self);
/* Takes a lease chained on a lane back from its runner, when nothing of
   it has begun (fo_runner_withdraw): 0, and it is as if never chained
   (fo_execution_take_lease may follow); -1 otherwise. */
int fo_execution_unchain_back (fo_execution *self);
/* Before its first service: gives its lease back to *out (the execution
   then holds none; destroy it). */
void fo_execution_take_lease (fo_execution *self, fo_lease *out);
int fo_execution_chain (fo_execution *self);

/* The fds of the running step (fo_runner_pollfds); returns how many. */
int fo_execution_pollfds (const fo_execution *self, int fds[FO_EXECUTION_MAX_FDS]);
uint64_t fo_execution_deadline_ms (const fo_execution *self);

/* Advances as far as possible without blocking. True once every step is
   done (or skipped) and every result has been emitted. */
bool fo_execution_service (fo_execution *self);

/* Stops the task: kills the running step (fo_runner_kill); the remaining tests are
   reported as not_run with the reason; teardowns of completed setups still
   run. Keep servicing until finished. */
void fo_execution_cancel (fo_execution *self, const char *reason);

/* A cancel that runs no teardowns: the running step is killed whatever
   its kind, nothing more starts, the remaining tests are reported as
   not_run with the reason (a killed teardown is not reported as failed).
   For when the run is cut short (a second interrupt): everything of it is
   being killed anyway. Keep servicing until finished. */
void fo_execution_abort (fo_execution *self, const char *reason);

/* Optional: aborts (with reason) as soon as *flag is non-zero, checked
   whenever the execution is serviced and right before any step starts, so
   that a flag set before the run's processes are killed (fo_cli) stops a
   teardown from starting after the kill of the step before it. flag must
   outlive the execution. */
void fo_execution_watch_abort (fo_execution *self, volatile sig_atomic_t *flag,
                               const char *reason);

uint64_t fo_execution_lease (const fo_execution *self);
uint32_t fo_execution_worker (const fo_execution *self);
/* For the done message: the first failing exit status, or the signal. */
void fo_execution_status (const fo_execution *self, int32_t *exit_status, int32_t *signal);

void fo_execution_destroy (fo_execution **self_p);

#endif
