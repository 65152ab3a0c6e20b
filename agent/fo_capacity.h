/*  fo_capacity — how many steps an agent can run at once, when the host
    runs short of what spawning needs (descriptors, processes, memory).

    A step that cannot start because the host lacks resources (EMFILE,
    ENFILE, EAGAIN, ENOMEM: fo_proc_resource_error) is the agent's problem,
    not the test's: it is not reported. Instead (docs/timeouts-and-failures.md,
    "Resource limits"):
    - at start, the agent raises its soft descriptor limit (RLIMIT_NOFILE)
      to the hard one, and warns when its slots need more descriptors than
      that (fo_capacity_check_descriptors: about FO_CAPACITY_FDS_PER_STEP
      per running step, on top of what is open already);
    - the step waits and is tried again (fo_capacity_retry_ms: after
      FO_CAPACITY_RETRY_MIN_MS, doubling to FO_CAPACITY_RETRY_MAX_MS), while
      the steps that run go on;
    - the agent runs fewer leases at once (fo_capacity_limit: as many as
      were running when a start failed; one more each
      FO_CAPACITY_RECOVER_MS that passes without a failure);
    - only when no step could start for FO_CAPACITY_GIVE_UP_MS while none
      was running (nothing will free what is missing) does it give up:
      fo_capacity_starved says so, and the execution ends the tests it
      cannot start as not_run, "the agent could not start it: Too many
      open files (EMFILE); ...". not_run by the agent makes the run's exit
      status 3 (infrastructure).

    One per agent, shared by its slots' executions; one thread.
*/
#ifndef FO_CAPACITY_H
#define FO_CAPACITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FO_CAPACITY_GIVE_UP_MS 30000u
#define FO_CAPACITY_RETRY_MIN_MS 20u
#define FO_CAPACITY_RETRY_MAX_MS 1000u
#define FO_CAPACITY_RECOVER_MS 1000u
/* A running step (fo_runner_process) holds 5 descriptors: both ends of
   its stdout and stderr pipes (a slot's lane holds the write ends until
   the exit, fo_proc_start_lane) and a pidfd (none for a lane's child in
   fanout itself, fo_reaper_own_children: 5 stays the bound). A lease chained on the lane
   holds 4 more until it starts; chaining is given up, not the step,
   when descriptors run short. */
#define FO_CAPACITY_FDS_PER_STEP 5u
/* Beyond what is open at start and the steps: a spawn's moment, /proc
   reads of the sweeper, a report file. */
#define FO_CAPACITY_FDS_SPARE 8u

typedef struct fo_capacity fo_capacity;

fo_capacity *fo_capacity_new (uint32_t slots);
void fo_capacity_destroy (fo_capacity **self_p);

/* Raises this process's soft RLIMIT_NOFILE to its hard limit and warns
   (fo_log) when `slots` running steps would need more descriptors than
   that. Returns the limit now in force. */
uint64_t fo_capacity_check_descriptors (uint32_t slots);

/* A step's processes started / its step ended (its descriptors are free). */
void fo_capacity_started (fo_capacity *self);
void fo_capacity_ended (fo_capacity *self);

/* A start failed for lack of resources (errnum). True: the step waits and
   is tried again from fo_capacity_retry_ms on. False: the agent gives up
   on it; why says so ("the agent could not start it: Too many open files
   (EMFILE); no step could start for 30 s"). */
bool fo_capacity_starved (fo_capacity *self, int errnum, char *why, size_t whylen);

/* When a waiting step may try again (fo_now_ms). */
uint64_t fo_capacity_retry_ms (const fo_capacity *self);

/* How many leases the agent should run at once now (1..slots). */
uint32_t fo_capacity_limit (const fo_capacity *self);

#endif
