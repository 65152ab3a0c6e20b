/*  fo_run — the broker's bookkeeping for one run, without any socket.

    Holds every task's state and the lease table. The broker's loop
    feeds it what agents say (results, done, lost) and asks it for leases
    when an agent has credit. Everything a test ends with goes into the
    report through here, exactly once: a second result for a test (a late
    agent, a retried task) is dropped, never counted twice.

    The run prints nothing and knows no output format: it emits events
    (fo_event.h: run started, agents, leases and how they end, tasks queued
    and ended, tests started and finished, tries held, slow steps,
    fixtures, discoveries, stopping) to the reporters it is given, in the
    order things happen. Run ended is not
    the run's: the report is final only once the broker has returned (see
    fo_reporters_end).

    The run is the glue between the parts of the broker, each a module
    with its own state, and the dependencies go one way (the run calls
    them; they never call into the run, except through the callbacks it
    gives them):

      fo_sched      which task is leased next, to which agent (every queue
                    and every ordering or placement rule)
      fo_tasks      each task's state and what its next lease runs; the
                    test id index
      fo_leases     the lease table, and the lease message (encoded before
                    a lease is handed out)
      fo_retry      failed tries held for a retry: policy and bookkeeping
      fo_verdicts   the way out: outcomes into the report, events to the
                    reporters, failures counted for fail fast
      fo_discovery  tests generated during the run: the suite's side
      fo_joined     joined tests: tests a running program names (TAP
                    points), each added with its one result
      fo_fixtures   shared fixtures run by the broker itself

    Its own code is two files: fo_run.c (life cycle, leasing, leases that
    end, lost agents, generated tests, stops) and fo_run_results.c (the
    results and slow notices agents send), which uses fo_run.c's helpers
    through broker/internal/fo_run_internal.h, one way.

    Rules kept here:
      - a lease lost with its agent goes back to the front of its queue with
        the attempt number raised, up to max_attempts; then its remaining
        tests are errors naming the host and the test that was running;
      - when a task ends, tests it did not report are errors (the agent said
        done without them) and its shared fixtures may be torn down;
      - the names a discovery sends back become tests (checked by
        fo_discovery: unique ids), planned and queued at once, and counted in
        the report; a discovery that fails is a fixture error of phase
        "discover";
      - retries (options.retries): a failed try is held (fo_retry); when its
        lease is done the task is queued again with only the steps those
        tests need (their setups and teardowns around them, fo_steps). The
        task is not ended in between, so its shared fixtures stay up;
      - fail fast (options.maxfail): when that many tests have failed (final
        outcomes only), the run stops as with fo_run_stop and the reason
        "stopped after N failures"; fo_run_stopping() tells the broker to
        cancel what is in flight.
*/
#ifndef FO_RUN_H
#define FO_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_plan.h"
#include "fo_proto.h"
#include "fo_report.h"
#include "fo_reporter.h"
#include "fo_sched.h"
#include "fo_select.h"

typedef struct {
    fo_plan *plan;              /* grows when an agent's discovery adds tests
                                   (which join the suite the plan was built
                                   from: the run must own both) */
    fo_report *report;          /* initialised with the plan's tests */
    fo_reporters *reporters;    /* where the run's events go (fo_event.h);
                                   NULL: nowhere. The run prints nothing. */
    uint32_t max_attempts;      /* >= 1 */
    uint32_t output_cap;        /* bytes per stream per step */
    int32_t skip_code;
    const char *broker_host;    /* shown as the host of shared fixtures */
    uint32_t retries;           /* re-runs of a failed test; 0 = none */
    uint32_t maxfail;           /* stop after this many failed tests; 0 = never */
    uint32_t slow_ms;           /* lease.slow_ms: slow-step notices */
    uint32_t task_timeout_ms;   /* lease.task_timeout_ms; 0 = none */
    const fo_history *history;  /* past durations: longest first (fo_sched);
                                   NULL: plan order. Borrowed. */
    bool failed_first;          /* --last-failed: last time's failures first */
    const fo_select *select;    /* which tests an agent's discovery keeps
                                   (-k, -L, ...); NULL: all. Borrowed. */
    bool quarantine_hosts;      /* --quarantine-hosts: no more leases to a
                                   host judged bad (fo_report_hosts.h) */
    /* Artifacts (docs/artifacts.md): the manifest id a task's lease names
       (a blob id; NULL or "" for none), asked once per lease, and the
       broker's suite directory that leases carry as root. NULL: none. */
    const char *(*manifest_of) (void *arg, const fo_plan *plan, size_t task);
    void *manifest_arg;
    const char *artifact_root;
    uint32_t outputs;           /* lease.outputs: bytes a test may send back */
    uint32_t max_joined;        /* joined tests (fo_joined.h) a run may add;
                                   0: FO_JOINED_MAX_RUN (tests set fewer) */
} fo_run_options;

