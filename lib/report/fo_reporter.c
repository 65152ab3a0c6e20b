/*  fo_reporter — see fo_reporter.h: the vtable wrapper, the list the run
    emits to, and the names of the event types. */
#include "fo_reporter.h"

#include <stdlib.h>

struct fo_reporter {
    const fo_reporter_ops *ops;
    void *state;
};

struct fo_reporters {
    fo_reporter **items;
    size_t len;
};

static const char *const event_names[] = {
    [FO_EVENT_RUN_STARTED] = "run_started",
    [FO_EVENT_AGENT_JOINED] = "agent_joined",
    [FO_EVENT_AGENT_LOST] = "agent_lost",
    [FO_EVENT_TASK_LEASED] = "task_leased",
    [FO_EVENT_LEASE_ENDED] = "lease_ended",
    [FO_EVENT_TASK_QUEUED] = "task_queued",
    [FO_EVENT_TASK_ENDED] = "task_ended",
    [FO_EVENT_TEST_STARTED] = "test_started",
    [FO_EVENT_TEST_FINISHED] = "test_finished",
    [FO_EVENT_TRY_HELD] = "try_held",
    [FO_EVENT_SLOW] = "slow",
    [FO_EVENT_FIXTURE_SET_UP] = "fixture_set_up",
    [FO_EVENT_FIXTURE_TORN_DOWN] = "fixture_torn_down",
    [FO_EVENT_FIXTURE_FAILED] = "fixture_failed",
    [FO_EVENT_TESTS_DISCOVERED] = "tests_discovered",
    [FO_EVENT_RUN_STOPPING] = "run_stopping",
    [FO_EVENT_RUN_ENDED] = "run_ended",
};

const char *
fo_event_type_name (fo_event_type type)
{
    return type >= FO_EVENT_RUN_STARTED && type <= FO_EVENT_LAST ? event_names[type] : "?";
}

fo_reporter *
fo_reporter_new (const fo_reporter_ops *ops, void *state)
{
    fo_reporter *self = fo_xcalloc (1, sizeof *self);
    self->ops = ops;
    self->state = state;
    return self;
}

void
fo_reporter_destroy (fo_reporter **self_p)
{
    fo_reporter *self = *self_p;
    if (!self)
        return;
    if (self->ops->destroy)
        self->ops->destroy (self->state);
    free (self);
    *self_p = NULL;
}

fo_reporters *
fo_reporters_new (void)
{
    return fo_xcalloc (1, sizeof (fo_reporters));
}

void
fo_reporters_destroy (fo_reporters **self_p)
{
    fo_reporters *self = *self_p;
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        fo_reporter_destroy (&self->items[i]);
    free (self->items);
    free (self);
    *self_p = NULL;
}

void
fo_reporters_add (fo_reporters *self, fo_reporter *reporter)
{
    self->items = fo_xrealloc (self->items, (self->len + 1) * sizeof *self->items);
    self->items[self->len++] = reporter;
}

void
fo_reporters_emit (fo_reporters *self, const fo_event *event)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i]->ops->on_event)
            self->items[i]->ops->on_event (self->items[i]->state, event);
}

void
fo_reporters_tick (fo_reporters *self, uint64_t now_ms)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->len; i++)
        if (self->items[i]->ops->tick)
            self->items[i]->ops->tick (self->items[i]->state, now_ms);
}

size_t
fo_reporters_end (fo_reporters *self, const fo_report *report, bool complete,
                  fo_reporter_error_fn *error_fn, void *arg)
{
    fo_event ended = {
        .type = FO_EVENT_RUN_ENDED,
        .report = report,
        .u.run_ended = { .complete = complete },
    };
    fo_reporters_emit (self, &ended);
    size_t failed = 0;
    for (size_t i = 0; self && i < self->len; i++) {
        fo_reporter *r = self->items[i];
        char err[1024] = "";
        if (r->ops->finish && r->ops->finish (r->state, err, sizeof err) != 0) {
            failed++;
            if (error_fn)
                error_fn (arg, r->ops->name, err);
        }
    }
    return failed;
}
