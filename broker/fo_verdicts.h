/*  fo_verdicts — the way out of the run: everything a run concludes goes
    through here, into the report and to the reporters.

      - a test's one final outcome (fo_report_finish_test: a second one is
        dropped), told as TEST_FINISHED; a failure counts for fail fast;
      - a failed try held for a retry (fo_retry), told as TRY_HELD;
      - a fixture error (a shared fixture's, an agent's, a discovery's),
        told as FIXTURE_FAILED;
      - any other event the broker emits (fo_verdicts_emit).

    Fail fast (--maxfail N): once N tests have ended failed, error, timeout
    or crashed (final outcomes only, fo_outcome_is_failure),
    fo_verdicts_stop_due says so; the run then stops. A summary record
    (fo_verdicts_summary) is not among them, as it is not in the console's
    totals: each failing point counts once. This module calls nothing
    back.
*/
#ifndef FO_VERDICTS_H
#define FO_VERDICTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_report.h"
#include "fo_reporter.h"
#include "fo_retry.h"

typedef struct fo_verdicts fo_verdicts;

/* All borrowed; reporters may be NULL (no events); maxfail 0: never. */
fo_verdicts *fo_verdicts_new (fo_report *report, fo_retry *retry, fo_reporters *reporters,
                              uint32_t maxfail);
void fo_verdicts_destroy (fo_verdicts **self_p);

/* Sends an event to the reporters, with the report as it is now. */
void fo_verdicts_emit (const fo_verdicts *self, fo_event *event);

/* Test `test` ends with this result. False (nothing changes) when it had
   its outcome already. */
bool fo_verdicts_finish (fo_verdicts *self, size_t test, const fo_test_result_view *result);

/* Every one of these tests without an outcome ends with this result; a
   test held for a retry ends with its held try instead when settle, or
   is left to wait for its retry. */
void fo_verdicts_finish_all (fo_verdicts *self, const size_t *tests, size_t ntests, bool settle,
                             const fo_test_result_view *result);

/* The failed try is held for a retry. False when the report refused it
   (the test is done). */
bool fo_verdicts_hold (fo_verdicts *self, size_t test, const fo_test_result_view *result);

/* A fixture error, into the report (copied). */
void fo_verdicts_fixture_error (fo_verdicts *self, const char *context, const char *phase,
                                const char *message, const char *out, size_t out_len,
                                const char *err, size_t err_len, const char *host);

/* Test `test`, ended, is a summary whose failure its joined tests carry
   (fo_report_set_summary): out of the report's totals, and out of the
   failures fail fast counts. False when the report refused it. */
bool fo_verdicts_summary (fo_verdicts *self, size_t test);

/* --maxfail failures are in: the run must stop. */
bool fo_verdicts_stop_due (const fo_verdicts *self);

#endif
