/*  fo_event — what happens during a run, as the broker sees it: the one
    stream every reporter (fo_reporter.h) reads. The broker prints nothing
    and knows no output format; it emits these, in the order they happen.

    Every event carries the run's report as it is at that moment (read
    only); strings and records are borrowed for the call only: a reporter
    that keeps one copies it.

      RUN_STARTED       the plan: its tests (ids through the report) and tasks
      AGENT_JOINED      an agent (number, host, slots); numbers are reused
      AGENT_LOST        the same, and why
      TASK_LEASED       a lease: task, lease id, agent, host, attempt and the
                        tests it runs (for a lease after a loss or a retry:
                        only the tests without an outcome)
      LEASE_ENDED       a lease is over (task, lease id, agent, host): its
                        done came, its agent was lost, or the run was cut
                        short. What becomes of its task follows: TASK_QUEUED
                        or TASK_ENDED
      TASK_QUEUED       a task waits for a lease again, or for the first
                        time when it was made during the run: its lease was
                        lost, its failed tries are retried, a discovery
                        made it, or the discoveries it waited for ended
                        (task, the tests its next lease runs). The plan's
                        tasks wait from RUN_STARTED on without this event
      TASK_ENDED        a task has ended: every test of it has its outcome,
                        and it is never leased again
      TEST_STARTED      a test began to run (see below)
      TEST_FINISHED     a test has its final outcome (its record)
      TRY_HELD          a failed try is held for a retry (test, the try, the
                        tries it gets in all)
      SLOW              a step runs long (what, name, elapsed, timeout, host)
      FIXTURE_SET_UP    a shared fixture is up (context, phase "setup", host)
      FIXTURE_TORN_DOWN a shared fixture's teardown has ended (phase
                        "teardown"): it is no longer up. A teardown that
                        failed is a FIXTURE_FAILED first, then this
      FIXTURE_FAILED    a fixture failed, shared (run by the broker) or not
                        (on an agent), or a discovery failed (phase
                        "discover"): the fixture error's record
      TESTS_DISCOVERED  names an agent discovered became tests (context,
                        count, host, tests in the run now)
      RUN_STOPPING      the run stops early (why; on failures: --maxfail)
      RUN_ENDED         the report is final (finish time, interrupted):
                        emitted by whoever ends the run (fo_reporters_end),
                        after the broker has returned and its processes
                        are swept; complete is false when the run could not
                        be served at all (no summary then)

    A task waits (from RUN_STARTED or TASK_QUEUED) until it is leased
    (TASK_LEASED) or ends (TASK_ENDED); a leased one waits again
    (TASK_QUEUED) or ends after its LEASE_ENDED. So a reporter can count
    the tasks waiting and the leases each agent holds from the events
    alone (the metrics reporter does).

    Test started is the broker's inference: the agents send no message when
    a test starts. The first test step of a lease starts when the lease is
    handed out (it may wait in the agent's queue for a free slot), and the
    next one when the result of the step before it arrives. A lease's steps
    run one after the other, so this is exact for a running lease, and
    early by the queueing time for a prefetched one.
*/
#ifndef FO_EVENT_H
#define FO_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_report.h"

typedef enum {
    FO_EVENT_RUN_STARTED = 1,
    FO_EVENT_AGENT_JOINED,
    FO_EVENT_AGENT_LOST,
    FO_EVENT_TASK_LEASED,
    FO_EVENT_LEASE_ENDED,
    FO_EVENT_TASK_QUEUED,
    FO_EVENT_TASK_ENDED,
    FO_EVENT_TEST_STARTED,
    FO_EVENT_TEST_FINISHED,
    FO_EVENT_TRY_HELD,
    FO_EVENT_SLOW,
    FO_EVENT_FIXTURE_SET_UP,
    FO_EVENT_FIXTURE_TORN_DOWN,
    FO_EVENT_FIXTURE_FAILED,
    FO_EVENT_TESTS_DISCOVERED,
    FO_EVENT_RUN_STOPPING,
    FO_EVENT_RUN_ENDED,
} fo_event_type;

#define FO_EVENT_LAST FO_EVENT_RUN_ENDED

