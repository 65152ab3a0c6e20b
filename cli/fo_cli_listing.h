/*  fo_cli_listing — the part the agent-side listing commands share
    (fanout glib-names, fanout gtest-names: a source's discover step with
    `discover_on: agent`, docs/sources.md): runs `PROGRAM OPTION` here, in
    the current directory, with an empty environment and the importers'
    output bound (FO_IMPORT_MAX_OUTPUT), and hands back what it printed. */
#ifndef FO_CLI_LISTING_H
#define FO_CLI_LISTING_H

#include "fo_util.h"

/* 0 with the program's stdout in *out (NUL-terminated), or -1 after
   saying why on stderr as "fanout CMD: ...". *out is the caller's to free
   either way. */
int fo_cli_listing_run (const char *cmd, const char *program, const char *option, fo_buf *out);

#endif
