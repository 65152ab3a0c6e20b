/*  fo_report — the consolidated results of one run and how they are shown:
    nose-style progress, the failure details and summary, the JSON report
    (docs/report-json.md) and the exit status.

    The broker owns a fo_report with one record per discovered test (same
    order and index as the plan's tests) and fills each record exactly once.
    The report is opaque: records are read with fo_report_test (index) and
    fo_report_fixture_error (index), run-wide facts with their accessors.
    Counts are kept as records are filled: fo_report_counts,
    fo_report_flaky_count and fo_report_exit_status are O(1).

    The report is shown by reporters (fo_reporter.h): the console's
    rendering functions below are what the console reporter prints.
*/
#ifndef FO_REPORT_H
#define FO_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fo_outcome.h"
#include "fo_util.h"

/* Exit statuses of fanout run / fanout broker: the one list, which
   docs/cli.md ("Exit status"), fanout(1) and every command's --help
   repeat in words. */
#define FO_EXIT_OK 0            /* every test passed or was skipped */
#define FO_EXIT_FAILED 1        /* a test failed, errored, timed out, crashed,
                                   or a fixture failed (or, with
                                   fail_on_flaky, a test was flaky) */
#define FO_EXIT_USAGE 2         /* bad command line or suite file */
#define FO_EXIT_INFRA 3         /* a test could not be run at all (not_run) */
#define FO_EXIT_REPORT 4        /* the run ended but its report or console output
                                   could not be written (disk full, I/O error) */
#define FO_EXIT_INTERRUPTED 130 /* stopped by SIGINT/SIGTERM (128 + SIGINT) */

/* One try of a test that ended with an outcome (a lease lost with its
   agent is no try: it is leased again). */
typedef struct {
    uint32_t attempt;       /* the lease's attempt number, from 1 */
    fo_outcome outcome;
    uint64_t duration_us;
    char *message;          /* may be NULL (the report's, shared: never free it) */
    char *host;             /* may be NULL (the report's, shared) */
    uint32_t worker;
    /* The output of a try that was retried; the last try's output is the
       record's own out/err, so it is not kept twice (NULL here). */
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
} fo_attempt;

/* What few tests have, out of their record (fo_test_record.extra). */
typedef struct {
    fo_attempt *attempts;   /* the tries retried, in order (read every try,
                               the final one too, with fo_report_try) */
    fo_strv outputs;        /* files it sent back ($FANOUT_OUTPUT_DIR), as the
                               broker wrote them (docs/artifacts.md) */
} fo_test_extra;

/* 88 bytes: a million of them are a large run's second biggest record
   (fields ordered so that none pads; lengths and counts in 32 bits: a
   test's output comes in one message, at most FO_PROTO_MAX_MESSAGE; the
   outcome and the flags in bits; the tries retried and the files sent
   back, which few tests have, behind one pointer). */
typedef struct {
    char *id;               /* test id (the report's own copy, or the one
                               fo_report_set_test_borrowed was lent: never
                               free it) */
    char *context;          /* its context id ("" for the root; the report's) */
    uint64_t duration_us;
    char *out;              /* captured stdout (may be NULL) */
    char *err;              /* captured stderr (may be NULL) */
    char *message;          /* why, for anything but passed (may be NULL;
                               the report's, shared: never free it) */
    char *host;             /* where it ran (NULL if it never ran; the
                               report's, shared) */
    fo_test_extra *extra;   /* NULL: no try retried, no file sent back
                               (most tests); read with fo_report_retried and
                               fo_report_outputs */
    uint32_t out_len;
    uint32_t err_len;
    uint32_t nattempts;     /* tries with an outcome, the final one too */
    uint32_t worker;
    uint32_t attempt;
    fo_outcome outcome : 8;
    bool done : 1;          /* has its one final outcome */
    bool serial : 1;        /* ran with nothing else running */
    bool flaky : 1;         /* passed after a try that did not */
    bool by_failure : 1;    /* not_run because of a failure in the run (its
                               task timed out): not an infrastructure problem */
    bool summary : 1;       /* a program's own test ("all") whose failure its
                               joined tests carry (a TAP point that failed):
                               in the report, not in the totals
                               (fo_report_set_summary) */
    bool final_try : 1;     /* the last of nattempts is this record's own
                               outcome, attempt, duration, message, host,
                               worker and output, not kept in attempts: a
                               test tried once has no array at all (72 B a
                               test in a run of 200,000 before) */
} fo_test_record;

