/*  fo_report_internal — the report's record, shared by the files of
    lib/report only (fo_report.c fills it; fo_report_console.c and
    fo_report_json.c render it). Everything else uses the accessors of
    fo_report.h, so that the report may change how it stores tests (issue:
    compact records at a million tests) without touching its readers. */
#ifndef FO_REPORT_INTERNAL_H
#define FO_REPORT_INTERNAL_H

#include "fo_arena.h"
#include "fo_report.h"
#include "fo_report_hosts.h"

struct fo_report {
    fo_test_record *tests;
    /* The records' ids, contexts, messages and hosts: never freed alone
       (a million of them made ending a run slow). */
    fo_arena *strings;
    char *last_context, *last_message, *last_host_copy;   /* shared_copy's */
    size_t ntests;
    size_t tests_cap;       /* grows with tests generated during the run */
    fo_fixture_error *fixture_errors;
    size_t nfixture_errors;
    size_t nfixture_errors_cap;
    /* Kept as records are filled, so that counting is O(1): */
    size_t done_counts[FO_OUTCOME_COUNT];   /* final outcomes so far, per outcome */
    size_t ndone;           /* records with their final outcome */
    size_t nsummary;        /* of them, summaries left out of the counts */
    size_t nflaky;          /* done and flaky */
    size_t nby_failure;     /* done, not_run because of a failure */
    size_t ndisabled;       /* done, not_run and declared disabled */
    char *suite;            /* suite file path */
    uint64_t started_us;    /* fo_now_us() at start */
    uint64_t finished_us;
    uint32_t jobs;          /* worker slots in total when the run started */
    bool interrupted;
    char *stop_reason;      /* why the run stopped early; NULL: it did not */
    bool stopped_on_failures;   /* by --maxfail/-x: its not_run tests are
                                   not an infrastructure failure */
    bool fail_on_flaky;     /* a flaky test makes the exit status 1 */
    /* Per host (fo_report_hosts.c): */
    fo_host_stats *hosts;
    size_t nhosts, hosts_cap, last_host;
    struct _zhashx_t *host_index;   /* host name -> index + 1 (czmq's zhashx) */
    size_t host_tries, host_failures;   /* over every host */
};

/* fo_report_hosts.c: a try that ran to an outcome on host (NULL: none). */
void fo_report_count_try (fo_report *self, const char *host, fo_outcome outcome,
                          uint64_t duration_us);
void fo_report_free_hosts (fo_report *self);

#endif
