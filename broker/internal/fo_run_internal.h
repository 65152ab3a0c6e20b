/*  fo_run_internal — what fo_run.c shares with its other parts:
    fo_run_results.c records what agents report (results, slow notices)
    and fo_run_return.c takes back the leases agents give back; both use
    these helpers of fo_run.c, which never calls into them;
    fo_run_discovered.c grows the run with discovered tests, and fo_run.c
    ends discoveries through it (run_discovery_ended/failed). Private to
    broker/. */
#ifndef FO_RUN_INTERNAL_H
#define FO_RUN_INTERNAL_H

#include "fo_discovery.h"
#include "fo_fixtures.h"
#include "fo_after.h"
#include "fo_joined.h"
#include "fo_leases.h"
#include "fo_retry.h"
#include "fo_run.h"
#include "fo_tasks.h"
#include "fo_verdicts.h"

#define ROLE "broker"
#define NONE FO_LEASES_NO_STEP

struct fo_run {
    fo_run_options options;
    fo_plan *plan;
    fo_report *report;
    fo_fixtures *fixtures;
    fo_sched *sched;
    fo_retry *retry;
    fo_discoveries *discoveries;
    fo_joined *joined;      /* tests a running program named (TAP points) */
    fo_tasks *tasks;
    fo_after *after;        /* tasks waiting for others (CTest's shared fixtures) */
    fo_leases *leases;
    fo_verdicts *verdicts;
    bool stopping;
    char *stop_reason;
    char *not_run_message;  /* "not run (stop_reason)", made once */
    fo_buf frame;           /* the last lease handed out, encoded */
};

/* An event to the reporters (the run's own fields filled in). */
void run_emit (fo_run *self, fo_event *ev);
/* Fail fast is due: no more picks (the stop follows, run_apply_stop). */
bool run_stop_due (fo_run *self);
/* Applies a fail-fast stop once the call that reached maxfail is done. */
void run_apply_stop (fo_run *self);
/* The active lease `id` held by `agent`, or NULL (logged, rate-limited per
   agent). */
fo_lease_rec *run_current_lease (fo_run *self, uint32_t agent, const char *host, uint64_t id,
                                 const char *what);
/* Test started (the broker's inference): the first test step after step
   `after` (NONE: the lease's first). */
void run_start_next_step (fo_run *self, fo_lease_rec *lease, uint64_t id, size_t after);
/* The task waits for a lease (again): handed to the scheduler, or ended
   at once when it has nothing to run or the run stops. */
void run_queue_task (fo_run *self, size_t task, fo_sched_reason why);
/* The task's tests without an outcome end not run with the stop's reason,
   and the task ends. */
void run_not_run_task (fo_run *self, size_t task);
/* Lease `id` is over: the scheduler and the reporters learn how. */
void run_lease_ended (fo_run *self, fo_lease_rec *lease, uint64_t id, fo_lease_end how,
                      const char *host);
/* The task is leased again for its tests without an outcome. */
void run_lease_again (fo_run *self, size_t task, fo_sched_reason why);
/* Discovery d has ended, with or without tests: the tests it added
   queue, and the unit that waited for it may go (fo_run_discovered.c). */
void run_discovery_ended (fo_run *self, size_t d);
/* A discovery that failed is a fixture error of phase "discover"; it has
   ended (fo_run_discovered.c). */
void run_discovery_failed (fo_run *self, size_t d, const char *message, const char *err,
                           size_t err_len, const char *host);
/* The exports of the task's shared contexts, or NULL. */
const fo_env *run_task_exports (const fo_run *self, size_t task);

#endif