_Static_assert (sizeof (void *) != 8 || sizeof (fo_test_record) == 88,
                "a test's record is 88 bytes on 64 bits: eight pointers and "
                "64-bit fields, five counts and the bits");

/* The tries of rec kept apart: the retried ones, nattempts of them (one
   fewer when final_try: the last is the record's own), or NULL. */
static inline const fo_attempt *
fo_report_retried (const fo_test_record *rec)
{
    return rec->extra ? rec->extra->attempts : NULL;
}

/* The files the test sent back, or NULL when none. */
static inline const fo_strv *
fo_report_outputs (const fo_test_record *rec)
{
    return rec->extra && rec->extra->outputs.len > 0 ? &rec->extra->outputs : NULL;
}

/* Try `i` (0 .. rec->nattempts - 1) of a test: an earlier one as kept in
   rec->attempts, the final one (rec->final_try) made from the record's own
   fields, its out/err NULL as a final try's always were (the output is the
   record's). */
fo_attempt fo_report_try (const fo_test_record *rec, size_t i);

/* A setup or teardown that failed (counted apart from the tests). */
typedef struct {
    char *context;
    char *phase;            /* "setup", "teardown" or "discover" */
    char *message;
    char *out;
    size_t out_len;
    char *err;
    size_t err_len;
    char *host;             /* "broker" host name for shared fixtures */
} fo_fixture_error;

/* The report is opaque: the records above are read through
   fo_report_test / fo_report_fixture_error, and everything else through
   the accessors below. */
typedef struct fo_report fo_report;

typedef enum {
    FO_VERBOSITY_QUIET = 0, /* -q: only the summary */
    FO_VERBOSITY_DOTS,      /* default: one character per test */
    FO_VERBOSITY_LINES,     /* -v: "id ... ok (0.12s)" per test */
} fo_verbosity;

/* Creates a report for ntests tests (ids set with fo_report_set_test);
   its start time is now. */
fo_report *fo_report_new (size_t ntests);
void fo_report_destroy (fo_report **self_p);
/* Test `index`'s id and context id (copied). */
void fo_report_set_test (fo_report *self, size_t index, const char *id, const char *context);
/* The same, the id not copied: it must stay, unchanged, as long as the
   report (a suite's test id, the suite destroyed after the report). A
   million ids copied were some 10 MB to touch before a large run could
   start (fo_cli_prepare). */
void fo_report_set_test_borrowed (fo_report *self, size_t index, const char *id,
                                  const char *context);
/* Appends the record of a test generated during the run (an agent's
   discovery); returns its index, which is the test's index in the plan. */
size_t fo_report_add_test (fo_report *self, const char *id, const char *context);
/* Record ownership: strings passed to fo_report_finish_test are copied. */
typedef struct {
    fo_outcome outcome;
    uint64_t duration_us;
    const char *out; size_t out_len;
    const char *err; size_t err_len;
    const char *message;
    const char *host;
    uint32_t worker;
    uint32_t attempt;
    bool serial;
    bool by_failure;        /* see fo_test_record */
    bool disabled;          /* a not_run of a test declared disabled (fo_test):
                               its own verdict, not an infrastructure problem */
} fo_test_result_view;

/* Sets the final outcome of test `index`. Returns false (and changes
   nothing) when that test already has one: never counted twice. A test
   that ran (r->attempt > 0, not not_run) also gets it as its last attempt;
   one that passes after retried attempts is flaky. */