typedef struct fo_run fo_run;

fo_run *fo_run_new (const fo_run_options *options);
void fo_run_destroy (fo_run **self_p);

/* The next task that may be leased now, as a lease for `agent`. The steps
   are borrowed from the plan (do not free them). False when none now.
   Every lease is encoded before it is handed out: a task whose lease
   would be over the protocol's limits (FO_PROTO_MAX_MESSAGE, a string
   over FO_PROTO_MAX_STRING) is never leased; its tests end as errors
   naming the task and the limit, and the next task is tried. */
bool fo_run_next_lease (fo_run *self, uint32_t agent, fo_lease *lease);

/* False when fo_run_next_lease would give no agent a lease now (stopping,
   or the scheduler has nothing any agent may take): a cheap check, so the
   broker need not ask every agent in turn. */
bool fo_run_may_lease (const fo_run *self);
/* Tasks waiting for a lease (fo_sched_queued). */
size_t fo_run_queued (const fo_run *self);

/* The lease fo_run_next_lease last handed out, encoded as one message
   (fo_msg_encode): what the broker sends. Valid until the next call. */
const fo_buf *fo_run_lease_frame (const fo_run *self);

/* What an agent said. `host` is the name the agent gave in its hello.
   Return false when the message was dropped (stale or invalid lease). */
bool fo_run_result (fo_run *self, uint32_t agent, const char *host, const fo_result *result);
bool fo_run_done (fo_run *self, uint32_t agent, const char *host, const fo_done *done);
/* A queued lease the agent gives back, never started (protocol 8): its
   task waits again, for another host while one is alive (as a retry),
   as if never leased (the lease is no attempt); once the run stops, its
   tests end not run. False (logged) for a lease that is not a current
   one of that agent. */
bool fo_run_return (fo_run *self, uint32_t agent, const char *host, const fo_return *ret);
bool fo_run_discovered (fo_run *self, uint32_t agent, const char *host, const fo_discovered *d);

/* The test of step `step` of `agent`'s current lease `lease` whose files
   an `output` carries, and its number in the report (*index); NULL when
   the lease is not that agent's current one or the step is no test step
   (logged, rate-limited, like a stale result). */
const char *fo_run_output_test (fo_run *self, uint32_t agent, const char *host, uint64_t lease,
                                uint32_t step, size_t *index);

/* The agent is gone (bye, silence, error): its leases are retried or fail. */
void fo_run_agent_lost (fo_run *self, uint32_t agent, const char *host, const char *why);

/* The agent joined (its number, host and slots; the number of a lost agent
   may be reused): the scheduler may place tasks on it, and a retry may
   prefer it to the agents a test failed on. */
void fo_run_agent_joined (fo_run *self, const fo_sched_agent *agent);
/* Ends not run, with the reason, every queued task that no agent alive
   now could ever take (docs/resources.md): the broker calls it once its
   wait for agents has passed, and again as agents come and go. */
void fo_run_end_impossible (fo_run *self);

/* An agent says a step runs long: a SLOW event. False when dropped
   (stale lease, bad step). */
bool fo_run_slow (fo_run *self, uint32_t agent, const char *host, const fo_slow *slow);

/* Stops leasing: every test not yet leased ends not_run with the reason
   (a test held for a retry ends with its failed try). Leases in flight go
   on until their done (cancel them: fo_run_foreach_lease). The reason goes
   into the report (fo_report_set_stop). */
void fo_run_stop (fo_run *self, const char *reason);
bool fo_run_stopping (const fo_run *self);

/* Cuts the run short (a second interrupt: every process of the run was
   killed already): stops as fo_run_stop (the reason, when not stopping
   yet), then ends every task now - its tests without an outcome, leased
   or not, are not_run with the stop reason, their leases are forgotten
   (an agent's late answers are dropped) - and kills the shared fixtures'
   processes without running a teardown. The report is complete and
   fo_run_finished is true afterwards. */
void fo_run_abort (fo_run *self, const char *reason);
const char *fo_run_stop_reason (const fo_run *self);    /* "" until stopped */

typedef void (fo_lease_fn) (void *arg, uint64_t lease, uint32_t agent);
void fo_run_foreach_lease (fo_run *self, fo_lease_fn *fn, void *arg);
size_t fo_run_in_flight (const fo_run *self);

/* Every task has ended and no fixture process runs. */
bool fo_run_finished (const fo_run *self);

/* Shared fixture processes, polled by the broker's loop. */
int fo_run_pollfds (const fo_run *self, int *fds, int max);
uint64_t fo_run_deadline_ms (const fo_run *self);
void fo_run_service (fo_run *self);

#endif
