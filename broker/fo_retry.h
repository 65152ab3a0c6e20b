/*  fo_retry — retries of failed tests (--retries N): the policy, the tries
    held and their bookkeeping, in one place.

    A try that fails (fo_outcome_is_failure) of a test that has tries left
    is not the test's end: it is held — recorded in the report as an
    attempt, with its output — and the test waits for its task's next lease
    (the run asks the scheduler for it, fo_sched_enqueue with
    FO_SCHED_RETRY; where it goes is the scheduler's rule). A test that
    passes after held tries is flaky (the report marks it). When the retry
    cannot come (the run stops, the task ends otherwise), the held try
    becomes the test's final outcome (fo_retry_settle).

    The run asks only while it goes on: a stopping run retries nothing.
    Memory: one flag per test, grown with the tests generated during the
    run. Every call is O(1), fo_retry_any_held O(tests of the task).
*/
#ifndef FO_RETRY_H
#define FO_RETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fo_report.h"

typedef struct fo_retry fo_retry;

/* `retries`: re-runs a failed test gets (0: none). The report is borrowed. */
fo_retry *fo_retry_new (fo_report *report, uint32_t retries);
void fo_retry_destroy (fo_retry **self_p);

/* The tries a test gets in all: retries + 1. */
uint32_t fo_retry_tries (const fo_retry *self);

/* Is this try of `test` to be held for a retry? A failure, of a test that
   has no final outcome and has not used its retries. */
bool fo_retry_wanted (const fo_retry *self, size_t test, fo_outcome outcome);

/* Holds the try: it becomes an attempt of the test in the report. Returns
   that attempt, or NULL when the report refused it (the test is done). */
const fo_attempt *fo_retry_hold (fo_retry *self, size_t test, const fo_test_result_view *try_);

/* Does the test wait for a retry? Any of these tests? */
bool fo_retry_held (const fo_retry *self, size_t test);
bool fo_retry_any_held (const fo_retry *self, const size_t *tests, size_t ntests);

/* The retry will not come: a held test ends with its held try as its
   final outcome. True when that ended the test. */
bool fo_retry_settle (fo_retry *self, size_t test);

/* The test has its final outcome, whatever gave it: nothing is held. */
void fo_retry_ended (fo_retry *self, size_t test);

#endif