bool fo_report_finish_test (fo_report *self, size_t index, const fo_test_result_view *r);

/* Records a try of test `index` that will be retried (it keeps its output).
   False when the test already has its final outcome. */
bool fo_report_retry_test (fo_report *self, size_t index, const fo_test_result_view *r);

/* Ends test `index` with its last retried try as the final outcome (the
   retry will not happen: the run stopped). False when it is done already
   or has no such try. */
bool fo_report_finish_last_try (fo_report *self, size_t index);

/* Sets why the run stopped early (copied); on_failures: by --maxfail. */
void fo_report_set_stop (fo_report *self, const char *reason, bool on_failures);

/* Adds a fixture error (strings and output copied); returns its record. */
const fo_fixture_error *fo_report_add_fixture_error (fo_report *self, const char *context,
                                                     const char *phase, const char *message,
                                                     const char *out, size_t out_len,
                                                     const char *err, size_t err_len,
                                                     const char *host);

/* ---- reading it ---- */

/* A file the test sent back, where the broker wrote it (each path once). */
void fo_report_add_output (fo_report *self, size_t index, const char *path);

size_t fo_report_ntests (const fo_report *self);
/* The record of test `index` (the plan's index), or NULL past the end.
   Valid until the next test is added. */
const fo_test_record *fo_report_test (const fo_report *self, size_t index);
size_t fo_report_nfixture_errors (const fo_report *self);
const fo_fixture_error *fo_report_fixture_error (const fo_report *self, size_t index);

/* Counts per outcome (a test without its outcome counts as not_run).
   Summary records (fo_report_set_summary) are not counted. */
void fo_report_counts (const fo_report *self, size_t counts[FO_OUTCOME_COUNT]);
/* The tests the totals count: every record but the summary ones. */
size_t fo_report_counted (const fo_report *self);
/* Test `index`, done, is a summary of tests of its own that carry its
   failure (a program's `all` whose failing points are joined tests, docs/
   sources.md): from now on it is left out of the counts, so that each
   failing point counts once. Its record keeps its outcome. False when it
   is not done, or a summary already. */
bool fo_report_set_summary (fo_report *self, size_t index);
/* Tests with their final outcome so far (while the run goes, the rest
   are pending, not "not run"). */
size_t fo_report_ndone (const fo_report *self);
/* Tests that passed after failing (a subset of the passed ones). */
size_t fo_report_flaky_count (const fo_report *self);

/* Why the run stopped early, or NULL when it did not; on failures: by
   --maxfail (its not_run tests are not an infrastructure failure). */
const char *fo_report_stop_reason (const fo_report *self);
bool fo_report_stopped_on_failures (const fo_report *self);

/* ---- facts of the run, set by whoever runs it ---- */

const char *fo_report_suite (const fo_report *self);        /* NULL when unset */
void fo_report_set_suite (fo_report *self, const char *path);
uint32_t fo_report_jobs (const fo_report *self);            /* worker slots in all */
void fo_report_set_jobs (fo_report *self, uint32_t jobs);
uint64_t fo_report_started_us (const fo_report *self);      /* fo_now_us () */
void fo_report_set_started_us (fo_report *self, uint64_t us);
uint64_t fo_report_finished_us (const fo_report *self);     /* 0 until set */
void fo_report_set_finished_us (fo_report *self, uint64_t us);
bool fo_report_interrupted (const fo_report *self);
void fo_report_set_interrupted (fo_report *self, bool interrupted);
bool fo_report_fail_on_flaky (const fo_report *self);       /* flaky fails the run */
void fo_report_set_fail_on_flaky (fo_report *self, bool fail_on_flaky);

/* How the console shows a run (the console and live reporters). */
typedef struct {
    fo_verbosity verbosity;
    bool color;                 /* SGR colours (fo_term.h says when) */
    size_t durations;           /* --durations: the slowest tests in the
                                   summary; 0 none, SIZE_MAX all */
} fo_console_opts;

