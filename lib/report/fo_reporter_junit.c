/*  fo_reporter_junit — the JUnit XML reporter: the report CI systems read
    (Jenkins, GitLab, GitHub's test-report actions; docs/report-junit.md),
    written once the run has ended, interrupted or not, into a destination
    checked before the run, as the JSON report is (fo_report_dest.h). The
    rendering is fo_report_junit.c's; it needs no event but the last.
    libxml2 is loaded when the option is given (the kind's load), before
    the run: a run without it never maps libxml2. */
#include "fo_reporter.h"

#include <stdlib.h>

#include "fo_report_dest.h"
#include "fo_xml2.h"

typedef struct {
    fo_report_dest *dest;
    const fo_report *report;    /* the final report, once RUN_ENDED came */
} junit_reporter;

static void
junit_event (void *state, const fo_event *ev)
{
    junit_reporter *self = state;
    if (ev->type == FO_EVENT_RUN_ENDED)
        self->report = ev->report;
}

static int
junit_finish (void *state, char *err, size_t errlen)
{
    junit_reporter *self = state;
    if (!self->report)
        return 0;               /* the run never ended: nothing to write */
    return fo_report_write_junit_to (self->report, self->dest, err, errlen);
}

static void
junit_destroy (void *state)
{
    junit_reporter *self = state;
    fo_report_dest_destroy (&self->dest);      /* an unwritten temporary file goes */
    free (self);
}

static const fo_reporter_ops junit_ops = {
    .name = "json",
    .on_event = junit_event,
    .finish = junit_finish,
    .destroy = junit_destroy,
};

static fo_reporter *
junit_create (const fo_reporter_config *config)
{
    return fo_reporter_junit_new (config->dest);
}

const fo_reporter_kind fo_reporter_kind_junit = {
    .name = "junit",
    .option = "junit-xml",
    .help = "also write the JUnit XML report for CI systems\n"
            "(docs/report-junit.md); - for stdout alone; checked\n"
            "before any test runs, written also when interrupted",
    .create = junit_create,
    .load = fo_xml2_load,       /* libxml2, loaded only for this report */
};

fo_reporter *
fo_reporter_junit_new (fo_report_dest *dest)
{
    junit_reporter *self = fo_xcalloc (1, sizeof *self);
    self->dest = dest;
    return fo_reporter_new (&junit_ops, self);
}
