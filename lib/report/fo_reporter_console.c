/*  fo_reporter_console — the console reporter: what a person watching the
    run sees, in nose's words. The rendering is fo_report_console.c's; this
    file decides when: a character or a line per finished test and per try
    held for a retry, SLOW notices on a line of their own (it remembers
    whether dots were printed since the last newline), the tests an agent
    discovered under -v, and the summary once the run has ended. */
#include "fo_reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    FILE *out;
    fo_verbosity verbosity;
    bool mid_line;          /* progress dots since the last newline */
    bool stopping;          /* the run is stopping: what ends now is flushed
                               with the next output, not test by test */
} console;

static void
console_event (void *state, const fo_event *ev)
{
    console *self = state;
    switch (ev->type) {
    case FO_EVENT_TEST_FINISHED:
        /* A stopping run ends its queued tests not run all at once: one
           write for them all. A test that still finishes meanwhile (a
           cancelled lease's result) flushes them with it; the summary
           flushes the rest. */
        if (self->stopping && (!ev->u.test_finished.record->done
                               || ev->u.test_finished.record->outcome == FO_NOT_RUN))
            fo_report_progress_unflushed (self->out, self->verbosity,
                                          ev->u.test_finished.record);
        else
            fo_report_progress (self->out, self->verbosity, ev->u.test_finished.record);
        self->mid_line = self->verbosity == FO_VERBOSITY_DOTS;
        break;
    case FO_EVENT_TRY_HELD:
        fo_report_progress_retry (self->out, self->verbosity, ev->u.try_held.record->id,
                                  ev->u.try_held.attempt, ev->u.try_held.tries);
        self->mid_line = self->verbosity == FO_VERBOSITY_DOTS;
        break;
    case FO_EVENT_SLOW: {
        const fo_event_slow *s = &ev->u.slow;
        fo_report_progress_slow (self->out, self->verbosity, self->mid_line, s->what, s->name,
                                 s->elapsed_ms, s->timeout_ms, s->host);
        self->mid_line = false;
        break;
    }
    case FO_EVENT_TESTS_DISCOVERED:
        if (self->verbosity == FO_VERBOSITY_LINES) {
            const fo_event_discovered *d = &ev->u.discovered;
            fprintf (self->out, "%s: discovered %zu tests on %s (%zu tests in all)\n", d->context,
                     d->count, d->host, d->total);
            fflush (self->out);
        }
        break;
    case FO_EVENT_RUN_STOPPING:
        self->stopping = true;
        break;
    case FO_EVENT_RUN_ENDED:
        /* A run that could not be served has nothing to sum up: the
           error that stopped it was printed. */
        if (ev->u.run_ended.complete)
            fo_report_print_summary (self->out, ev->report, self->verbosity);
        break;
    default:
        break;
    }
}

static int
console_finish (void *state, char *err, size_t errlen)
{
    console *self = state;
    errno = 0;
    if (fflush (self->out) == 0 && !ferror (self->out))
        return 0;
    snprintf (err, errlen, "cannot write the console output: %s",
              strerror (errno ? errno : EIO));
    return -1;
}

static const fo_reporter_ops console_ops = {
    .name = "console",
    .on_event = console_event,
    .finish = console_finish,
    .destroy = free,
};

fo_reporter *
fo_reporter_console_new (FILE *out, fo_verbosity verbosity)
{
    console *self = fo_xcalloc (1, sizeof *self);
    self->out = out;
    self->verbosity = verbosity;
    return fo_reporter_new (&console_ops, self);
}

static fo_reporter *
console_create (const fo_reporter_config *config)
{
    return fo_reporter_console_new (config->console, config->verbosity);
}

const fo_reporter_kind fo_reporter_kind_console = {
    .name = "console",
    .create = console_create,
};