/* Progress: called once per finished test, in the order results arrive.
   The functions without _opts are the same without colours. */
void fo_report_progress (FILE *out, fo_verbosity verbosity, const fo_test_record *rec);
void fo_report_progress_opts (FILE *out, const fo_console_opts *opts,
                              const fo_test_record *rec);
/* The same, not flushed: for the tests a stopping run ends in bulk (a
   million not-run tests were a million writes); the summary flushes. */
void fo_report_progress_unflushed (FILE *out, const fo_console_opts *opts,
                                   const fo_test_record *rec);

/* Progress of a try that will be retried: 'R', or with -v
   "id ... FAIL (attempt 1 of 3, retrying) (0.12s)". */
void fo_report_progress_retry (FILE *out, fo_verbosity verbosity, const char *id,
                               const fo_attempt *attempt, uint32_t max_attempts);
void fo_report_progress_retry_opts (FILE *out, const fo_console_opts *opts, const char *id,
                                    const fo_attempt *attempt, uint32_t max_attempts);

/* A step that runs long: "SLOW: id has run 60.0s [on host]" (setups and
   teardowns name their context), on a line of its own (mid_line: dots were
   printed since the last newline). Nothing when quiet. */
void fo_report_progress_slow (FILE *out, fo_verbosity verbosity, bool mid_line, const char *what,
                              const char *name, uint64_t elapsed_ms, uint32_t timeout_ms,
                              const char *host);
void fo_report_progress_slow_opts (FILE *out, const fo_console_opts *opts, bool mid_line,
                                   const char *what, const char *name, uint64_t elapsed_ms,
                                   uint32_t timeout_ms, const char *host);

/* A line at a steady interval while the run goes (not on a terminal: CI
   systems end jobs that are silent too long), on a line of its own:
   "PROGRESS: 120 of 500 tests done (115 passed, 3 failed, 2 skipped),
   4 running, 2m00s elapsed" and ", about 3m10s left" when left_us is not
   UINT64_MAX. Counts are the report's (failed: failed, timed out,
   crashed; errors: error, not run). */
void fo_report_progress_line (FILE *out, const fo_console_opts *opts, bool mid_line,
                              const fo_report *self, size_t running, uint64_t elapsed_us,
                              uint64_t left_us);

/* After the run: a newline after the dots, then each failure/error with its
   captured output, then "Ran N tests in X.XXs (R tests/s)", OK or FAILED (...),
   and last "N passed, N failed, N errors, N skipped". */
void fo_report_print_summary (FILE *out, const fo_report *self, fo_verbosity verbosity);
/* The same with colours, --durations and per-host totals (opts). */
void fo_report_print_summary_opts (FILE *out, const fo_report *self,
                                   const fo_console_opts *opts);

/* Writes the JSON report (jansson) to a destination checked before the run
   (fo_report_dest.h). Returns 0, or -1 with err set. */
struct fo_report_dest;
int fo_report_write_json_to (const fo_report *self, struct fo_report_dest *dest, char *err,
                             size_t errlen);
/* The same for a path checked now. */
int fo_report_write_json (const fo_report *self, const char *path, char *err, size_t errlen);

/* Writes the JUnit XML report (libxml2, docs/report-junit.md) the same
   way. Returns 0, or -1 with err set. */
int fo_report_write_junit_to (const fo_report *self, struct fo_report_dest *dest, char *err,
                              size_t errlen);

/* FO_EXIT_INTERRUPTED when interrupted, else FO_EXIT_OK, FO_EXIT_FAILED or
   FO_EXIT_INFRA (infra wins over failed, except when the run was stopped
   on failures: then its not_run tests are the failures' doing, and the
   status is FO_EXIT_FAILED). */
int fo_report_exit_status (const fo_report *self);

#endif
