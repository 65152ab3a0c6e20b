/*  fo_outcome — the final outcome of one test. Every discovered test ends with
    exactly one of these in the report. */
#ifndef FO_OUTCOME_H
#define FO_OUTCOME_H

#include <stdbool.h>

typedef enum {
    FO_PASSED = 0,
    FO_FAILED,          /* the test ran and said no (non-zero exit) */
    FO_ERROR,           /* could not be judged: fixture failed, spawn failed, ... */
    FO_SKIPPED,         /* exited with the skip code (77 by default) */
    FO_TIMEOUT,         /* killed after its timeout */
    FO_CRASHED,         /* killed by a signal it did not ask for */
    FO_NOT_RUN,         /* never ran: the reason is in the result's message */
    FO_OUTCOME_COUNT
} fo_outcome;

/* "passed", "failed", "error", "skipped", "timeout", "crashed", "not_run" */
const char *fo_outcome_name (fo_outcome outcome);
/* 0 and *out set when name is one of the above, -1 otherwise. */
int fo_outcome_parse (const char *name, fo_outcome *out);

/* Did the test go wrong? failed, error, timeout and crashed are failures:
   they count for --maxfail, may be retried (--retries) and make the exit
   status 1. passed, skipped and not_run are not (not_run is the run's
   problem, not the test's). The one copy of this rule. */
bool fo_outcome_is_failure (fo_outcome outcome);

#endif
