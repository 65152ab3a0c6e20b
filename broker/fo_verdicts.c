/*  fo_verdicts — see fo_verdicts.h. */
#include "fo_verdicts.h"

#include <stdlib.h>

struct fo_verdicts {
    fo_report *report;
    fo_retry *retry;
    fo_reporters *reporters;
    uint32_t maxfail;
    size_t failures;        /* tests ended failed, error, timeout or crashed */
};

fo_verdicts *
fo_verdicts_new (fo_report *report, fo_retry *retry, fo_reporters *reporters, uint32_t maxfail)
{
    fo_verdicts *self = fo_xcalloc (1, sizeof *self);
    self->report = report;
    self->retry = retry;
    self->reporters = reporters;
    self->maxfail = maxfail;
    return self;
}

void
fo_verdicts_destroy (fo_verdicts **self_p)
{
    free (*self_p);
    *self_p = NULL;
}

void
fo_verdicts_emit (const fo_verdicts *self, fo_event *event)
{
    event->report = self->report;
    fo_reporters_emit (self->reporters, event);
}

/* The test has its final outcome now: tell it and count it. */
static void
ended (fo_verdicts *self, size_t test)
{
    fo_retry_ended (self->retry, test);
    const fo_test_record *rec = fo_report_test (self->report, test);
    fo_verdicts_emit (self, &(fo_event) {
        .type = FO_EVENT_TEST_FINISHED,
        .u.test_finished = { .test = test, .record = rec },
    });
    if (fo_outcome_is_failure (rec->outcome))
        self->failures++;
}

bool
fo_verdicts_finish (fo_verdicts *self, size_t test, const fo_test_result_view *result)
{
    if (!fo_report_finish_test (self->report, test, result))
        return false;
    ended (self, test);
    return true;
}

void
fo_verdicts_finish_all (fo_verdicts *self, const size_t *tests, size_t ntests, bool settle,
                        const fo_test_result_view *result)
{
    for (size_t i = 0; i < ntests; i++) {
        if (fo_retry_held (self->retry, tests[i])) {
            if (settle && fo_retry_settle (self->retry, tests[i]))
                ended (self, tests[i]);
            continue;
        }
        fo_verdicts_finish (self, tests[i], result);
    }
}

bool
fo_verdicts_hold (fo_verdicts *self, size_t test, const fo_test_result_view *result)
{
    const fo_attempt *attempt = fo_retry_hold (self->retry, test, result);
    if (!attempt)
        return false;
    fo_verdicts_emit (self, &(fo_event) {
        .type = FO_EVENT_TRY_HELD,
        .u.try_held = {
            .test = test, .record = fo_report_test (self->report, test), .attempt = attempt,
            .tries = fo_retry_tries (self->retry),
        },
    });
    return true;
}

void
fo_verdicts_fixture_error (fo_verdicts *self, const char *context, const char *phase,
                           const char *message, const char *out, size_t out_len, const char *err,
                           size_t err_len, const char *host)
{
    const fo_fixture_error *fe = fo_report_add_fixture_error (self->report, context, phase, message,
                                                              out, out_len, err, err_len, host);
    fo_verdicts_emit (self, &(fo_event) {
        .type = FO_EVENT_FIXTURE_FAILED,
        .u.fixture = { .context = fe->context, .phase = fe->phase, .host = fe->host,
                       .message = fe->message, .error = fe },
    });
}

bool
fo_verdicts_summary (fo_verdicts *self, size_t test)
{
    if (!fo_report_set_summary (self->report, test))
        return false;
    /* ended() counted it: a failing point carries this failure already. */
    if (fo_outcome_is_failure (fo_report_test (self->report, test)->outcome) && self->failures > 0)
        self->failures--;
    return true;
}

bool
fo_verdicts_stop_due (const fo_verdicts *self)
{
    return self->maxfail && self->failures >= self->maxfail;
}
