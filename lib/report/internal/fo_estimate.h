/*  fo_estimate — the time a run has left, from the history's expected
    durations (fo_expected_fn, fo_reporter.h): the expected time of every
    test without an outcome (a test the history does not know counts as
    the mean of those it knows), spread over the worker slots of the
    agents connected now. Nothing is estimated without the hook, or while
    it knows no test of the run. O(1) per event but RUN_STARTED and
    TESTS_DISCOVERED (one lookup per test they add). */
#ifndef FO_ESTIMATE_H
#define FO_ESTIMATE_H

#include <stdint.h>

#include "fo_event.h"
#include "fo_reporter.h"

typedef struct fo_estimate fo_estimate;

/* NULL when fn is NULL (no history: every call below takes NULL). */
fo_estimate *fo_estimate_new (fo_expected_fn *fn, void *arg);
void fo_estimate_destroy (fo_estimate **self_p);
void fo_estimate_event (fo_estimate *self, const fo_event *ev);
/* Microseconds left, or UINT64_MAX when there is no estimate. */
uint64_t fo_estimate_left_us (const fo_estimate *self);

#endif
