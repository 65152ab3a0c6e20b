/*  fo_reporter_json — the JSON reporter: the report for machines
    (docs/report-json.md), written once the run has ended into a
    destination checked before the run (fo_report_dest.h owns how the file
    reaches the disk). It needs no event but the last: the report holds
    everything. */
#include "fo_reporter.h"

#include <stdlib.h>

#include "fo_report_dest.h"

typedef struct {
    fo_report_dest *dest;
    const fo_report *report;    /* the final report, once RUN_ENDED came */
} json_reporter;

static void
json_event (void *state, const fo_event *ev)
{
    json_reporter *self = state;
    if (ev->type == FO_EVENT_RUN_ENDED)
        self->report = ev->report;
}

static int
json_finish (void *state, char *err, size_t errlen)
{
    json_reporter *self = state;
    if (!self->report)
        return 0;               /* the run never ended: nothing to write */
    return fo_report_write_json_to (self->report, self->dest, err, errlen);
}

static void
json_destroy (void *state)
{
    json_reporter *self = state;
    fo_report_dest_destroy (&self->dest);      /* an unwritten temporary file goes */
    free (self);
}

static const fo_reporter_ops json_ops = {
    .name = "json",
    .on_event = json_event,
    .finish = json_finish,
    .destroy = json_destroy,
};

static fo_reporter *
json_create (const fo_reporter_config *config)
{
    return fo_reporter_json_new (config->dest);
}

const fo_reporter_kind fo_reporter_kind_json = {
    .name = "json",
    .option = "json",
    .help = "also write the JSON report (docs/report-json.md);\n"
            "- for stdout alone (the console output then goes\n"
            "to stderr); checked before any test runs",
    .create = json_create,
};

fo_reporter *
fo_reporter_json_new (fo_report_dest *dest)
{
    json_reporter *self = fo_xcalloc (1, sizeof *self);
    self->dest = dest;
    return fo_reporter_new (&json_ops, self);
}
