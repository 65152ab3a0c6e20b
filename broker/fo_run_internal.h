/*  fo_run_internal — what the files of fo_run share (not for other code):
    the run's state and the helpers one part calls in another.

      fo_run.c            queues, leasing, results, done, lost agents, stop
      fo_run_retry.c      retries of failed tests: which steps, which agent
      fo_run_discovery.c  tests generated during the run (discover_on: agent)
*/
#ifndef FO_RUN_INTERNAL_H
#define FO_RUN_INTERNAL_H

#include <czmq.h>

#include "fo_fixtures.h"
#include "fo_run.h"

#define ROLE "broker"

typedef enum {
    TASK_PENDING = 0,
    TASK_LEASED,
    TASK_ENDED,
    TASK_BLOCKED,       /* a unit waiting for the discoveries inside it */
} task_state;

typedef struct {
    task_state state;
    uint32_t attempts;      /* leases handed out so far */
    uint64_t lease;         /* current lease while LEASED */
    uint32_t lost;          /* leases lost with their agent */
    /* A retry runs a subset of the plan's steps: shallow copies (the plan
       owns their contents); NULL: all of the plan's. */
    fo_step *steps;
    size_t nsteps;
    uint32_t *failed_on;    /* agents on which a try of it failed */
    size_t nfailed_on;
} task_rec;

typedef struct {
    size_t task;
    uint32_t agent;
    uint32_t attempt;
    uint32_t fixture_from;  /* fixture errors are accepted from this step on */
    bool active;
    bool timed_out;     /* a result of it was a timeout: later not_run ones
                           are its consequence (a task timeout) */
    uint32_t worker;    /* the agent's slot, once a result said it; 0 before */
} lease_rec;

typedef struct {
    size_t *items;
    size_t head, len, cap;
} deque;

struct fo_run {
    fo_run_options options;
    fo_plan *plan;
    fo_report *report;
    fo_fixtures *fixtures;
    zhashx_t *test_index;   /* test id -> index + 1 */

    task_rec *tasks;        /* one per plan task; grows with the plan */
    size_t tasks_cap;
    size_t ended;
    bool *answered;         /* per discovery: its answer (or failure) is in */
    deque ready;            /* parallel tasks, plan order (retries in front) */
    deque serial;
    deque *parked;          /* per shared fixture: tasks waiting for its setup */
    size_t *retry;          /* tasks to lease again for their failed tests */
    size_t nretry, retry_cap;
    bool *pending;          /* per test: a failed try is held for a retry */
    bool *alive;            /* per agent: joined and not lost */
    size_t alive_cap;
    size_t failures;        /* tests ended failed, error, timeout or crashed */
    bool stop_requested;    /* maxfail reached: stop before returning */
    bool mid_line;          /* progress dots since the last newline */

    lease_rec *leases;      /* lease id n is leases[n - 1] */
    size_t nleases, leases_cap;
    size_t in_flight;
    bool serial_running;
    bool stopping;
    char *stop_reason;
};

/* fo_run.c */
void run_deque_push_back (deque *q, size_t v);
void run_deque_push_front (deque *q, size_t v);
bool run_is_failure (fo_outcome outcome);
void run_end_task (fo_run *self, size_t task);
void run_not_run_task (fo_run *self, size_t task);
/* The active lease `id` held by `agent`, or NULL (logged as `what`). */
lease_rec *run_current_lease (fo_run *self, uint32_t agent, uint64_t id, const char *what);

/* fo_run_retry.c */
bool run_should_retry (const fo_run *self, size_t index, fo_outcome outcome);
void run_hold_for_retry (fo_run *self, size_t index, const lease_rec *lease,
                         const fo_test_result_view *view);
bool run_has_pending (const fo_run *self, size_t task);
bool run_may_retry_on (const fo_run *self, size_t task, uint32_t agent);
void run_schedule_again (fo_run *self, size_t task, bool lost);

/* fo_run_discovery.c */
void run_discovery_ended (fo_run *self, size_t d);
void run_discovery_failed (fo_run *self, size_t d, const char *message, const char *err,
                          size_t err_len, const char *host);
void run_discovery_lost (fo_run *self, const lease_rec *lease, const char *host, const char *why);

#endif
