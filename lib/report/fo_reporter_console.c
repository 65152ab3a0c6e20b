/*  fo_reporter_console — the console reporter: what a person or a CI log
    sees when the output is no terminal, in nose's words. The rendering
    is fo_report_console.c's; this file decides when: a character or a
    line per finished test and per try held for a retry, SLOW notices and
    PROGRESS lines on lines of their own (it remembers whether dots were
    printed since the last newline), the tests an agent discovered under
    -v, and the summary once the run has ended.

    PROGRESS lines come from the broker loop's clock (tick), every
    progress_ms from the run's start: a CI system that ends jobs silent
    for too long sees one at that pace even while one long test runs.

    Everything runs on the broker's thread (events and ticks) but the run's
    end, which comes from the main thread after the broker has returned:
    no lock is needed. */
#include "fo_reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fo_estimate.h"
#include "fo_term.h"
#include "fo_text.h"

typedef struct {
    FILE *out;
    fo_console_opts opts;
    fo_estimate *estimate;
    bool mid_line;          /* progress dots since the last newline */
    const fo_report *report;    /* from RUN_STARTED on */
    uint32_t progress_ms;   /* 0: no PROGRESS lines */
    uint64_t next_progress_ms;
    size_t leases;          /* leases in flight */
    uint64_t slots;         /* of the agents connected now */
    uint32_t *agent_slots;  /* per agent number while connected */
    size_t nagents;
    bool stopping;          /* the run is stopping: what ends now is flushed
                               with the next output, not test by test */
} console;

static void
set_agent (console *self, uint32_t agent, uint32_t slots)
{
    if (agent >= self->nagents) {
        if (agent >= 1u << 20)
            return;
        size_t n = (size_t) agent + 1;
        self->agent_slots = fo_xrealloc (self->agent_slots, n * sizeof *self->agent_slots);
        memset (self->agent_slots + self->nagents, 0, (n - self->nagents) * sizeof (uint32_t));
        self->nagents = n;
    }
    self->slots -= self->agent_slots[agent];
    self->agent_slots[agent] = slots;
    self->slots += slots;
}

static void
console_event (void *state, const fo_event *ev)
{
    console *self = state;
    fo_estimate_event (self->estimate, ev);
    const fo_console_opts *o = &self->opts;
    switch (ev->type) {
    case FO_EVENT_RUN_STARTED:
        self->report = ev->report;
        self->next_progress_ms = fo_report_started_us (ev->report) / 1000u + self->progress_ms;
        break;
    case FO_EVENT_AGENT_JOINED:
        set_agent (self, ev->u.agent.agent, ev->u.agent.slots);
        break;
    case FO_EVENT_AGENT_LOST:
        set_agent (self, ev->u.agent.agent, 0);
        break;
    case FO_EVENT_TASK_LEASED:
        self->leases++;
        break;
    case FO_EVENT_LEASE_ENDED:
        if (self->leases)
            self->leases--;
        break;
    case FO_EVENT_TEST_FINISHED:
        /* A stopping run ends its queued tests not run all at once: one
           write for them all. A test that still finishes meanwhile (a
           cancelled lease's result) flushes them with it; the summary
           flushes the rest. */
        if (self->stopping && (!ev->u.test_finished.record->done
                               || ev->u.test_finished.record->outcome == FO_NOT_RUN))
            fo_report_progress_unflushed (self->out, o, ev->u.test_finished.record);
        else
            fo_report_progress_opts (self->out, o, ev->u.test_finished.record);
        self->mid_line = o->verbosity == FO_VERBOSITY_DOTS;
        break;
    case FO_EVENT_TRY_HELD:
        fo_report_progress_retry_opts (self->out, o, ev->u.try_held.record->id,
                                       ev->u.try_held.attempt, ev->u.try_held.tries);
        self->mid_line = o->verbosity == FO_VERBOSITY_DOTS;
        break;
    case FO_EVENT_SLOW: {
        const fo_event_slow *s = &ev->u.slow;
        fo_report_progress_slow_opts (self->out, o, self->mid_line, s->what, s->name,
                                      s->elapsed_ms, s->timeout_ms, s->host);
        if (o->verbosity != FO_VERBOSITY_QUIET)
            self->mid_line = false;
        break;
    }
    case FO_EVENT_TESTS_DISCOVERED:
        if (o->verbosity == FO_VERBOSITY_LINES) {
            const fo_event_discovered *d = &ev->u.discovered;
            fprintf (self->out, "%s: discovered %zu tests on ", d->context, d->count);
            fo_text_put_safe (self->out, d->host ? d->host : "", d->host ? strlen (d->host) : 0);
            fprintf (self->out, " (%zu tests in all)\n", d->total);
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
            fo_report_print_summary_opts (self->out, ev->report, o);
        break;
    default:
        break;
    }
}

static void
console_tick (void *state, uint64_t now_ms)
{
    console *self = state;
    if (!self->progress_ms || !self->report || now_ms < self->next_progress_ms)
        return;
    /* Steady: the next one is due a whole interval later, however late
       this one came. */
    while (self->next_progress_ms <= now_ms)
        self->next_progress_ms += self->progress_ms;
    uint64_t started = fo_report_started_us (self->report);
    uint64_t now_us = now_ms * 1000u;
    size_t running = self->leases < self->slots ? self->leases : (size_t) self->slots;
    fo_report_progress_line (self->out, &self->opts, self->mid_line, self->report, running,
                             now_us > started ? now_us - started : 0,
                             fo_estimate_left_us (self->estimate));
    self->mid_line = false;
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

static void
console_destroy (void *state)
{
    console *self = state;
    fo_estimate_destroy (&self->estimate);
    free (self->agent_slots);
    free (self);
}

static const fo_reporter_ops console_ops = {
    .name = "console",
    .on_event = console_event,
    .tick = console_tick,
    .finish = console_finish,
    .destroy = console_destroy,
};

fo_reporter *
fo_reporter_console_new_config (const fo_reporter_config *config)
{
    console *self = fo_xcalloc (1, sizeof *self);
    self->out = config->console;
    self->estimate = fo_estimate_new (config->expected, config->expected_arg);
    self->opts = (fo_console_opts) {
        .verbosity = config->verbosity,
        .color = fo_term_color ((fo_color_mode) config->color, fileno (config->console)),
        .durations = config->durations,
    };
    self->progress_ms = config->progress_ms;
    return fo_reporter_new (&console_ops, self);
}

fo_reporter *
fo_reporter_console_new (FILE *out, fo_verbosity verbosity)
{
    return fo_reporter_console_new_config (&(fo_reporter_config) {
        .console = out, .verbosity = verbosity, .color = FO_COLOR_NEVER,
    });
}

/* A terminal gets the live view (but with -q: nothing until the
   summary); anything else (a file, a pipe, a CI log) the console's
   lines. */
static fo_reporter *
console_create (const fo_reporter_config *config)
{
    if (config->verbosity != FO_VERBOSITY_QUIET && fo_term_can_live (fileno (config->console)))
        return fo_reporter_live_new (config);
    return fo_reporter_console_new_config (config);
}

const fo_reporter_kind fo_reporter_kind_console = {
    .name = "console",
    .create = console_create,
};
