/*  fo_reporter_metrics — the metrics reporter: every event goes into a
    fo_metrics (on the broker's thread), which the HTTP endpoint
    (fo_metrics_http) renders on its own thread. Its kind's option takes
    an ADDR, not a FILE: the kind's open parses it, binds the socket and
    starts serving before any test runs (a port in use is a usage error),
    and logs where (port 0 picks one); the reporter takes both over and
    stops serving when it is destroyed, once the run has ended and the
    final numbers were there to scrape. */
#include "fo_reporter.h"

#include <stdlib.h>

#include "fo_log.h"
#include "fo_metrics.h"
#include "fo_metrics_http.h"

/* What the kind's open makes: the numbers and their server. */
typedef struct {
    fo_metrics *metrics;
    fo_metrics_http *http;
} serving;

static void
serving_close (void *opened)
{
    serving *self = opened;
    if (!self)
        return;
    fo_metrics_http_destroy (&self->http);      /* first: it reads the metrics */
    fo_metrics_destroy (&self->metrics);
    free (self);
}

static void *
serving_open (const char *arg, const char *command, const char *suite, char *err, size_t errlen)
{
    serving *self = fo_xcalloc (1, sizeof *self);
    self->metrics = fo_metrics_new (suite);
    char why[512];
    self->http = fo_metrics_http_new (arg, self->metrics, command, why, sizeof why);
    if (!self->http) {
        fo_err (err, errlen, "--metrics %s", why);
        serving_close (self);
        return NULL;
    }
    fo_log (FO_LOG_INFO, command, "metrics at http://%s/metrics",
            fo_metrics_http_address (self->http));
    return self;
}

static void
metrics_event (void *state, const fo_event *ev)
{
    serving *self = state;
    fo_metrics_event (self->metrics, ev);
}

static const fo_reporter_ops metrics_ops = {
    .name = "metrics",
    .on_event = metrics_event,
    .destroy = serving_close,
};

static fo_reporter *
metrics_create (const fo_reporter_config *config)
{
    return fo_reporter_new (&metrics_ops, config->opened);
}

const fo_reporter_kind fo_reporter_kind_metrics = {
    .name = "metrics",
    .option = "metrics",
    .arg_name = "ADDR",
    .help = "serve Prometheus metrics of the run at\n"
            "http://ADDR/metrics while it runs: ADDR is\n"
            "HOST:PORT, [IPV6]:PORT or :PORT (every address);\n"
            "port 0 picks a free one (logged at info level);\n"
            "bound before any test runs (docs/deploy.md)",
    .create = metrics_create,
    .open = serving_open,
    .close = serving_close,
};
