/*  fo_suite_discover — runs a suite's `discover` commands on the broker,
    before planning, and reads their output with the `discover` importer
    (fo_importer.h, the same reading an agent does): each printed name
    becomes a test of the context, whose run is the context's `run`
    template with {name} filled in. Contexts with `discover_on: agent` are left to the run
    (their command is leased to an agent: broker/fo_run*). */
#ifndef FO_SUITE_DISCOVER_H
#define FO_SUITE_DISCOVER_H

#include <stddef.h>

#include "fo_suite.h"

/* Runs every context's `discover` command (in the context's cwd and env),
   adding one test per printed line. Returns 0, or -1 with
   "file:line:column: message" in err (command failed, duplicate id, ...). */
int fo_suite_discover (fo_suite *self, char *err, size_t errlen);

#endif