/* "run_started", "agent_joined", ...; "?" for an unknown type. */
const char *fo_event_type_name (fo_event_type type);

typedef struct {
    size_t ntests;          /* fo_report_test (report, 0 .. ntests - 1) */
    size_t ntasks;
} fo_event_run_started;

typedef struct {
    uint32_t agent;         /* the broker's agent number */
    const char *host;
    uint32_t slots;
    const char *why;        /* AGENT_LOST only; NULL otherwise */
} fo_event_agent;

typedef struct {
    size_t task;            /* the plan's task index */
    uint64_t lease;
    uint32_t agent;
    const char *host;       /* NULL when the agent did not say (unit tests) */
    uint32_t attempt;       /* from 1 */
    const size_t *tests;    /* report indexes of the tests it runs */
    size_t ntests;
    bool serial;            /* runs alone */
} fo_event_task_leased;

/* How a lease ended. */
typedef enum {
    FO_LEASE_DONE = 0,      /* its agent said done */
    FO_LEASE_LOST,          /* lost with its agent */
    FO_LEASE_ABORTED,       /* the run was cut short (a second interrupt) */
    FO_LEASE_RETURNED,      /* its agent gave it back unstarted (protocol 8) */
} fo_lease_end;

typedef struct {
    size_t task;
    uint64_t lease;
    uint32_t agent;
    const char *host;       /* NULL when the agent did not say */
    fo_lease_end how;
} fo_event_lease_ended;

typedef struct {
    size_t task;
    const size_t *tests;    /* report indexes of the tests its next lease runs */
    size_t ntests;
} fo_event_task_queued;

typedef struct {
    size_t task;
} fo_event_task_ended;

typedef struct {
    size_t test;            /* report index */
    const char *id;
    uint64_t lease;
    uint32_t agent;
    const char *host;
    uint32_t attempt;
} fo_event_test_started;

typedef struct {
    size_t test;
    const fo_test_record *record;   /* its final record */
} fo_event_test_finished;

typedef struct {
    size_t test;
    const fo_test_record *record;   /* not final: the try is its last attempt */
    const fo_attempt *attempt;      /* the failed try */
    uint32_t tries;                 /* tries it gets in all (retries + 1) */
} fo_event_try_held;

typedef struct {
    const char *what;       /* "setup of", "teardown of", or NULL for a test */
    const char *name;       /* the test id, or the context id ("<root>") */
    uint64_t elapsed_ms;
    uint32_t timeout_ms;    /* the step's limit; 0: none */
    const char *host;
    uint64_t lease;
    uint32_t agent;
} fo_event_slow;

typedef struct {
    const char *context;    /* context id ("" for the root) */
    const char *phase;      /* "setup", "teardown" or "discover" */
    const char *host;
    const char *message;    /* FIXTURE_FAILED: why; NULL otherwise */
    const fo_fixture_error *error;  /* FIXTURE_FAILED: the report's record */
    uint64_t duration_us;   /* FIXTURE_SET_UP: how long its setup ran (0: it
                               has no setup command); the history keeps it */
} fo_event_fixture;

typedef struct {
    const char *context;
    size_t count;           /* tests it added */
    const char *host;
    size_t total;           /* tests in the run now */
} fo_event_discovered;

typedef struct {
    const char *reason;
    bool on_failures;       /* --maxfail / -x */
} fo_event_run_stopping;

typedef struct {
    bool complete;          /* false: the run could not be served at all */
} fo_event_run_ended;

typedef struct {
    fo_event_type type;
    const fo_report *report;
    union {
        fo_event_run_started run_started;
        fo_event_agent agent;               /* AGENT_JOINED, AGENT_LOST */
        fo_event_task_leased task_leased;
        fo_event_lease_ended lease_ended;
        fo_event_task_queued task_queued;
        fo_event_task_ended task_ended;
        fo_event_test_started test_started;
        fo_event_test_finished test_finished;
        fo_event_try_held try_held;
        fo_event_slow slow;
        fo_event_fixture fixture;           /* FIXTURE_* */
        fo_event_discovered discovered;
        fo_event_run_stopping run_stopping;
        fo_event_run_ended run_ended;
    } u;
} fo_event;

#endif
