/*  fo_metrics — the run's numbers for Prometheus: counters kept from the
    run's events (fo_event.h) and written in Prometheus' text exposition
    format (version 0.0.4). No socket and no thread of its own: the
    metrics reporter (fo_reporter_metrics.c) feeds it on the broker's
    thread and its HTTP server (fo_metrics_http.h) renders it on another,
    so every call takes the object's lock; rendering copies the numbers
    under the lock and formats them outside it.

    What is exported (docs/deploy.md, "Metrics", says the same for users):

      fanout_run_info{suite="..."} 1     the suite file (gauge)
      fanout_tests{state="..."}          tests by state (gauge): queued (no
                                         outcome yet, not running), running
                                         (started, no result yet: see
                                         fo_event.h for when a test starts),
                                         and each final outcome: passed,
                                         failed, error, skipped, timeout,
                                         crashed, not_run
      fanout_queue_tasks                 tasks waiting for a lease (gauge):
                                         queued, parked until a shared
                                         fixture is up, or waiting for the
                                         discoveries inside them
      fanout_agents                      agents connected (gauge)
      fanout_slots{state="busy|free"}    their worker slots (gauge): an
                                         agent's busy slots are its leases,
                                         at most its slots (a lease it
                                         prefetched waits for a free slot)
      fanout_results_total               results recorded (counter): every
                                         final outcome but not_run, and every
                                         failed try held for a retry;
                                         rate() gives results per second
      fanout_leases_lost_total           leases lost with their agent
                                         (counter)

    Expected seconds of queued work (fanout_queue_seconds) need test
    durations from past runs, which fanout does not keep yet: the metric
    is not exported until it does, rather than a made-up number.

    Before RUN_STARTED every count is 0. At RUN_ENDED the tests' numbers
    become the final report's (fo_report_counts: a test without an
    outcome counts as not_run), nothing is queued or running, and no
    agent is connected any more (the broker has returned).

    Memory: one byte per test and per task, and one record per agent
    number; every event costs O(1), but TASK_QUEUED, O(its tests).
*/
#ifndef FO_METRICS_H
#define FO_METRICS_H

#include "fo_event.h"
#include "fo_util.h"

typedef struct fo_metrics fo_metrics;

/* suite: the suite file's path as the report names it (copied; NULL: "").
   It is exported from the start, before any event. */
fo_metrics *fo_metrics_new (const char *suite);
void fo_metrics_destroy (fo_metrics **self_p);

/* One event of the run (the broker's thread). */
void fo_metrics_event (fo_metrics *self, const fo_event *event);

/* Appends the exposition text to out (any thread). */
void fo_metrics_render (fo_metrics *self, fo_buf *out);

/* The Content-Type of that text. */
#define FO_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
