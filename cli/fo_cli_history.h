/*  fo_cli_history — the history of a run on the command line
    (docs/test-history.md): where the store is (--history, $FANOUT_HISTORY, the
    default in the working directory), and the reporter that records what
    the run measured — every test with a final outcome, every shared
    setup's time — and saves it when the run ends. A store that cannot be
    read or written is a warning: the history only orders work, it never
    changes what a run reports or its exit status. */
#ifndef FO_CLI_HISTORY_H
#define FO_CLI_HISTORY_H

#include "fo_history.h"
#include "fo_reporter.h"

/* $FANOUT_HISTORY=off: no history, as --no-history (CI jobs, test
   scripts). A file called "off" is still ./off. */
#define FO_CLI_HISTORY_OFF "off"

/* Loads the store at path (NULL: $FANOUT_HISTORY, else
   FO_HISTORY_DEFAULT_PATH), printing a warning naming the command when it
   could not be used. NULL when $FANOUT_HISTORY is "off" and path is NULL. */
fo_history *fo_cli_history_load (const char *command, const char *path);

/* The reporter that records into history and saves it at the end; it
   takes the history (destroyed with the reporter). */
fo_reporter *fo_cli_history_reporter (const char *command, fo_history *history);

#endif
