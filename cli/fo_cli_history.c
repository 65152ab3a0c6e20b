/*  fo_cli_history — see fo_cli_history.h. */
#include "fo_cli_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fo_util.h"

fo_history *
fo_cli_history_load (const char *command, const char *path)
{
    if (!path) {
        const char *env = getenv ("FANOUT_HISTORY");
        if (env && strcmp (env, FO_CLI_HISTORY_OFF) == 0)
            return NULL;
        path = env && *env ? env : FO_HISTORY_DEFAULT_PATH;
    }
    char warn[1024];
    fo_history *history = fo_history_load (path, warn, sizeof warn);
    if (warn[0])
        fprintf (stderr, "fanout %s: warning: %s\n", command, warn);
    return history;
}

typedef struct {
    const char *command;
    fo_history *history;
    const fo_report *report;    /* the final report, once RUN_ENDED came */
} recorder;

static void
recorder_event (void *state, const fo_event *ev)
{
    recorder *self = state;
    if (ev->type == FO_EVENT_FIXTURE_SET_UP && ev->u.fixture.duration_us > 0)
        fo_history_record_setup (self->history, ev->u.fixture.context, ev->u.fixture.duration_us);
    else if (ev->type == FO_EVENT_RUN_ENDED && ev->u.run_ended.complete)
        self->report = ev->report;
}

static int
recorder_finish (void *state, char *err, size_t errlen)
{
    (void) err;
    (void) errlen;
    recorder *self = state;
    if (!self->report)
        return 0;
    for (size_t i = 0; i < fo_report_ntests (self->report); i++) {
        const fo_test_record *rec = fo_report_test (self->report, i);
        /* Its final try: its duration and outcome (not_run is ignored). */
        if (rec->done)
            fo_history_record (self->history, rec->id, rec->outcome, rec->duration_us);
    }
    char why[1024];
    if (fo_history_save (self->history, why, sizeof why) != 0)
        fprintf (stderr, "fanout %s: warning: %s; the history is not updated\n", self->command,
                 why);
    return 0;
}

static void
recorder_destroy (void *state)
{
    recorder *self = state;
    fo_history_destroy (&self->history);
    free (self);
}

static const fo_reporter_ops recorder_ops = {
    .name = "history",
    .on_event = recorder_event,
    .finish = recorder_finish,
    .destroy = recorder_destroy,
};

fo_reporter *
fo_cli_history_reporter (const char *command, fo_history *history)
{
    recorder *self = fo_xcalloc (1, sizeof *self);
    self->command = command;
    self->history = history;
    return fo_reporter_new (&recorder_ops, self);
}
