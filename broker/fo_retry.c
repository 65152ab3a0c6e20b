/*  fo_retry — see fo_retry.h. */
#include "fo_retry.h"

#include <stdlib.h>
#include <string.h>

struct fo_retry {
    fo_report *report;
    uint32_t retries;
    bool *held;             /* per test: a failed try waits for a retry */
    size_t held_cap;
};

fo_retry *
fo_retry_new (fo_report *report, uint32_t retries)
{
    fo_retry *self = fo_xcalloc (1, sizeof *self);
    self->report = report;
    self->retries = retries;
    return self;
}

void
fo_retry_destroy (fo_retry **self_p)
{
    fo_retry *self = *self_p;
    if (!self)
        return;
    free (self->held);
    free (self);
    *self_p = NULL;
}

uint32_t
fo_retry_tries (const fo_retry *self)
{
    return self->retries + 1;
}

bool
fo_retry_wanted (const fo_retry *self, size_t test, fo_outcome outcome)
{
    const fo_test_record *rec = fo_report_test (self->report, test);
    return fo_outcome_is_failure (outcome) && rec && !rec->done && rec->nattempts < self->retries;
}

bool
fo_retry_held (const fo_retry *self, size_t test)
{
    return test < self->held_cap && self->held[test];
}

const fo_attempt *
fo_retry_hold (fo_retry *self, size_t test, const fo_test_result_view *try_)
{
    if (!fo_report_retry_test (self->report, test, try_))
        return NULL;
    /* Grows with the tests generated during the run. */
    self->held = fo_xgrow_to (self->held, &self->held_cap, test, sizeof *self->held, 64);
    self->held[test] = true;
    const fo_test_record *rec = fo_report_test (self->report, test);
    return &fo_report_retried (rec)[rec->nattempts - 1];
}

bool
fo_retry_any_held (const fo_retry *self, const size_t *tests, size_t ntests)
{
    for (size_t i = 0; i < ntests; i++)
        if (fo_retry_held (self, tests[i]))
            return true;
    return false;
}

bool
fo_retry_settle (fo_retry *self, size_t test)
{
    if (!fo_retry_held (self, test))
        return false;
    self->held[test] = false;
    return fo_report_finish_last_try (self->report, test);
}

void
fo_retry_ended (fo_retry *self, size_t test)
{
    if (test < self->held_cap)
        self->held[test] = false;
}
