/*  fo_cli — the `fanout` command line: one function per subcommand.

    cli/ wires the broker and agent libraries into the one binary users run;
    each subcommand parses its own options and returns the process's exit
    status (FO_EXIT_* from fo_report.h, 130 when interrupted).
*/
#ifndef FO_CLI_H
#define FO_CLI_H

#include <signal.h>

int fo_cmd_run (int argc, char **argv);
int fo_cmd_broker (int argc, char **argv);
int fo_cmd_agent (int argc, char **argv);
int fo_cmd_keygen (int argc, char **argv);

/* Worker slots for -j N: N > 0 as given, otherwise one per online core. */
unsigned fo_cli_default_jobs (void);
/* Parses a -j value ("4", "0", "-1"); -1 when it is not a number. */
int fo_cli_parse_jobs (const char *text, unsigned *jobs);

/* SIGINT/SIGTERM set fo_cli_interrupted; a second one restores the default
   action so that it ends the process at once. */
extern volatile sig_atomic_t fo_cli_interrupted;
void fo_cli_install_signals (void);

#endif
